// Command-line flags as the real agent (Go, cobra/pflag) reads them: --name value, --name=value,
// -n value, -nvalue, combined boolean shorthands (-jv), "--" ends the flags. Unknown flags and
// missing values are errors in pflag's words. Also: the --config file (JSON or YAML, keys are the
// long flag names, the command line wins) and the --tags list.
import { readFileSync } from "node:fs";
import { parse as parseYaml } from "yaml";
import { AgentError, AZCM } from "./errors.js";

export interface FlagSpec {
  name: string;
  short?: string;
  type: "string" | "bool";
  usage: string;
  /** Shown in --help as internal; never needed by users. */
  hidden?: boolean;
  /** The first and last agent releases that have this flag (releases.ts); absent: every release. */
  since?: readonly [number, number];
  until?: readonly [number, number];
}

export type FlagValue = string | boolean;

export interface ParsedFlags {
  values: Map<string, FlagValue>;
  /** Positional arguments in order. */
  args: string[];
}

/** Flags every command accepts (fact sheet §1.1). */
export const COMMON_FLAGS: FlagSpec[] = [
  {
    name: "config",
    type: "string",
    usage: "Path to a JSON or YAML file with flag values (keys are the long flag names)",
  },
  { name: "help", short: "h", type: "bool", usage: "help for this command" },
  { name: "json", short: "j", type: "bool", usage: "Output in JSON format" },
  {
    name: "log-stderr",
    type: "bool",
    usage: "Redirect error and verbose messages to the standard error (stderr) stream",
  },
  {
    name: "no-color",
    type: "bool",
    usage: "Disable color output for terminals that do not support ANSI colors",
  },
  { name: "verbose", short: "v", type: "bool", usage: "Show more information while the command runs" },
];

/** A usage error (unknown flag, missing value): AZCM0023 with cobra's "Error: …" and the usage text. */
export function usageError(message: string, usage: string): AgentError {
  return new AgentError(AZCM.InvalidArgument, message, { usage });
}

const TRUE = new Set(["1", "t", "T", "TRUE", "true", "True"]);
const FALSE = new Set(["0", "f", "F", "FALSE", "false", "False"]);

function parseBool(text: string, flag: string, usage: string): boolean {
  if (TRUE.has(text)) return true;
  if (FALSE.has(text)) return false;
  throw usageError(
    `invalid argument "${text}" for "${flag}" flag: strconv.ParseBool: parsing "${text}": invalid syntax`,
    usage,
  );
}

/** Parses argv against the specs; throws AZCM0023 usage errors as pflag words them. */
export function parseFlags(argv: readonly string[], specs: readonly FlagSpec[], usage: string): ParsedFlags {
  const byName = new Map(specs.map((s) => [s.name, s]));
  const byShort = new Map(specs.filter((s) => s.short).map((s) => [s.short!, s]));
  const values = new Map<string, FlagValue>();
  const args: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--") {
      args.push(...argv.slice(i + 1));
      break;
    }
    if (a.startsWith("--") && a.length > 2) {
      const eq = a.indexOf("=");
      const name = eq >= 0 ? a.slice(2, eq) : a.slice(2);
      const spec = byName.get(name);
      if (!spec) throw usageError(`unknown flag: --${name}`, usage);
      if (spec.type === "bool") {
        values.set(name, eq >= 0 ? parseBool(a.slice(eq + 1), `--${name}`, usage) : true);
      } else if (eq >= 0) {
        values.set(name, a.slice(eq + 1));
      } else if (i + 1 < argv.length) {
        values.set(name, argv[++i]);
      } else {
        throw usageError(`flag needs an argument: --${name}`, usage);
      }
      continue;
    }
    if (a.startsWith("-") && a.length > 1) {
      // Shorthands: -j, -jv, -lwestus, -l westus, -l=westus.
      let rest = a.slice(1);
      while (rest.length > 0) {
        const c = rest[0];
        const spec = byShort.get(c);
        if (!spec) throw usageError(`unknown shorthand flag: '${c}' in ${a}`, usage);
        rest = rest.slice(1);
        if (spec.type === "bool") {
          if (rest.startsWith("=")) {
            values.set(spec.name, parseBool(rest.slice(1), `-${c}`, usage));
            rest = "";
          } else values.set(spec.name, true);
          continue;
        }
        if (rest.length > 0) values.set(spec.name, rest.startsWith("=") ? rest.slice(1) : rest);
        else if (i + 1 < argv.length) values.set(spec.name, argv[++i]);
        else throw usageError(`flag needs an argument: '${c}' in -${c}`, usage);
        rest = "";
      }
      continue;
    }
    args.push(a);
  }
  return { values, args };
}

/**
 * Merges a --config file into parsed flags: keys are long flag names, the command line wins.
 * A file that cannot be read or parsed is AZCM0019; a key that is not a flag is AZCM0023.
 */
export function applyConfigFile(
  parsed: ParsedFlags,
  specs: readonly FlagSpec[],
  text: string,
  file: string,
): void {
  let doc: unknown;
  try {
    doc = file.toLowerCase().endsWith(".json") ? JSON.parse(text) : parseYaml(text);
  } catch (e) {
    throw new AgentError(
      AZCM.ConfigFile,
      `Failed to parse the config file ${file}: ${(e as Error).message}. Write a JSON or YAML object whose keys are long flag names, e.g. {"resource-group": "rg"}.`,
    );
  }
  if (doc === null || typeof doc !== "object" || Array.isArray(doc)) {
    throw new AgentError(
      AZCM.ConfigFile,
      `The config file ${file} must hold a JSON or YAML object whose keys are long flag names, e.g. {"resource-group": "rg"}.`,
    );
  }
  const byName = new Map(specs.map((s) => [s.name, s]));
  for (const [key, raw] of Object.entries(doc as Record<string, unknown>)) {
    const spec = byName.get(key);
    if (!spec || key === "config") {
      throw new AgentError(
        AZCM.InvalidArgument,
        `The config file ${file} has the key '${key}', which is not a flag of this command. Use the long flag names: ${specs
          .filter((s) => !s.hidden && s.name !== "config" && s.name !== "help")
          .map((s) => s.name)
          .join(", ")}.`,
      );
    }
    if (parsed.values.has(key)) continue; // the command line wins
    if (spec.type === "bool") {
      if (typeof raw === "boolean") parsed.values.set(key, raw);
      else if (typeof raw === "string" && (TRUE.has(raw) || FALSE.has(raw)))
        parsed.values.set(key, TRUE.has(raw));
      else
        throw new AgentError(
          AZCM.InvalidArgument,
          `The config file ${file}: '${key}' must be true or false.`,
        );
    } else if (key === "tags" && raw !== null && typeof raw === "object" && !Array.isArray(raw)) {
      parsed.values.set(key, formatTags(raw as Record<string, unknown>));
    } else if (typeof raw === "string" || typeof raw === "number") {
      parsed.values.set(key, String(raw));
    } else {
      throw new AgentError(AZCM.InvalidArgument, `The config file ${file}: '${key}' must be a string.`);
    }
  }
}

/** Reads the --config file named by the parsed flags, if any, and merges it. */
export function loadConfigFile(parsed: ParsedFlags, specs: readonly FlagSpec[]): void {
  const file = parsed.values.get("config");
  if (file === undefined) return;
  if (typeof file !== "string" || file === "") {
    throw new AgentError(AZCM.ConfigFile, "--config needs the path of a JSON or YAML file.");
  }
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (e) {
    throw new AgentError(
      AZCM.ConfigFile,
      `Cannot read the config file ${file}: ${(e as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : (e as Error).message}. Check the path given to --config.`,
    );
  }
  applyConfigFile(parsed, specs, text, file);
}

function formatTags(o: Record<string, unknown>): string {
  return Object.entries(o)
    .map(([k, v]) => `${k}='${String(v ?? "")}'`)
    .join(",");
}

/**
 * Parses --tags "Name=Value,Name2='Value with space'". Values may be in single or double quotes
 * (which may hold commas); names and values are trimmed. Errors are AZCM0023.
 */
export function parseTags(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  const bad = (why: string) =>
    new AgentError(
      AZCM.InvalidArgument,
      `Invalid value for --tags: ${why}. Write Name=Value pairs separated by commas, quoting values with spaces or commas: --tags "Datacenter=DC1,City='New York'".`,
    );
  let i = 0;
  const n = text.length;
  while (i < n) {
    while (i < n && /\s/.test(text[i])) i++;
    if (i >= n) break;
    let key = "";
    while (i < n && text[i] !== "=" && text[i] !== ",") key += text[i++];
    key = key.trim();
    if (i >= n || text[i] !== "=") throw bad(`'${key}' has no '=Value'`);
    if (key === "") throw bad("a tag has an empty name");
    i++; // '='
    while (i < n && text[i] === " ") i++;
    let value = "";
    if (text[i] === "'" || text[i] === '"') {
      const q = text[i++];
      const end = text.indexOf(q, i);
      if (end < 0) throw bad(`the value of '${key}' has no closing ${q}`);
      value = text.slice(i, end);
      i = end + 1;
      while (i < n && text[i] === " ") i++;
      if (i < n && text[i] !== ",") throw bad(`unexpected text after the quoted value of '${key}'`);
    } else {
      while (i < n && text[i] !== ",") value += text[i++];
      value = value.trim();
    }
    if (i < n && text[i] === ",") i++;
    if (key.length > 512) throw bad(`the tag name '${key.slice(0, 20)}…' is longer than 512 characters`);
    if (value.length > 256) throw bad(`the value of '${key}' is longer than 256 characters`);
    if (/[<>%&\\?/]/.test(key)) throw bad(`the tag name '${key}' contains one of < > % & \\ ? /`);
    if (Object.keys(out).some((k) => k.toLowerCase() === key.toLowerCase()))
      throw bad(`'${key}' is given twice`);
    out[key] = value;
  }
  if (Object.keys(out).length > 50) throw bad("Azure allows at most 50 tags on a resource");
  return out;
}

/** Help text of a flag list, pflag style. */
export function flagHelp(specs: readonly FlagSpec[]): string {
  const rows = specs
    .filter((s) => !s.hidden)
    .map((s) => {
      const left = `${s.short ? `-${s.short}, ` : "    "}--${s.name}${s.type === "string" ? " string" : ""}`;
      return [left, s.usage] as const;
    });
  const w = Math.max(...rows.map((r) => (r.length === 2 ? r[0].length : 0))) + 3;
  return rows.map(([l, u]) => `  ${l.padEnd(w)}${u}`).join("\n");
}

/** A string flag's value, or undefined. */
export function str(p: ParsedFlags, name: string): string | undefined {
  const v = p.values.get(name);
  return typeof v === "string" ? v : undefined;
}

export function bool(p: ParsedFlags, name: string): boolean {
  return p.values.get(name) === true;
}

/** The sign-in flags connect and disconnect share (service principal, access token, and the ones ArcLink refuses). */
export const SIGN_IN_FLAGS: FlagSpec[] = [
  {
    name: "service-principal-id",
    short: "i",
    type: "string",
    usage: "Application (client) id of the service principal",
  },
  {
    name: "service-principal-secret",
    short: "p",
    type: "string",
    usage: "Secret of the service principal",
  },
  {
    name: "service-principal-cert",
    type: "string",
    usage: "Certificate of the service principal (not supported by ArcLink)",
  },
  { name: "access-token", type: "string", usage: "A pre-acquired Microsoft Entra access token for ARM" },
  { name: "use-device-code", type: "bool", usage: "Sign in with a device code (not supported by ArcLink)" },
  { name: "use-azcli", type: "bool", usage: "Use the az CLI sign-in (not supported by ArcLink)" },
];
