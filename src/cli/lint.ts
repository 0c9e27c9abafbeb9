// `arclink lint`: every rule over a world — the running server's (default, through its lint
// evaluator), a topology file's (--topology FILE, applied in memory by the real providers), or an
// export of a real environment (--export FILE [--onprem FILE]). Exit status: 0 clean (or notes
// only), 1 warnings only, 2 errors; 3 when lint could not run (bad flags, unreadable input, no server).
import { readFileSync } from "node:fs";
import { LintReport, lint, exitCodeOf } from "../analysis/lint/lint.js";
import { renderJson } from "../analysis/lint/format/json.js";
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
import { DEFAULT_SETTINGS, readSettings } from "../server/settings.js";
import { ArmClient, readReady } from "./client.js";
import { CliError, Flags } from "./flags.js";

export const LINT_USAGE = `Usage: arclink lint [--topology FILE | --export FILE [--onprem FILE]] [flags]

Lints a whole topology: every rule of the Arc Private Link article and of the fact sheet's failure
modes, with every machine's paths (check() for each host: private / public / refused and why).

Input (one of):
  (default)            the running ArcLink's world (--data DIR or --ready-file F to find it)
  --topology FILE      a topology file, applied in memory by ArcLink's providers (no server)
  --export F[,F…]      an export of a real environment (JSON): 'az resource list --expand
                       properties', Resource Graph results (az graph query -o json, one file
                       per page), 'az network private-endpoint list', 'az network private-dns
                       zone list' / 'record-set list' / 'link vnet list', 'az rest' lists, or
                       an ARM template export (az group export)
    --onprem FILE      on-premises facts for the export, in the topology file's format
                       (sites, siteConnections, dnsServers, hosts, firewalls, proxies); a DNS
                       server may point at its own files (bind: named.conf, unbound:
                       unbound.conf, windowsDns: {zones, forwarders, records}), a host at
                       its hostsFilePath and its agent's evidence (agentShow: the JSON of
                       azcmagent show -j, agentCheck: of azcmagent check -j)
    --subscription S --resource-group G   for ARM template exports (they carry no ids)

Output:
  --format table|json|sarif   (default table; colour on a terminal)
  --sarif-root DIR     SARIF file URIs are relative to DIR (default: the current directory,
                       the repository root in CI)
  --fix-plan           build a fix plan, try it in the what-if sandbox, and print it with its proof
                       (the findings each step resolves, none left, no new finding, no private
                       verdict lost); steps that would delete or move what works, or break the
                       seed's rules, are left out and the choices listed (--topology, --export)
  --trace              show the trace behind each finding that comes from check()
  --rules a,b          run only these rules (ids as in --list-rules)
  --list-rules         print the rules and exit
  --hosts N            at most N host lines in the table (default 200)

Exit status: 0 no findings (or notes only), 1 warnings only, 2 errors, 3 lint could not run.
`;

const BOOLEANS = ["fix-plan", "trace", "list-rules", "host-traces", "help"];

export async function lintCommand(argv: string[]): Promise<void> {
  try {
    process.exitCode = await run(argv);
  } catch (e) {
    if (e instanceof CliError) throw new CliError(e.message, 3);
    throw new CliError((e as Error).message, 3);
  }
}

async function run(argv: string[]): Promise<number> {
  const flags = new Flags(argv, BOOLEANS);
  if (flags.bool("help")) {
    process.stdout.write(LINT_USAGE);
    return 0;
  }
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
    throw new CliError(`--format must be table, json or sarif, got '${format}'.`);
  if (topology && exportFile) throw new CliError("Give --topology or --export, not both.");
  if (onprem && !exportFile) throw new CliError("--onprem goes with --export.");
  for (const r of rules ?? [])
    if (!RULES.some((x) => x.id === r))
      throw new CliError(`No rule '${r}'. Rules: ${RULES.map((x) => x.id).join(", ")}.`);
  if (listRules) {
    flags.rejectUnknown();
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
    flags.rejectUnknown();
    const read = (f: string) => {
      try {
        return readFileSync(f, "utf8");
      } catch (e) {
        throw new CliError(`Cannot read ${f}: ${(e as Error).message}`);
      }
    };
    const built = topology
      ? await sandboxFromTopology(read(topology), topology)
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
    source = built.source;
    for (const n of source.notes ?? [])
      process.stderr.write(`note: ${n.file}${n.line ? `:${n.line}` : ""}: ${n.message}\n`);
    const w = built.sandbox.world;
    proofWorld = {
      world: w,
      now: built.sandbox.services.clock.now(),
      propagationDelayMs: (readSettings(w) ?? DEFAULT_SETTINGS).propagationDelayMs,
    };
    report = lint(
      {
        view: w,
        now: built.sandbox.services.clock.now(),
        propagationDelayMs: (readSettings(w) ?? DEFAULT_SETTINGS).propagationDelayMs,
        source,
      },
      { rules },
    );
  } else {
    const client = new ArmClient(readReady(flags));
    flags.rejectUnknown();
    const path = client.sub("/providers/ArcLink.Lab/lint");
    const body = { rules, hostTraces: hostTraces || undefined, fixPlan: fixPlan || undefined };
    const json = await client.call("POST", path, body);
    if (json.fixPlan) proven = json.fixPlan;
    report = { ...json, rules: RULES.filter((r) => json.rules.some((x: any) => x.id === r.id)) };
    if (format === "sarif") sarif = await client.call("POST", path, { ...body, format: "sarif" });
  }
  const locate = source?.locate;
  if (fixPlan && proofWorld) proven = await proveFixPlan(proofWorld.world, report, proofWorld);
  if (fixPlan && proven) process.stdout.write(renderProvenPlan(proven));
  else if (fixPlan) process.stdout.write(renderFixPlan(report));
  else if (format === "json") process.stdout.write(renderJson(report, { hostTraces }));
  else if (format === "sarif")
    process.stdout.write(
      JSON.stringify(sarif ?? toSarif(report, locate, { root: sarifRoot }), null, 2) + "\n",
    );
  else
    process.stdout.write(
      renderTable(report, { color: !!process.stdout.isTTY, trace, maxHosts }, (id) => {
        const l = locate?.(id);
        return l ? `${l.file}:${l.line} (${id})` : id;
      }),
    );
  return exitCodeOf(report);
}
