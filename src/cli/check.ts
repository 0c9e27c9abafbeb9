// `arclink check --host HOST` / `--all`: each endpoint the agent needs, private / public /
// refused and why, as the server's check evaluator decided it (rendered here, not recomputed).
import { renderTrace } from "../network/trace.js";
import { ArmClient, readReady } from "./client.js";
import { CliError, Flags } from "./flags.js";

export async function checkCommand(flags: Flags): Promise<void> {
  const host = flags.optString("host");
  const all = flags.bool("all");
  const json = flags.bool("json");
  const trace = flags.bool("trace");
  const region = flags.optString("location") ?? flags.optString("region");
  const client = new ArmClient(readReady(flags));
  flags.rejectUnknown();
  if (!!host === all)
    throw new CliError("Usage: arclink check (--host HOST | --all) [--location R] [--json] [--trace]", 2);
  const r = await client.call("POST", client.sub("/providers/ArcLink.Lab/check"), { host, region, trace });
  if (json) {
    // Each endpoint's evaluation trace only when asked: with --all it is most of the output.
    const hosts = trace ? r.value : r.value.map(withoutTraces);
    process.stdout.write(JSON.stringify(all ? hosts : hosts[0], null, 2) + "\n");
  } else {
    process.stdout.write(r.value.map((h: any) => renderHostCheck(h, trace)).join("\n\n") + "\n");
  }
  if (r.value.some((h: any) => h.endpoints.some((e: any) => e.verdict === "refused"))) process.exitCode = 1;
}

function withoutTraces(h: any): any {
  return { ...h, endpoints: h.endpoints.map(({ trace: _trace, ...e }: any) => e) };
}

const COLOR = {
  private: "\x1b[32m",
  public: "\x1b[33m",
  refused: "\x1b[31m",
  undetermined: "\x1b[35m",
} as Record<string, string>;

export function renderHostCheck(h: any, withTrace = false, color = process.stdout.isTTY): string {
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
    [
      r[0].padEnd(widths[0]),
      color && COLOR[r[1]] ? COLOR[r[1]] + r[1].padEnd(widths[1]) + "\x1b[0m" : r[1].padEnd(widths[1]),
      r[2].padEnd(widths[2]),
      r[3],
    ]
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
