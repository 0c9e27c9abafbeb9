// The what-if report as the terminal shows it: the calls applied, the resource changes with their
// property differences, each endpoint whose verdict changes (with both traces on --trace), and the
// lint findings added, resolved and changed. Shared by `arclink what-if` and its --template form.
import { WhatIfReport } from "../analysis/whatIf.js";
import { renderPropertyDiff } from "../analysis/propertyDiff.js";
import { renderTrace } from "../network/trace.js";
import { paintVerdict } from "./terminal.js";

export function renderWhatIf(r: WhatIfReport, trace = false, color = false, verbose = false): string {
  const paint = (v: string | undefined) => (v ? paintVerdict(v, color) : "-");
  const out: string[] = [];
  // The calls applied: one line by default, every call with --verbose.
  out.push(`what-if: ${r.change.applied.length} call(s) applied in the sandbox.`);
  if (verbose) for (const a of r.change.applied) out.push(`  ${a.method} ${a.id} → ${a.status}`);
  const resources = r.resources ?? [];
  const count = (c: string) => resources.filter((x) => x.change === c).length;
  out.push(
    "",
    `Resource changes: ${count("Create")} to create, ${count("Modify")} to modify, ${count("Delete")} to delete.`,
  );
  const sign = { Create: "+", Delete: "-", Modify: "~" } as const;
  for (const x of resources) {
    out.push(`  ${sign[x.change]} ${x.id}`);
    for (const d of x.diffs) out.push(`      ${renderPropertyDiff(d)}`);
  }
  out.push("", `${r.hosts.changed} of ${r.hosts.after} host(s) change.`);
  for (const c of r.changes) {
    const b = c.before
      ? `${paint(c.before.verdict)}${c.before.reason ? ` ${c.before.reason}` : ""}${c.before.address ? ` ${c.before.address}` : ""}`
      : "(no such endpoint)";
    const a = c.after
      ? `${paint(c.after.verdict)}${c.after.reason ? ` ${c.after.reason}` : ""}${c.after.address ? ` ${c.after.address}` : ""}`
      : "(gone)";
    out.push(`  ${c.host}${c.machine ? ` [${c.machine}]` : ""} ${c.endpoint}: ${b} → ${a}`);
    if (trace) {
      if (c.before) out.push("    before:", renderTrace(c.before.trace, "      "));
      if (c.after) out.push("    after:", renderTrace(c.after.trace, "      "));
    }
  }
  const f = r.findings;
  const changed = f.changed ?? [];
  out.push(
    "",
    `Findings: ${f.added.length} added, ${f.resolved.length} resolved, ${changed.length} changed.`,
    ...f.added.map((x) => `  + ${x.severity} ${x.key}: ${x.message}`),
    ...f.resolved.map((x) => `  - ${x.severity} ${x.key}: ${x.message}`),
    ...changed.map(
      (c) =>
        `  ~ ${c.key}: ${c.before.severity === c.after.severity ? c.after.severity : `${c.before.severity} => ${c.after.severity}`}: ${c.after.message}${c.before.message !== c.after.message ? `\n      was: ${c.before.message}` : ""}`,
    ),
  );
  return out.join("\n") + "\n";
}
