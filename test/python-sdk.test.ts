// Azure's Python SDK (Debian's python3-azure: azure-mgmt-hybridcompute 8.0.0b1, azure-mgmt-network
// 23.0.0b1, azure-mgmt-privatedns 1.1.0b1, azure-mgmt-resource, azure-identity) as a second real
// client: the seed's portal flow on each client's own default api-versions. Its generated clients
// check every status code against the spec, so a 201 where the spec says 200 fails the flow.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { arm } from "./helpers/arm.js";
import { PYTHON, runPython } from "./helpers/python.js";
import { removeDataDir, startServer, TestServer } from "./helpers/server.js";

let srv: TestServer;
before(async () => {
  srv = await startServer({ args: ["--dns", "none"] });
});
after(async () => {
  await srv.stop();
  removeDataDir(srv.dataDir);
});

test(
  `the portal flow through the Python SDK (${PYTHON}) on its default api-versions`,
  { timeout: 300_000 },
  async () => {
    const r = await runPython("portal_flow.py", srv.info);
    assert.equal(r.code, 0, `the Python flow failed (exit ${r.code}):\n${r.stderr.slice(-4000)}`);
    const x = r.result;
    assert.ok(x, `no JSON result:\n${r.stdout.slice(-2000)}`);

    // Each client sent its own default version, and ArcLink served it.
    assert.deepEqual(x.defaults, { hybridcompute: "2022-08-11-preview", privatedns: "2020-06-01" });
    const versions = (client: string) =>
      [...new Set(x.calls.filter((c: any) => c.client === client).map((c: any) => c.apiVersion))].sort();
    assert.deepEqual(versions("hybridcompute"), ["2022-08-11-preview"]);
    assert.deepEqual(versions("network"), ["2022-07-01"]);
    assert.deepEqual(versions("privatedns"), ["2020-06-01"]);
    const refused = x.calls.filter((c: any) => c.status >= 400 && !(c.method === "HEAD" && c.status === 404));
    assert.deepEqual(refused, [], "no call was refused");

    assert.deepEqual(x.groups, ["hybridcompute"]);
    assert.equal(x.peState, "Approved", "a group id written 'hybridCompute' matches case-insensitively");
    assert.deepEqual(x.peIpConfigurations, [], "no ipConfigurations were sent, so none are listed");
    assert.equal(x.approved, "Approved");
    assert.equal(x.manualState, "Approved");
    assert.ok(x.dnsConfigs.length >= 4, JSON.stringify(x.dnsConfigs));
    for (const d of x.dnsConfigs) {
      const [label, ...rest] = d.fqdn.split(".");
      assert.equal(x.records[`${label}.privatelink.${rest.join(".")}`], d.ip, `A record for ${d.fqdn}`);
    }
    assert.match(x.machineScope, /\/privateLinkScopes\/pls-arc$/);
    assert.equal(x.byGuid.public_network_access, "Disabled");
    assert.deepEqual(x.byMachine, x.byGuid);
    assert.ok(
      x.byGuid.connection_details.some((c: any) => c.private_ip_address === x.dnsConfigs[0].ip),
      JSON.stringify(x.byGuid),
    );
    assert.deepEqual(x.machines, ["srv01"]);
    assert.deepEqual(x.machinesAfter, []);
    for (const [zone, left] of Object.entries(x.recordsLeft))
      assert.deepEqual(left, [], `records left in ${zone}`);
    assert.equal(x.rgExists, false);

    // The status codes the spec declares for 2022-08-11-preview, as the SDK saw them.
    const statusOf = (method: string, re: RegExp) =>
      x.calls.filter((c: any) => c.method === method && re.test(c.path)).map((c: any) => c.status);
    assert.deepEqual(
      statusOf("PUT", /\/machines\/srv01$/i),
      [200],
      "Machines_CreateOrUpdate declares only 200",
    );
    assert.deepEqual(
      statusOf("DELETE", /\/machines\/srv01$/i),
      [200],
      "Machines_Delete is synchronous before 2025-01-13",
    );
    assert.deepEqual(statusOf("PUT", /\/privateLinkScopes\/pls-arc$/i), [201]);
  },
);

test(
  `a Log Analytics workspace scoped by an Azure Monitor Private Link Scope through the Python SDK (${PYTHON})`,
  { timeout: 300_000 },
  async () => {
    const rg = `/subscriptions/${srv.info.subscriptionId}/resourceGroups/rg-monitor-py`;
    const created = await arm(srv.info, "PUT", `${rg}?api-version=2021-04-01`, { location: "eastus" });
    assert.ok([200, 201].includes(created.status), created.text);
    const r = await runPython("monitor_flow.py", srv.info, 240_000, { ARCLINK_RG: "rg-monitor-py" });
    assert.equal(r.code, 0, `the Python flow failed (exit ${r.code}):\n${r.stderr.slice(-4000)}`);
    const x = r.result;
    assert.ok(x, `no JSON result:\n${r.stdout.slice(-2000)}`);
    assert.deepEqual(x.loganalyticsVersions, ["2022-10-01"], "the SDK's own default version");
    assert.match(x.customerId, /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    assert.equal(x.provisioningState, "Succeeded");
    assert.equal(x.retention, 45);
    assert.deepEqual(x.listed, ["law-py"]);
    assert.equal(x.scopeLocation, "global");
    assert.equal(
      String(x.linked).toLowerCase(),
      `${rg}/providers/Microsoft.OperationalInsights/workspaces/law-py`.toLowerCase(),
    );
    assert.equal(x.deleteWhileScoped, 409, "a scoped workspace cannot be deleted");
    assert.deepEqual(x.listedAfter, []);
  },
);
