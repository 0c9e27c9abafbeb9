// Array and object functions: concat, contains, empty, length, first, last, union, intersection,
// createArray, createObject, array, skip, take, range, min, max, json, items, indexOf, flatten,
// objectKeys, shallowMerge, tryGet, indexFromEnd, tryIndexFromEnd.
import { TemplateError } from "../context.js";
import { arity, deepEqual, int, isObject, str, TemplateFunction, typeName } from "./args.js";

function union(name: string, a: unknown[]): unknown {
  if (a.every(Array.isArray)) {
    const out: unknown[] = [];
    for (const arr of a as unknown[][])
      for (const x of arr) if (!out.some((y) => deepEqual(x, y))) out.push(x);
    return out;
  }
  if (a.every(isObject)) {
    const merge = (x: Record<string, unknown>, y: Record<string, unknown>): Record<string, unknown> => {
      const out = { ...x };
      for (const [k, v] of Object.entries(y))
        out[k] = isObject(out[k]) && isObject(v) ? merge(out[k] as any, v) : v;
      return out;
    };
    return (a as Record<string, unknown>[]).reduce(merge, {});
  }
  throw new TemplateError(
    `The template function '${name}' expects all its arguments to be arrays, or all objects.`,
  );
}

function intersection(name: string, a: unknown[]): unknown {
  if (a.every(Array.isArray)) {
    const [first, ...rest] = a as unknown[][];
    return first.filter(
      (x, i) =>
        first.findIndex((y) => deepEqual(x, y)) === i && rest.every((r) => r.some((y) => deepEqual(x, y))),
    );
  }
  if (a.every(isObject)) {
    const [first, ...rest] = a as Record<string, unknown>[];
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(first))
      if (rest.every((r) => k in r && deepEqual(r[k], v))) out[k] = v;
    return out;
  }
  throw new TemplateError(
    `The template function '${name}' expects all its arguments to be arrays, or all objects.`,
  );
}

export const collectionFunctions: Record<string, TemplateFunction> = {
  concat: (_c, a, n) => {
    arity(n, a, 1, Infinity);
    if (a.every(Array.isArray)) return ([] as unknown[]).concat(...(a as unknown[][]));
    return a
      .map((x) => {
        if (typeof x === "string") return x;
        if (typeof x === "number" || typeof x === "boolean") return String(x);
        throw new TemplateError(
          `The template function 'concat' expects its arguments to be all arrays or all strings, numbers or booleans; got '${typeName(x)}'.`,
        );
      })
      .join("");
  },
  contains: (_c, a, n) => {
    arity(n, a, 2);
    const [c, v] = a;
    if (typeof c === "string") return c.includes(String(v));
    if (Array.isArray(c)) return c.some((x) => deepEqual(x, v));
    if (isObject(c)) return Object.keys(c).some((k) => k.toLowerCase() === String(v).toLowerCase());
    throw new TemplateError(
      `The template function 'contains' expects a string, array or object, got '${typeName(c)}'.`,
    );
  },
  empty: (_c, a, n) => {
    arity(n, a, 1);
    const v = a[0];
    if (v === null || v === undefined) return true;
    if (typeof v === "string" || Array.isArray(v)) return v.length === 0;
    if (isObject(v)) return Object.keys(v).length === 0;
    throw new TemplateError(
      `The template function 'empty' expects a string, array or object, got '${typeName(v)}'.`,
    );
  },
  length: (_c, a, n) => {
    arity(n, a, 1);
    const v = a[0];
    if (typeof v === "string" || Array.isArray(v)) return v.length;
    if (isObject(v)) return Object.keys(v).length;
    throw new TemplateError(
      `The template function 'length' expects a string, array or object, got '${typeName(v)}'.`,
    );
  },
  first: (_c, a, n) => {
    arity(n, a, 1);
    const v = a[0];
    if (typeof v === "string") return v.slice(0, 1);
    if (Array.isArray(v)) return v[0] ?? null;
    throw new TemplateError(`The template function 'first' expects a string or array, got '${typeName(v)}'.`);
  },
  last: (_c, a, n) => {
    arity(n, a, 1);
    const v = a[0];
    if (typeof v === "string") return v.slice(-1);
    if (Array.isArray(v)) return v[v.length - 1] ?? null;
    throw new TemplateError(`The template function 'last' expects a string or array, got '${typeName(v)}'.`);
  },
  indexof: (_c, a, n) => {
    arity(n, a, 2);
    if (Array.isArray(a[0])) return (a[0] as unknown[]).findIndex((x) => deepEqual(x, a[1]));
    return str(n, a[0]).toLowerCase().indexOf(str(n, a[1]).toLowerCase());
  },
  union: (_c, a, n) => (arity(n, a, 1, Infinity), union(n, a)),
  intersection: (_c, a, n) => (arity(n, a, 1, Infinity), intersection(n, a)),
  createarray: (_c, a) => [...a],
  array: (_c, a, n) => (arity(n, a, 1), Array.isArray(a[0]) ? a[0] : [a[0]]),
  createobject: (_c, a, n) => {
    if (a.length % 2)
      throw new TemplateError(
        `The template function 'createObject' expects an even number of arguments (key, value pairs).`,
      );
    const out: Record<string, unknown> = {};
    for (let i = 0; i < a.length; i += 2) out[str(n, a[i])] = a[i + 1];
    return out;
  },
  skip: (_c, a, n) => {
    arity(n, a, 2);
    const k = Math.max(0, int(n, a[1]));
    if (typeof a[0] === "string" || Array.isArray(a[0])) return a[0].slice(k);
    throw new TemplateError(`The template function 'skip' expects a string or array.`);
  },
  take: (_c, a, n) => {
    arity(n, a, 2);
    const k = Math.max(0, int(n, a[1]));
    if (typeof a[0] === "string" || Array.isArray(a[0])) return a[0].slice(0, k);
    throw new TemplateError(`The template function 'take' expects a string or array.`);
  },
  range: (_c, a, n) => {
    arity(n, a, 2);
    const start = int(n, a[0]);
    const count = int(n, a[1]);
    if (count < 0 || count > 10000)
      throw new TemplateError(`The template function 'range' count must be between 0 and 10000.`);
    return Array.from({ length: count }, (_, i) => start + i);
  },
  min: (_c, a, n) => {
    const xs = (a.length === 1 && Array.isArray(a[0]) ? a[0] : a) as unknown[];
    if (!xs.length) throw new TemplateError(`The template function 'min' needs at least one value.`);
    return Math.min(...xs.map((x) => int(n, x)));
  },
  max: (_c, a, n) => {
    const xs = (a.length === 1 && Array.isArray(a[0]) ? a[0] : a) as unknown[];
    if (!xs.length) throw new TemplateError(`The template function 'max' needs at least one value.`);
    return Math.max(...xs.map((x) => int(n, x)));
  },
  json: (_c, a, n) => {
    arity(n, a, 1);
    try {
      return JSON.parse(str(n, a[0]));
    } catch (e) {
      throw new TemplateError(
        `The template function 'json' could not parse its argument: ${(e as Error).message}.`,
      );
    }
  },
  items: (_c, a, n) => {
    arity(n, a, 1);
    if (!isObject(a[0])) throw new TemplateError(`The template function 'items' expects an object.`);
    return Object.keys(a[0])
      .sort((x, y) => x.localeCompare(y))
      .map((key) => ({ key, value: (a[0] as Record<string, unknown>)[key] }));
  },
  null: (_c, a, n) => (arity(n, a, 0), null),
  flatten: (_c, a, n) => {
    arity(n, a, 1);
    if (!Array.isArray(a[0]) || !a[0].every(Array.isArray))
      throw new TemplateError(`The template function 'flatten' expects an array of arrays.`);
    return (a[0] as unknown[][]).flat(1);
  },
  objectkeys: (_c, a, n) => {
    arity(n, a, 1);
    if (!isObject(a[0])) throw new TemplateError(`The template function 'objectKeys' expects an object.`);
    return Object.keys(a[0]);
  },
  shallowmerge: (_c, a, n) => {
    arity(n, a, 1);
    if (!Array.isArray(a[0]) || !a[0].every(isObject))
      throw new TemplateError(`The template function 'shallowMerge' expects an array of objects.`);
    return Object.assign({}, ...(a[0] as Record<string, unknown>[]));
  },
  // tryGet: a missing key or index is null instead of an error.
  tryget: (_c, a, n) => {
    arity(n, a, 2, Infinity);
    let v: unknown = a[0];
    for (const k of a.slice(1)) {
      if (Array.isArray(v) && typeof k === "number") v = Number.isInteger(k) && k >= 0 ? v[k] : undefined;
      else if (isObject(v) && typeof k === "string") {
        const o = v as Record<string, unknown>;
        const hit = Object.keys(o).find((x) => x.toLowerCase() === k.toLowerCase());
        v = hit === undefined ? undefined : o[hit];
      } else v = undefined;
      if (v === undefined) return null;
    }
    return v ?? null;
  },
  indexfromend: (_c, a, n) => {
    arity(n, a, 2);
    if (!Array.isArray(a[0]))
      throw new TemplateError(`The template function 'indexFromEnd' expects an array.`);
    const i = int(n, a[1]);
    if (i < 1 || i > a[0].length)
      throw new TemplateError(
        `The template function 'indexFromEnd' was given index ${i}: the array has ${a[0].length} element(s), so use 1 to ${a[0].length}.`,
      );
    return a[0][a[0].length - i];
  },
  tryindexfromend: (_c, a, n) => {
    arity(n, a, 2);
    if (!Array.isArray(a[0]))
      throw new TemplateError(`The template function 'tryIndexFromEnd' expects an array.`);
    const i = int(n, a[1]);
    return i >= 1 && i <= a[0].length ? a[0][a[0].length - i] : null;
  },
};
