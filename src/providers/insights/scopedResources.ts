// Microsoft.Insights/privateLinkScopes/scopedResources: an Azure Monitor resource added to the
// scope (a Log Analytics workspace, an Application Insights component or a data collection
// endpoint), named by properties.linkedResourceId. A workspace must exist (ArcLink models Log
// Analytics workspaces); components and data collection endpoints are not modelled, so their ids
// are checked for form and type only.
import { ArmError, errors } from "../../core/armError.js";
import { fullType, parseResourceId } from "../../core/resourceId.js";
import { ResourceType } from "../contract.js";
import { WORKSPACE_TYPE } from "../operationalinsights/versions.js";
import { asObject, reqString } from "../validate.js";
import { AMPLS_API_VERSIONS, AMPLS_SCOPED_RESOURCE_TYPE } from "./versions.js";

const LINKABLE = [
  WORKSPACE_TYPE,
  "Microsoft.Insights/components",
  "Microsoft.Insights/dataCollectionEndpoints",
];

export const scopedResources: ResourceType = {
  type: AMPLS_SCOPED_RESOURCE_TYPE,
  apiVersions: AMPLS_API_VERSIONS,
  kind: "proxy",
  name: {
    min: 1,
    max: 255,
    pattern: /^[a-zA-Z0-9\-_.()]+$/,
    describe: "letters, digits, hyphens, underscores, periods and parentheses",
  },
  lro: { put: "asyncOperation", delete: "location" },
  etag: "none",
  write(ctx, req) {
    const p = asObject(req.body.properties, "properties");
    const path = "properties.linkedResourceId";
    const id = reqString(p.linkedResourceId, path, 2048);
    const parsed = parseResourceId(id);
    if (!parsed) throw errors.linkedInvalidPropertyId(id, path);
    const type = LINKABLE.find((t) => t.toLowerCase() === fullType(parsed).toLowerCase());
    if (!type) {
      throw new ArmError(
        400,
        "InvalidResourceType",
        `'${path}' must be the id of a Log Analytics workspace, an Application Insights component or a data collection endpoint (${LINKABLE.join(", ")}), but '${id}' is a ${fullType(parsed)}.`,
        { target: path },
      );
    }
    if (type === WORKSPACE_TYPE && !ctx.tx.get(id)) {
      throw new ArmError(
        400,
        "InvalidResourceReference",
        `Log Analytics workspace ${id} referenced by '${path}' was not found. Create the workspace first, or correct the id.`,
        { target: path },
      );
    }
    const prev = req.existing?.body.properties?.linkedResourceId;
    if (typeof prev === "string" && prev.toLowerCase() !== id.toLowerCase()) {
      throw new ArmError(
        400,
        "BadRequest",
        `Scoped resource '${req.existing!.body.name}' links ${prev}; its linked resource cannot change. Delete it and add ${id} under another name.`,
        { target: path },
      );
    }
    return { linkedResourceId: id };
  },
};
