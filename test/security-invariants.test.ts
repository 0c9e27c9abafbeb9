// Security invariants of Azure Arc over Private Link, as a property test over generated topologies
// (several scopes with public network access Enabled or Disabled, private endpoints in a hub and a
// spoke VNet, privatelink zones linked to some VNets and not others, hosts with every kind of DNS
// path, machines associated with none / one / another scope, young and old associations,
// firewalls and proxies), checked by the network model (connect() and admit() for every host,
// every Arc / Entra ID / ARM name and every address it could dial, and every resolver's answer
// for every privatelink name), then by live agents against generated topologies served by ArcLink:
//   1. no machine gets into a private endpoint of a scope it is not associated with (or whose
//      association has not propagated yet);
//   2. no machine of a scope whose public network access is Disabled gets in on a public path;
//   3. Entra ID and ARM traffic never crosses a private endpoint;
//   4. DNS never answers from a private zone to a network the zone is not linked to.
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import fc from "fast-check";
import { machineOfHost } from "../src/analysis/hostMachine.js";
import { sandboxFromTopology } from "../src/analysis/lint/sources.js";
import { arcEndpointsFor, checkHost } from "../src/analysis/check.js";
import { keyOf } from "../src/core/resourceId.js";
import { admit, Purpose } from "../src/network/admit.js";
import { connect, ConnectResult } from "../src/network/connect.js";
import { compileModel, NetworkModel } from "../src/network/model.js";
import { Answer, addressesOf, Resolver, ResolverRef, resolverName } from "../src/network/resolve.js";
import { ServiceTags } from "../src/network/serviceTags.js";
import { TraceStep } from "../src/network/trace.js";
import { Entry, World } from "../src/world/world.js";
import { arm, raw, token } from "./helpers/arm.js";
import {
  advanceClock,
  connectArgs,
  getMachine,
  hostCredential,
  hostEnv,
  machineId,
  NET,
  patchAssociation,
  rgPath,
  runAgent,
  scopeIdOf,
} from "./helpers/agent.js";
import { addressesOf as digAddresses, dig } from "./helpers/dns.js";
import { startServer } from "./helpers/server.js";
import { HostOpts, lintWorld, LintWorldOpts, SCOPE, SCOPE_B, SCOPE_C } from "./lint-world.js";

const NOW = new Date("2026-01-10T12:00:00Z");
const DELAY = 15 * 60_000;
const ENTRA_ARM = [
  "login.microsoftonline.com",
  "login.windows.net",
  "pas.windows.net",
  "management.azure.com",
];
const NAMES = arcEndpointsFor("eastus");
const PURPOSES: Purpose[] = ["onboard", "heartbeat", "extension", "remote-access", "check"];
const MACHINE_PURPOSES: Purpose[] = ["onboard", "heartbeat", "extension", "remote-access"];

// ---- Generated worlds (test/lint-world.ts builds them) ----

const ARC4 = [
  "gbl.his.arc.azure.com",
  "eus.his.arc.azure.com",
  "agentserviceapi.guestconfiguration.azure.com",
  "eastus-gas.guestconfiguration.azure.com",
];
const hostsLines = (prefix: string, names: string[] = ARC4) =>
  names.map((n, i) => `${prefix}.${4 + i} ${n}`).join("\n") + "\n";
const HOSTS_FILES: Record<string, string | undefined> = {
  none: undefined,
  peA: hostsLines("10.10.1"),
  peB: hostsLines("10.10.3"),
  peC: hostsLines("10.20.1"),
  // Entra ID and ARM names pointed at a private endpoint's addresses.
  entraToPe: hostsLines("10.10.1", ENTRA_ARM),
  entraToPeC: hostsLines("10.20.1", ENTRA_ARM),
};
const MANUAL_ZONES = [
  {
    name: "privatelink.his.arc.azure.com",
    records: [
      { name: "gbl", type: "A", values: ["10.10.1.4"] },
      { name: "eus", type: "A", values: ["10.10.1.5"] },
    ],
  },
  {
    name: "privatelink.guestconfiguration.azure.com",
    records: [{ name: "agentserviceapi", type: "A", values: ["10.10.1.6"] }],
  },
];

const hostArb = fc.record({
  where: fc.constantFrom("site", "site", "spoke", "hub"),
  dns: fc.constantFrom("dc01", "public", "inbound", "azure", "dc01+public"),
  hostsFile: fc.constantFrom("none", "none", "peA", "peB", "peC", "entraToPe", "entraToPeC"),
  association: fc.constantFrom("none", "A", "B", "C", "youngA", "youngC", "oldB", "nomachine"),
  proxy: fc.constantFrom("none", "none", "proxy", "proxy+bypass"),
});

const worldArb = fc.record({
  publicA: fc.constantFrom("Enabled" as const, "Disabled" as const),
  publicB: fc.constantFrom("Enabled" as const, "Disabled" as const),
  scopeB: fc.constantFrom("none", "noEndpoint", "hubEndpoint"),
  statusA: fc.constantFrom("Approved", "Approved", "Approved", "Pending"),
  dnsPath: fc.constantFrom("forwarder", "manual", "none"),
  hubZonesLinked: fc.constantFrom(true, true, true, false),
  zonePolicy: fc.constantFrom("Default" as const, "Default" as const, "NxDomainRedirect" as const),
  missingRecord: fc.constantFrom(false, false, true),
  spoke: fc.option(
    fc.record({
      peered: fc.boolean(),
      siteConnected: fc.boolean(),
      scopePublic: fc.constantFrom("Enabled" as const, "Disabled" as const),
      connectionStatus: fc.constantFrom("Approved", "Approved", "Rejected"),
      zones: fc.constantFrom("own" as const, "hub" as const, "none" as const),
    }),
    { nil: undefined, freq: 3 },
  ),
  aad: fc.boolean(),
  arm: fc.boolean(),
  pe: fc.constantFrom(true, true, false),
  defaultAllow: fc.boolean(),
  hosts: fc.array(hostArb, { minLength: 1, maxLength: 5 }),
});

type Gen = typeof worldArb extends fc.Arbitrary<infer T> ? T : never;

const SCOPES: Record<string, string> = { A: SCOPE, B: SCOPE_B, C: SCOPE_C };

function build(g: Gen): World {
  const hosts: HostOpts[] = g.hosts.map((h, i) => {
    const inSpoke = h.where === "spoke" && !!g.spoke;
    const inHub = h.where === "hub";
    const inVnet = inSpoke || inHub;
    const dns =
      h.dns === "dc01"
        ? ["192.168.1.10"]
        : h.dns === "public"
          ? ["8.8.8.8"]
          : h.dns === "inbound"
            ? ["10.10.2.4"]
            : h.dns === "dc01+public"
              ? ["192.168.1.10", "8.8.8.8"]
              : inVnet
                ? []
                : ["192.168.1.10"];
    const a = h.association;
    const scopeKey = a === "none" || a === "nomachine" ? undefined : a.replace(/^(young|old)/, "");
    const file = HOSTS_FILES[h.hostsFile];
    return {
      name: `h${i}`,
      ip: inSpoke ? `10.20.5.${10 + i}` : inHub ? `10.10.3.${50 + i}` : `192.168.1.${20 + i * 10}`,
      ...(inSpoke ? { subnet: { vnet: "spoke", subnet: "snet-vm" } } : {}),
      ...(inHub ? { subnet: { vnet: "hub", subnet: "snet-pe-b" } } : {}),
      dns,
      ...(file ? { hostsFile: file } : {}),
      ...(h.proxy !== "none" && !inVnet
        ? {
            proxyUrl: "http://192.168.1.5:3128",
            ...(h.proxy === "proxy+bypass" ? { proxyBypass: ["Arc"] } : {}),
          }
        : {}),
      machine:
        a === "nomachine"
          ? false
          : {
              scope: scopeKey ? SCOPES[scopeKey] : null,
              ...(a.startsWith("young")
                ? { associatedAt: new Date(NOW.getTime() - 3 * 60_000).toISOString() }
                : a.startsWith("old")
                  ? { associatedAt: new Date(NOW.getTime() - 2 * 3_600_000).toISOString() }
                  : {}),
            },
    };
  });
  const o: LintWorldOpts = {
    now: NOW,
    scopePublic: g.publicA,
    connectionStatus: g.statusA,
    forwarders: g.dnsPath === "forwarder",
    ...(g.dnsPath === "manual" ? { dcZones: MANUAL_ZONES } : {}),
    zoneLinks: g.hubZonesLinked,
    zonePolicy: g.zonePolicy,
    // The regional record missing: NXDOMAIN from the zone, or the public answer with NxDomainRedirect.
    ...(g.missingRecord
      ? {
          zoneRecords: {
            "privatelink.his.arc.azure.com": {
              gbl: [g.scopeB === "hubEndpoint" ? "10.10.3.4" : "10.10.1.4"],
            },
          },
        }
      : {}),
    ...(g.scopeB === "hubEndpoint" ? { secondScope: true } : {}),
    ...(g.scopeB !== "none" ? { otherScope: true, otherScopePublic: g.publicB } : {}),
    ...(g.spoke ? { spoke: g.spoke } : {}),
    firewall: { aad: g.aad, arm: g.arm, pe: g.pe, defaultAction: g.defaultAllow ? "Allow" : "Deny" },
    proxy: true,
    hosts,
  };
  return lintWorld(o);
}

// ---- The invariants, checked against the model ----

interface Stats {
  worlds: number;
  hosts: number;
  connections: number;
  admissions: number;
  privateAdmitted: number;
  publicAdmitted: number;
  refusals: Record<string, number>;
  dnsAnswers: number;
  dnsFromPrivateZone: number;
}

function newStats(): Stats {
  return {
    worlds: 0,
    hosts: 0,
    connections: 0,
    admissions: 0,
    privateAdmitted: 0,
    publicAdmitted: 0,
    refusals: {},
    dnsAnswers: 0,
    dnsFromPrivateZone: 0,
  };
}

const isEntraOrArm = (name: string) => ENTRA_ARM.includes(name);
const lastSegment = (id: unknown) =>
  String(id ?? "")
    .split("/")
    .pop()!
    .toLowerCase();

/** The facts an invariant needs, read from the stored resources (not through the evaluators). */
function scopeOf(w: World, id: string | undefined): Entry | undefined {
  return id ? w.get(id) : undefined;
}

function connectionApproved(w: World, scopeId: string, peId: string): boolean {
  return w
    .children(scopeId, "Microsoft.HybridCompute/privateLinkScopes/privateEndpointConnections")
    .some(
      (c) =>
        keyOf(String(c.body.properties?.privateEndpoint?.id ?? "")) === keyOf(peId) &&
        c.body.properties?.privateLinkServiceConnectionState?.status === "Approved",
    );
}

function propagated(machine: Entry, now: Date): boolean {
  const at = Date.parse(machine.body._arclink?.associatedAt ?? "");
  if (!Number.isFinite(at) || machine.body._arclink?.associatedAtCreation === true) return true;
  return now.getTime() - at >= DELAY;
}

/** Invariants 1–3 for one connection attempt (every purpose, with and without the machine). */
function checkConnection(
  w: World,
  what: string,
  name: string,
  c: ConnectResult,
  machine: Entry | undefined,
  s: Stats,
  admitFn: typeof admit = admit,
): void {
  s.connections++;
  if (!c.ok) return;
  for (const purpose of PURPOSES) {
    for (const m of machine ? [machine, undefined] : [undefined]) {
      const a = admitFn(w, {
        serverName: name,
        endpoint: c.endpoint!,
        purpose,
        machine: m,
        agentVersion: m?.body.properties?.agentVersion,
        now: NOW,
        propagationDelayMs: DELAY,
      });
      s.admissions++;
      if (!a.admitted) s.refusals[a.code!] = (s.refusals[a.code!] ?? 0) + 1;
      const at = `${what}, ${name} ${purpose} ${m ? `as machine ${m.body.name}` : "anonymously"} via ${c.path} ${c.address}: ${a.message}`;
      if (c.path === "private" && c.endpoint?.kind === "private-endpoint") {
        const pe = c.endpoint.pe;
        // 3. Entra ID and ARM never cross a private endpoint.
        if (isEntraOrArm(name))
          assert.equal(a.admitted, false, `Entra ID/ARM over a private endpoint: ${at}`);
        if (!a.admitted) continue;
        if (m && MACHINE_PURPOSES.includes(purpose)) {
          // 1. Only a machine of the endpoint's scope, once its association has propagated.
          const scopeId = m.body.properties?.privateLinkScopeResourceId;
          assert.ok(scopeId, `unassociated machine admitted at a private endpoint: ${at}`);
          assert.equal(keyOf(scopeId), keyOf(pe.targetId), `machine of another scope admitted: ${at}`);
          assert.ok(propagated(m, NOW), `association not yet propagated, yet admitted: ${at}`);
          assert.ok(connectionApproved(w, pe.targetId, pe.id), `endpoint connection not Approved: ${at}`);
          assert.notEqual(purpose, "remote-access", `remote access over Private Link: ${at}`);
          s.privateAdmitted++;
        }
      } else if (c.path === "public" && a.admitted && m && MACHINE_PURPOSES.includes(purpose)) {
        // 2. No public path for a machine of a scope whose public network access is Disabled.
        if (!isEntraOrArm(name) && /\.(his\.arc|guestconfiguration)\.azure\.com$/.test(name)) {
          const scope = scopeOf(w, m.body.properties?.privateLinkScopeResourceId);
          assert.notEqual(
            scope?.body.properties?.publicNetworkAccess,
            "Disabled",
            `public path admitted for a machine of a Disabled scope: ${at}`,
          );
          s.publicAdmitted++;
        }
      }
    }
  }
}

/** Every step of a trace, nested steps included. */
function flatten(steps: TraceStep[], out: TraceStep[] = []): TraceStep[] {
  for (const st of steps) {
    out.push(st);
    if (st.steps) flatten(st.steps, out);
  }
  return out;
}

/** zone name → VNet name → the records (relative name → IPs) of the zones of that name linked to it. */
type Links = Map<string, Map<string, Map<string, Set<string>>>>;

function linksOf(w: World): Links {
  const out: Links = new Map();
  for (const z of w.ofType("Microsoft.Network/privateDnsZones")) {
    const zone = String(z.body.name).toLowerCase();
    const recs = new Map<string, Set<string>>();
    for (const r of w.children(z.id, "Microsoft.Network/privateDnsZones/A"))
      recs.set(
        String(r.body.name).toLowerCase(),
        new Set((r.body.properties?.aRecords ?? []).map((x: any) => x.ipv4Address)),
      );
    for (const l of w.children(z.id, "Microsoft.Network/privateDnsZones/virtualNetworkLinks")) {
      const vnetId = l.body.properties?.virtualNetwork?.id;
      if (!vnetId || !w.get(vnetId)) continue;
      const byVnet = out.get(zone) ?? new Map<string, Map<string, Set<string>>>();
      const merged = byVnet.get(lastSegment(vnetId)) ?? new Map<string, Set<string>>();
      for (const [k, v] of recs) merged.set(k, new Set([...(merged.get(k) ?? []), ...v]));
      byVnet.set(lastSegment(vnetId), merged);
      out.set(zone, byVnet);
    }
  }
  return out;
}

/** Every privatelink record's full name and IPs across all zones (linked or not). */
function privateRecords(w: World): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  for (const z of w.ofType("Microsoft.Network/privateDnsZones")) {
    for (const r of w.children(z.id, "Microsoft.Network/privateDnsZones/A")) {
      const fqdn = `${String(r.body.name).toLowerCase()}.${String(z.body.name).toLowerCase()}`;
      const set = out.get(fqdn) ?? new Set<string>();
      for (const x of r.body.properties?.aRecords ?? []) set.add(x.ipv4Address);
      out.set(fqdn, set);
    }
  }
  return out;
}

/**
 * 4. An answer never comes from a private zone the answering network is not linked to: every
 * trace step where Azure DNS (or an inbound endpoint) of a VNet consults a private zone names a
 * zone linked to that VNet, and every private record address in the answer was served by such a
 * step (or by an on-premises server's own copy, or a hosts file).
 */
function checkAnswer(
  m: NetworkModel,
  links: Links,
  records: Map<string, Set<string>>,
  vnetOfResolver: Map<string, string>,
  what: string,
  a: Answer,
  s: Stats,
  publicOnly: boolean,
): void {
  s.dnsAnswers++;
  const steps = flatten(a.trace);
  const served: Array<{ zone: string; vnet: string; rel: string }> = [];
  let copy = false;
  for (const st of steps) {
    if (/^DNS server /.test(st.at) && /^its zone /.test(st.what)) copy = true;
    if (/ line \d+ maps /.test(st.what)) copy = true;
    const z = /^private zone (\S+) /.exec(st.what);
    if (!z) continue;
    const vnet = vnetOfResolver.get(st.at);
    assert.ok(vnet, `${what}: a private zone step at an unknown resolver '${st.at}': ${st.what}`);
    assert.equal(publicOnly, false, `${what}: public DNS consulted private zone ${z[1]}: ${st.what}`);
    const zone = z[1].toLowerCase();
    assert.ok(
      links.get(zone)?.has(vnet),
      `${what}: ${st.at} answered from private zone ${zone}, which is not linked to VNet ${vnet}: ${st.what}`,
    );
    const answers = / answers (\S+?):/.exec(st.what);
    if (answers) {
      const name = answers[1].toLowerCase();
      served.push({ zone, vnet, rel: name === zone ? "@" : name.slice(0, -(zone.length + 1)) });
    }
  }
  if (served.length) s.dnsFromPrivateZone++;
  for (const rr of a.answers) {
    if (rr.type !== "A") continue;
    const priv = records.get(String(rr.name).toLowerCase());
    if (!priv?.has(String(rr.data))) continue;
    const ok =
      copy ||
      served.some(
        (x) =>
          String(rr.name).toLowerCase() === (x.rel === "@" ? x.zone : `${x.rel}.${x.zone}`) &&
          links.get(x.zone)?.get(x.vnet)?.get(x.rel)?.has(String(rr.data)),
      );
    assert.ok(
      ok,
      `${what}: ${rr.name} → ${rr.data} is a private zone record, but no zone linked to the answering network served it: ${JSON.stringify(a.trace)}`,
    );
  }
}

/** Resolver name (as traces say it) → the name of the VNet whose Azure DNS it is. */
function vnetsOfResolvers(m: NetworkModel): Map<string, string> {
  const out = new Map<string, string>();
  for (const v of m.vnets.values())
    out.set(resolverName(m, { kind: "azure", vnet: v.key }), v.name.toLowerCase());
  for (const ie of m.inboundEndpoints.values())
    out.set(resolverName(m, { kind: "inbound", key: ie.key }), m.vnets.get(ie.vnet)!.name.toLowerCase());
  return out;
}

function checkDns(w: World, m: NetworkModel, resolver: Resolver, s: Stats): void {
  const links = linksOf(w);
  const records = privateRecords(w);
  const refs: ResolverRef[] = [
    { kind: "public" },
    ...[...m.vnets.keys()].map((vnet) => ({ kind: "azure" as const, vnet })),
    ...[...m.inboundEndpoints.keys()].map((key) => ({ kind: "inbound" as const, key })),
    ...[...m.dnsServers.keys()].map((key) => ({ kind: "server" as const, key })),
  ];
  const vnetOfResolver = vnetsOfResolvers(m);
  const names = [...new Set([...records.keys(), ...ARC4, ...ENTRA_ARM])];
  for (const ref of refs)
    for (const n of names)
      checkAnswer(
        m,
        links,
        records,
        vnetOfResolver,
        `${resolverName(m, ref)} asked ${n}`,
        resolver.resolveAt(ref, n, "A"),
        s,
        ref.kind === "public",
      );
  for (const h of m.hosts.values())
    for (const n of names)
      checkAnswer(
        m,
        links,
        records,
        vnetOfResolver,
        `host ${h.name} asked ${n}`,
        resolver.resolveForHost(h.key, n, "A"),
        s,
        false,
      );
}

/** All four invariants over one world; returns nothing, throws on a violation. */
function checkWorld(w: World, s: Stats, label = ""): void {
  s.worlds++;
  const m = compileModel(w, ServiceTags.default());
  const resolver = new Resolver(m);
  const peIps = [...m.privateEndpoints.values()].flatMap((pe) => pe.addresses.map((a) => a.ip));
  const proxies = [...m.sites.values()].flatMap((x) => x.proxies.map((p) => ({ ip: p.ip, port: p.port })));
  for (const h of m.hosts.values()) {
    s.hosts++;
    const machine = machineOfHost(w, h);
    const what = `${label} host ${h.name}`;
    for (const name of NAMES) {
      // What its own DNS gives, the public address, and every private endpoint address in the world.
      const ips = new Set<string>([
        ...addressesOf(resolver.resolveForHost(h.key, name, "A")),
        ...addressesOf(resolver.resolveAt({ kind: "public" }, name, "A")),
        ...peIps,
      ]);
      for (const ip of ips)
        checkConnection(w, what, name, connect(m, resolver, h, ip, 443, { serverName: name }), machine, s);
      for (const proxy of proxies)
        checkConnection(
          w,
          `${what} through proxy ${proxy.ip}`,
          name,
          connect(m, resolver, h, "0.0.0.0", 443, { serverName: name, proxy }),
          machine,
          s,
        );
    }
    // check() (what lint and `arclink check` report) obeys the same invariants.
    const hc = checkHost({ view: w, resolver, now: NOW, propagationDelayMs: DELAY }, h, "eastus");
    for (const e of hc.endpoints) {
      if (e.verdict === "private") {
        assert.ok(!isEntraOrArm(e.endpoint), `${what}: check() says ${e.endpoint} is private`);
        const pe = [...m.privateEndpoints.values()].find((p) => p.addresses.some((a) => a.ip === e.address));
        assert.ok(pe, `${what}: ${e.endpoint} private at ${e.address}, which is no private endpoint`);
        if (!machine) continue; // an anonymous reachability check
        assert.equal(
          keyOf(String(machine.body.properties?.privateLinkScopeResourceId ?? "")),
          keyOf(pe.targetId),
          `${what}: check() admits ${e.endpoint} at another scope's endpoint ${pe.name}`,
        );
      }
      if (e.verdict === "public" && machine && !isEntraOrArm(e.endpoint)) {
        const scope = scopeOf(w, machine.body.properties?.privateLinkScopeResourceId);
        assert.notEqual(
          scope?.body.properties?.publicNetworkAccess,
          "Disabled",
          `${what}: ${e.endpoint} public`,
        );
      }
    }
  }
  checkDns(w, m, resolver, s);
}

const modelStats = newStats();

describe("security invariants: network model", () => {
  it("property: over 250 generated topologies, every host, name and address obeys the four invariants", () => {
    fc.assert(
      fc.property(worldArb, (g) => {
        checkWorld(build(g), modelStats, JSON.stringify(g));
      }),
      { numRuns: 250, seed: 20260110, includeErrorInReport: true },
    );
    // The generator reaches every interesting outcome (the invariants are not vacuous).
    const s = modelStats;
    assert.ok(s.privateAdmitted > 0, JSON.stringify(s));
    assert.ok(s.publicAdmitted > 0, JSON.stringify(s));
    assert.ok(s.dnsFromPrivateZone > 0, JSON.stringify(s));
    for (const code of [
      "MachineNotAssociatedWithScope",
      "MachineAssociatedWithAnotherScope",
      "AssociationNotYetPropagated",
      "PublicNetworkAccessDisabled",
      "ServiceNotServedByPrivateEndpoint",
      "PrivateEndpointConnectionNotApproved",
      "RemoteAccessNotSupportedOverPrivateLink",
    ])
      assert.ok((s.refusals[code] ?? 0) > 0, `no ${code} in ${JSON.stringify(s)}`);
    console.log(`model figures: ${JSON.stringify(s)}`);
  });

  // The checks themselves fail on a violation (a permissive admission, a leaking resolver).
  it("the checks reject an admission that lets a machine into another scope's endpoint", () => {
    const w = lintWorld({ now: NOW, hosts: [{ name: "x", machine: { scope: SCOPE_B } }], otherScope: true });
    const m = compileModel(w, ServiceTags.default());
    const r = new Resolver(m);
    const h = [...m.hosts.values()][0];
    const c = connect(m, r, h, "10.10.1.5", 443, { serverName: "eus.his.arc.azure.com" });
    assert.equal(c.path, "private", c.message);
    const machine = machineOfHost(w, h);
    // The real admission refuses; a permissive one is caught.
    checkConnection(w, "control", "eus.his.arc.azure.com", c, machine, newStats());
    const permissive: typeof admit = () => ({ admitted: true, message: "accepted", trace: [] });
    assert.throws(
      () => checkConnection(w, "control", "eus.his.arc.azure.com", c, machine, newStats(), permissive),
      /machine of another scope admitted/,
    );
    const entra = connect(m, r, h, "10.10.1.4", 443, { serverName: "login.microsoftonline.com" });
    assert.throws(
      () =>
        checkConnection(w, "control", "login.microsoftonline.com", entra, machine, newStats(), permissive),
      /Entra ID\/ARM over a private endpoint/,
    );
  });

  it("the checks reject a DNS answer served from a zone not linked to the answering VNet", () => {
    const w = lintWorld({ now: NOW, spoke: { zones: "none", peered: true } });
    const m = compileModel(w, ServiceTags.default());
    const links = linksOf(w);
    const records = privateRecords(w);
    const spoke = [...m.vnets.values()].find((v) => v.name === "spoke")!;
    const at = resolverName(m, { kind: "azure", vnet: spoke.key });
    const vnets = new Map([[at, "spoke"]]);
    const n = "gbl.privatelink.his.arc.azure.com";
    const leak: Answer = {
      rcode: "NOERROR",
      answers: [{ name: n, type: "A", ttl: 10, data: "10.10.1.4" }],
      authority: [],
      aa: true,
      answeredBy: at,
      trace: [
        {
          at,
          what: `private zone privatelink.his.arc.azure.com (linked to VNet spoke by l) answers ${n}: A 10.10.1.4`,
          outcome: "ok",
        },
      ],
    };
    assert.throws(
      () => checkAnswer(m, links, records, vnets, "control", leak, newStats(), false),
      /not linked to VNet spoke/,
    );
    const silent: Answer = { ...leak, trace: [{ at, what: "resolved publicly", outcome: "info" }] };
    assert.throws(
      () => checkAnswer(m, links, records, vnets, "control", silent, newStats(), false),
      /no zone linked/,
    );
    // The real resolver answers the spoke publicly.
    const real = new Resolver(m).resolveAt({ kind: "azure", vnet: spoke.key }, n, "A");
    checkAnswer(m, links, records, vnets, "control", real, newStats(), false);
    assert.ok(!addressesOf(real).includes("10.10.1.4"), JSON.stringify(real.answers));
  });
});

// ---- Live: generated topologies served by ArcLink, azcmagent as a child process through the gateway ----

const RGL = "rg-arc-private-link";
type Assoc = "pls-arc" | "pls-b" | "none";
interface LiveGen {
  publicA: "Enabled" | "Disabled";
  publicB: "Enabled" | "Disabled";
  forwarders: boolean;
  assoc: Assoc[];
}
const LIVE_HOSTS = [
  { name: "h0", dns: "dc01", ip: "192.168.1.21" },
  { name: "h1", dns: "8.8.8.8", ip: "192.168.1.22" },
  // Its hosts file points the Arc names at pls-b's private endpoint (no zone points there).
  { name: "h2", dns: "dc01", ip: "192.168.1.23", hostsFile: hostsLines("10.10.3") },
];

function liveTopology(g: LiveGen): string {
  const zones = [
    "privatelink.his.arc.azure.com",
    "privatelink.guestconfiguration.azure.com",
    "privatelink.dp.kubernetesconfiguration.azure.com",
  ];
  return `resourceGroups: [{ name: ${RGL}, location: eastus }]
virtualNetworks:
  - name: vnet-hub
    addressPrefixes: [10.10.0.0/16]
    subnets:
      - { name: snet-pe, addressPrefix: 10.10.1.0/24 }
      - { name: snet-pe-b, addressPrefix: 10.10.3.0/24 }
      - { name: snet-in, addressPrefix: 10.10.2.0/28, delegation: Microsoft.Network/dnsResolvers }
privateLinkScopes:
  - { name: pls-arc, location: eastus, publicNetworkAccess: ${g.publicA} }
  - { name: pls-b, location: eastus, publicNetworkAccess: ${g.publicB} }
privateDnsZones:
${zones.map((z) => `  - { name: ${z}, virtualNetworkLinks: [{ virtualNetwork: vnet-hub }] }`).join("\n")}
privateEndpoints:
  - name: pe-arc
    subnet: vnet-hub/snet-pe
    privateLinkScope: pls-arc
    privateDnsZoneGroup: { name: default, zones: [${zones.join(", ")}] }
  - { name: pe-b, subnet: vnet-hub/snet-pe-b, privateLinkScope: pls-b }
dnsResolvers:
  - { name: dnspr, virtualNetwork: vnet-hub, inboundEndpoints: [{ name: inbound, subnet: snet-in, privateIPAddress: 10.10.2.4 }] }
sites: [{ name: onprem, addressPrefixes: [192.168.0.0/16] }]
siteConnections: [{ name: vpn, site: onprem, virtualNetwork: vnet-hub, type: Vpn }]
dnsServers:
  - name: dc01
    site: onprem
    ipAddress: 192.168.1.10
    conditionalForwarders: ${g.forwarders ? "[{ domain: his.arc.azure.com, targets: [dnspr/inbound] }, { domain: guestconfiguration.azure.com, targets: [dnspr/inbound] }]" : "[]"}
    recursion: true
firewalls:
  - name: fw
    site: onprem
    defaultAction: Deny
    rules:
      - { name: dns, priority: 100, action: Allow, protocol: Any, destinationAddresses: ["*"], destinationPorts: ["53"] }
      - { name: aad, priority: 150, action: Allow, protocol: Tcp, destinationAddresses: [AzureActiveDirectory], destinationPorts: ["443"] }
      - { name: arm, priority: 151, action: Allow, protocol: Tcp, destinationAddresses: [AzureResourceManager], destinationPorts: ["443"] }
      - { name: arc, priority: 152, action: Allow, protocol: Tcp, destinationAddresses: [AzureArcInfrastructure, GuestAndHybridManagement], destinationPorts: ["443"] }
      - { name: pe, priority: 200, action: Allow, protocol: Tcp, destinationAddresses: [10.10.0.0/16], destinationPorts: ["443"] }
hosts:
${LIVE_HOSTS.map((h) => `  - { name: ${h.name}, site: onprem, ipAddress: ${h.ip}, os: Linux, dnsServers: [${h.dns}]${h.hostsFile ? `, hostsFile: ${JSON.stringify(h.hostsFile)}` : ""} }`).join("\n")}
machines:
${LIVE_HOSTS.map((h, i) => `  - { name: ${h.name}, location: eastus${g.assoc[i] !== "none" ? `, privateLinkScope: ${g.assoc[i]}` : ""} }`).join("\n")}
`;
}

/** The scope (by name) whose private endpoint owns this address in the live topologies. */
const scopeAt = (ip: string): Assoc | undefined =>
  ip.startsWith("10.10.1.") ? "pls-arc" : ip.startsWith("10.10.3.") ? "pls-b" : undefined;

const liveStats = {
  topologies: 0,
  agentRuns: 0,
  dials: 0,
  dnsQueries: 0,
  refusedConnects: 0,
  privateConnects: 0,
  propagation: 0,
};

describe("security invariants: live agents through the gateway", () => {
  let tmp: string;
  before(() => {
    tmp = mkdtempSync(join(tmpdir(), "security-live-"));
  });
  after(() => {
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  const gens: LiveGen[] = fc
    .sample(
      fc.record({
        publicA: fc.constantFrom("Enabled" as const, "Disabled" as const),
        publicB: fc.constantFrom("Enabled" as const, "Disabled" as const),
        forwarders: fc.constantFrom(true, true, false),
      }),
      { numRuns: 3, seed: 8 },
    )
    // Every association on every kind of host across the three topologies.
    .map((g, i) => ({
      ...g,
      assoc: [0, 1, 2].map((j) => (["pls-arc", "pls-b", "none"] as const)[(i + j) % 3]),
    }));

  for (const [gi, g] of gens.entries()) {
    it(
      `topology ${gi} ${JSON.stringify(g)}: agents and raw dials obey the invariants`,
      { timeout: 240_000 },
      async () => {
        const file = join(tmp, `w${gi}.yaml`);
        writeFileSync(file, liveTopology(g));
        const srv = await startServer({ args: ["--topology", file] });
        try {
          liveStats.topologies++;
          const { sandbox } = await sandboxFromTopology(liveTopology(g), file, srv.info.subscriptionId);
          const w = sandbox.world;
          const m = compileModel(w, ServiceTags.default());
          const resolver = new Resolver(m);
          // The model world is the served world: same private endpoint addresses.
          const peB = await arm(
            srv.info,
            "GET",
            rgPath(srv, `Microsoft.Network/privateEndpoints/pe-b?${NET}`),
          );
          assert.equal(peB.status, 200, peB.text);
          const cfg = Object.fromEntries(
            (peB.json.properties.customDnsConfigs ?? []).map((c: any) => [c.fqdn, c.ipAddresses[0]]),
          );
          assert.equal(cfg["eus.his.arc.azure.com"], "10.10.3.5", JSON.stringify(cfg));
          const spToken = await token(srv.info);
          for (const [hi, lh] of LIVE_HOSTS.entries()) {
            const assoc = g.assoc[hi];
            const h = [...m.hosts.values()].find((x) => x.name === lh.name)!;
            const what = `topology ${gi} host ${lh.name} (machine ${assoc})`;
            const env = await hostEnv(srv, tmp, lh.name);
            const scopeArgs = assoc === "none" ? [] : ["--private-link-scope", scopeIdOf(srv, assoc)];

            // azcmagent check: Entra ID and ARM are never reached privately.
            const chk = await runAgent(["check", "-l", "eastus", "--json"], env);
            liveStats.agentRuns++;
            let rows: any[] = [];
            try {
              rows = JSON.parse(chk.stdout.slice(chk.stdout.indexOf("[")));
            } catch {
              assert.fail(`${what}: azcmagent check --json printed no table (exit ${chk.code}): ${chk.all}`);
            }
            for (const n of ENTRA_ARM.filter((x) => x !== "pas.windows.net")) {
              const row = rows.find((r) => String(r.endpoint).includes(n));
              assert.ok(row, `${what}: no check row for ${n}: ${chk.all}`);
              assert.equal(row.private, false, `${what}: ${n} private: ${JSON.stringify(row)}`);
            }

            // azcmagent connect: where the model refuses the regional HIS, the agent is refused too.
            const model = checkHost(
              { view: w, resolver, now: new Date(), propagationDelayMs: DELAY },
              h,
              "eastus",
            );
            const eus = model.endpoints.find((e) => e.endpoint === "eus.his.arc.azure.com")!;
            const con = await runAgent(connectArgs(srv, lh.name, "eastus", scopeArgs), env);
            liveStats.agentRuns++;
            const machine = await getMachine(srv, lh.name);
            assert.equal(machine.status, 200, machine.text);
            if (eus.verdict === "refused") {
              liveStats.refusedConnects++;
              assert.notEqual(
                con.code,
                0,
                `${what}: the model refuses eus (${eus.reason}) but connect succeeded: ${con.all}`,
              );
              assert.notEqual(machine.json.properties.status, "Connected", `${what}: ${machine.text}`);
            }
            if (con.code === 0) {
              const hb = await runAgent(["__heartbeat"], env);
              liveStats.agentRuns++;
              const path = /Path="(private|public)"/.exec(hb.stdout)?.[1];
              assert.equal(hb.code, 0, `${what}: ${hb.all}`);
              assert.equal(path, eus.verdict, `${what}: heartbeat path vs the model: ${hb.all}`);
              if (path === "private") {
                liveStats.privateConnects++;
                // 1. Only into its own scope's endpoint.
                assert.equal(scopeAt(eus.address!), assoc, `${what}: connected privately at ${eus.address}`);
              } else {
                // 2. Never publicly for a scope whose public network access is Disabled.
                const pub = assoc === "pls-arc" ? g.publicA : assoc === "pls-b" ? g.publicB : "Enabled";
                assert.equal(pub, "Enabled", `${what}: connected publicly: ${hb.all}`);
              }
            }

            // Raw dials with the host credential: every scope's endpoint, the public address, and
            // Entra ID / ARM at the private endpoints.
            const hostToken = JSON.parse(readFileSync(env.ARCLINK_HOST_CREDENTIAL, "utf8")).token as string;
            const mach = w.get(machineId(srv, lh.name));
            const pubEus = addressesOf(
              resolver.resolveAt({ kind: "public" }, "eus.his.arc.azure.com", "A"),
            )[0];
            for (const ip of ["10.10.1.5", "10.10.3.5", pubEus]) {
              const before = await getMachine(srv, lh.name);
              const r = await raw(
                srv.info,
                "POST",
                "/.gateway/dial/machines/register",
                {
                  resourceId: machineId(srv, lh.name),
                  agentVersion: "1.45",
                  osType: "linux",
                  osName: `probe-${ip}`,
                },
                {
                  authorization: `Bearer ${hostToken}`,
                  "x-arclink-dial": `${ip}:443`,
                  "x-arclink-server-name": "eus.his.arc.azure.com",
                  "x-arclink-purpose": "onboard",
                  "x-arclink-agent-version": "1.45",
                  "x-arclink-authorization": `Bearer ${spToken}`,
                },
              );
              liveStats.dials++;
              const dial = `${what}: register dialled at ${ip}: ${r.status} ${r.text.slice(0, 400)}`;
              // The model's verdict for the same dial.
              const c = connect(m, resolver, h, ip, 443, { serverName: "eus.his.arc.azure.com" });
              // A refused dial leaves the machine as it was.
              const unchanged = async () => {
                const now = await getMachine(srv, lh.name);
                assert.notEqual(
                  now.json.properties.osName,
                  `probe-${ip}`,
                  `${dial}: registered: ${now.text}`,
                );
                assert.deepEqual(now.json.properties, before.json.properties, `${dial}: the machine changed`);
              };
              if (!c.ok) {
                assert.equal(r.status, 502, dial);
                assert.equal(r.headers["x-arclink-network"], c.failure, dial);
                await unchanged();
                continue;
              }
              const a = admit(w, {
                serverName: "eus.his.arc.azure.com",
                endpoint: c.endpoint!,
                purpose: "onboard",
                machine: mach,
                agentVersion: "1.45",
                now: new Date(),
                propagationDelayMs: DELAY,
              });
              if (!a.admitted) {
                assert.equal(r.status, 403, dial);
                assert.equal(r.headers["x-arclink-refusal"], a.code, dial);
                await unchanged();
                continue;
              }
              assert.equal(r.status, 200, dial);
              if (r.headers["x-arclink-path"] === "private") assert.equal(scopeAt(ip), assoc, dial);
              else {
                const pub = assoc === "pls-arc" ? g.publicA : assoc === "pls-b" ? g.publicB : "Enabled";
                assert.equal(pub, "Enabled", dial);
              }
            }
            // 4. The host's DNS (its loopback listeners, real queries) gives the model's answers, which
            // never come from a zone not linked to the answering network.
            const view = await raw(srv.info, "GET", "/.gateway/host", undefined, {
              authorization: `Bearer ${hostToken}`,
            });
            assert.equal(view.status, 200, view.text);
            for (const d of view.json.dnsServers as Array<{ address: string; port: number }>) {
              const ref = resolver.resolverAtIp(h.pos, d.address).ref;
              for (const n of [...ARC4, ...ARC4.map((x) => x.replace(/^([^.]+)\./, "$1.privatelink."))]) {
                const live = await dig(d.port, n);
                liveStats.dnsQueries++;
                if (!ref) {
                  assert.equal(live.status, "TIMEOUT", `${what}: ${n} at ${d.address}: ${live.text}`);
                  continue;
                }
                const want = resolver.resolveAt(ref, n, "A");
                checkAnswer(
                  m,
                  linksOf(w),
                  privateRecords(w),
                  vnetsOfResolvers(m),
                  `${what} ${n}`,
                  want,
                  newStats(),
                  false,
                );
                assert.deepEqual(
                  digAddresses(live),
                  addressesOf(want),
                  `${what}: ${n} at ${d.address}: live ${live.text} vs the model ${JSON.stringify(want.answers)}`,
                );
              }
            }
            for (const ip of ["10.10.1.4", "10.10.3.4"]) {
              for (const [name, path, method] of [
                ["login.microsoftonline.com", `/${srv.info.tenantId}/oauth2/v2.0/token`, "POST"],
                ["management.azure.com", "/subscriptions?api-version=2022-12-01", "GET"],
              ]) {
                const r = await raw(
                  srv.info,
                  method,
                  `/.gateway/dial${path}`,
                  method === "POST" ? "grant_type=client_credentials" : undefined,
                  {
                    authorization: `Bearer ${hostToken}`,
                    "x-arclink-dial": `${ip}:443`,
                    "x-arclink-server-name": name,
                    "x-arclink-purpose": "onboard",
                    "x-arclink-authorization": `Bearer ${spToken}`,
                    ...(method === "POST" ? { "content-type": "application/x-www-form-urlencoded" } : {}),
                  },
                );
                liveStats.dials++;
                // 3. Never across a private endpoint: refused at the endpoint (or not reached at all).
                assert.ok(
                  (r.status === 403 &&
                    r.headers["x-arclink-refusal"] === "ServiceNotServedByPrivateEndpoint") ||
                    r.status === 502,
                  `${what}: ${name} dialled at ${ip}: ${r.status} ${r.text.slice(0, 300)}`,
                );
              }
            }
          }

          // A young association: refused at the scope's endpoint until it has propagated.
          if (g.assoc[2] !== "pls-b") {
            await patchAssociation(srv, "h2", scopeIdOf(srv, "pls-b"));
            const cred = await hostCredential(srv, "h2");
            const register = () =>
              raw(
                srv.info,
                "POST",
                "/.gateway/dial/machines/register",
                {
                  resourceId: machineId(srv, "h2"),
                  agentVersion: "1.45",
                  osType: "linux",
                  osName: "probe-young",
                },
                {
                  authorization: `Bearer ${cred.token}`,
                  "x-arclink-dial": "10.10.3.5:443",
                  "x-arclink-server-name": "eus.his.arc.azure.com",
                  "x-arclink-purpose": "onboard",
                  "x-arclink-agent-version": "1.45",
                  "x-arclink-authorization": `Bearer ${spToken}`,
                },
              );
            const before = await getMachine(srv, "h2");
            let r = await register();
            assert.equal(r.status, 403, r.text);
            assert.equal(r.headers["x-arclink-refusal"], "AssociationNotYetPropagated", r.text);
            assert.deepEqual(
              (await getMachine(srv, "h2")).json.properties,
              before.json.properties,
              "nothing stored",
            );
            await advanceClock(srv, 16);
            r = await register();
            assert.equal(r.status, 200, r.text);
            assert.equal(r.headers["x-arclink-path"], "private", r.text);
            assert.equal((await getMachine(srv, "h2")).json.properties.osName, "probe-young");
            liveStats.dials += 2;
            liveStats.propagation++;
          }
        } finally {
          await srv.stop();
        }
      },
    );
  }

  it("figures", () => {
    assert.equal(liveStats.topologies, gens.length);
    assert.ok(liveStats.refusedConnects > 0 && liveStats.privateConnects > 0, JSON.stringify(liveStats));
    assert.ok(liveStats.propagation > 0, JSON.stringify(liveStats));
    console.log(`live figures: ${JSON.stringify(liveStats)}`);
  });
});
