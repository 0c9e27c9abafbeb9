// Microsoft.Network/networkInterfaces: IP configurations in subnets. Private endpoints create
// theirs ("<pe>.nic.<guid>", one IP configuration per private IP) and own them: such a NIC cannot
// be deleted or re-addressed directly. Users may also PUT plain NICs (static or dynamic IPs).
import { ArmError, errors } from "../../core/armError.js";
import { newGuid } from "../../core/guid.js";
import { parseIpv4 } from "../../core/ip.js";
import { Entry } from "../../world/world.js";
import { ProviderContext, ResourceType } from "../contract.js";
import { asArray, asObject, optBool, optEnum, reqString, ref } from "../validate.js";
import { allocate, arr, ipText, staticAddress, usedAddresses } from "./addressing.js";
import { NETWORK_API_VERSIONS } from "./apiVersions.js";
import {
  idOf,
  internalOf,
  NIC_IPCONFIG_TYPE,
  NIC_TYPE,
  NSG_TYPE,
  parentOf,
  regionOf,
  sameKey,
  SUBNET_TYPE,
  trackedBody,
  trackedNetworkType,
  unchanged,
  weakEtag,
} from "./common.js";

const ALLOCATION = ["Dynamic", "Static"] as const;

function ipConfigurationBody(
  nicId: string,
  name: string,
  properties: Record<string, any>,
  prev?: any,
): Record<string, any> {
  return {
    id: `${nicId}/ipConfigurations/${name}`,
    name,
    type: NIC_IPCONFIG_TYPE,
    etag: prev?.etag ?? weakEtag(),
    properties: { ...properties, privateIPAddressVersion: "IPv4", provisioningState: "Succeeded" },
  };
}

function nicProperties(
  ipConfigurations: Record<string, any>[],
  extra: Record<string, any>,
): Record<string, any> {
  return {
    ipConfigurations,
    dnsSettings: { dnsServers: [], appliedDnsServers: [] },
    enableAcceleratedNetworking: false,
    enableIPForwarding: false,
    disableTcpStateTracking: false,
    nicType: "Standard",
    vnetEncryptionSupported: false,
    hostedWorkloads: [],
    tapConfigurations: [],
    resourceGuid: newGuid(),
    ...extra,
  };
}

export interface EndpointAddress {
  ip: string;
  groupId: string;
  memberName: string;
  fqdns: string[];
  /** IP configuration name (shared by the NIC and the endpoint's ipConfigurations). */
  name: string;
}

/** Writes the NIC a private endpoint owns and returns its id. */
export function putPrivateEndpointNic(
  ctx: ProviderContext,
  args: { id: string; location: string; peId: string; subnetId: string; addresses: EndpointAddress[] },
): string {
  const configs = args.addresses.map((a, i) =>
    ipConfigurationBody(args.id, a.name, {
      privateIPAddress: a.ip,
      privateIPAllocationMethod: "Dynamic",
      subnet: { id: args.subnetId },
      primary: i === 0,
      privateLinkConnectionProperties: {
        groupId: a.groupId,
        requiredMemberName: a.memberName,
        fqdns: a.fqdns,
      },
    }),
  );
  ctx.tx.put(
    args.id,
    NIC_TYPE,
    trackedBody(ctx, {
      id: args.id,
      type: NIC_TYPE,
      location: args.location,
      properties: nicProperties(configs, { privateEndpoint: { id: args.peId } }),
    }),
  );
  return args.id;
}

/** The private endpoint that owns a NIC, when it still exists. */
function ownerOf(ctx: ProviderContext, nic: Entry): Entry | undefined {
  const pe = nic.body.properties?.privateEndpoint?.id;
  return typeof pe === "string" ? ctx.tx.get(pe) : undefined;
}

function addressSet(configs: unknown): string {
  return arr(configs)
    .map(
      (c) =>
        `${String(c?.properties?.subnet?.id ?? "").toLowerCase()}|${c?.properties?.privateIPAddress ?? ""}`,
    )
    .sort()
    .join(",");
}

export const networkInterfaces: ResourceType = trackedNetworkType({
  type: NIC_TYPE,
  apiVersions: NETWORK_API_VERSIONS,
  write(ctx, req, p) {
    const owner = req.existing ? ownerOf(ctx, req.existing) : undefined;
    if (owner) {
      const given = asArray(p.ipConfigurations, "properties.ipConfigurations");
      if (addressSet(given) !== addressSet(req.existing!.body.properties.ipConfigurations)) {
        throw new ArmError(
          400,
          "CannotModifyNicImplicitlyCreatedForPrivateEndpoint",
          `Network interface ${idOf(req.existing!)} was created by private endpoint ${idOf(owner)} and its IP configurations cannot be changed directly. Change or recreate the private endpoint instead.`,
        );
      }
      return unchanged(req.existing!);
    }
    const nicId = req.existing?.body.id ?? req.id.id;
    const location = regionOf(req);
    const inputs = asArray(p.ipConfigurations, "properties.ipConfigurations");
    if (!inputs.length) {
      throw errors.missingProperty(
        "properties.ipConfigurations",
        'A network interface needs at least one IP configuration, e.g. [{"name":"ipconfig1","properties":{"subnet":{"id":"<subnet id>"}}}].',
      );
    }
    const prevConfigs = arr(req.existing?.body.properties?.ipConfigurations);
    const taken = new Set<number>();
    const names = new Set<string>();
    let vnetKey: string | undefined;
    const parsed = inputs.map((x, i) => {
      const path = `properties.ipConfigurations[${i}]`;
      const o = asObject(x, path);
      const name = reqString(o.name, `${path}.name`, 80);
      if (names.has(name.toLowerCase())) {
        throw errors.invalidProperty(
          `${path}.name`,
          `two IP configurations are named '${name}'; names must be unique.`,
        );
      }
      names.add(name.toLowerCase());
      const cp = asObject(o.properties, `${path}.properties`);
      const subnetRef = asObject(cp.subnet, `${path}.properties.subnet`);
      if (subnetRef.id === undefined || subnetRef.id === null) {
        throw errors.missingProperty(
          `${path}.properties.subnet.id`,
          "Set it to the id of the subnet the interface joins.",
        );
      }
      const subnet = ref(subnetRef.id, `${path}.properties.subnet.id`, SUBNET_TYPE, ctx.tx, "subnet");
      const vnet = ctx.tx.get(parentOf(subnet.id))!;
      if (vnet.body.location !== location) {
        throw new ArmError(
          400,
          "InvalidResourceReference",
          `Subnet ${idOf(subnet)} referenced by network interface '${req.id.names[0]}' is in virtual network ${vnet.body.name} in '${vnet.body.location}', but the network interface is in '${location}'. A network interface and its virtual network must be in the same region.`,
          { target: `${path}.properties.subnet.id` },
        );
      }
      if (vnetKey && vnetKey !== vnet.key) {
        throw errors.invalidProperty(
          `${path}.properties.subnet.id`,
          "all IP configurations of a network interface must be in the same virtual network.",
        );
      }
      vnetKey = vnet.key;
      const method =
        optEnum(cp.privateIPAllocationMethod, `${path}.properties.privateIPAllocationMethod`, ALLOCATION) ??
        (cp.privateIPAddress ? "Static" : "Dynamic");
      return { path, name, cp, subnet, method, primary: optBool(cp.primary, `${path}.properties.primary`) };
    });
    const usedBySubnet = new Map<string, Map<number, string>>();
    const used = (s: Entry) => {
      let u = usedBySubnet.get(s.key);
      if (!u) usedBySubnet.set(s.key, (u = usedAddresses(ctx.tx, s.id)));
      return u;
    };
    const ips = new Map<string, number>();
    // Static and kept dynamic addresses first, so new dynamic ones avoid them.
    for (const c of parsed) {
      if (c.method === "Static") {
        if (!c.cp.privateIPAddress) {
          throw errors.missingProperty(
            `${c.path}.properties.privateIPAddress`,
            "Static allocation needs the address, e.g. 10.0.1.10.",
          );
        }
        const n = staticAddress(
          c.subnet,
          c.cp.privateIPAddress,
          `${c.path}.properties.privateIPAddress`,
          used(c.subnet),
          taken,
          nicId,
        );
        taken.add(n);
        ips.set(c.name, n);
      } else {
        const prev = prevConfigs.find((x) => String(x?.name).toLowerCase() === c.name.toLowerCase());
        const n = parseIpv4(prev?.properties?.privateIPAddress);
        if (prev && n !== undefined && sameKey(prev.properties?.subnet?.id, c.subnet.id) && !taken.has(n)) {
          taken.add(n);
          ips.set(c.name, n);
        }
      }
    }
    for (const c of parsed) {
      if (ips.has(c.name)) continue;
      const mine = new Map(
        [...used(c.subnet)].filter(([, owner]) => !owner.toLowerCase().startsWith(nicId.toLowerCase() + "/")),
      );
      const [n] = allocate(c.subnet, mine, taken, 1);
      taken.add(n);
      ips.set(c.name, n);
    }
    const anyPrimary = parsed.some((c) => c.primary === true);
    const configs = parsed.map((c, i) =>
      ipConfigurationBody(
        nicId,
        c.name,
        {
          privateIPAddress: ipText(ips.get(c.name)!),
          privateIPAllocationMethod: c.method,
          subnet: { id: idOf(c.subnet) },
          primary: anyPrimary ? c.primary === true : i === 0,
        },
        prevConfigs.find((x) => String(x?.name).toLowerCase() === c.name.toLowerCase()),
      ),
    );
    const extra: Record<string, any> = {};
    const nsgRef = asObject(p.networkSecurityGroup, "properties.networkSecurityGroup");
    if (nsgRef.id !== undefined && nsgRef.id !== null) {
      const nsg = ref(
        nsgRef.id,
        "properties.networkSecurityGroup.id",
        NSG_TYPE,
        ctx.tx,
        "network security group",
      );
      if (nsg.body.location !== location) {
        throw new ArmError(
          400,
          "InvalidResourceReference",
          `Network security group ${idOf(nsg)} is in '${nsg.body.location}' but the network interface is in '${location}'. Use a network security group of the same region.`,
          { target: "properties.networkSecurityGroup.id" },
        );
      }
      extra.networkSecurityGroup = { id: idOf(nsg) };
    }
    const dns = asObject(p.dnsSettings, "properties.dnsSettings");
    const dnsServers = asArray(dns.dnsServers, "properties.dnsSettings.dnsServers").map((x, i) => {
      if (parseIpv4(x) === undefined) {
        throw errors.invalidProperty(
          `properties.dnsSettings.dnsServers[${i}]`,
          `'${String(x)}' is not an IPv4 address.`,
        );
      }
      return String(x);
    });
    extra.dnsSettings = { dnsServers, appliedDnsServers: dnsServers };
    extra.enableAcceleratedNetworking =
      optBool(p.enableAcceleratedNetworking, "properties.enableAcceleratedNetworking") ?? false;
    extra.enableIPForwarding = optBool(p.enableIPForwarding, "properties.enableIPForwarding") ?? false;
    extra.resourceGuid = req.existing?.body.properties?.resourceGuid ?? newGuid();
    return { ...nicProperties(configs, extra), ...internalOf(req.existing) };
  },
  beforeDelete(ctx, existing, opts) {
    if (opts.cascade) return;
    const owner = ownerOf(ctx, existing);
    if (owner) {
      throw new ArmError(
        400,
        "CannotDeleteNicImplicitlyCreatedForPrivateEndpoint",
        `Network interface ${idOf(existing)} was created by private endpoint ${idOf(owner)} and cannot be deleted directly. Delete the private endpoint; its network interface goes with it.`,
      );
    }
  },
});
