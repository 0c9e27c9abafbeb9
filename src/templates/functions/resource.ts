// Resource functions: resourceId and its subscription/tenant/extension variants, reference,
// list*, resourceInfo, resourceGroup, subscription, tenant.
import { EvalContext, TemplateError } from "../context.js";
import { arity, str, TemplateFunction } from "./args.js";

const TYPE = /^[A-Za-z][\w.-]*\.[\w.-]+\/[\w-]+(\/[\w-]+)*$/;

function segments(name: string, type: string, names: string[]): string {
  const types = type.split("/");
  const flat = names.flatMap((x) => x.split("/"));
  if (flat.length !== types.length - 1)
    throw new TemplateError(
      `Unable to evaluate template language function '${name}': the type '${type}' requires '${types.length - 1}' resource name argument(s). Please see https://aka.ms/arm-functions#${name.toLowerCase()} for usage details.`,
    );
  return `providers/${types[0]}` + flat.map((x, i) => `/${types[i + 1]}/${x}`).join("");
}

export function resourceIdOf(ctx: EvalContext, name: string, args: string[]): string {
  const at = args.findIndex((x) => TYPE.test(x));
  if (at < 0 || at > 2)
    throw new TemplateError(
      `Unable to evaluate template language function '${name}': the resource type argument is missing or not of the form 'Namespace/type'. Please see https://aka.ms/arm-functions#resourceid for usage details.`,
    );
  const type = args[at];
  const names = args.slice(at + 1);
  let sub = ctx.scope.subscriptionId;
  let rg = ctx.scope.resourceGroup;
  if (at === 1) rg = args[0];
  if (at === 2) {
    sub = args[0];
    rg = args[1];
  }
  const tail = segments(name, type, names);
  return rg ? `/subscriptions/${sub}/resourceGroups/${rg}/${tail}` : `/subscriptions/${sub}/${tail}`;
}

function strings(n: string, a: unknown[]): string[] {
  return a.map((x) => str(n, x));
}

export function listAny(c: EvalContext, a: unknown[], n: string): unknown {
  arity(n, a, 2, 3);
  return c.list(n, str(n, a[0]), str(n, a[1]), a[2]);
}

/** Azure functions ArcLink does not evaluate, with why: refused by name, never guessed. */
const NOT_SERVED: Record<string, string> = {
  pickzones: "ArcLink models no availability zones",
  providers: "ArcLink does not serve the provider metadata it would read",
  references: "ArcLink does not evaluate reference collections of symbolic-name loops",
  deployer: "ArcLink does not expose the deploying principal to templates",
  managementgroup: "ArcLink has no management groups",
  managementgroupresourceid: "ArcLink has no management groups",
};

const notServed = Object.fromEntries(
  Object.entries(NOT_SERVED).map(([name, why]) => [
    name,
    ((_c: EvalContext, _a: unknown[], n: string) => {
      throw new TemplateError(
        `The template function '${n}' is not evaluated by ArcLink: ${why}. Remove it from the template, or pass the value it would return as a parameter.`,
      );
    }) as TemplateFunction,
  ]),
);

export const resourceFunctions: Record<string, TemplateFunction> = {
  ...notServed,
  resourceid: (c, a, n) => (arity(n, a, 2, Infinity), resourceIdOf(c, n, strings(n, a))),
  subscriptionresourceid: (c, a, n) => {
    arity(n, a, 2, Infinity);
    const s = strings(n, a);
    const sub = TYPE.test(s[0]) ? c.scope.subscriptionId : s.shift()!;
    return `/subscriptions/${sub}/${segments(n, s[0], s.slice(1))}`;
  },
  tenantresourceid: (_c, a, n) => {
    arity(n, a, 2, Infinity);
    const s = strings(n, a);
    return `/${segments(n, s[0], s.slice(1))}`;
  },
  extensionresourceid: (_c, a, n) => {
    arity(n, a, 3, Infinity);
    const s = strings(n, a);
    return `${s[0].replace(/\/$/, "")}/${segments(n, s[1], s.slice(2))}`;
  },
  reference: (c, a, n) => {
    arity(n, a, 1, 3);
    const target = str(n, a[0]);
    const full = a.length > 2 && String(a[2]).toLowerCase() === "full";
    return c.reference(target, a.length > 1 && a[1] !== null ? str(n, a[1]) : undefined, full);
  },
  resourceinfo: (c, a, n) => {
    arity(n, a, 1);
    const sym = str(n, a[0]);
    const id = c.symbolic(sym);
    if (!id)
      throw new TemplateError(
        `The template function 'resourceInfo' refers to '${sym}', which is not a symbolic name of this template.`,
      );
    const p = id.split("/providers/").pop()!.split("/");
    return {
      id,
      name: p.filter((_, i) => i > 1 && i % 2 === 0).join("/"),
      type: [p[0], ...p.slice(1).filter((_, i) => i % 2 === 0)].join("/"),
    };
  },
  resourcegroup: (c, a, n) => {
    arity(n, a, 0);
    if (!c.scope.resourceGroup || !c.resourceGroupBody)
      throw new TemplateError(
        `The template function 'resourceGroup' is not expected at this location: a subscription-scope deployment has no resource group.`,
      );
    return c.resourceGroupBody();
  },
  subscription: (c, a, n) => {
    arity(n, a, 0);
    return {
      id: `/subscriptions/${c.scope.subscriptionId}`,
      subscriptionId: c.scope.subscriptionId,
      tenantId: c.scope.tenantId,
      displayName: c.scope.subscriptionId,
    };
  },
  tenant: (c, a, n) => (arity(n, a, 0), { tenantId: c.scope.tenantId, id: `/tenants/${c.scope.tenantId}` }),
};
