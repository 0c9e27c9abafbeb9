// A pending write: reads see the World plus this transaction's own puts and deletes;
// commit() turns it into one WriteSet whose expectations are the revisions it read.
import { keyOf, parentId, parseResourceId } from "../core/resourceId.js";
import { Put, WriteSet } from "../store/store.js";
import { Entry, WorldView } from "./world.js";

export class WriteTx implements WorldView {
  private overlay = new Map<string, Entry | null>();
  private touched = new Map<string, number>();

  constructor(private readonly base: WorldView) {}

  get(id: string): Entry | undefined {
    const k = keyOf(id);
    if (this.overlay.has(k)) return this.overlay.get(k) ?? undefined;
    return this.base.get(id);
  }

  children(id: string, type?: string): Entry[] {
    const k = keyOf(id);
    const t = type?.toLowerCase();
    const out = new Map<string, Entry>();
    for (const e of this.base.children(id, type)) out.set(e.key, e);
    for (const [key, e] of this.overlay) {
      if (e === null) out.delete(key);
      else if (e.parentKey === k && (!t || e.type.toLowerCase() === t)) out.set(key, e);
    }
    return [...out.values()];
  }

  ofType(type: string): Entry[] {
    const t = type.toLowerCase();
    const out = new Map<string, Entry>();
    for (const e of this.base.ofType(type)) out.set(e.key, e);
    for (const [key, e] of this.overlay) {
      if (e === null) out.delete(key);
      else if (e.type.toLowerCase() === t) out.set(key, e);
    }
    return [...out.values()];
  }

  put(id: string, type: string, body: Record<string, any>): void {
    const k = keyOf(id);
    this.expectCurrent(k, id);
    const existing = this.get(id);
    const parsed = parseResourceId(id);
    const p = parsed ? parentId(parsed) : undefined;
    this.overlay.set(k, {
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
    this.overlay.set(k, null);
  }

  /** Deletes a resource and everything below it. */
  deleteTree(id: string): void {
    for (const c of this.children(id)) this.deleteTree(c.id);
    this.delete(id);
  }

  /** The view this transaction reads through and its own pending puts and deletes (null), by key. */
  layers(): { base: WorldView; pending: ReadonlyMap<string, Entry | null> } {
    return { base: this.base, pending: this.overlay };
  }

  get empty(): boolean {
    return this.overlay.size === 0;
  }

  toWriteSet(): WriteSet {
    const puts: Put[] = [];
    const deletes: string[] = [];
    for (const [, e] of this.overlay) if (e) puts.push({ id: e.id, type: e.type, body: e.body });
    for (const [k, e] of this.overlay) if (e === null) deletes.push(k);
    return { puts, deletes, expect: new Map(this.touched) };
  }

  private expectCurrent(k: string, id: string): void {
    if (this.touched.has(k)) return;
    const cur = this.base.get(id);
    this.touched.set(k, cur ? cur.rev : 0);
  }
}
