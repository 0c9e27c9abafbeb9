// `arclink fleet --machines N`: starts a simulated fleet on the running ArcLink (N agents that
// onboard and heartbeat through the real admission path, see src/fleet/fleet.ts), follows its
// progress (a bar on a terminal, plain lines otherwise) and prints the summary: connected and
// refused by reason, time and rate. Exit 0 when the fleet ran to its end (refused machines are a
// result, not an error), 1 when it failed or stopped at its time limit, 2 for bad flags.
// `arclink fleet --operation ID` shows a run (past, or following one in progress; runs are kept in
// the store, so this works after a restart and through any replica); `arclink fleet --list` lists
// the runs kept (the last 20).
import { ArmClient, readReady } from "./client.js";
import { CliError, Flags } from "./flags.js";

const MAX_MACHINES = 200_000;
const USAGE =
  "Usage: arclink fleet --machines N [--site S] [--scope NAME|ID|none] [--location R] [--resource-group G]\n" +
  "                     [--heartbeats K] [--unassociated M] [--time-limit SECONDS] [--name-prefix P]\n" +
  "                     [--agent-version V] [--json]\n" +
  "       arclink fleet --operation ID [--json]   (show a run; follows it while it is in progress)\n" +
  "       arclink fleet --list [--json]           (the runs kept: the last 20)";

function count(flags: Flags, name: string, min: number, max: number, dflt?: number): number | undefined {
  const v = flags.optString(name);
  if (v === undefined) return dflt;
  if (!/^\d+$/.test(v) || Number(v) < min || Number(v) > max)
    throw new CliError(`--${name} must be a whole number from ${min} to ${max}, got '${v}'.\n${USAGE}`, 2);
  return Number(v);
}

const OPERATIONS = "/providers/ArcLink.Lab/fleetOperations";

export async function fleetCommand(flags: Flags): Promise<void> {
  const operation = flags.optString("operation");
  if (operation !== undefined || flags.bool("list")) {
    if (flags.has("machines"))
      throw new CliError(
        `--machines starts a new fleet; it does not go with --operation or --list.\n${USAGE}`,
        2,
      );
    if (operation !== undefined && !/^[-0-9A-Za-z]{1,64}$/.test(operation))
      throw new CliError(
        `--operation takes a fleet operation id (as printed by arclink fleet), got '${operation}'.`,
        2,
      );
    const json = flags.bool("json");
    const client = new ArmClient(readReady(flags));
    flags.rejectUnknown();
    if (operation === undefined) return listRuns(client, json);
    const status = await client.call("GET", client.sub(`${OPERATIONS}?id=${operation}`));
    return follow(client, status, json);
  }
  if (!flags.has("machines")) throw new CliError(`--machines is required.\n${USAGE}`, 2);
  const machines = count(flags, "machines", 1, MAX_MACHINES)!;
  const body = {
    machines,
    site: flags.optString("site"),
    scope: flags.optString("scope"),
    location: flags.optString("location"),
    resourceGroup: flags.optString("resource-group"),
    heartbeatRounds: count(flags, "heartbeats", 0, 10, 1),
    unassociated: count(flags, "unassociated", 0, machines, 0),
    timeLimitSeconds: count(flags, "time-limit", 1, 3600),
    namePrefix: flags.optString("name-prefix"),
    agentVersion: flags.optString("agent-version"),
  };
  const json = flags.bool("json");
  const client = new ArmClient(readReady(flags));
  flags.rejectUnknown();

  const started = await client.call("POST", client.sub("/providers/ArcLink.Lab/fleet"), body);
  return follow(client, started, json);
}

/** Follows a run until it ends, then prints its summary and sets the exit code. */
async function follow(client: ArmClient, first: any, json: boolean): Promise<void> {
  const id = String(first.name);
  const tty = !json && process.stderr.isTTY === true;
  if (!json) process.stderr.write(`Fleet operation ${id} (arclink fleet --operation ${id} shows it again)\n`);
  let status = first;
  let lastLine = "";
  for (;;) {
    const line = progressLine(status);
    if (tty) process.stderr.write(`\r${line}\x1b[K`);
    else if (!json && phaseOf(status) !== phaseOf(lastStatus)) process.stderr.write(`${line}\n`);
    lastLine = line;
    lastStatus = status;
    if (status.status !== "InProgress") break;
    await new Promise((r) => setTimeout(r, 500));
    status = await client.call("GET", client.sub(`${OPERATIONS}?id=${id}`));
  }
  if (tty) process.stderr.write("\n");
  else if (!json && lastLine !== progressLine(status)) process.stderr.write(`${progressLine(status)}\n`);

  const summary = summarize(status);
  if (json) process.stdout.write(JSON.stringify(summary, null, 2) + "\n");
  else process.stdout.write(renderSummary(summary) + "\n");
  if (status.status !== "Succeeded") {
    if (json) process.exitCode = 1;
    else throw new CliError(`${status.error?.code ?? status.status}: ${status.error?.message ?? ""}`, 1);
  }
}

async function listRuns(client: ArmClient, json: boolean): Promise<void> {
  const list = await client.call("GET", client.sub(OPERATIONS));
  const runs = (list.value as any[]).map((x) => ({
    ...summarize(x),
    startTime: x.startTime,
    endTime: x.endTime,
  }));
  if (json) {
    process.stdout.write(JSON.stringify(runs, null, 2) + "\n");
    return;
  }
  if (!runs.length) {
    process.stdout.write("No fleet runs kept.\n");
    return;
  }
  for (const x of runs)
    process.stdout.write(
      `${x.id}  ${x.startTime}  ${x.status}${x.error ? ` (${x.error.code})` : ""}  ${x.machines} machines (${x.namePrefix}-*): ${x.created} created, ${x.connected} connected, ${x.refused} refused\n`,
    );
}

function summarize(status: any): any {
  const p = status.properties ?? {};
  return {
    id: String(status.name),
    status: status.status,
    machines: p.machines,
    created: p.created,
    connected: p.connected,
    refused: p.refused,
    refusedByReason: p.refusedByReason,
    site: p.site,
    scope: p.scope,
    resourceGroup: p.resourceGroup,
    namePrefix: p.namePrefix,
    location: p.location,
    createSeconds: p.createSeconds,
    onboardSeconds: p.onboardSeconds,
    onboardPerSecond: p.onboardPerSecond,
    heartbeatRounds: p.heartbeatRounds,
    heartbeatsAdmitted: p.heartbeatsAdmitted,
    heartbeatsRefused: p.heartbeatsRefused,
    heartbeatsRefusedByReason: p.heartbeatsRefusedByReason,
    heartbeatCpuSecondsPerRound: p.heartbeatCpuSecondsPerRound,
    heartbeatCoreShareAt5Min: p.heartbeatCoreShareAt5Min,
    residentMemoryBytes: p.residentMemoryBytes,
    error: status.error,
  };
}

let lastStatus: any;

function phaseOf(s: any): string {
  return s ? `${s.status}/${s.properties?.phase}` : "";
}

function progressLine(s: any): string {
  const p = s.properties ?? {};
  const pct = Number(s.percentComplete ?? 0);
  const width = 30;
  const full = Math.round((width * pct) / 100);
  const bar = "#".repeat(full) + ".".repeat(width - full);
  const what =
    p.phase === "creating"
      ? `creating ${p.created}/${p.machines}`
      : p.phase === "onboarding"
        ? `onboarding ${p.evaluated}/${p.machines}`
        : p.phase === "heartbeats"
          ? `heartbeat round ${p.heartbeatRound}/${p.heartbeatRounds}`
          : "done";
  return `[${bar}] ${String(pct).padStart(3)}% ${what}  connected ${p.connected}  refused ${p.refused}`;
}

function renderSummary(x: any): string {
  const f = (n: unknown, d = 1) => (typeof n === "number" ? n.toFixed(d) : "-");
  const lines = [
    `Fleet ${x.id}: ${x.status}`,
    `  ${x.machines} machines (${x.namePrefix}-*) in site ${x.site}, resource group ${x.resourceGroup}, ${x.location}, scope ${x.scope ? String(x.scope).split("/").pop() : "none"}`,
    `  connected  ${x.connected}`,
    `  refused    ${x.refused}`,
  ];
  for (const [reason, n] of Object.entries(x.refusedByReason ?? {}).sort(
    (a, b) => Number(b[1]) - Number(a[1]),
  ))
    lines.push(`    ${reason}: ${n}`);
  lines.push(
    `  created in ${f(x.createSeconds)} s; onboarded in ${f(x.onboardSeconds)} s (${f(x.onboardPerSecond, 0)} machines/s)`,
  );
  if (x.heartbeatRounds) {
    lines.push(
      `  heartbeats: ${x.heartbeatsAdmitted} admitted, ${x.heartbeatsRefused} refused over ${x.heartbeatRounds} round(s); ${f(x.heartbeatCpuSecondsPerRound, 2)} s CPU per round = ${f((x.heartbeatCoreShareAt5Min ?? 0) * 100, 2)} % of one core at the 5-minute cadence`,
    );
    for (const [reason, n] of Object.entries(x.heartbeatsRefusedByReason ?? {}))
      lines.push(`    ${reason}: ${n}`);
  }
  if (x.residentMemoryBytes)
    lines.push(`  server resident memory ${f(x.residentMemoryBytes / 1048576, 0)} MiB`);
  if (x.error) lines.push(`  ${x.error.code}: ${x.error.message}`);
  return lines.join("\n");
}
