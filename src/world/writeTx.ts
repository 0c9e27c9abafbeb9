// A pending write: reads see the World plus this transaction's own puts and deletes;
// commit() turns it into one WriteSet whose expectations are the revisions it read.
import { keyOf, parentId, parseResourceId } from "../core/resourceId.js";
import { Put, WriteSet } from "../store/store.js";
import { LayeredView } from "./layeredView.js";

export class WriteTx extends LayeredView {
  private touched = new Map<string, number>();

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
    return { puts, deletes, expect: new Map(this.touched) };
  }

  private expectCurrent(k: string, id: string): void {
    if (this.touched.has(k)) return;
    const cur = this.base.get(id);
    this.touched.set(k, cur ? cur.rev : 0);
  }
}
