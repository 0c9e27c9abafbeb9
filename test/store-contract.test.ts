// The Store contract, one suite run against every implementation: SQLite (a fresh file per case)
// and PostgreSQL (a fresh database per run, emptied per case; ARCLINK_TEST_POSTGRES_URL must be
// set, otherwise the PostgreSQL suites fail and say how to set it). Then what only PostgreSQL
// does: concurrent schema creation by several replicas, and change notifications with reconnect.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, afterEach, before, describe, it } from "node:test";
import { keyOf } from "../src/core/resourceId.js";
import { PostgresStore } from "../src/store/postgres.js";
import { SqliteStore } from "../src/store/sqlite.js";
import { CommitResult, Put, ReadSet, Store, StoreConflictError, WriteSet } from "../src/store/store.js";
import { createDatabase, TestDatabase } from "./helpers/postgres.js";

const T = { timeout: 120_000 };
const SUB = "/subscriptions/00000000-0000-0000-0000-0000000000c1";
const RG_TYPE = "Microsoft.Resources/resourceGroups";
const VNET_TYPE = "Microsoft.Network/virtualNetworks";

const rg = (name: string): string => `${SUB}/resourceGroups/${name}`;
const vnet = (group: string, name: string): string =>
  `${rg(group)}/providers/Microsoft.Network/virtualNetworks/${name}`;

function put(id: string, body: Record<string, any> = {}, type = RG_TYPE): Put {
  return { id, type, body: { id, name: id.split("/").pop(), ...body } };
}

function ws(
  puts: Put[] = [],
  deletes: string[] = [],
  expect: Array<[id: string, rev: number]> = [],
): WriteSet {
  return { puts, deletes, expect: new Map(expect.map(([id, rev]) => [keyOf(id), rev])) };
}

async function rejectsConflict(p: Promise<unknown>, id: string): Promise<void> {
  await assert.rejects(p, (e: unknown) => {
    assert.ok(e instanceof StoreConflictError, `expected StoreConflictError, got ${String(e)}`);
    assert.equal(e.key, keyOf(id));
    return true;
  });
}

/** loadAll as a map key → {id, type, body, rev}, for comparisons that ignore order. */
async function snapshot(s: Store): Promise<{ seq: number; byKey: Map<string, any> }> {
  const { resources, seq } = await s.loadAll();
  const byKey = new Map<string, any>();
  for (const r of resources) {
    assert.ok(!byKey.has(keyOf(r.id)), `loadAll returned ${r.id} twice`);
    byKey.set(keyOf(r.id), r);
  }
  return { seq, byKey };
}

async function until(what: string, cond: () => boolean | Promise<boolean>, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > deadline) assert.fail(`${what}: not within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

interface Backend {
  name: string;
  setup(): Promise<void>;
  /** A store on a new, empty database. */
  fresh(): Promise<Store>;
  /** Another store on the database the last fresh() made, as another process would open it. */
  another(): Promise<Store>;
  /** Closes every store this case opened. */
  closeAll(): Promise<void>;
  teardown(): Promise<void>;
}

function sqliteBackend(): Backend {
  let dir = "";
  let file = "";
  let n = 0;
  const open: Store[] = [];
  return {
    name: "SqliteStore",
    async setup() {
      dir = mkdtempSync(join(tmpdir(), "arclink-store-"));
    },
    async fresh() {
      file = join(dir, `case-${n++}.db`);
      const s = new SqliteStore(file);
      open.push(s);
      return s;
    },
    async another() {
      const s = new SqliteStore(file);
      open.push(s);
      return s;
    },
    async closeAll() {
      for (const s of open.splice(0)) await s.close();
    },
    async teardown() {
      if (dir) rmSync(dir, { recursive: true, force: true });
    },
  };
}

function postgresBackend(): Backend {
  let db: TestDatabase | undefined;
  const open: Store[] = [];
  const opened = async (): Promise<Store> => {
    assert.ok(db, "no database (see the failure of the before hook)");
    const s = await PostgresStore.open(db.url, { poolSize: 4 });
    open.push(s);
    return s;
  };
  return {
    name: "PostgresStore",
    async setup() {
      db = await createDatabase("contract");
    },
    async fresh() {
      assert.ok(db, "no database (see the failure of the before hook)");
      await db.query("DROP TABLE IF EXISTS resources, meta");
      return opened();
    },
    another: opened,
    async closeAll() {
      for (const s of open.splice(0)) await s.close();
    },
    async teardown() {
      await db?.drop();
    },
  };
}

function contract(b: Backend): void {
  describe(`Store contract: ${b.name}`, T, () => {
    before(() => b.setup());
    afterEach(() => b.closeAll());
    after(() => b.teardown());

    it("refuses a write whose read set changed after it read: key, listed children, listed type", async () => {
      const s = await b.fresh();
      await s.commit(ws([put(rg("Base"))]));
      const other = await b.another();
      const read = (over: Partial<ReadSet>): ReadSet => ({
        seq: 1,
        keys: [],
        prefixes: [],
        types: [],
        ...over,
      });
      // Another instance commits a virtual network in Base after sequence 1.
      const v = put(vnet("Base", "Late"), {}, VNET_TYPE);
      await other.commit(ws([v]));
      const mine = (reads: ReadSet) => s.commit({ ...ws([put(rg(`New${reads.keys.length}`))]), reads });
      await rejectsConflict(mine(read({ keys: [keyOf(v.id)] })), v.id);
      await rejectsConflict(mine(read({ prefixes: [keyOf(rg("Base"))] })), v.id);
      await rejectsConflict(mine(read({ types: [VNET_TYPE.toLowerCase()] })), v.id);
      // Unrelated reads, or a read as of sequence 2, commit.
      const ok1 = await s.commit({ ...ws([put(rg("Free1"))]), reads: read({ keys: [keyOf(rg("Other"))] }) });
      assert.equal(ok1.seq, 3);
      const ok2 = await s.commit({
        ...ws([put(rg("Free2"))]),
        reads: read({ seq: 3, types: [VNET_TYPE.toLowerCase()] }),
      });
      assert.equal(ok2.seq, 4);
      // A group is checked as one read set: one stale member fails the whole group.
      assert.ok(s.commitGroup);
      await rejectsConflict(
        s.commitGroup([
          { ...ws([put(rg("G1"))]), reads: read({ seq: 4 }) },
          { ...ws([put(rg("G2"))]), reads: read({ types: [VNET_TYPE.toLowerCase()] }) },
        ]),
        v.id,
      );
      assert.equal((await s.loadAll()).seq, 4, "nothing of the refused group was written");
    });

    it("compacts tombstones: a reader behind the floor gets the whole state, a write that read before it conflicts", async () => {
      const s = await b.fresh();
      assert.ok(s.compact);
      await s.commit(ws([put(rg("Keep")), put(rg("Gone"))])); // 1
      await s.commit(ws([], [rg("Gone")])); // 2
      await s.commit(ws([put(rg("Later"))])); // 3
      assert.equal(await s.compact(2), 1, "one tombstone removed");
      assert.equal(await s.compact(2), 0, "nothing more at the same floor");
      const behind = await s.changesSince(1);
      assert.equal(behind.full, true);
      assert.equal(behind.seq, 3);
      assert.deepEqual(behind.changes.map((c) => c.key).sort(), [keyOf(rg("Keep")), keyOf(rg("Later"))]);
      const after = await s.changesSince(2);
      assert.ok(!after.full);
      assert.deepEqual(
        after.changes.map((c) => c.key),
        [keyOf(rg("Later"))],
      );
      await assert.rejects(
        s.commit({ ...ws([put(rg("X"))]), reads: { seq: 1, keys: [], prefixes: [], types: [] } }),
        StoreConflictError,
      );
      const w = await s.commit({
        ...ws([put(rg("X"))]),
        reads: { seq: 2, keys: [], prefixes: [], types: [] },
      });
      assert.equal(w.seq, 4);
    });

    it("is empty at first: no resources, sequence 0, no changes", async () => {
      const s = await b.fresh();
      assert.deepEqual(await s.loadAll(), { resources: [], seq: 0 });
      assert.deepEqual(await s.changesSince(0), { seq: 0, changes: [] });
    });

    it("commits puts: revision 1, the next sequence number, readable by another instance", async () => {
      const s = await b.fresh();
      const a = put(rg("Alpha"), { location: "eastus", tags: { k: "v" } });
      const v = put(
        vnet("Alpha", "Net"),
        { properties: { addressSpace: { addressPrefixes: ["10.0.0.0/16"] } } },
        VNET_TYPE,
      );
      const r = await s.commit(
        ws(
          [a, v],
          [],
          [
            [a.id, 0],
            [v.id, 0],
          ],
        ),
      );
      assert.equal(r.seq, 1);
      assert.deepEqual(r.changes, [
        { key: keyOf(a.id), resource: { id: a.id, type: a.type, body: a.body, rev: 1 } },
        { key: keyOf(v.id), resource: { id: v.id, type: v.type, body: v.body, rev: 1 } },
      ]);
      const other = await b.another();
      const snap = await snapshot(other);
      assert.equal(snap.seq, 1);
      assert.equal(snap.byKey.size, 2);
      // Ids keep the casing they were written with; keys are case-insensitive.
      assert.deepEqual(snap.byKey.get(keyOf(a.id)), { id: a.id, type: RG_TYPE, body: a.body, rev: 1 });
      assert.deepEqual(snap.byKey.get(keyOf(v.id)), { id: v.id, type: VNET_TYPE, body: v.body, rev: 1 });
      assert.equal(
        snap.byKey.get("/subscriptions/00000000-0000-0000-0000-0000000000c1/resourcegroups/alpha").id,
        a.id,
      );
    });

    it("bumps the revision on every write of a key, across delete and re-create", async () => {
      const s = await b.fresh();
      const id = rg("revs");
      const c1 = await s.commit(ws([put(id, { v: 1 })], [], [[id, 0]]));
      assert.equal(c1.changes[0].resource?.rev, 1);
      const c2 = await s.commit(ws([put(id, { v: 2 })], [], [[id, 1]]));
      assert.equal(c2.changes[0].resource?.rev, 2);
      assert.equal(c2.seq, c1.seq + 1);
      // Another casing is the same key.
      const c3 = await s.commit(
        ws([put(id.toUpperCase().replace("/SUBSCRIPTIONS", "/subscriptions"), { v: 3 })], [], [[id, 2]]),
      );
      assert.equal(c3.changes[0].resource?.rev, 3);
      assert.equal((await snapshot(s)).byKey.size, 1);
      const d = await s.commit(ws([], [id], [[id, 3]]));
      assert.deepEqual(d.changes, [{ key: keyOf(id) }]);
      // A deleted key is absent: expected at revision 0, and re-created with a higher revision.
      const c4 = await s.commit(ws([put(id, { v: 4 })], [], [[id, 0]]));
      const rev = c4.changes[0].resource!.rev;
      assert.ok(rev > 3, `revision after re-create must keep increasing, got ${rev}`);
      const snap = await snapshot(await b.another());
      assert.equal(snap.byKey.get(keyOf(id)).rev, rev);
      assert.deepEqual(snap.byKey.get(keyOf(id)).body, { id, name: "revs", v: 4 });
      assert.equal(snap.seq, c4.seq);
    });

    it("deletes leave tombstones: gone from loadAll, present in changesSince", async () => {
      const s = await b.fresh();
      const keep = rg("keep");
      const gone = rg("gone");
      await s.commit(ws([put(keep), put(gone)]));
      const before = (await s.loadAll()).seq;
      const d = await s.commit(ws([], [gone], [[gone, 1]]));
      assert.equal(d.seq, before + 1);
      assert.deepEqual(d.changes, [{ key: keyOf(gone) }]);
      const snap = await snapshot(await b.another());
      assert.deepEqual([...snap.byKey.keys()], [keyOf(keep)]);
      assert.equal(snap.seq, d.seq);
      const since = await s.changesSince(before);
      assert.deepEqual(since, { seq: d.seq, changes: [{ key: keyOf(gone) }] });
      // Deleting what is not there changes nothing.
      const again = await s.commit(ws([], [gone, rg("never")]));
      assert.deepEqual(again.changes, []);
      assert.deepEqual([...(await snapshot(s)).byKey.keys()], [keyOf(keep)]);
    });

    it("refuses a stale expectation with StoreConflictError and writes nothing", async () => {
      const s = await b.fresh();
      const id = rg("stale");
      await s.commit(ws([put(id, { v: 1 })], [], [[id, 0]]));
      await s.commit(ws([put(id, { v: 2 })], [], [[id, 1]]));
      const before = await snapshot(s);
      await rejectsConflict(s.commit(ws([put(id, { v: "stale" })], [], [[id, 1]])), id);
      await rejectsConflict(s.commit(ws([put(id, { v: "create" })], [], [[id, 0]])), id);
      await rejectsConflict(s.commit(ws([], [id], [[id, 7]])), id);
      const absent = rg("absent");
      await rejectsConflict(s.commit(ws([put(absent)], [], [[absent, 1]])), absent);
      const after = await snapshot(await b.another());
      assert.deepEqual(after, before);
      assert.deepEqual(await s.changesSince(before.seq), { seq: before.seq, changes: [] });
      // A tombstone counts as absent.
      await s.commit(ws([], [id], [[id, 2]]));
      const re = await s.commit(ws([put(id, { v: 3 })], [], [[id, 0]]));
      assert.equal(re.changes.length, 1);
    });

    it("is atomic: a write set with one conflict leaves nothing of it", async () => {
      const s = await b.fresh();
      const watched = rg("watched");
      const victim = rg("victim");
      await s.commit(ws([put(watched, { v: 1 }), put(victim)]));
      await s.commit(ws([put(watched, { v: 2 })], [], [[watched, 1]]));
      const before = await snapshot(s);
      const many = Array.from({ length: 20 }, (_, i) => put(rg(`new-${i}`), { i }));
      // The conflicting expectation comes last: everything before it must be rolled back.
      await rejectsConflict(
        s.commit(
          ws(
            [...many, put(victim, { changed: true })],
            [victim],
            [...many.map((p): [string, number] => [p.id, 0]), [watched, 1]],
          ),
        ),
        watched,
      );
      const after = await snapshot(await b.another());
      assert.deepEqual(after, before);
      assert.deepEqual((await s.changesSince(before.seq)).changes, []);
      // The same write set without the stale expectation commits whole, at one sequence number.
      const ok = await s.commit(
        ws(
          many,
          [victim],
          many.map((p): [string, number] => [p.id, 0]),
        ),
      );
      assert.equal(ok.seq, before.seq + 1);
      assert.equal(ok.changes.length, 21);
      const since = await s.changesSince(before.seq);
      assert.equal(since.seq, ok.seq);
      assert.equal(since.changes.length, 21);
    });

    it("changesSince returns each key changed after a sequence number, in its latest state, in order", async () => {
      const s = await b.fresh();
      const [a, c, d] = [rg("a"), rg("c"), rg("d")];
      const r1 = await s.commit(ws([put(a, { v: 1 })]));
      const r2 = await s.commit(ws([put(c, { v: 1 })]));
      const r3 = await s.commit(ws([put(a, { v: 2 })], [], [[a, 1]]));
      const r4 = await s.commit(ws([put(d, { v: 1 })], [c], [[c, 1]]));
      assert.deepEqual(
        [r1.seq, r2.seq, r3.seq, r4.seq],
        [1, 2, 3, 4],
        "sequence numbers count commits from 1",
      );
      const other = await b.another();
      const all = await other.changesSince(0);
      assert.equal(all.seq, 4);
      assert.deepEqual(
        all.changes.map((x) => [x.key, x.resource?.body.v ?? null, x.resource?.rev ?? null]),
        [
          [keyOf(a), 2, 2],
          [keyOf(c), null, null],
          [keyOf(d), 1, 1],
        ],
      );
      const tail = await other.changesSince(3);
      assert.deepEqual(tail.changes.map((x) => x.key).sort(), [keyOf(c), keyOf(d)].sort());
      assert.equal(tail.seq, 4);
      assert.deepEqual(await other.changesSince(4), { seq: 4, changes: [] });
      // Replaying every change onto loadAll's state at an earlier point reproduces the current state.
      const state = new Map<string, unknown>();
      for (const x of all.changes) if (x.resource) state.set(x.key, x.resource);
      assert.deepEqual(state, (await snapshot(other)).byKey);
    });

    it("keeps large bodies exactly", async () => {
      const s = await b.fresh();
      const id = vnet("big", "big");
      const body = {
        id,
        blob: "x".repeat(6 * 1024 * 1024),
        items: Array.from({ length: 20_000 }, (_, i) => ({
          i,
          name: `subnet-${i}`,
          prefix: `10.${i >> 8}.${i & 255}.0/24`,
        })),
        nested: { deep: { deeper: { deepest: [1.5, -0, 1e300, null, true, false, ""] } } },
      };
      await s.commit(ws([{ id, type: VNET_TYPE, body }], [], [[id, 0]]));
      const other = await b.another();
      const loaded = (await snapshot(other)).byKey.get(keyOf(id));
      assert.equal(loaded.body.blob.length, body.blob.length);
      assert.deepEqual(loaded.body, JSON.parse(JSON.stringify(body)));
      const since = await other.changesSince(0);
      assert.deepEqual(since.changes[0].resource?.body, JSON.parse(JSON.stringify(body)));
    });

    it("keeps unicode in ids and bodies exactly", async () => {
      const s = await b.fresh();
      const id = rg("Grüße-日本語-🚀");
      const text =
        "Zoë ünïcødé — 日本語 中文 한국어 العربية עברית 🚀👩‍💻 e\u0301 \u0000 nul \ud800 lone \u2028\u2029 \\ \" '";
      const body = { id, text, [text]: "key too", list: [text, { ключ: "значение" }] };
      await s.commit(ws([{ id, type: RG_TYPE, body }], [], [[id, 0]]));
      const other = await b.another();
      const snap = await snapshot(other);
      const r = snap.byKey.get(keyOf(id));
      assert.ok(r, `stored under ${keyOf(id)}; have ${[...snap.byKey.keys()].join(", ")}`);
      assert.equal(r.id, id);
      assert.equal(r.body.text, text);
      assert.deepEqual(r.body, body);
      assert.deepEqual((await other.changesSince(0)).changes[0].resource?.body, body);
      // Updating through the unicode key finds the same row.
      const u = await other.commit(ws([put(id, { v: 2 })], [], [[id, 1]]));
      assert.equal(u.changes[0].resource?.rev, 2);
    });

    it("lands 200 concurrent commits from 4 instances, each at its own sequence number", async () => {
      const stores = [await b.fresh(), await b.another(), await b.another(), await b.another()];
      const results = await Promise.all(
        Array.from({ length: 200 }, (_, i) => {
          const id = rg(`c-${i}`);
          return stores[i % 4].commit(ws([put(id, { i })], [], [[id, 0]]));
        }),
      );
      const seqs = results.map((r) => r.seq).sort((x, y) => x - y);
      assert.deepEqual(
        seqs,
        Array.from({ length: 200 }, (_, i) => i + 1),
        "every commit gets its own sequence number, with no gaps",
      );
      for (const r of results) assert.equal(r.changes[0].resource?.rev, 1);
      const snap = await snapshot(await b.another());
      assert.equal(snap.seq, 200);
      assert.equal(snap.byKey.size, 200);
      for (let i = 0; i < 200; i++) assert.equal(snap.byKey.get(keyOf(rg(`c-${i}`)))?.body.i, i);
      assert.equal((await stores[3].changesSince(0)).changes.length, 200);

      // The same key written by all of them at once with the same expectation: exactly one wins.
      const hot = rg("hot");
      await stores[0].commit(ws([put(hot, { v: 0 })], [], [[hot, 0]]));
      const race = await Promise.allSettled(
        Array.from({ length: 20 }, (_, i) =>
          stores[i % 4].commit(ws([put(hot, { v: i + 1 })], [], [[hot, 1]])),
        ),
      );
      const won = race.filter((r): r is PromiseFulfilledResult<CommitResult> => r.status === "fulfilled");
      assert.equal(won.length, 1, "exactly one of 20 writes expecting revision 1 commits");
      for (const r of race) {
        if (r.status === "rejected") assert.ok(r.reason instanceof StoreConflictError, String(r.reason));
      }
      const final = (await snapshot(stores[2])).byKey.get(keyOf(hot));
      assert.equal(final.rev, 2);
      assert.equal(final.body.v, won[0].value.changes[0].resource?.body.v);
    });
  });
}

contract(sqliteBackend());
contract(postgresBackend());

describe("PostgresStore: replicas", T, () => {
  let db: TestDatabase | undefined;
  const open: PostgresStore[] = [];
  const openStore = async (): Promise<PostgresStore> => {
    assert.ok(db, "no database (see the failure of the before hook)");
    const s = await PostgresStore.open(db.url, { poolSize: 3 });
    open.push(s);
    return s;
  };
  before(async () => {
    db = await createDatabase("replicas");
  });
  afterEach(async () => {
    for (const s of open.splice(0)) await s.close();
  });
  after(async () => {
    await db?.drop();
  });

  it("creates the schema once when several replicas start at the same time", async () => {
    const stores = await Promise.all(Array.from({ length: 6 }, () => openStore()));
    for (const s of stores) assert.deepEqual(await s.loadAll(), { resources: [], seq: 0 });
    const t = await db!.query(
      "SELECT count(*)::int AS n FROM information_schema.tables WHERE table_name IN ('resources', 'meta')",
    );
    assert.equal(t.rows[0].n, 2);
    const m = await db!.query("SELECT k FROM meta ORDER BY k");
    assert.deepEqual(
      m.rows.map((r) => r.k),
      ["floor", "schema", "seq"],
      "one sequence counter, one compaction floor, one schema version",
    );
  });

  it("notifies other instances of a commit, not the committing one, and reconnects a lost listener", async () => {
    const a = await openStore();
    const listener = await openStore();
    let woken = 0;
    listener.onRemoteChange(() => woken++);
    // A fresh listener wakes once when it is connected (changes made before it listened).
    await until("the first wake-up after LISTEN", () => woken >= 1, 5_000);
    await until(
      "LISTEN registered",
      async () => {
        const r = await db!.query(
          "SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1 AND query = 'LISTEN arclink_changes'",
          [db!.name],
        );
        return r.rows[0].n === 1;
      },
      5_000,
    );
    woken = 0;
    const own = rg("own");
    await listener.commit(ws([put(own)], [], [[own, 0]]));
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(woken, 0, "its own commit does not wake the committing store");
    const other = rg("other");
    const t0 = Date.now();
    await a.commit(ws([put(other)], [], [[other, 0]]));
    await until("the notification of another instance's commit", () => woken >= 1, 2_000);
    assert.ok(Date.now() - t0 < 2_000);

    // The server drops the listening connection: the store reconnects and listens again.
    const killed = await db!.query(
      "SELECT pg_terminate_backend(pid) AS ok FROM pg_stat_activity WHERE datname = $1 AND query = 'LISTEN arclink_changes'",
      [db!.name],
    );
    assert.equal(killed.rowCount, 1);
    await until(
      "a new LISTEN after the connection was killed",
      async () => {
        const r = await db!.query(
          "SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1 AND query = 'LISTEN arclink_changes'",
          [db!.name],
        );
        return r.rows[0].n === 1;
      },
      10_000,
    );
    await until("the wake-up after reconnecting", () => woken >= 2, 5_000);
    woken = 0;
    const later = rg("later");
    await a.commit(ws([put(later)], [], [[later, 0]]));
    await until("a notification on the new connection", () => woken >= 1, 2_000);
    // Everything committed is there for the listener's catch-up.
    assert.deepEqual(
      (await listener.changesSince(0)).changes.map((c) => c.key).sort(),
      [keyOf(own), keyOf(other), keyOf(later)].sort(),
    );
  });

  it("fails to open with a message naming the server, without the password", async () => {
    const bad = "postgres://arclink:s3cret-pw@127.0.0.1:1/nowhere";
    await assert.rejects(PostgresStore.open(bad), (e: Error) => {
      assert.match(
        e.message,
        /Cannot open the PostgreSQL store at postgres:\/\/arclink:\*\*\*@127\.0\.0\.1:1\/nowhere/,
      );
      assert.doesNotMatch(e.message, /s3cret-pw/);
      return true;
    });
  });
});
