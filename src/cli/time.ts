// `arclink time [show | advance DURATION]`: the virtual clock every rule reads (propagation
// delay, heartbeats, expiry). Advancing it is how a test or a trainer skips 15 minutes.
import { parseDuration } from "../core/clock.js";
import { ArmClient, readReady } from "./client.js";
import { CliError, Flags } from "./flags.js";

export async function timeCommand(flags: Flags): Promise<void> {
  const client = new ArmClient(readReady(flags));
  flags.rejectUnknown();
  const [verb, arg] = flags.positional;
  if (!verb || verb === "show") {
    const r = await client.call("GET", "/providers/ArcLink.Lab/clock");
    process.stdout.write(`${r.now} (offset ${r.offsetMs} ms)\n`);
    return;
  }
  if (verb !== "advance" || !arg)
    throw new CliError("Usage: arclink time [show | advance DURATION]  (DURATION like 15m, 1h30m, 45d)", 2);
  const ms = parseDuration(arg);
  if (ms === undefined || ms <= 0)
    throw new CliError(`'${arg}' is not a duration: use forms like 90s, 15m, 1h30m, 45d.`, 2);
  const r = await client.call("POST", "/providers/ArcLink.Lab/clock/advance", { milliseconds: ms });
  process.stdout.write(`Virtual time is now ${r.now} (offset ${r.offsetMs} ms)\n`);
}
