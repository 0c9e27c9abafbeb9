// No private DNS path for the Arc zones: hosts whose Arc names resolve to public addresses while
// their machine belongs to a scope — refused when the scope's public network access is Disabled,
// and Private Link unused when it is Enabled.
import { AZURE_DNS_IP } from "../../../network/model.js";
import { throughProxy } from "../../check.js";
import { groupBy, HostInfo, listNames } from "../context.js";
import { FixStep, Rule } from "../types.js";
import { ARC_FORWARD_ZONES, endpointsOfScope, finding, inboundFor, isPublic, patch, put } from "./util.js";

export const arcDnsPublic: Rule = {
  id: "arc-dns-public",
  severity: "error",
  title: "Arc names resolve publicly for machines that use a Private Link Scope",
  why: "Update the DNS configuration on your local network to resolve the private endpoint addresses: on-premises DNS must conditionally forward his.arc.azure.com and guestconfiguration.azure.com to a resolver in Azure (a DNS Private Resolver inbound endpoint or a forwarder VM), or hold the records itself. Otherwise the agent uses public addresses, which a scope with public network access Disabled refuses.",
  fix: "Add conditional forwarders for his.arc.azure.com and guestconfiguration.azure.com to the DNS Private Resolver's inbound endpoint on the DNS servers the hosts use (or point the hosts at a DNS server that has them).",
  run(ctx) {
    const hits: Array<{ h: HostInfo; disabled: boolean }> = [];
    const arcPublic = ctx.evalValues("arc-public", (h) => ctx.arcRows(h).some((r) => isPublic(r)));
    if (arcPublic.some(Boolean)) {
      const { of } = ctx.evaluations();
      for (let i = 0; i < ctx.hosts.length; i++) {
        if (!arcPublic[of[i]]) continue;
        const h = ctx.hosts[i];
        if (!h.scope) continue;
        // Through a proxy the proxy resolves the Arc names, not the host's DNS: proxy-without-bypass.
        if (throughProxy(h.host, "gbl.his.arc.azure.com", h.machine)) continue;
        hits.push({ h, disabled: h.scope.body.properties?.publicNetworkAccess === "Disabled" });
      }
    }
    const out = [];
    const groups = groupBy(
      hits,
      (x) =>
        `${x.disabled}|${x.h.scope!.key}|${ctx.resolver.serversOf(x.h.host).join(",")}|${x.h.host.hostsEntries.length > 0}`,
    );
    for (const list of groups.values()) {
      const first = list[0].h;
      const row = ctx.arcRows(first).find((r) => isPublic(r))!;
      const servers = ctx.resolver.serversOf(first.host);
      const scope = first.scope!;
      const modelled = servers
        .map((ip) =>
          [...ctx.model.dnsServers.values()].find((d) => d.ip === ip && samePlace(d.pos, first.host.pos)),
        )
        .filter((d): d is NonNullable<typeof d> => !!d);
      const pes = endpointsOfScope(ctx, scope.id);
      const inbound = pes.flatMap((p) => inboundFor(ctx, p.vnet));
      const missing = (d: (typeof modelled)[number]) =>
        ARC_FORWARD_ZONES.filter(
          (z) =>
            !d.conditionalForwarders.some((c) => c.domain === z || c.domain === `privatelink.${z}`) &&
            !d.zones.some((x) => x.name === z || x.name === `privatelink.${z}`),
        );
      const why = modelled.length
        ? modelled
            .map((d) => {
              const m = missing(d);
              return m.length
                ? `DNS server ${d.name} (${d.ip}) has no conditional forwarder for ${m.join(", ")}`
                : `DNS server ${d.name} (${d.ip}) forwards the Arc zones, but its answer is public`;
            })
            .join("; ")
        : `${first.host.name} asks ${servers.join(", ") || "no DNS server"}${servers.includes(AZURE_DNS_IP) ? "" : ", a resolver that knows nothing of the private endpoint"}`;
      const disabled = list[0].disabled;
      const fixPlan: FixStep[] = [];
      for (const d of modelled) {
        const m = missing(d);
        if (!m.length || !inbound.length) continue;
        const cf = [
          ...d.conditionalForwarders.filter((c) => !m.includes(c.domain as (typeof m)[number])),
          ...m.map((z) => ({ domain: z, targets: inbound })),
        ];
        fixPlan.push(
          patch(
            d.id,
            { properties: { conditionalForwarders: cf } },
            `forward ${m.join(", ")} from ${d.name} to the inbound endpoint ${inbound.join(", ")}`,
          ),
        );
      }
      if (!modelled.length) {
        const good = [...ctx.model.dnsServers.values()].find(
          (d) => samePlace(d.pos, first.host.pos) && !missing(d).length,
        );
        for (const x of list)
          if (good)
            fixPlan.push(
              put(
                x.h.host.id,
                {
                  location: "global",
                  properties: { ...stripReadOnly(x.h.host.raw.properties), dnsServers: [good.ip] },
                },
                `make ${x.h.host.name} ask ${good.name} (${good.ip}), which forwards the Arc zones`,
              ),
            );
      }
      if (disabled === false)
        fixPlan.push(
          patch(
            scope.id,
            { properties: { publicNetworkAccess: "Disabled" } },
            "optional: once DNS resolves privately, refuse public access",
          ),
        );
      out.push(
        finding(this, {
          severity: disabled ? "error" : "warning",
          message: `${list.length} machine(s) of scope ${scope.body.name} (${listNames(list.map((x) => x.h.machine?.body.name ?? x.h.host.name))}) resolve the Arc names publicly (${row.endpoint} → ${row.address}): ${why}. ${disabled ? "The scope's public network access is Disabled, so they are refused." : "The scope allows public access, so their Arc traffic does not use Private Link."}`,
          resources: [...modelled.map((d) => d.id), scope.id, ...pes.map((p) => p.id)],
          // One finding per scope, DNS servers asked and hosts file or not (the grouping above).
          keyEndpoint: `scope ${scope.body.name} via ${servers.join(",")}${first.host.hostsEntries.length ? " with hosts file" : ""}`,
          machines: ctx.affectedAll(list.map((x) => x.h)),
          host: first.host.name,
          endpoint: row.endpoint,
          ...(row.reason ? { reason: row.reason } : {}),
          trace: row.trace,
          fixPlan,
        }),
      );
    }
    return out;
  },
};

function samePlace(
  a: { kind: string; site?: string; vnet?: string },
  b: { kind: string; site?: string; vnet?: string },
): boolean {
  return a.kind === b.kind && (a.kind === "site" ? a.site === b.site : a.vnet === b.vnet);
}

function stripReadOnly(p: Record<string, any> | undefined): Record<string, any> {
  const { provisioningState: _p, ...rest } = p ?? {};
  return rest;
}
