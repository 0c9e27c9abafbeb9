// The parsed topology: every section with defaults filled in and references checked. Names are
// the file's short names; plan.ts turns them into ARM ids. Resolver references (a DNS server's
// name, an inbound endpoint) are already resolved to IP addresses here.

export interface SubnetRef {
  virtualNetwork: string;
  subnet: string;
}

export interface TResourceGroup {
  name: string;
  location: string;
}

export interface TSubnet {
  name: string;
  addressPrefix: string;
  networkSecurityGroup?: string;
  privateEndpointNetworkPolicies?: string;
  delegation?: string;
}

export interface TVirtualNetwork {
  name: string;
  resourceGroup: string;
  location: string;
  addressPrefixes: string[];
  /** Custom DNS servers (dhcpOptions.dnsServers); empty: Azure-provided DNS. */
  dnsServers: string[];
  subnets: TSubnet[];
}

export interface TSecurityRule {
  name: string;
  priority: number;
  direction: "Inbound" | "Outbound";
  access: "Allow" | "Deny";
  protocol: string;
  source: string[];
  sourcePorts: string[];
  destination: string[];
  destinationPorts: string[];
  description?: string;
}

export interface TNetworkSecurityGroup {
  name: string;
  resourceGroup: string;
  location: string;
  rules: TSecurityRule[];
}

export interface TPeering {
  name: string;
  from: string;
  to: string;
  allowVirtualNetworkAccess: boolean;
  allowForwardedTraffic: boolean;
  allowGatewayTransit: boolean;
  useRemoteGateways: boolean;
}

export interface TPrivateLinkScope {
  name: string;
  resourceGroup: string;
  location: string;
  publicNetworkAccess: "Enabled" | "Disabled";
}

export interface TPrivateEndpoint {
  name: string;
  resourceGroup: string;
  location: string;
  subnet: SubnetRef;
  privateLinkScope: string;
  manualApproval: boolean;
  requestMessage?: string;
  privateDnsZoneGroup?: { name: string; zones: string[] };
}

export interface TRecord {
  name: string;
  type: "A" | "AAAA" | "CNAME" | "TXT";
  ttl?: number;
  values: string[];
}

export interface TPrivateDnsZone {
  name: string;
  resourceGroup: string;
  records: TRecord[];
  virtualNetworkLinks: {
    name: string;
    virtualNetwork: string;
    registrationEnabled: boolean;
    resolutionPolicy: "Default" | "NxDomainRedirect";
  }[];
}

export interface TDnsResolver {
  name: string;
  resourceGroup: string;
  location: string;
  virtualNetwork: string;
  inboundEndpoints: { name: string; subnet: SubnetRef; privateIPAddress?: string }[];
}

export interface TSite {
  name: string;
  resourceGroup: string;
  addressPrefixes: string[];
  description?: string;
}

export interface TSiteConnection {
  name: string;
  resourceGroup: string;
  site: string;
  virtualNetwork: string;
  connectionType: "Vpn" | "ExpressRoute";
  forcedTunneling: boolean;
}

/** Where a lab machine sits: a site (on-premises) or a subnet (Azure). */
export type TPlacement = { site: string; subnet?: undefined } | { site?: undefined; subnet: SubnetRef };

export type TDnsServer = TPlacement & {
  name: string;
  resourceGroup: string;
  ipAddress: string;
  zones: { name: string; records: TRecord[] }[];
  conditionalForwarders: { domain: string; targets: string[] }[];
  forwarders: string[];
  recursion: boolean;
  external?: { host: "127.0.0.1" | "::1" | "localhost"; port: number };
};

export type THost = TPlacement & {
  name: string;
  resourceGroup: string;
  ipAddress: string;
  os: "Windows" | "Linux";
  dnsServers: string[];
  hostsFile?: string;
  proxyUrl?: string;
  /** The agent's proxy.bypass keywords on this host. */
  proxyBypass?: string[];
  trustedCertificateAuthorities?: string[];
  /** The newest TLS version the host's OS offers (default "1.3"). */
  maxTlsVersion?: "1.0" | "1.1" | "1.2" | "1.3";
  /** Windows: the ECDHE AES-GCM cipher suites are enabled (default true). */
  gcmCipherSuitesEnabled?: boolean;
  /** What the OS says of itself; the agent reports each to the machine when it is given. */
  osVersion?: string;
  osSku?: string;
  osEdition?: string;
  description?: string;
};

export interface TTlsInspection {
  certificateAuthority: string;
  excludedFqdns?: string[];
}

export interface TFirewall {
  name: string;
  resourceGroup: string;
  site: string;
  defaultAction: "Allow" | "Deny";
  rules: {
    name: string;
    priority: number;
    action: "Allow" | "Deny";
    protocol: "Tcp" | "Udp" | "Any";
    destinationAddresses: string[];
    destinationPorts: string[];
    sourceAddresses?: string[];
  }[];
  tlsInspection?: TTlsInspection;
}

export interface TProxy {
  name: string;
  resourceGroup: string;
  site: string;
  ipAddress: string;
  port: number;
  bypassAuthentication?: boolean;
  tlsInspection?: TTlsInspection;
}

export interface TMachine {
  name: string;
  resourceGroup: string;
  location: string;
  privateLinkScope?: string;
  os?: "Windows" | "Linux";
  /** What Azure knows from the machine's agent (recorded through ArcLink.Lab/agentReports). */
  agentVersion?: string;
  proxyBypass?: string[];
  incomingConnectionsPorts?: string[];
  /** When the machine was associated with its scope: minutes before now, or a time. */
  associatedMinutesAgo?: number;
  associatedAt?: string;
  extensions: TMachineExtension[];
}

export interface TMachineExtension {
  name: string;
  publisher: string;
  type: string;
  typeHandlerVersion?: string;
  workspaceId?: string;
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
