// A pending write: reads see the World plus this transaction's own puts and deletes;
// toWriteSet() turns it into one WriteSet whose expectations are the revisions of what it writes
// and whose read set is everything it read to decide (keys, children listed, types listed), as of
// the sequence number of the state it ran on. The store refuses the write if anything in the read
// set changed meanwhile (another replica's commit), and the Writer runs it again on the fresher state.
import { keyOf, parentId, parseResourceId, ResourceId } from "../core/resourceId.js";
import { Put, WriteSet } from "../store/store.js";
import { LayeredView, readBase } from "./layeredView.js";
import { Entry, WorldView } from "./world.js";

export class WriteTx extends LayeredView {
  private touched = new Map<string, number>();
  // Made on first use: a write whose reads are not recorded (a sandbox's) reads none.
  private readKeys?: Set<string>;
  // Made on first use: most writes (a check-in) list nothing.
  private readPrefixes?: Set<string>;
  private readTypes?: Set<string>;
  private tracking = true;
  /** Puts that change only the resource's heartbeat time (putHeartbeat), by key: the time. */
  private heartbeats?: Map<string, string>;

  /** `readSeq`: the store sequence number `base` reflects (absent: reads are not checked at commit). */
  constructor(
    base: WorldView,
    private readonly readSeq?: number,
  ) {
    super(base);
  }

  override getKeyed(key: string, id: string): Entry | undefined {
    const e = this.pending.get(key);
    if (e !== undefined) return e === null ? undefined : e;
    const b = readBase(this.base, key, id);
    // The entry's own key string (the same text) when there is one: what the write keeps until its
    // group commits then holds no string of its own per resource.
    if (this.tracking) (this.readKeys ??= new Set()).add(b ? b.key : key);
    return b;
  }

  override children(id: string, type?: string): Entry[] {
    if (this.tracking) (this.readPrefixes ??= new Set()).add(keyOf(id));
    return super.children(id, type);
  }

  override ofType(type: string): Entry[] {
    this.readsType(type);
    return super.ofType(type);
  }

  /** Records that the write read every resource of `type` (through an index kept on the base). */
  readsType(type: string): void {
    if (this.tracking) (this.readTypes ??= new Set()).add(type.toLowerCase());
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

  /**
   * `parsed`: the id parsed already (parseResourceId(id)), and `key` its key (keyOf(id)), when the
   * caller has them.
   */
  put(id: string, type: string, body: Record<string, any>, parsed?: ResourceId, key?: string): void {
    const k = this.write(id, type, body, parsed, key);
    this.heartbeats?.delete(k);
  }

  /**
   * Writes `body`, which differs from the resource's stored body only in `_arclink.lastHeartbeat`,
   * now `at` (a heartbeat of a machine already Connected): the store may then record just that
   * time instead of the whole body. After a put of the same resource in this transaction it is a
   * put like any other (the stored body is not the one it differs from).
   */
  putHeartbeat(id: string, type: string, body: Record<string, any>, at: string): void {
    const k0 = keyOf(id);
    const full = this.pending.has(k0) && !this.heartbeats?.has(k0);
    const k = this.write(id, type, body, undefined, k0);
    if (full) this.heartbeats?.delete(k);
    else (this.heartbeats ??= new Map()).set(k, at);
  }

  /** Puts `body` in the pending changes; returns the resource's key. */
  private write(
    id: string,
    type: string,
    body: Record<string, any>,
    parsed?: ResourceId,
    key?: string,
  ): string {
    const k0 = key ?? keyOf(id);
    const existing = this.getKeyed(k0, id);
    const k = existing ? existing.key : k0;
    this.expectCurrent(k, id);
    // The parent follows from the key: a resource written again keeps its entry's.
    let parentKey = existing?.parentKey;
    if (!existing) {
      const pid = parsed ?? parseResourceId(id);
      const p = pid ? parentId(pid) : undefined;
      parentKey = p ? keyOf(p) : undefined;
    }
    this.pending.set(k, {
      id: existing?.id ?? id,
      type,
      body,
      rev: existing?.rev ?? 0,
      key: k,
      parentKey,
    });
    return k;
  }

  delete(id: string): void {
    const k0 = keyOf(id);
    const k = readBase(this.base, k0, id)?.key ?? k0;
    this.expectCurrent(k, id);
    this.heartbeats?.delete(k);
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
    for (const [k, e] of this.pending) {
      if (!e) deletes.push(k);
      else {
        const at = this.heartbeats?.get(k);
        puts.push(
          at === undefined
            ? { id: e.id, type: e.type, body: e.body, key: k }
            : { id: e.id, type: e.type, body: e.body, key: k, lastHeartbeat: at },
        );
      }
    }
    const reads =
      this.readSeq === undefined
        ? undefined
        : {
            seq: this.readSeq,
            keys: this.readKeys ? [...this.readKeys] : [],
            prefixes: this.readPrefixes ? [...this.readPrefixes] : [],
            types: this.readTypes ? [...this.readTypes] : [],
          };
    // The transaction is done once its write set is taken: the set takes its expectations as they are.
    return { puts, deletes, expect: this.touched, reads };
  }

  private expectCurrent(k: string, id: string): void {
    if (this.touched.has(k)) return;
    const cur = readBase(this.base, k, id);
    this.touched.set(k, cur ? cur.rev : 0);
  }
}
