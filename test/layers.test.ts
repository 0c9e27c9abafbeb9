import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { join } from "node:path";

// The layer check (tools/layers.mjs, run by `npm run lint`) against fixture trees with a deliberate
// layer violation and a deliberate cycle, and against the real src/.
const repo = fileURLToPath(new URL("../../", import.meta.url));
const fixtures = join(repo, "test", "layers");

function layers(...args: string[]) {
  const r = spawnSync(process.execPath, [join(repo, "tools", "layers.mjs"), ...args], {
    cwd: repo,
    encoding: "utf8",
  });
  return { status: r.status, out: r.stdout, err: r.stderr };
}

const fixture = (name: string, config = "layers.config.mjs") =>
  layers("--root", join(fixtures, name), "--config", join(fixtures, config));

test("an import that goes up the layer order fails with the file, line and both layers", () => {
  const r = fixture("violation");
  assert.equal(r.status, 1, r.err);
  assert.match(r.err, /layer violation: core\/mask\.ts:2 \(core\) imports network\/route\.ts \(network\)/);
  assert.match(r.err, /core → network/);
  assert.match(r.err, /layers: 1 problem\(s\)/);
});

test("an import cycle fails with the cycle's files in order", () => {
  const r = fixture("cycle");
  assert.equal(r.status, 1, r.err);
  assert.match(r.err, /import cycle: network\/a\.ts -> network\/b\.ts -> network\/a\.ts/);
  assert.doesNotMatch(r.err, /layer violation/);
});

test("a tree that keeps its layers passes", () => {
  const r = fixture("clean");
  assert.equal(r.status, 0, r.err);
  assert.match(r.out, /no layer violation, no import cycle/);
});

test("an allow-list entry nothing needs is an error, so the list only shrinks", () => {
  const r = fixture("clean", "stale.config.mjs");
  assert.equal(r.status, 1, r.err);
  assert.match(r.err, /stale allow-list entry: core\/mask\.ts -> network\/route\.ts/);
});

test("an unknown argument is a usage error", () => {
  const r = layers("--rot", "x");
  assert.equal(r.status, 2);
  assert.match(r.err, /unknown argument --rot/);
});

test("src/ keeps its layers (today's exceptions only through the allow-list)", () => {
  const r = layers();
  assert.equal(r.status, 0, r.err);
});
