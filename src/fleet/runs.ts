// Fleet runs in the store. Each run is one internal record, ArcLink.Lab/fleetRuns/{operation id}
// (outside every subscription, like the clock: no ARM list or GET shows it), written through the
// Writer like any other resource, so it survives a restart and every replica sharing the store
// reads it. The process running a fleet saves it when it starts, at each phase change, at most
// every PERSIST_MS between chunks while it runs, and at its end: a handful of small writes, never
// one per machine.
//
// A record still "InProgress" whose process is gone is an interrupted run: it is reported Failed
// (FleetInterruptedByRestart) with its last saved counts. The process is gone when it ran on this
// host and its pid no longer exists, or when it has not saved the run for STALE_MS (the only sign
// for a replica on another host). Only the newest KEEP runs are kept: starting a run deletes the
// oldest finished or interrupted ones beyond that.
import { hostname } from "node:os";
import { ArmError } from "../core/armError.js";
import { newGuid } from "../core/guid.js";
import { ArmServices } from "../engine/context.js";
import type { FleetProgress, FleetRun } from "./fleet.js";
import { FleetPlan } from "./plan.js";

export const FLEET_RUN_TYPE = "ArcLink.Lab/fleetRuns";
/** Runs kept in the store (the oldest finished ones are deleted first). */
export const KEEP = 20;
/** A running fleet is saved at most this often between phase changes. */
export const PERSIST_MS = 2_000;
/** A run not saved for this long by a process on another host is taken as interrupted. */
export const STALE_MS = 60_000;

/** This process, as the owner of the runs it starts. */
const SELF = { instance: newGuid(), pid: process.pid, host: hostname() };

interface Owner {
  instance: string;
  pid: number;
  host: string;
}

/** The stored record: the run without its address list, who runs it, and when it was last saved. */
interface StoredRun {
  run: Omit<FleetRun, "plan"> & { plan: Omit<FleetPlan, "addresses" | "dnsServers"> };
  owner: Owner;
  /** Last save, on the server's clock (shown as the end of an interrupted run). */
  savedAt: string;
  /** Last save, in real milliseconds since the epoch (for staleness across hosts). */
  savedAtMs: number;
}

export function runResourceId(id: string): string {
  return `/providers/${FLEET_RUN_TYPE}/${id}`;
}

function snapshot(s: ArmServices, run: FleetRun, phase?: FleetProgress["phase"]): StoredRun {
  const { addresses: _a, dnsServers: _d, ...plan } = run.plan;
  const copy = JSON.parse(JSON.stringify({ ...run, plan })) as StoredRun["run"];
  if (phase) copy.progress.phase = phase;
  return { run: copy, owner: SELF, savedAt: s.clock.now().toISOString(), savedAtMs: Date.now() };
}

/**
 * Saves the run as it is now (with `phase` as its phase when given). Creating the record refuses
 * (FleetAlreadyRunning) while another run is in progress, and deletes the oldest finished or
 * interrupted runs beyond KEEP.
 */
export async function saveRun(s: ArmServices, run: FleetRun, phase?: FleetProgress["phase"]): Promise<void> {
  const body = snapshot(s, run, phase);
  const id = runResourceId(run.id);
  await s.writer.run((tx) => {
    if (!tx.get(id)) {
      const others = tx
        .ofType(FLEET_RUN_TYPE)
        .map((e) => e.body as StoredRun)
        .sort((a, b) => b.run.startTime.localeCompare(a.run.startTime));
      // One fleet at a time, across replicas: decided on the stored runs, in the transaction that
      // stores this one (the store refuses the commit if another replica stored a run meanwhile).
      const busy = others.find((o) => o.run.status === "InProgress" && !orphaned(o));
      if (busy) throw alreadyRunning(busy.run);
      for (const old of others.slice(KEEP - 1))
        if (old.run.status !== "InProgress" || orphaned(old)) tx.delete(runResourceId(old.run.id));
    }
    tx.put(id, FLEET_RUN_TYPE, body as unknown as Record<string, unknown>);
  });
}

/** The refusal of a second fleet while `busy` runs. */
export function alreadyRunning(busy: {
  id: string;
  plan: Pick<FleetPlan, "machines" | "subscription">;
}): ArmError {
  return new ArmError(
    409,
    "FleetAlreadyRunning",
    `Fleet ${busy.id} (${busy.plan.machines} machines) is still running; one fleet runs at a time. Wait for it (GET /subscriptions/${busy.plan.subscription}/providers/ArcLink.Lab/fleetOperations?id=${busy.id}) and start again.`,
  );
}

/** Whether the process that ran this record is gone (it does not run in this process). */
function orphaned(r: StoredRun): boolean {
  if (r.owner.instance === SELF.instance) return false;
  if (r.owner.host === SELF.host && !alive(r.owner.pid)) return true;
  return Date.now() - r.savedAtMs > STALE_MS;
}

function alive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    // EPERM: the process exists but belongs to another user.
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** A stored run as it is to be reported: an orphaned run in progress becomes Failed. */
function fromStored(r: StoredRun, runningHere: boolean): FleetRun {
  const run: FleetRun = { ...r.run, plan: { ...r.run.plan, addresses: [], dnsServers: [] } };
  if (run.status !== "InProgress" || runningHere || !orphaned(r)) return run;
  const p = run.progress;
  return {
    ...run,
    status: "Failed",
    endTime: r.savedAt,
    error: {
      code: "FleetInterruptedByRestart",
      message:
        `The server running this fleet stopped while it was ${p.phase} (restarted, killed or lost), so the fleet did not finish. ` +
        `Last saved progress (${r.savedAt}): ${p.created} of ${p.machines} hosts and machines created, ${p.evaluated} onboardings evaluated, ${p.connected} connected, ${p.refused} refused` +
        (p.heartbeatRound ? `, heartbeat round ${p.heartbeatRound} of ${p.heartbeatRounds}` : "") +
        `; what was written after that save is stored but not counted here. ` +
        `The hosts and machines it created stay stored (${run.namePrefix}-000000 onward, in resource group ${run.resourceGroup}). ` +
        `To run it again, start a new fleet with another name prefix (arclink fleet --machines ${p.machines} --name-prefix <new prefix>), ` +
        `or delete the ${run.namePrefix}-* hosts and machines first to reuse this one.`,
    },
  };
}

/** A run by operation id: the one running in this process, else the stored one. */
export function findRun(s: ArmServices, live: Map<string, FleetRun>, id: string): FleetRun | undefined {
  const mine = live.get(id);
  if (mine) return mine;
  const e = s.world.get(runResourceId(id));
  return e && e.type === FLEET_RUN_TYPE ? fromStored(e.body as StoredRun, false) : undefined;
}

/** Every known run (running here or stored), oldest first. */
export function allRuns(s: ArmServices, live: Map<string, FleetRun>): FleetRun[] {
  const out = new Map<string, FleetRun>();
  for (const e of s.world.ofType(FLEET_RUN_TYPE)) {
    const r = e.body as StoredRun;
    out.set(r.run.id, fromStored(r, live.has(r.run.id)));
  }
  for (const [id, run] of live) out.set(id, run);
  return [...out.values()].sort((a, b) => a.startTime.localeCompare(b.startTime));
}

/** Whether the stored record of the run says it finished (its final state is durable). */
export function savedFinished(s: ArmServices, id: string): boolean {
  const e = s.world.get(runResourceId(id));
  return !!e && (e.body as StoredRun).run.status !== "InProgress";
}

/**
 * Saves a running fleet between chunks: at most every PERSIST_MS, one write at a time, without
 * waiting for it; phase changes and the end are saved before the run goes on.
 */
export class Checkpoints {
  private last = 0;
  private pending: Promise<void> | undefined;
  /** The first failure to save (the run goes on; its record trails it). */
  failure: unknown;

  constructor(
    private readonly s: ArmServices,
    private readonly run: FleetRun,
  ) {}

  /** Saves now if PERSIST_MS passed since the last save and none is in flight. */
  maybe(): void {
    if (this.pending || performance.now() - this.last < PERSIST_MS) return;
    this.pending = this.save().finally(() => (this.pending = undefined));
  }

  /** Saves the run with its next phase, before the run enters it. */
  async phase(next: FleetProgress["phase"]): Promise<void> {
    await this.pending;
    await this.save(next);
  }

  /** Saves the run as it ended. */
  async end(): Promise<void> {
    await this.pending;
    await this.save();
  }

  private async save(phase?: FleetProgress["phase"]): Promise<void> {
    this.last = performance.now();
    try {
      await saveRun(this.s, this.run, phase);
    } catch (e) {
      this.failure ??= e;
    }
  }
}
