// Every resource a topology file's plan writes is declared by a type that names the file's list it
// comes from (ResourceType.topology), and that list is one the file has: lint points each finding
// at the line of the entry, so a type without the declaration would give findings without a line.
import assert from "node:assert/strict";
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { keyOf, parseResourceId } from "../src/core/resourceId.js";
import { topologyEntries, topologyLocator, topologySections } from "../src/analysis/lint/sources.js";
import { createRegistry } from "../src/providers/index.js";
import { loadTopology } from "../src/topology/parse.js";
import { plan } from "../src/topology/plan.js";

const SUB = "00000000-0000-0000-0000-0000000000aa";

/** Every example and fixture file, and the reference with an agent's facts (an agent report). */
function topologyFiles(): Array<{ file: string; text: string }> {
  const files = ["examples", "test/fixtures"].flatMap((d) =>
    readdirSync(d)
      .filter((f) => f.endsWith(".yaml"))
      .map((f) => ({ file: join(d, f), text: readFileSync(join(d, f), "utf8") })),
  );
  const reference = readFileSync("examples/reference.yaml", "utf8");
  const reported = reference.replace(
    "  - name: srv-lnx-02\n    location: eastus\n",
    "  - name: srv-lnx-02\n    location: eastus\n    agentVersion: '1.45'\n",
  );
  assert.notEqual(reported, reference);
  return [...files, { file: "reference-with-agent-facts.yaml", text: reported }];
}

describe("topology sections", () => {
  const declared = topologySections(createRegistry().allTypes());

  it("every declared list is a list of the topology file", () => {
    const empty = loadTopology("resourceGroups:\n  - name: rg\n    location: eastus\n") as unknown as Record<
      string,
      unknown
    >;
    for (const [type, section] of declared)
      assert.ok(
        Array.isArray(empty[section]),
        `${type} declares the topology list '${section}', which the file has not`,
      );
  });

  it("every resource a plan writes is located at the line of its entry", () => {
    let steps = 0;
    const types = new Set<string>();
    for (const { file, text } of topologyFiles()) {
      let p;
      try {
        p = plan(loadTopology(text, file), { subscriptionId: SUB });
      } catch {
        continue; // a fixture of a refused file
      }
      const locate = topologyLocator(text, file, p);
      for (const s of p.steps) {
        steps++;
        const id = parseResourceId(s.id)!;
        const top = id.types.length ? `${id.namespace}/${id.types[0]}` : "Microsoft.Resources/resourceGroups";
        types.add(top.toLowerCase());
        assert.ok(
          declared.has(top.toLowerCase()),
          `${file}: the plan writes ${s.type} '${s.name}', but ${top} declares no topology list: add topology: { section: "…" } to its provider.`,
        );
        // Not merely its resource group's line, which every id falls back to.
        const at = locate(s.id);
        const group = locate(`/subscriptions/${SUB}/resourceGroups/${id.resourceGroup}`);
        assert.ok(at && at.line > 0, `${file}: ${s.type} '${s.name}' (${keyOf(s.id)}) has no line`);
        // (An entry the file gives no name, such as a site connection named after its ends, is
        // not found by name and falls back there: left out.)
        if (id.types.length && text.includes(id.names[0]))
          assert.notEqual(
            at.line,
            group?.line,
            `${file}: ${s.type} '${s.name}' is located at its resource group`,
          );
      }
    }
    assert.ok(steps > 100, `only ${steps} steps`);
    assert.ok(types.size >= 12, `only ${types.size} types: ${[...types].join(", ")}`);
  });

  it("a child declared in its parent's entry is located at its own line, below its parent's", () => {
    const entries = topologyEntries(createRegistry().allTypes());
    const keys = new Set<string>();
    // No example declares a private DNS zone's records: one that does.
    const reference = readFileSync("examples/reference.yaml", "utf8");
    const recorded = reference.replace(
      "  - name: privatelink.his.arc.azure.com\n    virtualNetworkLinks:\n",
      "  - name: privatelink.his.arc.azure.com\n    records:\n      - { name: gbl-extra, type: A, values: [10.20.1.99] }\n    virtualNetworkLinks:\n",
    );
    assert.notEqual(recorded, reference);
    for (const { file, text } of [
      ...topologyFiles(),
      { file: "reference-with-records.yaml", text: recorded },
    ]) {
      let topology, p;
      try {
        topology = loadTopology(text, file);
        p = plan(topology, { subscriptionId: SUB });
      } catch {
        continue;
      }
      const locate = topologyLocator(text, file, p);
      // The children the plan writes, and the subnets it writes inline with their virtual network.
      const children = p.steps.map((s) => s.id);
      for (const v of topology.virtualNetworks) {
        const vnet = p.steps.find((s) => s.type === "Microsoft.Network/virtualNetworks" && s.name === v.name);
        for (const s of v.subnets) children.push(`${vnet!.id}/subnets/${s.name}`);
      }
      for (const child of children) {
        const id = parseResourceId(child)!;
        const entry =
          id.types.length === 2 && entries.get(`${id.namespace}/${id.types.join("/")}`.toLowerCase());
        // (A child the file gives no name, such as a zone link named after its network, is not
        // found by name and falls back to its parent's line: left out.)
        if (!entry || !text.includes(id.names[1])) continue;
        keys.add(entry.key);
        const at = locate(child);
        const parent = locate(child.slice(0, child.lastIndexOf("/", child.lastIndexOf("/") - 1)));
        assert.ok(at && parent && at.line > parent.line, `${file}: ${child} is not located below its parent`);
      }
    }
    assert.deepEqual(
      [...keys].sort(),
      [...new Set([...entries.values()].map((e) => e.key))].sort(),
      "an entry key no file exercises",
    );
  });
});
