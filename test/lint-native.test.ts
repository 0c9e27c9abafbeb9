// An estate read from the files its operators already have (test/fixtures/native/): a Resource
// Graph export plus `az network private-dns record-set list` pages for the Azure side; a BIND
// server (named.conf, an include, a zone file) and a Windows DNS Server (Get-DnsServerZone /
// Get-DnsServerForwarder / Get-DnsServerResourceRecord JSON) on-premises, hosts files, and two
// servers' azcmagent show/check JSON. Lint explains every machine from them, reports where the
// agents' evidence disagrees with its own verdict, and its SARIF passes Microsoft's SARIF
// Multitool with GitHub's ingestion rules on.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { accessSync, chmodSync, constants, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { sandboxFromFiles } from "../src/analysis/export/index.js";
import { findingKey } from "../src/analysis/lint/findingKey.js";
import { fingerprintOf, toSarif } from "../src/analysis/lint/format/sarif.js";
import { lint } from "../src/analysis/lint/lint.js";
import { RULE_POLICIES } from "../src/analysis/lint/governance.js";
import { arclink, ROOT } from "./helpers/server.js";
import { lintWorld } from "./lint-world.js";

const N = "test/fixtures/native";
const EXPORTS = ["graph.json", "records-his.json", "records-guestconfig.json", "records-k8s.json"].map(
  (f) => `${N}/${f}`,
);
const ONPREM = `${N}/onprem.yaml`;
const MULTITOOL = join(ROOT, "node_modules/@microsoft/sarif-multitool-linux/Sarif.Multitool");
const GH_CONFIG = join(ROOT, "test/fixtures/sarif/github-ingestion.config.xml");
const tmp = mkdtempSync(join(tmpdir(), "arclink-sarif-"));
after(() => rmSync(tmp, { recursive: true, force: true }));

async function lintNative(onpremText?: string) {
  const r = await sandboxFromFiles({
    exports: EXPORTS.map((file) => ({ file, text: readFileSync(join(ROOT, file), "utf8") })),
    onprem: { file: join(ROOT, ONPREM), text: onpremText ?? readFileSync(join(ROOT, ONPREM), "utf8") },
  });
  const report = lint({
    view: r.sandbox.world,
    now: new Date(),
    propagationDelayMs: 900_000,
    source: r.source,
  });
  return { ...r, report };
}

/** Runs the Multitool's validate with GitHub's ingestion rules; resolves with what it reported. */
function validate(file: string): Promise<{ code: number; problems: string[]; stdout: string }> {
  try {
    accessSync(MULTITOOL, constants.X_OK);
  } catch {
    chmodSync(MULTITOOL, 0o755);
  }
  const out = `${file}.validation.sarif`;
  return new Promise((resolve) => {
    execFile(
      MULTITOOL,
      [
        "validate",
        file,
        "--rule-kind",
        "Sarif;Gh",
        "--config",
        GH_CONFIG,
        "-o",
        out,
        "--log",
        "ForceOverwrite",
      ],
      { timeout: 180_000, env: { ...process.env, DOTNET_CLI_TELEMETRY_OPTOUT: "1" } },
      (err, stdout) => {
        const log = JSON.parse(readFileSync(out, "utf8"));
        const run = log.runs[0];
        const problems = [
          ...(run.results ?? [])
            .filter((r: any) => r.level === "error" || r.level === "warning")
            .map((r: any) => `${r.ruleId}: ${r.message?.text ?? JSON.stringify(r.message)}`),
          ...(run.invocations?.[0]?.toolExecutionNotifications ?? []).map(
            (n: any) => `tool: ${n.message.text.split("\n")[0]}`,
          ),
        ];
        resolve({ code: err ? Number(err.code ?? 1) : 0, problems, stdout });
      },
    );
  });
}

describe("an estate read from native files", () => {
  it("BIND and Windows DNS from their own files: every machine's path, the planted problems found", async () => {
    const { report, source } = await lintNative();
    const host = (n: string) => report.hosts.find((h) => h.host === n)!;
    const row = (n: string, ep: string) => host(n).endpoints.find((e) => e.endpoint === ep)!;
    // srv-app-01 asks ns1 (BIND): his.arc.azure.com is forwarded to the resolver's inbound endpoint.
    assert.equal(row("srv-app-01", "gbl.his.arc.azure.com").verdict, "private");
    assert.equal(row("srv-app-01", "gbl.his.arc.azure.com").address, "10.20.1.4");
    // srv-db-01 asks dc01 (Windows): the Forwarder zone his.arc.azure.com → 10.20.2.4.
    assert.equal(row("srv-db-01", "eus.his.arc.azure.com").verdict, "private");
    assert.equal(row("srv-db-01", "eus.his.arc.azure.com").address, "10.20.1.5");
    const by = (id: string) => report.findings.filter((f) => f.ruleId === id);
    // dc01's hand-made privatelink.guestconfiguration.azure.com zone lacks eastus-gas.
    const missing = by("missing-regional-records");
    assert.equal(missing.length, 1);
    assert.match(missing[0].message, /dc01 .* privatelink\.guestconfiguration\.azure\.com .* eastus-gas/);
    const at = source.locate!(missing[0].resources[0])!;
    assert.equal(at.file, join(ROOT, N, "windows-dns/zones.json"), "the server is located in its own file");
    assert.match(readFileSync(at.file, "utf8").split("\n")[at.line - 1], /^\s*\{\s*$/);
    // srv-test-01's Windows hosts file (CRLF, comments, several names on a line): the stale gbl.
    assert.match(by("stale-address")[0].message, /10\.20\.1\.40.*10\.20\.1\.4\b/);
    assert.deepEqual(
      by("machine-not-associated")[0].machines.map((m) => m.name),
      ["srv-legacy"],
    );
  });

  it("agent evidence that disagrees with the model is reported as a finding", async () => {
    const { report } = await lintNative();
    const ev = report.findings.filter((f) => f.ruleId === "agent-evidence-disagrees");
    // srv-app-01's agent saw gbl resolve publicly where the model (ns1's forward zone) says private.
    const gbl = ev.find((f) => f.host === "srv-app-01" && f.endpoint === "gbl.his.arc.azure.com")!;
    assert.ok(gbl, JSON.stringify(ev.map((f) => f.message)));
    assert.match(
      gbl.message,
      /resolved it to a public address; ArcLink's model says it goes private.*srv-app-01\.check\.json:2/,
    );
    assert.match(gbl.resources[0], /machines\/srv-app-01$/);
    // The rows where the agent and the model agree give no finding (public services' addresses vary).
    assert.deepEqual(
      ev.filter((f) => f.host === "srv-app-01").map((f) => f.endpoint),
      ["gbl.his.arc.azure.com"],
    );
    // srv-app-02: ARM says agent 1.2, the agent says 1.46: reported, and the agent's version is used.
    const ver = ev.find((f) => f.host === "srv-app-02")!;
    assert.match(ver.message, /reports agent 1\.2\.01234\.567, the agent itself .* says 1\.46\.02880\.1000/);
    assert.equal(report.findings.filter((f) => f.ruleId === "agent-too-old").length, 0);
    // Without the evidence, ARM's stale version stands and the machine is reported too old.
    const without = await lintNative(
      readFileSync(join(ROOT, ONPREM), "utf8").replace(/^\s*agent(Show|Check): .*\n/gm, ""),
    );
    assert.deepEqual(
      without.report.findings
        .filter((f) => f.ruleId === "agent-too-old")
        .flatMap((f) => f.machines.map((m) => m.name)),
      ["srv-app-02"],
    );
    assert.equal(without.report.findings.filter((f) => f.ruleId === "agent-evidence-disagrees").length, 0);
  });

  it("an Unbound server in BIND's place, read from unbound.conf", async () => {
    const conf = join(tmp, "unbound.conf");
    writeFileSync(
      conf,
      'server:\n    interface: 0.0.0.0\n    local-data: "srv-app-01.corp.contoso.com. A 10.50.1.11"\n\nforward-zone:\n    name: "his.arc.azure.com."\n    forward-addr: 10.20.2.4\n\nforward-zone:\n    name: "."\n    forward-addr: 8.8.8.8\n',
    );
    const { report } = await lintNative(
      readFileSync(join(ROOT, ONPREM), "utf8").replace("bind: bind/named.conf", `unbound: ${conf}`),
    );
    const app = report.hosts.find((h) => h.host === "srv-app-01")!;
    const row = (ep: string) => app.endpoints.find((e) => e.endpoint === ep)!;
    assert.deepEqual(
      [row("gbl.his.arc.azure.com").verdict, row("gbl.his.arc.azure.com").address],
      ["private", "10.20.1.4"],
    );
    // guestconfiguration.azure.com is not forwarded here: it goes to 8.8.8.8 and resolves publicly.
    assert.notEqual(row("agentserviceapi.guestconfiguration.azure.com").address, "10.20.1.6");
  });

  it("an agent that reports Disconnected where the model says every Arc endpoint is open", async () => {
    const show = join(tmp, "srv-db-01.show.json");
    writeFileSync(
      show,
      JSON.stringify(
        {
          resourceName: "srv-db-01",
          agentVersion: "1.45.02800.1000",
          status: "Disconnected",
          agentErrorCode: "AZCM0026",
        },
        null,
        2,
      ),
    );
    const yaml = readFileSync(join(ROOT, ONPREM), "utf8").replace(
      "{ name: srv-db-01, site: hq, ipAddress: 10.50.1.21, os: Windows, dnsServers: [dc01] }",
      `{ name: srv-db-01, site: hq, ipAddress: 10.50.1.21, os: Windows, dnsServers: [dc01], agentShow: ${show} }`,
    );
    const { report } = await lintNative(yaml);
    const f = report.findings.filter(
      (x) => x.ruleId === "agent-evidence-disagrees" && x.host === "srv-db-01",
    );
    assert.equal(f.length, 1, JSON.stringify(f.map((x) => x.message)));
    assert.match(
      f[0].message,
      /reports status Disconnected \(AZCM0026\).*model says it reaches every Arc endpoint/,
    );
  });

  it("a malformed hosts file is refused with its own file and line", async () => {
    const hosts = join(tmp, "bad.hosts");
    writeFileSync(hosts, "127.0.0.1 localhost\r\n# pinned by hand\r\ngbl.his.arc.azure.com 10.20.1.4\r\n");
    const yaml = readFileSync(join(ROOT, ONPREM), "utf8").replace(
      "hostsFilePath: hosts/srv-test-01.hosts",
      `hostsFilePath: ${hosts}`,
    );
    await assert.rejects(lintNative(yaml), (e: Error) => {
      assert.match(e.message, /bad\.hosts:3: 'gbl\.his\.arc\.azure\.com' is not an IPv4 or IPv6 address/);
      return true;
    });
  });

  it("a problem in a server's file stops lint with the file and line (exit 3)", async () => {
    const conf = join(tmp, "named.conf");
    writeFileSync(
      conf,
      'options {\n  forwarders { 8.8.8.8; };\n};\nzone "his.arc.azure.com" {\n  type forward;\n  forwarders { 10.20.2.4; };\n};\nsortlist { 10/8; };\n',
    );
    const yaml = join(tmp, "onprem.yaml");
    writeFileSync(
      yaml,
      readFileSync(join(ROOT, ONPREM), "utf8")
        .replace("bind: bind/named.conf", `bind: ${conf}`)
        .replace(/^\s*(hostsFilePath|agentShow|agentCheck): .*\n/gm, "")
        .replace(/windowsDns:[\s\S]*?records-guestconfig\.json\n/, "forwarders: [8.8.8.8]\n"),
    );
    const r = await arclink(["lint", "--export", EXPORTS.join(","), "--onprem", yaml], { cwd: ROOT });
    assert.equal(r.code, 3, r.stderr);
    assert.match(r.stderr, /named\.conf:8: 'sortlist' is not a named\.conf statement ArcLink knows/);
  });
});

describe("servers' own hosts files", () => {
  it("entries for the servers' own names do not split check() evaluations; an Arc entry does (with its line)", () => {
    const own = (n: string) => `127.0.0.1 localhost\n127.0.1.1 ${n}.corp.contoso.com ${n}\n`;
    const w = lintWorld({
      hosts: [
        { hostsFile: own("srv1") },
        { hostsFile: own("srv2") },
        { hostsFile: own("srv3") + "10.10.1.4 gbl.his.arc.azure.com\n" },
        { hostsFile: "10.10.1.4 gbl.his.arc.azure.com\n" + own("srv4") },
      ],
    });
    const r = lint({ view: w, now: new Date(), propagationDelayMs: 900_000 });
    const by = new Map(r.hosts.map((h: any) => [h.host, h]));
    const names = [...by.keys()].sort();
    assert.equal(names.length, 4);
    const [a, b, c, d] = names.map((n) => by.get(n));
    assert.equal(a.endpoints, b.endpoints, "same evaluation for hosts files that differ in their own names");
    assert.notEqual(a.endpoints, c.endpoints);
    assert.notEqual(
      c.endpoints,
      d.endpoints,
      "the Arc entry on another line is another input (traces name the line)",
    );
    assert.equal(c.endpoints[0].verdict, "private");
  });
});

describe("SARIF that GitHub code scanning accepts", () => {
  it("from --export: a file location and fingerprint on every result; the Multitool with GitHub's rules finds nothing", async () => {
    const r = await arclink(
      ["lint", "--export", EXPORTS.join(","), "--onprem", ONPREM, "--format", "sarif"],
      { cwd: ROOT },
    );
    assert.equal(r.code, 1, r.stderr);
    assert.match(
      r.stderr,
      /^note: test\/fixtures\/native\/bind\/named\.conf:\d+: zone "50\.10\.in-addr\.arpa"/m,
    );
    const doc = JSON.parse(r.stdout);
    const run = doc.runs[0];
    assert.ok(run.results.length >= 6);
    for (const res of run.results) {
      const pl = res.locations[0].physicalLocation;
      assert.equal(pl.artifactLocation.uriBaseId, "SRCROOT");
      assert.match(
        pl.artifactLocation.uri,
        /^test\/fixtures\/native\//,
        "relative to the directory lint ran in",
      );
      assert.ok(pl.region.startLine >= 1);
      assert.match(res.partialFingerprints["arclinkFindingKey/v2"], /^[0-9a-f]{32}$/);
    }
    const files = new Set(run.results.map((x: any) => x.locations[0].physicalLocation.artifactLocation.uri));
    for (const f of [
      "test/fixtures/native/graph.json",
      "test/fixtures/native/onprem.yaml",
      "test/fixtures/native/windows-dns/zones.json",
    ])
      assert.ok(files.has(f), `${f} in ${[...files].join(", ")}`);
    // Governance: the rules that match an Azure Policy built-in name it.
    const rule = run.tool.driver.rules.find((x: any) => x.id === "machine-not-associated");
    assert.deepEqual(
      rule.properties.azurePolicy.map((p: any) => p.displayName),
      ["Azure Arc-enabled servers should be configured with an Azure Arc Private Link Scope"],
    );
    assert.match(rule.help.text, /efa3f296-ff2b-4f38-bc0d-5ef12c965b68/);
    const file = join(tmp, "export.sarif");
    writeFileSync(file, r.stdout);
    const v = await validate(file);
    assert.deepEqual(v.problems, []);
    assert.equal(v.code, 0, v.stdout);
  });

  it("from --topology: relative paths; validated too", async () => {
    const r = await arclink(
      ["lint", "--topology", "examples/two-scopes-one-vnet.yaml", "--format", "sarif"],
      { cwd: ROOT },
    );
    assert.equal(r.code, 1, r.stderr);
    const doc = JSON.parse(r.stdout);
    assert.doesNotMatch(
      r.stdout,
      new RegExp(ROOT.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")),
      "no absolute path of this machine",
    );
    const res = doc.runs[0].results.find((x: any) => x.ruleId === "two-scopes-one-vnet");
    assert.deepEqual(res.locations[0].physicalLocation.artifactLocation, {
      uri: "examples/two-scopes-one-vnet.yaml",
      uriBaseId: "SRCROOT",
    });
    const file = join(tmp, "topology.sarif");
    writeFileSync(file, r.stdout);
    const v = await validate(file);
    assert.deepEqual(v.problems, []);
  });

  it("the validator does reject a result without a file location (as code scanning would)", async () => {
    const { report, source } = await lintNative();
    const doc = toSarif(report, source.locate, { root: ROOT });
    delete doc.runs[0].results[0].locations[0].physicalLocation;
    const file = join(tmp, "no-location.sarif");
    writeFileSync(file, JSON.stringify(doc));
    const v = await validate(file);
    assert.ok(v.problems.length > 0 || v.code !== 0, "the Multitool must refuse it");
  });

  it("fingerprints come from the finding's key (rule, primary resource, endpoint), never its message", async () => {
    const { report } = await lintNative();
    const f = report.findings.find((x) => x.ruleId === "agent-evidence-disagrees")!;
    // A finding made again with other words, another casing, another endpoint or rule.
    const again = (g: typeof f) => ({ ...g, key: findingKey(g) });
    assert.equal(f.key, findingKey(f), "the key is derived from the rule, resource and endpoint");
    assert.equal(fingerprintOf(again({ ...f, message: "other words", fix: "other fix" })), fingerprintOf(f));
    assert.equal(fingerprintOf(again({ ...f, resources: [f.resources[0].toUpperCase()] })), fingerprintOf(f));
    assert.notEqual(fingerprintOf(again({ ...f, endpoint: "eus.his.arc.azure.com" })), fingerprintOf(f));
    assert.notEqual(fingerprintOf(again({ ...f, ruleId: "stale-address" })), fingerprintOf(f));
    const prints = report.findings.map(fingerprintOf);
    assert.equal(new Set(prints).size, prints.length, "distinct findings, distinct fingerprints");
  });

  it("every policy named is one of the Azure Arc built-ins, with its definition id", () => {
    const all = Object.values(RULE_POLICIES).flat();
    assert.ok(all.length >= 5);
    for (const p of all)
      assert.match(
        p.definitionId,
        /^\/providers\/Microsoft\.Authorization\/policyDefinitions\/[0-9a-f-]{36}$/,
      );
    assert.deepEqual([...new Set(all.map((p) => p.displayName))].sort(), [
      "Azure Arc Private Link Scopes should be configured with a private endpoint",
      "Azure Arc Private Link Scopes should disable public network access",
      "Azure Arc-enabled servers should be configured with an Azure Arc Private Link Scope",
      "Configure Azure Arc Private Link Scopes to disable public network access",
      "Configure Azure Arc Private Link Scopes to use private DNS zones",
    ]);
  });
});
