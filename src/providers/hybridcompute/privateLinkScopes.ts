// Microsoft.HybridCompute/privateLinkScopes: an Azure Arc Private Link Scope. PUT is synchronous,
// PATCH changes only tags, DELETE is a location-style LRO. The scope keeps its privateLinkScopeId
// GUID for life; its private endpoint connections are separate child entries (created by
// private endpoints) that GET inlines. Deleting a scope is allowed while machines still name it:
// their privateLinkScopeResourceId then dangles (lint reports it); the connections go with it.
import { newGuid } from "../../core/guid.js";
import { ResourceType } from "../contract.js";
import { asArray, asObject, optEnum, reqString } from "../validate.js";
import { privateLinkResources } from "./privateLinkResources.js";
import { connectionsOf } from "./validationDetails.js";
import { definesSecuredByPerimeter } from "./versionBehaviour.js";
import { HYBRIDCOMPUTE_API_VERSIONS, SCOPE_TYPE } from "./versions.js";

const ACCESS = ["Enabled", "Disabled"] as const;
/** The versions that define SecuredByPerimeter (versionBehaviour.ts) accept it too. */
const ACCESS_WITH_PERIMETER = ["Enabled", "Disabled", "SecuredByPerimeter"] as const;
const DEFAULT_SERVICE_EXTENSIONS = [
  { serviceExtensionType: "SQL", serviceExtensionPublicNetworkAccess: "Enabled" },
];

export const privateLinkScopes: ResourceType = {
  type: SCOPE_TYPE,
  topology: { section: "privateLinkScopes" },
  apiVersions: HYBRIDCOMPUTE_API_VERSIONS,
  kind: "tracked",
  name: {
    min: 1,
    max: 64,
    pattern: /^[a-zA-Z0-9\-_.]+$/,
    describe: "letters, digits, hyphens, underscores and periods",
  },
  lro: { put: "sync", delete: "location" },
  etag: "none",
  listBy: { subscription: true, resourceGroup: true },
  patch: "tags",
  write(ctx, req) {
    const p = asObject(req.body.properties, "properties");
    const publicNetworkAccess =
      optEnum(
        p.publicNetworkAccess,
        "properties.publicNetworkAccess",
        definesSecuredByPerimeter(ctx.apiVersion) ? ACCESS_WITH_PERIMETER : ACCESS,
      ) ?? "Disabled";
    const out: Record<string, any> = {
      publicNetworkAccess,
      privateLinkScopeId: req.existing?.body.properties?.privateLinkScopeId ?? newGuid(),
    };
    // Not sent: what Azure answers a bare {location} create with (the PrivateLinkScopes_Create
    // example of 2026-07-15, the first version that defines the property). PUT replaces, so an
    // update without it gets the default again.
    out.serviceExtensions = DEFAULT_SERVICE_EXTENSIONS.map((x) => ({ ...x }));
    if (p.serviceExtensions !== undefined && p.serviceExtensions !== null) {
      out.serviceExtensions = asArray(p.serviceExtensions, "properties.serviceExtensions").map((x, i) => {
        const path = `properties.serviceExtensions[${i}]`;
        const o = asObject(x, path);
        const ext: Record<string, string> = {
          serviceExtensionType: reqString(o.serviceExtensionType, `${path}.serviceExtensionType`, 128),
        };
        const access = optEnum(
          o.serviceExtensionPublicNetworkAccess,
          `${path}.serviceExtensionPublicNetworkAccess`,
          ACCESS,
        );
        if (access) ext.serviceExtensionPublicNetworkAccess = access;
        return ext;
      });
    }
    return out;
  },
  projectReadsWorldOnly: true,
  project(body, view, _now, entry) {
    const connections = connectionsOf(entry.id, view).map((c) => ({
      id: c.body.id ?? c.id,
      name: c.body.name,
      type: c.body.type,
      properties: c.body.properties,
    }));
    return { ...body, properties: { ...body.properties, privateEndpointConnections: connections } };
  },
  virtualChildren: { privatelinkresources: privateLinkResources },
};
