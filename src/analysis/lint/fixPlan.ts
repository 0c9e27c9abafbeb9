// A fix plan that has been tried before it is printed. The findings' own steps are gathered; steps
// the seed forbids or that would break what works are refused (never delete or move what an
// admitted machine depends on; a machine and its scope in one region; one scope's endpoints per
// VNet); each remaining finding's steps are applied in the what-if sandbox, and kept only if they
// resolve that finding without adding one or turning a private verdict into anything else; the
// kept steps are then applied together and the proof is the result: the findings each step
// resolves, 0 targeted findings left, no new finding, no verdict changed from private.
import { ArmError } from "../../core/armError.js";
import { keyOf, parseResourceId } from "../../core/resourceId.js";
import { World } from "../../world/world.js";
import { VerdictChange, whatIf } from "../whatIf.js";
import { lint, LintReport } from "./lint.js";
import { Finding, FixStep } from "./types.js";

export interface PlannedStep {
  step: FixStep;
  /** Keys of the findings this step is part of the fix for. */
  resolves: string[];
}

export interface RefusedStep {
  step: FixStep;
  finding: string;
  /** Why the step is not in the plan. */
  why: string;
}

export interface ProvenPlan {
  steps: PlannedStep[];
  /** Findings targeted by the kept steps (by key). */
  targeted: string[];
  proof: {
    /** Targeted findings still present after the plan: 0 for a printed plan. */
    remaining: string[];
    /** Findings the plan adds (keys): none for a printed plan. */
    added: string[];
    /** Endpoint verdicts that were private and are not after the plan: none for a printed plan. */
    worse: VerdictChange[];
    /** Every finding resolved by the plan (keys), targeted or not. */
    resolved: string[];
    /** The calls applied in the sandbox. */
    calls: number;
  };
  refused: RefusedStep[];
  /** Findings with no safe plan, each with the choices its owner has. */
  noSafePlan: Array<{ finding: string; message: string; choices: string[] }>;
}

type Call = { method: "PUT" | "PATCH" | "DELETE"; id: string; body?: unknown };

function callOf(s: FixStep): Call | undefined {
  if (s.kind === "arm") return s.method === "POST" ? undefined : { method: s.method, id: s.id, body: s.body };
  return s.model ? { method: "PUT", id: s.model.id, body: s.model.body } : undefined;
}

/** ARM ids (lower case) that admitted machines depend on: what they reach privately, and their own records. */
export function dependedOn(view: World, report: LintReport): Set<string> {
  const out = new Set<string>();
  const privateIps = new Set<string>();
  for (const h of report.hosts) {
    const ok = h.endpoints.filter((e) => e.verdict === "private" || e.verdict === "public");
    if (!ok.length) continue;
    if (h.machineId) out.add(keyOf(h.machineId));
    out.add(keyOf(h.hostId));
    for (const e of ok) if (e.verdict === "private" && e.address) privateIps.add(e.address);
  }
  for (const pe of view.ofType("Microsoft.Network/privateEndpoints")) {
    const cfg = pe.body.properties?.customDnsConfigs ?? [];
    const ips: string[] = cfg.flatMap((c: any) => c.ipAddresses ?? []);
    if (!ips.some((ip) => privateIps.has(ip))) continue;
    out.add(pe.key);
    const p = pe.body.properties ?? {};
    for (const c of [
      ...(p.privateLinkServiceConnections ?? []),
      ...(p.manualPrivateLinkServiceConnections ?? []),
    ]) {
      const t = c?.properties?.privateLinkServiceId;
      if (typeof t === "string") {
        out.add(keyOf(t));
        for (const conn of view.children(
          t,
          "Microsoft.HybridCompute/privateLinkScopes/privateEndpointConnections",
        ))
          out.add(conn.key);
      }
    }
    if (typeof p.subnet?.id === "string") {
      out.add(keyOf(p.subnet.id));
      out.add(keyOf(p.subnet.id).split("/subnets/")[0]);
    }
  }
  for (const r of view.ofType("Microsoft.Network/privateDnsZones/A")) {
    const ips: string[] = (r.body.properties?.aRecords ?? []).map((a: any) => a.ipv4Address);
    if (ips.some((ip) => privateIps.has(ip))) {
      out.add(r.key);
      out.add(r.parentKey ?? r.key.split("/a/")[0]);
    }
  }
  return out;
}

/** Why the seed's rules or what works forbid a step, or undefined. */
function unsafe(view: World, step: Call, depended: Set<string>): string | undefined {
  const k = keyOf(step.id);
  if (step.method === "DELETE") {
    for (const d of depended)
      if (d === k || d.startsWith(k + "/"))
        return `it deletes ${step.id.split("/").pop()}, which machines that work today depend on`;
    return undefined;
  }
  const body = (step.body ?? {}) as Record<string, any>;
  const p = parseResourceId(step.id);
  const type = p?.namespace ? `${p.namespace}/${p.types.join("/")}`.toLowerCase() : "";
  if (type === "microsoft.hybridcompute/machines") {
    const scopeId = body.properties?.privateLinkScopeResourceId;
    const m = view.get(step.id);
    if (typeof scopeId === "string" && scopeId) {
      const scope = view.get(scopeId);
      if (!scope) return `scope ${scopeId} does not exist`;
      const ml = String(m?.body.location ?? "").toLowerCase();
      const sl = String(scope.body.location ?? "").toLowerCase();
      if (ml && sl && ml !== sl)
        return `machine ${m?.body.name} is in ${ml} and scope ${scope.body.name} in ${sl}: a machine and its scope must be in the same region`;
    }
    if (m && depended.has(m.key) && scopeId !== undefined) {
      const cur = String(m.body.properties?.privateLinkScopeResourceId ?? "").toLowerCase();
      if (cur && String(scopeId ?? "").toLowerCase() !== cur)
        return `it moves ${m.body.name}, which works today, to another scope`;
    }
  }
  if (type === "microsoft.network/privateendpoints") {
    const target = body.properties?.privateLinkServiceConnections?.[0]?.properties?.privateLinkServiceId;
    const subnet = String(body.properties?.subnet?.id ?? "").toLowerCase();
    const vnet = subnet.split("/subnets/")[0];
    if (target && vnet)
      for (const pe of view.ofType("Microsoft.Network/privateEndpoints")) {
        if (pe.key === k) continue;
        const s = String(pe.body.properties?.subnet?.id ?? "").toLowerCase();
        const t = pe.body.properties?.privateLinkServiceConnections?.[0]?.properties?.privateLinkServiceId;
        if (s.split("/subnets/")[0] === vnet && t && keyOf(t) !== keyOf(target))
          return `VNet ${vnet.split("/").pop()} already has another scope's endpoint (${pe.body.name}): one scope's endpoints per VNet`;
      }
  }
  return undefined;
}

/** Steps that are choices for the owner, not fixes (they weaken security or are marked optional). */
function isChoice(s: FixStep): boolean {
  return /^(optional|only if)/i.test(s.why);
}

function choicesFor(f: Finding, refused: RefusedStep[]): string[] {
  const out: string[] = [];
  if (f.ruleId === "machine-not-associated")
    out.push(
      "associate each machine with a scope in its own region, and give it DNS that resolves that scope's private endpoint (a DNS server that forwards the Arc zones to that region's resolver)",
      "or leave it unassociated and give it DNS that resolves Arc's public addresses (its firewall must allow the AzureArcInfrastructure service tag)",
      "or re-onboard it in the scope's region (a machine's region cannot change)",
    );
  for (const r of refused.filter((x) => x.finding === f.key)) if (isChoice(r.step)) out.push(r.step.why);
  if (!out.length) out.push(f.fix);
  return out;
}

/**
 * Builds and proves the fix plan for `report` (a lint of `world`). `now` and the propagation delay
 * are the lint's; association steps are proven as of after the delay (the plan says so).
 */
export async function proveFixPlan(
  world: World,
  report: LintReport,
  opts: { now: Date; propagationDelayMs: number },
): Promise<ProvenPlan> {
  const depended = dependedOn(world, report);
  const refused: RefusedStep[] = [];
  const candidates: Array<{ f: Finding; steps: FixStep[]; calls: Call[] }> = [];
  const noSafePlan: ProvenPlan["noSafePlan"] = [];
  // After the propagation delay: an association the plan makes is judged once it is accepted.
  const later = new Date(opts.now.getTime() + opts.propagationDelayMs + 60_000);
  const base = lint({ view: world, now: later, propagationDelayMs: opts.propagationDelayMs });
  for (const f of report.findings) {
    if (f.severity === "note" || !f.fixPlan.length) continue;
    const steps: FixStep[] = [];
    const calls: Call[] = [];
    let bad = false;
    for (const s of f.fixPlan) {
      if (isChoice(s)) {
        refused.push({
          step: s,
          finding: f.key,
          why: "a choice for the owner (it changes what is allowed), not a fix",
        });
        continue;
      }
      const c = callOf(s);
      if (!c) {
        refused.push({
          step: s,
          finding: f.key,
          why: "an on-premises change ArcLink cannot try in its model",
        });
        bad = true;
        continue;
      }
      const why = unsafe(world, c, depended);
      if (why) {
        refused.push({ step: s, finding: f.key, why });
        bad = true;
        continue;
      }
      steps.push(s);
      calls.push(c);
    }
    if (bad || !calls.length) {
      noSafePlan.push({ finding: f.key, message: f.message, choices: choicesFor(f, refused) });
      continue;
    }
    candidates.push({ f, steps, calls });
  }
  // Each finding's steps alone: they must resolve it, add nothing, and leave every private verdict private.
  const kept: typeof candidates = [];
  // Steps that resolve their finding but add another alone may be completed by another finding's
  // steps (e.g. two hosts' DNS fixed together): they are tried once more, with the whole plan.
  const partial: Array<{ c: (typeof candidates)[number]; why: string }> = [];
  for (const c of candidates) {
    let r: Awaited<ReturnType<typeof tryCalls>>;
    try {
      r = await tryCalls(world, base, c.calls, later, opts.propagationDelayMs);
    } catch (e) {
      // ARM refused a step in the sandbox: the step is not printed, and ARM's reason says why.
      if (!(e instanceof ArmError)) throw e;
      partial.push({ c, why: `applied in the sandbox, ARM refuses it: ${e.code}: ${e.message}` });
      continue;
    }
    const still = r.after.has(c.f.key);
    if (!still && !r.added.length && !r.worse.length) kept.push(c);
    else {
      const why = still
        ? "applied in the sandbox, it does not resolve the finding"
        : r.added.length
          ? `applied in the sandbox, it adds ${r.added.join(", ")}`
          : `applied in the sandbox, it turns ${r.worse.map((w) => `${w.host} ${w.endpoint}`).join(", ")} from private to ${r.worse[0].after?.verdict ?? "gone"}`;
      partial.push({ c, why });
    }
  }
  const retry = partial.filter((x) => / adds /.test(x.why));
  if (retry.length && kept.length) {
    const all = [...kept, ...retry.map((x) => x.c)];
    const r = await tryCalls(
      world,
      base,
      all.flatMap((c) => c.calls),
      later,
      opts.propagationDelayMs,
    ).catch((e) => {
      if (e instanceof ArmError) return undefined;
      throw e;
    });
    if (r && !all.some((c) => r.after.has(c.f.key)) && !r.added.length && !r.worse.length) {
      kept.push(...retry.map((x) => x.c));
      partial.splice(0, partial.length, ...partial.filter((x) => !retry.includes(x)));
    }
  }
  for (const { c, why } of partial) {
    for (const s of c.steps) refused.push({ step: s, finding: c.f.key, why });
    noSafePlan.push({ finding: c.f.key, message: c.f.message, choices: choicesFor(c.f, refused) });
  }
  // Steps shared by several findings are applied once.
  const seen = new Map<string, PlannedStep>();
  const calls: Call[] = [];
  for (const c of kept)
    c.steps.forEach((s, i) => {
      const call = c.calls[i];
      const k = `${call.method} ${keyOf(call.id)} ${JSON.stringify(call.body ?? null)}`;
      const had = seen.get(k);
      if (had) had.resolves.push(c.f.key);
      else {
        seen.set(k, { step: s, resolves: [c.f.key] });
        calls.push(call);
      }
    });
  const targeted = kept.map((c) => c.f.key);
  const proof = calls.length
    ? await tryCalls(world, base, calls, later, opts.propagationDelayMs)
    : { after: new Set(report.findings.map((f) => f.key)), added: [], worse: [], resolved: [], calls: 0 };
  return {
    steps: [...seen.values()],
    targeted,
    proof: {
      remaining: targeted.filter((k) => proof.after.has(k)),
      added: proof.added,
      worse: proof.worse,
      resolved: proof.resolved,
      calls: proof.calls,
    },
    refused,
    noSafePlan,
  };
}

async function tryCalls(
  world: World,
  report: LintReport,
  calls: Call[],
  now: Date,
  propagationDelayMs: number,
): Promise<{
  after: Set<string>;
  added: string[];
  worse: VerdictChange[];
  resolved: string[];
  calls: number;
}> {
  // Judged after the propagation delay: the "before" side is linted at the same time, so a change
  // is compared with the world as it would be then without the plan. Only the hosts the calls can
  // affect are evaluated again (from the "before" lint's index), as a full re-lint would judge them.
  // The proof reads findings and verdicts, not the resources' property differences.
  const w = await whatIf(
    world,
    { kind: "calls", calls },
    { now, propagationDelayMs, before: report, resources: false },
  );
  const before = new Set(report.findings.map((f) => f.key));
  const after = new Set(before);
  for (const f of w.findings.resolved) after.delete(f.key);
  for (const f of w.findings.added) after.add(f.key);
  return {
    after,
    added: w.findings.added.filter((f) => f.severity !== "note").map((f) => f.key),
    worse: w.changes.filter((c) => c.before?.verdict === "private" && c.after?.verdict !== "private"),
    resolved: w.findings.resolved.map((f) => f.key),
    calls: w.change.applied.length,
  };
}
