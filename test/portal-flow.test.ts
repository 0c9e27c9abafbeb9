// The seed's portal flow through the official SDK clients, against a real server.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startServer, TestServer, removeDataDir } from "./helpers/server.js";
import { runScenario } from "./helpers/sdk.js";

let srv: TestServer;
before(async () => {
  srv = await startServer({ args: ["--dns", "none"] });
});
after(async () => {
  await srv.stop();
  removeDataDir(srv.dataDir);
});

test("the seed's portal flow works unmodified through @azure/identity, arm-resources, arm-network, arm-privatedns and arm-hybridcompute", async () => {
  const r = await runScenario("portal-flow", srv.info);
  assert.equal(r.code, 0, `scenario failed:\n${r.stderr}\n${r.stdout}`);
  assert.deepEqual(r.result.addresses.slice(0, 4), ["10.10.1.4", "10.10.1.5", "10.10.1.6", "10.10.1.7"]);
});
