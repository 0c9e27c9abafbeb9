// connect(host, address, port): can this host open a TCP connection there, which way does it
// go, what filters it meets, and what answers at the far end. Pure: a verdict and a trace.
// A firewall or proxy on the way that inspects TLS re-signs the connection with its own CA: the
// trace says so, and a host that does not trust that CA fails the handshake (TlsUntrusted).
// The host's own TLS stack can fail the handshake too: an OS that offers nothing newer than
// TLS 1.1 meets Azure endpoints that accept only TLS 1.2 and 1.3 (TlsVersionUnsupported), and a
// Windows host with the ECDHE AES-GCM cipher suites disabled leaves agents 1.56 to 1.63, which
// insist on those suites there, with nothing to agree on (TlsCipherSuiteMismatch).
import { keyOf } from "../core/resourceId.js";
import { isTlsFailure, type NetworkFailure } from "../core/networkFailure.js";
import { HostModel, NetworkModel, Position, PrivateEndpointModel } from "./model.js";
import { siteFirewall, nsgVerdict, virtualNetworkSpace, FilterVerdict } from "./filter.js";
import { Resolver, addressesOf } from "./resolve.js";
import { route, RouteResult } from "./route.js";
import { TraceStep } from "./trace.js";
import { TLS_VERSIONS, type TlsVersion } from "../providers/lab/hosts.js";

export type { NetworkFailure };

/** The lowest TLS version Azure's endpoints accept. */
export const AZURE_MIN_TLS: TlsVersion = "1.2";

/** Agent versions that, on Windows, offer only the ECDHE AES-GCM cipher suites. */
export const GCM_ONLY_AGENTS = { from: [1, 56], to: [1, 63] } as const;

/** What a host's OS offers in a TLS handshake (its maxTlsVersion and gcmCipherSuitesEnabled). */
export interface HostTls {
  maxVersion: TlsVersion;
  gcmCipherSuites: boolean;
}

export function hostTls(host: HostModel): HostTls {
  const p = host.raw.properties ?? {};
  const v = TLS_VERSIONS.find((x) => x === p.maxTlsVersion) ?? "1.3";
  return { maxVersion: v, gcmCipherSuites: p.gcmCipherSuitesEnabled !== false };
}

/** "1.60" / "1.60.02983.1834" → [1, 60]; undefined when it is not a version. */
function majorMinor(v: unknown): [number, number] | undefined {
  if (typeof v !== "string") return undefined;
  const m = /^(\d+)\.(\d+)/.exec(v.trim());
  return m ? [Number(m[1]), Number(m[2])] : undefined;
}

/** Whether an agent version is one of those that need the GCM suites on Windows (1.56 to 1.63). */
export function needsGcmSuites(agentVersion: unknown): boolean {
  const mm = majorMinor(agentVersion);
  if (!mm) return false;
  const n = mm[0] * 1000 + mm[1];
  const { from, to } = GCM_ONLY_AGENTS;
  return n >= from[0] * 1000 + from[1] && n <= to[0] * 1000 + to[1];
}

/**
 * Why the host's own TLS stack cannot complete a handshake with an Azure endpoint, or undefined.
 * `agentVersion` is the version of the agent making the call, when known.
 */
export function hostTlsFailure(
  host: HostModel,
  serverName: string,
  agentVersion?: string,
): { failure: NetworkFailure; message: string } | undefined {
  const t = hostTls(host);
  const who = `host ${host.name}`;
  if (TLS_VERSIONS.indexOf(t.maxVersion) < TLS_VERSIONS.indexOf(AZURE_MIN_TLS))
    return {
      failure: "TlsVersionUnsupported",
      message: `${who} offers TLS ${t.maxVersion} at most (maxTlsVersion) and ${serverName} accepts only TLS 1.2 or 1.3: the endpoint refuses the handshake (protocol version not supported)`,
    };
  if (host.os === "Windows" && !t.gcmCipherSuites && needsGcmSuites(agentVersion))
    return {
      failure: "TlsCipherSuiteMismatch",
      message: `${who} has the ECDHE AES-GCM cipher suites disabled (gcmCipherSuitesEnabled false) and agent ${agentVersion} on Windows offers only those suites to ${serverName}: no cipher suite in common, the handshake fails`,
    };
  return undefined;
}

/** TLS interception met on the way (a firewall or proxy with tlsInspection). */
export interface TlsInterception {
  /** "firewall fw-onprem" / "proxy squid". */
  by: string;
  certificateAuthority: string;
  /** The host trusts that CA (its trustedCertificateAuthorities). */
  trusted: boolean;
}

export type Endpoint =
  | { kind: "private-endpoint"; pe: PrivateEndpointModel; fqdn?: string; memberName?: string }
  | { kind: "public"; tags: string[] };

export interface ConnectResult {
  ok: boolean;
  failure?: NetworkFailure;
  /** private: through a private endpoint; public: to a public address. */
  path?: "private" | "public";
  endpoint?: Endpoint;
  /** The address finally dialled (the target's, even through a proxy). */
  address?: string;
  /** Set when a device on the way intercepts the TLS connection. */
  tls?: TlsInterception;
  message: string;
  trace: TraceStep[];
}

export interface ConnectOptions {
  /** TLS server name / HTTP host of the target. */
  serverName?: string;
  /** When the host sends the request through an HTTP proxy. */
  proxy?: { ip: string; port: number };
  protocol?: "Tcp" | "Udp";
  /** The version of the agent making the call ("1.60"), for its TLS behaviour. */
  agentVersion?: string;
}

interface Party {
  name: string;
  ip: string;
  pos: Position;
  subnet?: string;
}

function hostParty(h: HostModel): Party {
  return { name: `host ${h.name}`, ip: h.ip, pos: h.pos, subnet: h.subnet };
}

/** Route plus every filter between a party and an address. */
function path(
  m: NetworkModel,
  from: Party,
  ip: string,
  port: number,
  protocol: string,
): { ok: boolean; failure?: NetworkFailure; route: RouteResult; trace: TraceStep[]; message: string } {
  const trace: TraceStep[] = [];
  const r = route(m, from.pos, ip);
  trace.push(...r.trace.steps);
  if (!r.ok)
    return {
      ok: false,
      failure: ip === "168.63.129.16" ? "Timeout" : "NoRoute",
      route: r,
      trace,
      message: r.trace.steps.at(-1)?.what ?? "no route",
    };
  const verdicts: FilterVerdict[] = [];
  if (from.pos.kind === "vnet" && from.subnet) {
    const v = m.vnets.get(from.pos.vnet);
    const sub = v?.subnets.find((s) => s.key === from.subnet);
    const nsg = sub?.nsg ? m.nsgs.get(keyOf(sub.nsg)) : undefined;
    if (nsg)
      verdicts.push(
        nsgVerdict(m, nsg, "Outbound", from.ip, ip, port, virtualNetworkSpace(m, from.pos.vnet), protocol),
      );
  }
  if (from.pos.kind === "site" && r.kind !== "local") {
    const fw = siteFirewall(m, from.pos.site, from.ip, ip, port, protocol);
    if (fw) verdicts.push(fw);
  }
  if (r.kind === "internet-tunnelled" && r.egressVnet) {
    const v = m.vnets.get(r.egressVnet)!;
    const seen = new Set<string>();
    for (const s of v.subnets) {
      const nsg = s.nsg ? m.nsgs.get(keyOf(s.nsg)) : undefined;
      if (!nsg || seen.has(nsg.key)) continue;
      seen.add(nsg.key);
      verdicts.push(
        nsgVerdict(m, nsg, "Outbound", from.ip, ip, port, virtualNetworkSpace(m, v.key), protocol),
      );
    }
  }
  for (const v of verdicts) {
    trace.push({ at: v.by, what: v.what, outcome: v.allowed ? "ok" : "fail" });
    if (!v.allowed) return { ok: false, failure: "Blocked", route: r, trace, message: `${v.by}: ${v.what}` };
  }
  return { ok: true, route: r, trace, message: "" };
}

function endpointAt(m: NetworkModel, ip: string, r: RouteResult): Endpoint | undefined {
  if (r.dest && r.dest.kind === "vnet") {
    const vnet = r.dest.vnet;
    for (const pe of m.privateEndpoints.values()) {
      if (pe.vnet !== vnet) continue;
      const a = pe.addresses.find((x) => x.ip === ip);
      if (a) return { kind: "private-endpoint", pe, fqdn: a.fqdn, memberName: a.memberName };
    }
    return undefined;
  }
  if (r.dest?.kind === "internet") {
    const tags = m.tags.tagsOf(ip);
    return tags.length ? { kind: "public", tags } : undefined;
  }
  return undefined;
}

/** Whether a server name is excluded from a device's TLS inspection ("*.x" patterns). */
function excluded(serverName: string, list: readonly string[] | undefined): boolean {
  const n = serverName.toLowerCase().replace(/\.$/, "");
  return (list ?? []).some((p) => {
    const q = p.toLowerCase();
    return q.startsWith("*.") ? n.endsWith(q.slice(1)) : n === q;
  });
}

/**
 * The devices that break TLS between `from` and the target: the site firewall (when the traffic
 * leaves the site through it) and, through a proxy, the proxy itself. The first one met decides
 * what certificate the host sees.
 */
function interceptor(
  m: NetworkModel,
  from: Party,
  r: RouteResult,
  serverName: string | undefined,
  viaProxy?: { name: string; tlsInspection?: { certificateAuthority: string; excludedFqdns?: string[] } },
): { by: string; certificateAuthority: string } | undefined {
  if (!serverName) return undefined;
  if (viaProxy?.tlsInspection && !excluded(serverName, viaProxy.tlsInspection.excludedFqdns))
    return {
      by: `proxy ${viaProxy.name}`,
      certificateAuthority: viaProxy.tlsInspection.certificateAuthority,
    };
  if (from.pos.kind !== "site" || r.kind === "local") return undefined;
  const fw = m.sites.get(from.pos.site)?.firewall;
  if (!fw?.tlsInspection || excluded(serverName, fw.tlsInspection.excludedFqdns)) return undefined;
  return { by: `firewall ${fw.name}`, certificateAuthority: fw.tlsInspection.certificateAuthority };
}

function trustsCa(host: HostModel, ca: string): boolean {
  const list = host.raw.properties?.trustedCertificateAuthorities;
  return Array.isArray(list) && list.some((x) => String(x).toLowerCase() === ca.toLowerCase());
}

interface TlsContext {
  host: HostModel;
  serverName?: string;
  agentVersion?: string;
  proxy?: { name: string; tlsInspection?: { certificateAuthority: string; excludedFqdns?: string[] } };
}

function finish(
  m: NetworkModel,
  from: Party,
  ip: string,
  port: number,
  protocol: string,
  trace: TraceStep[],
  tlsCtx?: TlsContext,
): ConnectResult {
  const p = path(m, from, ip, port, protocol);
  trace.push(...p.trace);
  if (!p.ok) return { ok: false, failure: p.failure, address: ip, message: p.message, trace };
  let tls: TlsInterception | undefined;
  if (tlsCtx && port === 443 && protocol !== "Udp") {
    const i = interceptor(m, from, p.route, tlsCtx.serverName, tlsCtx.proxy);
    // The host's own handshake fails with whatever answers TLS: the inspecting device or the endpoint.
    const answers = i ? i.by : endpointAt(m, ip, p.route) ? "endpoint" : undefined;
    const own =
      answers && tlsCtx.serverName
        ? hostTlsFailure(tlsCtx.host, tlsCtx.serverName, tlsCtx.agentVersion)
        : undefined;
    if (answers && own) {
      trace.push({ at: answers, what: own.message, outcome: "fail" });
      return { ok: false, failure: own.failure, address: ip, message: own.message, trace };
    }
    if (i) {
      tls = { ...i, trusted: trustsCa(tlsCtx.host, i.certificateAuthority) };
      const who = `host ${tlsCtx.host.name}`;
      if (!tls.trusted) {
        const message = `${i.by} inspects TLS to ${tlsCtx.serverName} and presents a certificate issued by '${i.certificateAuthority}', which ${who} does not trust`;
        trace.push({ at: i.by, what: message, outcome: "fail" });
        return { ok: false, failure: "TlsUntrusted", address: ip, tls, message, trace };
      }
      trace.push({
        at: i.by,
        what: `inspects TLS to ${tlsCtx.serverName}, re-signed by '${i.certificateAuthority}' (${who} trusts it)`,
        outcome: "info",
      });
    }
  }
  const ep = endpointAt(m, ip, p.route);
  if (!ep) {
    trace.push({ at: "endpoint", what: `nothing listens on ${ip}:${port}`, outcome: "fail" });
    return {
      ok: false,
      failure: "NotListening",
      address: ip,
      message: `nothing listens on ${ip}:${port}`,
      trace,
    };
  }
  if (ep.kind === "private-endpoint") {
    if (port !== 443) {
      trace.push({
        at: `private endpoint ${ep.pe.name}`,
        what: `private endpoints serve TCP 443 only; ${port} is not answered`,
        outcome: "fail",
      });
      return {
        ok: false,
        failure: "NotListening",
        address: ip,
        endpoint: ep,
        message: `private endpoint ${ep.pe.name} does not serve port ${port}`,
        trace,
      };
    }
    trace.push({
      at: `private endpoint ${ep.pe.name}`,
      what: `${ip} is private endpoint ${ep.pe.name} (${ep.memberName ?? "member"} for ${ep.fqdn}) of ${ep.pe.targetId.split("/").pop()}`,
      outcome: "ok",
    });
    return {
      ok: true,
      path: "private",
      endpoint: ep,
      address: ip,
      ...(tls ? { tls } : {}),
      message: "",
      trace,
    };
  }
  trace.push({
    at: "endpoint",
    what: `${ip} is a public address of ${ep.tags.filter((t) => t !== "AzureCloud").join(", ") || "Azure"}`,
    outcome: "ok",
  });
  return { ok: true, path: "public", endpoint: ep, address: ip, ...(tls ? { tls } : {}), message: "", trace };
}

export function connect(
  m: NetworkModel,
  resolver: Resolver,
  host: HostModel,
  ip: string,
  port: number,
  opts: ConnectOptions = {},
): ConnectResult {
  const protocol = opts.protocol ?? "Tcp";
  const from = hostParty(host);
  const trace: TraceStep[] = [];
  if (!opts.proxy) {
    trace.push({
      at: from.name,
      what: `connects to ${ip}:${port}${opts.serverName ? ` (${opts.serverName})` : ""}`,
      outcome: "info",
    });
    return finish(m, from, ip, port, protocol, trace, {
      host,
      serverName: opts.serverName,
      agentVersion: opts.agentVersion,
    });
  }
  // Through a proxy: the host reaches the proxy; the proxy resolves and dials the target itself.
  trace.push({
    at: from.name,
    what: `sends ${opts.serverName ?? ip} through its proxy ${opts.proxy.ip}:${opts.proxy.port}`,
    outcome: "info",
  });
  const toProxy = path(m, from, opts.proxy.ip, opts.proxy.port, protocol);
  trace.push(...toProxy.trace);
  if (!toProxy.ok)
    return {
      ok: false,
      failure: toProxy.failure,
      address: opts.proxy.ip,
      message: `cannot reach the proxy: ${toProxy.message}`,
      trace,
    };
  const proxy = [...m.sites.values()]
    .flatMap((s) => s.proxies.map((p) => ({ site: s, p })))
    .find((x) => x.p.ip === opts.proxy!.ip);
  if (!proxy) {
    trace.push({
      at: "proxy",
      what: `no proxy is modelled at ${opts.proxy.ip}:${opts.proxy.port}; nothing accepts the connection`,
      outcome: "fail",
    });
    return {
      ok: false,
      failure: "NotListening",
      address: opts.proxy.ip,
      message: `nothing listens on ${opts.proxy.ip}:${opts.proxy.port}`,
      trace,
    };
  }
  const name = opts.serverName ?? ip;
  let target = ip;
  if (opts.serverName) {
    const a = resolver.resolveAt({ kind: "public" }, opts.serverName, "A");
    const addrs = addressesOf(a);
    trace.push({
      at: `proxy ${proxy.p.name}`,
      what: `resolves ${name} itself (public DNS): ${addrs.join(", ") || a.rcode}`,
      outcome: addrs.length ? "info" : "fail",
      steps: a.trace,
    });
    if (!addrs.length)
      return {
        ok: false,
        failure: "ProxyFailed",
        message: `proxy ${proxy.p.name} cannot resolve ${name}`,
        trace,
      };
    target = addrs[0];
  }
  const party: Party = {
    name: `proxy ${proxy.p.name}`,
    ip: proxy.p.ip,
    pos: { kind: "site", site: proxy.site.key },
  };
  const res = finish(m, party, target, port, protocol, trace, {
    host,
    serverName: opts.serverName,
    agentVersion: opts.agentVersion,
    proxy: proxy.p,
  });
  // A TLS failure is the host's own handshake through the proxy's tunnel, not the proxy's.
  if (!res.ok && !isTlsFailure(res.failure!))
    return {
      ...res,
      failure: "ProxyFailed",
      message: `the proxy could not connect to ${name}: ${res.message}`,
    };
  return res;
}
