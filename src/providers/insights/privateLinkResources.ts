// Microsoft.Insights/privateLinkScopes/privateLinkResources: read-only, computed from the scope.
// An Azure Monitor scope offers one group, "azuremonitor", with its five private DNS zones; its
// members include those of the workspaces it holds.
import { VirtualChildren } from "../contract.js";
import { monitorWorkspaceNames } from "./monitorEndpoints.js";
import { AMPLS_GROUP_ID, AMPLS_PRIVATE_LINK_RESOURCE_TYPE, AMPLS_ZONES } from "./versions.js";

export const monitorPrivateLinkResources: VirtualChildren = {
  type: AMPLS_PRIVATE_LINK_RESOURCE_TYPE,
  list(parent, view) {
    return [
      {
        id: `${parent.body.id ?? parent.id}/privateLinkResources/${AMPLS_GROUP_ID}`,
        name: AMPLS_GROUP_ID,
        type: AMPLS_PRIVATE_LINK_RESOURCE_TYPE,
        properties: {
          groupId: AMPLS_GROUP_ID,
          requiredMembers: [
            "global.handler.control",
            "{region}.handler.control",
            ...new Set(monitorWorkspaceNames(view, parent.id).map((n) => n.memberName)),
          ],
          requiredZoneNames: [...AMPLS_ZONES],
        },
      },
    ];
  },
};
