// Store on PostgreSQL, shared by several stateless ArcLink replicas. Same schema and semantics as
// the SQLite store: one row per key (a delete leaves a tombstone with body NULL), a one-row
// counter for the change sequence, changes found by `seq`. A commit is one transaction (one call
// of the arclink_commit function, one round trip; a group commit is one call of arclink_commit_group): it takes a transaction-scoped advisory lock, so
// commits from every replica serialize, sequence numbers are handed out in commit order and a
// reader's snapshot always holds a prefix of them; checks the write's read set against the commits
// after the state it read (arclink_check_reads) and every expected revision (either failing is
// StoreConflictError); writes; and NOTIFYs `arclink_changes` with its sequence number.
// onRemoteChange LISTENs on a dedicated connection (reconnecting with backoff) so the other
// replicas catch up at once instead of at their next poll.
import pg from "pg";
import { keyOf } from "../core/resourceId.js";
import {
  Change,
  CommitResult,
  SnapshotInfo,
  SignInAttempts,
  Snapshots,
  Store,
  StoreConflictError,
  StoredResource,
  unionOfReads,
  WriteSet,
} from "./store.js";
import { MIGRATIONS, migrationsFrom, SCHEMA_VERSION, StoreTooNewError } from "./schema.js";
import { postgresSignInAttempts } from "./postgresSignIns.js";

/** The channel commits NOTIFY on; the payload is the commit's sequence number. */
export const CHANGES_CHANNEL = "arclink_changes";

// pg_advisory_xact_lock(int4, int4) keys: ("Arc1", purpose). Advisory locks are per database.
const LOCK_SPACE = 0x41726331;
const LOCK_SCHEMA = 1;
const LOCK_COMMIT = 2;

/** SQLSTATE the commit function raises when an expectation fails; DETAIL holds the key. */
const CONFLICT = "AL409";

// Run after the schema lock is taken and the stored version checked (see open).
const SCHEMA = `
  CREATE TABLE IF NOT EXISTS resources (
    key TEXT PRIMARY KEY,
    id TEXT NOT NULL,
    type TEXT NOT NULL,
    body TEXT,
    rev BIGINT NOT NULL,
    seq BIGINT NOT NULL
  );
  CREATE INDEX IF NOT EXISTS resources_seq ON resources (seq);
  CREATE TABLE IF NOT EXISTS meta (k TEXT PRIMARY KEY, v BIGINT NOT NULL);
  CREATE TABLE IF NOT EXISTS snapshots (
    name TEXT PRIMARY KEY,
    seq BIGINT NOT NULL,
    saved_at TEXT NOT NULL,
    resources BIGINT NOT NULL
  );
  CREATE TABLE IF NOT EXISTS snapshot_rows (
    name TEXT NOT NULL,
    key TEXT NOT NULL,
    id TEXT NOT NULL,
    type TEXT NOT NULL,
    body TEXT NOT NULL,
    rev BIGINT NOT NULL,
    PRIMARY KEY (name, key)
  );
  CREATE TABLE IF NOT EXISTS sign_in_attempts (
    key TEXT PRIMARY KEY,
    window_start BIGINT NOT NULL,
    failures INT NOT NULL,
    locked_until BIGINT NOT NULL
  );
  INSERT INTO meta (k, v) VALUES ('seq', 0) ON CONFLICT (k) DO NOTHING;
  -- meta('floor'), written by the migration to schema 2: tombstones at or below it may have been
  -- removed (compaction, a restored snapshot); a reader behind it reloads everything, and a write
  -- that read before it runs again.
  -- A write's read set (JSON {seq, keys, prefixes, types}) against the commits after its 'seq' up
  -- to lock_seq (the last commit before this one's): any change to a key it read, below a parent
  -- it listed or of a type it listed means it decided on a stale state (a conflict).
  CREATE OR REPLACE FUNCTION arclink_check_reads(reads JSONB, lock_seq BIGINT) RETURNS VOID
  LANGUAGE plpgsql VOLATILE AS $fn$
  DECLARE
    read_seq BIGINT;
    floor_seq BIGINT;
    hit TEXT;
  BEGIN
    IF reads IS NULL OR jsonb_typeof(reads) <> 'object' THEN RETURN; END IF;
    read_seq := (reads->>'seq')::BIGINT;
    IF read_seq >= lock_seq THEN RETURN; END IF;
    SELECT m.v INTO floor_seq FROM meta m WHERE m.k = 'floor';
    IF read_seq < coalesce(floor_seq, 0) THEN
      RAISE EXCEPTION USING ERRCODE = '${CONFLICT}', MESSAGE = 'concurrent change', DETAIL = '(compacted)';
    END IF;
    SELECT r.key INTO hit FROM resources r
     WHERE r.seq > read_seq AND r.seq <= lock_seq
       AND (r.key IN (SELECT jsonb_array_elements_text(reads->'keys'))
         OR lower(r.type) IN (SELECT jsonb_array_elements_text(reads->'types'))
         OR EXISTS (SELECT 1 FROM jsonb_array_elements_text(reads->'prefixes') p
                     WHERE starts_with(r.key, p || '/')))
     LIMIT 1;
    IF hit IS NOT NULL THEN
      RAISE EXCEPTION USING ERRCODE = '${CONFLICT}', MESSAGE = 'concurrent change', DETAIL = hit;
    END IF;
  END
  $fn$;
  -- One write set, applied on the server in the transaction of the statement that calls it: one
  -- round trip per commit, so the commit lock is held as briefly as possible. Each statement of a
  -- volatile function takes a fresh snapshot, so everything after the lock sees every earlier commit.
  CREATE OR REPLACE FUNCTION arclink_commit(
    expect_keys TEXT[], expect_revs BIGINT[],
    put_keys TEXT[], put_ids TEXT[], put_types TEXT[], put_bodies TEXT[],
    delete_keys TEXT[], reads JSONB,
    OUT out_seq BIGINT, OUT out_revs BIGINT[], OUT out_deleted TEXT[])
  LANGUAGE plpgsql VOLATILE AS $fn$
  DECLARE
    i INT;
    have BIGINT;
    new_rev BIGINT;
    lock_seq BIGINT;
  BEGIN
    PERFORM pg_advisory_xact_lock(${LOCK_SPACE}, ${LOCK_COMMIT});
    SELECT m.v INTO lock_seq FROM meta m WHERE m.k = 'seq';
    PERFORM arclink_check_reads(reads, lock_seq);
    FOR i IN 1 .. coalesce(array_length(expect_keys, 1), 0) LOOP
      SELECT CASE WHEN r.body IS NULL THEN 0 ELSE r.rev END INTO have
        FROM resources r WHERE r.key = expect_keys[i];
      IF coalesce(have, 0) <> expect_revs[i] THEN
        RAISE EXCEPTION USING ERRCODE = '${CONFLICT}', MESSAGE = 'concurrent change', DETAIL = expect_keys[i];
      END IF;
    END LOOP;
    UPDATE meta SET v = v + 1 WHERE k = 'seq' RETURNING v INTO out_seq;
    out_revs := '{}';
    FOR i IN 1 .. coalesce(array_length(put_keys, 1), 0) LOOP
      INSERT INTO resources AS r (key, id, type, body, rev, seq)
        VALUES (put_keys[i], put_ids[i], put_types[i], put_bodies[i], 1, out_seq)
        ON CONFLICT (key) DO UPDATE SET id = EXCLUDED.id, type = EXCLUDED.type,
          body = EXCLUDED.body, rev = r.rev + 1, seq = EXCLUDED.seq
        RETURNING r.rev INTO new_rev;
      out_revs := out_revs || new_rev;
    END LOOP;
    out_deleted := '{}';
    FOR i IN 1 .. coalesce(array_length(delete_keys, 1), 0) LOOP
      UPDATE resources r SET body = NULL, rev = r.rev + 1, seq = out_seq
        WHERE r.key = delete_keys[i] AND r.body IS NOT NULL;
      IF FOUND THEN out_deleted := out_deleted || delete_keys[i]; END IF;
    END LOOP;
    -- Delivered to the listeners only when (and if) the transaction commits.
    PERFORM pg_notify('${CHANGES_CHANNEL}', out_seq::text);
  END
  $fn$;
  -- A group commit: several write sets in one call (one round trip), applied in order, each with
  -- its own sequence number, as consecutive calls of arclink_commit would. The arrays hold every
  -- set's expectations, puts and deletes in set order; *_sets says which set (1-based) each belongs to.
  CREATE OR REPLACE FUNCTION arclink_commit_group(
    n_sets INT,
    expect_sets INT[], expect_keys TEXT[], expect_revs BIGINT[],
    put_sets INT[], put_keys TEXT[], put_ids TEXT[], put_types TEXT[], put_bodies TEXT[],
    delete_sets INT[], delete_keys TEXT[], reads JSONB,
    OUT out_seqs BIGINT[], OUT out_revs BIGINT[], OUT out_deleted_sets INT[], OUT out_deleted TEXT[])
  LANGUAGE plpgsql VOLATILE AS $fn$
  DECLARE
    s INT;
    ie INT := 1;
    ip INT := 1;
    idl INT := 1;
    ne INT := coalesce(array_length(expect_keys, 1), 0);
    np INT := coalesce(array_length(put_keys, 1), 0);
    nd INT := coalesce(array_length(delete_keys, 1), 0);
    have BIGINT;
    new_rev BIGINT;
    set_seq BIGINT;
    lock_seq BIGINT;
  BEGIN
    PERFORM pg_advisory_xact_lock(${LOCK_SPACE}, ${LOCK_COMMIT});
    SELECT m.v INTO lock_seq FROM meta m WHERE m.k = 'seq';
    -- The sets' read sets as one (the group fails as a whole); this group's commits are above lock_seq.
    PERFORM arclink_check_reads(reads, lock_seq);
    out_seqs := '{}';
    out_revs := '{}';
    out_deleted_sets := '{}';
    out_deleted := '{}';
    FOR s IN 1 .. n_sets LOOP
      WHILE ie <= ne AND expect_sets[ie] = s LOOP
        SELECT CASE WHEN r.body IS NULL THEN 0 ELSE r.rev END INTO have
          FROM resources r WHERE r.key = expect_keys[ie];
        IF coalesce(have, 0) <> expect_revs[ie] THEN
          RAISE EXCEPTION USING ERRCODE = '${CONFLICT}', MESSAGE = 'concurrent change', DETAIL = expect_keys[ie];
        END IF;
        ie := ie + 1;
      END LOOP;
      UPDATE meta SET v = v + 1 WHERE k = 'seq' RETURNING v INTO set_seq;
      out_seqs := out_seqs || set_seq;
      WHILE ip <= np AND put_sets[ip] = s LOOP
        INSERT INTO resources AS r (key, id, type, body, rev, seq)
          VALUES (put_keys[ip], put_ids[ip], put_types[ip], put_bodies[ip], 1, set_seq)
          ON CONFLICT (key) DO UPDATE SET id = EXCLUDED.id, type = EXCLUDED.type,
            body = EXCLUDED.body, rev = r.rev + 1, seq = EXCLUDED.seq
          RETURNING r.rev INTO new_rev;
        out_revs := out_revs || new_rev;
        ip := ip + 1;
      END LOOP;
      WHILE idl <= nd AND delete_sets[idl] = s LOOP
        UPDATE resources r SET body = NULL, rev = r.rev + 1, seq = set_seq
          WHERE r.key = delete_keys[idl] AND r.body IS NOT NULL;
        IF FOUND THEN
          out_deleted_sets := out_deleted_sets || s;
          out_deleted := out_deleted || delete_keys[idl];
        END IF;
        idl := idl + 1;
      END LOOP;
      PERFORM pg_notify('${CHANGES_CHANNEL}', set_seq::text);
    END LOOP;
  END
  $fn$;
`;

export interface PostgresStoreOptions {
  /** Connections in the pool (default 10); the change listener uses one more. */
  poolSize?: number;
  /** Where connection trouble is reported (the store keeps going: the pool and listener reconnect). */
  log?: (line: string) => void;
}

interface Row {
  key: string;
  id: string;
  type: string;
  body: string | null;
  rev: string;
  seq: string;
}

export class PostgresStore implements Store {
  readonly kind = "postgres" as const;
  private readonly pool: pg.Pool;
  private readonly log: (line: string) => void;
  private readonly callbacks: Array<() => void> = [];
  /** Server processes of this store's pool: their notifications are this process's own commits. */
  private readonly ownPids = new Set<number>();
  /** Failed sign-ins, counted in the database so every replica counts the same ones. */
  readonly signInAttempts: SignInAttempts;
  private listener?: pg.Client;
  private listening = false;
  private retry?: NodeJS.Timeout;
  private backoffMs = MIN_BACKOFF_MS;
  private closed = false;

  private constructor(
    readonly url: string,
    opts: PostgresStoreOptions,
  ) {
    this.log = opts.log ?? (() => undefined);
    this.pool = new pg.Pool({
      connectionString: url,
      max: opts.poolSize ?? 10,
      connectionTimeoutMillis: 10_000,
      idleTimeoutMillis: 30_000,
      keepAlive: true,
      application_name: "arclink",
    });
    this.signInAttempts = postgresSignInAttempts(this.pool);
    // An idle connection that breaks (server restart) must not crash the process; the pool replaces it.
    this.pool.on("error", (e) => this.log(`postgres: idle connection lost: ${e.message}`));
    this.pool.on("connect", (c) => this.ownPids.add(backendPid(c)));
    this.pool.on("remove", (c) => this.ownPids.delete(backendPid(c)));
  }

  /** Connects and creates the schema if it is missing (safe when several replicas start at once). */
  static async open(url: string, opts: PostgresStoreOptions = {}): Promise<PostgresStore> {
    const store = new PostgresStore(url, opts);
    try {
      await store.transaction((c) => store.openSchema(c));
    } catch (e) {
      await store.pool.end().catch(() => undefined);
      if (e instanceof StoreTooNewError) throw e;
      throw new Error(`Cannot open the PostgreSQL store at ${redact(url)}: ${(e as Error).message}`, {
        cause: e,
      });
    }
    return store;
  }

  /**
   * Creates the schema, or checks its version and migrates it forward (each step logged), in the
   * caller's transaction, under a lock so replicas starting together do it once. A store written
   * by a newer build is refused before anything is changed (its functions are not replaced).
   */
  private async openSchema(c: pg.PoolClient): Promise<void> {
    await c.query(`SELECT pg_advisory_xact_lock(${LOCK_SPACE}, ${LOCK_SCHEMA})`);
    const where = `The PostgreSQL store at ${redact(this.url)}`;
    const has = (await c.query<{ has: boolean }>("SELECT to_regclass('meta') IS NOT NULL AS has")).rows[0]
      .has;
    const rows = has
      ? (await c.query<{ k: string; v: string }>("SELECT k, v FROM meta WHERE k IN ('schema', 'seq')")).rows
      : [];
    const stored = rows.find((r) => r.k === "schema");
    const hadSeq = rows.some((r) => r.k === "seq");
    const steps = stored ? migrationsFrom(Number(stored.v), where) : hadSeq ? migrationsFrom(1, where) : [];
    await c.query(SCHEMA);
    const setVersion = (v: number) =>
      c.query("INSERT INTO meta (k, v) VALUES ('schema', $1) ON CONFLICT (k) DO UPDATE SET v = EXCLUDED.v", [
        v,
      ]);
    if (!hadSeq) {
      await c.query("INSERT INTO meta (k, v) VALUES ('floor', 0) ON CONFLICT (k) DO NOTHING");
      await setVersion(SCHEMA_VERSION);
      return;
    }
    // (Schema 3's snapshot tables and schema 5's sign_in_attempts are created by SCHEMA, as on a new
    // store; schema 4 changes SQLite only.)
    for (const v of steps) {
      if (v === 2) await c.query("INSERT INTO meta (k, v) VALUES ('floor', 0) ON CONFLICT (k) DO NOTHING");
      await setVersion(v);
      this.log(`store: migrated ${where} to schema ${v}: ${MIGRATIONS[v]}`);
    }
  }

  /** See Store.compact: removes tombstones at or below `throughSeq` and raises the floor, under the commit lock. */
  async compact(throughSeq: number): Promise<number> {
    return this.transaction(async (c) => {
      await c.query(`SELECT pg_advisory_xact_lock(${LOCK_SPACE}, ${LOCK_COMMIT})`);
      const { rows } = await c.query<{ seq: string; floor: string }>(
        "SELECT s.v AS seq, f.v AS floor FROM meta s, meta f WHERE s.k = 'seq' AND f.k = 'floor'",
      );
      const upTo = Math.min(throughSeq, Number(rows[0].seq));
      if (upTo <= Number(rows[0].floor)) return 0;
      const gone = await c.query("DELETE FROM resources WHERE body IS NULL AND seq <= $1", [upTo]);
      await c.query("UPDATE meta SET v = $1 WHERE k = 'floor'", [upTo]);
      return gone.rowCount ?? 0;
    });
  }

  readonly snapshots: Snapshots = {
    // Under the commit lock: the copy is one sequence number's state (and restores serialize with commits).
    save: (name) =>
      this.transaction(async (c) => {
        await c.query(`SELECT pg_advisory_xact_lock(${LOCK_SPACE}, ${LOCK_COMMIT})`);
        const seq = Number((await c.query<{ v: string }>("SELECT v FROM meta WHERE k = 'seq'")).rows[0].v);
        const savedAt = new Date().toISOString();
        await c.query("DELETE FROM snapshot_rows WHERE name = $1", [name]);
        const n =
          (
            await c.query(
              `INSERT INTO snapshot_rows (name, key, id, type, body, rev)
               SELECT $1, key, id, type, body, rev FROM resources WHERE body IS NOT NULL`,
              [name],
            )
          ).rowCount ?? 0;
        await c.query(
          `INSERT INTO snapshots (name, seq, saved_at, resources) VALUES ($1, $2, $3, $4)
           ON CONFLICT (name) DO UPDATE SET seq = EXCLUDED.seq, saved_at = EXCLUDED.saved_at, resources = EXCLUDED.resources`,
          [name, seq, savedAt, n],
        );
        return { name, seq, savedAt, resources: n };
      }),
    restore: (name) =>
      this.transaction(async (c) => {
        await c.query(`SELECT pg_advisory_xact_lock(${LOCK_SPACE}, ${LOCK_COMMIT})`);
        const info = await snapshotInfo(c, name);
        if (!info) return undefined;
        const seq = Number(
          (await c.query<{ v: string }>("UPDATE meta SET v = v + 1 WHERE k = 'seq' RETURNING v")).rows[0].v,
        );
        await c.query("DELETE FROM resources");
        await c.query(
          `INSERT INTO resources (key, id, type, body, rev, seq)
           SELECT key, id, type, body, rev, $1 FROM snapshot_rows WHERE name = $2`,
          [seq, name],
        );
        await c.query("UPDATE meta SET v = $1 WHERE k = 'floor'", [seq]);
        // Delivered at commit: every replica catches up, finds itself behind the floor and reloads.
        await c.query("SELECT pg_notify($1, $2)", [CHANGES_CHANNEL, String(seq)]);
        return info;
      }),
    list: async () => {
      const { rows } = await this.pool.query<SnapshotRow>("SELECT * FROM snapshots ORDER BY name");
      return rows.map(toSnapshotInfo);
    },
    delete: (name) =>
      this.transaction(async (c) => {
        await c.query("DELETE FROM snapshot_rows WHERE name = $1", [name]);
        return ((await c.query("DELETE FROM snapshots WHERE name = $1", [name])).rowCount ?? 0) > 0;
      }),
  };

  async loadAll(): Promise<{ resources: StoredResource[]; seq: number }> {
    // One statement, so the rows and the sequence number come from the same snapshot.
    const { rows } = await this.pool.query<Row & { cur: string }>(
      `SELECT m.v AS cur, r.key, r.id, r.type, r.body, r.rev, r.seq
         FROM meta m LEFT JOIN resources r ON r.body IS NOT NULL
        WHERE m.k = 'seq' ORDER BY r.seq, r.key`,
    );
    return {
      seq: Number(rows[0].cur),
      resources: rows.filter((r) => r.key !== null).map(toResource),
    };
  }

  async commit(ws: WriteSet): Promise<CommitResult> {
    // A statement outside BEGIN is its own transaction: it answers after COMMIT is durable.
    return this.commitOn(this.pool, ws);
  }

  /**
   * Several write sets in one transaction (one durable COMMIT) and one round trip: one call of
   * arclink_commit_group, which gives each set its own sequence number; a conflict in any rolls
   * back all.
   */
  async commitGroup(sets: WriteSet[]): Promise<CommitResult[]> {
    if (sets.length === 1) return [await this.commit(sets[0])];
    const expectSets: number[] = [];
    const expectKeys: string[] = [];
    const expectRevs: number[] = [];
    const putSets: number[] = [];
    const puts: Array<{ key: string; id: string; type: string; body: Record<string, any> }> = [];
    const deleteSets: number[] = [];
    const deleteKeys: string[] = [];
    sets.forEach((ws, i) => {
      for (const [key, rev] of ws.expect) {
        expectSets.push(i + 1);
        expectKeys.push(key);
        expectRevs.push(rev);
      }
      for (const p of ws.puts) {
        putSets.push(i + 1);
        puts.push({ key: keyOf(p.id), id: p.id, type: p.type, body: p.body });
      }
      for (const id of ws.deletes) {
        deleteSets.push(i + 1);
        deleteKeys.push(keyOf(id));
      }
    });
    let row: { out_seqs: string[]; out_revs: string[]; out_deleted_sets: number[]; out_deleted: string[] };
    try {
      // A statement outside BEGIN is its own transaction: it answers after COMMIT is durable.
      const r = await this.pool.query<typeof row>(
        `SELECT out_seqs, out_revs, out_deleted_sets, out_deleted
           FROM arclink_commit_group($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
        [
          sets.length,
          expectSets,
          expectKeys,
          expectRevs,
          putSets,
          puts.map((p) => p.key),
          puts.map((p) => p.id),
          puts.map((p) => p.type),
          puts.map((p) => JSON.stringify(p.body)),
          deleteSets,
          deleteKeys,
          JSON.stringify(unionOfReads(sets) ?? null),
        ],
      );
      row = r.rows[0];
    } catch (e) {
      if (e instanceof pg.DatabaseError && e.code === CONFLICT) throw new StoreConflictError(e.detail ?? "");
      throw e;
    }
    const out: CommitResult[] = row.out_seqs.map((seq) => ({ seq: Number(seq), changes: [] }));
    puts.forEach((p, i) =>
      out[putSets[i] - 1].changes.push({
        key: p.key,
        resource: { id: p.id, type: p.type, body: p.body, rev: Number(row.out_revs[i]) },
      }),
    );
    row.out_deleted.forEach((key, i) => out[row.out_deleted_sets[i] - 1].changes.push({ key }));
    return out;
  }

  private async commitOn(q: pg.Pool | pg.PoolClient, ws: WriteSet): Promise<CommitResult> {
    const expect = [...ws.expect];
    const puts = ws.puts.map((p) => ({ ...p, key: keyOf(p.id) }));
    const deletes = ws.deletes.map(keyOf);
    let row: { out_seq: string; out_revs: string[]; out_deleted: string[] };
    try {
      const r = await q.query<typeof row>(
        "SELECT out_seq, out_revs, out_deleted FROM arclink_commit($1, $2, $3, $4, $5, $6, $7, $8)",
        [
          expect.map(([key]) => key),
          expect.map(([, rev]) => rev),
          puts.map((p) => p.key),
          puts.map((p) => p.id),
          puts.map((p) => p.type),
          puts.map((p) => JSON.stringify(p.body)),
          deletes,
          ws.reads ? JSON.stringify(ws.reads) : null,
        ],
      );
      row = r.rows[0];
    } catch (e) {
      if (e instanceof pg.DatabaseError && e.code === CONFLICT) throw new StoreConflictError(e.detail ?? "");
      throw e;
    }
    const changes: Change[] = puts.map((p, i) => ({
      key: p.key,
      resource: { id: p.id, type: p.type, body: p.body, rev: Number(row.out_revs[i]) },
    }));
    for (const key of row.out_deleted) changes.push({ key });
    return { seq: Number(row.out_seq), changes };
  }

  async changesSince(seq: number): Promise<CommitResult> {
    const { rows } = await this.pool.query<Row & { cur: string; floor: string }>(
      `SELECT m.v AS cur, f.v AS floor, r.key, r.id, r.type, r.body, r.rev, r.seq
         FROM meta m JOIN meta f ON f.k = 'floor' LEFT JOIN resources r ON r.seq > $1
        WHERE m.k = 'seq' ORDER BY r.seq, r.key`,
      [seq],
    );
    if (seq < Number(rows[0].floor)) {
      // What was deleted since `seq` may no longer be recorded: the whole state instead.
      const all = await this.loadAll();
      return {
        seq: all.seq,
        changes: all.resources.map((r) => ({ key: keyOf(r.id), resource: r })),
        full: true,
      };
    }
    return {
      seq: Number(rows[0].cur),
      changes: rows
        .filter((r) => r.key !== null)
        .map((r) => (r.body === null ? { key: r.key } : { key: r.key, resource: toResource(r) })),
    };
  }

  onRemoteChange(cb: () => void): void {
    this.callbacks.push(cb);
    if (!this.listening && !this.closed) {
      this.listening = true;
      void this.listen();
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.retry);
    const l = this.listener;
    this.listener = undefined;
    if (l) await l.end().catch(() => undefined);
    await this.pool.end();
  }

  private async transaction<T>(fn: (c: pg.PoolClient) => Promise<T>): Promise<T> {
    const c = await this.pool.connect();
    try {
      await c.query("BEGIN");
      const out = await fn(c);
      await c.query("COMMIT");
      c.release();
      return out;
    } catch (e) {
      // A connection that cannot even roll back is discarded rather than returned to the pool.
      await c.query("ROLLBACK").then(
        () => c.release(),
        (re: Error) => c.release(re),
      );
      throw e;
    }
  }

  private fire(): void {
    for (const cb of this.callbacks) {
      try {
        cb();
      } catch (e) {
        this.log(`postgres: change callback failed: ${(e as Error).message}`);
      }
    }
  }

  private async listen(): Promise<void> {
    if (this.closed) return;
    const client = new pg.Client({
      connectionString: this.url,
      keepAlive: true,
      application_name: "arclink",
    });
    this.listener = client;
    client.on("notification", (n) => {
      if (n.channel !== CHANGES_CHANNEL) return;
      if (this.ownPids.has(n.processId)) return;
      this.fire();
    });
    client.on("error", (e) => this.dropListener(client, e.message));
    client.on("end", () => this.dropListener(client, "connection closed"));
    try {
      await client.connect();
      await client.query(`LISTEN ${CHANGES_CHANNEL}`);
    } catch (e) {
      this.dropListener(client, (e as Error).message);
      return;
    }
    if (this.listener !== client) return;
    this.backoffMs = MIN_BACKOFF_MS;
    // Commits made while no listener was connected were not announced: look once now.
    this.fire();
  }

  private dropListener(client: pg.Client, why: string): void {
    if (this.listener !== client) return;
    this.listener = undefined;
    client.end().catch(() => undefined);
    if (this.closed) return;
    this.log(`postgres: change listener lost (${why}); reconnecting in ${this.backoffMs} ms`);
    this.retry = setTimeout(() => void this.listen(), this.backoffMs);
    this.retry.unref();
    this.backoffMs = Math.min(this.backoffMs * 2, MAX_BACKOFF_MS);
  }
}

const MIN_BACKOFF_MS = 100;
const MAX_BACKOFF_MS = 5_000;

/** The server process id of a connection (pg keeps it from the BackendKeyData message). */
function backendPid(c: pg.ClientBase): number {
  return (c as unknown as { processID: number }).processID;
}

interface SnapshotRow {
  name: string;
  seq: string;
  saved_at: string;
  resources: string;
}

function toSnapshotInfo(r: SnapshotRow): SnapshotInfo {
  return { name: r.name, seq: Number(r.seq), savedAt: r.saved_at, resources: Number(r.resources) };
}

async function snapshotInfo(c: pg.PoolClient, name: string): Promise<SnapshotInfo | undefined> {
  const { rows } = await c.query<SnapshotRow>("SELECT * FROM snapshots WHERE name = $1", [name]);
  return rows[0] ? toSnapshotInfo(rows[0]) : undefined;
}

function toResource(r: Row): StoredResource {
  return { id: r.id, type: r.type, body: JSON.parse(r.body as string), rev: Number(r.rev) };
}

/** The URL without its password, for messages (also postgres://user:pw@/db?host=/socket forms). */
export function redact(url: string): string {
  return url
    .replace(/^([a-z][a-z0-9+.-]*:\/\/[^:/?#@]*):[^@/?#]*@/i, "$1:***@")
    .replace(/([?&]password=)[^&]*/gi, "$1***");
}
