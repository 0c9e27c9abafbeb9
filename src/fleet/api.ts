// The fleet as an ArcLink.Lab API, in ARM's long-running operation style:
//   POST /subscriptions/{s}/providers/ArcLink.Lab/fleet  {machines, site?, scope?, location?,
//        resourceGroup?, heartbeatRounds?, unassociated?, timeLimitSeconds?, namePrefix?}
//        → 202 Accepted with Azure-AsyncOperation and Location: the operation's status URL.
//   GET  /subscriptions/{s}/providers/ArcLink.Lab/fleetOperations?id={operation}
//        → the status (InProgress, Succeeded, Failed) with the fleet's counts; without id, every run.
// One fleet runs at a time per server; runs are kept in memory (a restart forgets them, not what
// they wrote).
import { ArmError } from "../core/armError.js";
import { ArmRequest, ArmResponse, ArmServices } from "../frontends/arm/context.js";
import { FleetRun, newRun, operationStatus, planFleet, runFleet } from "./fleet.js";

const runs = new WeakMap<ArmServices, Map<string, FleetRun>>();
/** Finished runs kept for polling (the oldest are forgotten first). */
const KEEP = 20;

function runsOf(s: ArmServices): Map<string, FleetRun> {
  let m = runs.get(s);
  if (!m) runs.set(s, (m = new Map()));
  return m;
}

function statusPath(sub: string): string {
  return `/subscriptions/${sub}/providers/ArcLink.Lab/fleetOperations`;
}

export function startFleet(s: ArmServices, r: ArmRequest): ArmResponse {
  const sub = r.path.split("/")[2];
  const all = runsOf(s);
  const busy = [...all.values()].find((x) => x.status === "InProgress");
  if (busy)
    throw new ArmError(
      409,
      "FleetAlreadyRunning",
      `Fleet ${busy.id} (${busy.plan.machines} machines) is still running; one fleet runs at a time. Wait for it (GET ${statusPath(sub)}?id=${busy.id}) and start again.`,
    );
  const plan = planFleet(s, sub, r.body);
  const run = newRun(plan, s.clock.now());
  all.set(run.id, run);
  for (const [id, x] of all) {
    if (all.size <= KEEP) break;
    if (x.status !== "InProgress") all.delete(id);
  }
  void runFleet(s, run, r.principal, r.baseUrl);
  const url = `${r.baseUrl}${statusPath(sub)}?id=${run.id}&api-version=${encodeURIComponent(r.apiVersion)}`;
  return {
    status: 202,
    body: operationStatus(run, `${statusPath(sub)}/${run.id}`),
    headers: { "Azure-AsyncOperation": url, Location: url, "Retry-After": "1" },
  };
}

export function fleetOperations(s: ArmServices, r: ArmRequest): ArmResponse {
  const sub = r.path.split("/")[2];
  const all = runsOf(s);
  const id = r.query.get("id");
  const mine = (x: FleetRun) => x.plan.subscription.toLowerCase() === sub.toLowerCase();
  if (id === null) {
    return {
      status: 200,
      body: {
        value: [...all.values()].filter(mine).map((x) => operationStatus(x, `${statusPath(sub)}/${x.id}`)),
      },
    };
  }
  const run = all.get(id);
  if (!run || !mine(run))
    throw new ArmError(
      404,
      "OperationNotFound",
      `No fleet operation '${id}' on this server (runs are kept in memory: a restart forgets them).`,
    );
  return { status: 200, body: operationStatus(run, `${statusPath(sub)}/${run.id}`) };
}
