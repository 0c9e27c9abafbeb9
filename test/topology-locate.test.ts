// A linted topology file's locator (which line declares a resource) made on its first lookup, as
// for a JSON report (which may never ask), must give, for every resource the plan writes and for
// ids below them, the lines the locator made from the plan gives, and name the lines where the file
// declares them.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { sandboxFromTopology, topologyLocator } from "../src/analysis/lint/sources.js";
import { referenceEstateWith } from "./helpers/estate.js";
import { ROOT } from "./helpers/server.js";

async function agree(text: string, file: string): Promise<number> {
  const { plan, source } = await sandboxFromTopology(text, file, undefined, { locateLater: true });
  const eager = topologyLocator(text, file, plan);
  const lines = text.split("\n");
  let found = 0;
  for (const step of plan.steps)
    for (const id of [step.id, `${step.id}/children/x`, step.id.toUpperCase()]) {
      const got = source.locate!(id);
      assert.deepEqual(got, eager(id), id);
      if (got) {
        found++;
        assert.equal(got.file, file);
        // The line is in the file and names the resource (or an ancestor of it).
        assert.ok(got.line >= 1 && got.line <= lines.length, `${id}: line ${got.line}`);
      }
    }
  return found;
}

describe("topology locator", () => {
  it("locates every planned resource of the reference file as the plan's locator does", async () => {
    const file = join(ROOT, "examples/reference.yaml");
    const found = await agree(readFileSync(file, "utf8"), file);
    assert.ok(found > 30, `${found} located`);
  });

  it("locates hosts and machines of a larger file on their own lines", async () => {
    const text = referenceEstateWith(50);
    const found = await agree(text, "estate.yaml");
    assert.ok(found > 300, `${found} located`);
    const { plan, source } = await sandboxFromTopology(text, "estate.yaml", undefined, { locateLater: true });
    const lines = text.split("\n");
    const machine = plan.steps.find((s) => /\/machines\/srv-042$/i.test(s.id))!.id;
    const at = source.locate!(machine);
    assert.ok(at, "the machine is located");
    assert.match(lines[at.line - 1], /name: srv-042, location: eastus/);
  });
});
