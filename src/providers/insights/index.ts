// Microsoft.Insights: Azure Monitor Private Link Scopes with their scoped resources, private
// endpoint connections and private link resources.
import { scopeConnections } from "../hybridcompute/privateEndpointConnections.js";
import { ProviderNamespace } from "../registry.js";
import { monitorPrivateLinkScopes } from "./privateLinkScopes.js";
import { scopedResources } from "./scopedResources.js";
import { AMPLS_API_VERSIONS, AMPLS_CONNECTION_TYPE, AMPLS_GROUP_ID } from "./versions.js";

export const insightsNamespace: ProviderNamespace = {
  namespace: "Microsoft.Insights",
  types: [
    monitorPrivateLinkScopes,
    scopedResources,
    scopeConnections({
      type: AMPLS_CONNECTION_TYPE,
      apiVersions: AMPLS_API_VERSIONS,
      groupId: AMPLS_GROUP_ID,
    }),
  ],
};
