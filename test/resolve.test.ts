// The resolution engine on hand-built worlds: the seed's DNS paths and its failure modes.
import { test } from "node:test";
import assert from "node:assert/strict";
import { compileModel } from "../src/network/model.js";
import { Resolver, addressesOf } from "../src/network/resolve.js";
import { ServiceTags } from "../src/network/serviceTags.js";
import { findResolver } from "../src/network/resolverRef.js";
import { WorldBuilder } from "./helpers/worldBuilder.js";

const tags = ServiceTags.default();
const ARC = {
  "privatelink.his.arc.azure.com": { gbl: ["10.10.1.4"], eus: ["10.10.1.5"] },
  "privatelink.guestconfiguration.azure.com": { agentserviceapi: ["10.10.1.6"], "eastus-gas": ["10.10.1.7"] },
};

function reference(opts: { conditional?: string[]; target?: string; links?: boolean } = {}): WorldBuilder {
  const b = new WorldBuilder()
    .vnet("hub", "10.10.0.0/16", { pe: "10.10.1.0/24", dns: "10.10.2.0/28" })
    .inbound("resolver", "hub", "dns", "10.10.2.4")
    .site("onprem", "192.168.0.0/16", "hub")
    .dnsServer("dc1", "onprem", "192.168.1.10", {
      conditionalForwarders: (opts.conditional ?? ["his.arc.azure.com", "guestconfiguration.azure.com"]).map(
        (domain) => ({ domain, targets: [opts.target ?? "10.10.2.4"] }),
      ),
    })
    .host("server1", { site: "onprem" }, "192.168.1.50", { dnsServers: ["192.168.1.10"] });
  for (const [zone, recs] of Object.entries(ARC))
    b.zone(zone, recs, opts.links === false ? [] : [{ vnet: "hub" }]);
  return b;
}

function resolverOf(b: WorldBuilder): Resolver {
  return new Resolver(compileModel(b.build(), tags));
}

test("(a) Azure-integrated path: conditional forwarder → inbound endpoint → linked zone gives the private address on-premises", () => {
  const r = resolverOf(reference());
  const a = r.resolveForHost("server1", "gbl.his.arc.azure.com");
  assert.equal(a.rcode, "NOERROR");
  assert.deepEqual(addressesOf(a), ["10.10.1.4"]);
  assert.deepEqual(
    a.answers.map((x) => x.type),
    ["CNAME", "A"],
  );
  assert.equal(a.answers[0].data, "gbl.privatelink.his.arc.azure.com");
  const text = JSON.stringify(a.trace);
  assert.match(text, /conditional forwarder for his\.arc\.azure\.com/);
  assert.match(text, /site-to-site VPN/);
  assert.match(text, /private zone privatelink\.his\.arc\.azure\.com/);
  assert.deepEqual(addressesOf(r.resolveForHost("server1", "agentserviceapi.guestconfiguration.azure.com")), [
    "10.10.1.6",
  ]);
});

test("forwarding only the privatelink zones also works: recursion follows the public CNAME into the forwarded zone", () => {
  const r = resolverOf(reference({ conditional: ["privatelink.his.arc.azure.com"] }));
  assert.deepEqual(addressesOf(r.resolveForHost("server1", "gbl.his.arc.azure.com")), ["10.10.1.4"]);
});

test("(b) manual path: on-premises zone with A records copied from the endpoint", () => {
  const b = new WorldBuilder()
    .site("onprem", "192.168.0.0/16")
    .dnsServer("dc1", "onprem", "192.168.1.10", {
      zones: [
        {
          name: "privatelink.his.arc.azure.com",
          records: [{ name: "gbl", type: "A", values: ["10.10.1.4"] }],
        },
      ],
    })
    .host("server1", { site: "onprem" }, "192.168.1.50", { dnsServers: ["192.168.1.10"] });
  const r = resolverOf(b);
  const a = r.resolveForHost("server1", "gbl.his.arc.azure.com");
  assert.deepEqual(addressesOf(a), ["10.10.1.4"]);
  // The regional name is missing from the hand-made zone: the zone hides the public answer.
  const miss = r.resolveForHost("server1", "eus.his.arc.azure.com");
  assert.equal(miss.rcode, "NXDOMAIN");
  assert.match(JSON.stringify(miss.trace), /hides every other answer/);
});

test("(c) hosts file, Windows and Linux, before DNS", () => {
  for (const os of ["Windows", "Linux"]) {
    const b = new WorldBuilder()
      .site("onprem", "192.168.0.0/16")
      .host("s", { site: "onprem" }, "192.168.1.9", {
        osType: os,
        dnsServers: ["8.8.8.8"],
        hostsFile: "# comment\n10.10.1.4  gbl.his.arc.azure.com\n",
      });
    const r = resolverOf(b);
    const a = r.resolveForHost("s", "GBL.his.arc.azure.com");
    assert.deepEqual(addressesOf(a), ["10.10.1.4"], os);
    assert.match(a.answeredBy, os === "Windows" ? /drivers\\etc\\hosts line 2/ : /\/etc\/hosts line 2/);
    // Names not in the file go to DNS: public answer.
    const p = r.resolveForHost("s", "agentserviceapi.guestconfiguration.azure.com");
    assert.ok(tags.contains("AzureArcInfrastructure", addressesOf(p)[0]));
  }
});

test("(d) nslookup check: private on a well-configured host, public on a misconfigured one", () => {
  const b = reference().host("bad", { site: "onprem" }, "192.168.1.60", { dnsServers: ["8.8.8.8"] });
  const r = resolverOf(b);
  for (const n of ["gbl.his.arc.azure.com", "agentserviceapi.guestconfiguration.azure.com"]) {
    assert.match(addressesOf(r.resolveForHost("server1", n))[0], /^10\.10\.1\./);
    const pub = addressesOf(r.resolveForHost("bad", n))[0];
    assert.ok(tags.contains("AzureArcInfrastructure", pub), `${n} → ${pub} should be a public Arc address`);
  }
});

test("(e) a linked privatelink zone missing a record gives NXDOMAIN; NxDomainRedirect falls back to public", () => {
  const b = new WorldBuilder()
    .vnet("hub", "10.10.0.0/16", { vms: "10.10.3.0/24" })
    .zone("privatelink.his.arc.azure.com", { gbl: ["10.10.1.4"] }, [{ vnet: "hub" }])
    .host("vm", { vnet: "hub", subnet: "vms" }, "10.10.3.4");
  let r = resolverOf(b);
  const nx = r.resolveForHost("vm", "eus.his.arc.azure.com");
  assert.equal(nx.rcode, "NXDOMAIN");
  assert.equal(nx.authority[0].type, "SOA");
  assert.equal(nx.authority[0].name, "privatelink.his.arc.azure.com");
  const b2 = new WorldBuilder()
    .vnet("hub", "10.10.0.0/16", { vms: "10.10.3.0/24" })
    .zone("privatelink.his.arc.azure.com", { gbl: ["10.10.1.4"] }, [
      { vnet: "hub", policy: "NxDomainRedirect" },
    ])
    .host("vm", { vnet: "hub", subnet: "vms" }, "10.10.3.4");
  r = resolverOf(b2);
  const ok = r.resolveForHost("vm", "eus.his.arc.azure.com");
  assert.equal(ok.rcode, "NOERROR");
  assert.ok(tags.contains("AzureArcInfrastructure", addressesOf(ok)[0]));
  assert.deepEqual(addressesOf(r.resolveForHost("vm", "gbl.his.arc.azure.com")), ["10.10.1.4"]);
});

test("(g) a forwarder with no network path: the on-prem server answers SERVFAIL, the host finds no answer", () => {
  // The site has no VPN to the hub: the inbound endpoint is unreachable.
  const b = new WorldBuilder()
    .vnet("hub", "10.10.0.0/16", { pe: "10.10.1.0/24", dns: "10.10.2.0/28" })
    .inbound("resolver", "hub", "dns", "10.10.2.4")
    .zone("privatelink.his.arc.azure.com", { gbl: ["10.10.1.4"] }, [{ vnet: "hub" }])
    .site("onprem", "192.168.0.0/16")
    .dnsServer("dc1", "onprem", "192.168.1.10", {
      conditionalForwarders: [{ domain: "his.arc.azure.com", targets: ["10.10.2.4"] }],
    })
    .host("server1", { site: "onprem" }, "192.168.1.50", { dnsServers: ["192.168.1.10"] });
  const r = resolverOf(b);
  const dc = findResolver(r.model, "dc1")!;
  const a = r.resolveAt(dc.ref, "gbl.his.arc.azure.com", "A");
  assert.equal(a.rcode, "SERVFAIL");
  assert.match(JSON.stringify(a.trace), /no site-to-site VPN or ExpressRoute connection/);
  assert.equal(r.resolveForHost("server1", "gbl.his.arc.azure.com").rcode, "SERVFAIL");
});

test("Azure-provided DNS is unreachable from on-premises; a VM in the VNet uses it by default", () => {
  const b = reference().host("onpremBad", { site: "onprem" }, "192.168.1.70", {
    dnsServers: ["168.63.129.16"],
  });
  b.vnet("spoke", "10.20.0.0/16", { vms: "10.20.1.0/24" }).host(
    "vm",
    { vnet: "hub", subnet: "pe" },
    "10.10.1.40",
  );
  const r = resolverOf(b);
  const a = r.resolveForHost("onpremBad", "gbl.his.arc.azure.com");
  assert.equal(a.rcode, "SERVFAIL");
  assert.match(JSON.stringify(a.trace), /answers only queries from inside a VNet/);
  assert.deepEqual(addressesOf(r.resolveForHost("vm", "gbl.his.arc.azure.com")), ["10.10.1.4"]);
});

test("host resolver falls back to its next server when the first times out", () => {
  const b = reference().host("two", { site: "onprem" }, "192.168.1.80", {
    dnsServers: ["192.168.9.9", "192.168.1.10"],
    osType: "Windows",
  });
  const r = resolverOf(b);
  const a = r.resolveForHost("two", "gbl.his.arc.azure.com");
  assert.deepEqual(addressesOf(a), ["10.10.1.4"]);
  assert.match(JSON.stringify(a.trace), /timed out/);
});

test("public DNS: Arc names CNAME through their privatelink names to service-tag addresses; Entra ID and ARM too", () => {
  const r = resolverOf(new WorldBuilder());
  const pub = findResolver(r.model, "public")!;
  const a = r.resolveAt(pub.ref, "gbl.his.arc.azure.com", "A");
  assert.deepEqual(a.answers.map((x) => x.data).slice(0, 2), [
    "gbl.privatelink.his.arc.azure.com",
    "gbl.his.hybridcompute.trafficmanager.net",
  ]);
  assert.ok(tags.contains("AzureArcInfrastructure", addressesOf(a)[0]));
  assert.ok(
    tags.contains(
      "AzureActiveDirectory",
      addressesOf(r.resolveAt(pub.ref, "login.microsoftonline.com", "A"))[0],
    ),
  );
  assert.ok(
    tags.contains("AzureResourceManager", addressesOf(r.resolveAt(pub.ref, "management.azure.com", "A"))[0]),
  );
  assert.equal(r.resolveAt(pub.ref, "nothing.example", "A").rcode, "NXDOMAIN");
  // Deterministic: the same name gives the same address.
  assert.deepEqual(addressesOf(r.resolveAt(pub.ref, "gbl.his.arc.azure.com", "A")), addressesOf(a));
});

test("a forwarding loop ends in SERVFAIL, not a hang", () => {
  const b = new WorldBuilder()
    .site("onprem", "192.168.0.0/16")
    .dnsServer("a", "onprem", "192.168.1.1", { forwarders: ["192.168.1.2"] })
    .dnsServer("b", "onprem", "192.168.1.2", { forwarders: ["192.168.1.1"] });
  const r = resolverOf(b);
  assert.equal(r.resolveAt(findResolver(r.model, "a")!.ref, "x.example", "A").rcode, "SERVFAIL");
});

test("a type the name does not have is NODATA: public DNS answers AAAA with the CNAME chain only, never A records", () => {
  const r = resolverOf(new WorldBuilder());
  const pub = findResolver(r.model, "public")!;
  const a = r.resolveAt(pub.ref, "gbl.his.arc.azure.com", "AAAA");
  assert.equal(a.rcode, "NOERROR");
  assert.ok(a.answers.length > 0, "the CNAME chain is still given");
  assert.ok(
    a.answers.every((x) => x.type === "CNAME"),
    JSON.stringify(a.answers),
  );
  assert.equal(a.answers[0].data, "gbl.privatelink.his.arc.azure.com");
  const direct = r.resolveAt(pub.ref, "management.azure.com", "AAAA");
  assert.equal(direct.rcode, "NOERROR");
  assert.equal(addressesOf(direct).length, 0, JSON.stringify(direct.answers));
  // The A question still gets the addresses.
  assert.ok(addressesOf(r.resolveAt(pub.ref, "management.azure.com", "A")).length > 0);
});
