// The plain-YAML line reader gives what the `yaml` package gives (value and every path's line) for
// every file it accepts, and declines what it does not read, so the `yaml` package reads it:
// checked on the repository's topology and on-premises files, on edge cases, and on generated
// documents mixing the subset with constructs outside it.
import assert from "node:assert/strict";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, it } from "node:test";
import { checkTopology, parseTopology } from "../src/topology/parse.js";
import { readPlainYaml, yamlLines, yamlLinesOfDocument, YamlPath } from "../src/analysis/lint/yamlLines.js";

const ROOT = resolve(fileURLToPath(import.meta.url), "../../..");

/** Every path of `v`, and paths just beside them (a missing key, an index past the end, a wrong kind). */
function paths(v: unknown, p: YamlPath = [], out: YamlPath[] = []): YamlPath[] {
  out.push(p);
  if (v && typeof v === "object") {
    if (Array.isArray(v)) {
      v.forEach((x, i) => paths(x, [...p, i], out));
      out.push([...p, v.length], [...p, "name"], [...p, v.length, "name"]);
    } else {
      for (const [k, x] of Object.entries(v)) paths(x, [...p, k], out);
      out.push([...p, "missing"], [...p, 0], [...p, "missing", 0]);
    }
  } else out.push([...p, "below"], [...p, 0]);
  return out;
}

/** The reader's answer equals the `yaml` package's; returns whether the reader accepted the text. */
function agrees(text: string, what: string): boolean {
  const fast = readPlainYaml(text);
  if (!fast) return false;
  const ref = yamlLinesOfDocument(text);
  assert.notEqual(ref.value, undefined, `${what}: read as plain, but the yaml package reports errors`);
  assert.deepStrictEqual(fast.value, ref.value, `${what}: values differ`);
  for (const p of paths(ref.value))
    assert.equal(fast.lineOf(p), ref.lineOf(p), `${what}: line of ${JSON.stringify(p)}`);
  return true;
}

function yamlFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...yamlFiles(p));
    else if (/\.ya?ml$/.test(name)) out.push(p);
  }
  return out;
}

/** A small deterministic generator (mulberry32). */
function rng(seed: number): () => number {
  return () => {
    seed |= 0;
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const SCALARS = [
  "hq",
  "srv-0001",
  "10.56.0.2",
  "10.10.0.0/16",
  "443",
  "-1",
  "+7",
  "0o17",
  "0x1F",
  "1.5",
  "1.50",
  "1e3",
  ".inf",
  "-.Inf",
  ".NaN",
  "true",
  "False",
  "TRUE",
  "null",
  "~",
  "Null",
  "yes",
  "no",
  "on",
  "Microsoft.Network/dnsResolvers",
  "http://proxy:3128",
  "a b  c",
  "a#b",
  "it's",
  "'quoted'",
  '"dq"',
  "'it''s'",
  '"a: b"',
  '"#x"',
  "007",
  "1_000",
  "2026-01-10",
  "0b101",
  "=",
  "-",
  "a: b",
  "x #comment",
  "*alias",
  "&anchor v",
  "!tag v",
  "|",
  ">",
  "@x",
  "`x`",
  "%x",
  "?x",
  ":x",
  "[a, b]",
  "[]",
  "{}",
  "{a: 1, b: [x, y]}",
  "[a, {b: c}]",
  "[a, , b]",
  "[a, b, ]",
  "{a: 1, a: 2}",
  "{a:1}",
  "[a: b]",
  "{ k: 'v', n: \"w\" }",
  "[\"x\", 'y']",
  "[a]#c",
  '"a\\nb"',
  "[a # c]",
];
const KEYS = [
  "name",
  "site",
  "ipAddress",
  "dnsServers",
  "a.b",
  "x_y",
  "k-1",
  "$k",
  "true",
  "null",
  "1a",
  "a b",
  '"q"',
];

function generate(r: () => number): string {
  const pick = <T>(xs: T[]) => xs[Math.floor(r() * xs.length)];
  const lines: string[] = [];
  if (r() < 0.2) lines.push("# a comment", "");
  const block = (indent: number, depth: number, seqAtKey: boolean) => {
    const pad = " ".repeat(indent);
    const n = 1 + Math.floor(r() * 3);
    const used = new Set<string>();
    for (let i = 0; i < n; i++) {
      let key = pick(KEYS);
      if (used.has(key) && r() < 0.9) key = `${key}${i}`;
      used.add(key);
      const kind = r();
      if (kind < 0.45 || depth > 2) lines.push(`${pad}${key}: ${pick(SCALARS)}${r() < 0.1 ? " # note" : ""}`);
      else if (kind < 0.55) lines.push(`${pad}${key}:`);
      else if (kind < 0.75) {
        lines.push(`${pad}${key}:${r() < 0.1 ? " # c" : ""}`);
        block(indent + 2, depth + 1, seqAtKey);
      } else {
        lines.push(`${pad}${key}:`);
        const at = seqAtKey || r() < 0.5 ? indent : indent + 2;
        const items = 1 + Math.floor(r() * 3);
        for (let j = 0; j < items; j++) {
          const ik = r();
          if (ik < 0.4) lines.push(`${" ".repeat(at)}- ${pick(SCALARS)}`);
          else if (ik < 0.8) {
            lines.push(`${" ".repeat(at)}- ${pick(KEYS)}: ${pick(SCALARS)}`);
            if (r() < 0.6) lines.push(`${" ".repeat(at + 2)}${pick(KEYS)}x: ${pick(SCALARS)}`);
            if (r() < 0.2) {
              lines.push(`${" ".repeat(at + 2)}nested:`);
              block(at + 4, depth + 2, r() < 0.5);
            }
          } else if (ik < 0.9) lines.push(`${" ".repeat(at)}-`, `${" ".repeat(at + 2)}k: v`);
          else lines.push(`${" ".repeat(at)}- - x`);
          if (r() < 0.05) lines.push("");
          if (r() < 0.03) lines.push(`${" ".repeat(at + 4)}continued`);
        }
      }
      if (r() < 0.05) lines.push(`${pad}  # an indented comment`);
    }
  };
  block(0, 0, r() < 0.3);
  if (r() < 0.05) lines.unshift("---");
  if (r() < 0.05) lines.push("\t");
  return lines.join("\n") + (r() < 0.5 ? "\n" : "");
}

describe("yamlLines: the plain-YAML reader", () => {
  it("reads the repository's topology and on-premises files as the yaml package does", () => {
    const files = [...yamlFiles(join(ROOT, "examples")), ...yamlFiles(join(ROOT, "test/fixtures"))];
    let plain = 0;
    for (const f of files) if (agrees(readFileSync(f, "utf8"), f)) plain++;
    // Most are in the subset (those with block scalars, e.g. a hosts file written with '|', are not).
    assert.ok(plain >= files.length / 2, `${plain} of ${files.length} read as plain YAML`);
  });

  it("reads a large flow-style host list as the yaml package does", () => {
    const hosts = Array.from(
      { length: 300 },
      (_, i) =>
        `  - { name: srv-${i}, site: hq, ipAddress: 10.56.${i >> 8}.${i & 255}, os: Linux, dnsServers: [ns1], hostsFilePath: hosts/srv-${i} }`,
    );
    const text = ["sites:", "  - { name: hq, addressPrefixes: [10.56.0.0/13] }", "hosts:", ...hosts, ""].join(
      "\n",
    );
    assert.ok(agrees(text, "host list"), "a flow-style host list is plain YAML");
  });

  it("declines what it does not read, and yamlLines then answers as the yaml package", () => {
    const outside = [
      "a: |\n  text\n",
      "a: >\n  text\n",
      "a: &x 1\nb: *x\n",
      "a: !!str 1\n",
      "---\na: 1\n",
      "a: 1\na: 2\n",
      "a: 'x\n  y'\n",
      "a: plain\n  continued\n",
      "a: [1,\n  2]\n",
      "a:\n\t- 1\n",
      "a: 1\r\nb: 2\r\n",
      "\uFEFFa: 1\n",
      'a: "esc\\t"\n',
      "- 1\n- 2\n",
      "? a\n: b\n",
      "a: b: c\n",
      "1: a\n",
      "true: a\n",
      "a: {b: c, b: d}\n",
      "a: [b: c]\n",
      "a:\n  -\n    b: 1\n",
      "a:\n  b: 1\n c: 2\n",
      "a: x\n  - y\n",
      "a: {k: http://x}\n",
    ];
    for (const t of outside) {
      assert.equal(readPlainYaml(t), undefined, `declines ${JSON.stringify(t)}`);
      const y = yamlLines(t);
      const ref = yamlLinesOfDocument(t);
      assert.deepStrictEqual(y.value, ref.value, JSON.stringify(t));
      for (const p of paths(ref.value)) assert.equal(y.lineOf(p), ref.lineOf(p), JSON.stringify([t, p]));
    }
  });

  it("reads the subset's edge cases as the yaml package does", () => {
    const inside = [
      "a: 1\n",
      "# lead\n\na: 1 # trailing\nb:\n",
      "a:\n- x\n- y\nb: 2\n",
      "a:\n  - name: x\n    zones:\n    - z1\n    - z2\n  - name: y\n",
      "a:\n  b:\n    c: [1, 2.5, 0x10, .inf, ~, 'q', \"d\"]\n",
      "a: 'it''s'\nb: \"#no comment\"\nc: a#b\n",
      "a: { x: 1, y: [a, b], z: {} }   # c\n",
      "a: http://proxy:3128\nb: -5\nc: 2026-01-10\n",
      "a:\n  # comment at another indent\n  b: 1\n# and at none\nc: 2\n",
    ];
    for (const t of inside) assert.ok(agrees(t, JSON.stringify(t)), `reads ${JSON.stringify(t)}`);
  });

  it("reads rows whose keys differ from the row before's as the yaml package does", () => {
    // Flow mappings in a row share the keys read last by place: a key that only starts like the
    // last row's, or ends where another did, is read as written (or the row declined, as before).
    const rows = [
      "a:",
      "  - { name: x, site: s, ip: 1 }",
      "  - { names: x, sit: s, ip2: 1 }",
      "  - { name: y, site: s, ip: 2 }",
      "  - { nam: y, sites: s, ip: 3 }",
      "  - { name: z, site: [s, t], ip: {a: 1} }",
      "  - { name: z }",
      "  - { site: q, name: w }",
      "  - {}",
      "  - { name: v, site: s, ip: 4, extra: e, more: m }",
      "",
    ].join("\n");
    assert.ok(agrees(rows, "rows"), "read as plain");
    for (const t of [
      "a:\n  - { name: x }\n  - { name:x }\n",
      "a:\n  - { name: x }\n  - { name: x, name: y }\n",
      "a:\n  - { name: x }\n  - { 'name': x }\n",
    ]) {
      assert.equal(readPlainYaml(t), undefined, `declines ${JSON.stringify(t)}`);
      assert.deepStrictEqual(yamlLines(t).value, yamlLinesOfDocument(t).value, JSON.stringify(t));
    }
  });

  it("resolves scalars with dots as the yaml package does (addresses, versions, numbers)", () => {
    const words = [
      "10.64.0.5",
      "1.2.3",
      "1..2",
      "..5",
      ".5",
      "5.",
      "1.5e3",
      "1.5e.3",
      "+1.2.3",
      "-.5.5",
      "0x1.2.3",
    ];
    const text = words.map((w, i) => `k${i}: ${w}\nl${i}: [${w}]\nm${i}: { k: ${w} }`).join("\n");
    assert.ok(agrees(text, "dotted scalars"), "read as plain");
  });

  it("resolves a scalar starting with any letter as the yaml package does (strings, nulls, booleans)", () => {
    const words: string[] = ["~", "NULL", "Null", "TRUE", "True", "FALSE", "False", ".inf", ".NaN"];
    for (const c of "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")
      words.push(
        c,
        `${c}rue`,
        `${c}ull`,
        `${c}alse`,
        `${c}RUE`,
        `${c}ULL`,
        `${c}ALSE`,
        `${c}x1f`,
        `${c}0`,
        `${c}-1.5`,
      );
    const block = words.map((w, i) => `k${i}: ${w}`).join("\n");
    const flow = words.map((w, i) => `l${i}: [${w}, x]\nm${i}: { k: ${w}, x: y }`).join("\n");
    for (const [text, what] of [
      [block, "block scalars"],
      [flow, "flow scalars"],
    ])
      assert.ok(agrees(text, what), `${what}: read as plain`);
  });

  it("agrees with the yaml package on generated documents, or declines them", () => {
    const r = rng(13);
    let read = 0;
    let declined = 0;
    for (let i = 0; i < 3000; i++) {
      const t = generate(r);
      if (agrees(t, `generated #${i}:\n${t}`)) read++;
      else declined++;
    }
    // The generator makes both kinds, so both paths are exercised.
    assert.ok(read > 300 && declined > 300, `read ${read}, declined ${declined}`);
  });

  it("reads a topology file the same way either way: the topology, or the same issues on the same lines", () => {
    const ref = readFileSync(join(ROOT, "examples/reference.yaml"), "utf8");
    const broken = ref.replace("ipAddress: 192.168.1.22", "ipAddress: 192.168.1.999");
    assert.notEqual(broken, ref);
    for (const text of [ref, broken]) {
      assert.ok(readPlainYaml(text), "the file is in the plain subset");
      const doc = yamlLinesOfDocument(text);
      const want = checkTopology(doc.value, (p) => doc.lineOf(p));
      const got = parseTopology(text);
      assert.deepStrictEqual(got, want);
    }
    const issues = parseTopology(broken).issues;
    assert.ok(issues.length > 0 && issues.every((i) => typeof i.line === "number"), JSON.stringify(issues));
  });
});
