// `arclink serve --topology` with more hosts than one can read one by one: every resource of the
// file is written (the steps go to the writer a window at a time and are committed together), the
// admitted machines are onboarded, and the start-up summary prints one table per group of hosts
// that reach Arc the same way, with the group's size and names.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ROOT, startServer } from "./helpers/server.js";
import { arm } from "./helpers/arm.js";
import { SameOutcomeGroups } from "../src/analysis/sameOutcome.js";
import { HostCheck } from "../src/analysis/check.js";

/** The reference file's Azure side and site with `n` generated hosts and machines. */
function topology(n: number, rename: (name: string) => string = (x) => x): string {
  const ref = readFileSync(join(ROOT, "examples/reference.yaml"), "utf8");
  const head = ref.slice(0, ref.indexOf("\nhosts:"));
  const hosts: string[] = [];
  const machines: string[] = [];
  for (let i = 0; i < n; i++) {
    const name = rename(`srv-${String(i).padStart(3, "0")}`);
    // One host in ten asks a public resolver (its traffic meets the firewall); one machine in
    // twenty is not associated with the scope (admission refuses it).
    hosts.push(
      `  - { name: ${name}, site: onprem, ipAddress: 192.168.7.${i + 1}, os: Linux, dnsServers: [${i % 10 === 7 ? "8.8.8.8" : "dc01"}] }`,
    );
    machines.push(
      i % 20 === 19
        ? `  - { name: ${name}, location: eastus }`
        : `  - { name: ${name}, location: eastus, privateLinkScope: pls-arc }`,
    );
  }
  return `${head}\nhosts:\n${hosts.join("\n")}\n\nmachines:\n${machines.join("\n")}\n`;
}

test("a group's table is its first host's own check, though hosts with equal inputs share one evaluation", async () => {
  // SRV-039 sorts before srv-019 by code unit, where the evaluations are shared, and after it by
  // locale, as the summary lists hosts: srv-019's table must name its own machine, not SRV-039.
  const dir = mkdtempSync(join(tmpdir(), "arclink-groups-"));
  const file = join(dir, "case.yaml");
  writeFileSync(
    file,
    topology(40, (x) => (x === "srv-039" ? "SRV-039" : x)),
  );
  const srv = await startServer({ args: ["--topology", file] });
  try {
    const out = await srv.outputMatching(/Ready file:/);
    assert.match(out, /^2 hosts like srv-019: srv-019, SRV-039$/m);
    assert.match(
      out,
      /srv-019 [^\n]*\n[^\n]*\ngbl\.his\.arc\.azure\.com +\| refused \|[^\n]*MachineNotAssociatedWithScope: machine srv-019 is not associated/,
    );
    assert.doesNotMatch(out, /machine SRV-039 is not associated/);
  } finally {
    await srv.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});

test("40 hosts: every machine written, 34 onboarded, the summary in three groups of hosts", async () => {
  const dir = mkdtempSync(join(tmpdir(), "arclink-groups-"));
  const file = join(dir, "forty.yaml");
  writeFileSync(file, topology(40));
  const srv = await startServer({ args: ["--topology", file] });
  try {
    const out = await srv.outputMatching(/Ready file:/);
    assert.match(out, /topology .*forty\.yaml: \d+ created, 0 updated/);
    assert.match(out, /40 hosts in 3 groups of hosts with the same verdicts and reasons/);
    // Worst first: the firewall's refusals (hosts 7, 17, 27, 37), then admission's (19, 39), then private.
    const groups = [...out.matchAll(/^(\d+) hosts? like (srv-\d+): (.*)$/gm)].map((m) => [m[1], m[2], m[3]]);
    assert.deepEqual(groups, [
      ["4", "srv-007", "srv-007, srv-017, srv-027, …"],
      ["2", "srv-019", "srv-019, srv-039"],
      ["34", "srv-000", "srv-000, srv-001, srv-002, …"],
    ]);
    assert.match(
      out,
      /srv-007 \(192\.168\.7\.8\)[^\n]*\n[^\n]*\ngbl\.his\.arc\.azure\.com +\| refused \|[^\n]*Blocked: firewall fw-onprem/,
    );
    assert.match(
      out,
      /srv-019 [^\n]*\n[^\n]*\ngbl\.his\.arc\.azure\.com +\| refused \|[^\n]*MachineNotAssociatedWithScope/,
    );
    assert.match(out, /Onboarded 34 of 40 machines/);
    // Every machine of the file exists, and exactly the admitted ones are Connected.
    const sub = srv.info.subscriptionId;
    const r = await arm(
      srv.info,
      "GET",
      `/subscriptions/${sub}/resourceGroups/rg-arc-private-link/providers/Microsoft.HybridCompute/machines?api-version=2024-07-10`,
    );
    assert.equal(r.status, 200);
    const machines = (r.json as any).value as any[];
    const ours = machines.filter((m) => /^srv-\d{3}$/.test(m.name));
    assert.equal(ours.length, 40);
    const connected = ours.filter((m) => m.properties.status === "Connected").map((m) => m.name);
    const expected = Array.from({ length: 40 }, (_, i) => i)
      .filter((i) => i % 10 !== 7 && i % 20 !== 19)
      .map((i) => `srv-${String(i).padStart(3, "0")}`);
    assert.deepEqual(connected.sort(), expected);
  } finally {
    await srv.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});

test("a topology step refused in the middle of a window names that step, not a later one", async () => {
  const dir = mkdtempSync(join(tmpdir(), "arclink-groups-"));
  const file = join(dir, "clash.yaml");
  // A machine in another region than its scope: its PUT is refused (the seed: machine and scope
  // in one region), and the machines after it in the same window must not hide which step it was.
  // srv-021 is refused for the same reason later in the window: the first in plan order is named.
  const text = topology(30)
    .replace(
      "{ name: srv-011, location: eastus, privateLinkScope: pls-arc }",
      "{ name: srv-011, location: westeurope, privateLinkScope: pls-arc }",
    )
    .replace(
      "{ name: srv-021, location: eastus, privateLinkScope: pls-arc }",
      "{ name: srv-021, location: westeurope, privateLinkScope: pls-arc }",
    );
  assert.notEqual(text, topology(30));
  writeFileSync(file, text);
  try {
    await assert.rejects(startServer({ args: ["--topology", file] }), (e: Error) => {
      assert.match(e.message, /exited with 1/);
      assert.match(
        e.message,
        /clash\.yaml: Microsoft\.HybridCompute\/machines srv-011 was refused: PrivateLinkScopeLocationMismatch/,
      );
      return true;
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("SameOutcomeGroups: same verdicts and reasons together, worst first, then larger groups; first names kept", () => {
  const c = (host: string, verdicts: Array<[string, string?]>, machine = "m"): HostCheck => ({
    host,
    hostId: `/h/${host}`,
    address: "192.168.0.1",
    machine,
    region: "eastus",
    endpoints: verdicts.map(([verdict, reason], i) => ({ endpoint: `e${i}`, verdict, reason }) as any),
  });
  const same = new SameOutcomeGroups(2);
  for (const x of [
    c("a", [["private"], ["private"]]),
    c("b", [["public"], ["private"]]),
    c("c", [["private"], ["private"]]),
    c("d", [["refused", "Blocked"], ["private"]]),
    c("e", [["refused", "DnsNotResolved"], ["private"]]),
    c("f", [["refused", "Blocked"], ["private"]]),
    c("g", [["private"], ["private"]], ""),
    c("h", [["refused", "Blocked"], ["private"]]),
  ])
    same.add(x);
  assert.deepEqual(
    same.groups().map((g) => [g.first.host, g.count, g.names.join("")]),
    [
      ["d", 3, "df"],
      ["e", 1, "e"],
      ["b", 1, "b"],
      ["a", 2, "ac"],
      ["g", 1, "g"],
    ],
  );
});
