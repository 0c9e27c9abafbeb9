// Routing: can traffic from a position reach an address, and which way does it go?
// Inside a site; over a site-to-site VPN / ExpressRoute to a VNet (and to VNets peered with
// it); to the internet directly or, with forced tunnelling, through Azure. Filters (firewalls,
// NSGs) are applied by the connection evaluator on top of this.
import {
  AZURE_DNS_IP,
  describePosition,
  inPrefixes,
  isPublicAddress,
  NetworkModel,
  Position,
} from "./model.js";
import { Trace } from "./trace.js";

export type RouteKind =
  "local" | "vpn" | "expressroute" | "peering" | "internet" | "internet-tunnelled" | "azure-platform";

export interface RouteResult {
  ok: boolean;
  kind?: RouteKind;
  /** Where the destination lives. */
  dest?: Position | { kind: "internet" };
  /** For tunnelled internet traffic, the VNet it leaves Azure from (whose NSG rules apply). */
  egressVnet?: string;
  /** The site connection used, if any. */
  connectionId?: string;
  trace: Trace;
}

/** The position (site or VNet) whose address space holds `ip`, seen from `from`. */
function destinationOf(m: NetworkModel, from: Position, ip: string): Position | undefined {
  if (from.kind === "site" && inPrefixes(m.sites.get(from.site)?.prefixes ?? [], ip)) return from;
  if (from.kind === "vnet" && inPrefixes(m.vnets.get(from.vnet)?.prefixes ?? [], ip)) return from;
  for (const v of m.vnets.values()) if (inPrefixes(v.prefixes, ip)) return { kind: "vnet", vnet: v.key };
  for (const s of m.sites.values()) if (inPrefixes(s.prefixes, ip)) return { kind: "site", site: s.key };
  return undefined;
}

/** VNets a site reaches: those it connects to, and VNets peered with those (gateway transit). */
function vnetsOfSite(
  m: NetworkModel,
  site: string,
): Array<{ vnet: string; via: string; connectionId: string; type: string; peeredFrom?: string }> {
  const s = m.sites.get(site);
  const out: Array<{ vnet: string; via: string; connectionId: string; type: string; peeredFrom?: string }> =
    [];
  for (const c of s?.connections ?? []) {
    if (!m.vnets.has(c.vnet)) continue;
    out.push({ vnet: c.vnet, via: c.type, connectionId: c.id, type: c.type });
    for (const p of m.vnets.get(c.vnet)!.peers)
      out.push({ vnet: p, via: c.type, connectionId: c.id, type: c.type, peeredFrom: c.vnet });
  }
  return out;
}

export function route(m: NetworkModel, from: Position, ip: string): RouteResult {
  const t = new Trace();
  const here = describePosition(m, from);
  if (ip === AZURE_DNS_IP) {
    if (from.kind === "vnet") {
      t.ok(
        "route",
        `${ip} is Azure's platform address, reachable only from inside a VNet: ${here} reaches it`,
      );
      return { ok: true, kind: "azure-platform", dest: from, trace: t };
    }
    t.fail(
      "route",
      `${ip} is Azure's platform address (Azure-provided DNS); it answers only queries from inside a VNet, never from on-premises over VPN or ExpressRoute. Use a DNS Private Resolver inbound endpoint or a forwarder VM in the VNet`,
    );
    return { ok: false, trace: t };
  }
  if (isPublicAddress(ip)) return internet(m, from, ip, t);
  const dest = destinationOf(m, from, ip);
  if (!dest) {
    t.fail(
      "route",
      `no network in the model holds ${ip}: nothing answers there (packets are dropped, the client times out)`,
    );
    return { ok: false, trace: t };
  }
  const there = describePosition(m, dest);
  if (
    dest.kind === from.kind &&
    (dest.kind === "site" ? dest.site === (from as any).site : dest.vnet === (from as any).vnet)
  ) {
    t.ok("route", `${ip} is inside ${here}: delivered locally`);
    return { ok: true, kind: "local", dest, trace: t };
  }
  if (from.kind === "site" && dest.kind === "vnet") {
    const hop = vnetsOfSite(m, from.site).find((x) => x.vnet === dest.vnet);
    if (!hop) {
      t.fail(
        "route",
        `${here} has no site-to-site VPN or ExpressRoute connection to ${there} (${ip}); add a site connection to it (or to a hub VNet peered with it)`,
      );
      return { ok: false, trace: t };
    }
    const kind: RouteKind = hop.type === "ExpressRoute" ? "expressroute" : "vpn";
    t.ok(
      "route",
      `${here} → ${there} over ${hop.type === "ExpressRoute" ? "ExpressRoute" : "site-to-site VPN"}${hop.peeredFrom ? ` via the hub ${m.vnets.get(hop.peeredFrom)?.name} and its peering` : ""}`,
    );
    return { ok: true, kind, dest, connectionId: hop.connectionId, trace: t };
  }
  if (from.kind === "vnet" && dest.kind === "site") {
    const hop = vnetsOfSite(m, dest.site).find((x) => x.vnet === from.vnet);
    if (!hop) {
      t.fail(
        "route",
        `${here} has no route to ${there} (${ip}): no VPN or ExpressRoute connection joins them`,
      );
      return { ok: false, trace: t };
    }
    t.ok(
      "route",
      `${here} → ${there} over ${hop.type === "ExpressRoute" ? "ExpressRoute" : "site-to-site VPN"}`,
    );
    return {
      ok: true,
      kind: hop.type === "ExpressRoute" ? "expressroute" : "vpn",
      dest,
      connectionId: hop.connectionId,
      trace: t,
    };
  }
  if (from.kind === "vnet" && dest.kind === "vnet") {
    if (m.vnets.get(from.vnet)?.peers.includes(dest.vnet)) {
      t.ok("route", `${here} → ${there} over VNet peering`);
      return { ok: true, kind: "peering", dest, trace: t };
    }
    t.fail(
      "route",
      `${here} is not peered with ${there}; peer the two VNets (both directions) to reach ${ip}`,
    );
    return { ok: false, trace: t };
  }
  t.fail(
    "route",
    `${here} has no route to ${there} (${ip}): on-premises sites reach each other only outside this model`,
  );
  return { ok: false, trace: t };
}

function internet(m: NetworkModel, from: Position, ip: string, t: Trace): RouteResult {
  const here = describePosition(m, from);
  if (from.kind === "vnet") {
    t.ok("route", `${here} → internet (${ip}) through Azure's default outbound route`);
    return { ok: true, kind: "internet", dest: { kind: "internet" }, egressVnet: from.vnet, trace: t };
  }
  const tunnel = m.sites.get(from.site)?.connections.find((c) => c.forcedTunneling && m.vnets.has(c.vnet));
  if (tunnel) {
    t.ok(
      "route",
      `${here} tunnels all internet-bound traffic through Azure: → ${tunnel.type === "ExpressRoute" ? "ExpressRoute" : "VPN"} → VNet ${m.vnets.get(tunnel.vnet)?.name} → internet (${ip}); the VNet's NSG rules decide`,
    );
    return {
      ok: true,
      kind: "internet-tunnelled",
      dest: { kind: "internet" },
      egressVnet: tunnel.vnet,
      connectionId: tunnel.id,
      trace: t,
    };
  }
  t.ok("route", `${here} → internet (${ip}) over its own internet breakout`);
  return { ok: true, kind: "internet", dest: { kind: "internet" }, trace: t };
}
