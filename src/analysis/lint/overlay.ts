// A World over another World: reads see the base plus what was written here; writes (applied
// changes) stay here. What-if writes a proposed change into one, so the real world is never
// copied nor touched. The inherited maps hold the overlay's own entries; deletes of base
// entries are tombstones.
import { keyOf } from "../../core/resourceId.js";
import { Change } from "../../store/store.js";
import { Entry, World } from "../../world/world.js";

export class OverlayWorld extends World {
  private readonly tombs = new Set<string>();
  /** Types (lower case) with an entry or a tombstone here. */
  private readonly touched = new Set<string>();
  /** Parents (keys) with an entry or a tombstone below them here. */
  private readonly touchedParents = new Set<string>();

  constructor(private readonly base: World) {
    super();
    this.load([], base.seq);
  }

  /** Writes resources here without a change (no sequence number, no listeners): sandbox setup. */
  /** How many times resources were injected (indexes kept from the change feed rebuild then). */
  injections = 0;

  inject(resources: Array<{ id: string; type: string; body: Record<string, any>; rev: number }>): void {
    this.injections++;
    for (const r of resources) {
      this.touched.add(r.type.toLowerCase());
      this.tombs.delete(keyOf(r.id));
    }
    this.load(resources, this.seq);
  }

  override apply(changes: Change[], seq: number): void {
    if (seq <= this.seq) return;
    for (const c of changes) {
      const e = c.resource ?? this.get(c.key);
      if (e) {
        this.touched.add(e.type.toLowerCase());
        const cut = c.key.lastIndexOf("/");
        if (cut > 0) {
          this.touchedParents.add(c.key.slice(0, cut));
          this.touchedParents.add(c.key.slice(0, c.key.lastIndexOf("/", cut - 1)));
        }
      }
      if (c.resource) this.tombs.delete(c.key);
      else if (this.base.get(c.key)) this.tombs.add(c.key);
    }
    super.apply(changes, seq);
  }

  override get(id: string): Entry | undefined {
    return this.getKeyed(keyOf(id));
  }

  // A write on the overlay reads by key (WriteTx): the overlay's own entries, then the base's.
  override getKeyed(key: string): Entry | undefined {
    return super.getKeyed(key) ?? (this.tombs.has(key) ? undefined : this.base.getKeyed(key));
  }

  override children(id: string, type?: string): Entry[] {
    const base = this.base.children(id, type);
    if (!this.touchedParents.has(keyOf(id))) return base;
    return merge(base, super.children(id, type), this.tombs);
  }

  override ofType(type: string): Entry[] {
    const base = this.base.ofType(type);
    if (!this.touched.has(type.toLowerCase())) return base;
    return merge(base, super.ofType(type), this.tombs);
  }

  override get size(): number {
    let n = this.base.size - this.tombs.size;
    for (const e of super.entries()) if (!this.base.get(e.key)) n++;
    return n;
  }

  /**
   * The base and what this overlay changes (entries, and null for deletes), so that indexes kept
   * on the base (e.g. lab addresses) serve the overlay without being rebuilt over it.
   */
  layers(): { base: World; pending: ReadonlyMap<string, Entry | null> } {
    const pending = new Map<string, Entry | null>();
    for (const e of super.entries()) pending.set(e.key, e);
    for (const k of this.tombs) pending.set(k, null);
    return { base: this.base, pending };
  }

  override entries(): IterableIterator<Entry> {
    const mine = [...super.entries()];
    const keys = new Set(mine.map((e) => e.key));
    const out = [...mine];
    for (const e of this.base.entries()) if (!keys.has(e.key) && !this.tombs.has(e.key)) out.push(e);
    return out.values();
  }
}

function merge(base: Entry[], mine: Entry[], tombs: Set<string>): Entry[] {
  if (!mine.length && !tombs.size) return base;
  const over = new Map(mine.map((e) => [e.key, e]));
  const out: Entry[] = [];
  for (const e of base) {
    if (tombs.has(e.key)) continue;
    const o = over.get(e.key);
    out.push(o ?? e);
    if (o) over.delete(e.key);
  }
  return [...out, ...over.values()];
}
