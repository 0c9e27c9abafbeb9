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

let declared: Map<string, string> | undefined;

/** ARM id → the line of the file that declares it (or its nearest declared ancestor). */
export function topologyLocator(
  text: string,
  file: string,
  p: Plan,
  parsed?: ReturnType<typeof yamlLines>,
): (id: string) => { file: string; line: number } | undefined {
  const y = parsed ?? yamlLines(text);
  const sectionOf = (declared ??= topologySections(createRegistry().allTypes()));
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
  const lines = new Map<string, number>();
  for (const s of p.steps) {
    const parsed = parseResourceId(s.id);
    if (!parsed) continue;
    const top =
      `${parsed.namespace ?? "microsoft.resources"}/${parsed.types[0] ?? "resourceGroups"}`.toLowerCase();
    const section = sectionOf.get(parsed.types.length ? top : "microsoft.resources/resourcegroups");
    if (!section) continue;
    const topName = parsed.types.length ? parsed.names[0] : parsed.resourceGroup!;
    const i = index(section, topName);
    if (i < 0) continue;
    const path: YamlPath = [section, i];
    if (parsed.types.length > 1) {
      const child = parsed.types[1].toLowerCase();
      const childName = parsed.names[1];
      const sub = (key: string) => {
        const j = (raw[section][i][key] ?? []).findIndex?.(
          (x: any) => String(x?.name ?? "").toLowerCase() === childName.toLowerCase(),
        );
        if (j !== undefined && j >= 0) path.push(key, j);
      };
      if (child === "subnets") sub("subnets");
      else if (child === "inboundendpoints") sub("inboundEndpoints");
      else if (child === "virtualnetworklinks") sub("virtualNetworkLinks");
      else if (child === "privatednszonegroups") path.push("privateDnsZoneGroup");
      else if (["a", "aaaa", "cname", "txt"].includes(child)) {
        const j = (raw[section][i].records ?? []).findIndex(
          (x: any) =>
            String(x?.name).toLowerCase() === String(parsed.names[1]).toLowerCase() &&
            String(x?.type).toLowerCase() === child,
        );
        if (j >= 0) path.push("records", j);
      }
    }
    const line = y.lineOf(path);
    if (line) lines.set(keyOf(s.id), line);
  }
  // Subnets are declared inline: give them their lines too.
  const vnetIds = new Map<string, string>();
  for (const s of p.steps)
    if (s.type === "Microsoft.Network/virtualNetworks" && !vnetIds.has(s.name.toLowerCase()))
      vnetIds.set(s.name.toLowerCase(), s.id);
  (Array.isArray(raw.virtualNetworks) ? raw.virtualNetworks : []).forEach((v: any, i: number) => {
    const vid = vnetIds.get(String(v?.name).toLowerCase());
    if (!vid) return;
    (Array.isArray(v.subnets) ? v.subnets : []).forEach((s: any, j: number) => {
      const line = y.lineOf(["virtualNetworks", i, "subnets", j]);
      if (line) lines.set(keyOf(`${vid}/subnets/${s.name}`), line);
    });
  });
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
): Promise<{ sandbox: Sandbox; source: LintSource; plan: Plan }> {
  // The file is parsed once: its value is checked, and its lines locate the findings. A file with
  // a problem is read again by loadTopology, whose error names each problem's line.
  const y = yamlLines(text);
  const checked = y.value === undefined ? undefined : checkTopology(y.value ?? {}, (path) => y.lineOf(path));
  const topology = checked?.topology ?? loadTopology(text, file);
  const p = plan(topology, { subscriptionId });
  const sandbox = new Sandbox({ subscriptions: [subscriptionId] });
  await sandbox.applySteps(p.steps, file);
  return {
    sandbox,
    plan: p,
    source: { kind: "topology", files: [file], locate: topologyLocator(text, file, p, y) },
  };
}
