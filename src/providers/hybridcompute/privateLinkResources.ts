// Microsoft.HybridCompute/privateLinkScopes/privateLinkResources: read-only, computed from the
// scope. An Arc scope offers one group, "hybridcompute", whose members and private DNS zones are
// those of the Arc private endpoint DNS table (the real-world zones, not the examples' typos).
import { ARC_ZONES } from "../../core/arcEndpoints.js";
import { VirtualChildren } from "../contract.js";
import { GROUP_ID, PRIVATE_LINK_RESOURCE_TYPE } from "./versions.js";

/** The one private link resource of a scope (members and zones per the Arc DNS table). */
export const privateLinkResources: VirtualChildren = {
  type: PRIVATE_LINK_RESOURCE_TYPE,
  list(parent) {
    return [
      {
        id: `${parent.body.id ?? parent.id}/privateLinkResources/${GROUP_ID}`,
        name: GROUP_ID,
        type: PRIVATE_LINK_RESOURCE_TYPE,
        properties: {
          groupId: GROUP_ID,
          requiredMembers: ["HybridCompute.Server", "HybridCompute.K8sConfiguration", "GuestConfig.DP"],
          requiredZoneNames: [...ARC_ZONES],
        },
      },
    ];
  },
};
