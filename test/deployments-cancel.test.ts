// POST …/deployments/{name}/cancel through the JS SDK: a running deployment is cancelled (204) and
// ends Canceled, keeping what it wrote; anything else is 409 DeploymentCannotBeCancelled.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
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
