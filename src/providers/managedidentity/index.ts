// Microsoft.ManagedIdentity as ArcLink serves it: user-assigned identities, stored with the ids
// Azure would mint for them (a service principal in the caller's tenant).
import { newGuid } from "../../core/guid.js";
import { ResourceType } from "../contract.js";
import { ProviderNamespace } from "../registry.js";

const VERSIONS = [
  "2018-11-30",
  "2021-09-30-preview",
  "2022-01-31-preview",
  "2023-01-31",
  "2023-07-31-preview",
  "2024-11-30",
] as const;

export const userAssignedIdentities: ResourceType = {
  type: "Microsoft.ManagedIdentity/userAssignedIdentities",
  apiVersions: VERSIONS,
  kind: "tracked",
  name: {
    min: 3,
    max: 128,
    pattern: /^[a-zA-Z0-9][a-zA-Z0-9_-]*$/,
    describe: "letters, digits, hyphens and underscores, starting with a letter or digit",
  },
  lro: { put: "sync", delete: "sync" },
  etag: "none",
  listBy: { subscription: true, resourceGroup: true },
  patch: "tags",
  write(ctx, req) {
    const prev = req.existing?.body.properties ?? {};
    // tenantId, principalId and clientId are read-only: what a request sends is ignored, as Azure does.
    return {
      tenantId: prev.tenantId ?? ctx.principal.tenantId,
      principalId: prev.principalId ?? newGuid(),
      clientId: prev.clientId ?? newGuid(),
    };
  },
};

export const managedIdentityNamespace: ProviderNamespace = {
  namespace: "Microsoft.ManagedIdentity",
  types: [userAssignedIdentities],
};
