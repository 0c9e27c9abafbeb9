// An agent proxy without `proxy.bypass Arc`: the Arc names go to the proxy, which resolves them
// publicly (or cannot reach the private endpoint), so Private Link is bypassed or refused.
import { groupBy, HostInfo, listNames } from "../context.js";
import { Finding, Rule } from "../types.js";
import { bypassArcModel, finding, hostsAnchor, onprem } from "./util.js";

export function proxyOf(h: HostInfo): { url?: string; bypass: string[] } {
  const hp = h.host.raw.properties ?? {};
  const ac = h.machine?.body.properties?.agentConfiguration ?? {};
  const url =
    (typeof hp.proxyUrl === "string" && hp.proxyUrl) ||
    (typeof ac.proxyUrl === "string" && ac.proxyUrl) ||
    undefined;
  const bypass = [
    ...(Array.isArray(hp.proxyBypass) ? hp.proxyBypass : []),
    ...(Array.isArray(ac.proxyBypass) ? ac.proxyBypass : []),
  ].map(String);
  return { url, bypass };
}

/** proxyOf(h).url is set: read without building the bypass list. */
function hasProxyUrl(h: HostInfo): boolean {
  const hp = h.host.raw.properties;
  if (hp && typeof hp.proxyUrl === "string" && hp.proxyUrl) return true;
  const ac = h.machine?.body.properties?.agentConfiguration;
  return !!ac && typeof ac.proxyUrl === "string" && !!ac.proxyUrl;
}

export const proxyWithoutBypass: Rule = {
  id: "proxy-without-bypass",
  severity: "warning",
  title: "Agent proxy without a bypass for the Arc services",
  why: "If your server needs a proxy to reach Entra ID and ARM, configure the agent with the proxy URL, and configure a proxy bypass for the Azure Arc services (azcmagent config set proxy.bypass Arc) when the private endpoint is not reachable from the proxy: otherwise the proxy resolves the Arc names publicly.",
  fix: "azcmagent config set proxy.bypass Arc",
  run(ctx) {
    const out: Finding[] = [];
    const hits = ctx.hosts.filter((h) => {
      if (!h.scope || !hasProxyUrl(h)) return false;
      const p = proxyOf(h);
      return h.scope && p.url && !p.bypass.some((b) => b.toLowerCase() === "arc");
    });
    for (const list of groupBy(hits, (h) => proxyOf(h).url!).values()) {
      const broken = list.filter((h) => ctx.arcRows(h).some((r) => r.verdict !== "private"));
      const ex = broken[0] ?? list[0];
      const row = ctx.arcRows(ex).find((r) => r.verdict !== "private") ?? ctx.arcRows(ex)[0];
      out.push(
        finding(this, {
          severity: broken.length ? "error" : "warning",
          message: `${list.length} host(s) (${listNames(list.map((h) => h.host.name))}) send the agent's traffic through proxy ${proxyOf(list[0]).url} without proxy.bypass Arc${broken.length ? `: their Arc calls miss the private endpoint (${row.endpoint}: ${row.verdict}${row.reason ? ` ${row.reason}` : ""})` : ""}.`,
          resources: list.slice(0, 20).map((h) => h.machine?.id ?? h.host.id),
          keyResource: hostsAnchor(list),
          keyEndpoint: proxyOf(list[0]).url!,
          machines: ctx.affectedAll(list),
          ...(row
            ? {
                host: ex.host.name,
                endpoint: row.endpoint,
                trace: row.trace,
                ...(row.reason ? { reason: row.reason } : {}),
              }
            : {}),
          fixPlan: list.map((h) =>
            onprem(
              h.host.name,
              "azcmagent config set proxy.bypass Arc",
              "send the Arc names straight to the private endpoint",
              bypassArcModel(h),
            ),
          ),
        }),
      );
    }
    return out;
  },
};
