// Group commit at the store level, on SQLite and PostgreSQL: several write sets in one
// transaction, each with its own sequence number, all or nothing. Then the World-side pieces a
// fleet leans on: a check-in that copies only what it changes, and the host → machine index kept
// from the World's change feed.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { keyOf } from "../src/core/resourceId.js";
import { machineOfHost } from "../src/analysis/hostMachine.js";
import { HostModel } from "../src/network/model.js";
import { recordCheckIn } from "../src/providers/hybridcompute/machineStatus.js";
import { PostgresStore } from "../src/store/postgres.js";
import { SqliteStore } from "../src/store/sqlite.js";
import { Put, Store, StoreConflictError, WriteSet } from "../src/store/store.js";
import { World } from "../src/world/world.js";
import { Writer } from "../src/world/writer.js";
import { createDatabase, TestDatabase } from "./helpers/postgres.js";

const T = { timeout: 120_000 };
const RG = "/subscriptions/00000000-0000-0000-0000-0000000000c2/resourceGroups/Fleet";
const RG_TYPE = "Microsoft.Resources/resourceGroups";
const MACHINE_TYPE = "Microsoft.HybridCompute/machines";
const HOST_TYPE = "ArcLink.Lab/hosts";
const machine = (name: string): string => `${RG}/providers/${MACHINE_TYPE}/${name}`;
const hostId = (name: string): string => `${RG}/providers/${HOST_TYPE}/${name}`;

function put(id: string, type: string, body: Record<string, any> = {}): Put {
  return { id, type, body: { id, name: id.split("/").pop(), ...body } };
}

function ws(puts: Put[] = [], deletes: string[] = [], expect: Array<[string, number]> = []): WriteSet {
  return { puts, deletes, expect: new Map(expect.map(([id, rev]) => [keyOf(id), rev])) };
}

function groupSuite(name: string, open: () => Promise<{ store: Store; close(): Promise<void> }>): void {
  describe(`${name}: commitGroup`, () => {
    let store: Store;
    let close: () => Promise<void>;
    before(async () => {
      ({ store, close } = await open());
    });
    after(async () => close());

    it("gives each write set its own sequence number, revisions and changes, in order", T, async () => {
      const base = await store.commit(ws([put(RG, RG_TYPE), put(machine("m0"), MACHINE_TYPE)]));
      const out = await store.commitGroup!([
        ws([put(machine("m1"), MACHINE_TYPE, { v: 1 })], [], [[machine("m1"), 0]]),
        ws([put(machine("m1"), MACHINE_TYPE, { v: 2 }), put(machine("m2"), MACHINE_TYPE)]),
        ws([], [machine("m0"), machine("absent")], [[machine("m0"), 1]]),
        ws([put(machine("m3"), MACHINE_TYPE)]),
      ]);
      assert.deepEqual(
        out.map((c) => c.seq),
        [base.seq + 1, base.seq + 2, base.seq + 3, base.seq + 4],
      );
      assert.deepEqual(
        out.map((c) => c.changes.map((ch) => [ch.key, ch.resource?.rev ?? "deleted", ch.resource?.body.v])),
        [
          [[keyOf(machine("m1")), 1, 1]],
          [
            [keyOf(machine("m1")), 2, 2],
            [keyOf(machine("m2")), 1, undefined],
          ],
          [[keyOf(machine("m0")), "deleted", undefined]],
          [[keyOf(machine("m3")), 1, undefined]],
        ],
      );
      // The change feed holds each key's newest state at the set that wrote it.
      const since = await store.changesSince(base.seq);
      assert.equal(since.seq, base.seq + 4);
      assert.deepEqual(
        since.changes.map((c) => [c.key, c.resource?.rev ?? "deleted"]).sort(),
        [
          [keyOf(machine("m0")), "deleted"],
          [keyOf(machine("m1")), 2],
          [keyOf(machine("m2")), 1],
          [keyOf(machine("m3")), 1],
        ].sort(),
      );
      const fromSecond = await store.changesSince(base.seq + 2);
      assert.deepEqual(fromSecond.changes.map((c) => c.key).sort(), [
        keyOf(machine("m0")),
        keyOf(machine("m3")),
      ]);
    });

    it("writes nothing when any set's expectation fails", T, async () => {
      const before = await store.loadAll();
      await assert.rejects(
        store.commitGroup!([
          ws([put(machine("n1"), MACHINE_TYPE)]),
          ws([], [machine("m2")]),
          ws([put(machine("n2"), MACHINE_TYPE)], [], [[machine("m3"), 7]]),
        ]),
        (e: unknown) => e instanceof StoreConflictError && e.key === keyOf(machine("m3")),
      );
      const afterwards = await store.loadAll();
      assert.equal(afterwards.seq, before.seq);
      assert.deepEqual(
        afterwards.resources.map((r) => [r.id, r.rev]).sort(),
        before.resources.map((r) => [r.id, r.rev]).sort(),
      );
      assert.equal((await store.changesSince(before.seq)).changes.length, 0);
    });
  });
}

groupSuite("SQLite", async () => {
  const dir = mkdtempSync(join(tmpdir(), "arclink-group-"));
  const store = new SqliteStore(join(dir, "arclink.db"));
  return {
    store,
    close: async () => {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});

groupSuite("PostgreSQL", async () => {
  const db: TestDatabase = await createDatabase("group");
  const store = await PostgresStore.open(db.url);
  return {
    store,
    close: async () => {
      await store.close();
      await db.drop();
    },
  };
});

describe("check-ins and the host → machine index", () => {
  const hostModel = (name: string): HostModel =>
    ({ key: keyOf(hostId(name)), id: hostId(name), name }) as unknown as HostModel;
  let dir: string;
  let store: SqliteStore;
  let world: World;
  let writer: Writer;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), "arclink-group-"));
    store = new SqliteStore(join(dir, "arclink.db"));
    world = new World();
    writer = new Writer(store, world);
  });
  after(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("records a check-in without changing the stored body it started from", T, async () => {
    const systemData = { createdBy: "someone", createdAt: "2026-01-01T00:00:00Z" };
    await writer.run((tx) => {
      tx.put(RG, RG_TYPE, { id: RG, name: "Fleet" });
      tx.put(machine("a"), MACHINE_TYPE, {
        id: machine("a"),
        name: "a",
        properties: { status: "Disconnected", agentVersion: "1.0", detected: { os: "linux" } },
        systemData,
      });
    });
    const before = world.get(machine("a"))!;
    const snapshot = JSON.stringify(before.body);
    await writer.run((tx) =>
      recordCheckIn(
        tx,
        machine("a"),
        "2026-01-02T00:00:00Z",
        { agentVersion: "1.45", x: undefined },
        {
          hostId: hostId("h-a"),
        },
      ),
    );
    assert.equal(JSON.stringify(before.body), snapshot, "the previous version is unchanged");
    const now = world.get(machine("a"))!;
    assert.deepEqual(now.body, {
      id: machine("a"),
      name: "a",
      properties: {
        status: "Connected",
        agentVersion: "1.45",
        detected: { os: "linux" },
        lastStatusChange: "2026-01-02T00:00:00Z",
      },
      systemData,
      _arclink: { hostId: hostId("h-a"), lastHeartbeat: "2026-01-02T00:00:00Z" },
    });
    // Unchanged parts are shared with the previous version, not copied.
    assert.equal(now.body.systemData, before.body.systemData);
    assert.equal(now.body.properties.detected, before.body.properties.detected);
    // A second check-in keeps lastStatusChange (the status did not change).
    await writer.run((tx) => recordCheckIn(tx, machine("a"), "2026-01-02T00:05:00Z"));
    const later = world.get(machine("a"))!.body;
    assert.equal(later.properties.lastStatusChange, "2026-01-02T00:00:00Z");
    assert.equal(later._arclink.lastHeartbeat, "2026-01-02T00:05:00Z");
    assert.equal(later._arclink.hostId, hostId("h-a"));
    const stored = (await store.loadAll()).resources.find((r) => r.id === machine("a"))!;
    assert.deepEqual(stored.body, later);
  });

  it("finds a host's machine by recorded host, then by name, as the world changes", T, async () => {
    // Built on the first lookup, then kept from the change feed.
    assert.equal(machineOfHost(world, hostModel("h-a"))?.id, machine("a"));
    assert.equal(machineOfHost(world, hostModel("b")), undefined);
    await writer.run((tx) => tx.put(machine("b"), MACHINE_TYPE, { id: machine("b"), name: "b" }));
    assert.equal(machineOfHost(world, hostModel("b"))?.id, machine("b"));
    // A machine that records host b wins over the one named b.
    await writer.run((tx) =>
      tx.put(machine("c"), MACHINE_TYPE, { id: machine("c"), name: "c", _arclink: { hostId: hostId("b") } }),
    );
    assert.equal(machineOfHost(world, hostModel("b"))?.id, machine("c"));
    // Two machines recording the same host: the first in the world's order, as a scan would find.
    await writer.run((tx) =>
      tx.put(machine("a"), MACHINE_TYPE, { id: machine("a"), name: "a", _arclink: { hostId: hostId("b") } }),
    );
    assert.equal(machineOfHost(world, hostModel("b"))?.id, machine("a"));
    assert.equal(machineOfHost(world, hostModel("h-a")), undefined);
    // Deletes leave the index.
    await writer.run((tx) => tx.delete(machine("a")));
    assert.equal(machineOfHost(world, hostModel("b"))?.id, machine("c"));
    await writer.run((tx) => tx.delete(machine("c")));
    assert.equal(machineOfHost(world, hostModel("b"))?.id, machine("b"));
    // The same answers as a view without the index (a pending write over the world).
    await writer.run((tx) => {
      assert.equal(machineOfHost(tx, hostModel("b"))?.id, machine("b"));
      tx.put(machine("d"), MACHINE_TYPE, { id: machine("d"), name: "d", _arclink: { hostId: hostId("b") } });
      assert.equal(machineOfHost(tx, hostModel("b"))?.id, machine("d"));
    });
    assert.equal(machineOfHost(world, hostModel("b"))?.id, machine("d"));
  });
});
