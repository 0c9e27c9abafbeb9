// The inbound endpoints of Azure DNS private resolvers: each one's address and VNet.
import { keyOf } from "../../core/resourceId.js";
import { WorldView } from "../../world/world.js";
import type { InboundEndpointModel } from "../model.js";
import { modelSection } from "./section.js";

export const inboundEndpoints = modelSection({
  name: "inboundEndpoints",
  compile: (view) => buildInboundEndpoints(view),
});

function buildInboundEndpoints(view: WorldView): Map<string, InboundEndpointModel> {
  const out = new Map<string, InboundEndpointModel>();
  for (const r of view.ofType("Microsoft.Network/dnsResolvers")) {
    const vnet = r.body.properties?.virtualNetwork?.id;
    if (!vnet) continue;
    for (const ie of view.children(r.id, "Microsoft.Network/dnsResolvers/inboundEndpoints")) {
      for (const ipc of ie.body.properties?.ipConfigurations ?? []) {
        if (!ipc.privateIpAddress) continue;
        out.set(ie.key, {
          key: ie.key,
          id: ie.id,
          name: ie.body.name,
          ip: ipc.privateIpAddress,
          vnet: keyOf(vnet),
        });
      }
    }
  }
  return out;
}
