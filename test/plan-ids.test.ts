// The plan's ids of hosts and machines: each declaration's own resource group and spelling, and
// where two declarations share a name in another case (a topology built by hand: a file with them
// is refused), the id the name finds, the last declaration's, as for every other reference.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { loadTopology } from "../src/topology/parse.js";
import { plan } from "../src/topology/plan.js";
import { ROOT } from "./helpers/server.js";

const SUB = "00000000-0000-0000-0000-0000000000a7";
const idsOf = (p: ReturnType<typeof plan>, type: string) =>
  p.steps.filter((s) => s.type === type).map((s) => s.id);

describe("plan: ids of hosts and machines", () => {
  const t = loadTopology(readFileSync(join(ROOT, "examples/reference.yaml"), "utf8"));

  it("names each declaration's resource group and spelling", () => {
    const p = plan(t, { subscriptionId: SUB });
    assert.deepEqual(
      idsOf(p, "ArcLink.Lab/hosts"),
      t.hosts.map(
        (h) =>
          `/subscriptions/${SUB}/resourceGroups/${h.resourceGroup}/providers/ArcLink.Lab/hosts/${h.name}`,
      ),
    );
    assert.deepEqual(
      idsOf(p, "Microsoft.HybridCompute/machines"),
      t.machines.map(
        (m) =>
          `/subscriptions/${SUB}/resourceGroups/${m.resourceGroup}/providers/Microsoft.HybridCompute/machines/${m.name}`,
      ),
    );
  });

  it("gives names declared twice (in another case) the last declaration's id, for each of them", () => {
    const h = t.hosts[0];
    const m = t.machines[0];
    const twice = {
      ...t,
      hosts: [...t.hosts, { ...h, name: h.name.toUpperCase(), resourceGroup: "rg-other" }],
      machines: [...t.machines, { ...m, name: m.name.toUpperCase(), resourceGroup: "rg-other" }],
    };
    const p = plan(twice, { subscriptionId: SUB });
    const hostIds = idsOf(p, "ArcLink.Lab/hosts");
    const last = `/subscriptions/${SUB}/resourceGroups/rg-other/providers/ArcLink.Lab/hosts/${h.name.toUpperCase()}`;
    assert.equal(hostIds[0], last);
    assert.equal(hostIds.at(-1), last);
    const machineIds = idsOf(p, "Microsoft.HybridCompute/machines");
    const lastMachine = `/subscriptions/${SUB}/resourceGroups/rg-other/providers/Microsoft.HybridCompute/machines/${m.name.toUpperCase()}`;
    assert.equal(machineIds[0], lastMachine);
    assert.equal(machineIds.at(-1), lastMachine);
  });
});
