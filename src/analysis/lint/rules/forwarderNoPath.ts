// A DNS server (or a host) that forwards to an address it has no network path to: the query
// times out, and the server answers SERVFAIL (the host tries its next server, or fails).
import { describePosition } from "../../../network/model.js";
import { HostInfo, listNames } from "../context.js";
import { Finding, Rule } from "../types.js";
import { finding, hostsAnchor, onprem } from "./util.js";

export const forwarderNoPath: Rule = {
  id: "forwarder-no-path",
  severity: "error",
  title: "DNS forwarder or DNS server with no network path",
  why: "All on-premises machines need to resolve the private endpoint through a DNS forwarder they can reach; Azure-provided DNS (168.63.129.16) answers only queries from inside a VNet, so on-premises servers must forward to a resolver inbound endpoint or a forwarder VM reachable over the VPN/ExpressRoute.",
  fix: "Forward to an address reachable from the server's network (the DNS Private Resolver's inbound endpoint over the site connection), or connect the networks.",
  run(ctx) {
    const out: Finding[] = [];
    // Hosts by (position, DNS server asked), in host order, built in one pass: a host is listed once
    // per server it asks (twice when it lists a server twice). `order` keeps the groups' first-seen order.
    const bySite = new Map<string, Map<string, HostInfo[]>>();
    const byVnet = new Map<string, Map<string, HostInfo[]>>();
    const order: Array<{ pos: HostInfo["host"]["pos"]; ip: string; hs: HostInfo[] }> = [];
    const groupsAt = (p: { kind: string; site?: string; vnet?: string }, add: boolean) => {
      const site = p.kind === "site";
      const m = site ? bySite : byVnet;
      const k = String(site ? p.site : p.vnet);
      let g = m.get(k);
      if (!g && add) m.set(k, (g = new Map()));
      return g;
    };
    // Hosts of one site (or VNet) mostly come in runs: the last position's groups are kept at hand.
    let lastKind: string | undefined;
    let lastPlace: string | undefined;
    let lastGroups: Map<string, HostInfo[]> | undefined;
    for (let hi = 0; hi < ctx.hosts.length; hi++) {
      const h = ctx.hosts[hi];
      const servers = ctx.resolver.serversOf(h.host);
      if (!servers.length) continue;
      const pos = h.host.pos;
      const place = pos.kind === "site" ? pos.site : pos.vnet;
      let g = lastGroups;
      if (!g || pos.kind !== lastKind || place !== lastPlace) {
        g = lastGroups = groupsAt(pos, true)!;
        lastKind = pos.kind;
        lastPlace = place;
      }
      for (const ip of servers) {
        const l = g.get(ip);
        if (l) l.push(h);
        else {
          const hs = [h];
          g.set(ip, hs);
          order.push({ pos: h.host.pos, ip, hs });
        }
      }
    }
    const users = (ip: string, pos: { kind: string; site?: string; vnet?: string }): HostInfo[] => {
      const l = groupsAt(pos, false)?.get(ip);
      return l ? l.filter((h, i) => i === 0 || l[i - 1] !== h) : [];
    };
    // The first host of a list whose check has a SERVFAIL row, with that row.
    const firstServfail = (hs: HostInfo[]) => {
      const rows = ctx.evalValues("dns-servfail", (h) =>
        h.check.endpoints.find((e) => e.reason === "DnsServfail"),
      );
      const { of } = ctx.evaluations();
      for (const h of hs) {
        const i = ctx.indexOf(h);
        const row = i === undefined ? undefined : rows[of[i]];
        if (row) return { h, row };
      }
      return undefined;
    };
    for (const d of ctx.model.dnsServers.values()) {
      if (d.external) continue;
      const targets = [
        ...d.conditionalForwarders.flatMap((c) =>
          c.targets.map((t) => ({ t, domain: c.domain, why: `conditional forwarder for ${c.domain}` })),
        ),
        ...d.forwarders.map((t) => ({ t, domain: ".", why: "default forwarder" })),
      ];
      for (const { t, domain, why } of targets) {
        const at = ctx.resolver.resolverAtIp(d.pos, t);
        if (at.ref) continue;
        const hs = users(d.ip, d.pos);
        const ex = firstServfail(hs);
        out.push(
          finding(this, {
            message: `DNS server ${d.name} (${d.ip}, ${describePosition(ctx.model, d.pos)}): its ${why} targets ${t}, which it cannot reach (${at.reason}); queries it forwards there end in SERVFAIL${hs.length ? ` for ${hs.length} host(s) (${listNames(hs.map((h) => h.host.name))})` : ""}.`,
            resources: [d.id],
            keyEndpoint: `${domain}>${t}`,
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
    for (const { ip, hs } of order) {
      const at = ctx.resolver.resolverAtIp(hs[0].host.pos, ip);
      if (at.ref) continue;
      out.push(
        finding(this, {
          message: `${hs.length} host(s) (${listNames(hs.map((h) => h.host.name))}) ask DNS server ${ip}, which they cannot reach: ${at.reason}.`,
          resources: hs.slice(0, 20).map((h) => h.host.id),
          keyResource: hostsAnchor(hs),
          keyEndpoint: ip,
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
