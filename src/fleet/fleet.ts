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
import { ArmError } from "../core/armError.js";
import { hisCode } from "../core/arcEndpoints.js";
import { newGuid } from "../core/guid.js";
import { formatIpv4 } from "../core/ip.js";
import { normalizeRegion } from "../core/regions.js";
import { keyOf, parseResourceId, ResourceId, sameId } from "../core/resourceId.js";
import { checkEndpoint, CheckContext } from "../analysis/check.js";
import { evaluateCheckIn, recordHeartbeat, recordOnboarding } from "../analysis/onboard.js";
import { ArmServices } from "../engine/context.js";
import { compose } from "../engine/envelope.js";
import { HostModel } from "../network/model.js";
import { Principal, ProviderContext, ResourceType } from "../providers/contract.js";
import { addressesIn, DNS_SERVER_TYPE, HOST_TYPE, SITE_TYPE, sitePrefixes } from "../providers/lab/common.js";
import { MACHINE_TYPE, SCOPE_TYPE } from "../providers/hybridcompute/versions.js";
import { asObject, optString } from "../providers/validate.js";
import { WriteTx } from "../world/writeTx.js";
import { Checkpoints, runResourceId } from "./runs.js";

export const MAX_MACHINES = 200_000;
export const DEFAULT_TIME_LIMIT_S = 600;
export const MAX_TIME_LIMIT_S = 3600;
export const MAX_HEARTBEAT_ROUNDS = 10;
/** Hosts and machines created per write transaction. */
const CREATE_CHUNK = 1000;
/** Hosts whose check-ins are decided against one state of the world, then recorded together. */
const CHECKIN_CHUNK = 2500;
/** Arc's heartbeat cadence: the share of one core is a round's CPU time over this. */
const CADENCE_S = 300;

export interface FleetPlan {
  subscription: string;
  machines: number;
  siteId: string;
  siteName: string;
  scopeId?: string;
  location: string;
  resourceGroup: string;
  /** The last `unassociated` machines are created without the scope. */
  unassociated: number;
  heartbeatRounds: number;
  timeLimitSeconds: number;
  namePrefix: string;
  addresses: string[];
  dnsServers: string[];
  agentVersion: string;
}

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

function bad(message: string, target?: string): ArmError {
  return new ArmError(400, "InvalidParameter", message, target ? { target } : undefined);
}

function wholeNumber(v: unknown, path: string, min: number, max: number, dflt?: number): number {
  if (v === undefined || v === null) {
    if (dflt !== undefined) return dflt;
    throw bad(`'${path}' is required: a whole number from ${min} to ${max}.`, path);
  }
  if (typeof v !== "number" || !Number.isInteger(v) || v < min || v > max)
    throw bad(`'${path}' must be a whole number from ${min} to ${max}, got ${JSON.stringify(v)}.`, path);
  return v;
}

function inSubscription(id: string, sub: string): boolean {
  return parseResourceId(id)?.subscription?.toLowerCase() === sub.toLowerCase();
}

/** Validates a fleet request against the world: which site, scope, group, region and addresses. */
export function planFleet(s: ArmServices, sub: string, input: unknown): FleetPlan {
  const body = asObject(input ?? {}, "body");
  const machines = wholeNumber(body.machines, "machines", 1, MAX_MACHINES);
  const heartbeatRounds = wholeNumber(body.heartbeatRounds, "heartbeatRounds", 0, MAX_HEARTBEAT_ROUNDS, 1);
  const timeLimitSeconds = wholeNumber(
    body.timeLimitSeconds,
    "timeLimitSeconds",
    1,
    MAX_TIME_LIMIT_S,
    DEFAULT_TIME_LIMIT_S,
  );
  const unassociated = wholeNumber(body.unassociated, "unassociated", 0, machines, 0);
  // The version of the fleet's agents: admission and the TLS checks depend on it, as for one agent.
  const agentVersion = optString(body.agentVersion, "agentVersion", 64) ?? "1.45";
  if (!/^\d+\.\d+(\.\d+\.\d+)?$/.test(agentVersion))
    throw bad(
      `'agentVersion' must be an agent version such as 1.45 or 1.45.02983.1834, got '${agentVersion}'.`,
      "agentVersion",
    );

  // The site.
  const sites = s.world.ofType(SITE_TYPE).filter((e) => inSubscription(e.id, sub));
  const siteSpec = optString(body.site, "site", 2048);
  const site = siteSpec
    ? sites.find(
        (e) => sameId(e.id, siteSpec) || String(e.body.name).toLowerCase() === siteSpec.toLowerCase(),
      )
    : [...sites].sort((a, b) => String(a.body.name).localeCompare(String(b.body.name)))[0];
  if (!site) {
    const names = sites.map((e) => e.body.name).join(", ") || "(none)";
    throw new ArmError(
      siteSpec ? 404 : 400,
      siteSpec ? "SiteNotFound" : "NoSite",
      siteSpec
        ? `No site '${siteSpec}' in subscription ${sub}. Sites: ${names}.`
        : `The fleet needs an on-premises site to place its hosts in, and subscription ${sub} has none. Create an ArcLink.Lab/sites resource or apply a topology first.`,
      { target: "site" },
    );
  }

  // The scope: named, "none", or the subscription's only one.
  const scopes = s.world.ofType(SCOPE_TYPE).filter((e) => inSubscription(e.id, sub));
  const scopeSpec = optString(body.scope, "scope", 2048);
  let scope = undefined as (typeof scopes)[number] | undefined;
  if (scopeSpec && scopeSpec.toLowerCase() !== "none") {
    scope = scopes.find(
      (e) => sameId(e.id, scopeSpec) || String(e.body.name).toLowerCase() === scopeSpec.toLowerCase(),
    );
    if (!scope)
      throw new ArmError(
        404,
        "PrivateLinkScopeNotFound",
        `No Azure Arc Private Link Scope '${scopeSpec}' in subscription ${sub}. Scopes: ${scopes.map((e) => e.body.name).join(", ") || "(none)"}; or use 'none' for machines without one.`,
        { target: "scope" },
      );
  } else if (!scopeSpec && scopes.length > 1) {
    throw bad(
      `Subscription ${sub} has ${scopes.length} Private Link Scopes (${scopes.map((e) => e.body.name).join(", ")}): name the one the fleet's machines are associated with, or 'none'.`,
      "scope",
    );
  } else if (!scopeSpec) {
    scope = scopes[0];
  }

  const locationSpec = optString(body.location, "location", 64);
  const location = locationSpec
    ? normalizeRegion(locationSpec)
    : (normalizeRegion(scope?.body.location) ?? "eastus");
  if (!location) throw bad(`'${locationSpec}' is not an Azure region such as eastus.`, "location");

  const rgSpec = optString(body.resourceGroup, "resourceGroup", 90);
  const resourceGroup = rgSpec ?? parseResourceId((scope ?? site).id)!.resourceGroup!;
  if (!s.world.get(`/subscriptions/${sub}/resourceGroups/${resourceGroup}`))
    throw new ArmError(
      404,
      "ResourceGroupNotFound",
      `Resource group '${resourceGroup}' could not be found.`,
      {
        target: "resourceGroup",
      },
    );

  const namePrefix = optString(body.namePrefix, "namePrefix", 40) ?? `fleet-${newGuid().slice(0, 6)}`;
  if (!/^[A-Za-z0-9][-A-Za-z0-9]*$/.test(namePrefix))
    throw bad(
      `'namePrefix' must be letters, digits and hyphens, starting with a letter or digit.`,
      "namePrefix",
    );
  const rgPath = `/subscriptions/${sub}/resourceGroups/${resourceGroup}/providers`;
  for (let i = 0; i < machines; i++) {
    const n = nameOf(namePrefix, i);
    if (s.world.get(`${rgPath}/${HOST_TYPE}/${n}`) || s.world.get(`${rgPath}/${MACHINE_TYPE}/${n}`))
      throw new ArmError(
        409,
        "FleetNameInUse",
        `A host or machine named ${n} already exists in resource group ${resourceGroup}. Use another 'namePrefix'.`,
        { target: "namePrefix" },
      );
  }

  // Free addresses of the site, in order, skipping .0 and .255 and every address already claimed.
  const prefixes = sitePrefixes(site.body);
  const taken = new Set(
    addressesIn(s.world, { kind: "site", id: site.id, prop: "siteId", prefixes }).map((t) => t.ip),
  );
  const addresses: string[] = [];
  for (const c of prefixes) {
    for (let n = c.first + 1; n < c.last && addresses.length < machines; n++) {
      const last = n & 255;
      if (last === 0 || last === 255) continue;
      const ip = formatIpv4(n);
      if (!taken.has(ip)) addresses.push(ip);
    }
  }
  if (addresses.length < machines)
    throw new ArmError(
      400,
      "SiteAddressSpaceExhausted",
      `Site ${site.body.name} (${prefixes.map((c) => c.text).join(", ") || "no prefixes"}) has ${addresses.length} free addresses; the fleet needs ${machines}. Add a prefix to the site, pick a larger site, or ask for fewer machines.`,
      { target: "machines" },
    );

  const dnsServers = s.world
    .ofType(DNS_SERVER_TYPE)
    .filter((e) => sameId(e.body.properties?.siteId, site.id))
    .sort((a, b) => String(a.body.name).localeCompare(String(b.body.name)))
    .map((e) => String(e.body.properties.ipAddress));

  return {
    subscription: sub,
    machines,
    siteId: site.id,
    siteName: String(site.body.name),
    scopeId: scope?.id,
    location,
    resourceGroup,
    unassociated,
    heartbeatRounds,
    timeLimitSeconds,
    namePrefix,
    addresses,
    dnsServers,
    agentVersion,
  };
}

export function nameOf(prefix: string, i: number): string {
  return `${prefix}-${String(i).padStart(6, "0")}`;
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
  shared: { systemData?: Record<string, unknown> },
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
  return body;
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
  const checkTime = () => {
    if (performance.now() > deadline) throw new TimeLimit();
  };
  const yieldNow = () => new Promise<void>((r) => setImmediate(r));
  const saves = new Checkpoints(s, run);
  try {
    if (!s.world.get(runResourceId(run.id))) await saves.phase(p.phase);
    // 1. Hosts and machines.
    const hostDef = s.registry.type(HOST_TYPE)!;
    const machineDef = s.registry.type(MACHINE_TYPE)!;
    const rgPath = `/subscriptions/${plan.subscription}/resourceGroups/${plan.resourceGroup}/providers`;
    const hostIds: string[] = [];
    const machineIds: string[] = [];
    for (let i = 0; i < plan.machines; i++) {
      hostIds.push(`${rgPath}/${HOST_TYPE}/${nameOf(plan.namePrefix, i)}`);
      machineIds.push(`${rgPath}/${MACHINE_TYPE}/${nameOf(plan.namePrefix, i)}`);
    }
    // One string shared by every host of the fleet.
    const description = `Simulated by arclink fleet ${run.id}`;
    const shared: { systemData?: Record<string, unknown> } = {};
    for (let i = 0; i < plan.machines; i += CREATE_CHUNK) {
      const end = Math.min(plan.machines, i + CREATE_CHUNK);
      await s.writer.run((tx) => {
        const now = s.clock.now();
        for (let j = i; j < end; j++) {
          const hid = parseResourceId(hostIds[j])!;
          tx.put(
            hid.id,
            HOST_TYPE,
            build(
              s,
              hostDef,
              hid,
              {
                location: "global",
                properties: {
                  siteId: plan.siteId,
                  privateIPAddress: plan.addresses[j],
                  osType: "Linux",
                  dnsServers: plan.dnsServers,
                  description,
                },
              },
              principal,
              now,
              baseUrl,
              tx,
              shared,
            ),
          );
          const mid = parseResourceId(machineIds[j])!;
          const associated = plan.scopeId && j < plan.machines - plan.unassociated;
          tx.put(
            mid.id,
            MACHINE_TYPE,
            build(
              s,
              machineDef,
              mid,
              {
                location: plan.location,
                properties: associated ? { privateLinkScopeResourceId: plan.scopeId } : {},
              },
              principal,
              now,
              baseUrl,
              tx,
              shared,
            ),
          );
        }
      });
      p.created = end;
      saves.maybe();
      checkTime();
      await yieldNow();
    }
    p.createSeconds = (performance.now() - t0) / 1000;

    // 2. Onboarding: every agent registers with its regional HIS.
    await saves.phase("onboarding");
    p.phase = "onboarding";
    const model = s.network.model();
    const hosts: HostModel[] = hostIds.map((id) => model.hosts.get(keyOf(id))!);
    const connected: boolean[] = new Array(plan.machines).fill(false);
    const t1 = performance.now();
    const ctxNow = (): CheckContext => ({
      view: s.world,
      resolver: s.network.resolver(),
      now: s.clock.now(),
      propagationDelayMs: s.settings().propagationDelayMs,
    });
    for (let i = 0; i < plan.machines; i += CHECKIN_CHUNK) {
      const end = Math.min(plan.machines, i + CHECKIN_CHUNK);
      const ctx = ctxNow();
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
      saves.maybe();
      checkTime();
      await yieldNow();
    }
    p.onboardSeconds = (performance.now() - t1) / 1000;
    p.onboardPerSecond = plan.machines / Math.max(p.onboardSeconds, 1e-6);

    // 3. Heartbeat rounds, back to back; CPU per round ÷ 300 s is the load at Arc's cadence.
    await saves.phase("heartbeats");
    p.phase = "heartbeats";
    const his = `${hisCode(plan.location)}.his.arc.azure.com`;
    let cpu = 0;
    let wall = 0;
    for (let round = 1; round <= plan.heartbeatRounds; round++) {
      p.heartbeatRound = round;
      const c0 = cpuSeconds();
      const w0 = performance.now();
      for (let i = 0; i < plan.machines; i += CHECKIN_CHUNK) {
        const end = Math.min(plan.machines, i + CHECKIN_CHUNK);
        const ctx = ctxNow();
        const writes: Promise<void>[] = [];
        for (let j = i; j < end; j++) {
          if (!connected[j]) continue;
          const c = checkEndpoint(ctx, hosts[j], his);
          if (c.verdict === "refused") {
            const reason = c.reason ?? "Refused";
            p.heartbeatsRefusedByReason[reason] = (p.heartbeatsRefusedByReason[reason] ?? 0) + 1;
            p.heartbeatsRefused++;
          } else {
            writes.push(recordHeartbeat(s.writer, machineIds[j], ctx.now, plan.agentVersion));
          }
        }
        await Promise.all(writes);
        p.heartbeatsAdmitted += writes.length;
        saves.maybe();
        checkTime();
        await yieldNow();
      }
      cpu += cpuSeconds() - c0;
      wall += (performance.now() - w0) / 1000;
    }
    if (plan.heartbeatRounds > 0) {
      p.heartbeatCpuSecondsPerRound = cpu / plan.heartbeatRounds;
      p.heartbeatWallSecondsPerRound = wall / plan.heartbeatRounds;
      p.heartbeatCoreShareAt5Min = p.heartbeatCpuSecondsPerRound / CADENCE_S;
    }
    p.phase = "done";
    run.status = "Succeeded";
  } catch (e) {
    run.status = "Failed";
    if (e instanceof TimeLimit) {
      run.error = {
        code: "FleetTimeLimitExceeded",
        message: `The fleet stopped after its time limit of ${plan.timeLimitSeconds} s during ${p.phase}: ${p.created} hosts created, ${p.connected} machines connected, ${p.refused} refused. What was written is kept. Raise 'timeLimitSeconds' (at most ${MAX_TIME_LIMIT_S}) or ask for fewer machines.`,
      };
    } else if (e instanceof ArmError) {
      run.error = { code: e.code, message: `The fleet stopped during ${p.phase}: ${e.message}` };
    } else {
      run.error = {
        code: "InternalServerError",
        message: `The fleet stopped during ${p.phase}: ${String(e)}`,
      };
    }
  } finally {
    p.residentMemoryBytes = process.memoryUsage().rss;
    run.endTime = s.clock.now().toISOString();
    await saves.end();
  }
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
