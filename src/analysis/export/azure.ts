// Importer for exports of a real Azure environment, in the shapes the tools print them:
// - `az resource list --expand properties` (an array of {id, name, type, location, tags, properties});
// - Azure Resource Graph (`az graph query -q … -o json`: {count, data, skip_token, total_records};
//   the REST shape {totalRecords, count, data, facets, $skipToken}; `--query data`: the bare rows;
//   data as a table {columns, rows}); types come lower-cased and are put back in Azure's casing;
// - `az rest` list responses ({value: [...], nextLink});
// - per-type lists (`az network private-endpoint list`, `az network private-dns zone list`,
//   `record-set list`, `link vnet list`), which print each resource flattened (its properties at
//   the top, beside id and name): put back under `properties`, sub-resources too;
// - ARM template exports (`az group export`): ids built from the names; [parameters('x')] resolved
//   from the parameter's defaultValue, [resourceId(...)], [concat(...)], [variables('x')]; what
//   cannot be resolved is unknown: a name is an error (with the fix), a property is left out and
//   reported.
// Each resource's body IS the stored shape; child resources exported inline are expanded into
// entries of their own (VNet subnets, NSG securityRules, a scope's privateEndpointConnections),
// as ArcLink stores them. Every resource keeps the file and line it was read from.
import { keyOf, parseResourceId } from "../../core/resourceId.js";
import { createRegistry } from "../../providers/index.js";
import { StoredResource } from "../../store/store.js";
import { JsonSyntaxError, parseJsonWithLines } from "./jsonLines.js";

/** A problem with an input file; the message starts with "file:line: " when the line is known. */
export class ExportError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ExportError";
  }

  static at(file: string, line: number | undefined, message: string): ExportError {
    return new ExportError(`${file}${line ? `:${line}` : ""}: ${message}`);
  }
}

/** Something an input left unknown or partial, with where it was read. */
export interface InputNote {
  file: string;
  line?: number;
  message: string;
}

/** Where each resource was read: ARM id key → file and line. */
export type SourceMap = Map<string, { file: string; line: number }>;

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

/** Keys of a resource that are not its properties (what a flattened listing leaves beside them). */
const ENVELOPE = new Set([
  "id",
  "name",
  "type",
  "location",
  "tags",
  "etag",
  "kind",
  "sku",
  "plan",
  "identity",
  "zones",
  "extendedLocation",
  "managedBy",
  "systemData",
  "resourceGroup",
  "subscriptionId",
  "tenantId",
]);

/** Envelope keys Resource Graph prints as "" or null when the resource has none. */
const ABSENT_WHEN_EMPTY = [
  "kind",
  "sku",
  "plan",
  "identity",
  "zones",
  "extendedLocation",
  "managedBy",
  "tags",
  "etag",
];

/** Keys the listing tools add that are no part of the resource. */
const LISTING_ONLY = ["resourceGroup", "subscriptionId", "tenantId", "apiVersion", "dependsOn", "comments"];

interface Items {
  items: unknown[];
  template?: Record<string, any>;
}

/** The list of resources in an export, whatever its wrapper; partial listings are noted. */
function itemsOf(
  doc: unknown,
  file: string,
  lineOf: (n: unknown) => number | undefined,
  notes: InputNote[],
): Items {
  if (Array.isArray(doc)) return { items: doc };
  const d = doc as Record<string, any> | null;
  if (d && typeof d === "object") {
    // Resource Graph: az prints skip_token / total_records; the REST API $skipToken / totalRecords.
    if ("data" in d) {
      let rows = d.data;
      if (rows && !Array.isArray(rows) && Array.isArray(rows.columns) && Array.isArray(rows.rows)) {
        const cols: string[] = rows.columns.map((c: any) => String(c?.name));
        rows = rows.rows.map((r: unknown[]) => Object.fromEntries(cols.map((c, i) => [c, r[i]])));
      }
      if (!Array.isArray(rows))
        throw ExportError.at(
          file,
          lineOf(d),
          "'data' is neither a list of rows nor a table {columns, rows}.",
        );
      const skip = d.skip_token ?? d.$skipToken ?? d.skipToken;
      const total = Number(d.total_records ?? d.totalRecords);
      if (skip || (Number.isFinite(total) && total > rows.length) || String(d.resultTruncated) === "true")
        notes.push({
          file,
          line: lineOf(d),
          message: `the Resource Graph result is partial (${rows.length} of ${Number.isFinite(total) ? total : "more"} rows): resources it left out are unknown. Fetch every page: az graph query -q '…' --first 1000 --skip-token <skip_token>, and give each page with --export.`,
        });
      return { items: rows };
    }
    if (Array.isArray(d.value)) {
      if (d.nextLink)
        notes.push({
          file,
          line: lineOf(d),
          message: `the list has a nextLink: resources on later pages are unknown. Follow nextLink (az rest --uri '<nextLink>') and give each page with --export.`,
        });
      return { items: d.value };
    }
    if (Array.isArray(d.resources)) return { items: d.resources, template: d };
  }
  throw ExportError.at(
    file,
    lineOf(doc) ?? 1,
    'not a list of resources: expected the JSON of \'az resource list --expand properties\' or of an \'az network … list\' (an array), a Resource Graph result (az graph query -o json: {"data": [...]}), an ARM list ({"value": [...]}) or an ARM template (az group export: {"resources": [...]}).',
  );
}

/** A value a template expression could not give (a parameter without a default, a function of the deployment). */
class Unknown {
  constructor(readonly why: string) {}
}

/** Evaluates the template expressions exports contain: parameters('x'), variables('x'), resourceId(...), concat(...). */
function templateEval(v: string, t: any, sub: string, rg: string): string | Unknown {
  if (!/^\[.*\]$/s.test(v) || v.startsWith("[[")) return v.startsWith("[[") ? v.slice(1) : v;
  const parse = (s: string): string | Unknown => {
    s = s.trim();
    let m = /^'(.*)'$/s.exec(s);
    if (m) return m[1].replace(/''/g, "'");
    m = /^parameters\('([^']+)'\)$/.exec(s);
    if (m) {
      const p = t?.parameters?.[m[1]];
      if (p && p.defaultValue !== undefined && typeof p.defaultValue !== "object") {
        const dv = String(p.defaultValue);
        return dv.startsWith("[") ? parse(dv.slice(1, -1)) : dv;
      }
      return new Unknown(
        `parameter '${m[1]}' has no defaultValue (export with: az group export --include-parameter-default-value)`,
      );
    }
    m = /^variables\('([^']+)'\)$/.exec(s);
    if (m) {
      const x = t?.variables?.[m[1]];
      if (typeof x === "string") return x.startsWith("[") ? parse(x.slice(1, -1)) : x;
      return new Unknown(`variable '${m[1]}' is not a plain string in the template`);
    }
    m = /^(resourceId|concat)\((.*)\)$/s.exec(s);
    if (m) {
      const args = splitArgs(m[2]).map(parse);
      const bad = args.find((a) => a instanceof Unknown);
      if (bad) return bad;
      const strs = args as string[];
      if (m[1] === "concat") return strs.join("");
      // resourceId([subscriptionId], [resourceGroupName], type, name1, name2, …)
      const at = strs.findIndex((a) => /^[A-Za-z0-9]+\.[A-Za-z0-9.]+\/[A-Za-z]/.test(a));
      if (at < 0) return new Unknown(`resourceId(${m[2]}) names no resource type`);
      const [s2, g2] = at === 2 ? [strs[0], strs[1]] : at === 1 ? [sub, strs[0]] : [sub, rg];
      const [type, ...names] = strs.slice(at);
      const ns = type.split("/")[0];
      const types = type.split("/").slice(1);
      if (names.length !== types.length)
        return new Unknown(`resourceId(${m[2]}) has ${names.length} names for ${types.length} type segments`);
      return `/subscriptions/${s2}/resourceGroups/${g2}/providers/${ns}/${types.map((x, i) => `${x}/${names[i]}`).join("/")}`;
    }
    return new Unknown(`'[${s}]' is a template expression ArcLink does not evaluate`);
  };
  return parse(v.slice(1, -1));
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

/** Evaluates every string of a template resource; unknown values are left out, each reported. */
function deepEval(v: any, f: (s: string) => string | Unknown, path: string, unknown: string[]): any {
  if (typeof v === "string") {
    const r = f(v);
    if (r instanceof Unknown) {
      unknown.push(`${path}: ${r.why}`);
      return undefined;
    }
    return r;
  }
  if (Array.isArray(v))
    return v.map((x, i) => deepEval(x, f, `${path}[${i}]`, unknown)).filter((x) => x !== undefined);
  if (v && typeof v === "object") {
    const o: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) {
      const e = deepEval(x, f, path ? `${path}.${k}` : k, unknown);
      if (e !== undefined) o[k] = e;
    }
    return o;
  }
  return v;
}

/** A resource a per-type listing printed flattened, with its properties put back under `properties`. */
function unflatten(r: Record<string, any>): Record<string, any> {
  if (r.properties !== undefined || typeof r.id !== "string") return r;
  const keys = Object.keys(r).filter((k) => !ENVELOPE.has(k));
  if (!keys.length) return r;
  const out: Record<string, any> = {};
  const props: Record<string, any> = {};
  for (const [k, v] of Object.entries(r)) {
    if (ENVELOPE.has(k)) out[k] = v;
    else props[k] = Array.isArray(v) ? v.map((x) => (x && typeof x === "object" ? unflatten(x) : x)) : v;
  }
  out.properties = props;
  return out;
}

export interface ImportResult {
  resources: StoredResource[];
  /** Where each resource was read. */
  locations: SourceMap;
  /** What the inputs left unknown or partial. */
  notes: InputNote[];
}

/** Parses export files into stored resources (children expanded, resource groups added). */
export function importExports(
  inputs: Array<{ text: string; file: string }>,
  opts: ExportOptions = {},
): ImportResult {
  const out = new Map<string, StoredResource>();
  const locations: SourceMap = new Map();
  const notes: InputNote[] = [];
  for (const { text, file } of inputs) importOne(text, file, opts, out, locations, notes);
  addContainers(out);
  return { resources: [...out.values()], locations, notes };
}

/** Parses one export's text into stored resources (children expanded, resource groups added). */
export function importExport(text: string, file = "export", opts: ExportOptions = {}): StoredResource[] {
  return importExports([{ text, file }], opts).resources;
}

function importOne(
  text: string,
  file: string,
  opts: ExportOptions,
  out: Map<string, StoredResource>,
  locations: SourceMap,
  notes: InputNote[],
): void {
  let parsed;
  try {
    parsed = parseJsonWithLines(text);
  } catch (e) {
    if (e instanceof JsonSyntaxError)
      throw ExportError.at(file, e.line, `not JSON: ${e.message.replace(/^line \d+: /, "")}`);
    throw e;
  }
  const lineOf = parsed.lineOf;
  const { items, template } = itemsOf(parsed.value, file, lineOf, notes);
  const add = (id: string, type: string, body: Record<string, any>, line: number | undefined) => {
    out.set(keyOf(id), { id, type, body, rev: 1 });
    if (line) locations.set(keyOf(id), { file, line });
  };
  const sub = opts.subscriptionId ?? "00000000-0000-0000-0000-000000000000";
  const rg = opts.resourceGroup ?? "exported";
  items.forEach((raw, i) => {
    const line = lineOf(raw);
    if (!raw || typeof raw !== "object" || Array.isArray(raw))
      throw ExportError.at(
        file,
        line,
        `item ${i} is not an object (a resource has id, name, type and properties).`,
      );
    let r: Record<string, any> = raw as Record<string, any>;
    if (template) {
      const unknown: string[] = [];
      const evalS = (s: string) => templateEval(s, template, sub, rg);
      for (const k of ["name", "type"]) {
        const v = typeof r[k] === "string" ? evalS(r[k]) : r[k];
        if (v instanceof Unknown)
          throw ExportError.at(file, line, `the ${k} of item ${i} ('${r[k]}') is unknown: ${v.why}.`);
      }
      r = deepEval(r, evalS, "", unknown);
      for (const u of unknown)
        notes.push({ file, line, message: `${r.type} '${r.name}': ${u}; left out, so unknown.` });
    } else r = unflatten(r);
    if (typeof r.type !== "string")
      throw ExportError.at(
        file,
        line,
        `item ${i} has no 'type' (e.g. "Microsoft.HybridCompute/privateLinkScopes").`,
      );
    const type = canonicalType(r.type);
    let id: string | undefined = typeof r.id === "string" ? r.id : undefined;
    if (!id) {
      if (!template || typeof r.name !== "string")
        throw ExportError.at(
          file,
          line,
          `item ${i} (${r.type}) has no 'id'; only ARM template exports may leave ids out.`,
        );
      const names = String(r.name).split("/");
      const types = type.split("/").slice(1);
      if (names.length !== types.length)
        throw ExportError.at(
          file,
          line,
          `item ${i}: name '${r.name}' does not match type ${type} (one name per type segment).`,
        );
      id = `/subscriptions/${sub}/resourceGroups/${rg}/providers/${type.split("/")[0]}/${types.map((x, j) => `${x}/${names[j]}`).join("/")}`;
    }
    if (!parseResourceId(id))
      throw ExportError.at(
        file,
        line,
        `item ${i}: '${id}' is not an ARM resource id (/subscriptions/…/providers/…).`,
      );
    const name = id.split("/").pop()!;
    const rest: Record<string, any> = { ...r };
    for (const k of LISTING_ONLY) delete rest[k];
    // Resource Graph prints every envelope column on every row: an absent kind, sku, plan, … is ""
    // or null there, which is not a value the resource has (a PATCH would send it back as one).
    for (const k of ABSENT_WHEN_EMPTY) if (rest[k] === "" || rest[k] === null) delete rest[k];
    const body: Record<string, any> = { ...rest, id, name, type };
    add(id, type, body, line);
    for (const c of INLINE_CHILDREN[type.toLowerCase()] ?? []) {
      const list = body.properties?.[c.prop];
      if (!Array.isArray(list)) continue;
      for (const child of list) {
        if (!child?.name) continue;
        const cid =
          typeof child.id === "string" ? child.id : `${id}/${c.type.split("/").pop()}/${child.name}`;
        if (!out.has(keyOf(cid)))
          add(cid, c.type, { ...child, id: cid, name: child.name, type: c.type }, lineOf(child) ?? line);
      }
    }
  });
}

/** Resource groups and subscriptions the resources live in. */
function addContainers(out: Map<string, StoredResource>): void {
  const add = (id: string, type: string, body: Record<string, any>) => {
    out.set(keyOf(id), { id, type, body, rev: 1 });
  };
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
}
