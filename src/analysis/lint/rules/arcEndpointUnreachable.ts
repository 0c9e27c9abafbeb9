// Arc names a host cannot reach at all: DNS failures (SERVFAIL, REFUSED, no data) and network
// failures (no route, blocked by a firewall or NSG, nothing listening, timeout, TLS re-signed by
// an inspecting firewall or proxy whose CA the host does not trust, a host whose OS offers no
// TLS 1.2, a Windows host without the GCM cipher suites its agent needs) — what check()
// says, grouped by cause, with its trace and, for the TLS failures, the fix on the host.
import { EndpointCheck } from "../../check.js";
import { groupBy, listNames } from "../context.js";
import { Finding, Rule } from "../types.js";
import { finding, onprem, withRows } from "./util.js";

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
          keyResource: h.host.pos.kind === "site" ? h.host.pos.site : h.host.pos.vnet,
          keyEndpoint: keyOfRow(row).replace(/\|/g, ": "),
          machines: ctx.affectedAll(list.map((x) => x.h)),
          host: h.host.name,
          endpoint: row.endpoint,
          ...(row.reason ? { reason: row.reason } : {}),
          trace: row.trace,
          fixPlan: [
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
