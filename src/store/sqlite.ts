// Store on an embedded SQLite file (better-sqlite3): WAL, one transaction per write (or per group
// of writes, each with its own sequence number), synchronous=FULL so an acknowledged write survives
// kill -9 and power loss. Each transaction first checks the write's read set against the commits
// after the state it read (none while one server owns the file, which the data folder lock ensures).
import Database from "better-sqlite3";
import { keyOf } from "../core/resourceId.js";
import {
  Change,
  CommitResult,
  ReadSet,
  readSetMatcher,
  SnapshotInfo,
  Snapshots,
  Store,
  StoreConflictError,
  StoredResource,
  unionOfReads,
  WriteSet,
} from "./store.js";
import { MIGRATIONS, migrationsFrom, SCHEMA_VERSION } from "./schema.js";

interface Row {
  key: string;
  id: string;
  type: string;
  body: string | null;
  rev: number;
  seq: number;
}

export class SqliteStore implements Store {
  readonly kind = "sqlite" as const;
  private db: Database.Database;

  /** `log`: where each migration applied at open is reported. */
  constructor(file: string, opts: { log?: (line: string) => void } = {}) {
    this.db = new Database(file);
    try {
      this.db.pragma("busy_timeout = 5000");
      this.openSchema(file, opts.log ?? (() => undefined));
      this.db.pragma("journal_mode = WAL");
      this.db.pragma("synchronous = FULL");
    } catch (e) {
      this.db.close();
      throw e;
    }
  }

  /** Creates the schema, or checks its version and migrates it forward, in one transaction. */
  private openSchema(file: string, log: (line: string) => void): void {
    const db = this.db;
    db.transaction(() => {
      const hasMeta = !!db
        .prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'meta'")
        .get();
      const stored = hasMeta
        ? (db.prepare("SELECT v FROM meta WHERE k = 'schema'").get() as { v: string } | undefined)
        : undefined;
      const hasSeq = hasMeta && !!db.prepare("SELECT 1 FROM meta WHERE k = 'seq'").get();
      // Refused before anything is written: a newer build's store stays as it was.
      const steps = stored ? migrationsFrom(Number(stored.v), `The SQLite store ${file}`) : undefined;
      db.exec(`
        CREATE TABLE IF NOT EXISTS resources (
          key TEXT PRIMARY KEY,
          id TEXT NOT NULL,
          type TEXT NOT NULL,
          body TEXT,
          rev INTEGER NOT NULL,
          seq INTEGER NOT NULL
        );
        CREATE INDEX IF NOT EXISTS resources_seq ON resources(seq);
        CREATE TABLE IF NOT EXISTS meta (k TEXT PRIMARY KEY, v TEXT NOT NULL);
        CREATE TABLE IF NOT EXISTS snapshots (
          name TEXT PRIMARY KEY,
          seq INTEGER NOT NULL,
          saved_at TEXT NOT NULL,
          resources INTEGER NOT NULL
        );
        CREATE TABLE IF NOT EXISTS snapshot_rows (
          name TEXT NOT NULL,
          key TEXT NOT NULL,
          id TEXT NOT NULL,
          type TEXT NOT NULL,
          body TEXT NOT NULL,
          rev INTEGER NOT NULL,
          PRIMARY KEY (name, key)
        );
      `);
      if (!hasSeq) {
        // A new store: this build's schema at once.
        db.exec(`INSERT OR IGNORE INTO meta (k, v) VALUES ('seq', '0'), ('floor', '0');`);
        db.prepare("INSERT OR REPLACE INTO meta (k, v) VALUES ('schema', ?)").run(String(SCHEMA_VERSION));
        return;
      }
      for (const v of steps ?? migrationsFrom(1, `The SQLite store ${file}`)) {
        // (Schema 3's snapshot tables are created above, as on a new store.)
        if (v === 2) db.exec(`INSERT OR IGNORE INTO meta (k, v) VALUES ('floor', '0');`);
        db.prepare("INSERT OR REPLACE INTO meta (k, v) VALUES ('schema', ?)").run(String(v));
        log(`store: migrated ${file} to schema ${v}: ${MIGRATIONS[v]}`);
      }
    }).immediate();
  }

  async loadAll(): Promise<{ resources: StoredResource[]; seq: number }> {
    const rows = this.db.prepare("SELECT * FROM resources WHERE body IS NOT NULL").all() as Row[];
    return { resources: rows.map(toResource), seq: this.seq() };
  }

  private seq(): number {
    const st = (this.stmts ??= this.prepare());
    return Number((st.getSeq.get() as { v: string }).v);
  }

  private stmts?: ReturnType<SqliteStore["prepare"]>;

  private prepare() {
    return {
      getRev: this.db.prepare("SELECT rev, body IS NOT NULL AS live FROM resources WHERE key = ?"),
      upsert: this.db.prepare(
        `INSERT INTO resources (key, id, type, body, rev, seq) VALUES (@key, @id, @type, @body, @rev, @seq)
         ON CONFLICT(key) DO UPDATE SET id = excluded.id, type = excluded.type, body = excluded.body,
         rev = excluded.rev, seq = excluded.seq`,
      ),
      tombstone: this.db.prepare("UPDATE resources SET body = NULL, rev = ?, seq = ? WHERE key = ?"),
      setSeq: this.db.prepare("UPDATE meta SET v = ? WHERE k = 'seq'"),
      getSeq: this.db.prepare("SELECT v FROM meta WHERE k = 'seq'"),
      getFloor: this.db.prepare("SELECT v FROM meta WHERE k = 'floor'"),
      changedIn: this.db.prepare("SELECT key, type FROM resources WHERE seq > ? AND seq <= ?"),
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
  }

  /** One write set, inside the caller's transaction, with the next sequence number. */
  private applyOne(ws: WriteSet): CommitResult {
    const st = (this.stmts ??= this.prepare());
    const liveRev = (key: string): { rev: number; live: boolean } => {
      // Liveness without reading the body: a check-in must not copy the machine's JSON out of SQLite.
      const r = st.getRev.get(key) as { rev: number; live: number } | undefined;
      return r ? { rev: r.rev, live: r.live === 1 } : { rev: 0, live: false };
    };
    for (const [key, want] of ws.expect) {
      const cur = liveRev(key);
      const have = cur.live ? cur.rev : 0;
      if (have !== want) throw new StoreConflictError(key);
    }
    const seq = this.seq() + 1;
    const changes: Change[] = [];
    for (const p of ws.puts) {
      const key = keyOf(p.id);
      const rev = liveRev(key).rev + 1;
      st.upsert.run({ key, id: p.id, type: p.type, body: JSON.stringify(p.body), rev, seq });
      changes.push({ key, resource: { id: p.id, type: p.type, body: p.body, rev } });
    }
    for (const id of ws.deletes) {
      const key = keyOf(id);
      const cur = liveRev(key);
      if (!cur.live) continue;
      st.tombstone.run(cur.rev + 1, seq, key);
      changes.push({ key });
    }
    st.setSeq.run(String(seq));
    return { seq, changes };
  }

  async commit(ws: WriteSet): Promise<CommitResult> {
    return this.db
      .transaction((): CommitResult => {
        this.checkReads(ws.reads, this.seq());
        return this.applyOne(ws);
      })
      .immediate();
  }

  /** Several write sets in one transaction (one fsync), each with its own sequence number. */
  async commitGroup(sets: WriteSet[]): Promise<CommitResult[]> {
    return this.db
      .transaction((): CommitResult[] => {
        this.checkReads(unionOfReads(sets), this.seq());
        return sets.map((ws) => this.applyOne(ws));
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
    const rows = this.db.prepare("SELECT * FROM resources WHERE seq > ? ORDER BY seq").all(seq) as Row[];
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

  readonly snapshots: Snapshots = {
    save: async (name) =>
      this.db
        .transaction((): SnapshotInfo => {
          const seq = this.seq();
          const savedAt = new Date().toISOString();
          this.db.prepare("DELETE FROM snapshot_rows WHERE name = ?").run(name);
          const n = this.db
            .prepare(
              `INSERT INTO snapshot_rows (name, key, id, type, body, rev)
               SELECT ?, key, id, type, body, rev FROM resources WHERE body IS NOT NULL`,
            )
            .run(name).changes;
          this.db
            .prepare("INSERT OR REPLACE INTO snapshots (name, seq, saved_at, resources) VALUES (?, ?, ?, ?)")
            .run(name, seq, savedAt, n);
          return { name, seq, savedAt, resources: n };
        })
        .immediate(),
    restore: async (name) =>
      this.db
        .transaction((): SnapshotInfo | undefined => {
          const info = this.snapshotInfo(name);
          if (!info) return undefined;
          const seq = this.seq() + 1;
          this.db.prepare("DELETE FROM resources").run();
          this.db
            .prepare(
              `INSERT INTO resources (key, id, type, body, rev, seq)
               SELECT key, id, type, body, rev, ? FROM snapshot_rows WHERE name = ?`,
            )
            .run(seq, name);
          this.db.prepare("UPDATE meta SET v = ? WHERE k IN ('seq', 'floor')").run(String(seq));
          return info;
        })
        .immediate(),
    list: async () =>
      (this.db.prepare("SELECT * FROM snapshots ORDER BY name").all() as SnapshotRow[]).map(toSnapshotInfo),
    delete: async (name) =>
      this.db
        .transaction((): boolean => {
          this.db.prepare("DELETE FROM snapshot_rows WHERE name = ?").run(name);
          return this.db.prepare("DELETE FROM snapshots WHERE name = ?").run(name).changes > 0;
        })
        .immediate(),
  };

  private snapshotInfo(name: string): SnapshotInfo | undefined {
    const r = this.db.prepare("SELECT * FROM snapshots WHERE name = ?").get(name) as SnapshotRow | undefined;
    return r ? toSnapshotInfo(r) : undefined;
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }
}

interface SnapshotRow {
  name: string;
  seq: number;
  saved_at: string;
  resources: number;
}

function toSnapshotInfo(r: SnapshotRow): SnapshotInfo {
  return { name: r.name, seq: Number(r.seq), savedAt: r.saved_at, resources: Number(r.resources) };
}

function toResource(r: Row): StoredResource {
  return { id: r.id, type: r.type, body: JSON.parse(r.body as string), rev: r.rev };
}
