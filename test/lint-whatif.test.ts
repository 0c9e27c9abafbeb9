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
import { ProposedChange, whatIf, WhatIfReport } from "../src/analysis/whatIf.js";
import { lint } from "../src/analysis/lint/lint.js";
import { World } from "../src/world/world.js";
import { benchWorld } from "../bench/lintWorld.js";
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
    // srv-lnx-02 already asks 8.8.8.8: the finding for that scope and resolver is the same one (same
    // key), now with srv-lnx-01 among its machines: changed, not new.
    const dns = r.findings.changed.find((c) => c.after.ruleId === "arc-dns-public");
    assert.ok(dns, JSON.stringify(r.findings.added.map((f) => f.key)));
    assert.ok(!dns.before.machines.some((m) => m.name === "srv-lnx-01"));
    assert.ok(dns.after.machines.some((m) => m.name === "srv-lnx-01"));
    assert.ok(!r.findings.added.some((f) => f.ruleId === "arc-dns-public"));
    assert.ok(!r.findings.resolved.some((f) => f.ruleId === "arc-dns-public"));
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
    assert.equal(r.evaluated, "hosts");
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
    assert.equal(r.status, 1, r.stderr);
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

function rng(seed: number): () => number {
  let x = seed >>> 0;
  return () => {
    x = (x * 1664525 + 1013904223) >>> 0;
    return x / 2 ** 32;
  };
}

/** A random change to one resource of `w`: a DELETE, or a PUT of its body with one property altered. */
function randomChange(w: World, r: () => number, i: number): ProposedChange {
  const pick = <T>(l: T[]): T => l[Math.floor(r() * l.length)];
  const types = [
    "ArcLink.Lab/hosts",
    "ArcLink.Lab/hosts",
    "ArcLink.Lab/firewalls",
    "ArcLink.Lab/dnsServers",
    "ArcLink.Lab/proxies",
    "Microsoft.Network/privateDnsZones/A",
    "Microsoft.Network/privateDnsZones/virtualNetworkLinks",
    "Microsoft.HybridCompute/machines",
    "Microsoft.HybridCompute/privateLinkScopes",
    "Microsoft.Network/virtualNetworks",
  ].filter((t) => w.ofType(t).length);
  const e = pick(w.ofType(pick(types)));
  const t = e.type.toLowerCase();
  if (
    r() < 0.25 &&
    t !== "microsoft.network/virtualnetworks" &&
    t !== "microsoft.hybridcompute/privatelinkscopes"
  )
    return { kind: "delete", id: e.id };
  const p = structuredClone(e.body.properties ?? {});
  if (t === "arclink.lab/hosts") {
    const k = Math.floor(r() * 4);
    if (k === 0) p.dnsServers = [pick(["8.8.8.8", "10.10.2.4", "168.63.129.16"])];
    if (k === 1) p.hostsFile = "10.10.1.4 gbl.his.arc.azure.com\n";
    if (k === 2) p.proxyUrl = "http://10.100.0.8:3128";
    if (k === 3)
      return {
        kind: "put",
        id: e.id.replace(/[^/]+$/, `new-host-${i}`),
        body: {
          location: "global",
          properties: {
            ...p,
            privateIPAddress: p.siteId
              ? `${String(
                  w.get(p.siteId)?.body.properties?.addressSpace?.addressPrefixes?.[0] ?? "10.100.0.0/16",
                )
                  .split(".")
                  .slice(0, 2)
                  .join(".")}.250.${i % 250}`
              : p.privateIPAddress,
          },
        },
      };
  }
  if (t === "arclink.lab/firewalls") {
    if (r() < 0.5) p.defaultAction = p.defaultAction === "Deny" ? "Allow" : "Deny";
    else p.rules = (p.rules ?? []).filter(() => r() < 0.6);
  }
  if (t === "arclink.lab/dnsservers") {
    if (r() < 0.5) p.conditionalForwarders = [];
    else p.forwarders = ["8.8.8.8"];
  }
  if (t === "arclink.lab/proxies") p.port = 8080;
  if (t === "microsoft.network/privatednszones/a")
    p.aRecords = [{ ipv4Address: `10.10.1.${200 + (i % 50)}` }];
  if (t === "microsoft.network/privatednszones/virtualnetworklinks") p.resolutionPolicy = "NxDomainRedirect";
  if (t === "microsoft.hybridcompute/machines") {
    if (r() < 0.5) p.agentVersion = "1.2";
    else delete p.privateLinkScopeResourceId;
  }
  if (t === "microsoft.hybridcompute/privatelinkscopes") p.publicNetworkAccess = "Enabled";
  if (t === "microsoft.network/virtualnetworks")
    p.dhcpOptions = { dnsServers: [pick(["10.10.2.4", "8.8.8.8", "10.100.0.10"])] };
  return { kind: "put", id: e.id, body: { location: e.body.location ?? "global", properties: p } };
}

const view = (r: WhatIfReport) =>
  r.changes.map((c) => [
    c.hostId.toLowerCase(),
    c.endpoint,
    c.before?.verdict,
    c.before?.reason,
    c.before?.address,
    c.after?.verdict,
    c.after?.reason,
    c.after?.address,
  ]);
const fkeys = (fs: WhatIfReport["findings"]["added"]) =>
  fs.map((f) => `${f.ruleId}|${f.severity}|${f.resources.join(",")}|${f.message}`).sort();

describe("incremental what-if", () => {
  it("equals a full re-evaluation (lint before and after) for random single changes", T, async () => {
    const now = new Date();
    const opts = { now, propagationDelayMs: 900_000 };
    const { sandbox } = await sandboxFromTopology(readFileSync(REF, "utf8"), REF);
    const bases: Array<[string, World, number]> = [
      ["reference topology", sandbox.world, 30],
      ["generated world", benchWorld(400, 8), 40],
    ];
    let compared = 0;
    let partial = 0;
    for (const [name, w, count] of bases) {
      const indexed = lint({ view: w, ...opts });
      const plain = lint({ view: w, ...opts }, { index: false });
      const r = rng(name.length);
      for (let i = 0; i < count; i++) {
        const change = randomChange(w, r, i);
        const what = `${name} #${i}: ${change.kind} ${"id" in change ? change.id.split("/providers/").pop() : ""}`;
        let inc: WhatIfReport;
        try {
          inc = await whatIf(w, change, { ...opts, before: indexed });
        } catch {
          await assert.rejects(
            whatIf(w, change, { ...opts, before: plain }),
            (x: unknown) => x instanceof Error,
            what,
          );
          continue;
        }
        const full = await whatIf(w, change, { ...opts, before: plain });
        assert.equal(inc.evaluated, "hosts", what);
        assert.equal(full.evaluated, "full", what);
        assert.deepEqual(view(inc), view(full), what);
        assert.deepEqual(inc.hosts, full.hosts, what);
        assert.deepEqual(fkeys(inc.findings.added), fkeys(full.findings.added), `${what}: findings added`);
        assert.deepEqual(
          fkeys(inc.findings.resolved),
          fkeys(full.findings.resolved),
          `${what}: findings resolved`,
        );
        compared++;
        if (inc.reevaluated! < inc.hosts.before) partial++;
      }
    }
    console.log(`compared ${compared}, ${partial} evaluated fewer hosts than all`);
    assert.ok(compared >= 40, `only ${compared} changes were accepted by the providers`);
    assert.ok(
      partial >= compared / 2,
      `only ${partial} of ${compared} what-ifs evaluated fewer hosts than all`,
    );
  });

  it("evaluates again only the changed host, or the hosts behind a changed firewall", async () => {
    const w = benchWorld(400, 8);
    const opts = { now: new Date(), propagationDelayMs: 900_000 };
    const before = lint({ view: w, ...opts });
    const h = w.ofType("ArcLink.Lab/hosts")[5];
    const one = await whatIf(
      w,
      {
        kind: "put",
        id: h.id,
        body: { location: "global", properties: { ...h.body.properties, dnsServers: ["8.8.8.8"] } },
      },
      { ...opts, before, findings: false },
    );
    assert.equal(one.reevaluated, 1);
    assert.equal(one.hosts.changed, 1);
    const fw = w.ofType("ArcLink.Lab/firewalls")[3];
    const site = fw.body.properties.siteId.toLowerCase();
    const behind = [...w.ofType("ArcLink.Lab/hosts")].filter(
      (x) => x.body.properties.siteId.toLowerCase() === site,
    ).length;
    const many = await whatIf(
      w,
      {
        kind: "put",
        id: fw.id,
        body: { location: "global", properties: { ...fw.body.properties, defaultAction: "Deny", rules: [] } },
      },
      { ...opts, before },
    );
    assert.equal(many.reevaluated, behind, "the hosts of the firewall's site, and no other");
    assert.equal(many.hosts.changed, behind);
    assert.ok(many.findings.added.length > 0);
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
      assert.equal(c.status, 1, c.stderr);
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
      assert.equal(cli.status, 1, cli.stderr);
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
