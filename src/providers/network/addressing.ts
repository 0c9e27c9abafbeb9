// Addresses inside a subnet: its prefixes, who holds which address, and Azure's allocation rule
// (the first four addresses and the last one of every prefix are reserved; dynamic allocation
// takes the lowest free address, so in 10.0.1.0/24 the first one handed out is 10.0.1.4).
import { ArmError, errors } from "../../core/armError.js";
import { Cidr, cidrContainsIp, formatIpv4, parseCidr, parseIpv4 } from "../../core/ip.js";
import { keyOf } from "../../core/resourceId.js";
import { Entry, WorldView } from "../../world/world.js";
import { idOf, INBOUND_TYPE, LAB_ADDRESS_HOLDERS, NIC_TYPE, PE_TYPE, sameKey } from "./common.js";

/** The prefixes of a stored subnet body (addressPrefix or addressPrefixes). */
export function subnetPrefixes(subnet: Record<string, any>): Cidr[] {
  const p = subnet.properties ?? {};
  const texts: unknown[] =
    Array.isArray(p.addressPrefixes) && p.addressPrefixes.length ? p.addressPrefixes : [p.addressPrefix];
  return texts.map((t) => parseCidr(t)).filter((c): c is Cidr => !!c);
}

export function prefixText(subnet: Record<string, any>): string {
  return subnetPrefixes(subnet)
    .map((c) => c.text)
    .join(", ");
}

/** Every address held in a subnet, with the id of what holds it. */
export function usedAddresses(view: WorldView, subnetId: string): Map<number, string> {
  const used = new Map<number, string>();
  const add = (ip: unknown, owner: string) => {
    const n = parseIpv4(ip);
    if (n !== undefined && !used.has(n)) used.set(n, owner);
  };
  for (const nic of view.ofType(NIC_TYPE)) {
    for (const cfg of arr(nic.body.properties?.ipConfigurations)) {
      if (sameKey(cfg?.properties?.subnet?.id, subnetId)) {
        add(cfg.properties.privateIPAddress, `${idOf(nic)}/ipConfigurations/${cfg.name}`);
      }
    }
  }
  for (const ep of view.ofType(INBOUND_TYPE)) {
    for (const cfg of arr(ep.body.properties?.ipConfigurations)) {
      if (sameKey(cfg?.subnet?.id, subnetId)) add(cfg.privateIpAddress, idOf(ep));
    }
  }
  for (const lab of LAB_ADDRESS_HOLDERS) {
    for (const e of view.ofType(lab.type)) {
      const p = e.body.properties ?? {};
      if (sameKey(p.subnetId, subnetId)) add(p[lab.field], idOf(e));
    }
  }
  return used;
}

export interface SubnetUser {
  id: string;
  what: string;
}

/**
 * What keeps a subnet in use: private endpoints, network interfaces (other than those a private
 * endpoint owns, which go with it), DNS resolver inbound endpoints and lab hosts and DNS servers.
 */
export function subnetUsers(view: WorldView, subnetId: string): SubnetUser[] {
  const out: SubnetUser[] = [];
  for (const pe of view.ofType(PE_TYPE)) {
    if (sameKey(pe.body.properties?.subnet?.id, subnetId))
      out.push({ id: idOf(pe), what: "private endpoint" });
  }
  for (const nic of view.ofType(NIC_TYPE)) {
    const owner = nic.body.properties?.privateEndpoint?.id;
    if (typeof owner === "string" && view.get(owner)) continue;
    for (const cfg of arr(nic.body.properties?.ipConfigurations)) {
      if (sameKey(cfg?.properties?.subnet?.id, subnetId)) {
        out.push({
          id: `${idOf(nic)}/ipConfigurations/${cfg.name}`,
          what: "network interface IP configuration",
        });
      }
    }
  }
  for (const ep of view.ofType(INBOUND_TYPE)) {
    if (arr(ep.body.properties?.ipConfigurations).some((c) => sameKey(c?.subnet?.id, subnetId))) {
      out.push({ id: idOf(ep), what: "DNS resolver inbound endpoint" });
    }
  }
  for (const gw of view.ofType("Microsoft.Network/virtualNetworkGateways")) {
    if (arr(gw.body.properties?.ipConfigurations).some((c) => sameKey(c?.properties?.subnet?.id, subnetId))) {
      out.push({ id: idOf(gw), what: "virtual network gateway" });
    }
  }
  for (const lab of LAB_ADDRESS_HOLDERS) {
    for (const e of view.ofType(lab.type)) {
      if (sameKey(e.body.properties?.subnetId, subnetId)) out.push({ id: idOf(e), what: lab.what });
    }
  }
  return out;
}

/** Refuses deleting a subnet something still uses (Azure: 400 InUseSubnetCannotBeDeleted). */
export function assertSubnetUnused(view: WorldView, subnet: Entry, via?: string): void {
  const users = subnetUsers(view, subnet.id);
  if (!users.length) return;
  const first = users[0];
  const more =
    users.length > 1
      ? ` (and ${users.length - 1} more: ${users
          .slice(1)
          .map((u) => u.id)
          .join(", ")})`
      : "";
  throw new ArmError(
    400,
    "InUseSubnetCannotBeDeleted",
    `Subnet ${subnet.body.name} is in use by ${first.what} ${first.id}${more} and cannot be deleted${via ? ` ${via}` : ""}. ` +
      `Delete the ${first.what} first${users.length > 1 ? " (and every other resource in the subnet)" : ""}, then delete the subnet. See aka.ms/deletesubnet.`,
  );
}

function isUsable(cidrs: Cidr[], n: number): boolean {
  return cidrs.some((c) => n >= c.first + 4 && n <= c.last - 1);
}

/** The lowest free usable addresses of a subnet; SubnetIsFull when there are not enough. */
export function allocate(
  subnet: Entry,
  used: Map<number, string>,
  taken: Set<number>,
  count: number,
): number[] {
  const cidrs = subnetPrefixes(subnet.body);
  const out: number[] = [];
  let free = 0;
  for (const c of cidrs) {
    for (let n = c.first + 4; n <= c.last - 1; n++) {
      if (used.has(n) || taken.has(n)) continue;
      free++;
      if (out.length < count) out.push(n);
    }
  }
  if (out.length < count) {
    throw new ArmError(
      400,
      "SubnetIsFull",
      `Subnet ${subnet.body.name} with address prefix ${prefixText(subnet.body)} does not have enough capacity for ${count} IP address${count === 1 ? "" : "es"}: ${free} free (Azure reserves the first four and the last address of each prefix). Use a larger subnet, free addresses in it, or choose another subnet.`,
    );
  }
  return out;
}

/** Validates a requested static address in a subnet and returns it as a number. */
export function staticAddress(
  subnet: Entry,
  ip: unknown,
  path: string,
  used: Map<number, string>,
  taken: Set<number>,
  self?: string,
): number {
  const n = parseIpv4(ip);
  if (n === undefined)
    throw errors.invalidProperty(path, `'${String(ip)}' is not an IPv4 address such as 10.0.1.10.`);
  const cidrs = subnetPrefixes(subnet.body);
  if (!cidrs.some((c) => cidrContainsIp(c, n))) {
    throw new ArmError(
      400,
      "PrivateIPAddressNotInSubnet",
      `IP address ${ip} at '${path}' does not belong to subnet ${subnet.body.name} (${prefixText(subnet.body)}). Choose an address inside the subnet's range.`,
      { target: path },
    );
  }
  if (!isUsable(cidrs, n)) {
    throw new ArmError(
      400,
      "PrivateIPAddressInReservedRange",
      `IP address ${ip} at '${path}' is reserved in subnet ${subnet.body.name} (${prefixText(subnet.body)}): Azure reserves the first four and the last address of each prefix. Choose another address.`,
      { target: path },
    );
  }
  const owner = used.get(n);
  const mine =
    !!owner && !!self && (keyOf(owner) === keyOf(self) || keyOf(owner).startsWith(keyOf(self) + "/"));
  if ((owner && !mine) || taken.has(n)) {
    throw new ArmError(
      400,
      "PrivateIPAddressInUse",
      `IP address ${ip} at '${path}' is already allocated${owner ? ` to ${owner}` : " in this request"}. Choose a free address in subnet ${subnet.body.name}, or use dynamic allocation.`,
      { target: path },
    );
  }
  return n;
}

export function ipText(n: number): string {
  return formatIpv4(n);
}

export function arr(v: unknown): any[] {
  return Array.isArray(v) ? v : [];
}
