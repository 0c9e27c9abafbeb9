// What a template function sees and throws: the evaluation context (the deployment's scope,
// parameters, variables, loop indexes, reads of deployed resources) and the template error. Apart
// from the evaluator, so that the functions (functions/) and the evaluator that calls them import
// it without importing each other.
import type { Position } from "./jsonc.js";

/** A template error as Azure words it; `at` is filled in by the caller that knows where. */
export class TemplateError extends Error {
  /** Where in the request body the offending template object starts (Azure's TemplateViolation). */
  at?: Position;
  constructor(
    message: string,
    readonly code = "InvalidTemplate",
  ) {
    super(message);
    this.name = "TemplateError";
  }
}

export interface Scope {
  tenantId: string;
  subscriptionId: string;
  /** Absent at subscription scope. */
  resourceGroup?: string;
  /** The resource group's location (or the deployment's, at subscription scope). */
  location: string;
}

export interface EvalContext {
  scope: Scope;
  deploymentName: string;
  contentVersion: string;
  parameter(name: string): unknown;
  variable(name: string): unknown;
  copyIndex(loop: string | undefined): number;
  /** reference(): a deployed resource's properties, or its full body. */
  reference(target: string, apiVersion: string | undefined, full: boolean): unknown;
  /** list*() actions on a deployed resource. */
  list(action: string, id: string, apiVersion: string, body: unknown): unknown;
  /** A symbolic name's resource id (languageVersion 2.0), when the name is one. */
  symbolic(name: string): string | undefined;
  /** Called for reference()/list*() targets while dependencies are collected (no reads then). */
  implied?(target: string): unknown;
  resourceGroupBody?(): Record<string, unknown>;
  /** A user-defined function of the template's `functions` section, by 'namespace.name'. */
  userFunction?(qualifiedName: string): UserFunction | undefined;
  /** Inside a lambda's body: its parameters' values, by lower-cased name. */
  lambdaVariables?: Record<string, unknown>;
}

export interface UserFunction {
  name: string;
  parameters: Array<{ name: string; type?: string }>;
  output: { type?: string; value: unknown };
}
