// Writes through the Writer on SQLite, as a fleet makes them (many check-ins committed as one
// group), keep three things equal: the rows in the file, the World that answers GETs, and a World
// loaded afresh from the file. Ids are written in several casings (one resource, one key), a
// resource is deleted and created again, and another process sharing the file commits between a
// group's reads and its commit: every write lands once, with the revision the store gave it.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import Database from "better-sqlite3";
import { keyOf, parentId, parseResourceId } from "../src/core/resourceId.js";
import { recordCheckIn } from "../src/providers/hybridcompute/machineStatus.js";
import { ResourceRow, SqliteStore } from "../src/store/sqlite.js";
import { Entry, World } from "../src/world/world.js";
import { Writer } from "../src/world/writer.js";

const T = { timeout: 60_000 };
const SUB = "/subscriptions/00000000-0000-0000-0000-0000000000e3";
const RG = `${SUB}/resourceGroups/Fleet`;
const RG_TYPE = "Microsoft.Resources/resourceGroups";
const MACHINE_TYPE = "Microsoft.HybridCompute/machines";
const machine = (name: string) => `${RG}/providers/${MACHINE_TYPE}/${name}`;
const shout = (id: string) => id.toUpperCase();

/** What a reader sees of one entry: the stored fields, its key and its parent's key. */
function seen(e: Entry | undefined) {
  if (!e) return undefined;
  const p = parseResourceId(e.id);
  const parent = p ? parentId(p) : undefined;
  assert.equal(e.key, keyOf(e.id), `${e.id}: its key`);
  assert.equal(e.parentKey, parent ? keyOf(parent) : undefined, `${e.id}: its parent's key`);
  return { id: e.id, type: e.type, rev: e.rev, body: JSON.stringify(e.body) };
}

describe("writes through the Writer on SQLite", () => {
  let dir: string;
  let file: string;
  let store: SqliteStore;
  let world: World;
  let writer: Writer;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), "arclink-world-writes-"));
    file = join(dir, "arclink.db");
    store = new SqliteStore(file);
    world = new World();
    writer = new Writer(store, world);
  });
  after(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /**
   * The file's rows, the live World and a World loaded from the file all read alike. `sameOrder`:
   * lists too, in the same order (a reload lists in row order, so a resource deleted and created
   * again comes back where its row is, not last).
   */
  async function assertSame(sameOrder: boolean): Promise<void> {
    const db = new Database(file, { readonly: true });
    // A heartbeat that changed nothing else is the time in table heartbeats, on the row's revision.
    const rows = (
      db
        .prepare(
          "SELECT r.*, h.at FROM resources r LEFT JOIN heartbeats h ON h.key = r.key AND h.rev = r.rev",
        )
        .all() as ResourceRow[]
    ).map((r) => {
      if (r.body === null || typeof r.at !== "string") return r;
      const body = JSON.parse(r.body);
      body._arclink.lastHeartbeat = r.at;
      return { ...r, body: JSON.stringify(body) };
    });
    const seq = Number((db.prepare("SELECT v FROM meta WHERE k = 'seq'").get() as { v: string }).v);
    db.close();
    const live = rows.filter((r) => r.body !== null);
    assert.equal(world.size, live.length, "as many resources in the World as live rows");
    assert.equal(world.seq, seq, "the World is at the file's sequence number");
    for (const r of live) {
      assert.equal(r.key, keyOf(r.id));
      assert.deepEqual(seen(world.get(r.id)), { id: r.id, type: r.type, rev: r.rev, body: r.body }, r.id);
    }
    for (const r of rows.filter((x) => x.body === null)) assert.equal(world.get(r.id), undefined, r.id);
    const fresh = new World();
    const loaded = await store.loadAll();
    fresh.load(loaded.resources, loaded.seq);
    for (const e of world.entries()) assert.deepEqual(seen(fresh.get(e.id)), seen(e), e.id);
    // The same lists, in the same order when nothing was created again.
    const ids = (es: Entry[]) => (sameOrder ? es.map((e) => e.id) : es.map((e) => e.id).sort());
    assert.deepEqual(ids(fresh.children(RG)), ids(world.children(RG)));
    assert.deepEqual(ids(fresh.ofType(MACHINE_TYPE)), ids(world.ofType(MACHINE_TYPE)));
  }

  it(
    "a group of check-ins, some by another casing of the id: one row each, the first casing kept",
    T,
    async () => {
      await writer.run((tx) => {
        tx.put(RG, RG_TYPE, { id: RG, name: "Fleet" });
        for (let i = 0; i < 40; i++)
          tx.put(machine(`m${i}`), MACHINE_TYPE, { id: machine(`m${i}`), name: `m${i}`, properties: {} });
      });
      // Queued together: the Writer commits them as one group, each with its own sequence number.
      const before = world.seq;
      const at = "2026-03-01T00:05:00.000Z";
      await Promise.all(
        Array.from({ length: 40 }, (_, i) =>
          writer.run((tx) =>
            recordCheckIn(tx, i % 2 ? shout(machine(`m${i}`)) : machine(`m${i}`), at, {
              agentVersion: "1.45",
            }),
          ),
        ),
      );
      assert.equal(world.seq, before + 40);
      for (let i = 0; i < 40; i++) {
        const e = world.get(machine(`m${i}`))!;
        assert.equal(e.id, machine(`m${i}`), "the casing first written");
        assert.equal(e.rev, 2);
        assert.equal(e.body._arclink.lastHeartbeat, at);
        assert.equal(e.body.properties.status, "Connected");
      }
      // A later write of the group reads what an earlier one wrote (same machine twice in a group).
      await Promise.all([
        writer.run((tx) => recordCheckIn(tx, machine("m0"), "2026-03-01T00:10:00.000Z")),
        writer.run((tx) => recordCheckIn(tx, shout(machine("m0")), "2026-03-01T00:15:00.000Z")),
      ]);
      // Heartbeats of a Connected machine: not new revisions (Azure gives no new ETag for them).
      assert.equal(world.get(machine("m0"))!.rev, 2);
      assert.equal(world.get(machine("m0"))!.body._arclink.lastHeartbeat, "2026-03-01T00:15:00.000Z");
      await assertSame(false);
    },
  );

  it(
    "a delete by another casing, then a create in a third: the revision goes on from the tombstone",
    T,
    async () => {
      await writer.run((tx) => tx.delete(shout(machine("m1"))));
      assert.equal(world.get(machine("m1")), undefined);
      assert.ok(!world.children(RG).some((e) => e.key === keyOf(machine("m1"))));
      const again = `${RG}/providers/Microsoft.HybridCompute/MACHINES/M1`;
      await writer.run((tx) => tx.put(again, MACHINE_TYPE, { id: again, name: "M1", properties: {} }));
      const e = world.get(machine("m1"))!;
      assert.equal(e.id, again);
      assert.equal(e.rev, 4, "created at 1, checked in at 2, deleted at 3, created again at 4");
      await assertSame(false);
    },
  );

  it(
    "a commit by another process between a group's reads and its commit: every write runs again and lands",
    T,
    async () => {
      const other = new SqliteStore(file);
      try {
        // The other process checks m2 in; this World has not seen it yet.
        const cur = world.get(machine("m2"))!;
        const theirs = { ...cur.body, tags: { by: "other" } };
        await other.commit({
          puts: [{ id: cur.id, type: cur.type, body: theirs }],
          deletes: [],
          expect: new Map([[cur.key, cur.rev]]),
        });
        const at = "2026-03-01T01:00:00.000Z";
        await Promise.all([2, 3, 4].map((i) => writer.run((tx) => recordCheckIn(tx, machine(`m${i}`), at))));
        const m2 = world.get(machine("m2"))!;
        assert.equal(m2.rev, cur.rev + 1, "theirs, then our heartbeat on top of it (not a new revision)");
        assert.deepEqual(m2.body.tags, { by: "other" }, "their write is kept");
        assert.equal(m2.body._arclink.lastHeartbeat, at, "and ours is applied on it");
        for (const i of [3, 4]) assert.equal(world.get(machine(`m${i}`))!.body._arclink.lastHeartbeat, at);
        await assertSame(false);
      } finally {
        await other.close();
      }
    },
  );
});
