// Runs one Microsoft.Resources/deployments request body: binds and expands the template, checks
// that every type is registered in the api-version asked (preflight), then writes each resource
// through the ARM engine (`call`, the same path as a client's PUT, so every provider rule
// applies), nested deployments as their own deployment records, and Complete mode's deletions.
import { ArmError, ArmErrorDetail } from "../../core/armError.js";
import { keyOf, parseResourceId } from "../../core/resourceId.js";
import { newGuid } from "../../core/guid.js";
import { createHash } from "node:crypto";
import { ArmEngine, Call } from "../engine.js";
import { EvalContext, Scope, TemplateError } from "../../templates/context.js";
import { expand, isDeployment, resolveTarget } from "../../templates/expand.js";
import { isObject } from "../../templates/functions/args.js";
import { Position } from "../../templates/jsonc.js";
import { RunResult, runTemplate } from "../../templates/run.js";
import { bindTemplate, BoundTemplate, Instance, Json } from "../../templates/template.js";
import { templateViolation } from "../../templates/violation.js";

export const DEPLOYMENT_TYPE = "Microsoft.Resources/deployments";

export interface Engine {
  /** The ARM engine: the server's, or a what-if sandbox's. */
  services: ArmEngine;
  /** One ARM call as the deploying principal. */
  call: Call;
  tenantId: string;
}

export interface DeploymentInput {
  /** The deployment's own id. */
  id: string;
  name: string;
  scope: Scope;
  body: Json;
  positions: WeakMap<object, Position>;
  apiVersion: string;
  correlationId: string;
  /** Set by POST …/cancel while the deployment runs: it stops before its next resource. */
  cancel?: {
    readonly requested: boolean;
    /** True when the stop comes from the server stopping rather than a client's cancel. */
    interrupted?(): boolean;
  };
}

export interface Outcome {
  record: Json;
  run: RunResult;
}

/** Body checks shared by PUT, validate and whatIf: Azure's codes for a malformed deployment. */
export function deploymentProperties(body: unknown, atSubscription: boolean): Json {
  if (!isObject(body) || !isObject(body.properties))
    throw new ArmError(
      400,
      "InvalidRequestContent",
      "The request content must contain 'properties' with 'template' and 'mode'.",
    );
  const p = body.properties as Json;
  if (p.templateLink !== undefined && p.template === undefined)
    throw new ArmError(
      400,
      "InvalidTemplateLink",
      "ArcLink does not fetch templates from links: send the template inline ('properties.template'), as az does with --template-file.",
    );
  if (!isObject(p.template))
    throw new ArmError(
      400,
      "InvalidRequestContent",
      "The request content must contain 'properties.template' as a JSON object.",
    );
  const mode = String(p.mode ?? "");
  if (!["incremental", "complete"].includes(mode.toLowerCase()))
    throw new ArmError(
      400,
      "InvalidDeploymentMode",
      `The deployment mode '${mode}' is not valid: use 'Incremental' or 'Complete'.`,
    );
  if (atSubscription && mode.toLowerCase() === "complete")
    throw new ArmError(
      400,
      "InvalidDeploymentMode",
      "Complete mode is only supported for resource group deployments.",
    );
  if (atSubscription && (typeof (body as Json).location !== "string" || !(body as Json).location))
    throw new ArmError(
      400,
      "LocationRequired",
      "The location property is required for this definition: a subscription deployment stores its metadata in a region.",
    );
  if (p.parametersLink !== undefined)
    throw new ArmError(
      400,
      "InvalidParametersLink",
      "ArcLink does not fetch parameters from links: send them inline ('properties.parameters').",
    );
  return p;
}

function suppliedParameters(p: Json): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const given = p.parameters ?? {};
  if (!isObject(given))
    throw new ArmError(
      400,
      "InvalidRequestContent",
      "'properties.parameters' must be an object of { name: { value } }.",
    );
  for (const [k, v] of Object.entries(given)) {
    if (isObject(v) && "reference" in v)
      throw new ArmError(
        400,
        "InvalidTemplate",
        `Deployment template validation failed: 'The parameter '${k}' refers to a Key Vault secret; ArcLink has no Key Vault: pass the value instead.'.`,
      );
    if (!isObject(v) || !("value" in v))
      throw new ArmError(
        400,
        "InvalidRequestContent",
        `The parameter '${k}' must be given as { "value": ... }.`,
      );
    out[k] = v.value;
  }
  return out;
}

function toArm(e: unknown, template: unknown, positions: WeakMap<object, Position>): never {
  if (e instanceof TemplateError)
    throw new ArmError(400, e.code, e.message, {
      additionalInfo:
        e.code === "InvalidTemplate" ? [templateViolation(template, positions, e.at)] : undefined,
    });
  throw e;
}

/** The evaluation context's reads: deployed resources (reference), resource group, symbolic names. */
function baseContext(
  engine: Engine,
  scope: Scope,
  instances: () => Instance[],
): Omit<EvalContext, "scope" | "deploymentName" | "contentVersion" | "parameter" | "variable" | "copyIndex"> {
  const s = engine.services;
  const idOf = (target: string): string => {
    if (target.startsWith("/")) return target;
    const hit = resolveTarget(target, instances());
    if (!hit?.length)
      throw new TemplateError(
        `The template reference '${target}' is not valid: could not find template resource or resource copy with this name. Please see https://aka.ms/arm-function-reference for usage details.`,
      );
    return hit[0].id;
  };
  return {
    reference: (target, apiVersion, full) => {
      const id = idOf(target);
      const e = s.world.get(id);
      if (!e) {
        const p = parseResourceId(id);
        throw new TemplateError(
          `The Resource '${p ? `${p.namespace}/${p.types.join("/")}/${p.names.join("/")}` : id}' under resource group '${p?.resourceGroup ?? ""}' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix`,
        );
      }
      const body = s.project(e);
      return full ? { ...body, apiVersion: apiVersion ?? "" } : (body.properties ?? {});
    },
    list: (action, id) => {
      const p = parseResourceId(id);
      throw new TemplateError(
        `The resource type '${p ? `${p.namespace}/${p.types.join("/")}` : id}' does not support the action '${action}': ArcLink serves no list actions on its resource types. Pass the value the template needs as a (secure) parameter instead.`,
      );
    },
    symbolic: (name) => instances().find((x) => x.symbolic?.toLowerCase() === name.toLowerCase())?.id,
    resourceGroupBody: () => {
      const e = s.world.get(`/subscriptions/${scope.subscriptionId}/resourceGroups/${scope.resourceGroup}`);
      const b = e?.body ?? {};
      return {
        id: b.id,
        name: b.name,
        type: "Microsoft.Resources/resourceGroups",
        location: b.location,
        ...(b.managedBy ? { managedBy: b.managedBy } : {}),
        tags: b.tags ?? {},
        properties: { provisioningState: "Succeeded" },
      };
    },
  };
}

/** Binds and expands a template; every template error is InvalidTemplate (400). */
export function prepare(
  engine: Engine,
  input: {
    template: unknown;
    supplied: Record<string, unknown>;
    scope: Scope;
    name: string;
    positions: WeakMap<object, Position>;
    outer?: EvalContext;
  },
): { bound: BoundTemplate; instances: Instance[] } {
  let instances: Instance[] = [];
  try {
    const bound = bindTemplate({
      template: input.template,
      positions: input.positions,
      supplied: input.supplied,
      scope: input.scope,
      deploymentName: input.name,
      base: baseContext(engine, input.scope, () => instances),
      outer: input.outer,
    });
    instances = expand(bound);
    return { bound, instances };
  } catch (e) {
    return toArm(e, input.template, input.positions);
  }
}

/** Preflight: every type deployed must be registered, in the api-version the template asks for. */
export function preflight(engine: Engine, name: string, instances: Instance[], correlationId: string): void {
  const details: ArmErrorDetail[] = [];
  for (const x of instances) {
    if (!x.condition || isDeployment(x.type)) continue;
    const def = engine.services.registry.type(x.type);
    const ns = x.type.split("/")[0];
    if (!def) {
      details.push(
        engine.services.registry.namespace(ns)
          ? {
              code: "InvalidResourceType",
              message: `The resource type '${x.type.split("/").slice(1).join("/")}' could not be found in the namespace '${ns}' for api version '${x.apiVersion}'. ArcLink serves: ${engine.services.registry
                .namespace(ns)!
                .types.map((t) => t.type)
                .join(", ")}.`,
              target: x.id,
            }
          : {
              code: "NoRegisteredProviderFound",
              message: `No registered resource provider found for location '${engine.services.world.get(`/subscriptions/${x.subscriptionId}/resourceGroups/${x.resourceGroup}`)?.body.location ?? "global"}' and API version '${x.apiVersion}' for type '${x.type}': the namespace '${ns}' is not registered. Registered namespaces: ${engine.services.registry
                .allNamespaces()
                .map((n) => n.namespace)
                .filter((n) => !n.startsWith("ArcLink.Identity"))
                .join(", ")}.`,
              target: x.id,
            },
      );
      continue;
    }
    if (!x.existing && !def.apiVersions.includes(x.apiVersion))
      details.push({
        code: "NoRegisteredProviderFound",
        message: `No registered resource provider found for API version '${x.apiVersion}' and type '${x.type}'. The supported api-versions are '${def.apiVersions.join(", ")}'.`,
        target: x.id,
      });
  }
  if (details.length)
    throw new ArmError(
      400,
      "InvalidTemplateDeployment",
      `The template deployment '${name}' is not valid according to the validation procedure. The tracking id is '${correlationId}'. See inner errors for details. Please see https://aka.ms/arm-deploy for usage details.`,
      { details },
    );
}

function templateHash(template: unknown): string {
  const h = createHash("sha256").update(JSON.stringify(template)).digest();
  return h.readBigUInt64BE(0).toString();
}

function providersOf(instances: Instance[]): Json[] {
  const by = new Map<string, Set<string>>();
  for (const x of instances) {
    const [ns, ...rest] = x.type.split("/");
    if (!by.has(ns)) by.set(ns, new Set());
    by.get(ns)!.add(rest.join("/"));
  }
  return [...by].map(([namespace, types]) => ({
    namespace,
    resourceTypes: [...types].map((resourceType) => ({ resourceType, locations: [] })),
  }));
}

function dependenciesOf(instances: Instance[]): Json[] {
  const byKey = new Map(instances.map((x) => [x.key, x]));
  return instances
    .filter((x) => x.dependsOn.size)
    .map((x) => ({
      id: x.id,
      resourceType: x.type,
      resourceName: x.name,
      dependsOn: [...x.dependsOn]
        .map((k) => byKey.get(k))
        .filter((d): d is Instance => !!d)
        .map((d) => ({ id: d.id, resourceType: d.type, resourceName: d.name })),
    }));
}

function isoDuration(ms: number): string {
  return `PT${
    Math.max(0, ms / 1000)
      .toFixed(7)
      .replace(/\.?0+$/, "") || "0"
  }S`;
}

/** Runs a deployment to its end and stores its record; returns the record (Succeeded or Failed). */
export async function deploy(engine: Engine, input: DeploymentInput, outer?: EvalContext): Promise<Outcome> {
  return (await begin(engine, input, outer)).run();
}

export interface Begun {
  /** The record as stored when the deployment is accepted (provisioningState Accepted). */
  accepted: Json;
  /** Runs the deployment to its end (Running, then Succeeded, Failed or Canceled) and stores it. */
  run(): Promise<Outcome>;
}

/**
 * Checks a deployment as Azure does before it answers the PUT (template errors and preflight are
 * the PUT's 400) and stores it Accepted; the returned `run` then deploys its resources.
 */
export async function begin(engine: Engine, input: DeploymentInput, outer?: EvalContext): Promise<Begun> {
  const s = engine.services;
  const started = s.clock.now();
  const t0 = Date.now();
  const p = input.body.properties as Json;
  const mode = String(p.mode).toLowerCase() === "complete" ? "Complete" : "Incremental";
  const { bound, instances } = prepare(engine, {
    template: p.template,
    supplied: outer ? {} : suppliedParameters(p),
    scope: input.scope,
    name: input.name,
    positions: input.positions,
    outer,
  });
  preflight(engine, input.name, instances, input.correlationId);
  const mark = (provisioningState: string): Json => ({
    id: input.id,
    name: input.name,
    type: DEPLOYMENT_TYPE,
    ...(typeof input.body.location === "string" ? { location: input.body.location } : {}),
    ...(isObject(input.body.tags) ? { tags: input.body.tags } : {}),
    properties: {
      templateHash: templateHash(p.template),
      parameters: bound.parameters,
      mode,
      provisioningState,
      timestamp: s.clock.now().toISOString(),
      duration: isoDuration(Date.now() - t0),
      correlationId: input.correlationId,
      providers: providersOf(instances),
      dependencies: dependenciesOf(instances),
    },
    _template: p.template,
    _operations: [],
    _started: started.toISOString(),
    ...(s.background ? { _runner: s.background.runner } : {}),
  });
  const accepted = mark("Accepted");
  await s.writer.run((tx) => tx.put(input.id, DEPLOYMENT_TYPE, accepted));
  return { accepted, run: () => execute(engine, input, bound, instances, mode, mark) };
}

async function execute(
  engine: Engine,
  input: DeploymentInput,
  bound: BoundTemplate,
  instances: Instance[],
  mode: string,
  mark: (provisioningState: string) => Json,
): Promise<Outcome> {
  const s = engine.services;
  // Visible while it runs (GET, LIST, cancel), as Azure shows a deployment in progress; a cancel
  // stored while it was Accepted stays on the record.
  await s.writer.run((tx) => {
    const runningRecord = mark("Running");
    if (tx.get(input.id)?.body._cancelRequested === true) runningRecord._cancelRequested = true;
    tx.put(input.id, DEPLOYMENT_TYPE, runningRecord);
  });
  const running = runTemplate(
    bound,
    instances,
    {
      put: async (id, apiVersion, body) => engine.call("PUT", id, apiVersion, body),
      exists: (id) => !!s.world.get(id),
      cancelled: () => input.cancel?.requested === true,
      nested: async ({ inst, props, outer: outerCtx }) => {
        const nestedScope: Scope = {
          ...input.scope,
          subscriptionId: inst.subscriptionId ?? input.scope.subscriptionId,
          resourceGroup: inst.resourceGroup,
          location: inst.resourceGroup
            ? (s.world.get(`/subscriptions/${inst.subscriptionId}/resourceGroups/${inst.resourceGroup}`)?.body
                .location ?? input.scope.location)
            : input.scope.location,
        };
        if (
          inst.resourceGroup &&
          !s.world.get(`/subscriptions/${nestedScope.subscriptionId}/resourceGroups/${inst.resourceGroup}`)
        )
          return {
            outputs: {},
            writes: [],
            outputResources: [],
            error: {
              code: "ResourceGroupNotFound",
              message: `Resource group '${inst.resourceGroup}' could not be found.`,
            },
          };
        try {
          deploymentProperties({ properties: props }, false);
          const out = await deploy(
            engine,
            {
              id: inst.id,
              name: inst.name,
              scope: nestedScope,
              body: { properties: props },
              positions: input.positions,
              apiVersion: inst.apiVersion,
              correlationId: input.correlationId,
              cancel: input.cancel,
            },
            outerCtx,
          );
          return {
            outputs: out.run.outputs,
            error: out.run.error,
            writes: out.run.writes,
            outputResources: out.run.outputResources,
          };
        } catch (e) {
          if (e instanceof ArmError)
            return { outputs: {}, writes: [], outputResources: [], error: e.toBody().error };
          throw e;
        }
      },
    },
    () => s.clock.now(),
  );
  let run: RunResult;
  try {
    run = await running;
  } catch (e) {
    // Not a refusal but a fault: the record must not stay Running.
    const failed = mark("Failed");
    (failed.properties as Json).error = {
      code: "InternalServerError",
      message: `The deployment stopped on an internal error: ${(e as Error)?.message ?? String(e)}`,
    };
    await s.writer.run((tx) => tx.put(input.id, DEPLOYMENT_TYPE, failed));
    throw e;
  }
  if (!run.error && !run.canceled && mode === "Complete" && input.scope.resourceGroup)
    await completeMode(engine, input, run);
  // Stopped by the server's own stop, not by a client: Failed, saying so.
  const interrupted = run.canceled && input.cancel?.interrupted?.() === true;
  if (interrupted)
    run.error = {
      code: "DeploymentInterrupted",
      message: `The deployment '${input.name}' stopped before it finished because the server running it was stopping. The resources it wrote so far are kept: deploy it again to finish it.`,
    };
  const record = mark(
    interrupted ? "Failed" : run.canceled ? "Canceled" : run.error ? "Failed" : "Succeeded",
  );
  Object.assign(record.properties as Json, {
    ...(run.error || run.canceled ? {} : { outputs: run.outputs }),
    outputResources: run.outputResources,
    ...(run.error ? { error: run.error } : {}),
  });
  record._operations = run.operations;
  await s.writer.run((tx) => tx.put(input.id, DEPLOYMENT_TYPE, record));
  return { record, run };
}

/** Resources of the group a Complete deployment does not mention, top level (children go with them). */
export function notInTemplate(
  engine: Engine,
  sub: string,
  rg: string,
  written: Set<string>,
): Array<{ id: string; type: string; body: Json }> {
  const s = engine.services;
  return s.world
    .children(`/subscriptions/${sub}/resourceGroups/${rg}`)
    .filter((e) => e.id.includes("/providers/") && !e.type.toLowerCase().startsWith("microsoft.resources/"))
    .filter((e) => !!s.registry.type(e.type) && !written.has(keyOf(e.id)))
    .map((e) => ({ id: e.id, type: e.type, body: s.project(e) }));
}

async function completeMode(engine: Engine, input: DeploymentInput, run: RunResult): Promise<void> {
  const written = new Set(run.writes.map((w) => keyOf(w.id)));
  for (const e of notInTemplate(engine, input.scope.subscriptionId, input.scope.resourceGroup!, written)) {
    const def = engine.services.registry.type(e.type)!;
    const v = [...def.apiVersions].sort().at(-1)!;
    try {
      await engine.call("DELETE", e.id, v);
      run.operations.push({
        operationId: newGuid().replace(/-/g, "").toUpperCase().slice(0, 16),
        properties: {
          provisioningOperation: "Delete",
          provisioningState: "Succeeded",
          timestamp: engine.services.clock.now().toISOString(),
          duration: "PT0S",
          trackingId: newGuid(),
          serviceRequestId: newGuid(),
          statusCode: "OK",
          targetResource: {
            id: e.id,
            resourceType: e.type,
            resourceName: String(e.body.name),
            apiVersion: v,
          },
        },
      });
    } catch (err) {
      if (!(err instanceof ArmError)) throw err;
      run.error = {
        code: "DeploymentFailed",
        message:
          "At least one resource deployment operation failed. Please list deployment operations for details. Please see https://aka.ms/arm-deployment-operations for usage details.",
        details: [err.toBody().error],
      };
    }
  }
}
