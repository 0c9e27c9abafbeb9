// lint's SARIF 2.1.0 output, checked by a structural validator of the schema's required fields
// (the schema itself cannot be downloaded here), for a world, a topology file and an export.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { lint } from "../src/analysis/lint/lint.js";
import { toSarif } from "../src/analysis/lint/format/sarif.js";
import { renderTable } from "../src/analysis/lint/format/table.js";
import { sandboxFromTopology } from "../src/analysis/lint/sources.js";
import { RULES } from "../src/analysis/lint/index.js";
import { lintWorld } from "./lint-world.js";
import { ROOT } from "./helpers/server.js";

const LEVELS = ["none", "note", "warning", "error"];

/** The SARIF 2.1.0 schema's required properties and enums that lint's output touches. */
export function validateSarif(doc: any): string[] {
  const errs: string[] = [];
  const need = (cond: boolean, what: string) => {
    if (!cond) errs.push(what);
  };
  need(doc?.version === "2.1.0", 'version must be "2.1.0"');
  need(typeof doc?.$schema === "string", "$schema should be a URI string");
  need(Array.isArray(doc?.runs), "runs must be an array");
  for (const [ri, run] of (doc?.runs ?? []).entries()) {
    const d = run?.tool?.driver;
    need(!!d && typeof d.name === "string" && d.name.length > 0, `runs[${ri}].tool.driver.name is required`);
    const ids = new Set<string>();
    for (const [i, r] of (d?.rules ?? []).entries()) {
      const at = `runs[${ri}].tool.driver.rules[${i}]`;
      need(typeof r.id === "string" && r.id.length > 0, `${at}.id is required`);
      need(!ids.has(r.id), `${at}.id ${r.id} is not unique`);
      ids.add(r.id);
      for (const k of ["shortDescription", "fullDescription", "help"])
        need(typeof r[k]?.text === "string" && r[k].text.length > 0, `${at}.${k}.text is required`);
      need(typeof r.name === "string", `${at}.name should be a string`);
      need(
        LEVELS.includes(r.defaultConfiguration?.level),
        `${at}.defaultConfiguration.level must be one of ${LEVELS}`,
      );
    }
    need(Array.isArray(run.results), `runs[${ri}].results must be an array`);
    for (const [i, res] of (run.results ?? []).entries()) {
      const at = `runs[${ri}].results[${i}]`;
      need(
        typeof res.message?.text === "string" && res.message.text.length > 0,
        `${at}.message.text is required`,
      );
      need(
        typeof res.ruleId === "string" && ids.has(res.ruleId),
        `${at}.ruleId ${res.ruleId} is not in tool.driver.rules`,
      );
      if (res.ruleIndex !== undefined)
        need(d.rules[res.ruleIndex]?.id === res.ruleId, `${at}.ruleIndex does not point at its rule`);
      need(LEVELS.includes(res.level), `${at}.level must be one of ${LEVELS}`);
      need(
        Array.isArray(res.locations) && res.locations.length > 0,
        `${at}.locations must be a non-empty array`,
      );
      for (const [li, loc] of (res.locations ?? []).entries()) {
        for (const [k, ll] of (loc.logicalLocations ?? []).entries())
          need(
            typeof ll.fullyQualifiedName === "string" && ll.fullyQualifiedName.startsWith("/"),
            `${at}.locations[${li}].logicalLocations[${k}].fullyQualifiedName must be an ARM id`,
          );
        if (loc.physicalLocation) {
          need(
            typeof loc.physicalLocation.artifactLocation?.uri === "string",
            `${at}.locations[${li}].physicalLocation.artifactLocation.uri is required`,
          );
          const line = loc.physicalLocation.region?.startLine;
          need(
            Number.isInteger(line) && line >= 1,
            `${at}.locations[${li}].physicalLocation.region.startLine must be an integer >= 1`,
          );
        }
      }
    }
  }
  return errs;
}

describe("lint SARIF", () => {
  it("the validator catches what it should", () => {
    assert.ok(validateSarif({ version: "2.0.0", runs: [] }).length > 0);
    assert.ok(
      validateSarif({
        version: "2.1.0",
        $schema: "x",
        runs: [
          {
            tool: { driver: { name: "x", rules: [] } },
            results: [{ ruleId: "nope", level: "error", message: { text: "m" }, locations: [{}] }],
          },
        ],
      }).some((e) => /not in tool\.driver\.rules/.test(e)),
    );
  });

  it("a world with findings: every rule listed, every result valid", () => {
    const w = lintWorld({
      secondScope: true,
      hosts: [{ machine: { agentVersion: "1.2" } }, { dns: ["8.8.8.8"] }],
      firewall: { arm: false },
    });
    const r = lint({ view: w, now: new Date(), propagationDelayMs: 900_000 });
    assert.ok(r.findings.length >= 3);
    const s = toSarif(r);
    assert.deepEqual(validateSarif(s), []);
    assert.equal(s.runs[0].tool.driver.rules.length, RULES.length);
    assert.equal(s.runs[0].results.length, r.findings.length);
    assert.ok(s.runs[0].results.every((x: any) => x.locations[0].logicalLocations.length > 0));
  });

  it("a topology file: physical locations with the file and the declaring line", async () => {
    const file = join(ROOT, "examples/two-scopes-one-vnet.yaml");
    const text = readFileSync(file, "utf8");
    const { sandbox, source } = await sandboxFromTopology(text, file);
    const r = lint({ view: sandbox.world, now: new Date(), propagationDelayMs: 900_000, source });
    const s = toSarif(r, source.locate, { root: ROOT });
    assert.deepEqual(validateSarif(s), []);
    const res = s.runs[0].results.find((x: any) => x.ruleId === "two-scopes-one-vnet");
    const pl = res.locations[0].physicalLocation;
    // Relative to the root, as GitHub code scanning needs (the Multitool check is in lint-native).
    assert.deepEqual(pl.artifactLocation, { uri: "examples/two-scopes-one-vnet.yaml", uriBaseId: "SRCROOT" });
    assert.match(text.split("\n")[pl.region.startLine - 1], /name: vnet-shared/);
    const table = renderTable(r, { color: false }, (id) => {
      const l = source.locate?.(id);
      return l ? `${l.file}:${l.line}` : id;
    });
    assert.match(table, /two-scopes-one-vnet\.yaml:\d+/);
    assert.doesNotMatch(table, /\x1b\[/);
    assert.match(renderTable(r, { color: true }), /\x1b\[31mERROR/);
  });
});
