// Microsoft.Network/virtualNetworks/virtualNetworkPeerings: one direction of a peering between
// two VNets (hub-and-spoke). Its peeringState is read live: "Connected" once the remote VNet
// peers back, "Initiated" until then, "Disconnected" when the remote VNet is gone.
import { ArmError, errors } from "../../core/armError.js";
import { cidrsOverlap, parseCidr } from "../../core/ip.js";
import { newGuid } from "../../core/guid.js";
import { WorldView } from "../../world/world.js";
import { ResourceType } from "../contract.js";
import { asObject, optBool, ref } from "../validate.js";
import { arr } from "./addressing.js";
import { NETWORK_API_VERSIONS } from "./apiVersions.js";
import {
  childNetworkType,
  idOf,
  orderedChildren,
  parentEntry,
  parentOf,
  PEERING_TYPE,
  publicBody,
  sameKey,
  VNET_TYPE,
} from "./common.js";

const FLAGS = [
  "allowVirtualNetworkAccess",
  "allowForwardedTraffic",
  "allowGatewayTransit",
  "useRemoteGateways",
] as const;
const DEFAULTS: Record<(typeof FLAGS)[number], boolean> = {
  allowVirtualNetworkAccess: true,
  allowForwardedTraffic: false,
  allowGatewayTransit: false,
  useRemoteGateways: false,
};

function prefixesOf(vnet: Record<string, any> | undefined): string[] {
  return arr(vnet?.properties?.addressSpace?.addressPrefixes).map(String);
}

export const virtualNetworkPeerings: ResourceType = childNetworkType({
  type: PEERING_TYPE,
  apiVersions: NETWORK_API_VERSIONS,
  write(ctx, req) {
    const vnet = parentEntry(ctx, req);
    const p = asObject(req.body.properties, "properties");
    const remoteRef = asObject(p.remoteVirtualNetwork, "properties.remoteVirtualNetwork");
    if (remoteRef.id === undefined || remoteRef.id === null) {
      throw errors.missingProperty(
        "properties.remoteVirtualNetwork.id",
        "Set it to the id of the virtual network to peer with.",
      );
    }
    const remote = ref(
      remoteRef.id,
      "properties.remoteVirtualNetwork.id",
      VNET_TYPE,
      ctx.tx,
      "virtual network",
    );
    if (sameKey(remote.id, vnet.id)) {
      throw errors.invalidProperty(
        "properties.remoteVirtualNetwork.id",
        "a virtual network cannot be peered with itself.",
      );
    }
    const prev = req.existing?.body.properties?.remoteVirtualNetwork?.id;
    if (prev && !sameKey(prev, remote.id)) {
      throw errors.invalidProperty(
        "properties.remoteVirtualNetwork.id",
        `the remote virtual network of peering '${req.existing!.body.name}' cannot change (it is ${prev}). Delete the peering and create a new one.`,
      );
    }
    const twin = ctx.tx
      .children(vnet.id, PEERING_TYPE)
      .find(
        (e) => !sameKey(e.id, req.id.id) && sameKey(e.body.properties?.remoteVirtualNetwork?.id, remote.id),
      );
    if (twin) {
      throw new ArmError(
        400,
        "VnetPeeringAlreadyExists",
        `Virtual network ${vnet.body.name} is already peered with ${idOf(remote)} through peering '${twin.body.name}'. Update that peering instead of creating another.`,
      );
    }
    for (const a of prefixesOf(vnet.body)) {
      for (const b of prefixesOf(remote.body)) {
        const ca = parseCidr(a);
        const cb = parseCidr(b);
        if (ca && cb && cidrsOverlap(ca, cb)) {
          throw new ArmError(
            400,
            "VnetAddressSpacesOverlap",
            `Cannot create or update peering '${req.id.names[req.id.names.length - 1]}': address space ${b} of remote virtual network ${remote.body.name} overlaps with address space ${a} of virtual network ${vnet.body.name}. Peered virtual networks need disjoint address spaces.`,
          );
        }
      }
    }
    const out: Record<string, any> = { remoteVirtualNetwork: { id: idOf(remote) } };
    for (const f of FLAGS) out[f] = optBool(p[f], `properties.${f}`) ?? DEFAULTS[f];
    out.resourceGuid = req.existing?.body.properties?.resourceGuid ?? newGuid();
    return out;
  },
  project(body, view) {
    return projectPeering(body, view);
  },
});

/** The peering as GET shows it, with its live state and the remote address space. */
export function projectPeering(body: Record<string, any>, view: WorldView): Record<string, any> {
  const props = { ...body.properties };
  const remoteId = props.remoteVirtualNetwork?.id;
  const remote = typeof remoteId === "string" ? view.get(remoteId) : undefined;
  const self = parentOf(String(body.id));
  let state = "Disconnected";
  if (remote) {
    const back = view
      .children(remote.id, PEERING_TYPE)
      .some((e) => sameKey(e.body.properties?.remoteVirtualNetwork?.id, self));
    state = back ? "Connected" : "Initiated";
  }
  props.peeringState = state;
  props.peeringSyncLevel = state === "Connected" ? "FullyInSync" : "RemoteNotInSync";
  const space = { addressPrefixes: prefixesOf(remote?.body) };
  props.remoteAddressSpace = space;
  props.remoteVirtualNetworkAddressSpace = space;
  return publicBody({ ...body, properties: props });
}

export function inlinePeerings(view: WorldView, vnetId: string): Record<string, any>[] {
  return orderedChildren(view, vnetId, PEERING_TYPE).map((e) => projectPeering(e.body, view));
}
