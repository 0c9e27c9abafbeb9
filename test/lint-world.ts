// Worlds for the lint tests: a correct reference rollout built with WorldBuilder (lint finds
// nothing in it), with options that break exactly one thing each.
import { arcEndpointNames } from "../src/core/arcEndpoints.js";
import { World } from "../src/world/world.js";
import { RG, WorldBuilder } from "./helpers/worldBuilder.js";

export const HUB = `${RG}/providers/Microsoft.Network/virtualNetworks/hub`;
export const SCOPE = `${RG}/providers/Microsoft.HybridCompute/privateLinkScopes/pls-arc`;
export const SCOPE_B = `${RG}/providers/Microsoft.HybridCompute/privateLinkScopes/pls-b`;
export const PE = `${RG}/providers/Microsoft.Network/privateEndpoints/pe-arc`;
export const LAB = `${RG}/providers/ArcLink.Lab`;
export const MACHINES = `${RG}/providers/Microsoft.HybridCompute/machines`;
export const DAY = 86_400_000;

export interface HostOpts {
  name?: string;
  ip?: string;
  dns?: string[];
  hostsFile?: string;
  proxyUrl?: string;
  proxyBypass?: string[];
  machine?:
    | false
    | {
        location?: string;
        agentVersion?: string;
        scope?: string | null;
        associatedAt?: string;
        createdAt?: string;
        tags?: Record<string, string>;
        agentConfiguration?: Record<string, any>;
      };
}

export interface LintWorldOpts {
  now?: Date;
  scopePublic?: "Enabled" | "Disabled";
  forwarders?: boolean;
  forwardTarget?: string;
  dcZones?: any[];
  zoneRecords?: Partial<Record<string, Record<string, string[]>>>;
  zoneLinks?: boolean;
  firewall?: {
    aad?: boolean;
    arm?: boolean;
    pe?: boolean;
    defaultAction?: "Allow" | "Deny";
    sourceOnly?: string;
  };
  proxy?: boolean;
  secondScope?: boolean;
  /** A second scope (pls-b) without any private endpoint. */
  otherScope?: boolean;
  peLocation?: string;
  connectionStatus?: string;
  hosts?: HostOpts[];
  extensionChild?: { publisher: string; type: string };
}

/** The private endpoint's address of each Arc name (10.10.1.4 gbl, .5 eus, ...). */
export function peAddresses(
  base = 4,
  third = 1,
): Array<{ fqdn: string; zone: string; record: string; ip: string; memberName: string }> {
  return arcEndpointNames("eastus").map((n, i) => ({
    fqdn: n.fqdn,
    zone: n.zone,
    record: n.record,
    ip: `10.10.${third}.${base + i}`,
    memberName: n.memberName,
  }));
}

function pe(
  b: WorldBuilder,
  name: string,
  scope: string,
  subnet: string,
  third: number,
  location: string,
  status: string,
) {
  const id = `${RG}/providers/Microsoft.Network/privateEndpoints/${name}`;
  const addrs = peAddresses(4, third);
  b.add(
    id,
    "Microsoft.Network/privateEndpoints",
    {
      subnet: { id: `${HUB}/subnets/${subnet}` },
      privateLinkServiceConnections: [
        { name, properties: { privateLinkServiceId: scope, groupIds: ["hybridcompute"] } },
      ],
      customDnsConfigs: addrs.map((a) => ({ fqdn: a.fqdn, ipAddresses: [a.ip] })),
      ipConfigurations: addrs.map((a, i) => ({
        name: `c${i}`,
        properties: { groupId: "hybridcompute", memberName: a.memberName, privateIPAddress: a.ip },
      })),
    },
    { location },
  );
  b.add(
    `${scope}/privateEndpointConnections/${name}.1`,
    "Microsoft.HybridCompute/privateLinkScopes/privateEndpointConnections",
    {
      privateEndpoint: { id },
      privateLinkServiceConnectionState: { status, description: status, actionsRequired: "None" },
    },
  );
}

export function lintWorld(o: LintWorldOpts = {}): World {
  const now = o.now ?? new Date();
  const b = new WorldBuilder();
  b.vnet("hub", "10.10.0.0/16", {
    "snet-pe": "10.10.1.0/24",
    "snet-in": "10.10.2.0/28",
    "snet-pe-b": "10.10.3.0/24",
  });
  b.add(
    SCOPE,
    "Microsoft.HybridCompute/privateLinkScopes",
    { publicNetworkAccess: o.scopePublic ?? "Disabled" },
    { location: "eastus" },
  );
  pe(b, "pe-arc", SCOPE, "snet-pe", 1, o.peLocation ?? "eastus", o.connectionStatus ?? "Approved");
  const recs: Record<string, Record<string, string[]>> = {};
  for (const a of peAddresses()) (recs[a.zone] ??= {})[a.record] = [a.ip];
  if (o.secondScope) {
    b.add(
      SCOPE_B,
      "Microsoft.HybridCompute/privateLinkScopes",
      { publicNetworkAccess: "Disabled" },
      { location: "eastus" },
    );
    pe(b, "pe-b", SCOPE_B, "snet-pe-b", 3, "eastus", "Approved");
    // The second endpoint's zone group overwrites the records.
    for (const a of peAddresses(4, 3)) recs[a.zone][a.record] = [a.ip];
  }
  if (o.otherScope && !o.secondScope)
    b.add(
      SCOPE_B,
      "Microsoft.HybridCompute/privateLinkScopes",
      { publicNetworkAccess: "Enabled" },
      { location: "eastus" },
    );
  for (const [z, r] of Object.entries(recs))
    b.zone(z, o.zoneRecords?.[z] ?? r, o.zoneLinks === false ? [] : [{ vnet: "hub" }]);
  b.inbound("dnspr", "hub", "snet-in", "10.10.2.4");
  b.site("onprem", "192.168.0.0/16", "hub");
  const target = o.forwardTarget ?? "10.10.2.4";
  b.dnsServer("dc01", "onprem", "192.168.1.10", {
    conditionalForwarders:
      o.forwarders === false
        ? []
        : ["his.arc.azure.com", "guestconfiguration.azure.com", "dp.kubernetesconfiguration.azure.com"].map(
            (domain) => ({ domain, targets: [target] }),
          ),
    zones: o.dcZones ?? [],
  });
  const fw = o.firewall ?? {};
  b.add(`${LAB}/firewalls/fw`, "ArcLink.Lab/firewalls", {
    siteId: `${LAB}/sites/onprem`,
    defaultAction: fw.defaultAction ?? "Deny",
    rules: [
      {
        name: "dns",
        priority: 100,
        action: "Allow",
        protocol: "Any",
        destinationAddresses: ["*"],
        destinationPorts: ["53"],
      },
      ...(fw.aad === false
        ? []
        : [
            {
              name: "aad",
              priority: 150,
              action: "Allow",
              protocol: "Tcp",
              destinationAddresses: ["AzureActiveDirectory"],
              destinationPorts: ["443"],
            },
          ]),
      ...(fw.arm === false
        ? []
        : [
            {
              name: "arm",
              priority: 151,
              action: "Allow",
              protocol: "Tcp",
              destinationAddresses: ["AzureResourceManager"],
              destinationPorts: ["443"],
              ...(fw.sourceOnly ? { sourceAddresses: [fw.sourceOnly] } : {}),
            },
          ]),
      ...(fw.pe === false
        ? []
        : [
            {
              name: "pe",
              priority: 200,
              action: "Allow",
              protocol: "Tcp",
              destinationAddresses: ["10.10.0.0/16"],
              destinationPorts: ["443"],
            },
          ]),
      ...(o.proxy
        ? [
            {
              name: "proxy",
              priority: 90,
              action: "Allow",
              protocol: "Tcp",
              destinationAddresses: ["*"],
              destinationPorts: ["443"],
              sourceAddresses: ["192.168.1.5"],
            },
          ]
        : []),
    ],
  });
  if (o.proxy)
    b.add(`${LAB}/proxies/px`, "ArcLink.Lab/proxies", {
      siteId: `${LAB}/sites/onprem`,
      ipAddress: "192.168.1.5",
      port: 3128,
    });
  const hosts = o.hosts ?? [{}];
  hosts.forEach((h, i) => {
    const name = h.name ?? `srv${i + 1}`;
    b.host(name, { site: "onprem" }, h.ip ?? `192.168.1.${21 + i}`, {
      dnsServers: h.dns ?? ["192.168.1.10"],
      ...(h.hostsFile !== undefined ? { hostsFile: h.hostsFile } : {}),
      ...(h.proxyUrl ? { proxyUrl: h.proxyUrl } : {}),
      ...(h.proxyBypass ? { proxyBypass: h.proxyBypass } : {}),
    });
    if (h.machine === false) return;
    const m = h.machine ?? {};
    const id = `${MACHINES}/${name}`;
    const scope = m.scope === undefined ? SCOPE : m.scope;
    b.add(
      id,
      "Microsoft.HybridCompute/machines",
      {
        ...(scope ? { privateLinkScopeResourceId: scope } : {}),
        agentVersion: m.agentVersion ?? "1.45",
        ...(m.agentConfiguration ? { agentConfiguration: m.agentConfiguration } : {}),
      },
      {
        location: m.location ?? "eastus",
        systemData: { createdAt: m.createdAt ?? new Date(now.getTime() - DAY).toISOString() },
        ...(m.tags ? { tags: m.tags } : {}),
        ...(m.associatedAt ? { _arclink: { associatedAt: m.associatedAt } } : {}),
      },
    );
    if (o.extensionChild)
      b.add(`${id}/extensions/ext`, "Microsoft.HybridCompute/machines/extensions", {
        publisher: o.extensionChild.publisher,
        type: o.extensionChild.type,
      });
  });
  return b.build();
}
