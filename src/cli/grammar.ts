// One command-line grammar for every arclink command: each command declares its flags once (a
// CommandSpec), and the parser (node's util.parseArgs), the --help text and the shell completion
// are all made from that declaration. Unknown flags and missing values are refused with the
// nearest flag the command has.
import { parseArgs } from "node:util";
import { CliError, EXIT, Flags } from "./flags.js";

export interface FlagSpec {
  /** The long name, without "--". */
  name: string;
  /** A one-letter alias, without "-". */
  short?: string;
  /** "boolean": present or not; "string": takes a value. */
  kind: "string" | "boolean";
  /** The value's placeholder in the help (FILE, N, HOST). */
  value?: string;
  help: string;
  /** The values the flag takes, for the help and the completion (the command checks them). */
  choices?: readonly string[];
  /** What the completion offers for the value. */
  complete?: "file" | "dir";
  /** The flag may repeat (--tag A=1 --tag B=2). */
  multiple?: boolean;
}

export interface CommandSpec {
  name: string;
  /** One line for `arclink help`. */
  summary: string;
  /** The synopsis lines, each after "arclink NAME ". */
  usage: string[];
  /** Positional arguments: at most `max`; `words` are the first one's fixed choices (subcommands). */
  args?: { max: number; words?: readonly string[] };
  flags: FlagSpec[];
  /** Paragraphs after the synopsis in --help. */
  description?: string;
  /** The command's exit codes, in words. */
  exits: string;
  run(flags: Flags): Promise<void>;
}

/** --data / --ready-file: how every command that talks to a running ArcLink finds it. */
export const TARGET_FLAGS: FlagSpec[] = [
  {
    name: "data",
    kind: "string",
    value: "DIR",
    complete: "dir",
    help: "the running ArcLink's data folder (default ./.arclink); its ready.json says how to reach it",
  },
  {
    name: "ready-file",
    kind: "string",
    value: "F",
    complete: "file",
    help: "the ready file 'arclink serve --ready-file F' wrote (instead of --data)",
  },
];

/** The flags every command has. */
export const COMMON_FLAGS: FlagSpec[] = [
  { name: "debug", kind: "boolean", help: "on an error, print its stack trace too" },
  { name: "help", short: "h", kind: "boolean", help: "this help" },
];

export function allFlags(spec: CommandSpec): FlagSpec[] {
  return [...spec.flags, ...COMMON_FLAGS];
}

/** Optimal string alignment distance: edits, with a swap of neighbours counting as one. */
function distance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0][j] = j;
  for (let i = 1; i <= a.length; i++)
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
    }
  return d[a.length][b.length];
}

/** The nearest of `candidates` to `word`, when near enough to be a typo or an abbreviation. */
export function nearest(word: string, candidates: readonly string[]): string | undefined {
  const w = word.toLowerCase();
  let best: string | undefined;
  let bestD = Infinity;
  for (const c of candidates) {
    const d = c.startsWith(w) && w.length >= 2 ? 0.5 : distance(w, c);
    if (d < bestD) [best, bestD] = [c, d];
  }
  return bestD <= Math.max(1, Math.min(2, Math.floor(w.length / 3))) ? best : undefined;
}

function helpHint(spec: CommandSpec): string {
  return `'arclink ${spec.name} --help' lists its flags`;
}

/** True when the command line asks for help (--help or -h anywhere before "--"). */
export function wantsHelp(argv: readonly string[]): boolean {
  const end = argv.indexOf("--");
  return (end < 0 ? argv : argv.slice(0, end)).some((a) => a === "--help" || a === "-h");
}

/** Parses argv against the command's spec; usage errors are CliErrors with exit code 2. */
export function parseCommandLine(spec: CommandSpec, argv: string[]): Flags {
  const flags = allFlags(spec);
  const byName = new Map(flags.map((f) => [f.name, f]));
  const options = Object.fromEntries(
    flags.map((f) => [f.name, { type: f.kind, ...(f.short ? { short: f.short } : {}) }]),
  );
  const { tokens } = parseArgs({ args: argv, options, strict: false, allowPositionals: true, tokens: true });
  const values = new Map<string, string | true | string[]>();
  const positional: string[] = [];
  const usage = (m: string) => new CliError(m, EXIT.usage);
  for (const t of tokens) {
    if (t.kind === "positional") {
      positional.push(t.value);
      continue;
    }
    if (t.kind !== "option") continue;
    const f = byName.get(t.name);
    if (!f) {
      const guess = nearest(
        t.name,
        flags.map((x) => x.name),
      );
      throw usage(
        `Unknown flag: ${t.rawName}${guess ? `. Did you mean --${guess}?` : ` (${helpHint(spec)}).`}`,
      );
    }
    const shown = t.rawName.startsWith("--") ? t.rawName : `${t.rawName} (--${f.name})`;
    if (f.kind === "boolean") {
      if (t.value !== undefined && t.value !== "true") {
        if (t.value === "false") values.delete(f.name);
        else throw usage(`Flag ${shown} takes no value, got '${t.value}'.`);
      } else values.set(f.name, true);
      continue;
    }
    const placeholder = `${t.rawName} ${f.value ?? "VALUE"}`;
    if (t.value === undefined) throw usage(`Flag ${shown} needs a value: ${placeholder}.`);
    // `--host --json`: the next word is a flag, not this one's value (write --host=-x for a dash).
    if (!t.inlineValue && /^-[^\d]/.test(t.value))
      throw usage(`Flag ${shown} needs a value: ${placeholder} (got the flag ${t.value}).`);
    if (f.multiple) values.set(f.name, [...((values.get(f.name) as string[] | undefined) ?? []), t.value]);
    else values.set(f.name, t.value);
  }
  const max = spec.args?.max ?? 0;
  if (positional.length > max)
    throw usage(
      max === 0
        ? `Unexpected argument '${positional[0]}': arclink ${spec.name} takes only flags (${helpHint(spec)}).`
        : `Unexpected argument '${positional[max]}' (${helpHint(spec)}).`,
    );
  const words = spec.args?.words;
  if (words && positional[0] !== undefined && !words.includes(positional[0])) {
    const guess = nearest(positional[0], words);
    throw usage(
      `arclink ${spec.name} takes ${words.join(" | ")} first, got '${positional[0]}'${guess ? `. Did you mean '${guess}'?` : "."}`,
    );
  }
  return new Flags(values, positional, new Set(byName.keys()));
}

/** The --help text: the synopsis, the description, every flag, the exit codes. */
export function renderHelp(spec: CommandSpec): string {
  // A line that starts with spaces continues the synopsis above it.
  const head = `arclink ${spec.name} `;
  const lines = spec.usage.map((u, i) =>
    `${i === 0 ? "Usage: " : "       "}${u.startsWith(" ") ? " ".repeat(head.length + 2) + u.trim() : head + u}`.trimEnd(),
  );
  lines.push("", spec.summary);
  if (spec.description) lines.push("", spec.description.trimEnd());
  const flags = allFlags(spec);
  const left = flags.map(
    (f) =>
      `${f.short ? `-${f.short}, ` : "    "}--${f.name}${f.kind === "string" ? ` ${f.value ?? "VALUE"}` : ""}`,
  );
  const width = Math.min(Math.max(...left.map((l) => l.length)) + 2, 32);
  lines.push("", "Flags:");
  flags.forEach((f, i) => {
    const help =
      f.help + (f.choices ? ` (${f.choices.join(" | ")})` : "") + (f.multiple ? "; repeatable" : "");
    const l = `  ${left[i]}`;
    lines.push(
      l.length + 1 > width + 2 ? `${l}\n${" ".repeat(width + 2)}${help}` : `${l.padEnd(width + 2)}${help}`,
    );
  });
  lines.push("", `Exit status: ${spec.exits}`);
  return lines.join("\n") + "\n";
}
