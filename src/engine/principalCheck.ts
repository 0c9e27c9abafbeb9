// Who may call ARM at all: one check every ARM route passes first, ArcLink.Lab's own actions (the
// clock) included. Host and machine credentials act only through the gateway and the services a
// machine calls, never on ARM, whatever route or Host header a request names.
import { ArmError } from "../core/armError.js";
import { findPrincipal } from "../identity/directory.js";
import { ArmRequest, ArmServices } from "./context.js";

/** Refuses any principal but a service principal (403 AuthorizationFailed, as ARM words it). */
export function checkPrincipal(r: ArmRequest): void {
  if (r.principal.kind !== "servicePrincipal") {
    throw new ArmError(
      403,
      "AuthorizationFailed",
      `A ${r.principal.kind} credential cannot call Azure Resource Manager (${r.method} ${r.path}); use a service principal's token.`,
    );
  }
}

/**
 * Actions on the lab as a whole (the virtual clock) have no subscription to authorize against:
 * the caller must be a service principal of this directory, in the token's tenant.
 */
export function checkDirectoryPrincipal(s: ArmServices, r: ArmRequest): void {
  checkPrincipal(r);
  const sp = r.principal.appId ? findPrincipal(s.world, r.principal.appId) : undefined;
  if (!sp || sp.tenantId.toLowerCase() !== r.principal.tenantId.toLowerCase()) {
    throw new ArmError(
      403,
      "AuthorizationFailed",
      `The client '${r.principal.appId ?? ""}' with object id '${r.principal.oid}' does not have authorization to perform action '${r.method}' over scope '${r.path}': it is not a service principal of tenant '${r.principal.tenantId}' here. Sign in with the client id printed by 'arclink serve'.`,
    );
  }
}
