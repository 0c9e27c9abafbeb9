// Logical, comparison and numeric functions: if, and, or, not, bool, true, false, coalesce,
// equals, less/greater(OrEquals), add, sub, mul, div, mod, int.
import { TemplateError } from "../context.js";
import { arity, deepEqual, int, LazyFunction, TemplateFunction, typeName } from "./args.js";

function bool(name: string, v: unknown): boolean {
  if (typeof v !== "boolean")
    throw new TemplateError(
      `The template language function '${name}' expects its parameters to be of type 'Boolean'. The provided value is of type '${typeName(v)}'. Please see https://aka.ms/arm-functions for usage details.`,
    );
  return v;
}

function compare(name: string, a: unknown, b: unknown): number {
  if (typeof a === "number" && typeof b === "number") return a - b;
  if (typeof a === "string" && typeof b === "string") return a < b ? -1 : a > b ? 1 : 0;
  throw new TemplateError(`The template function '${name}' expects two integers or two strings.`);
}

export const lazyFunctions: Record<string, LazyFunction> = {
  // Only the branch the condition picks is evaluated.
  if: (_c, args, ev) => {
    arity("if", args, 3);
    return bool("if", ev(args[0])) ? ev(args[1]) : ev(args[2]);
  },
  and: (_c, args, ev) => {
    arity("and", args, 2, Infinity);
    for (const a of args) if (!bool("and", ev(a))) return false;
    return true;
  },
  or: (_c, args, ev) => {
    arity("or", args, 2, Infinity);
    for (const a of args) if (bool("or", ev(a))) return true;
    return false;
  },
  coalesce: (_c, args, ev) => {
    arity("coalesce", args, 1, Infinity);
    for (const a of args) {
      const v = ev(a);
      if (v !== null && v !== undefined) return v;
    }
    return null;
  },
};

export const logicalFunctions: Record<string, TemplateFunction> = {
  not: (_c, a, n) => (arity(n, a, 1), !bool(n, a[0])),
  bool: (_c, a, n) => {
    arity(n, a, 1);
    if (typeof a[0] === "boolean") return a[0];
    if (typeof a[0] === "number") return a[0] !== 0;
    if (typeof a[0] === "string" && /^(true|false)$/i.test(a[0])) return a[0].toLowerCase() === "true";
    throw new TemplateError(`The template function 'bool' cannot convert '${String(a[0])}' to a boolean.`);
  },
  true: (_c, a, n) => (arity(n, a, 0), true),
  false: (_c, a, n) => (arity(n, a, 0), false),
  equals: (_c, a, n) => (arity(n, a, 2), deepEqual(a[0], a[1])),
  less: (_c, a, n) => (arity(n, a, 2), compare(n, a[0], a[1]) < 0),
  lessorequals: (_c, a, n) => (arity(n, a, 2), compare(n, a[0], a[1]) <= 0),
  greater: (_c, a, n) => (arity(n, a, 2), compare(n, a[0], a[1]) > 0),
  greaterorequals: (_c, a, n) => (arity(n, a, 2), compare(n, a[0], a[1]) >= 0),
  add: (_c, a, n) => (arity(n, a, 2), int(n, a[0]) + int(n, a[1])),
  sub: (_c, a, n) => (arity(n, a, 2), int(n, a[0]) - int(n, a[1])),
  mul: (_c, a, n) => (arity(n, a, 2), int(n, a[0]) * int(n, a[1])),
  div: (_c, a, n) => {
    arity(n, a, 2);
    if (int(n, a[1]) === 0) throw new TemplateError(`The template function 'div' cannot divide by zero.`);
    return Math.trunc(int(n, a[0]) / int(n, a[1]));
  },
  mod: (_c, a, n) => {
    arity(n, a, 2);
    if (int(n, a[1]) === 0) throw new TemplateError(`The template function 'mod' cannot divide by zero.`);
    return int(n, a[0]) % int(n, a[1]);
  },
  int: (_c, a, n) => {
    arity(n, a, 1);
    const v = typeof a[0] === "string" ? Number(a[0]) : a[0];
    if (typeof v !== "number" || !Number.isFinite(v))
      throw new TemplateError(`The template function 'int' cannot convert '${String(a[0])}' to an integer.`);
    return Math.trunc(v);
  },
};
