// The World: every live resource in memory, indexed by key, parent and type, kept equal to
// the store by applying each committed change. Readers (ARM GETs, the network model, DNS)
// see a consistent state; they never touch the store.
import { keyOf, parentKeyLength, parseResourceId } from "../core/resourceId.js";
import { Change, StoredResource } from "../store/store.js";

export interface Entry extends StoredResource {
  key: string;
  parentKey?: string;
}

/** Read interface shared by the World and a pending write transaction. */
export interface WorldView {
  get(id: string): Entry | undefined;
  /**
   * `get` for a key the caller already has (`key` is keyOf(id)): spares lower-casing the id again.
   * Optional: a view without it is read through `get(id)`.
   */
  getKeyed?(key: string, id: string): Entry | undefined;
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
  /**
   * Bumps on every change to any entry, however it arrives (a commit, a catch-up, a restored
   * snapshot): what was derived from the world at one version is still true while it holds.
   */
  version = 0;

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
   * an older state never overwrites a newer one. `full`: `changes` is every live resource at `seq`
   * (a catch-up past compacted tombstones or a restored snapshot): keys missing from it are deleted.
   */
  apply(changes: Change[], seq: number, full = false): void {
    if (seq <= this.seq && !full) return;
    if (full) {
      // `changes` is the whole state: what this World has and it lacks was deleted meanwhile.
      const present = new Set(changes.map((c) => c.key));
      const gone: Change[] = [];
      for (const k of this.byKey.keys()) if (!present.has(k)) gone.push({ key: k });
      changes = [...gone, ...changes];
    }
    for (const c of changes) {
      if (c.resource) this.put(c.resource, c.key);
      else this.remove(c.key);
    }
    this.seq = Math.max(this.seq, seq);
    for (const l of this.listeners) l(changes, this.seq);
  }

  get(id: string): Entry | undefined {
    // The few ids every write asks again (its subscription, the caller, the settings), each time
    // spelled anew: their keys kept, not lower-cased again (compared by length first, mostly).
    for (let i = 0; i < RECENT; i++) if (recentIds[i] === id) return this.getKeyed(recentKeys[i]);
    const key = keyOf(id);
    const e = this.getKeyed(key);
    if (e !== undefined) {
      recentIds[recentAt] = id;
      recentKeys[recentAt] = key;
      recentAt = (recentAt + 1) % RECENT;
    }
    return e;
  }

  getKeyed(key: string): Entry | undefined {
    // A write asks for the key it creates several times before it exists (its checks, its put, the
    // commit's expectations): the answer kept until the next change.
    if (key === this.missed) return undefined;
    const e = this.byKey.get(key);
    if (e === undefined) this.missed = key;
    return e;
  }

  /** The key last asked for and not found; forgotten on every change. */
  private missed?: string;

  children(id: string, type?: string): Entry[] {
    const set = this.byParent.get(keyOf(id));
    if (!set) return [];
    const out: Entry[] = [];
    const t = type?.toLowerCase();
    for (const k of set) {
      const e = this.byKey.get(k);
      if (e && (!t || this.lowerType(e.type) === t)) out.push(e);
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

  /** How many resources of a full type (case-insensitive) there are, without listing them. */
  countOfType(type: string): number {
    return this.byType.get(type.toLowerCase())?.size ?? 0;
  }

  get size(): number {
    return this.byKey.size;
  }

  /** Every live resource (for copies of the world, e.g. what-if's sandbox). */
  entries(): IterableIterator<Entry> {
    return this.byKey.values();
  }

  /**
   * `changeKey`: the change's key for `r` (keyOf(r.id), as every store gives it); kept as the entry's
   * key so indexes fed by changes share it.
   */
  private put(r: StoredResource, changeKey?: string): void {
    this.missed = undefined;
    const k = changeKey ?? keyOf(r.id);
    const old = this.byKey.get(k);
    // One key string per resource for its whole life, shared by every index.
    const key = old ? old.key : k;
    // The parent follows from the key alone: an update (a check-in) keeps its entry's, unparsed.
    const parentKey = old ? old.parentKey : this.parentKeyOf(r.id, k);
    // Many resources share a parent and a type: one string each, not one per resource.
    const type = this.intern(r.type);
    // A literal of fixed shape (a spread of objects of varied shapes would give each entry its own
    // hidden class, about 200 bytes more per resource).
    const e: Entry = {
      id: r.id,
      type,
      body: r.body,
      rev: r.rev,
      key,
      parentKey,
    };
    const lowerType = this.lowerType(type);
    this.version++;
    // An update keeps the resource's place in the indexes, so lists (and their pages) keep their order.
    if (old && old.parentKey === e.parentKey && this.lowerType(old.type) === lowerType) {
      this.byKey.set(key, e);
      return;
    }
    if (old) this.unindex(old);
    this.byKey.set(key, e);
    if (e.parentKey) addTo(this.byParent, e.parentKey, key);
    addTo(this.byType, lowerType, key);
  }

  /** `key`: keyOf(id). */
  private parentKeyOf(id: string, key: string): string | undefined {
    const parsed = parseResourceId(id);
    const n = parsed ? parentKeyLength(parsed, key) : -1;
    if (n <= 0) return undefined;
    // Resources written one after another mostly share a parent: its key is the start of theirs,
    // compared in place rather than cut out and looked up.
    const last = this.lastParent;
    if (last !== undefined && last.length === n && key.startsWith(last)) return last;
    return (this.lastParent = this.intern(key.slice(0, n)));
  }

  /** The parent key parentKeyOf found last. */
  private lastParent?: string;

  /** Parent keys and types, each kept once (they repeat across resources; they are few). */
  private interned = new Map<string, string>();
  private lowered = new Map<string, string>();

  private intern(s: string): string {
    const have = this.interned.get(s);
    if (have !== undefined) return have;
    // Bounded: parents come and go; forgetting them only costs sharing, never correctness.
    if (this.interned.size >= 100_000) this.interned.clear();
    this.interned.set(s, s);
    return s;
  }

  private lowerType(type: string): string {
    let t = this.lowered.get(type);
    if (t === undefined) {
      if (this.lowered.size >= 10_000) this.lowered.clear();
      this.lowered.set(type, (t = this.intern(type.toLowerCase())));
    }
    return t;
  }

  private remove(key: string): void {
    this.missed = undefined;
    const old = this.byKey.get(key);
    if (!old) return;
    this.version++;
    this.unindex(old);
    this.byKey.delete(key);
  }

  private unindex(e: Entry): void {
    if (e.parentKey) this.byParent.get(e.parentKey)?.delete(e.key);
    this.byType.get(this.lowerType(e.type))?.delete(e.key);
  }
}

/** Ids recently found by World.get and their keys (an id's key is the same in every World). */
const RECENT = 8;
const recentIds: string[] = [];
const recentKeys: string[] = [];
let recentAt = 0;

function addTo(m: Map<string, Set<string>>, k: string, v: string): void {
  let s = m.get(k);
  if (!s) m.set(k, (s = new Set()));
  s.add(v);
}
