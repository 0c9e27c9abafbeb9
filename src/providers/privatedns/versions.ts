// api-versions Microsoft.Network serves for private DNS zones, record sets and links: every version the
// Private DNS spec readme publishes (stable 2018-09-01, 2020-01-01, 2020-06-01, 2024-06-01; preview 2026-06-01-preview).
export const PRIVATE_DNS_API_VERSIONS = [
  "2018-09-01",
  "2020-01-01",
  "2020-06-01",
  "2024-06-01",
  "2026-06-01-preview",
] as const;

export const ZONE_TYPE = "Microsoft.Network/privateDnsZones";
export const LINK_TYPE = "Microsoft.Network/privateDnsZones/virtualNetworkLinks";
export const VNET_TYPE = "Microsoft.Network/virtualNetworks";

/** Azure's Private DNS limits (learn.microsoft.com: Azure subscription and service limits). */
export const LIMITS = {
  zonesPerSubscription: 1000,
  recordSetsPerZone: 25000,
  recordsPerRecordSet: 20,
  linksPerZone: 1000,
  registrationLinksPerZone: 100,
  zonesPerVirtualNetwork: 1000,
} as const;
