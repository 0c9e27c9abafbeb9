// Onboarding and heartbeats through the real admission path, in-process: for a host with an
// Arc machine, the agent's call to its regional HIS is resolved with the host's DNS, routed,
// filtered and admitted exactly as the gateway would; only an admitted call marks the machine
// Connected. Used by the first-run experience and by `arclink fleet`.
//
// Deciding (evaluateCheckIn) and recording (recordOnboarding, recordHeartbeat) are separate so a
// fleet can decide many hosts against one state of the world and then record them all at once:
// the Writer commits writes that queue together in one store transaction.
import { hisCode } from "../core/arcEndpoints.js";
import { HostModel } from "../network/model.js";
import { Writer } from "../world/writer.js";
import { Entry } from "../world/world.js";
import { recordCheckIn } from "../providers/hybridcompute/machineStatus.js";
import { CheckContext, checkEndpoint, EndpointCheck, Verdict } from "./check.js";
import { machineOfHost } from "./hostMachine.js";

export interface OnboardResult {
  host: string;
  machine?: string;
  connected: boolean;
  /** The check of the regional HIS endpoint, with its trace (evaluateCheckIn's; onboardHosts keeps none). */
  check?: EndpointCheck;
}

export interface CheckInDecision extends OnboardResult {
  machineEntry?: Entry;
}

/** Whether the host's agent gets through to its machine's regional HIS (DNS → route → filter → admission). */
export function evaluateCheckIn(ctx: CheckContext, h: HostModel, agentVersion?: string): CheckInDecision {
  const machine = machineOfHost(ctx.view, h);
  if (!machine) return { host: h.name, connected: false };
  const region = String(machine.body.location);
  const c = checkEndpoint(ctx, h, `${hisCode(region)}.his.arc.azure.com`, { agentVersion });
  return {
    host: h.name,
    machine: machine.body.name,
    machineEntry: machine,
    connected: c.verdict !== "refused",
    check: c,
  };
}

/** What HIS records when it registers an admitted machine. */
export function recordOnboarding(
  writer: Writer,
  h: HostModel,
  d: CheckInDecision,
  now: Date,
  agentVersion = "1.45",
): Promise<void> {
  return recordAdmitted(writer, h, d.machineEntry!, d.check?.verdict, now, agentVersion);
}

/** recordOnboarding from what it reads of a decision: the machine and the HIS endpoint's verdict. */
function recordAdmitted(
  writer: Writer,
  h: HostModel,
  machine: Entry,
  verdict: Verdict | undefined,
  now: Date,
  agentVersion: string,
): Promise<void> {
  const at = now.toISOString();
  return writer.run((tx) =>
    recordCheckIn(
      tx,
      machine.id,
      at,
      { agentVersion: machine.body.properties?.agentVersion ?? agentVersion },
      { hostId: h.id, onboardedVia: verdict, onboardedAt: at },
    ),
  );
}

/** What HIS records for an admitted heartbeat. */
export function recordHeartbeat(writer: Writer, machineId: string, now: Date, agentVersion?: string) {
  const at = now.toISOString();
  return writer.run((tx) => recordCheckIn(tx, machineId, at, { agentVersion }));
}

/**
 * Onboards many hosts as `arclink serve --topology` does at start: every host is decided against
 * the same state of the world (one host's onboarding changes only its own machine), then the
 * admitted ones are recorded together, so the Writer commits them in a few store transactions
 * instead of one per machine. Results are in the order of `hosts`, without the checks: of each
 * decision only what the record needs is kept, so its trace dies young instead of being held
 * (100,000 traces held until the last host was decided made the decisions cost twice as much CPU,
 * most of it in the collector copying them).
 */
export async function onboardHosts(
  ctx: CheckContext,
  writer: Writer,
  hosts: Iterable<HostModel>,
  agentVersion = "1.45",
): Promise<OnboardResult[]> {
  const decided: Array<OnboardResult & { h: HostModel; machineEntry?: Entry; verdict?: Verdict }> = [];
  for (const h of hosts) {
    const d = evaluateCheckIn(ctx, h);
    decided.push({
      h,
      host: d.host,
      machine: d.machine,
      connected: d.connected,
      machineEntry: d.machineEntry,
      verdict: d.check?.verdict,
    });
  }
  await Promise.all(
    decided
      .filter((x) => x.connected)
      .map((x) => recordAdmitted(writer, x.h, x.machineEntry!, x.verdict, ctx.now, agentVersion)),
  );
  return decided.map((x) => ({ host: x.host, machine: x.machine, connected: x.connected }));
}
