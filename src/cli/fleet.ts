// `arclink fleet --machines N`: starts a simulated fleet on the running ArcLink (N agents that
// onboard and heartbeat through the real admission path, see src/fleet/fleet.ts), follows its
// progress (a bar on a terminal, plain lines otherwise) and prints the summary: connected and
// refused by reason, time and rate. Exit 0 when every machine connected (or, with --allow-refused,
// when the fleet ran to its end), 1 when machines were refused or the run failed or stopped at its
// time limit, 2 for bad flags, 3 for a site or scope that does not exist.
// `arclink fleet --operation ID` shows a run (past, or following one in progress; runs are kept in
// the store, so this works after a restart and through any replica); `arclink fleet --list` lists
// the runs kept (the last 20).
import { ArmClient, readReady } from "./client.js";
import { CliError, EXIT, Flags } from "./flags.js";
import { CommandSpec, TARGET_FLAGS } from "./grammar.js";
import { Progress } from "./terminal.js";

const MAX_MACHINES = 1_000_000;
const HINT = "(arclink fleet --help lists the flags)";

export const FLEET: CommandSpec = {
  name: "fleet",
  summary: "Simulate N agents onboarding and heartbeating through the real admission path.",
  usage: [
    "--machines N [--site S] [--scope NAME|ID|none] [--location R] [--resource-group G] [--heartbeats K]",
    "    [--unassociated M] [--time-limit SECONDS] [--name-prefix P] [--agent-version V] [--allow-refused] [--json]",
    "--operation ID [--json]   (show a run; follows it while it is in progress)",
    "--list [--json]           (the runs kept: the last 20)",
  ],
  flags: [
    { name: "machines", kind: "string", value: "N", help: `how many machines, 1 to ${MAX_MACHINES}` },
    { name: "site", kind: "string", value: "S", help: "the on-premises site they sit in" },
    {
      name: "scope",
      kind: "string",
      value: "SCOPE",
      help: "their Private Link Scope, by name or id, or none",
    },
    { name: "location", kind: "string", value: "R", help: "their region" },
    { name: "resource-group", kind: "string", value: "G", help: "their resource group" },
    {
      name: "heartbeats",
      kind: "string",
      value: "K",
      help: "heartbeat rounds after onboarding, 0 to 10 (default 1)",
    },
    { name: "unassociated", kind: "string", value: "M", help: "how many of them have no scope (default 0)" },
    { name: "time-limit", kind: "string", value: "SECONDS", help: "stop the run after this long, 1 to 3600" },
    { name: "name-prefix", kind: "string", value: "P", help: "machine names are P-000000, P-000001, …" },
    { name: "agent-version", kind: "string", value: "V", help: "the agents' version (such as 1.45)" },
    { name: "allow-refused", kind: "boolean", help: "exit 0 even when machines were refused" },
    { name: "operation", kind: "string", value: "ID", help: "show a run (following it while it runs)" },
    { name: "list", kind: "boolean", help: "list the runs kept" },
    { name: "json", kind: "boolean", help: "the summary as JSON" },
    ...TARGET_FLAGS,
  ],
  exits:
    "0 every machine connected (or the run ended, with --allow-refused), 1 machines refused or the run failed, 2 usage, 3 no such site, scope or operation, 4 no running ArcLink.",
  run: fleetCommand,
};

function count(flags: Flags, name: string, min: number, max: number, dflt?: number): number | undefined {
  const v = flags.optString(name);
  if (v === undefined) return dflt;
  if (!/^\d+$/.test(v) || Number(v) < min || Number(v) > max)
    throw new CliError(
      `--${name} must be a whole number from ${min} to ${max}, got '${v}'. ${HINT}`,
      EXIT.usage,
    );
  return Number(v);
}

const OPERATIONS = "/providers/ArcLink.Lab/fleetOperations";

export async function fleetCommand(flags: Flags): Promise<void> {
  const operation = flags.optString("operation");
  if (operation !== undefined || flags.bool("list")) {
    if (flags.has("machines"))
      throw new CliError(
        `--machines starts a new fleet; it does not go with --operation or --list. ${HINT}`,
        EXIT.usage,
      );
    if (operation !== undefined && !/^[-0-9A-Za-z]{1,64}$/.test(operation))
      throw new CliError(
        `--operation takes a fleet operation id (as printed by arclink fleet), got '${operation}'.`,
        EXIT.usage,
      );
    const json = flags.bool("json");
    const client = new ArmClient(readReady(flags));
    if (operation === undefined) return listRuns(client, json);
    const status = await client.call("GET", client.sub(`${OPERATIONS}?id=${operation}`));
    return follow(client, status, json, flags.bool("allow-refused"));
  }
  if (!flags.has("machines"))
    throw new CliError(
      `--machines is required: --machines N, or --operation ID, or --list. ${HINT}`,
      EXIT.usage,
    );
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

  const started = await client.call("POST", client.sub("/providers/ArcLink.Lab/fleet"), body);
  return follow(client, started, json, flags.bool("allow-refused"));
}

/** Follows a run until it ends, then prints its summary and sets the exit code. */
async function follow(client: ArmClient, first: any, json: boolean, allowRefused: boolean): Promise<void> {
  const id = String(first.name);
  if (!json) process.stderr.write(`Fleet operation ${id} (arclink fleet --operation ${id} shows it again)\n`);
  const progress = new Progress(process.stderr, json);
  let status = first;
  for (;;) {
    progress.update(progressLine(status), phaseOf(status));
    if (status.status !== "InProgress") break;
    await new Promise((r) => setTimeout(r, 500));
    status = await client.call("GET", client.sub(`${OPERATIONS}?id=${id}`));
  }
  progress.end(progressLine(status));

  const summary = summarize(status);
  if (json) process.stdout.write(JSON.stringify(summary, null, 2) + "\n");
  else process.stdout.write(renderSummary(summary) + "\n");
  if (status.status !== "Succeeded") {
    if (json) process.exitCode = EXIT.refused;
    else
      throw new CliError(
        `${status.error?.code ?? status.status}: ${status.error?.message ?? ""}`,
        EXIT.refused,
      );
  } else if (summary.refused > 0 && !allowRefused)
    throw new CliError(
      `${summary.refused} of ${summary.machines} machines were refused (reasons above); --allow-refused accepts a run with refusals.`,
      EXIT.refused,
    );
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

function phaseOf(s: any): string {
  return `${s.status}/${s.properties?.phase}`;
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
