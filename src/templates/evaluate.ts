// Evaluates template expressions: a tree from expression.ts against a context (the deployment's
// scope, parameters, variables, loop indexes, and reads of deployed resources).
import { classify, Expr, ExpressionParseError, parseExpression } from "./expression.js";
import { EvalContext, TemplateError, UserFunction } from "./context.js";
import { LAZY, lookup } from "./functions/index.js";

/**
 * Calls a user-defined function: its output evaluated with only its own parameters in reach (Azure
 * gives such a function no access to the template's parameters or variables).
 */
function callUser(f: UserFunction, args: unknown[], ctx: EvalContext): unknown {
  if (args.length !== f.parameters.length)
    throw new TemplateError(
      `The user-defined function '${f.name}' takes ${f.parameters.length} argument(s) while ${args.length} were provided.`,
    );
  const inner: EvalContext = {
    ...ctx,
    lambdaVariables: undefined,
    parameter: (name) => {
      const i = f.parameters.findIndex((p) => p.name.toLowerCase() === name.toLowerCase());
      if (i < 0)
        throw new TemplateError(
          `The user-defined function '${f.name}' has no parameter '${name}': a user-defined function reads only its own parameters ('${f.parameters.map((p) => p.name).join("', '")}').`,
        );
      return args[i];
    },
    variable: (name) => {
      throw new TemplateError(
        `The user-defined function '${f.name}' cannot read the variable '${name}': a user-defined function reads only its own parameters.`,
      );
    },
  };
  return evaluateDeep(f.output.value, inner);
}

export function evaluateExpr(e: Expr, ctx: EvalContext): unknown {
  switch (e.kind) {
    case "string":
    case "number":
    case "literal":
      return e.value;
    case "property": {
      const t = evaluateExpr(e.target, ctx);
      return member(t, e.name);
    }
    case "index": {
      const t = evaluateExpr(e.target, ctx);
      const i = evaluateExpr(e.index, ctx);
      if (Array.isArray(t)) {
        if (typeof i !== "number" || !Number.isInteger(i))
          throw new TemplateError(
            `The language expression property array index '${String(i)}' is not an integer.`,
          );
        if (i < 0 || i >= t.length)
          throw new TemplateError(
            `The language expression property array index '${i}' is out of bounds (the array has ${t.length} element(s)).`,
          );
        return t[i];
      }
      return member(t, String(i));
    }
    case "call": {
      const name = e.name.toLowerCase();
      const lazy = LAZY[name];
      if (lazy)
        return lazy(
          ctx,
          e.args,
          (x) => evaluateExpr(x, ctx),
          (x, c) => evaluateExpr(x, c),
        );
      const user = name.includes(".") ? ctx.userFunction?.(name) : undefined;
      if (user)
        return callUser(
          user,
          e.args.map((a) => evaluateExpr(a, ctx)),
          ctx,
        );
      const fn = lookup(name);
      if (!fn)
        throw new TemplateError(
          `The template function '${e.name}' is not valid. Please see https://aka.ms/arm-functions for usage details.`,
        );
      const args = e.args.map((a) => evaluateExpr(a, ctx));
      return fn(ctx, args, e.name);
    }
  }
}

function member(t: unknown, name: string): unknown {
  if (t && typeof t === "object" && !Array.isArray(t)) {
    const o = t as Record<string, unknown>;
    if (Object.prototype.hasOwnProperty.call(o, name)) return o[name];
    const k = Object.keys(o).find((x) => x.toLowerCase() === name.toLowerCase());
    if (k !== undefined) return o[k];
    throw new TemplateError(
      `The language expression property '${name}' doesn't exist, available properties are '${Object.keys(o).join(", ")}'.`,
    );
  }
  throw new TemplateError(
    `The language expression property '${name}' can't be evaluated, property name must be a string and the value must be an object.`,
  );
}

/** A string from a template: evaluated if it is an expression, else the literal (with "[[" unescaped). */
export function evaluateString(s: string, ctx: EvalContext): unknown {
  const c = classify(s);
  if ("literal" in c) return c.literal;
  let tree: Expr;
  try {
    tree = parseExpression(c.expression);
  } catch (e) {
    if (e instanceof ExpressionParseError) throw new TemplateError(e.message);
    throw e;
  }
  return evaluateExpr(tree, ctx);
}

/** Evaluates every expression inside a JSON value, handling property copy loops in objects. */
export function evaluateDeep(v: unknown, ctx: EvalContext, depth = 0): unknown {
  if (depth > 256) throw new TemplateError("The template nests values too deeply.");
  if (typeof v === "string") return evaluateString(v, ctx);
  if (Array.isArray(v)) return v.map((x) => evaluateDeep(x, ctx, depth + 1));
  if (v && typeof v === "object") {
    const o = v as Record<string, unknown>;
    const out: Record<string, unknown> = {};
    for (const [k, val] of Object.entries(o)) {
      if (k === "copy" && Array.isArray(val) && val.every(isPropertyCopy)) {
        for (const loop of val as PropertyCopy[]) out[loop.name] = propertyCopy(loop, ctx, depth);
        continue;
      }
      out[k] = evaluateDeep(val, ctx, depth + 1);
    }
    return out;
  }
  return v;
}

interface PropertyCopy {
  name: string;
  count: unknown;
  input: unknown;
}

function isPropertyCopy(x: unknown): boolean {
  return !!x && typeof x === "object" && "name" in x && "count" in x && "input" in x;
}

/** A property (or variable) copy loop: `count` inputs, each with copyIndex('name') bound. */
export function propertyCopy(loop: PropertyCopy, ctx: EvalContext, depth = 0): unknown[] {
  const count = evaluateDeep(loop.count, ctx, depth + 1);
  if (typeof count !== "number" || !Number.isInteger(count) || count < 0 || count > 800)
    throw new TemplateError(
      `The copy count of '${loop.name}' must be a non-negative integer no greater than 800, got '${JSON.stringify(count)}'.`,
    );
  const out: unknown[] = [];
  for (let i = 0; i < count; i++) {
    const inner: EvalContext = {
      ...ctx,
      copyIndex: (name) =>
        name === undefined || name.toLowerCase() === loop.name.toLowerCase() ? i : ctx.copyIndex(name),
    };
    out.push(evaluateDeep(loop.input, inner, depth + 1));
  }
  return out;
}
