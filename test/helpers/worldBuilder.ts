// Builds a World directly from resource bodies, for pure evaluator tests (no server).
import { World } from "../../src/world/world.js";

export const SUB = "/subscriptions/00000000-0000-0000-0000-000000000001";
export const RG = `${SUB}/resourceGroups/rg`;

export class WorldBuilder {
  private items: Array<{ id: string; type: string; body: Record<string, any>; rev: number }> = [];

  add(id: string, type: string, properties: Record<string, any>, extra: Record<string, any> = {}): this {
    this.items.push({
      id,
      type,
      body: { id, name: id.split("/").pop(), type, properties, ...extra },
      rev: 1,
    });
    return this;
  }

  vnet(
    name: string,
    prefix: string,
    subnets: Record<string, string>,
    location = "eastus",
    dnsServers: string[] = [],
  ): this {
    const id = `${RG}/providers/Microsoft.Network/virtualNetworks/${name}`;
    this.add(
      id,
      "Microsoft.Network/virtualNetworks",
      { addressSpace: { addressPrefixes: [prefix] }, dhcpOptions: { dnsServers } },
      { location },
    );
    for (const [s, p] of Object.entries(subnets))
      this.add(`${id}/subnets/${s}`, "Microsoft.Network/virtualNetworks/subnets", { addressPrefix: p });
    return this;
  }

  zone(
    name: string,
    records: Record<string, string[]>,
    links: Array<{ vnet: string; policy?: string }> = [],
  ): this {
    const id = `${RG}/providers/Microsoft.Network/privateDnsZones/${name}`;
    this.add(id, "Microsoft.Network/privateDnsZones", {}, { location: "global" });
    for (const [rel, ips] of Object.entries(records)) {
      this.add(`${id}/A/${rel}`, "Microsoft.Network/privateDnsZones/A", {
        ttl: 10,
        aRecords: ips.map((ipv4Address) => ({ ipv4Address })),
      });
    }
    links.forEach((l, i) =>
      this.add(
        `${id}/virtualNetworkLinks/link${i}`,
        "Microsoft.Network/privateDnsZones/virtualNetworkLinks",
        {
          virtualNetwork: { id: `${RG}/providers/Microsoft.Network/virtualNetworks/${l.vnet}` },
          resolutionPolicy: l.policy ?? "Default",
        },
      ),
    );
    return this;
  }

  /**
   * A private endpoint `name` in `vnet`/`subnet` to the Arc scope `scope` (group hybridcompute), with
   * its DNS names and addresses as the endpoint lists them.
   */
  privateEndpoint(
    name: string,
    vnet: string,
    subnet: string,
    scope: string,
    dns: Array<[string, string]>,
  ): this {
    return this.add(
      `${RG}/providers/Microsoft.Network/privateEndpoints/${name}`,
      "Microsoft.Network/privateEndpoints",
      {
        subnet: { id: `${RG}/providers/Microsoft.Network/virtualNetworks/${vnet}/subnets/${subnet}` },
        privateLinkServiceConnections: [
          { properties: { privateLinkServiceId: scope, groupIds: ["hybridcompute"] } },
        ],
        customDnsConfigs: dns.map(([fqdn, ip]) => ({ fqdn, ipAddresses: [ip] })),
      },
      { location: "eastus" },
    );
  }

  inbound(resolver: string, vnet: string, subnet: string, ip: string): this {
    const rid = `${RG}/providers/Microsoft.Network/dnsResolvers/${resolver}`;
    const vid = `${RG}/providers/Microsoft.Network/virtualNetworks/${vnet}`;
    this.add(rid, "Microsoft.Network/dnsResolvers", { virtualNetwork: { id: vid } }, { location: "eastus" });
    this.add(`${rid}/inboundEndpoints/inbound`, "Microsoft.Network/dnsResolvers/inboundEndpoints", {
      ipConfigurations: [
        {
          subnet: { id: `${vid}/subnets/${subnet}` },
          privateIpAddress: ip,
          privateIpAllocationMethod: "Dynamic",
        },
      ],
    });
    return this;
  }

  site(name: string, prefix: string, vnet?: string, opts: { forcedTunneling?: boolean } = {}): this {
    const id = `${RG}/providers/ArcLink.Lab/sites/${name}`;
    this.add(id, "ArcLink.Lab/sites", { addressSpace: { addressPrefixes: [prefix] } });
    if (vnet) {
      this.add(`${RG}/providers/ArcLink.Lab/siteConnections/${name}-vpn`, "ArcLink.Lab/siteConnections", {
        siteId: id,
        virtualNetworkId: `${RG}/providers/Microsoft.Network/virtualNetworks/${vnet}`,
        connectionType: "Vpn",
        forcedTunneling: !!opts.forcedTunneling,
      });
    }
    return this;
  }

  dnsServer(name: string, site: string, ip: string, props: Record<string, any>): this {
    this.add(`${RG}/providers/ArcLink.Lab/dnsServers/${name}`, "ArcLink.Lab/dnsServers", {
      siteId: `${RG}/providers/ArcLink.Lab/sites/${site}`,
      ipAddress: ip,
      zones: [],
      conditionalForwarders: [],
      forwarders: [],
      recursion: true,
      ...props,
    });
    return this;
  }

  host(
    name: string,
    where: { site?: string; vnet?: string; subnet?: string },
    ip: string,
    props: Record<string, any> = {},
  ): this {
    const pos = where.site
      ? { siteId: `${RG}/providers/ArcLink.Lab/sites/${where.site}` }
      : {
          subnetId: `${RG}/providers/Microsoft.Network/virtualNetworks/${where.vnet}/subnets/${where.subnet}`,
        };
    this.add(`${RG}/providers/ArcLink.Lab/hosts/${name}`, "ArcLink.Lab/hosts", {
      ...pos,
      privateIPAddress: ip,
      osType: "Linux",
      dnsServers: [],
      ...props,
    });
    return this;
  }

  build(): World {
    const w = new World();
    w.load(this.items, 1);
    return w;
  }
}
