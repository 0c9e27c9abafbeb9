// The agent's pure parts: flags, tags, --config files, local config validation, the hosts file,
// proxy bypass, the show and check renderers, the private-link messages and the exit codes.
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { checkFailures } from "../src/agent/commands/check.js";
import { privateLinkMessage, validateConnectFlags } from "../src/agent/commands/connect.js";
import { connect } from "../src/agent/commands/connect.js";
import { renderShow, selectFields, showFields, showJson } from "../src/agent/commands/show.js";
import {
  clearValue,
  getValue,
  parseValue,
  readConfig,
  renderList,
  setValue,
  writeConfig,
} from "../src/agent/config.js";
import { goNetworkDetail, interpret, DialError, RefusalError } from "../src/agent/dial.js";
import { requiredEndpoints, regionCode } from "../src/agent/endpoints.js";
import { AgentError, AZCM, azcmByCode, exitCodeOf, exitLines } from "../src/agent/errors.js";
import { applyConfigFile, COMMON_FLAGS, parseFlags, parseTags } from "../src/agent/flags.js";
import { lookupHosts, parseHosts } from "../src/agent/hostsFile.js";
import { formatLine } from "../src/agent/log.js";
import { main } from "../src/agent/main.js";
import { renderCheckTable, type ProbeResult } from "../src/agent/probe.js";
import { bypassedBy, proxyFor } from "../src/agent/proxy.js";
import { follow, isPrivateAddress } from "../src/agent/resolver.js";
import { agentStatus, readState, writeState } from "../src/agent/state.js";
import { agentVersion } from "../src/agent/version.js";

const SPECS = [...connect.flags, ...COMMON_FLAGS];
const parse = (argv: string[]) => parseFlags(argv, SPECS, "usage");
const SUB = "00000000-0000-0000-0000-0000000000aa";
const TENANT = "00000000-0000-0000-0000-0000000000bb";
const APP = "00000000-0000-0000-0000-0000000000cc";
const SCOPE = `/subscriptions/${SUB}/resourceGroups/rg/providers/Microsoft.HybridCompute/privateLinkScopes/pls`;
const BASE = ["-s", SUB, "-g", "rg", "-l", "eastus", "-t", TENANT, "-i", APP, "-p", "secret"];

function thrown(f: () => unknown): AgentError {
  try {
    f();
  } catch (e) {
    assert.ok(e instanceof AgentError, `expected an AgentError, got ${String(e)}`);
    return e;
  }
  assert.fail("expected a throw");
}

describe("agent flags", () => {
  it("reads long, short, = and combined forms as pflag does", () => {
    const p = parse(["--subscription-id", SUB, "-g=rg", "-leastus", "--tenant-id=" + TENANT, "-jv", "extra"]);
    assert.equal(p.values.get("subscription-id"), SUB);
    assert.equal(p.values.get("resource-group"), "rg");
    assert.equal(p.values.get("location"), "eastus");
    assert.equal(p.values.get("tenant-id"), TENANT);
    assert.equal(p.values.get("json"), true);
    assert.equal(p.values.get("verbose"), true);
    assert.deepEqual(p.args, ["extra"]);
    assert.deepEqual(parse(["--", "--json"]).args, ["--json"]);
    assert.equal(parse(["--json=false"]).values.get("json"), false);
  });

  it("rejects unknown flags and missing values with pflag's words (AZCM0023)", () => {
    const cases: [string[], string][] = [
      [["--foo"], "unknown flag: --foo"],
      [["-x"], "unknown shorthand flag: 'x' in -x"],
      [["--location"], "flag needs an argument: --location"],
      [["-l"], "flag needs an argument: 'l' in -l"],
      [["--json=maybe"], 'invalid argument "maybe" for "--json" flag'],
    ];
    for (const [argv, msg] of cases) {
      const e = thrown(() => parse(argv));
      assert.equal(e.azcm, AZCM.InvalidArgument);
      assert.ok(e.message.includes(msg), `${argv.join(" ")}: ${e.message}`);
      assert.equal(e.opts.usage, "usage");
    }
  });

  it("parses tags with quotes, commas inside quotes and spaces", () => {
    assert.deepEqual(parseTags("Datacenter=DC1,City='New York',Note=\"a, b\", Empty="), {
      Datacenter: "DC1",
      City: "New York",
      Note: "a, b",
      Empty: "",
    });
    for (const bad of ["novalue", "=x", "a='open", "a=1,A=2", "a<b=1"]) {
      assert.equal(thrown(() => parseTags(bad)).azcm, AZCM.InvalidArgument, bad);
    }
  });

  it("merges a --config file (JSON or YAML) under the command line", () => {
    const p = parse(["-g", "from-cli"]);
    applyConfigFile(
      p,
      SPECS,
      `resource-group: from-file\nlocation: westeurope\nignore-network-check: true\ntags:\n  City: New York\n`,
      "c.yaml",
    );
    assert.equal(p.values.get("resource-group"), "from-cli");
    assert.equal(p.values.get("location"), "westeurope");
    assert.equal(p.values.get("ignore-network-check"), true);
    assert.deepEqual(parseTags(p.values.get("tags") as string), { City: "New York" });
    const p2 = parse([]);
    applyConfigFile(p2, SPECS, JSON.stringify({ "service-principal-secret": "s3" }), "c.json");
    assert.equal(p2.values.get("service-principal-secret"), "s3");
    assert.equal(
      thrown(() => applyConfigFile(parse([]), SPECS, `{"bogus": 1}`, "c.json")).azcm,
      AZCM.InvalidArgument,
    );
    assert.equal(
      thrown(() => applyConfigFile(parse([]), SPECS, `{not json`, "c.json")).azcm,
      AZCM.ConfigFile,
    );
  });
});

describe("agent connect flag validation", () => {
  it("accepts a complete service principal connect", () => {
    const r = validateConnectFlags(
      parse([...BASE, "--tags", "a=1", "--private-link-scope", SCOPE, "-l", "East US"]),
    );
    assert.equal(r.location, "eastus");
    assert.equal(r.privateLinkScope, SCOPE);
    assert.deepEqual(r.tags, { a: "1" });
    assert.equal(r.auth.kind, "sp");
    assert.match(r.correlationId, /^[0-9a-f-]{36}$/);
  });

  it("maps each problem to its AZCM code", () => {
    const without = (flag: string) => {
      const i = BASE.indexOf(flag);
      return [...BASE.slice(0, i), ...BASE.slice(i + 2)];
    };
    const cases: [string[], typeof AZCM.Network, string][] = [
      [without("-g"), AZCM.MissingParameter, "--resource-group"],
      [without("-s"), AZCM.MissingParameter, "--subscription-id"],
      [without("-l"), AZCM.MissingParameter, "--location"],
      [without("-t"), AZCM.MissingParameter, "--tenant-id"],
      [without("-p"), AZCM.MissingParameter, "--service-principal-secret"],
      [["-s", SUB, "-g", "rg", "-l", "eastus"], AZCM.MissingParameter, "--access-token"],
      [[...BASE, "-l", "atlantis"], AZCM.UnknownRegion, "atlantis"],
      [[...BASE, "--cloud", "AzureChinaCloud"], AZCM.InvalidArgument, "AzureCloud only"],
      [[...without("-l"), "--cloud", "AzureCloud"], AZCM.MissingParameter, "--cloud needs --location"],
      [[...BASE, "--correlation-id", "nope"], AZCM.InvalidArgument, "--correlation-id"],
      [
        [...BASE, "--private-link-scope", "/subscriptions/x/pls"],
        AZCM.InvalidArgument,
        "--private-link-scope",
      ],
      [[...BASE, "--resource-name", "bad name!"], AZCM.InvalidArgument, "--resource-name"],
      [[...BASE, "--tags", "broken"], AZCM.InvalidArgument, "--tags"],
      [[...BASE, "--access-token", "x"], AZCM.InvalidArgument, "not both"],
      [[...BASE, "--use-device-code"], AZCM.NotSupported, "--use-device-code"],
    ];
    for (const [argv, code, text] of cases) {
      const e = thrown(() => validateConnectFlags(parse(argv)));
      assert.equal(e.azcm.code, code.code, `${argv.join(" ")}: ${e.message}`);
      assert.ok(e.message.includes(text), `${argv.join(" ")}: ${e.message}`);
    }
  });

  it("stops with the two private link messages exactly as the real agent words them", () => {
    assert.equal(
      privateLinkMessage(false, ["10.10.1.4"], ["10.10.1.6"]),
      "Private Link Scope resource ID must be provided as endpoint gbl.his.arc.azure.com is configured private",
    );
    assert.equal(
      privateLinkMessage(false, ["20.49.100.1"], ["172.16.5.9"]),
      "No indication of Private Link Scope but found private endpoint agentserviceapi.guestconfiguration.azure.com: 172.16.5.9",
    );
    assert.equal(privateLinkMessage(false, ["20.49.100.1"], ["20.49.100.2"]), undefined);
    assert.equal(privateLinkMessage(true, ["10.10.1.4"], ["10.10.1.6"]), undefined);
    assert.equal(privateLinkMessage(false, [], undefined), undefined);
  });
});

describe("agent local config", () => {
  it("validates keys and values", () => {
    assert.equal(thrown(() => setValue({}, "nope", "1")).azcm, AZCM.InvalidArgument);
    assert.ok(thrown(() => setValue({}, "nope", "1")).message.includes("proxy.bypass"));
    for (const bad of ["https://p:3128", "http://p", "p:3128", "http://u:pw@p:3128", "http://p:3128/x"]) {
      assert.equal(thrown(() => setValue({}, "proxy.url", bad)).azcm, AZCM.InvalidArgument, bad);
    }
    assert.equal(
      getValue(setValue({}, "proxy.url", "http://proxy.contoso.com:3128"), "proxy.url"),
      "http://proxy.contoso.com:3128",
    );
    assert.equal(thrown(() => setValue({}, "proxy.bypass", "Arc,Storage")).azcm, AZCM.InvalidArgument);
    assert.deepEqual(parseValue("proxy.bypass", "arc, aad,ARC"), ["Arc", "AAD"]);
    assert.equal(thrown(() => setValue({}, "incomingconnections.ports", "70000")).azcm, AZCM.InvalidArgument);
    assert.equal(thrown(() => setValue({}, "extensions.enabled", "yes")).azcm, AZCM.InvalidArgument);
    assert.equal(thrown(() => setValue({}, "config.mode", "partial")).azcm, AZCM.InvalidArgument);
    assert.equal(thrown(() => setValue({}, "proxy.url", "http://p:1", "add")).azcm, AZCM.InvalidArgument);
  });

  it("adds, removes, clears list items and locks lists in monitor mode", () => {
    let c = setValue({}, "proxy.bypass", "Arc");
    c = setValue(c, "proxy.bypass", "ARM", "add");
    c = setValue(c, "proxy.bypass", "arc", "add");
    assert.deepEqual(getValue(c, "proxy.bypass"), ["Arc", "ARM"]);
    c = setValue(c, "proxy.bypass", "Arc", "remove");
    assert.deepEqual(getValue(c, "proxy.bypass"), ["ARM"]);
    c = clearValue(c, "proxy.bypass");
    assert.deepEqual(c, {});
    const m = setValue({}, "config.mode", "monitor");
    assert.equal(getValue(m, "guestconfiguration.enabled"), false);
    assert.equal(thrown(() => setValue(m, "extensions.allowlist", "A/B", "add")).azcm, AZCM.ConfigConflict);
    assert.deepEqual(setValue(m, "config.mode", "full"), {});
    assert.ok(renderList(c)[0] === "Local Configuration Settings");
  });

  it("reads config.json, refusing a broken file with AZCM0070 and writing atomically", () => {
    const home = mkdtempSync(join(tmpdir(), "azcm-unit-"));
    try {
      assert.deepEqual(readConfig(home), {});
      writeConfig(home, setValue({}, "proxy.url", "http://10.0.0.9:3128"));
      assert.equal(getValue(readConfig(home), "proxy.url"), "http://10.0.0.9:3128");
      writeFileSync(join(home, "config.json"), "{not json");
      assert.equal(thrown(() => readConfig(home)).azcm, AZCM.LocalConfigRead);
      writeFileSync(join(home, "config.json"), JSON.stringify({ "proxy.url": "ftp://x:1" }));
      assert.equal(thrown(() => readConfig(home)).azcm, AZCM.LocalConfigRead);
      writeState(home, { resourceId: "/x", lastHeartbeat: "2025-01-01T00:00:00Z" });
      assert.equal(readState(home).resourceId, "/x");
      assert.doesNotThrow(() => JSON.parse(readFileSync(join(home, "state.json"), "utf8")));
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  });
});

describe("agent name resolution pieces", () => {
  it("reads hosts files (Linux and Windows spelling), case-insensitively, first line wins", () => {
    const lines = parseHosts(
      "# Copyright (c) 1993-2009 Microsoft Corp.\r\n" +
        "127.0.0.1 localhost\r\n" +
        "10.10.1.4\tGBL.his.arc.azure.com eus.his.arc.azure.com  # private endpoint\r\n" +
        "10.10.1.99 gbl.his.arc.azure.com\r\n" +
        "not-an-ip bogus.example\r\n",
    );
    assert.deepEqual(lookupHosts(lines, "gbl.HIS.arc.azure.com."), ["10.10.1.4"]);
    assert.deepEqual(lookupHosts(lines, "eus.his.arc.azure.com"), ["10.10.1.4"]);
    assert.equal(lookupHosts(lines, "bogus.example"), undefined);
    assert.equal(lookupHosts(lines, "agentserviceapi.guestconfiguration.azure.com"), undefined);
  });

  it("follows CNAME chains inside one answer and tells private addresses", () => {
    const f = follow("gbl.his.arc.azure.com", [
      { name: "gbl.his.arc.azure.com", type: "CNAME", data: "gbl.privatelink.his.arc.azure.com" },
      { name: "gbl.privatelink.his.arc.azure.com", type: "A", data: "10.10.1.4" },
    ]);
    assert.deepEqual(f, {
      chain: ["gbl.his.arc.azure.com", "gbl.privatelink.his.arc.azure.com"],
      addresses: ["10.10.1.4"],
    });
    assert.ok(
      isPrivateAddress("10.1.2.3") && isPrivateAddress("172.31.0.1") && isPrivateAddress("192.168.0.1"),
    );
    assert.ok(
      !isPrivateAddress("172.32.0.1") && !isPrivateAddress("20.49.1.1") && !isPrivateAddress("100.64.0.1"),
    );
  });

  it("chooses the proxy per proxy.url and proxy.bypass", () => {
    const cfg = { proxyUrl: "http://192.168.1.20:3128", bypass: ["Arc"] };
    assert.equal(proxyFor("gbl.his.arc.azure.com", cfg), undefined);
    assert.equal(proxyFor("eastus-gas.guestconfiguration.azure.com", cfg), undefined);
    assert.equal(proxyFor("login.microsoftonline.com", cfg)?.port, 3128);
    assert.equal(proxyFor("management.azure.com", cfg)?.host, "192.168.1.20");
    assert.equal(proxyFor("management.azure.com", { bypass: [] }), undefined);
    assert.equal(
      proxyFor("management.azure.com", { bypass: [] }, "http://10.0.0.7:8080")?.source,
      "HTTPS_PROXY",
    );
    assert.equal(
      proxyFor("management.azure.com", { proxyUrl: "http://p:1", bypass: [] }, "http://q:2")?.host,
      "p",
    );
    assert.equal(bypassedBy("pas.windows.net", ["AAD"]), "AAD");
    assert.equal(bypassedBy("login.microsoftonline.com", ["Arc"]), undefined);
    assert.equal(bypassedBy("management.azure.com", ["AMA"]), "AMA");
    assert.equal(bypassedBy("x.eastus.arcdataservices.com", ["ArcData"]), "ArcData");
    assert.equal(bypassedBy("his.arc.azure.com.evil.com", ["Arc"]), undefined);
  });

  it("lists the endpoints check prints, with the regional codes", () => {
    assert.equal(regionCode("westeurope"), "weu");
    assert.equal(regionCode("westus2"), "wus2");
    assert.equal(regionCode("mars"), "mars");
    assert.deepEqual(
      requiredEndpoints("eastus").map((e) => e.url),
      [
        "https://agentserviceapi.guestconfiguration.azure.com",
        "https://gbl.his.arc.azure.com",
        "https://eus.his.arc.azure.com",
        "https://login.microsoftonline.com",
        "https://login.windows.net",
        "https://management.azure.com",
        "https://pas.windows.net",
        "https://eastus-gas.guestconfiguration.azure.com",
      ],
    );
  });
});

describe("agent gateway answers", () => {
  const ctx = {
    method: "POST",
    url: "https://login.microsoftonline.com/t/oauth2/v2.0/token",
    dialled: "20.190.1.1:443",
  };
  const res = (status: number, headers: Record<string, string>, body: object = {}) => ({
    status,
    headers,
    text: JSON.stringify(body),
  });

  it("renders network failures as Go's dial errors", () => {
    const e = interpret(
      res(502, { "x-arclink-network": "NoRoute" }, { error: { code: "NoRoute", message: "no route" } }),
      ctx,
    );
    assert.ok(e instanceof DialError);
    assert.equal(
      e.message,
      'Post "https://login.microsoftonline.com/t/oauth2/v2.0/token": dial tcp 20.190.1.1:443: connect: network is unreachable',
    );
    assert.equal(e.extra.gatewayMessage, "no route");
    assert.equal(goNetworkDetail("Timeout", "10.0.0.5:443"), "dial tcp 10.0.0.5:443: i/o timeout");
    assert.equal(goNetworkDetail("Blocked", "10.0.0.5:443"), "dial tcp 10.0.0.5:443: i/o timeout");
    assert.equal(
      goNetworkDetail("Blocked", "x", "192.168.1.20:3128"),
      "proxyconnect tcp: dial tcp 192.168.1.20:3128: i/o timeout",
    );
    assert.equal(
      goNetworkDetail("ProxyFailed", "x", "192.168.1.20:3128", "firewall fw denies Tcp 1.2.3.4:443"),
      "Forbidden",
    );
    assert.equal(
      goNetworkDetail("ProxyFailed", "x", "192.168.1.20:3128", "proxy p cannot resolve x"),
      "Service Unavailable",
    );
    assert.equal(
      goNetworkDetail("NotListening", "10.0.0.5:443"),
      "dial tcp 10.0.0.5:443: connect: connection refused",
    );
  });

  it("renders refusals with their code and relays everything else", () => {
    const e = interpret(
      res(
        403,
        { "x-arclink-refusal": "MachineNotAssociatedWithScope" },
        { error: { message: "not associated" } },
      ),
      ctx,
    );
    assert.ok(e instanceof RefusalError);
    assert.equal(e.code, "MachineNotAssociatedWithScope");
    assert.equal(e.message, "not associated");
    assert.equal(interpret(res(403, {}, { error: { code: "AuthorizationFailed" } }), ctx), undefined);
    assert.equal(interpret(res(502, {}), ctx), undefined);
    assert.equal(interpret(res(200, { "x-arclink-path": "private" }), ctx), undefined);
  });
});

describe("agent output", () => {
  const NOW = new Date("2025-03-01T12:00:00Z");
  const connected = {
    resourceId: `/subscriptions/${SUB}/resourceGroups/rg/providers/Microsoft.HybridCompute/machines/server1`,
    resourceName: "server1",
    resourceGroup: "rg",
    subscriptionId: SUB,
    tenantId: TENANT,
    location: "eastus",
    cloud: "AzureCloud",
    privateLinkScopeId: SCOPE,
    lastHeartbeat: "2025-03-01T11:50:00Z",
  };

  it("computes Agent Status from the last heartbeat", () => {
    assert.equal(agentStatus(connected, NOW), "Connected");
    assert.equal(agentStatus({ ...connected, lastHeartbeat: "2025-03-01T11:44:59Z" }, NOW), "Disconnected");
    assert.equal(agentStatus({ ...connected, lastHeartbeat: "2025-01-01T00:00:00Z" }, NOW), "Expired");
    assert.equal(agentStatus({}, NOW), "Disconnected");
  });

  it("prints show's fields in the agent's order, without the scope id", () => {
    const fields = showFields({
      state: connected,
      config: { "proxy.bypass": ["Arc"] },
      now: NOW,
      agentVersion: "1.45.02983.1834",
      home: "/h",
    });
    const lines = renderShow(fields);
    const names = lines.map((l) => l.split(":")[0].trim());
    assert.deepEqual(names.slice(0, 19), [
      "Resource Name",
      "Resource Group Name",
      "Resource Namespace",
      "Resource Id",
      "Subscription ID",
      "Tenant ID",
      "VM ID",
      "Correlation ID",
      "VM UUID",
      "Location",
      "Cloud",
      "Identity Key Store",
      "Agent Version",
      "Agent Logfile",
      "Agent Status",
      "Agent Last Heartbeat",
      "Agent Error Code",
      "Agent Error Details",
      "Agent Error Timestamp",
    ]);
    assert.ok(lines.includes(`${"Agent Status".padEnd(40)}: Connected`));
    assert.ok(lines.includes(`${"Proxy Bypass List".padEnd(40)}: Arc`));
    assert.ok(!lines.some((l) => l.includes("privateLinkScopes")), "show must not print the scope id");
    const picked = selectFields(fields, ["Agent Status", "lastheartbeat"]);
    assert.deepEqual(showJson(picked), { status: "Connected", lastHeartbeat: "2025-03-01T11:50:00Z" });
    assert.equal(thrown(() => selectFields(fields, ["Private Link Scope"])).azcm, AZCM.InvalidArgument);
  });

  it("prints check's table and failures", () => {
    const row = (endpoint: string, over: Partial<ProbeResult>): ProbeResult => ({
      endpoint,
      host: endpoint.slice(8),
      arc: true,
      reachable: true,
      private: true,
      addresses: ["10.10.1.4"],
      tls: "TLS 1.2",
      proxy: false,
      ...over,
    });
    const rows = [
      row("https://gbl.his.arc.azure.com", {}),
      row("https://eus.his.arc.azure.com", { private: false, addresses: ["20.49.1.1"] }),
      row("https://management.azure.com", {
        arc: false,
        private: false,
        reachable: false,
        tls: "unknown",
        proxy: true,
        error: "x: i/o timeout",
      }),
    ];
    const t = renderCheckTable(rows);
    assert.match(t[0], /^ENDPOINT\s+\| REACHABLE \| PRIVATE \| TLS\s+\| PROXY$/);
    assert.match(t[2], /^https:\/\/gbl\.his\.arc\.azure\.com\s+\| true\s+\| true\s+\| TLS 1\.2 \| not set$/);
    assert.match(t[4], /^https:\/\/management\.azure\.com\s+\| false\s+\| false\s+\| unknown \| set$/);
    assert.deepEqual(checkFailures(rows, false), [
      "Failed to reach https://management.azure.com: x: i/o timeout",
    ]);
    const pls = checkFailures(rows, true);
    assert.equal(pls.length, 2);
    assert.ok(pls[0].includes("https://eus.his.arc.azure.com resolves to public address 20.49.1.1"));
  });

  it("maps codes to exit codes and prints the agent's last lines", () => {
    assert.equal(exitCodeOf(new AgentError(AZCM.Network, "x")), 26);
    assert.equal(exitCodeOf(new Error("bug")), 2);
    assert.equal(azcmByCode("AZCM0067"), AZCM.AlreadyConnected);
    assert.equal(azcmByCode(43)?.code, "AZCM0043");
    assert.deepEqual(exitLines(AZCM.Network), [
      "Exit Code:  AZCM0026: Network Error",
      "For troubleshooting, see https://aka.ms/arc/azcmerror",
    ]);
    assert.equal(
      formatLine(new Date("2025-01-02T03:04:05.678Z"), "info", 'say "hi"', { "VM Id": "v" }),
      'time="2025-01-02T03:04:05Z" level=info msg="say \\"hi\\"" "VM Id"="v"',
    );
  });

  it("reads its version from AZCMAGENT_VERSION", () => {
    assert.deepEqual(agentVersion({}), { short: "1.45", full: "1.45.02983.1834", major: 1, minor: 45 });
    assert.equal(agentVersion({ AZCMAGENT_VERSION: "1.3" }).short, "1.3");
    assert.equal(agentVersion({ AZCMAGENT_VERSION: "1.60.02900.1" }).full, "1.60.02900.1");
  });
});

describe("agent command line (in process)", () => {
  async function run(argv: string[], env: Record<string, string> = {}) {
    const out: string[] = [];
    const err: string[] = [];
    const code = await main(argv, env, { out: (t) => out.push(t), err: (t) => err.push(t) });
    return { code, out: out.join("\n"), err: err.join("\n") };
  }

  it("answers unknown commands and flags with exit 23 and cobra's words, touching nothing", async () => {
    const home = mkdtempSync(join(tmpdir(), "azcm-cli-"));
    try {
      const env = { AZCMAGENT_HOME: home };
      let r = await run(["bogus"], env);
      assert.equal(r.code, 23);
      assert.match(r.err, /^Error: unknown command "bogus" for "azcmagent"/);
      assert.ok(r.err.includes("Exit Code:  AZCM0023: Invalid Argument"));
      r = await run(["config", "set", "proxy.url", "http://p:1", "--bogus"], env);
      assert.equal(r.code, 23);
      assert.match(r.err, /Error: unknown flag: --bogus/);
      assert.throws(() => readFileSync(join(home, "config.json")), /ENOENT/);
      r = await run(["config", "get"], env);
      assert.equal(r.code, 23);
      assert.match(r.err, /accepts 1 arg\(s\), received 0/);
      r = await run(["connect", "-g", "rg"], env);
      assert.equal(r.code, 16);
      assert.ok(r.out.includes("Exit Code:  AZCM0016: Missing Mandatory Parameter"), r.out);
      assert.ok(r.out.includes("For troubleshooting, see https://aka.ms/arc/azcmerror"));
      r = await run(["show"], env);
      assert.equal(r.code, 1);
      assert.ok(
        r.out.includes("ARCLINK_HOST_CREDENTIAL") &&
          r.out.includes("arclink host credential --host NAME --out FILE"),
        r.out,
      );
      r = await run(["version"], { ...env, AZCMAGENT_VERSION: "1.3" });
      assert.equal(r.out, "azcmagent version 1.3.02983.1834");
      r = await run(["--help"], env);
      assert.equal(r.code, 0);
      assert.ok(r.out.includes("__heartbeat") && r.out.includes("Internal"));
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  });
});
