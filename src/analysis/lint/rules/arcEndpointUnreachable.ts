// Arc names a host cannot reach at all: DNS failures (SERVFAIL, REFUSED, no data) and network
// failures (no route, blocked by a firewall or NSG, nothing listening, timeout, TLS re-signed by
// an inspecting firewall or proxy whose CA the host does not trust, a host whose OS offers no
// TLS 1.2, a Windows host without the GCM cipher suites its agent needs) — what check()
// says, grouped by cause, with its trace and, for the TLS failures, the fix on the host.
import { EndpointCheck } from "../../check.js";
import { isPublicAddress } from "../../../network/model.js";
import { groupBy, HostInfo, LintContext, listNames } from "../context.js";
import { Finding, FixStep, Rule } from "../types.js";
import { finding, firewallAllowStep, hostsAnchor, onprem, serviceTagFor, withRows } from "./util.js";

const REASONS = [
  "NoRoute",
  "Timeout",
  "Blocked",
  "NotListening",
  "ProxyFailed",
  "TlsUntrusted",
  "TlsVersionUnsupported",
  "TlsCipherSuiteMismatch",
  "DnsServfail",
  "DnsRefused",
  "DnsNodata",
];

/**
 * Hosts blocked by their site's firewall: one step that lets it pass TCP 443 to every Arc address
 * it blocks for them — by service tag for public addresses, by address for private endpoints —
 * tried in the sandbox on the firewall's model.
 */
function firewallFix(
  ctx: LintContext,
  list: Array<{ h: HostInfo; row: EndpointCheck }>,
  row: EndpointCheck,
): FixStep | undefined {
  const m = /^firewall ([^\s:]+)(?: rule \S+ \(priority (\d+)\))?/.exec(row.message);
  if (row.reason !== "Blocked" || !m) return undefined;
  const site = [...ctx.model.sites.values()].find((s) => s.firewall?.name === m[1]);
  if (!site?.firewall) return undefined;
  const tags = new Set<string>();
  const addresses = new Set<string>();
  let before = m[2] !== undefined ? Number(m[2]) : undefined;
  // Hosts that share an evaluation share its rows: each set of rows is read once.
  const seen = new Set<EndpointCheck[]>();
  for (const { h } of list) {
    const rows = ctx.arcRows(h);
    if (seen.has(rows)) continue;
    seen.add(rows);
    for (const r of rows) {
      if (r.verdict !== "refused" || r.reason !== "Blocked" || !r.address) continue;
      const by = /^firewall ([^\s:]+)(?: rule \S+ \(priority (\d+)\))?/.exec(r.message);
      if (by?.[1] !== m[1]) continue;
      if (by[2] !== undefined) before = Math.min(before ?? Infinity, Number(by[2]));
      if (isPublicAddress(r.address)) {
        const t = serviceTagFor(ctx, r.address);
        if (t) tags.add(t);
        else addresses.add(`${r.address}/32`);
      } else addresses.add(`${r.address}/32`);
    }
  }
  const allows = [
    ...(tags.size ? [{ name: "AllowArcServiceTags", destinations: [...tags].sort() }] : []),
    ...(addresses.size ? [{ name: "AllowArcPrivateEndpoint", destinations: [...addresses].sort() }] : []),
  ];
  return firewallAllowStep(
    ctx,
    site.firewall.id,
    allows,
    `let ${m[1]} pass TCP 443 to the Arc endpoints it blocks`,
    before,
  );
}

export const arcEndpointUnreachable: Rule = {
  id: "arc-endpoint-unreachable",
  severity: "error",
  title: "Arc endpoint unreachable from the host",
  why: "Connect your on-premises network to the virtual network (site-to-site VPN or ExpressRoute), resolve the private endpoint, and let the firewall pass TCP 443 to it: the agent must reach every Arc endpoint of its region.",
  fix: "Follow the trace: add the missing route (site connection), allow TCP 443 to the private endpoint subnet in the firewall/NSG, or fix the DNS server that fails.",
  run(ctx) {
    // The first unreachable Arc row of each evaluation, then the hosts that share it.
    const rows = ctx.evalValues("arc-unreachable", (h) =>
      ctx.arcRows(h).find((r) => r.verdict === "refused" && r.reason && REASONS.includes(r.reason)),
    );
    const hits = withRows(ctx, rows);
    const keys = new Map<EndpointCheck, string>();
    const keyOfRow = (row: EndpointCheck): string => {
      let k = keys.get(row);
      if (k === undefined) keys.set(row, (k = `${row.reason}|${row.message.split(":")[0]}`));
      return k;
    };
    const out: Finding[] = [];
    for (const list of groupBy(hits, (x) => keyOfRow(x.row)).values()) {
      const { h, row } = list[0];
      out.push(
        finding(this, {
          severity: list.every((x) => !x.h.machine) ? "warning" : "error",
          message: `${list.length} host(s) (${listNames(list.map((x) => x.h.host.name))}) cannot reach ${row.endpoint}${row.address && row.address !== "0.0.0.0" ? ` (${row.address})` : ""}: ${row.reason} — ${row.message}.`,
          resources: list.slice(0, 20).map((x) => x.h.host.id),
          // The same failure (reason and where it happens) from the same place is the same finding,
          // whichever hosts it counts.
          keyResource: hostsAnchor(list.map((x) => x.h)),
          keyEndpoint: keyOfRow(row).replace(/\|/g, ": "),
          machines: ctx.affectedAll(list.map((x) => x.h)),
          host: h.host.name,
          endpoint: row.endpoint,
          ...(row.reason ? { reason: row.reason } : {}),
          trace: row.trace,
          fixPlan: [
            firewallFix(ctx, list, row) ??
              onprem(
                h.host.name,
                row.fix ?? `see the trace of ${row.endpoint}: ${row.message}`,
                row.reason ?? "refused",
              ),
          ],
        }),
      );
    }
    return out;
  },
};
