// Serializes writes: each runs against the current World through a WriteTx, commits to the
// store, and only then is applied to memory and acknowledged. A conflict with another
// process sharing the store (PostgreSQL replicas) reloads the missed changes and retries.
//
// Group commit: writes that queue up while a commit is in flight (or within one turn of the
// event loop) are committed together, as one store transaction (one fsync), each write with its
// own sequence number (Store.commitGroup; a store without it gets the group as one write set). Each write still runs on its own WriteTx, in arrival order, and sees the
// writes queued before it; each caller gets its own result or error, and only after the
// transaction holding its write has committed. If the store reports a conflict for the group,
// every write of the group is run again on its own after catching up, as a single write is.
import { ArmError } from "../core/armError.js";
import { keyOf } from "../core/resourceId.js";
import { CommitResult, Put, Store, StoreConflictError, unionOfReads, WriteSet } from "../store/store.js";
import { Entry, World } from "./world.js";
import { LayeredView } from "./layeredView.js";
import { WriteTx } from "./writeTx.js";

interface Queued {
  fn: (tx: WriteTx) => unknown;
  resolve: (v: any) => void;
  reject: (e: unknown) => void;
}

/** How many times a write runs again after a conflict before it gives up with 409. */
const MAX_TRIES = 20;

/** Writes committed together at most (bounds one store transaction). */
export const MAX_GROUP = 2000;

export class Writer {
  private queue: Queued[] = [];
  private draining = false;
  /** Store transactions committed, and writes acknowledged (for benchmarks). */
  readonly stats = { commits: 0, writes: 0 };

  private readonly maxGroup: number;
  /** Awaited after each commit is applied to the World and before its writers are answered. */
  private readonly settlers: Array<() => Promise<void> | undefined> = [];

  /** `maxGroup`: writes committed together at most (1 turns group commit off; for comparisons). */
  constructor(
    private readonly store: Store,
    private readonly world: World,
    opts: { maxGroup?: number } = {},
  ) {
    this.maxGroup = Math.max(1, opts.maxGroup ?? MAX_GROUP);
  }

  /**
   * `fn` runs after every commit is applied to the World and before the write is acknowledged;
   * a promise it returns holds the acknowledgement back until it settles. What must see a write
   * before its client hears of it (DNS answer caches in other processes) waits here.
   */
  beforeAcknowledge(fn: () => Promise<void> | undefined): () => void {
    this.settlers.push(fn);
    return () => {
      const i = this.settlers.indexOf(fn);
      if (i >= 0) this.settlers.splice(i, 1);
    };
  }

  /** Runs `fn` with exclusive write access; commits what it wrote; returns its result. */
  run<T>(fn: (tx: WriteTx) => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ fn, resolve, reject });
      if (!this.draining) {
        this.draining = true;
        // One turn of the event loop: requests already read from their sockets queue their writes too.
        setImmediate(() => void this.drain());
      }
    });
  }

  private async drain(): Promise<void> {
    try {
      while (this.queue.length) {
        const group = this.queue.splice(0, this.maxGroup);
        if (group.length === 1) await this.single(group[0]);
        else await this.group(group);
      }
    } finally {
      this.draining = false;
    }
  }

  private async single(q: Queued): Promise<void> {
    try {
      q.resolve(await this.attempt(q.fn, 0));
    } catch (e) {
      q.reject(e);
    }
  }

  private async group(queued: Queued[]): Promise<void> {
    const view = new PendingView(this.world);
    // Every write of the group runs now, synchronously, on the World as of this sequence number.
    const readSeq = this.world.seq;
    const done: Array<{ q: Queued; result: unknown }> = [];
    const sets: WriteSet[] = [];
    /** Keys an earlier write of the group touched: that write's expectation checks them. */
    const touched = new Set<string>();
    for (const q of queued) {
      const tx = new WriteTx(view, readSeq);
      let result: unknown;
      try {
        result = q.fn(tx);
      } catch (e) {
        q.reject(e);
        continue;
      }
      if (!tx.empty) {
        const ws = tx.toWriteSet();
        // Its own expectations, less those on keys an earlier write of the group touched (a new map
        // only then: most writes of a group touch keys no other write does).
        let expect = ws.expect;
        for (const k of ws.expect.keys())
          if (touched.has(k)) {
            expect = new Map([...ws.expect].filter(([key]) => !touched.has(key)));
            break;
          }
        for (const k of ws.expect.keys()) touched.add(k);
        for (const p of ws.puts) {
          const k = p.key ?? keyOf(p.id);
          touched.add(k);
          view.set(k, tx.getKeyed(k, p.id) ?? null);
        }
        for (const k of ws.deletes) {
          touched.add(k);
          view.set(k, null);
        }
        sets.push({ puts: ws.puts, deletes: ws.deletes, expect, reads: ws.reads });
      }
      done.push({ q, result });
    }
    if (!done.length) return;
    if (!sets.length) {
      for (const d of done) d.q.resolve(d.result);
      return;
    }
    let committed: CommitResult[];
    try {
      committed = this.store.commitGroup
        ? await this.store.commitGroup(sets)
        : [await this.store.commit(merge(sets))];
    } catch (e) {
      if (e instanceof StoreConflictError) {
        // Some write of the group read a stale state: catch up and run each one on its own.
        await this.catchUp().catch(() => undefined);
        for (const d of done) await this.single(d.q);
        return;
      }
      for (const d of done) d.q.reject(e);
      return;
    }
    for (const c of committed) await this.applyCommitted(c);
    this.stats.commits++;
    this.stats.writes += done.length;
    for (const d of done) d.q.resolve(d.result);
  }

  private async attempt<T>(fn: (tx: WriteTx) => T, tries: number): Promise<T> {
    const tx = new WriteTx(this.world, this.world.seq);
    const result = fn(tx);
    if (tx.empty) return result;
    let committed: CommitResult;
    try {
      committed = await this.store.commit(tx.toWriteSet());
    } catch (e) {
      if (e instanceof StoreConflictError && tries < MAX_TRIES) {
        await this.catchUp();
        return this.attempt(fn, tries + 1);
      }
      if (e instanceof StoreConflictError)
        throw new ArmError(
          409,
          "AnotherOperationInProgress",
          `What this request depends on (${e.key}) was changed through another replica each of the ${MAX_TRIES + 1} times it ran; nothing was written. Retry the request.`,
        );
      throw e;
    }
    await this.applyCommitted(committed);
    this.stats.commits++;
    this.stats.writes++;
    return result;
  }

  private async applyCommitted(committed: CommitResult): Promise<void> {
    if (committed.seq > this.world.seq + 1) {
      // Another process committed since this World last caught up: apply its changes with ours
      // (ours first, then the newest state of every changed key), so the World never skips a
      // sequence number. The write is durable either way; if the store cannot answer now, the
      // next catch-up brings both.
      const since = await this.store.changesSince(this.world.seq).catch(() => undefined);
      if (since?.full) this.world.apply(since.changes, since.seq, true);
      else if (since)
        this.world.apply([...committed.changes, ...since.changes], Math.max(since.seq, committed.seq));
    } else {
      this.world.apply(committed.changes, committed.seq);
    }
    for (const settle of this.settlers) await settle()?.catch(() => undefined);
  }

  /** Applies changes other processes committed since this World's sequence number. */
  async catchUp(): Promise<void> {
    const { seq, changes, full } = await this.store.changesSince(this.world.seq);
    if (full) this.world.apply(changes, seq, true);
    else if (changes.length || seq > this.world.seq) this.world.apply(changes, seq);
  }
}

/** The World plus the writes of a group not yet committed (null: deleted). */
class PendingView extends LayeredView {
  private readonly watchers: Array<(key: string, e: Entry | null) => void> = [];

  /** Records a write of the group (null: deleted) so the next write of the group reads it. */
  set(key: string, e: Entry | null): void {
    this.pending.set(key, e);
    for (const w of this.watchers) w(key, e);
  }

  /** Calls `fn` for every later write of the group: an index kept for this view follows the group. */
  onSet(fn: (key: string, e: Entry | null) => void): void {
    this.watchers.push(fn);
  }
}

/** A group as one write set, for a store without commitGroup: the last write of each key wins. */
function merge(sets: WriteSet[]): WriteSet {
  const puts = new Map<string, Put>();
  const deletes = new Set<string>();
  const expect = new Map<string, number>();
  for (const ws of sets) {
    for (const [k, rev] of ws.expect) if (!expect.has(k)) expect.set(k, rev);
    for (const p of ws.puts) {
      const k = p.key ?? keyOf(p.id);
      // A heartbeat's body differs only in its time from the one the group wrote before it, not
      // from the stored one: the merged put writes the whole body.
      const before = puts.get(k);
      const whole = (before && before.lastHeartbeat === undefined) || deletes.has(k);
      deletes.delete(k);
      puts.delete(k);
      puts.set(
        k,
        whole && p.lastHeartbeat !== undefined ? { id: p.id, type: p.type, body: p.body, key: p.key } : p,
      );
    }
    for (const k of ws.deletes) {
      puts.delete(k);
      deletes.add(k);
    }
  }
  return { puts: [...puts.values()], deletes: [...deletes], expect, reads: unionOfReads(sets) };
}
