// check(host): for each endpoint the Connected Machine agent needs, what this host gets —
// private, public or refused — and why: its DNS answer, the network path, and admission,
// each with its trace. This is what `azcmagent check` would show, explained.
import { hisCode } from "../core/arcEndpoints.js";
import { admit, serviceOf, RefusalCode } from "../network/admit.js";
import { connect, NetworkFailure } from "../network/connect.js";
import { HostModel } from "../network/model.js";
import { addressesOf, Resolver } from "../network/resolve.js";
import { TraceStep } from "../network/trace.js";
import { WorldView } from "../world/world.js";
import { machineOfHost } from "./hostMachine.js";

export type Verdict = "private" | "public" | "refused";

export interface EndpointCheck {
  endpoint: string;
  address?: string;
  verdict: Verdict;
  /** Stable code of why it was refused: a DNS rcode, a network failure, or an admission refusal. */
  reason?: string;
  message: string;
  fix?: string;
  trace: TraceStep[];
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

function proxyOf(h: HostModel): { ip: string; port: number } | undefined {
  const url = h.raw.properties?.proxyUrl;
  if (typeof url !== "string") return undefined;
  const m = /^https?:\/\/(\d{1,3}(?:\.\d{1,3}){3}):(\d+)/.exec(url);
  return m ? { ip: m[1], port: Number(m[2]) } : undefined;
}

function bypassed(h: HostModel, name: string): boolean {
  const list: string[] = Array.isArray(h.raw.properties?.proxyBypass) ? h.raw.properties.proxyBypass : [];
  const s = serviceOf(name);
  return list.some((b) => {
    const k = String(b).toLowerCase();
    if (k === "arc") return s !== "entra" && s !== "arm" && s !== "other";
    if (k === "aad") return s === "entra";
    if (k === "arm") return s === "arm";
    return false;
  });
}

export function checkEndpoint(ctx: CheckContext, h: HostModel, name: string): EndpointCheck {
  const machine = machineOfHost(ctx.view, h);
  const trace: TraceStep[] = [];
  const proxy = proxyOf(h);
  const useProxy = proxy && !bypassed(h, name);
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
      trace,
    };
  }
  const service = serviceOf(name);
  const a = admit(ctx.view, {
    serverName: name,
    endpoint: c.endpoint!,
    purpose: service === "entra" || service === "arm" || service === "other" ? "check" : "heartbeat",
    machine,
    agentVersion: machine?.body.properties?.agentVersion,
    now: ctx.now,
    propagationDelayMs: ctx.propagationDelayMs,
  });
  trace.push({ at: "admission", what: a.message, outcome: a.admitted ? "ok" : "fail", steps: a.trace });
  if (!a.admitted) {
    return {
      endpoint: name,
      address: c.address,
      verdict: "refused",
      reason: a.code as RefusalCode,
      message: a.message,
      fix: a.fix,
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
