// Deployments on PostgreSQL replicas (ARCLINK_TEST_POSTGRES_URL must be set): replica A runs a
// deployment in the background; replica B shows it active, refuses a second PUT of the name
// (DeploymentActive) and takes the cancel, which it stores on the deployment: A honours it, and the
// deployment ends Canceled. Both replicas are up before the PUT, so the only time the deployment must
// outlast is B's three calls (not a server's start).
import assert from "node:assert/strict";
import { cpSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { ensurePki } from "../src/core/pki.js";
import { raw, token } from "./helpers/arm.js";
import { createDatabase, TestDatabase } from "./helpers/postgres.js";
import { startServer, TestServer } from "./helpers/server.js";

const T = { timeout: 600_000 };
const LOOPS = 3;

const template = {
  $schema: "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
  contentVersion: "1.0.0.0",
  resources: [
    {
      type: "Microsoft.Network/privateDnsZones",
      apiVersion: "2020-06-01",
      name: "rep.internal",
      location: "global",
    },
    ...Array.from({ length: LOOPS }, (_, l) => ({
      type: "Microsoft.Network/privateDnsZones/A",
      apiVersion: "2020-06-01",
      name: `[format('rep.internal/r${l}-{0}', copyIndex())]`,
      dependsOn: ["rep.internal"],
      copy: { name: `records${l}`, count: 800 },
      properties: { ttl: 300, aRecords: [{ ipv4Address: "10.1.2.3" }] },
    })),
  ],
};

let db: TestDatabase | undefined;
const servers: TestServer[] = [];
const dirs: string[] = [];

before(async () => {
  db = await createDatabase("deploy");
  for (const n of ["A", "B"]) dirs.push(mkdtempSync(join(tmpdir(), `arclink-deploy-${n}-`)));
  ensurePki(dirs[0]);
  cpSync(join(dirs[0], "tls"), join(dirs[1], "tls"), { recursive: true });
  for (const dir of dirs)
    servers.push(
      await startServer({ dataDir: dir, args: ["--store", "postgres", "--postgres-url", db.url] }),
    );
}, T);

after(async () => {
  await Promise.all(servers.map((s) => s.stop()));
  await db?.drop();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
}, T);

describe("a deployment on PostgreSQL replicas", () => {
  it("runs on A; B shows it active, refuses a second PUT, and cancels it", T, async () => {
    const [a, b] = servers;
    const bearer = await token(a.info);
    const call = (s: TestServer, method: string, path: string, body?: object) =>
      raw(s.info, method, path, body, { authorization: `Bearer ${bearer}` });
    const sub = `/subscriptions/${a.info.subscriptionId}`;
    assert.equal(
      (await call(a, "PUT", `${sub}/resourceGroups/rg-rep?api-version=2021-04-01`, { location: "eastus" }))
        .status,
      201,
    );
    const path = `${sub}/resourceGroups/rg-rep/providers/Microsoft.Resources/deployments/long?api-version=2021-04-01`;
    const put = await call(a, "PUT", path, { properties: { mode: "Incremental", template } });
    assert.equal(put.status, 201, put.text);
    // B follows the store: wait until it has the deployment, which must still be active.
    let seen;
    for (;;) {
      seen = await call(b, "GET", path);
      if (seen.status === 200) break;
      assert.equal(seen.status, 404, seen.text.slice(0, 400));
      await new Promise((r) => setImmediate(r));
    }
    assert.ok(
      ["Accepted", "Running"].includes(seen.json.properties.provisioningState),
      `B shows the deployment active: ${seen.text.slice(0, 400)}`,
    );
    const second = await call(b, "PUT", path, { properties: { mode: "Incremental", template } });
    assert.equal(second.status, 409, second.text.slice(0, 400));
    assert.equal(second.json.error.code, "DeploymentActive");
    const cancel = await call(b, "POST", `${path.replace("?", "/cancel?")}`);
    assert.equal(cancel.status, 204, cancel.text);
    let done;
    for (;;) {
      done = await call(a, "GET", path);
      if (done.json.properties.provisioningState !== "Running") break;
      await new Promise((r) => setImmediate(r));
    }
    assert.equal(done.json.properties.provisioningState, "Canceled", done.text.slice(0, 400));
    assert.ok(done.json.properties.outputResources.length < 1 + LOOPS * 800);
  });
});
