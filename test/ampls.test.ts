// Azure Monitor Private Link Scopes (Microsoft.Insights/privateLinkScopes) through raw ARM calls
// (no Azure Monitor management SDK is part of the project), and the Azure Monitor agent extension
// fixed with one: refused at its own endpoints while there is no private endpoint for Azure
// Monitor (lint says so), then, once a scope, an azuremonitor private endpoint, its privatelink
// zone (linked to the hub VNet, with the public zone forwarded from on-premises DNS) exist, the
// extension service installs it through the gateway and lint's finding is gone.
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
const WORKSPACE_GUID = "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0";
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

      const workspace = rgPath(srv, "Microsoft.OperationalInsights/workspaces/law-hub");
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
      const workspace = rgPath(srv, "Microsoft.OperationalInsights/workspaces/law-az");
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
      await putExtension({});
      const refused = await agentOk(["__extensions"], win);
      assert.match(
        refused.all,
        /Enable failed for extension AzureMonitorWindowsAgent: .*global\.handler\.control\.monitor\.azure\.com/,
      );
      assert.equal((await instanceStatus()).code, "failed");
      const before = await monitorFindings();
      assert.equal(before.length, 1, JSON.stringify(before));
      assert.match(JSON.stringify(before[0].fixPlan), /Azure Monitor Private Link Scope/);

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
      const names = done.properties.customDnsConfigs.map((c: any) => c.fqdn);
      assert.deepEqual(names, [
        "global.handler.control.monitor.azure.com",
        "eastus.handler.control.monitor.azure.com",
      ]);
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

      // Its zone, linked to the hub VNet, written by a zone group.
      const zone = rgPath(srv, "Microsoft.Network/privateDnsZones/privatelink.monitor.azure.com");
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
      const zg = `${peId}/privateDnsZoneGroups/default?${NET}`;
      status(
        await arm(srv.info, "PUT", zg, {
          properties: {
            privateDnsZoneConfigs: [{ name: "monitor", properties: { privateDnsZoneId: zone } }],
          },
        }),
        200,
        201,
      );
      await waitSucceeded(srv, zg);
      const rec = await arm(srv.info, "GET", `${zone}/A/global.handler.control?${DNS}`);
      assert.equal(rec.status, 200, rec.text);
      assert.deepEqual(
        rec.json.properties.aRecords.map((a: any) => a.ipv4Address),
        done.properties.customDnsConfigs[0].ipAddresses,
      );

      // On-premises DNS forwards the public zone to the hub's inbound endpoint, as for Arc's.
      const dc01 = rgPath(srv, `ArcLink.Lab/dnsServers/dc01?${LAB}`);
      const dc = await arm(srv.info, "GET", dc01);
      const fwd = dc.json.properties.conditionalForwarders;
      const patched = await arm(srv.info, "PATCH", dc01, {
        properties: {
          conditionalForwarders: [...fwd, { domain: "monitor.azure.com", targets: fwd[0].targets }],
        },
      });
      assert.equal(patched.status, 200, patched.text);

      const fixed = await agentOk(["__extensions"], win);
      assert.match(fixed.all, /Enable succeeded for extension AzureMonitorWindowsAgent/);
      const show = JSON.parse((await agentOk(["show", "extensionsStatus", "status", "--json"], win)).stdout);
      assert.equal(show.status, "Connected");
      assert.match(show.extensionsStatus, /AzureMonitorWindowsAgent: Succeeded/);
      assert.equal((await instanceStatus()).code, "success");
      assert.deepEqual(await monitorFindings(), []);
      assert.equal((await getMachine(srv, "srv-win-01")).json.properties.status, "Connected");

      // What ArcLink cannot know: the workspace's GUID is the workspace resource's, which is not
      // modelled, so the endpoint has no address for <GUID>.ods.opinsights.azure.com and an agent
      // sending to a workspace still dials its public name (blocked by the on-premises firewall).
      await putExtension({ workspaceId: WORKSPACE_GUID });
      const ws = await agentOk(["__extensions"], win);
      assert.match(
        ws.all,
        new RegExp(
          `Enable failed for extension AzureMonitorWindowsAgent: .*${WORKSPACE_GUID}\\.ods\\.opinsights\\.azure\\.com`,
        ),
      );

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
    },
  );
});
