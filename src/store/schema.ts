// The store's schema version, shared by SQLite and PostgreSQL. A store records the version it was
// written with in meta('schema'); a store without that row but with a sequence counter is version
// 1 (every build before versions were recorded). At open, the migrations from the stored version
// to this build's run in order, forward only, in the transaction that opens the store, each
// logged; a store written by a newer build is refused before anything in it is touched.

/** The version this build writes. */
export const SCHEMA_VERSION = 6;

/** What each migration does, by the version it produces (for the log). */
export const MIGRATIONS: Record<number, string> = {
  2: "compaction floor (meta 'floor'): tombstones at or below it may be removed",
  3: "snapshots (tables snapshots and snapshot_rows)",
  4: "SQLite keeps each snapshot in a file of its own under <data>/snapshots (its in-database snapshots are moved there); nothing changes on PostgreSQL",
  5: "PostgreSQL counts failed sign-ins in table sign_in_attempts, shared by the replicas; nothing changes on SQLite",
  6: "SQLite records a heartbeat that changes nothing but a machine's heartbeat time in table heartbeats, not as a new copy of the machine; nothing changes on PostgreSQL",
};

export class StoreTooNewError extends Error {
  constructor(
    readonly where: string,
    readonly found: number,
    fix = "run the newer build on it, or start this one on another data folder or database",
  ) {
    super(
      `${where} was written by a newer ArcLink (store schema ${found}; this build reads schemas up to ${SCHEMA_VERSION}). ` +
        `It is left untouched: ${fix}.`,
    );
    this.name = "StoreTooNewError";
  }
}

/** The versions to migrate through from `found` (ascending), or a StoreTooNewError. */
export function migrationsFrom(found: number, where: string, fix?: string): number[] {
  if (!Number.isInteger(found) || found < 1)
    throw new Error(`${where} has an unreadable schema version '${found}'.`);
  if (found > SCHEMA_VERSION) throw new StoreTooNewError(where, found, fix);
  const out: number[] = [];
  for (let v = found + 1; v <= SCHEMA_VERSION; v++) out.push(v);
  return out;
}
