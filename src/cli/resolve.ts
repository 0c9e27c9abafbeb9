// `arclink resolve [--host HOST | --resolver R] NAME`: what a host (or one resolver) gets for a
// name, printed as nslookup prints it, or as JSON, with the trace of every hop.
import { renderTrace } from "../network/trace.js";
import { ArmClient, readReady } from "./client.js";
import { CliError, Flags } from "./flags.js";

export async function resolveCommand(flags: Flags): Promise<void> {
  const host = flags.optString("host");
  const resolver = flags.optString("resolver");
  const type = flags.string("type", "A");
  const json = flags.bool("json");
  const trace = flags.bool("trace");
  const client = new ArmClient(readReady(flags));
  flags.rejectUnknown();
  const name = flags.positional[0];
  if (!name || flags.positional.length > 1)
    throw new CliError(
      "Usage: arclink resolve (--host HOST | --resolver R) NAME [--type A] [--json] [--trace]",
      2,
    );
  if (!!host === !!resolver) throw new CliError("Give exactly one of --host or --resolver.", 2);
  const r = await client.call("POST", client.sub("/providers/ArcLink.Lab/resolve"), {
    host,
    resolver,
    name,
    type,
  });
  if (json) {
    process.stdout.write(JSON.stringify(r, null, 2) + "\n");
    return;
  }
  process.stdout.write(nslookup(r) + "\n");
  if (trace) process.stdout.write("\nTrace:\n" + renderTrace(r.trace) + "\n");
  if (r.rcode !== "NOERROR" || !r.answers.length) process.exitCode = 1;
}

/** nslookup's layout: the server, then the final name with its addresses and aliases. */
export function nslookup(r: any): string {
  const server = r.server?.name ?? r.answeredBy;
  const lines = [
    `Server:  ${server}`,
    `Address:  ${r.server?.address ?? r.resolverAddress ?? r.servers?.[0] ?? ""}`,
    "",
  ];
  const q = String(r.question.name).toLowerCase();
  if (r.rcode === "NXDOMAIN")
    return [...lines, `*** ${server} can't find ${q}: Non-existent domain`].join("\n");
  if (r.rcode !== "NOERROR")
    return [
      ...lines,
      `*** ${server} can't find ${q}: ${r.rcode === "REFUSED" ? "Query refused" : "Server failed"}`,
    ].join("\n");
  const addrs = r.answers.filter((a: any) => a.type === "A" || a.type === "AAAA");
  if (!addrs.length) return [...lines, `*** No ${r.question.type} records for ${q}`].join("\n");
  const cnames = r.answers.filter((a: any) => a.type === "CNAME").map((a: any) => a.name);
  const out = [...lines];
  if (!r.aa) out.push("Non-authoritative answer:");
  out.push(`Name:    ${addrs[0].name}`);
  out.push(
    addrs.length > 1
      ? `Addresses:  ${addrs.map((a: any) => a.data).join("\n          ")}`
      : `Address:  ${addrs[0].data}`,
  );
  if (cnames.length) out.push(`Aliases:  ${cnames.join("\n          ")}`);
  return out.join("\n");
}
