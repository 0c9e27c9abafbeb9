// POST /subscriptions/{s}/providers/ArcLink.Lab/onboardingScripts: what the portal's Generate
// script page does — check the choices against the world (the resource group exists; a private
// endpoint's Private Link Scope exists, in this subscription and in the machines' region) and
// return the script. Read-only: nothing is stored.
//
// Body: { os, resourceGroup, location, tenantId?, authType, servicePrincipalClientId?,
//         servicePrincipalSecret?, connectivity, proxyUrl?, privateLinkScopeId?,
//         physicalLocation?: { datacenter, city, stateOrDistrict, countryOrRegion },
//         tags?: { name: value }, correlationId?, cloud? }
// Answer: { fileName, os, correlationId, connectivity, privateLinkScopeId?, text }
import { ArmError } from "../core/armError.js";
import type { ArmRequest, ArmResponse, ArmServices } from "../engine/context.js";
import { generateScript } from "./index.js";
import { parseScopeId, ScriptOptionError, ScriptOptionsInput, validateScriptOptions } from "./options.js";

export const SCOPE_TYPE = "Microsoft.HybridCompute/privateLinkScopes";

const BODY_KEYS = [
  "os",
  "resourceGroup",
  "location",
  "tenantId",
  "authType",
  "servicePrincipalClientId",
  "servicePrincipalSecret",
  "connectivity",
  "proxyUrl",
  "privateLinkScopeId",
  "physicalLocation",
  "tags",
  "correlationId",
  "cloud",
] as const;

function badBody(message: string, target?: string): ArmError {
  return new ArmError(400, "InvalidRequestContent", message, target ? { target } : {});
}

function subscriptionOf(path: string): string {
  const m = /^\/subscriptions\/([^/]+)\//i.exec(path);
  if (!m) throw new ArmError(400, "InvalidRequestFormat", `${path} names no subscription.`);
  return m[1];
}

/** The Evaluator for "arclink.lab|onboardingscripts" (POST). */
export function onboardingScripts(s: ArmServices, r: ArmRequest): ArmResponse {
  const sub = subscriptionOf(r.path);
  const body = r.body ?? {};
  if (typeof body !== "object" || Array.isArray(body))
    throw badBody('The body must be a JSON object of script options, e.g. {"os": "linux", …}.');
  const b = body as Record<string, unknown>;
  for (const k of Object.keys(b)) {
    if (k === "subscriptionId") {
      if (typeof b[k] === "string" && (b[k] as string).toLowerCase() !== sub.toLowerCase())
        throw badBody(
          `'subscriptionId' (${String(b[k])}) differs from the subscription in the path (${sub}): the script is generated for the subscription in the path.`,
          k,
        );
      continue;
    }
    if (!(BODY_KEYS as readonly string[]).includes(k))
      throw badBody(`'${k}' is not a script option. Options: ${BODY_KEYS.join(", ")}.`, k);
  }
  const input: ScriptOptionsInput = {
    ...b,
    subscriptionId: sub,
    tenantId: b.tenantId ?? r.principal.tenantId,
  };

  let o;
  try {
    o = validateScriptOptions(input);
  } catch (e) {
    if (e instanceof ScriptOptionError)
      throw new ArmError(400, "InvalidParameter", e.message, { target: e.option });
    throw e;
  }

  const rgId = `/subscriptions/${sub}/resourceGroups/${o.resourceGroup}`;
  if (!s.world.get(rgId))
    throw new ArmError(
      404,
      "ResourceGroupNotFound",
      `Resource group '${o.resourceGroup}' could not be found in subscription ${sub}. Create it first (the machines are created in it), or choose an existing one.`,
      { target: "resourceGroup" },
    );

  if (o.privateLinkScopeId) {
    const id = o.privateLinkScopeId;
    const p = parseScopeId(id)!;
    if (p.subscriptionId.toLowerCase() !== sub.toLowerCase())
      throw new ArmError(
        400,
        "PrivateLinkScopeSubscriptionMismatch",
        `Azure Arc Private Link Scope ${id} is in subscription ${p.subscriptionId}, but the machines are created in subscription ${sub}. ` +
          `A machine can only be associated with a scope in its own subscription: choose a scope in ${sub} (create one there if needed).`,
        { target: "privateLinkScopeId" },
      );
    const scope = s.world.get(id);
    if (!scope || scope.type.toLowerCase() !== SCOPE_TYPE.toLowerCase())
      throw new ArmError(
        404,
        "PrivateLinkScopeNotFound",
        `Azure Arc Private Link Scope ${id} was not found. Create the scope (and its private endpoint) first, or correct the id.`,
        { target: "privateLinkScopeId" },
      );
    const scopeLocation = String(scope.body.location ?? "").toLowerCase();
    if (scopeLocation && scopeLocation !== o.location)
      throw new ArmError(
        400,
        "PrivateLinkScopeLocationMismatch",
        `Azure Arc Private Link Scope '${scope.body.name}' is in '${scope.body.location}', but the machines' region is '${o.location}'. ` +
          `An Arc-enabled server and its Private Link Scope must be in the same region: choose region '${scope.body.location}', or a scope in '${o.location}'.`,
        { target: "privateLinkScopeId" },
      );
    // Use the scope's own spelling of its id (what ARM shows).
    o.privateLinkScopeId = String(scope.body.id ?? id);
  }

  const script = generateScript(o);
  return {
    status: 200,
    body: {
      fileName: script.fileName,
      os: o.os,
      subscriptionId: o.subscriptionId,
      resourceGroup: o.resourceGroup,
      location: o.location,
      authType: o.authType,
      connectivity: o.connectivity,
      ...(o.privateLinkScopeId ? { privateLinkScopeId: o.privateLinkScopeId } : {}),
      correlationId: o.correlationId,
      tags: Object.fromEntries(o.tags),
      text: script.text,
    },
  };
}
