// Lambda functions, as Bicep emits them: filter, map, reduce, sort, toObject, mapValues and
// groupBy take `lambda('x', …body…)` (or two names, for reduce's accumulator and sort's pair, and
// for filter's and map's optional index), and the body reads its names with lambdaVariables('x').
// The body is evaluated per element, so these are lazy: they see their lambda unevaluated.
import { EvalContext, TemplateError } from "../context.js";
import { Expr } from "../expression.js";
import { arity, isObject, LazyFunction, typeName } from "./args.js";

interface Lambda {
  params: string[];
  body: Expr;
}

/** `lambda('a', ['b',] body)`: its parameter names (string literals) and its body. */
function lambdaOf(
  fn: string,
  e: Expr | undefined,
  min: number,
  max: number,
  ev: (x: Expr) => unknown,
): Lambda {
  if (!e || e.kind !== "call" || e.name.toLowerCase() !== "lambda")
    throw new TemplateError(
      `The template function '${fn}' expects a lambda expression as this argument, such as lambda('x', lambdaVariables('x')). Please see https://aka.ms/arm-functions-lambda for usage details.`,
    );
  const params = e.args.slice(0, -1).map((a) => ev(a));
  if (params.length < min || params.length > max || !params.every((p) => typeof p === "string" && p))
    throw new TemplateError(
      `The lambda expression given to '${fn}' must declare ${min === max ? min : `${min} to ${max}`} parameter name(s) as strings, followed by its body; it declares ${params.length}. Please see https://aka.ms/arm-functions-lambda for usage details.`,
    );
  return { params: params as string[], body: e.args[e.args.length - 1] };
}

/** Evaluates a lambda's body with its names bound (inner lambdas see the outer names too). */
function call(
  ctx: EvalContext,
  l: Lambda,
  values: unknown[],
  evIn: (x: Expr, c: EvalContext) => unknown,
): unknown {
  const vars: Record<string, unknown> = { ...(ctx.lambdaVariables ?? {}) };
  l.params.forEach((p, i) => (vars[p.toLowerCase()] = values[i]));
  return evIn(l.body, { ...ctx, lambdaVariables: vars });
}

function array(fn: string, v: unknown): unknown[] {
  if (!Array.isArray(v))
    throw new TemplateError(
      `The template function '${fn}' expects its first argument to be an array; the provided value is of type '${typeName(v)}'. Please see https://aka.ms/arm-functions-lambda for usage details.`,
    );
  return v;
}

export const lambdaFunctions: Record<string, LazyFunction> = {
  filter: (ctx, args, ev, evIn) => {
    arity("filter", args, 2);
    const xs = array("filter", ev(args[0]));
    const l = lambdaOf("filter", args[1], 1, 2, ev);
    return xs.filter((x, i) => {
      const keep = call(ctx, l, [x, i], evIn);
      if (typeof keep !== "boolean")
        throw new TemplateError(
          `The lambda expression given to 'filter' must return a boolean; it returned a value of type '${typeName(keep)}'.`,
        );
      return keep;
    });
  },
  map: (ctx, args, ev, evIn) => {
    arity("map", args, 2);
    const xs = array("map", ev(args[0]));
    const l = lambdaOf("map", args[1], 1, 2, ev);
    return xs.map((x, i) => call(ctx, l, [x, i], evIn));
  },
  reduce: (ctx, args, ev, evIn) => {
    arity("reduce", args, 3);
    const xs = array("reduce", ev(args[0]));
    let acc = ev(args[1]);
    const l = lambdaOf("reduce", args[2], 2, 3, ev);
    xs.forEach((x, i) => (acc = call(ctx, l, [acc, x, i], evIn)));
    return acc;
  },
  sort: (ctx, args, ev, evIn) => {
    arity("sort", args, 2);
    const xs = [...array("sort", ev(args[0]))];
    const l = lambdaOf("sort", args[1], 2, 2, ev);
    // The lambda says whether its first argument goes before its second.
    return xs.sort((a, b) => {
      const before = call(ctx, l, [a, b], evIn);
      if (typeof before !== "boolean")
        throw new TemplateError(
          `The lambda expression given to 'sort' must return a boolean; it returned a value of type '${typeName(before)}'.`,
        );
      if (before) return -1;
      return call(ctx, l, [b, a], evIn) === true ? 1 : 0;
    });
  },
  toobject: (ctx, args, ev, evIn) => {
    arity("toObject", args, 2, 3);
    const xs = array("toObject", ev(args[0]));
    const key = lambdaOf("toObject", args[1], 1, 1, ev);
    const value = args[2] ? lambdaOf("toObject", args[2], 1, 1, ev) : undefined;
    const out: Record<string, unknown> = {};
    for (const x of xs) {
      const k = call(ctx, key, [x], evIn);
      if (typeof k !== "string")
        throw new TemplateError(
          `The key lambda given to 'toObject' must return a string; it returned a value of type '${typeName(k)}'.`,
        );
      out[k] = value ? call(ctx, value, [x], evIn) : x;
    }
    return out;
  },
  mapvalues: (ctx, args, ev, evIn) => {
    arity("mapValues", args, 2);
    const o = ev(args[0]);
    if (!isObject(o))
      throw new TemplateError(
        `The template function 'mapValues' expects its first argument to be an object; the provided value is of type '${typeName(o)}'.`,
      );
    const l = lambdaOf("mapValues", args[1], 1, 1, ev);
    return Object.fromEntries(Object.entries(o).map(([k, v]) => [k, call(ctx, l, [v], evIn)]));
  },
  groupby: (ctx, args, ev, evIn) => {
    arity("groupBy", args, 2);
    const xs = array("groupBy", ev(args[0]));
    const l = lambdaOf("groupBy", args[1], 1, 1, ev);
    const out: Record<string, unknown[]> = {};
    for (const x of xs) {
      const k = call(ctx, l, [x], evIn);
      if (typeof k !== "string")
        throw new TemplateError(
          `The lambda expression given to 'groupBy' must return a string; it returned a value of type '${typeName(k)}'.`,
        );
      (out[k] ??= []).push(x);
    }
    return out;
  },
  lambda: () => {
    throw new TemplateError(
      "The template function 'lambda' is only valid as an argument of filter, map, reduce, sort, toObject, mapValues or groupBy. Please see https://aka.ms/arm-functions-lambda for usage details.",
    );
  },
  lambdavariables: (ctx, args, ev) => {
    arity("lambdaVariables", args, 1);
    const name = ev(args[0]);
    const vars = ctx.lambdaVariables ?? {};
    if (typeof name !== "string" || !(name.toLowerCase() in vars))
      throw new TemplateError(
        `The lambda variable '${String(name)}' is not defined${Object.keys(vars).length ? `: the lambda declares '${Object.keys(vars).join("', '")}'` : ": lambdaVariables() is only valid inside a lambda expression"}. Please see https://aka.ms/arm-functions-lambda for usage details.`,
      );
    return vars[name.toLowerCase()];
  },
};
