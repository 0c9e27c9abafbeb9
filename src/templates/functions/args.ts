// Argument checks shared by the template functions, with Azure's wording.
import { EvalContext, TemplateError } from "../context.js";
import { Expr } from "../expression.js";

export type TemplateFunction = (ctx: EvalContext, args: unknown[], name: string) => unknown;
/** Functions that evaluate only some of their arguments (if, and, or, coalesce). */
export type LazyFunction = (
  ctx: EvalContext,
  args: Expr[],
  ev: (e: Expr) => unknown,
  /** Evaluates in another context (a lambda's body with its variables bound). */
  evIn: (e: Expr, ctx: EvalContext) => unknown,
) => unknown;

export function arity(name: string, args: unknown[], min: number, max = min): void {
  if (args.length < min || args.length > max) {
    const want = min === max ? `${min}` : max === Infinity ? `at least ${min}` : `${min} to ${max}`;
    throw new TemplateError(
      `Unable to evaluate template language function '${name}': function requires ${want} argument(s) while ${args.length} were provided. Please see https://aka.ms/arm-functions for usage details.`,
    );
  }
}

export function typeName(v: unknown): string {
  if (v === null || v === undefined) return "Null";
  if (Array.isArray(v)) return "Array";
  if (typeof v === "string") return "String";
  if (typeof v === "number") return Number.isInteger(v) ? "Integer" : "Float";
  if (typeof v === "boolean") return "Boolean";
  return "Object";
}

export function wrongType(name: string, v: unknown, want: string): TemplateError {
  return new TemplateError(
    `The template language function '${name}' expects its parameter to be of type '${want}'. The provided value is of type '${typeName(v)}'. Please see https://aka.ms/arm-functions for usage details.`,
  );
}

export function str(name: string, v: unknown): string {
  if (typeof v !== "string") throw wrongType(name, v, "String");
  return v;
}

export function int(name: string, v: unknown): number {
  if (typeof v !== "number" || !Number.isInteger(v)) throw wrongType(name, v, "Integer");
  return v;
}

export function isObject(v: unknown): v is Record<string, unknown> {
  return !!v && typeof v === "object" && !Array.isArray(v);
}

/** ARM compares strings case-insensitively in equals/contains on object keys, not values. */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b))
    return a.length === b.length && a.every((x, i) => deepEqual(x, b[i]));
  if (isObject(a) && isObject(b)) {
    const ka = Object.keys(a);
    const kb = Object.keys(b);
    return ka.length === kb.length && ka.every((k) => k in b && deepEqual(a[k], b[k]));
  }
  return false;
}
