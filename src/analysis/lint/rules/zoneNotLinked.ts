// A privatelink zone that holds the Arc records but is not linked to the VNet of the resolver that
// on-premises DNS forwards to: Azure DNS there never consults it, and the Arc names resolve publicly.
import { ARC_ZONES } from "../../../core/arcEndpoints.js";
import { Finding, Rule } from "../types.js";
import { finding, put } from "./util.js";

export const zoneNotLinked: Rule = {
  id: "zone-not-linked",
  severity: "error",
  title: "Arc privatelink zone not linked to the resolver's virtual network",
  why: "A DNS Private Resolver inbound endpoint (or Azure-provided DNS) answers from the private DNS zones linked to its own virtual network only; on-premises conditional forwarders that point at it get public answers when the privatelink zones are not linked there.",
  fix: "Link the privatelink zone to the resolver's virtual network (registrationEnabled false).",
  run(ctx) {
    const out: Finding[] = [];
    const forwardedTo = new Set<string>();
    for (const d of ctx.model.dnsServers.values())
      for (const c of d.conditionalForwarders)
        if (/(^|\.)(his\.arc|guestconfiguration|dp\.kubernetesconfiguration)\.azure\.com$/.test(c.domain))
          for (const t of c.targets) forwardedTo.add(t);
    const zones = [...ctx.model.zones.values()].filter((z) =>
      (ARC_ZONES as readonly string[]).includes(z.name),
    );
    if (!zones.length) return out;
    for (const ie of ctx.model.inboundEndpoints.values()) {
      const vnet = ctx.model.vnets.get(ie.vnet);
      if (!vnet) continue;
      const used = forwardedTo.has(ie.ip);
      const arcHere = ctx.arcEndpoints().some((p) => p.vnet === ie.vnet || vnet.peers.includes(p.vnet));
      if (!used && !arcHere) continue;
      for (const z of zones) {
        if (z.name === "privatelink.dp.kubernetesconfiguration.azure.com" && z.records.size === 0) continue;
        // A VNet links at most one zone of a name: when another zone of this name is linked, that
        // one answers here (two regions' zones of the same name, each linked to its own hub).
        if (vnet.links.some((l) => l.zone.key === z.key || l.zone.name === z.name)) continue;
        const hosts = ctx.hostsWhere(
          ctx.evalValues(`zone-not-linked|${ie.name} (${ie.ip})|${z.name}`, (h) =>
            ctx
              .arcRows(h)
              .some(
                (r) =>
                  r.trace.length &&
                  JSON.stringify(r.trace[0]).includes(`${ie.name} (${ie.ip})`) &&
                  r.endpoint.endsWith(z.name.replace(/^privatelink\./, "")),
              ),
          ),
        );
        out.push(
          finding(this, {
            severity: used ? "error" : "warning",
            message: `Private DNS zone ${z.name} is not linked to VNet ${vnet.name}, where the DNS Private Resolver inbound endpoint ${ie.name} (${ie.ip}) ${used ? "that on-premises DNS forwards the Arc zones to " : ""}lives: it answers the Arc names publicly.`,
            resources: [z.id, vnet.id, ie.id],
            machines: ctx.affectedAll(hosts),
            ...(hosts[0]
              ? (() => {
                  const r = ctx
                    .arcRows(hosts[0])
                    .find((x) => x.endpoint.endsWith(z.name.replace(/^privatelink\./, "")))!;
                  return {
                    host: hosts[0].host.name,
                    endpoint: r.endpoint,
                    trace: r.trace,
                    ...(r.reason ? { reason: r.reason } : {}),
                  };
                })()
              : {}),
            fixPlan: [
              put(
                `${z.id}/virtualNetworkLinks/${vnet.name}-link`,
                {
                  location: "global",
                  properties: { virtualNetwork: { id: vnet.id }, registrationEnabled: false },
                },
                `let Azure DNS in ${vnet.name} (and the inbound endpoint) answer from ${z.name}`,
              ),
            ],
          }),
        );
      }
    }
    return out;
  },
};
