// The virtual networks: address space, DNS servers, subnets (with their NSG), peerings connected
// both ways, and the private DNS zones linked to each. Reads the zones section for the links.
import { keyOf } from "../../core/resourceId.js";
import { parseCidr } from "../../core/ip.js";
import { WorldView } from "../../world/world.js";
import type { VnetModel, ZoneModel } from "../model.js";
import { prefixesOf } from "./common.js";
import { modelSection } from "./section.js";

export const vnets = modelSection({
  name: "vnets",
  reads: ["zones"],
  compile: (view, sections) => buildVnets(view, sections.zones as Map<string, ZoneModel>),
});

function buildVnets(view: WorldView, zones: Map<string, ZoneModel>): Map<string, VnetModel> {
  const vnets = new Map<string, VnetModel>();
  for (const v of view.ofType("Microsoft.Network/virtualNetworks")) {
    const p = v.body.properties ?? {};
    vnets.set(v.key, {
      key: v.key,
      id: v.id,
      name: v.body.name,
      location: v.body.location,
      prefixes: prefixesOf(p.addressSpace?.addressPrefixes),
      dnsServers: Array.isArray(p.dhcpOptions?.dnsServers) ? p.dhcpOptions.dnsServers : [],
      subnets: view.children(v.id, "Microsoft.Network/virtualNetworks/subnets").flatMap((s) => {
        const sp = s.body.properties ?? {};
        const prefix = parseCidr(sp.addressPrefix ?? sp.addressPrefixes?.[0]);
        return prefix
          ? [{ key: s.key, id: s.id, name: s.body.name, prefix, nsg: sp.networkSecurityGroup?.id }]
          : [];
      }),
      peers: [],
      links: [],
    });
  }
  // Peerings count once both directions exist (Azure's "Connected").
  const half = new Set<string>();
  for (const v of vnets.values()) {
    for (const pe of view.children(v.id, "Microsoft.Network/virtualNetworks/virtualNetworkPeerings")) {
      const remote = pe.body.properties?.remoteVirtualNetwork?.id;
      if (remote) half.add(`${v.key}|${keyOf(remote)}`);
    }
  }
  for (const h of half) {
    const [a, b] = h.split("|");
    if (half.has(`${b}|${a}`) && vnets.has(a)) vnets.get(a)!.peers.push(b);
  }
  for (const z of zones.values()) {
    for (const l of view.children(z.id, "Microsoft.Network/privateDnsZones/virtualNetworkLinks")) {
      const vnet = l.body.properties?.virtualNetwork?.id;
      const vm = vnet ? vnets.get(keyOf(vnet)) : undefined;
      if (!vm) continue;
      vm.links.push({
        zone: z,
        policy: l.body.properties?.resolutionPolicy === "NxDomainRedirect" ? "NxDomainRedirect" : "Default",
        linkId: l.id,
        linkName: l.body.name,
      });
    }
  }
  return vnets;
}
