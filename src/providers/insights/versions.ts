// Microsoft.Insights private link scopes (Azure Monitor Private Link Scopes): the api-versions
// azure-rest-api-specs publishes for privateLinkScopes_API.json (monitor/resource-manager), and the
// names shared by the scope, its children and the private endpoint side.
export const AMPLS_API_VERSIONS = [
  "2019-10-17-preview",
  "2021-07-01-preview",
  "2021-09-01",
  "2023-06-01-preview",
] as const;

/** accessModeSettings exists from 2021-07-01-preview on; 2019-10-17-preview does not define it. */
export function definesAccessModes(apiVersion: string): boolean {
  return apiVersion >= "2021-07-01-preview";
}

export const AMPLS_TYPE = "Microsoft.Insights/privateLinkScopes";
export const AMPLS_CONNECTION_TYPE = "Microsoft.Insights/privateLinkScopes/privateEndpointConnections";
export const AMPLS_SCOPED_RESOURCE_TYPE = "Microsoft.Insights/privateLinkScopes/scopedResources";
export const AMPLS_PRIVATE_LINK_RESOURCE_TYPE = "Microsoft.Insights/privateLinkScopes/privateLinkResources";
export const AMPLS_GROUP_ID = "azuremonitor";

/** The private DNS zones an Azure Monitor private endpoint needs. */
export const AMPLS_ZONES = [
  "privatelink.monitor.azure.com",
  "privatelink.oms.opinsights.azure.com",
  "privatelink.ods.opinsights.azure.com",
  "privatelink.agentsvc.azure-automation.net",
  "privatelink.blob.core.windows.net",
] as const;
