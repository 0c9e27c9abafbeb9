// What lint derives once per host is kept with the host's stored body (its compiled model) and with
// that model (the Arc names its hosts file holds): compiling or linting the world again reuses
// them, and a host written again gets new ones. what-if and a full lint of the changed world agree
// after a hosts file gains a stale line and after it loses it.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { sandboxFromTopology, LINT_SUBSCRIPTION } from "../src/analysis/lint/sources.js";
import { checkWorld, lint, LintReport, reportOf } from "../src/analysis/lint/lint.js";
import { hostsFileArcNames } from "../src/analysis/lint/rules/manualRecords.js";
import { Sandbox } from "../src/analysis/lint/sandbox.js";
import { whatIf, WhatIfReport } from "../src/analysis/whatIf.js";
import { compileModel } from "../src/network/model.js";
import { ServiceTags } from "../src/network/serviceTags.js";
import { World } from "../src/world/world.js";
import { benchWorld, benchResources } from "../bench/lintWorld.js";
import { ROOT } from "./helpers/server.js";

const REF = join(ROOT, "examples/reference.yaml");
const HOST = `/subscriptions/${LINT_SUBSCRIPTION}/resourceGroups/rg-arc-private-link/providers/ArcLink.Lab/hosts/srv-lnx-01`;
const NOW = new Date("2026-01-10T12:00:00Z");
const DELAY = 900_000;
const STALE = "10.10.1.99 gbl.his.arc.azure.com";

const keys = (fs: Array<{ key: string }>) => fs.map((f) => f.key).sort();

/** The what-if from the lint index, checked against a full evaluation of the changed world. */
async function judged(world: World, before: LintReport, hostsFile: string): Promise<WhatIfReport> {
  const cur = world.get(HOST)!.body;
  const change = {
    kind: "put" as const,
    id: HOST,
    body: { location: "global", properties: { ...cur.properties, hostsFile } },
  };
  const fast = await whatIf(world, change, { now: NOW, propagationDelayMs: DELAY, before });
  const full = await whatIf(world, change, { now: NOW, propagationDelayMs: DELAY, before, full: true });
  assert.equal(fast.evaluated, "hosts");
  assert.deepEqual(keys(fast.findings.added), keys(full.findings.added));
  assert.deepEqual(keys(fast.findings.resolved), keys(full.findings.resolved));
  assert.deepEqual(fast.changes, full.changes);
  return fast;
}

describe("lint: per-host work kept with the host", () => {
  it("reuses an unchanged host's model and Arc names, and derives new ones for a host written again", async () => {
    const { sandbox } = await sandboxFromTopology(readFileSync(REF, "utf8"), REF);
    const tags = ServiceTags.default();
    const key = HOST.toLowerCase();
    const a = compileModel(sandbox.world, tags).hosts.get(key)!;
    const b = compileModel(sandbox.world, tags).hosts.get(key)!;
    assert.equal(a, b, "the same stored body compiles to the same host model");
    assert.equal(hostsFileArcNames(a), hostsFileArcNames(b));
    assert.deepEqual(hostsFileArcNames(a), []);

    const cur = sandbox.world.get(HOST)!.body;
    await sandbox.call("PUT", HOST, sandbox.apiVersionFor(HOST), {
      location: "global",
      properties: { ...cur.properties, hostsFile: `${STALE}\n` },
    });
    const c = compileModel(sandbox.world, tags).hosts.get(key)!;
    assert.notEqual(c, a, "a host written again is compiled again");
    assert.deepEqual(c.hostsEntries, [{ address: "10.10.1.99", names: ["gbl.his.arc.azure.com"], line: 1 }]);
    assert.deepEqual(
      hostsFileArcNames(c).map((n) => `${n.address} ${n.fqdn}`),
      [STALE],
    );
    // The unchanged neighbour keeps its model.
    const other = [...compileModel(sandbox.world, tags).hosts.keys()].find((k) => k !== key)!;
    assert.equal(
      compileModel(sandbox.world, tags).hosts.get(other),
      compileModel(sandbox.world, tags).hosts.get(other),
    );
  });

  it("what-if adds, then resolves, a stale hosts-file line as a full lint of the changed world does", async () => {
    const { sandbox } = await sandboxFromTopology(readFileSync(REF, "utf8"), REF);
    // Linted twice first, so every host's model and names are already kept.
    lint({ view: sandbox.world, now: NOW, propagationDelayMs: DELAY });
    const before = lint({ view: sandbox.world, now: NOW, propagationDelayMs: DELAY });
    assert.ok(!before.findings.some((f) => f.ruleId === "stale-address"));

    const gained = await judged(sandbox.world, before, `127.0.0.1 localhost\n${STALE}\n`);
    const stale = gained.findings.added.find((f) => f.ruleId === "stale-address");
    assert.ok(stale, JSON.stringify(keys(gained.findings.added)));
    assert.match(stale.message, /srv-lnx-01/);

    // The world with the stale line, linted (its names kept), then the line removed again.
    const over = new Sandbox({ over: sandbox.world });
    const cur = sandbox.world.get(HOST)!.body;
    await over.call("PUT", HOST, over.apiVersionFor(HOST), {
      location: "global",
      properties: { ...cur.properties, hostsFile: `127.0.0.1 localhost\n${STALE}\n` },
    });
    const withLine = lint({ view: over.world, now: NOW, propagationDelayMs: DELAY });
    assert.ok(withLine.findings.some((f) => f.ruleId === "stale-address"));
    const removed = await judged(over.world, withLine, "127.0.0.1 localhost\n");
    assert.ok(removed.findings.resolved.some((f) => f.ruleId === "stale-address"));
    assert.ok(!removed.findings.added.some((f) => f.ruleId === "stale-address"));
  });

  it("keeps a World's machine index only while the World is unchanged: each lint equals a lint of a fresh copy", () => {
    const world = benchWorld(260, 5);
    const fresh = () => {
      const w = new World();
      w.load(
        [...world.entries()].map((e) => ({ id: e.id, type: e.type, rev: e.rev, body: e.body })),
        world.seq,
      );
      return w;
    };
    const opts = { now: NOW, propagationDelayMs: DELAY };
    const same = (a: LintReport, b: LintReport, what: string) => {
      assert.deepEqual(
        a.hosts.map((h) => [h.host, h.machine ?? null, h.scope ?? null]),
        b.hosts.map((h) => [h.host, h.machine ?? null, h.scope ?? null]),
        what,
      );
      assert.deepEqual(
        a.findings.map((f) => [f.key, f.message, f.machines.length]),
        b.findings.map((f) => [f.key, f.message, f.machines.length]),
        what,
      );
    };
    const first = lint({ view: world, ...opts });
    same(first, lint({ view: world, ...opts }), "linted again, unchanged");
    const machines = benchResources(260, 5).filter((r) => r.type === "Microsoft.HybridCompute/machines");
    const rg = machines[0].id.split("/providers/")[0];
    let seq = world.seq;
    const steps: Array<[string, () => void]> = [
      // The machine of h7 is deleted: h7 has none.
      ["a machine deleted", () => world.apply([{ key: machines[7].id.toLowerCase() }], ++seq)],
      // A new machine named h7 (another resource group), not associated: h7's machine again.
      [
        "a machine added under a host's name",
        () => {
          const id = `${rg}x/providers/Microsoft.HybridCompute/machines/H7`;
          const body = { id, name: "H7", type: machines[7].type, location: "westus", properties: {} };
          world.apply(
            [{ key: id.toLowerCase(), resource: { id, type: machines[7].type, rev: 1, body } }],
            ++seq,
          );
        },
      ],
      // The machine of h3 records h4's host id: h4's machine is it, h3 keeps it by name.
      [
        "a machine recording another host",
        () => {
          const m = world.get(machines[3].id)!;
          const hostId = m.id.replace("Microsoft.HybridCompute/machines/h3", "ArcLink.Lab/hosts/h4");
          const body = { ...m.body, _arclink: { hostId } };
          world.apply([{ key: m.key, resource: { id: m.id, type: m.type, rev: 2, body } }], ++seq);
        },
      ],
    ];
    for (const [what, step] of steps) {
      const was = lint({ view: world, ...opts });
      step();
      const now = lint({ view: world, ...opts });
      same(now, lint({ view: fresh(), ...opts }), what);
      assert.notDeepEqual(
        now.hosts.map((h) => h.machineId ?? null),
        was.hosts.map((h) => h.machineId ?? null),
        `${what}: the hosts' machines change`,
      );
    }
  });

  it("gives the rules the evaluations its checks made: the same findings as numbering them again", () => {
    const world = benchWorld(400, 20);
    const input = { view: world, now: NOW, propagationDelayMs: DELAY };
    const checked = checkWorld(input);
    const given = lint(input, {}, checked);
    const counted = reportOf(input, checked.model, checked.resolver, checked.infos, {}, checked.machines);
    assert.ok(given.findings.length > 3);
    assert.deepEqual(given.findings, counted.findings);
  });
});
