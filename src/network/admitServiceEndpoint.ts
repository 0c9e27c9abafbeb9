// admit() at a private endpoint to a service other than Azure Arc (an Azure Monitor Private Link
// Scope): the service accepts a call when the name asked is one the endpoint serves and the
// endpoint's connection on the target is Approved. What the service then does with the request
// (which workspace it may send to under the scope's access modes) is not modelled.
import { WorldView } from "../world/world.js";
import { liveConnection, targetRow } from "../providers/network/privateLinkTargets.js";
import { fullType, parseResourceId } from "../core/resourceId.js";
import { PrivateEndpointModel } from "./model.js";
import { TraceStep } from "./trace.js";

export type ServiceEndpointVerdict =
  | { admitted: true; message: string }
  | {
      admitted: false;
      code:
        | "ServiceNotServedByPrivateEndpoint"
        | "PrivateEndpointConnectionNotApproved"
        | "PrivateLinkScopeNotFound";
      message: string;
      fix?: string;
    };

/** True when the endpoint connects to a modelled target other than an Arc scope. */
export function isServiceEndpoint(pe: PrivateEndpointModel): boolean {
  const p = parseResourceId(pe.targetId);
  const row = p ? targetRow(fullType(p)) : undefined;
  return !!row?.model && row.type !== "Microsoft.HybridCompute/privateLinkScopes";
}

export function admitAtServiceEndpoint(
  view: WorldView,
  pe: PrivateEndpointModel,
  serverName: string,
  trace: TraceStep[],
  at: string,
): ServiceEndpointVerdict {
  const p = parseResourceId(pe.targetId)!;
  const row = targetRow(fullType(p))!;
  const name = serverName.toLowerCase().replace(/\.$/, "");
  if (!pe.addresses.some((a) => a.fqdn === name)) {
    return {
      admitted: false,
      code: "ServiceNotServedByPrivateEndpoint",
      message: `${serverName} is not one of the names private endpoint ${pe.name} serves for its ${row.service} (${pe.addresses.map((a) => a.fqdn).join(", ")}).`,
      fix: `resolve ${serverName} to the address of the endpoint that serves it, or publicly.`,
    };
  }
  const target = view.get(pe.targetId);
  if (!target) {
    return {
      admitted: false,
      code: "PrivateLinkScopeNotFound",
      message: `the ${row.service} ${pe.targetId} behind private endpoint ${pe.name} no longer exists.`,
    };
  }
  const conn = liveConnection(view, target.id, pe.id);
  const status = conn?.body.properties?.privateLinkServiceConnectionState?.status ?? "Disconnected";
  if (status !== "Approved") {
    return {
      admitted: false,
      code: "PrivateEndpointConnectionNotApproved",
      message: `private endpoint ${pe.name}'s connection to ${row.service} ${target.body.name} is ${status}.`,
      fix: `approve it on ${target.body.name} (Private endpoint connections → Approve).`,
    };
  }
  trace.push({
    at,
    what: `connection of ${pe.name} to ${row.service} ${target.body.name} is Approved`,
    outcome: "ok",
  });
  return {
    admitted: true,
    message: `${serverName} served by ${row.service} ${target.body.name}: accepted over Private Link`,
  };
}
