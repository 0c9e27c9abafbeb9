// The lint engine: compile the world, run check() for every host once, then every rule over the
// result. Input is any WorldView (ArcLink's world, a sandbox built from a topology file or from an
// export of a real environment); output is the findings plus each host's check, so a renderer can
// explain every machine's paths.
import { compileModel, HostModel, isPublicAddress, NetworkModel } from "../../network/model.js";
import { addressMatches, virtualNetworkSpace } from "../../network/filter.js";
import { associationOf } from "../../providers/hybridcompute/association.js";
import { newResolveMemo, Resolver } from "../../network/resolve.js";
import { ServiceTags } from "../../network/serviceTags.js";
import { Entry, WorldView } from "../../world/world.js";
import { checkHost, CheckContext, HostCheck } from "../check.js";
import { MACHINE_TYPE } from "../hostMachine.js";
import { LintContext, HostInfo, LintSource } from "./context.js";
import { RULES } from "./index.js";
import { Finding, Rule, Severity } from "./types.js";

export interface LintInput {
  view: WorldView;
  now: Date;
  propagationDelayMs: number;
  tags?: ServiceTags;
  /** A model already compiled from `view` (the server's). */
  model?: NetworkModel;
  source?: LintSource;
}

export interface LintOptions {
  /** Run only these rule ids. */
  rules?: string[];
  /** Per-host checks to reuse (e.g. from a previous run), by host key; recomputed when absent. */
  checks?: Map<string, HostCheck>;
}

export interface LintReport {
  source: LintSource["kind"];
  files?: string[];
  generatedAt: string;
  findings: Finding[];
  /** check() for every host, sorted by host name: every machine's paths. */
  hosts: LintHostCheck[];
  summary: { errors: number; warnings: number; notes: number; hosts: number; machines: number };
  rules: readonly Rule[];
}

const ORDER: Record<Severity, number> = { error: 0, warning: 1, note: 2 };

/**
 * A view for one host's check: machineOfHost() scans every machine; this view hands it only the
 * candidates for that host, in the world's order, so the lookup (and so the verdict) is the same
 * at a fraction of the cost. Every other read goes to the world.
 */
class MachineIndex {
  private byHost = new Map<string, Entry[]>();
  private byName = new Map<string, Entry[]>();

  constructor(private readonly view: WorldView) {
    for (const m of view.ofType(MACHINE_TYPE)) {
      const hid = String(m.body._arclink?.hostId ?? "").toLowerCase();
      if (hid) push(this.byHost, hid, m);
      push(this.byName, String(m.body.name).toLowerCase(), m);
    }
  }

  viewFor(h: HostModel): WorldView {
    const candidates = [...(this.byHost.get(h.key) ?? []), ...(this.byName.get(h.name.toLowerCase()) ?? [])];
    const v = this.view;
    return {
      get: (id) => v.get(id),
      children: (id, type) => v.children(id, type),
      ofType: (type) => (type.toLowerCase() === MACHINE_TYPE.toLowerCase() ? candidates : v.ofType(type)),
    };
  }

  machineOf(h: HostModel): Entry | undefined {
    return this.byHost.get(h.key)?.[0] ?? this.byName.get(h.name.toLowerCase())?.[0];
  }
}

function push<T>(m: Map<string, T[]>, k: string, v: T): void {
  const l = m.get(k);
  if (l) l.push(v);
  else m.set(k, [v]);
}

/** A host's check as lint reports it: check()'s own result, or an identical-input host's. */
export type LintHostCheck = HostCheck & {
  /** Set when this host's inputs equal another host's: its endpoints are that host's evaluation (traces name it). */
  evaluatedAs?: string;
};

const KEYWORDS = new Set(["*", "any", "virtualnetwork", "internet", "azureloadbalancer"]);

/**
 * What check() reads of a host besides its name: position, DNS configuration, hosts file, proxy,
 * which source-address filters its address matches, and its machine's association, region,
 * agent version and association age. Hosts with equal signatures get equal verdicts.
 */
class Signer {
  private exprs: string[] = [];
  private spaces: Array<(ip: string) => boolean> = [];

  constructor(
    private readonly model: NetworkModel,
    private readonly now: Date,
    private readonly delayMs: number,
  ) {
    const ex = new Set<string>();
    for (const s of model.sites.values())
      for (const r of s.firewall?.rules ?? [])
        for (const a of r.sourceAddresses ?? []) ex.add(String(a).trim());
    const nsgVnets = new Set<string>();
    for (const n of model.nsgs.values())
      for (const r of [...n.outbound, ...n.inbound]) for (const a of r.sources) ex.add(String(a).trim());
    for (const v of model.vnets.values()) if (v.subnets.some((x) => x.nsg)) nsgVnets.add(v.key);
    this.exprs = [...ex].filter((e) => !KEYWORDS.has(e.toLowerCase()));
    this.spaces = [...nsgVnets].map((v) => virtualNetworkSpace(model, v));
  }

  sign(h: HostModel, machine: Entry | undefined): string {
    const p = h.raw.properties ?? {};
    const bits = this.exprs
      .map((e) => (addressMatches(this.model, [e], h.ip, () => false) ? "1" : "0"))
      .join("");
    const vbits = this.spaces.map((f) => (f(h.ip) ? "1" : "0")).join("");
    const mp = machine?.body.properties ?? {};
    const assoc = associationOf(machine?.body);
    let age = "";
    if (assoc.associatedAt) {
      const a = Date.parse(assoc.associatedAt);
      if (Number.isFinite(a) && !assoc.associatedAtCreation)
        age = this.now.getTime() - a < this.delayMs ? `young:${assoc.associatedAt}` : "propagated";
    }
    const v = typeof mp.agentVersion === "string" ? mp.agentVersion : "";
    const old = /^(0\.|1\.[0-3](\.|$))/.test(v) ? v : v ? "ok" : "";
    return [
      h.pos.kind === "site" ? h.pos.site : h.pos.vnet,
      h.subnet ?? "",
      h.os,
      isPublicAddress(h.ip) ? "pub" : "priv",
      bits,
      vbits,
      h.dnsServers.join(","),
      typeof p.hostsFile === "string" ? p.hostsFile : "",
      typeof p.proxyUrl === "string" ? p.proxyUrl : "",
      Array.isArray(p.proxyBypass) ? p.proxyBypass.join(",") : "",
      machine ? "m" : "-",
      String(assoc.scopeId ?? "").toLowerCase(),
      String(machine?.body.location ?? "").toLowerCase(),
      old,
      age,
    ].join("\u0001");
  }
}

/**
 * check() for every host of a model. DNS answers are shared between hosts (a resolve memo), and
 * hosts whose inputs are equal (same signature) share one check() evaluation.
 */
export function checkAll(
  input: { view: WorldView; model: NetworkModel; now: Date; propagationDelayMs: number },
  opts: { only?: (h: HostModel) => boolean; shareEqualHosts?: boolean } = {},
): { infos: HostInfo[]; resolver: Resolver } {
  const resolver = new Resolver(input.model, undefined, newResolveMemo());
  const index = new MachineIndex(input.view);
  const signer =
    opts.shareEqualHosts === false ? undefined : new Signer(input.model, input.now, input.propagationDelayMs);
  const done = new Map<string, HostCheck>();
  const infos: HostInfo[] = [];
  const hosts = [...input.model.hosts.values()].sort((a, b) => cmp(a.name, b.name) || cmp(a.key, b.key));
  for (const h of hosts) {
    if (opts.only && !opts.only(h)) continue;
    const machine = index.machineOf(h);
    const scopeId = machine?.body.properties?.privateLinkScopeResourceId;
    const scope = typeof scopeId === "string" && scopeId ? input.view.get(scopeId) : undefined;
    const sig = signer?.sign(h, machine);
    const same = sig !== undefined ? done.get(sig) : undefined;
    let check: LintHostCheck;
    if (same) {
      check = {
        host: h.name,
        hostId: h.id,
        address: h.ip,
        ...(machine ? { machine: machine.body.name, machineId: machine.id } : {}),
        ...(same.scope ? { scope: same.scope } : {}),
        region: same.region,
        endpoints: same.endpoints,
        evaluatedAs: same.host,
      };
    } else {
      const ctx: CheckContext = {
        view: index.viewFor(h),
        resolver,
        now: input.now,
        propagationDelayMs: input.propagationDelayMs,
      };
      check = checkHost(ctx, h);
      if (sig !== undefined) done.set(sig, check);
    }
    infos.push({ host: h, machine, scope, check });
  }
  return { infos, resolver };
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export function lint(input: LintInput, opts: LintOptions = {}): LintReport {
  const model = input.model ?? compileModel(input.view, input.tags ?? ServiceTags.default());
  const { infos, resolver } = checkAll({ ...input, model });
  const ctx = new LintContext(
    input.view,
    model,
    resolver,
    input.now,
    input.propagationDelayMs,
    infos,
    input.source,
  );
  const rules = opts.rules?.length
    ? RULES.filter((r) => opts.rules!.some((x) => x.toLowerCase() === r.id.toLowerCase()))
    : RULES;
  const findings: Finding[] = [];
  for (const r of rules) findings.push(...r.run(ctx));
  findings.sort(
    (a, b) =>
      ORDER[a.severity] - ORDER[b.severity] ||
      cmp(a.ruleId, b.ruleId) ||
      cmp(a.resources[0] ?? "", b.resources[0] ?? "") ||
      cmp(a.message, b.message),
  );
  const summary = {
    errors: findings.filter((f) => f.severity === "error").length,
    warnings: findings.filter((f) => f.severity === "warning").length,
    notes: findings.filter((f) => f.severity === "note").length,
    hosts: infos.length,
    machines: ctx.machines().length,
  };
  return {
    source: input.source?.kind ?? "world",
    ...(input.source?.files ? { files: input.source.files } : {}),
    generatedAt: input.now.toISOString(),
    findings,
    hosts: infos.map((i) => i.check),
    summary,
    rules: RULES,
  };
}

/** 2 when there are errors, 1 for warnings only, 0 otherwise (notes do not count). */
export function exitCodeOf(r: { findings: Array<{ severity: Severity }> }): number {
  if (r.findings.some((f) => f.severity === "error")) return 2;
  if (r.findings.some((f) => f.severity === "warning")) return 1;
  return 0;
}
