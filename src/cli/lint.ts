// `arclink lint`: every rule over a world — the running server's (default, through its lint
// evaluator), a topology file's (--topology FILE, applied in memory by the real providers), or an
// export of a real environment (--export FILE [--onprem FILE]). Exit status: 0 clean (or notes
// only), 1 findings (warnings or errors), 2 usage, 3 an input it cannot read, 4 no running ArcLink.
import { readFileSync } from "node:fs";
import { once } from "node:events";
import { LintReport, lint, exitCodeOf } from "../analysis/lint/lint.js";
import { writeJson } from "../analysis/lint/format/json.js";
import { toSarif } from "../analysis/lint/format/sarif.js";
import { renderFixPlan, renderTable } from "../analysis/lint/format/table.js";
import { renderProvenPlan } from "../analysis/lint/format/fixPlan.js";
import { proveFixPlan, ProvenPlan } from "../analysis/lint/fixPlan.js";
import { World } from "../world/world.js";
import { LintSource } from "../analysis/lint/context.js";
import { RULES } from "../analysis/lint/index.js";
import { sandboxFromTopology } from "../analysis/lint/sources.js";
import { sandboxFromFiles } from "../analysis/export/index.js";
import { policyHelp } from "../analysis/lint/governance.js";
import { DEFAULT_SETTINGS, readSettings } from "../engine/settings.js";
import { ArmClient, readReady } from "./client.js";
import { JsonIndenter } from "../core/jsonIndent.js";
import { CliError, EXIT, Flags } from "./flags.js";
import { CommandSpec, TARGET_FLAGS } from "./grammar.js";
import { userError } from "./errors.js";
import { colorEnabled } from "./terminal.js";

export const LINT: CommandSpec = {
  name: "lint",
  summary: "Lint a whole topology: every rule, with every machine's paths (exit 1 on findings).",
  usage: [
    "[--topology FILE | --export F[,F…] [--onprem FILE]] [--format table|json|sarif] [--fix-plan] [flags]",
  ],
  description: `Input (one of): the running ArcLink's world (default; --data DIR or --ready-file F finds it);
--topology FILE, applied in memory by ArcLink's providers (no server); or --export, an export of
a real environment (JSON): 'az resource list --expand properties', Resource Graph results (az
graph query -o json, one file per page), 'az network private-endpoint list', 'az network
private-dns zone list' / 'record-set list' / 'link vnet list', 'az rest' lists, or an ARM template
export (az group export). --onprem gives the export's on-premises facts in the topology file's
format (sites, siteConnections, dnsServers, hosts, firewalls, proxies); a DNS server may point at
its own files (bind: named.conf, unbound: unbound.conf, windowsDns: {zones, forwarders,
records}), a host at its hostsFilePath and its agent's evidence (agentShow: the JSON of azcmagent
show -j, agentCheck: of azcmagent check -j).

--fix-plan builds a fix plan, tries it in the what-if sandbox, and prints it with its proof (the
findings each step resolves, none left, no new finding, no private verdict lost); steps that would
delete or move what works, or break the seed's rules, are left out and the choices listed.`,
  flags: [
    {
      name: "topology",
      kind: "string",
      value: "FILE",
      complete: "file",
      help: "lint a topology file (no server)",
    },
    {
      name: "export",
      kind: "string",
      value: "F[,F…]",
      complete: "file",
      help: "lint an export of a real environment",
    },
    {
      name: "onprem",
      kind: "string",
      value: "FILE",
      complete: "file",
      help: "on-premises facts for --export",
    },
    {
      name: "subscription",
      kind: "string",
      value: "S",
      help: "for ARM template exports (they carry no ids)",
    },
    { name: "resource-group", kind: "string", value: "G", help: "for ARM template exports" },
    {
      name: "format",
      kind: "string",
      value: "FORMAT",
      choices: ["table", "json", "sarif"],
      help: "the output (default table; colour on a terminal unless NO_COLOR)",
    },
    {
      name: "sarif-root",
      kind: "string",
      value: "DIR",
      complete: "dir",
      help: "SARIF file URIs are relative to DIR (default: the current directory)",
    },
    { name: "fix-plan", kind: "boolean", help: "a fix plan, with its proof from the what-if sandbox" },
    { name: "trace", kind: "boolean", help: "the trace behind each finding that comes from check()" },
    { name: "rules", kind: "string", value: "a,b", help: "run only these rules (ids as in --list-rules)" },
    { name: "list-rules", kind: "boolean", help: "print the rules and exit" },
    { name: "hosts", kind: "string", value: "N", help: "at most N host lines in the table (default 200)" },
    { name: "host-traces", kind: "boolean", help: "every host's endpoint traces in --format json" },
    ...TARGET_FLAGS,
  ],
  exits:
    "0 no findings (or notes only), 1 findings (warnings or errors), 2 usage, 3 an input it cannot read, 4 no running ArcLink.",
  run: lintCommand,
};

export async function lintCommand(flags: Flags): Promise<void> {
  try {
    process.exitCode = await run(flags);
  } catch (e) {
    // A file lint cannot read or understand (its messages name the file and line) is an input error.
    throw userError(e) ?? new CliError((e as Error).message, EXIT.input, e);
  }
}

async function run(flags: Flags): Promise<number> {
  const topology = flags.optString("topology");
  const exportFile = flags.optString("export");
  const onprem = flags.optString("onprem");
  const sub = flags.optString("subscription");
  const rg = flags.optString("resource-group");
  const format = flags.string("format", "table");
  const fixPlan = flags.bool("fix-plan");
  const trace = flags.bool("trace");
  const listRules = flags.bool("list-rules");
  const hostTraces = flags.bool("host-traces");
  const rules = flags
    .optString("rules")
    ?.split(",")
    .map((x) => x.trim())
    .filter(Boolean);
  const maxHosts = flags.int("hosts", 200);
  const sarifRoot = flags.optString("sarif-root");
  if (!["table", "json", "sarif"].includes(format))
    throw new CliError(`--format must be table, json or sarif, got '${format}'.`, EXIT.usage);
  if (topology && exportFile) throw new CliError("Give --topology or --export, not both.", EXIT.usage);
  if (onprem && !exportFile) throw new CliError("--onprem goes with --export.", EXIT.usage);
  for (const r of rules ?? [])
    if (!RULES.some((x) => x.id === r))
      throw new CliError(`No rule '${r}'. Rules: ${RULES.map((x) => x.id).join(", ")}.`, EXIT.usage);
  if (listRules) {
    for (const r of RULES)
      process.stdout.write(
        `${r.id} (${r.severity}): ${r.title}\n    why: ${r.why}\n    fix: ${r.fix}\n` +
          (policyHelp(r.id) ? `    ${policyHelp(r.id)}\n` : ""),
      );
    return 0;
  }
  let report: LintReport;
  let source: LintSource | undefined;
  let sarif: any;
  let proofWorld: { world: World; now: Date; propagationDelayMs: number } | undefined;
  let proven: ProvenPlan | undefined;
  if (topology || exportFile) {
    const read = (f: string) => {
      try {
        return readFileSync(f, "utf8");
      } catch (e) {
        throw new CliError(`Cannot read ${f}: ${(e as Error).message}`, EXIT.input);
      }
    };
    // Only the sandbox and the source are kept: the plan and the file's parsed value are not held
    // while the report is made and written.
    const { sandbox, source: built } = topology
      ? await sandboxFromTopology(read(topology), topology, undefined, { locateLater: format === "json" })
      : await sandboxFromFiles(
          {
            exports: exportFile!
              .split(",")
              .filter(Boolean)
              .map((file) => ({ text: read(file), file })),
            onprem: onprem ? { text: read(onprem), file: onprem } : undefined,
          },
          { subscriptionId: sub, resourceGroup: rg },
        );
    source = built;
    for (const n of source.notes ?? [])
      process.stderr.write(`note: ${n.file}${n.line ? `:${n.line}` : ""}: ${n.message}\n`);
    const w = sandbox.world;
    proofWorld = {
      world: w,
      now: sandbox.services.clock.now(),
      propagationDelayMs: (readSettings(w) ?? DEFAULT_SETTINGS).propagationDelayMs,
    };
    report = lint(
      {
        view: w,
        now: sandbox.services.clock.now(),
        propagationDelayMs: (readSettings(w) ?? DEFAULT_SETTINGS).propagationDelayMs,
        source,
      },
      { rules },
    );
  } else {
    const client = new ArmClient(readReady(flags), LINT_TIMEOUT_MS);
    const path = client.sub("/providers/ArcLink.Lab/lint");
    const body = { rules, hostTraces: hostTraces || undefined, fixPlan: fixPlan || undefined };
    if (format === "json" && !fixPlan) return streamJson(client, path, body);
    // The table shows the first --hosts hosts; a fix plan and SARIF need none (the findings say it all).
    // Each finding's first machines: the table names ten and counts the rest.
    const json = await client.call("POST", path, {
      ...body,
      hostsTop: format === "table" ? maxHosts : 0,
      machinesTop: format === "table" ? 10 : 0,
    });
    if (json.fixPlan) proven = json.fixPlan;
    report = { ...json, rules: RULES.filter((r) => json.rules.some((x: any) => x.id === r.id)) };
    if (format === "sarif") sarif = await client.call("POST", path, { ...body, format: "sarif" });
  }
  const locate = source?.locate;
  if (fixPlan && proofWorld) proven = await proveFixPlan(proofWorld.world, report, proofWorld);
  if (fixPlan && proven) process.stdout.write(renderProvenPlan(proven));
  else if (fixPlan) process.stdout.write(renderFixPlan(report));
  else if (format === "json")
    // A few MiB at a time, waiting for a slow reader: a large estate's report is never one string.
    await writeJson(
      report,
      async (chunk) => {
        if (!process.stdout.write(chunk)) await once(process.stdout, "drain");
      },
      { hostTraces },
    );
  else if (format === "sarif")
    process.stdout.write(
      JSON.stringify(sarif ?? toSarif(report, locate, { root: sarifRoot }), null, 2) + "\n",
    );
  else
    process.stdout.write(
      renderTable(report, { color: colorEnabled(process.stdout), trace, maxHosts }, (id) => {
        const l = locate?.(id);
        return l ? `${l.file}:${l.line} (${id})` : id;
      }),
    );
  // Warnings and errors alike are findings (exit 1); the severities are in the report.
  return exitCodeOf(report) > 0 ? EXIT.refused : EXIT.ok;
}

/**
 * How long the CLI waits for the first byte of lint's answer: the server checks every host before
 * it answers (about a minute for a million on a busy machine).
 */
const LINT_TIMEOUT_MS = 600_000;

/**
 * --format json against a server: its answer (compact JSON, written in pieces) indented as it
 * arrives and written out, never held whole (a million hosts' report is about 2 GB, more than one
 * string can hold); the same bytes as writeJson of the report. The exit status comes from the
 * findings' severities, read as they pass.
 */
async function streamJson(client: ArmClient, path: string, body: object): Promise<number> {
  let findings = false;
  const indenter = new JsonIndenter({
    watch: ["findings", "*", "severity"],
    onValue: (severity) => {
      if (severity === "error" || severity === "warning") findings = true;
    },
  });
  const write = async (b: Buffer) => {
    if (b.length && !process.stdout.write(b)) await once(process.stdout, "drain");
  };
  await client.stream("POST", path, body, (chunk) => write(indenter.push(chunk)));
  if (!indenter.complete)
    throw new CliError(
      "ArcLink's lint answer ended before the report did: run arclink lint again.",
      EXIT.unreachable,
    );
  await write(Buffer.from("\n"));
  return findings ? EXIT.refused : EXIT.ok;
}
