#!/usr/bin/env node
// The layer check: reads the static import graph of a source folder, maps each file to its layer by
// folder, and fails on every import that goes up the layer order and on every import cycle.
//
//   node tools/layers.mjs                  check src/ against tools/layers.config.mjs
//   node tools/layers.mjs --graph          print the layer graph (mermaid) drawn from the imports
//   node tools/layers.mjs --root DIR --config FILE   check another tree (the tests use fixtures)
//
// Exit codes: 0 clean, 1 violations, cycles or stale allow-list entries, 2 usage or bad config.
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));

function parseArgs(argv) {
  const opts = { root: resolve(here, "..", "src"), config: join(here, "layers.config.mjs"), graph: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--graph") opts.graph = true;
    else if (a === "--root" || a === "--config") {
      const v = argv[++i];
      if (v === undefined) throw new UsageError(`${a} needs a value`);
      opts[a.slice(2)] = resolve(v);
    } else throw new UsageError(`unknown argument ${a} (expected --root DIR, --config FILE, --graph)`);
  }
  return opts;
}

class UsageError extends Error {}

/** Every .ts file under root (declaration files and dist/ folders left out). */
function sourceFiles(root) {
  const out = [];
  const walk = (dir) => {
    for (const name of readdirSync(dir).sort()) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) {
        if (name !== "dist" && name !== "node_modules") walk(path);
      } else if (name.endsWith(".ts") && !name.endsWith(".d.ts")) out.push(path);
    }
  };
  walk(root);
  return out;
}

// A static import or re-export at the start of a line: `import … from "x"`, `import "x"`,
// `export … from "x"`. The statement may span lines; `type` right after the keyword marks it type-only.
const IMPORT = /^(import|export)(\s+type\b)?(?:[^;'"]*?\bfrom\s*)?\s*["']([^"']+)["']/gm;

/** The relative imports of one file: { to (absolute path), typeOnly, line }. */
function importsOf(file) {
  const text = readFileSync(file, "utf8");
  const out = [];
  for (const m of text.matchAll(IMPORT)) {
    const spec = m[3];
    if (!spec.startsWith(".")) continue;
    const target = resolveSpecifier(dirname(file), spec);
    if (target === undefined) continue;
    const line = text.slice(0, m.index).split("\n").length;
    out.push({ to: target, typeOnly: m[2] !== undefined, line });
  }
  return out;
}

function resolveSpecifier(fromDir, spec) {
  const base = resolve(fromDir, spec);
  const candidates = [base.replace(/\.js$/, ".ts"), base + ".ts", join(base, "index.ts")];
  return candidates.find((c) => c.endsWith(".ts") && existsSync(c));
}

/** The layer of a file: its first folder under root, looked up in the config's folder map. */
function layerOf(config, rel) {
  const top = rel.split(sep)[0];
  const layer = config.folders[top];
  return layer === undefined ? undefined : { name: layer, rank: config.layers.indexOf(layer) };
}

const posix = (p) => p.split(sep).join("/");

export function check(root, config) {
  const problems = [];
  const files = sourceFiles(root);
  const edges = [];
  for (const file of files) {
    const from = posix(relative(root, file));
    for (const imp of importsOf(file))
      edges.push({ from, to: posix(relative(root, imp.to)), typeOnly: imp.typeOnly, line: imp.line });
  }
  for (const file of files) {
    const rel = relative(root, file);
    if (layerOf(config, rel) === undefined)
      problems.push(
        `${posix(rel)}: folder "${rel.split(sep)[0]}" has no layer: add it to the folders map of the layer config`,
      );
  }
  const allowedEdge = new Map(config.allow.map((a) => [`${a.from} -> ${a.to}`, a]));
  const used = new Set();

  // Layer violations: an import whose target sits in a higher layer than the importer.
  for (const e of edges) {
    const lf = layerOf(config, e.from);
    const lt = layerOf(config, e.to);
    if (lf === undefined || lt === undefined || lt.rank <= lf.rank) continue;
    const key = `${e.from} -> ${e.to}`;
    if (allowedEdge.has(key)) {
      used.add(key);
      continue;
    }
    problems.push(
      `layer violation: ${e.from}:${e.line} (${lf.name}) imports ${e.to} (${lt.name})${e.typeOnly ? " [type-only]" : ""}: ` +
        `a layer may import only its own layer and the ones below it (${config.layers.join(" → ")})`,
    );
  }

  // Cycles: strongly connected components of the runtime graph (type-only imports are erased at
  // build time and cannot make a load-order cycle). An allowed cycle edge is left out of the graph.
  const graph = new Map();
  for (const e of edges) {
    if (e.typeOnly) continue;
    const key = `${e.from} -> ${e.to}`;
    const allowed = config.allowCycles.find((a) => `${a.from} -> ${a.to}` === key);
    if (allowed) {
      used.add(`cycle ${key}`);
      continue;
    }
    if (!graph.has(e.from)) graph.set(e.from, new Set());
    graph.get(e.from).add(e.to);
  }
  for (const scc of stronglyConnected(graph)) {
    const path = cyclePath(graph, scc);
    problems.push(
      `import cycle: ${path.join(" -> ")}: move what both need into a lower module, or register it from the composition root`,
    );
  }

  // The allow-list only shrinks: an entry nothing needs any more is an error, so it gets deleted.
  for (const a of config.allow)
    if (!used.has(`${a.from} -> ${a.to}`))
      problems.push(
        `stale allow-list entry: ${a.from} -> ${a.to} is no longer a layer violation: delete it from the layer config`,
      );
  for (const a of config.allowCycles)
    if (!used.has(`cycle ${a.from} -> ${a.to}`))
      problems.push(
        `stale allow-list entry: cycle edge ${a.from} -> ${a.to} no longer exists: delete it from the layer config`,
      );
  return { problems, edges, files: files.map((f) => posix(relative(root, f))) };
}

/** Tarjan's algorithm; returns components with more than one file, or a file importing itself. */
function stronglyConnected(graph) {
  let index = 0;
  const idx = new Map();
  const low = new Map();
  const stack = [];
  const on = new Set();
  const out = [];
  const nodes = [...new Set([...graph.keys(), ...[...graph.values()].flatMap((s) => [...s])])].sort();
  const visit = (v) => {
    idx.set(v, index);
    low.set(v, index++);
    stack.push(v);
    on.add(v);
    for (const w of [...(graph.get(v) ?? [])].sort()) {
      if (!idx.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v), low.get(w)));
      } else if (on.has(w)) low.set(v, Math.min(low.get(v), idx.get(w)));
    }
    if (low.get(v) === idx.get(v)) {
      const comp = [];
      let w;
      do {
        w = stack.pop();
        on.delete(w);
        comp.push(w);
      } while (w !== v);
      if (comp.length > 1 || graph.get(v)?.has(v)) out.push(comp.sort());
    }
  };
  for (const v of nodes) if (!idx.has(v)) visit(v);
  return out;
}

/** One concrete cycle inside a component, starting and ending at its first file. */
function cyclePath(graph, scc) {
  const inside = new Set(scc);
  const start = scc[0];
  const prev = new Map([[start, undefined]]);
  const queue = [start];
  while (queue.length) {
    const v = queue.shift();
    for (const w of [...(graph.get(v) ?? [])].sort()) {
      if (!inside.has(w)) continue;
      if (w === start) {
        const path = [start];
        for (let x = v; x !== undefined && x !== start; x = prev.get(x)) path.splice(1, 0, x);
        return [...path, start];
      }
      if (!prev.has(w)) {
        prev.set(w, v);
        queue.push(w);
      }
    }
  }
  return scc;
}

/** The layer graph drawn from the imports, as a mermaid flowchart (counts are file-level imports). */
export function mermaid(result, config) {
  const counts = new Map();
  for (const e of result.edges) {
    const a = posix(e.from).split("/")[0];
    const b = posix(e.to).split("/")[0];
    if (a === b) continue;
    counts.set(`${a} ${b}`, (counts.get(`${a} ${b}`) ?? 0) + 1);
  }
  const lines = ["flowchart BT"];
  for (const layer of config.layers) {
    const folders = Object.keys(config.folders).filter((f) => config.folders[f] === layer);
    lines.push(`  subgraph L_${layer.replace(/\W/g, "_")}["${layer}"]`);
    for (const f of folders.sort()) lines.push(`    ${f}`);
    lines.push("  end");
  }
  const rank = (f) => config.layers.indexOf(config.folders[f]);
  for (const [key, n] of [...counts].sort()) {
    const [a, b] = key.split(" ");
    const up = rank(b) > rank(a);
    lines.push(`  ${a} ${up ? "-.->" : "-->"}|${n}${up ? " UP" : ""}| ${b}`);
  }
  return lines.join("\n");
}

async function main() {
  let opts;
  try {
    opts = parseArgs(process.argv.slice(2));
  } catch (e) {
    if (e instanceof UsageError) {
      console.error(`layers: ${e.message}`);
      process.exit(2);
    }
    throw e;
  }
  const config = (await import(pathToFileURL(opts.config).href)).default;
  const result = check(opts.root, config);
  if (opts.graph) {
    console.log(mermaid(result, config));
    return;
  }
  for (const p of result.problems) console.error(p);
  const where = posix(relative(process.cwd(), opts.root)) || ".";
  if (result.problems.length > 0) {
    console.error(`layers: ${result.problems.length} problem(s) in ${where}`);
    process.exit(1);
  }
  const allowed = config.allow.length + config.allowCycles.length;
  console.log(
    `layers: ${result.files.length} files in ${where}, no layer violation, no import cycle` +
      (allowed ? ` (${allowed} allowed, listed in the layer config)` : ", no exception allowed"),
  );
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) await main();
