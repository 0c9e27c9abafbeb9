// The parsed topology: every section with defaults filled in and references checked. Names are
// the file's short names; plan.ts turns them into ARM ids. Resolver references (a DNS server's
// name, an inbound endpoint) are already resolved to IP addresses here.
// Each entry's fields and their types come from the file's schema (schema.ts): an entry here is
// the file's entry with its defaults filled in, and with a few fields read into another shape
// (a subnet reference into {virtualNetwork, subnet}, a site connection's `type` into
// `connectionType`).
import type {
  DNS_RESOLVER,
  DNS_SERVER,
  FIREWALL,
  HOST,
  Infer,
  MACHINE,
  NETWORK_SECURITY_GROUP,
  PEERING,
  PRIVATE_DNS_ZONE,
  PRIVATE_ENDPOINT,
  PRIVATE_LINK_SCOPE,
  PROXY,
  RESOURCE_GROUP,
  SITE,
  SITE_CONNECTION,
  VIRTUAL_NETWORK,
} from "./schema.js";

/** An entry of a list in the file, as the schema reads it. */
type Item<L> = NonNullable<L> extends readonly (infer T)[] ? T : never;
/** `T` with the keys `K` always present (their defaults filled in). */
type Filled<T, K extends keyof T> = Omit<T, K> & { [P in K]-?: Exclude<T[P], undefined> };

export interface SubnetRef {
  virtualNetwork: string;
  subnet: string;
}

export type TResourceGroup = Infer<typeof RESOURCE_GROUP>;

export type TSubnet = Item<Infer<typeof VIRTUAL_NETWORK>["subnets"]>;

export interface TVirtualNetwork extends Filled<
  Infer<typeof VIRTUAL_NETWORK>,
  "resourceGroup" | "location" | "dnsServers" | "subnets"
> {
  /** Custom DNS servers (dhcpOptions.dnsServers) as addresses; empty: Azure-provided DNS. */
  dnsServers: string[];
}

type SecurityRuleIn = Item<Infer<typeof NETWORK_SECURITY_GROUP>["rules"]>;
export type TSecurityRule = Filled<
  SecurityRuleIn,
  "protocol" | "source" | "sourcePorts" | "destination" | "destinationPorts"
>;

export interface TNetworkSecurityGroup extends Filled<
  Omit<Infer<typeof NETWORK_SECURITY_GROUP>, "rules">,
  "resourceGroup" | "location"
> {
  rules: TSecurityRule[];
}

/** One direction of a peering (a bidirectional entry in the file makes two). */
export type TPeering = Filled<
  Omit<Infer<typeof PEERING>, "bidirectional">,
  "name" | "allowVirtualNetworkAccess" | "allowForwardedTraffic" | "allowGatewayTransit" | "useRemoteGateways"
>;

export type TPrivateLinkScope = Filled<
  Infer<typeof PRIVATE_LINK_SCOPE>,
  "resourceGroup" | "location" | "publicNetworkAccess"
>;

type PrivateEndpointIn = Infer<typeof PRIVATE_ENDPOINT>;
export interface TPrivateEndpoint extends Filled<
  Omit<PrivateEndpointIn, "subnet" | "privateDnsZoneGroup">,
  "resourceGroup" | "location" | "manualApproval"
> {
  subnet: SubnetRef;
  privateDnsZoneGroup?: Filled<NonNullable<PrivateEndpointIn["privateDnsZoneGroup"]>, "name">;
}

export type TRecord = Item<Infer<typeof PRIVATE_DNS_ZONE>["records"]>;

type PrivateDnsZoneIn = Infer<typeof PRIVATE_DNS_ZONE>;
export interface TPrivateDnsZone extends Filled<
  Omit<PrivateDnsZoneIn, "virtualNetworkLinks">,
  "resourceGroup" | "records"
> {
  virtualNetworkLinks: Filled<
    Item<PrivateDnsZoneIn["virtualNetworkLinks"]>,
    "name" | "registrationEnabled" | "resolutionPolicy"
  >[];
}

type DnsResolverIn = Infer<typeof DNS_RESOLVER>;
export interface TDnsResolver extends Filled<
  Omit<DnsResolverIn, "inboundEndpoints">,
  "resourceGroup" | "location"
> {
  inboundEndpoints: (Omit<Item<DnsResolverIn["inboundEndpoints"]>, "subnet"> & { subnet: SubnetRef })[];
}

export type TSite = Filled<Infer<typeof SITE>, "resourceGroup">;

export interface TSiteConnection extends Filled<
  Omit<Infer<typeof SITE_CONNECTION>, "type">,
  "name" | "resourceGroup" | "forcedTunneling"
> {
  /** The file's `type`. */
  connectionType: Exclude<Infer<typeof SITE_CONNECTION>["type"], undefined>;
}

/** Where a lab machine sits: a site (on-premises) or a subnet (Azure). */
export type TPlacement = { site: string; subnet?: undefined } | { site?: undefined; subnet: SubnetRef };

type DnsServerIn = Infer<typeof DNS_SERVER>;
export type TDnsServer = TPlacement &
  Filled<
    Omit<DnsServerIn, "site" | "subnet" | "zones" | "conditionalForwarders">,
    "resourceGroup" | "forwarders" | "recursion"
  > & {
    zones: Filled<Item<DnsServerIn["zones"]>, "records">[];
    conditionalForwarders: Item<DnsServerIn["conditionalForwarders"]>[];
  };

/**
 * A host. maxTlsVersion: the newest TLS version the host's OS offers (default "1.3");
 * gcmCipherSuitesEnabled: Windows has the ECDHE AES-GCM cipher suites enabled (default true);
 * osVersion, osSku, osEdition: what the OS says of itself (the agent reports each to the machine);
 * proxyBypass: the agent's proxy.bypass keywords on this host.
 */
export type THost = TPlacement &
  Filled<Omit<Infer<typeof HOST>, "site" | "subnet">, "resourceGroup" | "dnsServers">;

export type TTlsInspection = NonNullable<Infer<typeof FIREWALL>["tlsInspection"]>;

type FirewallIn = Infer<typeof FIREWALL>;
export interface TFirewall extends Filled<Omit<FirewallIn, "rules">, "name" | "resourceGroup"> {
  rules: Filled<Item<FirewallIn["rules"]>, "protocol">[];
}

export type TProxy = Filled<Infer<typeof PROXY>, "resourceGroup">;

type MachineIn = Infer<typeof MACHINE>;
export type TMachineExtension = Filled<Item<MachineIn["extensions"]>, "name">;

/**
 * An Arc machine: what Azure knows from its agent (recorded through ArcLink.Lab/agentReports),
 * and when it was associated with its scope (minutes before now, or a time).
 */
export interface TMachine extends Filled<Omit<MachineIn, "extensions">, "resourceGroup" | "location"> {
  extensions: TMachineExtension[];
}

/** A resolver to expose on a loopback port (served by the DNS listeners). */
export interface TListener {
  /** As written in the file. */
  resolver: string;
  kind: "dnsServer" | "inboundEndpoint" | "public" | "azure";
  /** dnsServer name, 'resolver/endpoint', or the VNet name for kind "azure". */
  name?: string;
  /** 0: any free port. */
  port: number;
}

export interface Topology {
  description?: string;
  resourceGroups: TResourceGroup[];
  virtualNetworks: TVirtualNetwork[];
  networkSecurityGroups: TNetworkSecurityGroup[];
  peerings: TPeering[];
  privateLinkScopes: TPrivateLinkScope[];
  privateEndpoints: TPrivateEndpoint[];
  privateDnsZones: TPrivateDnsZone[];
  dnsResolvers: TDnsResolver[];
  sites: TSite[];
  siteConnections: TSiteConnection[];
  dnsServers: TDnsServer[];
  hosts: THost[];
  firewalls: TFirewall[];
  proxies: TProxy[];
  machines: TMachine[];
  dns: { listeners: TListener[] };
}
