// Manual DNS (an on-premises zone or a hosts file) that holds some Arc names but not the regional
// ones the machine dials: discovery (gbl) works, heartbeats and extensions (<code>.his,
// <region>-gas) do not.
import { DnsServerModel } from "../../../network/model.js";
import { HostInfo, listNames } from "../context.js";
import { Finding, Rule } from "../types.js";
import {
  addressesOfScope,
  finding,
  hostsAnchor,
  machineRegion,
  onprem,
  regionalNames,
  serverNames,
} from "./util.js";
import { hostsFileArcNames, serverArcZones } from "./manualRecords.js";

export const missingRegionalRecords: Rule = {
  id: "missing-regional-records",
  severity: "error",
  title: "Manual DNS or hosts file without the regional Arc records",
  why: "With manual DNS or a hosts file, add every record the private endpoint's DNS configuration lists: besides gbl.his.arc.azure.com and agentserviceapi.guestconfiguration.azure.com the agent dials the regional <code>.his.arc.azure.com and <region>-gas.guestconfiguration.azure.com names of its region.",
  fix: "Add the missing names with the private endpoint's addresses (the endpoint's DNS configuration lists them).",
  run(ctx) {
    const out: Finding[] = [];
    // Hosts files.
    const byFile = new Map<string, { hs: HostInfo[]; missing: string[] }>();
    for (let hi = 0; hi < ctx.hosts.length; hi++) {
      const h = ctx.hosts[hi];
      const names = hostsFileArcNames(h.host);
      if (!names.length || !h.machine) continue;
      const have = new Set(names.map((n) => n.fqdn));
      const missing = serverNames(machineRegion(h)).filter((n) => !have.has(n));
      if (!missing.length) continue;
      const k = `${h.scope?.key}|${missing.join(",")}`;
      const g = byFile.get(k) ?? { hs: [], missing };
      g.hs.push(h);
      byFile.set(k, g);
    }
    for (const { hs, missing } of byFile.values()) {
      const first = hs[0];
      const addrs = first.scope ? addressesOfScope(ctx, first.scope.id) : new Map<string, string>();
      const row = first.check.endpoints.find((e) => missing.includes(e.endpoint) && e.verdict !== "private");
      const regional = missing.some((m) => regionalNames(machineRegion(first)).includes(m));
      out.push(
        finding(this, {
          message: `The hosts file of ${hs.length} host(s) (${listNames(hs.map((h) => h.host.name))}) maps some Arc names to the private endpoint but not ${missing.join(", ")}${regional ? " (the regional names of the machine's region)" : ""}: those resolve through DNS instead${row ? ` (${row.endpoint} → ${row.address ?? row.reason})` : ""}.`,
          resources: hs.slice(0, 20).map((h) => h.host.id),
          // The group is the scope's hosts missing the same names.
          keyResource: first.scope?.id ?? hostsAnchor(hs),
          keyEndpoint: missing.join(","),
          machines: ctx.affectedAll(hs),
          ...(row
            ? {
                host: first.host.name,
                endpoint: row.endpoint,
                trace: row.trace,
                ...(row.reason ? { reason: row.reason } : {}),
              }
            : {}),
          fixPlan: hs.map((h) =>
            onprem(
              h.host.name,
              missing.map((m) => `${addrs.get(m) ?? "<private endpoint address>"} ${m}`).join("\n"),
              `add to ${h.host.os === "Windows" ? "C:\\Windows\\System32\\drivers\\etc\\hosts" : "/etc/hosts"}`,
            ),
          ),
        }),
      );
    }
    // On-premises DNS servers hosting Arc zones.
    for (const d of ctx.model.dnsServers.values()) {
      const zones = serverArcZones(d);
      if (!zones.length) continue;
      const users = ctx.hosts.filter((h) => h.machine && usesServer(ctx, h, d));
      const have = new Set(zones.flatMap((z) => z.names.map((n) => n.fqdn)));
      const hostedPublic = new Set(zones.map((z) => z.zone.replace(/^privatelink\./, "")));
      const byMissing = new Map<string, HostInfo[]>();
      for (const h of users) {
        const missing = serverNames(machineRegion(h)).filter(
          (n) => !have.has(n) && [...hostedPublic].some((p) => n.endsWith("." + p)),
        );
        if (!missing.length) continue;
        const k = missing.join(",");
        const group = byMissing.get(k);
        if (group) group.push(h);
        else byMissing.set(k, [h]);
      }
      for (const [k, hs] of byMissing) {
        const missing = k.split(",");
        const first = hs[0];
        const addrs = first.scope ? addressesOfScope(ctx, first.scope.id) : new Map<string, string>();
        const row = first.check.endpoints.find(
          (e) => missing.includes(e.endpoint) && e.verdict === "refused",
        );
        out.push(
          finding(this, {
            message: `DNS server ${d.name} (${d.ip}) hosts ${zones.map((z) => z.zone).join(", ")} but has no record for ${missing.join(", ")}: it answers NXDOMAIN for them (its zone hides every other answer), so ${hs.length} machine(s) (${listNames(hs.map((h) => h.machine?.body.name ?? h.host.name))}) fail their regional calls.`,
            resources: [d.id],
            keyEndpoint: null,
            machines: ctx.affectedAll(hs),
            ...(row
              ? {
                  host: first.host.name,
                  endpoint: row.endpoint,
                  trace: row.trace,
                  ...(row.reason ? { reason: row.reason } : {}),
                }
              : {}),
            fixPlan: missing.map((m) => {
              const z = zones.find((x) => m.endsWith("." + x.zone.replace(/^privatelink\./, "")))!;
              const rel = m.slice(0, -(z.zone.replace(/^privatelink\./, "").length + 1));
              return onprem(
                d.name,
                `zone ${z.zone}: A ${rel} ${addrs.get(m) ?? "<private endpoint address>"}`,
                `the private endpoint serves ${m}`,
              );
            }),
          }),
        );
      }
    }
    return out;
  },
};

function usesServer(
  ctx: { resolver: { serversOf(h: any): string[] } },
  h: HostInfo,
  d: DnsServerModel,
): boolean {
  if (d.pos.kind !== h.host.pos.kind) return false;
  if (d.pos.kind === "site" && h.host.pos.kind === "site" && d.pos.site !== h.host.pos.site) return false;
  return ctx.resolver.serversOf(h.host).includes(d.ip);
}
