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
 */
export function parseResourceId(text: string): ResourceId | undefined {
  if (typeof text !== "string" || !text.startsWith("/")) return undefined;
  const id = trimSlash(text);
  const seg = id.split("/").slice(1);
  if (seg.some((s) => s.length === 0)) return undefined;
  let i = 0;
  let subscription: string | undefined;
  let resourceGroup: string | undefined;
  if (seg[i]?.toLowerCase() === "subscriptions") {
    subscription = seg[i + 1];
    if (!subscription) return undefined;
    i += 2;
    if (seg[i]?.toLowerCase() === "resourcegroups") {
      resourceGroup = seg[i + 1];
      if (!resourceGroup) return undefined;
      i += 2;
    }
  }
  if (i === seg.length) {
    if (!subscription) return undefined;
    return { id, subscription, resourceGroup, types: [], names: [] };
  }
  if (seg[i]?.toLowerCase() !== "providers") return undefined;
  const namespace = seg[i + 1];
  if (!namespace) return undefined;
  i += 2;
  const rest = seg.slice(i);
  if (rest.length === 0 || rest.length % 2 !== 0) return undefined;
  const types: string[] = [];
  const names: string[] = [];
  for (let j = 0; j < rest.length; j += 2) {
    types.push(rest[j]);
    names.push(rest[j + 1]);
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
