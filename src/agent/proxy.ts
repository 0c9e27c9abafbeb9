// Which proxy (if any) the agent uses for a host name: proxy.url from the local config first,
// then the host's HTTPS_PROXY; traffic named by proxy.bypass goes direct (fact sheet §1.6).
import { isIPv4 } from "node:net";

export interface ProxyChoice {
  /** The proxy URL as configured, e.g. http://192.168.1.20:3128. */
  url: string;
  host: string;
  port: number;
  /** Where the URL came from. */
  source: "proxy.url" | "HTTPS_PROXY";
}

/** Host patterns each proxy.bypass keyword sends direct. "*.x" matches any name ending in ".x". */
export const BYPASS_HOSTS: Record<string, readonly string[]> = {
  AAD: ["login.windows.net", "login.microsoftonline.com", "pas.windows.net", "*.login.microsoft.com"],
  ARM: ["management.azure.com"],
  Arc: ["*.his.arc.azure.com", "*.guestconfiguration.azure.com", "*.blob.core.windows.net"],
  AMA: [
    "global.handler.control.monitor.azure.com",
    "*.handler.control.monitor.azure.com",
    "*.ods.opinsights.azure.com",
    "management.azure.com",
    "*.monitoring.azure.com",
    "*.ingest.monitor.azure.com",
  ],
  ArcData: ["*.arcdataservices.com"],
};

export function matchesPattern(host: string, pattern: string): boolean {
  const h = host.toLowerCase().replace(/\.$/, "");
  const p = pattern.toLowerCase();
  return p.startsWith("*.") ? h.endsWith(p.slice(1)) : h === p;
}

/** The bypass keyword that sends `host` direct, or undefined. */
export function bypassedBy(host: string, bypass: readonly string[]): string | undefined {
  for (const kw of bypass) {
    const key = Object.keys(BYPASS_HOSTS).find((k) => k.toLowerCase() === kw.toLowerCase());
    if (key && BYPASS_HOSTS[key].some((p) => matchesPattern(host, p))) return key;
  }
  return undefined;
}

export function parseProxyUrl(url: string, source: ProxyChoice["source"]): ProxyChoice | undefined {
  let u: URL;
  try {
    u = new URL(url.includes("://") ? url : `http://${url}`);
  } catch {
    return undefined;
  }
  if (u.protocol !== "http:" || !u.hostname) return undefined;
  const host = u.hostname.replace(/^\[|\]$/g, "");
  return { url: `http://${u.host}`, host, port: u.port ? Number(u.port) : 80, source };
}

/** The proxy for a request to `host`, or undefined to go direct. */
export function proxyFor(
  host: string,
  cfg: { proxyUrl?: string; bypass: readonly string[] },
  hostEnvProxy?: string,
): ProxyChoice | undefined {
  const fromConfig = cfg.proxyUrl ? parseProxyUrl(cfg.proxyUrl, "proxy.url") : undefined;
  const choice = fromConfig ?? (hostEnvProxy ? parseProxyUrl(hostEnvProxy, "HTTPS_PROXY") : undefined);
  if (!choice) return undefined;
  // proxy.bypass is the agent's own setting; it applies to whichever proxy the agent uses.
  if (bypassedBy(host, cfg.bypass)) return undefined;
  if (isIPv4(host) && host.startsWith("127.")) return undefined;
  return choice;
}
