// A deployment's PUT is long-running as in Azure: it answers at once (201, Accepted, with
// Azure-AsyncOperation) and the deployment runs on in the server. `az deployment group create
// --no-wait` returns while it is still Running, `az deployment group wait --created` then waits for
// it, and GET shows it Succeeded. A server that stops (or is killed) mid-deployment leaves it
// Failed with DeploymentInterrupted, never Running.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { arm } from "./helpers/arm.js";
import { AzSession, azLogin, describeAz } from "./helpers/az.js";
import { startServer, TestServer } from "./helpers/server.js";

const T = { timeout: 600_000 };

/** One zone and LOOPS loops of 800 A record sets in it: thousands of writes, each through ARM. */
function slowTemplate(zone: string, loops: number): object {
  return {
    $schema: "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
    contentVersion: "1.0.0.0",
    resources: [
      { type: "Microsoft.Network/privateDnsZones", apiVersion: "2020-06-01", name: zone, location: "global" },
      ...Array.from({ length: loops }, (_, l) => ({
        type: "Microsoft.Network/privateDnsZones/A",
        apiVersion: "2020-06-01",
        name: `[format('${zone}/r${l}-{0}', copyIndex())]`,
        dependsOn: [zone],
        copy: { name: `records${l}`, count: 800 },
        properties: { ttl: 300, aRecords: [{ ipv4Address: "10.1.2.3" }] },
      })),
    ],
  };
}

describe("az deployment group create --no-wait (Debian's az 2.45)", () => {
  let srv: TestServer;
  let az: AzSession;
  let dir: string;
  before(async () => {
    srv = await startServer();
    az = await azLogin(srv.info);
    dir = mkdtempSync(join(tmpdir(), "arclink-nowait-"));
    const g = await az.run(["group", "create", "-n", "rg-nw", "-l", "eastus"]);
    assert.equal(g.code, 0, g.stderr);
  }, T);
  after(async () => {
    az?.cleanup();
    await srv?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("returns while the deployment runs; wait --created then sees it Succeeded", T, async () => {
    const file = join(dir, "slow.json");
    writeFileSync(file, JSON.stringify(slowTemplate("nw.internal", 4)));
    const args = [
      "deployment",
      "group",
      "create",
      "-g",
      "rg-nw",
      "-n",
      "slow",
      "--template-file",
      file,
      "--no-wait",
    ];
    const c = await az.run(args);
    assert.equal(c.code, 0, describeAz(args, c));
    // az has exited: the deployment it started has not finished.
    const path = `/subscriptions/${srv.info.subscriptionId}/resourceGroups/rg-nw/providers/Microsoft.Resources/deployments/slow?api-version=2021-04-01`;
    const g = await arm(srv.info, "GET", path);
    assert.equal(g.status, 200, g.text);
    assert.ok(["Accepted", "Running"].includes(g.json.properties.provisioningState), g.text.slice(0, 400));
    assert.equal(g.json.properties.outputResources, undefined);
    const waitArgs = [
      "deployment",
      "group",
      "wait",
      "-g",
      "rg-nw",
      "-n",
      "slow",
      "--created",
      "--interval",
      "1",
    ];
    const w = await az.run(waitArgs);
    assert.equal(w.code, 0, describeAz(waitArgs, w));
    const shown = await az.run(["deployment", "group", "show", "-g", "rg-nw", "-n", "slow"]);
    assert.equal(shown.code, 0, shown.stderr);
    assert.equal(shown.json.properties.provisioningState, "Succeeded");
    assert.equal(shown.json.properties.outputResources.length, 1 + 4 * 800);
    const d = await arm(srv.info, "GET", path);
    assert.equal(d.json.properties.provisioningState, "Succeeded");
  });

  it(
    "the PUT answers 201 Accepted with Azure-AsyncOperation, whose status goes to Succeeded",
    T,
    async () => {
      const path = `/subscriptions/${srv.info.subscriptionId}/resourceGroups/rg-nw/providers/Microsoft.Resources/deployments/polled?api-version=2021-04-01`;
      const put = await arm(srv.info, "PUT", path, {
        properties: { mode: "Incremental", template: slowTemplate("polled.internal", 1) },
      });
      assert.equal(put.status, 201, put.text);
      assert.equal(put.json.properties.provisioningState, "Accepted");
      const status = new URL(String(put.headers["azure-asyncoperation"]));
      assert.match(status.pathname, /\/deployments\/polled\/operationStatuses\/[0-9A-F]{32}$/);
      const seen = new Set<string>();
      for (;;) {
        const s = await arm(srv.info, "GET", status.pathname + status.search);
        assert.equal(s.status, 200, s.text);
        seen.add(s.json.status);
        if (!["Accepted", "Running"].includes(s.json.status)) break;
        await new Promise((r) => setImmediate(r));
      }
      assert.ok(
        [...seen].every((x) => ["Accepted", "Running", "Succeeded"].includes(x)),
        [...seen].join(),
      );
      assert.ok(seen.has("Succeeded"));
      // Ended, the name is free again: a second PUT is an update (200).
      const again = await arm(srv.info, "PUT", path, {
        properties: { mode: "Incremental", template: slowTemplate("polled.internal", 0) },
      });
      assert.equal(again.status, 200, again.text);
      assert.equal(again.json.properties.provisioningState, "Accepted");
    },
  );
});

describe("a server stopped mid-deployment", () => {
  let srv: TestServer;
  after(async () => {
    await srv?.stop();
  });

  it(
    "killed: at its next start the deployment is Failed with DeploymentInterrupted, not Running",
    T,
    async () => {
      srv = await startServer();
      const sub = `/subscriptions/${srv.info.subscriptionId}`;
      assert.equal(
        (
          await arm(srv.info, "PUT", `${sub}/resourceGroups/rg-k?api-version=2021-04-01`, {
            location: "eastus",
          })
        ).status,
        201,
      );
      const path = `${sub}/resourceGroups/rg-k/providers/Microsoft.Resources/deployments/cut?api-version=2021-04-01`;
      const put = await arm(srv.info, "PUT", path, {
        properties: { mode: "Incremental", template: slowTemplate("cut.internal", 4) },
      });
      assert.equal(put.status, 201, put.text);
      for (;;) {
        const g = await arm(srv.info, "GET", path);
        if (g.json.properties.provisioningState === "Running") break;
        assert.equal(g.json.properties.provisioningState, "Accepted", g.text.slice(0, 400));
      }
      await srv.kill9();
      srv = await srv.restart();
      const g = await arm(srv.info, "GET", path);
      assert.equal(g.json.properties.provisioningState, "Failed", g.text.slice(0, 400));
      assert.equal(g.json.properties.error.code, "DeploymentInterrupted");
      assert.match(g.json.properties.error.message, /was Running when the server running it stopped/);
      // The name is free: deploying again works.
      const again = await arm(srv.info, "PUT", path, {
        properties: { mode: "Incremental", template: slowTemplate("cut.internal", 0) },
      });
      assert.equal(again.status, 200, again.text);
    },
  );

  it(
    "stopped cleanly: the deployment ends Failed with DeploymentInterrupted before the server exits",
    T,
    async () => {
      const sub = `/subscriptions/${srv.info.subscriptionId}`;
      const path = `${sub}/resourceGroups/rg-k/providers/Microsoft.Resources/deployments/stopped?api-version=2021-04-01`;
      const put = await arm(srv.info, "PUT", path, {
        properties: { mode: "Incremental", template: slowTemplate("stopped.internal", 4) },
      });
      assert.equal(put.status, 201, put.text);
      for (;;) {
        const g = await arm(srv.info, "GET", path);
        if (g.json.properties.provisioningState === "Running") break;
        assert.equal(g.json.properties.provisioningState, "Accepted", g.text.slice(0, 400));
      }
      srv = await srv.restart();
      const g = await arm(srv.info, "GET", path);
      assert.equal(g.json.properties.provisioningState, "Failed", g.text.slice(0, 400));
      assert.equal(g.json.properties.error.code, "DeploymentInterrupted");
      assert.match(g.json.properties.error.message, /server running it was stopping/);
      assert.ok(g.json.properties.outputResources.length < 1 + 4 * 800);
    },
  );
});
