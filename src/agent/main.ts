// The azcmagent command line: find the command (cobra style: flags may come before it), parse its
// flags, run it, and turn any failure into the real agent's ending — a fatal log line, then
// "Exit Code:  AZCMnnnn: <name>" and the troubleshooting link — and its exit code.
import { check } from "./commands/check.js";
import { commandsFor } from "./releases.js";
import { agentVersion } from "./version.js";
import type { Command } from "./commands/command.js";
import { config } from "./commands/config.js";
import { connect } from "./commands/connect.js";
import { disconnect } from "./commands/disconnect.js";
import { extensions } from "./commands/extensions.js";
import { heartbeat } from "./commands/heartbeat.js";
import { show } from "./commands/show.js";
import { version } from "./commands/version.js";
import { AgentContext, type Io } from "./context.js";
import { DialError, RefusalError } from "./dial.js";
import { AgentError, AZCM, exitLines } from "./errors.js";
import { COMMON_FLAGS, flagHelp, loadConfigFile, parseFlags, usageError, type ParsedFlags } from "./flags.js";
import { Log } from "./log.js";

function unsupported(name: string, summary: string): Command {
  return {
    name,
    summary,
    usage: `azcmagent ${name} [flags]`,
    flags: [],
    async run() {
      throw new AgentError(AZCM.NotSupported, `azcmagent ${name} is not supported by ArcLink's agent.`);
    },
  };
}

export const COMMANDS: Command[] = [
  check,
  config,
  connect,
  disconnect,
  unsupported("extension", "Manage extensions locally"),
  unsupported("genkey", "Generate a key pair for asynchronous onboarding"),
  unsupported("license", "Display the end-user license agreement"),
  unsupported("logs", "Collect log files for troubleshooting"),
  show,
  unsupported("upgrade", "Upgrade the agent"),
  version,
  heartbeat,
  extensions,
];

const ROOT: Command = {
  name: "azcmagent",
  summary: "Azure Connected Machine Agent",
  description:
    "Azure Connected Machine Agent (ArcLink). Runs as the simulated host named by $ARCLINK_HOST_CREDENTIAL; state lives in $AZCMAGENT_HOME (default /var/opt/azcmagent).",
  usage: "azcmagent [command]",
  flags: [],
  subcommands: COMMANDS,
  async run() {
    return 0;
  },
};

function pathOf(chain: Command[]): string {
  return chain.map((c) => c.name).join(" ");
}

/** Cobra's usage block for a command (what an error prints). */
export function usageText(chain: Command[]): string {
  const cmd = chain[chain.length - 1];
  const lines: string[] = ["Usage:"];
  if (cmd.subcommands) {
    lines.push(`  ${pathOf(chain)} [command]`, "");
    const visible = cmd.subcommands.filter((c) => !c.internal);
    const internal = cmd.subcommands.filter((c) => c.internal);
    const w = Math.max(...cmd.subcommands.map((c) => c.name.length)) + 2;
    lines.push("Available Commands:");
    for (const c of visible) lines.push(`  ${c.name.padEnd(w)}${c.summary}`);
    if (chain.length === 1) lines.push(`  ${"help".padEnd(w)}Help about any command`);
    if (internal.length > 0) {
      lines.push("", "Internal Commands (used by ArcLink in place of the agent's services):");
      for (const c of internal) lines.push(`  ${c.name.padEnd(w)}${c.summary}`);
    }
  } else {
    lines.push(`  ${cmd.usage}`);
  }
  if (cmd.examples?.length) lines.push("", "Examples:", ...cmd.examples.map((e) => `  ${e}`));
  if (cmd.flags.length > 0) lines.push("", "Flags:", flagHelp(cmd.flags));
  lines.push("", "Global Flags:", flagHelp(COMMON_FLAGS));
  if (cmd.subcommands)
    lines.push("", `Use "${pathOf(chain)} [command] --help" for more information about a command.`);
  return lines.join("\n");
}

export function helpText(chain: Command[]): string {
  const cmd = chain[chain.length - 1];
  return `${cmd.description ?? cmd.summary}\n\n${usageText(chain)}`;
}

/** Index of the first argument that is not a flag (skipping --config's value), or -1. */
function firstWord(argv: readonly string[]): number {
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--") return -1;
    if (a === "--config") {
      i++;
      continue;
    }
    if (!a.startsWith("-")) return i;
  }
  return -1;
}

interface Found {
  chain: Command[];
  rest: string[];
}

function findCommand(argv: readonly string[], root: Command = ROOT): Found {
  const chain: Command[] = [root];
  let rest = [...argv];
  for (;;) {
    const cur = chain[chain.length - 1];
    if (!cur.subcommands) break;
    const i = firstWord(rest);
    if (i < 0) break;
    const word = rest[i];
    if (chain.length === 1 && word === "help") {
      // azcmagent help [command…]: help of that command.
      const target = findCommand(
        rest.slice(i + 1).filter((a) => !a.startsWith("-")),
        root,
      );
      return { chain: target.chain, rest: ["--help"] };
    }
    const next = cur.subcommands.find((c) => c.name === word);
    if (!next) {
      throw usageError(
        `unknown command "${word}" for "${pathOf(chain)}"`,
        `Run '${pathOf(chain)} --help' for usage.`,
      );
    }
    chain.push(next);
    rest = [...rest.slice(0, i), ...rest.slice(i + 1)];
  }
  return { chain, rest };
}

export async function main(argv: readonly string[], env: NodeJS.ProcessEnv, io: Io): Promise<number> {
  let log: Log | undefined;
  try {
    // The commands and flags of the agent version this runs as (AZCMAGENT_VERSION).
    const { chain, rest } = findCommand(argv, commandsFor(ROOT, agentVersion(env)));
    const cmd = chain[chain.length - 1];
    const specs = [...cmd.flags, ...COMMON_FLAGS];
    const usage = usageText(chain);
    const parsed: ParsedFlags = parseFlags(rest, specs, usage);
    if (parsed.values.get("help") === true || (cmd.subcommands && parsed.args.length === 0)) {
      io.out(helpText(chain));
      return 0;
    }
    if (cmd.args) {
      const n = parsed.args.length;
      if (n < cmd.args.min || n > cmd.args.max) {
        throw usageError(
          cmd.args.min === cmd.args.max
            ? `accepts ${cmd.args.min} arg(s), received ${n}`
            : `accepts between ${cmd.args.min} and ${cmd.args.max} arg(s), received ${n}`,
          usage,
        );
      }
    }
    loadConfigFile(parsed, specs);
    const ctx = new AgentContext(env, io, parsed);
    log = ctx.log;
    const code = await cmd.run(ctx, parsed.args);
    return typeof code === "number" ? code : 0;
  } catch (err) {
    return report(err, io, log);
  }
}

/** Prints a failure as the agent does and returns its exit code. */
function report(err: unknown, io: Io, log: Log | undefined): number {
  let e: AgentError;
  if (err instanceof AgentError) e = err;
  else if (err instanceof DialError) e = new AgentError(AZCM.Network, err.message);
  else if (err instanceof RefusalError) e = new AgentError(AZCM.Network, `${err.code}: ${err.message}`);
  else
    e = new AgentError(
      AZCM.Internal,
      `Internal error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`,
    );
  if (e.opts.usage !== undefined) {
    io.err(`Error: ${e.message}`);
    io.err(e.opts.usage);
    for (const l of exitLines(e.azcm)) io.err(l);
    return e.azcm.exit;
  }
  const l = log ?? new Log((line) => io.out(line), false);
  for (const d of e.opts.details ?? []) l.error(d);
  l.fatal(e.message, e.opts.fields);
  for (const line of exitLines(e.azcm)) l.plain(line);
  return e.azcm.exit;
}
