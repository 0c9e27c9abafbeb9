// A template read for one deployment: its parameters bound to the given values, its variables
// evaluated on demand, and its resources expanded (child resources flattened, copy loops
// unrolled, names, ids, conditions and dependencies evaluated) in both template forms — the
// resources array, and the symbolic-name object of languageVersion 2.0.
import { EvalContext, Scope, TemplateError, UserFunction } from "./context.js";
import { evaluateDeep, propertyCopy } from "./evaluate.js";
import { Position } from "./jsonc.js";
import { isObject, typeName } from "./functions/args.js";

export type Json = Record<string, any>;

/** An error with where it happened in the template, worded as Azure words InvalidTemplate. */
export function invalidTemplate(inner: string, at?: Position, what?: string): TemplateError {
  const where = at ? ` at line '${at.line}' and column '${at.column}'` : "";
  const subject = what
    ? `${what}${where} is not valid: `
    : where
      ? `The template${where} is not valid: `
      : "";
  const e = new TemplateError(`Deployment template validation failed: '${subject}${inner}'.`);
  e.at = at;
  return e;
}

export interface Instance {
  /** Unique within the deployment: the symbolic name, or the id (plus the copy index). */
  key: string;
  symbolic?: string;
  decl: Json;
  type: string;
  apiVersion: string;
  name: string;
  id: string;
  /** The copy loop this instance is from, and its index. */
  copy?: { name: string; index: number; mode: "serial" | "parallel"; batchSize: number };
  condition: boolean;
  existing: boolean;
  /** Keys of the instances this one waits for. */
  dependsOn: Set<string>;
  position?: Position;
  /** Nested deployments carry resourceGroup/subscriptionId at the top level. */
  resourceGroup?: string;
  subscriptionId?: string;
}

export interface BoundTemplate {
  template: Json;
  languageVersion: string;
  contentVersion: string;
  parameters: Record<string, { type: string; value: unknown }>;
  context: EvalContext;
  positions: WeakMap<object, Position>;
}

const PARAM_TYPES = ["string", "securestring", "int", "bool", "object", "secureobject", "array"];

function checkType(name: string, type: string, v: unknown, at?: Position): void {
  const t = type.toLowerCase();
  const ok =
    t === "string" || t === "securestring"
      ? typeof v === "string"
      : t === "int"
        ? typeof v === "number" && Number.isInteger(v)
        : t === "bool"
          ? typeof v === "boolean"
          : t === "array"
            ? Array.isArray(v)
            : isObject(v);
  if (!ok)
    throw invalidTemplate(
      `Template parameter '${name}' was provided an invalid value. Expected a value of type '${type}', but received a value of type '${typeName(v)}'. Please see https://aka.ms/arm-create-parameter-file for usage details`,
      at,
    );
}

/** Parameters, variables and the evaluation context of one deployment of `template`. */
export function bindTemplate(args: {
  template: unknown;
  positions: WeakMap<object, Position>;
  supplied: Record<string, unknown>;
  scope: Scope;
  deploymentName: string;
  base: Omit<
    EvalContext,
    "scope" | "deploymentName" | "contentVersion" | "parameter" | "variable" | "copyIndex"
  >;
  /** Outer-scope nested templates read their parent's parameters and variables. */
  outer?: EvalContext;
}): BoundTemplate {
  const { positions } = args;
  if (!isObject(args.template))
    throw new TemplateError("Deployment template validation failed: 'The template must be a JSON object.'.");
  const t = args.template as Json;
  const at = (o: unknown) => (o && typeof o === "object" ? positions.get(o as object) : undefined);
  if (!t.$schema && !args.outer)
    throw invalidTemplate("Required property '$schema' not found in JSON.", at(t));
  if (t.resources === undefined)
    throw invalidTemplate("Required property 'resources' not found in JSON.", at(t));
  const languageVersion = String(t.languageVersion ?? "1.0");
  if (!["1.0", "1.9-experimental", "2.0"].includes(languageVersion))
    throw invalidTemplate(
      `The template language version '${languageVersion}' is not supported. Supported versions: '1.0, 2.0'.`,
      at(t),
    );
  const declared = isObject(t.parameters) ? (t.parameters as Json) : {};
  const supplied = args.supplied;
  const extra = Object.keys(supplied).filter(
    (k) => !Object.keys(declared).some((d) => d.toLowerCase() === k.toLowerCase()),
  );
  if (extra.length)
    throw invalidTemplate(
      `The template parameters '${extra.join(", ")}' in the parameters file are not valid; they are not present in the original template and can therefore not be provided at deployment time. The only supported parameters for this template are '${Object.keys(declared).join(", ")}'. Please see https://aka.ms/arm-pass-parameter-values for usage details.`,
    );
  const values = new Map<string, unknown>();
  const outParams: BoundTemplate["parameters"] = {};
  const contentVersion = String(t.contentVersion ?? "1.0.0.0");
  const vars = isObject(t.variables) ? (t.variables as Json) : {};
  const varValues = new Map<string, unknown>();
  const evaluating = new Set<string>();
  const userFunctions = new Map<string, UserFunction>();
  for (const ns of Array.isArray(t.functions) ? (t.functions as unknown[]) : []) {
    if (!isObject(ns) || typeof ns.namespace !== "string" || !isObject(ns.members))
      throw invalidTemplate(
        "Each entry of 'functions' must be { namespace, members: { name: { parameters, output } } }.",
        at(ns),
      );
    for (const [fname, f] of Object.entries(ns.members as Json)) {
      if (!isObject(f) || !isObject(f.output) || !("value" in (f.output as Json)))
        throw invalidTemplate(
          `The user-defined function '${ns.namespace}.${fname}' has no 'output.value'.`,
          at(f),
        );
      const params = Array.isArray(f.parameters) ? (f.parameters as Json[]) : [];
      userFunctions.set(`${ns.namespace}.${fname}`.toLowerCase(), {
        name: `${ns.namespace}.${fname}`,
        parameters: params.map((p) => ({ name: String(p?.name), type: p?.type })),
        output: f.output as UserFunction["output"],
      });
    }
  }
  const ctx: EvalContext = {
    ...args.base,
    userFunction: (q) => userFunctions.get(q.toLowerCase()) ?? args.outer?.userFunction?.(q),
    scope: args.scope,
    deploymentName: args.deploymentName,
    contentVersion,
    copyIndex: (loop) => {
      throw new TemplateError(
        `The template function 'copyIndex' is not expected at this location${loop ? ` (loop '${loop}')` : ""}. The function can only be used in a resource, property or variable with copy specified. Please see https://aka.ms/arm-copy for usage details.`,
      );
    },
    parameter: (name) => {
      if (args.outer) return args.outer.parameter(name);
      const k = [...values.keys()].find((x) => x.toLowerCase() === name.toLowerCase());
      if (k === undefined)
        throw new TemplateError(
          `The template parameter '${name}' is not found. Please see https://aka.ms/arm-syntax-parameters for usage details.`,
        );
      return values.get(k);
    },
    variable: (name) => {
      if (args.outer) return args.outer.variable(name);
      const k = Object.keys(vars).find((x) => x.toLowerCase() === name.toLowerCase());
      if (k === undefined)
        throw new TemplateError(
          `The template variable '${name}' is not found. Please see https://aka.ms/arm-syntax-variables for usage details.`,
        );
      if (varValues.has(k)) return varValues.get(k);
      if (evaluating.has(k))
        throw new TemplateError(`The template variable '${k}' refers to itself (a circular reference).`);
      evaluating.add(k);
      try {
        varValues.set(k, evaluateDeep(vars[k], ctx));
      } catch (e) {
        if (e instanceof TemplateError && !e.message.startsWith("Deployment template"))
          throw invalidTemplate(e.message, at(vars[k]) ?? at(vars), `The template variable '${k}'`);
        throw e;
      } finally {
        evaluating.delete(k);
      }
      return varValues.get(k);
    },
  };
  // Variable copy loops: "copy": [{ name, count, input }] defines one array variable per loop.
  if (Array.isArray(vars.copy)) {
    const loops = vars.copy as Json[];
    delete vars.copy;
    for (const loop of loops) {
      Object.defineProperty(vars, loop.name, {
        enumerable: true,
        configurable: true,
        get: () => propertyCopy(loop as any, ctx),
      });
    }
  }
  for (const [name, rawDecl] of Object.entries(declared)) {
    if (!isObject(rawDecl)) throw invalidTemplate(`The parameter '${name}' must be an object.`, at(declared));
    const decl = withDefinition(t, rawDecl as Json, name, at(rawDecl));
    const type = String((decl as Json).type ?? "");
    if (!PARAM_TYPES.includes(type.toLowerCase()))
      throw invalidTemplate(
        `The template parameter '${name}' has type '${type}', which is not one of '${PARAM_TYPES.join(", ")}'.`,
        at(decl),
      );
    const given = Object.keys(supplied).find((k) => k.toLowerCase() === name.toLowerCase());
    let v: unknown;
    if (given !== undefined) v = supplied[given];
    else if ((decl as Json).defaultValue !== undefined) {
      try {
        v = evaluateDeep((decl as Json).defaultValue, ctx);
      } catch (e) {
        if (e instanceof TemplateError)
          throw invalidTemplate(e.message, at(decl), `The template parameter '${name}'`);
        throw e;
      }
    } else if ((decl as Json).nullable === true) {
      // A Bicep `param x string?`: absent means null, and no type to check.
      values.set(name, null);
      outParams[name] = { type: "String", value: null } as any;
      continue;
    } else
      throw invalidTemplate(
        `The value for the template parameter '${name}' at line '${at(decl)?.line ?? 0}' and column '${at(decl)?.column ?? 0}' is not provided. Please see https://aka.ms/arm-create-parameter-file for usage details.`,
      );
    checkType(name, type, v, at(decl));
    const d = decl as Json;
    if (Array.isArray(d.allowedValues)) {
      const allowed = d.allowedValues as unknown[];
      const items = Array.isArray(v) ? v : [v];
      if (!items.every((x) => allowed.some((a) => JSON.stringify(a) === JSON.stringify(x))))
        throw invalidTemplate(
          `The provided value for the template parameter '${name}' is not valid. The value '${typeof v === "string" ? v : JSON.stringify(v)}' is not part of the allowed value(s): '${allowed.map((a) => (typeof a === "string" ? a : JSON.stringify(a))).join(",")}'.`,
          at(decl),
        );
    }
    const len = typeof v === "string" || Array.isArray(v) ? v.length : undefined;
    if (len !== undefined && typeof d.minLength === "number" && len < d.minLength)
      throw invalidTemplate(
        `The provided value for the template parameter '${name}' is not valid. Length of the value should be greater than or equal to '${d.minLength}'.`,
        at(decl),
      );
    if (len !== undefined && typeof d.maxLength === "number" && len > d.maxLength)
      throw invalidTemplate(
        `The provided value for the template parameter '${name}' is not valid. Length of the value should be less than or equal to '${d.maxLength}'.`,
        at(decl),
      );
    if (typeof v === "number" && typeof d.minValue === "number" && v < d.minValue)
      throw invalidTemplate(
        `The provided value for the template parameter '${name}' is not valid. The value should be greater than or equal to '${d.minValue}'.`,
        at(decl),
      );
    if (typeof v === "number" && typeof d.maxValue === "number" && v > d.maxValue)
      throw invalidTemplate(
        `The provided value for the template parameter '${name}' is not valid. The value should be less than or equal to '${d.maxValue}'.`,
        at(decl),
      );
    values.set(name, v);
    const ptype = {
      string: "String",
      securestring: "SecureString",
      int: "Int",
      bool: "Bool",
      object: "Object",
      secureobject: "SecureObject",
      array: "Array",
    }[type.toLowerCase()]!;
    outParams[name] = ptype.startsWith("Secure") ? ({ type: ptype } as any) : { type: ptype, value: v };
  }
  return { template: t, languageVersion, contentVersion, parameters: outParams, context: ctx, positions };
}

/** The resources of a template as a flat list of declarations (children flattened, symbolic names kept). */
export function declarations(b: BoundTemplate): Array<{ decl: Json; symbolic?: string; parent?: Json }> {
  const out: Array<{ decl: Json; symbolic?: string; parent?: Json }> = [];
  const at = (o: unknown) => (o && typeof o === "object" ? b.positions.get(o as object) : undefined);
  const walk = (list: unknown, parent?: Json) => {
    if (!Array.isArray(list)) throw invalidTemplate("The 'resources' property must be an array.", at(list));
    for (const r of list) {
      if (!isObject(r)) throw invalidTemplate("Each resource must be an object.", at(list));
      out.push({ decl: r, parent });
      if (r.resources !== undefined) walk(r.resources, r);
    }
  };
  if (b.languageVersion === "2.0") {
    if (!isObject(b.template.resources))
      throw invalidTemplate(
        "With languageVersion 2.0, 'resources' must be an object keyed by symbolic name.",
        at(b.template),
      );
    for (const [sym, r] of Object.entries(b.template.resources as Json)) {
      if (!isObject(r))
        throw invalidTemplate(`The resource '${sym}' must be an object.`, at(b.template.resources));
      out.push({ decl: r, symbolic: sym });
    }
  } else walk(b.template.resources);
  return out;
}

/** Evaluates a resource-level value with Azure's wording for where it failed. */
/**
 * A parameter typed by a user-defined type (`"$ref": "#/definitions/name"`, as Bicep emits for its
 * `type` declarations): the definition's constraints under the parameter's own (defaultValue,
 * metadata, nullable). Definitions may refer to definitions.
 */
function withDefinition(t: Json, decl: Json, name: string, at: Position | undefined): Json {
  let out = decl;
  for (let depth = 0; typeof out.$ref === "string"; depth++) {
    const m = /^#\/definitions\/([^/]+)$/.exec(out.$ref as string);
    const defs = isObject(t.definitions) ? (t.definitions as Json) : {};
    const def = m ? defs[m[1]] : undefined;
    if (!isObject(def) || depth > 32)
      throw invalidTemplate(
        `The template parameter '${name}' refers to the type '${String(out.$ref)}', which is not one of the template's definitions ('${Object.keys(defs).join(", ")}'). Please see https://aka.ms/arm-syntax-parameters for usage details.`,
        at,
      );
    const { $ref: _ref, ...own } = out;
    void _ref;
    out = { ...(def as Json), ...own };
  }
  return out;
}

export function evalAt<T>(b: BoundTemplate, decl: Json, what: string, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof TemplateError && !e.message.startsWith("Deployment template"))
      throw invalidTemplate(
        `${e.message}${e.message.includes("aka.ms/arm-") ? "" : " Please see https://aka.ms/arm-functions for usage details."}`,
        b.positions.get(decl),
        what,
      );
    throw e;
  }
}

export function withCopy(ctx: EvalContext, loop: string, index: number): EvalContext {
  return {
    ...ctx,
    copyIndex: (name) =>
      name === undefined || name.toLowerCase() === loop.toLowerCase() ? index : ctx.copyIndex(name),
  };
}
