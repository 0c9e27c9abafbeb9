// Microsoft.Network/virtualNetworks: an address space and its subnets. A VNet PUT carries the
// whole subnet list inline: listed subnets are created or updated as child entries, omitted ones
// are deleted (refused while something uses them), as Azure does. GET inlines subnets and peerings.
import { deleteLinksToVirtualNetwork } from "../privatedns/virtualNetworkLinks.js";
import { ArmError, errors } from "../../core/armError.js";
import { Cidr, cidrsOverlap, parseIpv4 } from "../../core/ip.js";
import { newGuid } from "../../core/guid.js";
import { ResourceType } from "../contract.js";
import { asArray, asObject, cidr, optBool, optEnum, reqString } from "../validate.js";
import { assertSubnetUnused } from "./addressing.js";
import { NETWORK_API_VERSIONS } from "./apiVersions.js";
import {
  childBody,
  idOf,
  internalOf,
  NETWORK_NAME,
  regionOf,
  RESOLVER_TYPE,
  sameKey,
  SUBNET_TYPE,
  trackedNetworkType,
  VNET_TYPE,
} from "./common.js";
import { inlineSubnets, subnetProperties } from "./subnets.js";
import { inlinePeerings } from "./virtualNetworkPeerings.js";

const VNET_POLICIES = ["Disabled", "Basic"] as const;

export const virtualNetworks: ResourceType = trackedNetworkType({
  type: VNET_TYPE,
  model: { section: "vnets" },
  topology: { section: "virtualNetworks" },
  apiVersions: NETWORK_API_VERSIONS,
  write(ctx, req, p) {
    const space = asObject(p.addressSpace, "properties.addressSpace");
    const list = asArray(space.addressPrefixes, "properties.addressSpace.addressPrefixes");
    if (!list.length) {
      throw errors.missingProperty(
        "properties.addressSpace.addressPrefixes",
        'Give at least one prefix, e.g. ["10.0.0.0/16"].',
      );
    }
    const prefixes: Cidr[] = list.map((x, i) => cidr(x, `properties.addressSpace.addressPrefixes[${i}]`));
    for (let i = 0; i < prefixes.length; i++) {
      for (let j = i + 1; j < prefixes.length; j++) {
        if (cidrsOverlap(prefixes[i], prefixes[j])) {
          throw new ArmError(
            400,
            "VnetAddressSpacesOverlap",
            `The address space of virtual network '${req.id.names[0]}' lists overlapping prefixes ${prefixes[i].text} and ${prefixes[j].text}. List each range once, without overlaps.`,
            { target: "properties.addressSpace.addressPrefixes" },
          );
        }
      }
    }
    const dhcp = asObject(p.dhcpOptions, "properties.dhcpOptions");
    const dnsServers = asArray(dhcp.dnsServers, "properties.dhcpOptions.dnsServers").map((x, i) => {
      if (parseIpv4(x) === undefined) {
        throw errors.invalidProperty(
          `properties.dhcpOptions.dnsServers[${i}]`,
          `'${String(x)}' is not an IPv4 address. List the DNS servers' addresses, e.g. "10.0.0.4", or leave the list empty for Azure-provided DNS.`,
        );
      }
      return String(x);
    });

    const location = regionOf(req);
    const vnetId = req.existing?.body.id ?? req.id.id;
    const vnetName = String(req.existing?.body.name ?? req.id.names[0]);
    const vnet = { id: vnetId, name: vnetName, location, prefixes };

    // Inline subnets: validate all first, then delete the omitted ones, then write.
    const inputs = asArray(p.subnets, "properties.subnets");
    const written: { id: string; name: string; cidrs: Cidr[]; properties: Record<string, any> }[] = [];
    for (let i = 0; i < inputs.length; i++) {
      const o = asObject(inputs[i], `properties.subnets[${i}]`);
      const name = reqString(o.name, `properties.subnets[${i}].name`, 80);
      if (!NETWORK_NAME.pattern.test(name)) {
        throw new ArmError(
          400,
          "InvalidResourceName",
          `Resource name '${name}' at 'properties.subnets[${i}].name' is invalid for type ${SUBNET_TYPE}: ${NETWORK_NAME.describe} (1-80 characters).`,
          { target: `properties.subnets[${i}].name` },
        );
      }
      if (written.some((w) => w.name.toLowerCase() === name.toLowerCase())) {
        throw new ArmError(
          400,
          "DuplicateResourceName",
          `Virtual network '${vnetName}' lists two subnets named '${name}'. Subnet names must be unique within a virtual network.`,
          { target: `properties.subnets[${i}].name` },
        );
      }
      const existing = ctx.tx.get(`${vnetId}/subnets/${name}`);
      const subnetId = existing?.body.id ?? `${vnetId}/subnets/${name}`;
      const r = subnetProperties(ctx, {
        vnet,
        subnetId,
        name: String(existing?.body.name ?? name),
        input: asObject(o.properties, `properties.subnets[${i}].properties`),
        path: `properties.subnets[${i}].properties`,
        siblings: written,
        existing,
        view: ctx.tx,
      });
      written.push({
        id: subnetId,
        name: String(existing?.body.name ?? name),
        cidrs: r.cidrs,
        properties: r.properties,
      });
    }
    for (const child of ctx.tx.children(vnetId, SUBNET_TYPE)) {
      if (written.some((w) => sameKey(w.id, child.id))) continue;
      assertSubnetUnused(ctx.tx, child, "by leaving it out of the virtual network's 'properties.subnets'");
      ctx.tx.delete(child.id);
    }
    for (const w of written) {
      ctx.tx.put(
        w.id,
        SUBNET_TYPE,
        childBody(ctx, { id: w.id, type: SUBNET_TYPE, properties: w.properties, existing: ctx.tx.get(w.id) }),
      );
    }

    return {
      addressSpace: { addressPrefixes: prefixes.map((c) => c.text) },
      dhcpOptions: { dnsServers },
      enableDdosProtection: optBool(p.enableDdosProtection, "properties.enableDdosProtection") ?? false,
      privateEndpointVNetPolicies:
        optEnum(p.privateEndpointVNetPolicies, "properties.privateEndpointVNetPolicies", VNET_POLICIES) ??
        "Disabled",
      resourceGuid: req.existing?.body.properties?.resourceGuid ?? newGuid(),
      ...internalOf(req.existing),
    };
  },
  beforeDelete(ctx, existing, opts) {
    // Azure removes private DNS zone links to a deleted VNet; site connections to it go too.
    // (A refusal below aborts the whole write, these deletes included.)
    deleteLinksToVirtualNetwork(ctx.tx, existing.id);
    for (const c of ctx.tx.ofType("ArcLink.Lab/siteConnections")) {
      if (sameKey(c.body.properties?.virtualNetworkId, existing.id)) ctx.tx.delete(c.id);
    }
    if (opts.cascade) return;
    for (const subnet of ctx.tx.children(existing.id, SUBNET_TYPE)) {
      assertSubnetUnused(ctx.tx, subnet, `with virtual network ${existing.body.name}`);
    }
    const resolver = ctx.tx
      .ofType(RESOLVER_TYPE)
      .find((r) => sameKey(r.body.properties?.virtualNetwork?.id, existing.id));
    if (resolver) {
      throw new ArmError(
        400,
        "InUseVirtualNetworkCannotBeDeleted",
        `Virtual network ${existing.body.name} is in use by DNS resolver ${idOf(resolver)} and cannot be deleted. Delete the DNS resolver first.`,
      );
    }
  },
  projectReadsWorldOnly: true,
  project(body, view, _now, entry) {
    return {
      ...body,
      properties: {
        ...body.properties,
        subnets: inlineSubnets(view, entry.id),
        virtualNetworkPeerings: inlinePeerings(view, entry.id),
      },
    };
  },
});
