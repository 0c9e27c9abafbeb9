// Where a linted world comes from: ArcLink's own world, a topology file (its plan applied by the
// real providers in a sandbox), or an export of a real environment plus on-premises facts.
import { keyOf, parseResourceId } from "../../core/resourceId.js";
import type { ResourceType } from "../../providers/contract.js";
import { createRegistry } from "../../providers/index.js";
import { checkTopology, loadTopology } from "../../topology/parse.js";
import { plan, Plan } from "../../topology/plan.js";
import { LintSource } from "./context.js";
import { Sandbox } from "./sandbox.js";
import { yamlLines, YamlPath } from "./yamlLines.js";

/** The subscription a topology file is linted in (no server: any fixed id does). */
export const LINT_SUBSCRIPTION = "00000000-0000-0000-0000-00000000c0de";

/** Lower-case type → the topology file's list that declares it (ResourceType.topology). */
export function topologySections(
  types: readonly Pick<ResourceType, "type" | "topology">[],
): Map<string, string> {
  return new Map(types.flatMap((t) => (t.topology ? [[t.type.toLowerCase(), t.topology.section]] : [])));
}

/** Lower-case child type → the key of its parent's entry that declares it (ResourceType.topologyEntry). */
export function topologyEntries(
  types: readonly Pick<ResourceType, "type" | "topologyEntry">[],
): Map<string, { key: string; typed?: boolean }> {
  return new Map(types.flatMap((t) => (t.topologyEntry ? [[t.type.toLowerCase(), t.topologyEntry]] : [])));
}

let declared: Map<string, string> | undefined;
let nested: Map<string, { key: string; typed?: boolean }> | undefined;

/** ARM id → the line of the file that declares it (or its nearest declared ancestor). */
export function topologyLocator(
  text: string,
  file: string,
  p: { readonly steps: readonly { readonly id: string }[] },
  parsed?: ReturnType<typeof yamlLines>,
): (id: string) => { file: string; line: number } | undefined {
  const y = parsed ?? yamlLines(text);
  const sectionOf = (declared ??= topologySections(createRegistry().allTypes()));
  const entryOf = (nested ??= topologyEntries(createRegistry().allTypes()));
  const raw = (y.value ?? {}) as Record<string, any>;
  // Each section's entries by lower-case name (the first one wins, as a scan would find it):
  // built once per section, so locating every plan step is linear in the file.
  const byName = new Map<string, Map<string, number>>();
  const index = (section: string, name: string): number => {
    let m = byName.get(section);
    if (!m) {
      byName.set(section, (m = new Map()));
      (Array.isArray(raw[section]) ? raw[section] : []).forEach((x: any, i: number) => {
        const k = String(x?.name ?? "").toLowerCase();
        if (!m!.has(k)) m!.set(k, i);
      });
    }
    return m.get(name.toLowerCase()) ?? -1;
  };
  // Children the plan writes inline with their parent (a virtual network's subnets) have lines too:
  // every list a located entry holds (ResourceType.topologyEntry), each list once. By the parent's
  // lower-case type, its lists (each key once, the last type naming it).
  const lists = new Map<string, Map<string, { key: string; segment?: string }>>();
  for (const [type, c] of entryOf) {
    const cut = type.lastIndexOf("/");
    const parent = type.slice(0, cut);
    let m = lists.get(parent);
    if (!m) lists.set(parent, (m = new Map()));
    m.set(c.key, { key: c.key, segment: c.typed ? undefined : type.slice(cut + 1) });
  }
  const lines = new Map<string, number>();
  const entries: Array<{ id: string; top: string; path: YamlPath }> = [];
  // The plan writes each type's steps together: the last step's namespace and type give its `top`.
  let lastNs: string | undefined;
  let lastType: string | undefined;
  let lastTop = "";
  for (const s of p.steps) {
    const parsed = parseResourceId(s.id);
    if (!parsed) continue;
    if (parsed.namespace !== lastNs || parsed.types[0] !== lastType || lastTop === "") {
      lastNs = parsed.namespace;
      lastType = parsed.types[0];
      lastTop =
        `${parsed.namespace ?? "microsoft.resources"}/${parsed.types[0] ?? "resourceGroups"}`.toLowerCase();
    }
    const top = lastTop;
    const section = sectionOf.get(parsed.types.length ? top : "microsoft.resources/resourcegroups");
    if (!section) continue;
    const topName = parsed.types.length ? parsed.names[0] : parsed.resourceGroup!;
    const i = index(section, topName);
    if (i < 0) continue;
    const path: YamlPath = [section, i];
    // Only an entry whose type holds lists is visited again (below).
    if (parsed.types.length === 1 && lists.has(top)) entries.push({ id: s.id, top, path });
    const entry = parsed.types.length > 1 && entryOf.get(`${top}/${parsed.types[1]}`.toLowerCase());
    if (entry) {
      const at = raw[section][i][entry.key];
      if (!Array.isArray(at)) path.push(entry.key);
      else {
        const j = at.findIndex(
          (x: any) =>
            String(x?.name).toLowerCase() === parsed.names[1].toLowerCase() &&
            (!entry.typed || String(x?.type).toLowerCase() === parsed.types[1].toLowerCase()),
        );
        if (j >= 0) path.push(entry.key, j);
      }
    }
    const line = y.lineOf(path);
    if (line) lines.set(keyOf(s.id), line);
  }
  for (const { id, top, path } of entries)
    for (const c of lists.get(top)?.values() ?? []) {
      const list = raw[path[0]][path[1]][c.key];
      if (!Array.isArray(list)) continue;
      list.forEach((x: any, j: number) => {
        const k = keyOf(`${id}/${c.segment ?? x?.type}/${x?.name}`);
        const line = lines.has(k) ? undefined : y.lineOf([...path, c.key, j]);
        if (line) lines.set(k, line);
      });
    }
  return locatorOf(lines, file);
}

/**
 * The lookup over the lines found. Made apart from topologyLocator's scope: a closure made there
 * would keep the file's parsed value and every path alive for as long as the locator lives.
 */
function locatorOf(
  lines: Map<string, number>,
  file: string,
): (id: string) => { file: string; line: number } | undefined {
  return (id: string) => {
    let k = keyOf(id);
    for (;;) {
      const l = lines.get(k);
      if (l) return { file, line: l };
      const cut = k.lastIndexOf("/");
      if (cut <= 0) return undefined;
      k = k.slice(0, cut);
    }
  };
}

/** A topology file applied by the real providers in a sandbox. */
export async function sandboxFromTopology(
  text: string,
  file: string,
  subscriptionId = LINT_SUBSCRIPTION,
  opts: {
    /** Every step through the ARM handler with its answer (Sandbox.applySteps): what the default is checked against. */
    answered?: boolean;
    /**
     * The file's lines are found on the first lookup, from the text read again, not now: for a
     * caller that may never ask (a JSON report names no lines). Until then the text and the
     * steps' ids are kept, not the file's parsed value or the plan's bodies.
     */
    locateLater?: boolean;
  } = {},
): Promise<{ sandbox: Sandbox; source: LintSource; plan: Plan }> {
  // The file is parsed once: its value is checked, and its lines locate the findings. A file with
  // a problem is read again by loadTopology, whose error names each problem's line.
  const y = yamlLines(text);
  const checked = y.value === undefined ? undefined : checkTopology(y.value ?? {}, (path) => y.lineOf(path));
  const topology = checked?.topology ?? loadTopology(text, file);
  const p = plan(topology, { subscriptionId });
  const sandbox = new Sandbox({ subscriptions: [subscriptionId] });
  await sandbox.applySteps(p.steps, file, opts);
  let locate: LintSource["locate"];
  if (opts.locateLater) locate = locatorLater(text, file, p);
  else locate = topologyLocator(text, file, p, y);
  return { sandbox, plan: p, source: { kind: "topology", files: [file], locate } };
}

/**
 * topologyLocator, made on the first lookup from the text read again. Made apart from
 * sandboxFromTopology's scope: a closure made there would keep the file's parsed value alive (every
 * closure of a scope holds all that the scope's closures read). Until the first lookup it holds
 * the text and the steps' ids; after it, the lines found.
 */
function locatorLater(
  text: string,
  file: string,
  p: Plan,
): (id: string) => { file: string; line: number } | undefined {
  let pending: { text: string; steps: { id: string }[] } | undefined = {
    text,
    steps: p.steps.map((s) => ({ id: s.id })),
  };
  let lookup: ((id: string) => { file: string; line: number } | undefined) | undefined;
  return (id) => {
    if (!lookup) {
      lookup = topologyLocator(pending!.text, file, pending!);
      pending = undefined;
    }
    return lookup(id);
  };
}
