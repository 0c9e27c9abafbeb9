// ArcLink.Lab/siteConnections: a site-to-site VPN or an ExpressRoute circuit between an
// on-premises site and an Azure virtual network. With forced tunneling, the site's internet
// traffic goes through Azure too, so NSGs on the Azure side decide its internet egress.
import { ArmError, errors } from "../../core/armError.js";
import { cidrsOverlap } from "../../core/ip.js";
import { sameId } from "../../core/resourceId.js";
import { ResourceType } from "../contract.js";
import { asObject, optBool, optEnum, ref } from "../validate.js";
import {
  LAB_COMMON,
  SITE_CONNECTION_TYPE,
  SITE_TYPE,
  sitePrefixes,
  VNET_TYPE,
  vnetPrefixes,
} from "./common.js";

export const CONNECTION_TYPES = ["Vpn", "ExpressRoute"] as const;

export const siteConnections: ResourceType = {
  ...LAB_COMMON,
  type: SITE_CONNECTION_TYPE,
  model: { section: "sites" },
  topology: { section: "siteConnections" },
  write(ctx, req) {
    const props = asObject(req.body.properties, "properties");
    const site = ref(props.siteId, "properties.siteId", SITE_TYPE, ctx.tx, "site");
    const vnet = ref(
      props.virtualNetworkId,
      "properties.virtualNetworkId",
      VNET_TYPE,
      ctx.tx,
      "virtual network",
    );
    const connectionType = optEnum(props.connectionType, "properties.connectionType", CONNECTION_TYPES);
    if (!connectionType)
      throw errors.missingProperty("properties.connectionType", "Use 'Vpn' or 'ExpressRoute'.");
    const forcedTunneling = optBool(props.forcedTunneling, "properties.forcedTunneling") ?? false;
    const twin = ctx.tx
      .ofType(SITE_CONNECTION_TYPE)
      .find(
        (e) =>
          !sameId(e.id, req.id.id) &&
          sameId(e.body.properties?.siteId, site.id) &&
          sameId(e.body.properties?.virtualNetworkId, vnet.id),
      );
    if (twin) {
      throw new ArmError(
        409,
        "SiteConnectionAlreadyExists",
        `Site ${site.body.name} is already connected to virtual network ${vnet.body.name} by ${twin.id}. Update that connection instead of adding a second one.`,
      );
    }
    for (const s of sitePrefixes(site.body)) {
      const v = vnetPrefixes(vnet.body).find((x) => cidrsOverlap(s, x));
      if (v) {
        throw new ArmError(
          400,
          "AddressSpaceOverlapsConnectedVirtualNetwork",
          `Site ${site.body.name} (${s.text}) overlaps virtual network ${vnet.body.name} (${v.text}). Traffic between overlapping networks cannot be routed: change one of the address spaces.`,
          { target: "properties.virtualNetworkId" },
        );
      }
    }
    return { siteId: site.id, virtualNetworkId: vnet.id, connectionType, forcedTunneling };
  },
};
