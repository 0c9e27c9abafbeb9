// Empty or partial privatelink zones: a zone that is linked (so it hides the public answer) but
// lacks names the private endpoints serve, or has empty record sets: NXDOMAIN for those names.
import { ARC_ZONES, privatelinkRecordFor } from "../../../core/arcEndpoints.js";
import { listNames } from "../context.js";
import { PrivateEndpointModel } from "../../../network/model.js";
import { Finding, FixStep, Rule } from "../types.js";
import { allArcAddresses, finding, put, refusedHosts } from "./util.js";

export const zoneMissingRecords: Rule = {
  id: "zone-missing-records",
  severity: "error",
  title: "Arc privatelink zone linked without the records the endpoints need",
  why: "Make sure not to create empty records as preparation for your Private Link setup: a privatelink zone consulted by a resolver answers NXDOMAIN for every name it does not hold (no fallback), which breaks the Arc names it should serve.",
  fix: "Create the A records the private endpoint lists in its DNS configuration (or let its private DNS zone group write them); or set the link's resolutionPolicy to NxDomainRedirect.",
  run(ctx) {
    const out: Finding[] = [];
    const need = allArcAddresses(ctx);
    const nx = refusedHosts(ctx, ["DnsNxdomain"]);
    for (const z of ctx.model.zones.values()) {
      if (!(ARC_ZONES as readonly string[]).includes(z.name)) continue;
      const linked = [...ctx.model.vnets.values()].filter((v) =>
        v.links.some((l) => l.zone.key === z.key && l.policy === "Default"),
      );
      if (!linked.length) continue;
      const wanted = new Map<string, string>();
      // The names the endpoints this zone serves need: those in its linked VNets or their peers
      // (another region's endpoint, answered by its own zone of the same name, is not this one's).
      const near = new Set(linked.flatMap((v) => [v.key, ...v.peers]));
      const own = ctx.arcEndpoints().filter((p) => near.has(p.vnet));
      const needHere = own.length ? addressesOf(own) : need;
      for (const [fqdn, ips] of needHere) {
        const r = privatelinkRecordFor(fqdn, [z.name]);
        if (r) wanted.set(r.record, [...ips][0]);
      }
      const missing: string[] = [];
      const empty: string[] = [];
      for (const [rec, ip] of wanted) {
        const d = z.records.get(rec);
        if (!d) missing.push(rec);
        else if (!d.A?.ips.length && !d.CNAME) empty.push(rec);
        void ip;
      }
      for (const [rec, d] of z.records) if (!wanted.has(rec) && d.A && !d.A.ips.length) empty.push(rec);
      const noEndpoint = wanted.size === 0 && z.name !== "privatelink.dp.kubernetesconfiguration.azure.com";
      if (!missing.length && !empty.length && !noEndpoint) continue;
      const pub = z.name.replace(/^privatelink\./, "");
      const hosts = nx.filter((x) => x.row.endpoint.endsWith(pub));
      const fixPlan: FixStep[] = [...missing, ...empty]
        .filter((r) => wanted.has(r))
        .map((r) =>
          put(
            `${z.id}/A/${r}`,
            { properties: { ttl: 10, aRecords: [{ ipv4Address: wanted.get(r) }] } },
            `${r}.${pub} → ${wanted.get(r)}, the private endpoint's address`,
          ),
        );
      for (const r of empty.filter((x) => !wanted.has(x)))
        fixPlan.push({
          kind: "arm",
          method: "DELETE",
          id: `${z.id}/A/${r}`,
          why: `an empty record set hides ${r}.${pub}`,
        });
      if (noEndpoint)
        for (const v of linked)
          for (const l of v.links.filter((x) => x.zone.key === z.key))
            fixPlan.push(
              put(
                l.linkId,
                {
                  location: "global",
                  properties: {
                    virtualNetwork: { id: v.id },
                    registrationEnabled: false,
                    resolutionPolicy: "NxDomainRedirect",
                  },
                },
                `fall back to the public answer while no private endpoint serves ${z.name}`,
              ),
            );
      const what = [
        missing.length ? `no record for ${missing.map((r) => `${r}.${pub}`).join(", ")}` : "",
        empty.length ? `empty record set(s) ${empty.join(", ")}` : "",
        noEndpoint ? "no Arc private endpoint writes its records (a pre-created zone)" : "",
      ]
        .filter(Boolean)
        .join("; ");
      out.push(
        finding(this, {
          message: `Private DNS zone ${z.name}, linked to ${linked.map((v) => v.name).join(", ")}, has ${what}: resolvers that consult it answer NXDOMAIN for those names${hosts.length ? ` (${hosts.length} host(s): ${listNames(hosts.map((x) => x.h.host.name))})` : ""}.`,
          resources: [z.id, ...linked.map((v) => v.id)],
          keyEndpoint: null,
          machines: ctx.affectedAll(hosts.map((x) => x.h)),
          ...(hosts[0]
            ? {
                host: hosts[0].h.host.name,
                endpoint: hosts[0].row.endpoint,
                reason: "DnsNxdomain",
                trace: hosts[0].row.trace,
              }
            : {}),
          fixPlan,
        }),
      );
    }
    return out;
  },
};

function addressesOf(pes: PrivateEndpointModel[]): Map<string, Set<string>> {
  const m = new Map<string, Set<string>>();
  for (const pe of pes)
    for (const a of pe.addresses) {
      const s = m.get(a.fqdn) ?? new Set<string>();
      s.add(a.ip);
      m.set(a.fqdn, s);
    }
  return m;
}
