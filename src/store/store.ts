// The Store contract: durable resources with a change feed. SQLite and PostgreSQL
// implement it identically; everything above reads the in-memory World, never the store.

export interface StoredResource {
  /** ARM id as first written (its casing is kept for responses). */
  id: string;
  /** Full ARM type, e.g. "Microsoft.Network/virtualNetworks". */
  type: string;
  /** The resource's ARM JSON, exactly as GET returns it before read-time projection. */
  body: Record<string, any>;
  /** Monotonic revision of this key, assigned by the store. */
  rev: number;
}

export interface Put {
  id: string;
  type: string;
  body: Record<string, any>;
  /** keyOf(id), when the writer already has it (a store computes it otherwise). */
  key?: string;
  /**
   * Set when `body` differs from the stored body only in `_arclink.lastHeartbeat`, which is this
   * time (a heartbeat of a machine already Connected). A store may record just the time, not a new
   * revision (Azure gives a resource no new ETag for a heartbeat); one that does not writes `body`.
   * Either way every later read of the resource (a reload, changesSince) gives `body`.
   */
  lastHeartbeat?: string;
}

/** What one request writes, applied atomically or not at all. */
export interface WriteSet {
  puts: Put[];
  /** Ids to delete. */
  deletes: string[];
  /** Optimistic checks: each key must still be at this revision (0 = absent) when the write commits. */
  expect: Map<string, number>;
  /**
   * What the write read to decide (its read set), checked at commit: if any change committed after
   * `reads.seq` touched it, the write is refused with StoreConflictError and runs again on the
   * fresher state. This is what makes a rule checked by a write (one fleet at a time, unique
   * addresses, limits) hold across replicas.
   */
  reads?: ReadSet;
}

/** The keys, subtrees and types a write read, as of the store's sequence number `seq`. */
export interface ReadSet {
  /** The sequence number the state read reflects. */
  seq: number;
  /** Keys read (present or absent). */
  keys: string[];
  /** Keys whose descendants were listed (a change to any key below `prefix + "/"` invalidates). */
  prefixes: string[];
  /** Lower-cased full types listed. */
  types: string[];
}

export interface Change {
  key: string;
  /** Absent for a delete. */
  resource?: StoredResource;
}

export interface CommitResult {
  seq: number;
  changes: Change[];
  /**
   * changesSince only: the changes are every live resource, not a difference, because what the
   * reader missed is no longer recorded (tombstones compacted, a snapshot restored). The reader
   * replaces its whole state with them.
   */
  full?: boolean;
}

/**
 * The read sets of several writes committed together, as one: a change any of them saw fails the
 * group (which fails as a whole anyway), checked in one pass over the changes since the oldest.
 */
export function unionOfReads(sets: WriteSet[]): ReadSet | undefined {
  let out: ReadSet | undefined;
  const keys = new Set<string>();
  const prefixes = new Set<string>();
  const types = new Set<string>();
  for (const ws of sets) {
    const r = ws.reads;
    if (!r) continue;
    out = { seq: Math.min(out?.seq ?? r.seq, r.seq), keys: [], prefixes: [], types: [] };
    for (const k of r.keys) keys.add(k);
    for (const p of r.prefixes) prefixes.add(p);
    for (const t of r.types) types.add(t);
  }
  if (!out) return undefined;
  return { seq: out.seq, keys: [...keys], prefixes: [...prefixes], types: [...types] };
}

/**
 * Whether a change to `key` (of full `type`) is one the read set saw: read by key, below a listed
 * parent, or of a listed type. For the stores that check read sets in JavaScript.
 */
export function readSetMatcher(reads: ReadSet): (key: string, type: string) => boolean {
  const keys = new Set(reads.keys);
  const types = new Set(reads.types);
  const prefixes = reads.prefixes.map((p) => p + "/");
  return (key, type) =>
    keys.has(key) || types.has(type.toLowerCase()) || prefixes.some((p) => key.startsWith(p));
}

export class StoreConflictError extends Error {
  constructor(readonly key: string) {
    super(`Concurrent change to ${key}`);
    this.name = "StoreConflictError";
  }
}

export interface Store {
  readonly kind: "sqlite" | "postgres" | "memory";
  /** Every live resource and the sequence number it reflects. */
  loadAll(): Promise<{ resources: StoredResource[]; seq: number }>;
  /** Applies a write set in one transaction; resolves only after it is durable. */
  commit(ws: WriteSet): Promise<CommitResult>;
  /**
   * Group commit: applies several write sets in one transaction, in order, each with its own
   * sequence number, and resolves only after it is durable. All or nothing: a failed expectation
   * (StoreConflictError) leaves none of them written. Optional; without it the Writer merges a group
   * into one write set.
   */
  commitGroup?(sets: WriteSet[]): Promise<CommitResult[]>;
  /** Changes committed after `seq` (by any process sharing this store). */
  changesSince(seq: number): Promise<CommitResult>;
  /**
   * Removes tombstones at or below `throughSeq` and raises the floor to it (see CommitResult.full).
   * Resolves with how many went. Optional: a store without it keeps its tombstones.
   */
  compact?(throughSeq: number): Promise<number>;
  /** Named copies of the whole world (optional: a store without them has no snapshots). */
  readonly snapshots?: Snapshots;
  /**
   * Failed sign-in attempts kept in the store, for replicas sharing it (optional: a store one
   * server owns leaves them to that server's memory).
   */
  readonly signInAttempts?: SignInAttempts;
  /** Calls back when another process may have committed (best effort; polling covers the rest). */
  onRemoteChange?(cb: () => void): void;
  close(): Promise<void>;
}

/** A named copy of every live resource (the virtual clock and the directory included). */
export interface SnapshotInfo {
  name: string;
  /** The sequence number the copy reflects. */
  seq: number;
  /** When it was saved (real time, ISO 8601). */
  savedAt: string;
  resources: number;
}

/**
 * Named copies of the whole store. save copies one consistent state (a snapshot of the same name
 * is replaced): on SQLite a file written by the online backup API, on PostgreSQL rows in the
 * database (so every replica sees them). restore makes the live resources exactly the snapshot's
 * as one new commit and raises the floor to it, so every reader (this replica and the others)
 * reloads the whole world, and a write that read before it runs again on the restored one.
 */
export interface Snapshots {
  save(name: string): Promise<SnapshotInfo>;
  /** Undefined when there is no snapshot of that name. */
  restore(name: string): Promise<SnapshotInfo | undefined>;
  list(): Promise<SnapshotInfo[]>;
  /** Whether there was one to delete. */
  delete(name: string): Promise<boolean>;
}

/** A snapshot that is not a store this build can read (damaged, or not a snapshot at all). */
export class SnapshotUnreadableError extends Error {
  constructor(name: string, where: string, why: string) {
    super(
      `Snapshot '${name}' (${where}) cannot be restored: ${why} The world is unchanged. Delete the snapshot and save it again.`,
    );
    this.name = "SnapshotUnreadableError";
  }
}

/** One client's failed sign-ins from one address, as the store keeps them (times in ms). */
export interface SignInRecord {
  windowStart: number;
  failures: number;
  lockedUntil: number;
}

/**
 * Failed sign-in attempts counted in the store, by key (client and address), on the store's clock,
 * so every replica sharing the store counts the same attempts.
 */
export interface SignInAttempts {
  /** Seconds left of the key's lockout (0: none). */
  retryAfter(key: string): Promise<number>;
  /**
   * Applies `step` to the key's record (undefined: none) at the store's time, atomically with
   * respect to every other replica, and resolves with the seconds it reports.
   */
  failed(
    key: string,
    step: (a: SignInRecord | undefined, now: number) => { next: SignInRecord; lockSeconds: number },
  ): Promise<number>;
  /** Forgets the key's failures. */
  succeeded(key: string): Promise<void>;
}
