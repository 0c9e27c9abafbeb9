// `arclink time [show | advance DURATION]`: the virtual clock every rule reads (propagation
// delay, heartbeats, expiry). Advancing it is how a test or a trainer skips 15 minutes.
import { parseDuration } from "../core/clock.js";
import { ArmClient, readReady } from "./client.js";
import { CliError, EXIT, Flags } from "./flags.js";
import { CommandSpec, TARGET_FLAGS } from "./grammar.js";

export const TIME: CommandSpec = {
  name: "time",
  summary: "Show or advance the virtual clock (propagation delay, heartbeats, expiry).",
  usage: ["[show]", "advance DURATION   (DURATION like 90s, 15m, 1h30m, 45d)"],
  args: { max: 2, words: ["show", "advance"] },
  flags: [...TARGET_FLAGS],
  exits: "0 done, 2 usage, 4 no running ArcLink.",
  run: timeCommand,
};

export async function timeCommand(flags: Flags): Promise<void> {
  const [verb, arg] = flags.positional;
  if (verb === "advance" && !arg)
    throw new CliError("arclink time advance needs a DURATION: arclink time advance 15m.", EXIT.usage);
  if (verb === "show" && arg !== undefined)
    throw new CliError(`Unexpected argument '${arg}': arclink time show takes none.`, EXIT.usage);
  const client = new ArmClient(readReady(flags));
  if (!verb || verb === "show") {
    const r = await client.call("GET", "/providers/ArcLink.Lab/clock");
    process.stdout.write(`${r.now} (offset ${r.offsetMs} ms)\n`);
    return;
  }
  const ms = parseDuration(arg);
  if (ms === undefined || ms <= 0)
    throw new CliError(`'${arg}' is not a duration: use forms like 90s, 15m, 1h30m, 45d.`, EXIT.usage);
  const r = await client.call("POST", "/providers/ArcLink.Lab/clock/advance", { milliseconds: ms });
  process.stdout.write(`Virtual time is now ${r.now} (offset ${r.offsetMs} ms)\n`);
}
