// The machine as its agent reports it: azcmagent (a separate process acting as a host of the
// reference topology) connects and sends heartbeats; ARM shows what it reported through raw
// HTTPS, the JS SDK and `az resource show`; `azcmagent config set` reaches the resource with the
// next heartbeat and `arclink check` (POST …/ArcLink.Lab/check) follows it. An extension put
// through the SDK is installed by the agent's extension service through the gateway, and an Azure
// Monitor agent without its own private endpoint is refused at its endpoints while the machine
// stays Connected.
import assert from "node:assert/strict";
import { runPython } from "./helpers/python.js";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { arm } from "./helpers/arm.js";
import {
  connectArgs,
  getMachine,
  hostEnv,
  LAB,
  labCheck,
  lintFindings,
  HC,
  machineId,
  rgPath,
  RG,
  runAgent,
  scopeIdOf,
} from "./helpers/agent.js";
import { AzSession, azLogin, describeAz } from "./helpers/az.js";
import { runScenario } from "./helpers/sdk.js";
import { ROOT, startServer, type TestServer } from "./helpers/server.js";

const T = { timeout: 240_000 };

let srv: TestServer;
let tmp: string;
let scopeId: string;

before(async () => {
  tmp = mkdtempSync(join(tmpdir(), "azcm-report-"));
  srv = await startServer({ args: ["--topology", join(ROOT, "examples/reference.yaml")] });
  scopeId = scopeIdOf(srv, "pls-arc");
});

after(async () => {
  await srv?.stop();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

const ok = (r: { status: number; text: string }) =>
  assert.ok(r.status === 200 || r.status === 201, `${r.status} ${r.text}`);

async function agentOk(args: string[], env: Record<string, string>) {
  const r = await runAgent(args, env);
  assert.equal(r.code, 0, `azcmagent ${args.join(" ")}\n${r.all}`);
  return r;
}

let win: Record<string, string>;

describe("the machine as its agent reports it", () => {
  it(
    "connect reports the agent's properties in the spec's shapes and keeps the machine's tags",
    T,
    async () => {
      // Tags set on the machine before the agent connects stay; --tags adds to them.
      const pre = await arm(srv.info, "PATCH", `${machineId(srv, "srv-win-01")}?${HC}`, {
        tags: { owner: "ops", env: "test" },
      });
      assert.equal(pre.status, 200, pre.text);
      win = await hostEnv(srv, tmp, "srv-win-01");
      await agentOk(
        connectArgs(srv, "srv-win-01", "eastus", ["--private-link-scope", scopeId, "--tags", "env=prod"]),
        win,
      );
      const m = await getMachine(srv, "srv-win-01");
      assert.equal(m.status, 200, m.text);
      assert.deepEqual(m.json.tags, { owner: "ops", env: "prod" });
      const p = m.json.properties;
      assert.equal(p.status, "Connected");
      assert.equal(p.agentVersion, "1.45.02983.1834");
      assert.deepEqual(p.agentConfiguration, {
        proxyUrl: null,
        proxyBypass: [],
        incomingConnectionsPorts: [],
        extensionsAllowList: [],
        extensionsBlockList: [],
        extensionsEnabled: "true",
        guestConfigurationEnabled: "true",
        configMode: "full",
      });
      assert.deepEqual(p.serviceStatuses, {
        extensionService: { status: "Running", startupType: "Automatic" },
        guestConfigurationService: { status: "Running", startupType: "Automatic" },
      });
      assert.equal(p.osType, "windows");
      assert.equal(p.osName, "windows");
      assert.equal(p.osProfile.computerName, "srv-win-01");
      assert.equal(p.detectedProperties.cloudprovider, "N/A");
      assert.equal(p.mssqlDiscovered, "false", "no SQL Server on the host");
      // The host has not said its version or edition yet: ESU eligibility is Unknown, no server type.
      assert.deepEqual(p.licenseProfile, {
        esuProfile: {
          esuEligibility: "Unknown",
          esuKeyState: "Inactive",
          esuKeys: [],
          licenseAssignmentState: "NotAssigned",
        },
      });
      assert.deepEqual(p.networkProfile, {
        networkInterfaces: [
          {
            name: "Ethernet",
            ipAddresses: [
              {
                address: "192.168.1.21",
                ipAddressVersion: "IPv4",
                subnet: { addressPrefix: "192.168.0.0/16" },
              },
            ],
          },
        ],
      });
      assert.deepEqual(p.errorDetails, []);
      assert.equal(p.privateLinkScopeResourceId, scopeId);
    },
  );

  it("config set reaches the resource with the next heartbeat, not before", T, async () => {
    await agentOk(["config", "set", "incomingconnections.ports", "22,6516"], win);
    await agentOk(["config", "set", "extensions.blocklist", "Microsoft.Compute/CustomScriptExtension"], win);
    await agentOk(["config", "set", "guestconfiguration.enabled", "false"], win);
    let p = (await getMachine(srv, "srv-win-01")).json.properties;
    assert.deepEqual(p.agentConfiguration.incomingConnectionsPorts, [], "not before the heartbeat");
    await agentOk(["__heartbeat"], win);
    p = (await getMachine(srv, "srv-win-01")).json.properties;
    assert.deepEqual(p.agentConfiguration.incomingConnectionsPorts, ["22", "6516"]);
    assert.deepEqual(p.agentConfiguration.extensionsBlockList, [
      { publisher: "Microsoft.Compute", type: "CustomScriptExtension" },
    ]);
    assert.equal(p.agentConfiguration.guestConfigurationEnabled, "false");
    assert.deepEqual(p.serviceStatuses.guestConfigurationService, {
      status: "Stopped",
      startupType: "Disabled",
    });
    // A PUT by a user keeps what the agent reported (read-only properties are never taken from it).
    const put = await arm(srv.info, "PUT", `${machineId(srv, "srv-win-01")}?${HC}`, {
      location: "eastus",
      properties: {
        privateLinkScopeResourceId: scopeId,
        agentConfiguration: { proxyUrl: "http://evil:1" },
        osProfile: { computerName: "other" },
      },
    });
    ok(put);
    assert.equal(put.json.properties.agentConfiguration.proxyUrl, null);
    assert.equal(put.json.properties.osProfile.computerName, "srv-win-01");
    await agentOk(["config", "clear", "guestconfiguration.enabled"], win);
    await agentOk(["__heartbeat"], win);
  });

  it(
    "the OS version, SKU and edition reach the machine when the host knows them, and nothing before",
    T,
    async () => {
      let p = (await getMachine(srv, "srv-win-01")).json.properties;
      assert.equal(p.osName, "windows");
      assert.equal(p.osType, "windows");
      for (const k of ["osVersion", "osSku", "osEdition"])
        assert.equal(p[k], undefined, `${k} is not guessed`);
      const host = rgPath(srv, `ArcLink.Lab/hosts/srv-win-01?${LAB}`);
      const patched = await arm(srv.info, "PATCH", host, {
        properties: {
          osVersion: "10.0.20348",
          osSku: "Windows Server 2022 Datacenter",
          osEdition: "ServerDatacenter",
        },
      });
      assert.equal(patched.status, 200, patched.text);
      await agentOk(["__heartbeat"], win);
      p = (await getMachine(srv, "srv-win-01")).json.properties;
      assert.equal(p.osVersion, "10.0.20348");
      assert.equal(p.osSku, "Windows Server 2022 Datacenter");
      assert.equal(p.osEdition, "ServerDatacenter");
      assert.equal(p.licenseProfile.esuProfile.serverType, "Datacenter");
      assert.equal(p.licenseProfile.esuProfile.esuEligibility, "Ineligible", "Windows Server 2022");
      const shown = JSON.parse((await agentOk(["show", "--os", "--json"], win)).stdout);
      assert.equal(shown.osVersion, "10.0.20348");
      // Through the JS SDK too.
      const r = await runScenario("hybridcompute-extensions", srv.info, {
        RG,
        MACHINE: "srv-win-01",
        EXTENSION: "none-yet",
        PHASE: "read",
      });
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.result.machine.properties.osSku, "Windows Server 2022 Datacenter");
      assert.equal(r.result.machine.properties.osEdition, "ServerDatacenter");
    },
  );

  it(
    "azcmagent config set proxy.bypass Arc changes arclink check's verdict within one heartbeat",
    T,
    async () => {
      // An on-premises proxy whose site firewall lets it reach Arc's public endpoints, and a scope
      // that accepts public traffic: through the proxy the Arc names go public.
      ok(
        await arm(srv.info, "PUT", `${rgPath(srv, "ArcLink.Lab/proxies/squid")}?${LAB}`, {
          location: "global",
          properties: {
            siteId: rgPath(srv, "ArcLink.Lab/sites/onprem"),
            ipAddress: "192.168.1.30",
            port: 3128,
          },
        }),
      );
      const fwPath = `${rgPath(srv, "ArcLink.Lab/firewalls/fw-onprem")}?${LAB}`;
      const fw = (await arm(srv.info, "GET", fwPath)).json;
      const { siteId, defaultAction, rules } = fw.properties;
      ok(
        await arm(srv.info, "PUT", fwPath, {
          location: fw.location,
          properties: {
            siteId,
            defaultAction,
            rules: [
              ...rules,
              ...["AzureArcInfrastructure", "GuestAndHybridManagement"].map((tag, i) => ({
                name: `Allow${tag}`,
                priority: 300 + i,
                action: "Allow",
                protocol: "Tcp",
                destinationAddresses: [tag],
                destinationPorts: ["443"],
              })),
            ],
          },
        }),
      );
      const scopePath = `${scopeId}?${HC}`;
      const scope = (await arm(srv.info, "GET", scopePath)).json;
      ok(
        await arm(srv.info, "PUT", scopePath, {
          location: scope.location,
          properties: { publicNetworkAccess: "Enabled" },
        }),
      );

      const lnx = await hostEnv(srv, tmp, "srv-lnx-01");
      await agentOk(connectArgs(srv, "srv-lnx-01", "eastus", ["--private-link-scope", scopeId]), lnx);
      const his = "eus.his.arc.azure.com";
      assert.equal((await labCheck(srv, "srv-lnx-01"))[his].verdict, "private");

      // The proxy without a bypass: the next heartbeat goes through it, publicly, and says so.
      await agentOk(["config", "set", "proxy.url", "http://192.168.1.30:3128"], lnx);
      assert.equal((await labCheck(srv, "srv-lnx-01"))[his].verdict, "private", "Azure has not heard yet");
      await agentOk(["__heartbeat"], lnx);
      let m = (await getMachine(srv, "srv-lnx-01")).json.properties;
      assert.equal(m.agentConfiguration.proxyUrl, "http://192.168.1.30:3128");
      assert.deepEqual(m.agentConfiguration.proxyBypass, []);
      let row = (await labCheck(srv, "srv-lnx-01"))[his];
      assert.equal(row.verdict, "public", JSON.stringify(row));
      assert.ok(
        row.trace.some((s: any) => s.at === "proxy" && /to proxy http:\/\/192\.168\.1\.30:3128/.test(s.what)),
        JSON.stringify(row.trace),
      );
      const lint = await lintFindings(srv, "proxy-without-bypass");
      assert.ok(
        lint.some((f) => /srv-lnx-01/.test(f.message)),
        `lint names the host: ${JSON.stringify(lint)}`,
      );

      // proxy.bypass Arc: the very next heartbeat goes direct to the private endpoint and reports it.
      await agentOk(["config", "set", "proxy.bypass", "Arc"], lnx);
      assert.equal((await labCheck(srv, "srv-lnx-01"))[his].verdict, "public", "Azure has not heard yet");
      await agentOk(["__heartbeat"], lnx);
      m = (await getMachine(srv, "srv-lnx-01")).json.properties;
      assert.deepEqual(m.agentConfiguration.proxyBypass, ["Arc"]);
      row = (await labCheck(srv, "srv-lnx-01"))[his];
      assert.equal(row.verdict, "private", JSON.stringify(row));
      const after = await lintFindings(srv, "proxy-without-bypass");
      assert.ok(!after.some((f) => /srv-lnx-01/.test(f.message)), JSON.stringify(after));
      // ARM still goes through the proxy (Arc bypasses only the Arc services).
      assert.ok(
        (await labCheck(srv, "srv-lnx-01"))["management.azure.com"].trace.some((s: any) => s.at === "proxy"),
      );
    },
  );

  it("the JS SDK, the Python SDK and az resource show see what the agent reported", T, async () => {
    const r = await runScenario("hybridcompute-extensions", srv.info, {
      RG,
      MACHINE: "srv-win-01",
      EXTENSION: "none-yet",
      PHASE: "read",
    });
    assert.equal(r.code, 0, r.stderr);
    const p0 = r.result.machine.properties;
    assert.equal(p0.agentConfiguration.configMode, "full");
    assert.deepEqual(p0.agentConfiguration.incomingConnectionsPorts, ["22", "6516"]);
    assert.equal(p0.osProfile.computerName, "srv-win-01");
    assert.equal(p0.detectedProperties.cloudprovider, "N/A");
    assert.deepEqual(r.result.extension, { error: 404, code: "ResourceNotFound" });
    // Machines_Get lists the machine's extensions as `resources`: none yet.
    assert.deepEqual((await getMachine(srv, "srv-win-01")).json.resources, []);
    let az: AzSession | undefined;
    try {
      az = await azLogin(srv.info);
      const args = ["resource", "show", "--ids", machineId(srv, "srv-win-01"), "--api-version", "2024-07-10"];
      const shown = await az.run(args);
      assert.equal(shown.code, 0, describeAz(args, shown));
      const p = shown.json.properties;
      assert.deepEqual(p.agentConfiguration.incomingConnectionsPorts, ["22", "6516"]);
      assert.equal(p.agentVersion, "1.45.02983.1834");
      assert.equal(p.osProfile.computerName, "srv-win-01");
      assert.equal(p.networkProfile.networkInterfaces[0].ipAddresses[0].address, "192.168.1.21");
      assert.equal(p.serviceStatuses.extensionService.status, "Running");
    } finally {
      az?.cleanup();
    }
    // Azure's Python SDK on its own default api-version deserialises the same report.
    const py = await runPython("machine_read.py", srv.info, 120_000, {
      ARCLINK_RG: RG,
      ARCLINK_MACHINE: "srv-win-01",
    });
    assert.equal(py.code, 0, py.stderr.slice(-3000));
    assert.equal(py.result.apiVersion, "2022-08-11-preview");
    assert.equal(py.result.status, "Connected");
    assert.equal(py.result.agentVersion, "1.45.02983.1834");
    assert.equal(py.result.computerName, "srv-win-01");
    assert.equal(py.result.configMode, "full");
    assert.deepEqual(py.result.incomingConnectionsPorts, ["22", "6516"]);
    assert.equal(py.result.extensionService, "Running");
    assert.equal(py.result.detectedProperties.cloudprovider, "N/A");
  });

  it(
    "an Azure Monitor agent extension put through the SDK installs through the gateway and is refused at its own endpoints while the machine stays Connected",
    T,
    async () => {
      const created = await runScenario("hybridcompute-extensions", srv.info, {
        RG,
        MACHINE: "srv-win-01",
        EXTENSION: "AzureMonitorWindowsAgent",
        PUBLISHER: "Microsoft.Azure.Monitor",
        TYPE: "AzureMonitorWindowsAgent",
        SETTINGS: JSON.stringify({ workspaceId: "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0" }),
      });
      assert.equal(created.code, 0, created.stderr);
      const c = created.result;
      assert.equal(c.created.type, "Microsoft.HybridCompute/machines/extensions");
      assert.equal(c.created.properties.provisioningState, "Succeeded");
      assert.equal(c.created.properties.publisher, "Microsoft.Azure.Monitor");
      assert.deepEqual(c.created.properties.protectedSettings, {}, "protected settings are never returned");
      assert.equal(c.created.properties.instanceView, undefined, "not installed until the agent says so");
      assert.deepEqual(c.listed, ["AzureMonitorWindowsAgent"]);
      assert.equal(c.patched.properties.autoUpgradeMinorVersion, false);

      // The extension service's next pass: it installs the extension, which dials its own service.
      const run = await agentOk(["__extensions"], win);
      assert.match(run.all, /Enable failed for extension AzureMonitorWindowsAgent: /);
      const show = JSON.parse((await agentOk(["show", "extensionsStatus", "status", "--json"], win)).stdout);
      assert.equal(show.status, "Connected");
      assert.match(
        show.extensionsStatus,
        /AzureMonitorWindowsAgent: Failed \(.*global\.handler\.control\.monitor\.azure\.com/,
      );
      await agentOk(["__heartbeat"], win);
      assert.equal((await getMachine(srv, "srv-win-01")).json.properties.status, "Connected");

      // ARM shows the agent's outcome as the extension's instance view.
      const read = await runScenario("hybridcompute-extensions", srv.info, {
        RG,
        MACHINE: "srv-win-01",
        EXTENSION: "AzureMonitorWindowsAgent",
        PHASE: "read",
      });
      assert.equal(read.code, 0, read.stderr);
      const status = read.result.extension.properties.instanceView.status;
      assert.equal(status.code, "failed");
      assert.equal(status.level, "Error");
      assert.match(status.message, /global\.handler\.control\.monitor\.azure\.com/);
      // The machine's GET (with $expand=instanceView, as SDKs may ask) lists it in `resources`,
      // as its own GET shows it: the instance view, and never the protected settings.
      const expanded = await arm(
        srv.info,
        "GET",
        `${machineId(srv, "srv-win-01")}?api-version=2024-07-10&$expand=instanceView`,
      );
      assert.equal(expanded.status, 200, expanded.text);
      const res = expanded.json.resources;
      assert.deepEqual(
        res.map((x: any) => [x.name, x.type]),
        [["AzureMonitorWindowsAgent", "Microsoft.HybridCompute/machines/extensions"]],
      );
      assert.equal(res[0].properties.instanceView.status.code, "failed");
      assert.deepEqual(res[0].properties.protectedSettings, {});
      assert.ok(!JSON.stringify(res).includes("_arclink"), "no internal fields");

      // Lint names the machine and the missing Azure Monitor private link.
      const f = (await lintFindings(srv, "extension-service-no-private-endpoint")).filter((x) =>
        /srv-win-01/.test(JSON.stringify(x)),
      );
      assert.ok(f.length > 0, "lint reports the extension's refused service");
      assert.match(JSON.stringify(f[0]), /Azure Monitor/);

      // Local policy: a blocked extension is refused by the agent itself, before any network.
      await agentOk(
        ["config", "set", "extensions.blocklist", "Microsoft.Azure.Monitor/AzureMonitorWindowsAgent"],
        win,
      );
      const blocked = await agentOk(["__extensions"], win);
      assert.match(blocked.all, /is in this machine's extensions\.blocklist/);
      await agentOk(["config", "clear", "extensions.blocklist"], win);

      const del = await runScenario("hybridcompute-extensions", srv.info, {
        RG,
        MACHINE: "srv-win-01",
        EXTENSION: "AzureMonitorWindowsAgent",
        PHASE: "delete",
      });
      assert.equal(del.code, 0, del.stderr);
      assert.deepEqual(del.result.left, []);
    },
  );
});
