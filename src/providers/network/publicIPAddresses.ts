// Microsoft.Network/publicIPAddresses: the public address a VPN gateway's ip configuration uses.
// ArcLink stores the allocation settings; the address Azure would allocate from its pool is not
// known here, so properties.ipAddress is never invented. In use by a gateway, it cannot be deleted.
import { ArmError } from "../../core/armError.js";
import { newGuid } from "../../core/guid.js";
import { ResourceType } from "../contract.js";
import { optEnum, optInt } from "../validate.js";
import { NETWORK_API_VERSIONS } from "./apiVersions.js";
import { sameKey, trackedNetworkType } from "./common.js";

export const PUBLIC_IP_TYPE = "Microsoft.Network/publicIPAddresses";
export const GATEWAY_TYPE = "Microsoft.Network/virtualNetworkGateways";

export const publicIPAddresses: ResourceType = trackedNetworkType({
  type: PUBLIC_IP_TYPE,
  apiVersions: NETWORK_API_VERSIONS,
  write(ctx, req, p) {
    const skuName = optEnum(req.body.sku?.name, "sku.name", ["Basic", "Standard"] as const) ?? "Standard";
    const method =
      optEnum(p.publicIPAllocationMethod, "properties.publicIPAllocationMethod", [
        "Static",
        "Dynamic",
      ] as const) ?? (skuName === "Standard" ? "Static" : "Dynamic");
    if (skuName === "Standard" && method !== "Static") {
      throw new ArmError(
        400,
        "StandardSkuPublicIPAddressesMustBeStatic",
        `Standard sku publicIp ${req.id.id} must have AllocationMethod set to Static. Set properties.publicIPAllocationMethod to 'Static' or use the Basic sku.`,
        { target: "properties.publicIPAllocationMethod" },
      );
    }
    const version =
      optEnum(p.publicIPAddressVersion, "properties.publicIPAddressVersion", ["IPv4", "IPv6"] as const) ??
      "IPv4";
    const idle = optInt(p.idleTimeoutInMinutes, "properties.idleTimeoutInMinutes", 4, 30) ?? 4;
    return {
      resourceGuid: req.existing?.body.properties?.resourceGuid ?? newGuid(),
      publicIPAllocationMethod: method,
      publicIPAddressVersion: version,
      idleTimeoutInMinutes: idle,
      ...(p.dnsSettings ? { dnsSettings: p.dnsSettings } : {}),
    };
  },
  project(body, view) {
    const user = view
      .ofType(GATEWAY_TYPE)
      .flatMap((g) => (g.body.properties?.ipConfigurations ?? []).map((c: any) => ({ c, gw: g.id })))
      .find((x) => sameKey(x.c.properties?.publicIPAddress?.id, body.id));
    return {
      ...body,
      sku: body.sku ?? { name: "Standard", tier: "Regional" },
      properties: {
        ...body.properties,
        ...(user ? { ipConfiguration: { id: `${user.gw}/ipConfigurations/${user.c.name}` } } : {}),
      },
    };
  },
  beforeDelete(ctx, existing, opts) {
    if (opts.cascade) return;
    const gw = ctx.tx
      .ofType(GATEWAY_TYPE)
      .find((g) =>
        (g.body.properties?.ipConfigurations ?? []).some((c: any) =>
          sameKey(c.properties?.publicIPAddress?.id, existing.id),
        ),
      );
    if (gw) {
      throw new ArmError(
        400,
        "PublicIPAddressInUse",
        `Public IP address ${existing.id} can not be deleted since it is still allocated to resource ${gw.id}. Delete the gateway (or give it another address) first.`,
      );
    }
  },
});
