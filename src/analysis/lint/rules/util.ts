// Helpers the rules share: reading check() rows, building fix steps, Arc names per region.
import { arcEndpointNames, hisCode } from "../../../core/arcEndpoints.js";
import { keyOf } from "../../../core/resourceId.js";
import { isPublicAddress, PrivateEndpointModel } from "../../../network/model.js";
import { Entry } from "../../../world/world.js";
import { EndpointCheck } from "../../check.js";
import { firewallRuleLine } from "../../onpremLines.js";
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
      /**
       * The key's primary resource when the first of `resources` is only an example (the first
       * host of a group): for a group, what its members share (see groupAnchor); "" for none.
       */
      keyResource?: string;
    },
): Finding {
  const resources = [...new Set(f.resources.filter(Boolean))];
  const keyEndpoint = f.keyEndpoint === undefined ? f.endpoint : (f.keyEndpoint ?? undefined);
  return {
    key: findingKey({
      ruleId: rule.id,
      resources: f.keyResource !== undefined ? [f.keyResource] : resources,
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

/**
 * What every id of a group shares, as an ARM id: the deepest resource (or resource group, or
 * subscription) that all of them are, or are under; "" when they share nothing. A grouped
 * finding is keyed by it, not by its first member, so the key stays the same whichever order the
 * members come in and while members join or leave.
 */
export function groupAnchor(ids: Iterable<string>): string {
  let common: string[] | undefined;
  for (const id of ids) {
    const parts = keyOf(id).split("/");
    if (!common) {
      common = parts;
      continue;
    }
    let n = 0;
    while (n < common.length && n < parts.length && common[n] === parts[n]) n++;
    common.length = n;
    if (n <= 1) return "";
  }
  if (!common) return "";
  // Cut back to a whole id: /subscriptions/s[/resourceGroups/g[/providers/ns/type/name[/type/name…]]].
  const c = common;
  if (c.length < 3) return "";
  if (c.length < 5) return c.slice(0, 3).join("/");
  if (c.length < 9) return c.slice(0, 5).join("/");
  const whole = 9 + 2 * Math.floor((c.length - 9) / 2);
  return c.slice(0, whole).join("/");
}

/** What a group of hosts shares: their one site or VNet, else the anchor of their ids. */
export function hostsAnchor(hs: readonly HostInfo[]): string {
  let place: string | undefined;
  for (let i = 0; i < hs.length; i++) {
    const h = hs[i];
    const p = h.host.pos.kind === "site" ? h.host.pos.site : h.host.pos.vnet;
    if (place === undefined) place = p;
    else if (place !== p) return groupAnchor(hs.map((x) => x.host.id));
  }
  return place ?? "";
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

/** A firewall rule the plan adds: TCP 443 to service tags or addresses. */
export interface FirewallAllow {
  name: string;
  /** Service tags (AzureArcInfrastructure, …) or addresses (a private endpoint's, as a /32). */
  destinations: string[];
}

/**
 * An on-premises step that lets a site's firewall pass TCP 443 to `allows`, with the same change
 * on ArcLink's model of that firewall (its stored body with the rules added), so the plan is tried
 * in the what-if sandbox like any other step. The rules go below `before` (the priority of the rule
 * that blocks today) when one is given, so they match first; destinations an Allow rule already
 * names are left out. Undefined when the firewall is not in the world or nothing is left to add.
 */
export function firewallAllowStep(
  ctx: LintContext,
  firewallId: string,
  allows: FirewallAllow[],
  why: string,
  before?: number,
): FixStep | undefined {
  const fw = ctx.get(firewallId);
  if (!fw) return undefined;
  const p = fw.body.properties ?? {};
  const rules: any[] = Array.isArray(p.rules) ? [...p.rules] : [];
  const used = new Set(rules.map((r) => Number(r.priority)));
  const names = new Set(rules.map((r) => String(r.name).toLowerCase()));
  const allowed = new Set(
    rules
      .filter((r) => r.action !== "Deny")
      .flatMap((r) => (r.destinationAddresses ?? []).map((d: string) => String(d).toLowerCase())),
  );
  // Free priorities: counting down from just below the blocking rule, or up from 150.
  let next = before !== undefined ? before - 1 : 150;
  const priority = (): number | undefined => {
    while (used.has(next) && next > 0 && next < 65_000) next += before !== undefined ? -1 : 1;
    if (next <= 0 || next >= 65_000) return undefined;
    used.add(next);
    return next;
  };
  const lines: string[] = [];
  for (const a of allows) {
    const dst = a.destinations.filter((d) => !allowed.has(d.toLowerCase()));
    if (!dst.length) continue;
    const pr = priority();
    if (pr === undefined) return undefined;
    let name = a.name;
    for (let i = 2; names.has(name.toLowerCase()); i++) name = `${a.name}${i}`;
    names.add(name.toLowerCase());
    rules.push({
      name,
      priority: pr,
      action: "Allow",
      protocol: "Tcp",
      destinationAddresses: dst,
      destinationPorts: ["443"],
    });
    for (const d of dst)
      lines.push(
        /^\d/.test(d)
          ? `${fw.body.name}: allow TCP 443 from the site to ${d} (rule ${name}, priority ${pr})`
          : `${firewallRuleLine(String(fw.body.name), d)} (rule ${name}, priority ${pr})`,
      );
  }
  if (!lines.length) return undefined;
  const { id: _id, name: _n, type: _t, etag: _e, systemData: _s, ...body } = fw.body;
  return onprem(String(fw.body.name), lines.join("\n"), why, {
    method: "PUT",
    id: fw.id,
    body: { ...body, location: fw.body.location ?? "global", properties: { ...p, rules } },
  });
}

/** The service tag a firewall would name for a public address (the global tag before a regional one). */
export function serviceTagFor(ctx: LintContext, address: string): string | undefined {
  const tags = ctx.model.tags.tagsOf(address).filter((t) => t !== "AzureCloud");
  return tags.find((t) => !t.includes(".")) ?? tags[0];
}

/** The agent-report PUT that models upgrading a machine's agent (what its next check-in records). */
export function agentUpgradeModel(machine: Entry): { method: "PUT"; id: string; body: unknown } {
  const rg = machine.id.split("/providers/")[0];
  return {
    method: "PUT",
    id: `${rg}/providers/ArcLink.Lab/agentReports/${machine.body.name}`,
    body: { location: "global", properties: { machineId: machine.id, agentVersion: LATEST_AGENT } },
  };
}

/** The agent version an upgrade installs, as the model records it. */
export const LATEST_AGENT = "1.45";
