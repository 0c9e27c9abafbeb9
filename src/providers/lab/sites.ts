// ArcLink.Lab/sites: an on-premises network (a datacenter, a branch office) with its address
// space. Hosts, DNS servers, proxies and the firewall sit in a site; a site connection links it
// to an Azure virtual network over a site-to-site VPN or ExpressRoute.
import { ArmError, errors } from "../../core/armError.js";
import { Cidr, cidrContainsIp, cidrsOverlap, parseIpv4 } from "../../core/ip.js";
import { sameId } from "../../core/resourceId.js";
import { ResourceType } from "../contract.js";
import { asObject, cidr, optString } from "../validate.js";
import {
  compact,
  DNS_SERVER_TYPE,
  HOST_TYPE,
  invalid,
  LAB_COMMON,
  PROXY_TYPE,
  SITE_CONNECTION_TYPE,
  SITE_TYPE,
  siteDependents,
  vnetPrefixes,
} from "./common.js";

export const sites: ResourceType = {
  ...LAB_COMMON,
  type: SITE_TYPE,
  model: { section: "sites" },
  topology: { section: "sites" },
  write(ctx, req) {
    const props = asObject(req.body.properties, "properties");
    const space = asObject(props.addressSpace, "properties.addressSpace");
    const raw = space.addressPrefixes;
    if (raw === undefined || raw === null) {
      throw errors.missingProperty(
        "properties.addressSpace.addressPrefixes",
        'List the site\'s networks as CIDRs, e.g. ["192.168.0.0/16"].',
      );
    }
    if (!Array.isArray(raw) || raw.length === 0) {
      throw invalid(
        "properties.addressSpace.addressPrefixes",
        "must be a non-empty array of CIDRs such as 192.168.0.0/16.",
      );
    }
    const prefixes: Cidr[] = raw.map((p, i) => cidr(p, `properties.addressSpace.addressPrefixes[${i}]`));
    for (let i = 0; i < prefixes.length; i++) {
      for (let j = 0; j < i; j++) {
        if (cidrsOverlap(prefixes[i], prefixes[j])) {
          throw invalid(
            `properties.addressSpace.addressPrefixes[${i}]`,
            `${prefixes[i].text} overlaps ${prefixes[j].text} at index ${j}. A site's prefixes must not overlap: remove one or merge them.`,
          );
        }
      }
    }
    const description = optString(props.description, "properties.description");
    if (req.existing) checkDependentsStillInside(ctx.tx, req.existing.id, prefixes);
    checkConnectedVnets(ctx.tx, req.id.id, prefixes);
    return compact({ addressSpace: { addressPrefixes: prefixes.map((c) => c.text) }, description });
  },
  beforeDelete(ctx, existing, opts) {
    if (opts.cascade) return;
    const left = siteDependents(ctx.tx, existing.id);
    if (left.length) {
      throw new ArmError(
        409,
        "InUseSiteCannotBeDeleted",
        `Site ${existing.body.name} is in use by ${left.map((d) => d.id).join(", ")} and cannot be deleted. Delete those first (or delete the resource group).`,
      );
    }
  },
};

function checkDependentsStillInside(
  view: import("../../world/world.js").WorldView,
  siteId: string,
  prefixes: Cidr[],
): void {
  const fields: [string, string][] = [
    [HOST_TYPE, "privateIPAddress"],
    [DNS_SERVER_TYPE, "ipAddress"],
    [PROXY_TYPE, "ipAddress"],
  ];
  for (const [type, field] of fields) {
    for (const e of view.ofType(type)) {
      const p = e.body.properties ?? {};
      if (!sameId(p.siteId, siteId)) continue;
      const n = parseIpv4(p[field]);
      if (n !== undefined && !prefixes.some((c) => cidrContainsIp(c, n))) {
        throw new ArmError(
          409,
          "InUseAddressSpaceCannotBeRemoved",
          `The new address space no longer contains ${p[field]}, used by ${e.id}. Keep a prefix that contains it, or move or delete that resource first.`,
          { target: "properties.addressSpace.addressPrefixes" },
        );
      }
    }
  }
}

/** A site's prefixes must not overlap the virtual networks it is connected to. */
function checkConnectedVnets(
  view: import("../../world/world.js").WorldView,
  siteId: string,
  prefixes: Cidr[],
): void {
  for (const c of view.ofType(SITE_CONNECTION_TYPE)) {
    if (!sameId(c.body.properties?.siteId, siteId)) continue;
    const vnetId = c.body.properties?.virtualNetworkId;
    const vnet = view.get(vnetId);
    for (const v of vnetPrefixes(vnet?.body)) {
      const hit = prefixes.find((p) => cidrsOverlap(p, v));
      if (hit) {
        throw new ArmError(
          400,
          "AddressSpaceOverlapsConnectedVirtualNetwork",
          `Site prefix ${hit.text} overlaps ${v.text} of virtual network ${vnetId}, connected by ${c.id}. Traffic between overlapping networks cannot be routed: use a prefix that does not overlap.`,
          { target: "properties.addressSpace.addressPrefixes" },
        );
      }
    }
  }
}
