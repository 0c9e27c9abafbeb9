// The topology file's schema: one declaration of every section, and the source of everything
// else about the file's shape. The validator here checks a parsed value against it, normalizes it
// (enum spellings, single values where lists are allowed, numbers written as strings) and reports
// every problem with its path; `Infer<typeof X>` is the TypeScript type of what it returns (model.ts
// builds the parsed topology's types from those); jsonSchema.ts publishes it as a JSON Schema for
// editors (`arclink schema topology`).
import { hasHostBits, parseCidr, parseIpv4 } from "../core/ip.js";
import { normalizeRegion, regionNames } from "../core/regions.js";
import { editDistance } from "../core/closestNames.js";

export type Path = (string | number)[];

export interface Issue {
  path: Path;
  message: string;
  /** 1-based line in the file, when known. */
  line?: number;
}

/** A string; `enum` values are matched case-insensitively and written in their declared spelling. */
export interface StringSchema<T extends string = string> {
  type: "string";
  /** Accept numbers and write them as strings (ports). */
  fromNumber?: boolean;
  enum?: readonly T[];
  /** Returns an error message, or undefined when the value is fine. */
  check?: (s: string) => string | undefined;
  /**
   * The static text of the message `check` gives for a value `pattern` refuses, without the value
   * `check` names first ("is not an IPv4 address."): the published JSON Schema's message for it.
   */
  invalid?: string;
  /**
   * For the published JSON Schema: a value that matches `when` is checked by this pattern and
   * message instead of `pattern` and `invalid` (one check with two messages).
   */
  otherwise?: { when: string; pattern: string; invalid: string };
  /** Maps the accepted value (e.g. a region spelling) to its normal form. */
  normalize?: (s: string) => T;
  maxLength?: number;
  description?: string;
  /**
   * For the published JSON Schema, which cannot run `check`: a regular expression (ECMA-262) that
   * accepts what `check` accepts, as closely as a pattern can.
   */
  pattern?: string;
  /** For the published JSON Schema, with `fromNumber`: the numbers accepted (JSON Schema). */
  numbers?: Record<string, unknown>;
  /** For the published JSON Schema: values an editor offers (when there is no `enum`). */
  examples?: readonly string[];
  /** For the published JSON Schema: the name it is defined under once, for every use to refer to. */
  ref?: string;
}

export interface IntegerSchema {
  type: "integer";
  minimum: number;
  maximum: number;
  description?: string;
}

export interface BooleanSchema {
  type: "boolean";
  description?: string;
}

export interface ArraySchema<I extends Schema = Schema> {
  type: "array";
  items: I;
  minItems?: number;
  /** A single value is accepted and read as a list of one. */
  single?: boolean;
  description?: string;
}

export interface ObjectSchema<
  P extends Record<string, Schema> = Record<string, Schema>,
  R extends keyof P & string = keyof P & string,
> {
  type: "object";
  properties: P;
  required?: readonly R[];
  description?: string;
}

/** A mapping whose keys the file chooses (e.g. zone name → file), each value checked by `values`. */
export interface MapSchema<V extends Schema = Schema> {
  type: "map";
  values: V;
  description?: string;
}

export type Schema =
  | StringSchema<string>
  | IntegerSchema
  | BooleanSchema
  | ArraySchema<any>
  | ObjectSchema<any, any>
  | MapSchema<any>;

/**
 * The value a schema accepts, as the validator returns it: enum values in their declared
 * spelling, single values as lists, numbers written as strings where `fromNumber`, required keys
 * present and the others optional.
 */
export type Infer<S> =
  S extends StringSchema<infer T>
    ? T
    : S extends IntegerSchema
      ? number
      : S extends BooleanSchema
        ? boolean
        : S extends ArraySchema<infer I>
          ? Infer<I>[]
          : S extends ObjectSchema<infer P, infer R>
            ? InferObject<P, R>
            : S extends MapSchema<infer V>
              ? Record<string, Infer<V>>
              : never;

type InferObject<P extends Record<string, Schema>, R extends string> = Flat<
  { -readonly [K in keyof P & R]: Infer<P[K]> } & { -readonly [K in Exclude<keyof P, R>]?: Infer<P[K]> }
>;
type Flat<T> = { [K in keyof T]: T[K] };

export function formatPath(path: Path): string {
  let out = "";
  for (const p of path) out += typeof p === "number" ? `[${p}]` : out ? `.${p}` : p;
  return out || "(file)";
}

/**
 * The validator's messages, each declared once. Called with the value (and what the file wrote),
 * they are the parser's; called without, they are their static text, which the published JSON
 * Schema carries (it cannot name the value, the key, or a near spelling).
 */
export const messages = {
  /** A value of the wrong kind: "must be a string, got 'x'." */
  type(schema: Schema, got?: string): string {
    const what = {
      string: "a string",
      integer: "a whole number",
      boolean: "true or false",
      array: `a list${schema.type === "array" && schema.single ? " (or a single value)" : ""}`,
      object: "a mapping (key: value)",
      map: "a mapping (key: value)",
    }[schema.type];
    return `must be ${what}${got !== undefined ? `, got ${got}` : ""}.`;
  },
  /** A value that is none of an enum's: "'x' is not one of 'A', 'B'." */
  notOneOf(values: readonly string[], value?: string): string {
    return `${quoted(value)}is not one of ${values.map((e) => `'${e}'`).join(", ")}.`;
  },
  /** A value a check refuses: "'x' is not an IPv4 address." (`invalid` is the static text). */
  invalid(invalid: string, value?: string): string {
    return `${quoted(value)}${invalid}`;
  },
  /** A key the section does not have: "unknown field 'x'. Did you mean 'y'? Allowed here: …" */
  unknownField(allowed: readonly string[], key?: string, near?: string): string {
    return `unknown field${key !== undefined ? ` '${key}'` : ""}.${near ? ` Did you mean '${near}'?` : ""} Allowed here: ${allowed.join(", ")}.`;
  },
  /** A text longer than its declaration allows. */
  tooLong(maxLength: number, length?: number): string {
    return `must be at most ${maxLength} characters${length !== undefined ? ` (got ${length})` : ""}.`;
  },
  /** A required key that is missing or empty. */
  required(schema: Schema): string {
    return `is required${schema.description ? `: ${schema.description}` : "."}`;
  },
};

const quoted = (value?: string) => (value !== undefined ? `'${value}' ` : "");

/**
 * Validates `value` against `schema` and returns the normalized value. When `issues` gained
 * nothing, the value is a complete `Infer<S>`; otherwise the invalid parts are left undefined.
 */
export function validate<S extends Schema>(value: unknown, schema: S, path: Path, issues: Issue[]): Infer<S> {
  // One path for the whole walk, extended and shortened as it goes: an issue copies it.
  return validateNode(value, schema, [...path], issues) as Infer<S>;
}

/** An object schema's properties as entries (with whether each is required), made once per schema. */
const propertyEntries = new WeakMap<
  ObjectSchema<any, any>,
  { entries: Array<[string, Schema, boolean]>; order: Map<string, number> }
>();

/** An object schema's properties as entries, and each key's place among them. */
function schemaEntries(schema: ObjectSchema<any, any>): {
  entries: Array<[string, Schema, boolean]>;
  order: Map<string, number>;
} {
  let e = propertyEntries.get(schema);
  if (!e) {
    const entries = (Object.entries(schema.properties) as [string, Schema][]).map(
      ([k, s]): [string, Schema, boolean] => [k, s, schema.required?.includes(k) ?? false],
    );
    propertyEntries.set(schema, (e = { entries, order: new Map(entries.map(([k], i) => [k, i])) }));
  }
  return e;
}

/** An issue at `path` (copied: the walk goes on changing it); undefined, for the value left out. */
function addIssue(issues: Issue[], path: Path, message: string): undefined {
  issues.push({ path: [...path], message });
  return undefined;
}

/** `path`: where `value` is, as a stack the walk pushes to and pops (an issue keeps a copy). */
function validateNode(value: unknown, schema: Schema, path: Path, issues: Issue[]): unknown {
  switch (schema.type) {
    case "string": {
      let v = value;
      if (typeof v === "number" && schema.fromNumber) v = String(v);
      if (typeof v !== "string") return addIssue(issues, path, messages.type(schema, describe(value)));
      if (schema.maxLength !== undefined && v.length > schema.maxLength) {
        return addIssue(issues, path, messages.tooLong(schema.maxLength, v.length));
      }
      if (schema.enum) {
        const hit = schema.enum.find((e) => e.toLowerCase() === (v as string).toLowerCase());
        if (!hit) return addIssue(issues, path, messages.notOneOf(schema.enum, v as string));
        v = hit;
      }
      const msg = schema.check?.(v as string);
      if (msg) return addIssue(issues, path, msg);
      return schema.normalize ? schema.normalize(v as string) : v;
    }
    case "integer":
      if (typeof value !== "number" || !Number.isInteger(value))
        return addIssue(issues, path, messages.type(schema, describe(value)));
      if (value < schema.minimum || value > schema.maximum) {
        return addIssue(
          issues,
          path,
          `must be between ${schema.minimum} and ${schema.maximum} (got ${value}).`,
        );
      }
      return value;
    case "boolean":
      if (typeof value !== "boolean") return addIssue(issues, path, messages.type(schema, describe(value)));
      return value;
    case "array": {
      let list = value;
      if (!Array.isArray(list)) {
        if (schema.single && list !== null && typeof list !== "object") list = [list];
        else return addIssue(issues, path, messages.type(schema, describe(value)));
      }
      const arr = list as unknown[];
      if (schema.minItems !== undefined && arr.length < schema.minItems) {
        return addIssue(
          issues,
          path,
          `must have at least ${schema.minItems} item${schema.minItems > 1 ? "s" : ""}.`,
        );
      }
      // The list itself when every item is its own validated value (copied on the first that is not).
      let items: unknown[] | undefined;
      for (let i = 0; i < arr.length; i++) {
        path.push(i);
        const r = validateNode(arr[i], schema.items, path, issues);
        path.pop();
        if (items) items.push(r);
        else if (r !== arr[i]) (items = arr.slice(0, i)).push(r);
      }
      return items ?? arr;
    }
    case "object": {
      if (value === null || typeof value !== "object" || Array.isArray(value)) {
        return addIssue(issues, path, messages.type(schema, describe(value)));
      }
      const o = value as Record<string, unknown>;
      const { entries, order } = schemaEntries(schema);
      // The mapping itself is the validated value when it holds only the schema's keys, in the
      // schema's order, none of them null, each value its own validated value: a copy would be the
      // same keys in the same order with the same values. Otherwise (or on the first value that
      // validates to another) a copy, in the schema's order.
      let asIs = true;
      let last = -1;
      for (const k of Object.keys(o)) {
        if (!(k in schema.properties)) {
          const allowed = Object.keys(schema.properties);
          issues.push({
            path: [...path, k],
            message: messages.unknownField(allowed, k, closest(k, allowed)),
          });
        }
        const at = order.get(k);
        if (at === undefined || at < last || o[k] === undefined || o[k] === null) asIs = false;
        else last = at;
      }
      let out: Record<string, unknown> | undefined = asIs ? undefined : {};
      for (let i = 0; i < entries.length; i++) {
        const [k, s, required] = entries[i];
        const v = o[k];
        if (v === undefined || v === null) {
          if (required) {
            issues.push({ path: [...path, k], message: messages.required(s) });
          }
          continue;
        }
        path.push(k);
        const r = validateNode(v, s, path, issues);
        path.pop();
        if (out) out[k] = r;
        else if (r !== v) {
          out = {};
          for (let j = 0; j < i; j++) {
            const before = o[entries[j][0]];
            if (before !== undefined && before !== null) out[entries[j][0]] = before;
          }
          out[k] = r;
        }
      }
      return out ?? o;
    }
    case "map": {
      if (value === null || typeof value !== "object" || Array.isArray(value)) {
        return addIssue(issues, path, messages.type(schema, describe(value)));
      }
      return Object.fromEntries(
        Object.entries(value).map(([k, v]) => {
          path.push(k);
          const r = validateNode(v, schema.values, path, issues);
          path.pop();
          return [k, r];
        }),
      );
    }
  }
}

function describe(v: unknown): string {
  if (v === null || v === undefined) return "nothing";
  if (Array.isArray(v)) return "a list";
  if (typeof v === "object") return "a mapping";
  return typeof v === "string" ? `'${v.slice(0, 40)}'` : `${typeof v} ${String(v)}`;
}

/** The closest allowed key to a misspelt one (edit distance at most 3). */
function closest(k: string, keys: string[]): string | undefined {
  let best: string | undefined;
  let bestD = 4;
  for (const c of keys) {
    const d = editDistance(k.toLowerCase(), c.toLowerCase());
    if (d < bestD) {
      best = c;
      bestD = d;
    }
  }
  return best;
}

// ---- Leaf schemas ---------------------------------------------------------------------------
// The helpers keep each schema's exact type (its enum values, its required keys), so that
// `Infer<typeof X>` is the type of what the validator returns for X.

export const str = <const T extends string = string>(
  extra: Omit<StringSchema<T>, "type"> = {},
): StringSchema<T> => ({ type: "string", ...extra });
export const bool = (description?: string): BooleanSchema => ({ type: "boolean", description });
export const int = (minimum: number, maximum: number, description?: string): IntegerSchema => ({
  type: "integer",
  minimum,
  maximum,
  description,
});
export const list = <I extends Schema>(
  items: I,
  extra: { minItems?: number; single?: boolean; description?: string } = {},
): ArraySchema<I> => ({
  type: "array",
  items,
  ...extra,
});
export const obj = <P extends Record<string, Schema>, const R extends keyof P & string = never>(
  properties: P,
  required: readonly R[] = [],
  description?: string,
): ObjectSchema<P, R> => ({
  type: "object",
  properties,
  required,
  description,
});
export const map = <V extends Schema>(values: V, description?: string): MapSchema<V> => ({
  type: "map",
  values,
  description,
});

/**
 * A string `ok` decides, refused with `invalid` after the value ("'x' is not an IPv4 address.");
 * `pattern` says the same for the published JSON Schema, with the same message.
 */
const checked = <const T extends string = string>(
  invalid: string,
  ok: (s: string) => boolean,
  extra: Omit<StringSchema<T>, "type" | "check" | "invalid">,
): StringSchema<T> =>
  str<T>({ ...extra, invalid, check: (s) => (ok(s) ? undefined : messages.invalid(invalid, s)) });

// Patterns for the published JSON Schema (see StringSchema.pattern).
const OCTET = "(?:25[0-5]|2[0-4]\\d|[01]?\\d?\\d)";
const IPV4_PATTERN = `${OCTET}(?:\\.${OCTET}){3}`;
const PREFIX_LENGTH = "(?:3[0-2]|[12]?\\d)";
const LABEL_PATTERN = "[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?";
const DOMAIN_PATTERN = `(?=.{1,253}\\.?$)${LABEL_PATTERN}(?:\\.${LABEL_PATTERN})*\\.?`;
const PORT_NUMBER = "(?:6553[0-5]|655[0-2]\\d|65[0-4]\\d\\d|6[0-4]\\d{3}|[1-5]\\d{4}|[1-9]\\d{0,3})";

/** A TLS version; YAML's 1.2 (a number) is read as "1.2", and 1.0 as "1.0". */
const TLS_VERSION = checked<"1.0" | "1.1" | "1.2" | "1.3">(
  "is not a TLS version: use 1.0, 1.1, 1.2 or 1.3.",
  (s) => ["1", "1.0", "1.1", "1.2", "1.3"].includes(s.trim()),
  {
    ref: "tlsVersion",
    fromNumber: true,
    description: "the newest TLS version the host's OS offers: 1.0, 1.1, 1.2 or 1.3 (default 1.3)",
    normalize: (s) => (s.trim() === "1" ? "1.0" : (s.trim() as "1.1" | "1.2" | "1.3")),
    pattern: "^\\s*1(?:\\.[0-3])?\\s*$",
    numbers: { enum: [1, 1.1, 1.2, 1.3] },
    examples: ["1.2", "1.3"],
  },
);

const namePattern = (ref: string, re: RegExp, what: string, max: number) =>
  checked(`is not a valid name: ${what}.`, (s) => re.test(s), {
    ref,
    maxLength: max,
    description: `a name: ${what}; at most ${max} characters`,
    pattern: re.source,
  });

export const AZURE_NAME = namePattern(
  "azureName",
  /^[A-Za-z0-9]([-\w.]*\w)?$/u,
  "letters, digits, underscores, hyphens and periods, starting with a letter or digit and ending with a letter, digit or underscore",
  80,
);
const GROUP_NAME = namePattern(
  "resourceGroupName",
  /^[-\w._()]*[-\w_()]$/u,
  "letters, digits, underscores, parentheses, hyphens and periods, not ending in a period",
  90,
);
const MACHINE_NAME = namePattern(
  "machineName",
  /^[a-zA-Z0-9\-_.]{1,54}$/,
  "1-54 letters, digits, hyphens, underscores and periods",
  54,
);

const DNS_LABEL = /^[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?$/i;
export function isDomainName(s: string): boolean {
  const n = s.replace(/\.$/, "");
  return n.length > 0 && n.length <= 253 && n.split(".").every((l) => DNS_LABEL.test(l));
}
const DOMAIN = checked("is not a DNS name such as his.arc.azure.com.", isDomainName, {
  ref: "dnsName",
  description: "a DNS name such as his.arc.azure.com",
  normalize: (s) => s.replace(/\.$/, "").toLowerCase(),
  pattern: `^${DOMAIN_PATTERN}$`,
});

const NOT_A_CIDR = "is not an IPv4 CIDR such as 10.10.0.0/16.";
export const CIDR = str({
  ref: "cidr",
  description: "an IPv4 prefix (CIDR) such as 10.10.0.0/16",
  invalid: NOT_A_CIDR,
  check: (s) => {
    const c = parseCidr(s);
    if (!c || !s.includes("/")) return messages.invalid(NOT_A_CIDR, s);
    if (hasHostBits(c)) return `${s} has host bits set; write the network address of the prefix.`;
    return undefined;
  },
  pattern: `^${IPV4_PATTERN}/${PREFIX_LENGTH}$`,
});
const IPV4 = checked("is not an IPv4 address.", (s) => parseIpv4(s) !== undefined, {
  ref: "ipv4Address",
  description: "an IPv4 address such as 10.0.0.4",
  pattern: `^${IPV4_PATTERN}$`,
});
const LOCATION = checked(
  "is not an Azure region ArcLink knows (e.g. eastus, westeurope).",
  (s) => normalizeRegion(s) !== undefined,
  {
    ref: "location",
    description: "an Azure region such as eastus or westeurope (any case, spaces allowed: East US)",
    normalize: (s) => normalizeRegion(s)!,
    // Any spelling normalizeRegion reads: the name in any case, spaces anywhere (East US).
    pattern: `^\\s*(?:${regionNames()
      .map((n) => [...n].map((c) => (/[a-z]/.test(c) ? `[${c}${c.toUpperCase()}]` : c)).join("\\s*"))
      .join("|")})\\s*$`,
    examples: regionNames(),
  },
);
/** An IP address, or the name of something with one (a DNS server, an inbound endpoint). */
export const NOT_EMPTY = "must not be empty.";
const RESOLVER_REF = str({
  ref: "resolver",
  invalid: NOT_EMPTY,
  check: (s) => (s.length > 0 ? undefined : NOT_EMPTY),
  description: "an IP address, a dnsServers name, or an inbound endpoint ('resolver/endpoint' or its name)",
  pattern: "^.",
});
const PORT_RANGE = checked(
  "is not '*', a port, or a range 'N-M'.",
  (s) => {
    if (s === "*") return true;
    const m = /^(\d{1,5})(?:-(\d{1,5}))?$/.exec(s);
    const lo = m ? Number(m[1]) : NaN;
    const hi = m?.[2] !== undefined ? Number(m[2]) : lo;
    return m !== null && lo <= 65535 && hi <= 65535 && lo <= hi;
  },
  {
    ref: "portRange",
    fromNumber: true,
    description: "'*', a port such as 443, or a range such as 8000-8080",
    // The pattern cannot say lo <= hi.
    pattern: `^(?:\\*|0*(?:${PORT_NUMBER}|0)(?:-0*(?:${PORT_NUMBER}|0))?)$`,
    numbers: { type: "integer", minimum: 0, maximum: 65535 },
  },
);
const NOT_AN_ADDRESS = "is not an IPv4 address or CIDR.";
const NOT_A_TAG = "is neither an address, a CIDR, '*' nor a service tag name such as AzureActiveDirectory.";
const ADDRESS_OR_TAG = str({
  ref: "addressOrServiceTag",
  description: "an IPv4 address, a CIDR, '*' or a service tag name such as AzureActiveDirectory",
  check: (s) => {
    if (s === "*") return undefined;
    if (/^[\d./]+$/.test(s)) {
      const c = parseCidr(s);
      if (!c) return messages.invalid(NOT_AN_ADDRESS, s);
      return hasHostBits(c) ? `${s} has host bits set; write the network address of the prefix.` : undefined;
    }
    return /^[A-Za-z][A-Za-z0-9]*(\.[A-Za-z0-9]+)*$/.test(s) ? undefined : messages.invalid(NOT_A_TAG, s);
  },
  // Digits, dots and slashes are an address or CIDR; anything else is '*' or a tag.
  pattern: "^(?:\\*|[A-Za-z][A-Za-z0-9]*(?:\\.[A-Za-z0-9]+)*)$",
  invalid: NOT_A_TAG,
  otherwise: {
    when: "^[\\d./]+$",
    pattern: `^${IPV4_PATTERN}(?:/\\d{1,2})?$`,
    invalid: NOT_AN_ADDRESS,
  },
});

// ---- Sections -------------------------------------------------------------------------------

const FQDN_OR_WILDCARD = checked(
  "is not a server name such as gbl.his.arc.azure.com or a pattern such as *.his.arc.azure.com.",
  (s) => isDomainName(s.replace(/^\*\./, "")),
  {
    ref: "serverNameOrPattern",
    description: "a server name such as gbl.his.arc.azure.com or a pattern such as *.his.arc.azure.com",
    normalize: (s) => s.toLowerCase(),
    pattern: `^(?:\\*\\.)?${DOMAIN_PATTERN}$`,
  },
);
/** A firewall's or proxy's TLS inspection: the CA it re-signs with, and the names it leaves alone. */
const TLS_INSPECTION = obj(
  {
    certificateAuthority: str({ maxLength: 256 }),
    excludedFqdns: list(FQDN_OR_WILDCARD, { minItems: 1, single: true }),
  },
  ["certificateAuthority"],
  "TLS inspection: the device re-signs TLS with this CA except for the excluded names",
);
/** The agent's proxy.bypass keywords. */
const BYPASS = str({ enum: ["AAD", "ARM", "Arc", "AMA", "ArcData"] });
/** A TCP port, as a number or a string. */
const PORT = checked(
  "is not a TCP port (1-65535).",
  (s) => /^\d{1,5}$/.test(s) && Number(s) >= 1 && Number(s) <= 65535,
  {
    ref: "port",
    fromNumber: true,
    description: "a TCP port (1-65535)",
    normalize: (s) => String(Number(s)),
    pattern: `^0*${PORT_NUMBER}$`,
    numbers: { type: "integer", minimum: 1, maximum: 65535 },
  },
);
const OS = str({ enum: ["Windows", "Linux"] });
const placed = { resourceGroup: GROUP_NAME };
const tracked = { ...placed, location: LOCATION };

const RECORD = obj(
  {
    name: str({ description: "relative name, '@' for the apex" }),
    type: str({ enum: ["A", "AAAA", "CNAME", "TXT"] }),
    ttl: int(0, 2147483647),
    values: list(str({ fromNumber: true, numbers: { type: "number" } }), { minItems: 1, single: true }),
  },
  ["name", "type", "values"],
);

export const RESOURCE_GROUP = obj({ name: GROUP_NAME, location: LOCATION }, ["name", "location"]);

export const VIRTUAL_NETWORK = obj(
  {
    name: AZURE_NAME,
    ...tracked,
    addressPrefixes: list(CIDR, { minItems: 1, single: true }),
    dnsServers: list(RESOLVER_REF, { single: true }),
    subnets: list(
      obj(
        {
          name: AZURE_NAME,
          addressPrefix: CIDR,
          networkSecurityGroup: AZURE_NAME,
          privateEndpointNetworkPolicies: str({
            enum: ["Enabled", "Disabled", "NetworkSecurityGroupEnabled", "RouteTableEnabled"],
          }),
          delegation: str({ description: "a service name such as Microsoft.Network/dnsResolvers" }),
        },
        ["name", "addressPrefix"],
      ),
    ),
  },
  ["name", "addressPrefixes"],
);

export const NETWORK_SECURITY_GROUP = obj(
  {
    name: AZURE_NAME,
    ...tracked,
    rules: list(
      obj(
        {
          name: AZURE_NAME,
          priority: int(100, 4096),
          direction: str({ enum: ["Inbound", "Outbound"] }),
          access: str({ enum: ["Allow", "Deny"] }),
          protocol: str({ enum: ["Tcp", "Udp", "Icmp", "Esp", "Ah", "*"] }),
          source: list(ADDRESS_OR_TAG, { single: true, minItems: 1 }),
          sourcePorts: list(PORT_RANGE, { single: true, minItems: 1 }),
          destination: list(ADDRESS_OR_TAG, { single: true, minItems: 1 }),
          destinationPorts: list(PORT_RANGE, { single: true, minItems: 1 }),
          description: str({ maxLength: 140 }),
        },
        ["name", "priority", "direction", "access"],
      ),
    ),
  },
  ["name"],
);

export const PEERING = obj(
  {
    name: AZURE_NAME,
    from: AZURE_NAME,
    to: AZURE_NAME,
    bidirectional: bool("also create the peering back from 'to' to 'from' (default true)"),
    allowVirtualNetworkAccess: bool(),
    allowForwardedTraffic: bool(),
    allowGatewayTransit: bool(),
    useRemoteGateways: bool(),
  },
  ["from", "to"],
);

export const PRIVATE_LINK_SCOPE = obj(
  { name: AZURE_NAME, ...tracked, publicNetworkAccess: str({ enum: ["Enabled", "Disabled"] }) },
  ["name"],
);

export const PRIVATE_ENDPOINT = obj(
  {
    name: AZURE_NAME,
    ...tracked,
    subnet: str({ description: "'vnet/subnet' (or the subnet's name when it is unique)" }),
    privateLinkScope: AZURE_NAME,
    manualApproval: bool(),
    requestMessage: str({ maxLength: 140 }),
    privateDnsZoneGroup: obj({ name: AZURE_NAME, zones: list(DOMAIN, { minItems: 1, single: true }) }, [
      "zones",
    ]),
  },
  ["name", "subnet", "privateLinkScope"],
);

export const PRIVATE_DNS_ZONE = obj(
  {
    name: DOMAIN,
    ...placed,
    records: list(RECORD),
    virtualNetworkLinks: list(
      obj(
        {
          name: AZURE_NAME,
          virtualNetwork: AZURE_NAME,
          registrationEnabled: bool(),
          resolutionPolicy: str({ enum: ["Default", "NxDomainRedirect"] }),
        },
        ["virtualNetwork"],
      ),
    ),
  },
  ["name"],
);

export const DNS_RESOLVER = obj(
  {
    name: AZURE_NAME,
    ...tracked,
    virtualNetwork: AZURE_NAME,
    inboundEndpoints: list(
      obj(
        {
          name: AZURE_NAME,
          subnet: str({ description: "a subnet of the resolver's virtual network" }),
          privateIPAddress: IPV4,
        },
        ["name", "subnet"],
      ),
    ),
  },
  ["name", "virtualNetwork"],
);

export const SITE = obj(
  {
    name: AZURE_NAME,
    ...placed,
    addressPrefixes: list(CIDR, { minItems: 1, single: true }),
    description: str(),
  },
  ["name", "addressPrefixes"],
);

export const SITE_CONNECTION = obj(
  {
    name: AZURE_NAME,
    ...placed,
    site: AZURE_NAME,
    virtualNetwork: AZURE_NAME,
    type: str({ enum: ["Vpn", "ExpressRoute"] }),
    forcedTunneling: bool(),
  },
  ["site", "virtualNetwork"],
);

export const DNS_SERVER = obj(
  {
    name: AZURE_NAME,
    ...placed,
    site: AZURE_NAME,
    subnet: str(),
    ipAddress: IPV4,
    zones: list(obj({ name: DOMAIN, records: list(RECORD) }, ["name"])),
    conditionalForwarders: list(
      obj({ domain: DOMAIN, targets: list(RESOLVER_REF, { minItems: 1, single: true }) }, [
        "domain",
        "targets",
      ]),
    ),
    forwarders: list(RESOLVER_REF, { single: true }),
    recursion: bool(),
    external: obj({ host: str({ enum: ["127.0.0.1", "::1", "localhost"] }), port: int(1, 65535) }, [
      "host",
      "port",
    ]),
  },
  ["name", "ipAddress"],
);

export const HOST = obj(
  {
    name: AZURE_NAME,
    ...placed,
    site: AZURE_NAME,
    subnet: str(),
    ipAddress: IPV4,
    os: OS,
    dnsServers: list(RESOLVER_REF, { single: true }),
    hostsFile: str({ maxLength: 65536 }),
    proxyUrl: str(),
    proxyBypass: list(BYPASS, { single: true }),
    trustedCertificateAuthorities: list(str({ maxLength: 256 }), { minItems: 1 }),
    maxTlsVersion: TLS_VERSION,
    gcmCipherSuitesEnabled: bool(
      "Windows: the ECDHE AES-GCM cipher suites are enabled in the OS (default true); agents 1.56 to 1.63 need them",
    ),
    osVersion: str({ maxLength: 256 }),
    osSku: str({ maxLength: 256 }),
    osEdition: str({ maxLength: 256 }),
    description: str(),
  },
  ["name", "ipAddress", "os"],
);

export const FIREWALL = obj(
  {
    name: AZURE_NAME,
    ...placed,
    site: AZURE_NAME,
    defaultAction: str({ enum: ["Allow", "Deny"] }),
    rules: list(
      obj(
        {
          name: AZURE_NAME,
          priority: int(100, 4096),
          action: str({ enum: ["Allow", "Deny"] }),
          protocol: str({ enum: ["Tcp", "Udp", "Any"] }),
          destinationAddresses: list(ADDRESS_OR_TAG, { minItems: 1, single: true }),
          destinationPorts: list(PORT_RANGE, { minItems: 1, single: true }),
          sourceAddresses: list(ADDRESS_OR_TAG, { minItems: 1, single: true }),
        },
        ["name", "priority", "action", "destinationAddresses", "destinationPorts"],
      ),
    ),
    tlsInspection: TLS_INSPECTION,
  },
  ["site", "defaultAction"],
);

export const PROXY = obj(
  {
    name: AZURE_NAME,
    ...placed,
    site: AZURE_NAME,
    ipAddress: IPV4,
    port: int(1, 65535),
    bypassAuthentication: bool(),
    tlsInspection: TLS_INSPECTION,
  },
  ["name", "site", "ipAddress", "port"],
);

export const MACHINE = obj(
  {
    name: MACHINE_NAME,
    ...tracked,
    privateLinkScope: AZURE_NAME,
    os: OS,
    // What Azure knows from the machine's agent (as if it had reported it).
    agentVersion: checked(
      "is not an agent version such as 1.45 or 1.45.02983.1834.",
      (s) => /^\d+\.\d+(\.\d+\.\d+)?$/.test(s),
      {
        description: "the Connected Machine agent version the machine reported, e.g. 1.45",
        pattern: "^\\d+\\.\\d+(\\.\\d+\\.\\d+)?$",
      },
    ),
    proxyBypass: list(BYPASS, { single: true }),
    incomingConnectionsPorts: list(PORT, { single: true }),
    extensions: list(
      obj(
        {
          name: str({ maxLength: 128 }),
          publisher: str({ maxLength: 256 }),
          type: str({ maxLength: 256 }),
          typeHandlerVersion: str({ maxLength: 64 }),
          workspaceId: str({
            maxLength: 64,
            description: "Azure Monitor: the Log Analytics workspace id",
          }),
        },
        ["publisher", "type"],
        "a VM extension on the machine (Microsoft.HybridCompute/machines/extensions)",
      ),
    ),
    associatedMinutesAgo: int(0, 525_600),
    associatedAt: checked("is not an ISO 8601 time.", (s) => Number.isFinite(Date.parse(s)), {
      description: "when the machine was associated with its scope, on the virtual clock",
    }),
  },
  ["name"],
);

export const LISTENER = obj(
  {
    resolver: str({
      description:
        "a dnsServers name, an inbound endpoint ('resolver/endpoint' or its name), 'public' or 'azure:<vnet>'",
    }),
    port: int(0, 65535),
  },
  ["resolver"],
);

export const DNS_LISTENERS = obj({ listeners: list(LISTENER) });

export const TOPOLOGY_SCHEMA = obj(
  {
    description: str(),
    resourceGroups: list(RESOURCE_GROUP, {
      minItems: 1,
      description: "at least one resource group (the first is where everything goes by default)",
    }),
    virtualNetworks: list(VIRTUAL_NETWORK),
    networkSecurityGroups: list(NETWORK_SECURITY_GROUP),
    peerings: list(PEERING),
    privateLinkScopes: list(PRIVATE_LINK_SCOPE),
    privateEndpoints: list(PRIVATE_ENDPOINT),
    privateDnsZones: list(PRIVATE_DNS_ZONE),
    dnsResolvers: list(DNS_RESOLVER),
    sites: list(SITE),
    siteConnections: list(SITE_CONNECTION),
    dnsServers: list(DNS_SERVER),
    hosts: list(HOST),
    firewalls: list(FIREWALL),
    proxies: list(PROXY),
    machines: list(MACHINE),
    dns: DNS_LISTENERS,
  },
  ["resourceGroups"],
);

/** A topology file as the schema accepts it (before references are resolved and defaults filled). */
export type TopologyInput = Infer<typeof TOPOLOGY_SCHEMA>;
