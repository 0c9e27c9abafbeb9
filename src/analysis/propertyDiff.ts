// Property-level differences between two versions of a resource, in the spirit of
// `az deployment group what-if`: `~ properties.dnsServers: ["a"] => ["b"]`, `+ path: value`,
// `- path: value`. Arrays of scalars compare as a whole; objects and arrays of objects go down
// to their leaves (array items by index). Bookkeeping ArcLink or ARM writes on every PUT (etag,
// systemData, provisioningState, ArcLink's own `_arclink`) is left out.

export interface PropertyDiff {
  /** "+" added, "-" removed, "~" modified. */
  op: "+" | "-" | "~";
  path: string;
  before?: unknown;
  after?: unknown;
}

export interface ResourceDiff {
  id: string;
  type: string;
  change: "Create" | "Delete" | "Modify";
  diffs: PropertyDiff[];
}

const NOISE = new Set(["etag", "systemData", "provisioningState", "_arclink"]);
/** The envelope's identity: the same on both sides of a Modify. */
const TOP = new Set(["id", "name", "type"]);

function isScalarArray(v: unknown): boolean {
  return Array.isArray(v) && v.every((x) => x === null || typeof x !== "object");
}

function walk(path: string, a: unknown, b: unknown, out: PropertyDiff[]): void {
  if (JSON.stringify(a) === JSON.stringify(b)) return;
  if (a === undefined) {
    out.push({ op: "+", path, after: b });
    return;
  }
  if (b === undefined) {
    out.push({ op: "-", path, before: a });
    return;
  }
  const objA = a !== null && typeof a === "object" && !isScalarArray(a);
  const objB = b !== null && typeof b === "object" && !isScalarArray(b);
  if (!objA || !objB || Array.isArray(a) !== Array.isArray(b)) {
    out.push({ op: "~", path, before: a, after: b });
    return;
  }
  if (Array.isArray(a) && Array.isArray(b)) {
    for (let i = 0; i < Math.max(a.length, b.length); i++) walk(`${path}[${i}]`, a[i], b[i], out);
    return;
  }
  const ka = a as Record<string, unknown>;
  const kb = b as Record<string, unknown>;
  for (const k of [...new Set([...Object.keys(ka), ...Object.keys(kb)])].sort()) {
    if (NOISE.has(k) || (!path && TOP.has(k))) continue;
    walk(path ? `${path}.${k}` : k, ka[k], kb[k], out);
  }
}

/** The differences between two bodies of one resource (either may be absent: create, delete). */
export function diffResource(
  id: string,
  type: string,
  before: Record<string, any> | undefined,
  after: Record<string, any> | undefined,
): ResourceDiff | undefined {
  const diffs: PropertyDiff[] = [];
  walk("", before ?? undefined, after ?? undefined, diffs);
  if (before && after && !diffs.length) return undefined;
  return {
    id,
    type,
    change: !before ? "Create" : !after ? "Delete" : "Modify",
    diffs: before && after ? diffs : [],
  };
}

function show(v: unknown): string {
  return JSON.stringify(v);
}

/** One line per difference: `~ properties.dnsServers: ["a"] => ["b"]`. */
export function renderPropertyDiff(d: PropertyDiff): string {
  if (d.op === "+") return `+ ${d.path}: ${show(d.after)}`;
  if (d.op === "-") return `- ${d.path}: ${show(d.before)}`;
  return `~ ${d.path}: ${show(d.before)} => ${show(d.after)}`;
}
