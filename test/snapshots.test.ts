// Snapshots for test suites: `arclink snapshot save|restore|list|delete` and the same through ARM
// (/providers/ArcLink.Lab/snapshots), without restarting the server. A restore brings back every
// resource and the virtual clock, drops what was created since, keeps tokens valid, and is seen by
// every replica sharing the store. On SQLite (one server; each snapshot a file written by the
// online backup API, 0600 in a 0700 folder whatever the umask; an older snapshot file is migrated
// at restore, a newer or damaged one refused with the world unchanged) and on PostgreSQL (two
// replicas, through the CLI and through ARM). ARCLINK_TEST_POSTGRES_URL must be set.
import assert from "node:assert/strict";
import { cpSync, existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import Database from "better-sqlite3";
import { ensurePki } from "../src/core/pki.js";
import { SCHEMA_VERSION } from "../src/store/schema.js";
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

const mode = (p: string) => (statSync(p).mode & 0o777).toString(8);

/** The meta rows of a snapshot file. */
function fileMeta(file: string): Record<string, string> {
  const db = new Database(file, { readonly: true });
  try {
    const rows = db.prepare("SELECT k, v FROM meta").all() as Array<{ k: string; v: string }>;
    return Object.fromEntries(rows.map((r) => [r.k, r.v]));
  } finally {
    db.close();
  }
}

describe("snapshots on SQLite through the CLI and ARM", T, () => {
  let srv: TestServer | undefined;
  // The server inherits the most permissive umask: the snapshot files must be private anyway.
  const oldUmask = process.umask(0o000);
  after(async () => {
    process.umask(oldUmask);
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
    // A file of its own: a copy of the database by SQLite's online backup, private.
    const file = join(srv.dataDir, "snapshots", "clean.db");
    assert.equal(mode(join(srv.dataDir, "snapshots")), "700");
    assert.equal(mode(file), "600");
    assert.equal(fileMeta(file).schema, String(SCHEMA_VERSION));
    for (const f of ["-wal", "-shm", "-journal"])
      assert.equal(existsSync(file + f), false, `no ${f} beside it`);
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
    assert.equal(existsSync(file), false, "the file is deleted");
    const usage = await cli(srv, ["save"]);
    assert.equal(usage.code, 2);
  });

  it("through ARM: save (201, then 200 replacing it), get, list, restore, delete", async () => {
    const bearer = await token(srv!.info);
    const sub = `/subscriptions/${srv!.info.subscriptionId}`;
    const first = await call(srv!, bearer, "PUT", `${SNAPS}/arm?${LAB}`);
    assert.equal(first.status, 201, first.text);
    const rg = `${sub}/resourcegroups/rg-in-arm-snapshot?${RGV}`;
    assert.equal((await call(srv!, bearer, "PUT", rg, { location: "eastus" })).status, 201);
    const again = await call(srv!, bearer, "PUT", `${SNAPS}/arm?${LAB}`);
    assert.equal(again.status, 200, again.text);
    assert.equal(again.json.properties.resources, first.json.properties.resources + 1, again.text);
    const got = await call(srv!, bearer, "GET", `${SNAPS}/arm?${LAB}`);
    assert.equal(got.status, 200, got.text);
    assert.equal(got.json.properties.sequence, again.json.properties.sequence);
    const after = `${sub}/resourcegroups/rg-after-arm-snapshot?${RGV}`;
    assert.equal((await call(srv!, bearer, "PUT", after, { location: "eastus" })).status, 201);
    const restored = await call(srv!, bearer, "POST", `${SNAPS}/arm/restore?${LAB}`);
    assert.equal(restored.status, 200, restored.text);
    assert.equal(restored.json.status, "Restored");
    assert.equal((await call(srv!, bearer, "GET", rg)).status, 200, "saved by the second PUT");
    assert.equal((await call(srv!, bearer, "GET", after)).status, 404, "made after the save");
    // Writes go on from the restored world.
    assert.equal((await call(srv!, bearer, "PUT", after, { location: "eastus" })).status, 201);
    assert.equal((await call(srv!, bearer, "DELETE", `${SNAPS}/arm?${LAB}`)).status, 200);
    assert.equal((await call(srv!, bearer, "DELETE", `${SNAPS}/arm?${LAB}`)).status, 204);
    assert.equal((await call(srv!, bearer, "GET", `${SNAPS}/arm?${LAB}`)).status, 404);
  });

  it("an older snapshot file is migrated at restore; a newer or damaged one is refused, the world unchanged", async () => {
    const bearer = await token(srv!.info);
    const sub = `/subscriptions/${srv!.info.subscriptionId}`;
    const put = await call(srv!, bearer, "PUT", `${SNAPS}/older?${LAB}`);
    assert.equal(put.status, 201, put.text);
    const file = join(srv!.dataDir, "snapshots", "older.db");
    // What the previous schema (3) had in every store file: a version 3 and its snapshot tables.
    const db = new Database(file);
    db.exec(`UPDATE meta SET v = '3' WHERE k = 'schema';
      CREATE TABLE snapshots (name TEXT PRIMARY KEY, seq INTEGER NOT NULL, saved_at TEXT NOT NULL, resources INTEGER NOT NULL);
      CREATE TABLE snapshot_rows (name TEXT NOT NULL, key TEXT NOT NULL, id TEXT NOT NULL, type TEXT NOT NULL, body TEXT NOT NULL, rev INTEGER NOT NULL, PRIMARY KEY (name, key));`);
    db.close();
    const made = `${sub}/resourcegroups/rg-after-older?${RGV}`;
    assert.equal((await call(srv!, bearer, "PUT", made, { location: "eastus" })).status, 201);
    const restored = await call(srv!, bearer, "POST", `${SNAPS}/older/restore?${LAB}`);
    assert.equal(restored.status, 200, restored.text);
    assert.match(srv!.output(), /store: migrated Snapshot 'older' \(.*older\.db\) to schema 4/);
    assert.equal(fileMeta(file).schema, String(SCHEMA_VERSION));
    assert.equal((await call(srv!, bearer, "GET", made)).status, 404);

    // From a newer build: refused, the file and the world untouched.
    const w = new Database(file);
    w.prepare("UPDATE meta SET v = ? WHERE k = 'schema'").run(String(SCHEMA_VERSION + 1));
    w.close();
    assert.equal((await call(srv!, bearer, "PUT", made, { location: "eastus" })).status, 201);
    const newer = await call(srv!, bearer, "POST", `${SNAPS}/older/restore?${LAB}`);
    assert.equal(newer.status, 409, newer.text);
    assert.equal(newer.json.error.code, "SnapshotFromNewerBuild");
    assert.match(
      newer.json.error.message,
      new RegExp(
        `Snapshot 'older' .* was written by a newer ArcLink \\(store schema ${SCHEMA_VERSION + 1}; this build reads schemas up to ${SCHEMA_VERSION}\\)\\. It is left untouched: restore it with the build that saved it`,
      ),
    );
    assert.equal(fileMeta(file).schema, String(SCHEMA_VERSION + 1));
    assert.equal((await call(srv!, bearer, "GET", made)).status, 200, "the world is unchanged");
    const viaCli = await cli(srv!, ["restore", "older"]);
    assert.equal(viaCli.code, 1);
    assert.match(viaCli.stderr, /SnapshotFromNewerBuild: Snapshot 'older'/);

    // Not a store at all: refused the same way.
    writeFileSync(join(srv!.dataDir, "snapshots", "junk.db"), "not a database".repeat(100));
    const junk = await call(srv!, bearer, "POST", `${SNAPS}/junk/restore?${LAB}`);
    assert.equal(junk.status, 409, junk.text);
    assert.equal(junk.json.error.code, "SnapshotUnreadable");
    assert.match(junk.json.error.message, /Snapshot 'junk' .* cannot be restored: .*The world is unchanged/);
    assert.equal((await call(srv!, bearer, "GET", made)).status, 200, "the world is unchanged");
  });
});

describe("snapshots on two PostgreSQL replicas through ARM and the CLI", T, () => {
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

  it("through the CLI: saved through B, restored through A, seen on B", async () => {
    const [a, b] = reps;
    const bearer = await token(b.info);
    const sub = `/subscriptions/${b.info.subscriptionId}`;
    const saved = await cli(b, ["save", "cli"]);
    assert.equal(saved.code, 0, saved.stderr);
    assert.match(saved.stdout, /Saved snapshot cli: \d+ resources/);
    const offset = await clockOffset(b, bearer);
    const rg = `${sub}/resourcegroups/rg-after-cli-snapshot?${RGV}`;
    assert.equal((await call(b, bearer, "PUT", rg, { location: "eastus" })).status, 201);
    const adv = await arclink(["time", "advance", "3h", "--ready-file", b.readyFile]);
    assert.equal(adv.code, 0, adv.stderr);
    const listed = await cli(a, ["list"]);
    assert.equal(listed.code, 0, listed.stderr);
    assert.match(listed.stdout, /^cli\s/m, "A lists what B saved");
    const restored = await cli(a, ["restore", "cli"]);
    assert.equal(restored.code, 0, restored.stderr);
    assert.match(restored.stdout, /Restored snapshot cli/);
    await until("B sees the restore made through A", async () => {
      const r = await call(b, bearer, "GET", rg);
      const o = await clockOffset(b, bearer);
      return (r.status === 404 && o === offset) || `${r.status}, offset ${o}`;
    });
    assert.equal((await cli(b, ["delete", "cli"])).code, 0);
    assert.doesNotMatch((await cli(a, ["list"])).stdout, /^cli\s/m);
  });
});
