// A simulated fleet: N lab hosts with an Arc machine each, created in one site of the world, whose
// agents onboard and then heartbeat through the same path the gateway takes for a real agent —
// the host's DNS answer for its regional HIS, the route, the firewalls, admission by HIS — and
// whose admitted calls are recorded as HIS records them. Nothing is shortcut: a host behind a
// blocking firewall or a machine not associated with the scope is refused with the same reason
// `arclink check` gives.
//
// Throughput comes from batching, not from skipping steps: hosts and machines are created in large
// write transactions (validated one by one by their providers), the network model is compiled once
// for the whole fleet, and the check-ins of a chunk of hosts are decided against one state of the
// world and then recorded together (the Writer commits them in one store transaction).
// The request is checked and planned first (plan.ts); this file runs the plan.
import { ArmError } from "../core/armError.js";
import { hisCode } from "../core/arcEndpoints.js";
import { newGuid } from "../core/guid.js";
import { keyOf, parseResourceId, ResourceId } from "../core/resourceId.js";
import { checkEndpoint, CheckContext } from "../analysis/check.js";
import { checkContextOf } from "../analysis/checkContext.js";
import { evaluateCheckIn, recordHeartbeat, recordOnboarding } from "../analysis/onboard.js";
import { ArmServices } from "../engine/context.js";
import { compose } from "../engine/envelope.js";
import { HostModel } from "../network/model.js";
import { Principal, ProviderContext, ResourceType } from "../providers/contract.js";
import { HOST_TYPE } from "../providers/lab/common.js";
import { MACHINE_TYPE } from "../providers/hybridcompute/versions.js";
import { compactObject } from "../world/compactBody.js";
import { WriteTx } from "../world/writeTx.js";
import { FleetPlan, MAX_TIME_LIMIT_S, nameOf } from "./plan.js";
import { Checkpoints, runResourceId } from "./runs.js";

/** Hosts and machines created per write transaction. */
const CREATE_CHUNK = 1000;
/** Hosts whose check-ins are decided against one state of the world, then recorded together. */
const CHECKIN_CHUNK = 2500;
/** Arc's heartbeat cadence: the share of one core is a round's CPU time over this. */
const CADENCE_S = 300;

export interface FleetProgress {
  phase: "creating" | "onboarding" | "heartbeats" | "done";
  machines: number;
  created: number;
  evaluated: number;
  connected: number;
  refused: number;
  /** Refused onboardings by reason code (DNS rcode, network failure or HIS refusal). */
  refusedByReason: Record<string, number>;
  heartbeatRound: number;
  heartbeatRounds: number;
  heartbeatsAdmitted: number;
  heartbeatsRefused: number;
  heartbeatsRefusedByReason: Record<string, number>;
  createSeconds?: number;
  onboardSeconds?: number;
  /** Machines onboarded per second (creation excluded). */
  onboardPerSecond?: number;
  heartbeatWallSecondsPerRound?: number;
  heartbeatCpuSecondsPerRound?: number;
  /** A round's CPU time over Arc's 5-minute cadence: the share of one core the fleet's heartbeats take. */
  heartbeatCoreShareAt5Min?: number;
  residentMemoryBytes?: number;
}

export interface FleetRun {
  id: string;
  plan: FleetPlan;
  status: "InProgress" | "Succeeded" | "Failed";
  startTime: string;
  endTime?: string;
  progress: FleetProgress;
  error?: { code: string; message: string };
  site: string;
  scope?: string;
  resourceGroup: string;
  namePrefix: string;
  location: string;
}

export function newRun(plan: FleetPlan, now: Date): FleetRun {
  return {
    id: newGuid(),
    plan,
    status: "InProgress",
    startTime: now.toISOString(),
    site: plan.siteName,
    scope: plan.scopeId,
    resourceGroup: plan.resourceGroup,
    namePrefix: plan.namePrefix,
    location: plan.location,
    progress: {
      phase: "creating",
      machines: plan.machines,
      created: 0,
      evaluated: 0,
      connected: 0,
      refused: 0,
      refusedByReason: {},
      heartbeatRound: 0,
      heartbeatRounds: plan.heartbeatRounds,
      heartbeatsAdmitted: 0,
      heartbeatsRefused: 0,
      heartbeatsRefusedByReason: {},
    },
  };
}

class TimeLimit extends Error {}

/** A resource's stored body, written through its provider as a PUT would be (validation included). */
function build(
  s: ArmServices,
  def: ResourceType,
  id: ResourceId,
  input: Record<string, any>,
  principal: Principal,
  now: Date,
  baseUrl: string,
  tx: WriteTx,
  shared: { systemData?: Record<string, unknown>; dnsServers?: unknown[] },
  name: string,
): Record<string, any> {
  // The provider validates against the world (the fleet's own hosts have distinct addresses by
  // construction), so each check costs the same whatever the size of the batch.
  const vtx = new WriteTx(s.world);
  const ctx: ProviderContext = {
    tx: vtx,
    now,
    principal,
    apiVersion: def.apiVersions[def.apiVersions.length - 1],
    baseUrl,
    settings: s.settings(),
  };
  const properties = def.write(ctx, { id, body: input, existing: undefined });
  for (const p of vtx.toWriteSet().puts) tx.put(p.id, p.type, p.body);
  const top: Record<string, any> = {};
  for (const k of Object.keys(properties)) {
    if (k.startsWith("_")) {
      top[k] = properties[k];
      delete properties[k];
    }
  }
  const body = compose({
    def,
    id,
    location: def.globalLocation ? "global" : input.location,
    tags: {},
    properties,
    top,
    principal,
    now,
  });
  // Bodies are never changed in place: the resources written at one time by one principal share one
  // systemData object (and its strings) instead of a copy each.
  const sd = body.systemData as Record<string, unknown> | undefined;
  if (sd && shared.systemData && sameFields(sd, shared.systemData)) body.systemData = shared.systemData;
  else if (sd) shared.systemData = sd;
  // Likewise the values every fleet resource has alike (the same JSON, one object or string):
  // empty tags, an empty osProfile, the hosts' DNS servers, the name a host shares with its machine;
  // and each object holds its properties in place (src/world/compactBody.ts).
  if (isEmpty(body.tags)) body.tags = NO_TAGS;
  if (body.name === name) body.name = name;
  const props = body.properties as Record<string, any> | undefined;
  if (props) {
    if (props.displayName === name) props.displayName = name;
    if (isNoOsProfile(props.osProfile)) props.osProfile = NO_OS_PROFILE;
    const dns = props.dnsServers;
    if (sameList(dns, shared.dnsServers)) props.dnsServers = shared.dnsServers;
    else if (Array.isArray(dns)) shared.dnsServers = dns;
    body.properties = compactObject(props);
  }
  const internal = body._arclink;
  if (isPlain(internal)) {
    // The association time is the write's time: the text systemData already holds.
    const at = (body.systemData as Record<string, unknown> | undefined)?.createdAt;
    if (internal.associatedAt === at) internal.associatedAt = at;
    body._arclink = compactObject(internal);
  }
  return compactObject(body);
}

function sameList(a: unknown, b: unknown[] | undefined): boolean {
  return Array.isArray(a) && !!b && a.length === b.length && a.every((x, i) => x === b[i]);
}

function isPlain(o: unknown): o is Record<string, unknown> {
  return typeof o === "object" && o !== null && !Array.isArray(o);
}

const NO_TAGS: Record<string, string> = Object.freeze({}) as Record<string, string>;
const NO_OS_PROFILE: Record<string, unknown> = Object.freeze({ computerName: null });

function isEmpty(o: unknown): boolean {
  if (typeof o !== "object" || o === null || Array.isArray(o)) return false;
  for (const _ in o) return false;
  return Object.getPrototypeOf(o) === Object.prototype;
}

function isNoOsProfile(o: unknown): boolean {
  if (typeof o !== "object" || o === null || Array.isArray(o)) return false;
  const keys = Object.keys(o);
  return (
    keys.length === 1 && keys[0] === "computerName" && (o as Record<string, unknown>).computerName === null
  );
}

/** An id as one flat string (a template literal builds a rope of its parts: more bytes per id). */
function flatId(...parts: string[]): string {
  return parts.join("");
}

function sameFields(a: Record<string, unknown>, b: Record<string, unknown>): boolean {
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  return ka.length === kb.length && ka.every((k, i) => k === kb[i] && a[k] === b[k]);
}

const cpuSeconds = () => {
  const c = process.cpuUsage();
  return (c.user + c.system) / 1e6;
};

/** Between two chunks: save the progress now and then, stop at the time limit, let requests in. */
interface Pace {
  saves: Checkpoints;
  next(): Promise<void>;
}

/**
 * The state of the world the check-ins of one chunk are decided against. Its resolver remembers
 * DNS answers for the chunk: every host of a site asking the same server for its HIS gets the same
 * answer, resolved once.
 */
function checkContext(s: ArmServices): CheckContext {
  return checkContextOf(s, s.network.memoResolver());
}

/**
 * Runs a planned fleet to its end (or its time limit), updating `run` as it goes and saving it in
 * the store (src/fleet/runs.ts): at the start, at each phase change, every few seconds between
 * chunks, and at the end.
 */
export async function runFleet(
  s: ArmServices,
  run: FleetRun,
  principal: Principal,
  baseUrl: string,
): Promise<void> {
  const plan = run.plan;
  const p = run.progress;
  const t0 = performance.now();
  const deadline = t0 + plan.timeLimitSeconds * 1000;
  const saves = new Checkpoints(s, run);
  const pace: Pace = {
    saves,
    async next() {
      saves.maybe();
      if (performance.now() > deadline) throw new TimeLimit();
      await new Promise<void>((r) => setImmediate(r));
    },
  };
  try {
    if (!s.world.get(runResourceId(run.id))) await saves.phase(p.phase);
    const ids = await createHostsAndMachines(s, run, principal, baseUrl, pace);
    p.createSeconds = (performance.now() - t0) / 1000;
    await saves.phase("onboarding");
    p.phase = "onboarding";
    const onboarded = await onboardAll(s, run, ids.hostIds, pace);
    await saves.phase("heartbeats");
    p.phase = "heartbeats";
    await heartbeatRounds(s, run, { ...onboarded, machineIds: ids.machineIds }, pace);
    p.phase = "done";
    run.status = "Succeeded";
  } catch (e) {
    run.status = "Failed";
    run.error = failure(e, run);
  } finally {
    p.residentMemoryBytes = process.memoryUsage().rss;
    run.endTime = s.clock.now().toISOString();
    await saves.end();
  }
}

/** 1. The fleet's hosts and machines, CREATE_CHUNK of each per write transaction. */
async function createHostsAndMachines(
  s: ArmServices,
  run: FleetRun,
  principal: Principal,
  baseUrl: string,
  pace: Pace,
): Promise<{ hostIds: string[]; machineIds: string[] }> {
  const plan = run.plan;
  const hostDef = s.registry.type(HOST_TYPE)!;
  const machineDef = s.registry.type(MACHINE_TYPE)!;
  const rgPath = `/subscriptions/${plan.subscription}/resourceGroups/${plan.resourceGroup}/providers`;
  const hostIds: string[] = [];
  const machineIds: string[] = [];
  const names: string[] = [];
  for (let i = 0; i < plan.machines; i++) {
    const name = nameOf(plan.namePrefix, i);
    names.push(name);
    hostIds.push(flatId(rgPath, "/", HOST_TYPE, "/", name));
    machineIds.push(flatId(rgPath, "/", MACHINE_TYPE, "/", name));
  }
  // One string shared by every host of the fleet.
  const description = `Simulated by arclink fleet ${run.id}`;
  const shared: { systemData?: Record<string, unknown>; dnsServers?: unknown[] } = {};
  for (let i = 0; i < plan.machines; i += CREATE_CHUNK) {
    const end = Math.min(plan.machines, i + CREATE_CHUNK);
    await s.writer.run((tx) => {
      const now = s.clock.now();
      for (let j = i; j < end; j++) {
        const hid = parseResourceId(hostIds[j])!;
        const host = {
          location: "global",
          properties: {
            siteId: plan.siteId,
            privateIPAddress: plan.addresses[j],
            osType: "Linux",
            dnsServers: plan.dnsServers,
            description,
          },
        };
        tx.put(
          hid.id,
          HOST_TYPE,
          build(s, hostDef, hid, host, principal, now, baseUrl, tx, shared, names[j]),
        );
        const mid = parseResourceId(machineIds[j])!;
        const associated = plan.scopeId && j < plan.machines - plan.unassociated;
        const machine = {
          location: plan.location,
          properties: associated ? { privateLinkScopeResourceId: plan.scopeId } : {},
        };
        tx.put(
          mid.id,
          MACHINE_TYPE,
          build(s, machineDef, mid, machine, principal, now, baseUrl, tx, shared, names[j]),
        );
      }
    });
    run.progress.created = end;
    await pace.next();
  }
  return { hostIds, machineIds };
}

/** 2. Onboarding: every agent registers with its regional HIS, CHECKIN_CHUNK hosts at a time. */
async function onboardAll(
  s: ArmServices,
  run: FleetRun,
  hostIds: string[],
  pace: Pace,
): Promise<{ hosts: HostModel[]; connected: boolean[] }> {
  const plan = run.plan;
  const p = run.progress;
  const model = s.network.model();
  const hosts: HostModel[] = hostIds.map((id) => model.hosts.get(keyOf(id))!);
  const connected: boolean[] = new Array(plan.machines).fill(false);
  const t1 = performance.now();
  for (let i = 0; i < plan.machines; i += CHECKIN_CHUNK) {
    const end = Math.min(plan.machines, i + CHECKIN_CHUNK);
    const ctx = checkContext(s);
    const writes: Promise<void>[] = [];
    const admitted: number[] = [];
    for (let j = i; j < end; j++) {
      const h = hosts[j];
      const d = h
        ? evaluateCheckIn(ctx, h, plan.agentVersion)
        : { connected: false, host: "", check: undefined };
      if (h && d.connected && "machineEntry" in d) {
        writes.push(recordOnboarding(s.writer, h, d, ctx.now, plan.agentVersion));
        admitted.push(j);
      } else {
        const reason = d.check?.reason ?? (h ? "MachineNotFound" : "HostNotInModel");
        p.refusedByReason[reason] = (p.refusedByReason[reason] ?? 0) + 1;
        p.refused++;
      }
    }
    await Promise.all(writes);
    for (const j of admitted) connected[j] = true;
    p.connected += admitted.length;
    p.evaluated = end;
    await pace.next();
  }
  p.onboardSeconds = (performance.now() - t1) / 1000;
  p.onboardPerSecond = plan.machines / Math.max(p.onboardSeconds, 1e-6);
  return { hosts, connected };
}

/** 3. Heartbeat rounds, back to back; CPU per round ÷ 300 s is the load at Arc's cadence. */
async function heartbeatRounds(
  s: ArmServices,
  run: FleetRun,
  fleet: { hosts: HostModel[]; connected: boolean[]; machineIds: string[] },
  pace: Pace,
): Promise<void> {
  const plan = run.plan;
  const p = run.progress;
  const his = `${hisCode(plan.location)}.his.arc.azure.com`;
  let cpu = 0;
  let wall = 0;
  for (let round = 1; round <= plan.heartbeatRounds; round++) {
    p.heartbeatRound = round;
    const c0 = cpuSeconds();
    const w0 = performance.now();
    for (let i = 0; i < plan.machines; i += CHECKIN_CHUNK) {
      const end = Math.min(plan.machines, i + CHECKIN_CHUNK);
      const ctx = checkContext(s);
      const writes: Promise<void>[] = [];
      for (let j = i; j < end; j++) {
        if (!fleet.connected[j]) continue;
        const c = checkEndpoint(ctx, fleet.hosts[j], his);
        if (c.verdict === "refused") {
          const reason = c.reason ?? "Refused";
          p.heartbeatsRefusedByReason[reason] = (p.heartbeatsRefusedByReason[reason] ?? 0) + 1;
          p.heartbeatsRefused++;
        } else {
          writes.push(recordHeartbeat(s.writer, fleet.machineIds[j], ctx.now, plan.agentVersion));
        }
      }
      await Promise.all(writes);
      p.heartbeatsAdmitted += writes.length;
      await pace.next();
    }
    cpu += cpuSeconds() - c0;
    wall += (performance.now() - w0) / 1000;
  }
  if (plan.heartbeatRounds > 0) {
    p.heartbeatCpuSecondsPerRound = cpu / plan.heartbeatRounds;
    p.heartbeatWallSecondsPerRound = wall / plan.heartbeatRounds;
    p.heartbeatCoreShareAt5Min = p.heartbeatCpuSecondsPerRound / CADENCE_S;
  }
}

/** Why a run stopped, as its operation status says it. */
function failure(e: unknown, run: FleetRun): { code: string; message: string } {
  const { plan, progress: p } = run;
  if (e instanceof TimeLimit)
    return {
      code: "FleetTimeLimitExceeded",
      message: `The fleet stopped after its time limit of ${plan.timeLimitSeconds} s during ${p.phase}: ${p.created} hosts created, ${p.connected} machines connected, ${p.refused} refused. What was written is kept. Raise 'timeLimitSeconds' (at most ${MAX_TIME_LIMIT_S}) or ask for fewer machines.`,
    };
  if (e instanceof ArmError)
    return { code: e.code, message: `The fleet stopped during ${p.phase}: ${e.message}` };
  return { code: "InternalServerError", message: `The fleet stopped during ${p.phase}: ${String(e)}` };
}

/** The fleet's progress as an ARM asynchronous operation status. */
export function operationStatus(run: FleetRun, path: string): Record<string, unknown> {
  const p = run.progress;
  const n = Math.max(1, p.machines);
  const hbShare = p.heartbeatRounds ? 0.3 : 0;
  const hbDone = (p.heartbeatsAdmitted + p.heartbeatsRefused) / Math.max(1, p.connected * p.heartbeatRounds);
  const pct =
    run.status !== "InProgress"
      ? 100
      : p.phase === "creating"
        ? (20 * p.created) / n
        : p.phase === "onboarding"
          ? 20 + ((80 - hbShare * 100) * p.evaluated) / n
          : 20 + (80 - hbShare * 100) + hbShare * 100 * Math.max(0, Math.min(1, hbDone));
  const out: Record<string, unknown> = {
    id: path,
    name: run.id,
    status: run.status,
    startTime: run.startTime,
    percentComplete: Math.floor(pct),
    properties: {
      site: run.site,
      scope: run.scope ?? null,
      resourceGroup: run.resourceGroup,
      namePrefix: run.namePrefix,
      location: run.location,
      ...p,
    },
  };
  if (run.endTime) out.endTime = run.endTime;
  if (run.error) out.error = run.error;
  return out;
}
