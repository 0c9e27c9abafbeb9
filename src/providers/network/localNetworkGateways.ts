// Microsoft.Network/localNetworkGateways: Azure's description of the on-premises VPN device (its
// public address or FQDN) and the on-premises address ranges behind it. A connection to it makes
// those ranges routable to and from the gateway's virtual network (the site whose address space
// they match, in the network model).
import { ArmError, errors } from "../../core/armError.js";
import { newGuid } from "../../core/guid.js";
import { parseIpv4 } from "../../core/ip.js";
import { ResourceType } from "../contract.js";
import { asArray, asObject, cidr, optString } from "../validate.js";
import { NETWORK_API_VERSIONS } from "./apiVersions.js";
import { sameKey, trackedNetworkType } from "./common.js";

export const LOCAL_GATEWAY_TYPE = "Microsoft.Network/localNetworkGateways";

export const localNetworkGateways: ResourceType = trackedNetworkType({
  type: LOCAL_GATEWAY_TYPE,
  model: { section: "sites" },
  apiVersions: NETWORK_API_VERSIONS,
  write(ctx, req, p) {
    const ip = optString(p.gatewayIpAddress, "properties.gatewayIpAddress", 64);
    const fqdn = optString(p.fqdn, "properties.fqdn", 255);
    if (ip !== undefined && parseIpv4(ip) === undefined) {
      throw errors.invalidProperty("properties.gatewayIpAddress", `'${ip}' is not an IPv4 address.`);
    }
    if (!ip && !fqdn) {
      throw errors.missingProperty(
        "properties.gatewayIpAddress",
        "Set the public IP address (or properties.fqdn) of the on-premises VPN device.",
      );
    }
    const space =
      p.localNetworkAddressSpace === undefined
        ? {}
        : asObject(p.localNetworkAddressSpace, "properties.localNetworkAddressSpace");
    const prefixes = asArray(
      space.addressPrefixes ?? [],
      "properties.localNetworkAddressSpace.addressPrefixes",
    ).map((x, i) => cidr(x, `properties.localNetworkAddressSpace.addressPrefixes[${i}]`).text);
    return {
      resourceGuid: req.existing?.body.properties?.resourceGuid ?? newGuid(),
      localNetworkAddressSpace: { addressPrefixes: prefixes },
      ...(ip ? { gatewayIpAddress: ip } : {}),
      ...(fqdn ? { fqdn } : {}),
      ...(p.bgpSettings ? { bgpSettings: asObject(p.bgpSettings, "properties.bgpSettings") } : {}),
    };
  },
  beforeDelete(ctx, existing, opts) {
    if (opts.cascade) return;
    const used = ctx.tx
      .ofType("Microsoft.Network/connections")
      .find((c) => sameKey(c.body.properties?.localNetworkGateway2?.id, existing.id));
    if (used) {
      throw new ArmError(
        400,
        "InUseGatewayCannotBeDeleted",
        `The local network gateway ${existing.id} is used by connection ${used.id} and cannot be deleted. Delete the connection first.`,
      );
    }
  },
});
