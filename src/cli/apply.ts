// `arclink apply -f FILE`: validates a topology file completely, then creates (or updates)
// everything in it through the ARM API over HTTPS, in dependency order, one line per resource.
// Exit codes: 0 applied, 2 invalid file or flags (nothing sent), 1 an API refusal.
import { readFileSync } from "node:fs";
import { ApplyError, applyPlan, ArmClient, ArmTarget } from "../topology/apply.js";
import { formatIssue, parseTopology } from "../topology/parse.js";
import { plan } from "../topology/plan.js";
import { CliError, Flags } from "./flags.js";

export const APPLY_BOOLEANS = ["dry-run"] as const;

export const APPLY_USAGE = `Usage: arclink apply -f FILE [--ready-file F | --arm URL --tenant T --client-id C --client-secret S --ca FILE] [--subscription S] [--dry-run]`;

export async function apply(flags: Flags): Promise<void> {
  const file = flags.optString("f") ?? flags.optString("file");
  const readyFile = flags.optString("ready-file");
  const arm = flags.optString("arm");
  const tenant = flags.optString("tenant");
  const clientId = flags.optString("client-id");
  const clientSecret = flags.optString("client-secret");
  const caFile = flags.optString("ca");
  const subscriptionFlag = flags.optString("subscription");
  const dryRun = flags.bool("dry-run");
  flags.rejectUnknown();
  if (!file) throw new CliError(`apply needs the topology file: -f FILE.\n${APPLY_USAGE}`, 2);

  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (e) {
    throw new CliError(`cannot read ${file}: ${(e as Error).message}`, 2);
  }
  const parsed = parseTopology(text);
  if (!parsed.topology) {
    const n = parsed.issues.length;
    throw new CliError(
      `${file} is not a valid topology (${n} problem${n > 1 ? "s" : ""}); nothing was sent:\n` +
        parsed.issues.map((i) => "  " + formatIssue(i, file)).join("\n"),
      2,
    );
  }

  let subscriptionId = subscriptionFlag;
  let target: ArmTarget | undefined;
  if (readyFile) {
    if (arm || tenant || clientId || clientSecret || caFile) {
      throw new CliError(
        `use either --ready-file or --arm/--tenant/--client-id/--client-secret/--ca, not both.`,
        2,
      );
    }
    let ready: Record<string, any>;
    try {
      ready = JSON.parse(readFileSync(readyFile, "utf8"));
    } catch (e) {
      throw new CliError(`cannot read the ready file ${readyFile}: ${(e as Error).message}`, 2);
    }
    for (const k of ["arm", "tenantId", "clientId", "clientSecret", "caCert"]) {
      if (typeof ready[k] !== "string") throw new CliError(`the ready file ${readyFile} has no '${k}'.`, 2);
    }
    target = {
      arm: ready.arm,
      tenantId: ready.tenantId,
      clientId: ready.clientId,
      clientSecret: ready.clientSecret,
      ca: readCa(ready.caCert),
    };
    subscriptionId ??= typeof ready.subscriptionId === "string" ? ready.subscriptionId : undefined;
  } else if (arm || tenant || clientId || clientSecret) {
    const missing = [
      ["--arm", arm],
      ["--tenant", tenant],
      ["--client-id", clientId],
      ["--client-secret", clientSecret],
    ]
      .filter(([, v]) => !v)
      .map(([k]) => k);
    if (missing.length) throw new CliError(`missing ${missing.join(", ")}.\n${APPLY_USAGE}`, 2);
    if (!/^https:\/\//.test(arm!)) throw new CliError(`--arm must be an https:// URL, got '${arm}'.`, 2);
    target = {
      arm: arm!.replace(/\/+$/, ""),
      tenantId: tenant!,
      clientId: clientId!,
      clientSecret: clientSecret!,
      ca: caFile ? readCa(caFile) : undefined,
    };
  } else if (!dryRun) {
    throw new CliError(
      `say which ArcLink to apply to: --ready-file F (written by 'arclink serve --ready-file F'), or --arm/--tenant/--client-id/--client-secret/--ca.\n${APPLY_USAGE}`,
      2,
    );
  }

  const out = process.stdout;
  const client = target ? new ArmClient(target) : undefined;
  try {
    if (!subscriptionId)
      subscriptionId = client ? await client.defaultSubscription() : "00000000-0000-0000-0000-000000000000";
    const p = plan(parsed.topology, { subscriptionId });
    if (dryRun || !client) {
      for (const s of p.steps) out.write(`${s.method} ${s.id}?api-version=${s.apiVersion}\n`);
      out.write(`${p.steps.length} resources planned from ${file}; nothing was sent (--dry-run).\n`);
      return;
    }
    const started = Date.now();
    const width = Math.max(...p.steps.map((s) => s.type.length));
    const results = await applyPlan(p, client, {
      onStep: (r) => out.write(`${r.outcome.padEnd(8)} ${r.step.type.padEnd(width)}  ${r.step.name}\n`),
    });
    const created = results.filter((r) => r.outcome === "created").length;
    out.write(
      `Applied ${results.length} resources from ${file} to subscription ${subscriptionId} (${created} created, ${results.length - created} updated) in ${((Date.now() - started) / 1000).toFixed(1)} s.\n`,
    );
  } catch (e) {
    if (e instanceof ApplyError) {
      const what = e.step ? `${e.step.type} '${e.step.name}' (PUT ${e.step.id})` : "ArcLink";
      throw new CliError(`${what} was refused: ${e.code}: ${e.message}`, 1);
    }
    throw e;
  }
}

function readCa(file: string): string {
  try {
    return readFileSync(file, "utf8");
  } catch (e) {
    throw new CliError(`cannot read the CA certificate ${file}: ${(e as Error).message}`, 2);
  }
}
