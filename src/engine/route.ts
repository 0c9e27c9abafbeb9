// Turns an ARM path into what it addresses. Segments compare case-insensitively.
import { parseResourceId, ResourceId } from "../core/resourceId.js";

export type Route =
  | { kind: "subscriptions" }
  | { kind: "tenants" }
  | { kind: "subscription"; sub: string }
  | { kind: "locations"; sub: string }
  | { kind: "providers"; sub: string }
  | { kind: "provider"; sub: string; ns: string }
  | { kind: "providerRegister"; sub: string; ns: string; action: string }
  | { kind: "genericList"; sub: string; rg?: string }
  | { kind: "resourceGroups"; sub: string }
  | { kind: "resourceGroup"; sub: string; rg: string }
  /** Even (type, name) pairs: one resource. */
  | { kind: "resource"; id: ResourceId }
  /** Odd: the last segment is a collection (or a POST action) below `parent`. */
  | {
      kind: "collection";
      sub: string;
      rg?: string;
      ns: string;
      parent?: ResourceId;
      types: string[];
      last: string;
    }
  | { kind: "locationScoped"; sub: string; ns: string; location: string; rest: string[] }
  | { kind: "operation"; token: string; result: boolean }
  | { kind: "unknown" };

/** A path's last type among these, with a dotted last name, is an operation's (not a resource). */
export const OPERATION_SEGMENTS: ReadonlySet<string> = new Set([
  "operations",
  "operationstatuses",
  "operationresults",
  "asyncoperations",
  "privatednsoperationstatuses",
  "privatednsoperationresults",
]);

/** Routes already worked out, by exact path (a route is a pure function of its path; never mutated). */
const routes = new Map<string, Route>();
const ROUTES_MAX = 10_000;

/** The path routed last and its route: a client polling one path compares it, without hashing it. */
let lastPath: string | undefined;
let lastRoute: Route | undefined;

/** The route of a path; the same object for the same path while it is remembered. */
export function route(path: string): Route {
  if (path === lastPath) return lastRoute!;
  let rt = routes.get(path);
  if (rt === undefined) {
    rt = routeOf(path);
    // Bounded: forgetting only costs the work again.
    if (routes.size >= ROUTES_MAX) routes.clear();
    routes.set(path, rt);
  }
  lastPath = path;
  lastRoute = rt;
  return rt;
}

function routeOf(path: string): Route {
  const seg = path.split("/").filter(Boolean);
  const lower = seg.map((s) => s.toLowerCase());
  const n = seg.length;
  if (n >= 2 && OPERATION_SEGMENTS.has(lower[n - 2]) && seg[n - 1].includes(".")) {
    return { kind: "operation", token: seg[n - 1], result: lower[n - 2].includes("result") };
  }
  if (lower[0] === "tenants" && n === 1) return { kind: "tenants" };
  if (lower[0] !== "subscriptions") return { kind: "unknown" };
  if (n === 1) return { kind: "subscriptions" };
  const sub = seg[1];
  if (n === 2) return { kind: "subscription", sub };
  let i = 2;
  let rg: string | undefined;
  if (lower[2] === "locations" && n === 3) return { kind: "locations", sub };
  if (lower[2] === "resources" && n === 3) return { kind: "genericList", sub };
  if (lower[2] === "resourcegroups") {
    if (n === 3) return { kind: "resourceGroups", sub };
    rg = seg[3];
    if (n === 4) return { kind: "resourceGroup", sub, rg };
    if (lower[4] === "resources" && n === 5) return { kind: "genericList", sub, rg };
    i = 4;
  }
  if (lower[i] !== "providers") return { kind: "unknown" };
  if (n === i + 1) return rg ? { kind: "unknown" } : { kind: "providers", sub };
  const ns = seg[i + 1];
  if (n === i + 2) return rg ? { kind: "unknown" } : { kind: "provider", sub, ns };
  const rest = seg.slice(i + 2);
  if (!rg && rest.length === 1 && ["register", "unregister"].includes(rest[0].toLowerCase())) {
    return { kind: "providerRegister", sub, ns, action: rest[0].toLowerCase() };
  }
  if (!rg && rest[0].toLowerCase() === "locations" && rest.length >= 2) {
    return { kind: "locationScoped", sub, ns, location: rest[1], rest: rest.slice(2) };
  }
  if (rest.length % 2 === 0) {
    const id = parseResourceId("/" + seg.join("/"));
    return id ? { kind: "resource", id } : { kind: "unknown" };
  }
  const parentSegs = seg.slice(0, n - 1);
  const parent = rest.length > 1 ? parseResourceId("/" + parentSegs.join("/")) : undefined;
  const types = rest.filter((_, j) => j % 2 === 0);
  return { kind: "collection", sub, rg, ns, parent, types, last: rest[rest.length - 1] };
}
