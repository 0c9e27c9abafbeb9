// admit(request): does an Arc service accept this machine's call, given how it arrived
// (through which private endpoint, or publicly)? The seed's rules, in one pure function:
// association with the endpoint's scope, the propagation delay, public network access,
// agent version, Entra ID/ARM never over the scope's endpoint, no remote access over Private Link.
import { keyOf } from "../core/resourceId.js";
import { associationOf } from "../providers/hybridcompute/association.js";
import { WorldView, Entry } from "../world/world.js";
import { admitAtServiceEndpoint, isServiceEndpoint } from "./admitServiceEndpoint.js";
import { Endpoint } from "./connect.js";
import { collectConnectionState, connectionStateOf } from "./connectionState.js";
import { isExported } from "./provenance.js";
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

/** A fact a verdict needs that the input does not hold, and how to collect it. */
export interface MissingFact {
  /** Stable code: ConnectionStateUnknown, ConnectionStatesDisagree, AgentVersionUnknown. */
  code: string;
  /** The fact, in words. */
  fact: string;
  /** Commands that collect it (az graph query / az resource show / azcmagent show -j). */
  collect: string[];
  /** ARM ids the fact is about. */
  resources: string[];
}

export interface AdmitResult {
  admitted: boolean;
  /** Set when admission depends on a fact the input lacks: the verdict is undetermined, not refused. */
  undetermined?: MissingFact;
  /** A refusal that also depends on a missing fact (refused for a known reason regardless). */
  undeterminedToo?: MissingFact;
  /** Every reason it was refused for, the first being `code` (over a private endpoint). */
  reasons?: Array<{ code: string; message: string; fix?: string }>;
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
    // Every reason is collected (a host refused for two reasons is told both); the first leads.
    const reasons: NonNullable<AdmitResult["reasons"]> = [];
    let missing: MissingFact | undefined;
    const also = (code: RefusalCode, message: string, fix?: string) => {
      trace.push({ at, what: `refused (${code}): ${message}${fix ? ` Fix: ${fix}` : ""}`, outcome: "fail" });
      reasons.push({ code, message, ...(fix ? { fix } : {}) });
    };
    const unknown = (u: MissingFact) => {
      trace.push({ at, what: `undetermined: ${u.fact} Collect it: ${u.collect[0]}`, outcome: "fail" });
      missing ??= u;
    };
    const verdict = (ok: string): AdmitResult => {
      if (reasons.length)
        return {
          admitted: false,
          code: reasons[0].code as RefusalCode,
          message: reasons[0].message,
          fix: reasons[0].fix,
          reasons,
          ...(missing ? { undeterminedToo: missing } : {}),
          trace,
        };
      if (missing)
        return { admitted: false, undetermined: missing, message: `undetermined: ${missing.fact}`, trace };
      return admitted(ok);
    };
    const cs = connectionStateOf(view, pe.id, scope);
    if (cs.status === "unknown")
      unknown({
        code: cs.disagree ? "ConnectionStatesDisagree" : "ConnectionStateUnknown",
        fact: cs.disagree
          ? `the state of private endpoint ${pe.name}'s connection to scope ${scope.body.name}: the scope's list says ${cs.scopeSide}, the endpoint says ${cs.endpointSide}.`
          : `the state of private endpoint ${pe.name}'s connection to scope ${scope.body.name}: the input holds neither the scope's privateEndpointConnections nor the endpoint's connection state.`,
        collect: collectConnectionState(pe.id, scope.id),
        resources: [pe.id, scope.id],
      });
    else if (cs.status !== "Approved")
      also(
        "PrivateEndpointConnectionNotApproved",
        `private endpoint ${pe.name}'s connection to scope ${scope.body.name} is ${cs.status}.`,
        `approve it on the scope (Private endpoint connections → Approve).`,
      );
    else
      trace.push({
        at,
        what: `connection of ${pe.name} to scope ${scope.body.name} is Approved${cs.scopeSide === "unknown" ? " (as the endpoint records it; the input has no scope-side list)" : cs.endpointSide === "unknown" ? " (as the scope's list records it)" : ""}`,
        outcome: "ok",
      });
    if (r.purpose === "remote-access")
      also(
        "RemoteAccessNotSupportedOverPrivateLink",
        "SSH and Windows Admin Center remote access are not supported over Private Link.",
        "use the public endpoints for remote access, or connect through your own network.",
      );
    if (!r.agentVersion && r.machine && isExported(r.machine))
      unknown({
        code: "AgentVersionUnknown",
        fact: `the Connected Machine agent version of ${r.machine.body.name} (1.4 or later is needed over a private endpoint): the input does not hold properties.agentVersion.`,
        collect: [
          `azcmagent show -j   (on ${r.machine.body.name}: "agentVersion")`,
          `az resource show --ids ${r.machine.id} --query properties.agentVersion`,
          `az graph query -q "resources | where type =~ 'microsoft.hybridcompute/machines' and id =~ '${keyOf(r.machine.id)}' | project id, properties.agentVersion"`,
        ],
        resources: [r.machine.id],
      });
    if (versionBelow(r.agentVersion, [1, 4]))
      also(
        "AgentVersionTooOld",
        `agent ${r.agentVersion} cannot use a private endpoint: version 1.4 or later is required.`,
        "upgrade the Connected Machine agent.",
      );
    if (r.purpose === "check" || !r.machine) return verdict("anonymous reachability check: accepted");
    const m = r.machine;
    const assoc = associationOf(m.body);
    if (!assoc.scopeId) {
      also(
        "MachineNotAssociatedWithScope",
        `machine ${m.body.name} is not associated with any Arc Private Link Scope, but reached scope ${scope.body.name}'s private endpoint: the connection is refused.`,
        `associate it with ${scope.body.name} (Azure Arc resources → Add, or set properties.privateLinkScopeResourceId), or make its DNS resolve Arc's public addresses.`,
      );
      return verdict("");
    }
    if (keyOf(assoc.scopeId) !== scope.key) {
      also(
        "MachineAssociatedWithAnotherScope",
        `machine ${m.body.name} is associated with scope ${assoc.scopeId.split("/").pop()}, not ${scope.body.name} whose private endpoint it reached: the connection is refused (one scope per VNet, and every machine that resolves this endpoint must belong to its scope).`,
        `associate it with ${scope.body.name}, or give it DNS that resolves its own scope's endpoint.`,
      );
      return verdict("");
    }
    if (String(m.body.location).toLowerCase() !== String(scope.body.location).toLowerCase())
      also(
        "ScopeRegionMismatch",
        `machine ${m.body.name} is in ${m.body.location} but scope ${scope.body.name} is in ${scope.body.location}.`,
        "a machine and its scope must be in the same region.",
      );
    const associated = Date.parse(assoc.associatedAt ?? "");
    // A machine onboarded with the scope is accepted at once; an association made later propagates.
    if (Number.isFinite(associated) && !assoc.associatedAtCreation) {
      const age = r.now.getTime() - associated;
      if (age < r.propagationDelayMs)
        also(
          "AssociationNotYetPropagated",
          `machine ${m.body.name} was associated with ${scope.body.name} ${minutes(age)} ago; a new association takes up to ${minutes(r.propagationDelayMs)} to be accepted (${minutes(r.propagationDelayMs - age)} left).`,
          "wait for the association to propagate (arclink time advance 15m in the lab).",
        );
      else trace.push({ at, what: `association made ${minutes(age)} ago: propagated`, outcome: "ok" });
    }
    return verdict(`machine ${m.body.name} belongs to scope ${scope.body.name}: accepted over Private Link`);
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
