// `arclink host credential --host NAME [--out FILE]`: a credential that lets one process (the
// agent) act as one simulated host through the gateway.
import { writeFileSync } from "node:fs";
import { ArmClient, readReady } from "./client.js";
import { CliError, Flags } from "./flags.js";

export async function hostCommand(flags: Flags): Promise<void> {
  const host = flags.optString("host");
  const out = flags.optString("out");
  const client = new ArmClient(readReady(flags));
  flags.rejectUnknown();
  if (flags.positional[0] !== "credential" || !host)
    throw new CliError("Usage: arclink host credential --host HOST [--out FILE]", 2);
  const r = await client.call("POST", client.sub("/providers/ArcLink.Lab/hostCredentials"), { host });
  const text = JSON.stringify(r, null, 2) + "\n";
  if (out) {
    writeFileSync(out, text, { mode: 0o600 });
    process.stdout.write(
      `Host credential for ${r.hostName} written to ${out}\nUse it with: ARCLINK_HOST_CREDENTIAL=${out} azcmagent …\n`,
    );
  } else process.stdout.write(text);
}
