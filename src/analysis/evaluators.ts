// ArcLink's own read-only API over the evaluators, in ARM style:
// POST /subscriptions/{s}/providers/ArcLink.Lab/resolve  {host | resolver, name, type}
// The composition root (server/app.ts) hands the table to the engine (ArmServices.evaluators): the
// engine imports no analysis.
import { ArmError } from "../core/armError.js";
import { closestNames } from "../core/closestNames.js";
import { findResolver, allResolvers } from "../network/resolverRef.js";
import { asObject, optBool, optInt, optString, reqString } from "../providers/validate.js";
import { ArmRequest, ArmResponse, ArmServices, EvaluatorLookup } from "../engine/context.js";
import { checkSubscription } from "../engine/resourceOps.js";
import { checkHost, HostCheck } from "./check.js";
import { checkContextOf } from "./checkContext.js";
import { withCauses } from "./diagnose.js";
import { MACHINE_TYPE, machineOfHost } from "./hostMachine.js";
import { hostGroups, LAB_HOSTS } from "./hostGroups.js";
import { machineList } from "./machineList.js";
import { withLiveStatus } from "../providers/hybridcompute/machines.js";
import { CheckedWorld, checkWorld, isTimeIndependent, lint, LintInput, LintReport } from "./lint/lint.js";
import { writeJson } from "./lint/format/json.js";
import { JsonStream } from "../core/jsonStream.js";
import { toSarif } from "./lint/format/sarif.js";
import { proveFixPlan } from "./lint/fixPlan.js";
import { ProposedChange, whatIf, WhatIfReport } from "./whatIf.js";
import { Finding } from "./lint/types.js";
import { plan, PlanStep } from "../topology/plan.js";
import { parseResourceId } from "../core/resourceId.js";
import { TopologyError } from "../topology/parse.js";
import { HostModel, NetworkModel } from "../network/model.js";
import { onboardingScripts } from "../scripts/api.js";
import { LAB_API_VERSIONS } from "../providers/lab/common.js";
import { checkArmOwned } from "../engine/apiVersion.js";
import { directoryIssuer, GATEWAY_AUDIENCE } from "../identity/tokens.js";

/** A world with at most this many hosts names them all in HostNotFound; a larger one, the closest. */
const HOSTS_NAMED = 10;

/**
 * A host by name or id; 404 HostNotFound otherwise, naming every host of a small world, or the
 * closest few and the count of a large one (the message stays bounded at fleet scale).
 */
export function hostOf(m: NetworkModel, spec: string): HostModel {
  const h = [...m.hosts.values()].find(
    (x) => x.name.toLowerCase() === spec.toLowerCase() || x.key === spec.toLowerCase(),
  );
  if (!h) {
    const all = [...m.hosts.values()].map((x) => x.name);
    const shown = spec.length > 80 ? `${spec.slice(0, 80)}…` : spec;
    const list = "list them with GET /subscriptions/{subscriptionId}/providers/ArcLink.Lab/hosts";
    const message =
      all.length === 0
        ? `No host '${shown}' in the world: it has no hosts. Add one to the topology (hosts:) first.`
        : all.length <= HOSTS_NAMED
          ? `No host '${shown}' in the world. Hosts: ${all.join(", ")}.`
          : `No host '${shown}' in the world (${all.length.toLocaleString("en-US")} hosts). Did you mean: ${closestNames(
              spec,
              all,
              5,
            ).join(", ")}? Give a host's exact name or id; ${list}.`;
    throw new ArmError(404, "HostNotFound", message);
  }
  return h;
}

export type Evaluator = (s: ArmServices, r: ArmRequest) => ArmResponse | Promise<ArmResponse>;

const QTYPES = ["A", "AAAA", "CNAME", "TXT", "SOA", "ANY"];

async function resolve(s: ArmServices, r: ArmRequest): Promise<ArmResponse> {
  const body = asObject(r.body, "body");
  const name = reqString(body.name, "name", 253);
  const type = (optString(body.type, "type", 8) ?? "A").toUpperCase();
  if (!QTYPES.includes(type))
    throw new ArmError(400, "InvalidParameter", `type must be one of ${QTYPES.join(", ")}, got '${type}'.`);
  const host = optString(body.host, "host", 2048);
  const resolverSpec = optString(body.resolver, "resolver", 2048);
  if (!!host === !!resolverSpec) {
    throw new ArmError(
      400,
      "InvalidParameter",
      "Give exactly one of 'host' (resolve as that host would) or 'resolver' (ask one resolver).",
    );
  }
  const resolver = s.network.resolver();
  const m = s.network.model();
  if (host) {
    const h = hostOf(m, host);
    const a = await s.network.live((res) => res.resolveForHost(h.key, name, type));
    return {
      status: 200,
      body: {
        host: h.name,
        hostAddress: h.ip,
        servers: resolver.serversOf(h),
        question: { name, type },
        ...a,
      },
    };
  }
  const ref = findResolver(m, resolverSpec!);
  if (!ref) {
    throw new ArmError(
      404,
      "ResolverNotFound",
      `No resolver '${resolverSpec}'. Resolvers: ${allResolvers(m)
        .map((x) => x.id)
        .join(", ")}.`,
    );
  }
  const a = await s.network.live((res) => res.resolveAt(ref.ref, name, type));
  return {
    status: 200,
    body: { resolver: ref.id, resolverAddress: ref.address, question: { name, type }, ...a },
  };
}

function resolvers(s: ArmServices): ArmResponse {
  return {
    status: 200,
    body: {
      value: allResolvers(s.network.model()).map((r) => ({
        id: r.id,
        kind: r.kind,
        address: r.address,
        description: r.description,
      })),
    },
  };
}

const HOST_CREDENTIAL_SECONDS = 30 * 86_400;

/** A host credential: lets one process act as one simulated host through the gateway. */
async function hostCredential(s: ArmServices, r: ArmRequest): Promise<ArmResponse> {
  const body = asObject(r.body, "body");
  const host = reqString(body.host, "host", 2048);
  const m = s.network.model();
  const h = hostOf(m, host);
  const token = await s.tokens.issue({
    issuer: directoryIssuer(r.principal.tenantId),
    audience: GATEWAY_AUDIENCE,
    principal: { oid: h.key, tenantId: r.principal.tenantId, kind: "host", actsAs: h.id },
    lifetimeSeconds: HOST_CREDENTIAL_SECONDS,
  });
  return {
    status: 200,
    body: {
      hostId: h.id,
      hostName: h.name,
      token,
      gateway: `${r.baseUrl}/.gateway`,
      caCert: s.caCertPath,
      tenantId: r.principal.tenantId,
      expiresOn: new Date(Date.now() + HOST_CREDENTIAL_SECONDS * 1000).toISOString(),
    },
  };
}

/** check: every endpoint the agent needs, per host: private, public or refused, with traces (body {host?, region?, trace?}). */
function check(s: ArmServices, r: ArmRequest): ArmResponse {
  const body = asObject(r.body, "body");
  const host = optString(body.host, "host", 2048);
  const region = optString(body.region, "region", 64);
  // trace: false leaves every endpoint's trace out (with every host, most of the answer).
  if (body.trace !== undefined && typeof body.trace !== "boolean")
    throw new ArmError(
      400,
      "InvalidParameter",
      `trace must be true or false, got ${JSON.stringify(body.trace)}.`,
    );
  const traces = body.trace !== false;
  const m = s.network.model();
  const hosts = host ? [hostOf(m, host)] : [...m.hosts.values()];
  const ctx = checkContextOf(s);
  return {
    status: 200,
    body: {
      value: hosts
        .sort((a, b) => a.name.localeCompare(b.name))
        .map((h) => {
          const c = withCauses(m, ctx.resolver, h, checkHost(ctx, h, region), machineOfHost(s.world, h));
          return traces ? c : { ...c, endpoints: c.endpoints.map(({ trace: _t, ...e }) => e) };
        }),
    },
  };
}

/**
 * The last lint of each world, by its sequence number and the lab clock. Lint and what-if reuse it
 * while the world is unchanged: for a few seconds when admission depends on the time (a machine
 * associated after its creation: the propagation delay), for as long as it is unchanged otherwise
 * (a million hosts take seconds to check again).
 */
interface Kept {
  seq: number;
  version: number;
  at: number;
  timeSensitive: boolean;
}
const lastLint = new WeakMap<ArmServices, Kept & { report: LintReport }>();
/** Every host's check without the rules yet (hostGroups asked first); the next lint runs only the rules. */
const lastChecked = new WeakMap<ArmServices, Kept & { input: LintInput; checked: CheckedWorld }>();
const LINT_REUSE_MS = 2000;

const fresh = (s: ArmServices, hit: Kept | undefined, at: number) =>
  !!hit &&
  hit.seq === s.world.seq &&
  hit.version === s.world.version &&
  (!hit.timeSensitive || (at - hit.at >= 0 && at - hit.at < LINT_REUSE_MS));

function lintInput(s: ArmServices): LintInput {
  return {
    view: s.world,
    model: s.network.model(),
    tags: s.network.tags,
    now: s.clock.now(),
    propagationDelayMs: s.settings().propagationDelayMs,
  };
}

export function lintWorld(s: ArmServices): LintReport {
  const hit = lastLint.get(s);
  const at = s.clock.nowMs();
  if (hit && fresh(s, hit, at)) return hit.report;
  const c = lastChecked.get(s);
  lastChecked.delete(s);
  const seq = s.world.seq;
  const version = s.world.version;
  const report = c && fresh(s, c, at) ? lint(c.input, {}, c.checked) : lint(lintInput(s));
  lastLint.set(s, { seq, version, at, timeSensitive: !isTimeIndependent(report), report });
  return report;
}

/**
 * Every host's verdicts, as lint reports them: the last lint's when fresh; else check() of every
 * host alone (no rules yet: a diagram's first paint waits only for these), kept for the next lint.
 */
function hostVerdicts(s: ArmServices): readonly HostCheck[] {
  const at = s.clock.nowMs();
  const hit = lastLint.get(s);
  if (hit && fresh(s, hit, at)) return hit.report.hosts;
  let c = lastChecked.get(s);
  if (!c || !fresh(s, c, at)) {
    const input = lintInput(s);
    const checked = checkWorld(input);
    c = {
      seq: s.world.seq,
      version: s.world.version,
      at,
      timeSensitive: checked.timeSensitive,
      input,
      checked,
    };
    lastChecked.set(s, c);
  }
  return c.checked.infos.map((i) => i.check);
}

/**
 * lint: every rule over the world, and every host's verdicts. Body {format?: "json"|"sarif",
 * rules?: [...], fixPlan?: true, hosts?: false, hostsTop?: N, hostTraces?: true} — with fixPlan,
 * the proven fix plan (lint/fixPlan.ts) too; hosts: false leaves every host's verdicts out (the
 * findings alone, for a page that lists them); hostsTop: N keeps the first N hosts' verdicts, in
 * the report's order (summary.hosts still counts them all: what `arclink lint`'s table shows);
 * machinesTop: N keeps each finding's first N machines, and a finding cut short says how many it
 * has in machinesTotal (a fleet-wide finding lists every machine of the fleet; SARIF's default is
 * 1000).
 * The JSON answer is written in pieces (chunked, a few MiB at a time): a million hosts' verdicts
 * are about 2 GB of JSON, more than one string can hold.
 */
async function lintEvaluator(s: ArmServices, r: ArmRequest): Promise<ArmResponse> {
  const body = r.body === undefined || r.body === null ? {} : asObject(r.body, "body");
  const format = optString(body.format, "format", 8) ?? "json";
  if (!["json", "sarif"].includes(format))
    throw new ArmError(400, "InvalidParameter", `format must be 'json' or 'sarif', got '${format}'.`);
  const hostsTop = optInt(body.hostsTop, "hostsTop", 0, Number.MAX_SAFE_INTEGER);
  // SARIF is one document, not written in pieces: its findings name at most 1000 machines each by default.
  const machinesTop =
    optInt(body.machinesTop, "machinesTop", 0, Number.MAX_SAFE_INTEGER) ??
    (format === "sarif" ? WHATIF_MACHINES_TOP : undefined);
  let report = lintWorld(s);
  if (body.hosts === false) report = { ...report, hosts: [] };
  else if (hostsTop !== undefined && report.hosts.length > hostsTop)
    report = { ...report, hosts: report.hosts.slice(0, hostsTop) };
  if (Array.isArray(body.rules) && body.rules.length) {
    const ids = body.rules.map(String);
    report = { ...report, findings: report.findings.filter((f) => ids.includes(f.ruleId)) };
  }
  if (machinesTop !== undefined && report.findings.some((f) => f.machines.length > machinesTop))
    report = {
      ...report,
      findings: report.findings.map((f) => cutMachines(f, machinesTop)),
    };
  if (format === "sarif") return { status: 200, body: toSarif(report) };
  const extra: Array<[string, unknown]> = [];
  if (body.fixPlan === true) {
    // A proven plan: built from the whole report, tried in the what-if sandbox over this world.
    const full = lintWorld(s);
    const fixPlan = await proveFixPlan(s.world, full, {
      now: s.clock.now(),
      propagationDelayMs: s.settings().propagationDelayMs,
    });
    extra.push(["fixPlan", fixPlan]);
  }
  const hostTraces = body.hostTraces === true;
  return {
    status: 200,
    body: new JsonStream((sink) => writeJson(report, sink, { indent: 0, hostTraces, extra })),
  };
}

/**
 * hostGroups: the hosts and scopes a topology diagram draws, grouped by site or subnet and by worst
 * verdict once there are many (analysis/hostGroups.ts), from this world's lint (computed once,
 * reused). Bounded whatever the fleet: only the groups the reader opened list hosts. Body:
 * {groupAt?, open?: {groupKey: hostsShown}, pinned?: hostName, scopeMachines?, find?: text}.
 */
function hostGroupsEvaluator(s: ArmServices, r: ArmRequest): ArmResponse {
  const body = r.body === undefined || r.body === null ? {} : asObject(r.body, "body");
  const open: Record<string, number> = {};
  if (body.open !== undefined) {
    const o = asObject(body.open, "open");
    const keys = Object.keys(o);
    if (keys.length > 200)
      throw new ArmError(400, "InvalidParameter", `open names ${keys.length} groups; at most 200.`);
    for (const k of keys) open[k.toLowerCase()] = optInt(o[k], `open['${k}']`, 0, 500) ?? 0;
  }
  return {
    status: 200,
    body: hostGroups(
      {
        hosts: s.world.ofType(LAB_HOSTS),
        machines: s.world.ofType(MACHINE_TYPE),
        subscriptionId: r.path.split("/")[2],
      },
      hostVerdicts(s),
      {
        groupAt: optInt(body.groupAt, "groupAt", 0, 1000) ?? 12,
        open,
        pinned: optString(body.pinned, "pinned", 256),
        scopeMachines: optInt(body.scopeMachines, "scopeMachines", 0, 100) ?? 6,
        find: optString(body.find, "find", 256),
      },
    ),
  };
}

/**
 * machineList: one page of the subscription's machines with each one's verdict (its host's worst
 * endpoint), searched by name and filtered by status, verdict and reason here (analysis/machineList.ts),
 * from the host checks hostGroups uses (computed once per world revision). Body: {skip?, top?
 * (at most 1000), name?, status?, verdict?, reason?, fixes?: true (lint's fixes for the rows)}.
 */
function machineListEvaluator(s: ArmServices, r: ArmRequest): ArmResponse {
  const body = r.body === undefined || r.body === null ? {} : asObject(r.body, "body");
  const prefix = `/subscriptions/${r.path.split("/")[2].toLowerCase()}/`;
  const now = s.clock.now();
  const machines = s.world
    .ofType(MACHINE_TYPE)
    .filter((m) => m.key.startsWith(prefix))
    .map((m) => ({ ...m, body: withLiveStatus(m.body, now) }));
  return {
    status: 200,
    // fixes: true adds lint's fixes to the screen's rows (the rules run once, then are reused).
    body: machineList(
      machines,
      hostVerdicts(s),
      {
        skip: optInt(body.skip, "skip", 0, 1_000_000) ?? 0,
        top: optInt(body.top, "top", 1, 1000) ?? 50,
        name: optString(body.name, "name", 256),
        status: optString(body.status, "status", 64),
        verdict: optString(body.verdict, "verdict", 32),
        reason: optString(body.reason, "reason", 128),
      },
      optBool(body.fixes, "fixes") ? lintWorld(s).findings : undefined,
    ),
  };
}

/**
 * How many machines each finding of a what-if answer lists by default (machinesTotal counts them
 * all): a fleet-wide finding that changes is in the answer twice, before and after, and lists
 * every machine of the fleet each time (a million: more than the answer can hold).
 */
const WHATIF_MACHINES_TOP = 1000;

function cutMachines(f: Finding, top: number): Finding {
  return f.machines.length > top
    ? { ...f, machines: f.machines.slice(0, top), machinesTotal: f.machines.length }
    : f;
}

/** The report with each finding's machines cut to the first `top`. */
function withFindingMachines(r: WhatIfReport, top: number): WhatIfReport {
  const f = r.findings;
  const long = (x: Finding) => x.machines.length > top;
  if (
    !f.added.some(long) &&
    !f.resolved.some(long) &&
    !f.changed.some((c) => long(c.before) || long(c.after))
  )
    return r;
  return {
    ...r,
    findings: {
      added: f.added.map((x) => cutMachines(x, top)),
      resolved: f.resolved.map((x) => cutMachines(x, top)),
      changed: f.changed.map((c) => ({
        ...c,
        before: cutMachines(c.before, top),
        after: cutMachines(c.after, top),
      })),
    },
  };
}

/**
 * whatif: a proposed change applied to a copy of the world; which verdicts change.
 * Body: {put: {id, body, apiVersion?}} | {delete: {id, apiVersion?}} | {steps: [{id, body, apiVersion}],
 * deletes?: [ids]} | {topology: "<YAML>", deletes?: [ids]}; machinesTop?: N (default 1000), each
 * finding's first N machines (machinesTotal counts them all when there are more); findings?: false,
 * verdicts only (findings stays empty: no rule runs again).
 */
async function whatIfEvaluator(s: ArmServices, r: ArmRequest): Promise<ArmResponse> {
  const body = asObject(r.body, "body");
  const machinesTop =
    optInt(body.machinesTop, "machinesTop", 0, Number.MAX_SAFE_INTEGER) ?? WHATIF_MACHINES_TOP;
  // findings: false compares verdicts only (the rules over every host are most of a large world's what-if).
  const findings = optBool(body.findings, "findings") ?? true;
  let change: ProposedChange;
  const sub = r.path.split("/")[2];
  if (body.put !== undefined) {
    const p = asObject(body.put, "put");
    change = {
      kind: "put",
      id: reqString(p.id, "put.id", 2048),
      body: p.body,
      apiVersion: optString(p.apiVersion, "put.apiVersion", 32),
    };
  } else if (body.delete !== undefined) {
    const d = asObject(body.delete, "delete");
    change = {
      kind: "delete",
      id: reqString(d.id, "delete.id", 2048),
      apiVersion: optString(d.apiVersion, "delete.apiVersion", 32),
    };
  } else if (body.steps !== undefined) {
    // A deployment of several ARM calls in order (e.g. the portal's create wizard): PUTs, then deletes.
    if (!Array.isArray(body.steps) || body.steps.length === 0 || body.steps.length > 200)
      throw new ArmError(
        400,
        "InvalidParameter",
        "steps must be a list of 1 to 200 PUTs ({id, body, apiVersion}).",
      );
    const steps: PlanStep[] = body.steps.map((x: unknown, i: number) => {
      const p = asObject(x, `steps[${i}]`);
      const id = reqString(p.id, `steps[${i}].id`, 2048);
      const parsed = parseResourceId(id);
      if (!parsed)
        throw new ArmError(400, "InvalidParameter", `steps[${i}].id '${id}' is not an ARM resource id.`);
      return {
        method: "PUT",
        id,
        apiVersion: reqString(p.apiVersion, `steps[${i}].apiVersion`, 32),
        body: asObject(p.body ?? {}, `steps[${i}].body`),
        type: parsed.namespace
          ? `${parsed.namespace}/${parsed.types.join("/")}`
          : "Microsoft.Resources/resourceGroups",
        name: id.split("/").pop() ?? id,
      };
    });
    change = {
      kind: "steps",
      steps,
      deletes: Array.isArray(body.deletes) ? body.deletes.map(String) : [],
    };
  } else if (body.topology !== undefined) {
    const text = reqString(body.topology, "topology", 1_000_000);
    try {
      const p = plan(text, { subscriptionId: sub });
      change = {
        kind: "steps",
        steps: p.steps,
        deletes: Array.isArray(body.deletes) ? body.deletes.map(String) : [],
      };
    } catch (e) {
      if (e instanceof TopologyError) throw new ArmError(400, "InvalidTopology", e.message);
      throw e;
    }
  } else {
    throw new ArmError(
      400,
      "InvalidParameter",
      "Give one of 'put' ({id, body}), 'delete' ({id}), 'steps' ([{id, body}], with optional 'deletes') or 'topology' (the new topology file's text).",
    );
  }
  try {
    const report = await whatIf(s.world, change, {
      now: s.clock.now(),
      propagationDelayMs: s.settings().propagationDelayMs,
      tags: s.network.tags,
      before: lintWorld(s),
      beforeModel: s.network.model(),
      findings,
    });
    return { status: 200, body: withFindingMachines(report, machinesTop) };
  } catch (e) {
    if (e instanceof ArmError)
      throw new ArmError(
        400,
        "ChangeRefused",
        `The proposed change would be refused: ${e.code}: ${e.message}`,
      );
    if (e instanceof Error && /was refused/.test(e.message))
      throw new ArmError(400, "ChangeRefused", e.message);
    throw e;
  }
}

/** Evaluators by lower-cased "namespace|name", e.g. "arclink.lab|check". */
export type EvaluatorTable = Record<string, { method: "GET" | "POST"; fn: Evaluator }>;

/** ArcLink.Lab's evaluators over the world; the composition root adds others (the fleet's). */
export const LAB_EVALUATORS: EvaluatorTable = {
  "arclink.lab|check": { method: "POST", fn: check },
  "arclink.lab|lint": { method: "POST", fn: lintEvaluator },
  "arclink.lab|whatif": { method: "POST", fn: whatIfEvaluator },
  "arclink.lab|hostgroups": { method: "POST", fn: hostGroupsEvaluator },
  "arclink.lab|machinelist": { method: "POST", fn: machineListEvaluator },
  "arclink.lab|hostcredentials": { method: "POST", fn: hostCredential },
  "arclink.lab|onboardingscripts": { method: "POST", fn: onboardingScripts },
  "arclink.lab|resolve": { method: "POST", fn: resolve },
  "arclink.lab|resolvers": { method: "GET", fn: resolvers },
};

/**
 * ArmServices.evaluators over a table: handles /subscriptions/{s}/providers/{ns}/{name} when it
 * names an evaluator of the table; undefined otherwise.
 */
export function evaluatorLookup(table: EvaluatorTable): EvaluatorLookup {
  return (s, r, sub, ns, name) => {
    const e = table[`${ns.toLowerCase()}|${name.toLowerCase()}`];
    if (!e) return undefined;
    checkSubscription(s, r, sub);
    checkArmOwned(r.apiVersion, LAB_API_VERSIONS);
    if (r.method !== e.method)
      throw new ArmError(
        405,
        "MethodNotAllowed",
        `${r.method} is not supported on ${r.path}; use ${e.method}.`,
      );
    return e.fn(s, r);
  };
}
