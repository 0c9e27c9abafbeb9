// A real estate diagnosed from what its operators have: a Resource Graph export of two Arc
// Private Link Scopes (East US and West Europe) whose privateEndpointConnections lists were not
// exported, plus the on-premises facts (test/fixtures/export/two-scopes-*.{json,yaml}). Facts,
// not guesses (no false Disconnected; unknowns are undetermined with the command that collects
// them); every reason, the right component; fix plans proven in the sandbox before printing.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { sandboxFromExport } from "../src/analysis/export/index.js";
import { lint, LintReport } from "../src/analysis/lint/lint.js";
import { proveFixPlan } from "../src/analysis/lint/fixPlan.js";
import { parseFindingKey } from "../src/analysis/lint/findingKey.js";
import { Sandbox } from "../src/analysis/lint/sandbox.js";
import { withCauses } from "../src/analysis/diagnose.js";
import { compileModel } from "../src/network/model.js";
import { Resolver } from "../src/network/resolve.js";
import { ServiceTags } from "../src/network/serviceTags.js";
import { ARCLINK, ROOT, startServer } from "./helpers/server.js";

const EXPORT = join(ROOT, "test/fixtures/export/two-scopes-graph.json");
const ONPREM = join(ROOT, "test/fixtures/export/two-scopes-onprem.yaml");
const DELAY = 900_000;

async function lintOf(exportText: string): Promise<{ sandbox: Sandbox; report: LintReport; now: Date }> {
  const { sandbox, source } = await sandboxFromExport(exportText, EXPORT, {
    text: readFileSync(ONPREM, "utf8"),
    file: ONPREM,
  });
  const now = sandbox.services.clock.now();
  return { sandbox, now, report: lint({ view: sandbox.world, now, propagationDelayMs: DELAY, source }) };
}

/** The export with `edit` applied to its parsed JSON. */
function edited(edit: (doc: any) => void): string {
  const doc = JSON.parse(readFileSync(EXPORT, "utf8"));
  edit(doc);
  return JSON.stringify(doc);
}

const arcRows = (r: LintReport, host: string) =>
  r.hosts
    .find((h) => h.host === host)!
    .endpoints.filter((e) => /\.(his\.arc|guestconfiguration)\.azure\.com$/.test(e.endpoint));

describe("an export whose scopes lack privateEndpointConnections", () => {
  it("reads the state from the endpoints: no false Disconnected, healthy servers private", async () => {
    const { report } = await lintOf(readFileSync(EXPORT, "utf8"));
    assert.equal(report.findings.filter((f) => f.ruleId === "endpoint-connection-not-approved").length, 0);
    for (const h of report.hosts)
      for (const e of h.endpoints)
        assert.notEqual(e.reason, "PrivateEndpointConnectionNotApproved", `${h.host} ${e.endpoint}`);
    for (const host of ["srv-app-01", "srv-weu-01"])
      assert.deepEqual(
        arcRows(report, host).map((e) => e.verdict),
        ["private", "private", "private", "private"],
        host,
      );
    // The scope-side lists are an unknown the input left: listed, with the command that collects them.
    const note = report.findings.find((f) => f.ruleId === "unknown-facts")!;
    assert.equal(note.severity, "note");
    assert.match(note.message, /pls-arc-eus's privateEndpointConnections/);
    assert.match(note.message, /pls-arc-weu's privateEndpointConnections/);
    assert.match(
      note.fix,
      /az rest --method get --url "https:\/\/management\.azure\.com\/subscriptions\/.*\/privateEndpointConnections\?api-version=/,
    );
  });

  it("no plan deletes anything: neither the findings' steps nor the proven plan", async () => {
    const { sandbox, report, now } = await lintOf(readFileSync(EXPORT, "utf8"));
    for (const f of report.findings)
      for (const s of f.fixPlan)
        assert.ok(!(s.kind === "arm" && s.method === "DELETE"), `${f.key}: ${JSON.stringify(s)}`);
    const p = await proveFixPlan(sandbox.world, report, { now, propagationDelayMs: DELAY });
    for (const s of p.steps) assert.ok(!(s.step.kind === "arm" && s.step.method === "DELETE"));
  });

  it("both sides missing: undetermined (not refused), naming the fact and the commands; nothing destructive", async () => {
    const text = edited((doc) => {
      for (const r of doc.data)
        if (r.type === "microsoft.network/privateendpoints")
          for (const c of r.properties.privateLinkServiceConnections)
            delete c.properties.privateLinkServiceConnectionState;
    });
    const { sandbox, report, now } = await lintOf(text);
    const app = arcRows(report, "srv-app-01");
    assert.ok(
      app.every((e) => e.verdict === "undetermined"),
      JSON.stringify(app.map((e) => e.verdict)),
    );
    assert.equal(app[0].reason, "ConnectionStateUnknown");
    assert.match(app[0].missing!.fact, /pe-arc-eus's connection to scope pls-arc-eus/);
    assert.ok(app[0].missing!.collect.some((c) => c.startsWith("az resource show --ids /subscriptions/")));
    assert.ok(
      app[0].missing!.collect.some((c) =>
        c.startsWith("az graph query -q \"resources | where type =~ 'microsoft.network/privateendpoints'"),
      ),
    );
    const note = report.findings.find((f) => f.ruleId === "unknown-facts")!;
    assert.match(note.message, /undetermined for .*srv-app-01/);
    assert.equal(report.findings.filter((f) => f.ruleId === "endpoint-connection-not-approved").length, 0);
    const p = await proveFixPlan(sandbox.world, report, { now, propagationDelayMs: DELAY });
    for (const s of p.steps) {
      assert.ok(!(s.step.kind === "arm" && s.step.method === "DELETE"));
      assert.ok(
        !(s.step.kind === "arm" && /privateEndpoints|privateLinkScopes/.test(s.step.id)),
        JSON.stringify(s.step),
      );
    }
  });

  it("the two sides disagree: a finding of its own, and the verdict is undetermined", async () => {
    const text = edited((doc) => {
      const scope = doc.data.find((r: any) => r.name === "pls-arc-eus");
      const pe = doc.data.find((r: any) => r.name === "pe-arc-eus");
      scope.properties.privateEndpointConnections = [
        {
          id: `${scope.id}/privateEndpointConnections/pe-arc-eus.3b1e9c54-8f7d-4a61-b0c2-6e5d4f3a2b19`,
          name: "pe-arc-eus.3b1e9c54-8f7d-4a61-b0c2-6e5d4f3a2b19",
          type: "Microsoft.HybridCompute/privateLinkScopes/privateEndpointConnections",
          properties: {
            privateEndpoint: { id: pe.id },
            privateLinkServiceConnectionState: {
              status: "Pending",
              description: "",
              actionsRequired: "None",
            },
            groupIds: ["hybridcompute"],
            provisioningState: "Succeeded",
          },
        },
      ];
    });
    const { report } = await lintOf(text);
    const d = report.findings.find((f) => f.ruleId === "endpoint-connection-not-approved")!;
    assert.equal(d.severity, "warning");
    assert.match(d.message, /reads Pending on the scope but Approved on the endpoint/);
    assert.deepEqual(d.fixPlan, []);
    assert.equal(arcRows(report, "srv-app-01")[0].verdict, "undetermined");
    assert.equal(arcRows(report, "srv-app-01")[0].reason, "ConnectionStatesDisagree");
    // The West Europe side has no list and an Approved endpoint: still private.
    assert.equal(arcRows(report, "srv-weu-01")[0].verdict, "private");
  });
});

describe("every reason, the right component", () => {
  it("a host refused for two reasons lists both", async () => {
    const { report } = await lintOf(readFileSync(EXPORT, "utf8"));
    const gbl = arcRows(report, "srv-old-ams").find((e) => e.endpoint === "gbl.his.arc.azure.com")!;
    assert.equal(gbl.verdict, "refused");
    assert.deepEqual(
      gbl.reasons!.map((r) => r.code),
      ["AgentVersionTooOld", "MachineAssociatedWithAnotherScope"],
    );
    assert.ok(gbl.reasons!.every((r) => r.fix));
    // Each reason's rule reports it: the agent's age, and the other scope's endpoint.
    const of = (rule: string) =>
      report.findings.filter((f) => f.ruleId === rule).flatMap((f) => f.machines.map((m) => m.name));
    assert.ok(of("agent-too-old").includes("srv-old-ams"));
    assert.ok(of("machine-not-associated").includes("srv-old-ams"));
  });

  it("the causes of each host, root first: the proxy, the agent and the scope, the host's own DNS", async () => {
    const { sandbox, report } = await lintOf(readFileSync(EXPORT, "utf8"));
    const model = compileModel(sandbox.world, ServiceTags.default());
    const resolver = new Resolver(model);
    const causes = (name: string) => {
      const h = [...model.hosts.values()].find((x) => x.name === name)!;
      return withCauses(
        model,
        resolver,
        h,
        report.hosts.find((x) => x.host === name)!,
      ).causes!;
    };
    const proxy = causes("srv-proxy-01");
    assert.equal(proxy[0].stage, "dns");
    assert.match(proxy[0].component, /the agent's proxy/);
    assert.match(proxy[0].fix, /azcmagent config set proxy\.bypass Arc/);
    const old = causes("srv-old-ams")
      .filter((c) => c.stage === "admission")
      .map((c) => c.code);
    assert.ok(
      old.includes("AgentVersionTooOld") && old.includes("MachineAssociatedWithAnotherScope"),
      old.join(),
    );
    assert.match(causes("srv-lnx-02")[0].component, /the host's DNS server choice \(8\.8\.8\.8\)/);
    assert.deepEqual(causes("srv-app-01"), []);
  });

  it("a proxy that resolves publicly: the proxy is blamed, not the DNS server", async () => {
    const { report } = await lintOf(readFileSync(EXPORT, "utf8"));
    const dns = report.findings.filter((f) => f.ruleId === "arc-dns-public");
    assert.ok(
      !dns.some((f) => f.machines.some((m) => m.name === "srv-proxy-01")),
      JSON.stringify(dns.map((f) => f.message)),
    );
    assert.ok(!dns.some((f) => /dc-nyc/.test(f.message)));
    const pad = report.findings.find(
      (f) => f.ruleId === "public-access-disabled" && f.machines.some((m) => m.name === "srv-proxy-01"),
    )!;
    assert.match(pad.fix, /proxy\.bypass Arc/);
    assert.doesNotMatch(pad.fix, /Fix the machines' DNS/);
    assert.ok(report.findings.some((f) => f.ruleId === "proxy-without-bypass"));
    // srv-lnx-02 asks 8.8.8.8: that is its own DNS server choice.
    assert.ok(dns.some((f) => /srv-lnx-02 asks 8\.8\.8\.8/.test(f.message)));
  });
});

describe("arclink check leads with the root cause", () => {
  it("srv-lnx-02 asks 8.8.8.8: the cause is its DNS, and every refused row has a fix (API and CLI)", async () => {
    const srv = await startServer({ args: ["--topology", join(ROOT, "examples/reference.yaml")] });
    try {
      const r = spawnSync(
        process.execPath,
        [ARCLINK, "check", "--host", "srv-lnx-02", "--ready-file", srv.readyFile, "--json"],
        { encoding: "utf8", timeout: 60_000 },
      );
      assert.equal(r.status, 1, r.stderr);
      const hc = JSON.parse(r.stdout);
      assert.equal(hc.causes[0].stage, "dns");
      assert.match(hc.causes[0].component, /the host's DNS server choice \(8\.8\.8\.8\)/);
      assert.match(hc.causes[0].fix, /point srv-lnx-02 at dc01 \(192\.168\.1\.10\)/);
      const refused = hc.endpoints.filter((e: any) => e.verdict === "refused");
      assert.ok(refused.length >= 4);
      for (const e of refused) assert.ok(e.fix, `${e.endpoint} has no fix`);
      const t = spawnSync(
        process.execPath,
        [ARCLINK, "check", "--host", "srv-lnx-02", "--ready-file", srv.readyFile],
        {
          encoding: "utf8",
          timeout: 60_000,
        },
      );
      const lines = t.stdout.split("\n");
      assert.match(lines[1], /^Root cause \(dns\): the host's DNS server choice \(8\.8\.8\.8\)/);
      // A host that works has no cause.
      const ok = spawnSync(
        process.execPath,
        [ARCLINK, "check", "--host", "srv-lnx-01", "--ready-file", srv.readyFile, "--json"],
        { encoding: "utf8", timeout: 60_000 },
      );
      assert.deepEqual(JSON.parse(ok.stdout).causes, []);
      // check --all --json: no endpoint's trace unless --trace asks (the server leaves them out).
      const all = (...extra: string[]) =>
        spawnSync(
          process.execPath,
          [ARCLINK, "check", "--all", "--json", "--ready-file", srv.readyFile, ...extra],
          { encoding: "utf8", timeout: 60_000, maxBuffer: 1 << 28 },
        );
      const plain = JSON.parse(all().stdout);
      assert.ok(plain.length >= 3);
      assert.ok(plain.every((h: any) => h.endpoints.every((e: any) => !("trace" in e))));
      const traced = JSON.parse(all("--trace").stdout);
      assert.ok(traced.every((h: any) => h.endpoints.every((e: any) => Array.isArray(e.trace))));
    } finally {
      await srv.stop();
    }
  });
});

describe("proven fix plans", () => {
  it("an unsafe step is refused (machine and scope regions differ) and the choices are listed", async () => {
    const { sandbox, report, now } = await lintOf(readFileSync(EXPORT, "utf8"));
    const p = await proveFixPlan(sandbox.world, report, { now, propagationDelayMs: DELAY });
    const region = p.refused.filter((r) => /must be in the same region/.test(r.why));
    assert.deepEqual(region.map((r) => (r.step.kind === "arm" ? r.step.id.split("/").pop() : "")).sort(), [
      "srv-batch-01",
      "srv-batch-02",
      "srv-old-ams",
    ]);
    const none = p.noSafePlan.find((n) => n.finding.startsWith("machine-not-associated|"))!;
    assert.ok(none.choices.length >= 2);
    assert.match(none.choices.join("\n"), /scope in its own region/);
    // The plan that is printed proved out.
    assert.ok(p.steps.length > 0);
    assert.deepEqual(p.proof.remaining, []);
    assert.deepEqual(p.proof.added, []);
    assert.deepEqual(p.proof.worse, []);
  });

  it("the printed plan, applied through ARM in a fresh sandbox and linted again: 0 targeted left, nothing new, no admitted machine refused", async () => {
    const { sandbox, report, now } = await lintOf(readFileSync(EXPORT, "utf8"));
    const p = await proveFixPlan(sandbox.world, report, { now, propagationDelayMs: DELAY });
    const fresh = await lintOf(readFileSync(EXPORT, "utf8"));
    for (const s of p.steps) {
      const st = s.step;
      const call = st.kind === "arm" ? { method: st.method, id: st.id, body: st.body } : st.model!;
      const r = await fresh.sandbox.call(
        call.method,
        call.id,
        fresh.sandbox.apiVersionFor(call.id),
        call.body,
      );
      assert.ok(r.status < 300, `${call.method} ${call.id}: ${r.status}`);
    }
    const later = new Date(now.getTime() + DELAY + 60_000);
    const after = lint({ view: fresh.sandbox.world, now: later, propagationDelayMs: DELAY });
    const keys = new Set(after.findings.map((f) => f.key));
    for (const k of p.targeted) assert.ok(!keys.has(k), `still there: ${k}`);
    const beforeKeys = new Set(report.findings.map((f) => f.key));
    const added = after.findings.filter((f) => f.severity !== "note" && !beforeKeys.has(f.key));
    assert.deepEqual(
      added.map((f) => f.key),
      [],
    );
    for (const h of report.hosts) {
      const was = h.endpoints.filter((e) => e.verdict === "private").map((e) => e.endpoint);
      const now2 = after.hosts.find((x) => x.hostId === h.hostId)!;
      for (const e of was)
        assert.equal(now2.endpoints.find((x) => x.endpoint === e)!.verdict, "private", `${h.host} ${e}`);
    }
  });

  it("through the command: the plan with its proof, runnable az rest lines, the refused steps and the choices", () => {
    const r = spawnSync(
      process.execPath,
      [ARCLINK, "lint", "--export", EXPORT, "--onprem", ONPREM, "--fix-plan"],
      { encoding: "utf8", timeout: 120_000 },
    );
    assert.equal(r.status, 1, r.stderr);
    assert.match(
      r.stdout,
      /# Proof: \d+ targeted finding\(s\), 0 left; 0 new finding\(s\); 0 verdict\(s\) changed from private/,
    );
    assert.match(r.stdout, /on-premises srv-proxy-01: azcmagent config set proxy\.bypass Arc/);
    assert.match(r.stdout, /because machine srv-batch-01 is in eastus and scope pls-arc-weu in westeurope/);
    assert.match(r.stdout, /# No safe plan for these findings; the choices:/);
    assert.doesNotMatch(r.stdout, /^(DELETE|az rest --method delete)/m);
  });
});

describe("what-if reads like Azure's", () => {
  it("property-level differences, findings by key, quiet unless --verbose", () => {
    const dir = mkdtempSync(join(tmpdir(), "estates-whatif-"));
    const ref = join(ROOT, "examples/reference.yaml");
    const next = join(dir, "next.yaml");
    writeFileSync(next, readFileSync(ref, "utf8").replace("dnsServers: [8.8.8.8]", "dnsServers: [dc01]"));
    const run = (...extra: string[]) =>
      spawnSync(
        process.execPath,
        [ARCLINK, "what-if", "--topology", ref, "--topology-diff", next, ...extra],
        {
          encoding: "utf8",
          timeout: 60_000,
        },
      );
    const quiet = run();
    assert.equal(quiet.status, 0, quiet.stderr);
    assert.match(quiet.stdout, /Resource changes: 0 to create, 1 to modify, 0 to delete\./);
    assert.match(
      quiet.stdout,
      /~ \/subscriptions\/.*\/ArcLink\.Lab\/hosts\/srv-lnx-02\n {6}~ properties\.dnsServers: \["8\.8\.8\.8"\] => \["192\.168\.1\.10"\]/,
    );
    assert.match(
      quiet.stdout,
      /srv-lnx-02 \[srv-lnx-02\] gbl\.his\.arc\.azure\.com: refused Blocked 20\.42\.0\.13 → private 10\.10\.1\.4/,
    );
    assert.match(quiet.stdout, /Findings: 0 added, \d+ resolved, 0 changed\./);
    assert.match(
      quiet.stdout,
      /  - error arc-dns-public\|\/subscriptions\/.*\|scope pls-arc via 8\.8\.8\.8: /,
    );
    assert.doesNotMatch(quiet.stdout, /^ +PUT /m);
    const verbose = run("--verbose");
    assert.match(verbose.stdout, /^ +PUT \/subscriptions\/.*\/hosts\/srv-lnx-02 → 200/m);
  });
});

describe("finding keys", () => {
  it("are unique in a report, split back into (rule, resource, endpoint), and never hold the message", async () => {
    const { report } = await lintOf(readFileSync(EXPORT, "utf8"));
    const keys = report.findings.map((f) => f.key);
    assert.equal(new Set(keys).size, keys.length);
    for (const f of report.findings) {
      const k = parseFindingKey(f.key);
      assert.equal(k.ruleId, f.ruleId);
      // The primary resource; for a group whose first member is only an example, what every
      // member shares (their site or VNet, or the resource group or subscription they are in).
      const first = (f.resources[0] ?? "").toLowerCase();
      if (k.resource !== first)
        assert.ok(
          /\/arclink\.lab\/sites\/[^/]+$|\/virtualnetworks\/[^/]+$/.test(k.resource) ||
            f.resources.every((r) => r.toLowerCase().startsWith(k.resource)),
          `${f.key} for ${f.resources.join(", ")}`,
        );
      assert.ok(!f.key.includes(f.message));
    }
  });
});
