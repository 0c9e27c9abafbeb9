// Store on an embedded SQLite file (better-sqlite3): WAL, one transaction per write (or per group
// of writes, each with its own sequence number), synchronous=FULL so an acknowledged write survives
// kill -9 and power loss. Each transaction first checks the write's read set against the commits
// after the state it read (none while one server owns the file, which the data folder lock ensures).
// Tables and migrations: sqliteSchema.ts; snapshots (files beside the database): sqliteSnapshots.ts.
//
// A heartbeat that changes nothing but a machine's heartbeat time (Put.lastHeartbeat) is a short
// row in table heartbeats (key, the resource's revision it was written on, the time, its sequence
// number) instead of the machine's whole JSON written again: a fleet's heartbeat round then dirties
// a few pages of that table rather than one page of resources per machine, and reads none of
// resources. A row exists only while its resource is at the row's revision (every other write of
// the resource removes it), so the row answers a heartbeat's expectation; every read (load,
// changesSince) puts its time into the body's _arclink.lastHeartbeat.
import Database from "better-sqlite3";
import { dirname, join } from "node:path";
import { keyOf } from "../core/resourceId.js";
import {
  Change,
  CommitResult,
  ReadSet,
  readSetMatcher,
  Store,
  StoreConflictError,
  StoredResource,
  unionOfReads,
  WriteSet,
} from "./store.js";
import { openSqliteSchema } from "./sqliteSchema.js";
import { SqliteSnapshots } from "./sqliteSnapshots.js";

/** A row of the resources table as SQLite returns it. */
export interface ResourceRow {
  key: string;
  id: string;
  type: string;
  body: string | null;
  rev: number;
  seq: number;
  /** The heartbeat time recorded on this revision (table heartbeats), if any. */
  at?: string | null;
}

export class SqliteStore implements Store {
  readonly kind = "sqlite" as const;
  private db: Database.Database;

  /** Named copies of the whole database, each a file in `snapshotsDir` (default: <folder of file>/snapshots). */
  readonly snapshots: SqliteSnapshots;

  /** `log`: where each migration applied at open is reported. */
  constructor(file: string, opts: { log?: (line: string) => void; snapshotsDir?: string } = {}) {
    this.db = new Database(file);
    const log = opts.log ?? (() => undefined);
    this.snapshots = new SqliteSnapshots(this.db, opts.snapshotsDir ?? join(dirname(file), "snapshots"), log);
    try {
      this.db.pragma("busy_timeout = 5000");
      openSqliteSchema(this.db, `The SQLite store ${file}`, {
        log,
        moveLegacySnapshots: (snaps) => this.snapshots.moveLegacy(snaps),
      });
      this.db.pragma("journal_mode = WAL");
      this.db.pragma("synchronous = FULL");
    } catch (e) {
      this.db.close();
      throw e;
    }
  }

  async loadAll(): Promise<{ resources: StoredResource[]; seq: number }> {
    // Row by row (a million rows' texts at once would not fit beside what they parse into), with
    // the values many bodies repeat kept once (sharedValues).
    const rows = this.db.prepare(
      `SELECT r.id, r.type, r.body, r.rev, h.at FROM resources r
       LEFT JOIN heartbeats h ON h.key = r.key AND h.rev = r.rev WHERE r.body IS NOT NULL`,
    );
    const share = sharedValues();
    const resources: StoredResource[] = [];
    for (const r of rows.iterate() as IterableIterator<ResourceRow>) resources.push(share(toResource(r)));
    return { resources, seq: this.seq() };
  }

  private seq(): number {
    const st = (this.stmts ??= this.prepare());
    return Number((st.getSeq.get() as { v: string }).v);
  }

  private stmts?: ReturnType<SqliteStore["prepare"]>;

  /**
   * Whether table heartbeats may have rows, as of the current write transaction (read at its start,
   * under the write lock): while it has none, writes need not remove their resource's.
   */
  private beats = false;

  /** The transactions' first step: the sequence number they follow, and whether heartbeats has rows. */
  private begin(): number {
    const st = (this.stmts ??= this.prepare());
    this.beats = st.anyHeartbeat.get() !== undefined;
    return this.seq();
  }

  private prepare() {
    return {
      getRev: this.db.prepare("SELECT rev, body IS NOT NULL AS live FROM resources WHERE key = ?"),
      // A put is one statement that also checks the write's expectation for its key (a check-in must
      // neither copy the machine's JSON out of SQLite nor read its row before writing it).
      // Expected live at `want`: changes only that revision of a live row.
      putLive: this.db.prepare(
        `UPDATE resources SET id = ?, type = ?, body = ?, seq = ?, rev = ?
         WHERE key = ? AND rev = ? AND body IS NOT NULL`,
      ),
      // A key never written (most creates): its revision is 1, no RETURNING needed (it costs a
      // sixth of an insert). Nothing changes when the key has a row, live or a tombstone.
      putNew: this.db.prepare(
        `INSERT INTO resources (key, id, type, body, rev, seq) VALUES (?, ?, ?, ?, 1, ?)
         ON CONFLICT(key) DO NOTHING`,
      ),
      // Expected absent: a new row, or a tombstone brought back; no row returned when it is live.
      putAbsent: this.db.prepare(
        `INSERT INTO resources (key, id, type, body, rev, seq) VALUES (?, ?, ?, ?, 1, ?)
         ON CONFLICT(key) DO UPDATE SET id = excluded.id, type = excluded.type, body = excluded.body,
         rev = resources.rev + 1, seq = excluded.seq WHERE resources.body IS NULL
         RETURNING rev`,
      ),
      // No expectation (a key an earlier write of the same group already checked).
      putAny: this.db.prepare(
        `INSERT INTO resources (key, id, type, body, rev, seq) VALUES (?, ?, ?, ?, 1, ?)
         ON CONFLICT(key) DO UPDATE SET id = excluded.id, type = excluded.type, body = excluded.body,
         rev = resources.rev + 1, seq = excluded.seq
         RETURNING rev`,
      ),
      // A heartbeat alone (Put.lastHeartbeat): the time, on the revision expected (or any) of a
      // resource that has a heartbeat already (beat*), or whose row says it is live (heartbeat*).
      // (RETURNING only where the revision is not known: it costs a third more.)
      beatAt: this.db.prepare("UPDATE heartbeats SET at = ?, seq = ? WHERE key = ? AND rev = ?"),
      beatAny: this.db.prepare("UPDATE heartbeats SET at = ?, seq = ? WHERE key = ? RETURNING rev"),
      heartbeatAt: this.db.prepare(
        `INSERT INTO heartbeats (key, rev, at, seq)
         SELECT key, rev, ?, ? FROM resources WHERE key = ? AND rev = ? AND body IS NOT NULL
         ON CONFLICT(key) DO UPDATE SET rev = excluded.rev, at = excluded.at, seq = excluded.seq
         RETURNING rev`,
      ),
      heartbeatAny: this.db.prepare(
        `INSERT INTO heartbeats (key, rev, at, seq)
         SELECT key, rev, ?, ? FROM resources WHERE key = ? AND body IS NOT NULL
         ON CONFLICT(key) DO UPDATE SET rev = excluded.rev, at = excluded.at, seq = excluded.seq
         RETURNING rev`,
      ),
      tombstone: this.db.prepare("UPDATE resources SET body = NULL, rev = ?, seq = ? WHERE key = ?"),
      // With any other write of the resource: its heartbeat is on the body written.
      dropHeartbeat: this.db.prepare("DELETE FROM heartbeats WHERE key = ?"),
      anyHeartbeat: this.db.prepare("SELECT 1 FROM heartbeats LIMIT 1"),
      setSeq: this.db.prepare("UPDATE meta SET v = ? WHERE k = 'seq'"),
      getSeq: this.db.prepare("SELECT v FROM meta WHERE k = 'seq'"),
      getFloor: this.db.prepare("SELECT v FROM meta WHERE k = 'floor'"),
      changedIn: this.db.prepare("SELECT key, type FROM resources WHERE seq > ? AND seq <= ?"),
      // No index on heartbeats.seq (it would cost every heartbeat a second write): with one server
      // on the file, read sets and changesSince look back only when another process wrote.
      heartbeatsIn: this.db.prepare(
        `SELECT h.key, r.type FROM heartbeats h JOIN resources r ON r.key = h.key
         WHERE h.seq > ? AND h.seq <= ?`,
      ),
    };
  }

  /** The sequence number at or below which tombstones may be gone. */
  private floor(): number {
    const st = (this.stmts ??= this.prepare());
    return Number((st.getFloor.get() as { v: string }).v);
  }

  /** Refuses writes whose read set changed after they read (commits up to `lockSeq`, not their group's). */
  private checkReads(reads: ReadSet | undefined, lockSeq: number): void {
    if (!reads || reads.seq >= lockSeq) return;
    if (reads.seq < this.floor()) throw new StoreConflictError("(compacted)");
    const st = (this.stmts ??= this.prepare());
    const saw = readSetMatcher(reads);
    for (const r of st.changedIn.iterate(reads.seq, lockSeq) as Iterable<{ key: string; type: string }>)
      if (saw(r.key, r.type)) throw new StoreConflictError(r.key);
    for (const r of st.heartbeatsIn.iterate(reads.seq, lockSeq) as Iterable<{ key: string; type: string }>)
      if (saw(r.key, r.type)) throw new StoreConflictError(r.key);
  }

  /**
   * One write set, inside the caller's transaction, with sequence number `seq` (the caller sets the
   * counter once per transaction). Every expectation holds or the write throws StoreConflictError
   * and the caller's transaction rolls back: a put's is checked by its own statement, a delete's
   * (or one on a key not written) by a read.
   */
  private applyOne(ws: WriteSet, seq: number): CommitResult {
    const st = (this.stmts ??= this.prepare());
    const liveRev = (key: string): { rev: number; live: boolean } => {
      // Liveness without reading the body.
      const r = st.getRev.get(key) as { rev: number; live: number } | undefined;
      return r ? { rev: r.rev, live: r.live === 1 } : { rev: 0, live: false };
    };
    const putKeys: string[] = ws.puts.map((p) => p.key ?? keyOf(p.id));
    if (ws.expect.size) {
      // A check-in puts one key and expects only it: no set of the keys for that.
      let puts: Set<string> | undefined;
      const isPut = (key: string) =>
        putKeys.length <= 8 ? putKeys.includes(key) : (puts ??= new Set(putKeys)).has(key);
      for (const [key, want] of ws.expect) {
        if (isPut(key)) continue;
        const cur = liveRev(key);
        if ((cur.live ? cur.rev : 0) !== want) throw new StoreConflictError(key);
      }
    }
    const changes: Change[] = [];
    for (let i = 0; i < ws.puts.length; i++) {
      const p = ws.puts[i];
      const key = putKeys[i];
      const want = ws.expect.get(key);
      if (p.lastHeartbeat !== undefined && want !== 0) {
        // The time alone; the resource keeps its revision.
        const at = p.lastHeartbeat;
        const r = (
          want === undefined
            ? (st.beatAny.get(at, seq, key) ?? st.heartbeatAny.get(at, seq, key))
            : st.beatAt.run(at, seq, key, want).changes === 1
              ? { rev: want }
              : st.heartbeatAt.get(at, seq, key, want)
        ) as { rev: number } | undefined;
        if (!r) throw new StoreConflictError(key);
        this.beats = true;
        changes.push({ key, resource: { id: p.id, type: p.type, body: p.body, rev: r.rev } });
        continue;
      }
      const body = JSON.stringify(p.body);
      let rev: number;
      if (want !== undefined && want > 0) {
        rev = want + 1;
        if (st.putLive.run(p.id, p.type, body, seq, rev, key, want).changes !== 1)
          throw new StoreConflictError(key);
      } else if (st.putNew.run(key, p.id, p.type, body, seq).changes === 1) {
        rev = 1;
      } else {
        const r = (want === 0 ? st.putAbsent : st.putAny).get(key, p.id, p.type, body, seq) as
          { rev: number } | undefined;
        if (!r) throw new StoreConflictError(key);
        rev = r.rev;
      }
      if (this.beats) st.dropHeartbeat.run(key);
      changes.push({ key, resource: { id: p.id, type: p.type, body: p.body, rev } });
    }
    for (const id of ws.deletes) {
      const key = keyOf(id);
      const cur = liveRev(key);
      if (!cur.live) continue;
      st.tombstone.run(cur.rev + 1, seq, key);
      if (this.beats) st.dropHeartbeat.run(key);
      changes.push({ key });
    }
    return { seq, changes };
  }

  async commit(ws: WriteSet): Promise<CommitResult> {
    return this.db
      .transaction((): CommitResult => {
        const last = this.begin();
        this.checkReads(ws.reads, last);
        const out = this.applyOne(ws, last + 1);
        this.stmts!.setSeq.run(String(out.seq));
        return out;
      })
      .immediate();
  }

  /** Several write sets in one transaction (one fsync), each with its own sequence number. */
  async commitGroup(sets: WriteSet[]): Promise<CommitResult[]> {
    return this.db
      .transaction((): CommitResult[] => {
        const last = this.begin();
        // The union of the read sets only when something committed after the oldest of them.
        if (sets.some((ws) => ws.reads && ws.reads.seq < last)) this.checkReads(unionOfReads(sets), last);
        const out = sets.map((ws, i) => this.applyOne(ws, last + 1 + i));
        // The counter once per transaction: the numbers between are only ever seen together.
        if (out.length) this.stmts!.setSeq.run(String(last + out.length));
        return out;
      })
      .immediate();
  }

  async changesSince(seq: number): Promise<CommitResult> {
    if (seq < this.floor()) {
      const all = await this.loadAll();
      return {
        seq: all.seq,
        changes: all.resources.map((r) => ({ key: keyOf(r.id), resource: r })),
        full: true,
      };
    }
    // Resources written after `seq` (with the heartbeat on their revision), then those whose only
    // change since is a heartbeat.
    const rows = this.db
      .prepare(
        `SELECT r.key, r.id, r.type, r.body, r.rev, r.seq AS seq, h.at FROM resources r
         LEFT JOIN heartbeats h ON h.key = r.key AND h.rev = r.rev WHERE r.seq > ?
         UNION ALL
         SELECT r.key, r.id, r.type, r.body, r.rev, h.seq AS seq, h.at FROM heartbeats h
         JOIN resources r ON r.key = h.key AND r.rev = h.rev
         WHERE h.seq > ? AND r.seq <= ? AND r.body IS NOT NULL
         ORDER BY seq`,
      )
      .all(seq, seq, seq) as ResourceRow[];
    return {
      seq: this.seq(),
      changes: rows.map((r) => (r.body === null ? { key: r.key } : { key: r.key, resource: toResource(r) })),
    };
  }

  /**
   * Removes the tombstones of deletes at or below `throughSeq` (bounded by the current sequence
   * number) and raises the floor to it: a reader behind the floor then reloads everything, and a
   * write that read before it runs again. Returns how many tombstones went. The space they held is
   * reused by later writes, so create/delete churn keeps the file bounded.
   */
  async compact(throughSeq: number): Promise<number> {
    return this.db
      .transaction((): number => {
        const upTo = Math.min(throughSeq, this.seq());
        if (upTo <= this.floor()) return 0;
        const gone = this.db
          .prepare("DELETE FROM resources WHERE body IS NULL AND seq <= ?")
          .run(upTo).changes;
        this.db.prepare("UPDATE meta SET v = ? WHERE k = 'floor'").run(String(upTo));
        return gone;
      })
      .immediate();
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }
}

/**
 * Loaded bodies share what they repeat, as the bodies written in one process did before they were
 * stored: the id (the row's), the type, systemData, empty tags, osProfile and DNS server lists
 * that read alike, and time texts. Bodies are never changed in place, so sharing is safe; the JSON
 * is the same. Bounded: forgetting only costs sharing.
 */
function sharedValues(): (r: StoredResource) => StoredResource {
  const types = new Map<string, string>();
  const objects = new Map<string, unknown>();
  const times = new Map<string, string>();
  const obj = <T>(v: T): T => {
    if (typeof v !== "object" || v === null) return v;
    const k = JSON.stringify(v);
    const have = objects.get(k);
    if (have !== undefined) return have as T;
    if (objects.size >= 10_000) objects.clear();
    objects.set(k, v);
    return v;
  };
  const time = (o: Record<string, any> | undefined): void => {
    if (typeof o !== "object" || o === null) return;
    for (const k of Object.keys(o)) {
      const v = o[k];
      if (typeof v !== "string" || v.length !== 24 || !TIME.test(v)) continue;
      const have = times.get(v);
      if (have !== undefined) o[k] = have;
      else {
        if (times.size >= 10_000) times.clear();
        times.set(v, v);
      }
    }
  };
  return (r) => {
    let type = types.get(r.type);
    if (type === undefined) types.set(r.type, (type = r.type));
    r.type = type;
    const b = r.body;
    if (typeof b !== "object" || b === null) return r;
    if (b.id === r.id) b.id = r.id;
    if (b.type === type) b.type = type;
    if ("systemData" in b) b.systemData = obj(b.systemData);
    if ("tags" in b) b.tags = obj(b.tags);
    const p = b.properties;
    if (typeof p === "object" && p !== null) {
      if ("osProfile" in p) p.osProfile = obj(p.osProfile);
      if (Array.isArray(p.dnsServers)) p.dnsServers = obj(p.dnsServers);
      time(p);
    }
    time(b._arclink);
    return r;
  };
}

const TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/u;

function toResource(r: ResourceRow): StoredResource {
  const body = JSON.parse(r.body as string);
  if (typeof r.at === "string") {
    if (typeof body._arclink !== "object" || body._arclink === null) body._arclink = {};
    body._arclink.lastHeartbeat = r.at;
  }
  return { id: r.id, type: r.type, body, rev: r.rev };
}
