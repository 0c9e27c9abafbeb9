// Filters on a path: the site's on-premises firewall and Azure NSGs, first matching rule by
// priority decides. Service tags in rules are matched against the service tag data.
import { isPublicAddress, NetworkModel, NsgModel, NsgRuleModel, inPrefixes } from "./model.js";
import { cidrContainsIp, parseCidr, parseIpv4 } from "../core/ip.js";

export interface FilterVerdict {
  allowed: boolean;
  /** "<filter> rule <name> (priority N)" or "<filter> default action". */
  by: string;
  what: string;
}

function portMatches(ports: string[], port: number): boolean {
  if (!ports.length) return true;
  return ports.some((p) => {
    if (typeof p === "number") return p === port;
    if (p === String(port)) return true;
    const t = String(p).trim();
    if (t === "*" || t.toLowerCase() === "any") return true;
    const m = /^(\d+)(?:-(\d+))?$/.exec(t);
    if (!m) return false;
    const lo = Number(m[1]);
    const hi = m[2] ? Number(m[2]) : lo;
    return port >= lo && port <= hi;
  });
}

/** Does an address expression (CIDR, IP, "*", a service tag, VirtualNetwork, Internet) hold `ip`? */
export function addressMatches(
  m: NetworkModel,
  exprs: string[],
  ip: string,
  vnetSpace: (ip: string) => boolean,
): boolean {
  if (!exprs.length) return true;
  const n = parseIpv4(ip);
  return exprs.some((e) => {
    const x = String(e).trim();
    if (x === "*" || x.toLowerCase() === "any") return true;
    const c = parseCidr(x);
    if (c) return n !== undefined && cidrContainsIp(c, n);
    if (x.toLowerCase() === "virtualnetwork") return vnetSpace(ip);
    if (x.toLowerCase() === "internet") return isPublicAddress(ip) && !vnetSpace(ip);
    if (x.toLowerCase() === "azureloadbalancer") return ip === "168.63.129.16";
    return m.tags.contains(x, ip);
  });
}

/** A firewall's rules in priority order, sorted once per rule list (the model's lists are not changed in place). */
const sortedRules = new WeakMap<object, any[]>();
function byPriority<R extends { priority?: unknown }>(rules: R[]): R[] {
  let s = sortedRules.get(rules);
  if (!s) sortedRules.set(rules, (s = [...rules].sort((a, b) => Number(a.priority) - Number(b.priority))));
  return s as R[];
}

/** The on-premises firewall of a site, for traffic leaving it. */
export function siteFirewall(
  m: NetworkModel,
  siteKey: string,
  src: string,
  dst: string,
  port: number,
  protocol = "Tcp",
): FilterVerdict | undefined {
  const fw = m.sites.get(siteKey)?.firewall;
  if (!fw) return undefined;
  const rules = byPriority(fw.rules);
  for (const r of rules) {
    const proto = String(r.protocol ?? "Any");
    if (proto !== "Any" && proto !== "*" && proto.toLowerCase() !== protocol.toLowerCase()) continue;
    if (!portMatches(r.destinationPorts ?? [], port)) continue;
    if (r.sourceAddresses?.length && !addressMatches(m, r.sourceAddresses, src, () => false)) continue;
    if (!addressMatches(m, r.destinationAddresses ?? [], dst, () => false)) continue;
    return {
      allowed: r.action !== "Deny",
      by: `firewall ${fw.name} rule ${r.name} (priority ${r.priority})`,
      what: `${r.action === "Deny" ? "denies" : "allows"} ${protocol} ${dst}:${port} (${(r.destinationAddresses ?? []).join(", ")})`,
    };
  }
  const tags = m.tags.tagsOf(dst).filter((t) => t !== "AzureCloud");
  return {
    allowed: fw.defaultAction !== "Deny",
    by: `firewall ${fw.name}`,
    what: `no rule matches ${protocol} ${dst}:${port}${tags.length ? ` (service tag ${tags.join(", ")})` : ""}, so its default action ${fw.defaultAction} applies`,
  };
}

/** An NSG's outbound (or inbound) rules for one flow. */
export function nsgVerdict(
  m: NetworkModel,
  nsg: NsgModel,
  direction: "Outbound" | "Inbound",
  src: string,
  dst: string,
  port: number,
  vnetSpace: (ip: string) => boolean,
  protocol = "Tcp",
): FilterVerdict {
  const rules: NsgRuleModel[] = direction === "Outbound" ? nsg.outbound : nsg.inbound;
  for (const r of rules) {
    if (r.protocol !== "*" && r.protocol.toLowerCase() !== protocol.toLowerCase()) continue;
    if (!portMatches(r.destinationPorts, port)) continue;
    if (!addressMatches(m, r.sources, src, vnetSpace)) continue;
    if (!addressMatches(m, r.destinations, dst, vnetSpace)) continue;
    return {
      allowed: r.access === "Allow",
      by: `NSG ${nsg.name} ${r.isDefault ? "default " : ""}rule ${r.name} (priority ${r.priority})`,
      what: `${r.access === "Allow" ? "allows" : "denies"} ${direction.toLowerCase()} ${protocol} ${src} → ${dst}:${port}`,
    };
  }
  return {
    allowed: false,
    by: `NSG ${nsg.name}`,
    what: "no rule matched (should not happen: default rules match everything)",
  };
}

/** The VirtualNetwork service tag as seen from a VNet: its space, peered VNets, connected sites. */
export function virtualNetworkSpace(m: NetworkModel, vnetKey: string): (ip: string) => boolean {
  const v = m.vnets.get(vnetKey);
  const spaces = [...(v?.prefixes ?? [])];
  for (const p of v?.peers ?? []) spaces.push(...(m.vnets.get(p)?.prefixes ?? []));
  for (const s of m.sites.values())
    if (s.connections.some((c) => c.vnet === vnetKey)) spaces.push(...s.prefixes);
  return (ip: string) => inPrefixes(spaces, ip);
}
