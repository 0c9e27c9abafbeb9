// Microsoft.HybridCompute/privateLinkScopes/privateEndpointConnections: the scope side of a
// private endpoint. Only private endpoints create them (connectionBody.ts); the scope owner can
// approve, reject or disconnect an existing one with PUT, and delete it (the endpoint then shows
// Disconnected, reading the state back from here). A decided connection cannot return to Pending.
// Azure Monitor Private Link Scopes have the same child with their own type and group id
// (scopeConnections below).
import { ArmError, errors } from "../../core/armError.js";
import { name as nameOf, parentId } from "../../core/resourceId.js";
import { ResourceType } from "../contract.js";
import { asObject, optEnum, optString } from "../validate.js";
import { CONNECTION_TYPE, ConnectionStatus } from "./connectionBody.js";
import { GROUP_ID, HYBRIDCOMPUTE_API_VERSIONS } from "./versions.js";

const STATUSES: readonly ConnectionStatus[] = ["Pending", "Approved", "Rejected", "Disconnected"];
const STATE = "properties.privateLinkServiceConnectionState";

export interface ScopeConnectionsOf {
  /** Full type of the connection child. */
  type: string;
  apiVersions: readonly string[];
  /** The scope's one private link group. */
  groupId: string;
}

/** The private endpoint connections child of a private link scope. */
export function scopeConnections(of: ScopeConnectionsOf): ResourceType {
  return {
    type: of.type,
    apiVersions: of.apiVersions,
    kind: "proxy",
    name: {
      min: 1,
      max: 260,
      pattern: /^[a-zA-Z0-9\-_.]+$/,
      describe: "letters, digits, hyphens, underscores and periods",
    },
    lro: { put: "sync", delete: "location" },
    etag: "none",
    write(_ctx, req) {
      const existing = req.existing;
      if (!existing) {
        const scope = parentId(req.id) ?? "";
        throw new ArmError(
          404,
          "PrivateEndpointConnectionNotFound",
          `Private endpoint connection '${nameOf(req.id)}' does not exist on private link scope '${scope.split("/").pop()}'. ` +
            `Connections are created by private endpoints: create a Microsoft.Network/privateEndpoints resource whose ` +
            `privateLinkServiceId is ${scope} with groupIds ["${of.groupId}"], then approve or reject the connection it creates.`,
        );
      }
      const p = asObject(req.body.properties, "properties");
      if (p.privateLinkServiceConnectionState === undefined || p.privateLinkServiceConnectionState === null) {
        throw errors.missingProperty(
          STATE,
          'Send {status, description}, e.g. {"status":"Approved","description":"Approved by admin"}.',
        );
      }
      const st = asObject(p.privateLinkServiceConnectionState, STATE);
      const status = optEnum(st.status, `${STATE}.status`, STATUSES);
      if (!status) throw errors.missingProperty(`${STATE}.status`, `Use one of ${STATUSES.join(", ")}.`);
      const description = optString(st.description, `${STATE}.description`, 1024);
      if (description === undefined) {
        throw errors.missingProperty(
          `${STATE}.description`,
          "Say why the connection is approved or rejected.",
        );
      }
      const prev = String(existing.body.properties?.privateLinkServiceConnectionState?.status ?? "Pending");
      if (status === "Pending" && (prev === "Approved" || prev === "Rejected")) {
        throw new ArmError(
          400,
          "BadRequest",
          `Private endpoint connection '${existing.body.name}' is already ${prev}; it cannot be set back to Pending. ` +
            `Approve or reject it, or delete the connection and create the private endpoint again.`,
          { target: `${STATE}.status` },
        );
      }
      return {
        ...(existing.body.properties ?? {}),
        privateLinkServiceConnectionState: { status, description, actionsRequired: "None" },
        groupIds: existing.body.properties?.groupIds ?? [of.groupId],
        provisioningState: "Succeeded",
      };
    },
  };
}

export const privateEndpointConnections: ResourceType = scopeConnections({
  type: CONNECTION_TYPE,
  apiVersions: HYBRIDCOMPUTE_API_VERSIONS,
  groupId: GROUP_ID,
});
