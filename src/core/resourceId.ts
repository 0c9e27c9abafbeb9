// ARM resource ids: parse, format, and compare case-insensitively.
// An id is a path of (type, name) pairs below a subscription and optional resource group,
// e.g. /subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v/subnets/a.

export interface ResourceId {
  /** The id as the caller (or the store) spelled it, without a trailing slash. */
  readonly id: string;
  readonly subscription?: string;
  readonly resourceGroup?: string;
  /** e.g. "Microsoft.Network"; undefined for subscriptions and resource groups. */
  readonly namespace?: string;
  /** Type segments below the namespace, e.g. ["virtualNetworks", "subnets"]. */
  readonly types: readonly string[];
  /** Names matching `types`, e.g. ["v", "a"]. */
  readonly names: readonly string[];
}

/** Lower-cased id: the store and every index key on this. */
export function keyOf(id: string): string {
  return trimSlash(id).toLowerCase();
}

function trimSlash(s: string): string {
  return s.length > 1 && s.endsWith("/") ? s.slice(0, -1) : s;
}

/** Full ARM type, e.g. "Microsoft.Network/virtualNetworks/subnets". */
export function fullType(r: ResourceId): string {
  if (r.namespace) return [r.namespace, ...r.types].join("/");
  if (r.resourceGroup) return "Microsoft.Resources/resourceGroups";
  if (r.subscription) return "Microsoft.Resources/subscriptions";
  return "";
}

export function name(r: ResourceId): string {
  if (r.names.length) return r.names[r.names.length - 1];
  return r.resourceGroup ?? r.subscription ?? "";
}

/**
 * Parses an ARM id. Returns undefined when the text is not a well-formed id:
 * /subscriptions/{s}[/resourceGroups/{rg}[/providers/{ns}/{type}/{name}[/{type}/{name}]*]]
 * or a tenant-level /providers/{ns}/{type}/{name}... id.
 *
 * A write parses its id several times (the route, the write, the World's parent index): the ids
 * parsed last are kept, and the same text gives the same (read-only) result.
 */
export function parseResourceId(text: string): ResourceId | undefined {
  if (typeof text !== "string") return undefined;
  const hit = parsedIds.get(text);
  if (hit !== undefined) return hit;
  const r = parseUncached(text);
  if (r) {
    // Bounded: forgetting only costs a parse again.
    if (parsedIds.size >= PARSED_IDS_KEPT) parsedIds.clear();
    parsedIds.set(text, r);
  }
  return r;
}

const PARSED_IDS_KEPT = 4096;
const parsedIds = new Map<string, ResourceId>();

/** `s` lower-cased is `lower` (which is lower case). */
function isWord(s: string | undefined, lower: string): boolean {
  return s !== undefined && s.length === lower.length && s.toLowerCase() === lower;
}

function parseUncached(text: string): ResourceId | undefined {
  if (text.charCodeAt(0) !== 47 /* / */) return undefined;
  const id = trimSlash(text);
  // The segments after the leading slash; an empty one (a doubled or trailing slash) is refused.
  const seg: string[] = [];
  for (let start = 1; ;) {
    const cut = id.indexOf("/", start);
    const end = cut < 0 ? id.length : cut;
    if (end === start) return undefined;
    seg.push(id.slice(start, end));
    if (cut < 0) break;
    start = cut + 1;
  }
  let i = 0;
  let subscription: string | undefined;
  let resourceGroup: string | undefined;
  if (isWord(seg[0], "subscriptions")) {
    subscription = seg[1];
    if (!subscription) return undefined;
    i = 2;
    if (isWord(seg[i], "resourcegroups")) {
      resourceGroup = seg[i + 1];
      if (!resourceGroup) return undefined;
      i += 2;
    }
  }
  if (i === seg.length) {
    if (!subscription) return undefined;
    return { id, subscription, resourceGroup, types: [], names: [] };
  }
  if (!isWord(seg[i], "providers")) return undefined;
  const namespace = seg[i + 1];
  if (!namespace) return undefined;
  i += 2;
  const rest = seg.length - i;
  if (rest === 0 || rest % 2 !== 0) return undefined;
  const types: string[] = [];
  const names: string[] = [];
  for (; i < seg.length; i += 2) {
    types.push(seg[i]);
    names.push(seg[i + 1]);
  }
  return { id, subscription, resourceGroup, namespace, types, names };
}

/** The id of the resource that contains this one (child → parent → resource group → subscription). */
export function parentId(r: ResourceId): string | undefined {
  if (r.types.length > 1) {
    const segs = r.id.split("/");
    return segs.slice(0, -2).join("/");
  }
  if (r.types.length === 1) {
    if (r.resourceGroup) return `/subscriptions/${r.subscription}/resourceGroups/${r.resourceGroup}`;
    if (r.subscription) return `/subscriptions/${r.subscription}`;
    return undefined;
  }
  if (r.resourceGroup) return `/subscriptions/${r.subscription}`;
  return undefined;
}

/**
 * keyOf(parentId(r)) from `key` (keyOf(r.id)), without joining the parent's id and lower-casing
 * it: the key less the segments below the parent.
 */
export function parentKey(r: ResourceId, key: string): string | undefined {
  const cut = parentKeyLength(r, key);
  return cut < 0 ? undefined : key.slice(0, cut);
}

/** The length of parentKey(r, key) (its text is `key`'s start), or -1 when `r` has no parent. */
export function parentKeyLength(r: ResourceId, key: string): number {
  const below =
    r.types.length > 1 ? 2 : r.types.length === 1 ? (r.subscription ? 4 : 0) : r.resourceGroup ? 2 : 0;
  if (below === 0) return -1;
  let cut = key.length;
  for (let i = 0; i < below; i++) cut = key.lastIndexOf("/", cut - 1);
  return cut;
}

export function resourceGroupId(subscription: string, resourceGroup: string): string {
  return `/subscriptions/${subscription}/resourceGroups/${resourceGroup}`;
}

export function sameId(a: string | undefined, b: string | undefined): boolean {
  return a !== undefined && b !== undefined && keyOf(a) === keyOf(b);
}

/** True when the id names a resource of the given full type (case-insensitive). */
export function isOfType(id: string | undefined, type: string): boolean {
  if (!id) return false;
  const p = parseResourceId(id);
  return !!p && fullType(p).toLowerCase() === type.toLowerCase();
}
