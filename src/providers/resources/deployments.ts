// Microsoft.Resources/deployments at resource group and subscription scope: PUT (long-running:
// Azure-AsyncOperation on the deployment's operationStatuses), GET, HEAD, LIST, DELETE, cancel,
// validate, exportTemplate, whatIf, and the deployment's operations. The PUT checks the template
// (its errors and preflight's are the PUT's 400), stores the deployment Accepted and answers at
// once (201, or 200 when it replaces one); the server then runs it in the background: GET, LIST and
// the operation status show it Running, then Succeeded, Failed or Canceled. POST …/cancel (from
// any client, on any replica sharing the store) is stored on the record; the server running the
// deployment stops it before its next resource: it ends Canceled, with what it wrote so far kept,
// as Azure leaves it.
import { ArmError, errors } from "../../core/armError.js";
import { newGuid } from "../../core/guid.js";
import { keyOf } from "../../core/resourceId.js";
import { ArmEngine, ArmRequest, ArmResponse, header } from "../engine.js";
import { Scope } from "../../templates/context.js";
import { JsoncError, parseJsonc, Position } from "../../templates/jsonc.js";
import { Json } from "../../templates/template.js";
import { Entry } from "../../world/world.js";
import {
  begin,
  DEPLOYMENT_TYPE,
  deploymentProperties,
  DeploymentInput,
  Engine,
  preflight,
  prepare,
} from "./deploymentEngine.js";
import { RESOURCES_API_VERSIONS } from "./apiVersions.js";
import { deploymentWhatIf } from "./deploymentWhatIf.js";

const PATH =
  /^(\/subscriptions\/([^/]+)(?:\/resourcegroups\/([^/]+))?)(?:\/providers\/microsoft\.resources)?\/deployments(?:\/([^/]+)(?:\/(.+))?)?\/?$/i;

// Deployment operations at resource group scope are served without the provider segment too
// (/subscriptions/{s}/resourcegroups/{rg}/deployments/{name}/operations), as the specification has them.
const NAME = /^[-\w._()]{1,64}$/;

/** Deployments this server is running, by key, with their cancel: a second PUT of the same name is refused meanwhile. */
const running = new Map<string, { cancel(): void; started: string }>();

/** Is a stored deployment Accepted or Running (on this server or on another sharing the store)? */
function isActive(e: Entry | undefined): boolean {
  return ["accepted", "running"].includes(String(e?.body.properties?.provisioningState).toLowerCase());
}

/** Is this path a deployment's? (The pipeline keeps such bodies as text: they may be JSONC.) */
export function isDeploymentPath(path: string): boolean {
  return PATH.test(path);
}

function parseBody(r: ArmRequest): { body: Json; positions: WeakMap<object, Position> } {
  if (typeof r.body === "string") {
    try {
      const p = parseJsonc(r.body);
      if (!p.value || typeof p.value !== "object" || Array.isArray(p.value))
        throw new ArmError(400, "InvalidRequestContent", "The request content must be a JSON object.");
      return { body: p.value as Json, positions: p.positions };
    } catch (e) {
      if (e instanceof JsoncError)
        throw new ArmError(
          400,
          "InvalidRequestContent",
          `The request content was invalid and could not be deserialized: ${e.message}.`,
        );
      throw e;
    }
  }
  if (r.body === undefined)
    throw new ArmError(
      400,
      "InvalidRequestContent",
      "The request content must be a deployment: { properties: { template, parameters, mode } }.",
    );
  return { body: r.body as Json, positions: new WeakMap() };
}

/** Answers a deployment's request through the engine `s`; undefined when the path is no deployment's. */
export async function handleDeployments(s: ArmEngine, r: ArmRequest): Promise<ArmResponse | undefined> {
  const m = PATH.exec(r.path);
  if (!m) return undefined;
  const [, scopePath, sub, rg, name, rest] = m;
  s.checkApiVersion(r.apiVersion, RESOURCES_API_VERSIONS);
  s.checkSubscription(r, sub);
  /** The stored record as GET returns it. */
  const view = (e: Entry): Json => s.stripInternal(e.body);
  const rgEntry = rg ? s.world.get(`/subscriptions/${sub}/resourceGroups/${rg}`) : undefined;
  if (rg && !rgEntry) throw errors.resourceGroupNotFound(rg);
  const scope: Scope = {
    tenantId: r.principal.tenantId,
    subscriptionId: sub,
    ...(rg ? { resourceGroup: rgEntry!.body.name } : {}),
    location: rgEntry?.body.location ?? "",
  };
  const base = `${scopePath.replace(/\/resourcegroups\//i, "/resourceGroups/")}/providers/Microsoft.Resources/deployments`;
  if (!name) {
    if (r.method !== "GET")
      throw new ArmError(405, "MethodNotAllowed", `${r.method} is not supported on ${r.path}; use GET.`);
    return s.page(
      r,
      s.world
        .children(
          rg ? `/subscriptions/${sub}/resourceGroups/${rg}` : `/subscriptions/${sub}`,
          DEPLOYMENT_TYPE,
        )
        .map(view),
    );
  }
  if (!NAME.test(name))
    throw new ArmError(
      400,
      "InvalidDeploymentName",
      `The deployment name '${name}' is invalid: use 1-64 letters, digits, '-', '.', '_', '(' or ')'.`,
    );
  const id = `${base}/${name}`;
  const entry = s.world.get(id);
  const notFound = () => new ArmError(404, "DeploymentNotFound", `Deployment '${name}' could not be found.`);
  const engine: Engine = {
    services: s,
    tenantId: r.principal.tenantId,
    call: (method, path, apiVersion, body) =>
      s.handle({
        method,
        path,
        query: new URLSearchParams({ "api-version": apiVersion }),
        headers: {},
        body,
        principal: r.principal,
        apiVersion,
        baseUrl: r.baseUrl,
      }),
  };
  const input = (): DeploymentInput => {
    const { body, positions } = parseBody(r);
    deploymentProperties(body, !rg);
    return {
      id,
      name: entry?.body.name ?? name,
      scope: rg ? scope : { ...scope, location: String(body.location) },
      body,
      positions,
      apiVersion: r.apiVersion,
      correlationId: header(r, "x-ms-correlation-request-id") ?? newGuid(),
    };
  };
  const segs = (rest ?? "").split("/");
  const action = segs[0]?.toLowerCase();
  if (!rest) {
    switch (r.method) {
      case "GET":
        if (!entry) throw notFound();
        return { status: 200, body: view(entry) };
      case "HEAD":
        return { status: entry ? 204 : 404 };
      case "DELETE":
        if (!entry) return { status: 204 };
        if (running.has(keyOf(id)) || isActive(entry))
          throw active(name, running.get(keyOf(id))?.started ?? String(entry.body._started ?? ""));
        await s.writer.run((tx) => tx.delete(id));
        return { status: 204 };
      case "PUT": {
        const inp = input();
        const k = keyOf(id);
        if (running.has(k) || isActive(entry))
          throw active(name, running.get(k)?.started ?? String(entry?.body._started ?? ""));
        const bg = s.background;
        let cancelled = false;
        const asked = () => cancelled || (running.has(k) && s.world.get(id)?.body._cancelRequested === true);
        const cancel = {
          get requested() {
            return asked() || bg?.stopping === true;
          },
          interrupted: () => !asked() && bg?.stopping === true,
        };
        running.set(k, { cancel: () => (cancelled = true), started: s.clock.now().toISOString() });
        let started;
        try {
          started = await begin(engine, { ...inp, cancel });
        } catch (e) {
          running.delete(k);
          throw e;
        }
        const opId = newGuid().replace(/-/g, "").toUpperCase();
        const headers = {
          "Azure-AsyncOperation": `${r.baseUrl}${id}/operationStatuses/${opId}?api-version=${encodeURIComponent(r.apiVersion)}`,
          "Retry-After": "0",
        };
        const run = started.run;
        if (!bg) {
          // No background work here (a sandbox): the deployment runs before the answer.
          try {
            const out = await run();
            return { status: entry ? 200 : 201, body: s.stripInternal(out.record), headers };
          } finally {
            running.delete(k);
          }
        }
        bg.start(`deployment ${id}`, async () => {
          try {
            await run();
          } finally {
            running.delete(k);
          }
        });
        return { status: entry ? 200 : 201, body: s.stripInternal(started.accepted), headers };
      }
      default:
        throw new ArmError(405, "MethodNotAllowed", `${r.method} is not supported on a deployment.`);
    }
  }
  const post = () => {
    if (r.method !== "POST")
      throw new ArmError(405, "MethodNotAllowed", `${r.method} is not supported on ${r.path}; use POST.`);
  };
  switch (action) {
    case "operationstatuses": {
      if (!entry) throw notFound();
      const p = entry.body.properties;
      return { status: 200, body: { status: p.provisioningState, ...(p.error ? { error: p.error } : {}) } };
    }
    case "validate": {
      post();
      const inp = input();
      const p = inp.body.properties as Json;
      const { bound, instances } = prepare(engine, {
        template: p.template,
        supplied: Object.fromEntries(
          Object.entries((p.parameters ?? {}) as Json).map(([k, v]) => [k, (v as Json)?.value]),
        ),
        scope: inp.scope,
        name: inp.name,
        positions: inp.positions,
      });
      preflight(engine, inp.name, instances, inp.correlationId);
      return {
        status: 200,
        body: {
          id,
          name: inp.name,
          type: DEPLOYMENT_TYPE,
          properties: {
            templateHash: "0",
            parameters: bound.parameters,
            mode: String(p.mode).toLowerCase() === "complete" ? "Complete" : "Incremental",
            provisioningState: "Succeeded",
            timestamp: s.clock.now().toISOString(),
            duration: "PT0S",
            correlationId: inp.correlationId,
            validatedResources: instances.filter((x) => x.condition).map((x) => ({ id: x.id })),
          },
        },
      };
    }
    case "whatif": {
      post();
      const result = await deploymentWhatIf(s, input());
      return { status: 200, body: result };
    }
    case "cancel": {
      post();
      if (!entry) throw notFound();
      const state = String(entry.body.properties.provisioningState);
      if (!isActive(entry))
        throw new ArmError(
          409,
          "DeploymentCannotBeCancelled",
          `The deployment '${name}' cannot be cancelled: it is in '${state}' state, and only a deployment that is Accepted or Running can be.`,
        );
      const live = running.get(keyOf(id));
      if (live) live.cancel();
      // Stored either way: a replica sharing the store that runs it sees the request there.
      await s.writer.run((tx) => {
        const now = tx.get(id);
        if (now && isActive(now)) tx.put(id, DEPLOYMENT_TYPE, { ...now.body, _cancelRequested: true });
      });
      return { status: 204 };
    }
    case "exporttemplate":
      post();
      if (!entry) throw notFound();
      return { status: 200, body: { template: entry.body._template } };
    case "operations": {
      if (r.method !== "GET")
        throw new ArmError(405, "MethodNotAllowed", `${r.method} is not supported on ${r.path}; use GET.`);
      if (!entry) throw notFound();
      const ops: Json[] = ((entry.body._operations ?? []) as Json[]).map((o) => ({
        id: `${id}/operations/${o.operationId}`,
        ...o,
      }));
      if (segs.length === 1) return s.page(r, ops);
      const hit = ops.find((o) => String(o.operationId).toLowerCase() === segs[1].toLowerCase());
      if (!hit || segs.length > 2)
        throw new ArmError(
          404,
          "DeploymentOperationNotFound",
          `Deployment operation '${segs[1]}' of deployment '${name}' could not be found.`,
        );
      return { status: 200, body: hit };
    }
    default:
      throw new ArmError(404, "NotFound", `No deployment route matches '${r.path}'.`);
  }
}

function active(name: string, started: string): ArmError {
  return new ArmError(
    409,
    "DeploymentActive",
    `Unable to edit or replace deployment '${name}': previous deployment from '${started}' is still active. Wait for it to finish, or cancel it (POST …/deployments/${name}/cancel).`,
  );
}
