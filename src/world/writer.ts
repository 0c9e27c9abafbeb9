// Serializes writes: each runs against the current World through a WriteTx, commits to the
// store, and only then is applied to memory and acknowledged. A conflict with another
// process sharing the store (PostgreSQL replicas) reloads the missed changes and retries.
import { CommitResult, Store, StoreConflictError } from "../store/store.js";
import { World } from "./world.js";
import { WriteTx } from "./writeTx.js";

export class Writer {
  private chain: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly store: Store,
    private readonly world: World,
  ) {}

  /** Runs `fn` with exclusive write access; commits what it wrote; returns its result. */
  run<T>(fn: (tx: WriteTx) => T): Promise<T> {
    const next = this.chain.then(() => this.attempt(fn, 0));
    this.chain = next.catch(() => undefined);
    return next;
  }

  private async attempt<T>(fn: (tx: WriteTx) => T, tries: number): Promise<T> {
    const tx = new WriteTx(this.world);
    const result = fn(tx);
    if (tx.empty) return result;
    let committed: CommitResult;
    try {
      committed = await this.store.commit(tx.toWriteSet());
    } catch (e) {
      if (e instanceof StoreConflictError && tries < 20) {
        await this.catchUp();
        return this.attempt(fn, tries + 1);
      }
      throw e;
    }
    if (committed.seq > this.world.seq + 1) {
      // Another process committed since this World last caught up: apply its changes with ours
      // (ours first, then the newest state of every changed key), so the World never skips a
      // sequence number. The write is durable either way; if the store cannot answer now, the
      // next catch-up brings both.
      const since = await this.store.changesSince(this.world.seq).catch(() => undefined);
      if (since)
        this.world.apply([...committed.changes, ...since.changes], Math.max(since.seq, committed.seq));
    } else {
      this.world.apply(committed.changes, committed.seq);
    }
    return result;
  }

  /** Applies changes other processes committed since this World's sequence number. */
  async catchUp(): Promise<void> {
    const { seq, changes } = await this.store.changesSince(this.world.seq);
    if (changes.length || seq > this.world.seq) this.world.apply(changes, seq);
  }
}
