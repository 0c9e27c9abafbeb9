// A topology file's sandbox is built by writing each plan step straight into its transaction
// (Sandbox.put: the handler's checks and provider write, committed as the writer commits, without
// routing or an answer). It must leave the world the answered path leaves (every step through the
// ARM handler): the same resources, bodies, revisions, sequence number and indexes, the same lint
// report in every format, and the same refusal for a step a provider refuses.
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { renderJson } from "../src/analysis/lint/format/json.js";
import { toSarif } from "../src/analysis/lint/format/sarif.js";
import { renderTable } from "../src/analysis/lint/format/table.js";
import { lint } from "../src/analysis/lint/lint.js";
import { sandboxFromTopology } from "../src/analysis/lint/sources.js";
import { plainResourcePut } from "../src/engine/directPut.js";
import { World } from "../src/world/world.js";
import { ROOT } from "./helpers/server.js";

/** Values that differ between any two runs: GUIDs (ETags, vmIds) and timestamps. */
const GUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi;
const TIME = /\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z/g;
/** A private DNS zone's internalId: a GUID and a time, encoded. */
const INTERNAL_ID = /"internalId":"[^"]*"/g;
const stable = (s: string) =>
  s.replace(GUID, "<guid>").replace(TIME, "<time>").replace(INTERNAL_ID, '"internalId":"<id>"');

/** Everything a reader of the world sees: entries in order, their revisions, and both indexes. */
function contentOf(w: World): string[] {
  const out = [`seq ${w.seq}`, `size ${w.size}`];
  const types = new Set<string>();
  for (const e of w.entries()) {
    types.add(e.type);
    out.push(`${e.key} ${e.id} ${e.type} rev ${e.rev} parent ${e.parentKey} ${JSON.stringify(e.body)}`);
    out.push(`  children ${w.children(e.id).map((c) => c.key)}`);
  }
  for (const t of [...types].sort()) out.push(`type ${t}: ${w.ofType(t).map((e) => e.key)}`);
  return out.map(stable);
}

/** The reference estate's Azure side and site with `n` generated hosts and their machines. */
function estate(n: number): string {
  const ref = readFileSync(join(ROOT, "examples/reference.yaml"), "utf8");
  const head = ref
    .slice(0, ref.indexOf("\nhosts:"))
    .replace(/addressPrefixes: \[192\.168\.0\.0\/16\]/, "addressPrefixes: [192.168.0.0/16, 10.64.0.0/10]");
  const hosts: string[] = [];
  const machines: string[] = [];
  for (let i = 0; i < n; i++) {
    const name = `srv-${String(i).padStart(4, "0")}`;
    hosts.push(
      `  - { name: ${name}, site: onprem, ipAddress: 10.64.${i >> 8}.${i & 255}, os: Linux, dnsServers: [${i % 10 === 7 ? "8.8.8.8" : "dc01"}] }`,
    );
    machines.push(
      i % 50 === 49
        ? `  - { name: ${name}, location: eastus }`
        : `  - { name: ${name}, location: eastus, privateLinkScope: pls-arc }`,
    );
  }
  return `${head}\nhosts:\n${hosts.join("\n")}\n\nmachines:\n${machines.join("\n")}\n`;
}

const files: Array<{ file: string; text: string }> = [
  ...readdirSync(join(ROOT, "examples"))
    .filter((f) => f.endsWith(".yaml"))
    .sort()
    .map((f) => ({ file: join(ROOT, "examples", f), text: readFileSync(join(ROOT, "examples", f), "utf8") })),
  { file: "estate-300.yaml", text: estate(300) },
];

describe("a topology's sandbox written directly is the one the ARM handler builds", () => {
  it("covers every example file", () => assert.ok(files.length >= 5, files.map((f) => f.file).join(", ")));

  for (const { file, text } of files)
    it(`${file.split("/").pop()}: the same world and the same lint report, byte for byte`, async () => {
      const direct = await sandboxFromTopology(text, file);
      const answered = await sandboxFromTopology(text, file, undefined, { answered: true });
      // The plan's steps are resource PUTs the direct path takes (not only resource groups).
      const taken = direct.plan.steps.filter((s) => plainResourcePut(s.method, s.id)).length;
      assert.ok(
        taken > direct.plan.steps.length / 2,
        `${taken} of ${direct.plan.steps.length} written directly`,
      );
      assert.deepEqual(contentOf(direct.sandbox.world), contentOf(answered.sandbox.world));
      // One `now` for both: the report's only clock-dependent parts then agree.
      const now = new Date(Date.now() + 1000);
      const report = (x: typeof direct) =>
        lint({ view: x.sandbox.world, now, propagationDelayMs: 900_000, source: x.source });
      const [a, b] = [report(direct), report(answered)];
      assert.ok(a.hosts.length > 0);
      assert.equal(renderJson(a, { hostTraces: true }), renderJson(b, { hostTraces: true }));
      const where = (x: typeof direct) => (id: string) => {
        const l = x.source.locate?.(id);
        return l && `${l.file}:${l.line}`;
      };
      assert.equal(
        renderTable(a, { trace: true, maxHosts: 1000 }, where(direct)),
        renderTable(b, { trace: true, maxHosts: 1000 }, where(answered)),
      );
      assert.equal(
        JSON.stringify(toSarif(a, direct.source.locate, { root: ROOT })),
        JSON.stringify(toSarif(b, answered.source.locate, { root: ROOT })),
      );
    });

  it("a step its provider refuses is named with the same refusal", async () => {
    const ref = readFileSync(join(ROOT, "examples/reference.yaml"), "utf8");
    // A proxy URL the host's provider cannot read (the file's schema takes any string there).
    const text = ref.replace(
      /\nhosts:\n/,
      "\nhosts:\n  - { name: srv-bad, site: onprem, ipAddress: 192.168.7.200, os: Linux, proxyUrl: not-a-url }\n",
    );
    const refusal = async (answered: boolean) => {
      try {
        await sandboxFromTopology(text, "bad.yaml", undefined, { answered });
      } catch (e) {
        return (e as Error).message;
      }
      assert.fail("the file was accepted");
    };
    const [a, b] = [await refusal(false), await refusal(true)];
    assert.match(
      a,
      /^bad\.yaml: ArcLink\.Lab\/hosts srv-bad was refused: InvalidParameter: .*'not-a-url' is not a proxy URL/,
    );
    assert.equal(a, b);
  });

  it("a path the handler routes elsewhere is not a direct PUT", () => {
    const sub = "/subscriptions/00000000-0000-0000-0000-00000000c0de";
    const m = `${sub}/resourceGroups/rg/providers/Microsoft.HybridCompute/machines/m1`;
    assert.equal(plainResourcePut("PUT", m)?.id, m);
    assert.equal(plainResourcePut("PUT", `${m}/extensions/x`)?.names.join("/"), "m1/x");
    for (const path of [
      `${sub}/resourceGroups/rg`,
      `${sub}/resourceGroups/rg/providers/Microsoft.Resources/deployments/d1`,
      `${sub}/providers/Microsoft.HybridCompute/locations/eastus/operationStatuses/a.b`,
      `${sub}/providers/Microsoft.Network/locations/eastus`,
      `${m}/operationResults/x.y`,
      `${m}/`,
      `${sub}/resourceGroups/rg/providers/Microsoft.HybridCompute/machines`,
      "/providers/ArcLink.Lab/clock/default",
    ])
      assert.equal(plainResourcePut("PUT", path), undefined, path);
    assert.equal(plainResourcePut("PATCH", m), undefined);
  });
});
