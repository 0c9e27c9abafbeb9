// admit(request): does an Arc service accept this machine's call, given how it arrived
// (through which private endpoint, or publicly)? The seed's rules, in one pure function:
// association with the endpoint's scope, the propagation delay, public network access,
// agent version, Entra ID/ARM never over the scope's endpoint, no remote access over Private Link.
import { keyOf, sameId } from "../core/resourceId.js";
import { associationOf } from "../providers/hybridcompute/association.js";
import { WorldView, Entry } from "../world/world.js";
import { admitAtServiceEndpoint, isServiceEndpoint } from "./admitServiceEndpoint.js";
import { Endpoint } from "./connect.js";
import { TraceStep } from "./trace.js";

export type ArcService =
  | "his-global"
  | "his-regional"
  | "guestconfig"
  | "guestconfig-regional"
  | "kubernetes-dp"
  | "entra"
  | "arm"
  | "other";
export type Purpose = "onboard" | "heartbeat" | "extension" | "check" | "remote-access";

export type RefusalCode =
  | "ServiceNotServedByPrivateEndpoint"
  | "PrivateEndpointConnectionNotApproved"
  | "AgentVersionTooOld"
  | "RemoteAccessNotSupportedOverPrivateLink"
  | "MachineNotAssociatedWithScope"
  | "MachineAssociatedWithAnotherScope"
  | "AssociationNotYetPropagated"
  | "ScopeRegionMismatch"
  | "PrivateLinkScopeNotFound"
  | "PublicNetworkAccessDisabled"
  | "PublicNetworkAccessSecuredByPerimeter";

export interface AdmitRequest {
  serverName: string;
  endpoint: Endpoint;
  purpose: Purpose;
  machine?: Entry;
  agentVersion?: string;
  now: Date;
  propagationDelayMs: number;
}

export interface AdmitResult {
  admitted: boolean;
  code?: RefusalCode;
  message: string;
  /** The fix, when there is one. */
  fix?: string;
  trace: TraceStep[];
}

export function serviceOf(serverName: string): ArcService {
  const n = serverName.toLowerCase().replace(/\.$/, "");
  if (n === "gbl.his.arc.azure.com") return "his-global";
  if (n.endsWith(".his.arc.azure.com")) return "his-regional";
  if (n === "agentserviceapi.guestconfiguration.azure.com") return "guestconfig";
  if (n.endsWith(".guestconfiguration.azure.com")) return "guestconfig-regional";
  if (n.endsWith(".dp.kubernetesconfiguration.azure.com")) return "kubernetes-dp";
  if (
    ["login.microsoftonline.com", "login.windows.net", "pas.windows.net"].includes(n) ||
    n.endsWith(".login.microsoft.com")
  )
    return "entra";
  if (n === "management.azure.com") return "arm";
  return "other";
}

function isArc(s: ArcService): boolean {
  return s !== "entra" && s !== "arm" && s !== "other";
}

function versionBelow(v: string | undefined, min: [number, number]): boolean {
  if (!v) return false;
  const [a, b] = v.split(".").map((x) => Number(x));
  if (!Number.isFinite(a)) return false;
  return a < min[0] || (a === min[0] && (b || 0) < min[1]);
}

function minutes(ms: number): string {
  const m = Math.ceil(ms / 60_000);
  return `${m} minute${m === 1 ? "" : "s"}`;
}

export function admit(view: WorldView, r: AdmitRequest): AdmitResult {
  const service = serviceOf(r.serverName);
  const trace: TraceStep[] = [];
  const at = `${r.serverName} (${r.endpoint.kind === "private-endpoint" ? `private endpoint ${r.endpoint.pe.name}` : "public endpoint"})`;
  const refuse = (code: RefusalCode, message: string, fix?: string): AdmitResult => {
    trace.push({ at, what: `refused (${code}): ${message}${fix ? ` Fix: ${fix}` : ""}`, outcome: "fail" });
    return { admitted: false, code, message, fix, trace };
  };
  const admitted = (message: string): AdmitResult => {
    trace.push({ at, what: message, outcome: "ok" });
    return { admitted: true, message, trace };
  };

  if (r.endpoint.kind === "private-endpoint") {
    const pe = r.endpoint.pe;
    if (isServiceEndpoint(pe)) {
      const v = admitAtServiceEndpoint(view, pe, r.serverName, trace, at);
      return v.admitted ? admitted(v.message) : refuse(v.code, v.message, v.fix);
    }
    if (!isArc(service)) {
      return refuse(
        "ServiceNotServedByPrivateEndpoint",
        `${r.serverName} is not served by the Arc Private Link Scope's endpoint ${pe.name}: Entra ID and Azure Resource Manager traffic never crosses it.`,
        `resolve ${r.serverName} publicly and allow it through the firewall (service tags AzureActiveDirectory / AzureResourceManager), or use a resource management private link for ARM.`,
      );
    }
    const scope = view.get(pe.targetId);
    if (!scope)
      return refuse(
        "PrivateLinkScopeNotFound",
        `the scope ${pe.targetId} behind private endpoint ${pe.name} no longer exists.`,
      );
    const conn = view
      .children(scope.id, "Microsoft.HybridCompute/privateLinkScopes/privateEndpointConnections")
      .find((c) => sameId(c.body.properties?.privateEndpoint?.id, pe.id));
    const status = conn?.body.properties?.privateLinkServiceConnectionState?.status ?? "Disconnected";
    if (status !== "Approved") {
      return refuse(
        "PrivateEndpointConnectionNotApproved",
        `private endpoint ${pe.name}'s connection to scope ${scope.body.name} is ${status}.`,
        `approve it on the scope (Private endpoint connections → Approve).`,
      );
    }
    trace.push({
      at,
      what: `connection of ${pe.name} to scope ${scope.body.name} is Approved`,
      outcome: "ok",
    });
    if (r.purpose === "remote-access") {
      return refuse(
        "RemoteAccessNotSupportedOverPrivateLink",
        "SSH and Windows Admin Center remote access are not supported over Private Link.",
        "use the public endpoints for remote access, or connect through your own network.",
      );
    }
    if (versionBelow(r.agentVersion, [1, 4])) {
      return refuse(
        "AgentVersionTooOld",
        `agent ${r.agentVersion} cannot use a private endpoint: version 1.4 or later is required.`,
        "upgrade the Connected Machine agent.",
      );
    }
    if (r.purpose === "check" || !r.machine) return admitted("anonymous reachability check: accepted");
    const m = r.machine;
    const assoc = associationOf(m.body);
    if (!assoc.scopeId) {
      return refuse(
        "MachineNotAssociatedWithScope",
        `machine ${m.body.name} is not associated with any Arc Private Link Scope, but reached scope ${scope.body.name}'s private endpoint: the connection is refused.`,
        `associate it with ${scope.body.name} (Azure Arc resources → Add, or set properties.privateLinkScopeResourceId), or make its DNS resolve Arc's public addresses.`,
      );
    }
    if (keyOf(assoc.scopeId) !== scope.key) {
      return refuse(
        "MachineAssociatedWithAnotherScope",
        `machine ${m.body.name} is associated with scope ${assoc.scopeId.split("/").pop()}, not ${scope.body.name} whose private endpoint it reached: the connection is refused (one scope per VNet, and every machine that resolves this endpoint must belong to its scope).`,
        `associate it with ${scope.body.name}, or give it DNS that resolves its own scope's endpoint.`,
      );
    }
    if (String(m.body.location).toLowerCase() !== String(scope.body.location).toLowerCase()) {
      return refuse(
        "ScopeRegionMismatch",
        `machine ${m.body.name} is in ${m.body.location} but scope ${scope.body.name} is in ${scope.body.location}.`,
        "a machine and its scope must be in the same region.",
      );
    }
    const associated = Date.parse(assoc.associatedAt ?? "");
    // A machine onboarded with the scope is accepted at once; an association made later propagates.
    if (Number.isFinite(associated) && !assoc.associatedAtCreation) {
      const age = r.now.getTime() - associated;
      if (age < r.propagationDelayMs) {
        return refuse(
          "AssociationNotYetPropagated",
          `machine ${m.body.name} was associated with ${scope.body.name} ${minutes(age)} ago; a new association takes up to ${minutes(r.propagationDelayMs)} to be accepted (${minutes(r.propagationDelayMs - age)} left).`,
          "wait for the association to propagate (arclink time advance 15m in the lab).",
        );
      }
      trace.push({ at, what: `association made ${minutes(age)} ago: propagated`, outcome: "ok" });
    }
    return admitted(`machine ${m.body.name} belongs to scope ${scope.body.name}: accepted over Private Link`);
  }

  // Public endpoint.
  if (r.purpose === "check" || !r.machine || !isArc(service))
    return admitted("accepted on the public endpoint");
  const assoc = associationOf(r.machine.body);
  if (assoc.scopeId) {
    const scope = view.get(assoc.scopeId);
    if (scope && scope.body.properties?.publicNetworkAccess === "SecuredByPerimeter") {
      // A Network Security Perimeter admits public traffic only by its access rules; ArcLink
      // models no perimeter, so there is no rule that could admit this machine.
      return refuse(
        "PublicNetworkAccessSecuredByPerimeter",
        `machine ${r.machine.body.name} belongs to scope ${scope.body.name}, whose public network access is SecuredByPerimeter, and reached ${r.serverName} on a public address; no network security perimeter access rule is modelled that admits it.`,
        `make its DNS resolve the scope's private endpoint (conditional forwarders / private zones), or set public network access on ${scope.body.name} to Enabled.`,
      );
    }
    if (scope && scope.body.properties?.publicNetworkAccess === "Disabled") {
      return refuse(
        "PublicNetworkAccessDisabled",
        `machine ${r.machine.body.name} belongs to scope ${scope.body.name}, whose public network access is Disabled, but reached ${r.serverName} on a public address.`,
        `make its DNS resolve the scope's private endpoint (conditional forwarders / private zones), or allow public network access on ${scope.body.name}.`,
      );
    }
  }
  return admitted(`machine ${r.machine.body.name} accepted on the public endpoint`);
}
