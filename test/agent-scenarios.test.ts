// azcmagent as a separate process in the Private Link situations the admission rules decide
// (src/network/admit.ts): association removed, made later (propagation delay), another region,
// another scope, public network access, forced tunnelling, remote access over the endpoint. Each
// scenario checks the agent's exit code and AZCM text, then what ARM shows afterwards.
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { arm, raw } from "./helpers/arm.js";
import {
  advanceClock,
  checkTable,
  connectArgs,
  getMachine,
  hostCredential,
  hostEnv,
  HC,
  LAB,
  NET,
  patchAssociation,
  rgPath,
  runAgent,
  scopeIdOf,
  waitSucceeded,
} from "./helpers/agent.js";
import { ROOT, startServer, type TestServer } from "./helpers/server.js";

const T = { timeout: 120_000 };
const REFERENCE = join(ROOT, "examples/reference.yaml");
const FORCED_TUNNEL = join(ROOT, "test/fixtures/forced-tunnel.yaml");

let tmp: string;
before(() => {
  tmp = mkdtempSync(join(tmpdir(), "azcm-scenarios-"));
});
after(() => {
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

function serverFor(topology: string): { get(): TestServer } {
  let srv: TestServer;
  before(async () => {
    srv = await startServer({ args: ["--topology", topology] });
  });
  after(async () => {
    await srv?.stop();
  });
  return { get: () => srv };
}

const statePath = (env: Record<string, string>) => join(env.AZCMAGENT_HOME, "state.json");
const sameId = (a: unknown, b: string) => String(a).toLowerCase() === b.toLowerCase();

async function showJson(env: Record<string, string>, ...props: string[]): Promise<Record<string, string>> {
  const s = await runAgent(["show", ...props, "--json"], env);
  assert.equal(s.code, 0, s.all);
  return JSON.parse(s.stdout);
}

describe("association changes after onboarding (srv-lnx-01, reference topology)", () => {
  const S = serverFor(REFERENCE);
  let env: Record<string, string>;
  let scopeId: string;

  it(
    "onboarded with the scope, then dis-associated in ARM: heartbeat refused (MachineNotAssociatedWithScope)",
    T,
    async () => {
      const srv = S.get();
      scopeId = scopeIdOf(srv, "pls-arc");
      env = await hostEnv(srv, tmp, "srv-lnx-01");
      const c = await runAgent(
        connectArgs(srv, "srv-lnx-01", "eastus", ["--private-link-scope", scopeId]),
        env,
      );
      assert.equal(c.code, 0, c.all);
      let hb = await runAgent(["__heartbeat"], env);
      assert.equal(hb.code, 0, hb.all);
      assert.match(hb.stdout, /msg="Heartbeat sent" Status="Connected" Path="private"/);

      const patched = await patchAssociation(srv, "srv-lnx-01", null);
      assert.ok(!patched.properties.privateLinkScopeResourceId, JSON.stringify(patched.properties));
      const m = await getMachine(srv, "srv-lnx-01");
      assert.equal(m.status, 200);
      assert.ok(!m.json.properties.privateLinkScopeResourceId, "ARM shows no association after PATCH null");

      hb = await runAgent(["__heartbeat"], env);
      assert.equal(hb.code, 26, hb.all);
      assert.match(
        hb.stdout,
        /level=fatal msg="Heartbeat refused by https:\/\/eus\.his\.arc\.azure\.com: MachineNotAssociatedWithScope: machine srv-lnx-01 is not associated with any Arc Private Link Scope/,
      );
      assert.ok(hb.stdout.includes("Exit Code:  AZCM0026: Network Error"), hb.all);
      // show reports the refused heartbeat at once: Disconnected, with the error (the association
      // is redone in the next step, so moving the clock here does not shorten its propagation).
      let shown = await showJson(env, "status", "agentErrorCode", "agentErrorDetails");
      assert.equal(shown.status, "Disconnected");
      assert.equal(shown.agentErrorCode, "AZCM0026");
      assert.match(shown.agentErrorDetails, /MachineNotAssociatedWithScope/);
      await advanceClock(srv, 16);
      shown = await showJson(env, "status", "agentErrorCode", "agentErrorDetails");
      assert.equal(shown.status, "Disconnected");
      assert.equal(shown.agentErrorCode, "AZCM0026");
      assert.match(shown.agentErrorDetails, /MachineNotAssociatedWithScope/);
      assert.equal((await getMachine(srv, "srv-lnx-01")).json.properties.status, "Disconnected");
      // ARM still has the machine, unassociated.
      const again = await getMachine(srv, "srv-lnx-01");
      assert.ok(!again.json.properties.privateLinkScopeResourceId);
    },
  );

  it(
    "re-associated: refused (AssociationNotYetPropagated) until 15 virtual minutes pass, then accepted",
    T,
    async () => {
      const srv = S.get();
      assert.ok(env, "needs the previous step");
      const patched = await patchAssociation(srv, "srv-lnx-01", scopeId);
      assert.ok(sameId(patched.properties.privateLinkScopeResourceId, scopeId), JSON.stringify(patched));

      let hb = await runAgent(["__heartbeat"], env);
      assert.equal(hb.code, 26, hb.all);
      assert.match(
        hb.stdout,
        /Heartbeat refused by https:\/\/eus\.his\.arc\.azure\.com: AssociationNotYetPropagated: machine srv-lnx-01 was associated with pls-arc \d+ minutes? ago/,
      );
      let shown = await showJson(env, "agentErrorDetails");
      assert.match(shown.agentErrorDetails, /AssociationNotYetPropagated/);

      await advanceClock(srv, 16);
      hb = await runAgent(["__heartbeat"], env);
      assert.equal(hb.code, 0, hb.all);
      assert.match(hb.stdout, /msg="Heartbeat sent" Status="Connected" Path="private"/);
      shown = await showJson(env, "status", "agentErrorCode");
      assert.deepEqual(shown, { status: "Connected", agentErrorCode: "" });
      const m = await getMachine(srv, "srv-lnx-01");
      assert.equal(m.json.properties.status, "Connected");
      assert.ok(sameId(m.json.properties.privateLinkScopeResourceId, scopeId));
    },
  );
});

describe("connect-time refusals (reference topology)", () => {
  const S = serverFor(REFERENCE);

  it(
    "a machine in another region than the scope: ARM refuses the PUT, AZCM0042, nothing created",
    T,
    async () => {
      const srv = S.get();
      const env = await hostEnv(srv, tmp, "srv-win-01");
      const scopeId = scopeIdOf(srv, "pls-arc");
      const r = await runAgent(
        connectArgs(srv, "srv-we-01", "westeurope", [
          "--private-link-scope",
          scopeId,
          "--ignore-network-check",
        ]),
        env,
      );
      assert.equal(r.code, 42, r.all);
      assert.match(
        r.stdout,
        /level=fatal msg="Failed to create the resource \/subscriptions\/[^ ]+\/machines\/srv-we-01 in Azure: PrivateLinkScopeLocationMismatch: Machine 'srv-we-01' is in 'westeurope' but Azure Arc Private Link Scope 'pls-arc' is in 'eastus'/,
      );
      assert.ok(r.stdout.includes("Exit Code:  AZCM0042: Create Resource Error"), r.all);
      assert.equal(existsSync(statePath(env)), false);
      assert.equal((await getMachine(srv, "srv-we-01")).status, 404);
    },
  );

  it(
    "remote access over the private endpoint: the gateway refuses it (RemoteAccessNotSupportedOverPrivateLink)",
    T,
    async () => {
      const srv = S.get();
      const cred = await hostCredential(srv, "srv-lnx-01");
      const gw = new URL(cred.gateway);
      const headers = (purpose: string) => ({
        authorization: `Bearer ${cred.token}`,
        "x-arclink-dial": "10.10.1.4:443",
        "x-arclink-server-name": "gbl.his.arc.azure.com",
        "x-arclink-agent-version": "1.45",
        "x-arclink-purpose": purpose,
      });
      assert.equal(gw.hostname, "127.0.0.1");
      const path = `${gw.pathname.replace(/\/$/, "")}/dial/`;
      const ssh = await raw(srv.info, "GET", path, undefined, headers("remote-access"));
      assert.equal(ssh.status, 403, ssh.text);
      assert.equal(ssh.headers["x-arclink-refusal"], "RemoteAccessNotSupportedOverPrivateLink");
      assert.equal(ssh.json?.error?.code, "RemoteAccessNotSupportedOverPrivateLink");
      assert.match(ssh.json.error.message, /not supported over Private Link/);
      // The same dial for a reachability check goes through, privately.
      const check = await raw(srv.info, "GET", path, undefined, headers("check"));
      assert.equal(check.status, 200, check.text);
      assert.equal(check.headers["x-arclink-path"], "private");
    },
  );
});

describe("a machine moved to another scope (srv-win-01, second scope and endpoint)", () => {
  const S = serverFor(REFERENCE);

  it("old endpoint refuses at once; the new one after the propagation delay", T, async () => {
    const srv = S.get();
    const scope1 = scopeIdOf(srv, "pls-arc");
    const scope2 = scopeIdOf(srv, "pls-arc-2");
    const put = await arm(srv.info, "PUT", `${scope2}?${HC}`, {
      location: "eastus",
      properties: { publicNetworkAccess: "Disabled" },
    });
    assert.ok(put.status === 200 || put.status === 201, put.text);
    const pePath = `${rgPath(srv, "Microsoft.Network/privateEndpoints/pe-arc-2")}?${NET}`;
    const subnet = rgPath(srv, "Microsoft.Network/virtualNetworks/vnet-hub/subnets/snet-private-endpoints");
    const pe = await arm(srv.info, "PUT", pePath, {
      location: "eastus",
      properties: {
        subnet: { id: subnet },
        privateLinkServiceConnections: [
          { name: "pe-arc-2", properties: { privateLinkServiceId: scope2, groupIds: ["hybridcompute"] } },
        ],
      },
    });
    assert.ok(pe.status === 200 || pe.status === 201, pe.text);
    const created = await waitSucceeded(srv, pePath);
    const addr: Record<string, string> = {};
    for (const c of created.properties.customDnsConfigs) addr[c.fqdn] = c.ipAddresses[0];
    assert.ok(addr["gbl.his.arc.azure.com"] && addr["eus.his.arc.azure.com"], JSON.stringify(addr));
    assert.notEqual(addr["eus.his.arc.azure.com"], "10.10.1.5");

    const env = await hostEnv(srv, tmp, "srv-win-01");
    const c = await runAgent(connectArgs(srv, "srv-win-01", "eastus", ["--private-link-scope", scope1]), env);
    assert.equal(c.code, 0, c.all);

    const moved = await patchAssociation(srv, "srv-win-01", scope2);
    assert.ok(sameId(moved.properties.privateLinkScopeResourceId, scope2));
    let hb = await runAgent(["__heartbeat"], env);
    assert.equal(hb.code, 26, hb.all);
    assert.match(
      hb.stdout,
      /Heartbeat refused by https:\/\/eus\.his\.arc\.azure\.com: MachineAssociatedWithAnotherScope: machine srv-win-01 is associated with scope pls-arc-2, not pls-arc/,
    );

    // The host's hosts file now sends the Arc names to the new scope's endpoint.
    const hostsFile =
      "127.0.0.1 localhost\n" +
      Object.entries(addr)
        .map(([fqdn, ip]) => `${ip} ${fqdn}`)
        .join("\n") +
      "\n";
    const hp = await arm(srv.info, "PATCH", `${rgPath(srv, "ArcLink.Lab/hosts/srv-win-01")}?${LAB}`, {
      properties: { hostsFile },
    });
    assert.equal(hp.status, 200, hp.text);
    hb = await runAgent(["__heartbeat"], env);
    assert.equal(hb.code, 26, hb.all);
    assert.match(
      hb.stdout,
      /Heartbeat refused by https:\/\/eus\.his\.arc\.azure\.com: AssociationNotYetPropagated: machine srv-win-01 was associated with pls-arc-2/,
    );
    await advanceClock(srv, 16);
    hb = await runAgent(["__heartbeat"], env);
    assert.equal(hb.code, 0, hb.all);
    assert.match(hb.stdout, /msg="Heartbeat sent" Status="Connected" Path="private"/);
    const m = await getMachine(srv, "srv-win-01");
    assert.equal(m.json.properties.status, "Connected");
    assert.ok(sameId(m.json.properties.privateLinkScopeResourceId, scope2));
  });
});

describe("public network access on the scope (srv-lnx-02 resolves publicly)", () => {
  const S = serverFor(REFERENCE);

  it(
    "Disabled: registration refused (exit 26); Enabled: connect succeeds on the public path",
    T,
    async () => {
      const srv = S.get();
      const scopeId = scopeIdOf(srv, "pls-arc");
      const fwPath = `${rgPath(srv, "ArcLink.Lab/firewalls/fw-onprem")}?${LAB}`;
      const fw = await arm(srv.info, "GET", fwPath);
      assert.equal(fw.status, 200, fw.text);
      const rule = (name: string, priority: number, tag: string) => ({
        name,
        priority,
        action: "Allow",
        protocol: "Tcp",
        destinationAddresses: [tag],
        destinationPorts: ["443"],
      });
      const fwPut = await arm(srv.info, "PUT", fwPath, {
        location: fw.json.location,
        properties: {
          siteId: fw.json.properties.siteId,
          defaultAction: fw.json.properties.defaultAction,
          rules: [
            ...fw.json.properties.rules,
            rule("AllowArcPublic", 300, "AzureArcInfrastructure"),
            rule("AllowGuestConfigPublic", 301, "GuestAndHybridManagement"),
          ],
        },
      });
      assert.ok(fwPut.status === 200 || fwPut.status === 201, fwPut.text);

      const env = await hostEnv(srv, tmp, "srv-lnx-02");
      const args = connectArgs(srv, "srv-lnx-02", "eastus", ["--private-link-scope", scopeId]);
      // The connect network check insists on private answers when a scope is given.
      let r = await runAgent(args, env);
      assert.equal(r.code, 26, r.all);
      assert.match(
        r.stdout,
        /level=error msg="Private Link Scope is in use but endpoint gbl\.his\.arc\.azure\.com resolves to public address [\d.]+/,
      );
      assert.match(r.stdout, /level=fatal msg="Network connectivity check failed for 4 endpoint checks/);
      args.push("--ignore-network-check");
      r = await runAgent(args, env);
      assert.equal(r.code, 26, r.all);
      assert.match(
        r.stdout,
        /level=fatal msg="Failed to register the machine with Azure Arc at https:\/\/eus\.his\.arc\.azure\.com: PublicNetworkAccessDisabled: machine srv-lnx-02 belongs to scope pls-arc/,
      );
      assert.equal(existsSync(statePath(env)), false);
      assert.notEqual((await getMachine(srv, "srv-lnx-02")).json.properties.status, "Connected");

      const scope = await arm(srv.info, "PUT", `${scopeId}?${HC}`, {
        location: "eastus",
        properties: { publicNetworkAccess: "Enabled" },
      });
      assert.equal(scope.status, 200, scope.text);
      assert.equal(scope.json.properties.publicNetworkAccess, "Enabled");

      r = await runAgent(args, env);
      assert.equal(r.code, 0, r.all);
      assert.match(r.stdout, /level=info msg="Connected machine to Azure"/);
      const state = JSON.parse(readFileSync(statePath(env), "utf8"));
      assert.equal(state.hisEndpoint, "https://eus.his.arc.azure.com");
      const m = await getMachine(srv, "srv-lnx-02");
      assert.equal(m.json.properties.status, "Connected");
      assert.ok(sameId(m.json.properties.privateLinkScopeResourceId, scopeId));
      const hb = await runAgent(["__heartbeat"], env);
      assert.equal(hb.code, 0, hb.all);
      assert.match(hb.stdout, /msg="Heartbeat sent" Status="Connected" Path="public"/);

      const check = await runAgent(["check", "-l", "eastus"], env);
      assert.equal(check.code, 0, check.all);
      const rows = checkTable(check.stdout);
      const arc = Object.keys(rows).filter((e) => /his\.arc|guestconfiguration/.test(e));
      assert.equal(arc.length, 4, check.stdout);
      for (const ep of arc)
        assert.deepEqual(rows[ep].slice(0, 2), ["true", "false"], `${ep}: ${check.stdout}`);
    },
  );
});

describe("forced tunnelling through the hub (test/fixtures/forced-tunnel.yaml)", () => {
  const S = serverFor(FORCED_TUNNEL);

  it(
    "Entra ID blocked by the hub NSG until its service tags are allowed; then connect succeeds privately",
    T,
    async () => {
      const srv = S.get();
      const scopeId = scopeIdOf(srv, "pls-arc");
      const env = await hostEnv(srv, tmp, "srv-lnx-01");
      let r = await runAgent(
        connectArgs(srv, "srv-ft-01", "eastus", ["--private-link-scope", scopeId, "--ignore-network-check"]),
        env,
      );
      assert.equal(r.code, 26, r.all);
      assert.match(
        r.stdout,
        /Failed to acquire a token from Microsoft Entra ID: Post \\"https:\/\/login\.microsoftonline\.com\/[^/]+\/oauth2\/v2\.0\/token\\": dial tcp [\d.]+:443: i\/o timeout/,
      );
      assert.ok(r.stdout.includes("Exit Code:  AZCM0026: Network Error"), r.all);
      assert.equal(existsSync(statePath(env)), false);
      assert.equal((await getMachine(srv, "srv-ft-01")).status, 404);

      const nsg = rgPath(srv, "Microsoft.Network/networkSecurityGroups/nsg-hub");
      const rule = async (name: string, priority: number, tag: string) => {
        const path = `${nsg}/securityRules/${name}?${NET}`;
        const p = await arm(srv.info, "PUT", path, {
          properties: {
            priority,
            direction: "Outbound",
            access: "Allow",
            protocol: "Tcp",
            sourceAddressPrefix: "VirtualNetwork",
            sourcePortRange: "*",
            destinationAddressPrefix: tag,
            destinationPortRange: "443",
          },
        });
        assert.ok(p.status === 200 || p.status === 201, p.text);
        await waitSucceeded(srv, path);
      };
      await rule("AllowAADOutboundAccess", 150, "AzureActiveDirectory");
      await rule("AllowAzOutboundAccess", 151, "AzureResourceManager");

      r = await runAgent(connectArgs(srv, "srv-ft-01", "eastus", ["--private-link-scope", scopeId]), env);
      assert.equal(r.code, 0, r.all);
      assert.match(r.stdout, /level=info msg="Connected machine to Azure"/);
      const m = await getMachine(srv, "srv-ft-01");
      assert.equal(m.status, 200);
      assert.equal(m.json.properties.status, "Connected");
      assert.ok(sameId(m.json.properties.privateLinkScopeResourceId, scopeId));
      const hb = await runAgent(["__heartbeat"], env);
      assert.equal(hb.code, 0, hb.all);
      assert.match(hb.stdout, /Path="private"/);
    },
  );
});
