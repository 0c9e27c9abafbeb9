// Microsoft.Network/virtualNetworks/subnets: a range of the VNet's address space. Written by its
// own PUT or inline by the VNet's PUT (both go through subnetProperties). GET adds read-only back
// references to what sits in it: private endpoints and NIC IP configurations.
import { ArmError, errors } from "../../core/armError.js";
import { Cidr, cidrContains, cidrsOverlap, formatIpv4, parseCidr } from "../../core/ip.js";
import { Entry, WorldView } from "../../world/world.js";
import { ProviderContext, ResourceType } from "../contract.js";
import { asArray, asObject, cidr, optBool, optEnum, optString, ref } from "../validate.js";
import { arr, assertSubnetUnused, subnetPrefixes, subnetUsers } from "./addressing.js";
import { NETWORK_API_VERSIONS } from "./apiVersions.js";
import {
  childNetworkType,
  idOf,
  NIC_TYPE,
  NSG_TYPE,
  orderedChildren,
  parentEntry,
  PE_TYPE,
  publicBody,
  sameKey,
  SUBNET_TYPE,
  weakEtag,
} from "./common.js";

const PE_POLICIES = ["Enabled", "Disabled", "NetworkSecurityGroupEnabled", "RouteTableEnabled"] as const;
const PLS_POLICIES = ["Enabled", "Disabled"] as const;
const SHARING = ["Tenant", "DelegatedServices"] as const;
const DELEGATION_TYPE = "Microsoft.Network/virtualNetworks/subnets/delegations";

export interface SubnetArgs {
  /** The VNet as it will be after this write. */
  vnet: { id: string; name: string; location: string; prefixes: Cidr[] };
  subnetId: string;
  name: string;
  input: Record<string, any>;
  /** JSON path of the subnet's properties in the request, for error targets. */
  path: string;
  /** Sibling subnets (as they will be), to refuse overlaps. */
  siblings: { name: string; cidrs: Cidr[] }[];
  existing?: Entry;
  view: WorldView;
}

export interface SubnetResult {
  properties: Record<string, any>;
  cidrs: Cidr[];
}

function canonical(c: Cidr): string {
  return `${formatIpv4(c.first)}/${c.bits}`;
}

/** Validates a subnet's properties against its VNet and siblings; returns what to store. */
export function subnetProperties(ctx: ProviderContext, a: SubnetArgs): SubnetResult {
  const p = a.input;
  const path = a.path;
  const hasOne = p.addressPrefix !== undefined && p.addressPrefix !== null;
  const many = asArray(p.addressPrefixes, `${path}.addressPrefixes`);
  if (hasOne && many.length) {
    throw errors.invalidProperty(
      `${path}.addressPrefixes`,
      `subnet '${a.name}' sets both addressPrefix and addressPrefixes; use one of them.`,
    );
  }
  if (!hasOne && !many.length) {
    throw new ArmError(
      400,
      "NoAddressPrefixOrPoolProvided",
      `Subnet '${a.name}' has no address range: set '${path}.addressPrefix' (e.g. "10.0.1.0/24") or '${path}.addressPrefixes'.`,
      { target: `${path}.addressPrefix` },
    );
  }
  const cidrs = hasOne
    ? [cidr(p.addressPrefix, `${path}.addressPrefix`)]
    : many.map((x, i) => cidr(x, `${path}.addressPrefixes[${i}]`));
  for (const c of cidrs) {
    if (c.bits > 29) {
      throw new ArmError(
        400,
        "NetcfgInvalidSubnet",
        `Subnet '${a.name}' is not valid in virtual network '${a.vnet.name}': ${c.text} is smaller than /29, the smallest IPv4 subnet Azure allows (it reserves five addresses in each). Use a /29 or larger prefix.`,
        { target: path },
      );
    }
    if (!a.vnet.prefixes.some((v) => cidrContains(v, c))) {
      throw new ArmError(
        400,
        "NetcfgSubnetRangeOutsideVnet",
        `Subnet '${a.name}' is not valid because its IP address range ${c.text} is outside the IP address range of virtual network '${a.vnet.name}' (${a.vnet.prefixes.map((v) => v.text).join(", ")}). Choose a prefix inside the address space, or add a range to the virtual network first.`,
        { target: path },
      );
    }
  }
  for (let i = 0; i < cidrs.length; i++) {
    for (let j = i + 1; j < cidrs.length; j++) {
      if (cidrsOverlap(cidrs[i], cidrs[j])) {
        throw new ArmError(
          400,
          "NetcfgInvalidSubnet",
          `Subnet '${a.name}' is not valid in virtual network '${a.vnet.name}': its prefixes ${cidrs[i].text} and ${cidrs[j].text} overlap. List non-overlapping prefixes.`,
          { target: path },
        );
      }
    }
  }
  for (const s of a.siblings) {
    for (const c of cidrs) {
      const hit = s.cidrs.find((x) => cidrsOverlap(x, c));
      if (hit) {
        throw new ArmError(
          400,
          "NetcfgInvalidSubnet",
          `Subnet '${a.name}' is not valid in virtual network '${a.vnet.name}': its range ${c.text} overlaps with subnet '${s.name}' (${hit.text}). Subnets of a virtual network cannot overlap; choose a free range.`,
          { target: path },
        );
      }
    }
  }

  const out: Record<string, any> = {};
  if (hasOne) out.addressPrefix = cidrs[0].text;
  else out.addressPrefixes = cidrs.map((c) => c.text);

  const nsgRef = asObject(p.networkSecurityGroup, `${path}.networkSecurityGroup`);
  if (nsgRef.id !== undefined && nsgRef.id !== null) {
    const nsg = ref(nsgRef.id, `${path}.networkSecurityGroup.id`, NSG_TYPE, a.view, "network security group");
    if (nsg.body.location !== a.vnet.location) {
      throw new ArmError(
        400,
        "InvalidResourceReference",
        `Network security group ${idOf(nsg)} is in '${nsg.body.location}' but virtual network '${a.vnet.name}' is in '${a.vnet.location}': a subnet can only use a network security group of the same region. Create the NSG in ${a.vnet.location}.`,
        { target: `${path}.networkSecurityGroup.id` },
      );
    }
    out.networkSecurityGroup = { id: idOf(nsg) };
  }
  for (const k of ["routeTable", "natGateway"]) {
    const r = asObject(p[k], `${path}.${k}`);
    const id = optString(r.id, `${path}.${k}.id`, 2048);
    if (id) out[k] = { id };
  }
  const endpoints = asArray(p.serviceEndpoints, `${path}.serviceEndpoints`).map((x, i) => {
    const o = asObject(x, `${path}.serviceEndpoints[${i}]`);
    const service = optString(o.service, `${path}.serviceEndpoints[${i}].service`, 128);
    if (!service)
      throw errors.missingProperty(`${path}.serviceEndpoints[${i}].service`, 'e.g. "Microsoft.Storage".');
    const locations = asArray(o.locations, `${path}.serviceEndpoints[${i}].locations`).map(String);
    return {
      service,
      locations: locations.length ? locations : [a.vnet.location],
      provisioningState: "Succeeded",
    };
  });
  if (endpoints.length) out.serviceEndpoints = endpoints;

  const prevDelegations = arr(a.existing?.body.properties?.delegations);
  out.delegations = asArray(p.delegations, `${path}.delegations`).map((x, i) => {
    const dpath = `${path}.delegations[${i}]`;
    const o = asObject(x, dpath);
    const props = asObject(o.properties, `${dpath}.properties`);
    const serviceName = optString(props.serviceName ?? o.serviceName, `${dpath}.properties.serviceName`, 256);
    if (!serviceName)
      throw errors.missingProperty(
        `${dpath}.properties.serviceName`,
        'e.g. "Microsoft.Network/dnsResolvers".',
      );
    if (!/^[A-Za-z][A-Za-z0-9.]*\/[A-Za-z][A-Za-z0-9/]*$/.test(serviceName)) {
      throw new ArmError(
        400,
        "InvalidServiceNameOnDelegation",
        `The service name ${serviceName} specified on delegation ${i} of subnet '${a.name}' is not valid. Use a resource type such as "Microsoft.Network/dnsResolvers".`,
        { target: `${dpath}.properties.serviceName` },
      );
    }
    const name = optString(o.name, `${dpath}.name`, 80) ?? `delegation${i}`;
    const prev = prevDelegations.find((d) => String(d?.name).toLowerCase() === name.toLowerCase());
    return {
      id: `${a.subnetId}/delegations/${name}`,
      name,
      type: DELEGATION_TYPE,
      etag: prev?.etag ?? weakEtag(),
      properties: {
        serviceName,
        actions: ["Microsoft.Network/virtualNetworks/subnets/join/action"],
        provisioningState: "Succeeded",
      },
    };
  });
  out.privateEndpointNetworkPolicies =
    optEnum(p.privateEndpointNetworkPolicies, `${path}.privateEndpointNetworkPolicies`, PE_POLICIES) ??
    "Disabled";
  out.privateLinkServiceNetworkPolicies =
    optEnum(p.privateLinkServiceNetworkPolicies, `${path}.privateLinkServiceNetworkPolicies`, PLS_POLICIES) ??
    "Enabled";
  const dob = optBool(p.defaultOutboundAccess, `${path}.defaultOutboundAccess`);
  if (dob !== undefined) out.defaultOutboundAccess = dob;
  const sharing = optEnum(p.sharingScope, `${path}.sharingScope`, SHARING);
  if (sharing) out.sharingScope = sharing;

  if (a.existing) checkInUseChange(a, cidrs, out.delegations);
  return { properties: out, cidrs };
}

/** A subnet in use keeps its ranges and delegations (Azure refuses those changes). */
function checkInUseChange(a: SubnetArgs, cidrs: Cidr[], delegations: any[]): void {
  const before = subnetPrefixes(a.existing!.body).map(canonical).sort().join(",");
  const after = cidrs.map(canonical).sort().join(",");
  const services = (list: any[]) =>
    list
      .map((d) => String(d?.properties?.serviceName ?? "").toLowerCase())
      .sort()
      .join(",");
  const prefixChanged = before !== after;
  const delegationChanged = services(arr(a.existing!.body.properties?.delegations)) !== services(delegations);
  if (!prefixChanged && !delegationChanged) return;
  const users = subnetUsers(a.view, a.existing!.id);
  if (!users.length) return;
  if (prefixChanged) {
    throw new ArmError(
      400,
      "InUseSubnetCannotBeUpdated",
      `Subnet ${a.name} is in use by ${users[0].what} ${users[0].id} and its address range cannot change from ${before} to ${after}. Delete the resources in the subnet first, or keep its range.`,
    );
  }
  throw new ArmError(
    400,
    "SubnetDelegationsCannotChangeWhenSubnetUsedByResource",
    `Delegations of subnet ${a.existing!.body.id} cannot be changed because it is being used by the ${users[0].what} ${users[0].id}. Delete that resource first, or keep the delegations.`,
  );
}

/** The subnets of a VNet as siblings for overlap checks, leaving one out. */
export function siblingsOf(
  view: WorldView,
  vnetId: string,
  except?: string,
): { name: string; cidrs: Cidr[] }[] {
  return view
    .children(vnetId, SUBNET_TYPE)
    .filter((e) => !except || !sameKey(e.id, except))
    .map((e) => ({ name: String(e.body.name), cidrs: subnetPrefixes(e.body) }));
}

/** The subnet as GET shows it: stored properties plus back references computed from the world. */
export function projectSubnet(body: Record<string, any>, view: WorldView): Record<string, any> {
  const id = String(body.id);
  const props: Record<string, any> = { ...body.properties };
  const pes = view.ofType(PE_TYPE).filter((pe) => sameKey(pe.body.properties?.subnet?.id, id));
  if (pes.length) props.privateEndpoints = pes.map((pe) => ({ id: idOf(pe) }));
  const ipConfigurations: { id: string }[] = [];
  for (const nic of view.ofType(NIC_TYPE)) {
    for (const cfg of arr(nic.body.properties?.ipConfigurations)) {
      if (sameKey(cfg?.properties?.subnet?.id, id))
        ipConfigurations.push({ id: `${idOf(nic)}/ipConfigurations/${cfg.name}` });
    }
  }
  if (ipConfigurations.length) props.ipConfigurations = ipConfigurations;
  return publicBody({ ...body, properties: props });
}

/** The subnets of a VNet, projected, for inlining into the VNet. */
export function inlineSubnets(view: WorldView, vnetId: string): Record<string, any>[] {
  return orderedChildren(view, vnetId, SUBNET_TYPE).map((e) => projectSubnet(e.body, view));
}

export const subnets: ResourceType = childNetworkType({
  type: SUBNET_TYPE,
  topologyEntry: { key: "subnets" },
  apiVersions: NETWORK_API_VERSIONS,
  write(ctx, req) {
    const vnet = parentEntry(ctx, req);
    const props = asObject(req.body.properties, "properties");
    const { properties } = subnetProperties(ctx, {
      vnet: vnetInfo(vnet),
      subnetId: req.existing?.body.id ?? req.id.id,
      name: String(req.existing?.body.name ?? req.id.names[req.id.names.length - 1]),
      input: props,
      path: "properties",
      siblings: siblingsOf(ctx.tx, vnet.id, req.id.id),
      existing: req.existing,
      view: ctx.tx,
    });
    return properties;
  },
  beforeDelete(ctx, existing, opts) {
    if (!opts.cascade) assertSubnetUnused(ctx.tx, existing);
  },
  project(body, view) {
    return projectSubnet(body, view);
  },
});

/** Name, location and address space of a stored VNet. */
export function vnetInfo(vnet: Entry): SubnetArgs["vnet"] {
  const prefixes = arr(vnet.body.properties?.addressSpace?.addressPrefixes)
    .map((t) => parseCidr(t))
    .filter((c): c is Cidr => !!c);
  return { id: idOf(vnet), name: String(vnet.body.name), location: String(vnet.body.location), prefixes };
}
