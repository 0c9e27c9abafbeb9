// Microsoft.Network/privateEndpoints: a private IP per name the target serves, in a subnet of a
// VNet of the endpoint's own region. Creating one, in the same transaction: allocates the
// addresses, creates the NIC it owns, and writes the target-side connection (Approved for
// privateLinkServiceConnections, Pending for manual ones). GET reads the connection state live
// from the target, so approving or rejecting there shows here. Delete removes NIC and connection;
// the zone groups below clean up their DNS records.
import { ArmError, errors } from "../../core/armError.js";
import { newGuid } from "../../core/guid.js";
import { Entry } from "../../world/world.js";
import { ResourceType } from "../contract.js";
import { asArray, asObject, optString, ref } from "../validate.js";
import { allocate, arr, ipText, staticAddress, usedAddresses } from "./addressing.js";
import { NETWORK_API_VERSIONS } from "./apiVersions.js";
import {
  idOf,
  internalOf,
  NETWORK_NAME,
  NIC_TYPE,
  parentOf,
  PE_TYPE,
  regionOf,
  sameKey,
  SUBNET_TYPE,
  trackedNetworkType,
  weakEtag,
} from "./common.js";
import { EndpointAddress, putPrivateEndpointNic } from "./networkInterfaces.js";
import { liveConnection, resolveTarget, ResolvedTarget } from "./privateLinkTargets.js";

const AUTO = "privateLinkServiceConnections";
const MANUAL = "manualPrivateLinkServiceConnections";
const CONNECTION_ENTRY_TYPE = "Microsoft.Network/privateEndpoints/privateLinkServiceConnections";

interface ConnectionInput {
  list: typeof AUTO | typeof MANUAL;
  name?: string;
  requestMessage?: string;
  target: ResolvedTarget;
}

function connectionInput(view: Parameters<typeof resolveTarget>[0], p: Record<string, any>): ConnectionInput {
  const auto = asArray(p[AUTO], `properties.${AUTO}`);
  const manual = asArray(p[MANUAL], `properties.${MANUAL}`);
  if (auto.length + manual.length !== 1) {
    const why =
      auto.length && manual.length
        ? "both lists are set"
        : auto.length + manual.length === 0
          ? "none is set"
          : "more than one connection is listed";
    throw new ArmError(
      400,
      "PrivateEndpointBadRequest",
      `A private endpoint needs exactly one connection, but ${why}. Set either 'properties.${AUTO}' (automatic approval) or 'properties.${MANUAL}' (manual approval by the resource owner), with one entry naming privateLinkServiceId and groupIds.`,
      { target: `properties.${AUTO}` },
    );
  }
  const list = auto.length ? AUTO : MANUAL;
  const path = `properties.${list}[0]`;
  const c = asObject((auto.length ? auto : manual)[0], path);
  const cp = asObject(c.properties, `${path}.properties`);
  const target = resolveTarget(view, cp.privateLinkServiceId, cp.groupIds, `${path}.properties`);
  const name = optString(c.name, `${path}.name`, 80);
  if (name !== undefined && !NETWORK_NAME.pattern.test(name)) {
    throw errors.invalidProperty(
      `${path}.name`,
      `'${name}' is not a valid connection name: ${NETWORK_NAME.describe}.`,
    );
  }
  return {
    list,
    name: name || undefined,
    requestMessage: optString(cp.requestMessage, `${path}.properties.requestMessage`, 140),
    target,
  };
}

function connectionEntry(
  peId: string,
  c: ConnectionInput,
  name: string,
  state: Record<string, any>,
  etag?: string,
) {
  const properties: Record<string, any> = {
    privateLinkServiceId: idOf(c.target.entry),
    groupIds: [c.target.sentGroupId],
    privateLinkServiceConnectionState: state,
    provisioningState: "Succeeded",
  };
  if (c.requestMessage !== undefined) properties.requestMessage = c.requestMessage;
  return {
    id: `${peId}/${c.list}/${name}`,
    name,
    type: CONNECTION_ENTRY_TYPE,
    etag: etag ?? weakEtag(),
    properties,
  };
}

/** An update keeps the endpoint's addresses, NIC and connection: only names and the message may change. */
function update(
  req: { existing: Entry; peId: string },
  subnet: Entry,
  c: ConnectionInput,
): Record<string, any> {
  const prev = req.existing.body.properties ?? {};
  const recreate = "Delete the private endpoint and create it again to change it.";
  if (!sameKey(prev.subnet?.id, subnet.id)) {
    throw new ArmError(
      400,
      "PrivateEndpointSubnetCannotBeChanged",
      `The subnet of private endpoint ${req.existing.body.name} cannot change from ${prev.subnet?.id} to ${idOf(subnet)}. ${recreate}`,
      { target: "properties.subnet.id" },
    );
  }
  const prevList = arr(prev[MANUAL]).length ? MANUAL : AUTO;
  const old = arr(prev[prevList])[0];
  const oldGroup = String(arr(old?.properties?.groupIds)[0] ?? "");
  if (
    prevList !== c.list ||
    !sameKey(old?.properties?.privateLinkServiceId, idOf(c.target.entry)) ||
    oldGroup.toLowerCase() !== c.target.groupId.toLowerCase()
  ) {
    throw new ArmError(
      400,
      "PrivateEndpointConnectionCannotBeChanged",
      `The connection of private endpoint ${req.existing.body.name} (${prevList === MANUAL ? "manual" : "automatic"} approval, ${old?.properties?.privateLinkServiceId}, group '${oldGroup}') cannot change to ${c.list === MANUAL ? "manual" : "automatic"} approval, ${idOf(c.target.entry)}, group '${c.target.groupId}'. ${recreate}`,
      { target: `properties.${c.list}[0]` },
    );
  }
  const name = c.name ?? String(old?.name);
  const entry = connectionEntry(
    req.peId,
    { ...c, requestMessage: c.requestMessage ?? old?.properties?.requestMessage },
    name,
    old?.properties?.privateLinkServiceConnectionState ?? {},
    old?.etag,
  );
  return { ...prev, [c.list]: [entry], ...internalOf(req.existing) };
}

export const privateEndpoints: ResourceType = trackedNetworkType({
  type: PE_TYPE,
  model: { section: "privateEndpoints" },
  topology: { section: "privateEndpoints" },
  apiVersions: NETWORK_API_VERSIONS,
  name: { ...NETWORK_NAME, min: 2, max: 64 },
  write(ctx, req, p) {
    const location = regionOf(req);
    const peId = req.existing?.body.id ?? req.id.id;
    const peName = String(req.existing?.body.name ?? req.id.names[0]);
    const subnetRef = asObject(p.subnet, "properties.subnet");
    if (subnetRef.id === undefined || subnetRef.id === null) {
      throw errors.missingProperty(
        "properties.subnet.id",
        "Set it to the id of the subnet the private endpoint's addresses come from.",
      );
    }
    const subnet = ref(subnetRef.id, "properties.subnet.id", SUBNET_TYPE, ctx.tx, "subnet");
    const c = connectionInput(ctx.tx, p);
    if (req.existing) return update({ existing: req.existing, peId }, subnet, c);

    const vnet = ctx.tx.get(parentOf(subnet.id))!;
    if (vnet.body.location !== location) {
      throw new ArmError(
        400,
        "InvalidResourceReference",
        `Subnet ${idOf(subnet)} referenced by private endpoint '${peName}' belongs to virtual network ${vnet.body.name} in '${vnet.body.location}', but the private endpoint is in '${location}'. A private endpoint and its virtual network must be in the same region (the scope may be elsewhere): create the endpoint in '${vnet.body.location}' or use a subnet of a VNet in '${location}'.`,
        { target: "properties.subnet.id" },
      );
    }
    const delegations = arr(subnet.body.properties?.delegations);
    if (delegations.length) {
      throw new ArmError(
        400,
        "PrivateEndpointCreationNotAllowedAsSubnetIsDelegated",
        `Private endpoint ${peId} cannot be created as subnet ${idOf(subnet)} is delegated to ${delegations.map((d) => d?.properties?.serviceName).join(", ")}. Use a subnet without delegations.`,
        { target: "properties.subnet.id" },
      );
    }

    // One private IP per name the target serves: requested static ones first, then the next free.
    // One address per member; names that share a key (endpoint compression) share one.
    const names: { memberName: string; fqdns: string[] }[] = [];
    const shared = new Map<string, { memberName: string; fqdns: string[] }>();
    for (const n of c.target.model.names(c.target.entry, c.target.groupId, { location }, ctx.tx)) {
      const slot = n.shareKey ? shared.get(n.shareKey) : undefined;
      if (slot) {
        slot.fqdns.push(n.fqdn);
        continue;
      }
      const fresh = { memberName: n.memberName, fqdns: [n.fqdn] };
      if (n.shareKey) shared.set(n.shareKey, fresh);
      names.push(fresh);
    }
    const used = usedAddresses(ctx.tx, subnet.id);
    const taken = new Set<number>();
    const fixed = new Map<number, { ip: number; name: string; groupId: string }>();
    asArray(p.ipConfigurations, "properties.ipConfigurations").forEach((x, i) => {
      const path = `properties.ipConfigurations[${i}]`;
      const o = asObject(x, path);
      const cp = asObject(o.properties, `${path}.properties`);
      const groupId = optString(cp.groupId, `${path}.properties.groupId`) ?? c.target.groupId;
      if (groupId.toLowerCase() !== c.target.groupId.toLowerCase()) {
        throw errors.invalidProperty(
          `${path}.properties.groupId`,
          `the endpoint connects to group '${c.target.groupId}', not '${groupId}'.`,
        );
      }
      const member = optString(cp.memberName, `${path}.properties.memberName`);
      const slot = names.findIndex(
        (n, j) => !fixed.has(j) && n.memberName.toLowerCase() === String(member).toLowerCase(),
      );
      if (slot < 0) {
        throw errors.invalidProperty(
          `${path}.properties.memberName`,
          `'${member}' is not a free member of group '${c.target.groupId}'. Members: ${[...new Set(names.map((n) => n.memberName))].join(", ")}.`,
        );
      }
      const ip = staticAddress(
        subnet,
        cp.privateIPAddress,
        `${path}.properties.privateIPAddress`,
        used,
        taken,
      );
      taken.add(ip);
      fixed.set(slot, {
        ip,
        name: optString(o.name, `${path}.name`, 80) ?? `privateEndpointIpConfig.${newGuid()}`,
        groupId,
      });
    });
    // GET shows only the ip configurations the caller sent (Azure does not list the assigned
    // ones there; they are in customDnsConfigs and on the NIC). Updates keep this list (update()).
    const sent = [...fixed.values()].map((f) => f.name);
    // A sent ip configuration keeps the group id as it was spelled.
    const sentGroup = new Map([...fixed.values()].map((f) => [f.name, f.groupId]));
    const dynamic = allocate(subnet, used, taken, names.length - fixed.size);
    const addresses: EndpointAddress[] = names.map((n, j) => {
      const f = fixed.get(j);
      return {
        ip: ipText(f ? f.ip : dynamic.shift()!),
        groupId: c.target.groupId,
        memberName: n.memberName,
        fqdns: n.fqdns,
        name: f?.name ?? `privateEndpointIpConfig.${newGuid()}`,
      };
    });

    const guid = newGuid();
    const custom = optString(p.customNetworkInterfaceName, "properties.customNetworkInterfaceName", 80);
    if (custom && !NETWORK_NAME.pattern.test(custom)) {
      throw errors.invalidProperty(
        "properties.customNetworkInterfaceName",
        `'${custom}' is not a valid network interface name: ${NETWORK_NAME.describe}.`,
      );
    }
    const nicName = custom || `${peName}.nic.${guid}`;
    const nicId = `/subscriptions/${req.id.subscription}/resourceGroups/${req.id.resourceGroup}/providers/Microsoft.Network/networkInterfaces/${nicName}`;
    if (ctx.tx.get(nicId)) {
      throw errors.conflict(
        "NetworkInterfaceNameAlreadyInUse",
        `A network interface named '${nicName}' already exists in resource group ${req.id.resourceGroup}. Choose another customNetworkInterfaceName, or leave it out.`,
      );
    }
    putPrivateEndpointNic(ctx, { id: nicId, location, peId, subnetId: idOf(subnet), addresses });

    const manual = c.list === MANUAL;
    const state = {
      status: manual ? "Pending" : "Approved",
      description: manual ? c.requestMessage || "Awaiting approval" : "Auto-Approved",
      actionsRequired: "None",
    } as const;
    c.target.model.connect(ctx, {
      target: c.target.entry,
      peId,
      peName,
      guid,
      status: state.status,
      description: state.description,
    });
    return {
      subnet: { id: idOf(subnet) },
      [AUTO]: manual ? [] : [connectionEntry(peId, c, c.name ?? peName, state)],
      [MANUAL]: manual ? [connectionEntry(peId, c, c.name ?? peName, state)] : [],
      networkInterfaces: [{ id: nicId }],
      customDnsConfigs: addresses.flatMap((a) => a.fqdns.map((fqdn) => ({ fqdn, ipAddresses: [a.ip] }))),
      ipConfigurations: addresses.map((a) => ({
        name: a.name,
        properties: {
          groupId: sentGroup.get(a.name) ?? a.groupId,
          memberName: a.memberName,
          privateIPAddress: a.ip,
        },
      })),
      customNetworkInterfaceName: custom ?? "",
      applicationSecurityGroups: [],
      ipVersionType: "IPv4",
      _resourceGuid: guid,
      _ipConfigurationsSent: sent,
    };
  },
  beforeDelete(ctx, existing) {
    const props = existing.body.properties ?? {};
    for (const nic of arr(props.networkInterfaces)) {
      const e = typeof nic?.id === "string" ? ctx.tx.get(nic.id) : undefined;
      if (e && e.type.toLowerCase() === NIC_TYPE.toLowerCase()) ctx.tx.delete(e.id);
    }
    for (const c of [...arr(props[AUTO]), ...arr(props[MANUAL])]) {
      const target = c?.properties?.privateLinkServiceId;
      const live = typeof target === "string" ? liveConnection(ctx.tx, target, existing.id) : undefined;
      if (live) ctx.tx.delete(live.id);
    }
  },
  project(body, view) {
    const props: Record<string, any> = { ...body.properties };
    for (const list of [AUTO, MANUAL]) {
      props[list] = arr(props[list]).map((c) => {
        const target = c?.properties?.privateLinkServiceId;
        const live = typeof target === "string" ? liveConnection(view, target, String(body.id)) : undefined;
        const s = live?.body.properties?.privateLinkServiceConnectionState;
        const state = s
          ? {
              status: s.status,
              description: s.description ?? "",
              actionsRequired: s.actionsRequired ?? "None",
            }
          : {
              status: "Disconnected",
              description:
                "The connection was removed from the private link resource. Delete and recreate the private endpoint to connect again.",
              actionsRequired: "None",
            };
        return { ...c, properties: { ...c.properties, privateLinkServiceConnectionState: state } };
      });
    }
    const sent = new Set(arr(body._ipConfigurationsSent).map((n) => String(n).toLowerCase()));
    props.ipConfigurations = arr(props.ipConfigurations).filter((c) =>
      sent.has(String(c?.name).toLowerCase()),
    );
    return { ...body, properties: props };
  },
});

/** The resource guid an endpoint was created with (it names the NIC, the connection and DNS metadata). */
export function resourceGuidOf(pe: Entry): string {
  return String(pe.body._resourceGuid ?? "");
}
