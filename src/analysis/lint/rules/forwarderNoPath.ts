// A DNS server (or a host) that forwards to an address it has no network path to: the query
// times out, and the server answers SERVFAIL (the host tries its next server, or fails).
import { describePosition } from "../../../network/model.js";
import { HostInfo, listNames } from "../context.js";
import { Finding, Rule } from "../types.js";
import { finding, onprem } from "./util.js";

export const forwarderNoPath: Rule = {
  id: "forwarder-no-path",
  severity: "error",
  title: "DNS forwarder or DNS server with no network path",
  why: "All on-premises machines need to resolve the private endpoint through a DNS forwarder they can reach; Azure-provided DNS (168.63.129.16) answers only queries from inside a VNet, so on-premises servers must forward to a resolver inbound endpoint or a forwarder VM reachable over the VPN/ExpressRoute.",
  fix: "Forward to an address reachable from the server's network (the DNS Private Resolver's inbound endpoint over the site connection), or connect the networks.",
  run(ctx) {
    const out: Finding[] = [];
    const users = (ip: string, pos: string): HostInfo[] =>
      ctx.hosts.filter((h) => posKey(h.host.pos) === pos && ctx.resolver.serversOf(h.host).includes(ip));
    for (const d of ctx.model.dnsServers.values()) {
      if (d.external) continue;
      const targets = [
        ...d.conditionalForwarders.flatMap((c) =>
          c.targets.map((t) => ({ t, why: `conditional forwarder for ${c.domain}` })),
        ),
        ...d.forwarders.map((t) => ({ t, why: "default forwarder" })),
      ];
      for (const { t, why } of targets) {
        const at = ctx.resolver.resolverAtIp(d.pos, t);
        if (at.ref) continue;
        const hs = users(d.ip, posKey(d.pos));
        const ex = hs
          .map((h) => ({ h, row: h.check.endpoints.find((e) => e.reason === "DnsServfail") }))
          .find((x) => x.row);
        out.push(
          finding(this, {
            message: `DNS server ${d.name} (${d.ip}, ${describePosition(ctx.model, d.pos)}): its ${why} targets ${t}, which it cannot reach (${at.reason}); queries it forwards there end in SERVFAIL${hs.length ? ` for ${hs.length} host(s) (${listNames(hs.map((h) => h.host.name))})` : ""}.`,
            resources: [d.id],
            machines: ctx.affectedAll(hs),
            ...(ex?.row
              ? {
                  host: ex.h.host.name,
                  endpoint: ex.row.endpoint,
                  reason: ex.row.reason,
                  trace: ex.row.trace,
                }
              : { trace: at.trace }),
            fixPlan: [
              onprem(
                d.name,
                `change the ${why} target ${t} to an address reachable from ${describePosition(ctx.model, d.pos)} (e.g. the DNS Private Resolver's inbound endpoint)`,
                why,
              ),
            ],
          }),
        );
      }
    }
    // Hosts asking a DNS server they cannot reach (e.g. 168.63.129.16 from on-premises).
    const seen = new Map<string, HostInfo[]>();
    for (const h of ctx.hosts)
      for (const ip of ctx.resolver.serversOf(h.host)) {
        const k = `${posKey(h.host.pos)}|${ip}`;
        const l = seen.get(k);
        if (l) l.push(h);
        else seen.set(k, [h]);
      }
    for (const [k, hs] of seen) {
      const ip = k.split("|")[1];
      const at = ctx.resolver.resolverAtIp(hs[0].host.pos, ip);
      if (at.ref) continue;
      out.push(
        finding(this, {
          message: `${hs.length} host(s) (${listNames(hs.map((h) => h.host.name))}) ask DNS server ${ip}, which they cannot reach: ${at.reason}.`,
          resources: hs.slice(0, 20).map((h) => h.host.id),
          machines: ctx.affectedAll(hs),
          trace: at.trace,
          fixPlan: [
            onprem(
              listNames(
                hs.map((h) => h.host.name),
                3,
              ),
              `replace DNS server ${ip} with one reachable from ${describePosition(ctx.model, hs[0].host.pos)}`,
              "the hosts' resolver times out on it",
            ),
          ],
        }),
      );
    }
    return out;
  },
};

function posKey(p: { kind: string; site?: string; vnet?: string }): string {
  return p.kind === "site" ? `site:${p.site}` : `vnet:${p.vnet}`;
}
