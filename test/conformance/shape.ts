// Compares a response body with an x-ms-examples response by property paths and JSON types.
// Values are not compared (examples carry placeholders); a null in the example says nothing.

export type JsonType = "object" | "array" | "string" | "number" | "boolean" | "null" | "absent";

export function jsonType(v: unknown): JsonType {
  if (v === undefined) return "absent";
  if (v === null) return "null";
  if (Array.isArray(v)) return "array";
  const t = typeof v;
  return t === "object" || t === "string" || t === "number" || t === "boolean" ? t : "absent";
}

export interface ShapeDifference {
  /** JSON path, e.g. `properties.privateEndpointConnections[].properties.groupIds`. */
  path: string;
  /** What the example has and what ArcLink answered. */
  problem: string;
}

/**
 * Every path of `example` must be in `actual` with the same JSON type. Arrays: when the example
 * has items, ArcLink's must have some too, and its first item is compared with the example's.
 * `skip(path)` drops a path and everything below it (a listed deviation).
 */
export function shapeDifferences(
  example: unknown,
  actual: unknown,
  skip: (path: string) => boolean,
  path = "",
): ShapeDifference[] {
  if (skip(path)) return [];
  const et = jsonType(example);
  if (et === "null" || et === "absent") return [];
  const at = jsonType(actual);
  if (at === "absent") return [{ path, problem: `missing (the example has ${et})` }];
  if (et !== at) return [{ path, problem: `the example has ${et}, ArcLink answered ${at}` }];
  const out: ShapeDifference[] = [];
  if (et === "object") {
    for (const [k, v] of Object.entries(example as Record<string, unknown>)) {
      out.push(
        ...shapeDifferences(v, (actual as Record<string, unknown>)[k], skip, path ? `${path}.${k}` : k),
      );
    }
  } else if (et === "array") {
    const ex = example as unknown[];
    const ac = actual as unknown[];
    if (ex.length > 0) {
      if (ac.length === 0) {
        if (!skip(`${path}[]`)) out.push({ path: `${path}[]`, problem: "empty, the example has items" });
      } else {
        out.push(...shapeDifferences(ex[0], ac[0], skip, `${path}[]`));
      }
    }
  }
  return out;
}
