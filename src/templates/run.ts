// Runs an expanded template: each resource, in dependency order, is evaluated (reference() reads
// what is deployed by then) and written through the host (the same PUT path as any ARM client);
// a failure stops what depends on it and fails the deployment with the resource's own error
// inside DeploymentFailed. Outputs are evaluated last.
import { ArmErrorDetail } from "../core/armError.js";
import { newGuid } from "../core/guid.js";
import { EvalContext, TemplateError } from "./context.js";
import { evaluateDeep } from "./evaluate.js";
import { isDeployment } from "./expand.js";
import { isObject } from "./functions/args.js";
import { BoundTemplate, Instance, Json, withCopy } from "./template.js";
import { templateViolation } from "./violation.js";

export interface DeploymentOperation {
  operationId: string;
  properties: {
    provisioningOperation: "Create" | "Read" | "Delete" | "Action";
    provisioningState: "Succeeded" | "Failed";
    timestamp: string;
    duration: string;
    trackingId: string;
    serviceRequestId: string;
    statusCode: string;
    statusMessage?: unknown;
    targetResource: { id: string; resourceType: string; resourceName: string; apiVersion: string };
  };
}

export interface RunResult {
  operations: DeploymentOperation[];
  outputs: Record<string, { type: string; value?: unknown }>;
  outputResources: Array<{ id: string }>;
  error?: ArmErrorDetail;
  /** The deployment was cancelled before it finished (resources written so far stay). */
  canceled?: boolean;
  /** Every write, in the order made (for what-if). */
  writes: Array<{ id: string; type: string; apiVersion: string; body: Json; existed: boolean }>;
}

export interface ThrownArmError {
  status: number;
  code: string;
  message: string;
  target?: string;
  details?: ArmErrorDetail[];
}

export interface DeployHost {
  /** A write through the ARM engine; throws the engine's ArmError to refuse. */
  put(id: string, apiVersion: string, body: Json): Promise<{ status: number; body?: unknown }>;
  /** Whether a resource exists now. */
  exists(id: string): boolean;
  /** Whether the deployment has been cancelled: checked before each resource. */
  cancelled?(): boolean;
  /** A nested deployment (its own record), returning its outputs or its error. */
  nested(args: { inst: Instance; props: Json; outer?: EvalContext }): Promise<{
    outputs: Record<string, { type: string; value?: unknown }>;
    error?: ArmErrorDetail;
    writes: RunResult["writes"];
    outputResources: Array<{ id: string }>;
  }>;
}

/** Read-only properties templates commonly carry (copied from a GET): ARM ignores them on PUT. */
const READ_ONLY: Record<string, string[]> = {
  "*": ["provisioningState"],
  "microsoft.network/privatednszones": [
    "numberOfRecordSets",
    "maxNumberOfRecordSets",
    "maxNumberOfVirtualNetworkLinks",
    "maxNumberOfVirtualNetworkLinksWithRegistration",
    "numberOfVirtualNetworkLinks",
    "numberOfVirtualNetworkLinksWithRegistration",
    "internalId",
  ],
  "microsoft.network/privatednszones/virtualnetworklinks": ["virtualNetworkLinkState"],
  "microsoft.network/privatednszones/soa": ["fqdn", "isAutoRegistered"],
  "microsoft.network/privatednszones/a": ["fqdn", "isAutoRegistered"],
};

const TEMPLATE_KEYS = new Set([
  "type",
  "apiVersion",
  "name",
  "dependsOn",
  "copy",
  "condition",
  "comments",
  "resources",
  "existing",
  "scope",
  "metadata",
  "import",
]);

/** The PUT body of an instance: the template's resource without the template-only keys. */
export function bodyOf(inst: Instance, evaluated: Json): Json {
  const out: Json = {};
  for (const [k, v] of Object.entries(evaluated)) if (!TEMPLATE_KEYS.has(k)) out[k] = v;
  if (isObject(out.properties)) {
    const props = { ...(out.properties as Json) };
    for (const k of [...READ_ONLY["*"], ...(READ_ONLY[inst.type.toLowerCase()] ?? [])]) delete props[k];
    out.properties = props;
  }
  return out;
}

function duration(ms: number): string {
  return `PT${(ms / 1000).toFixed(7).replace(/\.?0+$/, "") || "0"}S`;
}

const STATUS_TEXT: Record<number, string> = {
  200: "OK",
  201: "Created",
  202: "Accepted",
  400: "BadRequest",
  403: "Forbidden",
  404: "NotFound",
  409: "Conflict",
  412: "PreconditionFailed",
  429: "TooManyRequests",
};

function ctxOf(b: BoundTemplate, inst: Instance): EvalContext {
  return inst.copy ? withCopy(b.context, inst.copy.name, inst.copy.index) : b.context;
}

/**
 * An evaluation error while deploying (a reference() to what is not there, a list action not
 * served): Azure fails that resource's operation with "Unable to process template language
 * expressions", inside the deployment's DeploymentFailed.
 */
function processError(b: BoundTemplate, inst: Instance, e: TemplateError): ArmErrorDetail {
  const at = inst.position;
  return {
    code: "InvalidTemplate",
    message: `Unable to process template language expressions for resource '${inst.id}'${at ? ` at line '${at.line}' and column '${at.column}'` : ""}. '${e.message}'`,
    additionalInfo: [templateViolation(b.template, b.positions, at)],
  };
}

export async function runTemplate(
  b: BoundTemplate,
  instances: Instance[],
  host: DeployHost,
  now: () => Date,
): Promise<RunResult> {
  const result: RunResult = { operations: [], outputs: {}, outputResources: [], writes: [] };
  const state = new Map<string, "done" | "failed" | "skipped">();
  const failures: ArmErrorDetail[] = [];
  const byKey = new Map(instances.map((x) => [x.key, x]));
  for (const x of instances) if (!x.condition) state.set(x.key, "skipped");
  let progressed = true;
  run: while (progressed) {
    progressed = false;
    for (const inst of instances) {
      if (state.has(inst.key)) continue;
      if (host.cancelled?.()) {
        result.canceled = true;
        break run;
      }
      const deps = [...inst.dependsOn].map((d) => state.get(d) ?? (byKey.has(d) ? undefined : "done"));
      if (deps.some((d) => d === undefined)) continue;
      progressed = true;
      if (deps.some((d) => d === "failed")) {
        state.set(inst.key, "failed");
        continue;
      }
      if (inst.existing) {
        state.set(inst.key, host.exists(inst.id) ? "done" : "failed");
        if (!host.exists(inst.id))
          failures.push({
            code: "ResourceNotFound",
            message: `The Resource '${inst.type}/${inst.name}' under resource group '${inst.resourceGroup ?? ""}' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix`,
          });
        continue;
      }
      const t0 = Date.now();
      const ctx = ctxOf(b, inst);
      let evaluated: Json | undefined;
      let evalError: ArmErrorDetail | undefined;
      try {
        if (isDeployment(inst.type)) {
          // The inner template is evaluated by the nested deployment itself.
          const { properties, ...rest } = inst.decl;
          const { template, ...props } = (isObject(properties) ? properties : {}) as Json;
          evaluated = evaluateDeep(rest, ctx) as Json;
          evaluated.properties = { ...(evaluateDeep(props, ctx) as Json), template };
        } else evaluated = evaluateDeep(inst.decl, ctx) as Json;
      } catch (e) {
        if (!(e instanceof TemplateError)) throw e;
        evalError = processError(b, inst, e);
      }
      const op: DeploymentOperation = {
        operationId: newGuid().replace(/-/g, "").toUpperCase().slice(0, 16),
        properties: {
          provisioningOperation: "Create",
          provisioningState: "Succeeded",
          timestamp: now().toISOString(),
          duration: "PT0S",
          trackingId: newGuid(),
          serviceRequestId: newGuid(),
          statusCode: "OK",
          targetResource: {
            id: inst.id,
            resourceType: inst.type,
            resourceName: inst.name,
            apiVersion: inst.apiVersion,
          },
        },
      };
      if (evalError || !evaluated) {
        op.properties.provisioningState = "Failed";
        op.properties.statusCode = "BadRequest";
        op.properties.statusMessage = { status: "Failed", error: evalError };
        failures.push(evalError!);
        state.set(inst.key, "failed");
      } else if (isDeployment(inst.type)) {
        const scope = String(
          (evaluated.properties as Json).expressionEvaluationOptions?.scope ?? "outer",
        ).toLowerCase();
        const nested = await host.nested({
          inst,
          props: evaluated.properties as Json,
          outer: scope === "inner" ? undefined : ctx,
        });
        result.writes.push(...nested.writes);
        result.outputResources.push(...nested.outputResources);
        if (nested.error) {
          op.properties.provisioningState = "Failed";
          op.properties.statusCode = "Conflict";
          op.properties.statusMessage = { status: "Failed", error: nested.error };
          failures.push(nested.error);
          state.set(inst.key, "failed");
        } else {
          op.properties.statusCode = "OK";
          op.properties.statusMessage = { status: "Succeeded" };
          state.set(inst.key, "done");
        }
      } else {
        const body = bodyOf(inst, evaluated);
        const existed = host.exists(inst.id);
        try {
          const r = await host.put(inst.id, inst.apiVersion, body);
          op.properties.statusCode = STATUS_TEXT[r.status] ?? String(r.status);
          op.properties.statusMessage = r.body;
          result.writes.push({ id: inst.id, type: inst.type, apiVersion: inst.apiVersion, body, existed });
          result.outputResources.push({ id: inst.id });
          state.set(inst.key, "done");
        } catch (e) {
          const err = e as ThrownArmError;
          if (typeof err?.status !== "number" || typeof err.code !== "string") throw e;
          const detail: ArmErrorDetail = { code: err.code, message: err.message };
          if (err.target) detail.target = err.target;
          if (err.details?.length) detail.details = err.details;
          op.properties.provisioningState = "Failed";
          op.properties.statusCode = STATUS_TEXT[err.status] ?? String(err.status);
          op.properties.statusMessage = { status: "Failed", error: detail };
          failures.push(detail);
          state.set(inst.key, "failed");
        }
      }
      op.properties.duration = duration(Date.now() - t0);
      result.operations.push(op);
    }
  }
  if (result.canceled) return result;
  if (failures.length) {
    result.error = {
      code: "DeploymentFailed",
      message:
        "At least one resource deployment operation failed. Please list deployment operations for details. Please see https://aka.ms/arm-deployment-operations for usage details.",
      details: failures,
    };
    return result;
  }
  try {
    result.outputs = outputs(b);
  } catch (e) {
    if (!(e instanceof TemplateError)) throw e;
    result.error = {
      code: "DeploymentOutputEvaluationFailed",
      message: `Unable to evaluate template outputs: '${e.message}'`,
    };
  }
  return result;
}

const OUTPUT_TYPES: Record<string, string> = {
  string: "String",
  securestring: "SecureString",
  int: "Int",
  bool: "Bool",
  object: "Object",
  secureobject: "SecureObject",
  array: "Array",
};

export function outputs(b: BoundTemplate): Record<string, { type: string; value?: unknown }> {
  const out: Record<string, { type: string; value?: unknown }> = {};
  const decl = isObject(b.template.outputs) ? (b.template.outputs as Json) : {};
  for (const [name, o] of Object.entries(decl)) {
    if (!isObject(o)) continue;
    const type = OUTPUT_TYPES[String(o.type ?? "").toLowerCase()] ?? String(o.type);
    if (o.condition !== undefined && evaluateDeep(o.condition, b.context) !== true) continue;
    let value: unknown;
    if (isObject(o.copy)) {
      const loop = o.copy as Json;
      const count = evaluateDeep(loop.count, b.context);
      if (typeof count !== "number")
        throw new TemplateError(`The output '${name}' copy count must be an integer.`);
      value = Array.from({ length: count }, (_, i) => evaluateDeep(loop.input, withCopy(b.context, name, i)));
    } else value = evaluateDeep(o.value, b.context);
    out[name] = type.startsWith("Secure") ? { type } : { type, value };
  }
  return out;
}
