// Microsoft.OperationalInsights workspaces (Log Analytics): the api-versions azure-rest-api-specs
// publishes a Workspaces definition in (operationalinsights/resource-manager, its readme's tags:
// preview/2015-11-01-preview/OperationalInsights.json, preview/2020-03-01-preview and
// 2021-12-01-preview/Workspaces.json, stable/{2020-08-01 … 2026-03-01}). Every version is answered
// with the newest shape; what a version lacks, older clients ignore.
export const OPERATIONAL_INSIGHTS_API_VERSIONS = [
  "2015-11-01-preview",
  "2020-03-01-preview",
  "2020-08-01",
  "2020-10-01",
  "2021-06-01",
  "2021-12-01-preview",
  "2022-10-01",
  "2023-09-01",
  "2025-02-01",
  "2025-07-01",
  "2026-03-01",
] as const;

export const WORKSPACE_TYPE = "Microsoft.OperationalInsights/workspaces";

/** The host names an agent sending to a workspace uses, each under its own privatelink zone. */
export function workspaceEndpointNames(customerId: string): { fqdn: string; zone: string; record: string }[] {
  const id = customerId.toLowerCase();
  return [
    { fqdn: `${id}.oms.opinsights.azure.com`, zone: "privatelink.oms.opinsights.azure.com", record: id },
    { fqdn: `${id}.ods.opinsights.azure.com`, zone: "privatelink.ods.opinsights.azure.com", record: id },
    {
      fqdn: `${id}.agentsvc.azure-automation.net`,
      zone: "privatelink.agentsvc.azure-automation.net",
      record: id,
    },
  ];
}
