// POST …/deployments/{name}/cancel through the JS SDK and through `az deployment group cancel`: a
// running deployment is cancelled (204) and ends Canceled, keeping what it wrote; anything else is
// 409 DeploymentCannotBeCancelled.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { arm } from "./helpers/arm.js";
import { AzSession, azLogin, describeAz } from "./helpers/az.js";
import { startServer, TestServer } from "./helpers/server.js";
import { runScenario } from "./helpers/sdk.js";

describe("cancelling a deployment (@azure/arm-resources 6.1)", () => {
  let srv: TestServer;
  before(async () => {
    srv = await startServer();
  });
  after(async () => {
    await srv?.stop();
  });

  it(
    "a Running deployment stops before its next resource; a finished one cannot be cancelled",
    { timeout: 600_000 },
    async () => {
      const r = await runScenario("deployments-cancel", srv.info, {}, 540_000);
      assert.equal(r.code, 0, r.stderr + r.stdout);
      const o = r.result;
      assert.equal(o.seen, "Running");
      assert.deepEqual(o.cancel, { ok: true });
      // The SDK's poller reports the cancelled operation as an error, as it does against Azure.
      assert.equal(o.created.ok, undefined, JSON.stringify(o.created));
      assert.match(o.created.message, /cancel/i);
      assert.equal(o.state, "Canceled");
      // What ran before the cancel stays: as many zones as operations, fewer than the template has.
      assert.ok(o.operations < o.total, `${o.operations} of ${o.total}`);
      assert.equal(o.zones, o.operations);
      assert.equal(o.outputResources, o.operations);
      assert.equal(o.cancelAgain.status, 409);
      assert.equal(o.cancelAgain.code, "DeploymentCannotBeCancelled");
      assert.match(o.cancelAgain.message, /'Canceled' state/);
      assert.equal(o.again, "Succeeded");
      assert.equal(o.cancelFinished.status, 409);
      assert.equal(o.cancelFinished.code, "DeploymentCannotBeCancelled");
      assert.equal(o.cancelMissing.status, 404);
      assert.equal(o.cancelMissing.code, "DeploymentNotFound");
    },
  );
});

describe("az deployment group cancel (Debian's az 2.45)", () => {
  let srv: TestServer;
  let az: AzSession;
  before(
    async () => {
      srv = await startServer();
      az = await azLogin(srv.info);
    },
    { timeout: 300_000 },
  );
  after(async () => {
    az?.cleanup();
    await srv?.stop();
  });

  it(
    "cancels a deployment another client started; show says Canceled; a second cancel is refused",
    { timeout: 600_000 },
    async () => {
      const sub = `/subscriptions/${srv.info.subscriptionId}`;
      assert.equal(
        (
          await arm(srv.info, "PUT", `${sub}/resourceGroups/rg-c?api-version=2021-04-01`, {
            location: "eastus",
          })
        ).status,
        201,
      );
      // One zone and four loops of 800 A record sets in it: long enough to be seen running.
      const template = {
        $schema: "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
        contentVersion: "1.0.0.0",
        resources: [
          {
            type: "Microsoft.Network/privateDnsZones",
            apiVersion: "2020-06-01",
            name: "c.internal",
            location: "global",
          },
          ...[0, 1, 2, 3].map((l) => ({
            type: "Microsoft.Network/privateDnsZones/A",
            apiVersion: "2020-06-01",
            name: `[format('c.internal/r${l}-{0}', copyIndex())]`,
            dependsOn: ["c.internal"],
            copy: { name: `records${l}`, count: 800 },
            properties: { ttl: 300, aRecords: [{ ipv4Address: "10.1.2.3" }] },
          })),
        ],
      };
      const path = `${sub}/resourceGroups/rg-c/providers/Microsoft.Resources/deployments/long?api-version=2021-04-01`;
      // The PUT answers at once (Accepted); the deployment runs on in the server.
      const put = await arm(srv.info, "PUT", path, { properties: { mode: "Incremental", template } });
      assert.equal(put.status, 201, put.text);
      assert.equal(put.json.properties.provisioningState, "Accepted");
      for (;;) {
        const g = await arm(srv.info, "GET", path);
        assert.equal(g.status, 200, g.text);
        const state = g.json.properties.provisioningState;
        if (state === "Running") break;
        assert.equal(state, "Accepted", g.text);
      }
      const args = ["deployment", "group", "cancel", "-g", "rg-c", "-n", "long"];
      const c = await az.run(args);
      assert.equal(c.code, 0, describeAz(args, c));
      let done;
      for (;;) {
        done = await arm(srv.info, "GET", path);
        if (done.json.properties.provisioningState !== "Running") break;
        await new Promise((r) => setImmediate(r));
      }
      assert.equal(done.json.properties.provisioningState, "Canceled", done.text.slice(0, 500));
      const shown = await az.run(["deployment", "group", "show", "-g", "rg-c", "-n", "long"]);
      assert.equal(shown.code, 0, shown.stderr);
      assert.equal(shown.json.properties.provisioningState, "Canceled");
      assert.ok(shown.json.properties.outputResources.length < 3201);
      const again = await az.run(args);
      assert.notEqual(again.code, 0, describeAz(args, again));
      assert.match(again.stderr, /DeploymentCannotBeCancelled/);
      assert.match(
        again.stderr,
        /it is in 'Canceled' state, and only a deployment that is Accepted or Running can be/,
      );
    },
  );
});
