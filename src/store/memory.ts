// A Store that keeps everything in memory: for sandboxes (lint over a topology file or an export,
// what-if on a copy of the world) where writes go through the real providers but nothing is kept.
import { keyOf } from "../core/resourceId.js";
import { Change, CommitResult, Store, StoreConflictError, StoredResource, WriteSet } from "./store.js";

export class MemoryStore implements Store {
  readonly kind = "memory" as const;
  private rows = new Map<string, StoredResource>();
  private log: Array<{ seq: number; change: Change }> = [];
  private seq: number;

  private deleted = new Set<string>();

  /**
   * `initial`: resources already there, at sequence number `seq`. `lookup`: where resources not
   * written here live (e.g. the World the store backs), so a sandbox need not copy them twice.
   */
  constructor(
    initial: Iterable<StoredResource> = [],
    seq = 0,
    private readonly keepLog = false,
    private readonly lookup?: (key: string) => StoredResource | undefined,
  ) {
    for (const r of initial) this.rows.set(keyOf(r.id), r);
    this.seq = seq;
  }

  private current(key: string): StoredResource | undefined {
    if (this.deleted.has(key)) return undefined;
    return this.rows.get(key) ?? this.lookup?.(key);
  }

  /** The resources written here (those only in `lookup` are not listed). */
  async loadAll(): Promise<{ resources: StoredResource[]; seq: number }> {
    return { resources: [...this.rows.values()], seq: this.seq };
  }

  async commit(ws: WriteSet): Promise<CommitResult> {
    for (const [key, rev] of ws.expect) {
      const cur = this.current(key);
      if ((cur?.rev ?? 0) !== rev) throw new StoreConflictError(key);
    }
    const seq = ++this.seq;
    const changes: Change[] = [];
    for (const p of ws.puts) {
      const key = keyOf(p.id);
      const r: StoredResource = {
        id: p.id,
        type: p.type,
        body: p.body,
        rev: (this.current(key)?.rev ?? 0) + 1,
      };
      this.rows.set(key, r);
      this.deleted.delete(key);
      changes.push({ key, resource: r });
    }
    for (const id of ws.deletes) {
      const key = keyOf(id);
      this.rows.delete(key);
      this.deleted.add(key);
      changes.push({ key });
    }
    if (this.keepLog) for (const change of changes) this.log.push({ seq, change });
    return { seq, changes };
  }

  async changesSince(seq: number): Promise<CommitResult> {
    return { seq: this.seq, changes: this.log.filter((x) => x.seq > seq).map((x) => x.change) };
  }

  async close(): Promise<void> {}
}
