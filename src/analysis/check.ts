// check(host): for each endpoint the Connected Machine agent needs, what this host gets —
// private, public or refused — and why: its DNS answer, the network path, and admission,
// each with its trace. This is what `azcmagent check` would show, explained.
import { hisCode } from "../core/arcEndpoints.js";
import { admit, MissingFact, serviceOf, RefusalCode } from "../network/admit.js";
import { connect, NetworkFailure } from "../network/connect.js";
import { HostModel } from "../network/model.js";
import { addressesOf, Resolver } from "../network/resolve.js";
import { TraceStep } from "../network/trace.js";
import { Entry, WorldView } from "../world/world.js";
import type { Cause } from "./diagnose.js";
import { machineOfHost } from "./hostMachine.js";

/**
 * "undetermined": the verdict needs a fact the input does not hold (an export without a
 * connection's state, a machine without a known agent version); `missing` names it and how to
 * collect it. Never a refusal, and nothing destructive is proposed on it.
 */
export type Verdict = "private" | "public" | "refused" | "undetermined";

export interface EndpointCheck {
  endpoint: string;
  address?: string;
  verdict: Verdict;
  /** Stable code of why it was refused: a DNS rcode, a network failure, or an admission refusal. */
  reason?: string;
  message: string;
  fix?: string;
  trace: TraceStep[];
  /** Every reason admission refused it for (the first is `reason`), when there are several. */
  reasons?: Array<{ code: string; message: string; fix?: string }>;
  /** With an undetermined verdict: the missing fact and the commands that collect it. */
  missing?: MissingFact;
}

export interface HostCheck {
  host: string;
  hostId: string;
  address: string;
  machine?: string;
  machineId?: string;
  scope?: string;
  region: string;
  endpoints: EndpointCheck[];
  /** Root causes of the refused and undetermined rows, DNS → route → filter → admission (diagnose.ts; set by the check API). */
  causes?: Cause[];
}

export interface CheckContext {
  view: WorldView;
  resolver: Resolver;
  now: Date;
  propagationDelayMs: number;
}

export function arcEndpointsFor(region: string): string[] {
  return [
    "gbl.his.arc.azure.com",
    `${hisCode(region)}.his.arc.azure.com`,
    "agentserviceapi.guestconfiguration.azure.com",
    `${region}-gas.guestconfiguration.azure.com`,
    "login.microsoftonline.com",
    "login.windows.net",
    "management.azure.com",
    "pas.windows.net",
  ];
}

/**
 * The proxy settings the host's agent uses: what the agent last reported to Azure (the machine's
 * agentConfiguration, from `azcmagent config set proxy.url|proxy.bypass`) once it has reported
 * them, else the host's own settings in the lab. The host's proxyUrl stands for its HTTPS_PROXY,
 * which the agent uses when its own proxy.url is empty.
 */
export function agentProxySettings(
  h: HostModel,
  machine: Entry | undefined,
): { url?: string; bypass: string[]; from: "agent" | "host" } {
  const hp = h.raw.properties ?? {};
  const ac = machine?.body.properties?.agentConfiguration;
  const hostUrl = typeof hp.proxyUrl === "string" && hp.proxyUrl ? hp.proxyUrl : undefined;
  if (ac && typeof ac === "object") {
    const reported = typeof ac.proxyUrl === "string" && ac.proxyUrl ? ac.proxyUrl : undefined;
    // A reported proxy named by host name (as exports of real machines have it) cannot be placed
    // in the network: the host's own proxyUrl, which names its address, places it then.
    const url = reported && proxyOf(reported) ? reported : (hostUrl ?? reported);
    return { url, bypass: Array.isArray(ac.proxyBypass) ? ac.proxyBypass.map(String) : [], from: "agent" };
  }
  return {
    url: hostUrl,
    bypass: Array.isArray(hp.proxyBypass) ? hp.proxyBypass.map(String) : [],
    from: "host",
  };
}

function proxyOf(url: string | undefined): { ip: string; port: number } | undefined {
  if (typeof url !== "string") return undefined;
  const m = /^https?:\/\/(\d{1,3}(?:\.\d{1,3}){3}):(\d+)/.exec(url);
  return m ? { ip: m[1], port: Number(m[2]) } : undefined;
}

function bypassed(list: readonly string[], name: string): boolean {
  const s = serviceOf(name);
  return list.some((b) => {
    const k = String(b).toLowerCase();
    if (k === "arc") return s !== "entra" && s !== "arm" && s !== "other";
    if (k === "aad") return s === "entra";
    if (k === "arm") return s === "arm";
    return false;
  });
}

/** Whether the host sends its calls to `name` through its proxy (a proxy set, the name not bypassed): the proxy then resolves the name, not the host's DNS. */
export function throughProxy(h: HostModel, name: string, machine?: Entry): boolean {
  const p = agentProxySettings(h, machine);
  return !!proxyOf(p.url) && !bypassed(p.bypass, name);
}

/** How to fix a failure of the host's own TLS handshake, or undefined for other failures. */
export function tlsFix(h: HostModel, failure: NetworkFailure | undefined): string | undefined {
  if (failure === "TlsVersionUnsupported")
    return h.os === "Windows"
      ? `enable TLS 1.2 on ${h.name}: in SChannel, set the TLS 1.2 Client key's Enabled to 1 and DisabledByDefault to 0 (HKLM\\SYSTEM\\CurrentControlSet\\Control\\SecurityProviders\\SCHANNEL\\Protocols\\TLS 1.2\\Client) and restart; then set the host's maxTlsVersion to 1.2 or later`
      : `enable TLS 1.2 on ${h.name} (the system's OpenSSL/crypto policy must allow it); then set the host's maxTlsVersion to 1.2 or later`;
  if (failure === "TlsCipherSuiteMismatch")
    return `enable the ECDHE AES-GCM cipher suites on ${h.name} (TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384, TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384: Enable-TlsCipherSuite or the SSL Cipher Suite Order policy) and set the host's gcmCipherSuitesEnabled to true, or upgrade the Connected Machine agent to 1.64 or later`;
  return undefined;
}

export function checkEndpoint(
  ctx: CheckContext,
  h: HostModel,
  name: string,
  opts: { agentVersion?: string } = {},
): EndpointCheck {
  const machine = machineOfHost(ctx.view, h);
  // The version of the agent making the call: given (a simulated fleet's), else the one the
  // machine last reported.
  const agentVersion: string | undefined = opts.agentVersion ?? machine?.body.properties?.agentVersion;
  const trace: TraceStep[] = [];
  const settings = agentProxySettings(h, machine);
  const proxy = proxyOf(settings.url);
  const useProxy = proxy && !bypassed(settings.bypass, name);
  if (proxy) {
    const source =
      settings.from === "agent" ? "as its agent last reported to Azure" : "as the host's lab settings say";
    trace.push({
      at: "proxy",
      what: useProxy
        ? `${h.name}'s agent sends ${name} to proxy ${settings.url} (proxy.bypass ${settings.bypass.join(",") || "empty"}, ${source})`
        : `${h.name}'s agent sends ${name} direct, not to proxy ${settings.url} (proxy.bypass ${settings.bypass.join(",")}, ${source})`,
      outcome: "info",
    });
  }
  let ip = "0.0.0.0";
  if (!useProxy) {
    const dns = ctx.resolver.resolveForHost(h.key, name, "A");
    trace.push({
      at: "DNS",
      what: `${name} → ${addressesOf(dns).join(", ") || dns.rcode} (answered by ${dns.answeredBy})`,
      outcome: addressesOf(dns).length ? "ok" : "fail",
      steps: dns.trace,
    });
    const addrs = addressesOf(dns);
    if (!addrs.length) {
      return {
        endpoint: name,
        verdict: "refused",
        reason: `Dns${dns.rcode === "NOERROR" ? "NoData" : dns.rcode[0] + dns.rcode.slice(1).toLowerCase()}`,
        message: `${h.name} cannot resolve ${name}: ${dns.rcode}`,
        trace,
      };
    }
    ip = addrs[0];
  }
  const c = connect(ctx.resolver.model, ctx.resolver, h, ip, 443, {
    serverName: name,
    proxy: useProxy ? proxy : undefined,
    // The agent's TLS behaviour depends on its version.
    agentVersion,
  });
  trace.push({
    at: "network",
    what: c.ok
      ? `${h.name} reaches ${c.address}:443 (${c.path})`
      : `${h.name} cannot reach ${name}: ${c.message}`,
    outcome: c.ok ? "ok" : "fail",
    steps: c.trace,
  });
  if (!c.ok) {
    return {
      endpoint: name,
      address: c.address ?? ip,
      verdict: "refused",
      reason: c.failure as NetworkFailure,
      message: c.message,
      ...(tlsFix(h, c.failure) ? { fix: tlsFix(h, c.failure) } : {}),
      trace,
    };
  }
  const service = serviceOf(name);
  const a = admit(ctx.view, {
    serverName: name,
    endpoint: c.endpoint!,
    purpose: service === "entra" || service === "arm" || service === "other" ? "check" : "heartbeat",
    machine,
    agentVersion,
    now: ctx.now,
    propagationDelayMs: ctx.propagationDelayMs,
  });
  trace.push({ at: "admission", what: a.message, outcome: a.admitted ? "ok" : "fail", steps: a.trace });
  if (a.undetermined) {
    return {
      endpoint: name,
      address: c.address,
      verdict: "undetermined",
      reason: a.undetermined.code,
      message: `${name} on ${c.path === "private" ? "private" : "public"} address ${c.address}: the verdict needs ${a.undetermined.fact}`,
      fix: `collect the missing fact: ${a.undetermined.collect[0]}`,
      missing: a.undetermined,
      ...(a.reasons && a.reasons.length ? { reasons: a.reasons } : {}),
      trace,
    };
  }
  if (!a.admitted) {
    return {
      endpoint: name,
      address: c.address,
      verdict: "refused",
      reason: a.code as RefusalCode,
      message: a.message,
      fix: a.fix,
      ...(a.reasons && a.reasons.length > 1 ? { reasons: a.reasons } : {}),
      ...(a.undeterminedToo ? { missing: a.undeterminedToo } : {}),
      trace,
    };
  }
  return {
    endpoint: name,
    address: c.address,
    verdict: c.path === "private" ? "private" : "public",
    message: a.message,
    trace,
  };
}

export function checkHost(ctx: CheckContext, h: HostModel, region?: string): HostCheck {
  const machine = machineOfHost(ctx.view, h);
  const scopeId: string | undefined = machine?.body.properties?.privateLinkScopeResourceId;
  const scope = scopeId ? ctx.view.get(scopeId) : undefined;
  const r = (region ?? machine?.body.location ?? scope?.body.location ?? "eastus").toLowerCase();
  return {
    host: h.name,
    hostId: h.id,
    address: h.ip,
    machine: machine?.body.name,
    machineId: machine?.id,
    scope: scope?.body.name,
    region: r,
    endpoints: arcEndpointsFor(r).map((n) => checkEndpoint(ctx, h, n)),
  };
}
