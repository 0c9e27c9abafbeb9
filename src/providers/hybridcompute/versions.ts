// The Microsoft.HybridCompute api-versions, every one azure-rest-api-specs publishes for the
// provider (its readme's tags: stable/ and preview/ folders; 2019-03-18, 2019-08-02 and 2025-06-01
// sit in preview/ without a suffix). Which of them Azure's provider registration lists for each
// type is not in the specs, so every type of the provider is served at all of them. Every
// version is answered with the newest
// shape (older clients ignore the properties they do not know); what a version declares
// differently (status codes, long-running or not) is in versionBehaviour.ts.
export const HYBRIDCOMPUTE_API_VERSIONS = [
  "2019-03-18",
  "2019-08-02",
  "2019-12-12",
  "2020-07-30-preview",
  "2020-08-02",
  "2020-08-15-preview",
  "2021-01-28-preview",
  "2021-03-25-preview",
  "2021-04-22-preview",
  "2021-05-17-preview",
  "2021-05-20",
  "2021-06-10-preview",
  "2021-12-10-preview",
  "2022-03-10",
  "2022-05-10-preview",
  "2022-08-11-preview",
  "2022-11-10",
  "2022-12-27",
  "2022-12-27-preview",
  "2023-03-15-preview",
  "2023-06-20-preview",
  "2023-10-03-preview",
  "2024-03-31-preview",
  "2024-05-20-preview",
  "2024-07-10",
  "2024-07-31-preview",
  "2024-09-10-preview",
  "2024-11-10-preview",
  "2025-01-13",
  "2025-02-19-preview",
  "2025-06-01",
  "2025-08-21-preview",
  "2025-09-16-preview",
  "2026-02-12-preview",
  "2026-06-04-preview",
  "2026-06-16-preview",
  "2026-07-15",
  "2026-09-01",
] as const;

export const SCOPE_TYPE = "Microsoft.HybridCompute/privateLinkScopes";
export const MACHINE_TYPE = "Microsoft.HybridCompute/machines";
export const PRIVATE_LINK_RESOURCE_TYPE = "Microsoft.HybridCompute/privateLinkScopes/privateLinkResources";
/** The one private link group an Arc scope offers. */
export const GROUP_ID = "hybridcompute";
