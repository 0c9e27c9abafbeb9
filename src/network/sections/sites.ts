// The on-premises sites: address space, connections to VNets (lab site connections and Azure's own
// site-to-site VPN connections), the site's firewall and its proxies.
import { keyOf } from "../../core/resourceId.js";
import { connectionEnds } from "../../providers/network/connections.js";
import { WorldView } from "../../world/world.js";
import type { SiteModel } from "../model.js";
import { prefixesOf } from "./common.js";
import { modelSection } from "./section.js";

export const sites = modelSection({
  name: "sites",
  compile: (view) => buildSites(view),
});

function buildSites(view: WorldView): Map<string, SiteModel> {
  const sites = new Map<string, SiteModel>();
  for (const s of view.ofType("ArcLink.Lab/sites")) {
    sites.set(s.key, {
      key: s.key,
      id: s.id,
      name: s.body.name,
      prefixes: prefixesOf(s.body.properties?.addressSpace?.addressPrefixes),
      connections: [],
      proxies: [],
    });
  }
  for (const c of view.ofType("ArcLink.Lab/siteConnections")) {
    const p = c.body.properties ?? {};
    const site = p.siteId ? sites.get(keyOf(p.siteId)) : undefined;
    if (site && p.virtualNetworkId) {
      site.connections.push({
        id: c.id,
        vnet: keyOf(p.virtualNetworkId),
        type: p.connectionType ?? "Vpn",
        forcedTunneling: !!p.forcedTunneling,
      });
    }
  }
  // A site-to-site VPN in Azure's own terms: an IPsec connection from a VPN gateway to a local
  // network gateway whose prefixes cover the site's address space connects that site to the
  // gateway's VNet, as an ArcLink.Lab site connection does.
  for (const c of view.ofType("Microsoft.Network/connections")) {
    const ends = connectionEnds(view, c.body);
    for (const s of ends?.sites ?? []) {
      const site = sites.get(s.key);
      if (site && !site.connections.some((x) => x.vnet === ends!.vnet))
        site.connections.push({ id: c.id, vnet: ends!.vnet, type: "Vpn", forcedTunneling: false });
    }
  }
  for (const f of view.ofType("ArcLink.Lab/firewalls")) {
    const p = f.body.properties ?? {};
    const site = p.siteId ? sites.get(keyOf(p.siteId)) : undefined;
    if (site)
      site.firewall = {
        id: f.id,
        name: f.body.name,
        defaultAction: p.defaultAction === "Deny" ? "Deny" : "Allow",
        rules: p.rules ?? [],
        ...(p.tlsInspection ? { tlsInspection: p.tlsInspection } : {}),
      };
  }
  for (const x of view.ofType("ArcLink.Lab/proxies")) {
    const p = x.body.properties ?? {};
    const site = p.siteId ? sites.get(keyOf(p.siteId)) : undefined;
    if (site)
      site.proxies.push({
        id: x.id,
        name: x.body.name,
        ip: p.ipAddress,
        port: Number(p.port),
        ...(p.tlsInspection ? { tlsInspection: p.tlsInspection } : {}),
      });
  }
  return sites;
}
