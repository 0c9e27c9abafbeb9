// Microsoft.Network as ArcLink serves it (private DNS zones are registered separately by
// ../privatedns under the same namespace name; the registry merges them).
import { ProviderNamespace } from "../registry.js";
import { connections } from "./connections.js";
import { dnsResolvers } from "./dnsResolvers.js";
import { inboundEndpoints } from "./inboundEndpoints.js";
import { localNetworkGateways } from "./localNetworkGateways.js";
import { networkInterfaces } from "./networkInterfaces.js";
import { networkSecurityGroups } from "./networkSecurityGroups.js";
import { publicIPAddresses } from "./publicIPAddresses.js";
import { privateDnsZoneGroups } from "./privateDnsZoneGroups.js";
import { privateEndpoints } from "./privateEndpoints.js";
import { securityRules } from "./securityRules.js";
import { subnets } from "./subnets.js";
import { virtualNetworkPeerings } from "./virtualNetworkPeerings.js";
import { virtualNetworkGateways } from "./virtualNetworkGateways.js";
import { virtualNetworks } from "./virtualNetworks.js";

export const networkNamespace: ProviderNamespace = {
  namespace: "Microsoft.Network",
  types: [
    virtualNetworks,
    subnets,
    virtualNetworkPeerings,
    networkSecurityGroups,
    securityRules,
    networkInterfaces,
    privateEndpoints,
    privateDnsZoneGroups,
    dnsResolvers,
    inboundEndpoints,
    publicIPAddresses,
    virtualNetworkGateways,
    localNetworkGateways,
    connections,
  ],
};
