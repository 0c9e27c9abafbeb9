// A generated world for the lint benchmark: one hub VNet with an Arc private endpoint, the three
// privatelink zones, a resolver inbound endpoint, `sites` on-premises sites each with a DNS server
// (most forward the Arc zones to the inbound endpoint, some ask a public resolver), a firewall,
// and `hosts` hosts spread over the sites, each with an Arc machine associated with the scope.
import { StoredResource } from "../src/store/store.js";
import { World } from "../src/world/world.js";
import { arcEndpointNames } from "../src/core/arcEndpoints.js";

export const BENCH_SUB = "/subscriptions/00000000-0000-0000-0000-0000000000b1";
const RG = `${BENCH_SUB}/resourceGroups/rg-bench`;

export function benchResources(hosts: number, sites = 50): StoredResource[] {
  if (sites > 150) throw new Error("at most 150 sites (10.100.0.0/16 … 10.249.0.0/16)");
  const out: StoredResource[] = [];
  const add = (id: string, type: string, properties: Record<string, any>, extra: Record<string, any> = {}) =>
    out.push({ id, type, rev: 1, body: { id, name: id.split("/").pop(), type, properties, ...extra } });
  add(BENCH_SUB, "Microsoft.Resources/subscriptions", {});
  add(RG, "Microsoft.Resources/resourceGroups", {}, { location: "eastus" });
  const vnet = `${RG}/providers/Microsoft.Network/virtualNetworks/vnet-hub`;
  add(
    vnet,
    "Microsoft.Network/virtualNetworks",
    { addressSpace: { addressPrefixes: ["10.10.0.0/16"] } },
    { location: "eastus" },
  );
  add(`${vnet}/subnets/snet-pe`, "Microsoft.Network/virtualNetworks/subnets", {
    addressPrefix: "10.10.1.0/24",
  });
  add(`${vnet}/subnets/snet-in`, "Microsoft.Network/virtualNetworks/subnets", {
    addressPrefix: "10.10.2.0/28",
  });
  const scope = `${RG}/providers/Microsoft.HybridCompute/privateLinkScopes/pls-arc`;
  add(
    scope,
    "Microsoft.HybridCompute/privateLinkScopes",
    { publicNetworkAccess: "Disabled" },
    { location: "eastus" },
  );
  const pe = `${RG}/providers/Microsoft.Network/privateEndpoints/pe-arc`;
  const names = arcEndpointNames("eastus");
  add(
    pe,
    "Microsoft.Network/privateEndpoints",
    {
      subnet: { id: `${vnet}/subnets/snet-pe` },
      privateLinkServiceConnections: [
        { name: "pe-arc", properties: { privateLinkServiceId: scope, groupIds: ["hybridcompute"] } },
      ],
      customDnsConfigs: names.map((n, i) => ({ fqdn: n.fqdn, ipAddresses: [`10.10.1.${4 + i}`] })),
      ipConfigurations: names.map((n, i) => ({
        name: `cfg${i}`,
        properties: {
          groupId: "hybridcompute",
          memberName: n.memberName,
          privateIPAddress: `10.10.1.${4 + i}`,
        },
      })),
    },
    { location: "eastus" },
  );
  add(
    `${scope}/privateEndpointConnections/pe-arc.1`,
    "Microsoft.HybridCompute/privateLinkScopes/privateEndpointConnections",
    {
      privateEndpoint: { id: pe },
      privateLinkServiceConnectionState: {
        status: "Approved",
        description: "Auto-Approved",
        actionsRequired: "None",
      },
    },
  );
  const zones = new Map<string, Array<[string, string]>>();
  names.forEach((n, i) => {
    const l = zones.get(n.zone) ?? [];
    l.push([n.record, `10.10.1.${4 + i}`]);
    zones.set(n.zone, l);
  });
  for (const [z, recs] of zones) {
    const zid = `${RG}/providers/Microsoft.Network/privateDnsZones/${z}`;
    add(zid, "Microsoft.Network/privateDnsZones", {}, { location: "global" });
    for (const [r, ip] of recs)
      add(`${zid}/A/${r}`, "Microsoft.Network/privateDnsZones/A", {
        ttl: 10,
        aRecords: [{ ipv4Address: ip }],
      });
    add(`${zid}/virtualNetworkLinks/hub`, "Microsoft.Network/privateDnsZones/virtualNetworkLinks", {
      virtualNetwork: { id: vnet },
      registrationEnabled: false,
      resolutionPolicy: "Default",
    });
  }
  const dr = `${RG}/providers/Microsoft.Network/dnsResolvers/dnspr`;
  add(dr, "Microsoft.Network/dnsResolvers", { virtualNetwork: { id: vnet } }, { location: "eastus" });
  add(
    `${dr}/inboundEndpoints/inbound`,
    "Microsoft.Network/dnsResolvers/inboundEndpoints",
    {
      ipConfigurations: [
        {
          subnet: { id: `${vnet}/subnets/snet-in` },
          privateIpAddress: "10.10.2.4",
          privateIpAllocationMethod: "Static",
        },
      ],
    },
    { location: "eastus" },
  );
  const now = new Date(Date.now() - 86_400_000).toISOString();
  for (let s = 0; s < sites; s++) {
    const site = `${RG}/providers/ArcLink.Lab/sites/site${s}`;
    add(site, "ArcLink.Lab/sites", { addressSpace: { addressPrefixes: [`10.${100 + s}.0.0/16`] } });
    add(`${RG}/providers/ArcLink.Lab/siteConnections/site${s}-vpn`, "ArcLink.Lab/siteConnections", {
      siteId: site,
      virtualNetworkId: vnet,
      connectionType: "Vpn",
      forcedTunneling: false,
    });
    const pub = s % 10 === 9;
    add(`${RG}/providers/ArcLink.Lab/dnsServers/dc${s}`, "ArcLink.Lab/dnsServers", {
      siteId: site,
      ipAddress: `10.${100 + s}.0.10`,
      zones: [],
      conditionalForwarders: pub
        ? []
        : ["his.arc.azure.com", "guestconfiguration.azure.com", "dp.kubernetesconfiguration.azure.com"].map(
            (d) => ({
              domain: d,
              targets: ["10.10.2.4"],
            }),
          ),
      forwarders: [],
      recursion: true,
    });
    add(`${RG}/providers/ArcLink.Lab/firewalls/fw${s}`, "ArcLink.Lab/firewalls", {
      siteId: site,
      defaultAction: "Deny",
      rules: [
        {
          name: "dns",
          priority: 100,
          action: "Allow",
          protocol: "Any",
          destinationAddresses: ["*"],
          destinationPorts: ["53"],
        },
        {
          name: "aad",
          priority: 150,
          action: "Allow",
          protocol: "Tcp",
          destinationAddresses: ["AzureActiveDirectory"],
          destinationPorts: ["443"],
        },
        ...(s % 7 === 3
          ? []
          : [
              {
                name: "arm",
                priority: 151,
                action: "Allow",
                protocol: "Tcp",
                destinationAddresses: ["AzureResourceManager"],
                destinationPorts: ["443"],
              },
            ]),
        {
          name: "pe",
          priority: 200,
          action: "Allow",
          protocol: "Tcp",
          destinationAddresses: ["10.10.1.0/24"],
          destinationPorts: ["443"],
        },
      ],
    });
  }
  for (let h = 0; h < hosts; h++) {
    const s = h % sites;
    const n = Math.floor(h / sites);
    const name = `h${h}`;
    const ip = `10.${100 + s}.${1 + Math.floor(n / 250)}.${1 + (n % 250)}`;
    add(`${RG}/providers/ArcLink.Lab/hosts/${name}`, "ArcLink.Lab/hosts", {
      siteId: `${RG}/providers/ArcLink.Lab/sites/site${s}`,
      privateIPAddress: ip,
      osType: h % 2 ? "Windows" : "Linux",
      dnsServers: [`10.${100 + s}.0.10`],
    });
    add(
      `${RG}/providers/Microsoft.HybridCompute/machines/${name}`,
      "Microsoft.HybridCompute/machines",
      { privateLinkScopeResourceId: h % 13 === 5 ? undefined : scope, agentVersion: "1.45" },
      { location: "eastus", systemData: { createdAt: now } },
    );
  }
  return out;
}

export function benchWorld(hosts: number, sites = 50): World {
  const w = new World();
  w.load(benchResources(hosts, sites), 1);
  return w;
}
