// What the real agent on a server says about itself and what it saw: the JSON of
// `azcmagent show -j` (agentVersion, status, httpsProxy, proxyBypassList, resourceName, resourceId,
// location) and of `azcmagent check -j` (one object per endpoint: endpoint, reachable, private,
// tls, proxy, addresses, error). Microsoft documents the table `check` prints (ENDPOINT | REACHABLE |
// PRIVATE | TLS | PROXY), not its JSON: the keys read here are the table's columns in lower case,
// as ArcLink's own agent prints them; a row without endpoint and reachable is an error naming the
// file and line. Lint fills the host's facts from `show` (its agent version and proxy settings)
// and compares every `check` row with its own verdict for that endpoint.
import { ExportError } from "./azure.js";
import type { ReadFile } from "./bind.js";
import { JsonSyntaxError, parseJsonWithLines } from "./jsonLines.js";

export interface AgentShow {
  file: string;
  line: number;
  agentVersion?: string;
  status?: string;
  /** Agent Error Code, e.g. AZCM0026, when the agent shows one. */
  errorCode?: string;
  /** proxy.url as the agent uses it ("" when none). */
  httpsProxy?: string;
  proxyBypass?: string[];
  resourceName?: string;
  resourceId?: string;
  location?: string;
}

export interface AgentCheckRow {
  /** The endpoint's host name, e.g. gbl.his.arc.azure.com. */
  endpoint: string;
  reachable: boolean;
  private?: boolean;
  tls?: string;
  proxy?: boolean;
  addresses?: string[];
  error?: string;
  line: number;
}

export interface AgentCheck {
  file: string;
  rows: AgentCheckRow[];
}

/** The evidence collected on one server. */
export interface AgentEvidence {
  show?: AgentShow;
  check?: AgentCheck;
}

function parse(path: string, read: ReadFile, what: string) {
  const text = read(path);
  if (text === undefined) throw new ExportError(`${path}: cannot read the ${what} output.`);
  try {
    return parseJsonWithLines(text);
  } catch (e) {
    if (e instanceof JsonSyntaxError)
      throw ExportError.at(
        path,
        e.line,
        `not JSON (run it with -j): ${e.message.replace(/^line \d+: /, "")}`,
      );
    throw e;
  }
}

const str = (v: unknown) => (typeof v === "string" && v.trim() !== "" ? v.trim() : undefined);

/** Keys compared without case (the agent's JSON keys are camelCase; hand-made files vary). */
function field(o: Record<string, unknown>, ...names: string[]): unknown {
  for (const n of names) {
    const k = Object.keys(o).find((x) => x.toLowerCase() === n.toLowerCase());
    if (k !== undefined) return o[k];
  }
  return undefined;
}

export function readAgentShow(path: string, read: ReadFile): AgentShow {
  const { value, lineOf } = parse(path, read, "azcmagent show -j");
  const o = value as Record<string, unknown>;
  if (!o || typeof o !== "object" || Array.isArray(o))
    throw ExportError.at(path, lineOf(value) ?? 1, "azcmagent show -j prints one object; this is not it.");
  const agentVersion = str(field(o, "agentVersion"));
  const status = str(field(o, "status", "agentStatus"));
  if (!agentVersion && !status)
    throw ExportError.at(
      path,
      lineOf(o),
      "this is not azcmagent show -j output: it has neither agentVersion nor status.",
    );
  if (agentVersion && !/^\d+\.\d+(\.\d+)*$/.test(agentVersion))
    throw ExportError.at(
      path,
      lineOf(o),
      `agentVersion '${agentVersion}' is not a version such as 1.45.02669.1581.`,
    );
  const bypassRaw = field(o, "proxyBypassList", "proxyBypass");
  const proxyBypass = Array.isArray(bypassRaw)
    ? bypassRaw.map(String)
    : typeof bypassRaw === "string"
      ? bypassRaw
          .replace(/[[\]]/g, "")
          .split(/[\s,]+/)
          .filter(Boolean)
      : undefined;
  const httpsProxy = field(o, "httpsProxy", "proxyUrl");
  return {
    file: path,
    line: lineOf(o) ?? 1,
    ...(agentVersion ? { agentVersion } : {}),
    ...(status ? { status } : {}),
    ...(str(field(o, "agentErrorCode")) ? { errorCode: str(field(o, "agentErrorCode")) } : {}),
    ...(typeof httpsProxy === "string" ? { httpsProxy: httpsProxy.trim() } : {}),
    ...(proxyBypass ? { proxyBypass } : {}),
    ...(str(field(o, "resourceName")) ? { resourceName: str(field(o, "resourceName")) } : {}),
    ...(str(field(o, "resourceId")) ? { resourceId: str(field(o, "resourceId")) } : {}),
    ...(str(field(o, "location")) ? { location: str(field(o, "location")) } : {}),
  };
}

const bool = (v: unknown): boolean | undefined =>
  v === true || v === "true" ? true : v === false || v === "false" ? false : undefined;

export function readAgentCheck(path: string, read: ReadFile): AgentCheck {
  const { value, lineOf } = parse(path, read, "azcmagent check -j");
  const list = Array.isArray(value) ? value : value && typeof value === "object" ? [value] : [];
  if (!list.length)
    throw ExportError.at(path, 1, "azcmagent check -j prints one object per endpoint; there are none.");
  const rows = list.map((r) => {
    const line = lineOf(r) ?? 1;
    const o = r as Record<string, unknown>;
    if (!o || typeof o !== "object") throw ExportError.at(path, line, "a row is not an object.");
    const ep = str(field(o, "endpoint"));
    const reachable = bool(field(o, "reachable"));
    if (!ep || reachable === undefined)
      throw ExportError.at(
        path,
        line,
        "a check row has endpoint and reachable (true/false); this one has not.",
      );
    let endpoint = ep;
    try {
      if (/^[a-z]+:\/\//i.test(ep)) endpoint = new URL(ep).hostname;
    } catch {
      throw ExportError.at(path, line, `endpoint '${ep}' is not a URL or a host name.`);
    }
    const priv = bool(field(o, "private"));
    const proxy = field(o, "proxy");
    const addresses = field(o, "addresses");
    const error = str(field(o, "error"));
    const tls = str(field(o, "tls"));
    return {
      endpoint: endpoint.toLowerCase(),
      reachable,
      ...(priv !== undefined ? { private: priv } : {}),
      ...(tls ? { tls } : {}),
      ...(typeof proxy === "string"
        ? { proxy: proxy === "set" }
        : typeof proxy === "boolean"
          ? { proxy }
          : {}),
      ...(Array.isArray(addresses) ? { addresses: addresses.map(String) } : {}),
      ...(error ? { error } : {}),
      line,
    };
  });
  return { file: path, rows };
}
