// A heartbeat that changes nothing but a machine's heartbeat time: the check-in says so
// (WriteTx.putHeartbeat → Put.lastHeartbeat), and SQLite records just the time in its table
// heartbeats instead of writing the machine's whole body again. Every read still gives the body
// with that time: a reload (a restart), changesSince (another process on the file), a snapshot
// restore; and the live status computed from it (Connected, Disconnected 15 minutes later) is the
// same as before. A later write of the machine, a delete, or a data folder of schema 5 are handled.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import Database from "better-sqlite3";
import { keyOf } from "../src/core/resourceId.js";
import { withLiveStatus } from "../src/providers/hybridcompute/machines.js";
import { recordCheckIn } from "../src/providers/hybridcompute/machineStatus.js";
import { SqliteStore } from "../src/store/sqlite.js";
import { SCHEMA_VERSION } from "../src/store/schema.js";
import { CommitResult, Store, StoreConflictError, WriteSet } from "../src/store/store.js";
import { MemoryStore } from "../src/store/memory.js";
import { World } from "../src/world/world.js";
import { Writer } from "../src/world/writer.js";
import { WriteTx } from "../src/world/writeTx.js";

const RG = "/subscriptions/00000000-0000-0000-0000-0000000000c3/resourceGroups/Beats";
const MACHINE_TYPE = "Microsoft.HybridCompute/machines";
const machine = (name: string): string => `${RG}/providers/${MACHINE_TYPE}/${name}`;
const T0 = "2026-02-01T00:00:00.000Z";
const T1 = "2026-02-01T00:05:00.000Z";
const T2 = "2026-02-01T00:10:00.000Z";

/** A machine as its first check-in leaves it (Connected, with a heartbeat time). */
function onboarded(name: string, at = T0): Record<string, any> {
  return {
    id: machine(name),
    name,
    type: MACHINE_TYPE,
    properties: { status: "Connected", lastStatusChange: at, agentVersion: "1.45" },
    _arclink: { hostId: `${RG}/providers/ArcLink.Lab/hosts/${name}`, lastHeartbeat: at, onboardedAt: at },
  };
}

async function opened(file: string): Promise<{ store: SqliteStore; world: World; writer: Writer }> {
  const store = new SqliteStore(file);
  const world = new World();
  const loaded = await store.loadAll();
  world.load(loaded.resources, loaded.seq);
  return { store, world, writer: new Writer(store, world) };
}

/** The machine's row as SQLite holds it: the heartbeat does not rewrite it. */
function row(file: string, name: string): { body: string; rev: number; seq: number } {
  const db = new Database(file, { readonly: true });
  try {
    return db.prepare("SELECT body, rev, seq FROM resources WHERE key = ?").get(keyOf(machine(name))) as {
      body: string;
      rev: number;
      seq: number;
    };
  } finally {
    db.close();
  }
}

function heartbeatRows(file: string): number {
  const db = new Database(file, { readonly: true });
  try {
    return (db.prepare("SELECT count(*) AS n FROM heartbeats").get() as { n: number }).n;
  } finally {
    db.close();
  }
}

describe("a check-in that changes only the heartbeat time", () => {
  it("is marked as such, and only then", () => {
    const world = new World();
    world.load([{ id: machine("a"), type: MACHINE_TYPE, body: onboarded("a"), rev: 3 }], 7);
    const marked = (fn: (tx: WriteTx) => void) => {
      const tx = new WriteTx(world, world.seq);
      fn(tx);
      return tx.toWriteSet().puts.map((p) => p.lastHeartbeat);
    };
    // The same agent version, or none reported: the time alone.
    assert.deepEqual(
      marked((tx) => recordCheckIn(tx, machine("a"), T1, { agentVersion: "1.45" })),
      [T1],
    );
    assert.deepEqual(
      marked((tx) => recordCheckIn(tx, machine("a"), T1)),
      [T1],
    );
    // A new agent version, internal facts, or a machine not Connected: the whole body.
    assert.deepEqual(
      marked((tx) => recordCheckIn(tx, machine("a"), T1, { agentVersion: "1.46" })),
      [undefined],
    );
    assert.deepEqual(
      marked((tx) => recordCheckIn(tx, machine("a"), T1, {}, { onboardedVia: "private" })),
      [undefined],
    );
    // After a put of the machine in the same transaction, the stored body is not the one it differs from.
    assert.deepEqual(
      marked((tx) => {
        tx.put(machine("a"), MACHINE_TYPE, { ...onboarded("a"), tags: { team: "x" } });
        recordCheckIn(tx, machine("a"), T1);
      }),
      [undefined],
    );
    // A put after it makes it a whole write again.
    assert.deepEqual(
      marked((tx) => {
        recordCheckIn(tx, machine("a"), T1);
        tx.put(machine("a"), MACHINE_TYPE, { ...onboarded("a"), tags: { team: "x" } });
      }),
      [undefined],
    );
    const disconnected = onboarded("b");
    disconnected.properties.status = "Disconnected";
    world.apply(
      [
        {
          key: keyOf(machine("b")),
          resource: { id: machine("b"), type: MACHINE_TYPE, body: disconnected, rev: 1 },
        },
      ],
      8,
    );
    assert.deepEqual(
      marked((tx) => recordCheckIn(tx, machine("b"), T1)),
      [undefined],
    );
  });

  it("shares everything but the internal record with the previous version", () => {
    const world = new World();
    world.load([{ id: machine("a"), type: MACHINE_TYPE, body: onboarded("a"), rev: 1 }], 1);
    const tx = new WriteTx(world, 1);
    recordCheckIn(tx, machine("a"), T1, { agentVersion: "1.45" });
    const before = world.get(machine("a"))!.body;
    const after = tx.get(machine("a"))!.body;
    assert.equal(after.properties, before.properties);
    assert.deepEqual(after, { ...before, _arclink: { ...before._arclink, lastHeartbeat: T1 } });
    assert.deepEqual(Object.keys(after), Object.keys(before));
    assert.equal(before._arclink.lastHeartbeat, T0, "the previous version is unchanged");
  });

  it("commits as the whole body on a store without commitGroup when the group wrote the machine first", async () => {
    // The Writer merges a group into one write set: a heartbeat after a whole put of the same
    // machine differs from that put, not from the stored body.
    const sets: WriteSet[] = [];
    const memory = new MemoryStore();
    const store: Store = {
      kind: "memory",
      loadAll: () => memory.loadAll(),
      changesSince: (seq) => memory.changesSince(seq),
      commit: (ws): Promise<CommitResult> => {
        sets.push(ws);
        return memory.commit(ws);
      },
      close: () => memory.close(),
    };
    const world = new World();
    const writer = new Writer(store, world);
    await writer.run((tx) => tx.put(machine("a"), MACHINE_TYPE, onboarded("a")));
    sets.length = 0;
    await Promise.all([
      writer.run((tx) => tx.put(machine("a"), MACHINE_TYPE, { ...onboarded("a"), tags: { team: "x" } })),
      writer.run((tx) => recordCheckIn(tx, machine("a"), T1)),
    ]);
    assert.equal(sets.length, 1);
    assert.deepEqual(
      sets[0].puts.map((p) => [p.lastHeartbeat, p.body.tags, p.body._arclink.lastHeartbeat]),
      [[undefined, { team: "x" }, T1]],
    );
    // Heartbeats alone stay marked when merged.
    sets.length = 0;
    await Promise.all([
      writer.run((tx) => recordCheckIn(tx, machine("a"), T1)),
      writer.run((tx) => recordCheckIn(tx, machine("a"), T2)),
    ]);
    assert.deepEqual(
      sets[0].puts.map((p) => p.lastHeartbeat),
      [T2],
    );
  });
});

describe("SQLite: a heartbeat recorded as its time alone", () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), "arclink-heartbeat-"));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("leaves the machine's row as it was, and every read gives the new time", async () => {
    const file = join(dir, "a.db");
    const { store, world, writer } = await opened(file);
    try {
      await writer.run((tx) => tx.put(machine("a"), MACHINE_TYPE, onboarded("a")));
      const written = row(file, "a");
      const seq0 = world.seq;
      await writer.run((tx) => recordCheckIn(tx, machine("a"), T1, { agentVersion: "1.45" }));
      assert.deepEqual(row(file, "a"), written, "the row is not rewritten");
      const e = world.get(machine("a"))!;
      assert.equal(e.body._arclink.lastHeartbeat, T1);
      assert.equal(e.rev, written.rev, "a heartbeat is not a new revision");
      assert.equal(world.seq, seq0 + 1, "but it is a commit of its own");
      // Another process on the file (changesSince) and a reload see the time.
      const since = await store.changesSince(seq0);
      assert.equal(since.seq, seq0 + 1);
      assert.deepEqual(
        since.changes.map((c) => [c.key, c.resource?.rev]),
        [[keyOf(machine("a")), written.rev]],
      );
      assert.deepEqual(since.changes[0].resource!.body, e.body);
      assert.deepEqual((await store.changesSince(seq0 + 1)).changes, []);
      const all = await store.loadAll();
      assert.deepEqual(all.resources.find((r) => r.id === machine("a"))!.body, e.body);
      // A heartbeat after another is the newer time.
      await writer.run((tx) => recordCheckIn(tx, machine("a"), T2));
      assert.equal((await store.loadAll()).resources[0].body._arclink.lastHeartbeat, T2);
    } finally {
      await store.close();
    }
  });

  it("is Connected after a restart, and Disconnected 15 minutes after its last heartbeat", async () => {
    const file = join(dir, "restart.db");
    let s = await opened(file);
    await s.writer.run((tx) => tx.put(machine("m"), MACHINE_TYPE, onboarded("m")));
    await s.writer.run((tx) => recordCheckIn(tx, machine("m"), T2));
    const before = s.world.get(machine("m"))!.body;
    await s.store.close();
    s = await opened(file);
    try {
      const body = s.world.get(machine("m"))!.body;
      assert.deepEqual(body, before);
      assert.equal(JSON.stringify(body), JSON.stringify(before), "the same JSON, key order included");
      const at = (min: number) => new Date(Date.parse(T2) + min * 60_000);
      assert.equal(withLiveStatus(body, at(14)).properties.status, "Connected");
      const later = withLiveStatus(body, at(16)).properties;
      assert.equal(later.status, "Disconnected");
      assert.equal(later.lastStatusChange, at(15).toISOString());
    } finally {
      await s.store.close();
    }
  });

  it("gives way to a later write of the machine, and dies with it", async () => {
    const file = join(dir, "later.db");
    const { store, world, writer } = await opened(file);
    try {
      await writer.run((tx) => tx.put(machine("a"), MACHINE_TYPE, onboarded("a")));
      await writer.run((tx) => recordCheckIn(tx, machine("a"), T2));
      // A write of the whole body (here one that carries an older time) is what the store then holds.
      await writer.run((tx) =>
        tx.put(machine("a"), MACHINE_TYPE, { ...onboarded("a", T1), tags: { x: "1" } }),
      );
      const load = async () => (await store.loadAll()).resources.find((r) => r.id === machine("a"));
      assert.equal((await load())!.body._arclink.lastHeartbeat, T1);
      assert.equal(heartbeatRows(file), 0, "the write took the heartbeat's place");
      // A heartbeat decided on the revision before that write is refused, not recorded.
      const e = world.get(machine("a"))!;
      await assert.rejects(
        store.commit({
          puts: [{ id: e.id, type: e.type, body: e.body, lastHeartbeat: T2 }],
          deletes: [],
          expect: new Map([[e.key, e.rev - 1]]),
        }),
        StoreConflictError,
      );
      assert.deepEqual((await load())!.body, world.get(machine("a"))!.body);
      // Deleted, tombstones compacted, created again from revision 1: no heartbeat of the old one.
      await writer.run((tx) => recordCheckIn(tx, machine("a"), T2));
      await writer.run((tx) => tx.delete(machine("a")));
      await store.compact(world.seq);
      await writer.run((tx) => tx.put(machine("a"), MACHINE_TYPE, onboarded("a")));
      assert.equal(world.get(machine("a"))!.rev, 1);
      assert.equal((await load())!.body._arclink.lastHeartbeat, T0);
    } finally {
      await store.close();
    }
  });

  it("is refused on a revision the machine is no longer at, and conflicts with a read of the machine", async () => {
    const file = join(dir, "conflict.db");
    const { store, world, writer } = await opened(file);
    try {
      await writer.run((tx) => tx.put(machine("a"), MACHINE_TYPE, onboarded("a")));
      const e = world.get(machine("a"))!;
      const beat = (rev: number): WriteSet => ({
        puts: [{ id: e.id, type: e.type, body: e.body, lastHeartbeat: T1 }],
        deletes: [],
        expect: new Map([[e.key, rev]]),
      });
      await assert.rejects(store.commit(beat(e.rev + 1)), StoreConflictError);
      const seq = world.seq;
      await store.commit(beat(e.rev));
      // A write that read the machine before the heartbeat runs again.
      await assert.rejects(
        store.commit({
          puts: [],
          deletes: [],
          expect: new Map(),
          reads: { seq, keys: [e.key], prefixes: [], types: [] },
        }),
        StoreConflictError,
      );
      await store.commit({
        puts: [],
        deletes: [],
        expect: new Map(),
        reads: { seq: seq + 1, keys: [e.key], prefixes: [], types: [] },
      });
    } finally {
      await store.close();
    }
  });

  it("comes back with a snapshot restored", async () => {
    const file = join(dir, "snap.db");
    const { store, writer } = await opened(file);
    try {
      await writer.run((tx) => tx.put(machine("a"), MACHINE_TYPE, onboarded("a")));
      await writer.run((tx) => recordCheckIn(tx, machine("a"), T1));
      await store.snapshots.save("beat");
      await writer.run((tx) => recordCheckIn(tx, machine("a"), T2));
      await store.snapshots.restore("beat");
      const r = (await store.loadAll()).resources.find((x) => x.id === machine("a"))!;
      assert.equal(r.body._arclink.lastHeartbeat, T1);
    } finally {
      await store.close();
    }
  });

  it("migrates a schema 5 file: the table heartbeats is added, the resources kept", async () => {
    const file = join(dir, "five.db");
    const first = await opened(file);
    await first.writer.run((tx) => tx.put(machine("a"), MACHINE_TYPE, onboarded("a")));
    await first.store.close();
    // What schema 5 wrote: no table heartbeats.
    const db = new Database(file);
    db.exec("DROP TABLE heartbeats; UPDATE meta SET v = '5' WHERE k = 'schema'");
    db.close();
    const lines: string[] = [];
    const store = new SqliteStore(file, { log: (l) => lines.push(l) });
    try {
      assert.equal(lines.length, 1, lines.join("\n"));
      assert.match(lines[0], /migrated .*five\.db to schema 6: SQLite records a heartbeat/);
      assert.equal(SCHEMA_VERSION, 6);
      const world = new World();
      const loaded = await store.loadAll();
      world.load(loaded.resources, loaded.seq);
      const writer = new Writer(store, world);
      await writer.run((tx) => recordCheckIn(tx, machine("a"), T1));
      assert.equal((await store.loadAll()).resources[0].body._arclink.lastHeartbeat, T1);
    } finally {
      await store.close();
    }
  });
});
