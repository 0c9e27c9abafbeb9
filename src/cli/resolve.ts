// `arclink resolve [--host HOST | --resolver R] NAME`: what a host (or one resolver) gets for a
// name, printed as nslookup prints it, or as JSON, with the trace of every hop.
import { renderTrace } from "../network/trace.js";
import { ArmClient, readReady } from "./client.js";
import { CliError, EXIT, Flags } from "./flags.js";
import { CommandSpec, TARGET_FLAGS } from "./grammar.js";

export const RESOLVE: CommandSpec = {
  name: "resolve",
  summary: "What a host, or one resolver, answers for a name, printed as nslookup prints it.",
  usage: ["(--host HOST | --resolver R) NAME [--type A] [--json] [--trace]"],
  args: { max: 1 },
  flags: [
    {
      name: "host",
      kind: "string",
      value: "HOST",
      help: "ask as this host (its hosts file, then its DNS servers)",
    },
    {
      name: "resolver",
      kind: "string",
      value: "R",
      help: "ask one resolver: public, azure:<vnet>, an inbound endpoint, a DNS server",
    },
    { name: "type", kind: "string", value: "TYPE", help: "the record type (default A)" },
    { name: "json", kind: "boolean", help: "the answer as JSON, with its trace" },
    { name: "trace", kind: "boolean", help: "every hop of the resolution" },
    ...TARGET_FLAGS,
  ],
  exits:
    "0 an answer, 1 no answer (NXDOMAIN, refused, no record), 2 usage, 3 no such host or resolver, 4 no running ArcLink.",
  run: resolveCommand,
};

export async function resolveCommand(flags: Flags): Promise<void> {
  const host = flags.optString("host");
  const resolver = flags.optString("resolver");
  const type = flags.string("type", "A");
  const json = flags.bool("json");
  const trace = flags.bool("trace");
  const name = flags.positional[0];
  if (!name) throw new CliError("Give the name to resolve: arclink resolve --host HOST NAME.", EXIT.usage);
  if (!!host === !!resolver) throw new CliError("Give exactly one of --host or --resolver.", EXIT.usage);
  const client = new ArmClient(readReady(flags));
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
  if (r.rcode !== "NOERROR" || !r.answers.length) process.exitCode = EXIT.refused;
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
