// Microsoft.HybridCompute: Azure Arc Private Link Scopes (with their private endpoint connections
// and private link resources), Arc-enabled machines, and the scope validation details the agent
// reads by scope GUID (locations/{location}/privateLinkScopes/{guid}) or by machine.
import { ArmError } from "../../core/armError.js";
import { normalizeRegion, region, regionNames } from "../../core/regions.js";
import { LocationRoute, ProviderNamespace } from "../registry.js";
import { machineExtensions } from "./machineExtensions.js";
import { machines } from "./machines.js";
import { privateEndpointConnections } from "./privateEndpointConnections.js";
import { privateLinkScopes } from "./privateLinkScopes.js";
import { validationDetails } from "./validationDetails.js";
import { HYBRIDCOMPUTE_API_VERSIONS, SCOPE_TYPE } from "./versions.js";

/** GET /subscriptions/{s}/providers/Microsoft.HybridCompute/locations/{location}/privateLinkScopes/{guid}. */
const validationByScopeId: LocationRoute = {
  segment: "privatelinkscopes",
  apiVersions: HYBRIDCOMPUTE_API_VERSIONS,
  get({ subscription, location, name, view }) {
    const prefix = `/subscriptions/${subscription}/`.toLowerCase();
    const guid = name.toLowerCase();
    const scope = view
      .ofType(SCOPE_TYPE)
      .find(
        (e) =>
          e.key.startsWith(prefix) &&
          String(e.body.properties?.privateLinkScopeId ?? "").toLowerCase() === guid,
      );
    if (!knownRegion(location)) {
      throw new ArmError(
        404,
        "PrivateLinkScopeNotFound",
        `'${location}' is not a region: ask for the validation details at a region name such as 'eastus' or Arc's short code such as 'eus'.`,
      );
    }
    // The GUID names the scope within the subscription: the examples ask at 'wus2' for a scope in
    // 'westus' and get its details, so any region answers (the agent asks at its own).
    if (!scope) {
      throw new ArmError(
        404,
        "PrivateLinkScopeNotFound",
        `No Azure Arc Private Link Scope with privateLinkScopeId '${name}' exists in subscription '${subscription}'. ` +
          `Use the scope's properties.privateLinkScopeId (a GUID, not its name).`,
      );
    }
    return validationDetails(scope, view);
  },
};

/** A location as a region name ("eastus", "East US") or Arc's short code ("eus"). */
function knownRegion(requested: string): boolean {
  const r = requested.toLowerCase();
  return normalizeRegion(requested) !== undefined || regionNames().some((n) => region(n)?.hisCode === r);
}

export const hybridComputeNamespace: ProviderNamespace = {
  namespace: "Microsoft.HybridCompute",
  types: [privateLinkScopes, privateEndpointConnections, machines, machineExtensions],
  locationRoutes: [validationByScopeId],
};
