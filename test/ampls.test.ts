// Azure Monitor Private Link Scopes (Microsoft.Insights/privateLinkScopes) through raw ARM calls
// (no Azure Monitor management SDK is part of the project), and the Azure Monitor agent extension
// fixed with one: refused at its own endpoints while there is no private endpoint for Azure
// Monitor (lint says so), then, once a scope, an azuremonitor private endpoint, its privatelink
// zone (linked to the hub VNet, with the public zone forwarded from on-premises DNS) exist, the
// extension service installs it through the gateway and lint's finding is gone. The workspace it
// sends to is a Log Analytics workspace (Microsoft.OperationalInsights/workspaces) scoped by the
// scope: its names (<workspace id>.ods/.oms.opinsights.azure.com,
// <workspace id>.agentsvc.azure-automation.net) get the endpoint's addresses and resolve privately
// once their privatelink zones are in the endpoint's zone group.
import assert from "node:assert/strict";
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
  lintFindings,
  NET,
  RG,
  rgPath,
  runAgent,
  scopeIdOf,
  waitSucceeded,
} from "./helpers/agent.js";
import { AzSession, azLogin, describeAz } from "./helpers/az.js";
import { runScenario } from "./helpers/sdk.js";
import { ROOT, startServer, type TestServer } from "./helpers/server.js";

const T = { timeout: 240_000 };
const MON = "api-version=2021-07-01-preview";
const DNS = "api-version=2020-06-01";
// The version azure-mgmt-loganalytics (python3-azure) and az 2.45 send.
const LAW = "api-version=2022-10-01";
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const ZONES = [
  "privatelink.monitor.azure.com",
  "privatelink.oms.opinsights.azure.com",
  "privatelink.ods.opinsights.azure.com",
  "privatelink.agentsvc.azure-automation.net",
  "privatelink.blob.core.windows.net",
];

let srv: TestServer;
let tmp: string;
let win: Record<string, string>;

before(async () => {
  tmp = mkdtempSync(join(tmpdir(), "azcm-ampls-"));
  srv = await startServer({ args: ["--topology", join(ROOT, "examples/reference.yaml")] });
});

after(async () => {
  await srv?.stop();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

const ampls = (name: string) => rgPath(srv, `Microsoft.Insights/privateLinkScopes/${name}`);
const workspacePath = (name: string) => rgPath(srv, `Microsoft.OperationalInsights/workspaces/${name}`);

function status(r: { status: number; text: string }, ...want: number[]) {
  assert.ok(want.includes(r.status), `${want.join("/")} expected: ${r.status} ${r.text}`);
}

async function agentOk(args: string[], env: Record<string, string>) {
  const r = await runAgent(args, env);
  assert.equal(r.code, 0, `azcmagent ${args.join(" ")}\n${r.all}`);
  return r;
}

async function monitorFindings(): Promise<any[]> {
  const findings = await lintFindings(srv, "extension-service-no-private-endpoint");
  return findings.filter((f: any) => /srv-win-01/.test(JSON.stringify(f)));
}

async function putExtension(settings: object) {
  const r = await runScenario("hybridcompute-extensions", srv.info, {
    RG,
    MACHINE: "srv-win-01",
    EXTENSION: "AzureMonitorWindowsAgent",
    PUBLISHER: "Microsoft.Azure.Monitor",
    TYPE: "AzureMonitorWindowsAgent",
    SETTINGS: JSON.stringify(settings),
  });
  assert.equal(r.code, 0, r.stderr);
}

/** Waits (real time, bounded) until a long-running DELETE has removed the resource. */
async function waitGone(path: string) {
  for (let i = 0; i < 100; i++) {
    const r = await arm(srv.info, "GET", path);
    if (r.status === 404) return;
    await new Promise((res) => setTimeout(res, 200));
  }
  assert.fail(`${path} still exists`);
}

async function instanceStatus(): Promise<any> {
  const r = await runScenario("hybridcompute-extensions", srv.info, {
    RG,
    MACHINE: "srv-win-01",
    EXTENSION: "AzureMonitorWindowsAgent",
    PHASE: "read",
  });
  assert.equal(r.code, 0, r.stderr);
  return r.result.extension.properties.instanceView.status;
}

describe("Azure Monitor Private Link Scopes", () => {
  it(
    "a scope: global only, access modes, scoped resources, the azuremonitor group and its zones",
    T,
    async () => {
      const bad = await arm(srv.info, "PUT", `${ampls("ampls-x")}?${MON}`, {
        location: "eastus",
        properties: { accessModeSettings: { queryAccessMode: "Open", ingestionAccessMode: "Open" } },
      });
      assert.equal(bad.status, 400, bad.text);
      assert.equal(bad.json.error.code, "InvalidLocation");
      const mode = await arm(srv.info, "PUT", `${ampls("ampls-x")}?${MON}`, {
        location: "global",
        properties: { accessModeSettings: { queryAccessMode: "Open", ingestionAccessMode: "Sometimes" } },
      });
      assert.equal(mode.status, 400, mode.text);
      assert.match(mode.json.error.message, /ingestionAccessMode/);
      const missing = await arm(srv.info, "PUT", `${ampls("ampls-x")}?${MON}`, {
        location: "global",
        properties: { accessModeSettings: { queryAccessMode: "Open" } },
      });
      assert.equal(missing.status, 400, missing.text);
      assert.match(missing.json.error.message, /ingestionAccessMode/);
      assert.equal((await arm(srv.info, "GET", `${ampls("ampls-x")}?${MON}`)).status, 404);

      const created = await arm(srv.info, "PUT", `${ampls("ampls-hub")}?${MON}`, {
        location: "global",
        properties: { accessModeSettings: { queryAccessMode: "Open", ingestionAccessMode: "PrivateOnly" } },
      });
      status(created, 201);
      assert.equal(created.json.location, "global");
      assert.equal(created.json.type, "Microsoft.Insights/privateLinkScopes");
      assert.deepEqual(created.json.properties.accessModeSettings, {
        queryAccessMode: "Open",
        ingestionAccessMode: "PrivateOnly",
        exclusions: [],
      });
      assert.deepEqual(created.json.properties.privateEndpointConnections, []);
      // The oldest version does not define access modes.
      const old = await arm(srv.info, "GET", `${ampls("ampls-hub")}?api-version=2019-10-17-preview`);
      assert.equal(old.status, 200, old.text);

      const plr = await arm(srv.info, "GET", `${ampls("ampls-hub")}/privateLinkResources?${MON}`);
      assert.equal(plr.status, 200, plr.text);
      assert.equal(plr.json.value.length, 1);
      assert.equal(plr.json.value[0].properties.groupId, "azuremonitor");
      assert.deepEqual(plr.json.value[0].properties.requiredZoneNames, ZONES);

      const workspace = workspacePath("law-hub");
      // A workspace must exist before a scope can hold it.
      const absent = await arm(srv.info, "PUT", `${ampls("ampls-hub")}/scopedResources/law-hub?${MON}`, {
        properties: { linkedResourceId: workspace },
      });
      assert.equal(absent.status, 400, absent.text);
      assert.equal(absent.json.error.code, "InvalidResourceReference");
      const law = await arm(srv.info, "PUT", `${workspace}?${LAW}`, {
        location: "eastus",
        properties: { sku: { name: "PerGB2018" }, retentionInDays: 30 },
      });
      assert.equal(law.status, 201, law.text);
      assert.match(law.json.properties.customerId, GUID);
      assert.equal(law.json.properties.provisioningState, "Succeeded");
      assert.equal(law.json.properties.publicNetworkAccessForIngestion, "Enabled");
      const wrong = await arm(srv.info, "PUT", `${ampls("ampls-hub")}/scopedResources/vnet?${MON}`, {
        properties: { linkedResourceId: rgPath(srv, "Microsoft.Network/virtualNetworks/vnet-hub") },
      });
      assert.equal(wrong.status, 400, wrong.text);
      assert.equal(wrong.json.error.code, "InvalidResourceType");
      const scoped = await arm(srv.info, "PUT", `${ampls("ampls-hub")}/scopedResources/law-hub?${MON}`, {
        properties: { linkedResourceId: workspace },
      });
      status(scoped, 200, 201);
      const got = await waitSucceeded(srv, `${ampls("ampls-hub")}/scopedResources/law-hub?${MON}`);
      assert.equal(got.properties.linkedResourceId, workspace);
      const list = await arm(srv.info, "GET", `${ampls("ampls-hub")}/scopedResources?${MON}`);
      assert.deepEqual(
        list.json.value.map((x: any) => x.name),
        ["law-hub"],
      );
      // A scoped workspace cannot be deleted until it leaves the scope.
      const held = await arm(srv.info, "DELETE", `${workspace}?${LAW}`);
      assert.equal(held.status, 409, held.text);
      assert.match(held.json.error.message, /ampls-hub/);

      // An endpoint to an Azure Monitor scope must ask for its group.
      const subnet = rgPath(srv, "Microsoft.Network/virtualNetworks/vnet-hub/subnets/snet-private-endpoints");
      const wrongGroup = await arm(
        srv.info,
        "PUT",
        `${rgPath(srv, "Microsoft.Network/privateEndpoints/pe-x")}?${NET}`,
        {
          location: "eastus",
          properties: {
            subnet: { id: subnet },
            privateLinkServiceConnections: [
              {
                name: "c",
                properties: { privateLinkServiceId: ampls("ampls-hub"), groupIds: ["hybridcompute"] },
              },
            ],
          },
        },
      );
      assert.equal(wrongGroup.status, 400, wrongGroup.text);
      assert.match(wrongGroup.json.error.message, /'azuremonitor'/);
    },
  );

  it("az monitor private-link-scope creates, shows and scopes a workspace", T, async () => {
    let az: AzSession | undefined;
    try {
      az = await azLogin(srv.info);
      const run = async (args: string[]) => {
        const r = await az!.run(args);
        assert.equal(r.code, 0, describeAz(args, r));
        return r.json;
      };
      const created = await run(["monitor", "private-link-scope", "create", "-g", RG, "-n", "ampls-az"]);
      assert.equal(created.location, "global");
      const shown = await run(["monitor", "private-link-scope", "show", "-g", RG, "-n", "ampls-az"]);
      // az 2.45 asks at 2019-10-17-preview, which has no access modes; its output is flattened.
      assert.deepEqual(shown.privateEndpointConnections, []);
      assert.equal(shown.accessModeSettings, undefined);
      // --no-wait: az 2.45 polls a long-running create on a thread of its own, which races its
      // main thread's imports under load (a circular-import error in az, not an ArcLink answer).
      const create = await az.run([
        ...["monitor", "log-analytics", "workspace", "create", "-g", RG, "-n", "law-az"],
        ...["--location", "westeurope", "--retention-time", "60", "--no-wait"],
      ]);
      assert.equal(create.code, 0, create.stderr);
      const law = await run(["monitor", "log-analytics", "workspace", "show", "-g", RG, "-n", "law-az"]);
      assert.match(law.customerId, GUID);
      assert.equal(law.retentionInDays, 60);
      assert.equal(law.provisioningState, "Succeeded");
      const workspace = law.id;
      const scoped = await run([
        ...["monitor", "private-link-scope", "scoped-resource", "create", "-g", RG],
        ...["--scope-name", "ampls-az", "-n", "law-az", "--linked-resource", workspace],
      ]);
      assert.equal(String(scoped.linkedResourceId).toLowerCase(), workspace.toLowerCase());
      const groups = await run([
        ...["monitor", "private-link-scope", "private-link-resource", "list", "-g", RG],
        ...["--scope-name", "ampls-az"],
      ]);
      assert.equal(groups[0].groupId, "azuremonitor");
    } finally {
      az?.cleanup();
    }
  });

  it(
    "the Azure Monitor agent extension, refused without a private endpoint for Azure Monitor, installs once the scope's endpoint and zone exist",
    T,
    async () => {
      win = await hostEnv(srv, tmp, "srv-win-01");
      await agentOk(
        connectArgs(srv, "srv-win-01", "eastus", ["--private-link-scope", scopeIdOf(srv, "pls-arc")]),
        win,
      );
      // The agent sends to the scope's workspace: its id is the workspace's customerId.
      const law = await arm(srv.info, "GET", `${workspacePath("law-hub")}?${LAW}`);
      const wsId = String(law.json.properties.customerId);
      const ods = `${wsId}.ods.opinsights.azure.com`;
      await putExtension({ workspaceId: wsId });
      const refused = await agentOk(["__extensions"], win);
      assert.match(
        refused.all,
        /Enable failed for extension AzureMonitorWindowsAgent: .*global\.handler\.control\.monitor\.azure\.com/,
      );
      assert.equal((await instanceStatus()).code, "failed");
      const before = await monitorFindings();
      assert.equal(before.length, 1, JSON.stringify(before));
      assert.match(JSON.stringify(before[0].fixPlan), /Azure Monitor Private Link Scope/);
      assert.equal((await getMachine(srv, "srv-win-01")).json.properties.status, "Connected");

      // The private endpoint: addresses for the control plane names, the connection on the scope.
      const peId = rgPath(srv, "Microsoft.Network/privateEndpoints/pe-ampls");
      const pe = await arm(srv.info, "PUT", `${peId}?${NET}`, {
        location: "eastus",
        properties: {
          subnet: {
            id: rgPath(srv, "Microsoft.Network/virtualNetworks/vnet-hub/subnets/snet-private-endpoints"),
          },
          privateLinkServiceConnections: [
            {
              name: "ampls",
              properties: { privateLinkServiceId: ampls("ampls-hub"), groupIds: ["azuremonitor"] },
            },
          ],
        },
      });
      status(pe, 200, 201);
      const done = await waitSucceeded(srv, `${peId}?${NET}`);
      // The control plane names, and the names of the workspace the scope holds.
      const dnsConfigs = done.properties.customDnsConfigs;
      assert.deepEqual(
        dnsConfigs.map((c: any) => c.fqdn),
        [
          "global.handler.control.monitor.azure.com",
          "eastus.handler.control.monitor.azure.com",
          `${wsId}.agentsvc.azure-automation.net`,
          ods,
          `${wsId}.oms.opinsights.azure.com`,
        ],
      );
      // Its workspace members, named as the specification's example names them.
      const members = await arm(srv.info, "GET", `${ampls("ampls-hub")}/privateLinkResources?${MON}`);
      assert.deepEqual(members.json.value[0].properties.requiredMembers.slice(2), [
        `agent-${wsId}`,
        `ods-${wsId}`,
        `oms-${wsId}`,
      ]);
      const ipOf = (fqdn: string) => dnsConfigs.find((c: any) => c.fqdn === fqdn).ipAddresses;
      const scope = await arm(srv.info, "GET", `${ampls("ampls-hub")}?${MON}`);
      const conns = scope.json.properties.privateEndpointConnections;
      assert.equal(conns.length, 1, scope.text);
      assert.equal(conns[0].type, "Microsoft.Insights/privateLinkScopes/privateEndpointConnections");
      assert.equal(conns[0].properties.privateLinkServiceConnectionState.status, "Approved");
      assert.deepEqual(conns[0].properties.groupIds, ["azuremonitor"]);
      assert.equal(conns[0].properties.privateEndpoint.id.toLowerCase(), peId.toLowerCase());

      // The endpoint alone is not enough: nothing resolves to it yet.
      const still = await agentOk(["__extensions"], win);
      assert.match(still.all, /Enable failed for extension AzureMonitorWindowsAgent/);

      // A privatelink zone, linked to the hub VNet.
      const zoneOf = async (name: string) => {
        const zone = rgPath(srv, `Microsoft.Network/privateDnsZones/${name}`);
        status(await arm(srv.info, "PUT", `${zone}?${DNS}`, { location: "global" }), 200, 201, 202);
        await waitSucceeded(srv, `${zone}?${DNS}`);
        const link = `${zone}/virtualNetworkLinks/vnet-hub-link?${DNS}`;
        status(
          await arm(srv.info, "PUT", link, {
            location: "global",
            properties: {
              virtualNetwork: { id: rgPath(srv, "Microsoft.Network/virtualNetworks/vnet-hub") },
              registrationEnabled: false,
            },
          }),
          200,
          201,
          202,
        );
        await waitSucceeded(srv, link);
        return zone;
      };
      // The endpoint's zone group writes the records of the zones it lists.
      const zg = `${peId}/privateDnsZoneGroups/default?${NET}`;
      const zoneGroup = async (zones: string[]) => {
        status(
          await arm(srv.info, "PUT", zg, {
            properties: {
              privateDnsZoneConfigs: zones.map((z, i) => ({
                name: `zone${i}`,
                properties: { privateDnsZoneId: z },
              })),
            },
          }),
          200,
          201,
        );
        await waitSucceeded(srv, zg);
      };
      // On-premises DNS forwards a public zone to the hub's inbound endpoint, as for Arc's.
      const dc01 = rgPath(srv, `ArcLink.Lab/dnsServers/dc01?${LAB}`);
      const forward = async (domains: string[]) => {
        const dc = await arm(srv.info, "GET", dc01);
        const fwd = dc.json.properties.conditionalForwarders;
        const patched = await arm(srv.info, "PATCH", dc01, {
          properties: {
            conditionalForwarders: [
              ...fwd,
              ...domains.map((domain) => ({ domain, targets: fwd[0].targets })),
            ],
          },
        });
        assert.equal(patched.status, 200, patched.text);
      };

      // First the control plane's zone alone.
      const zone = await zoneOf("privatelink.monitor.azure.com");
      await zoneGroup([zone]);
      const rec = await arm(srv.info, "GET", `${zone}/A/global.handler.control?${DNS}`);
      assert.equal(rec.status, 200, rec.text);
      assert.deepEqual(
        rec.json.properties.aRecords.map((a: any) => a.ipv4Address),
        ipOf("global.handler.control.monitor.azure.com"),
      );
      await forward(["monitor.azure.com"]);
      // The control plane answers privately; the workspace's ingestion name still goes public.
      const half = await agentOk(["__extensions"], win);
      assert.match(half.all, new RegExp(`Enable failed for extension AzureMonitorWindowsAgent: .*${ods}`));
      assert.equal((await getMachine(srv, "srv-win-01")).json.properties.status, "Connected");
      // Lint says the same: the workspace's ingestion zone is missing.
      const halfFindings = await monitorFindings();
      assert.equal(halfFindings.length, 1, JSON.stringify(halfFindings));
      assert.match(
        halfFindings[0].message,
        /privatelink\.ods\.opinsights\.azure\.com zone for the workspace/,
      );

      // Then the workspace's zones in the same zone group, and their public zones forwarded.
      const wsZones = await Promise.all(
        [
          "privatelink.oms.opinsights.azure.com",
          "privatelink.ods.opinsights.azure.com",
          "privatelink.agentsvc.azure-automation.net",
        ].map(zoneOf),
      );
      await zoneGroup([zone, ...wsZones]);
      for (const [i, name] of ["oms", "ods", "agentsvc"].entries()) {
        const r = await arm(srv.info, "GET", `${wsZones[i]}/A/${wsId}?${DNS}`);
        assert.equal(r.status, 200, `${name}: ${r.text}`);
        const fqdn = dnsConfigs.find((c: any) => c.fqdn.startsWith(`${wsId}.${name}.`)).fqdn;
        assert.deepEqual(
          r.json.properties.aRecords.map((a: any) => a.ipv4Address),
          ipOf(fqdn),
        );
      }
      await forward(["opinsights.azure.com", "agentsvc.azure-automation.net"]);

      const fixed = await agentOk(["__extensions"], win);
      assert.match(fixed.all, /Enable succeeded for extension AzureMonitorWindowsAgent/);
      const show = JSON.parse((await agentOk(["show", "extensionsStatus", "status", "--json"], win)).stdout);
      assert.equal(show.status, "Connected");
      assert.match(show.extensionsStatus, /AzureMonitorWindowsAgent: Succeeded/);
      assert.equal((await instanceStatus()).code, "success");
      assert.deepEqual(await monitorFindings(), []);
      assert.equal((await getMachine(srv, "srv-win-01")).json.properties.status, "Connected");

      // A rejected connection carries no traffic: the extension fails at the endpoint itself.
      const connUrl = `${ampls("ampls-hub")}/privateEndpointConnections/${conns[0].name}?${MON}`;
      const rejected = await arm(srv.info, "PUT", connUrl, {
        properties: { privateLinkServiceConnectionState: { status: "Rejected", description: "no" } },
      });
      assert.equal(rejected.status, 200, rejected.text);
      const refusedAgain = await agentOk(["__extensions"], win);
      assert.match(refusedAgain.all, /refused the connection: PrivateEndpointConnectionNotApproved/);

      // Deleting the endpoint takes its connection off the scope; the scope's DELETE is long-running.
      const gone = await arm(srv.info, "DELETE", `${peId}?${NET}`);
      status(gone, 200, 202, 204);
      await waitGone(`${peId}?${NET}`);
      const left = await arm(srv.info, "GET", `${ampls("ampls-hub")}/privateEndpointConnections?${MON}`);
      assert.deepEqual(left.json.value, [], left.text);
      const del = await arm(srv.info, "DELETE", `${ampls("ampls-hub")}?${MON}`);
      assert.equal(del.status, 202, del.text);
      assert.ok(del.headers.location, "Location");
      await waitGone(`${ampls("ampls-hub")}?${MON}`);
      assert.equal(
        (await arm(srv.info, "GET", `${ampls("ampls-hub")}/scopedResources/law-hub?${MON}`)).status,
        404,
      );
      // Out of every scope, the workspace can go.
      const lawGone = await arm(srv.info, "DELETE", `${workspacePath("law-hub")}?${LAW}`);
      assert.equal(lawGone.status, 200, lawGone.text);
      assert.equal((await arm(srv.info, "GET", `${workspacePath("law-hub")}?${LAW}`)).status, 404);
    },
  );
});
