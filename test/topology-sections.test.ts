// Every resource a topology file's plan writes is declared by a type that names the file's list it
// comes from (ResourceType.topology), and that list is one the file has: lint points each finding
// at the line of the entry, so a type without the declaration would give findings without a line.
import assert from "node:assert/strict";
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { keyOf, parseResourceId } from "../src/core/resourceId.js";
import { topologyLocator, topologySections } from "../src/analysis/lint/sources.js";
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
});
