// The agent's local configuration (fact sheet §1.6): the keys, their defaults and validation, and
// config.json in the agent home. Only keys that differ from the default are stored. A file that is
// not a JSON object of valid values is AZCM0070 ("cannot read local config"); nothing is changed.
import { AgentError, AZCM } from "./errors.js";
import { homeFile, readText, writeJsonAtomic } from "./files.js";

export type ConfigValue = string | boolean | number | string[];
export type LocalConfig = Record<string, ConfigValue>;

export const BYPASS_VALUES = ["AAD", "ARM", "Arc", "AMA", "ArcData"] as const;
export const CONNECTION_TYPES = ["default", "direct", "gateway"] as const;
export const CONFIG_MODES = ["full", "monitor"] as const;

/** Extensions a monitor-mode agent allows (monitoring and security only). */
export const MONITOR_ALLOWLIST = [
  "Microsoft.Azure.Monitor/AzureMonitorWindowsAgent",
  "Microsoft.Azure.Monitor/AzureMonitorLinuxAgent",
  "Microsoft.Azure.AzureDefenderForServers/MDE.Windows",
  "Microsoft.Azure.AzureDefenderForServers/MDE.Linux",
  "Microsoft.Azure.ChangeTrackingAndInventory/ChangeTracking-Windows",
  "Microsoft.Azure.ChangeTrackingAndInventory/ChangeTracking-Linux",
];

interface KeyDef {
  key: string;
  kind: "string" | "bool" | "int" | "list" | "enum";
  default: ConfigValue;
  description: string;
  /** enum values, or the allowed list items (compared case-insensitively, stored canonically). */
  values?: readonly string[];
  min?: number;
  max?: number;
  /** Validates (and may normalize) one string value or list item; returns it or throws via `bad`. */
  check?: (v: string, bad: (why: string) => never) => string;
  preview?: boolean;
}

function proxyUrl(v: string, bad: (why: string) => never): string {
  if (v === "") return v;
  let u: URL | undefined;
  try {
    u = new URL(v);
  } catch {
    u = undefined;
  }
  if (!u || u.protocol !== "http:") {
    bad(
      `'${v}' is not an HTTP proxy URL. Write it as http://host:port (the agent supports HTTP proxies only), e.g. http://192.168.1.20:3128`,
    );
  }
  if (!u.hostname || u.port === "" || (u.pathname !== "/" && u.pathname !== "") || u.search || u.hash) {
    bad(`'${v}' must be exactly http://host:port, e.g. http://192.168.1.20:3128`);
  }
  if (u.username || u.password) {
    bad(`'${v}' carries credentials; the agent does not support proxy authentication`);
  }
  return `http://${u.host}`;
}

function port(v: string, bad: (why: string) => never): string {
  if (!/^\d{1,5}$/.test(v) || Number(v) < 1 || Number(v) > 65535) bad(`'${v}' is not a TCP port (1-65535)`);
  return String(Number(v));
}

function extension(v: string, bad: (why: string) => never): string {
  if (v === "Allow/None") return v;
  if (!/^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/.test(v)) {
    bad(
      `'${v}' is not an extension: write Publisher/Type, e.g. Microsoft.Azure.Monitor/AzureMonitorWindowsAgent`,
    );
  }
  return v;
}

export const CONFIG_KEYS: readonly KeyDef[] = [
  {
    key: "config.mode",
    kind: "enum",
    values: CONFIG_MODES,
    default: "full",
    description:
      "Agent mode: full (all features) or monitor (monitoring and security extensions only; machine configuration off; lists locked)",
  },
  {
    key: "connection.type",
    kind: "enum",
    values: CONNECTION_TYPES,
    default: "default",
    description: "How the agent reaches Azure: default, direct or gateway (Arc gateway)",
    preview: true,
  },
  {
    key: "extensions.agent.cpulimit",
    kind: "int",
    min: 1,
    max: 100,
    default: 5,
    description: "CPU limit (percent) of the extension manager",
  },
  {
    key: "extensions.allowlist",
    kind: "list",
    check: extension,
    default: [],
    description: "Extensions (Publisher/Type) the agent may install; Allow/None allows none",
  },
  {
    key: "extensions.blocklist",
    kind: "list",
    check: extension,
    default: [],
    description: "Extensions (Publisher/Type) the agent must not install",
  },
  {
    key: "extensions.enabled",
    kind: "bool",
    default: true,
    description: "Whether the extension manager runs",
  },
  {
    key: "guestconfiguration.agent.cpulimit",
    kind: "int",
    min: 1,
    max: 100,
    default: 5,
    description: "CPU limit (percent) of the machine configuration agent",
  },
  {
    key: "guestconfiguration.enabled",
    kind: "bool",
    default: true,
    description: "Whether the machine configuration (guest configuration) agent runs",
  },
  {
    key: "incomingconnections.enabled",
    kind: "bool",
    default: true,
    description: "Whether remote access (SSH, Windows Admin Center) may connect to this machine",
    preview: true,
  },
  {
    key: "incomingconnections.ports",
    kind: "list",
    check: port,
    default: [],
    description: "Ports remote access may use, e.g. 22 (SSH), 6516 (Windows Admin Center)",
    preview: true,
  },
  {
    key: "proxy.bypass",
    kind: "list",
    values: BYPASS_VALUES,
    default: [],
    description: "Traffic that skips the proxy: AAD, ARM, Arc, AMA, ArcData",
  },
  {
    key: "proxy.url",
    kind: "string",
    check: proxyUrl,
    default: "",
    description: "HTTP proxy the agent uses (http://host:port)",
  },
];

const byKey = new Map(CONFIG_KEYS.map((k) => [k.key, k]));

export function configKeys(): string[] {
  return CONFIG_KEYS.map((k) => k.key);
}

function keyDef(key: string): KeyDef {
  const d = byKey.get(key.toLowerCase());
  if (!d) {
    throw new AgentError(
      AZCM.InvalidArgument,
      `'${key}' is not a configuration property. The properties are: ${configKeys().join(", ")}`,
    );
  }
  return d;
}

function badValue(key: string, code = AZCM.InvalidArgument): (why: string) => never {
  return (why) => {
    throw new AgentError(code, `Invalid value for ${key}: ${why}`);
  };
}

/** Validates one text value for a key (a list item for list keys); returns the stored form. */
export function parseItem(key: string, text: string, code = AZCM.InvalidArgument): string | boolean | number {
  const d = keyDef(key);
  const bad = badValue(d.key, code);
  const v = text.trim();
  switch (d.kind) {
    case "bool":
      if (/^true$/i.test(v)) return true;
      if (/^false$/i.test(v)) return false;
      return bad(`'${text}' must be true or false`);
    case "int": {
      if (!/^\d+$/.test(v) || Number(v) < d.min! || Number(v) > d.max!) {
        return bad(`'${text}' must be a whole number from ${d.min} to ${d.max}`);
      }
      return Number(v);
    }
    case "enum":
    case "list": {
      if (d.values) {
        const hit = d.values.find((x) => x.toLowerCase() === v.toLowerCase());
        if (!hit) return bad(`'${text}' is not one of ${d.values.join(", ")}`);
        return hit;
      }
      return d.check ? d.check(v, bad) : v;
    }
    default:
      return d.check ? d.check(v, bad) : v;
  }
}

/** A whole value for a key: lists are comma-separated text. */
export function parseValue(key: string, text: string, code = AZCM.InvalidArgument): ConfigValue {
  const d = keyDef(key);
  if (d.kind !== "list") return parseItem(d.key, text, code);
  const items = text
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s !== "");
  return dedupe(items.map((s) => String(parseItem(d.key, s, code))));
}

function dedupe(list: string[]): string[] {
  const seen = new Set<string>();
  return list.filter((x) => (seen.has(x.toLowerCase()) ? false : (seen.add(x.toLowerCase()), true)));
}

export function defaultOf(key: string): ConfigValue {
  const v = keyDef(key).default;
  return Array.isArray(v) ? [...v] : v;
}

/** The effective value of a key (stored or default). */
export function getValue(cfg: LocalConfig, key: string): ConfigValue {
  const d = keyDef(key);
  return cfg[d.key] ?? defaultOf(d.key);
}

export function isListKey(key: string): boolean {
  return keyDef(key).kind === "list";
}

const LOCKED_IN_MONITOR = ["extensions.allowlist", "extensions.blocklist", "guestconfiguration.enabled"];

/**
 * `config set KEY VALUE` (replace), with --add or --remove for list keys. Returns the new config;
 * the input is not modified.
 */
export function setValue(
  cfg: LocalConfig,
  key: string,
  text: string,
  mode: "replace" | "add" | "remove" = "replace",
): LocalConfig {
  const d = keyDef(key);
  const out: LocalConfig = { ...cfg };
  if (mode !== "replace" && d.kind !== "list") {
    throw new AgentError(
      AZCM.InvalidArgument,
      `--${mode} works only with list properties (${CONFIG_KEYS.filter((k) => k.kind === "list")
        .map((k) => k.key)
        .join(", ")}); ${d.key} holds a single value: use azcmagent config set ${d.key} <value>`,
    );
  }
  if (getValue(cfg, "config.mode") === "monitor" && LOCKED_IN_MONITOR.includes(d.key)) {
    throw new AgentError(
      AZCM.ConfigConflict,
      `${d.key} cannot be changed while config.mode is monitor (the agent locks it). Run azcmagent config set config.mode full first.`,
    );
  }
  const value = parseValue(d.key, text);
  if (d.kind === "list") {
    const cur = getValue(cfg, d.key) as string[];
    const items = value as string[];
    const next =
      mode === "add"
        ? dedupe([...cur, ...items])
        : mode === "remove"
          ? cur.filter((x) => !items.some((i) => i.toLowerCase() === x.toLowerCase()))
          : items;
    store(out, d.key, next);
  } else {
    store(out, d.key, value);
  }
  if (d.key === "config.mode") {
    if (value === "monitor") {
      store(out, "guestconfiguration.enabled", false);
      store(out, "extensions.allowlist", [...MONITOR_ALLOWLIST]);
      store(out, "extensions.blocklist", []);
    } else {
      delete out["guestconfiguration.enabled"];
      delete out["extensions.allowlist"];
    }
  }
  return out;
}

/** `config clear KEY`: back to the default. */
export function clearValue(cfg: LocalConfig, key: string): LocalConfig {
  const d = keyDef(key);
  if (getValue(cfg, "config.mode") === "monitor" && LOCKED_IN_MONITOR.includes(d.key)) {
    throw new AgentError(
      AZCM.ConfigConflict,
      `${d.key} cannot be changed while config.mode is monitor (the agent locks it). Run azcmagent config set config.mode full first.`,
    );
  }
  const out: LocalConfig = { ...cfg };
  delete out[d.key];
  if (d.key === "config.mode") {
    delete out["guestconfiguration.enabled"];
    delete out["extensions.allowlist"];
  }
  return out;
}

function store(cfg: LocalConfig, key: string, value: ConfigValue): void {
  const dflt = defaultOf(key);
  if (JSON.stringify(value) === JSON.stringify(dflt)) delete cfg[key];
  else cfg[key] = value;
}

/** Text of a value as `config get` and `config list` print it. */
export function formatValue(v: ConfigValue): string {
  return Array.isArray(v) ? v.join(",") : String(v);
}

/** Every key with its effective value, in key order. */
export function effective(cfg: LocalConfig): Record<string, ConfigValue> {
  const out: Record<string, ConfigValue> = {};
  for (const d of CONFIG_KEYS) out[d.key] = getValue(cfg, d.key);
  return out;
}

export function renderList(cfg: LocalConfig): string[] {
  const lines = ["Local Configuration Settings"];
  const w = Math.max(...CONFIG_KEYS.map((d) => d.key.length + (d.preview ? 10 : 0))) + 2;
  for (const d of CONFIG_KEYS) {
    const name = d.key + (d.preview ? " (preview)" : "");
    lines.push(`  ${name.padEnd(w)}: ${formatValue(getValue(cfg, d.key))}`);
  }
  return lines;
}

export function renderInfo(): string[] {
  const lines = ["Local configuration properties (azcmagent config set <property> <value>):", ""];
  for (const d of CONFIG_KEYS) {
    const values =
      d.kind === "bool"
        ? "true, false"
        : d.kind === "int"
          ? `${d.min}-${d.max}`
          : d.values
            ? d.values.join(", ")
            : d.kind === "list"
              ? "comma-separated list"
              : "text";
    lines.push(`  ${d.key}${d.preview ? " (preview)" : ""}`);
    lines.push(`      ${d.description}`);
    lines.push(
      `      Values: ${values}${d.kind === "list" ? " (use --add/-a and --remove/-r to change one item)" : ""}; default: ${formatValue(d.default) || "(empty)"}`,
    );
  }
  return lines;
}

export function infoJson(): object[] {
  return CONFIG_KEYS.map((d) => ({
    name: d.key,
    description: d.description,
    type: d.kind === "enum" ? "string" : d.kind,
    ...(d.values ? { values: d.values } : {}),
    default: d.default,
    preview: !!d.preview,
  }));
}

// ---------- config.json ---------------------------------------------------------------------

export function configPath(home: string): string {
  return homeFile(home, "config.json");
}

/** Reads config.json (defaults when absent). Not JSON, not an object, or a bad value: AZCM0070. */
export function readConfig(home: string): LocalConfig {
  const path = configPath(home);
  let text: string | undefined;
  try {
    text = readText(path);
  } catch (e) {
    throw new AgentError(AZCM.LocalConfigRead, `Cannot read local config ${path}: ${(e as Error).message}`);
  }
  if (text === undefined) return {};
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw new AgentError(
      AZCM.LocalConfigRead,
      `Cannot read local config ${path}: it is not valid JSON (${(e as Error).message}). Fix the file, or delete it to go back to the defaults.`,
    );
  }
  if (doc === null || typeof doc !== "object" || Array.isArray(doc)) {
    throw new AgentError(
      AZCM.LocalConfigRead,
      `Cannot read local config ${path}: it must hold a JSON object of property values, e.g. {"proxy.url": "http://192.168.1.20:3128"}.`,
    );
  }
  const out: LocalConfig = {};
  for (const [k, v] of Object.entries(doc as Record<string, unknown>)) {
    const d = byKey.get(k.toLowerCase());
    if (!d) continue; // keys of other agent versions are kept out of the way
    const wrap = (why: string): never => {
      throw new AgentError(AZCM.LocalConfigRead, `Cannot read local config ${path}: ${d.key}: ${why}`);
    };
    if (d.kind === "list") {
      if (!Array.isArray(v)) wrap("must be a JSON array");
      out[d.key] = (v as unknown[]).map((x) => String(parseItemOrWrap(d.key, String(x), wrap)));
    } else if (typeof v === "string" || typeof v === "boolean" || typeof v === "number") {
      out[d.key] = parseItemOrWrap(d.key, String(v), wrap);
    } else wrap("must be a string, number or boolean");
  }
  return out;
}

function parseItemOrWrap(key: string, text: string, wrap: (why: string) => never): string | boolean | number {
  try {
    return parseItem(key, text);
  } catch (e) {
    return wrap((e as Error).message.replace(/^Invalid value for [^:]+: /, ""));
  }
}

export function writeConfig(home: string, cfg: LocalConfig): void {
  try {
    writeJsonAtomic(configPath(home), cfg);
  } catch (e) {
    throw new AgentError(
      AZCM.LocalConfigWrite,
      `Cannot write local config ${configPath(home)}: ${(e as Error).message}`,
    );
  }
}
