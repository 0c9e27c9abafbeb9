// Microsoft.Network/dnsResolvers: Azure DNS Private Resolver, the seed's "DNS forwarder in Azure".
// It sits in one VNet of its own region (one resolver per VNet) and answers, at its inbound
// endpoints, with the private DNS zones linked to that VNet.
import { ArmError, errors } from "../../core/armError.js";
import { newGuid } from "../../core/guid.js";
import { ResourceType } from "../contract.js";
import { asObject, ref } from "../validate.js";
import { DNS_RESOLVER_API_VERSIONS } from "./apiVersions.js";
import {
  idOf,
  internalOf,
  regionOf,
  RESOLVER_TYPE,
  sameKey,
  trackedNetworkType,
  VNET_TYPE,
} from "./common.js";

export const dnsResolvers: ResourceType = trackedNetworkType({
  type: RESOLVER_TYPE,
  model: { section: "inboundEndpoints" },
  topology: { section: "dnsResolvers" },
  apiVersions: DNS_RESOLVER_API_VERSIONS,
  etag: "guid",
  write(ctx, req, p) {
    const vref = asObject(p.virtualNetwork, "properties.virtualNetwork");
    if (vref.id === undefined || vref.id === null) {
      throw errors.missingProperty(
        "properties.virtualNetwork.id",
        "Set it to the id of the virtual network the resolver serves.",
      );
    }
    const vnet = ref(vref.id, "properties.virtualNetwork.id", VNET_TYPE, ctx.tx, "virtual network");
    const name = String(req.existing?.body.name ?? req.id.names[0]);
    const prev = req.existing?.body.properties?.virtualNetwork?.id;
    if (prev && !sameKey(prev, vnet.id)) {
      throw errors.invalidProperty(
        "properties.virtualNetwork.id",
        `the virtual network of DNS resolver '${name}' cannot change (it is ${prev}). Delete the resolver and create a new one.`,
      );
    }
    const location = regionOf(req);
    if (vnet.body.location !== location) {
      throw new ArmError(
        400,
        "InvalidResourceReference",
        `Virtual network ${idOf(vnet)} is in '${vnet.body.location}' but DNS resolver '${name}' is in '${location}'. A DNS resolver and its virtual network must be in the same region.`,
        { target: "properties.virtualNetwork.id" },
      );
    }
    const other = ctx.tx
      .ofType(RESOLVER_TYPE)
      .find((r) => !sameKey(r.id, req.id.id) && sameKey(r.body.properties?.virtualNetwork?.id, vnet.id));
    if (other) {
      throw errors.conflict(
        "VirtualNetworkAlreadyHasDnsResolver",
        `Virtual network ${vnet.body.name} already has DNS resolver ${idOf(other)}; a virtual network can have only one. Use that resolver, or delete it first.`,
      );
    }
    return {
      virtualNetwork: { id: idOf(vnet) },
      dnsResolverState: "Connected",
      resourceGuid: req.existing?.body.properties?.resourceGuid ?? newGuid(),
      ...internalOf(req.existing),
    };
  },
});
