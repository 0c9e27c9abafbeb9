// The stored shape of a private endpoint connection on an Arc Private Link Scope. A private
// endpoint creates it (Approved for automatic, Pending for manual approval); the scope owner
// approves or rejects it; the endpoint reads its state back from here.
export const CONNECTION_TYPE = "Microsoft.HybridCompute/privateLinkScopes/privateEndpointConnections";

export type ConnectionStatus = "Pending" | "Approved" | "Rejected" | "Disconnected";

export function connectionBody(args: {
  scopeId: string;
  name: string;
  privateEndpointId: string;
  status: ConnectionStatus;
  description: string;
}): Record<string, any> {
  return {
    id: `${args.scopeId}/privateEndpointConnections/${args.name}`,
    name: args.name,
    type: CONNECTION_TYPE,
    properties: {
      privateEndpoint: { id: args.privateEndpointId },
      privateLinkServiceConnectionState: {
        status: args.status,
        description: args.description,
        actionsRequired: "None",
      },
      groupIds: ["hybridcompute"],
      provisioningState: "Succeeded",
    },
  };
}
