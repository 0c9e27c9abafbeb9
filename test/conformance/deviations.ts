// The deliberate differences between ArcLink's answers and the specification's examples, with
// the reason for each. docs/CONFORMANCE.md lists the same ids (the suite checks that it does).

export interface Deviation {
  id: string;
  /**
   * "deliberate": ArcLink differs on purpose, for the reason given. "gap": ArcLink lacks it
   * today; the paths are not required, and are compared as soon as ArcLink answers them.
   */
  kind: "deliberate" | "gap";
  /**
   * operationIds it applies to ("*": every one). A bare operationId is one of the Arc, network or
   * private DNS specifications; another provider's is qualified by its example folder
   * ("insights/PrivateLinkScopes_Get"), as operationIds repeat across specifications.
   */
  operations: readonly string[];
  /** Response paths it covers (a path covers everything below it). Empty: a request adaptation. */
  paths: readonly string[];
  reason: string;
}

export const DEVIATIONS: readonly Deviation[] = [
  {
    kind: "deliberate",
    id: "new-scope-has-no-connections",
    operations: ["PrivateLinkScopes_CreateOrUpdate"],
    paths: ["properties.privateEndpointConnections[]"],
    reason:
      "The create example answers a just-created scope with a private endpoint connection. A new scope has none until a private endpoint targets it; the update, get and list examples are replayed with one.",
  },
  {
    kind: "deliberate",
    id: "agent-reported-machine-properties",
    operations: [
      "Machines_Get",
      "Machines_ListByResourceGroup",
      "Machines_ListBySubscription",
      "Machines_CreateOrUpdate",
      "Machines_Update",
    ],
    paths: [
      "properties.agentConfiguration",
      "properties.detectedProperties",
      "properties.firmwareProfile",
      "properties.hardwareProfile",
      "properties.licenseProfile",
      "properties.networkProfile",
      "properties.serviceStatuses",
      "properties.storageProfile",
      "properties.mssqlDiscovered",
      "properties.osEdition",
      "properties.agentUpgrade",
      "properties.cloudMetadata",
      "properties.extensions",
      "properties.errorDetails",
      "properties.osProfile.windowsConfiguration.patchSettings.status",
    ],
    reason:
      "The examples show a machine whose agent has connected. The replay creates the machine with PUT alone, as a script would before onboarding: what the agent reports (its configuration, services, hardware, network, licence) is absent until an agent connects, in Azure too. The same paths are compared on a machine onboarded by azcmagent ('agent/Machines_Get').",
  },
  {
    kind: "deliberate",
    id: "host-hardware-not-modelled",
    operations: ["agent/Machines_Get"],
    paths: [
      "properties.detectedProperties.manufacturer",
      "properties.detectedProperties.model",
      "properties.firmwareProfile",
      "properties.hardwareProfile",
      "properties.storageProfile",
      "properties.networkProfile.networkInterfaces[].id",
      "properties.networkProfile.networkInterfaces[].macAddress",
    ],
    reason:
      "A host of the topology has a name, an operating system, an address and a subnet, not hardware: its maker and model, firmware, processors, memory, disks, interface index and MAC address are unknown, and the agent reports none of them rather than invent them.",
  },
  {
    kind: "deliberate",
    id: "windows-licence-not-modelled",
    operations: ["agent/Machines_Get"],
    paths: [
      "properties.licenseProfile.licenseStatus",
      "properties.licenseProfile.licenseChannel",
      "properties.licenseProfile.esuProfile.esuKeys[]",
    ],
    reason:
      "The example's Windows reports its activation (licence status and channel) and two installed ESU keys. A lab host has no Windows activation state and no ESU keys: the agent reports no status or channel rather than invent them, and an empty key list (esuKeyState Inactive).",
  },
  {
    kind: "deliberate",
    id: "agent-without-proxy",
    operations: ["agent/Machines_Get"],
    paths: ["properties.agentConfiguration.proxyUrl"],
    reason:
      "The example's agent is configured with a proxy. The onboarded host reaches Arc through the private endpoint without one (a proxy URL changes where the agent dials), so its agent reports proxyUrl null, as an agent with no proxy configured.",
  },
  {
    kind: "deliberate",
    id: "hotpatch-status-not-modelled",
    operations: ["agent/Machines_Get"],
    paths: ["properties.osProfile.windowsConfiguration.patchSettings.status"],
    reason:
      "The example shows the hotpatch enablement status the machine reports after hotpatching was asked for. ArcLink keeps the patch settings a user writes but does not model hotpatch enablement on the host, so it shows no status rather than a made-up one.",
  },
  {
    kind: "deliberate",
    id: "connection-names-are-generated",
    operations: [
      "PrivateEndpointConnections_Get",
      "PrivateEndpointConnections_CreateOrUpdate",
      "PrivateEndpointConnections_Delete",
      "insights/PrivateEndpointConnections_Get",
      "insights/PrivateEndpointConnections_CreateOrUpdate",
      "insights/PrivateEndpointConnections_Delete",
    ],
    paths: [],
    reason:
      "A private endpoint connection is created by a private endpoint and named from it ('<endpoint>.<guid>'); the example's name cannot be chosen. The replay addresses the connection the given endpoint created.",
  },
  {
    kind: "deliberate",
    id: "scope-guid-is-generated",
    operations: ["PrivateLinkScopes_GetValidationDetails"],
    paths: [],
    reason:
      "privateLinkScopeId is the GUID Azure gives a scope at creation; the replay asks for the GUID of the scope it created.",
  },
  {
    kind: "deliberate",
    id: "canary-region",
    operations: ["*"],
    paths: [],
    reason:
      "eastus2euap is an early-access (canary) region that subscriptions cannot use by default and ArcLink does not serve; the replay uses eastus.",
  },
  {
    kind: "deliberate",
    id: "private-link-service-target",
    operations: ["PrivateEndpoints_CreateOrUpdate"],
    paths: [],
    reason:
      "The example's endpoint targets a Private Link Service (group 'groupIdFromResource', static address for member 'file'). ArcLink models the seed's targets (Arc scopes, Azure Monitor, Automation, Key Vault, storage, ARM); the replay targets an Arc scope with group 'hybridcompute' and a static address for member 'HybridCompute.Server'.",
  },
  {
    kind: "deliberate",
    id: "zone-group-zone",
    operations: ["PrivateDnsZoneGroups_CreateOrUpdate"],
    paths: [],
    reason:
      "The example links zone 'zone1.com' and shows records in it; records are written for the zones the endpoint's target needs, so the replay uses privatelink.his.arc.azure.com.",
  },
  {
    kind: "deliberate",
    id: "extended-location",
    operations: ["PrivateEndpoints_CreateOrUpdate"],
    paths: [],
    reason:
      "The example creates the endpoint in an Edge Zone (extendedLocation). ArcLink models Azure regions, not Edge Zones; the example passes it beside the body, and the replay sends the body alone.",
  },
  {
    kind: "deliberate",
    id: "example-response-values-not-sent",
    operations: [
      "Machines_CreateOrUpdate",
      "Machines_Update",
      "Machines_Get",
      "Machines_ListByResourceGroup",
      "Machines_ListBySubscription",
      "agent/Machines_Get",
    ],
    paths: [
      "properties.locationData.city",
      "properties.locationData.countryOrRegion",
      "properties.clientPublicKey",
    ],
    reason:
      "The example's response shows values its request did not send (a city and country for a location sent by name only; a client public key the machine never had). ArcLink answers what was written; the get and list replays read a machine written with the create example's request.",
  },
  {
    kind: "deliberate",
    id: "one-page-lists",
    operations: [
      "PrivateZones_ListByResourceGroup",
      "PrivateZones_List",
      "VirtualNetworkLinks_List",
      "RecordSets_ListByType",
      "Machines_ListBySubscription",
    ],
    paths: ["nextLink"],
    reason:
      "The examples show the first page of a longer list, with a nextLink to the rest. ArcLink answers a list that fits one page on that page, without a nextLink, as ARM does on a list's last page.",
  },
  {
    kind: "deliberate",
    id: "unpublished-example-api-version",
    operations: ["PrivateLinkScopes_List"],
    paths: [],
    reason:
      "The 2021-05-20 folder's PrivateLinkScopes_List example names api-version 2019-10-17-preview, which Microsoft.HybridCompute never published (it is in none of the readme's tags, so ArcLink refuses it as Azure does); the replay asks at 2021-05-20, the folder's version.",
  },
  {
    kind: "deliberate",
    id: "placeholder-address",
    operations: ["InboundEndpoints_CreateOrUpdate"],
    paths: [],
    reason:
      "The example asks for the static address 255.255.255.255, a placeholder outside any subnet; the replay asks for a free address of the delegated subnet.",
  },
  {
    kind: "deliberate",
    id: "placeholder-subscription",
    operations: [
      "VirtualNetworkLinks_CreateOrUpdate",
      "DnsResolvers_CreateOrUpdate",
      "InboundEndpoints_CreateOrUpdate",
    ],
    paths: [],
    reason:
      "The examples name a virtual network or subnet in another subscription (a placeholder such as 'virtualNetworkSubscriptionId', or a GUID of no caller's); the replay uses one of the caller's subscription under the example's group and name.",
  },
];

export const GAPS: readonly Deviation[] = [
  {
    kind: "gap",
    id: "machine-os-profile-both-configurations",
    operations: [
      "Machines_Get",
      "Machines_ListByResourceGroup",
      "Machines_CreateOrUpdate",
      "Machines_Update",
    ],
    paths: ["properties.osProfile.linuxConfiguration", "properties.osProfile.windowsConfiguration"],
    reason:
      "The examples show osProfile with both linuxConfiguration and windowsConfiguration (patch settings null where unset); ArcLink shows only the configurations that were sent.",
  },
  {
    kind: "gap",
    id: "machine-license-profile",
    operations: ["agent/Machines_Get"],
    paths: ["properties.licenseProfile.productProfile", "properties.licenseProfile.softwareAssurance"],
    reason:
      "The example shows the Windows Server pay-as-you-go product profile and software assurance, which a user writes through the machine's licenseProfiles child resource; ArcLink does not serve licenseProfiles (nor ESU licences), so the machine shows neither.",
  },
  {
    kind: "gap",
    id: "linux-license-profile",
    operations: ["agent/Machines_Get (linux)"],
    paths: ["properties.licenseProfile"],
    reason:
      "The agent reports licenseProfile (its ESU state) on Windows only, as Extended Security Updates by Arc are for Windows Server; what Azure shows for a Linux machine's licenseProfile was not verified.",
  },
  {
    kind: "gap",
    id: "monitor-scope-access-booleans",
    operations: [
      "insights/PrivateLinkScopes_CreateOrUpdate",
      "insights/PrivateLinkScopes_Get",
      "insights/PrivateLinkScopes_ListByResourceGroup",
      "insights/PrivateEndpointConnections_Get",
      "insights/PrivateEndpointConnections_ListByPrivateLinkScope",
    ],
    paths: [
      "properties.accessModeSettings.queryOnlyPrivateLinkResources",
      "properties.accessModeSettings.ingestOnlyToPrivateLinkResources",
      "properties.queryOnlyPrivateLinkResources",
      "properties.ingestOnlyToPrivateLinkResources",
    ],
    reason:
      "The Azure Monitor scope examples show the booleans queryOnlyPrivateLinkResources and ingestOnlyToPrivateLinkResources (in accessModeSettings and on connections); ArcLink answers the access modes (queryAccessMode, ingestionAccessMode, exclusions) and not these booleans.",
  },
  {
    kind: "gap",
    id: "workspace-replication",
    operations: ["operationalinsights/Workspaces_Get"],
    paths: ["properties.failover", "properties.replication"],
    reason:
      "The workspace Get example shows a workspace replicated to a second region, with its failover state; ArcLink does not model workspace replication and omits both.",
  },
];

/**
 * The differences between the Machines_Get example and a machine onboarded by azcmagent
 * (operation "agent/Machines_Get").
 */
export function agentMachineDeviations(os: "windows" | "linux"): Deviation[] {
  return [...DEVIATIONS, ...GAPS].filter(
    (d) => d.operations.includes("agent/Machines_Get") || d.operations.includes(`agent/Machines_Get (${os})`),
  );
}

/** Folders whose operationIds the bare names in `operations` mean. */
const UNQUALIFIED = ["hybridcompute", "network", "privatedns"];

export function deviationIds(operationId: string, folder: string): Deviation[] {
  const key = UNQUALIFIED.includes(folder) ? operationId : `${folder}/${operationId}`;
  return [...DEVIATIONS, ...GAPS].filter((d) => d.operations.includes("*") || d.operations.includes(key));
}
