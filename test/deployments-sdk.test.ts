// Deployments through Debian's Python SDK (azure-mgmt-resource's ResourceManagementClient at its
// default api-version), run as its own process (test/scenarios/deployments.py). The JS SDK
// @azure/arm-resources 7 no longer carries deployments (they moved to another package): through it,
// a deployment is a generic resource by id (test/scenarios/deployments-generic.ts); its 6.1 release,
// installed as @azure/arm-resources-deployments, drives the Deployments client itself
// (test/scenarios/deployments-sdk.ts).
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { ROOT, startServer, TestServer } from "./helpers/server.js";
import { runScenario } from "./helpers/sdk.js";

function python(
  script: string,
  env: Record<string, string>,
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      "/usr/bin/python3",
      [script],
      {
        env: {
          PATH: process.env.PATH ?? "",
          HOME: process.env.HOME ?? "",
          NO_PROXY: "127.0.0.1",
          no_proxy: "127.0.0.1",
          ...env,
        },
        timeout: 240_000,
        maxBuffer: 16 * 1024 * 1024,
      },
      (err, stdout, stderr) =>
        resolve({ code: err ? Number((err as any).code ?? 1) || 1 : 0, stdout, stderr }),
    );
  });
}

describe("deployments through the Python SDK (azure-mgmt-resource)", () => {
  let srv: TestServer;
  before(async () => {
    srv = await startServer();
  });
  after(async () => {
    await srv?.stop();
  });

  it(
    "validate, what-if, create, operations, export, failure, cancel, Complete mode, subscription scope, delete",
    { timeout: 300_000 },
    async () => {
      const r = await python(join(ROOT, "test/scenarios/deployments.py"), {
        ARCLINK_READY: JSON.stringify(srv.info),
        ARCLINK_TEMPLATES: join(ROOT, "test/fixtures/templates"),
      });
      assert.equal(r.code, 0, r.stderr + r.stdout);
      const o = JSON.parse(r.stdout.trim().split("\n").pop()!);
      assert.equal(o.validated, 12);
      assert.deepEqual(o.whatIf, { status: "Succeeded", creates: 12 });
      assert.equal(o.created.state, "Succeeded");
      assert.equal(o.created.resources, 12);
      assert.equal(o.created.outputs.inboundAddress.value, "10.10.2.4");
      assert.match(o.created.outputs.scopeId.value, /\/privateLinkScopes\/pls-py$/);
      assert.deepEqual(o.created.parameters.scopeName, { type: "String", value: "pls-py" });
      assert.equal(o.operations, 12);
      assert.ok(o.operation.id && o.operation.target);
      assert.equal(o.exportedLanguageVersion, "2.0");
      assert.deepEqual(o.listed, ["sym"]);
      assert.equal(o.refused.code, "DeploymentFailed");
      assert.equal(o.failed.state, "Failed");
      assert.equal(o.failed.error.code, "DeploymentFailed");
      assert.equal(o.failed.error.details[0].code, "InvalidResourceReference");
      assert.deepEqual(o.cancel, { status: 409, code: "DeploymentCannotBeCancelled" });
      assert.deepEqual(o.completeWhatIf, ["NoChange a.internal", "Delete b.internal"]);
      assert.deepEqual(o.completeLeft, ["a.internal"]);
      assert.equal(o.subscription.state, "Succeeded");
      assert.equal(o.subscription.outputs.innerGroup.value, "rg-from-template");
      assert.deepEqual(o.subscriptionGroup, { location: "eastus", tags: { purpose: "arc-private-link" } });
      assert.deepEqual(o.afterDelete, ["refused"]);
    },
  );

  it(
    "@azure/arm-resources: a deployment as a generic resource (PUT/GET/DELETE by id), success and DeploymentFailed",
    { timeout: 300_000 },
    async () => {
      const r = await runScenario(
        "deployments-generic",
        srv.info,
        { ARCLINK_TEMPLATES: join(ROOT, "test/fixtures/templates") },
        240_000,
      );
      assert.equal(r.code, 0, r.stderr + r.stdout);
      const o = r.result;
      assert.equal(o.created.state, "Succeeded");
      assert.equal(o.created.outputs.inboundAddress.value, "10.10.2.4");
      assert.equal(o.got, 12);
      // core-lro reports a failed operation by its message: the deployment's code and message.
      assert.match(
        o.refused.message,
        /The long-running operation has failed\. DeploymentFailed\. At least one resource deployment operation failed/,
      );
      assert.deepEqual(o.afterDelete, { status: 404, code: "DeploymentNotFound" });
    },
  );
});

describe("deployments through @azure/arm-resources 6.1's Deployments client", () => {
  let srv: TestServer;
  before(async () => {
    srv = await startServer();
  });
  after(async () => {
    await srv?.stop();
  });

  it(
    "validate, what-if, create with outputs, operations, export, get/list, DeploymentFailed, delete",
    { timeout: 300_000 },
    async () => {
      const r = await runScenario(
        "deployments-sdk",
        srv.info,
        { ARCLINK_TEMPLATES: join(ROOT, "test/fixtures/templates") },
        240_000,
      );
      assert.equal(r.code, 0, r.stderr + r.stdout);
      const o = r.result;
      assert.deepEqual(o.validated, { state: "Succeeded", resources: 12, error: null });
      assert.equal(o.whatIf.status, "Succeeded");
      assert.equal(o.whatIf.creates, 12);
      // ArcLink's machine verdicts ride in the raw result; the SDK carries the unknown field along.
      assert.equal(o.whatIf.rawHasArclink, true);
      assert.equal(o.created.state, "Succeeded");
      assert.equal(o.created.resources, 12);
      assert.equal(o.created.mode, "Incremental");
      assert.equal(o.created.correlationId, true);
      assert.match(o.created.duration, /^PT[\d.]+S$/);
      assert.deepEqual(o.created.outputs.inboundAddress, { type: "String", value: "10.10.2.4" });
      assert.equal(o.created.outputs.zoneCount.value, 3);
      assert.match(
        o.created.outputs.scopeId.value,
        /\/resourceGroups\/rg-sdk\/providers\/Microsoft\.HybridCompute\/privateLinkScopes\/pls-arc$/,
      );
      assert.deepEqual(o.operations, {
        count: 12,
        states: ["Succeeded"],
        statusCodes: ["Created"],
        targets: true,
      });
      assert.deepEqual(o.operation, { same: true, state: "Succeeded" });
      // exportTemplate returns the template as submitted (11 declarations: two copy loops, five VPN resources whose condition is false here).
      assert.equal(o.exported.resources, 11);
      assert.match(o.exported.schema, /deploymentTemplate\.json#$/);
      assert.deepEqual(o.got, { name: "roll", state: "Succeeded" });
      assert.deepEqual(o.listed, ["roll"]);
      assert.equal(o.exists, true);
      assert.match(o.refused.message, /DeploymentFailed\. At least one resource deployment operation failed/);
      assert.deepEqual(o.failed, {
        state: "Failed",
        code: "DeploymentFailed",
        inner: ["InvalidResourceReference"],
      });
      assert.deepEqual(o.failedOperation, [{ code: "InvalidResourceReference", status: "BadRequest" }]);
      assert.equal(o.afterDelete, false);
      assert.deepEqual(o.getAfterDelete, { status: 404, code: "DeploymentNotFound" });
    },
  );
});
