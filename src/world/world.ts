// The World: every live resource in memory, indexed by key, parent and type, kept equal to
// the store by applying each committed change. Readers (ARM GETs, the network model, DNS)
// see a consistent state; they never touch the store.
import { keyOf, parentId, parseResourceId } from "../core/resourceId.js";
import { Change, StoredResource } from "../store/store.js";

export interface Entry extends StoredResource {
  key: string;
  parentKey?: string;
}

/** Read interface shared by the World and a pending write transaction. */
export interface WorldView {
  get(id: string): Entry | undefined;
  /** Direct children of `id`, optionally of one full type. */
  children(id: string, type?: string): Entry[];
  /** Every resource of a full type (case-insensitive). */
  ofType(type: string): Entry[];
}

export type ChangeListener = (changes: Change[], seq: number) => void;

export class World implements WorldView {
  private byKey = new Map<string, Entry>();
  private byParent = new Map<string, Set<string>>();
  private byType = new Map<string, Set<string>>();
  private listeners: ChangeListener[] = [];
  /** Sequence number of the last applied change; bumps on every commit. */
  seq = 0;

  load(resources: StoredResource[], seq: number): void {
    for (const r of resources) this.put(r);
    this.seq = seq;
  }

  onChange(l: ChangeListener): () => void {
    this.listeners.push(l);
    return () => {
      this.listeners = this.listeners.filter((x) => x !== l);
    };
  }

  /**
   * Applies the state, as of `seq`, of every key changed after some earlier sequence number this
   * World has reached. A batch at or below this World's sequence number is already reflected
   * (a catch-up that raced a newer commit, or a commit a catch-up already brought): skipped, so
   * an older state never overwrites a newer one.
   */
  apply(changes: Change[], seq: number): void {
    if (seq <= this.seq) return;
    for (const c of changes) {
      if (c.resource) this.put(c.resource);
      else this.remove(c.key);
    }
    this.seq = Math.max(this.seq, seq);
    for (const l of this.listeners) l(changes, this.seq);
  }

  get(id: string): Entry | undefined {
    return this.byKey.get(keyOf(id));
  }

  children(id: string, type?: string): Entry[] {
    const set = this.byParent.get(keyOf(id));
    if (!set) return [];
    const out: Entry[] = [];
    const t = type?.toLowerCase();
    for (const k of set) {
      const e = this.byKey.get(k);
      if (e && (!t || e.type.toLowerCase() === t)) out.push(e);
    }
    return out;
  }

  ofType(type: string): Entry[] {
    const set = this.byType.get(type.toLowerCase());
    if (!set) return [];
    const out: Entry[] = [];
    for (const k of set) {
      const e = this.byKey.get(k);
      if (e) out.push(e);
    }
    return out;
  }

  get size(): number {
    return this.byKey.size;
  }

  /** Every live resource (for copies of the world, e.g. what-if's sandbox). */
  entries(): IterableIterator<Entry> {
    return this.byKey.values();
  }

  private put(r: StoredResource): void {
    const key = keyOf(r.id);
    const old = this.byKey.get(key);
    const parsed = parseResourceId(r.id);
    const p = parsed ? parentId(parsed) : undefined;
    const e: Entry = { ...r, key, parentKey: p ? keyOf(p) : undefined };
    // An update keeps the resource's place in the indexes, so lists (and their pages) keep their order.
    if (old && old.parentKey === e.parentKey && old.type.toLowerCase() === e.type.toLowerCase()) {
      this.byKey.set(key, e);
      return;
    }
    if (old) this.unindex(old);
    this.byKey.set(key, e);
    if (e.parentKey) addTo(this.byParent, e.parentKey, key);
    addTo(this.byType, e.type.toLowerCase(), key);
  }

  private remove(key: string): void {
    const old = this.byKey.get(key);
    if (!old) return;
    this.unindex(old);
    this.byKey.delete(key);
  }

  private unindex(e: Entry): void {
    if (e.parentKey) this.byParent.get(e.parentKey)?.delete(e.key);
    this.byType.get(e.type.toLowerCase())?.delete(e.key);
  }
}

function addTo(m: Map<string, Set<string>>, k: string, v: string): void {
  let s = m.get(k);
  if (!s) m.set(k, (s = new Set()));
  s.add(v);
}
