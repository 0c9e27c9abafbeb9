// A sandbox's store: the writer of a sandbox applies every commit to the sandbox's World before the
// next one, and nothing else shares the store, so the World already holds what a store would keep.
// This one keeps only the sequence number: a commit's revisions are the World's plus one, as
// MemoryStore (whose rows would be a second copy of every resource) gives them.
import { keyOf } from "../../core/resourceId.js";
import {
  Change,
  CommitResult,
  Store,
  StoreConflictError,
  StoredResource,
  WriteSet,
} from "../../store/store.js";
import { WorldView } from "../../world/world.js";

export class WorldStore implements Store {
  readonly kind = "memory" as const;

  /** `world`: the World this store backs, every commit applied to it before the next; `seq` its sequence number. */
  constructor(
    private readonly world: WorldView,
    private seq: number,
  ) {}

  /** Nothing is kept here: the World holds every resource. */
  async loadAll(): Promise<{ resources: StoredResource[]; seq: number }> {
    return { resources: [], seq: this.seq };
  }

  async commit(ws: WriteSet): Promise<CommitResult> {
    return this.commitNow(ws);
  }

  /** commit(), at once: for a caller that applies the result to the World before anything else commits. */
  commitNow(ws: WriteSet): CommitResult {
    // Keys are lower case already (a write set's expectations, its puts' keys): read as keys.
    const at = (key: string, id: string) =>
      this.world.getKeyed ? this.world.getKeyed(key, id) : this.world.get(id);
    for (const [key, rev] of ws.expect) {
      if ((at(key, key)?.rev ?? 0) !== rev) throw new StoreConflictError(key);
    }
    const seq = ++this.seq;
    const changes: Change[] = [];
    for (const p of ws.puts) {
      const key = p.key ?? keyOf(p.id);
      // A key the write expected is at the revision it expected (checked above): no second read.
      const rev = ws.expect.get(key) ?? at(key, p.id)?.rev ?? 0;
      changes.push({ key, resource: { id: p.id, type: p.type, body: p.body, rev: rev + 1 } });
    }
    for (const id of ws.deletes) changes.push({ key: keyOf(id) });
    return { seq, changes };
  }

  /** Every commit is in the World already. */
  async changesSince(_seq: number): Promise<CommitResult> {
    return { seq: this.seq, changes: [] };
  }

  async close(): Promise<void> {}
}
