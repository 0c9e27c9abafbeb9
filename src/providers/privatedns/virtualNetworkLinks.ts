// Microsoft.Network/privateDnsZones/virtualNetworkLinks: a global tracked child of a zone that
// makes the zone resolvable from a virtual network (and, with registrationEnabled, registers the
// VNet's VMs in it). One link per zone and VNet; one registration-enabled link per VNet; a VNet
// cannot be linked to two zones of the same name.
import { ArmError, errors } from "../../core/armError.js";
import { keyOf, name as nameOf, parentId, parseResourceId, sameId } from "../../core/resourceId.js";
import { WorldView } from "../../world/world.js";
import { WriteTx } from "../../world/writeTx.js";
import { ResourceType } from "../contract.js";
import { asObject, optBool, optEnum, ref } from "../validate.js";
import { LIMITS, LINK_TYPE, PRIVATE_DNS_API_VERSIONS, VNET_TYPE } from "./versions.js";

export const RESOLUTION_POLICIES = ["Default", "NxDomainRedirect"] as const;

function zoneNameOf(view: WorldView, linkId: string): string {
  const zid = parentId(parseResourceId(linkId)!)!;
  return String(view.get(zid)?.body.name ?? nameOf(parseResourceId(zid)!));
}

/**
 * Azure deletes every private DNS zone link to a virtual network when the VNet is deleted (in any
 * zone, any resource group): the virtual network provider calls this from its beforeDelete, in a
 * cascade too.
 */
export function deleteLinksToVirtualNetwork(tx: WriteTx, vnetId: string): void {
  for (const link of tx.ofType(LINK_TYPE)) {
    if (sameId(link.body.properties?.virtualNetwork?.id, vnetId)) tx.delete(link.id);
  }
}

export const virtualNetworkLinks: ResourceType = {
  type: LINK_TYPE,
  topologyEntry: { key: "virtualNetworkLinks" },
  apiVersions: PRIVATE_DNS_API_VERSIONS,
  kind: "tracked",
  globalLocation: true,
  name: {
    min: 1,
    max: 80,
    pattern: /^[A-Za-z0-9](?:[A-Za-z0-9_.-]*[A-Za-z0-9_])?$/,
    describe:
      "letters, digits, underscores, periods and hyphens, starting with a letter or digit and ending with a letter, digit or underscore",
  },
  lro: { put: "location", delete: "location" },
  etag: "guid",
  patch: "merge",
  write(ctx, req) {
    const p = asObject(req.body.properties, "properties");
    if (p.virtualNetwork === undefined || p.virtualNetwork === null) {
      throw errors.missingProperty(
        "properties.virtualNetwork.id",
        "Give the id of the virtual network to link, e.g. /subscriptions/{s}/resourceGroups/{rg}/providers/Microsoft.Network/virtualNetworks/{vnet}.",
      );
    }
    const vnetRef = asObject(p.virtualNetwork, "properties.virtualNetwork");
    const vnet = ref(vnetRef.id, "properties.virtualNetwork.id", VNET_TYPE, ctx.tx, "virtual network");
    const vnetId = String(vnet.body.id ?? vnet.id);
    const before = req.existing?.body.properties?.virtualNetwork?.id as string | undefined;
    if (before && !sameId(before, vnetId)) {
      throw new ArmError(
        400,
        "InvalidParameter",
        `The virtual network of link '${nameOf(req.id)}' cannot change (it links ${before}). Delete the link and create a new one for ${vnetId}.`,
        { target: "properties.virtualNetwork.id" },
      );
    }
    const registrationEnabled = optBool(p.registrationEnabled, "properties.registrationEnabled") ?? false;
    const resolutionPolicy =
      optEnum(p.resolutionPolicy, "properties.resolutionPolicy", RESOLUTION_POLICIES) ?? "Default";

    const self = keyOf(req.id.id);
    const zoneId = parentId(req.id)!;
    const zoneName = zoneNameOf(ctx.tx, req.id.id);
    const siblings = ctx.tx.children(zoneId, LINK_TYPE).filter((e) => e.key !== self);
    const dup = siblings.find((e) => sameId(e.body.properties?.virtualNetwork?.id, vnetId));
    if (dup) {
      throw new ArmError(
        409,
        "Conflict",
        `The private DNS zone '${zoneName}' is already linked to virtual network ${vnetId} by link '${dup.body.name}'. A zone can have only one link per virtual network: update that link instead.`,
      );
    }
    if (!req.existing && siblings.length >= LIMITS.linksPerZone) {
      throw new ArmError(
        409,
        "VirtualNetworkLinkLimitExceeded",
        `The private DNS zone '${zoneName}' already has ${siblings.length} virtual network links, the most a zone can have (${LIMITS.linksPerZone}). Delete links you no longer need.`,
      );
    }
    if (registrationEnabled) {
      const reg = siblings.filter((e) => e.body.properties?.registrationEnabled === true).length;
      if (reg >= LIMITS.registrationLinksPerZone) {
        throw new ArmError(
          409,
          "RegistrationVirtualNetworkLinkLimitExceeded",
          `The private DNS zone '${zoneName}' already has ${reg} registration-enabled virtual network links, the most a zone can have (${LIMITS.registrationLinksPerZone}). Set registrationEnabled to false.`,
        );
      }
    }
    const sameVnet = ctx.tx
      .ofType(LINK_TYPE)
      .filter((e) => e.key !== self && sameId(e.body.properties?.virtualNetwork?.id, vnetId));
    if (registrationEnabled) {
      const other = sameVnet.find((e) => e.body.properties?.registrationEnabled === true);
      if (other) {
        throw new ArmError(
          409,
          "Conflict",
          `Virtual network ${vnetId} already has a registration-enabled link ('${other.body.name}' in zone '${zoneNameOf(ctx.tx, other.id)}'); a virtual network can auto-register in only one private DNS zone. Set registrationEnabled to false here, or turn it off on that link first.`,
        );
      }
    }
    const sameName = sameVnet.find((e) => zoneNameOf(ctx.tx, e.id).toLowerCase() === zoneName.toLowerCase());
    if (sameName) {
      throw new ArmError(
        409,
        "Conflict",
        `A virtual network cannot be linked to two zones with the same name: ${vnetId} is already linked to '${zoneName}' in ${parentId(parseResourceId(sameName.id)!)} by link '${sameName.body.name}'. Delete that link first.`,
      );
    }
    if (!req.existing && sameVnet.length >= LIMITS.zonesPerVirtualNetwork) {
      throw new ArmError(
        409,
        "VirtualNetworkLinkLimitExceeded",
        `Virtual network ${vnetId} is already linked to ${sameVnet.length} private DNS zones, the most a virtual network can be linked to (${LIMITS.zonesPerVirtualNetwork}).`,
      );
    }
    return {
      virtualNetwork: { id: vnetId },
      registrationEnabled,
      resolutionPolicy,
      virtualNetworkLinkState: "Completed",
    };
  },
};
