// connect() and admit() on hand-built worlds: the seed's rules for who gets in, each with
// the refusal code and a trace that says why.
import { test } from "node:test";
import assert from "node:assert/strict";
import { compileModel } from "../src/network/model.js";
import { Resolver } from "../src/network/resolve.js";
import { ServiceTags } from "../src/network/serviceTags.js";
import { checkHost, checkEndpoint } from "../src/analysis/check.js";
import { World } from "../src/world/world.js";
import { WorldBuilder, RG } from "./helpers/worldBuilder.js";

const tags = ServiceTags.default();
const SCOPE = `${RG}/providers/Microsoft.HybridCompute/privateLinkScopes/pls`;
const PE = `${RG}/providers/Microsoft.Network/privateEndpoints/pe`;
const T0 = Date.parse("2026-11-29T10:00:00Z");
const MIN = 60_000;

interface Opts {
  pna?: "Enabled" | "Disabled" | "SecuredByPerimeter";
  status?: string;
  machine?: {
    scope?: string;
    location?: string;
    createdAt?: number;
    associatedAt?: number;
    agentVersion?: string;
  } | null;
  firewallRules?: any[];
  hostDns?: string[];
  forcedTunneling?: boolean;
  nsgRules?: any[];
  proxyUrl?: string;
  proxyBypass?: string[];
}

function world(o: Opts = {}): World {
  const b = new WorldBuilder()
    .vnet("hub", "10.10.0.0/16", { pe: "10.10.1.0/24", dns: "10.10.2.0/28" })
    .inbound("resolver", "hub", "dns", "10.10.2.4")
    .site("onprem", "192.168.0.0/16", "hub", { forcedTunneling: o.forcedTunneling })
    .dnsServer("dc1", "onprem", "192.168.1.10", {
      conditionalForwarders: ["his.arc.azure.com", "guestconfiguration.azure.com"].map((domain) => ({
        domain,
        targets: ["10.10.2.4"],
      })),
    })
    .host("server1", { site: "onprem" }, "192.168.1.50", {
      dnsServers: o.hostDns ?? ["192.168.1.10"],
      proxyUrl: o.proxyUrl,
      proxyBypass: o.proxyBypass,
    })
    .zone("privatelink.his.arc.azure.com", { gbl: ["10.10.1.4"], eus: ["10.10.1.5"] }, [{ vnet: "hub" }])
    .zone(
      "privatelink.guestconfiguration.azure.com",
      { agentserviceapi: ["10.10.1.6"], "eastus-gas": ["10.10.1.7"] },
      [{ vnet: "hub" }],
    );
  b.add(
    SCOPE,
    "Microsoft.HybridCompute/privateLinkScopes",
    { publicNetworkAccess: o.pna ?? "Disabled", privateLinkScopeId: "g" },
    { location: "eastus" },
  );
  b.add(
    `${SCOPE}/privateEndpointConnections/pe.1`,
    "Microsoft.HybridCompute/privateLinkScopes/privateEndpointConnections",
    {
      privateEndpoint: { id: PE },
      privateLinkServiceConnectionState: {
        status: o.status ?? "Approved",
        description: "",
        actionsRequired: "None",
      },
    },
  );
  const names: Array<[string, string]> = [
    ["gbl.his.arc.azure.com", "10.10.1.4"],
    ["eus.his.arc.azure.com", "10.10.1.5"],
    ["agentserviceapi.guestconfiguration.azure.com", "10.10.1.6"],
    ["eastus-gas.guestconfiguration.azure.com", "10.10.1.7"],
  ];
  b.privateEndpoint("pe", "hub", "pe", SCOPE, names);
  if (o.machine !== null) {
    const m = o.machine ?? { scope: SCOPE };
    const created = new Date(m.createdAt ?? T0 - 60 * MIN).toISOString();
    b.add(
      `${RG}/providers/Microsoft.HybridCompute/machines/server1`,
      "Microsoft.HybridCompute/machines",
      {
        privateLinkScopeResourceId: m.scope,
        agentVersion: m.agentVersion,
      },
      {
        location: m.location ?? "eastus",
        systemData: { createdAt: created },
        _arclink: m.scope
          ? { associatedAt: new Date(m.associatedAt ?? Date.parse(created)).toISOString() }
          : {},
      },
    );
  }
  b.add(`${RG}/providers/ArcLink.Lab/firewalls/fw`, "ArcLink.Lab/firewalls", {
    siteId: `${RG}/providers/ArcLink.Lab/sites/onprem`,
    defaultAction: "Deny",
    rules: o.firewallRules ?? [
      {
        name: "aad",
        priority: 100,
        action: "Allow",
        protocol: "Tcp",
        destinationAddresses: ["AzureActiveDirectory"],
        destinationPorts: ["443"],
      },
      {
        name: "arm",
        priority: 110,
        action: "Allow",
        protocol: "Tcp",
        destinationAddresses: ["AzureResourceManager"],
        destinationPorts: ["443"],
      },
      {
        name: "pe",
        priority: 120,
        action: "Allow",
        protocol: "Tcp",
        destinationAddresses: ["10.10.1.0/24"],
        destinationPorts: ["443"],
      },
    ],
  });
  if (o.proxyUrl) {
    b.add(`${RG}/providers/ArcLink.Lab/proxies/proxy`, "ArcLink.Lab/proxies", {
      siteId: `${RG}/providers/ArcLink.Lab/sites/onprem`,
      ipAddress: "192.168.1.5",
      port: 3128,
    });
  }
  if (o.nsgRules) {
    const nsg = `${RG}/providers/Microsoft.Network/networkSecurityGroups/nsg`;
    b.add(nsg, "Microsoft.Network/networkSecurityGroups", {}, { location: "eastus" });
    for (const r of o.nsgRules)
      b.add(
        `${nsg}/securityRules/${r.name}`,
        "Microsoft.Network/networkSecurityGroups/securityRules",
        r.properties,
      );
    b.add(
      `${RG}/providers/Microsoft.Network/virtualNetworks/hub/subnets/gw`,
      "Microsoft.Network/virtualNetworks/subnets",
      { addressPrefix: "10.10.3.0/24", networkSecurityGroup: { id: nsg } },
    );
  }
  return b.build();
}

function check(w: World, now = T0, region?: string) {
  const r = new Resolver(compileModel(w, tags));
  return checkHost(
    { view: w, resolver: r, now: new Date(now), propagationDelayMs: 15 * MIN },
    r.model.hosts.values().next().value!,
    region,
  );
}

const row = (c: ReturnType<typeof check>, name: string) => c.endpoints.find((e) => e.endpoint === name)!;

test("an associated machine reaches Arc privately; Entra ID and ARM go public", () => {
  const c = check(world());
  for (const n of [
    "gbl.his.arc.azure.com",
    "eus.his.arc.azure.com",
    "agentserviceapi.guestconfiguration.azure.com",
    "eastus-gas.guestconfiguration.azure.com",
  ]) {
    assert.equal(row(c, n).verdict, "private", n);
  }
  for (const n of ["login.microsoftonline.com", "management.azure.com"])
    assert.equal(row(c, n).verdict, "public", n);
});

test("an unassociated machine that resolves the private endpoint is refused", () => {
  const c = check(world({ machine: {} }));
  const e = row(c, "eus.his.arc.azure.com");
  assert.equal(e.verdict, "refused");
  assert.equal(e.reason, "MachineNotAssociatedWithScope");
  assert.match(e.fix ?? "", /associate it with pls/);
});

test("a newly associated machine is refused until the propagation delay has passed", () => {
  const w = world({ machine: { scope: SCOPE, createdAt: T0 - 120 * MIN, associatedAt: T0 - 5 * MIN } });
  const early = row(check(w, T0), "eus.his.arc.azure.com");
  assert.equal(early.reason, "AssociationNotYetPropagated");
  assert.match(early.message, /10 minutes left/);
  assert.equal(row(check(w, T0 + 11 * MIN), "eus.his.arc.azure.com").verdict, "private");
});

test("a machine of another scope is refused at this scope's endpoint", () => {
  const other = `${RG}/providers/Microsoft.HybridCompute/privateLinkScopes/other`;
  const c = check(world({ machine: { scope: other } }));
  assert.equal(row(c, "gbl.his.arc.azure.com").reason, "MachineAssociatedWithAnotherScope");
});

test("publicNetworkAccess Disabled refuses the public path; Enabled allows it", () => {
  const rules = [
    {
      name: "all",
      priority: 100,
      action: "Allow",
      protocol: "Tcp",
      destinationAddresses: ["*"],
      destinationPorts: ["443"],
    },
  ];
  const disabled = check(world({ hostDns: ["8.8.8.8"], firewallRules: rules }));
  const e = row(disabled, "gbl.his.arc.azure.com");
  assert.equal(e.verdict, "refused");
  assert.equal(e.reason, "PublicNetworkAccessDisabled");
  const enabled = check(world({ hostDns: ["8.8.8.8"], firewallRules: rules, pna: "Enabled" }));
  assert.equal(row(enabled, "gbl.his.arc.azure.com").verdict, "public");
});

test("publicNetworkAccess SecuredByPerimeter refuses the public path: no perimeter rule is modelled to admit it", () => {
  const rules = [
    {
      name: "all",
      priority: 100,
      action: "Allow",
      protocol: "Tcp",
      destinationAddresses: ["*"],
      destinationPorts: ["443"],
    },
  ];
  const c = check(world({ hostDns: ["8.8.8.8"], firewallRules: rules, pna: "SecuredByPerimeter" }));
  const e = row(c, "gbl.his.arc.azure.com");
  assert.equal(e.verdict, "refused");
  assert.equal(e.reason, "PublicNetworkAccessSecuredByPerimeter");
  assert.match(e.message, /SecuredByPerimeter/);
});

test("Entra ID blocked by the firewall is refused with the rule that decided", () => {
  const c = check(
    world({
      firewallRules: [
        {
          name: "pe",
          priority: 120,
          action: "Allow",
          protocol: "Tcp",
          destinationAddresses: ["10.10.1.0/24"],
          destinationPorts: ["443"],
        },
      ],
    }),
  );
  const e = row(c, "login.microsoftonline.com");
  assert.equal(e.verdict, "refused");
  assert.equal(e.reason, "Blocked");
  assert.match(e.message, /firewall fw.*AzureActiveDirectory.*default action Deny/);
  assert.equal(row(c, "gbl.his.arc.azure.com").verdict, "private");
});

test("forced tunnelling: the hub's NSG decides; the seed's rules at 150/151 let Entra ID and ARM out", () => {
  const allowAll = [
    {
      name: "all",
      priority: 100,
      action: "Allow",
      protocol: "Tcp",
      destinationAddresses: ["*"],
      destinationPorts: ["*"],
    },
  ];
  const deny = {
    name: "DenyInternet",
    properties: {
      priority: 4000,
      direction: "Outbound",
      access: "Deny",
      protocol: "*",
      sourceAddressPrefix: "*",
      destinationAddressPrefix: "Internet",
      destinationPortRange: "*",
    },
  };
  const aad = {
    name: "AllowAADOutboundAccess",
    properties: {
      priority: 150,
      direction: "Outbound",
      access: "Allow",
      protocol: "Tcp",
      sourceAddressPrefix: "VirtualNetwork",
      destinationAddressPrefix: "AzureActiveDirectory",
      destinationPortRange: "443",
    },
  };
  const az = {
    name: "AllowAzOutboundAccess",
    properties: {
      priority: 151,
      direction: "Outbound",
      access: "Allow",
      protocol: "Tcp",
      sourceAddressPrefix: "VirtualNetwork",
      destinationAddressPrefix: "AzureResourceManager",
      destinationPortRange: "443",
    },
  };
  const without = check(world({ forcedTunneling: true, firewallRules: allowAll, nsgRules: [deny] }));
  assert.equal(row(without, "login.microsoftonline.com").reason, "Blocked");
  assert.match(row(without, "login.microsoftonline.com").message, /NSG nsg rule DenyInternet/);
  const withRules = check(
    world({ forcedTunneling: true, firewallRules: allowAll, nsgRules: [deny, aad, az] }),
  );
  assert.equal(row(withRules, "login.microsoftonline.com").verdict, "public");
  assert.equal(row(withRules, "management.azure.com").verdict, "public");
  assert.match(
    JSON.stringify(row(withRules, "login.microsoftonline.com").trace),
    /AllowAADOutboundAccess \(priority 150\)/,
  );
});

test("a proxy without proxy.bypass Arc cannot reach the private endpoint; with it, Arc goes direct", () => {
  const noBypass = check(world({ proxyUrl: "http://192.168.1.5:3128" }));
  const e = row(noBypass, "gbl.his.arc.azure.com");
  assert.equal(e.verdict, "refused");
  assert.equal(e.reason, "ProxyFailed");
  assert.match(
    JSON.stringify(e.trace),
    /proxy proxy.*resolves gbl\.his\.arc\.azure\.com itself \(public DNS\)/,
  );
  const bypass = check(world({ proxyUrl: "http://192.168.1.5:3128", proxyBypass: ["Arc"] }));
  assert.equal(row(bypass, "gbl.his.arc.azure.com").verdict, "private");
  assert.equal(row(bypass, "login.microsoftonline.com").verdict, "public");
});

test("remote access (SSH) over the private endpoint is refused as unsupported; agents older than 1.4 too", async () => {
  const { admit } = await import("../src/network/admit.js");
  const w = world();
  const m = compileModel(w, tags);
  const pe = [...m.privateEndpoints.values()][0];
  const machine = w.ofType("Microsoft.HybridCompute/machines")[0];
  const base = {
    serverName: "eus.his.arc.azure.com",
    endpoint: { kind: "private-endpoint" as const, pe },
    machine,
    now: new Date(T0),
    propagationDelayMs: 15 * MIN,
  };
  assert.equal(
    admit(w, { ...base, purpose: "remote-access" }).code,
    "RemoteAccessNotSupportedOverPrivateLink",
  );
  assert.equal(admit(w, { ...base, purpose: "heartbeat", agentVersion: "1.3" }).code, "AgentVersionTooOld");
  assert.equal(admit(w, { ...base, purpose: "heartbeat", agentVersion: "1.4" }).admitted, true);
  assert.equal(
    admit(w, { ...base, serverName: "login.microsoftonline.com", purpose: "check" }).code,
    "ServiceNotServedByPrivateEndpoint",
  );
});

test("a pending (manual) endpoint connection refuses until approved", () => {
  const c = check(world({ status: "Pending" }));
  assert.equal(row(c, "gbl.his.arc.azure.com").reason, "PrivateEndpointConnectionNotApproved");
});

test("an endpoint a host cannot resolve is refused with the DNS outcome", () => {
  const w = world();
  const r = new Resolver(compileModel(w, tags));
  const e = checkEndpoint(
    { view: w, resolver: r, now: new Date(T0), propagationDelayMs: 0 },
    [...r.model.hosts.values()][0],
    "westeurope-gas.guestconfiguration.azure.com",
  );
  assert.equal(e.verdict, "refused");
  assert.equal(e.reason, "DnsNxdomain");
});
