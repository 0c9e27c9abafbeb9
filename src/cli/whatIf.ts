// `arclink what-if`: what a change would break before it is made. The change is applied to a copy
// of the world in memory (the real providers, their side effects included); check() runs for
// every host before and after; the verdicts that change are printed endpoint by endpoint with
// both traces. Against the running server (its whatif evaluator) or a topology file (--topology).
// Exit status: 0 nothing becomes refused, 1 some endpoint becomes refused, 2 usage, 3 an input it
// cannot read (or a deployment that would fail), 4 no running ArcLink.
import { readFileSync } from "node:fs";
import { keyOf } from "../core/resourceId.js";
import { sandboxFromTopology, LINT_SUBSCRIPTION } from "../analysis/lint/sources.js";
import { ProposedChange, whatIf, WhatIfReport } from "../analysis/whatIf.js";
import { readSettings } from "../engine/settings.js";
import { loadTopology } from "../topology/parse.js";
import { plan } from "../topology/plan.js";
import { ArmClient, readReady } from "./client.js";
import { templateWhatIf } from "./whatIfTemplate.js";
import { CliError, EXIT, Flags } from "./flags.js";
import { CommandSpec, TARGET_FLAGS } from "./grammar.js";
import { userError } from "./errors.js";
import { colorEnabled } from "./terminal.js";
import { renderWhatIf } from "./whatIfRender.js";

export const WHATIF: CommandSpec = {
  name: "what-if",
  summary: "What a change would break, before it is made: resources, verdicts and findings that change.",
  usage: [
    "(--topology-diff NEW.yaml | --put ID --body FILE | --delete ID) [--topology OLD.yaml] [--json] [--trace] [--verbose]",
    "--template FILE [--parameters FILE] --resource-group G [--mode Incremental|Complete] [--json] [--trace]",
  ],
  description: `Applies the change to a copy of the world in memory and prints, as 'az deployment group what-if'
does, every resource it creates, modifies or deletes with its property-level differences
(~ properties.dnsServers: ["a"] => ["b"]); which machines' verdicts change, endpoint by endpoint
(with --trace: the before and after traces); and the lint findings it adds, resolves or changes,
by finding key. Against the running ArcLink (default) or the world of --topology OLD.yaml.

With --template: the ARM template's deployment what-if against the running ArcLink (the resource
changes as Azure reports them, then the machines whose verdicts would change).`,
  flags: [
    {
      name: "topology-diff",
      kind: "string",
      value: "NEW.yaml",
      complete: "file",
      help: "the change: this topology file",
    },
    { name: "put", kind: "string", value: "ID", help: "the change: a PUT of this resource id (with --body)" },
    { name: "body", kind: "string", value: "FILE", complete: "file", help: "the resource's JSON for --put" },
    { name: "delete", kind: "string", value: "ID", help: "the change: a DELETE of this resource id" },
    { name: "api-version", kind: "string", value: "V", help: "the api-version of --put / --delete" },
    {
      name: "topology",
      kind: "string",
      value: "OLD.yaml",
      complete: "file",
      help: "the world before: this topology file (default: the running ArcLink's)",
    },
    {
      name: "template",
      kind: "string",
      value: "FILE",
      complete: "file",
      help: "an ARM template's deployment what-if",
    },
    {
      name: "parameters",
      kind: "string",
      value: "FILE",
      complete: "file",
      help: "the template's parameters file",
    },
    { name: "resource-group", kind: "string", value: "G", help: "the group the template deploys to" },
    {
      name: "mode",
      kind: "string",
      value: "MODE",
      choices: ["Incremental", "Complete"],
      help: "the deployment mode",
    },
    { name: "json", kind: "boolean", help: "the report as JSON" },
    { name: "trace", kind: "boolean", help: "the before and after traces of every changed verdict" },
    { name: "verbose", kind: "boolean", help: "list every ARM call applied in the sandbox" },
    ...TARGET_FLAGS,
  ],
  exits:
    "0 no endpoint becomes refused, 1 some endpoint becomes refused, 2 usage, 3 an input it cannot read or a deployment that would fail, 4 no running ArcLink.",
  run: whatIfCommand,
};

export async function whatIfCommand(flags: Flags): Promise<void> {
  try {
    process.exitCode = await run(flags);
  } catch (e) {
    throw userError(e) ?? new CliError((e as Error).message, EXIT.input, e);
  }
}

function read(f: string): string {
  try {
    return readFileSync(f, "utf8");
  } catch (e) {
    throw new CliError(`Cannot read ${f}: ${(e as Error).message}`, EXIT.input);
  }
}

async function run(flags: Flags): Promise<number> {
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
  if (given !== 1)
    throw new CliError(
      "Give exactly one change: --topology-diff NEW.yaml, --put ID --body FILE or --delete ID.",
      EXIT.usage,
    );
  if (putId && !bodyFile) throw new CliError("--put needs --body FILE (the resource's JSON).", EXIT.usage);
  let body: unknown;
  if (bodyFile) {
    try {
      body = JSON.parse(read(bodyFile));
    } catch (e) {
      throw new CliError(`${bodyFile}: not JSON: ${(e as Error).message}`, EXIT.input);
    }
  }
  let report: WhatIfReport;
  if (old) {
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
      : renderWhatIf(report, trace, colorEnabled(process.stdout), verbose),
  );
  return report.changes.some((c) => c.after?.verdict === "refused" && c.before?.verdict !== "refused")
    ? EXIT.refused
    : EXIT.ok;
}
