// lint as a person reads it: the findings (severity, rule, what and where, the fix, the trace
// when asked), then every machine's paths in one line each, then the fix plan when asked.
import { renderTrace } from "../../../network/trace.js";
import { LintReport } from "../lint.js";
import { Finding, FixStep } from "../types.js";

const SEV = { error: "\x1b[31m", warning: "\x1b[33m", note: "\x1b[36m" } as const;
const VERDICT: Record<string, string> = { private: "\x1b[32m", public: "\x1b[33m", refused: "\x1b[31m" };
const RESET = "\x1b[0m";

export interface TableOptions {
  color?: boolean;
  trace?: boolean;
  fixPlan?: boolean;
  /** At most this many host lines (default 200). */
  maxHosts?: number;
}

const short = (e: string) =>
  e
    .replace(/\.(his\.arc|guestconfiguration|dp\.kubernetesconfiguration)\.azure\.com$/, ".$1")
    .replace(/\.azure\.com$|\.windows\.net$|\.microsoftonline\.com$/, "");

export function renderFixStep(s: FixStep): string {
  if (s.kind === "arm")
    return `${s.method} ${s.id}${s.body !== undefined ? `\n      ${JSON.stringify(s.body)}` : ""}\n      # ${s.why}`;
  return `on-premises ${s.target}: ${s.change.replace(/\n/g, "\n      ")}\n      # ${s.why}`;
}

/** A finding's machines, counted all (the lint API may send only the first: machinesTotal). */
const machineCount = (f: Finding) => Math.max(f.machines.length, f.machinesTotal ?? 0);

export function renderFinding(
  f: Finding,
  o: TableOptions,
  locate?: (id: string) => string | undefined,
): string {
  const c = (s: string, code: string) => (o.color ? code + s + RESET : s);
  const where = f.resources[0] ? (locate?.(f.resources[0]) ?? f.resources[0]) : "";
  const lines = [
    `${c(f.severity.toUpperCase().padEnd(7), SEV[f.severity])} ${f.ruleId}: ${f.message}`,
    ...(where ? [`        at ${where}`] : []),
    ...(f.machines.length
      ? [
          `        machines: ${f.machines
            .slice(0, 10)
            .map((m) => m.name)
            .join(", ")}${machineCount(f) > 10 ? ` (+${machineCount(f) - 10})` : ""}`,
        ]
      : []),
    `        fix: ${f.fix}`,
  ];
  if (o.trace && f.trace)
    lines.push(`        trace (${f.host} → ${f.endpoint}):`, renderTrace(f.trace, "          "));
  if (o.fixPlan && f.fixPlan.length)
    lines.push("        fix plan:", ...f.fixPlan.map((s) => `    - ${renderFixStep(s)}`));
  return lines.join("\n");
}

export function renderTable(
  r: LintReport,
  o: TableOptions = {},
  locate?: (id: string) => string | undefined,
): string {
  const out: string[] = [];
  const s = r.summary;
  out.push(
    `arclink lint — ${r.source}${r.files ? ` ${r.files.join(", ")}` : ""}: ${s.hosts} host(s), ${s.machines} machine(s)`,
  );
  out.push("");
  if (!r.findings.length) out.push("No findings.");
  for (const f of r.findings) out.push(renderFinding(f, o, locate), "");
  out.push(`${s.errors} error(s), ${s.warnings} warning(s), ${s.notes} note(s)`);
  const max = o.maxHosts ?? 200;
  // The report may hold only the first hosts (the lint API's hostsTop): the summary counts them all.
  const total = Math.max(r.hosts.length, s.hosts);
  if (total) {
    out.push("", "Paths (per host: each endpoint private / public / refused):");
    for (const h of r.hosts.slice(0, max)) {
      const cells = h.endpoints.map((e) => {
        // Every reason a row is refused for; an undetermined row names the missing fact's code.
        const v =
          e.verdict === "refused"
            ? `refused ${e.reasons && e.reasons.length > 1 ? e.reasons.map((x) => x.code).join("+") : e.reason}`
            : e.verdict === "undetermined"
              ? `undetermined ${e.reason}`
              : e.verdict;
        return `${short(e.endpoint)} ${o.color ? (VERDICT[e.verdict] ?? "") + v + RESET : v}`;
      });
      out.push(
        `  ${h.host}${h.machine ? ` [${h.machine}${h.scope ? ` → ${h.scope}` : ""}]` : " [no machine]"}: ${cells.join(", ")}`,
      );
    }
    if (total > max) out.push(`  ... and ${total - max} more (--format json lists every host)`);
  }
  return out.join("\n") + "\n";
}

export function renderFixPlan(r: LintReport): string {
  const out: string[] = [];
  for (const f of r.findings) {
    if (!f.fixPlan.length) continue;
    out.push(`# ${f.ruleId}: ${f.message}`);
    for (const s of f.fixPlan) out.push(renderFixStep(s).replace(/^/, ""));
    out.push("");
  }
  return out.length ? out.join("\n") : "# nothing to fix\n";
}
