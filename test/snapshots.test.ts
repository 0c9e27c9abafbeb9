// Snapshots for test suites: `arclink snapshot save|restore|list|delete` and the same through ARM
// (/providers/ArcLink.Lab/snapshots), without restarting the server. A restore brings back every
// resource and the virtual clock, drops what was created since, keeps tokens valid, and is seen by
// every replica sharing the store. On SQLite (one server) and on PostgreSQL (two replicas).
// ARCLINK_TEST_POSTGRES_URL must be set.
import assert from "node:assert/strict";
import { cpSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { ensurePki } from "../src/core/pki.js";
import { raw, RawResponse, token } from "./helpers/arm.js";
import { createDatabase, TestDatabase } from "./helpers/postgres.js";
import { arclink, ROOT, startServer, TestServer } from "./helpers/server.js";

const T = { timeout: 300_000 };
const RGV = "api-version=2021-04-01";
const LAB = "api-version=2025-01-01";
const SNAPS = "/providers/ArcLink.Lab/snapshots";

async function call(
  srv: TestServer,
  bearer: string,
  method: string,
  path: string,
  body?: object,
): Promise<RawResponse> {
  return raw(srv.info, method, path, body, { authorization: `Bearer ${bearer}` });
}

const cli = (srv: TestServer, args: string[]) =>
  arclink(["snapshot", ...args, "--ready-file", srv.readyFile]);

async function clockOffset(srv: TestServer, bearer: string): Promise<number> {
  const r = await call(srv, bearer, "GET", `/providers/ArcLink.Lab/clock?${LAB}`);
  assert.equal(r.status, 200, r.text);
  return Number(r.json.offsetMs);
}

/** Polls until `probe` holds on the replica (it follows the store); fails with the last answer. */
async function until(what: string, probe: () => Promise<true | string>): Promise<void> {
  let last = "";
  for (let n = 0; n < 1200; n++) {
    const r = await probe();
    if (r === true) return;
    last = r;
    await new Promise((res) => setTimeout(res, 25));
  }
  assert.fail(`${what}: last ${last}`);
}

describe("snapshots on SQLite through the CLI", T, () => {
  let srv: TestServer | undefined;
  after(async () => {
    await srv?.stop();
    if (srv) rmSync(srv.dataDir, { recursive: true, force: true });
  });

  it("save, change the world and the clock, restore: back as saved, without a restart", async () => {
    srv = await startServer({ args: ["--dns", "none", "--topology", join(ROOT, "examples/reference.yaml")] });
    const bearer = await token(srv.info);
    const sub = `/subscriptions/${srv.info.subscriptionId}`;
    const saved = await cli(srv, ["save", "clean"]);
    assert.equal(saved.code, 0, saved.stderr);
    assert.match(saved.stdout, /Saved snapshot clean: \d+ resources/);
    const before = await clockOffset(srv, bearer);
    const rg = `${sub}/resourcegroups/rg-made-after?${RGV}`;
    assert.equal((await call(srv, bearer, "PUT", rg, { location: "eastus" })).status, 201);
    const vnet = `${sub}/resourceGroups/rg-arc-private-link/providers/Microsoft.Network/virtualNetworks/vnet-hub?api-version=2025-05-01`;
    assert.equal((await call(srv, bearer, "DELETE", vnet)).status >= 200, true);
    const adv = await arclink(["time", "advance", "2h", "--ready-file", srv.readyFile]);
    assert.equal(adv.code, 0, adv.stderr);
    assert.equal(await clockOffset(srv, bearer), before + 7_200_000);

    const restored = await cli(srv, ["restore", "clean"]);
    assert.equal(restored.code, 0, restored.stderr);
    assert.match(restored.stdout, /Restored snapshot clean/);
    assert.equal((await call(srv, bearer, "GET", rg)).status, 404, "what was created after is gone");
    assert.equal((await call(srv, bearer, "GET", vnet)).status, 200, "what was deleted after is back");
    assert.equal(await clockOffset(srv, bearer), before, "the clock as saved");
    const list = await cli(srv, ["list", "--json"]);
    assert.equal(list.code, 0, list.stderr);
    assert.deepEqual(
      JSON.parse(list.stdout).value.map((x: { name: string }) => x.name),
      ["clean"],
    );
    const missing = await cli(srv, ["restore", "nope"]);
    assert.equal(missing.code, 3);
    assert.match(missing.stderr, /SnapshotNotFound: No snapshot 'nope'/);
    const bad = await cli(srv, ["save", "../x"]);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /InvalidSnapshotName/);
    assert.equal((await cli(srv, ["delete", "clean"])).code, 0);
    assert.equal((await cli(srv, ["list", "--json"])).stdout.includes('"clean"'), false);
    const usage = await cli(srv, ["save"]);
    assert.equal(usage.code, 2);
  });
});

describe("snapshots on two PostgreSQL replicas through ARM", T, () => {
  let db: TestDatabase | undefined;
  const dirs: string[] = [];
  const reps: TestServer[] = [];
  before(async () => {
    db = await createDatabase("snapshots");
    for (const n of ["a", "b"]) dirs.push(mkdtempSync(join(tmpdir(), `arclink-snap-${n}-`)));
    ensurePki(dirs[0]);
    cpSync(join(dirs[0], "tls"), join(dirs[1], "tls"), { recursive: true });
    const pg = ["--store", "postgres", "--postgres-url", db.url, "--dns", "none"];
    reps.push(
      await startServer({
        dataDir: dirs[0],
        args: [...pg, "--topology", join(ROOT, "examples/reference.yaml")],
      }),
    );
    reps.push(await startServer({ dataDir: dirs[1], args: pg }));
  });
  after(async () => {
    await Promise.all(reps.map((r) => r.stop()));
    await db?.drop();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it("saved on A, restored through B, seen on both; a token from before still works", async () => {
    const [a, b] = reps;
    const bearer = await token(a.info);
    const sub = `/subscriptions/${a.info.subscriptionId}`;
    const put = await call(a, bearer, "PUT", `${SNAPS}/reference?${LAB}`);
    assert.equal(put.status, 201, put.text);
    assert.ok(put.json.properties.resources > 10, put.text);
    const offset = await clockOffset(a, bearer);
    // Changes after the snapshot, through A: a resource group and two hours.
    const rg = `${sub}/resourcegroups/rg-after-snapshot?${RGV}`;
    assert.equal((await call(a, bearer, "PUT", rg, { location: "eastus" })).status, 201);
    const adv = await call(a, bearer, "POST", `/providers/ArcLink.Lab/clock/advance?${LAB}`, {
      milliseconds: 7_200_000,
    });
    assert.equal(adv.status, 200, adv.text);
    await until("B sees the change", async () => {
      const r = await call(b, bearer, "GET", rg);
      return r.status === 200 || `${r.status}`;
    });
    // B lists what A saved, and restores it.
    const listed = await call(b, bearer, "GET", `${SNAPS}?${LAB}`);
    assert.deepEqual(
      listed.json.value.map((x: { name: string }) => x.name),
      ["reference"],
    );
    const t0 = performance.now();
    const restored = await call(b, bearer, "POST", `${SNAPS}/reference/restore?${LAB}`);
    const ms = performance.now() - t0;
    assert.equal(restored.status, 200, restored.text);
    console.log(
      `restore of the reference world (${restored.json.properties.resources} resources) through ARM: ${ms.toFixed(0)} ms`,
    );
    // B answers from the restored world at once; A follows the store.
    assert.equal((await call(b, bearer, "GET", rg)).status, 404);
    assert.equal(await clockOffset(b, bearer), offset);
    await until("A sees the restore", async () => {
      const r = await call(a, bearer, "GET", rg);
      const o = await clockOffset(a, bearer);
      return (r.status === 404 && o === offset) || `${r.status}, offset ${o}`;
    });
    // Writes go on from the restored world on both replicas.
    assert.equal(
      (await call(a, bearer, "PUT", `${sub}/resourcegroups/rg-after-restore?${RGV}`, { location: "eastus" }))
        .status,
      201,
    );
    await until("B sees a write after the restore", async () => {
      const r = await call(b, bearer, "GET", `${sub}/resourcegroups/rg-after-restore?${RGV}`);
      return r.status === 200 || `${r.status}`;
    });
    const del = await call(a, bearer, "DELETE", `${SNAPS}/reference?${LAB}`);
    assert.equal(del.status, 200, del.text);
    assert.equal((await call(b, bearer, "POST", `${SNAPS}/reference/restore?${LAB}`)).status, 404);
  });
});
