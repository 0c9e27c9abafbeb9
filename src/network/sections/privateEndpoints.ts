// The private endpoints: VNet and subnet, target and group ids, and the addresses of their
// customDnsConfigs.
import { keyOf } from "../../core/resourceId.js";
import { WorldView } from "../../world/world.js";
import type { PrivateEndpointModel } from "../model.js";
import { vnetOfSubnet } from "./common.js";
import { modelSection } from "./section.js";

export const privateEndpoints = modelSection({
  name: "privateEndpoints",
  compile: (view) => buildPrivateEndpoints(view),
});

function buildPrivateEndpoints(view: WorldView): Map<string, PrivateEndpointModel> {
  const out = new Map<string, PrivateEndpointModel>();
  for (const pe of view.ofType("Microsoft.Network/privateEndpoints")) {
    const p = pe.body.properties ?? {};
    const vnet = vnetOfSubnet(p.subnet?.id);
    if (!vnet) continue;
    const conns = [
      ...(p.privateLinkServiceConnections ?? []),
      ...(p.manualPrivateLinkServiceConnections ?? []),
    ];
    const members = new Map<string, string>();
    for (const ic of p.ipConfigurations ?? [])
      members.set(ic.properties?.privateIPAddress, ic.properties?.memberName);
    out.set(pe.key, {
      key: pe.key,
      id: pe.id,
      name: pe.body.name,
      vnet,
      subnet: keyOf(p.subnet.id),
      targetId: conns[0]?.properties?.privateLinkServiceId ?? "",
      groupIds: conns[0]?.properties?.groupIds ?? [],
      addresses: (p.customDnsConfigs ?? []).flatMap((c: any) =>
        (c.ipAddresses ?? []).map((ip: string) => ({
          fqdn: String(c.fqdn).toLowerCase(),
          ip,
          memberName: members.get(ip),
        })),
      ),
    });
  }
  return out;
}
