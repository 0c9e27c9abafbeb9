// Microsoft.Network/dnsResolvers/inboundEndpoints: the address on-premises DNS servers forward to.
// Its subnet must be in the resolver's VNet, delegated to Microsoft.Network/dnsResolvers, /28 to
// /24, and used by nothing else; a dynamic address is the subnet's next free one (usually .4).
import { ArmError, errors } from "../../core/armError.js";
import { newGuid } from "../../core/guid.js";
import { parseIpv4 } from "../../core/ip.js";
import { ResourceType } from "../contract.js";
import { asArray, asObject, optEnum, ref } from "../validate.js";
import {
  allocate,
  arr,
  ipText,
  staticAddress,
  subnetPrefixes,
  subnetUsers,
  usedAddresses,
} from "./addressing.js";
import { DNS_RESOLVER_API_VERSIONS } from "./apiVersions.js";
import {
  idOf,
  INBOUND_TYPE,
  internalOf,
  isTagsPatch,
  NETWORK_NAME,
  parentEntry,
  parentOf,
  regionOf,
  sameKey,
  SUBNET_TYPE,
  unchanged,
} from "./common.js";

const ALLOCATION = ["Dynamic", "Static"] as const;
const DELEGATION = "Microsoft.Network/dnsResolvers";

export const inboundEndpoints: ResourceType = {
  type: INBOUND_TYPE,
  topologyEntry: { key: "inboundEndpoints" },
  apiVersions: DNS_RESOLVER_API_VERSIONS,
  kind: "tracked",
  name: NETWORK_NAME,
  lro: { put: "asyncOperation", delete: "location" },
  etag: "guid",
  patch: "tags",
  write(ctx, req) {
    if (isTagsPatch(req)) return unchanged(req.existing!);
    const resolver = parentEntry(ctx, req);
    const name = String(req.existing?.body.name ?? req.id.names[1]);
    const location = regionOf(req);
    if (location !== resolver.body.location) {
      throw new ArmError(
        400,
        "InvalidLocation",
        `Inbound endpoint '${name}' must be in the location of its DNS resolver ${resolver.body.name} ('${resolver.body.location}'), not '${location}'.`,
        { target: "location" },
      );
    }
    const p = asObject(req.body.properties, "properties");
    const configs = asArray(p.ipConfigurations, "properties.ipConfigurations");
    if (configs.length !== 1) {
      throw errors.invalidProperty(
        "properties.ipConfigurations",
        `an inbound endpoint has exactly one IP configuration (got ${configs.length}), e.g. [{"subnet":{"id":"<subnet id>"},"privateIpAllocationMethod":"Dynamic"}].`,
      );
    }
    const path = "properties.ipConfigurations[0]";
    const c = asObject(configs[0], path);
    const sref = asObject(c.subnet, `${path}.subnet`);
    if (sref.id === undefined || sref.id === null) throw errors.missingProperty(`${path}.subnet.id`);
    const subnet = ref(sref.id, `${path}.subnet.id`, SUBNET_TYPE, ctx.tx, "subnet");
    const vnetId = resolver.body.properties?.virtualNetwork?.id;
    if (!sameKey(parentOf(subnet.id), vnetId)) {
      throw new ArmError(
        400,
        "InvalidResourceReference",
        `Subnet ${idOf(subnet)} is not in virtual network ${vnetId} of DNS resolver ${resolver.body.name}. Use a subnet of the resolver's virtual network.`,
        { target: `${path}.subnet.id` },
      );
    }
    const delegated = arr(subnet.body.properties?.delegations).some(
      (d) => String(d?.properties?.serviceName).toLowerCase() === DELEGATION.toLowerCase(),
    );
    if (!delegated) {
      throw new ArmError(
        400,
        "SubnetNotDelegated",
        `Subnet ${idOf(subnet)} must be delegated to ${DELEGATION} to hold an inbound endpoint. Add the delegation {"name":"dnsResolvers","properties":{"serviceName":"${DELEGATION}"}} to the subnet first.`,
        { target: `${path}.subnet.id` },
      );
    }
    const bits = subnetPrefixes(subnet.body).map((x) => x.bits);
    if (bits.some((b) => b < 24 || b > 28)) {
      throw new ArmError(
        400,
        "InvalidSubnetSize",
        `Subnet ${idOf(subnet)} is /${bits.join(", /")}; an inbound endpoint needs a subnet from /28 to /24.`,
        { target: `${path}.subnet.id` },
      );
    }
    const others = subnetUsers(ctx.tx, subnet.id).filter((u) => !sameKey(u.id, req.id.id));
    if (others.length) {
      throw errors.conflict(
        "SubnetAlreadyInUse",
        `Subnet ${idOf(subnet)} is already used by ${others[0].what} ${others[0].id}. An inbound endpoint needs a dedicated subnet: use an empty one.`,
      );
    }
    const method =
      optEnum(c.privateIpAllocationMethod, `${path}.privateIpAllocationMethod`, ALLOCATION) ?? "Dynamic";
    const used = usedAddresses(ctx.tx, subnet.id);
    for (const [n, owner] of used) if (sameKey(owner, req.id.id)) used.delete(n);
    let ip: number;
    if (method === "Static") {
      if (c.privateIpAddress === undefined || c.privateIpAddress === null) {
        throw errors.missingProperty(
          `${path}.privateIpAddress`,
          "Static allocation needs the address, e.g. 10.0.2.4.",
        );
      }
      ip = staticAddress(subnet, c.privateIpAddress, `${path}.privateIpAddress`, used, new Set());
    } else {
      const prev = arr(req.existing?.body.properties?.ipConfigurations)[0];
      const kept = parseIpv4(prev?.privateIpAddress);
      ip =
        kept !== undefined && sameKey(prev?.subnet?.id, subnet.id)
          ? kept
          : allocate(subnet, used, new Set(), 1)[0];
    }
    return {
      ipConfigurations: [
        { subnet: { id: idOf(subnet) }, privateIpAddress: ipText(ip), privateIpAllocationMethod: method },
      ],
      resourceGuid: req.existing?.body.properties?.resourceGuid ?? newGuid(),
      ...internalOf(req.existing),
    };
  },
};
