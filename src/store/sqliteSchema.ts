// The SQLite store's tables, and their migrations, for the data folder's database and for the
// snapshot files (each a copy of that database): created on a new file, or checked and migrated
// forward from the version the file records, in one transaction, each step logged. A file written
// by a newer build is refused before anything in it is touched.
import Database from "better-sqlite3";
import { MIGRATIONS, migrationsFrom, SCHEMA_VERSION } from "./schema.js";

/** A snapshot kept in the database by schema 3, as the migration to schema 4 hands it over. */
export interface LegacySnapshot {
  name: string;
  seq: number;
  savedAt: string;
  rows: Array<{ key: string; id: string; type: string; body: string; rev: number }>;
}

export interface SchemaOptions {
  /** Where each applied migration is reported. */
  log?: (line: string) => void;
  /** The fix named when the file is from a newer build. */
  tooNewFix?: string;
  /** A file that must already be a store (a snapshot): never initialised as a new one. */
  existing?: boolean;
  /** Schema 4: receives the in-database snapshots of schema 3 before their tables are dropped. */
  moveLegacySnapshots?: (snaps: LegacySnapshot[]) => void;
}

/** Creates the schema on `db`, or brings it to this build's version. `where` names the file in messages. */
export function openSqliteSchema(db: Database.Database, where: string, opts: SchemaOptions = {}): void {
  const log = opts.log ?? (() => undefined);
  db.transaction(() => {
    const hasTable = (t: string) =>
      !!db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?").get(t);
    const hasMeta = hasTable("meta");
    const stored = hasMeta
      ? (db.prepare("SELECT v FROM meta WHERE k = 'schema'").get() as { v: string } | undefined)
      : undefined;
    const hasSeq = hasMeta && !!db.prepare("SELECT 1 FROM meta WHERE k = 'seq'").get();
    if (opts.existing && !hasSeq)
      throw new Error(`${where} is not an ArcLink store (it has no sequence counter).`);
    // Refused before anything is written: a newer build's file stays as it was.
    const steps = stored ? migrationsFrom(Number(stored.v), where, opts.tooNewFix) : undefined;
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
      CREATE TABLE IF NOT EXISTS heartbeats (
        key TEXT PRIMARY KEY,
        rev INTEGER NOT NULL,
        at TEXT NOT NULL,
        seq INTEGER NOT NULL
      ) WITHOUT ROWID;
    `);
    const setVersion = (v: number) =>
      db.prepare("INSERT OR REPLACE INTO meta (k, v) VALUES ('schema', ?)").run(String(v));
    if (!hasSeq) {
      // A new store: this build's schema at once.
      db.exec(`INSERT OR IGNORE INTO meta (k, v) VALUES ('seq', '0'), ('floor', '0');`);
      setVersion(SCHEMA_VERSION);
      return;
    }
    for (const v of steps ?? migrationsFrom(1, where)) {
      if (v === 2) db.exec(`INSERT OR IGNORE INTO meta (k, v) VALUES ('floor', '0');`);
      // Schema 3 added the tables snapshots and snapshot_rows, which schema 4 replaces: nothing
      // to do on the way through. Schema 6's table heartbeats is created above, empty.
      if (v === 4) {
        if (hasTable("snapshots") && hasTable("snapshot_rows")) {
          const snaps = db.prepare("SELECT name, seq, saved_at FROM snapshots ORDER BY name").all() as Array<{
            name: string;
            seq: number;
            saved_at: string;
          }>;
          const rowsOf = db.prepare(
            "SELECT key, id, type, body, rev FROM snapshot_rows WHERE name = ? ORDER BY key",
          );
          opts.moveLegacySnapshots?.(
            snaps.map((s) => ({
              name: s.name,
              seq: Number(s.seq),
              savedAt: s.saved_at,
              rows: rowsOf.all(s.name) as LegacySnapshot["rows"],
            })),
          );
        }
        db.exec("DROP TABLE IF EXISTS snapshot_rows; DROP TABLE IF EXISTS snapshots;");
      }
      setVersion(v);
      log(`store: migrated ${where} to schema ${v}: ${MIGRATIONS[v]}`);
    }
  }).immediate();
}
