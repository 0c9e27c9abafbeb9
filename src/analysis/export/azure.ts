// Importer for exports of a real Azure environment: the JSON of `az resource list --expand
// properties` (an array of {id, name, type, location, tags, properties}), Azure Resource Graph
// results ({data: [...]} or an array, types in lower case), `az rest` list responses ({value: [...]}),
// and ARM template exports ({resources: [...]} with names like "vnet/subnet" and simple
// [parameters('x')] / [resourceId(...)] expressions). Each resource's body IS the stored shape;
// child resources exported inline are expanded into entries of their own (VNet subnets, NSG
// securityRules, a scope's privateEndpointConnections), as ArcLink stores them.
import { keyOf, parseResourceId } from "../../core/resourceId.js";
import { createRegistry } from "../../providers/index.js";
import { StoredResource } from "../../store/store.js";

export class ExportError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ExportError";
  }
}

export interface ExportOptions {
  /** For ARM template exports (no ids): the subscription and resource group they were exported from. */
  subscriptionId?: string;
  resourceGroup?: string;
}

const INLINE_CHILDREN: Record<string, Array<{ prop: string; type: string }>> = {
  "microsoft.network/virtualnetworks": [
    { prop: "subnets", type: "Microsoft.Network/virtualNetworks/subnets" },
    { prop: "virtualNetworkPeerings", type: "Microsoft.Network/virtualNetworks/virtualNetworkPeerings" },
  ],
  "microsoft.network/networksecuritygroups": [
    { prop: "securityRules", type: "Microsoft.Network/networkSecurityGroups/securityRules" },
  ],
  "microsoft.hybridcompute/privatelinkscopes": [
    {
      prop: "privateEndpointConnections",
      type: "Microsoft.HybridCompute/privateLinkScopes/privateEndpointConnections",
    },
  ],
};

let canonical: Map<string, string> | undefined;

/** A type in Azure's casing when ArcLink knows it (Resource Graph lower-cases types). */
export function canonicalType(t: string): string {
  if (!canonical) {
    canonical = new Map();
    for (const d of createRegistry().allTypes()) canonical.set(d.type.toLowerCase(), d.type);
    for (const x of Object.values(INLINE_CHILDREN).flat()) canonical.set(x.type.toLowerCase(), x.type);
    for (const r of ["A", "AAAA", "CNAME", "TXT", "SOA"])
      canonical.set(
        `microsoft.network/privatednszones/${r.toLowerCase()}`,
        `Microsoft.Network/privateDnsZones/${r}`,
      );
    canonical.set(
      "microsoft.hybridcompute/machines/extensions",
      "Microsoft.HybridCompute/machines/extensions",
    );
    canonical.set("microsoft.resources/resourcegroups", "Microsoft.Resources/resourceGroups");
  }
  return canonical.get(t.toLowerCase()) ?? t;
}

/** The list of resources in an export, whatever its wrapper. */
function itemsOf(doc: unknown): { items: any[]; template?: any } {
  if (Array.isArray(doc)) return { items: doc };
  const d = doc as Record<string, any> | null;
  if (d && Array.isArray(d.data)) return { items: d.data };
  if (d && Array.isArray(d.value)) return { items: d.value };
  if (d && Array.isArray(d.resources)) return { items: d.resources, template: d };
  throw new ExportError(
    'The export is not a list of resources: expected the JSON of \'az resource list --expand properties\' (an array), a Resource Graph result ({"data": [...]}), an ARM list ({"value": [...]}) or an ARM template ({"resources": [...]}).',
  );
}

/** Evaluates the simple template expressions exports contain: parameters('x'), resourceId(...), concat(...). */
function templateEval(v: string, t: any, sub: string, rg: string): string {
  if (!/^\[.*\]$/.test(v) || v.startsWith("[[")) return v;
  const expr = v.slice(1, -1).trim();
  const parse = (s: string): string => {
    s = s.trim();
    let m = /^'(.*)'$/s.exec(s);
    if (m) return m[1].replace(/''/g, "'");
    m = /^parameters\('([^']+)'\)$/.exec(s);
    if (m) return String(t?.parameters?.[m[1]]?.defaultValue ?? m[1]);
    m = /^variables\('([^']+)'\)$/.exec(s);
    if (m) return String(t?.variables?.[m[1]] ?? m[1]);
    m = /^(resourceId|concat)\((.*)\)$/s.exec(s);
    if (m) {
      const args = splitArgs(m[2]).map(parse);
      if (m[1] === "concat") return args.join("");
      const [type, ...names] = args;
      const types = type.split("/").slice(1);
      const ns = type.split("/")[0];
      return `/subscriptions/${sub}/resourceGroups/${rg}/providers/${ns}/${types.map((x, i) => `${x}/${names[i]}`).join("/")}`;
    }
    return s;
  };
  return parse(expr);
}

function splitArgs(s: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let quote = false;
  let cur = "";
  for (const ch of s) {
    if (ch === "'") quote = !quote;
    if (!quote && ch === "(") depth++;
    if (!quote && ch === ")") depth--;
    if (!quote && depth === 0 && ch === ",") {
      out.push(cur);
      cur = "";
    } else cur += ch;
  }
  if (cur.trim()) out.push(cur);
  return out;
}

function deepEval(v: any, f: (s: string) => string): any {
  if (typeof v === "string") return f(v);
  if (Array.isArray(v)) return v.map((x) => deepEval(x, f));
  if (v && typeof v === "object")
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, deepEval(x, f)]));
  return v;
}

/** Parses an export's text into stored resources (children expanded, resource groups added). */
export function importExport(text: string, file = "export", opts: ExportOptions = {}): StoredResource[] {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw new ExportError(`${file}: not JSON: ${(e as Error).message}`);
  }
  const { items, template } = itemsOf(doc);
  const out = new Map<string, StoredResource>();
  const add = (id: string, type: string, body: Record<string, any>) => {
    out.set(keyOf(id), { id, type, body, rev: 1 });
  };
  const sub = opts.subscriptionId ?? "00000000-0000-0000-0000-000000000000";
  const rg = opts.resourceGroup ?? "exported";
  items.forEach((raw, i) => {
    if (!raw || typeof raw !== "object") throw new ExportError(`${file}: item ${i} is not an object.`);
    let r: Record<string, any> = raw;
    if (template) r = deepEval(raw, (s) => templateEval(s, template, sub, rg));
    if (typeof r.type !== "string") throw new ExportError(`${file}: item ${i} has no 'type'.`);
    const type = canonicalType(r.type);
    let id: string | undefined = typeof r.id === "string" ? r.id : undefined;
    if (!id) {
      if (!template || typeof r.name !== "string")
        throw new ExportError(
          `${file}: item ${i} (${r.type}) has no 'id'; only ARM template exports may leave ids out.`,
        );
      const names = String(r.name).split("/");
      const types = type.split("/").slice(1);
      if (names.length !== types.length)
        throw new ExportError(`${file}: item ${i}: name '${r.name}' does not match type ${type}.`);
      id = `/subscriptions/${sub}/resourceGroups/${rg}/providers/${type.split("/")[0]}/${types.map((x, j) => `${x}/${names[j]}`).join("/")}`;
    }
    if (!parseResourceId(id)) throw new ExportError(`${file}: item ${i}: '${id}' is not an ARM resource id.`);
    const name = id.split("/").pop()!;
    const { resourceGroup: _rg, apiVersion: _av, dependsOn: _d, ...rest } = r;
    const body: Record<string, any> = { ...rest, id, name, type };
    add(id, type, body);
    for (const c of INLINE_CHILDREN[type.toLowerCase()] ?? []) {
      const list = body.properties?.[c.prop];
      if (!Array.isArray(list)) continue;
      for (const child of list) {
        if (!child?.name) continue;
        const cid =
          typeof child.id === "string" ? child.id : `${id}/${c.type.split("/").pop()}/${child.name}`;
        if (!out.has(keyOf(cid))) add(cid, c.type, { ...child, id: cid, name: child.name, type: c.type });
      }
    }
  });
  // Resource groups and subscriptions the resources live in.
  for (const r of [...out.values()]) {
    const p = parseResourceId(r.id);
    if (!p?.subscription) continue;
    const sid = `/subscriptions/${p.subscription}`;
    if (!out.has(keyOf(sid)))
      add(sid, "Microsoft.Resources/subscriptions", {
        id: sid,
        subscriptionId: p.subscription,
        displayName: "exported",
        state: "Enabled",
      });
    if (p.resourceGroup) {
      const gid = `${sid}/resourceGroups/${p.resourceGroup}`;
      if (!out.has(keyOf(gid)))
        add(gid, "Microsoft.Resources/resourceGroups", {
          id: gid,
          name: p.resourceGroup,
          type: "Microsoft.Resources/resourceGroups",
          location: r.body.location && r.body.location !== "global" ? r.body.location : "eastus",
          properties: { provisioningState: "Succeeded" },
        });
    }
  }
  return [...out.values()];
}
