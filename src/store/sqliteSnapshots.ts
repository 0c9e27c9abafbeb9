// Snapshots of a SQLite store: each one a file of its own, <data>/snapshots/NAME.db (folder 0700,
// files 0600 whatever the umask), written by SQLite's online backup API. A snapshot file is a copy
// of the whole store database, so it holds every resource, the virtual clock and the directory,
// and carries the schema version it was written with: a restore first brings an older file to this
// build's schema (forward only, logged) and refuses one from a newer build. The restore itself is
// one transaction on the live database (the snapshot attached, its live rows copied in, the floor
// raised), after which the server's World reloads; nothing restarts.
import Database from "better-sqlite3";
import { existsSync, readdirSync, renameSync, statSync, unlinkSync } from "node:fs";
import { join } from "node:path";
import { makePrivateDir, makePrivateFile } from "../core/privateFiles.js";
import { StoreTooNewError } from "./schema.js";
import { LegacySnapshot, openSqliteSchema } from "./sqliteSchema.js";
import { SnapshotInfo, Snapshots, SnapshotUnreadableError } from "./store.js";

/** A snapshot's file name is its name (which snapshot routes restrict to letters, digits, '.', '_', '-') + ".db". */
const FILE = /^([A-Za-z0-9][A-Za-z0-9._-]{0,79})\.db$/;

let saving = 0;

export class SqliteSnapshots implements Snapshots {
  constructor(
    private readonly db: Database.Database,
    readonly dir: string,
    private readonly log: (line: string) => void = () => undefined,
  ) {}

  private fileOf(name: string): string {
    if (!FILE.test(`${name}.db`)) throw new Error(`'${name}' is not a snapshot name.`);
    return join(this.dir, `${name}.db`);
  }

  /** Where a new snapshot of `name` is written before it is complete: beside its final file. */
  private begin(name: string): { file: string; tmp: string } {
    const file = this.fileOf(name);
    makePrivateDir(this.dir);
    // A leading '.' keeps it out of the names a snapshot may have.
    const tmp = join(this.dir, `.${name}.${process.pid}.${++saving}.saving`);
    makePrivateFile(tmp);
    return { file, tmp };
  }

  /** Makes the written copy complete by itself (no WAL beside it), stamps it, and renames it into place. */
  private finish(tmp: string, file: string, savedAt: string): void {
    const copy = new Database(tmp, { fileMustExist: true });
    try {
      copy.pragma("journal_mode = DELETE");
      copy.prepare("INSERT OR REPLACE INTO meta (k, v) VALUES ('snapshot_saved_at', ?)").run(savedAt);
    } finally {
      copy.close();
    }
    makePrivateFile(tmp);
    renameSync(tmp, file);
  }

  private discard(tmp: string): void {
    for (const f of [tmp, `${tmp}-journal`, `${tmp}-wal`, `${tmp}-shm`]) if (existsSync(f)) unlinkSync(f);
  }

  /**
   * The whole database through the online backup API, in one step (no write of this process can
   * come between its pages), into a new file renamed over any snapshot of the same name.
   */
  async save(name: string): Promise<SnapshotInfo> {
    const { file, tmp } = this.begin(name);
    try {
      await this.db.backup(tmp, { progress: () => 0x7fffffff });
      this.finish(tmp, file, new Date().toISOString());
    } catch (e) {
      this.discard(tmp);
      throw e;
    }
    return readInfo(name, file);
  }

  async restore(name: string): Promise<SnapshotInfo | undefined> {
    const file = this.fileOf(name);
    if (!existsSync(file)) return undefined;
    // This build's schema first (an older file is migrated; a newer one is refused, untouched).
    try {
      const snap = new Database(file, { fileMustExist: true });
      try {
        openSqliteSchema(snap, `Snapshot '${name}' (${file})`, {
          log: this.log,
          existing: true,
          tooNewFix:
            "restore it with the build that saved it, or save the state again with this build and restore that",
        });
      } finally {
        snap.close();
      }
    } catch (e) {
      if (e instanceof StoreTooNewError) throw e;
      throw new SnapshotUnreadableError(name, file, (e as Error).message);
    }
    const info = readInfo(name, file);
    this.db.prepare("ATTACH DATABASE ? AS snap").run(file);
    try {
      this.db
        .transaction(() => {
          const seq =
            Number((this.db.prepare("SELECT v FROM main.meta WHERE k = 'seq'").get() as { v: string }).v) + 1;
          this.db.prepare("DELETE FROM main.resources").run();
          this.db
            .prepare(
              `INSERT INTO main.resources (key, id, type, body, rev, seq)
               SELECT key, id, type, body, rev, ? FROM snap.resources WHERE body IS NOT NULL`,
            )
            .run(seq);
          // The heartbeats recorded on the snapshot's revisions come with them.
          this.db.prepare("DELETE FROM main.heartbeats").run();
          this.db
            .prepare(
              `INSERT INTO main.heartbeats (key, rev, at, seq)
               SELECT h.key, h.rev, h.at, ? FROM snap.heartbeats h
               JOIN snap.resources r ON r.key = h.key AND r.rev = h.rev AND r.body IS NOT NULL`,
            )
            .run(seq);
          // Everything before this commit is gone: every reader reloads, every write that read
          // before it runs again on the restored world.
          this.db.prepare("UPDATE main.meta SET v = ? WHERE k IN ('seq', 'floor')").run(String(seq));
        })
        .immediate();
    } finally {
      this.db.prepare("DETACH DATABASE snap").run();
    }
    return info;
  }

  async list(): Promise<SnapshotInfo[]> {
    if (!existsSync(this.dir)) return [];
    const out: SnapshotInfo[] = [];
    for (const f of readdirSync(this.dir).sort()) {
      const m = FILE.exec(f);
      if (!m) continue;
      try {
        out.push(readInfo(m[1], join(this.dir, f)));
      } catch (e) {
        this.log(`snapshot ${f} is unreadable and not listed: ${(e as Error).message}`);
      }
    }
    return out;
  }

  async delete(name: string): Promise<boolean> {
    const file = this.fileOf(name);
    const existed = existsSync(file);
    for (const f of [file, `${file}-journal`]) if (existsSync(f)) unlinkSync(f);
    return existed;
  }

  /** Writes the snapshots schema 3 kept inside the database as files (the migration to schema 4). */
  moveLegacy(snaps: LegacySnapshot[]): void {
    for (const s of snaps) {
      const { file, tmp } = this.begin(s.name);
      try {
        const db = new Database(tmp, { fileMustExist: true });
        try {
          openSqliteSchema(db, tmp);
          db.transaction(() => {
            const ins = db.prepare(
              "INSERT INTO resources (key, id, type, body, rev, seq) VALUES (@key, @id, @type, @body, @rev, @seq)",
            );
            for (const r of s.rows) ins.run({ ...r, seq: s.seq });
            db.prepare("UPDATE meta SET v = ? WHERE k = 'seq'").run(String(s.seq));
          })();
        } finally {
          db.close();
        }
        this.finish(tmp, file, s.savedAt);
      } catch (e) {
        this.discard(tmp);
        throw e;
      }
      this.log(`store: snapshot '${s.name}' moved out of the database to ${file}`);
    }
  }
}

/** What a snapshot file holds: the state's sequence number, when it was saved, its live resources. */
function readInfo(name: string, file: string): SnapshotInfo {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    const meta = Object.fromEntries(
      (db.prepare("SELECT k, v FROM meta").all() as Array<{ k: string; v: string }>).map((r) => [r.k, r.v]),
    );
    const n = (
      db.prepare("SELECT count(*) AS n FROM resources WHERE body IS NOT NULL").get() as { n: number }
    ).n;
    return {
      name,
      seq: Number(meta.seq),
      savedAt: meta.snapshot_saved_at ?? statSync(file).mtime.toISOString(),
      resources: n,
    };
  } finally {
    db.close();
  }
}
