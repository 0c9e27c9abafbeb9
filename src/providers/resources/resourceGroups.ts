// Microsoft.Resources/resourceGroups: a location, tags, managedBy; deleting one deletes
// everything in it (each provider cleans up what it owns elsewhere).
import { RESOURCES_API_VERSIONS } from "./apiVersions.js";
import { ResourceType } from "../contract.js";
import { optString } from "../validate.js";

export const resourceGroups: ResourceType = {
  type: "Microsoft.Resources/resourceGroups",
  topology: { section: "resourceGroups" },
  apiVersions: RESOURCES_API_VERSIONS,
  kind: "tracked",
  name: {
    min: 1,
    max: 90,
    pattern: /^[-\w._()]*[-\w_()]$/u,
    describe: "letters, digits, underscores, parentheses, hyphens and periods, not ending in a period",
  },
  lro: { put: "sync", delete: "location" },
  etag: "none",
  patch: "merge",
  write(_ctx, req) {
    optString(req.body.managedBy, "managedBy");
    return {};
  },
};
