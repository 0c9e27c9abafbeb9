// `arclink apply -f FILE`: validates a topology file completely, then creates (or updates)
// everything in it through the ARM API over HTTPS, in dependency order, one line per resource.
// Exit codes: 0 applied, 1 an API refusal, 2 usage, 3 an invalid or unreadable file (nothing
// sent), 4 the ArcLink named cannot be reached.
import { readFileSync } from "node:fs";
import { ApplyError, applyPlan, ArmClient, ArmTarget } from "../topology/apply.js";
import { formatIssue, parseTopology } from "../topology/parse.js";
import { plan } from "../topology/plan.js";
import { CliError, EXIT, Flags } from "./flags.js";
import { CommandSpec, TARGET_FLAGS } from "./grammar.js";
import { readReadyFile, readyFileOf } from "./client.js";

export const APPLY_USAGE = `Usage: arclink apply -f FILE [--data DIR | --ready-file F | --arm URL --tenant T --client-id C --client-secret S --ca FILE] [--subscription S] [--dry-run]`;

export const APPLY: CommandSpec = {
  name: "apply",
  summary: "Create (or update) a topology file's resources through the ARM API, in dependency order.",
  usage: [
    "-f FILE (--data DIR | --ready-file F) [--subscription S] [--dry-run]",
    "-f FILE --arm URL --tenant T --client-id C --client-secret S [--ca FILE] [--subscription S]",
    "-f FILE --dry-run",
  ],
  flags: [
    { name: "file", short: "f", kind: "string", value: "FILE", complete: "file", help: "the topology file" },
    ...TARGET_FLAGS,
    {
      name: "arm",
      kind: "string",
      value: "URL",
      help: "another ARM endpoint (https://), with the four below",
    },
    { name: "tenant", kind: "string", value: "T", help: "the tenant of --client-id" },
    { name: "client-id", kind: "string", value: "C", help: "the service principal to sign in as" },
    { name: "client-secret", kind: "string", value: "S", help: "its secret" },
    {
      name: "ca",
      kind: "string",
      value: "FILE",
      complete: "file",
      help: "the CA certificate to trust for --arm",
    },
    { name: "subscription", kind: "string", value: "S", help: "the subscription (default: the target's)" },
    { name: "dry-run", kind: "boolean", help: "print the calls it would make; send nothing" },
  ],
  exits:
    "0 applied, 1 ARM refused a resource, 2 usage, 3 the file is invalid or unreadable (nothing was sent), 4 no running ArcLink.",
  run: apply,
};

export async function apply(flags: Flags): Promise<void> {
  const file = flags.optString("file");
  const readyFile = flags.has("data") || flags.has("ready-file") ? readyFileOf(flags) : undefined;
  const arm = flags.optString("arm");
  const tenant = flags.optString("tenant");
  const clientId = flags.optString("client-id");
  const clientSecret = flags.optString("client-secret");
  const caFile = flags.optString("ca");
  const subscriptionFlag = flags.optString("subscription");
  const dryRun = flags.bool("dry-run");
  if (!file) throw new CliError(`apply needs the topology file: -f FILE.\n${APPLY_USAGE}`, EXIT.usage);

  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (e) {
    throw new CliError(`cannot read ${file}: ${(e as Error).message}`, EXIT.input);
  }
  const parsed = parseTopology(text);
  if (!parsed.topology) {
    const n = parsed.issues.length;
    throw new CliError(
      `${file} is not a valid topology (${n} problem${n > 1 ? "s" : ""}); nothing was sent:\n` +
        parsed.issues.map((i) => "  " + formatIssue(i, file)).join("\n"),
      EXIT.input,
    );
  }

  let subscriptionId = subscriptionFlag;
  let target: ArmTarget | undefined;
  if (readyFile) {
    if (arm || tenant || clientId || clientSecret || caFile) {
      throw new CliError(
        `use either --data/--ready-file or --arm/--tenant/--client-id/--client-secret/--ca, not both.`,
        EXIT.usage,
      );
    }
    const ready = readReadyFile(readyFile);
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
    if (missing.length) throw new CliError(`missing ${missing.join(", ")}.\n${APPLY_USAGE}`, EXIT.usage);
    if (!/^https:\/\//.test(arm!))
      throw new CliError(`--arm must be an https:// URL, got '${arm}'.`, EXIT.usage);
    target = {
      arm: arm!.replace(/\/+$/, ""),
      tenantId: tenant!,
      clientId: clientId!,
      clientSecret: clientSecret!,
      ca: caFile ? readCa(caFile) : undefined,
    };
  } else if (!dryRun) {
    throw new CliError(
      `say which ArcLink to apply to: --data DIR or --ready-file F (written by 'arclink serve'), or --arm/--tenant/--client-id/--client-secret/--ca.\n${APPLY_USAGE}`,
      EXIT.usage,
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
      throw new CliError(`${what} was refused: ${e.code}: ${e.message}`, EXIT.refused);
    }
    throw e;
  }
}

function readCa(file: string): string {
  try {
    return readFileSync(file, "utf8");
  } catch (e) {
    throw new CliError(`cannot read the CA certificate ${file}: ${(e as Error).message}`, EXIT.input);
  }
}
