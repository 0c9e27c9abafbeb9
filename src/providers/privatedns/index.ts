// Microsoft.Network private DNS: zones, record sets (one type per record type) and virtual
// network links. The registry merges this namespace with the rest of Microsoft.Network.
import { ProviderNamespace } from "../registry.js";
import { privateDnsZones } from "./privateDnsZones.js";
import { recordSetTypes } from "./recordSets.js";
import { virtualNetworkLinks } from "./virtualNetworkLinks.js";

export const privateDnsNamespace: ProviderNamespace = {
  namespace: "Microsoft.Network",
  types: [privateDnsZones, ...recordSetTypes, virtualNetworkLinks],
};
