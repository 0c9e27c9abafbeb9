// Lint of an export of a real environment: `az resource list --expand properties` written by hand
// (test/fixtures/export/az-resource-list.json) plus on-premises facts (onprem.yaml), end to end —
// in-process and through the arclink command.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { sandboxFromExport, importExport } from "../src/analysis/export/index.js";
import { lint } from "../src/analysis/lint/lint.js";
import { ARCLINK, ROOT } from "./helpers/server.js";

const EXPORT = join(ROOT, "test/fixtures/export/az-resource-list.json");
const ONPREM = join(ROOT, "test/fixtures/export/onprem.yaml");

describe("lint --export", () => {
  it("expands inline children as ArcLink stores them", () => {
    const rs = importExport(readFileSync(EXPORT, "utf8"), EXPORT);
    const types = rs.map((r) => r.type);
    assert.equal(types.filter((t) => t === "Microsoft.Network/virtualNetworks/subnets").length, 2);
    assert.equal(
      types.filter((t) => t === "Microsoft.Network/networkSecurityGroups/securityRules").length,
      1,
    );
    assert.equal(
      types.filter((t) => t === "Microsoft.HybridCompute/privateLinkScopes/privateEndpointConnections")
        .length,
      1,
    );
    assert.ok(types.includes("Microsoft.Resources/resourceGroups"));
  });

  it("lints the export with its on-premises facts: every machine explained, the planted problems found", async () => {
    const { sandbox, source } = await sandboxFromExport(readFileSync(EXPORT, "utf8"), EXPORT, {
      text: readFileSync(ONPREM, "utf8"),
      file: ONPREM,
    });
    const r = lint({ view: sandbox.world, now: new Date(), propagationDelayMs: 900_000, source });
    const by = (id: string) => r.findings.filter((f) => f.ruleId === id);
    assert.deepEqual(
      r.hosts.map((h) => h.host),
      ["srv-app-01", "srv-app-02", "srv-db-01", "srv-legacy", "srv-test-01"],
    );
    const app1 = r.hosts.find((h) => h.host === "srv-app-01")!;
    assert.deepEqual(
      app1.endpoints.slice(0, 4).map((e) => [e.verdict, e.address]),
      [
        ["private", "10.20.1.4"],
        ["private", "10.20.1.5"],
        ["private", "10.20.1.6"],
        ["private", "10.20.1.7"],
      ],
    );
    assert.equal(app1.scope, "pls-arc-prod");
    assert.deepEqual(
      by("agent-too-old")[0].machines.map((m) => m.name),
      ["srv-app-02"],
    );
    assert.deepEqual(
      by("machine-not-associated")[0].machines.map((m) => m.name),
      ["srv-legacy"],
    );
    assert.match(by("stale-address")[0].message, /10\.20\.1\.40.*10\.20\.1\.4\b/);
    assert.match(by("extension-service-no-private-endpoint")[0].message, /Azure Monitor/);
    assert.equal(by("entra-arm-blocked").length, 0);
    assert.equal(by("arc-dns-public").length, 0);
    assert.equal(r.summary.errors, 4);
  });

  it("through the command: exit 1 (findings), JSON, SARIF and the fix plan", () => {
    const run = (...args: string[]) =>
      spawnSync(process.execPath, [ARCLINK, "lint", "--export", EXPORT, "--onprem", ONPREM, ...args], {
        encoding: "utf8",
        timeout: 60_000,
      });
    const j = run("--format", "json");
    assert.equal(j.status, 1, j.stderr);
    const doc = JSON.parse(j.stdout);
    assert.equal(doc.source, "export");
    assert.equal(doc.hosts.length, 5);
    assert.equal(doc.hosts[0].endpoints[0].trace, undefined);
    const s = run("--format", "sarif");
    assert.equal(s.status, 1, s.stderr);
    assert.equal(JSON.parse(s.stdout).version, "2.1.0");
    const f = run("--fix-plan");
    assert.equal(f.status, 1);
    // The plan is printed with its proof, each ARM step as the call and its az rest line.
    assert.match(f.stdout, /# Proof: 3 targeted finding\(s\), 0 left; 0 new finding\(s\)/);
    // The agent upgrade is tried as the agent's next report, like every other step.
    assert.match(
      f.stdout,
      /on-premises srv-app-02: install the latest Connected Machine agent.*\n  # tried as PUT \/subscriptions\/.*\/ArcLink\.Lab\/agentReports\/srv-app-02/,
    );
    assert.match(
      f.stdout,
      /PATCH https:\/\/management\.azure\.com\/subscriptions\/.*\/machines\/srv-legacy\?api-version=/,
    );
    assert.match(
      f.stdout,
      /az rest --method patch --url 'https:\/\/management\.azure\.com\/subscriptions\/.*\/machines\/srv-legacy/,
    );
    assert.match(
      f.stdout,
      /on-premises srv-test-01: replace "10\.20\.1\.40 gbl\.his\.arc\.azure\.com" with "10\.20\.1\.4 gbl\.his\.arc\.azure\.com"/,
    );
    const bad = spawnSync(process.execPath, [ARCLINK, "lint", "--export", join(ROOT, "package.json")], {
      encoding: "utf8",
    });
    assert.equal(bad.status, 3);
    assert.match(bad.stderr, /not a list of resources/);
  });

  it("on-premises facts that declare Azure resources are refused with their line", async () => {
    await assert.rejects(
      sandboxFromExport(readFileSync(EXPORT, "utf8"), EXPORT, {
        text: "sites: []\nprivateLinkScopes: []\n",
        file: "x.yaml",
      }),
      /x\.yaml:2: privateLinkScopes: is not an on-premises section/,
    );
  });
});
