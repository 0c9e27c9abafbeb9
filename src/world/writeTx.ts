// A pending write: reads see the World plus this transaction's own puts and deletes;
// toWriteSet() turns it into one WriteSet whose expectations are the revisions of what it writes
// and whose read set is everything it read to decide (keys, children listed, types listed), as of
// the sequence number of the state it ran on. The store refuses the write if anything in the read
// set changed meanwhile (another replica's commit), and the Writer runs it again on the fresher state.
import { keyOf, parentId, parseResourceId } from "../core/resourceId.js";
import { Put, WriteSet } from "../store/store.js";
import { LayeredView } from "./layeredView.js";
import { Entry, WorldView } from "./world.js";

export class WriteTx extends LayeredView {
  private touched = new Map<string, number>();
  private readKeys = new Set<string>();
  private readPrefixes = new Set<string>();
  private readTypes = new Set<string>();
  private tracking = true;

  /** `readSeq`: the store sequence number `base` reflects (absent: reads are not checked at commit). */
  constructor(
    base: WorldView,
    private readonly readSeq?: number,
  ) {
    super(base);
  }

  override get(id: string): Entry | undefined {
    const k = keyOf(id);
    if (this.pending.has(k)) return this.pending.get(k) ?? undefined;
    if (this.tracking) this.readKeys.add(k);
    return this.base.get(id);
  }

  override children(id: string, type?: string): Entry[] {
    if (this.tracking) this.readPrefixes.add(keyOf(id));
    return super.children(id, type);
  }

  override ofType(type: string): Entry[] {
    if (this.tracking) this.readTypes.add(type.toLowerCase());
    return super.ofType(type);
  }

  /** Records that the write read every resource of `type` (through an index kept on the base). */
  readsType(type: string): void {
    if (this.tracking) this.readTypes.add(type.toLowerCase());
  }

  /** Runs `fn` without recording its reads: for what is read to answer, not to decide (a response's projection). */
  untracked<T>(fn: () => T): T {
    const was = this.tracking;
    this.tracking = false;
    try {
      return fn();
    } finally {
      this.tracking = was;
    }
  }

  put(id: string, type: string, body: Record<string, any>): void {
    const k = keyOf(id);
    this.expectCurrent(k, id);
    const existing = this.get(id);
    const parsed = parseResourceId(id);
    const p = parsed ? parentId(parsed) : undefined;
    this.pending.set(k, {
      id: existing?.id ?? id,
      type,
      body,
      rev: existing?.rev ?? 0,
      key: k,
      parentKey: p ? keyOf(p) : undefined,
    });
  }

  delete(id: string): void {
    const k = keyOf(id);
    this.expectCurrent(k, id);
    this.pending.set(k, null);
  }

  /** Deletes a resource and everything below it. */
  deleteTree(id: string): void {
    for (const c of this.children(id)) this.deleteTree(c.id);
    this.delete(id);
  }

  get empty(): boolean {
    return this.pending.size === 0;
  }

  toWriteSet(): WriteSet {
    const puts: Put[] = [];
    const deletes: string[] = [];
    for (const [, e] of this.pending) if (e) puts.push({ id: e.id, type: e.type, body: e.body });
    for (const [k, e] of this.pending) if (e === null) deletes.push(k);
    const reads =
      this.readSeq === undefined
        ? undefined
        : {
            seq: this.readSeq,
            keys: [...this.readKeys],
            prefixes: [...this.readPrefixes],
            types: [...this.readTypes],
          };
    return { puts, deletes, expect: new Map(this.touched), reads };
  }

  private expectCurrent(k: string, id: string): void {
    if (this.touched.has(k)) return;
    const cur = this.base.get(id);
    this.touched.set(k, cur ? cur.rev : 0);
  }
}
