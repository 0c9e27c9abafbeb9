// azcmagent as a separate process acting as simulated hosts of the reference topology
// (examples/reference.yaml): real DNS queries to the hosts' loopback listeners, HTTPS through
// the gateway. The agent is checked against what it prints, its exit codes, its state files and
// what ARM shows afterwards. Skipped (with the reason) only when the server has no gateway.
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it, type TestContext } from "node:test";
import { arm, raw, token } from "./helpers/arm.js";
import { ROOT, startServer, type TestServer } from "./helpers/server.js";

import { RG, LAB, HC, runAgent, hostEnv as agentHostEnv } from "./helpers/agent.js";
const T = { timeout: 120_000 };

let srv: TestServer;
let tmp: string;
let gatewayMissing: string | undefined;
let sub: string;
let scopeId: string;

/** A host credential file for a host, and a fresh agent home. */
const hostEnv = (host: string, extra: Record<string, string> = {}) => agentHostEnv(srv, tmp, host, extra);

function spArgs(): string[] {
  return ["-t", srv.info.tenantId, "-i", srv.info.clientId, "-p", srv.info.clientSecret];
}

function connectArgs(name: string, extra: string[] = []): string[] {
  return ["connect", "-s", sub, "-g", RG, "-l", "eastus", ...spArgs(), "-n", name, ...extra];
}

const machinePath = (name: string) =>
  `/subscriptions/${sub}/resourceGroups/${RG}/providers/Microsoft.HybridCompute/machines/${name}?${HC}`;

function skipIfNoGateway(t: TestContext): boolean {
  if (gatewayMissing) t.skip(gatewayMissing);
  return !!gatewayMissing;
}

function statePath(env: Record<string, string>): string {
  return join(env.AZCMAGENT_HOME, "state.json");
}

/** The agent's rows of `check` as {endpoint: [reachable, private, tls, proxy]}. */
function table(out: string): Record<string, string[]> {
  const rows: Record<string, string[]> = {};
  for (const line of out.split("\n")) {
    const cells = line.split("|").map((c) => c.trim());
    if (cells.length === 5 && cells[0].startsWith("https://")) rows[cells[0]] = cells.slice(1);
  }
  return rows;
}

async function firewall(): Promise<{ path: string; body: any }> {
  const path = `/subscriptions/${sub}/resourceGroups/${RG}/providers/ArcLink.Lab/firewalls/fw-onprem?${LAB}`;
  const r = await arm(srv.info, "GET", path);
  assert.equal(r.status, 200, r.text);
  return { path, body: r.json };
}

async function putRules(rules: any[]): Promise<void> {
  const fw = await firewall();
  const r = await arm(srv.info, "PUT", fw.path, {
    location: fw.body.location,
    properties: { siteId: fw.body.properties.siteId, defaultAction: fw.body.properties.defaultAction, rules },
  });
  assert.ok(r.status === 200 || r.status === 201, r.text);
}

before(async () => {
  tmp = mkdtempSync(join(tmpdir(), "azcm-e2e-"));
  srv = await startServer({ args: ["--topology", join(ROOT, "examples/reference.yaml")] });
  sub = srv.info.subscriptionId;
  scopeId = `/subscriptions/${sub}/resourceGroups/${RG}/providers/Microsoft.HybridCompute/privateLinkScopes/pls-arc`;
  const probe = await raw(srv.info, "GET", "/.gateway/host");
  if (probe.status === 404 && !/InvalidHostCredential|Authentication/i.test(probe.text)) {
    gatewayMissing = "the ArcLink gateway is not there yet (GET /.gateway/host answered 404)";
  }
});

after(async () => {
  await srv?.stop();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

describe("azcmagent against the reference topology", () => {
  it("check: every endpoint reachable from srv-lnx-01, Arc names private", T, async (t) => {
    if (skipIfNoGateway(t)) return;
    const env = await hostEnv("srv-lnx-01");
    const r = await runAgent(["check", "-l", "eastus", "--enable-pls-check"], env);
    assert.equal(r.code, 0, r.all);
    const rows = table(r.stdout);
    assert.match(r.stdout, /^ENDPOINT\s+\| REACHABLE \| PRIVATE \| TLS\s+\| PROXY$/m);
    assert.deepEqual(Object.keys(rows), [
      "https://agentserviceapi.guestconfiguration.azure.com",
      "https://gbl.his.arc.azure.com",
      "https://eus.his.arc.azure.com",
      "https://login.microsoftonline.com",
      "https://login.windows.net",
      "https://management.azure.com",
      "https://pas.windows.net",
      "https://eastus-gas.guestconfiguration.azure.com",
    ]);
    for (const [ep, [reachable, priv, tls, proxy]] of Object.entries(rows)) {
      const arc = /his\.arc|guestconfiguration/.test(ep);
      assert.equal(reachable, "true", `${ep}: ${r.all}`);
      assert.equal(priv, String(arc), ep);
      assert.equal(tls, "TLS 1.2", ep);
      assert.equal(proxy, "not set", ep);
    }
    const j = await runAgent(["check", "-l", "eastus", "--json"], env);
    assert.equal(j.code, 0, j.all);
    const doc = JSON.parse(j.stdout);
    assert.equal(doc.length, 8);
    assert.deepEqual(doc[1].addresses, ["10.10.1.4"]);
  });

  it("check -p on srv-lnx-02 (public resolver): PRIVATE false, Arc unreachable, exit 26", T, async (t) => {
    if (skipIfNoGateway(t)) return;
    const r = await runAgent(["check", "-l", "eastus", "-p"], await hostEnv("srv-lnx-02"));
    assert.equal(r.code, 26, r.all);
    const rows = table(r.stdout);
    assert.deepEqual(rows["https://gbl.his.arc.azure.com"], ["false", "false", "unknown", "not set"]);
    assert.deepEqual(rows["https://management.azure.com"], ["true", "false", "TLS 1.2", "not set"]);
    assert.match(
      r.stdout,
      /Failed to reach https:\/\/gbl\.his\.arc\.azure\.com: Get \\"https:\/\/gbl\.his\.arc\.azure\.com\/\\": dial tcp [\d.]+:443: i\/o timeout/,
    );
    assert.match(
      r.stdout,
      /https:\/\/gbl\.his\.arc\.azure\.com resolves to public address [\d.]+, but --enable-pls-check/,
    );
    assert.ok(r.stdout.includes("Exit Code:  AZCM0026: Network Error"), r.all);
  });

  it(
    "connect without --private-link-scope where DNS is private: AZCM0026 with the agent's message, nothing created",
    T,
    async (t) => {
      if (skipIfNoGateway(t)) return;
      const env = await hostEnv("srv-lnx-01");
      const before = await arm(srv.info, "GET", machinePath("srv-lnx-01"));
      const r = await runAgent(connectArgs("srv-lnx-01"), env);
      assert.equal(r.code, 26, r.all);
      assert.ok(
        r.stdout.includes(
          'level=fatal msg="Private Link Scope resource ID must be provided as endpoint gbl.his.arc.azure.com is configured private"',
        ),
        r.all,
      );
      assert.ok(r.stdout.includes("Exit Code:  AZCM0026: Network Error"));
      assert.ok(r.stdout.includes("For troubleshooting, see https://aka.ms/arc/azcmerror"));
      assert.equal(existsSync(statePath(env)), false);
      const afterGet = await arm(srv.info, "GET", machinePath("srv-lnx-01"));
      assert.equal(afterGet.json?.properties?.status, before.json?.properties?.status);
    },
  );

  it(
    "connect where only agentserviceapi resolves privately: the 'No indication of Private Link Scope' message",
    T,
    async (t) => {
      if (skipIfNoGateway(t)) return;
      const site = `/subscriptions/${sub}/resourceGroups/${RG}/providers/ArcLink.Lab/sites/onprem`;
      const put = await arm(
        srv.info,
        "PUT",
        `/subscriptions/${sub}/resourceGroups/${RG}/providers/ArcLink.Lab/hosts/srv-gc-only?${LAB}`,
        {
          location: "global",
          properties: {
            siteId: site,
            privateIPAddress: "192.168.1.40",
            osType: "Linux",
            dnsServers: ["8.8.8.8"],
            hostsFile: "127.0.0.1 localhost\n10.10.1.6 agentserviceapi.guestconfiguration.azure.com\n",
          },
        },
      );
      assert.ok(put.status === 200 || put.status === 201, put.text);
      const env = await hostEnv("srv-gc-only");
      const r = await runAgent(connectArgs("srv-gc-only"), env);
      assert.equal(r.code, 26, r.all);
      assert.ok(
        r.stdout.includes(
          'msg="No indication of Private Link Scope but found private endpoint agentserviceapi.guestconfiguration.azure.com: 10.10.1.6"',
        ),
        r.all,
      );
      assert.equal((await arm(srv.info, "GET", machinePath("srv-gc-only"))).status, 404);
    },
  );

  it("bad flags and a broken local config change nothing", T, async (t) => {
    if (skipIfNoGateway(t)) return;
    const env = await hostEnv("srv-win-01");
    const machineBefore = (await arm(srv.info, "GET", machinePath("srv-win-01"))).json;
    let r = await runAgent([...connectArgs("srv-win-01"), "--frobnicate"], env);
    assert.equal(r.code, 23, r.all);
    assert.match(r.stderr, /^Error: unknown flag: --frobnicate$/m);
    assert.ok(r.stderr.includes("Exit Code:  AZCM0023: Invalid Argument"));
    r = await runAgent(["connect", "-s", sub, "-l", "eastus", ...spArgs()], env);
    assert.equal(r.code, 16, r.all);
    r = await runAgent(["connect", "-s", sub, "-g", RG, "-l", "narnia", ...spArgs()], env);
    assert.equal(r.code, 20, r.all);
    r = await runAgent([...connectArgs("srv-win-01"), "--tags", "broken"], env);
    assert.equal(r.code, 23, r.all);
    assert.equal(existsSync(statePath(env)), false);
    writeFileSync(join(env.AZCMAGENT_HOME, "config.json"), "{ this is not json");
    r = await runAgent([...connectArgs("srv-win-01"), "--private-link-scope", scopeId], env);
    assert.equal(r.code, 70, r.all);
    assert.ok(r.stdout.includes("Exit Code:  AZCM0070"), r.all);
    assert.equal(readFileSync(join(env.AZCMAGENT_HOME, "config.json"), "utf8"), "{ this is not json");
    assert.equal(existsSync(statePath(env)), false);
    assert.deepEqual((await arm(srv.info, "GET", machinePath("srv-win-01"))).json, machineBefore);
  });

  it("an agent older than 1.4 is refused at the private endpoint, and answers as 1.3 did", T, async (t) => {
    if (skipIfNoGateway(t)) return;
    const env = await hostEnv("srv-win-01", { AZCMAGENT_VERSION: "1.3" });
    // 1.3 had no network check before connecting (1.15): the first call to HIS is refused.
    let r = await runAgent([...connectArgs("srv-win-01"), "--private-link-scope", scopeId], env);
    assert.equal(r.code, 26, r.all);
    assert.doesNotMatch(r.stdout, /Testing connectivity/);
    assert.match(
      r.stdout,
      /level=fatal msg="Regional service discovery failed: AgentVersionTooOld: agent 1\.3/,
    );
    assert.equal(existsSync(statePath(env)), false);
    // Nor had it `azcmagent check` (1.15) or `azcmagent config` (1.13): unknown commands to it.
    for (const cmd of [
      ["check", "-l", "eastus"],
      ["config", "list"],
    ]) {
      r = await runAgent(cmd, env);
      assert.equal(r.code, 23, r.all);
      assert.match(r.stderr, new RegExp(`unknown command "${cmd[0]}" for "azcmagent"`));
    }
    // 1.17 to 1.19 spelled the private endpoint check --use-private-link; 1.20 renamed it.
    const v18 = await hostEnv("srv-win-01", { AZCMAGENT_VERSION: "1.18" });
    r = await runAgent(["check", "-l", "eastus", "--enable-pls-check"], v18);
    assert.equal(r.code, 23, r.all);
    assert.match(r.stderr, /unknown flag: --enable-pls-check/);
    r = await runAgent(["check", "-l", "eastus", "--use-private-link"], v18);
    assert.equal(r.code, 0, r.all);
    assert.equal(table(r.stdout)["https://gbl.his.arc.azure.com"]?.[1], "true", r.stdout);
    r = await runAgent(["check", "-l", "eastus", "--use-private-link"], await hostEnv("srv-win-01"));
    assert.equal(r.code, 23, r.all);
    assert.match(r.stderr, /unknown flag: --use-private-link/);
  });

  it(
    "check through an on-premises proxy: without proxy.bypass Arc the proxy swallows the Arc names",
    T,
    async (t) => {
      if (skipIfNoGateway(t)) return;
      const site = `/subscriptions/${sub}/resourceGroups/${RG}/providers/ArcLink.Lab/sites/onprem`;
      const put = await arm(
        srv.info,
        "PUT",
        `/subscriptions/${sub}/resourceGroups/${RG}/providers/ArcLink.Lab/proxies/squid?${LAB}`,
        {
          location: "global",
          properties: { siteId: site, ipAddress: "192.168.1.30", port: 3128 },
        },
      );
      assert.ok(put.status === 200 || put.status === 201, put.text);
      const env = await hostEnv("srv-lnx-01");
      let c = await runAgent(["config", "set", "proxy.url", "http://192.168.1.30:3128"], env);
      assert.equal(c.code, 0, c.all);
      let r = await runAgent(["check", "-l", "eastus"], env);
      assert.equal(r.code, 26, r.all);
      let rows = table(r.stdout);
      // The proxy resolves the Arc names publicly (PRIVATE false) and its firewall forbids them.
      assert.deepEqual(rows["https://gbl.his.arc.azure.com"], ["false", "false", "unknown", "set"]);
      assert.match(
        r.stdout,
        /Failed to reach https:\/\/gbl\.his\.arc\.azure\.com: Get \\"https:\/\/gbl\.his\.arc\.azure\.com\/\\": Forbidden/,
      );
      assert.deepEqual(rows["https://login.microsoftonline.com"], ["true", "false", "TLS 1.2", "set"]);
      assert.deepEqual(rows["https://management.azure.com"], ["true", "false", "TLS 1.2", "set"]);
      c = await runAgent(["config", "set", "proxy.bypass", "Arc"], env);
      assert.equal(c.code, 0, c.all);
      r = await runAgent(["check", "-l", "eastus", "-p"], env);
      assert.equal(r.code, 0, r.all);
      rows = table(r.stdout);
      assert.deepEqual(rows["https://gbl.his.arc.azure.com"], ["true", "true", "TLS 1.2", "not set"]);
      assert.deepEqual(rows["https://eastus-gas.guestconfiguration.azure.com"], [
        "true",
        "true",
        "TLS 1.2",
        "not set",
      ]);
      assert.deepEqual(rows["https://management.azure.com"], ["true", "false", "TLS 1.2", "set"]);
      const show = await runAgent(["show", "httpsProxy", "proxyBypassList", "--json"], env);
      assert.deepEqual(JSON.parse(show.stdout), {
        httpsProxy: "http://192.168.1.30:3128",
        proxyBypassList: "Arc",
      });
    },
  );

  describe("srv-lnx-01 connects privately", () => {
    let env: Record<string, string>;

    it(
      "connects with --private-link-scope: state written, ARM shows Connected and the scope",
      T,
      async (t) => {
        if (skipIfNoGateway(t)) return;
        env = await hostEnv("srv-lnx-01");
        const r = await runAgent(
          connectArgs("srv-lnx-01", [
            "--private-link-scope",
            scopeId,
            "--tags",
            "City='New York',Datacenter=HQ",
          ]),
          env,
        );
        assert.equal(r.code, 0, r.all);
        const lines = r.stdout.trim().split("\n");
        assert.match(lines.at(-2)!, /^time="[^"]+" level=info msg="Connected machine to Azure"$/);
        assert.match(
          lines.at(-1)!,
          new RegExp(
            `msg="Machine overview page: https://portal\\.azure\\.com/#@${srv.info.tenantId}/resource/subscriptions/${sub}/resourceGroups/${RG}/providers/Microsoft\\.HybridCompute/machines/srv-lnx-01/overview"`,
          ),
        );
        const state = JSON.parse(readFileSync(statePath(env), "utf8"));
        assert.equal(state.resourceName, "srv-lnx-01");
        assert.equal(state.privateLinkScopeId.toLowerCase(), scopeId.toLowerCase());
        assert.equal(state.hisEndpoint, "https://eus.his.arc.azure.com");
        assert.ok(state.machineCredential);
        const m = await arm(srv.info, "GET", machinePath("srv-lnx-01"));
        assert.equal(m.status, 200);
        assert.equal(m.json.properties.status, "Connected");
        assert.equal(m.json.properties.privateLinkScopeResourceId.toLowerCase(), scopeId.toLowerCase());
        assert.deepEqual(m.json.tags, { City: "New York", Datacenter: "HQ" });
        assert.equal(m.json.properties.vmId, state.vmId);
      },
    );

    it(
      "show reports Connected and no scope id; connect again is AZCM0067 with the resource id",
      T,
      async (t) => {
        if (skipIfNoGateway(t) || !env) return;
        const s = await runAgent(["show"], env);
        assert.equal(s.code, 0, s.all);
        assert.match(s.stdout, /^Agent Status\s+: Connected$/m);
        assert.match(s.stdout, /^Resource Name\s+: srv-lnx-01$/m);
        assert.ok(!s.stdout.includes("privateLinkScopes"), "show must not print the scope id");
        const j = await runAgent(["show", "status", "resourceId", "--json"], env);
        assert.deepEqual(JSON.parse(j.stdout), {
          status: "Connected",
          resourceId: `/subscriptions/${sub}/resourceGroups/${RG}/providers/Microsoft.HybridCompute/machines/srv-lnx-01`,
        });
        const stateBefore = readFileSync(statePath(env), "utf8");
        const again = await runAgent(connectArgs("srv-lnx-01", ["--private-link-scope", scopeId]), env);
        assert.equal(again.code, 67, again.all);
        assert.ok(again.stdout.includes(`machines/srv-lnx-01`), again.all);
        assert.ok(again.stdout.includes("Exit Code:  AZCM0067"));
        const bad = await runAgent(["show", "--bogus"], env);
        assert.equal(bad.code, 23);
        assert.equal(readFileSync(statePath(env), "utf8"), stateBefore);
      },
    );

    it("goes Disconnected 15 minutes after the last heartbeat and back with the next one", T, async (t) => {
      if (skipIfNoGateway(t) || !env) return;
      const adv = await arm(srv.info, "POST", `/providers/ArcLink.Lab/clock/advance?${LAB}`, {
        milliseconds: 16 * 60_000,
      });
      assert.equal(adv.status, 200, adv.text);
      let s = await runAgent(["show", "Agent Status"], env);
      assert.match(s.stdout, /^Agent Status\s+: Disconnected$/m);
      const hb = await runAgent(["__heartbeat"], env);
      assert.equal(hb.code, 0, hb.all);
      assert.match(hb.stdout, /msg="Heartbeat sent" Status="Connected" Path="private"/);
      s = await runAgent(["show", "Agent Status", "Agent Last Heartbeat", "-j"], env);
      const doc = JSON.parse(s.stdout);
      assert.equal(doc.status, "Connected");
      assert.ok(Date.parse(doc.lastHeartbeat) >= Date.parse(adv.json.now) - 1000, s.stdout);
    });

    it("disconnects: the resource is deleted in ARM and the state is gone", T, async (t) => {
      if (skipIfNoGateway(t) || !env) return;
      const r = await runAgent(["disconnect", "-i", srv.info.clientId, "-p", srv.info.clientSecret], env);
      assert.equal(r.code, 0, r.all);
      assert.equal(existsSync(statePath(env)), false);
      assert.equal((await arm(srv.info, "GET", machinePath("srv-lnx-01"))).status, 404);
      const again = await runAgent(["disconnect", "-i", srv.info.clientId, "-p", srv.info.clientSecret], env);
      assert.equal(again.code, 63, again.all);
    });
  });

  it("connects with --access-token and the other flags from a --config file", T, async (t) => {
    if (skipIfNoGateway(t)) return;
    const env = await hostEnv("srv-lnx-01");
    const accessToken = await token(srv.info);
    const cfg = join(env.AZCMAGENT_HOME, "..", `connect-${Date.now()}.yaml`);
    writeFileSync(
      cfg,
      [
        `subscription-id: ${sub}`,
        `resource-group: ${RG}`,
        "location: East US",
        "resource-name: from-config",
        `private-link-scope: ${scopeId}`,
        `access-token: ${accessToken}`,
        "",
      ].join("\n"),
    );
    const r = await runAgent(["connect", "--config", cfg, "--resource-name", "srv-lnx-01"], env);
    assert.equal(r.code, 0, r.all);
    const state = JSON.parse(readFileSync(statePath(env), "utf8"));
    assert.equal(state.resourceName, "srv-lnx-01", "the command line wins over the config file");
    assert.equal(state.tenantId, srv.info.tenantId, "the tenant comes from the token");
    assert.equal(state.location, "eastus");
    const m = await arm(srv.info, "GET", machinePath("srv-lnx-01"));
    assert.equal(m.json.properties.status, "Connected");
    const missing = await runAgent(
      ["connect", "--config", join(tmp, "nope.yaml")],
      await hostEnv("srv-lnx-01"),
    );
    assert.equal(missing.code, 19, missing.all);
  });

  describe("with the on-premises firewall changed", () => {
    it(
      "public Arc allowed, scope public access disabled: registration refused, ARM resource left as created",
      T,
      async (t) => {
        if (skipIfNoGateway(t)) return;
        const fw = await firewall();
        await putRules([
          ...fw.body.properties.rules,
          {
            name: "AllowArcPublic",
            priority: 300,
            action: "Allow",
            protocol: "Tcp",
            destinationAddresses: ["AzureArcInfrastructure"],
            destinationPorts: ["443"],
          },
        ]);
        const env = await hostEnv("srv-lnx-02");
        const r = await runAgent(
          connectArgs("srv-lnx-02-new", ["--private-link-scope", scopeId, "--ignore-network-check"]),
          env,
        );
        assert.equal(r.code, 26, r.all);
        assert.match(
          r.stdout,
          /level=fatal msg="Failed to register the machine with Azure Arc at https:\/\/eus\.his\.arc\.azure\.com: PublicNetworkAccessDisabled: /,
        );
        assert.equal(existsSync(statePath(env)), false);
        const m = await arm(srv.info, "GET", machinePath("srv-lnx-02-new"));
        assert.equal(m.status, 200, "the machine resource stays, as Azure leaves it");
        assert.notEqual(m.json.properties.status, "Connected");
      },
    );

    it(
      "ARM blocked: disconnect is AZCM0043 and suggests --force-local-only, which then works",
      T,
      async (t) => {
        if (skipIfNoGateway(t)) return;
        const env = await hostEnv("srv-win-01");
        const c = await runAgent(connectArgs("srv-win-01", ["--private-link-scope", scopeId]), env);
        assert.equal(c.code, 0, c.all);
        const fw = await firewall();
        await putRules(fw.body.properties.rules.filter((x: any) => x.name !== "AllowArmOutbound"));
        const r = await runAgent(["disconnect", "-i", srv.info.clientId, "-p", srv.info.clientSecret], env);
        assert.equal(r.code, 43, r.all);
        assert.match(
          r.stdout,
          /Delete \\"https:\/\/management\.azure\.com\/subscriptions\/[^"\\]+\\": dial tcp [\d.]+:443: i\/o timeout/,
        );
        assert.ok(r.stdout.includes("--force-local-only"));
        assert.ok(existsSync(statePath(env)), "a failed disconnect keeps the state");
        const f = await runAgent(["disconnect", "--force-local-only"], env);
        assert.equal(f.code, 0, f.all);
        assert.equal(existsSync(statePath(env)), false);
        assert.equal((await arm(srv.info, "GET", machinePath("srv-win-01"))).status, 200);
      },
    );

    it("Entra ID blocked: connect fails with the dial error (AZCM0026)", T, async (t) => {
      if (skipIfNoGateway(t)) return;
      const fw = await firewall();
      await putRules(fw.body.properties.rules.filter((x: any) => x.name !== "AllowEntraIdOutbound"));
      const env = await hostEnv("srv-lnx-01");
      const r = await runAgent(
        connectArgs("srv-lnx-01", ["--private-link-scope", scopeId, "--ignore-network-check"]),
        env,
      );
      assert.equal(r.code, 26, r.all);
      assert.match(
        r.stdout,
        /Failed to acquire a token from Microsoft Entra ID: Post \\"https:\/\/login\.microsoftonline\.com\/[^/]+\/oauth2\/v2\.0\/token\\": dial tcp [\d.]+:443: i\/o timeout/,
      );
      assert.equal(existsSync(statePath(env)), false);
    });
  });
});
