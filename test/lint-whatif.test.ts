// what-if: a change applied to a copy of the world in memory; the verdicts that change, with
// before/after traces — in-process on a topology file, through `arclink what-if`, and through the
// server's lint and whatif evaluators (which must not change the world).
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { sandboxFromTopology, LINT_SUBSCRIPTION } from "../src/analysis/lint/sources.js";
import { whatIf } from "../src/analysis/whatIf.js";
import { arm } from "./helpers/arm.js";
import { ARCLINK, ROOT, startServer, TestServer } from "./helpers/server.js";

const REF = join(ROOT, "examples/reference.yaml");
const RGP = (sub: string) => `/subscriptions/${sub}/resourceGroups/rg-arc-private-link/providers`;
const T = { timeout: 120_000 };

describe("what-if", () => {
  it("in-process: pointing srv-lnx-01 at a public resolver breaks its Arc endpoints, nothing else", async () => {
    const { sandbox } = await sandboxFromTopology(readFileSync(REF, "utf8"), REF);
    const id = `${RGP(LINT_SUBSCRIPTION)}/ArcLink.Lab/hosts/srv-lnx-01`;
    const cur = sandbox.world.get(id)!.body;
    const r = await whatIf(
      sandbox.world,
      {
        kind: "put",
        id,
        body: { location: "global", properties: { ...cur.properties, dnsServers: ["8.8.8.8"] } },
      },
      { now: new Date(), propagationDelayMs: 900_000 },
    );
    assert.equal(r.hosts.changed, 1);
    const arc = r.changes.filter((c) => c.host === "srv-lnx-01");
    assert.equal(arc.length, 4);
    for (const c of arc) {
      assert.equal(c.before!.verdict, "private");
      assert.equal(c.after!.verdict, "refused");
      assert.ok(c.before!.trace.length && c.after!.trace.length);
    }
    assert.ok(
      r.findings.added.some(
        (f) => f.ruleId === "arc-dns-public" && f.machines.some((m) => m.name === "srv-lnx-01"),
      ),
    );
    // Given the current model, only the changed host is evaluated again: same verdict changes.
    const tags = (await import("../src/network/serviceTags.js")).ServiceTags.default();
    const model = (await import("../src/network/model.js")).compileModel(sandbox.world, tags);
    const fast = await whatIf(
      sandbox.world,
      {
        kind: "put",
        id,
        body: { location: "global", properties: { ...cur.properties, dnsServers: ["8.8.8.8"] } },
      },
      { now: new Date(), propagationDelayMs: 900_000, tags, beforeModel: model, findings: false },
    );
    assert.equal(fast.evaluated, "hosts");
    assert.equal(r.evaluated, "full");
    assert.deepEqual(
      fast.changes.map((c) => [
        c.host,
        c.endpoint,
        c.before?.verdict,
        c.after?.verdict,
        c.after?.reason,
        c.after?.address,
      ]),
      r.changes.map((c) => [
        c.host,
        c.endpoint,
        c.before?.verdict,
        c.after?.verdict,
        c.after?.reason,
        c.after?.address,
      ]),
    );
    // The base world is untouched.
    assert.deepEqual(sandbox.world.get(id)!.body.properties.dnsServers, cur.properties.dnsServers);
  });

  it("in-process: a change the providers refuse is reported as refused", async () => {
    const { sandbox } = await sandboxFromTopology(readFileSync(REF, "utf8"), REF);
    await assert.rejects(
      whatIf(
        sandbox.world,
        {
          kind: "put",
          id: `${RGP(LINT_SUBSCRIPTION)}/ArcLink.Lab/hosts/bad`,
          body: { location: "global", properties: {} },
        },
        { now: new Date(), propagationDelayMs: 1 },
      ),
      (e: any) => /properties/.test(e.message),
    );
  });

  it("arclink what-if --topology OLD --topology-diff NEW: removing the firewall's ARM rule", () => {
    const dir = mkdtempSync(join(tmpdir(), "whatif-"));
    const next = join(dir, "new.yaml");
    writeFileSync(
      next,
      readFileSync(REF, "utf8").replace(/      - name: AllowArmOutbound\n(        .*\n){5}/, ""),
    );
    const r = spawnSync(
      process.execPath,
      [ARCLINK, "what-if", "--topology", REF, "--topology-diff", next, "--json"],
      { encoding: "utf8", timeout: 60_000 },
    );
    assert.equal(r.status, 2, r.stderr);
    const doc = JSON.parse(r.stdout);
    const arm = doc.changes.filter((c: any) => c.endpoint === "management.azure.com");
    assert.deepEqual(arm.map((c: any) => c.host).sort(), ["srv-lnx-01", "srv-lnx-02", "srv-win-01"]);
    assert.ok(
      arm.every(
        (c: any) =>
          c.before.verdict === "public" && c.after.verdict === "refused" && c.after.reason === "Blocked",
      ),
    );
    assert.ok(doc.findings.added.some((f: any) => f.ruleId === "entra-arm-blocked"));
    const text = spawnSync(
      process.execPath,
      [ARCLINK, "what-if", "--topology", REF, "--topology-diff", REF],
      { encoding: "utf8" },
    );
    assert.equal(text.status, 0, text.stderr);
    assert.match(text.stdout, /0 of 3 host\(s\) change/);
  });
});

describe("lint and what-if against the server", () => {
  let srv: TestServer;
  before(async () => {
    srv = await startServer({ args: ["--topology", REF] });
  });
  after(async () => {
    await srv?.stop();
  });

  it(
    "POST .../ArcLink.Lab/lint: findings and every host's verdicts; the command renders them",
    T,
    async () => {
      const sub = srv.info.subscriptionId;
      const r = await arm(
        srv.info,
        "POST",
        `/subscriptions/${sub}/providers/ArcLink.Lab/lint?api-version=2025-01-01`,
        {},
      );
      assert.equal(r.status, 200, r.text);
      assert.equal(r.json.hosts.length, 3);
      assert.ok(
        r.json.findings.some(
          (f: any) => f.ruleId === "arc-dns-public" && f.machines[0].name === "srv-lnx-02",
        ),
      );
      const s = await arm(
        srv.info,
        "POST",
        `/subscriptions/${sub}/providers/ArcLink.Lab/lint?api-version=2025-01-01`,
        { format: "sarif" },
      );
      assert.equal(s.json.version, "2.1.0");
      const bad = await arm(
        srv.info,
        "POST",
        `/subscriptions/${sub}/providers/ArcLink.Lab/lint?api-version=2025-01-01`,
        { format: "xml" },
      );
      assert.equal(bad.status, 400);
      const c = spawnSync(process.execPath, [ARCLINK, "lint", "--ready-file", srv.readyFile], {
        encoding: "utf8",
        timeout: 60_000,
      });
      assert.equal(c.status, 2, c.stderr);
      assert.match(c.stdout, /arc-dns-public/);
      assert.match(c.stdout, /srv-lnx-01 \[srv-lnx-01 → pls-arc\]: gbl\.his\.arc private/);
    },
  );

  it(
    "POST .../ArcLink.Lab/whatif: a DELETE of the zone link, evaluated on a copy; nothing stored",
    T,
    async () => {
      const sub = srv.info.subscriptionId;
      const link = `${RGP(sub)}/Microsoft.Network/privateDnsZones/privatelink.his.arc.azure.com/virtualNetworkLinks/vnet-hub-link`;
      const r = await arm(
        srv.info,
        "POST",
        `/subscriptions/${sub}/providers/ArcLink.Lab/whatif?api-version=2025-01-01`,
        { delete: { id: link } },
      );
      assert.equal(r.status, 200, r.text);
      const gbl = r.json.changes
        .filter((c: any) => c.endpoint === "gbl.his.arc.azure.com")
        .map((c: any) => c.host)
        .sort();
      assert.deepEqual(gbl, ["srv-lnx-01", "srv-win-01"]);
      assert.ok(r.json.changes.every((c: any) => c.after.verdict === "refused"));
      const still = await arm(srv.info, "GET", `${link}?api-version=2024-06-01`);
      assert.equal(still.status, 200, "the what-if deleted the real link");
      const cli = spawnSync(
        process.execPath,
        [ARCLINK, "what-if", "--ready-file", srv.readyFile, "--delete", link],
        { encoding: "utf8", timeout: 60_000 },
      );
      assert.equal(cli.status, 2, cli.stderr);
      assert.match(
        cli.stdout,
        /srv-lnx-01 \[srv-lnx-01\] gbl\.his\.arc\.azure\.com: private 10\.10\.1\.4 → refused/,
      );
      const refused = await arm(
        srv.info,
        "POST",
        `/subscriptions/${sub}/providers/ArcLink.Lab/whatif?api-version=2025-01-01`,
        { put: { id: `${RGP(sub)}/ArcLink.Lab/hosts/x`, body: { properties: {} } } },
      );
      assert.equal(refused.status, 400, refused.text);
      assert.equal(refused.json.error.code, "ChangeRefused");
      const none = await arm(srv.info, "GET", `${RGP(sub)}/ArcLink.Lab/hosts/x?api-version=2025-01-01`);
      assert.equal(none.status, 404);
    },
  );
});
