// A topology → the ordered ARM writes that build it: {method, id, apiVersion, body} for every
// resource, parents and referenced resources first. Pure (no I/O): `arclink apply` sends the
// steps over HTTPS, `arclink serve --topology` can run them in-process, and tests read them.
import { Topology, TRecord, SubnetRef, TListener } from "./model.js";
import { loadTopology } from "./parse.js";

/** api-versions the plan writes with (each is in its provider's accepted list). */
export const PLAN_API_VERSIONS = {
  resources: "2025-04-01",
  network: "2025-05-01",
  privateDns: "2024-06-01",
  dnsResolver: "2022-07-01",
  hybridCompute: "2024-07-10",
  lab: "2025-01-01",
} as const;

export interface PlanStep {
  method: "PUT";
  id: string;
  apiVersion: string;
  body: Record<string, any>;
  /** Full ARM type, e.g. "Microsoft.Network/virtualNetworks". */
  type: string;
  /** The name as the file spells it (child resources as "parent/child"). */
  name: string;
}

export interface PlannedListener extends TListener {
  /** ARM id of the DNS server or inbound endpoint; the VNet's id for kind "azure". */
  id?: string;
}

export interface Plan {
  subscriptionId: string;
  steps: PlanStep[];
  listeners: PlannedListener[];
}

export const ARC_GROUP_ID = "hybridcompute";

/** Builds the plan. A text is parsed first (throws TopologyError when it is not valid). */
export function plan(input: string | Topology, opts: { subscriptionId: string }): Plan {
  const t = typeof input === "string" ? loadTopology(input) : input;
  const ids = new Ids(opts.subscriptionId, t);
  const steps: PlanStep[] = [];
  const put = (type: string, name: string, id: string, apiVersion: string, body: Record<string, any>) =>
    steps.push({ method: "PUT", id, apiVersion, body, type, name });
  const V = PLAN_API_VERSIONS;

  for (const g of t.resourceGroups) {
    put("Microsoft.Resources/resourceGroups", g.name, ids.rg(g.name), V.resources, { location: g.location });
  }

  for (const n of t.networkSecurityGroups) {
    put("Microsoft.Network/networkSecurityGroups", n.name, ids.nsg(n.name), V.network, {
      location: n.location,
      properties: {
        securityRules: n.rules.map((r) => ({
          name: r.name,
          properties: {
            priority: r.priority,
            direction: r.direction,
            access: r.access,
            protocol: r.protocol,
            ...one("sourceAddressPrefix", "sourceAddressPrefixes", r.source),
            ...one("sourcePortRange", "sourcePortRanges", r.sourcePorts),
            ...one("destinationAddressPrefix", "destinationAddressPrefixes", r.destination),
            ...one("destinationPortRange", "destinationPortRanges", r.destinationPorts),
            ...(r.description !== undefined ? { description: r.description } : {}),
          },
        })),
      },
    });
  }

  for (const v of t.virtualNetworks) {
    put("Microsoft.Network/virtualNetworks", v.name, ids.vnet(v.name), V.network, {
      location: v.location,
      properties: {
        addressSpace: { addressPrefixes: v.addressPrefixes },
        dhcpOptions: { dnsServers: v.dnsServers },
        subnets: v.subnets.map((s) => ({
          name: s.name,
          properties: {
            addressPrefix: s.addressPrefix,
            ...(s.networkSecurityGroup
              ? { networkSecurityGroup: { id: ids.nsg(s.networkSecurityGroup) } }
              : {}),
            ...(s.privateEndpointNetworkPolicies
              ? { privateEndpointNetworkPolicies: s.privateEndpointNetworkPolicies }
              : {}),
            ...(s.delegation
              ? {
                  delegations: [
                    { name: delegationName(s.delegation), properties: { serviceName: s.delegation } },
                  ],
                }
              : {}),
          },
        })),
      },
    });
  }

  for (const p of t.peerings) {
    put(
      "Microsoft.Network/virtualNetworks/virtualNetworkPeerings",
      `${ids.name("vnet", p.from)}/${p.name}`,
      `${ids.vnet(p.from)}/virtualNetworkPeerings/${p.name}`,
      V.network,
      {
        properties: {
          remoteVirtualNetwork: { id: ids.vnet(p.to) },
          allowVirtualNetworkAccess: p.allowVirtualNetworkAccess,
          allowForwardedTraffic: p.allowForwardedTraffic,
          allowGatewayTransit: p.allowGatewayTransit,
          useRemoteGateways: p.useRemoteGateways,
        },
      },
    );
  }

  for (const z of t.privateDnsZones) {
    put("Microsoft.Network/privateDnsZones", z.name, ids.zone(z.name), V.privateDns, { location: "global" });
    for (const r of z.records) {
      put(
        `Microsoft.Network/privateDnsZones/${r.type}`,
        `${z.name}/${r.type}/${r.name}`,
        `${ids.zone(z.name)}/${r.type}/${r.name}`,
        V.privateDns,
        { properties: recordSetProperties(r) },
      );
    }
    for (const l of z.virtualNetworkLinks) {
      put(
        "Microsoft.Network/privateDnsZones/virtualNetworkLinks",
        `${z.name}/${l.name}`,
        `${ids.zone(z.name)}/virtualNetworkLinks/${l.name}`,
        V.privateDns,
        {
          location: "global",
          properties: {
            virtualNetwork: { id: ids.vnet(l.virtualNetwork) },
            registrationEnabled: l.registrationEnabled,
            resolutionPolicy: l.resolutionPolicy,
          },
        },
      );
    }
  }

  for (const s of t.privateLinkScopes) {
    put("Microsoft.HybridCompute/privateLinkScopes", s.name, ids.scope(s.name), V.hybridCompute, {
      location: s.location,
      properties: { publicNetworkAccess: s.publicNetworkAccess },
    });
  }

  for (const p of t.privateEndpoints) {
    const connection = {
      name: p.name,
      properties: {
        privateLinkServiceId: ids.scope(p.privateLinkScope),
        groupIds: [ARC_GROUP_ID],
        ...(p.requestMessage !== undefined ? { requestMessage: p.requestMessage } : {}),
      },
    };
    put("Microsoft.Network/privateEndpoints", p.name, ids.pe(p.name), V.network, {
      location: p.location,
      properties: {
        subnet: { id: ids.subnet(p.subnet) },
        [p.manualApproval ? "manualPrivateLinkServiceConnections" : "privateLinkServiceConnections"]: [
          connection,
        ],
      },
    });
    if (p.privateDnsZoneGroup) {
      const g = p.privateDnsZoneGroup;
      put(
        "Microsoft.Network/privateEndpoints/privateDnsZoneGroups",
        `${p.name}/${g.name}`,
        `${ids.pe(p.name)}/privateDnsZoneGroups/${g.name}`,
        V.network,
        {
          properties: {
            privateDnsZoneConfigs: g.zones.map((z) => ({
              name: z.replace(/\./g, "-"),
              properties: { privateDnsZoneId: ids.zone(z) },
            })),
          },
        },
      );
    }
  }

  for (const d of t.dnsResolvers) {
    put("Microsoft.Network/dnsResolvers", d.name, ids.resolver(d.name), V.dnsResolver, {
      location: d.location,
      properties: { virtualNetwork: { id: ids.vnet(d.virtualNetwork) } },
    });
    for (const e of d.inboundEndpoints) {
      put(
        "Microsoft.Network/dnsResolvers/inboundEndpoints",
        `${d.name}/${e.name}`,
        ids.inbound(d.name, e.name),
        V.dnsResolver,
        {
          location: d.location,
          properties: {
            ipConfigurations: [
              {
                subnet: { id: ids.subnet(e.subnet) },
                privateIpAllocationMethod: e.privateIPAddress ? "Static" : "Dynamic",
                ...(e.privateIPAddress ? { privateIpAddress: e.privateIPAddress } : {}),
              },
            ],
          },
        },
      );
    }
  }

  const lab = (type: string, name: string, properties: Record<string, any>) =>
    put(`ArcLink.Lab/${type}`, name, ids.lab(type, name), V.lab, { location: "global", properties });

  for (const s of t.sites) {
    lab("sites", s.name, {
      addressSpace: { addressPrefixes: s.addressPrefixes },
      ...(s.description !== undefined ? { description: s.description } : {}),
    });
  }
  for (const c of t.siteConnections) {
    lab("siteConnections", c.name, {
      siteId: ids.lab("sites", c.site),
      virtualNetworkId: ids.vnet(c.virtualNetwork),
      connectionType: c.connectionType,
      forcedTunneling: c.forcedTunneling,
    });
  }
  for (const f of t.firewalls) {
    lab("firewalls", f.name, {
      siteId: ids.lab("sites", f.site),
      defaultAction: f.defaultAction,
      rules: f.rules,
      ...(f.tlsInspection !== undefined ? { tlsInspection: f.tlsInspection } : {}),
    });
  }
  for (const p of t.proxies) {
    lab("proxies", p.name, {
      siteId: ids.lab("sites", p.site),
      ipAddress: p.ipAddress,
      port: p.port,
      ...(p.bypassAuthentication !== undefined ? { bypassAuthentication: p.bypassAuthentication } : {}),
      ...(p.tlsInspection !== undefined ? { tlsInspection: p.tlsInspection } : {}),
    });
  }
  for (const d of t.dnsServers) {
    lab("dnsServers", d.name, {
      ...placementOf(ids, d),
      ipAddress: d.ipAddress,
      zones: d.zones,
      conditionalForwarders: d.conditionalForwarders,
      forwarders: d.forwarders,
      recursion: d.recursion,
      ...(d.external ? { external: d.external } : {}),
    });
  }
  for (const h of t.hosts) {
    // Assigned in the order a spread of each defined property would give (hosts are most of a
    // large file: no object per optional property).
    const properties: Record<string, any> =
      h.site !== undefined ? { siteId: ids.site(h.site) } : { subnetId: ids.subnet(h.subnet!) };
    properties.privateIPAddress = h.ipAddress;
    properties.osType = h.os;
    properties.dnsServers = h.dnsServers;
    for (const k of HOST_OPTIONAL) if (h[k] !== undefined) properties[k] = h[k];
    put("ArcLink.Lab/hosts", h.name, ids.ownLab("hosts", h), V.lab, { location: "global", properties });
  }

  for (const m of t.machines) {
    const machineId = ids.ownMachine(m);
    put("Microsoft.HybridCompute/machines", m.name, machineId, V.hybridCompute, {
      location: m.location,
      properties: machineProperties(ids, m),
    });
    for (const x of m.extensions) {
      put(
        "Microsoft.HybridCompute/machines/extensions",
        `${m.name}/${x.name}`,
        `${ids.machine(m.name)}/extensions/${x.name}`,
        V.hybridCompute,
        {
          location: m.location,
          properties: {
            publisher: x.publisher,
            type: x.type,
            ...(x.typeHandlerVersion ? { typeHandlerVersion: x.typeHandlerVersion } : {}),
            ...(x.workspaceId ? { settings: { workspaceId: x.workspaceId } } : {}),
          },
        },
      );
    }
    // What Azure knows from the machine's agent: recorded on the machine by a lab agent report.
    if (MACHINE_FACTS.some((k) => m[k] !== undefined)) {
      const report: Record<string, any> = { machineId: ids.machine(m.name) };
      for (const k of MACHINE_FACTS) if (m[k] !== undefined) report[k] = m[k];
      lab("agentReports", m.name, report);
    }
  }

  const listeners: PlannedListener[] = t.dns.listeners.map((l) => {
    if (l.kind === "dnsServer") return { ...l, id: ids.lab("dnsServers", l.name!) };
    if (l.kind === "inboundEndpoint") {
      const [r, e] = l.name!.split("/");
      return { ...l, id: ids.inbound(r, e) };
    }
    if (l.kind === "azure") return { ...l, id: ids.vnet(l.name!) };
    return { ...l };
  });

  return { subscriptionId: opts.subscriptionId, steps, listeners };
}

/** A host's properties the plan writes only when the file gives them, in the body's order. */
const HOST_OPTIONAL = [
  "hostsFile",
  "proxyUrl",
  "proxyBypass",
  "trustedCertificateAuthorities",
  "maxTlsVersion",
  "gcmCipherSuitesEnabled",
  "osVersion",
  "osSku",
  "osEdition",
  "description",
] as const;

/** What a machine's agent reports, when the file gives it (an agent report's properties, in order). */
const MACHINE_FACTS = [
  "agentVersion",
  "proxyBypass",
  "incomingConnectionsPorts",
  "associatedMinutesAgo",
  "associatedAt",
] as const;

/** A machine's properties: its scope and OS when the file names them. */
function machineProperties(ids: Ids, m: Topology["machines"][number]): Record<string, any> {
  const p: Record<string, any> = {};
  if (m.privateLinkScope) p.privateLinkScopeResourceId = ids.scope(m.privateLinkScope);
  if (m.os) p.osType = m.os.toLowerCase();
  return p;
}

/** Azure's singular/plural pair: one value in the singular property, several in the plural one. */
function one(singular: string, plural: string, values: string[]): Record<string, any> {
  return values.length === 1 ? { [singular]: values[0] } : { [plural]: values };
}

function delegationName(service: string): string {
  return service.replace(/[^A-Za-z0-9]+/g, "-").replace(/^-|-$/g, "") || "delegation";
}

function recordSetProperties(r: TRecord): Record<string, any> {
  const p: Record<string, any> = { ttl: r.ttl ?? 3600 };
  switch (r.type) {
    case "A":
      p.aRecords = r.values.map((ipv4Address) => ({ ipv4Address }));
      break;
    case "AAAA":
      p.aaaaRecords = r.values.map((ipv6Address) => ({ ipv6Address }));
      break;
    case "CNAME":
      p.cnameRecord = { cname: r.values[0] };
      break;
    case "TXT":
      p.txtRecords = r.values.map((v) => ({ value: [v] }));
      break;
  }
  return p;
}

function placementOf(ids: Ids, x: { site?: string; subnet?: SubnetRef }): Record<string, string> {
  return x.site !== undefined ? { siteId: ids.site(x.site) } : { subnetId: ids.subnet(x.subnet!) };
}

/** Short names → ARM ids, in the resource group each thing was declared in, spelled as declared. */
class Ids {
  /** Per kind, each declared thing by lower-case name (the last declaration wins). */
  private readonly declared = new Map<string, Map<string, { name: string; resourceGroup: string }>>();
  /** Ids of referenced things (a site, a scope, a network): one string however many refer to it. */
  private readonly refs = new Map<string, Map<string, string>>();
  private readonly defaultGroup: string;
  /** Kinds whose declared names differ (in any case): each declaration is the one its name finds. */
  private readonly distinct = new Set<string>();

  constructor(
    private readonly sub: string,
    t: Topology,
  ) {
    const add = (kind: string, items: { name: string; resourceGroup: string }[]) => {
      const m = new Map<string, { name: string; resourceGroup: string }>();
      for (const x of items) m.set(x.name.toLowerCase(), x);
      this.declared.set(kind, m);
      if (m.size === items.length) this.distinct.add(kind);
    };
    add("vnet", t.virtualNetworks);
    add("nsg", t.networkSecurityGroups);
    add("scope", t.privateLinkScopes);
    add("pe", t.privateEndpoints);
    add("zone", t.privateDnsZones);
    add("resolver", t.dnsResolvers);
    add("machine", t.machines);
    this.declared.set("agentReports", this.declared.get("machine")!);
    add("sites", t.sites);
    add("siteConnections", t.siteConnections);
    add("dnsServers", t.dnsServers);
    add("hosts", t.hosts);
    add("firewalls", t.firewalls);
    add("proxies", t.proxies);
    this.defaultGroup = t.resourceGroups[0].name;
  }

  /** The declared spelling of a referenced name (references may vary the case). */
  name(kind: string, name: string): string {
    return this.declared.get(kind)?.get(name.toLowerCase())?.name ?? name;
  }

  /**
   * `in` for a declaration itself (`x` is one of the kind's declared things): no look-up of its
   * name where the kind's names are distinct, as the look-up would find `x`.
   */
  private own(kind: string, x: { name: string; resourceGroup: string }, rest: string): string {
    if (!this.distinct.has(kind)) return this.in(kind, x.name, rest);
    return `${this.rg(x.resourceGroup ?? this.defaultGroup)}/providers/${rest}/${x.name}`;
  }

  private in(kind: string, name: string, rest: string): string {
    const x = this.declared.get(kind)?.get(name.toLowerCase());
    return `${this.rg(x?.resourceGroup ?? this.defaultGroup)}/providers/${rest}/${x?.name ?? name}`;
  }

  /** `in` for a thing others refer to, each id made once. */
  private ref(kind: string, name: string, rest: string): string {
    let m = this.refs.get(kind);
    if (!m) this.refs.set(kind, (m = new Map()));
    let id = m.get(name);
    if (id === undefined) m.set(name, (id = this.in(kind, name, rest)));
    return id;
  }

  rg(name: string): string {
    return `/subscriptions/${this.sub}/resourceGroups/${name}`;
  }
  vnet(n: string): string {
    return this.ref("vnet", n, "Microsoft.Network/virtualNetworks");
  }
  subnet(s: SubnetRef): string {
    return `${this.vnet(s.virtualNetwork)}/subnets/${s.subnet}`;
  }
  nsg(n: string): string {
    return this.in("nsg", n, "Microsoft.Network/networkSecurityGroups");
  }
  scope(n: string): string {
    return this.ref("scope", n, "Microsoft.HybridCompute/privateLinkScopes");
  }
  pe(n: string): string {
    return this.in("pe", n, "Microsoft.Network/privateEndpoints");
  }
  zone(n: string): string {
    return this.in("zone", n, "Microsoft.Network/privateDnsZones");
  }
  resolver(n: string): string {
    return this.in("resolver", n, "Microsoft.Network/dnsResolvers");
  }
  inbound(resolver: string, endpoint: string): string {
    return `${this.resolver(resolver)}/inboundEndpoints/${endpoint}`;
  }
  machine(n: string): string {
    return this.in("machine", n, "Microsoft.HybridCompute/machines");
  }
  /** machine(m.name) for a declared machine. */
  ownMachine(m: { name: string; resourceGroup: string }): string {
    return this.own("machine", m, "Microsoft.HybridCompute/machines");
  }
  lab(type: string, n: string): string {
    return this.in(type, n, `ArcLink.Lab/${type}`);
  }
  /** lab(type, x.name) for a declared thing of the type. */
  ownLab(type: string, x: { name: string; resourceGroup: string }): string {
    return this.own(type, x, `ArcLink.Lab/${type}`);
  }
  /** A site's id, as lab("sites", n), made once per site. */
  site(n: string): string {
    return this.ref("sites", n, "ArcLink.Lab/sites");
  }
}
