// What the ArcLink.Lab types share: the namespace's conventions (tenant-free, global, one
// api-version), where a lab thing sits (an on-premises site or an Azure subnet), and the
// address checks that keep two things from claiming one IP.
import { isIPv4, isIPv6 } from "node:net";
import { ArmError, errors } from "../../core/armError.js";
import { Cidr, cidrContainsIp, formatIpv4, parseCidr, parseIpv4 } from "../../core/ip.js";
import { keyOf, sameId } from "../../core/resourceId.js";
import { NameRule, ResourceType } from "../contract.js";
import { optString, ref } from "../validate.js";
import { Entry, World, WorldView } from "../../world/world.js";

export const LAB_NAMESPACE = "ArcLink.Lab";
export const LAB_API_VERSIONS = ["2025-01-01"] as const;

export const SITE_TYPE = "ArcLink.Lab/sites";
export const HOST_TYPE = "ArcLink.Lab/hosts";
export const DNS_SERVER_TYPE = "ArcLink.Lab/dnsServers";
export const SITE_CONNECTION_TYPE = "ArcLink.Lab/siteConnections";
export const FIREWALL_TYPE = "ArcLink.Lab/firewalls";
export const PROXY_TYPE = "ArcLink.Lab/proxies";

export const SUBNET_TYPE = "Microsoft.Network/virtualNetworks/subnets";
export const VNET_TYPE = "Microsoft.Network/virtualNetworks";

export const LAB_NAME: NameRule = {
  min: 1,
  max: 80,
  pattern: /^[A-Za-z0-9]([-\w.]*\w)?$/u,
  describe:
    "letters, digits, underscores, hyphens and periods, starting with a letter or digit and not ending in a period or hyphen",
};

/** The conventions every lab type shares; each file adds its type, write and hooks. */
export const LAB_COMMON: Pick<
  ResourceType,
  "apiVersions" | "kind" | "globalLocation" | "name" | "lro" | "etag" | "patch" | "listBy"
> = {
  apiVersions: LAB_API_VERSIONS,
  kind: "tracked",
  globalLocation: true,
  name: LAB_NAME,
  lro: { put: "sync", delete: "sync" },
  etag: "guid",
  patch: "merge",
  listBy: { subscription: true, resourceGroup: true },
};

export function invalid(path: string, message: string): ArmError {
  return errors.invalidProperty(path, message);
}

/** An IPv4 address (the network model is IPv4). */
export function ipv4(v: unknown, path: string): string {
  const s = optString(v, path, 64);
  if (s === undefined || s === "") throw errors.missingProperty(path);
  if (parseIpv4(s) === undefined) throw invalid(path, `'${s}' is not an IPv4 address such as 192.168.1.10.`);
  return s;
}

/** An IPv4 or IPv6 address (resolver targets). */
export function ipAny(v: unknown, path: string): string {
  const s = optString(v, path, 64);
  if (s === undefined || s === "") throw errors.missingProperty(path);
  if (!isIPv4(s) && !isIPv6(s)) throw invalid(path, `'${s}' is not an IPv4 or IPv6 address.`);
  return s;
}

/** A list of distinct IP addresses. */
export function ipList(v: unknown, path: string, opts: { min?: number } = {}): string[] {
  if (v === undefined || v === null) {
    if (opts.min) throw errors.missingProperty(path);
    return [];
  }
  if (!Array.isArray(v))
    throw errors.invalidRequestContent(`'${path}' must be an array of IP addresses.`, path);
  if (opts.min && v.length < opts.min) throw invalid(path, `at least ${opts.min} address is required.`);
  const out: string[] = [];
  for (let i = 0; i < v.length; i++) {
    const x = v[i];
    // A valid address (nearly always) as it is; anything else through ipAny, for its refusal.
    out.push(
      typeof x === "string" && x !== "" && x.length <= 64 && (isIPv4(x) || isIPv6(x))
        ? x
        : ipAny(x, `${path}[${i}]`),
    );
  }
  // The first address listed before: a short list (a host's one or two) is compared pairwise.
  const seen = out.length > 8 ? new Set<string>() : undefined;
  for (let i = 0; i < out.length; i++) {
    const ip = out[i];
    const twice = seen ? seen.has(ip) : out.indexOf(ip) < i;
    if (twice) throw invalid(`${path}[${i}]`, `${ip} is listed twice; list each address once.`);
    seen?.add(ip);
  }
  return out;
}

const DOMAIN_LABEL = /^[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?$/i;

/** A DNS domain name: returned lower-cased, without a trailing dot. */
export function domainName(v: unknown, path: string): string {
  const s = optString(v, path, 254);
  if (s === undefined || s === "") throw errors.missingProperty(path);
  const n = s.replace(/\.$/, "").toLowerCase();
  if (n.length === 0 || n.length > 253 || !n.split(".").every((l) => DOMAIN_LABEL.test(l))) {
    throw invalid(
      path,
      `'${s}' is not a DNS name: use dot-separated labels of letters, digits, hyphens and underscores (each 1-63 characters), e.g. his.arc.azure.com.`,
    );
  }
  return n;
}

/** Where a host or DNS server sits: an on-premises site, or a subnet in Azure. */
export interface Placement {
  kind: "site" | "subnet";
  /** The site's or the subnet's id, as stored. */
  id: string;
  /** Property name that holds it ("siteId" or "subnetId"). */
  prop: "siteId" | "subnetId";
  prefixes: Cidr[];
}

/** Exactly one of properties.siteId / properties.subnetId, referencing an existing resource. */
export function placement(view: WorldView, props: Record<string, any>): Placement {
  const hasSite = props.siteId !== undefined && props.siteId !== null;
  const hasSubnet = props.subnetId !== undefined && props.subnetId !== null;
  if (hasSite === hasSubnet) {
    throw new ArmError(
      400,
      "InvalidParameter",
      hasSite
        ? "Both 'properties.siteId' and 'properties.subnetId' are set. A machine sits either on-premises (siteId) or in an Azure subnet (subnetId): keep one."
        : "One of 'properties.siteId' (an ArcLink.Lab/sites id, for a machine on-premises) or 'properties.subnetId' (a Microsoft.Network/virtualNetworks/subnets id, for a VM in Azure) is required.",
      { target: hasSite ? "properties.subnetId" : "properties.siteId" },
    );
  }
  if (hasSite) {
    const e = ref(props.siteId, "properties.siteId", SITE_TYPE, view, "site");
    return { kind: "site", id: e.id, prop: "siteId", prefixes: prefixesOf(e.body, sitePrefixes) };
  }
  const e = ref(props.subnetId, "properties.subnetId", SUBNET_TYPE, view, "subnet");
  return { kind: "subnet", id: e.id, prop: "subnetId", prefixes: prefixesOf(e.body, subnetPrefixes) };
}

/**
 * A stored body's prefixes, parsed once per body: every host placed in a site reads the same
 * site body (a write stores a new body, so a body's prefixes never change). Callers only read them.
 */
const parsedPrefixes = new WeakMap<object, Cidr[]>();

function prefixesOf(body: Record<string, any>, parse: (body: Record<string, any>) => Cidr[]): Cidr[] {
  let p = parsedPrefixes.get(body);
  if (!p) parsedPrefixes.set(body, (p = parse(body)));
  return p;
}

export function sitePrefixes(body: Record<string, any> | undefined): Cidr[] {
  const list: unknown[] = body?.properties?.addressSpace?.addressPrefixes ?? [];
  return list.map((p) => parseCidr(p)).filter((c): c is Cidr => !!c);
}

export function subnetPrefixes(body: Record<string, any> | undefined): Cidr[] {
  const p = body?.properties ?? {};
  const list: unknown[] = Array.isArray(p.addressPrefixes) ? p.addressPrefixes : [p.addressPrefix];
  return list.map((x) => parseCidr(x)).filter((c): c is Cidr => !!c);
}

export function vnetPrefixes(body: Record<string, any> | undefined): Cidr[] {
  const list: unknown[] = body?.properties?.addressSpace?.addressPrefixes ?? [];
  return list.map((p) => parseCidr(p)).filter((c): c is Cidr => !!c);
}

/**
 * The address must lie inside the site's or subnet's prefixes, must not be one Azure reserves in a
 * subnet, and must not be taken by another lab machine or an Azure-allocated interface there.
 */
export function checkAddress(
  view: WorldView,
  where: Placement,
  ip: string,
  selfId: string,
  path: string,
): void {
  const n = parseIpv4(ip)!;
  const inside = where.prefixes.find((c) => cidrContainsIp(c, n));
  const what = where.kind === "site" ? "site" : "subnet";
  if (!inside) {
    throw invalid(
      path,
      `${ip} is outside the ${what}'s address space (${where.prefixes.map((c) => c.text).join(", ") || "none"}). Use an address inside it, or add a prefix to the ${what}.`,
    );
  }
  if (where.kind === "subnet") {
    const reserved = [inside.first, inside.first + 1, inside.first + 2, inside.first + 3, inside.last];
    if (reserved.includes(n)) {
      throw invalid(
        path,
        `${ip} is reserved by Azure in subnet ${inside.text} (the network address, .1 to .3 and the broadcast address). The first usable address is ${formatIpv4(inside.first + 4)}.`,
      );
    }
  }
  const taken = takenBy(view, where, ip).find((x) => !sameId(x.by, selfId));
  if (taken) {
    throw new ArmError(
      409,
      "PrivateIPAddressInUse",
      `The address ${ip} at '${path}' is already used by ${taken.by} in the same ${what}. Choose another address.`,
      { target: path },
    );
  }
}

/** A resource that claims an address (what claimOf reads). */
type Claimant = { id: string; type: string; body: Record<string, any> };

interface TakenAddress {
  ip: string;
  by: string;
}

/** The lab types that claim an address, and the property that holds it. */
const LAB_ADDRESS_FIELDS: Record<string, string> = {
  [HOST_TYPE.toLowerCase()]: "privateIPAddress",
  [DNS_SERVER_TYPE.toLowerCase()]: "ipAddress",
  [PROXY_TYPE.toLowerCase()]: "ipAddress",
};

const LAB_ADDRESS_TYPES = Object.keys(LAB_ADDRESS_FIELDS);

/**
 * The property that holds the address resources of `type` (as stored) claim, or "" when they claim
 * none; asked for every change a World applies and every claim read, so the answer is kept by the
 * type as spelled (a World keeps one string per type) rather than lower-cased each time.
 */
function addressFieldOf(type: string): string {
  let field = claimingTypes.get(type);
  if (field === undefined) {
    if (claimingTypes.size >= 1000) claimingTypes.clear();
    const lower = type.toLowerCase();
    field = Object.prototype.hasOwnProperty.call(LAB_ADDRESS_FIELDS, lower) ? LAB_ADDRESS_FIELDS[lower] : "";
    claimingTypes.set(type, field);
  }
  return field;
}

/** Whether resources of `type` (as stored) claim an address. */
function claimsAddress(type: string): boolean {
  return addressFieldOf(type) !== "";
}

const claimingTypes = new Map<string, string>();

/** Where a lab resource's address is claimed: "siteId|<site key>" or "subnetId|<subnet key>". */
function claimOf(e: { type: string; body: Record<string, any> }): { place: string; ip: string } | undefined {
  const field = addressFieldOf(e.type);
  if (!field) return undefined;
  const p = e.body.properties ?? {};
  const ip = p[field];
  if (typeof ip !== "string") return undefined;
  for (const prop of ["siteId", "subnetId"] as const) {
    if (typeof p[prop] === "string") return { place: placeKey(prop, p[prop]), ip };
  }
  return undefined;
}

/** Place keys, one string per site or subnet however many resources claim addresses there. */
const places = new Map<string, string>();

/**
 * Place keys by the id as written, per property: a place's id is nearly always the one string its
 * entry holds (a host's siteId is its site's id), whose hash is kept, so a claim read or made finds
 * its key without lower-casing and joining the id again.
 */
const placesById = { siteId: new Map<string, string>(), subnetId: new Map<string, string>() };

function placeKey(prop: "siteId" | "subnetId", id: string): string {
  const byId = placesById[prop];
  const hit = byId.get(id);
  if (hit !== undefined) return hit;
  const k = `${prop}|${keyOf(id)}`;
  let interned = places.get(k);
  if (interned === undefined) {
    if (places.size > 100_000) places.clear();
    places.set(k, (interned = k));
  }
  if (byId.size > 100_000) byId.clear();
  byId.set(id, interned);
  return interned;
}

/**
 * Addresses lab resources claim in a World, by site or subnet, kept up to date from the World's
 * change feed: checking a new host's address costs the same with 10 or 100,000 hosts.
 *
 * A change adds the resource's claim as the World now holds it and removes nothing: a claim no
 * longer true (the resource deleted or moved to another address) is checked against the World when
 * read and dropped then. So the index keeps no record per resource of what it claimed.
 */
class AddressIndex {
  /** place → ip → the key of the resource claiming it (several: a Set of them, in claim order). */
  private readonly byPlace = new Map<string, Map<string, string | Set<string>>>();
  /** Keys held, stale ones included (past twice the claimants, the stale ones are dropped). */
  private held = 0;

  constructor(private readonly world: World) {
    for (const t of LAB_ADDRESS_TYPES) for (const e of world.ofType(t)) this.add(e.key, e);
    world.onChange((changes) => {
      for (const c of changes) {
        if (!c.resource || !claimsAddress(c.resource.type)) continue;
        // The World's entry: its key string, and the state this batch left it in.
        const e = world.getKeyed(c.key);
        if (e) this.add(e.key, e);
      }
      let claimants = 0;
      for (const t of LAB_ADDRESS_TYPES) claimants += world.countOfType(t);
      if (this.held > 2 * claimants + 1024) this.prune();
    });
  }

  /** Claims `e`'s address now: last among the address's claimants, as a claim made anew is. */
  private add(key: string, e: Claimant): void {
    const c = claimOf(e);
    if (!c) return;
    let ips = this.byPlace.get(c.place);
    if (!ips) this.byPlace.set(c.place, (ips = new Map()));
    const had = ips.get(c.ip);
    // One claimant (nearly always): its key itself; a Set only when several claim the address.
    if (had === undefined) ips.set(c.ip, key);
    else if (typeof had === "string") {
      if (had === key) {
        // The same claim again: to the end of the place's addresses, where a claim made anew goes.
        ips.delete(c.ip);
        ips.set(c.ip, key);
        return;
      }
      ips.set(c.ip, new Set([had, key]));
    } else {
      if (had.delete(key)) this.held--;
      had.add(key);
    }
    this.held++;
  }

  /** The World's entry for `key` when it still claims `ip` in `place`. */
  private claimant(key: string, place: string, ip: string): Entry | undefined {
    const e = this.world.getKeyed(key);
    if (!e) return undefined;
    const c = claimOf(e);
    return c && c.place === place && c.ip === ip ? e : undefined;
  }

  /** The live claimants among `keys` (claimed `ip` in `place`); the stale ones are dropped. */
  private live(ips: Map<string, string | Set<string>>, place: string, ip: string): Entry[] {
    const keys = ips.get(ip);
    if (keys === undefined) return [];
    if (typeof keys === "string") {
      const e = this.claimant(keys, place, ip);
      if (e) return [e];
      ips.delete(ip);
      this.held--;
      return [];
    }
    const out: Entry[] = [];
    for (const k of [...keys]) {
      const e = this.claimant(k, place, ip);
      if (e) out.push(e);
      else {
        keys.delete(k);
        this.held--;
      }
    }
    if (keys.size === 1) ips.set(ip, out[0].key);
    else if (!keys.size) ips.delete(ip);
    return out;
  }

  /** Drops every stale claim (the order of what stays is kept). */
  private prune(): void {
    for (const [place, ips] of this.byPlace) {
      for (const ip of [...ips.keys()]) this.live(ips, place, ip);
      if (!ips.size) this.byPlace.delete(place);
    }
  }

  /** Ids claiming `ip` in the place (undefined ip: every claim there). */
  claimsIn(place: string, ip?: string): TakenAddress[] {
    const ips = this.byPlace.get(place);
    if (!ips) return [];
    const out: TakenAddress[] = [];
    for (const addr of ip === undefined ? [...ips.keys()] : [ip])
      for (const e of this.live(ips, place, addr)) out.push({ ip: addr, by: e.id });
    return out;
  }
}

const indexes = new WeakMap<World, AddressIndex>();

/**
 * The claims a layered World (a what-if overlay) holds itself, kept up to date from its change
 * feed: a write into an overlay of N changes no longer reads all N to check one address. Keys it
 * changed hide the base's claims for them, as the overlay's own entries and tombstones do.
 */
class LayerIndex {
  private readonly own = new Map<string, { place: string; ip: string; id: string }>();
  /** "<place> <ip>" → keys claiming it, in the order of `own` (an address is checked without a scan). */
  private readonly byAddress = new Map<string, Set<string>>();
  /** Keys the overlay holds an entry or a tombstone for (kept in the overlay's order). */
  readonly changed = new Set<string>();
  readonly injections: number;
  readonly base: WorldView;

  constructor(layered: Layered) {
    this.injections = layered.injections ?? 0;
    const { base, pending } = layered.layers();
    this.base = base;
    for (const [k, e] of pending) this.set(k, e);
  }

  set(key: string, e: { id: string; type: string; body: Record<string, any> } | null | undefined): void {
    const had = this.own.get(key);
    if (had) {
      const keys = this.byAddress.get(`${had.place} ${had.ip}`)!;
      keys.delete(key);
      if (!keys.size) this.byAddress.delete(`${had.place} ${had.ip}`);
      this.own.delete(key);
    }
    this.changed.add(key);
    const c = e ? claimOf(e) : undefined;
    if (c) {
      this.own.set(key, { place: c.place, ip: c.ip, id: e!.id });
      const a = `${c.place} ${c.ip}`;
      let keys = this.byAddress.get(a);
      if (!keys) this.byAddress.set(a, (keys = new Set()));
      keys.add(key);
    }
  }

  claimsIn(place: string, ip?: string): TakenAddress[] {
    const out: TakenAddress[] = [];
    if (ip !== undefined) {
      for (const k of this.byAddress.get(`${place} ${ip}`) ?? []) out.push({ ip, by: this.own.get(k)!.id });
      return out;
    }
    for (const c of this.own.values()) if (c.place === place) out.push({ ip: c.ip, by: c.id });
    return out;
  }
}

const layerIndexes = new WeakMap<World, LayerIndex>();

function layerIndexOf(world: World & Layered): LayerIndex {
  let index = layerIndexes.get(world);
  if (index && index.injections === (world.injections ?? 0)) return index;
  const fresh = new LayerIndex(world);
  if (!index)
    world.onChange((changes) => {
      const current = layerIndexes.get(world)!;
      for (const c of changes) current.set(c.key, c.resource ?? null);
    });
  layerIndexes.set(world, (index = fresh));
  return index;
}

/** A view that layers pending changes over another view (a WriteTx, a group of writes). */
interface Layered {
  layers(): { base: WorldView; pending: ReadonlyMap<string, Entry | null> };
  /** A write transaction records that it read every resource of the type (its read set). */
  readsType?(type: string): void;
  /** Resources written into a layered World without a change (its listeners never hear of them). */
  injections?: number;
  /** Calls `fn` for every later pending change (the writer's group of writes not yet committed). */
  onSet?(fn: (key: string, e: Entry | null) => void): void;
}

const pendingIndexes = new WeakMap<object, LayerIndex>();

/**
 * The claims of a group of writes not yet committed, kept up to date as the group grows: each write
 * of a group checks its address without reading every write before it (a group of N writes would
 * otherwise cost N² claim reads).
 */
function pendingIndexOf(view: Layered): LayerIndex | undefined {
  if (typeof view.onSet !== "function") return undefined;
  let index = pendingIndexes.get(view);
  if (!index) {
    const fresh = new LayerIndex(view);
    view.onSet((k, e) => fresh.set(k, e));
    pendingIndexes.set(view, (index = fresh));
  }
  return index;
}

/** Lab claims in a place as `view` sees them: the World's index, then each layer's pending changes. */
function labClaims(view: WorldView, where: Placement, ip?: string): TakenAddress[] {
  const place = placeKey(where.prop, where.id);
  // Layered first: a what-if overlay is a World too, but its base already has an index.
  const layered = view as Partial<Layered>;
  if (view instanceof World && typeof layered.layers !== "function") {
    let index = indexes.get(view);
    if (!index) indexes.set(view, (index = new AddressIndex(view)));
    return index.claimsIn(place, ip);
  }
  if (view instanceof World && typeof layered.layers === "function") {
    const own = layerIndexOf(view as World & Layered);
    const out = labClaims(own.base, where, ip).filter((t) => !own.changed.has(keyOf(t.by)));
    return [...out, ...own.claimsIn(place, ip)];
  }
  if (typeof layered.layers === "function") {
    // The base's index answers for every lab type that claims addresses: a write reads them all.
    for (const t of LAB_ADDRESS_TYPES) layered.readsType?.(t);
    const { base, pending } = layered.layers();
    const below = labClaims(base, where, ip);
    const out = below.length && pending.size ? below.filter((t) => !pending.has(keyOf(t.by))) : below;
    const index = pendingIndexOf(layered as Layered);
    if (index) return [...out, ...index.claimsIn(place, ip)];
    for (const e of pending.values()) {
      if (!e) continue;
      const c = claimOf(e);
      if (c && c.place === place && (ip === undefined || c.ip === ip)) out.push({ ip: c.ip, by: e.id });
    }
    return out;
  }
  // Any other view: look at every lab resource that claims an address.
  const out: TakenAddress[] = [];
  for (const t of Object.keys(LAB_ADDRESS_FIELDS)) {
    for (const e of view.ofType(t)) {
      const c = claimOf(e);
      if (c && c.place === place && (ip === undefined || c.ip === ip)) out.push({ ip: c.ip, by: e.id });
    }
  }
  return out;
}

/** Every address claimed in a site or subnet: lab machines, and in a subnet Azure's NICs and endpoints. */
export function addressesIn(view: WorldView, where: Placement): TakenAddress[] {
  const out = labClaims(view, where);
  if (where.kind === "subnet") out.push(...azureAddressesIn(view, where.id));
  return out;
}

/** Who else claims `ip` in a site or subnet (lab resources through an index; Azure's by a scan). */
function takenBy(view: WorldView, where: Placement, ip: string): TakenAddress[] {
  const out = labClaims(view, where, ip);
  if (where.kind === "subnet") out.push(...azureAddressesIn(view, where.id).filter((x) => x.ip === ip));
  return out;
}

/** Addresses Azure allocated in a subnet (NIC ip configurations, private endpoints, resolver inbound endpoints). */
function azureAddressesIn(view: WorldView, subnetId: string): TakenAddress[] {
  const out: TakenAddress[] = [];
  const add = (ip: unknown, subnet: unknown, by: string) => {
    if (typeof ip === "string" && typeof subnet === "string" && sameId(subnet, subnetId))
      out.push({ ip, by });
  };
  for (const e of view.ofType("Microsoft.Network/networkInterfaces")) {
    for (const c of arr(e.body.properties?.ipConfigurations)) {
      add(c?.properties?.privateIPAddress, c?.properties?.subnet?.id, e.id);
    }
  }
  for (const e of view.ofType("Microsoft.Network/privateEndpoints")) {
    const subnet = e.body.properties?.subnet?.id;
    for (const c of arr(e.body.properties?.ipConfigurations))
      add(c?.properties?.privateIPAddress, subnet, e.id);
    for (const c of arr(e.body.properties?.customDnsConfigs)) {
      for (const ip of arr(c?.ipAddresses)) add(ip, subnet, e.id);
    }
  }
  for (const e of view.ofType("Microsoft.Network/dnsResolvers/inboundEndpoints")) {
    for (const c of arr(e.body.properties?.ipConfigurations)) add(c?.privateIpAddress, c?.subnet?.id, e.id);
  }
  return out;
}

function arr(v: unknown): any[] {
  return Array.isArray(v) ? v : [];
}

/** Lab resources whose properties.siteId is this site. */
export function siteDependents(view: WorldView, siteId: string): { id: string; type: string }[] {
  const out: { id: string; type: string }[] = [];
  for (const t of [HOST_TYPE, DNS_SERVER_TYPE, SITE_CONNECTION_TYPE, FIREWALL_TYPE, PROXY_TYPE]) {
    for (const e of view.ofType(t)) {
      if (sameId(e.body.properties?.siteId, siteId)) out.push({ id: e.id, type: e.type });
    }
  }
  return out;
}

/**
 * `o` without its undefined values, keys in the caller's order. A copy, not `delete`: deleting a
 * key other than the last turns an object into a slow dictionary, which every later copy and read
 * of the body (a write's envelope, the network model) then pays for.
 */
export function compact<T extends Record<string, any>>(o: T): T {
  const keys = Object.keys(o);
  let i = 0;
  while (i < keys.length && o[keys[i]] !== undefined) i++;
  if (i === keys.length) return o;
  const out: Record<string, any> = {};
  for (const k of keys) if (o[k] !== undefined) out[k] = o[k];
  return out as T;
}
