// Stale manual addresses: a hosts-file line, an on-premises zone record or a privatelink zone
// record that maps an Arc name to an address the private endpoint no longer has.
import { ARC_ZONES } from "../../../core/arcEndpoints.js";
import { HostInfo, listNames } from "../context.js";
import { Finding, Rule } from "../types.js";
import { addressesOfScope, allArcAddresses, finding, hostsAnchor, onprem, put } from "./util.js";
import { hostsFileArcNames, serverArcZones } from "./manualRecords.js";

export const staleAddress: Rule = {
  id: "stale-address",
  severity: "error",
  title: "Manual or zone address that is not the private endpoint's current address",
  why: "The FQDNs and IP addresses change with the region you selected for your private endpoint and the addresses available in your subnet: records written by hand (hosts files, on-premises zones) go stale when the endpoint is recreated, and the agent dials an address where nothing answers.",
  fix: "Replace the address with the one in the private endpoint's DNS configuration.",
  run(ctx) {
    const out: Finding[] = [];
    const current = allArcAddresses(ctx);
    if (!current.size) return out;
    const pick = (h: HostInfo | undefined, fqdn: string): string =>
      (h?.scope ? addressesOfScope(ctx, h.scope.id).get(fqdn) : undefined) ??
      [...(current.get(fqdn) ?? [])][0] ??
      "?";
    // Hosts files, grouped by the stale line.
    const groups = new Map<string, { hs: HostInfo[]; fqdn: string; address: string }>();
    for (let hi = 0; hi < ctx.hosts.length; hi++) {
      const h = ctx.hosts[hi];
      const names = hostsFileArcNames(h.host);
      for (let ni = 0; ni < names.length; ni++) {
        const n = names[ni];
        const ok = current.get(n.fqdn);
        if (!ok || ok.has(n.address)) continue;
        const k = `${n.fqdn}|${n.address}`;
        const g = groups.get(k) ?? { hs: [], fqdn: n.fqdn, address: n.address };
        g.hs.push(h);
        groups.set(k, g);
      }
    }
    for (const g of groups.values()) {
      const first = g.hs[0];
      const row = first.check.endpoints.find((e) => e.endpoint === g.fqdn);
      const now = pick(first, g.fqdn);
      out.push(
        finding(this, {
          message: `The hosts file of ${g.hs.length} host(s) (${listNames(g.hs.map((h) => h.host.name))}) maps ${g.fqdn} to ${g.address}, but the private endpoint serves it on ${[...current.get(g.fqdn)!].join(", ")}${row ? `: ${row.verdict}${row.reason ? ` (${row.reason})` : ""}` : ""}.`,
          resources: g.hs.slice(0, 20).map((h) => h.host.id),
          keyResource: hostsAnchor(g.hs),
          keyEndpoint: `${g.fqdn}=${g.address}`,
          machines: ctx.affectedAll(g.hs),
          ...(row
            ? {
                host: first.host.name,
                endpoint: row.endpoint,
                trace: row.trace,
                ...(row.reason ? { reason: row.reason } : {}),
              }
            : {}),
          fixPlan: g.hs.map((h) =>
            onprem(
              h.host.name,
              `replace "${g.address} ${g.fqdn}" with "${pick(h, g.fqdn)} ${g.fqdn}"`,
              `the endpoint's current address is ${now}`,
              hostsFileModel(h, g.fqdn, g.address, pick(h, g.fqdn)),
            ),
          ),
        }),
      );
    }
    // On-premises DNS zones.
    for (const d of ctx.model.dnsServers.values())
      for (const z of serverArcZones(d))
        for (const n of z.names) {
          const ok = current.get(n.fqdn);
          if (!ok || ok.has(n.address)) continue;
          out.push(
            finding(this, {
              message: `DNS server ${d.name} (${d.ip}): ${n.where} maps ${n.fqdn} to ${n.address}, but the private endpoint serves it on ${[...ok].join(", ")}.`,
              resources: [d.id],
              fixPlan: [
                onprem(
                  d.name,
                  `${n.where}: set the A record to ${[...ok][0]}`,
                  "the endpoint's current address",
                ),
              ],
            }),
          );
        }
    // Azure privatelink zones.
    for (const z of ctx.model.zones.values()) {
      if (!(ARC_ZONES as readonly string[]).includes(z.name)) continue;
      const pub = z.name.replace(/^privatelink\./, "");
      for (const [rel, data] of z.records) {
        const fqdn = `${rel}.${pub}`;
        const ok = current.get(fqdn);
        const bad = (data.A?.ips ?? []).filter((ip) => ok && !ok.has(ip));
        if (!ok || !bad.length) continue;
        out.push(
          finding(this, {
            message: `Private DNS zone ${z.name} maps ${rel} to ${bad.join(", ")}, but the private endpoint serves ${fqdn} on ${[...ok].join(", ")}.`,
            resources: [`${z.id}/A/${rel}`, z.id],
            fixPlan: [
              put(
                `${z.id}/A/${rel}`,
                {
                  properties: {
                    ttl: data.A?.ttl ?? 10,
                    aRecords: [...ok].map((ipv4Address) => ({ ipv4Address })),
                  },
                },
                "write the endpoint's current address",
              ),
            ],
          }),
        );
      }
    }
    return out;
  },
};

/** The lab host PUT that models the hosts-file edit (the stale line's address replaced). */
function hostsFileModel(h: HostInfo, fqdn: string, from: string, to: string) {
  const raw = h.host.raw;
  const p = { ...(raw.properties ?? {}) };
  if (typeof p.hostsFile !== "string" || to === "?") return undefined;
  const esc = (x: string) => x.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  const line = new RegExp(`^(\\s*)${esc(from)}(\\s+(?:\\S+\\s+)*?)${esc(fqdn)}(\\s|$)`, "gim");
  p.hostsFile = p.hostsFile.replace(
    line,
    (_m: string, a: string, b: string, c: string) => `${a}${to}${b}${fqdn}${c}`,
  );
  return {
    method: "PUT" as const,
    id: h.host.id,
    body: { location: raw.location ?? "global", properties: p },
  };
}
