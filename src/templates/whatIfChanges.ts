// A deployment's what-if in Azure's shape: for each resource the template writes, the resource
// before (as GET returns it now) and after (as the providers would leave it), the change type
// (Create, Modify, NoChange), and the property changes (delta) on the paths the template sets —
// properties the providers compute are not the template's change. Resources of the resource
// group the template does not mention are Ignore (Incremental) or Delete (Complete).
import { deepEqual, isObject } from "./functions/args.js";
import { Json } from "./template.js";

export type ChangeType = "Create" | "Delete" | "Modify" | "NoChange" | "Ignore" | "Deploy" | "Unsupported";

export interface PropertyChange {
  path: string;
  propertyChangeType: "Create" | "Delete" | "Modify" | "Array" | "NoEffect";
  before?: unknown;
  after?: unknown;
  children?: PropertyChange[];
}

export interface WhatIfChange {
  resourceId: string;
  changeType: ChangeType;
  before?: Json;
  after?: Json;
  delta?: PropertyChange[];
}

function deltaOf(requested: unknown, before: unknown, after: unknown, path: string): PropertyChange[] {
  if (isObject(requested) && isObject(after)) {
    const out: PropertyChange[] = [];
    for (const k of Object.keys(requested)) {
      const p = path ? `${path}.${k}` : k;
      const b = isObject(before) ? before[k] : undefined;
      const a = after[k];
      out.push(...deltaOf(requested[k], b, a, p));
    }
    return out;
  }
  if (Array.isArray(requested) && Array.isArray(after)) {
    // Elements are matched by name where the template names them (subnets, rules), else by index.
    const b = Array.isArray(before) ? before : [];
    const find = (arr: unknown[], r: unknown, i: number) =>
      isObject(r) && typeof r.name === "string"
        ? arr.find((x) => isObject(x) && String(x.name).toLowerCase() === String(r.name).toLowerCase())
        : arr[i];
    const children: PropertyChange[] = [];
    requested.forEach((r, i) => {
      const bi = find(b, r, i);
      const ai = find(after, r, i);
      if (bi === undefined) {
        if (ai !== undefined) children.push({ path: String(i), propertyChangeType: "Create", after: ai });
        return;
      }
      const sub = deltaOf(r, bi, ai, "");
      if (sub.length)
        children.push(
          isObject(r)
            ? { path: String(i), propertyChangeType: "Modify", children: sub }
            : { ...sub[0], path: String(i) },
        );
    });
    b.forEach((x, i) => {
      const named = isObject(x) && typeof x.name === "string";
      const kept = named
        ? requested.some((r) => isObject(r) && String(r.name).toLowerCase() === String(x.name).toLowerCase())
        : i < requested.length;
      if (!kept) children.push({ path: String(i), propertyChangeType: "Delete", before: x });
    });
    return children.length ? [{ path, propertyChangeType: "Array", children }] : [];
  }
  if (deepEqual(before, after)) return [];
  if (before === undefined) return [{ path, propertyChangeType: "Create", after }];
  if (after === undefined) return [{ path, propertyChangeType: "Delete", before }];
  if (Array.isArray(before) && Array.isArray(after)) {
    const children: PropertyChange[] = [];
    const n = Math.max(before.length, after.length);
    for (let i = 0; i < n; i++) {
      if (i >= before.length)
        children.push({ path: String(i), propertyChangeType: "Create", after: after[i] });
      else if (i >= after.length)
        children.push({ path: String(i), propertyChangeType: "Delete", before: before[i] });
      else if (!deepEqual(before[i], after[i]))
        children.push({ path: String(i), propertyChangeType: "Modify", before: before[i], after: after[i] });
    }
    return [{ path, propertyChangeType: "Array", children }];
  }
  return [{ path, propertyChangeType: "Modify", before, after }];
}

/** The change of one written resource. */
export function changeOf(
  id: string,
  requested: Json,
  before: Json | undefined,
  after: Json | undefined,
): WhatIfChange {
  if (!before) return { resourceId: id, changeType: "Create", ...(after ? { after } : {}) };
  if (!after) return { resourceId: id, changeType: "Deploy", before };
  const want: Json = {};
  for (const k of ["location", "tags", "properties", "sku", "kind", "identity", "zones"])
    if (requested[k] !== undefined) want[k] = requested[k];
  const delta = deltaOf(want, before, after, "");
  return delta.length
    ? { resourceId: id, changeType: "Modify", before, after, delta }
    : { resourceId: id, changeType: "NoChange", before, after };
}

/** Resources of the group the template does not deploy: deleted in Complete mode, else ignored. */
export function untouched(
  ids: Array<{ id: string; body: Json }>,
  mode: "Incremental" | "Complete",
): WhatIfChange[] {
  return ids.map((x) =>
    mode === "Complete"
      ? { resourceId: x.id, changeType: "Delete" as const, before: x.body }
      : { resourceId: x.id, changeType: "Ignore" as const },
  );
}
