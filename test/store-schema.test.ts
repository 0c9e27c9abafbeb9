// Upgrades keep data: a store written before schema versions were recorded (schema 1: meta holds
// only the sequence counter) is migrated at start, logged, with every resource kept; a store from a
// newer build is refused with a clear message and left untouched, through `arclink serve` on
// SQLite and through PostgresStore.open. And create/delete churn with compaction keeps the SQLite
// file bounded. ARCLINK_TEST_POSTGRES_URL must be set.
import assert from "node:assert/strict";
import { mkdtempSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import Database from "better-sqlite3";
import { PostgresStore } from "../src/store/postgres.js";
import { SCHEMA_VERSION, StoreTooNewError } from "../src/store/schema.js";
import { SqliteStore } from "../src/store/sqlite.js";
import { WriteSet } from "../src/store/store.js";
import { raw, token } from "./helpers/arm.js";
import { createDatabase } from "./helpers/postgres.js";
import { arclink, removeDataDir, startServer } from "./helpers/server.js";

const T = { timeout: 300_000 };
const RGV = "api-version=2021-04-01";

/** Turns a store into what builds before schema versions wrote: meta with the sequence counter only. */
function toSchema1(file: string): void {
  const db = new Database(file);
  db.exec("DELETE FROM meta WHERE k IN ('schema', 'floor')");
  db.pragma("wal_checkpoint(TRUNCATE)");
  db.close();
}

function meta(file: string): Record<string, string> {
  const db = new Database(file, { readonly: true });
  const rows = db.prepare("SELECT k, v FROM meta").all() as Array<{ k: string; v: string }>;
  db.close();
  return Object.fromEntries(rows.map((r) => [r.k, r.v]));
}

describe("upgrades of a SQLite data folder through arclink serve", T, () => {
  const dir = mkdtempSync(join(tmpdir(), "arclink-schema-"));
  const file = join(dir, "arclink.db");
  after(() => removeDataDir(dir));

  it("migrates a schema 1 folder at start, logs it, and keeps every resource", async () => {
    let srv = await startServer({ dataDir: dir, args: ["--dns", "none"] });
    const bearer = await token(srv.info);
    const rg = `/subscriptions/${srv.info.subscriptionId}/resourcegroups/rg-before-upgrade?${RGV}`;
    const put = await raw(
      srv.info,
      "PUT",
      rg,
      { location: "westeurope" },
      { authorization: `Bearer ${bearer}` },
    );
    assert.equal(put.status, 201, put.text);
    await srv.stop();
    toSchema1(file);
    assert.deepEqual(Object.keys(meta(file)), ["seq"]);

    srv = await startServer({ dataDir: dir, args: ["--dns", "none"] });
    try {
      assert.match(srv.output(), /store: migrated .*arclink\.db to schema 2: compaction floor/);
      // The same principal and signing key: a token from before the upgrade is still accepted.
      const get = await raw(srv.info, "GET", rg, undefined, { authorization: `Bearer ${bearer}` });
      assert.equal(get.status, 200, get.text);
      assert.equal(get.json.location, "westeurope");
    } finally {
      await srv.stop();
    }
    assert.deepEqual(meta(file), { seq: meta(file).seq, floor: "0", schema: String(SCHEMA_VERSION) });
    // Started again: nothing more to migrate.
    srv = await startServer({ dataDir: dir, args: ["--dns", "none"] });
    await srv.stop();
    assert.doesNotMatch(srv.output(), /migrated/);
  });

  it("refuses a folder written by a newer build, exit 1, and leaves it untouched", async () => {
    const db = new Database(file);
    db.prepare("UPDATE meta SET v = ? WHERE k = 'schema'").run(String(SCHEMA_VERSION + 7));
    db.close();
    const r = await arclink(["serve", "--port", "0", "--data", dir, "--dns", "none"], { timeoutMs: 60_000 });
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(
      r.stderr,
      new RegExp(
        `written by a newer ArcLink \\(store schema ${SCHEMA_VERSION + 7}; this build reads schemas up to ${SCHEMA_VERSION}\\)`,
      ),
    );
    assert.equal(meta(file).schema, String(SCHEMA_VERSION + 7));
  });
});

describe("upgrade of a SQLite folder whose snapshots schema 3 kept in the database", T, () => {
  const dir = mkdtempSync(join(tmpdir(), "arclink-schema3-"));
  const file = join(dir, "arclink.db");
  after(() => removeDataDir(dir));

  it("moves each snapshot to its own file at start, and it restores", async () => {
    let srv = await startServer({ dataDir: dir, args: ["--dns", "none"] });
    const bearer = await token(srv.info);
    const sub = `/subscriptions/${srv.info.subscriptionId}`;
    const auth = { authorization: `Bearer ${bearer}` };
    const saved = `${sub}/resourcegroups/rg-in-legacy-snapshot?${RGV}`;
    assert.equal((await raw(srv.info, "PUT", saved, { location: "eastus" }, auth)).status, 201);
    await srv.stop();
    // What schema 3 wrote for `arclink snapshot save legacy`: the live rows copied into its tables.
    const db = new Database(file);
    db.exec(`
      CREATE TABLE snapshots (name TEXT PRIMARY KEY, seq INTEGER NOT NULL, saved_at TEXT NOT NULL, resources INTEGER NOT NULL);
      CREATE TABLE snapshot_rows (name TEXT NOT NULL, key TEXT NOT NULL, id TEXT NOT NULL, type TEXT NOT NULL,
        body TEXT NOT NULL, rev INTEGER NOT NULL, PRIMARY KEY (name, key));
      INSERT INTO snapshot_rows SELECT 'legacy', key, id, type, body, rev FROM resources WHERE body IS NOT NULL;
      INSERT INTO snapshots SELECT 'legacy', (SELECT v FROM meta WHERE k = 'seq'), '2026-01-02T03:04:05.000Z',
        (SELECT count(*) FROM snapshot_rows);
      UPDATE meta SET v = '3' WHERE k = 'schema';`);
    const count = (db.prepare("SELECT count(*) AS n FROM snapshot_rows").get() as { n: number }).n;
    db.pragma("wal_checkpoint(TRUNCATE)");
    db.close();

    srv = await startServer({ dataDir: dir, args: ["--dns", "none"] });
    try {
      assert.match(
        srv.output(),
        /store: snapshot 'legacy' moved out of the database to .*snapshots\/legacy\.db/,
      );
      assert.match(
        srv.output(),
        /store: migrated .*arclink\.db to schema 4: SQLite keeps each snapshot in a file/,
      );
      const tables = new Database(file, { readonly: true })
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
        .all()
        .map((r) => (r as { name: string }).name);
      assert.deepEqual(tables, ["heartbeats", "meta", "resources"], "the snapshot tables are gone");
      const snapFile = join(dir, "snapshots", "legacy.db");
      assert.equal((statSync(snapFile).mode & 0o777).toString(8), "600");
      const list = await arclink(["snapshot", "list", "--json", "--ready-file", srv.readyFile]);
      assert.equal(list.code, 0, list.stderr);
      assert.deepEqual(
        JSON.parse(list.stdout).value.map((x: any) => [x.name, x.properties.savedAt, x.properties.resources]),
        [["legacy", "2026-01-02T03:04:05.000Z", count]],
      );
      const later = `${sub}/resourcegroups/rg-after-upgrade?${RGV}`;
      assert.equal((await raw(srv.info, "PUT", later, { location: "eastus" }, auth)).status, 201);
      const restored = await arclink(["snapshot", "restore", "legacy", "--ready-file", srv.readyFile]);
      assert.equal(restored.code, 0, restored.stderr);
      assert.equal((await raw(srv.info, "GET", later, undefined, auth)).status, 404);
      assert.equal((await raw(srv.info, "GET", saved, undefined, auth)).status, 200);
    } finally {
      await srv.stop();
    }
  });
});

describe("upgrades of a PostgreSQL store", T, () => {
  it("migrates schema 1 once (replicas starting together), keeps the data, refuses a newer schema", async () => {
    const db = await createDatabase("schema");
    const lines: string[] = [];
    try {
      const first = await PostgresStore.open(db.url);
      await first.commit({
        puts: [
          {
            id: "/subscriptions/s/resourceGroups/kept",
            type: "Microsoft.Resources/resourceGroups",
            body: { v: 1 },
          },
        ],
        deletes: [],
        expect: new Map(),
      });
      await first.close();
      await db.query("DELETE FROM meta WHERE k IN ('schema', 'floor')");
      const opened = await Promise.all(
        [0, 1, 2].map(() => PostgresStore.open(db.url, { log: (l) => lines.push(l) })),
      );
      assert.equal(lines.filter((l) => /migrated .* to schema 2/.test(l)).length, 1, lines.join("\n"));
      const all = await opened[2].loadAll();
      assert.deepEqual(
        all.resources.map((r) => r.body),
        [{ v: 1 }],
      );
      for (const s of opened) await s.close();
      const m = await db.query("SELECT k, v::text AS v FROM meta ORDER BY k");
      assert.deepEqual(m.rows, [
        { k: "floor", v: "0" },
        { k: "schema", v: String(SCHEMA_VERSION) },
        { k: "seq", v: "1" },
      ]);
      await db.query("UPDATE meta SET v = $1 WHERE k = 'schema'", [SCHEMA_VERSION + 1]);
      await assert.rejects(PostgresStore.open(db.url), (e: unknown) => {
        assert.ok(e instanceof StoreTooNewError, String(e));
        assert.match(e.message, new RegExp(`newer ArcLink \\(store schema ${SCHEMA_VERSION + 1};`));
        assert.doesNotMatch(e.message, /arclink-ci/, "no password in the message");
        return true;
      });
    } finally {
      await db.drop();
    }
  });
});

// A longer run (ARCLINK_TEST_CHURN_ROUNDS) gets a longer timeout: about 3 s a round on a busy machine.
const CHURN_T = { timeout: Math.max(T.timeout, 3_000 * Number(process.env.ARCLINK_TEST_CHURN_ROUNDS ?? 0)) };

describe("create/delete churn on SQLite with compaction", CHURN_T, () => {
  const dir = mkdtempSync(join(tmpdir(), "arclink-churn-"));
  after(() => removeDataDir(dir));
  // 100 rounds (100,000 cycles) on every run; ARCLINK_TEST_CHURN_ROUNDS=1000 gives the million
  // cycles of docs/RELIABILITY.md (the uncompacted comparison stays at 100 rounds).
  const ROUNDS = Number(process.env.ARCLINK_TEST_CHURN_ROUNDS ?? 100);
  const PER_ROUND = 1_000;
  const BASE_ROUNDS = Math.min(ROUNDS, 100);

  /** `rounds` rounds of PER_ROUND creates then deletes of new names; compacts each round when asked. */
  async function churn(
    file: string,
    compact: boolean,
    rounds: number,
  ): Promise<{ sizes: number[]; rows: number }> {
    const store = new SqliteStore(file);
    const sizes: number[] = [];
    let prev = 0;
    for (let round = 0; round < rounds; round++) {
      const id = (i: number) => `/subscriptions/s/resourceGroups/churn-${round}-${i}`;
      const sets: WriteSet[] = [];
      for (let i = 0; i < PER_ROUND; i++)
        sets.push({
          puts: [
            { id: id(i), type: "Microsoft.Resources/resourceGroups", body: { pad: "x".repeat(200), i } },
          ],
          deletes: [],
          expect: new Map(),
        });
      await store.commitGroup(sets);
      await store.commitGroup(
        Array.from({ length: PER_ROUND }, (_, i): WriteSet => ({
          puts: [],
          deletes: [id(i)],
          expect: new Map(),
        })),
      );
      const seq = (await store.loadAll()).seq;
      // What serve does: each pass compacts through the sequence number of the previous pass.
      if (compact) await store.compact(prev);
      prev = seq;
      const db = new Database(file);
      db.pragma("wal_checkpoint(TRUNCATE)");
      db.close();
      sizes.push(statSync(file).size);
    }
    await store.close();
    const db = new Database(file, { readonly: true });
    const rows = (db.prepare("SELECT count(*) AS n FROM resources").get() as { n: number }).n;
    db.close();
    return { sizes, rows };
  }

  it(
    `${ROUNDS * PER_ROUND} create/delete cycles: the file stays within 10 % of its size after 5,000`,
    CHURN_T,
    async () => {
      assert.ok(
        Number.isInteger(ROUNDS) && ROUNDS >= 10,
        "ARCLINK_TEST_CHURN_ROUNDS: a whole number, at least 10",
      );
      const kept = await churn(join(dir, "compacted.db"), true, ROUNDS);
      const early = kept.sizes[4];
      const last = kept.sizes[kept.sizes.length - 1];
      // Freed pages are reused; what is left is B-tree slack (a few pages), not growth with the cycles.
      assert.ok(last <= early * 1.1, `file grew from ${early} bytes (round 5) to ${last} (round ${ROUNDS})`);
      assert.ok(kept.rows <= 2 * PER_ROUND, `${kept.rows} rows left (tombstones of at most two rounds)`);
      // Without compaction every delete leaves its tombstone and the file keeps growing.
      const grown = await churn(join(dir, "uncompacted.db"), false, BASE_ROUNDS);
      assert.equal(grown.rows, BASE_ROUNDS * PER_ROUND);
      assert.ok(
        grown.sizes[grown.sizes.length - 1] > 2 * kept.sizes[BASE_ROUNDS - 1],
        `uncompacted ${grown.sizes[grown.sizes.length - 1]} bytes vs compacted ${kept.sizes[BASE_ROUNDS - 1]}`,
      );
      console.log(
        `churn: compacted file ${last} bytes after ${ROUNDS * PER_ROUND} cycles (${early} after ${5 * PER_ROUND}); uncompacted ${grown.sizes[grown.sizes.length - 1]} bytes after ${BASE_ROUNDS * PER_ROUND}`,
      );
    },
  );
});
