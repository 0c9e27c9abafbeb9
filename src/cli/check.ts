// `arclink check --host HOST` / `--all`: each endpoint the agent needs, private / public /
// refused and why, as the server's check evaluator decided it (rendered here, not recomputed).
import { renderTrace } from "../network/trace.js";
import { ArmClient, readReady } from "./client.js";
import { CliError, EXIT, Flags } from "./flags.js";
import { CommandSpec, TARGET_FLAGS } from "./grammar.js";
import { colorEnabled, paintVerdict } from "./terminal.js";

export const CHECK: CommandSpec = {
  name: "check",
  summary: "Each endpoint the agent needs, per host: private / public / refused, why, and the fix.",
  usage: ["(--host HOST | --all) [--location R] [--json] [--trace]"],
  flags: [
    { name: "host", kind: "string", value: "HOST", help: "the host to check, by name or id" },
    { name: "all", kind: "boolean", help: "every host, then a summary line" },
    { name: "location", kind: "string", value: "R", help: "the region the agent is onboarded to" },
    { name: "region", kind: "string", value: "R", help: "the same as --location" },
    { name: "json", kind: "boolean", help: "the result as JSON (traces only with --trace)" },
    { name: "trace", kind: "boolean", help: "every endpoint's evaluation trace" },
    ...TARGET_FLAGS,
  ],
  exits: "0 no endpoint refused, 1 some endpoint refused, 2 usage, 3 no such host, 4 no running ArcLink.",
  run: checkCommand,
};

export async function checkCommand(flags: Flags): Promise<void> {
  const host = flags.optString("host");
  const all = flags.bool("all");
  const json = flags.bool("json");
  const trace = flags.bool("trace");
  const region = flags.optString("location") ?? flags.optString("region");
  if (!!host === all) throw new CliError("Give exactly one of --host HOST or --all.", EXIT.usage);
  // --all: the server checks every host before the first byte of its answer (minutes at 100,000).
  const client = new ArmClient(readReady(flags), all ? CHECK_ALL_TIMEOUT_MS : undefined);
  const r = await client.call("POST", client.sub("/providers/ArcLink.Lab/check"), { host, region, trace });
  if (json) {
    // Each endpoint's evaluation trace only when asked: with --all it is most of the output.
    const hosts = trace ? r.value : r.value.map(withoutTraces);
    process.stdout.write(JSON.stringify(all ? hosts : hosts[0], null, 2) + "\n");
  } else {
    process.stdout.write(r.value.map((h: any) => renderHostCheck(h, trace)).join("\n\n") + "\n");
    if (all) process.stdout.write(`\n${checkSummary(r.value)}\n`);
  }
  if (r.value.some(hasRefused)) process.exitCode = EXIT.refused;
}

/** How long `check --all` waits for the first byte of its answer (lint's wait, for the same reason). */
const CHECK_ALL_TIMEOUT_MS = 600_000;

function hasRefused(h: any): boolean {
  return h.endpoints.some((e: any) => e.verdict === "refused");
}

/** The line that ends `check --all`: how many hosts reach everything, and which do not. */
export function checkSummary(hosts: any[]): string {
  const refused = hosts.filter(hasRefused).map((h) => String(h.host));
  const n = hosts.length;
  return (
    `${n} host${n === 1 ? "" : "s"} checked: ${n - refused.length} reach every endpoint, ${refused.length} ha${refused.length === 1 ? "s" : "ve"} refused endpoints` +
    (refused.length ? ` (${refused.join(", ")}).` : ".")
  );
}

function withoutTraces(h: any): any {
  return { ...h, endpoints: h.endpoints.map(({ trace: _trace, ...e }: any) => e) };
}

export function renderHostCheck(h: any, withTrace = false, color = colorEnabled(process.stdout)): string {
  const head = `${h.host} (${h.address})${h.machine ? ` — machine ${h.machine}` : " — no Arc machine"}${h.scope ? `, scope ${h.scope}` : ""}, region ${h.region}`;
  const rows = h.endpoints.map((e: any) => [
    e.endpoint,
    e.verdict,
    e.address ?? "-",
    e.reason ? `${e.reason}: ${e.message}` : "",
  ]);
  const widths = [0, 1, 2].map((i) =>
    Math.max(...rows.map((r: string[]) => r[i].length), ["ENDPOINT", "VERDICT", "ADDRESS"][i].length),
  );
  const line = (r: string[]) =>
    [r[0].padEnd(widths[0]), paintVerdict(r[1], color, widths[1]), r[2].padEnd(widths[2]), r[3]]
      .join(" | ")
      .trimEnd();
  const out = [head];
  // The root cause leads (DNS → route → filter → admission); every cause after it, with its fix.
  const causes: any[] = h.causes ?? [];
  if (causes.length) {
    const c0 = causes[0];
    out.push(
      `Root cause (${c0.stage}): ${c0.component} — ${c0.message}`,
      `  fix: ${String(c0.fix).replace(/\n/g, "\n  ")}`,
    );
    for (const c of causes.slice(1))
      out.push(
        `Also (${c.stage}): ${c.component} — ${c.code}: ${c.message} [${c.endpoints.join(", ")}]`,
        `  fix: ${String(c.fix).replace(/\n/g, "\n  ")}`,
      );
  }
  out.push(line(["ENDPOINT", "VERDICT", "ADDRESS", "WHY"]), ...rows.map(line));
  for (const e of h.endpoints) {
    if (e.reasons?.length > 1)
      out.push(
        `  ${e.endpoint} is refused for ${e.reasons.length} reasons: ${e.reasons.map((r: any) => r.code).join(", ")}`,
      );
    if (e.fix) out.push(`  fix for ${e.endpoint}: ${e.fix}`);
    if (withTrace) out.push(`\n  ${e.endpoint}:\n${renderTrace(e.trace, "    ")}`);
  }
  return out.join("\n");
}
