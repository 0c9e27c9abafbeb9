// The bundled service tag data, in Azure's ServiceTags_Public format. These prefixes are a
// small, self-consistent stand-in for the real file (which users can load instead): the
// network model only ever compares addresses against them; nothing is ever sent there.
// Regional Arc sub-tags deliberately omit the global Arc range, as Azure's do.

type Tag = { name: string; region?: string; systemService?: string; prefixes: string[] };

const tags: Tag[] = [
  { name: "AzureActiveDirectory", systemService: "AzureAD", prefixes: ["20.190.128.0/18", "40.126.0.0/18"] },
  {
    name: "AzureResourceManager",
    systemService: "AzureResourceManager",
    prefixes: ["4.150.240.0/24", "13.69.67.64/28"],
  },
  {
    name: "AzureArcInfrastructure",
    systemService: "AzureArcInfrastructure",
    prefixes: ["13.70.79.64/28", "20.38.149.0/24", "20.42.0.0/24", "20.49.0.0/24", "20.62.0.0/24"],
  },
  { name: "AzureArcInfrastructure.EastUS", region: "eastus", prefixes: ["20.42.0.0/24"] },
  { name: "AzureArcInfrastructure.WestEurope", region: "westeurope", prefixes: ["20.49.0.0/24"] },
  { name: "AzureArcInfrastructure.WestUS2", region: "westus2", prefixes: ["20.62.0.0/24"] },
  {
    name: "GuestAndHybridManagement",
    systemService: "GuestAndHybridManagement",
    prefixes: ["20.38.149.0/24", "52.150.0.0/24"],
  },
  {
    name: "AzureTrafficManager",
    systemService: "AzureTrafficManager",
    prefixes: ["13.65.92.252/32", "20.38.149.0/24"],
  },
  { name: "Storage", systemService: "AzureStorage", prefixes: ["20.60.0.0/16", "52.239.0.0/16"] },
  { name: "AzureMonitor", systemService: "AzureMonitor", prefixes: ["20.37.0.0/24", "52.161.0.0/24"] },
  { name: "AzureKeyVault", systemService: "AzureKeyVault", prefixes: ["20.41.0.0/24"] },
  { name: "AzureAutomation", systemService: "AzureAutomation", prefixes: ["20.45.0.0/24"] },
  { name: "WindowsAdminCenter", systemService: "WindowsAdminCenter", prefixes: ["20.48.0.0/24"] },
  { name: "AzureFrontDoor.Frontend", systemService: "AzureFrontDoor", prefixes: ["13.107.246.0/24"] },
  { name: "EventHub", systemService: "EventHub", prefixes: ["20.36.0.0/24"] },
  {
    name: "AzureCloud",
    prefixes: [
      "4.150.240.0/24",
      "13.65.92.252/32",
      "13.69.67.64/28",
      "13.70.79.64/28",
      "13.107.246.0/24",
      "20.36.0.0/14",
      "20.41.0.0/16",
      "20.42.0.0/15",
      "20.45.0.0/16",
      "20.48.0.0/15",
      "20.60.0.0/16",
      "20.62.0.0/16",
      "20.190.128.0/18",
      "40.126.0.0/18",
      "52.150.0.0/15",
      "52.161.0.0/16",
      "52.239.0.0/16",
    ],
  },
];

export const DEFAULT_SERVICE_TAGS = {
  changeNumber: 1,
  cloud: "Public",
  values: tags.map((t, i) => ({
    name: t.name,
    id: t.name,
    properties: {
      changeNumber: 1,
      region: t.region ?? "",
      regionId: t.region ? i + 1 : 0,
      platform: "Azure",
      systemService: t.systemService ?? "",
      addressPrefixes: t.prefixes,
      networkFeatures: ["API", "NSG", "UDR", "FW"],
    },
  })),
};
