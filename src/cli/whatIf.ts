// `arclink what-if`: what a change would break before it is made. The change is applied to a copy
// of the world in memory (the real providers, their side effects included); check() runs for
// every host before and after; the verdicts that change are printed endpoint by endpoint with
// both traces. Against the running server (its whatif evaluator) or a topology file (--topology).
// Exit status: 0 nothing becomes refused, 2 some endpoint becomes refused, 3 what-if could not run.
import { readFileSync } from "node:fs";
import { keyOf } from "../core/resourceId.js";
import { renderTrace } from "../network/trace.js";
import { sandboxFromTopology, LINT_SUBSCRIPTION } from "../analysis/lint/sources.js";
import { ProposedChange, whatIf, WhatIfReport } from "../analysis/whatIf.js";
import { renderPropertyDiff } from "../analysis/propertyDiff.js";
import { readSettings } from "../server/settings.js";
import { loadTopology } from "../topology/parse.js";
import { plan } from "../topology/plan.js";
import { ArmClient, readReady } from "./client.js";
import { templateWhatIf } from "./whatIfTemplate.js";
import { CliError, Flags } from "./flags.js";

export const WHATIF_USAGE = `Usage: arclink what-if (--topology-diff NEW.yaml | --put ID --body FILE | --delete ID) [--topology OLD.yaml] [--json] [--trace] [--verbose]
       arclink what-if --template FILE [--parameters FILE] --resource-group G [--mode Incremental|Complete] [--json] [--trace]

Applies the change to a copy of the world in memory and prints, as \`az deployment group what-if\`
does, every resource it creates, modifies or deletes with its property-level differences
(~ properties.dnsServers: ["a"] => ["b"]); which machines' verdicts change, endpoint by endpoint
(with --trace: the before and after traces); and the lint findings it adds, resolves or changes,
by finding key. --verbose lists every ARM call applied. Against the running ArcLink (default) or the world of --topology OLD.yaml.

With --template: the ARM template's deployment what-if against the running ArcLink (the resource
changes as Azure reports them, then the machines whose verdicts would change).

Exit status: 0 no endpoint becomes refused, 2 some endpoint becomes refused, 3 what-if could not run.
`;

export async function whatIfCommand(argv: string[]): Promise<void> {
  try {
    process.exitCode = await run(argv);
  } catch (e) {
    if (e instanceof CliError) throw new CliError(e.message, 3);
    throw new CliError((e as Error).message, 3);
  }
}

function read(f: string): string {
  try {
    return readFileSync(f, "utf8");
  } catch (e) {
    throw new CliError(`Cannot read ${f}: ${(e as Error).message}`);
  }
}

async function run(argv: string[]): Promise<number> {
  const flags = new Flags(argv, ["json", "trace", "verbose", "help"]);
  if (flags.bool("help")) {
    process.stdout.write(WHATIF_USAGE);
    return 0;
  }
  const diff = flags.optString("topology-diff");
  const old = flags.optString("topology");
  const putId = flags.optString("put");
  const bodyFile = flags.optString("body");
  const delId = flags.optString("delete");
  const apiVersion = flags.optString("api-version");
  const json = flags.bool("json");
  const trace = flags.bool("trace");
  const template = flags.optString("template");
  if (template !== undefined) return templateWhatIf(flags, template, json, trace);
  const verbose = flags.bool("verbose");
  const given = [diff, putId, delId].filter((x) => x !== undefined).length;
  if (given !== 1) throw new CliError(`Give exactly one change.\n\n${WHATIF_USAGE}`);
  if (putId && !bodyFile) throw new CliError("--put needs --body FILE (the resource's JSON).");
  let body: unknown;
  if (bodyFile) {
    try {
      body = JSON.parse(read(bodyFile));
    } catch (e) {
      throw new CliError(`${bodyFile}: not JSON: ${(e as Error).message}`);
    }
  }
  let report: WhatIfReport;
  if (old) {
    flags.rejectUnknown();
    const base = await sandboxFromTopology(read(old), old);
    let change: ProposedChange;
    if (diff) {
      const next = plan(loadTopology(read(diff), diff), { subscriptionId: LINT_SUBSCRIPTION });
      const keep = new Set(next.steps.map((s) => keyOf(s.id)));
      change = {
        kind: "steps",
        steps: next.steps,
        deletes: [...base.plan.steps]
          .reverse()
          .filter((s) => !keep.has(keyOf(s.id)))
          .map((s) => s.id),
      };
    } else if (putId) change = { kind: "put", id: putId, body, apiVersion };
    else change = { kind: "delete", id: delId!, apiVersion };
    const w = base.sandbox.world;
    report = await whatIf(w, change, {
      now: base.sandbox.services.clock.now(),
      propagationDelayMs: readSettings(w).propagationDelayMs,
    });
  } else {
    const client = new ArmClient(readReady(flags));
    flags.rejectUnknown();
    const req = diff
      ? { topology: read(diff) }
      : putId
        ? { put: { id: putId, body, apiVersion } }
        : { delete: { id: delId, apiVersion } };
    report = await client.call("POST", client.sub("/providers/ArcLink.Lab/whatif"), req);
  }
  process.stdout.write(
    json
      ? JSON.stringify(report, null, 2) + "\n"
      : renderWhatIf(report, trace, !!process.stdout.isTTY, verbose),
  );
  return report.changes.some((c) => c.after?.verdict === "refused" && c.before?.verdict !== "refused")
    ? 2
    : 0;
}

export function renderWhatIf(r: WhatIfReport, trace = false, color = false, verbose = false): string {
  const paint = (v: string | undefined) =>
    !v
      ? "-"
      : color
        ? `${{ private: "\x1b[32m", public: "\x1b[33m", refused: "\x1b[31m" }[v] ?? ""}${v}\x1b[0m`
        : v;
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
