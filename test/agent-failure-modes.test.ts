// The ten recurring failure modes of Arc over Private Link, each reproduced with azcmagent as a
// separate process against one `arclink serve` (test/fixtures/fm-lab.yaml: the reference rollout,
// a host with a partial hosts file, a branch site behind a TLS-inspecting firewall, a host whose
// OS offers no TLS 1.2 and one without the GCM cipher suites agents 1.56-1.63 need). Each test
// asserts the agent's own error (AZCM code, exit code, message) and, where there is a known fix,
// applies it through ARM and shows the agent succeeding. Tests run in order and each one leaves
// the world as it found it, or changes only what later tests do not use.
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { arm } from "./helpers/arm.js";
import {
  advanceClock,
  checkTable,
  connectArgs,
  getMachine,
  hostEnv,
  HC,
  LAB,
  machineId,
  patchAssociation,
  rgPath,
  lintFindings,
  runAgent,
  scopeIdOf,
  waitSucceeded,
  type AgentRun,
} from "./helpers/agent.js";
import { ROOT, startServer, type TestServer } from "./helpers/server.js";

const T = { timeout: 120_000 };
const DNS = "api-version=2024-06-01";
const TLS_CA = "Contoso TLS Inspection CA";

let srv: TestServer;
let tmp: string;
let scopeId: string;

before(async () => {
  tmp = mkdtempSync(join(tmpdir(), "azcm-fm-"));
  srv = await startServer({ args: ["--topology", join(ROOT, "test/fixtures/fm-lab.yaml")] });
  scopeId = scopeIdOf(srv, "pls-arc");
});

after(async () => {
  await srv?.stop();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

const env = (host: string) => hostEnv(srv, tmp, host);
const statePath = (e: Record<string, string>) => join(e.AZCMAGENT_HOME, "state.json");
const withScope = (name: string, extra: string[] = []) =>
  connectArgs(srv, name, "eastus", ["--private-link-scope", scopeId, ...extra]);

function failed(r: AgentRun, code: number, azcm: string): void {
  assert.equal(r.code, code, r.all);
  assert.ok(r.stdout.includes(`Exit Code:  ${azcm}`), r.all);
  assert.ok(r.stdout.includes("For troubleshooting, see https://aka.ms/arc/azcmerror"), r.all);
}

/**
 * `azcmagent check` refused by the TLS handshake with `name`: AZCM0026, Go's error in the log line,
 * and the endpoint's row (resolved privately, not reachable, TLS unknown). Returns the table.
 */
function tlsRefusedCheck(r: AgentRun, name: string, goError: string): Record<string, string[]> {
  failed(r, 26, "AZCM0026: Network Error");
  const line = `level=error msg="Failed to reach https://${name}: Get \\"https://${name}/\\": ${goError}. Failed to Tls dialing ${name}"`;
  assert.ok(r.stdout.includes(line), r.all);
  const rows = checkTable(r.stdout);
  assert.deepEqual(rows[`https://${name}`], ["false", "true", "unknown", "not set"]);
  return rows;
}

function fatal(r: AgentRun): string {
  const line = r.stdout.split("\n").find((l) => l.includes("level=fatal"));
  assert.ok(line, `no fatal line in: ${r.all}`);
  return line;
}

async function connected(r: AgentRun, e: Record<string, string>, machine: string): Promise<void> {
  assert.equal(r.code, 0, r.all);
  assert.match(r.stdout, /level=info msg="Connected machine to Azure"/);
  assert.ok(existsSync(statePath(e)));
  const m = await getMachine(srv, machine);
  assert.equal(m.status, 200, m.text);
  assert.equal(m.json.properties.status, "Connected");
}

async function showJson(e: Record<string, string>, ...props: string[]): Promise<Record<string, string>> {
  const s = await runAgent(["show", ...props, "--json"], e);
  assert.equal(s.code, 0, s.all);
  return JSON.parse(s.stdout);
}

async function ok(r: { status: number; text: string }): Promise<void> {
  assert.ok(r.status === 200 || r.status === 201, `${r.status} ${r.text}`);
}

async function firewall(name: string): Promise<{ path: string; body: any }> {
  const path = `${rgPath(srv, `ArcLink.Lab/firewalls/${name}`)}?${LAB}`;
  const r = await arm(srv.info, "GET", path);
  assert.equal(r.status, 200, r.text);
  return { path, body: r.json };
}

async function putFirewall(name: string, change: (props: any) => any): Promise<any> {
  const fw = await firewall(name);
  const { siteId, defaultAction, rules, tlsInspection } = fw.body.properties;
  const props = change(
    structuredClone({ siteId, defaultAction, rules, ...(tlsInspection ? { tlsInspection } : {}) }),
  );
  const r = await arm(srv.info, "PUT", fw.path, { location: fw.body.location, properties: props });
  await ok(r);
  return r.json;
}

const rule = (name: string, priority: number, tag: string) => ({
  name,
  priority,
  action: "Allow",
  protocol: "Tcp",
  destinationAddresses: [tag],
  destinationPorts: ["443"],
});

async function patchHost(name: string, properties: Record<string, unknown>): Promise<any> {
  const r = await arm(srv.info, "PATCH", `${rgPath(srv, `ArcLink.Lab/hosts/${name}`)}?${LAB}`, {
    properties,
  });
  assert.equal(r.status, 200, r.text);
  return r.json;
}

describe("TLS inspection and trusted CAs as lab properties", () => {
  it("the topology sets them; bad values are refused and nothing is stored", T, async () => {
    const fw = await firewall("fw-branch");
    assert.deepEqual(fw.body.properties.tlsInspection, { certificateAuthority: TLS_CA });
    const { siteId, defaultAction, rules } = fw.body.properties;
    const put = (tlsInspection: unknown) =>
      arm(srv.info, "PUT", fw.path, {
        location: fw.body.location,
        properties: { siteId, defaultAction, rules, tlsInspection },
      });
    let r = await put({ excludedFqdns: ["*.his.arc.azure.com"] });
    assert.equal(r.status, 400, r.text);
    assert.equal(r.json.error.code, "MissingRequiredProperty");
    assert.equal(r.json.error.target, "properties.tlsInspection.certificateAuthority");
    r = await put({ certificateAuthority: TLS_CA, excludedFqdns: ["not a name!"] });
    assert.equal(r.status, 400, r.text);
    assert.equal(r.json.error.code, "InvalidParameter");
    assert.match(r.json.error.message, /properties\.tlsInspection\.excludedFqdns\[0\]/);
    assert.deepEqual((await firewall("fw-branch")).body, fw.body);

    const hostPath = `${rgPath(srv, "ArcLink.Lab/hosts/srv-br-01")}?${LAB}`;
    const before = await arm(srv.info, "GET", hostPath);
    assert.equal(before.status, 200, before.text);
    for (const bad of ["Contoso TLS Inspection CA", [""], [42]]) {
      r = await arm(srv.info, "PATCH", hostPath, { properties: { trustedCertificateAuthorities: bad } });
      assert.equal(r.status, 400, r.text);
      assert.match(r.json.error.message, /trustedCertificateAuthorities/);
    }
    assert.deepEqual((await arm(srv.info, "GET", hostPath)).json, before.json);
    assert.equal(before.json.properties.trustedCertificateAuthorities, undefined);
  });
});

describe("failure modes of Arc over Private Link (fact sheet §8), with the agent's real errors", () => {
  it(
    "1. DNS private, connect without --private-link-scope: AZCM0026; with the scope it connects",
    T,
    async () => {
      const e = await env("srv-lnx-01");
      const r = await runAgent(connectArgs(srv, "srv-lnx-01", "eastus"), e);
      failed(r, 26, "AZCM0026: Network Error");
      assert.ok(
        fatal(r).includes(
          'msg="Private Link Scope resource ID must be provided as endpoint gbl.his.arc.azure.com is configured private"',
        ),
        r.all,
      );
      assert.equal(existsSync(statePath(e)), false);
      await connected(await runAgent(withScope("srv-lnx-01"), e), e, "srv-lnx-01");
    },
  );

  it(
    "2. a private answer for agentserviceapi only, no scope given: AZCM0026 'No indication of Private Link Scope'",
    T,
    async () => {
      const put = await arm(srv.info, "PUT", `${rgPath(srv, "ArcLink.Lab/hosts/srv-fm-02")}?${LAB}`, {
        location: "global",
        properties: {
          siteId: rgPath(srv, "ArcLink.Lab/sites/onprem"),
          privateIPAddress: "192.168.1.42",
          osType: "Linux",
          dnsServers: ["8.8.8.8"],
          hostsFile: "127.0.0.1 localhost\n10.10.1.6 agentserviceapi.guestconfiguration.azure.com\n",
        },
      });
      await ok(put);
      const e = await env("srv-fm-02");
      const r = await runAgent(connectArgs(srv, "srv-fm-02", "eastus"), e);
      failed(r, 26, "AZCM0026: Network Error");
      assert.ok(
        fatal(r).includes(
          'msg="No indication of Private Link Scope but found private endpoint agentserviceapi.guestconfiguration.azure.com: 10.10.1.6"',
        ),
        r.all,
      );
      assert.equal(existsSync(statePath(e)), false);
      assert.equal((await getMachine(srv, "srv-fm-02")).status, 404);
    },
  );

  it(
    "3. names resolve publicly, public access disabled: check -p PRIVATE=false, registration refused; DNS via dc01 fixes it",
    T,
    async () => {
      const e = await env("srv-lnx-02");
      const check = await runAgent(["check", "-l", "eastus", "-p"], e);
      failed(check, 26, "AZCM0026: Network Error");
      const rows = checkTable(check.stdout);
      assert.deepEqual(rows["https://gbl.his.arc.azure.com"].slice(0, 2), ["false", "false"], check.stdout);
      assert.match(
        check.stdout,
        /https:\/\/gbl\.his\.arc\.azure\.com resolves to public address [\d.]+, but --enable-pls-check expects the private endpoint's address/,
      );
      // The public path allowed by the firewall: the scope itself refuses (publicNetworkAccess Disabled).
      await putFirewall("fw-onprem", (p) => ({
        ...p,
        rules: [...p.rules, rule("AllowArcPublic", 300, "AzureArcInfrastructure")],
      }));
      const r = await runAgent(withScope("srv-lnx-02", ["--ignore-network-check"]), e);
      failed(r, 26, "AZCM0026: Network Error");
      assert.match(
        fatal(r),
        /msg="Failed to register the machine with Azure Arc at https:\/\/eus\.his\.arc\.azure\.com: PublicNetworkAccessDisabled: machine srv-lnx-02 belongs to scope pls-arc/,
      );
      assert.equal(existsSync(statePath(e)), false);
      await putFirewall("fw-onprem", (p) => ({
        ...p,
        rules: p.rules.filter((x: any) => x.name !== "AllowArcPublic"),
      }));
      // The fix: the host asks dc01, which forwards the Arc zones to the inbound endpoint.
      await patchHost("srv-lnx-02", { dnsServers: ["192.168.1.10"] });
      const e2 = await env("srv-lnx-02");
      await connected(await runAgent(withScope("srv-lnx-02"), e2), e2, "srv-lnx-02");
      const hb = await runAgent(["__heartbeat"], e2);
      assert.equal(hb.code, 0, hb.all);
      assert.match(hb.stdout, /Path="private"/);
    },
  );

  it(
    "4. NXDOMAIN: the regional record missing from a linked zone; NxDomainRedirect falls back, the record fixes it",
    T,
    async () => {
      const zone = rgPath(srv, "Microsoft.Network/privateDnsZones/privatelink.his.arc.azure.com");
      const record = await arm(srv.info, "GET", `${zone}/A/eus?${DNS}`);
      assert.equal(record.status, 200, record.text);
      const del = await arm(srv.info, "DELETE", `${zone}/A/eus?${DNS}`);
      assert.ok(del.status === 200 || del.status === 202 || del.status === 204, del.text);
      assert.equal((await arm(srv.info, "GET", `${zone}/A/eus?${DNS}`)).status, 404);

      const e = await env("srv-win-01");
      let r = await runAgent(withScope("srv-win-01"), e);
      failed(r, 26, "AZCM0026: Network Error");
      assert.match(
        r.stdout,
        /level=error msg="Failed to reach https:\/\/eus\.his\.arc\.azure\.com: Get \\"https:\/\/eus\.his\.arc\.azure\.com\/\\": dial tcp: lookup eus\.his\.arc\.azure\.com[^"]*: no such host"/,
      );
      assert.match(
        r.stdout,
        /Private Link Scope is in use but endpoint eus\.his\.arc\.azure\.com does not resolve/,
      );
      assert.match(fatal(r), /Network connectivity check failed/);
      // Past the network check, discovery (gbl) still works and registration fails on the name.
      r = await runAgent(withScope("srv-win-01", ["--ignore-network-check"]), e);
      failed(r, 26, "AZCM0026: Network Error");
      assert.match(
        fatal(r),
        /msg="Failed to register the machine with Azure Arc at https:\/\/eus\.his\.arc\.azure\.com: Post \\"https:\/\/eus\.his\.arc\.azure\.com\/machines\/register\\": dial tcp: lookup eus\.his\.arc\.azure\.com[^"]*: no such host"/,
      );
      assert.equal(existsSync(statePath(e)), false);

      // NxDomainRedirect: the zone no longer hides the public answer (which the scope then refuses).
      const link = `${zone}/virtualNetworkLinks/vnet-hub-link?${DNS}`;
      const cur = await arm(srv.info, "GET", link);
      assert.equal(cur.status, 200, cur.text);
      await ok(
        await arm(srv.info, "PUT", link, {
          location: "global",
          properties: { ...cur.json.properties, resolutionPolicy: "NxDomainRedirect" },
        }),
      );
      await waitSucceeded(srv, link);
      const check = await runAgent(["check", "-l", "eastus"], e);
      assert.equal(check.code, 26, check.all);
      assert.equal(checkTable(check.stdout)["https://eus.his.arc.azure.com"][1], "false", check.stdout);
      assert.doesNotMatch(check.stdout, /no such host/);

      // The record back (the private endpoint's address): the agent connects privately.
      await ok(await arm(srv.info, "PUT", `${zone}/A/eus?${DNS}`, { properties: record.json.properties }));
      await ok(
        await arm(srv.info, "PUT", link, {
          location: "global",
          properties: { ...cur.json.properties, resolutionPolicy: "Default" },
        }),
      );
      await waitSucceeded(srv, link);
      await connected(await runAgent(withScope("srv-win-01"), e), e, "srv-win-01");
    },
  );

  it(
    "5. Entra ID blocked by the firewall: the token dial times out (AZCM0026); allowing it fixes connect",
    T,
    async () => {
      const saved = (await firewall("fw-onprem")).body.properties.rules;
      await putFirewall("fw-onprem", (p) => ({
        ...p,
        rules: p.rules.filter((x: any) => x.name !== "AllowEntraIdOutbound"),
      }));
      const e = await env("srv-lnx-01");
      const r = await runAgent(withScope("srv-lnx-01", ["--ignore-network-check"]), e);
      failed(r, 26, "AZCM0026: Network Error");
      assert.match(
        fatal(r),
        /Failed to acquire a token from Microsoft Entra ID: Post \\"https:\/\/login\.microsoftonline\.com\/[^/]+\/oauth2\/v2\.0\/token\\": dial tcp [\d.]+:443: i\/o timeout/,
      );
      assert.equal(existsSync(statePath(e)), false);
      await putFirewall("fw-onprem", (p) => ({ ...p, rules: saved }));
      await connected(await runAgent(withScope("srv-lnx-01"), e), e, "srv-lnx-01");
    },
  );

  it(
    "6. a proxy without proxy.bypass Arc swallows the Arc names: REACHABLE false, PROXY set; bypass Arc fixes it",
    T,
    async () => {
      await ok(
        await arm(srv.info, "PUT", `${rgPath(srv, "ArcLink.Lab/proxies/squid")}?${LAB}`, {
          location: "global",
          properties: {
            siteId: rgPath(srv, "ArcLink.Lab/sites/onprem"),
            ipAddress: "192.168.1.30",
            port: 3128,
          },
        }),
      );
      const e = await env("srv-lnx-01");
      assert.equal((await runAgent(["config", "set", "proxy.url", "http://192.168.1.30:3128"], e)).code, 0);
      let r = await runAgent(["check", "-l", "eastus", "-p"], e);
      failed(r, 26, "AZCM0026: Network Error");
      // The proxy resolves the name itself, publicly: PRIVATE is false (what the proxy got).
      assert.deepEqual(checkTable(r.stdout)["https://gbl.his.arc.azure.com"], [
        "false",
        "false",
        "unknown",
        "set",
      ]);
      assert.match(
        r.stdout,
        /https:\/\/gbl\.his\.arc\.azure\.com resolves to public address \d+\.\d+\.\d+\.\d+, but --enable-pls-check/,
      );
      assert.match(
        r.stdout,
        /Failed to reach https:\/\/gbl\.his\.arc\.azure\.com: Get \\"https:\/\/gbl\.his\.arc\.azure\.com\/\\": Forbidden/,
      );
      r = await runAgent(withScope("srv-lnx-01"), e);
      failed(r, 26, "AZCM0026: Network Error");
      assert.equal(existsSync(statePath(e)), false);
      assert.equal((await runAgent(["config", "set", "proxy.bypass", "Arc"], e)).code, 0);
      r = await runAgent(["check", "-l", "eastus", "-p"], e);
      assert.equal(r.code, 0, r.all);
      assert.deepEqual(checkTable(r.stdout)["https://gbl.his.arc.azure.com"], [
        "true",
        "true",
        "TLS 1.2",
        "not set",
      ]);
      await connected(await runAgent(withScope("srv-lnx-01"), e), e, "srv-lnx-01");
    },
  );

  it(
    "7. machine refused at the private endpoint: show reports the refused heartbeat at once; re-association fixes it",
    T,
    async () => {
      const e = await env("srv-lnx-01");
      await connected(await runAgent(withScope("srv-lnx-01"), e), e, "srv-lnx-01");
      assert.deepEqual(await showJson(e, "status", "agentErrorCode"), {
        status: "Connected",
        agentErrorCode: "",
      });
      await patchAssociation(srv, "srv-lnx-01", null);
      let hb = await runAgent(["__heartbeat"], e);
      failed(hb, 26, "AZCM0026: Network Error");
      assert.match(
        fatal(hb),
        /msg="Heartbeat refused by https:\/\/eus\.his\.arc\.azure\.com: MachineNotAssociatedWithScope: machine srv-lnx-01 is not associated with any Arc Private Link Scope/,
      );
      // No 15 minutes wait: status and error show the refusal right away.
      const shown = await showJson(e, "status", "agentErrorCode", "agentErrorDetails", "agentErrorTimestamp");
      assert.equal(shown.status, "Disconnected");
      assert.equal(shown.agentErrorCode, "AZCM0026");
      assert.match(
        shown.agentErrorDetails,
        /^Heartbeat refused by https:\/\/eus\.his\.arc\.azure\.com: MachineNotAssociatedWithScope/,
      );
      assert.ok(shown.agentErrorTimestamp, JSON.stringify(shown));
      const text = await runAgent(["show", "Agent Status", "Agent Error Code"], e);
      assert.match(text.stdout, /^Agent Status\s+: Disconnected$/m);
      assert.match(text.stdout, /^Agent Error Code\s+: AZCM0026$/m);

      await patchAssociation(srv, "srv-lnx-01", scopeId);
      hb = await runAgent(["__heartbeat"], e);
      failed(hb, 26, "AZCM0026: Network Error");
      assert.match(fatal(hb), /AssociationNotYetPropagated: machine srv-lnx-01 was associated with pls-arc/);
      await advanceClock(srv, 16);
      hb = await runAgent(["__heartbeat"], e);
      assert.equal(hb.code, 0, hb.all);
      assert.match(hb.stdout, /msg="Heartbeat sent" Status="Connected" Path="private"/);
      assert.deepEqual(await showJson(e, "status", "agentErrorCode"), {
        status: "Connected",
        agentErrorCode: "",
      });
    },
  );

  it(
    "8. hosts file without the regional records: discovery works, registration fails; stale extension record fails extension calls only",
    T,
    async () => {
      const e = await env("srv-fm-08");
      let r = await runAgent(withScope("srv-fm-08"), e);
      failed(r, 26, "AZCM0026: Network Error");
      assert.match(
        r.stdout,
        /Private Link Scope is in use but endpoint eus\.his\.arc\.azure\.com resolves to public address [\d.]+/,
      );
      assert.match(
        r.stdout,
        /Private Link Scope is in use but endpoint eastus-gas\.guestconfiguration\.azure.com resolves to public address [\d.]+/,
      );
      assert.doesNotMatch(r.stdout, /endpoint gbl\.his\.arc\.azure\.com resolves to public/);
      r = await runAgent(withScope("srv-fm-08", ["--ignore-network-check"]), e);
      failed(r, 26, "AZCM0026: Network Error");
      // Discovery through gbl (private) answered; the regional HIS is dialled on its public address.
      assert.match(
        fatal(r),
        /msg="Failed to register the machine with Azure Arc at https:\/\/eus\.his\.arc\.azure\.com: Post \\"https:\/\/eus\.his\.arc\.azure\.com\/machines\/register\\": dial tcp [\d.]+:443: i\/o timeout"/,
      );
      assert.equal(existsSync(statePath(e)), false);

      // The fix: every name the private endpoint serves, with its address.
      const hosts = (gas: string) =>
        [
          "127.0.0.1 localhost",
          "10.10.1.4 gbl.his.arc.azure.com",
          "10.10.1.5 eus.his.arc.azure.com",
          "10.10.1.6 agentserviceapi.guestconfiguration.azure.com",
          `${gas} eastus-gas.guestconfiguration.azure.com`,
          "",
        ].join("\n");
      await patchHost("srv-fm-08", { hostsFile: hosts("10.10.1.7") });
      await connected(await runAgent(withScope("srv-fm-08"), e), e, "srv-fm-08");
      let x = await runAgent(["__extensions"], e);
      assert.equal(x.code, 0, x.all);

      // A stale regional record (the endpoint's address changed): heartbeats work, extension calls fail.
      await patchHost("srv-fm-08", { hostsFile: hosts("10.10.1.99") });
      const hb = await runAgent(["__heartbeat"], e);
      assert.equal(hb.code, 0, hb.all);
      x = await runAgent(["__extensions"], e);
      failed(x, 26, "AZCM0026: Network Error");
      assert.match(
        fatal(x),
        /msg="Failed to retrieve extensions from https:\/\/eastus-gas\.guestconfiguration\.azure\.com: Get \\"https:\/\/eastus-gas\.guestconfiguration\.azure\.com\/extensions\\": dial tcp 10\.10\.1\.99:443: connect: connection refused"/,
      );
      const log = readFileSync(join(e.AZCMAGENT_HOME, "log", "gc_ext.log"), "utf8");
      assert.match(log, /level=error msg="Failed to retrieve extensions from https:\/\/eastus-gas/);
      const shown = await showJson(e, "status", "extensionServiceError");
      assert.equal(shown.status, "Connected");
      assert.match(shown.extensionServiceError, /dial tcp 10\.10\.1\.99:443: connect: connection refused/);
      await patchHost("srv-fm-08", { hostsFile: hosts("10.10.1.7") });
      x = await runAgent(["__extensions"], e);
      assert.equal(x.code, 0, x.all);
      assert.equal((await showJson(e, "extensionServiceError")).extensionServiceError, "");
    },
  );

  it(
    "9. a TLS-inspecting firewall whose CA the host does not trust: x509 unknown authority; trusting the CA fixes it",
    T,
    async () => {
      const e = await env("srv-br-01");
      let r = await runAgent(["check", "-l", "eastus", "-p"], e);
      let rows = tlsRefusedCheck(
        r,
        "agentserviceapi.guestconfiguration.azure.com",
        "x509: certificate signed by unknown authority",
      );
      assert.deepEqual(rows["https://login.microsoftonline.com"], ["false", "false", "unknown", "not set"]);
      r = await runAgent(withScope("srv-br-01", ["--ignore-network-check"]), e);
      failed(r, 26, "AZCM0026: Network Error");
      assert.match(
        fatal(r),
        /Failed to acquire a token from Microsoft Entra ID: Post \\"https:\/\/login\.microsoftonline\.com\/[^"\\]+\\": x509: certificate signed by unknown authority/,
      );
      assert.equal(existsSync(statePath(e)), false);
      // Lint reads the same verdict: the host cannot reach the Arc names because of the inspection.
      const tlsFinding = (await lintFindings(srv, "arc-endpoint-unreachable")).find(
        (f) => f.reason === "TlsUntrusted" && f.host === "srv-br-01",
      );
      assert.ok(tlsFinding, "lint reports the untrusted TLS inspection");
      assert.match(tlsFinding.message, /Contoso TLS Inspection CA/);

      // Excluding the Arc names from inspection: those work; Entra ID and ARM are still re-signed.
      await putFirewall("fw-branch", (p) => ({
        ...p,
        tlsInspection: {
          ...p.tlsInspection,
          excludedFqdns: ["*.his.arc.azure.com", "*.guestconfiguration.azure.com"],
        },
      }));
      r = await runAgent(["check", "-l", "eastus", "-p"], e);
      failed(r, 26, "AZCM0026: Network Error");
      rows = checkTable(r.stdout);
      assert.deepEqual(rows["https://agentserviceapi.guestconfiguration.azure.com"], [
        "true",
        "true",
        "TLS 1.2",
        "not set",
      ]);
      assert.deepEqual(rows["https://eus.his.arc.azure.com"], ["true", "true", "TLS 1.2", "not set"]);
      assert.deepEqual(rows["https://management.azure.com"], ["false", "false", "unknown", "not set"]);

      // Trusting the inspection CA on the host: everything works.
      const h = await patchHost("srv-br-01", { trustedCertificateAuthorities: [TLS_CA] });
      assert.deepEqual(h.properties.trustedCertificateAuthorities, [TLS_CA]);
      r = await runAgent(["check", "-l", "eastus", "-p"], e);
      assert.equal(r.code, 0, r.all);
      await connected(await runAgent(withScope("srv-br-01"), e), e, "srv-br-01");
    },
  );

  it(
    "10. an extension whose service is blocked fails while the agent stays Connected; allowing the service fixes it",
    T,
    async () => {
      const e = await env("srv-lnx-01");
      await connected(await runAgent(withScope("srv-lnx-01"), e), e, "srv-lnx-01");
      const tagged = await arm(srv.info, "PATCH", `${machineId(srv, "srv-lnx-01")}?${HC}`, {
        tags: { "arclink:extensions": "AzureMonitor" },
      });
      assert.equal(tagged.status, 200, tagged.text);
      let x = await runAgent(["__extensions"], e);
      assert.equal(x.code, 0, x.all);
      assert.match(
        x.stdout,
        /level=error msg="Enable failed for extension AzureMonitorLinuxAgent: cannot reach https:\/\/global\.handler\.control\.monitor\.azure\.com: Get \\"https:\/\/global\.handler\.control\.monitor\.azure\.com\/\\": dial tcp [\d.]+:443: i\/o timeout" Extension="Microsoft\.Azure\.Monitor\.AzureMonitorLinuxAgent" Status="Failed"/,
      );
      const log = readFileSync(join(e.AZCMAGENT_HOME, "log", "gc_ext.log"), "utf8");
      assert.match(log, /Enable failed for extension AzureMonitorLinuxAgent/);
      const hb = await runAgent(["__heartbeat"], e);
      assert.equal(hb.code, 0, hb.all);
      let shown = await showJson(e, "status", "extensionsStatus");
      assert.equal(shown.status, "Connected");
      assert.match(
        shown.extensionsStatus,
        /^AzureMonitorLinuxAgent: Failed \(Enable failed for extension AzureMonitorLinuxAgent: cannot reach https:\/\/global\.handler\.control\.monitor\.azure\.com/,
      );
      assert.equal((await getMachine(srv, "srv-lnx-01")).json.properties.status, "Connected");
      // Lint reads the same extensions (the tag) and flags the missing Azure Monitor private endpoint.
      const extFinding = (await lintFindings(srv, "extension-service-no-private-endpoint")).find((f) =>
        /Azure Monitor/.test(f.message),
      );
      assert.ok(extFinding, "lint flags the extension's service");
      assert.match(extFinding.message, /srv-lnx-01/);

      // Allowing Azure Monitor's service tag (the public path) lets the extension through.
      await putFirewall("fw-onprem", (p) => ({
        ...p,
        rules: [...p.rules, rule("AllowAzureMonitor", 310, "AzureMonitor")],
      }));
      x = await runAgent(["__extensions"], e);
      assert.equal(x.code, 0, x.all);
      assert.match(x.stdout, /level=info msg="Enable succeeded for extension AzureMonitorLinuxAgent"/);
      shown = await showJson(e, "status", "extensionsStatus");
      assert.deepEqual(shown, { status: "Connected", extensionsStatus: "AzureMonitorLinuxAgent: Succeeded" });
    },
  );
});

describe("the host's own TLS stack (fact sheet §8 row 9): old TLS versions and missing GCM cipher suites", () => {
  const labCall = (what: string, body: object) =>
    arm(
      srv.info,
      "POST",
      `/subscriptions/${srv.info.subscriptionId}/providers/ArcLink.Lab/${what}?${LAB}`,
      body,
    );

  /** `arclink check --host` as the server decides it: the host's rows. */
  async function labCheck(host: string): Promise<any[]> {
    const r = await labCall("check", { host });
    assert.equal(r.status, 200, r.text);
    return r.json.value[0].endpoints;
  }

  it("bad TLS properties are refused through ARM and nothing is stored", T, async () => {
    const hostPath = `${rgPath(srv, "ArcLink.Lab/hosts/srv-fm-tls")}?${LAB}`;
    const before = await arm(srv.info, "GET", hostPath);
    assert.equal(before.status, 200, before.text);
    assert.equal(before.json.properties.maxTlsVersion, "1.1");
    const gcm = await arm(srv.info, "GET", `${rgPath(srv, "ArcLink.Lab/hosts/srv-fm-gcm")}?${LAB}`);
    assert.equal(gcm.json.properties.gcmCipherSuitesEnabled, false);
    for (const [props, target] of [
      [{ maxTlsVersion: 1.2 }, "properties.maxTlsVersion"],
      [{ maxTlsVersion: "1.4" }, "properties.maxTlsVersion"],
      [{ maxTlsVersion: "TLS1_2" }, "properties.maxTlsVersion"],
      [{ gcmCipherSuitesEnabled: "no" }, "properties.gcmCipherSuitesEnabled"],
    ] as const) {
      const r = await arm(srv.info, "PATCH", hostPath, { properties: props });
      assert.equal(r.status, 400, r.text);
      assert.equal(r.json.error.target, target, r.text);
      assert.match(r.json.error.message, new RegExp(target.replace(".", "\\.")));
    }
    assert.deepEqual((await arm(srv.info, "GET", hostPath)).json, before.json);
  });

  it(
    "11. an OS that offers no TLS 1.2: every endpoint refuses the handshake, connect aborts on the TLS 1.2 check (AZCM0026); enabling TLS 1.2 fixes it",
    T,
    async () => {
      const e = await env("srv-fm-tls");
      let r = await runAgent(["check", "-l", "eastus", "-p"], e);
      const rows = tlsRefusedCheck(
        r,
        "gbl.his.arc.azure.com",
        "remote error: tls: protocol version not supported",
      );
      assert.deepEqual(rows["https://management.azure.com"], ["false", "false", "unknown", "not set"]);
      assert.equal(Object.keys(rows).length, 8, r.stdout);
      for (const [url, row] of Object.entries(rows)) assert.equal(row[0], "false", `${url} ${row.join(" ")}`);

      r = await runAgent(withScope("srv-fm-tls"), e);
      failed(r, 26, "AZCM0026: Network Error");
      const line = fatal(r);
      assert.match(
        line,
        /msg="TLS 1\.2 check failed: this machine could not negotiate TLS 1\.2 or later with [a-z.-]+, [a-z.-]+ and 6 more \(remote error: tls: protocol version not supported\)\. Azure endpoints accept TLS 1\.2 and TLS 1\.3 only: enable TLS 1\.2 in the operating system \(SChannel on Windows\)/,
      );
      assert.match(line, /Reason="host srv-fm-tls offers TLS 1\.1 at most \(maxTlsVersion\)/);
      // Past the check, the first call (Entra ID) fails the same way.
      r = await runAgent(withScope("srv-fm-tls", ["--ignore-network-check"]), e);
      failed(r, 26, "AZCM0026: Network Error");
      assert.match(
        fatal(r),
        /Failed to acquire a token from Microsoft Entra ID: Post \\"https:\/\/login\.microsoftonline\.com\/[^"\\]+\\": remote error: tls: protocol version not supported/,
      );
      assert.equal(existsSync(statePath(e)), false);
      assert.equal((await getMachine(srv, "srv-fm-tls")).status, 404);

      // arclink check and lint name the host, the version and the fix.
      const checkRows = await labCheck("srv-fm-tls");
      assert.equal(checkRows.length, 8);
      for (const row of checkRows) {
        assert.equal(row.reason, "TlsVersionUnsupported", JSON.stringify(row));
        assert.match(row.fix, /enable TLS 1\.2 on srv-fm-tls: in SChannel/);
      }
      const finding = (await lintFindings(srv, "arc-endpoint-unreachable")).find(
        (f) => f.reason === "TlsVersionUnsupported",
      );
      assert.ok(finding, "lint reports the host's TLS version");
      assert.equal(finding.host, "srv-fm-tls");
      assert.match(finding.message, /srv-fm-tls offers TLS 1\.1 at most/);
      assert.match(JSON.stringify(finding.fixPlan), /SChannel/);

      // The fix: TLS 1.2 enabled in SChannel (the host now offers 1.2).
      const h = await patchHost("srv-fm-tls", { maxTlsVersion: "1.2" });
      assert.equal(h.properties.maxTlsVersion, "1.2");
      r = await runAgent(["check", "-l", "eastus", "-p"], e);
      assert.equal(r.code, 0, r.all);
      assert.deepEqual(checkTable(r.stdout)["https://gbl.his.arc.azure.com"], [
        "true",
        "true",
        "TLS 1.2",
        "not set",
      ]);
      await connected(await runAgent(withScope("srv-fm-tls"), e), e, "srv-fm-tls");
      assert.ok((await labCheck("srv-fm-tls")).every((row) => row.verdict !== "refused"));
    },
  );

  it(
    "12. Windows without the GCM cipher suites: agents 1.56-1.63 fail every handshake, 1.64 does not; enabling the suites fixes 1.60",
    T,
    async () => {
      const e = await hostEnv(srv, tmp, "srv-fm-gcm", { AZCMAGENT_VERSION: "1.60" });
      let r = await runAgent(["check", "-l", "eastus", "-p"], e);
      tlsRefusedCheck(
        r,
        "agentserviceapi.guestconfiguration.azure.com",
        "remote error: tls: handshake failure",
      );
      r = await runAgent(withScope("srv-fm-gcm"), e);
      failed(r, 26, "AZCM0026: Network Error");
      assert.match(
        fatal(r),
        /msg="TLS check failed: no cipher suite in common with [a-z.-]+, [a-z.-]+ and 6 more \(remote error: tls: handshake failure\)\. This agent needs the ECDHE AES-GCM cipher suites on Windows: enable them in the operating system's cipher suite order, or upgrade the agent to 1\.64 or later"/,
      );
      assert.equal(existsSync(statePath(e)), false);
      assert.equal((await getMachine(srv, "srv-fm-gcm")).status, 404);

      // Other agent versions on the same host are unaffected.
      for (const v of ["1.55", "1.64"]) {
        const other = await runAgent(["check", "-l", "eastus", "-p"], { ...e, AZCMAGENT_VERSION: v });
        assert.equal(other.code, 0, `${v}: ${other.all}`);
      }

      // The fix for 1.60: the GCM suites enabled again.
      await patchHost("srv-fm-gcm", { gcmCipherSuitesEnabled: true });
      await connected(await runAgent(withScope("srv-fm-gcm"), e), e, "srv-fm-gcm");
      assert.equal((await getMachine(srv, "srv-fm-gcm")).json.properties.agentVersion, "1.60.02983.1834");

      // A policy removes the suites after onboarding: heartbeats fail; check and lint name the fix.
      await patchHost("srv-fm-gcm", { gcmCipherSuitesEnabled: false });
      let hb = await runAgent(["__heartbeat"], e);
      failed(hb, 26, "AZCM0026: Network Error");
      assert.match(fatal(hb), /remote error: tls: handshake failure/);
      const checkRows = await labCheck("srv-fm-gcm");
      for (const row of checkRows) {
        assert.equal(row.reason, "TlsCipherSuiteMismatch", JSON.stringify(row));
        assert.match(row.fix, /or upgrade the Connected Machine agent to 1\.64 or later/);
      }
      const finding = (await lintFindings(srv, "arc-endpoint-unreachable")).find(
        (f) => f.reason === "TlsCipherSuiteMismatch",
      );
      assert.ok(finding, "lint reports the missing cipher suites");
      assert.equal(finding.host, "srv-fm-gcm");
      assert.equal(finding.severity, "error");
      assert.match(JSON.stringify(finding.fixPlan), /enable the ECDHE AES-GCM cipher suites on srv-fm-gcm/);
      await patchHost("srv-fm-gcm", { gcmCipherSuitesEnabled: true });
      hb = await runAgent(["__heartbeat"], e);
      assert.equal(hb.code, 0, hb.all);
      assert.match(hb.stdout, /msg="Heartbeat sent" Status="Connected" Path="private"/);
    },
  );
});
