// What the portal's "Add servers with Azure Arc → Generate script" pages ask for, validated: the
// basics (subscription, resource group, region, operating system), the authentication (a single
// server signs in interactively; many servers use a service principal), the connectivity method
// (public endpoint, proxy server, or private endpoint with an Arc Private Link Scope), and the
// tags (the physical-location defaults plus custom ones). Pure: no world, no network. Every
// failure is a ScriptOptionError naming the option, what is wrong and how to fix it.
import { randomUUID } from "node:crypto";
import { normalizeRegion, regionNames } from "../core/regions.js";

export const OS_TYPES = ["linux", "windows"] as const;
export const AUTH_TYPES = ["interactive", "servicePrincipal"] as const;
export const CONNECTIVITY = ["public", "proxy", "privateEndpoint"] as const;
export const CLOUDS = ["AzureCloud"] as const;

export type OsType = (typeof OS_TYPES)[number];
export type AuthType = (typeof AUTH_TYPES)[number];
export type Connectivity = (typeof CONNECTIVITY)[number];

/** The physical-location tags the portal suggests, in its order, with their option names. */
export const PHYSICAL_LOCATION_TAGS = [
  ["datacenter", "Datacenter"],
  ["city", "City"],
  ["stateOrDistrict", "StateOrDistrict"],
  ["countryOrRegion", "CountryOrRegion"],
] as const;

export interface PhysicalLocation {
  datacenter?: string;
  city?: string;
  stateOrDistrict?: string;
  countryOrRegion?: string;
}

/** Options as a caller gives them (CLI flags or an API body): loosely typed, checked here. */
export interface ScriptOptionsInput {
  os?: unknown;
  subscriptionId?: unknown;
  resourceGroup?: unknown;
  tenantId?: unknown;
  location?: unknown;
  authType?: unknown;
  servicePrincipalClientId?: unknown;
  servicePrincipalSecret?: unknown;
  connectivity?: unknown;
  proxyUrl?: unknown;
  privateLinkScopeId?: unknown;
  physicalLocation?: unknown;
  /** Custom tags: an object, or [name, value] pairs (kept in order). */
  tags?: unknown;
  correlationId?: unknown;
  cloud?: unknown;
}

/** Validated options: everything a generator needs, in canonical spelling. */
export interface ScriptOptions {
  os: OsType;
  subscriptionId: string;
  resourceGroup: string;
  tenantId: string;
  location: string;
  authType: AuthType;
  servicePrincipal?: { clientId: string; secret: string };
  connectivity: Connectivity;
  proxyUrl?: string;
  privateLinkScopeId?: string;
  /** Physical-location tags first (those given), then the custom tags, as [name, value]. */
  tags: [string, string][];
  correlationId: string;
  cloud: (typeof CLOUDS)[number];
}

export class ScriptOptionError extends Error {
  constructor(
    /** The option at fault, in the API body's spelling (e.g. "privateLinkScopeId", "tags.City"). */
    readonly option: string,
    message: string,
  ) {
    super(message);
    this.name = "ScriptOptionError";
  }
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const RESOURCE_GROUP = /^[-\w.()]{1,90}$/;
const SCOPE_NAME = /^[a-zA-Z0-9\-_.]{1,255}$/;
const SCOPE_ID =
  /^\/subscriptions\/([^/]+)\/resourceGroups\/([^/]+)\/providers\/Microsoft\.HybridCompute\/privateLinkScopes\/([^/]+)$/i;
const PROXY_URL = /^http:\/\/([A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?|\[[0-9A-Fa-f:.]+\]):(\d{1,5})\/?$/;
const TAG_NAME_FORBIDDEN = /[<>%&\\?/]/;
const CONTROL = /[\u0000-\u001f\u007f]/;
const MAX_TAGS = 50;
/** The objects validateScriptOptions returned (so a generator can tell them from raw input). */
const VALIDATED = new WeakSet<object>();

function fail(option: string, message: string): never {
  throw new ScriptOptionError(option, message);
}

function text(v: unknown, option: string, max = 1024): string | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== "string") fail(option, `'${option}' must be a string, got ${typeof v}.`);
  if (v.length > max) fail(option, `'${option}' is ${v.length} characters long; at most ${max} are allowed.`);
  return v;
}

function required(v: unknown, option: string, fix: string, max = 1024): string {
  const s = text(v, option, max);
  if (s === undefined || s.trim() === "") fail(option, `'${option}' is required. ${fix}`);
  return s.trim();
}

function choice<T extends string>(v: unknown, option: string, values: readonly T[], dflt?: T): T {
  const s = text(v, option, 64);
  if (s === undefined || s === "") {
    if (dflt !== undefined) return dflt;
    fail(option, `'${option}' is required: use ${values.map((x) => `'${x}'`).join(" or ")}.`);
  }
  const hit = values.find((x) => x.toLowerCase() === s.toLowerCase());
  if (!hit) fail(option, `'${s}' is not a valid ${option}: use ${values.map((x) => `'${x}'`).join(" or ")}.`);
  return hit;
}

function guid(v: unknown, option: string, what: string): string {
  const s = required(v, option, `Give ${what} (a GUID such as 00000000-0000-0000-0000-000000000000).`, 64);
  if (!GUID.test(s)) fail(option, `'${s}' is not ${what}: use a GUID such as ${randomUUID()}.`);
  return s;
}

/** The resource group rule ARM applies (and the agent checks before connecting). */
export function checkResourceGroupName(name: string, option = "resourceGroup"): void {
  if (!RESOURCE_GROUP.test(name) || name.endsWith("."))
    fail(
      option,
      `'${name}' is not a resource group name: use 1-90 letters, digits, underscores, hyphens, periods and parentheses, not ending in a period.`,
    );
}

/** A scope's id parts, or undefined when the text is not an Arc Private Link Scope id. */
export function parseScopeId(
  id: string,
): { subscriptionId: string; resourceGroup: string; name: string } | undefined {
  const m = SCOPE_ID.exec(id);
  if (!m) return undefined;
  return { subscriptionId: m[1], resourceGroup: m[2], name: m[3] };
}

function scopeId(v: unknown, option: string): string {
  const s = required(
    v,
    option,
    "The private endpoint method needs the Azure Arc Private Link Scope the machines connect through: its full ARM id, /subscriptions/<sub>/resourceGroups/<rg>/providers/Microsoft.HybridCompute/privateLinkScopes/<name>.",
    2048,
  );
  const p = parseScopeId(s);
  if (!p)
    fail(
      option,
      `'${s}' is not the id of an Azure Arc Private Link Scope: use /subscriptions/<sub>/resourceGroups/<rg>/providers/Microsoft.HybridCompute/privateLinkScopes/<name>.`,
    );
  if (!GUID.test(p.subscriptionId))
    fail(option, `The subscription '${p.subscriptionId}' in the scope id '${s}' is not a GUID.`);
  checkResourceGroupName(p.resourceGroup, option);
  if (!SCOPE_NAME.test(p.name))
    fail(
      option,
      `'${p.name}' in '${s}' is not a Private Link Scope name: use letters, digits, hyphens, underscores and periods.`,
    );
  return `/subscriptions/${p.subscriptionId}/resourceGroups/${p.resourceGroup}/providers/Microsoft.HybridCompute/privateLinkScopes/${p.name}`;
}

function proxyUrl(v: unknown, option: string): string {
  const s = required(
    v,
    option,
    "The proxy method needs the proxy server's URL, e.g. http://192.168.1.20:3128.",
    2048,
  );
  const m = PROXY_URL.exec(s);
  if (!m) {
    const why = /^https:/i.test(s)
      ? "the agent talks to its proxy over plain HTTP (CONNECT tunnels carry the TLS)"
      : /@/.test(s)
        ? "the agent does not support proxy authentication"
        : "write it as http://host:port, with the port and nothing after it";
    fail(option, `'${s}' is not a proxy URL the agent accepts: ${why}. Example: http://192.168.1.20:3128.`);
  }
  const port = Number(m[2]);
  if (port < 1 || port > 65535) fail(option, `The port ${m[2]} in '${s}' is not between 1 and 65535.`);
  return `http://${m[1]}:${port}`;
}

/** Whether the agent's --tags syntax needs the value quoted. */
export function tagValueNeedsQuotes(value: string): boolean {
  return value.includes(",") || /^['"]/.test(value) || value !== value.trim();
}

/** Azure's tag rules, plus what the agent's --tags syntax (Name=Value,Name2='Value') can carry. */
export function checkTag(name: string, value: string, option: string): void {
  if (name === "") fail(option, "A tag name is empty: give every tag a name.");
  if (name.length > 512)
    fail(
      option,
      `The tag name '${name.slice(0, 30)}…' has ${name.length} characters; at most 512 are allowed.`,
    );
  if (TAG_NAME_FORBIDDEN.test(name))
    fail(
      option,
      `The tag name '${name}' contains one of < > % & \\ ? /, which Azure does not allow in tag names.`,
    );
  if (CONTROL.test(name) || CONTROL.test(value))
    fail(
      option,
      `The tag '${name.replace(CONTROL, "?")}' contains a control character (such as a line break): remove it.`,
    );
  if (/[=,]/.test(name))
    fail(
      option,
      `The tag name '${name}' contains '=' or ',', which separate tags on the agent's --tags list: rename it.`,
    );
  if (name !== name.trim())
    fail(option, `The tag name '${name}' starts or ends with a space: remove the spaces.`);
  if (value.length > 256)
    fail(option, `The value of tag '${name}' has ${value.length} characters; at most 256 are allowed.`);
  if (tagValueNeedsQuotes(value) && value.includes("'") && value.includes('"'))
    fail(
      option,
      `The value of tag '${name}' holds both ' and " and also a comma, a leading quote or edge spaces: the agent's --tags list cannot carry that. Drop one kind of quote.`,
    );
}

function tagPairs(v: unknown, option: string): [string, string][] {
  if (v === undefined || v === null) return [];
  const pairs: [string, string][] = [];
  if (Array.isArray(v)) {
    v.forEach((p, i) => {
      if (!Array.isArray(p) || p.length !== 2 || typeof p[0] !== "string" || typeof p[1] !== "string")
        fail(`${option}[${i}]`, `Each tag must be a [name, value] pair of strings.`);
      pairs.push([p[0], p[1]]);
    });
  } else if (typeof v === "object") {
    for (const [k, val] of Object.entries(v as Record<string, unknown>)) {
      if (typeof val !== "string")
        fail(
          `${option}.${k}`,
          `The value of tag '${k}' must be a string, got ${val === null ? "null" : typeof val}.`,
        );
      pairs.push([k, val]);
    }
  } else fail(option, `'${option}' must be an object of tag names and values, e.g. {"Environment": "Lab"}.`);
  return pairs;
}

function physicalTags(v: unknown): [string, string][] {
  if (v === undefined || v === null) return [];
  if (typeof v !== "object" || Array.isArray(v))
    fail(
      "physicalLocation",
      `'physicalLocation' must be an object with datacenter, city, stateOrDistrict and countryOrRegion.`,
    );
  const o = v as Record<string, unknown>;
  const known = PHYSICAL_LOCATION_TAGS.map(([k]) => k as string);
  for (const k of Object.keys(o))
    if (!known.includes(k))
      fail(`physicalLocation.${k}`, `'${k}' is not a physical-location tag: use ${known.join(", ")}.`);
  const out: [string, string][] = [];
  for (const [key, tag] of PHYSICAL_LOCATION_TAGS) {
    const s = text(o[key], `physicalLocation.${key}`, 256);
    if (s !== undefined && s !== "") out.push([tag, s]);
  }
  return out;
}

/** Validates what a caller asked for; generates the correlation id when none is given. */
export function validateScriptOptions(input: ScriptOptionsInput): ScriptOptions {
  const os = choice(input.os, "os", OS_TYPES);
  const subscriptionId = guid(input.subscriptionId, "subscriptionId", "the subscription id");
  const resourceGroup = required(
    input.resourceGroup,
    "resourceGroup",
    "Give the resource group the machines go in.",
    90,
  );
  checkResourceGroupName(resourceGroup);
  const tenantId = guid(input.tenantId, "tenantId", "the tenant id");
  const locText = required(
    input.location,
    "location",
    "Give the Azure region that stores the machines' metadata, e.g. eastus.",
    64,
  );
  const location = normalizeRegion(locText);
  if (!location)
    fail("location", `'${locText}' is not a region ArcLink knows. Use one of: ${regionNames().join(", ")}.`);

  const authType = choice(input.authType, "authType", AUTH_TYPES);
  let servicePrincipal: ScriptOptions["servicePrincipal"];
  if (authType === "servicePrincipal") {
    const clientId = guid(
      input.servicePrincipalClientId,
      "servicePrincipalClientId",
      "the service principal's application (client) id",
    );
    const secret = text(input.servicePrincipalSecret, "servicePrincipalSecret", 1024);
    if (secret === undefined || secret === "")
      fail(
        "servicePrincipalSecret",
        "'servicePrincipalSecret' is required with the service principal method: give the secret of the service principal.",
      );
    if (CONTROL.test(secret))
      fail(
        "servicePrincipalSecret",
        "The service principal secret contains a control character (such as a line break): a client secret never does; copy it again.",
      );
    servicePrincipal = { clientId, secret };
  } else {
    for (const k of ["servicePrincipalClientId", "servicePrincipalSecret"] as const)
      if (input[k] !== undefined && input[k] !== null && input[k] !== "")
        fail(
          k,
          `'${k}' is only used with authType 'servicePrincipal' (onboarding many servers); the interactive method signs in on the server itself.`,
        );
  }

  const connectivity = choice(input.connectivity, "connectivity", CONNECTIVITY, "public");
  const given = (v: unknown) => v !== undefined && v !== null && v !== "";
  let proxy: string | undefined;
  let scope: string | undefined;
  if (connectivity === "proxy") proxy = proxyUrl(input.proxyUrl, "proxyUrl");
  else if (given(input.proxyUrl))
    fail("proxyUrl", `'proxyUrl' is only used with connectivity 'proxy' (this is '${connectivity}').`);
  if (connectivity === "privateEndpoint") scope = scopeId(input.privateLinkScopeId, "privateLinkScopeId");
  else if (given(input.privateLinkScopeId))
    fail(
      "privateLinkScopeId",
      `'privateLinkScopeId' is only used with connectivity 'privateEndpoint' (this is '${connectivity}'): choose the private endpoint method to connect through the scope.`,
    );

  const tags = [...physicalTags(input.physicalLocation), ...tagPairs(input.tags, "tags")];
  if (tags.length > MAX_TAGS)
    fail("tags", `${tags.length} tags were given; Azure allows at most ${MAX_TAGS} on a resource.`);
  const seen = new Map<string, string>();
  for (const [name, value] of tags) {
    checkTag(name, value, `tags.${name}`);
    const prev = seen.get(name.toLowerCase());
    if (prev !== undefined)
      fail(
        `tags.${name}`,
        `The tag '${name}' is given twice (tag names are case-insensitive: '${prev}'): give it once.`,
      );
    seen.set(name.toLowerCase(), name);
  }

  const corr = text(input.correlationId, "correlationId", 64);
  const correlationId =
    corr === undefined || corr === "" ? randomUUID() : guid(corr, "correlationId", "a correlation id");
  const cloud = choice(input.cloud, "cloud", CLOUDS, "AzureCloud");

  const out: ScriptOptions = {
    os,
    subscriptionId,
    resourceGroup,
    tenantId,
    location,
    authType,
    ...(servicePrincipal ? { servicePrincipal } : {}),
    connectivity,
    ...(proxy ? { proxyUrl: proxy } : {}),
    ...(scope ? { privateLinkScopeId: scope } : {}),
    tags,
    correlationId,
    cloud,
  };
  VALIDATED.add(out);
  return out;
}

/** True for an object validateScriptOptions returned. */
export function isValidatedOptions(o: unknown): o is ScriptOptions {
  return typeof o === "object" && o !== null && VALIDATED.has(o);
}

/** The agent's --tags list: Name='Value',… quoting each value so the agent reads it back exactly. */
export function formatTagsArgument(tags: readonly (readonly [string, string])[]): string {
  return tags
    .map(([name, value]) => {
      if (!value.includes("'")) return `${name}='${value}'`;
      if (!value.includes('"')) return `${name}="${value}"`;
      if (!tagValueNeedsQuotes(value)) return `${name}=${value}`;
      throw new ScriptOptionError(
        `tags.${name}`,
        `The value of tag '${name}' cannot be written on the agent's --tags list.`,
      );
    })
    .join(",");
}

/** Where the onboarding scripts report a failed download or installation (Azure Arc's /log endpoint). */
export const LOG_URL = "https://gbl.his.arc.azure.com/log";

/**
 * The scripts' header: the chosen options as comment lines. `interactive` names the interactive
 * sign-in as the operating system's script performs it.
 */
export function describeOptions(o: ScriptOptions, interactive: string): string[] {
  const auth = o.servicePrincipal
    ? `service principal ${o.servicePrincipal.clientId} (multiple servers)`
    : interactive;
  const conn =
    o.connectivity === "proxy"
      ? `proxy server ${o.proxyUrl}`
      : o.connectivity === "privateEndpoint"
        ? `private endpoint, through ${o.privateLinkScopeId}`
        : "public endpoint";
  return [
    `#   Subscription:   ${o.subscriptionId}`,
    `#   Resource group: ${o.resourceGroup}`,
    `#   Region:         ${o.location}`,
    `#   Authentication: ${auth}`,
    `#   Connectivity:   ${conn}`,
  ];
}
