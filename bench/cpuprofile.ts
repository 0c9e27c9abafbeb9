// Summarises a V8 .cpuprofile (from `node --cpu-prof`): self and inclusive time by function, as
// shares of the non-idle samples, and for named functions the inclusive time of their callees.
//
//   node dist/bench/cpuprofile.js PROFILE.cpuprofile [--top 30] [--callees "serveArm,sendJson"]
//
// A function is named `name file:line` (the last two parts of its file's path). Inclusive time
// counts each sample once per function even where the function recurses.
import { readFileSync } from "node:fs";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface Profile {
  nodes: ProfileNode[];
  samples: number[];
}

function label(n: ProfileNode): string {
  const f = n.callFrame;
  return `${f.functionName || "(anonymous)"} ${f.url.split("/").slice(-2).join("/")}:${f.lineNumber + 1}`;
}

export function summarise(p: Profile, top: number, callees: string[]): string {
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const hits = new Map<number, number>();
  for (const s of p.samples) hits.set(s, (hits.get(s) ?? 0) + 1);
  let busy = 0;
  let idle = 0;
  const self = new Map<string, number>();
  const inclusive = new Map<string, number>();
  for (const [id, count] of hits) {
    const n = byId.get(id)!;
    if (n.callFrame.functionName === "(idle)") {
      idle += count;
      continue;
    }
    busy += count;
    self.set(label(n), (self.get(label(n)) ?? 0) + count);
    const seen = new Set<string>();
    for (let x: number | undefined = id; x !== undefined; x = parent.get(x)) {
      const l = label(byId.get(x)!);
      if (seen.has(l)) continue;
      seen.add(l);
      inclusive.set(l, (inclusive.get(l) ?? 0) + count);
    }
  }
  const pct = (c: number) => `${((100 * c) / Math.max(1, busy)).toFixed(1).padStart(5)} %`;
  const table = (m: Map<string, number>) =>
    [...m]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([l, c]) => `${pct(c)}  ${l}`)
      .join("\n");
  const out = [
    `${busy} non-idle samples, ${idle} idle`,
    "",
    "self",
    table(self),
    "",
    "inclusive",
    table(inclusive),
  ];
  // Inclusive time of every node, for the callee breakdowns.
  const below = new Map<number, number>();
  const total = (n: ProfileNode): number => {
    let t = below.get(n.id);
    if (t !== undefined) return t;
    t = hits.get(n.id) ?? 0;
    for (const c of n.children ?? []) t += total(byId.get(c)!);
    below.set(n.id, t);
    return t;
  };
  for (const name of callees) {
    const of = new Map<string, number>();
    let mine = 0;
    for (const n of p.nodes) {
      if (n.callFrame.functionName !== name) continue;
      mine += total(n);
      for (const c of n.children ?? []) {
        const cn = byId.get(c)!;
        of.set(label(cn), (of.get(label(cn)) ?? 0) + total(cn));
      }
    }
    out.push("", `${name}: inclusive ${pct(mine).trim()}, callees:`, table(of));
  }
  return out.join("\n");
}

const args = process.argv.slice(2);
const file = args.find((a, i) => !a.startsWith("--") && !(i > 0 && args[i - 1].startsWith("--")));
if (!file) {
  process.stderr.write("usage: node dist/bench/cpuprofile.js PROFILE.cpuprofile [--top N] [--callees a,b]\n");
  process.exit(2);
}
const at = (name: string) => {
  const i = args.indexOf(`--${name}`);
  return i < 0 ? undefined : args[i + 1];
};
const profile = JSON.parse(readFileSync(file, "utf8")) as Profile;
process.stdout.write(
  summarise(profile, Number(at("top") ?? 30), (at("callees") ?? "").split(",").filter(Boolean)) + "\n",
);
