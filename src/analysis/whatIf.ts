// what-if: a proposed change applied over the world in memory (the real providers, in a sandbox),
// and check() run again for the hosts the change can affect (found through the lint run's index of
// what each evaluation read): which machines' verdicts change, endpoint by endpoint, with the
// traces of both sides; and which lint findings appear or go.
import { parseResourceId } from "../core/resourceId.js";
import { compileModel, HostModel, NetworkModel, patchModel } from "../network/model.js";
import { newResolveMemo, Resolver } from "../network/resolve.js";
import { LintIndex, lintIndexOf, machineView, reportOf, Signer } from "./lint/lint.js";
import { HostInfo } from "./lint/context.js";
import { ServiceTags } from "../network/serviceTags.js";
import { TraceStep } from "../network/trace.js";
import { StoredResource } from "../store/store.js";
import { PlanStep } from "../topology/plan.js";
import { Entry, World } from "../world/world.js";
import { lint, LintReport } from "./lint/lint.js";
import { Sandbox } from "./lint/sandbox.js";
import { AffectedMachine, Finding } from "./lint/types.js";
import { diffResource, ResourceDiff } from "./propertyDiff.js";
import { checkHost, EndpointCheck, HostCheck } from "./check.js";

export type ProposedChange =
  | { kind: "put"; id: string; body: unknown; apiVersion?: string }
  | { kind: "delete"; id: string; apiVersion?: string }
  /** A topology diff: the new file's plan (PUTs), and the ids the old file had that the new one drops (DELETEs). */
  | { kind: "steps"; steps: PlanStep[]; deletes?: string[] }
  /** ARM calls in order (a fix plan): PUT, PATCH or DELETE, each with the type's newest api-version unless given. */
  | {
      kind: "calls";
      calls: Array<{ method: "PUT" | "PATCH" | "DELETE"; id: string; body?: unknown; apiVersion?: string }>;
    };

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

export interface FindingChange {
  key: string;
  before: Finding;
  after: Finding;
}

export interface WhatIfReport {
  change: { applied: Array<{ method: string; id: string; status: number }> };
  hosts: { before: number; after: number; changed: number };
  changes: VerdictChange[];
  /** Findings by key (findingKey.ts): new, gone, and the same problem with a different text, severity or machines. */
  findings: { added: Finding[]; resolved: Finding[]; changed: FindingChange[] };
  /** Every resource the change creates, deletes or modifies (side effects included), property by property. */
  resources: ResourceDiff[];
  timings: { copyMs: number; applyMs: number; evaluateMs: number };
  /**
   * "hosts": only the hosts the change can affect were evaluated again (the change's own hosts and
   * machines' hosts, and the hosts whose evaluations read a resource it changed); "full": every host.
   */
  evaluated: "hosts" | "full";
  /** With "hosts": how many hosts were evaluated again. */
  reevaluated?: number;
}

export interface WhatIfOptions {
  now: Date;
  propagationDelayMs: number;
  tags?: ServiceTags;
  /** The lint report of the current world, when already known (saves evaluating it again). */
  before?: LintReport;
  /**
   * The current world's compiled model, when already known (kept for callers; the incremental path
   * patches the model the `before` report was linted with, from its index).
   */
  beforeModel?: NetworkModel;
  /** Evaluate every host again, as a full lint of the changed world (the reference the incremental path must equal). */
  full?: boolean;
  /** Compare lint findings before and after (default true); off, only verdicts are compared. */
  findings?: boolean;
  /** List each changed resource's property differences (default true); off, `resources` is empty. */
  resources?: boolean;
}

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

/**
 * Whether two findings list the same machines, in order. Compared field by field: a finding of a
 * large fleet can list a million machines, too many to compare as one JSON text.
 */
function sameMachines(a: AffectedMachine[], b: AffectedMachine[]): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    const x = a[i];
    const y = b[i];
    if (x.name !== y.name || x.machineId !== y.machineId || x.hostId !== y.hostId) return false;
  }
  return true;
}

/** Findings before and after, by key: added, resolved, and changed (same key, different content). */
export function diffFindings(before: Finding[], after: Finding[]): WhatIfReport["findings"] {
  const b = new Map(before.map((f) => [f.key, f]));
  const a = new Map(after.map((f) => [f.key, f]));
  const changed: FindingChange[] = [];
  for (const [k, fa] of a) {
    const fb = b.get(k);
    if (
      fb &&
      (fb.severity !== fa.severity || fb.message !== fa.message || !sameMachines(fb.machines, fa.machines))
    )
      changed.push({ key: k, before: fb, after: fa });
  }
  return {
    added: after.filter((f) => !b.has(f.key)),
    resolved: before.filter((f) => !a.has(f.key)),
    changed,
  };
}

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
  const tags = opts.tags ?? (opts.before && lintIndexOf(opts.before)?.model.tags) ?? ServiceTags.default();
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
  } else if (change.kind === "calls") {
    for (const c of change.calls) {
      const sub = parseResourceId(c.id)?.subscription;
      if (sub) sb.addSubscription(sub);
      const r = await sb.call(c.method, c.id, c.apiVersion ?? sb.apiVersionFor(c.id), c.body);
      applied.push({ method: c.method, id: c.id, status: r.status });
    }
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
  const index = lintIndexOf(before);
  let afterHosts: HostCheck[] | undefined;
  let changes: VerdictChange[];
  let after: LintReport | undefined;
  let hostsAfter: number;
  let inc: Incremental | undefined;
  if (index && !opts.full) inc = incremental(sb.world, index, changed, tags);
  if (inc) {
    changes = inc.changes;
    hostsAfter = inc.hostsAfter;
  } else {
    after = lint(
      {
        view: sb.world,
        now: opts.now,
        propagationDelayMs: opts.propagationDelayMs,
        tags,
        model: compileModel(sb.world, tags),
      },
      { index: false },
    );
    afterHosts = after.hosts;
    changes = diffChecks(before.hosts, afterHosts);
    hostsAfter = afterHosts.length;
  }
  let findings: WhatIfReport["findings"] = { added: [], resolved: [], changed: [] };
  if (opts.findings !== false) {
    // The rules run again over the hosts' checks, of which only the affected ones were evaluated.
    // No machine changed: the machines are the base lint's (not listed again from the sandbox).
    const machinesKept = !changed.some((c) => c.type === "microsoft.hybridcompute/machines");
    after ??= reportOf(
      { view: sb.world, now: opts.now, propagationDelayMs: opts.propagationDelayMs },
      inc!.model,
      new Resolver(inc!.model, undefined, newResolveMemo()),
      inc!.infos(),
      {},
      machinesKept ? index!.machines.machines : undefined,
    );
    findings = diffFindings(before.findings, after.findings);
  }
  const resources: ResourceDiff[] = [];
  const baseView = Array.isArray(base) ? undefined : base;
  const baseBodies = Array.isArray(base) ? new Map(base.map((r) => [r.id.toLowerCase(), r.body])) : undefined;
  for (const key of opts.resources === false ? [] : new Set(changed.map((c) => c.key))) {
    const b = baseView ? baseView.get(key)?.body : baseBodies!.get(key);
    const a = sb.world.get(key)?.body;
    const d = diffResource(a?.id ?? b?.id ?? key, (a ?? b)?.type ?? typeOfKey(key), b, a);
    if (d) resources.push(d);
  }
  resources.sort((x, y) => (x.id.toLowerCase() < y.id.toLowerCase() ? -1 : 1));
  const t4 = performance.now();
  return {
    change: { applied },
    resources,
    hosts: {
      before: before.hosts.length,
      after: hostsAfter,
      changed: new Set(changes.map((c) => c.hostId)).size,
    },
    changes,
    findings,
    timings: { copyMs: t2 - t1, applyMs: t3 - t2, evaluateMs: t4 - t3 + (t1 - t0) },
    evaluated: inc ? "hosts" : "full",
    ...(inc ? { reevaluated: inc.reevaluated } : {}),
  };
}

interface Incremental {
  model: NetworkModel;
  changes: VerdictChange[];
  hostsAfter: number;
  /** Hosts whose checks were computed again. */
  reevaluated: number;
  /** Every host's info after the change (for the rules). */
  infos: () => HostInfo[];
}

/**
 * The change's effect from the lint index: the model patched with the changed resources; the
 * evaluations that read anything the change altered (a model entry, a section it walked, a world
 * resource) and the changed hosts and machines' own hosts are evaluated again — the rest keep
 * their checks. Undefined when the model had to be compiled again from scratch.
 */
function incremental(
  view: World,
  index: LintIndex,
  changed: Array<{ key: string; type: string; put: boolean }>,
  tags: ServiceTags,
): Incremental | undefined {
  if (index.model.tags !== tags) return undefined;
  const patch = patchModel(
    index.model,
    view,
    changed.map((c) => ({ key: c.key, type: c.type })),
  );
  if (patch.full) return undefined;
  const model = patch.model;
  const dirty = new Set<string>();
  for (const u of patch.changed) {
    dirty.add(u);
    dirty.add(`${u.slice(0, u.indexOf(":"))}:*`);
  }
  const machineKeys = new Set<string>();
  for (const c of changed) {
    const parent = (view.get(c.key) ?? index.view.get(c.key))?.parentKey;
    dirty.add(`w:${c.key}`);
    dirty.add(`t:${c.type}`);
    if (parent) {
      dirty.add(`c:${parent}|${c.type}`);
      dirty.add(`c:${parent}|*`);
    }
    if (c.type === "microsoft.hybridcompute/machines") machineKeys.add(c.key);
    if (c.type.startsWith("microsoft.hybridcompute/machines/"))
      machineKeys.add(c.key.split("/extensions/")[0]);
  }
  // Hosts to evaluate again: members of every evaluation that read something that changed, the
  // changed hosts themselves, and the hosts of changed machines (before and after).
  const hostKeys = new Set<string>();
  const evals = new Set<number>();
  for (const d of dirty) for (const n of index.byDep.get(d) ?? []) evals.add(n);
  for (const n of evals) for (const i of index.members[n]) hostKeys.add(index.infos[i].host.key);
  // Changed hosts by lower-case name (in the patch's order), for the changed machines named as them.
  const changedByName = new Map<string, string[]>();
  for (const u of patch.changed) {
    if (!u.startsWith("hosts:")) continue;
    hostKeys.add(u.slice(6));
    const h = model.hosts.get(u.slice(6));
    if (!h) continue;
    const n = h.name.toLowerCase();
    const l = changedByName.get(n);
    if (l) l.push(h.key);
    else changedByName.set(n, [h.key]);
  }
  for (const mk of machineKeys) {
    for (const k of index.hostsOfMachine.all(mk)) hostKeys.add(k);
    for (const e of [view.get(mk), index.view.get(mk)]) {
      if (!e) continue;
      const hid = String(e.body._arclink?.hostId ?? "").toLowerCase();
      if (hid) hostKeys.add(hid);
      for (const k of index.hostsByName.all(String(e.body.name).toLowerCase())) hostKeys.add(k);
      for (const k of changedByName.get(String(e.body.name).toLowerCase()) ?? []) hostKeys.add(k);
    }
  }
  // Machines of a host after the change: the indexed ones still matching, then changed ones.
  const machinesOf = (h: HostModel): Entry[] => {
    const byHost: Entry[] = [];
    const byName: Entry[] = [];
    const name = h.name.toLowerCase();
    const add = (e: Entry) => {
      if (String(e.body._arclink?.hostId ?? "").toLowerCase() === h.key) byHost.push(e);
      if (String(e.body.name).toLowerCase() === name) byName.push(e);
    };
    const seen = new Set<string>();
    for (const c of index.machines.candidates(h)) {
      if (seen.has(c.key)) continue;
      seen.add(c.key);
      if (machineKeys.has(c.key)) continue;
      add(c);
    }
    for (const mk of machineKeys) {
      const e = view.get(mk);
      if (e) add(e);
    }
    return [...byHost, ...byName];
  };
  const signer = new Signer(model, index.now, index.propagationDelayMs);
  const resolver = new Resolver(model, undefined, newResolveMemo());
  const done = new Map<string, HostCheck>();
  const fresh = new Map<string, HostInfo>();
  for (const k of hostKeys) {
    const h = model.hosts.get(k);
    if (!h) continue;
    const candidates = machinesOf(h);
    const machine = candidates[0];
    const scopeId = machine?.body.properties?.privateLinkScopeResourceId;
    const scope = typeof scopeId === "string" && scopeId ? view.get(scopeId) : undefined;
    const sig = signer.sign(h, machine);
    const same = done.get(sig);
    let check: HostCheck;
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
      } as HostCheck;
    } else {
      check = checkHost(
        {
          view: machineView(view, candidates),
          resolver,
          now: index.now,
          propagationDelayMs: index.propagationDelayMs,
        },
        h,
      );
      done.set(sig, check);
    }
    fresh.set(k, { host: h, machine, scope, check });
  }
  const beforeChecks: HostCheck[] = [];
  const afterChecks: HostCheck[] = [];
  let added = 0;
  let removed = 0;
  for (const k of hostKeys) {
    const i = index.positionOf(k);
    if (i !== undefined) beforeChecks.push(index.infos[i].check);
    else if (fresh.has(k)) added++;
    const f = fresh.get(k);
    if (f) afterChecks.push(f.check);
    else if (i !== undefined) removed++;
  }
  return {
    model,
    changes: diffChecks(beforeChecks, afterChecks),
    hostsAfter: index.infos.length + added - removed,
    reevaluated: hostKeys.size,
    infos: () => {
      const out: HostInfo[] = [];
      for (const info of index.infos) {
        if (!hostKeys.has(info.host.key)) out.push(info);
        else {
          const f = fresh.get(info.host.key);
          if (f) out.push(f);
          fresh.delete(info.host.key);
        }
      }
      if (!fresh.size) return out;
      return out
        .concat([...fresh.values()])
        .sort((a, b) =>
          a.host.name < b.host.name
            ? -1
            : a.host.name > b.host.name
              ? 1
              : a.host.key < b.host.key
                ? -1
                : a.host.key > b.host.key
                  ? 1
                  : 0,
        );
    },
  };
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
