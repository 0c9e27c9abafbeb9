// The network model: the world compiled into what evaluators need — address spaces, who is
// connected to whom, resolvers and their data, endpoints. Compiled once, then patched with what
// changes (patchModel).
import { Cidr, cidrContainsIp, parseCidr, parseIpv4, isPrivateIpv4 } from "../core/ip.js";
import { keyOf, parseResourceId } from "../core/resourceId.js";
import { WorldView, World } from "../world/world.js";
import { parseHostsFile } from "../providers/lab/hostsFile.js";
import { ServiceTags } from "./serviceTags.js";
import { defaultSecurityRules } from "../providers/network/networkSecurityGroups.js";
import { connectionEnds } from "../providers/network/connections.js";

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
  firewall?: {
    id: string;
    name: string;
    defaultAction: "Allow" | "Deny";
    rules: any[];
    tlsInspection?: { certificateAuthority: string; excludedFqdns?: string[] };
  };
  proxies: Array<{
    id: string;
    name: string;
    ip: string;
    port: number;
    tlsInspection?: { certificateAuthority: string; excludedFqdns?: string[] };
  }>;
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
  const zones = buildZones(view);
  return {
    seq: (view as World).seq ?? 0,
    tags,
    vnets: buildVnets(view, zones),
    zones,
    sites: buildSites(view),
    hosts: buildHosts(view),
    dnsServers: buildDnsServers(view),
    inboundEndpoints: buildInboundEndpoints(view),
    privateEndpoints: buildPrivateEndpoints(view),
    nsgs: buildNsgs(view),
  };
}

// The model in sections, each compiled from its own resource types: a change recompiles only the
// sections its types feed (hosts one by one), see patchModel.

function buildNsgs(view: WorldView): Map<string, NsgModel> {
  const out = new Map<string, NsgModel>();
  for (const n of view.ofType("Microsoft.Network/networkSecurityGroups")) {
    const rules = [
      ...view
        .children(n.id, "Microsoft.Network/networkSecurityGroups/securityRules")
        .map((r) => ruleModel(r.body, false)),
      ...defaultSecurityRules(n.body).map((r) => ruleModel(r, true)),
    ].sort((a, b) => a.priority - b.priority);
    out.set(n.key, {
      key: n.key,
      id: n.id,
      name: n.body.name,
      outbound: rules.filter((r) => r.direction === "Outbound"),
      inbound: rules.filter((r) => r.direction === "Inbound"),
    });
  }
  return out;
}

/** Zones; with `reuse`, zones not in `changed` keep their compiled object. */
function buildZones(
  view: WorldView,
  reuse?: Map<string, ZoneModel>,
  changed?: Set<string>,
): Map<string, ZoneModel> {
  const out = new Map<string, ZoneModel>();
  for (const z of view.ofType("Microsoft.Network/privateDnsZones")) {
    const old = reuse && !changed!.has(z.key) ? reuse.get(z.key) : undefined;
    out.set(z.key, old ?? zoneFromWorld(view, z));
  }
  return out;
}

function buildVnets(view: WorldView, zones: Map<string, ZoneModel>): Map<string, VnetModel> {
  const vnets = new Map<string, VnetModel>();
  for (const v of view.ofType("Microsoft.Network/virtualNetworks")) {
    const p = v.body.properties ?? {};
    vnets.set(v.key, {
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
  for (const v of vnets.values()) {
    for (const pe of view.children(v.id, "Microsoft.Network/virtualNetworks/virtualNetworkPeerings")) {
      const remote = pe.body.properties?.remoteVirtualNetwork?.id;
      if (remote) half.add(`${v.key}|${keyOf(remote)}`);
    }
  }
  for (const h of half) {
    const [a, b] = h.split("|");
    if (half.has(`${b}|${a}`) && vnets.has(a)) vnets.get(a)!.peers.push(b);
  }
  for (const z of zones.values()) {
    for (const l of view.children(z.id, "Microsoft.Network/privateDnsZones/virtualNetworkLinks")) {
      const vnet = l.body.properties?.virtualNetwork?.id;
      const vm = vnet ? vnets.get(keyOf(vnet)) : undefined;
      if (!vm) continue;
      vm.links.push({
        zone: z,
        policy: l.body.properties?.resolutionPolicy === "NxDomainRedirect" ? "NxDomainRedirect" : "Default",
        linkId: l.id,
        linkName: l.body.name,
      });
    }
  }
  return vnets;
}

function buildSites(view: WorldView): Map<string, SiteModel> {
  const sites = new Map<string, SiteModel>();
  for (const s of view.ofType("ArcLink.Lab/sites")) {
    sites.set(s.key, {
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
    const site = p.siteId ? sites.get(keyOf(p.siteId)) : undefined;
    if (site && p.virtualNetworkId) {
      site.connections.push({
        id: c.id,
        vnet: keyOf(p.virtualNetworkId),
        type: p.connectionType ?? "Vpn",
        forcedTunneling: !!p.forcedTunneling,
      });
    }
  }
  // A site-to-site VPN in Azure's own terms: an IPsec connection from a VPN gateway to a local
  // network gateway whose prefixes cover the site's address space connects that site to the
  // gateway's VNet, as an ArcLink.Lab site connection does.
  for (const c of view.ofType("Microsoft.Network/connections")) {
    const ends = connectionEnds(view, c.body);
    for (const s of ends?.sites ?? []) {
      const site = sites.get(s.key);
      if (site && !site.connections.some((x) => x.vnet === ends!.vnet))
        site.connections.push({ id: c.id, vnet: ends!.vnet, type: "Vpn", forcedTunneling: false });
    }
  }
  for (const f of view.ofType("ArcLink.Lab/firewalls")) {
    const p = f.body.properties ?? {};
    const site = p.siteId ? sites.get(keyOf(p.siteId)) : undefined;
    if (site)
      site.firewall = {
        id: f.id,
        name: f.body.name,
        defaultAction: p.defaultAction === "Deny" ? "Deny" : "Allow",
        rules: p.rules ?? [],
        ...(p.tlsInspection ? { tlsInspection: p.tlsInspection } : {}),
      };
  }
  for (const x of view.ofType("ArcLink.Lab/proxies")) {
    const p = x.body.properties ?? {};
    const site = p.siteId ? sites.get(keyOf(p.siteId)) : undefined;
    if (site)
      site.proxies.push({
        id: x.id,
        name: x.body.name,
        ip: p.ipAddress,
        port: Number(p.port),
        ...(p.tlsInspection ? { tlsInspection: p.tlsInspection } : {}),
      });
  }
  return sites;
}

/**
 * Host models by the stored body they were compiled from: a body is never changed in place (a write
 * stores a new one), so compiling a world again reuses each unchanged host's model (and what was
 * derived from it, keyed by the model) instead of parsing its hosts file again.
 */
const hostModels = new WeakMap<object, HostModel>();

/** One host's model, or undefined when it has no position (not in the model). */
function hostModelOf(h: { key: string; id: string; body: Record<string, any> }): HostModel | undefined {
  const known = hostModels.get(h.body);
  if (known && known.key === h.key && known.id === h.id) return known;
  const m = compileHost(h);
  if (m) hostModels.set(h.body, m);
  return m;
}

function compileHost(h: { key: string; id: string; body: Record<string, any> }): HostModel | undefined {
  const p = h.body.properties ?? {};
  const { pos, subnet } = positionOf(h.body);
  if (!pos) return undefined;
  return {
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
  };
}

function buildHosts(view: WorldView): Map<string, HostModel> {
  const hosts = new Map<string, HostModel>();
  for (const h of view.ofType("ArcLink.Lab/hosts")) {
    const m = hostModelOf(h);
    if (m) hosts.set(h.key, m);
  }
  return hosts;
}

function buildDnsServers(view: WorldView): Map<string, DnsServerModel> {
  const out = new Map<string, DnsServerModel>();
  for (const d of view.ofType("ArcLink.Lab/dnsServers")) {
    const p = d.body.properties ?? {};
    const { pos } = positionOf(d.body);
    if (!pos) continue;
    out.set(d.key, {
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
  return out;
}

function buildInboundEndpoints(view: WorldView): Map<string, InboundEndpointModel> {
  const out = new Map<string, InboundEndpointModel>();
  for (const r of view.ofType("Microsoft.Network/dnsResolvers")) {
    const vnet = r.body.properties?.virtualNetwork?.id;
    if (!vnet) continue;
    for (const ie of view.children(r.id, "Microsoft.Network/dnsResolvers/inboundEndpoints")) {
      for (const ipc of ie.body.properties?.ipConfigurations ?? []) {
        if (!ipc.privateIpAddress) continue;
        out.set(ie.key, {
          key: ie.key,
          id: ie.id,
          name: ie.body.name,
          ip: ipc.privateIpAddress,
          vnet: keyOf(vnet),
        });
      }
    }
  }
  return out;
}

function buildPrivateEndpoints(view: WorldView): Map<string, PrivateEndpointModel> {
  const out = new Map<string, PrivateEndpointModel>();
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
    out.set(pe.key, {
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
  return out;
}

/** A section of the model: what a change to resources of some type can alter. */
export type ModelSection =
  "nsgs" | "zones" | "vnets" | "sites" | "hosts" | "dnsServers" | "inboundEndpoints" | "privateEndpoints";

/** The model section a resource type (any casing) is compiled into, or undefined when none reads it. */
export function sectionOfType(type: string): ModelSection | undefined {
  const t = type.toLowerCase();
  const top = (ns: string) => t === ns || t.startsWith(ns + "/");
  if (top("microsoft.network/networksecuritygroups")) return "nsgs";
  if (top("microsoft.network/privatednszones")) return "zones";
  if (top("microsoft.network/virtualnetworks")) return "vnets";
  if (top("microsoft.network/dnsresolvers")) return "inboundEndpoints";
  if (top("microsoft.network/privateendpoints")) return "privateEndpoints";
  if (
    [
      "microsoft.network/connections",
      "microsoft.network/localnetworkgateways",
      "microsoft.network/virtualnetworkgateways",
    ].includes(t)
  )
    return "sites";
  if (t === "arclink.lab/hosts") return "hosts";
  if (t === "arclink.lab/dnsservers") return "dnsServers";
  if (
    [
      "arclink.lab/sites",
      "arclink.lab/siteconnections",
      "arclink.lab/firewalls",
      "arclink.lab/proxies",
    ].includes(t)
  )
    return "sites";
  return undefined;
}

export interface ModelPatch {
  model: NetworkModel;
  /** True when the model was compiled again from scratch (the fallback). */
  full: boolean;
  /** What differs from the previous model: "<section>:<key>" for every entry added, changed or removed. */
  changed: Set<string>;
  /** Sections with at least one entry added, changed or removed. */
  sections: Set<ModelSection>;
}

/** At most this many changed resources are patched in; a bigger batch compiles the model again. */
export const PATCH_LIMIT = 5000;

/**
 * The model of `view` from `prev` (the model of `view` before `changes`): sections whose types did
 * not change are kept as they are, small sections whose types changed are compiled again, and hosts
 * are replaced one by one. `prev` is not modified. Equal to compileModel(view, prev.tags).
 */
export function patchModel(
  prev: NetworkModel,
  view: WorldView & { seq?: number },
  changes: Array<{ key: string; type?: string }>,
): ModelPatch {
  const seq = (view as World).seq ?? 0;
  const changed = new Set<string>();
  const sections = new Set<ModelSection>();
  if (changes.length > PATCH_LIMIT || changes.some((c) => !c.type)) {
    const model = compileModel(view, prev.tags);
    for (const s of SECTIONS)
      diffSection(s, prev[s] as Map<string, unknown>, model[s] as Map<string, unknown>, changed, sections);
    return { model, full: true, changed, sections };
  }
  const touched = new Set<ModelSection>();
  const hostKeys = new Set<string>();
  const zoneKeys = new Set<string>();
  for (const c of changes) {
    const s = sectionOfType(c.type!);
    if (!s) continue;
    touched.add(s);
    if (s === "hosts") hostKeys.add(keyOf(c.key));
    if (s === "zones") {
      const k = keyOf(c.key);
      const i = k.indexOf("/providers/microsoft.network/privatednszones/");
      const rest = k.slice(i + "/providers/microsoft.network/privatednszones/".length);
      zoneKeys.add(k.slice(0, k.length - rest.length) + rest.split("/")[0]);
    }
  }
  const model: NetworkModel = { ...prev, seq };
  if (touched.has("nsgs")) model.nsgs = buildNsgs(view);
  if (touched.has("zones")) model.zones = buildZones(view, prev.zones, zoneKeys);
  if (touched.has("zones") || touched.has("vnets")) model.vnets = buildVnets(view, model.zones);
  if (touched.has("sites")) model.sites = buildSites(view);
  if (touched.has("dnsServers")) model.dnsServers = buildDnsServers(view);
  if (touched.has("inboundEndpoints")) model.inboundEndpoints = buildInboundEndpoints(view);
  if (touched.has("privateEndpoints")) model.privateEndpoints = buildPrivateEndpoints(view);
  for (const s of SECTIONS) {
    if (s === "hosts" || model[s] === prev[s]) continue;
    diffSection(s, prev[s] as Map<string, unknown>, model[s] as Map<string, unknown>, changed, sections);
  }
  if (hostKeys.size) {
    // The previous hosts with these replaced, without copying the map (a fleet has 100,000 hosts).
    const over = new Map<string, HostModel | undefined>();
    for (const k of hostKeys) {
      const e = view.get(k);
      const h = e ? hostModelOf(e) : undefined;
      if (h || prev.hosts.has(k)) {
        over.set(k, h);
        changed.add(`hosts:${k}`);
        sections.add("hosts");
      }
    }
    model.hosts = PatchedMap.over(prev.hosts, over);
  }
  return { model, full: false, changed, sections };
}

/**
 * A read-only map: `base` with some keys replaced, added or removed (undefined), in base's order
 * with new keys last — as a copy of base with those writes would be, without the copy. Patches of
 * patches share one base until the replaced keys are many, then it is copied once.
 */
export class PatchedMap<V> extends Map<string, V> {
  private constructor(
    private readonly base: Map<string, V>,
    private readonly over: Map<string, V | undefined>,
    private readonly count: number,
  ) {
    super();
  }

  static over<V>(base: Map<string, V>, over: Map<string, V | undefined>): Map<string, V> {
    if (base instanceof PatchedMap) {
      const merged = new Map(base.over);
      for (const [k, v] of over) merged.set(k, v);
      base = base.base;
      over = merged;
    }
    let count = base.size;
    for (const [k, v] of over) count += (v !== undefined ? 1 : 0) - (base.has(k) ? 1 : 0);
    const m = new PatchedMap(base, over, count);
    return over.size > 1024 ? new Map(m) : m;
  }

  override get(k: string): V | undefined {
    return this.over.has(k) ? this.over.get(k) : this.base.get(k);
  }

  override has(k: string): boolean {
    return this.over.has(k) ? this.over.get(k) !== undefined : this.base.has(k);
  }

  override get size(): number {
    return this.count;
  }

  override *entries(): MapIterator<[string, V]> {
    for (const [k, v] of this.base) {
      if (!this.over.has(k)) yield [k, v];
      else {
        const o = this.over.get(k);
        if (o !== undefined) yield [k, o];
      }
    }
    for (const [k, o] of this.over) if (o !== undefined && !this.base.has(k)) yield [k, o];
  }

  override [Symbol.iterator](): MapIterator<[string, V]> {
    return this.entries();
  }

  override *keys(): MapIterator<string> {
    for (const [k] of this.entries()) yield k;
  }

  override *values(): MapIterator<V> {
    for (const [, v] of this.entries()) yield v;
  }

  override forEach(fn: (v: V, k: string, m: Map<string, V>) => void, thisArg?: unknown): void {
    for (const [k, v] of this.entries()) fn.call(thisArg, v, k, this);
  }

  override set(): this {
    throw new Error("a patched model's map is read-only");
  }

  override delete(): boolean {
    throw new Error("a patched model's map is read-only");
  }

  override clear(): void {
    throw new Error("a patched model's map is read-only");
  }
}

const SECTIONS: ModelSection[] = [
  "nsgs",
  "zones",
  "vnets",
  "sites",
  "hosts",
  "dnsServers",
  "inboundEndpoints",
  "privateEndpoints",
];

function diffSection(
  s: ModelSection,
  a: Map<string, unknown>,
  b: Map<string, unknown>,
  changed: Set<string>,
  sections: Set<ModelSection>,
): void {
  for (const [k, v] of b)
    if (!a.has(k) || !sameValue(a.get(k), v)) {
      changed.add(`${s}:${k}`);
      sections.add(s);
    }
  for (const k of a.keys())
    if (!b.has(k)) {
      changed.add(`${s}:${k}`);
      sections.add(s);
    }
}

/** Structural equality of compiled values (plain objects, arrays, Maps, primitives). */
export function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) {
    return typeof a === "number" && typeof b === "number" && Number.isNaN(a) && Number.isNaN(b);
  }
  if (a instanceof Map) {
    if (!(b instanceof Map) || a.size !== b.size) return false;
    for (const [k, v] of a) if (!b.has(k) || !sameValue(v, b.get(k))) return false;
    return true;
  }
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!sameValue(a[i], b[i])) return false;
    return true;
  }
  if (Array.isArray(b) || b instanceof Map) return false;
  const ka = Object.keys(a as object).filter((k) => (a as any)[k] !== undefined);
  const kb = Object.keys(b as object).filter((k) => (b as any)[k] !== undefined);
  if (ka.length !== kb.length) return false;
  for (const k of ka) if (!sameValue((a as any)[k], (b as any)[k])) return false;
  return true;
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
