// The network model: the world compiled into what evaluators need — address spaces, who is
// connected to whom, resolvers and their data, endpoints. Rebuilt when the world changes.
import { Cidr, cidrContainsIp, parseCidr, parseIpv4, isPrivateIpv4 } from "../core/ip.js";
import { keyOf, parseResourceId } from "../core/resourceId.js";
import { WorldView, World } from "../world/world.js";
import { parseHostsFile } from "../providers/lab/hostsFile.js";
import { ServiceTags } from "./serviceTags.js";
import { defaultSecurityRules } from "../providers/network/networkSecurityGroups.js";

export const AZURE_DNS_IP = "168.63.129.16";

export type Position = { kind: "site"; site: string } | { kind: "vnet"; vnet: string };

export interface RecordData {
  A?: { ttl: number; ips: string[] };
  AAAA?: { ttl: number; ips: string[] };
  CNAME?: { ttl: number; target: string };
  TXT?: { ttl: number; values: string[][] };
}

export interface ZoneModel {
  key: string;
  id: string;
  name: string;
  /** Relative name (lower-case, "@" apex) → records. */
  records: Map<string, RecordData>;
  soa: {
    mname: string;
    rname: string;
    serial: number;
    refresh: number;
    retry: number;
    expire: number;
    minimum: number;
    ttl: number;
  };
}

export interface VnetModel {
  key: string;
  id: string;
  name: string;
  location: string;
  prefixes: Cidr[];
  dnsServers: string[];
  subnets: Array<{ key: string; id: string; name: string; prefix: Cidr; nsg?: string }>;
  /** VNets peered both ways. */
  peers: string[];
  links: Array<{ zone: ZoneModel; policy: "Default" | "NxDomainRedirect"; linkId: string; linkName: string }>;
}

export interface SiteModel {
  key: string;
  id: string;
  name: string;
  prefixes: Cidr[];
  connections: Array<{ id: string; vnet: string; type: string; forcedTunneling: boolean }>;
  firewall?: { id: string; name: string; defaultAction: "Allow" | "Deny"; rules: any[] };
  proxies: Array<{ id: string; name: string; ip: string; port: number }>;
}

export interface HostModel {
  key: string;
  id: string;
  name: string;
  ip: string;
  os: "Windows" | "Linux";
  pos: Position;
  subnet?: string;
  dnsServers: string[];
  hostsEntries: Array<{ address: string; names: string[]; line: number }>;
  raw: Record<string, any>;
}

export interface DnsServerModel {
  key: string;
  id: string;
  name: string;
  ip: string;
  pos: Position;
  zones: Array<{ name: string; records: Map<string, RecordData> }>;
  conditionalForwarders: Array<{ domain: string; targets: string[] }>;
  forwarders: string[];
  recursion: boolean;
  external?: { host: string; port: number };
}

export interface InboundEndpointModel {
  key: string;
  id: string;
  name: string;
  ip: string;
  vnet: string;
}

export interface PrivateEndpointModel {
  key: string;
  id: string;
  name: string;
  vnet: string;
  subnet: string;
  targetId: string;
  groupIds: string[];
  /** fqdn → ip, from customDnsConfigs. */
  addresses: Array<{ fqdn: string; ip: string; memberName?: string }>;
}

export interface NsgRuleModel {
  name: string;
  priority: number;
  direction: "Inbound" | "Outbound";
  access: "Allow" | "Deny";
  protocol: string;
  sources: string[];
  destinations: string[];
  destinationPorts: string[];
  isDefault: boolean;
}

export interface NsgModel {
  key: string;
  id: string;
  name: string;
  /** Outbound and inbound rules, each list in priority order (defaults last). */
  outbound: NsgRuleModel[];
  inbound: NsgRuleModel[];
}

export interface NetworkModel {
  seq: number;
  tags: ServiceTags;
  vnets: Map<string, VnetModel>;
  zones: Map<string, ZoneModel>;
  sites: Map<string, SiteModel>;
  hosts: Map<string, HostModel>;
  dnsServers: Map<string, DnsServerModel>;
  inboundEndpoints: Map<string, InboundEndpointModel>;
  privateEndpoints: Map<string, PrivateEndpointModel>;
  nsgs: Map<string, NsgModel>;
}

const RECORD_TYPES = ["A", "AAAA", "CNAME", "TXT", "SOA"];

function prefixesOf(list: unknown): Cidr[] {
  return (Array.isArray(list) ? list : []).map((p) => parseCidr(p)).filter((c): c is Cidr => !!c);
}

function zoneFromWorld(
  view: WorldView,
  e: { key: string; id: string; body: Record<string, any> },
): ZoneModel {
  const name = String(e.body.name).toLowerCase();
  const records = new Map<string, RecordData>();
  let soa: ZoneModel["soa"] = {
    mname: "azureprivatedns.net",
    rname: "azureprivatedns-host.microsoft.com",
    serial: 1,
    refresh: 3600,
    retry: 300,
    expire: 2419200,
    minimum: 10,
    ttl: 3600,
  };
  for (const t of RECORD_TYPES) {
    for (const r of view.children(e.id, `Microsoft.Network/privateDnsZones/${t}`)) {
      const p = r.body.properties ?? {};
      const rel = String(r.body.name).toLowerCase();
      const ttl = Number(p.ttl ?? 3600);
      const d = records.get(rel) ?? {};
      if (t === "A") d.A = { ttl, ips: (p.aRecords ?? []).map((x: any) => x.ipv4Address) };
      if (t === "AAAA") d.AAAA = { ttl, ips: (p.aaaaRecords ?? []).map((x: any) => x.ipv6Address) };
      if (t === "CNAME" && p.cnameRecord?.cname)
        d.CNAME = { ttl, target: String(p.cnameRecord.cname).toLowerCase().replace(/\.$/, "") };
      if (t === "TXT") d.TXT = { ttl, values: (p.txtRecords ?? []).map((x: any) => x.value ?? []) };
      if (t === "SOA" && p.soaRecord) {
        const s = p.soaRecord;
        soa = {
          mname: s.host ?? soa.mname,
          rname: s.email ?? soa.rname,
          serial: Number(s.serialNumber ?? 1),
          refresh: Number(s.refreshTime ?? 3600),
          retry: Number(s.retryTime ?? 300),
          expire: Number(s.expireTime ?? 2419200),
          minimum: Number(s.minimumTtl ?? 10),
          ttl,
        };
        continue;
      }
      if (t !== "SOA") records.set(rel, d);
    }
  }
  return { key: e.key, id: e.id, name, records, soa };
}

function labZones(zones: unknown): DnsServerModel["zones"] {
  return (Array.isArray(zones) ? zones : []).map((z: any) => {
    const records = new Map<string, RecordData>();
    for (const r of Array.isArray(z.records) ? z.records : []) {
      const rel = String(r.name ?? "@").toLowerCase();
      const d = records.get(rel) ?? {};
      const ttl = Number(r.ttl ?? 3600);
      const values: string[] = Array.isArray(r.values) ? r.values.map(String) : [];
      if (r.type === "A") d.A = { ttl, ips: values };
      if (r.type === "AAAA") d.AAAA = { ttl, ips: values };
      if (r.type === "CNAME" && values[0])
        d.CNAME = { ttl, target: values[0].toLowerCase().replace(/\.$/, "") };
      if (r.type === "TXT") d.TXT = { ttl, values: [values] };
      records.set(rel, d);
    }
    return { name: String(z.name).toLowerCase().replace(/\.$/, ""), records };
  });
}

function vnetOfSubnet(subnetId: string | undefined): string | undefined {
  if (!subnetId) return undefined;
  const p = parseResourceId(subnetId);
  if (!p || p.types.length < 2) return undefined;
  return keyOf(subnetId.split("/").slice(0, -2).join("/"));
}

function positionOf(body: Record<string, any>): { pos?: Position; subnet?: string } {
  const p = body.properties ?? {};
  if (p.siteId) return { pos: { kind: "site", site: keyOf(p.siteId) } };
  const v = vnetOfSubnet(p.subnetId);
  if (v) return { pos: { kind: "vnet", vnet: v }, subnet: keyOf(p.subnetId) };
  return {};
}

export function compileModel(view: WorldView & { seq?: number }, tags: ServiceTags): NetworkModel {
  const m: NetworkModel = {
    seq: (view as World).seq ?? 0,
    tags,
    vnets: new Map(),
    zones: new Map(),
    sites: new Map(),
    hosts: new Map(),
    dnsServers: new Map(),
    inboundEndpoints: new Map(),
    privateEndpoints: new Map(),
    nsgs: new Map(),
  };
  for (const n of view.ofType("Microsoft.Network/networkSecurityGroups")) {
    const rules = [
      ...view
        .children(n.id, "Microsoft.Network/networkSecurityGroups/securityRules")
        .map((r) => ruleModel(r.body, false)),
      ...defaultSecurityRules(n.body).map((r) => ruleModel(r, true)),
    ].sort((a, b) => a.priority - b.priority);
    m.nsgs.set(n.key, {
      key: n.key,
      id: n.id,
      name: n.body.name,
      outbound: rules.filter((r) => r.direction === "Outbound"),
      inbound: rules.filter((r) => r.direction === "Inbound"),
    });
  }
  for (const z of view.ofType("Microsoft.Network/privateDnsZones"))
    m.zones.set(z.key, zoneFromWorld(view, z));
  for (const v of view.ofType("Microsoft.Network/virtualNetworks")) {
    const p = v.body.properties ?? {};
    m.vnets.set(v.key, {
      key: v.key,
      id: v.id,
      name: v.body.name,
      location: v.body.location,
      prefixes: prefixesOf(p.addressSpace?.addressPrefixes),
      dnsServers: Array.isArray(p.dhcpOptions?.dnsServers) ? p.dhcpOptions.dnsServers : [],
      subnets: view.children(v.id, "Microsoft.Network/virtualNetworks/subnets").flatMap((s) => {
        const sp = s.body.properties ?? {};
        const prefix = parseCidr(sp.addressPrefix ?? sp.addressPrefixes?.[0]);
        return prefix
          ? [{ key: s.key, id: s.id, name: s.body.name, prefix, nsg: sp.networkSecurityGroup?.id }]
          : [];
      }),
      peers: [],
      links: [],
    });
  }
  // Peerings count once both directions exist (Azure's "Connected").
  const half = new Set<string>();
  for (const v of m.vnets.values()) {
    for (const pe of view.children(v.id, "Microsoft.Network/virtualNetworks/virtualNetworkPeerings")) {
      const remote = pe.body.properties?.remoteVirtualNetwork?.id;
      if (remote) half.add(`${v.key}|${keyOf(remote)}`);
    }
  }
  for (const h of half) {
    const [a, b] = h.split("|");
    if (half.has(`${b}|${a}`) && m.vnets.has(a)) m.vnets.get(a)!.peers.push(b);
  }
  for (const z of m.zones.values()) {
    for (const l of view.children(z.id, "Microsoft.Network/privateDnsZones/virtualNetworkLinks")) {
      const vnet = l.body.properties?.virtualNetwork?.id;
      const vm = vnet ? m.vnets.get(keyOf(vnet)) : undefined;
      if (!vm) continue;
      vm.links.push({
        zone: z,
        policy: l.body.properties?.resolutionPolicy === "NxDomainRedirect" ? "NxDomainRedirect" : "Default",
        linkId: l.id,
        linkName: l.body.name,
      });
    }
  }
  for (const s of view.ofType("ArcLink.Lab/sites")) {
    m.sites.set(s.key, {
      key: s.key,
      id: s.id,
      name: s.body.name,
      prefixes: prefixesOf(s.body.properties?.addressSpace?.addressPrefixes),
      connections: [],
      proxies: [],
    });
  }
  for (const c of view.ofType("ArcLink.Lab/siteConnections")) {
    const p = c.body.properties ?? {};
    const site = p.siteId ? m.sites.get(keyOf(p.siteId)) : undefined;
    if (site && p.virtualNetworkId) {
      site.connections.push({
        id: c.id,
        vnet: keyOf(p.virtualNetworkId),
        type: p.connectionType ?? "Vpn",
        forcedTunneling: !!p.forcedTunneling,
      });
    }
  }
  for (const f of view.ofType("ArcLink.Lab/firewalls")) {
    const p = f.body.properties ?? {};
    const site = p.siteId ? m.sites.get(keyOf(p.siteId)) : undefined;
    if (site)
      site.firewall = {
        id: f.id,
        name: f.body.name,
        defaultAction: p.defaultAction === "Deny" ? "Deny" : "Allow",
        rules: p.rules ?? [],
      };
  }
  for (const x of view.ofType("ArcLink.Lab/proxies")) {
    const p = x.body.properties ?? {};
    const site = p.siteId ? m.sites.get(keyOf(p.siteId)) : undefined;
    if (site) site.proxies.push({ id: x.id, name: x.body.name, ip: p.ipAddress, port: Number(p.port) });
  }
  for (const h of view.ofType("ArcLink.Lab/hosts")) {
    const p = h.body.properties ?? {};
    const { pos, subnet } = positionOf(h.body);
    if (!pos) continue;
    m.hosts.set(h.key, {
      key: h.key,
      id: h.id,
      name: h.body.name,
      ip: p.privateIPAddress,
      os: p.osType === "Windows" ? "Windows" : "Linux",
      pos,
      subnet,
      dnsServers: Array.isArray(p.dnsServers) ? p.dnsServers : [],
      hostsEntries: typeof p.hostsFile === "string" ? parseHostsFile(p.hostsFile).entries : [],
      raw: h.body,
    });
  }
  for (const d of view.ofType("ArcLink.Lab/dnsServers")) {
    const p = d.body.properties ?? {};
    const { pos } = positionOf(d.body);
    if (!pos) continue;
    m.dnsServers.set(d.key, {
      key: d.key,
      id: d.id,
      name: d.body.name,
      ip: p.ipAddress,
      pos,
      zones: labZones(p.zones),
      conditionalForwarders: (p.conditionalForwarders ?? []).map((c: any) => ({
        domain: String(c.domain).toLowerCase().replace(/\.$/, ""),
        targets: c.targets ?? [],
      })),
      forwarders: p.forwarders ?? [],
      recursion: p.recursion !== false,
      external: p.external,
    });
  }
  for (const r of view.ofType("Microsoft.Network/dnsResolvers")) {
    const vnet = r.body.properties?.virtualNetwork?.id;
    if (!vnet) continue;
    for (const ie of view.children(r.id, "Microsoft.Network/dnsResolvers/inboundEndpoints")) {
      for (const ipc of ie.body.properties?.ipConfigurations ?? []) {
        if (!ipc.privateIpAddress) continue;
        m.inboundEndpoints.set(ie.key, {
          key: ie.key,
          id: ie.id,
          name: ie.body.name,
          ip: ipc.privateIpAddress,
          vnet: keyOf(vnet),
        });
      }
    }
  }
  for (const pe of view.ofType("Microsoft.Network/privateEndpoints")) {
    const p = pe.body.properties ?? {};
    const vnet = vnetOfSubnet(p.subnet?.id);
    if (!vnet) continue;
    const conns = [
      ...(p.privateLinkServiceConnections ?? []),
      ...(p.manualPrivateLinkServiceConnections ?? []),
    ];
    const members = new Map<string, string>();
    for (const ic of p.ipConfigurations ?? [])
      members.set(ic.properties?.privateIPAddress, ic.properties?.memberName);
    m.privateEndpoints.set(pe.key, {
      key: pe.key,
      id: pe.id,
      name: pe.body.name,
      vnet,
      subnet: keyOf(p.subnet.id),
      targetId: conns[0]?.properties?.privateLinkServiceId ?? "",
      groupIds: conns[0]?.properties?.groupIds ?? [],
      addresses: (p.customDnsConfigs ?? []).flatMap((c: any) =>
        (c.ipAddresses ?? []).map((ip: string) => ({
          fqdn: String(c.fqdn).toLowerCase(),
          ip,
          memberName: members.get(ip),
        })),
      ),
    });
  }
  return m;
}

function list(one: unknown, many: unknown): string[] {
  if (Array.isArray(many) && many.length) return many.map(String);
  return one === undefined || one === null || one === "" ? [] : [String(one)];
}

function ruleModel(body: Record<string, any>, isDefault: boolean): NsgRuleModel {
  const p = body.properties ?? {};
  return {
    name: body.name,
    priority: Number(p.priority),
    direction: p.direction === "Inbound" ? "Inbound" : "Outbound",
    access: p.access === "Deny" ? "Deny" : "Allow",
    protocol: p.protocol ?? "*",
    sources: list(p.sourceAddressPrefix, p.sourceAddressPrefixes),
    destinations: list(p.destinationAddressPrefix, p.destinationAddressPrefixes),
    destinationPorts: list(p.destinationPortRange, p.destinationPortRanges),
    isDefault,
  };
}

/** True when `ip` is inside any of the prefixes. */
export function inPrefixes(prefixes: Cidr[], ip: string): boolean {
  const n = parseIpv4(ip);
  return n !== undefined && prefixes.some((c) => cidrContainsIp(c, n));
}

export function isPublicAddress(ip: string): boolean {
  return parseIpv4(ip) !== undefined && !isPrivateIpv4(ip) && ip !== AZURE_DNS_IP && !ip.startsWith("127.");
}

export function describePosition(m: NetworkModel, p: Position): string {
  if (p.kind === "site") return `site ${m.sites.get(p.site)?.name ?? p.site}`;
  return `VNet ${m.vnets.get(p.vnet)?.name ?? p.vnet}`;
}
