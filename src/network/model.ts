// The network model: the world compiled into what evaluators need — address spaces, who is
// connected to whom, resolvers and their data, endpoints. Compiled once, then patched with what
// changes (patchModel). Each section is compiled by its own file in ./sections/, from the resource
// types that declare it (ResourceType.model).
import { Cidr, cidrContainsIp, parseIpv4, isPrivateIpv4 } from "../core/ip.js";
import { keyOf } from "../core/resourceId.js";
import { createRegistry } from "../providers/index.js";
import { WorldView, World } from "../world/world.js";
import { ModelSections } from "./modelSections.js";
import { SECTIONS } from "./sections/index.js";
import { CompiledSections, ModelSectionCompiler } from "./sections/section.js";
import { ServiceTags } from "./serviceTags.js";

export { PatchedMap } from "./patchedMap.js";

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

/** The compiled sections, each a map by key (src/network/sections/). */
type Sections = (typeof SECTIONS)[number];
type SectionEntries<S> = S extends ModelSectionCompiler<string, infer V> ? Map<string, V> : never;

/** A section of the model: what a change to resources of some type can alter. */
export type ModelSection = Sections["name"];

export type NetworkModel = {
  seq: number;
  tags: ServiceTags;
} & { [S in Sections as S["name"]]: SectionEntries<S> };

let standard: ModelSections | undefined;

/** The model's sections and the resource types that declare them (every registered provider). */
export function modelSections(): ModelSections {
  return (standard ??= new ModelSections(SECTIONS, createRegistry().allTypes()));
}

/** The world compiled into every section of the model. */
export function compileModel(
  view: WorldView & { seq?: number },
  tags: ServiceTags,
  sections: ModelSections = modelSections(),
): NetworkModel {
  const model: Record<string, unknown> = { seq: (view as World).seq ?? 0, tags };
  for (const s of sections.list) model[s.name] = s.compile(view, model as CompiledSections);
  return model as NetworkModel;
}

/** The model section a resource type (any casing) is compiled into, or undefined when none reads it. */
export function sectionOfType(type: string): ModelSection | undefined {
  return modelSections().sectionOf(type) as ModelSection | undefined;
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
 * not change are kept as they are, sections whose types changed (or that read a section that did)
 * are compiled again or, where the section knows how, patched entry by entry (hosts one by one).
 * `prev` is not modified. Equal to compileModel(view, prev.tags).
 */
export function patchModel(
  prev: NetworkModel,
  view: WorldView & { seq?: number },
  changes: Array<{ key: string; type?: string }>,
  sections: ModelSections = modelSections(),
): ModelPatch {
  const seq = (view as World).seq ?? 0;
  const changed = new Set<string>();
  const altered = new Set<ModelSection>();
  const before = prev as unknown as Record<string, Map<string, unknown>>;
  if (changes.length > PATCH_LIMIT || changes.some((c) => !c.type)) {
    const model = compileModel(view, prev.tags, sections);
    const after = model as unknown as Record<string, Map<string, unknown>>;
    for (const s of sections.names) diffSection(s, before[s], after[s], changed, altered);
    return { model, full: true, changed, sections: altered };
  }
  // Resource keys changed, by the section their type feeds.
  const touched = new Map<string, Set<string>>();
  for (const c of changes) {
    const s = sections.sectionOf(c.type!);
    if (s === undefined) continue;
    let keys = touched.get(s);
    if (!keys) touched.set(s, (keys = new Set()));
    keys.add(keyOf(c.key));
  }
  const model: Record<string, unknown> = { ...prev, seq };
  const after = model as Record<string, Map<string, unknown>>;
  const recompiled = new Set<string>();
  for (const s of sections.list) {
    const keys = touched.get(s.name);
    const readChanged = (s.reads ?? []).some((r) => recompiled.has(r));
    if (!keys && !readChanged) continue;
    recompiled.add(s.name);
    if (s.patch && keys && !readChanged) {
      const { entries, changed: own } = s.patch(before[s.name], view, keys);
      after[s.name] = entries;
      if (own) {
        for (const k of own) changed.add(`${s.name}:${k}`);
        if (own.size) altered.add(s.name as ModelSection);
        continue;
      }
    } else after[s.name] = s.compile(view, model as CompiledSections);
    if (after[s.name] !== before[s.name])
      diffSection(s.name, before[s.name], after[s.name], changed, altered);
  }
  return { model: model as NetworkModel, full: false, changed, sections: altered };
}

function diffSection(
  s: string,
  a: Map<string, unknown>,
  b: Map<string, unknown>,
  changed: Set<string>,
  sections: Set<ModelSection>,
): void {
  for (const [k, v] of b)
    if (!a.has(k) || !sameValue(a.get(k), v)) {
      changed.add(`${s}:${k}`);
      sections.add(s as ModelSection);
    }
  for (const k of a.keys())
    if (!b.has(k)) {
      changed.add(`${s}:${k}`);
      sections.add(s as ModelSection);
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
