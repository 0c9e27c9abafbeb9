// A stored body's objects with their properties inside the object. An object built step by step
// ({id, name, type} then location, tags, ...) or by a spread keeps most of its properties in a
// separate array (one more object, with spare slots); one built as a literal of all its keys holds
// them in place. With a million machines that is about 120 bytes per host and machine. The copy has
// the same keys in the same order and the same values (shared, not copied): the same JSON.

/** Copiers by key list, each a function returning an object literal of those keys. */
const copiers = new Map<string, (o: Record<string, unknown>) => Record<string, unknown>>();

const PLAIN_KEY = /^[A-Za-z_$][\w$]*$/u;
const MAX_KEYS = 24;

/**
 * `o` copied into an object literal of its own keys (same order, same values), or `o` itself when
 * its keys are not all plain names (or too many): such bodies are rare and keep their layout.
 */
export function compactObject<T extends Record<string, unknown>>(o: T): T {
  if (Object.getPrototypeOf(o) !== Object.prototype) return o;
  const keys = Object.keys(o);
  if (keys.length === 0 || keys.length > MAX_KEYS) return o;
  const sig = keys.join(",");
  let copy = copiers.get(sig);
  if (!copy) {
    // Checked once per key list: a copier exists only for lists of plain names.
    for (const k of keys) if (k === "__proto__" || !PLAIN_KEY.test(k)) return o;
    if (copiers.size >= 1000) copiers.clear();
    // Keys are plain identifiers (checked above), so the literal is exactly `{k1: o.k1, ...}`.
    copy = new Function("o", `return {${keys.map((k) => `${k}: o.${k}`).join(", ")}};`) as (
      o: Record<string, unknown>,
    ) => Record<string, unknown>;
    copiers.set(sig, copy);
  }
  return copy(o) as T;
}
