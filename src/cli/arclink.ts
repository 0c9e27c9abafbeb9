#!/usr/bin/env node
// The arclink command: serve, and the tools that read the world it serves. Every command is a
// CommandSpec (grammar.ts): its flags, its help and its completion come from that one declaration.
import { APPLY } from "./apply.js";
import { CliError, EXIT, Flags } from "./flags.js";
import { CommandSpec, nearest, parseCommandLine, renderHelp, wantsHelp } from "./grammar.js";
import { SERVE } from "./serve.js";
import { RESOLVE } from "./resolve.js";
import { TIME } from "./time.js";
import { CHECK } from "./check.js";
import { HOST } from "./host.js";
import { LINT } from "./lint.js";
import { WHATIF } from "./whatIf.js";
import { SCRIPT } from "./script.js";
import { FLEET } from "./fleet.js";
import { SNAPSHOT } from "./snapshot.js";
import { SCHEMA } from "./schema.js";
import { completionScript } from "./completion.js";
import { userError } from "./errors.js";

const COMPLETION: CommandSpec = {
  name: "completion",
  summary: 'Print the shell completion script: eval "$(arclink completion bash)" (or zsh).',
  usage: ["bash | zsh"],
  args: { max: 1, words: ["bash", "zsh"] },
  flags: [],
  exits: "0 printed, 2 usage.",
  run: async (flags: Flags) => {
    const shell = flags.positional[0];
    if (shell !== "bash" && shell !== "zsh")
      throw new CliError("Say which shell: arclink completion bash | zsh.", EXIT.usage);
    process.stdout.write(completionScript(shell, COMMANDS));
  },
};

const HELP: CommandSpec = {
  name: "help",
  summary: "The commands, or one command's flags: arclink help COMMAND.",
  usage: ["[COMMAND]"],
  args: { max: 1 },
  flags: [],
  exits: "0 printed, 2 no such command.",
  run: async (flags: Flags) => {
    const name = flags.positional[0];
    process.stdout.write(name === undefined ? overview() : renderHelp(commandNamed(name)));
  },
};

export const COMMANDS: CommandSpec[] = [
  SERVE,
  APPLY,
  RESOLVE,
  CHECK,
  LINT,
  WHATIF,
  HOST,
  TIME,
  SCRIPT,
  FLEET,
  SNAPSHOT,
  SCHEMA,
  COMPLETION,
  HELP,
];

function overview(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length)) + 2;
  return [
    "Usage: arclink <command> [flags]",
    "",
    "Commands:",
    ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}${c.summary}`),
    "",
    "'arclink help COMMAND' or 'arclink COMMAND --help' lists a command's flags.",
    "Exit status: 0 ok, 1 findings or refused, 2 usage, 3 input error, 4 ArcLink not running or unreachable.",
    "",
  ].join("\n");
}

function commandNamed(name: string): CommandSpec {
  const spec = COMMANDS.find((c) => c.name === name);
  if (spec) return spec;
  const guess = nearest(
    name,
    COMMANDS.map((c) => c.name),
  );
  throw new CliError(
    `Unknown command '${name}'${guess ? `. Did you mean '${guess}'?` : ""} ('arclink help' lists the commands).`,
    EXIT.usage,
  );
}

async function main(argv: string[]): Promise<void> {
  const [name, ...rest] = argv;
  if (name === undefined || name === "--help" || name === "-h") {
    process.stdout.write(overview());
    return;
  }
  const spec = commandNamed(name);
  if (wantsHelp(rest)) {
    process.stdout.write(renderHelp(spec));
    return;
  }
  await spec.run(parseCommandLine(spec, rest));
}

// A reader that closes the pipe early (`arclink schema topology | head`) ends the command quietly,
// as other command-line tools do, instead of an EPIPE stack trace.
for (const stream of [process.stdout, process.stderr])
  stream.on("error", (e: NodeJS.ErrnoException) => {
    if (e.code === "EPIPE") process.exit(0);
    throw e;
  });

const argv = process.argv.slice(2);
const debug = argv.includes("--debug");
main(argv).catch((e: unknown) => {
  const known = userError(e);
  if (known) process.stderr.write(`arclink: ${known.message}\n`);
  else
    process.stderr.write(
      `arclink: ${(e as Error)?.message ?? String(e)} (an unexpected error${debug ? "" : "; --debug shows where"})\n`,
    );
  if (debug) {
    const original = (e as Error)?.cause ?? known?.cause ?? e;
    process.stderr.write(`${(original as Error)?.stack ?? String(original)}\n`);
  }
  process.exit(known?.exitCode ?? EXIT.refused);
});
