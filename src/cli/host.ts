// `arclink host credential --host NAME [--out FILE]`: a credential that lets one process (the
// agent) act as one simulated host through the gateway.
import { writeFileSync } from "node:fs";
import { ArmClient, readReady } from "./client.js";
import { CliError, EXIT, Flags } from "./flags.js";
import { CommandSpec, TARGET_FLAGS } from "./grammar.js";

export const HOST: CommandSpec = {
  name: "host",
  summary: "Issue a credential that lets one process (the agent) act as one simulated host.",
  usage: ["credential --host HOST [--out FILE]"],
  args: { max: 1, words: ["credential"] },
  flags: [
    { name: "host", kind: "string", value: "HOST", help: "the host, by name or id" },
    { name: "out", kind: "string", value: "FILE", complete: "file", help: "write it to FILE (mode 600)" },
    ...TARGET_FLAGS,
  ],
  exits: "0 issued, 1 refused, 2 usage, 3 no such host, 4 no running ArcLink.",
  run: hostCommand,
};

export async function hostCommand(flags: Flags): Promise<void> {
  const host = flags.optString("host");
  const out = flags.optString("out");
  if (flags.positional[0] !== "credential")
    throw new CliError("Say what to issue: arclink host credential --host HOST.", EXIT.usage);
  if (!host) throw new CliError("arclink host credential needs --host HOST.", EXIT.usage);
  const client = new ArmClient(readReady(flags));
  const r = await client.call("POST", client.sub("/providers/ArcLink.Lab/hostCredentials"), { host });
  const text = JSON.stringify(r, null, 2) + "\n";
  if (out) {
    writeFileSync(out, text, { mode: 0o600 });
    process.stdout.write(
      `Host credential for ${r.hostName} written to ${out}\nUse it with: ARCLINK_HOST_CREDENTIAL=${out} azcmagent …\n`,
    );
  } else process.stdout.write(text);
}
