// The stored shape of a private endpoint connection on a private link scope (Azure Arc's, or
// Azure Monitor's with its own type and group id). A private endpoint creates it (Approved for automatic, Pending for manual approval); the scope owner
// approves or rejects it; the endpoint reads its state back from here.
export const CONNECTION_TYPE = "Microsoft.HybridCompute/privateLinkScopes/privateEndpointConnections";

export type ConnectionStatus = "Pending" | "Approved" | "Rejected" | "Disconnected";

export function connectionBody(args: {
  scopeId: string;
  name: string;
  privateEndpointId: string;
  status: ConnectionStatus;
  description: string;
  /** Defaults: the Arc scope's connection type and group. */
  type?: string;
  groupId?: string;
}): Record<string, any> {
  return {
    id: `${args.scopeId}/privateEndpointConnections/${args.name}`,
    name: args.name,
    type: args.type ?? CONNECTION_TYPE,
    properties: {
      privateEndpoint: { id: args.privateEndpointId },
      privateLinkServiceConnectionState: {
        status: args.status,
        description: args.description,
        actionsRequired: "None",
      },
      groupIds: [args.groupId ?? "hybridcompute"],
      provisioningState: "Succeeded",
    },
  };
}
