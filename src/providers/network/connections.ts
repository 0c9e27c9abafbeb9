// Microsoft.Network/connections: an IPsec connection between a virtual network gateway and a local
// network gateway (the on-premises VPN device). The shared key is write-only. connectionStatus is
// read live: Connected when both gateways exist and an on-premises site of the lab has an address
// space within the local gateway's prefixes (the model then routes that site to the gateway's VNet);
// Unknown otherwise (ArcLink does not know what answers at that address).
import { errors } from "../../core/armError.js";
import { newGuid } from "../../core/guid.js";
import { cidrsOverlap, parseCidr } from "../../core/ip.js";
import { keyOf } from "../../core/resourceId.js";
import { Entry, WorldView } from "../../world/world.js";
import { ResourceType } from "../contract.js";
import { asObject, optBool, optEnum, optInt, optString, ref } from "../validate.js";
import { NETWORK_API_VERSIONS } from "./apiVersions.js";
import { parentOf, trackedNetworkType } from "./common.js";
import { LOCAL_GATEWAY_TYPE } from "./localNetworkGateways.js";
import { GATEWAY_TYPE } from "./publicIPAddresses.js";

export const CONNECTION_TYPE = "Microsoft.Network/connections";

/** What an IPsec connection links in the model: the gateway's VNet and the matching lab sites. */
export function connectionEnds(
  view: WorldView,
  body: Record<string, any>,
): { vnet: string; sites: Entry[] } | undefined {
  const p = body.properties ?? {};
  if (p.connectionType !== "IPsec") return undefined;
  const gw =
    typeof p.virtualNetworkGateway1?.id === "string" ? view.get(p.virtualNetworkGateway1.id) : undefined;
  const lng =
    typeof p.localNetworkGateway2?.id === "string" ? view.get(p.localNetworkGateway2.id) : undefined;
  const subnet = gw?.body.properties?.ipConfigurations?.[0]?.properties?.subnet?.id;
  if (!gw || !lng || typeof subnet !== "string") return undefined;
  const local = (lng.body.properties?.localNetworkAddressSpace?.addressPrefixes ?? [])
    .map((x: unknown) => parseCidr(x))
    .filter(Boolean);
  const sites = view.ofType("ArcLink.Lab/sites").filter((s) => {
    const own = (s.body.properties?.addressSpace?.addressPrefixes ?? [])
      .map((x: unknown) => parseCidr(x))
      .filter(Boolean);
    return own.length > 0 && own.every((c: any) => local.some((l: any) => cidrsOverlap(c, l)));
  });
  return { vnet: keyOf(parentOf(subnet)), sites };
}

export const connections: ResourceType = trackedNetworkType({
  type: CONNECTION_TYPE,
  model: { section: "sites" },
  apiVersions: NETWORK_API_VERSIONS,
  write(ctx, req, p) {
    const connectionType = optEnum(p.connectionType, "properties.connectionType", [
      "IPsec",
      "Vnet2Vnet",
      "ExpressRoute",
      "VPNClient",
    ] as const);
    if (!connectionType)
      throw errors.missingProperty("properties.connectionType", "Use 'IPsec' for a site-to-site VPN.");
    if (connectionType !== "IPsec") {
      throw errors.invalidProperty(
        "properties.connectionType",
        `ArcLink models site-to-site VPN connections ('IPsec') only; '${connectionType}' is not modelled.`,
      );
    }
    const gw = ref(
      asObject(p.virtualNetworkGateway1 ?? {}, "properties.virtualNetworkGateway1").id,
      "properties.virtualNetworkGateway1.id",
      GATEWAY_TYPE,
      ctx.tx,
      "virtual network gateway",
    );
    const lng = ref(
      asObject(p.localNetworkGateway2 ?? {}, "properties.localNetworkGateway2").id,
      "properties.localNetworkGateway2.id",
      LOCAL_GATEWAY_TYPE,
      ctx.tx,
      "local network gateway",
    );
    if (gw.body.properties?.gatewayType !== "Vpn") {
      throw errors.invalidProperty(
        "properties.virtualNetworkGateway1.id",
        `gateway ${gw.id} has gatewayType '${gw.body.properties?.gatewayType}'; an IPsec connection needs a gateway of type 'Vpn'.`,
      );
    }
    const sharedKey = optString(p.sharedKey, "properties.sharedKey", 128) ?? req.existing?.body._sharedKey;
    return {
      resourceGuid: req.existing?.body.properties?.resourceGuid ?? newGuid(),
      connectionType,
      virtualNetworkGateway1: { id: gw.id },
      localNetworkGateway2: { id: lng.id },
      connectionProtocol:
        optEnum(p.connectionProtocol, "properties.connectionProtocol", ["IKEv2", "IKEv1"] as const) ??
        "IKEv2",
      routingWeight: optInt(p.routingWeight, "properties.routingWeight", 0, 32000) ?? 0,
      enableBgp: optBool(p.enableBgp, "properties.enableBgp") ?? false,
      ...(sharedKey !== undefined ? { _sharedKey: sharedKey } : {}),
    };
  },
  project(body, view) {
    const ends = connectionEnds(view, body);
    const connected = !!ends && ends.sites.length > 0;
    return {
      ...body,
      properties: {
        ...body.properties,
        connectionStatus: connected ? "Connected" : "Unknown",
        ingressBytesTransferred: 0,
        egressBytesTransferred: 0,
      },
    };
  },
});
