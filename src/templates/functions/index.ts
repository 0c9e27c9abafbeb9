// Every template function, by lower-cased name.
import { TemplateFunction } from "./args.js";
import { cidrFunctions } from "./cidr.js";
import { collectionFunctions } from "./collection.js";
import { dateFunctions } from "./date.js";
import { deploymentFunctions } from "./deployment.js";
import { lambdaFunctions } from "./lambda.js";
import { lazyFunctions, logicalFunctions } from "./logical.js";
import { listAny, resourceFunctions } from "./resource.js";
import { stringFunctions } from "./string.js";

export const FUNCTIONS: Record<string, TemplateFunction> = Object.assign(
  Object.create(null),
  stringFunctions,
  collectionFunctions,
  logicalFunctions,
  deploymentFunctions,
  resourceFunctions,
  cidrFunctions,
  dateFunctions,
);

export const LAZY = Object.assign(
  Object.create(null),
  lazyFunctions,
  lambdaFunctions,
) as typeof lazyFunctions;

/** A function by name; list* names (listKeys, listSecrets, ...) are actions on a resource. */
export function lookup(name: string): TemplateFunction | undefined {
  const l = name.toLowerCase();
  return FUNCTIONS[l] ?? (l.startsWith("list") && l.length > 4 ? listAny : undefined);
}
