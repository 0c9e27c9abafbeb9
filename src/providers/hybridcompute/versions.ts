// The Microsoft.HybridCompute api-versions ArcLink accepts (fact sheet §0). Every version is
// answered with the newest shape; older clients ignore the properties they do not know.
export const HYBRIDCOMPUTE_API_VERSIONS = [
  "2019-12-12",
  "2020-08-02",
  "2020-08-15-preview",
  "2021-05-20",
  "2022-03-10",
  "2022-05-10-preview",
  "2022-11-10",
  "2022-12-27",
  "2023-06-20-preview",
  "2023-10-03-preview",
  "2024-03-31-preview",
  "2024-05-20-preview",
  "2024-07-10",
  "2024-07-31-preview",
  "2025-01-13",
  "2025-09-16-preview",
  "2026-07-15",
  "2026-09-01",
] as const;

export const SCOPE_TYPE = "Microsoft.HybridCompute/privateLinkScopes";
export const MACHINE_TYPE = "Microsoft.HybridCompute/machines";
export const PRIVATE_LINK_RESOURCE_TYPE = "Microsoft.HybridCompute/privateLinkScopes/privateLinkResources";
/** The one private link group an Arc scope offers. */
export const GROUP_ID = "hybridcompute";
