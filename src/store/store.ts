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
}

/** What one request writes, applied atomically or not at all. */
export interface WriteSet {
  puts: Put[];
  /** Ids to delete. */
  deletes: string[];
  /** Optimistic checks: each key must still be at this revision (0 = absent) when the write commits. */
  expect: Map<string, number>;
}

export interface Change {
  key: string;
  /** Absent for a delete. */
  resource?: StoredResource;
}

export interface CommitResult {
  seq: number;
  changes: Change[];
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
  /** Calls back when another process may have committed (best effort; polling covers the rest). */
  onRemoteChange?(cb: () => void): void;
  close(): Promise<void>;
}
