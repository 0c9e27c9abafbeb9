// what-if: a proposed change applied to a copy of the world in memory (the real providers, in a
// sandbox), and check() run for every host before and after: which machines' verdicts change,
// endpoint by endpoint, with the traces of both sides; and which lint findings appear or go.
import { keyOf } from "../core/resourceId.js";
import { compileModel, NetworkModel } from "../network/model.js";
import { checkAll } from "./lint/lint.js";
import { MACHINE_TYPE } from "./hostMachine.js";
import { ServiceTags } from "../network/serviceTags.js";
import { TraceStep } from "../network/trace.js";
import { StoredResource } from "../store/store.js";
import { PlanStep } from "../topology/plan.js";
import { World } from "../world/world.js";
import { lint, LintReport } from "./lint/lint.js";
import { Sandbox } from "./lint/sandbox.js";
import { Finding } from "./lint/types.js";
import { EndpointCheck, HostCheck } from "./check.js";

export type ProposedChange =
  | { kind: "put"; id: string; body: unknown; apiVersion?: string }
  | { kind: "delete"; id: string; apiVersion?: string }
  /** A topology diff: the new file's plan (PUTs), and the ids the old file had that the new one drops (DELETEs). */
  | { kind: "steps"; steps: PlanStep[]; deletes?: string[] };

export interface EndpointSide {
  verdict: EndpointCheck["verdict"];
  reason?: string;
  address?: string;
  message: string;
  trace: TraceStep[];
}

export interface VerdictChange {
  host: string;
  hostId: string;
  machine?: string;
  endpoint: string;
  before?: EndpointSide;
  after?: EndpointSide;
}

export interface WhatIfReport {
  change: { applied: Array<{ method: string; id: string; status: number }> };
  hosts: { before: number; after: number; changed: number };
  changes: VerdictChange[];
  findings: { added: Finding[]; resolved: Finding[] };
  timings: { copyMs: number; applyMs: number; evaluateMs: number };
  /** "hosts": only the hosts the change touches were evaluated again (a host or machine change); "full": every host. */
  evaluated: "hosts" | "full";
}

export interface WhatIfOptions {
  now: Date;
  propagationDelayMs: number;
  tags?: ServiceTags;
  /** The lint report of the current world, when already known (saves evaluating it again). */
  before?: LintReport;
  /** The current world's compiled model, when already known (the fast path patches it). */
  beforeModel?: NetworkModel;
  /** Compare lint findings before and after (default true); off, only verdicts are compared. */
  findings?: boolean;
}

const PER_HOST_TYPES = new Set([
  "arclink.lab/hosts",
  "microsoft.hybridcompute/machines",
  "microsoft.hybridcompute/machines/extensions",
]);

function side(e: EndpointCheck | undefined): EndpointSide | undefined {
  if (!e) return undefined;
  return {
    verdict: e.verdict,
    ...(e.reason ? { reason: e.reason } : {}),
    ...(e.address ? { address: e.address } : {}),
    message: e.message,
    trace: e.trace,
  };
}

function same(a: EndpointCheck | undefined, b: EndpointCheck | undefined): boolean {
  return !!a && !!b && a.verdict === b.verdict && a.reason === b.reason && a.address === b.address;
}

const findingKey = (f: Finding) => `${f.ruleId}|${f.severity}|${f.resources[0] ?? ""}|${f.message}`;

export function diffChecks(before: HostCheck[], after: HostCheck[]): VerdictChange[] {
  const out: VerdictChange[] = [];
  const b = new Map(before.map((h) => [h.hostId, h]));
  const a = new Map(after.map((h) => [h.hostId, h]));
  for (const k of new Set([...b.keys(), ...a.keys()])) {
    const hb = b.get(k);
    const ha = a.get(k);
    if (hb === ha) continue;
    const h = (ha ?? hb)!;
    if (hb && ha && hb.endpoints === ha.endpoints) continue;
    const names = new Set([...(hb?.endpoints ?? []), ...(ha?.endpoints ?? [])].map((e) => e.endpoint));
    for (const n of names) {
      const eb = hb?.endpoints.find((e) => e.endpoint === n);
      const ea = ha?.endpoints.find((e) => e.endpoint === n);
      if (same(eb, ea)) continue;
      out.push({
        host: h.host,
        hostId: h.hostId,
        ...(h.machine ? { machine: h.machine } : {}),
        endpoint: n,
        ...(eb ? { before: side(eb) } : {}),
        ...(ea ? { after: side(ea) } : {}),
      });
    }
  }
  return out.sort((x, y) => x.host.localeCompare(y.host) || x.endpoint.localeCompare(y.endpoint));
}

/** Applies `change` to a copy of `base` and reports what it would change. `base` is not touched. */
export async function whatIf(
  base: World | StoredResource[],
  change: ProposedChange,
  opts: WhatIfOptions,
): Promise<WhatIfReport> {
  const tags = opts.tags ?? ServiceTags.default();
  const t0 = performance.now();
  const before =
    opts.before ??
    lint({
      view: Array.isArray(base) ? worldOf(base) : base,
      now: opts.now,
      propagationDelayMs: opts.propagationDelayMs,
      tags,
    });
  const t1 = performance.now();
  const sb = new Sandbox({ over: Array.isArray(base) ? worldOf(base) : base, tags });
  const applied: WhatIfReport["change"]["applied"] = [];
  const changed: Array<{ key: string; type: string; put: boolean }> = [];
  sb.world.onChange((cs) => {
    for (const c of cs)
      changed.push({
        key: c.key,
        type: (c.resource?.type ?? sb.world.get(c.key)?.type ?? typeOfKey(c.key)).toLowerCase(),
        put: !!c.resource,
      });
  });
  const t2 = performance.now();
  if (change.kind === "put") {
    const v = change.apiVersion ?? sb.apiVersionFor(change.id);
    const r = await sb.call("PUT", change.id, v, change.body);
    applied.push({ method: "PUT", id: change.id, status: r.status });
  } else if (change.kind === "delete") {
    const v = change.apiVersion ?? sb.apiVersionFor(change.id);
    const r = await sb.call("DELETE", change.id, v);
    applied.push({ method: "DELETE", id: change.id, status: r.status });
  } else {
    await sb.applySteps(change.steps, "topology diff");
    for (const s of change.steps) applied.push({ method: s.method, id: s.id, status: 200 });
    for (const id of change.deletes ?? []) {
      if (!sb.world.get(id)) continue;
      const r = await sb.call("DELETE", id, sb.apiVersionFor(id));
      applied.push({ method: "DELETE", id, status: r.status });
    }
  }
  const t3 = performance.now();
  const model0 = opts.beforeModel;
  const fast =
    model0 &&
    changed.length > 0 &&
    changed.every(
      (c) => PER_HOST_TYPES.has(c.type) && (c.put || c.type !== "microsoft.hybridcompute/machines"),
    );
  let afterHosts: HostCheck[];
  let after: LintReport | undefined;
  if (fast) {
    afterHosts = recheckHosts(sb.world, before, model0!, changed, opts, tags);
  } else {
    after = lint({
      view: sb.world,
      now: opts.now,
      propagationDelayMs: opts.propagationDelayMs,
      tags,
      model: compileModel(sb.world, tags),
    });
    afterHosts = after.hosts;
  }
  const changes = diffChecks(before.hosts, afterHosts);
  let findings: WhatIfReport["findings"] = { added: [], resolved: [] };
  if (opts.findings !== false) {
    after ??= lint({
      view: sb.world,
      now: opts.now,
      propagationDelayMs: opts.propagationDelayMs,
      tags,
      model: compileModel(sb.world, tags),
    });
    const bk = new Set(before.findings.map(findingKey));
    const ak = new Set(after.findings.map(findingKey));
    findings = {
      added: after.findings.filter((f) => !bk.has(findingKey(f))),
      resolved: before.findings.filter((f) => !ak.has(findingKey(f))),
    };
  }
  const t4 = performance.now();
  return {
    change: { applied },
    hosts: {
      before: before.hosts.length,
      after: afterHosts.length,
      changed: new Set(changes.map((c) => c.hostId)).size,
    },
    changes,
    findings,
    timings: { copyMs: t2 - t1, applyMs: t3 - t2, evaluateMs: t4 - t3 + (t1 - t0) },
    evaluated: fast ? "hosts" : "full",
  };
}

/**
 * A change to hosts or machines only: no other host's check reads them, so only the hosts they
 * belong to are evaluated again, on the current model with those hosts replaced.
 */
function recheckHosts(
  view: World,
  before: LintReport,
  model0: NetworkModel,
  changed: Array<{ key: string; type: string; put: boolean }>,
  opts: WhatIfOptions,
  tags: ServiceTags,
): HostCheck[] {
  const hostKeys = new Set<string>();
  const machineKeys = new Set<string>();
  for (const c of changed) {
    if (c.type === "arclink.lab/hosts") hostKeys.add(c.key);
    else
      machineKeys.add(c.type === "microsoft.hybridcompute/machines" ? c.key : c.key.split("/extensions/")[0]);
  }
  for (const mk of machineKeys) {
    const m = view.get(mk);
    const name = String(m?.body.name ?? mk.split("/").pop()).toLowerCase();
    const hid = String(m?.body._arclink?.hostId ?? "").toLowerCase();
    for (const h of before.hosts)
      if (
        (h.machineId && keyOf(h.machineId) === mk) ||
        h.host.toLowerCase() === name ||
        keyOf(h.hostId) === hid
      )
        hostKeys.add(keyOf(h.hostId));
    for (const h of model0.hosts.values())
      if (h.name.toLowerCase() === name || h.key === hid) hostKeys.add(h.key);
  }
  const liveHosts = [...hostKeys].map((k) => view.get(k)).filter((e): e is NonNullable<typeof e> => !!e);
  const tiny = compileModel(
    {
      get: (id) => view.get(id),
      children: () => [],
      ofType: (t) => (t.toLowerCase() === "arclink.lab/hosts" ? liveHosts : []),
    },
    tags,
  );
  const hosts = new Map(model0.hosts);
  for (const k of hostKeys) hosts.delete(k);
  for (const [k, h] of tiny.hosts) hosts.set(k, h);
  const model: NetworkModel = { ...model0, hosts };
  // Machines that may belong to these hosts: their machines before, and the changed ones.
  const candidates = new Map<string, ReturnType<World["get"]>>();
  for (const h of before.hosts)
    if (hostKeys.has(keyOf(h.hostId)) && h.machineId)
      candidates.set(keyOf(h.machineId), view.get(h.machineId));
  for (const mk of machineKeys) candidates.set(mk, view.get(mk));
  const machines = [...candidates.values()].filter((e): e is NonNullable<typeof e> => !!e);
  const small = {
    get: (id: string) => view.get(id),
    children: (id: string, type?: string) => view.children(id, type),
    ofType: (t: string) => (t.toLowerCase() === MACHINE_TYPE.toLowerCase() ? machines : view.ofType(t)),
  };
  const { infos } = checkAll(
    { view: small, model, now: opts.now, propagationDelayMs: opts.propagationDelayMs },
    { only: (h) => hostKeys.has(h.key) },
  );
  const fresh = new Map(infos.map((i) => [i.host.key, i.check]));
  // Keep the report's order: replace changed hosts in place, drop deleted ones, add new ones.
  const out: HostCheck[] = [];
  for (const h of before.hosts) {
    if (!hostKeys.has(keyOf(h.hostId))) out.push(h);
    else {
      const f = fresh.get(keyOf(h.hostId));
      if (f) out.push(f);
      fresh.delete(keyOf(h.hostId));
    }
  }
  return out.concat([...fresh.values()]);
}

function typeOfKey(key: string): string {
  const parts = key.split("/providers/").pop()!.split("/");
  return [parts[0], ...parts.slice(1).filter((_, i) => i % 2 === 0)].join("/");
}

function worldOf(resources: StoredResource[]): World {
  const w = new World();
  w.load(resources, 1);
  return w;
}
