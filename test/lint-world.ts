// Worlds for the lint tests: a correct reference rollout built with WorldBuilder (lint finds
// nothing in it), with options that break exactly one thing each.
import { arcEndpointNames } from "../src/core/arcEndpoints.js";
import { World } from "../src/world/world.js";
import { RG, SUB, WorldBuilder } from "./helpers/worldBuilder.js";

export const HUB = `${RG}/providers/Microsoft.Network/virtualNetworks/hub`;
export const SCOPE = `${RG}/providers/Microsoft.HybridCompute/privateLinkScopes/pls-arc`;
export const SCOPE_B = `${RG}/providers/Microsoft.HybridCompute/privateLinkScopes/pls-b`;
export const PE = `${RG}/providers/Microsoft.Network/privateEndpoints/pe-arc`;
export const LAB = `${RG}/providers/ArcLink.Lab`;
export const MACHINES = `${RG}/providers/Microsoft.HybridCompute/machines`;
export const DAY = 86_400_000;
/** A spoke VNet (option `spoke`) and the scope of its own private endpoint. */
export const SPOKE = `${RG}/providers/Microsoft.Network/virtualNetworks/spoke`;
export const SCOPE_C = `${RG}/providers/Microsoft.HybridCompute/privateLinkScopes/pls-c`;
export const PE_SPOKE = `${RG}/providers/Microsoft.Network/privateEndpoints/pe-spoke`;
/** The resource group holding the spoke's own privatelink zones (same names as the hub's). */
export const RG_SPOKE = `${SUB}/resourceGroups/rg-spoke`;

export interface HostOpts {
  name?: string;
  ip?: string;
  dns?: string[];
  hostsFile?: string;
  proxyUrl?: string;
  proxyBypass?: string[];
  /** A VM in a VNet subnet (e.g. { vnet: "spoke", subnet: "snet-vm" }) instead of the on-premises site. */
  subnet?: { vnet: string; subnet: string };
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
        /** Read from an export that does not hold the agent version (no agentVersion; marked exported). */
        exportedWithoutAgentVersion?: boolean;
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
  /** resolutionPolicy of the hub's zone links (default Default). */
  zonePolicy?: "Default" | "NxDomainRedirect";
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
  /** Public network access of pls-b (default: Disabled with secondScope, Enabled with otherScope). */
  otherScopePublic?: "Enabled" | "Disabled";
  /**
   * A spoke VNet (10.20.0.0/16: snet-pe 10.20.1.0/24, snet-vm 10.20.5.0/24) holding private endpoint
   * pe-spoke (10.20.1.4…) of a third scope pls-c. zones: "own" — a second set of privatelink zones
   * (in rg-spoke) pointing at pe-spoke, linked to the spoke only; "hub" — the hub's zones are linked
   * to the spoke as well; "none" — no zone linked to the spoke.
   */
  spoke?: {
    peered?: boolean;
    siteConnected?: boolean;
    scopePublic?: "Enabled" | "Disabled";
    connectionStatus?: string;
    zones?: "own" | "hub" | "none";
  };
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
  vnet = HUB,
) {
  const id = `${RG}/providers/Microsoft.Network/privateEndpoints/${name}`;
  const addrs = peAddresses(4, third).map((a) =>
    vnet === HUB ? a : { ...a, ip: a.ip.replace(/^10\.10\./, "10.20.") },
  );
  b.add(
    id,
    "Microsoft.Network/privateEndpoints",
    {
      subnet: { id: `${vnet}/subnets/${subnet}` },
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
      { publicNetworkAccess: o.otherScopePublic ?? "Disabled" },
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
      { publicNetworkAccess: o.otherScopePublic ?? "Enabled" },
      { location: "eastus" },
    );
  const sp = o.spoke;
  if (sp) {
    b.vnet("spoke", "10.20.0.0/16", { "snet-pe": "10.20.1.0/24", "snet-vm": "10.20.5.0/24" });
    b.add(
      SCOPE_C,
      "Microsoft.HybridCompute/privateLinkScopes",
      { publicNetworkAccess: sp.scopePublic ?? "Disabled" },
      { location: "eastus" },
    );
    pe(b, "pe-spoke", SCOPE_C, "snet-pe", 1, "eastus", sp.connectionStatus ?? "Approved", SPOKE);
    if (sp.peered) {
      const peering = "Microsoft.Network/virtualNetworks/virtualNetworkPeerings";
      b.add(`${HUB}/virtualNetworkPeerings/hub-spoke`, peering, { remoteVirtualNetwork: { id: SPOKE } });
      b.add(`${SPOKE}/virtualNetworkPeerings/spoke-hub`, peering, { remoteVirtualNetwork: { id: HUB } });
    }
    if (sp.zones === "own") {
      const own: Record<string, Record<string, string[]>> = {};
      for (const a of peAddresses(4, 1))
        (own[a.zone] ??= {})[a.record] = [a.ip.replace(/^10\.10\./, "10.20.")];
      for (const [z, r] of Object.entries(own)) {
        const zid = `${RG_SPOKE}/providers/Microsoft.Network/privateDnsZones/${z}`;
        b.add(zid, "Microsoft.Network/privateDnsZones", {}, { location: "global" });
        for (const [rel, ips] of Object.entries(r))
          b.add(`${zid}/A/${rel}`, "Microsoft.Network/privateDnsZones/A", {
            ttl: 10,
            aRecords: ips.map((ipv4Address) => ({ ipv4Address })),
          });
        b.add(`${zid}/virtualNetworkLinks/spoke`, "Microsoft.Network/privateDnsZones/virtualNetworkLinks", {
          virtualNetwork: { id: SPOKE },
          resolutionPolicy: "Default",
        });
      }
    }
  }
  const policy = o.zonePolicy ?? "Default";
  const hubLinks = [{ vnet: "hub", policy }, ...(sp?.zones === "hub" ? [{ vnet: "spoke", policy }] : [])];
  for (const [z, r] of Object.entries(recs))
    b.zone(z, o.zoneRecords?.[z] ?? r, o.zoneLinks === false ? [] : hubLinks);
  b.inbound("dnspr", "hub", "snet-in", "10.10.2.4");
  b.site("onprem", "192.168.0.0/16", "hub");
  if (sp?.siteConnected)
    b.add(`${RG}/providers/ArcLink.Lab/siteConnections/onprem-spoke`, "ArcLink.Lab/siteConnections", {
      siteId: `${RG}/providers/ArcLink.Lab/sites/onprem`,
      virtualNetworkId: SPOKE,
      connectionType: "Vpn",
      forcedTunneling: false,
    });
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
              destinationAddresses: sp ? ["10.10.0.0/16", "10.20.0.0/16"] : ["10.10.0.0/16"],
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
    b.host(name, h.subnet ?? { site: "onprem" }, h.ip ?? `192.168.1.${21 + i}`, {
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
        ...(m.exportedWithoutAgentVersion ? {} : { agentVersion: m.agentVersion ?? "1.45" }),
        ...(m.agentConfiguration ? { agentConfiguration: m.agentConfiguration } : {}),
      },
      {
        location: m.location ?? "eastus",
        systemData: { createdAt: m.createdAt ?? new Date(now.getTime() - DAY).toISOString() },
        ...(m.tags ? { tags: m.tags } : {}),
        ...(m.associatedAt || m.exportedWithoutAgentVersion
          ? {
              _arclink: {
                ...(m.associatedAt ? { associatedAt: m.associatedAt } : {}),
                ...(m.exportedWithoutAgentVersion ? { exported: true } : {}),
              },
            }
          : {}),
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
