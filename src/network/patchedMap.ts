// A read-only map that is another map with some keys replaced: how a patched model shares its
// previous hosts instead of copying 100,000 of them.

/**
 * A read-only map: `base` with some keys replaced, added or removed (undefined), in base's order
 * with new keys last — as a copy of base with those writes would be, without the copy. Patches of
 * patches share one base until the replaced keys are many, then it is copied once.
 */
export class PatchedMap<V> extends Map<string, V> {
  private constructor(
    private readonly base: Map<string, V>,
    private readonly over: Map<string, V | undefined>,
    private readonly count: number,
  ) {
    super();
  }

  static over<V>(base: Map<string, V>, over: Map<string, V | undefined>): Map<string, V> {
    if (base instanceof PatchedMap) {
      const merged = new Map(base.over);
      for (const [k, v] of over) merged.set(k, v);
      base = base.base;
      over = merged;
    }
    let count = base.size;
    for (const [k, v] of over) count += (v !== undefined ? 1 : 0) - (base.has(k) ? 1 : 0);
    const m = new PatchedMap(base, over, count);
    return over.size > 1024 ? new Map(m) : m;
  }

  override get(k: string): V | undefined {
    return this.over.has(k) ? this.over.get(k) : this.base.get(k);
  }

  override has(k: string): boolean {
    return this.over.has(k) ? this.over.get(k) !== undefined : this.base.has(k);
  }

  override get size(): number {
    return this.count;
  }

  override *entries(): MapIterator<[string, V]> {
    for (const [k, v] of this.base) {
      if (!this.over.has(k)) yield [k, v];
      else {
        const o = this.over.get(k);
        if (o !== undefined) yield [k, o];
      }
    }
    for (const [k, o] of this.over) if (o !== undefined && !this.base.has(k)) yield [k, o];
  }

  override [Symbol.iterator](): MapIterator<[string, V]> {
    return this.entries();
  }

  override *keys(): MapIterator<string> {
    for (const [k] of this.entries()) yield k;
  }

  override *values(): MapIterator<V> {
    for (const [, v] of this.entries()) yield v;
  }

  override forEach(fn: (v: V, k: string, m: Map<string, V>) => void, thisArg?: unknown): void {
    for (const [k, v] of this.entries()) fn.call(thisArg, v, k, this);
  }

  override set(): this {
    throw new Error("a patched model's map is read-only");
  }

  override delete(): boolean {
    throw new Error("a patched model's map is read-only");
  }

  override clear(): void {
    throw new Error("a patched model's map is read-only");
  }
}
