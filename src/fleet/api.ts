// The fleet as an ArcLink.Lab API, in ARM's long-running operation style:
//   POST /subscriptions/{s}/providers/ArcLink.Lab/fleet  {machines, site?, scope?, location?,
//        resourceGroup?, heartbeatRounds?, unassociated?, timeLimitSeconds?, namePrefix?}
//        → 202 Accepted with Azure-AsyncOperation and Location: the operation's status URL.
//   GET  /subscriptions/{s}/providers/ArcLink.Lab/fleetOperations?id={operation}
//        → the status (InProgress, Succeeded, Failed) with the fleet's counts; without id, every run.
// One fleet runs at a time per server. Each run is saved in the store (src/fleet/runs.ts): its
// status survives a restart, and any replica sharing the store answers for it; a run the restart
// interrupted reads as Failed (FleetInterruptedByRestart) with its last saved counts. The last 20
// runs are kept.
import { ArmError } from "../core/armError.js";
import { ArmRequest, ArmResponse, ArmServices } from "../engine/context.js";
import { EvaluatorTable } from "../analysis/evaluators.js";
import { FleetRun, newRun, operationStatus, runFleet } from "./fleet.js";
import { planFleet } from "./plan.js";
import { allRuns, alreadyRunning, findRun, KEEP, saveRun, savedFinished } from "./runs.js";

/** Runs this process is running (or whose final state it could not save yet). */
const running = new WeakMap<ArmServices, Map<string, FleetRun>>();

function runningOn(s: ArmServices): Map<string, FleetRun> {
  let m = running.get(s);
  if (!m) running.set(s, (m = new Map()));
  return m;
}

function statusPath(sub: string): string {
  return `/subscriptions/${sub}/providers/ArcLink.Lab/fleetOperations`;
}

export async function startFleet(s: ArmServices, r: ArmRequest): Promise<ArmResponse> {
  const sub = r.path.split("/")[2];
  const live = runningOn(s);
  // Runs in progress here or, as far as this replica has seen, on another one (before planning;
  // the store decides at commit, in saveRun).
  const busy = allRuns(s, live).find((x) => x.status === "InProgress");
  if (busy) throw alreadyRunning(busy);
  const plan = planFleet(s, sub, r.body);
  const run = newRun(plan, s.clock.now());
  live.set(run.id, run);
  // Stored before it is announced: its status URL answers on every replica and after a restart.
  try {
    await saveRun(s, run);
  } catch (e) {
    live.delete(run.id);
    throw e;
  }
  void runFleet(s, run, r.principal, r.baseUrl).finally(() => {
    if (savedFinished(s, run.id)) live.delete(run.id);
    // Runs whose end could not be saved stay here, the newest KEEP of them.
    for (const [id, x] of live) {
      if (live.size <= KEEP) break;
      if (x.status !== "InProgress") live.delete(id);
    }
  });
  const url = `${r.baseUrl}${statusPath(sub)}?id=${run.id}&api-version=${encodeURIComponent(r.apiVersion)}`;
  return {
    status: 202,
    body: operationStatus(run, `${statusPath(sub)}/${run.id}`),
    headers: { "Azure-AsyncOperation": url, Location: url, "Retry-After": "1" },
  };
}

export function fleetOperations(s: ArmServices, r: ArmRequest): ArmResponse {
  const sub = r.path.split("/")[2];
  const live = runningOn(s);
  const id = r.query.get("id");
  const mine = (x: FleetRun) => x.plan.subscription.toLowerCase() === sub.toLowerCase();
  if (id === null) {
    return {
      status: 200,
      body: {
        value: allRuns(s, live)
          .filter(mine)
          .map((x) => operationStatus(x, `${statusPath(sub)}/${x.id}`)),
      },
    };
  }
  const run = findRun(s, live, id);
  if (!run || !mine(run))
    throw new ArmError(
      404,
      "OperationNotFound",
      `No fleet operation '${id}' in subscription ${sub}. The last ${KEEP} runs are kept; list them with GET ${statusPath(sub)} (or arclink fleet --list).`,
    );
  return { status: 200, body: operationStatus(run, `${statusPath(sub)}/${run.id}`) };
}

/** The fleet's ARM actions, registered by the composition root (server/app.ts) beside ArcLink.Lab's. */
export const FLEET_EVALUATORS: EvaluatorTable = {
  "arclink.lab|fleet": { method: "POST", fn: startFleet },
  "arclink.lab|fleetoperations": { method: "GET", fn: fleetOperations },
};
