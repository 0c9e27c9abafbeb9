// Helpers the rules share: reading check() rows, building fix steps, Arc names per region.
import { arcEndpointNames, hisCode } from "../../../core/arcEndpoints.js";
import { keyOf } from "../../../core/resourceId.js";
import { isPublicAddress, PrivateEndpointModel } from "../../../network/model.js";
import { Entry } from "../../../world/world.js";
import { EndpointCheck } from "../../check.js";
import { HostInfo, LintContext } from "../context.js";
import { findingKey } from "../findingKey.js";
import { Finding, FixStep, Rule, Severity } from "../types.js";

export const ARC_FORWARD_ZONES = ["his.arc.azure.com", "guestconfiguration.azure.com"] as const;

/** A finding with the rule's defaults filled in. */
export function finding(
  rule: Pick<Rule, "id" | "severity" | "fix">,
  f: Partial<Finding> &
    Pick<Finding, "message" | "resources"> & {
      /**
       * What the finding's key names besides its rule and primary resource, when that is not the
       * example endpoint (`endpoint`): e.g. the forwarded domain and target; null for none.
       */
      keyEndpoint?: string | null;
      /** The key's primary resource when the first of `resources` is only an example (the first host of a group). */
      keyResource?: string;
    },
): Finding {
  const resources = [...new Set(f.resources.filter(Boolean))];
  const keyEndpoint = f.keyEndpoint === undefined ? f.endpoint : (f.keyEndpoint ?? undefined);
  return {
    key: findingKey({
      ruleId: rule.id,
      resources: f.keyResource ? [f.keyResource] : resources,
      endpoint: keyEndpoint,
    }),
    ruleId: rule.id,
    severity: f.severity ?? rule.severity,
    message: f.message,
    resources,
    machines: f.machines ?? [],
    fix: f.fix ?? rule.fix,
    fixPlan: f.fixPlan ?? [],
    ...(f.endpoint ? { endpoint: f.endpoint } : {}),
    ...(f.host ? { host: f.host } : {}),
    ...(f.reason ? { reason: f.reason } : {}),
    ...(f.trace ? { trace: f.trace } : {}),
  };
}

/** The rows of a host's check refused for one of `reasons`. */
export function rowsWith(h: HostInfo, reasons: readonly string[]): EndpointCheck[] {
  // A row refused for several reasons counts for each of them (each rule reports its own).
  return h.check.endpoints.filter(
    (e) =>
      e.verdict === "refused" &&
      ((e.reason && reasons.includes(e.reason)) || e.reasons?.some((r) => reasons.includes(r.code))),
  );
}

/** Which of `reasons` a refused row was refused for (its first reason, or one of its others). */
export function matchedReason(row: EndpointCheck, reasons: readonly string[]): string | undefined {
  if (row.reason && reasons.includes(row.reason)) return row.reason;
  return row.reasons?.find((r) => reasons.includes(r.code))?.code;
}

/** Hosts with at least one row refused for one of `reasons`, and each host's first such row. */
export function refusedHosts(
  ctx: LintContext,
  reasons: readonly string[],
  arcOnly = true,
): Array<{ h: HostInfo; row: EndpointCheck }> {
  const rows = ctx.evalValues(`refused|${arcOnly}|${reasons.join(",")}`, (h) =>
    rowsWith(h, reasons).find((r) => !arcOnly || ctx.arcRows(h).includes(r)),
  );
  return withRows(ctx, rows);
}

/** Hosts (in `ctx.hosts` order) whose evaluation has a row in `rows`, with that row. */
export function withRows<R>(
  ctx: LintContext,
  rows: ArrayLike<R | undefined>,
): Array<{ h: HostInfo; row: R }> {
  const out: Array<{ h: HostInfo; row: R }> = [];
  let any = false;
  for (let e = 0; e < rows.length && !any; e++) if (rows[e]) any = true;
  if (!any) return out;
  const { of } = ctx.evaluations();
  const hs = ctx.hosts;
  for (let i = 0; i < hs.length; i++) {
    const row = rows[of[i]];
    if (row) out.push({ h: hs[i], row });
  }
  return out;
}

const publicMemo = new WeakMap<EndpointCheck, boolean>();

export function isPublic(row: EndpointCheck): boolean {
  let v = publicMemo.get(row);
  if (v === undefined) publicMemo.set(row, (v = !!row.address && isPublicAddress(row.address)));
  return v;
}

export function severityMax(a: Severity, b: Severity): Severity {
  const o = { error: 0, warning: 1, note: 2 };
  return o[a] <= o[b] ? a : b;
}

/** The Arc names a machine in `region` dials (the K8s data plane left out: servers do not). */
export function serverNames(region: string): string[] {
  return arcEndpointNames(region)
    .filter((n) => n.service !== "kubernetes-dp")
    .map((n) => n.fqdn);
}

/** The regional names only (`<code>.his`, `<region>-gas`). */
export function regionalNames(region: string): string[] {
  const r = region.toLowerCase();
  return [`${hisCode(r)}.his.arc.azure.com`, `${r}-gas.guestconfiguration.azure.com`];
}

/** The Arc private endpoints of a scope. */
export function endpointsOfScope(ctx: LintContext, scopeId: string): PrivateEndpointModel[] {
  const k = keyOf(scopeId);
  return ctx.arcEndpoints().filter((p) => keyOf(p.targetId) === k);
}

/** fqdn → the address the scope's (first) private endpoint serves it on. */
export function addressesOfScope(ctx: LintContext, scopeId: string): Map<string, string> {
  const m = new Map<string, string>();
  for (const pe of endpointsOfScope(ctx, scopeId))
    for (const a of pe.addresses) if (!m.has(a.fqdn)) m.set(a.fqdn, a.ip);
  return m;
}

/** fqdn → every address any Arc private endpoint serves it on. */
export function allArcAddresses(ctx: LintContext): Map<string, Set<string>> {
  const m = new Map<string, Set<string>>();
  for (const pe of ctx.arcEndpoints())
    for (const a of pe.addresses) {
      const s = m.get(a.fqdn) ?? new Set<string>();
      s.add(a.ip);
      m.set(a.fqdn, s);
    }
  return m;
}

/** Inbound endpoints in the VNet of a private endpoint or in a VNet peered with it. */
export function inboundFor(ctx: LintContext, vnetKey: string): string[] {
  const peers = new Set([vnetKey, ...(ctx.model.vnets.get(vnetKey)?.peers ?? [])]);
  return [...ctx.model.inboundEndpoints.values()].filter((i) => peers.has(i.vnet)).map((i) => i.ip);
}

export function patch(id: string, body: unknown, why: string): FixStep {
  return { kind: "arm", method: "PATCH", id, body, why };
}

export function put(id: string, body: unknown, why: string): FixStep {
  return { kind: "arm", method: "PUT", id, body, why };
}

export function onprem(
  target: string,
  change: string,
  why: string,
  model?: { method: "PUT"; id: string; body: unknown },
): FixStep {
  return { kind: "onprem", target, change, why, ...(model ? { model } : {}) };
}

/** The lab host PUT that models setting the agent's proxy bypass for Arc on a host. */
export function bypassArcModel(h: HostInfo): { method: "PUT"; id: string; body: unknown } {
  const raw = h.host.raw;
  const p = { ...(raw.properties ?? {}) };
  const list: string[] = Array.isArray(p.proxyBypass) ? p.proxyBypass : [];
  p.proxyBypass = [...list.filter((b) => String(b).toLowerCase() !== "arc"), "Arc"];
  return { method: "PUT", id: h.host.id, body: { location: raw.location ?? "global", properties: p } };
}

export function scopeOfMachine(ctx: LintContext, m: Entry | undefined): Entry | undefined {
  const id = m?.body.properties?.privateLinkScopeResourceId;
  return typeof id === "string" && id ? ctx.get(id) : undefined;
}

export function machineRegion(h: HostInfo): string {
  return String(h.machine?.body.location ?? h.check.region).toLowerCase();
}
