// Microsoft.Network/virtualNetworkGateways: the Azure end of a site-to-site VPN (gatewayType Vpn)
// or ExpressRoute. Its ip configuration sits in the virtual network's subnet named GatewaySubnet,
// with a public IP address; the gateway's virtual network is that subnet's parent.
import { ArmError, errors } from "../../core/armError.js";
import { newGuid } from "../../core/guid.js";
import { ResourceType } from "../contract.js";
import { asArray, asObject, optBool, optEnum, ref, reqString } from "../validate.js";
import { NETWORK_API_VERSIONS } from "./apiVersions.js";
import { lastName, sameKey, SUBNET_TYPE, trackedNetworkType } from "./common.js";
import { GATEWAY_TYPE, PUBLIC_IP_TYPE } from "./publicIPAddresses.js";

export const virtualNetworkGateways: ResourceType = trackedNetworkType({
  type: GATEWAY_TYPE,
  model: { section: "sites" },
  apiVersions: NETWORK_API_VERSIONS,
  write(ctx, req, p) {
    const gatewayType = optEnum(p.gatewayType, "properties.gatewayType", [
      "Vpn",
      "ExpressRoute",
      "LocalGateway",
    ] as const);
    if (!gatewayType)
      throw errors.missingProperty("properties.gatewayType", "Use 'Vpn' for a site-to-site VPN.");
    const vpnType =
      optEnum(p.vpnType, "properties.vpnType", ["PolicyBased", "RouteBased"] as const) ?? "RouteBased";
    const configs = asArray(p.ipConfigurations ?? [], "properties.ipConfigurations");
    if (configs.length === 0) {
      throw errors.missingProperty(
        "properties.ipConfigurations",
        "A gateway needs one ip configuration: a subnet named GatewaySubnet and a public IP address.",
      );
    }
    const out = configs.map((raw, i) => {
      const path = `properties.ipConfigurations[${i}]`;
      const c = asObject(raw, path);
      const name = reqString(c.name, `${path}.name`, 80);
      const cp = asObject(c.properties ?? {}, `${path}.properties`);
      const subnet = ref(
        asObject(cp.subnet ?? {}, `${path}.properties.subnet`).id,
        `${path}.properties.subnet.id`,
        SUBNET_TYPE,
        ctx.tx,
        "subnet",
      );
      if (lastName(subnet.id).toLowerCase() !== "gatewaysubnet") {
        throw new ArmError(
          400,
          "InvalidGatewaySubnet",
          `Subnet ${subnet.id} cannot hold a virtual network gateway: a gateway's ip configuration must use the virtual network's subnet named 'GatewaySubnet'. Add a subnet named GatewaySubnet and reference it.`,
          { target: `${path}.properties.subnet.id` },
        );
      }
      const pip = ref(
        asObject(cp.publicIPAddress ?? {}, `${path}.properties.publicIPAddress`).id,
        `${path}.properties.publicIPAddress.id`,
        PUBLIC_IP_TYPE,
        ctx.tx,
        "public IP address",
      );
      const other = ctx.tx
        .ofType(GATEWAY_TYPE)
        .find(
          (g) =>
            !sameKey(g.id, req.id.id) &&
            (g.body.properties?.ipConfigurations ?? []).some((x: any) =>
              sameKey(x.properties?.publicIPAddress?.id, pip.id),
            ),
        );
      if (other) {
        throw new ArmError(
          400,
          "PublicIPAddressInUse",
          `Public IP address ${pip.id} is already used by ${other.id}. Give each gateway its own public IP address.`,
          { target: `${path}.properties.publicIPAddress.id` },
        );
      }
      return {
        name,
        id: `${req.id.id}/ipConfigurations/${name}`,
        properties: {
          privateIPAllocationMethod: cp.privateIPAllocationMethod ?? "Dynamic",
          subnet: { id: subnet.id },
          publicIPAddress: { id: pip.id },
          provisioningState: "Succeeded",
        },
      };
    });
    const sku = p.sku === undefined ? { name: "VpnGw1", tier: "VpnGw1" } : asObject(p.sku, "properties.sku");
    return {
      resourceGuid: req.existing?.body.properties?.resourceGuid ?? newGuid(),
      gatewayType,
      vpnType,
      enableBgp: optBool(p.enableBgp, "properties.enableBgp") ?? false,
      activeActive: optBool(p.activeActive, "properties.activeActive") ?? false,
      sku: { ...sku, capacity: sku.capacity ?? 2 },
      ...(p.vpnGatewayGeneration ? { vpnGatewayGeneration: p.vpnGatewayGeneration } : {}),
      ipConfigurations: out,
    };
  },
  beforeDelete(ctx, existing, opts) {
    if (opts.cascade) return;
    const used = ctx.tx
      .ofType("Microsoft.Network/connections")
      .find((c) => sameKey(c.body.properties?.virtualNetworkGateway1?.id, existing.id));
    if (used) {
      throw new ArmError(
        400,
        "InUseGatewayCannotBeDeleted",
        `The virtual network gateway ${existing.id} is used by connection ${used.id} and cannot be deleted. Delete the connection first.`,
      );
    }
  },
});
