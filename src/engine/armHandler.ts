// Dispatches an authenticated ARM request to ARM's own routes or to a resource type.
import { ArmError } from "../core/armError.js";
import { Principal } from "../providers/contract.js";
import { World } from "../world/world.js";
import { parseResourceId } from "../core/resourceId.js";
import { ArmRequest, ArmResponse, ArmServices } from "./context.js";
import * as builtins from "./builtins.js";
import { Route, route } from "./route.js";
import { clockRoute } from "./clockRoutes.js";
import { snapshotRoute } from "./snapshotRoutes.js";
import { handleDeployments, isDeploymentPath } from "../providers/resources/deployments.js";
import { checkPrincipal } from "./principalCheck.js";
import { providerEngine } from "./providerEngine.js";
import {
  checkSubscription,
  deleteResource,
  getResource,
  isKeptAnswer,
  listCollection,
  patchResource,
  postAction,
  project,
  putResource,
} from "./resourceOps.js";

export async function handleArm(s: ArmServices, r: ArmRequest): Promise<ArmResponse> {
  return handleArmNow(s, r);
}

/** Every path ArcLink.Lab's clock and snapshot routes answer starts so (case-insensitively). */
const LAB_PATH = /^\/providers\/arclink\.lab\//i;

/**
 * handleArm, answering at once where nothing needs waiting for (a read of a stored resource, a
 * list): the response, or a promise of it. Throws what handleArm rejects with.
 */
export function handleArmNow(
  s: ArmServices,
  r: ArmRequest,
  keepReads = false,
): ArmResponse | Promise<ArmResponse> {
  // Before any route, ArcLink.Lab's included: only a service principal calls ARM.
  checkPrincipal(r);
  // The clock, the snapshots and deployments first, each only where its paths could match.
  const rt = route(r.path);
  let own = ownPath.get(rt);
  if (own === undefined) {
    own = LAB_PATH.test(r.path) || isDeploymentPath(r.path);
    ownPath.set(rt, own);
  }
  if (own) return ownRoutes(s, r);
  return keepReads && r.method === "GET" && rt.kind === "resource" ? keptRead(s, r, rt) : dispatch(s, r, rt);
}

/**
 * GET of one resource, its answer kept with its route while the world is at the same version and
 * the same principal asks with the same api-version: getResource reads nothing else (the world,
 * the registry fixed at start, the request's api-version and principal), and only an answer
 * readAnswer keeps (no projection reading the clock) is kept here. For the server's own World,
 * whose version moves with every change however it arrives; `keepReads` of handleArmNow.
 */
const keptReads = new WeakMap<
  Route,
  { world: World; version: number; principal: Principal; apiVersion: string; answer: ArmResponse }
>();

function keptRead(s: ArmServices, r: ArmRequest, rt: Extract<Route, { kind: "resource" }>): ArmResponse {
  const k = keptReads.get(rt);
  if (
    k !== undefined &&
    k.world === s.world &&
    k.version === s.world.version &&
    k.principal === r.principal &&
    k.apiVersion === r.apiVersion
  )
    return k.answer;
  const answer = getResource(s, r, rt.id);
  if (isKeptAnswer(answer))
    keptReads.set(rt, {
      world: s.world,
      version: s.world.version,
      principal: r.principal,
      apiVersion: r.apiVersion,
      answer,
    });
  return answer;
}

/**
 * Whether a route's path could be the clock's, a snapshot's or a deployment's: a property of the
 * path, kept with its route (route() gives one object per path).
 */
const ownPath = new WeakMap<Route, boolean>();

async function ownRoutes(s: ArmServices, r: ArmRequest): Promise<ArmResponse> {
  const clock = await clockRoute(s, r);
  if (clock) return clock;
  const snapshot = await snapshotRoute(s, r);
  if (snapshot) return snapshot;
  const deployment = await handleDeployments(providerEngine(s, handleArm), r);
  if (deployment) return deployment;
  return dispatch(s, r, route(r.path));
}

function dispatch(s: ArmServices, r: ArmRequest, rt: Route): ArmResponse | Promise<ArmResponse> {
  const m = r.method;
  const only = (...methods: string[]) => {
    if (!methods.includes(m)) {
      throw new ArmError(
        405,
        "MethodNotAllowed",
        `${m} is not supported on ${r.path}; use ${methods.join(" or ")}.`,
      );
    }
  };
  switch (rt.kind) {
    case "subscriptions":
      only("GET");
      return builtins.listSubscriptions(s, r);
    case "tenants":
      only("GET");
      return builtins.listTenants(s, r);
    case "subscription":
      only("GET");
      return builtins.getSubscription(s, r, rt.sub);
    case "locations":
      only("GET");
      return builtins.listLocations(s, r, rt.sub);
    case "providers":
      only("GET");
      return builtins.listProviders(s, r, rt.sub);
    case "provider":
      only("GET");
      return builtins.getProvider(s, r, rt.sub, rt.ns);
    case "providerRegister":
      only("POST");
      return builtins.getProvider(s, r, rt.sub, rt.ns);
    case "genericList":
      only("GET");
      return builtins.genericList(s, r, rt.sub, rt.rg);
    case "resourceGroups":
      only("GET");
      return builtins.listResourceGroups(s, r, rt.sub);
    case "resourceGroup":
      return builtins.resourceGroupRoute(s, r, rt.sub, rt.rg);
    case "resource":
      switch (m) {
        case "GET":
          return getResource(s, r, rt.id);
        case "PUT":
          return putResource(s, r, rt.id);
        case "PATCH":
          return patchResource(s, r, rt.id);
        case "DELETE":
          return deleteResource(s, r, rt.id);
        case "HEAD": {
          const res = getResource(s, r, rt.id);
          return { status: res.status === 200 ? 204 : 404 };
        }
        default:
          throw new ArmError(405, "MethodNotAllowed", `${m} is not supported on a resource.`);
      }
    case "collection": {
      if (!rt.parent && !rt.rg) {
        const ev = s.evaluators?.(s, r, rt.sub, rt.ns, rt.last);
        if (ev) return ev;
      }
      if (m === "POST" && rt.parent) return postAction(s, r, rt.parent, rt.last);
      only("GET");
      return listCollection(s, r, rt);
    }
    case "locationScoped":
      return locationScoped(s, r, rt);
    case "operation":
      only("GET");
      return operation(s, r, rt.token, rt.result);
    default:
      throw new ArmError(
        404,
        "InvalidResourceNamespace",
        `No route matches '${r.path}'. ARM paths start with /subscriptions/{subscriptionId}.`,
      );
  }
}

function locationScoped(
  s: ArmServices,
  r: ArmRequest,
  rt: { sub: string; ns: string; location: string; rest: string[] },
): ArmResponse {
  checkSubscription(s, r, rt.sub);
  const ns = s.registry.namespace(rt.ns);
  const hit = ns?.locationRoutes?.find((x) => x.segment === rt.rest[0]?.toLowerCase());
  if (!ns || !hit || rt.rest.length !== 2) {
    throw new ArmError(404, "NotFound", `No location-scoped route matches '${r.path}'.`);
  }
  if (r.method !== "GET")
    throw new ArmError(405, "MethodNotAllowed", `${r.method} is not supported on ${r.path}.`);
  if (!hit.apiVersions.includes(r.apiVersion)) {
    throw new ArmError(
      400,
      "NoRegisteredProviderFound",
      `No registered resource provider found for location '${rt.location}' and API version '${r.apiVersion}'. The supported api-versions are '${hit.apiVersions.join(", ")}'.`,
    );
  }
  const body = hit.get({ subscription: rt.sub, location: rt.location, name: rt.rest[1], view: s.world });
  if (!body) throw new ArmError(404, "NotFound", `Nothing at '${r.path}'.`);
  return { status: 200, body };
}

function operation(s: ArmServices, r: ArmRequest, token: string, result: boolean): ArmResponse {
  const info = s.operations.read(token);
  if (!info) {
    throw new ArmError(
      404,
      "OperationNotFound",
      "The operation was not found: its id is not one this server issued.",
    );
  }
  const id = parseResourceId(info.resourceId);
  if (id?.subscription) checkSubscription(s, r, id.subscription);
  if (!result) {
    return {
      status: 200,
      body: {
        id: r.path,
        name: info.op,
        status: "Succeeded",
        startTime: info.startTime,
        endTime: info.startTime,
        percentComplete: 100,
      },
    };
  }
  if (info.method === "DELETE") return { status: id && !id.namespace ? 200 : 204 };
  const e = s.world.get(info.resourceId);
  return e ? { status: 200, body: project(s, e) } : { status: 204 };
}
