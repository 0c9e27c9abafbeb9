// Resources of a bound template as instances: child resources flattened under their parents,
// copy loops unrolled, names, ids and conditions evaluated, and the dependency graph built —
// explicit dependsOn, the parent of a child, and the targets of reference()/list*() (a
// resourceId() alone implies nothing), checked for missing entries and cycles.
import { EvalContext, TemplateError } from "./context.js";
import { evaluateDeep, evaluateExpr, evaluateString } from "./evaluate.js";
import { calls, classify, parseExpression } from "./expression.js";
import { isObject } from "./functions/args.js";
import {
  BoundTemplate,
  declarations,
  evalAt,
  Instance,
  invalidTemplate,
  Json,
  withCopy,
} from "./template.js";

const MAX_COPY = 800;

export function idFor(
  scope: { subscriptionId: string; resourceGroup?: string },
  type: string,
  name: string,
  extensionScope?: string,
): string {
  // A resource group is addressed as /subscriptions/{s}/resourceGroups/{name}, without a provider segment.
  if (type.toLowerCase() === "microsoft.resources/resourcegroups" && !extensionScope)
    return `/subscriptions/${scope.subscriptionId}/resourceGroups/${name}`;
  const types = type.split("/");
  const names = name.split("/");
  const tail = `providers/${types[0]}` + names.map((n, i) => `/${types[i + 1]}/${n}`).join("");
  if (extensionScope) return `${extensionScope.replace(/\/$/, "")}/${tail}`;
  return scope.resourceGroup
    ? `/subscriptions/${scope.subscriptionId}/resourceGroups/${scope.resourceGroup}/${tail}`
    : `/subscriptions/${scope.subscriptionId}/${tail}`;
}

export function isDeployment(type: string): boolean {
  return type.toLowerCase() === "microsoft.resources/deployments";
}

export function expand(b: BoundTemplate): Instance[] {
  const ctx = b.context;
  const out: Instance[] = [];
  const byDecl = new Map<Json, Instance[]>();
  const symbols = new Map<string, string>();
  // First pass: symbolic names of languageVersion 2.0 resolve to ids (resourceInfo, reference).
  const decls = declarations(b);
  for (const { decl, symbolic, parent } of decls) {
    const where = `The template resource '${symbolic ?? (typeof decl.name === "string" ? decl.name : "")}'`;
    const rawType = decl.type;
    if (typeof rawType !== "string" || !rawType)
      throw invalidTemplate("Required property 'type' not found in JSON.", b.positions.get(decl), where);
    const parents = parent ? (byDecl.get(parent) ?? []) : [];
    const parentInst = parents[0];
    const type = parentInst && !rawType.includes(".") ? `${parentInst.type}/${rawType}` : rawType;
    const loop = decl.copy;
    let count = 1;
    let copy: { name: string; mode: "serial" | "parallel"; batchSize: number } | undefined;
    if (loop !== undefined) {
      if (!isObject(loop) || typeof loop.name !== "string")
        throw invalidTemplate(
          "The copy property must be an object with 'name' and 'count'.",
          b.positions.get(decl),
          where,
        );
      const c = evalAt(b, decl, where, () => evaluateDeep(loop.count, ctx));
      if (typeof c !== "number" || !Number.isInteger(c) || c < 0 || c > MAX_COPY)
        throw invalidTemplate(
          `The copy count must be a non-negative integer value and cannot exceed '${MAX_COPY}'. Please see https://aka.ms/arm-copy for usage details.`,
          b.positions.get(decl),
          where,
        );
      count = c;
      const mode = String(loop.mode ?? "parallel").toLowerCase() === "serial" ? "serial" : "parallel";
      copy = { name: loop.name, mode, batchSize: Number(loop.batchSize ?? (mode === "serial" ? 1 : 0)) || 0 };
    }
    const list: Instance[] = [];
    for (let i = 0; i < count; i++) {
      const ic = copy ? withCopy(ctx, copy.name, i) : ctx;
      const rawName = evalAt(b, decl, where, () => evaluateDeep(decl.name, ic));
      if (typeof rawName !== "string" || !rawName)
        throw invalidTemplate("The resource name must be a non-empty string.", b.positions.get(decl), where);
      const name = parentInst && !rawType.includes(".") ? `${parentInst.name}/${rawName}` : rawName;
      const nameSegs = name.split("/").length;
      const typeSegs = type.split("/").length;
      if (nameSegs !== typeSegs - 1)
        throw invalidTemplate(
          `The template resource '${name}' for type '${type}' at line '${b.positions.get(decl)?.line ?? 0}' and column '${b.positions.get(decl)?.column ?? 0}' has incorrect segment lengths. A nested resource type must have identical number of segments as its resource name. A root resource type must have segment length one greater than its resource name. Please see https://aka.ms/arm-template/#resources for usage details`,
        );
      const cond =
        decl.condition === undefined ? true : evalAt(b, decl, where, () => evaluateDeep(decl.condition, ic));
      if (typeof cond !== "boolean")
        throw invalidTemplate(
          `The condition must evaluate to a boolean, got '${JSON.stringify(cond)}'.`,
          b.positions.get(decl),
          where,
        );
      const apiVersion = evalAt(b, decl, where, () => evaluateDeep(decl.apiVersion, ic));
      if (typeof apiVersion !== "string" || !apiVersion)
        throw invalidTemplate(
          "Required property 'apiVersion' not found in JSON.",
          b.positions.get(decl),
          where,
        );
      let subscriptionId = ctx.scope.subscriptionId;
      let resourceGroup = ctx.scope.resourceGroup;
      if (isDeployment(type)) {
        if (decl.subscriptionId !== undefined)
          subscriptionId = String(evalAt(b, decl, where, () => evaluateDeep(decl.subscriptionId, ic)));
        if (decl.resourceGroup !== undefined)
          resourceGroup = String(evalAt(b, decl, where, () => evaluateDeep(decl.resourceGroup, ic)));
      }
      let extensionScope: string | undefined;
      if (decl.scope !== undefined) {
        const s = String(evalAt(b, decl, where, () => evaluateDeep(decl.scope, ic)));
        extensionScope = s.startsWith("/") ? s : symbols.get(s.toLowerCase());
        if (!extensionScope)
          throw invalidTemplate(
            `The scope '${s}' is neither a resource id nor a symbolic name of this template.`,
            b.positions.get(decl),
            where,
          );
      }
      const id = idFor({ subscriptionId, resourceGroup }, type, name, extensionScope);
      const inst: Instance = {
        key: (symbolic ?? id).toLowerCase() + (copy ? `#${i}` : ""),
        ...(symbolic ? { symbolic } : {}),
        decl,
        type,
        apiVersion,
        name,
        id,
        ...(copy ? { copy: { ...copy, index: i } } : {}),
        condition: cond,
        existing: decl.existing === true,
        dependsOn: new Set(),
        position: b.positions.get(decl),
        resourceGroup,
        subscriptionId,
      };
      if (parentInst && !rawType.includes(".")) inst.dependsOn.add(parentInst.key);
      list.push(inst);
      if (symbolic && !copy) symbols.set(symbolic.toLowerCase(), id);
    }
    byDecl.set(decl, list);
    out.push(...list);
  }
  const seen = new Map<string, Instance>();
  for (const inst of out) {
    const k = inst.id.toLowerCase();
    const prev = seen.get(k);
    if (prev && inst.condition && prev.condition && !inst.existing && !prev.existing)
      throw invalidTemplate(
        `The resource '${inst.id}' at line '${inst.position?.line ?? 0}' and column '${inst.position?.column ?? 0}' is defined multiple times in a template. Please see https://aka.ms/arm-template/#resources for usage details.`,
      );
    if (inst.condition) seen.set(k, inst);
  }
  linkDependencies(b, out, byDecl);
  checkCycles(out);
  return out;
}

/** What a dependsOn entry or a reference() target names: instance keys, or undefined. */
export function resolveTarget(target: string, all: Instance[]): Instance[] | undefined {
  // subscriptionResourceId() spells a resource group with the provider segment; ARM ids do not.
  const t = target
    .toLowerCase()
    .replace(
      /^(\/subscriptions\/[^/]+)\/providers\/microsoft\.resources\/resourcegroups\//,
      "$1/resourcegroups/",
    );
  // languageVersion 2.0: one element of a looped symbolic name, 'name[i]'.
  const el = /^([A-Za-z_][\w]*)\[(\d+)\]$/.exec(target);
  if (el) {
    const hit = all.filter(
      (x) => x.symbolic?.toLowerCase() === el[1].toLowerCase() && x.copy?.index === Number(el[2]),
    );
    if (hit.length) return hit;
  }
  let hit = all.filter((x) => x.symbolic?.toLowerCase() === t);
  if (hit.length) return hit;
  hit = all.filter((x) => x.copy?.name.toLowerCase() === t);
  if (hit.length) return hit;
  hit = all.filter((x) => x.id.toLowerCase() === t);
  if (hit.length) return hit;
  hit = all.filter((x) => `${x.type}/${x.name}`.toLowerCase() === t);
  if (hit.length) return hit;
  hit = all.filter((x) => x.name.toLowerCase() === t);
  return hit.length ? hit : undefined;
}

/** A resource id as Azure names a dependency it cannot find: 'Namespace/type/name' (other text as given). */
function typeAndName(v: string): string {
  const i = v.toLowerCase().lastIndexOf("/providers/");
  if (!v.startsWith("/") || i < 0) return v;
  const segs = v.slice(i + "/providers/".length).split("/");
  const types = [segs[0], ...segs.slice(1).filter((_, k) => k % 2 === 0)];
  const names = segs.slice(1).filter((_, k) => k % 2 === 1);
  return `${types.join("/")}/${names.join("/")}`;
}

function ctxFor(b: BoundTemplate, inst: Instance): EvalContext {
  return inst.copy ? withCopy(b.context, inst.copy.name, inst.copy.index) : b.context;
}

function linkDependencies(b: BoundTemplate, all: Instance[], byDecl: Map<Json, Instance[]>): void {
  for (const inst of all) {
    const decl = inst.decl;
    const ic = ctxFor(b, inst);
    const where = `The template resource '${inst.symbolic ?? inst.name}'`;
    if (decl.dependsOn !== undefined) {
      if (!Array.isArray(decl.dependsOn))
        throw invalidTemplate("The 'dependsOn' property must be an array.", inst.position, where);
      for (const d of decl.dependsOn) {
        const v = evalAt(b, decl, where, () => (typeof d === "string" ? evaluateString(d, ic) : d));
        if (typeof v !== "string")
          throw invalidTemplate("Each 'dependsOn' entry must be a string.", inst.position, where);
        const hit = resolveTarget(v, all);
        if (!hit)
          throw invalidTemplate(
            `The resource '${typeAndName(v)}' is not defined in the template. Please see https://aka.ms/arm-template for usage details.`,
          );
        for (const h of hit) if (h !== inst) inst.dependsOn.add(h.key);
      }
    }
    // Implied by reference()/list*() on a resource of this template.
    for (const target of impliedTargets(decl, ic, inst)) {
      const hit = resolveTarget(target, all);
      if (hit) for (const h of hit) if (h !== inst) inst.dependsOn.add(h.key);
    }
  }
  void byDecl;
}

/** The first argument of each reference()/list*() call in a resource's body, where it can be known up front. */
function impliedTargets(decl: Json, ctx: EvalContext, inst: Instance): string[] {
  const out: string[] = [];
  const walk = (v: unknown, depth: number, key?: string) => {
    if (depth > 64) return;
    if (typeof v === "string") {
      const c = classify(v);
      if (!("expression" in c)) return;
      let tree;
      try {
        tree = parseExpression(c.expression);
      } catch {
        return;
      }
      for (const call of calls(tree)) {
        const n = call.name.toLowerCase();
        if (!(n === "reference" || (n.startsWith("list") && n.length > 4)) || !call.args.length) continue;
        try {
          const t = evaluateExpr(call.args[0], ctx);
          if (typeof t === "string") out.push(t);
        } catch (e) {
          if (!(e instanceof TemplateError)) throw e;
        }
      }
    } else if (Array.isArray(v)) v.forEach((x) => walk(x, depth + 1));
    else if (isObject(v))
      for (const [k, x] of Object.entries(v)) {
        // A nested deployment's inner template is its own evaluation.
        if (depth === 1 && key === "properties" && k === "template" && isDeploymentDecl(inst)) continue;
        if (["dependsOn", "copy", "condition"].includes(k) && depth === 0) continue;
        walk(x, depth + 1, k);
      }
  };
  walk(decl, 0);
  return out;
}

function isDeploymentDecl(inst: Instance): boolean {
  return isDeployment(inst.type);
}

function checkCycles(all: Instance[]): void {
  const byKey = new Map(all.map((x) => [x.key, x]));
  const state = new Map<string, 1 | 2>();
  const visit = (x: Instance, path: Instance[]) => {
    const s = state.get(x.key);
    if (s === 2) return;
    if (s === 1) {
      throw invalidTemplate(
        `Circular dependency detected on resource: '${x.id}'. Please see https://aka.ms/arm-syntax-resources for usage details.`,
      );
    }
    state.set(x.key, 1);
    for (const d of x.dependsOn) {
      const y = byKey.get(d);
      if (y) visit(y, [...path, x]);
    }
    state.set(x.key, 2);
  };
  for (const x of all) visit(x, []);
}
