/// <reference lib="dom" />
// The portal's ARM client: sign in at the token endpoint like any client (client credentials), keep
// the token for its lifetime in this tab's sessionStorage (as Azure's portal keeps a session: a
// reload stays signed in, closing the tab ends it; the secret is never kept), and make every call a plain ARM call with `Authorization: Bearer`
// (api-version, long-running operations, paging). Errors become ApiError with ARM's code and message.

export interface PortalConfig {
  tenantId: string;
  subscriptionId: string;
  arm: string;
}

/** The api-versions the portal sends, one per namespace (the ones the Azure SDKs send). */
export const V = {
  resources: "2022-09-01",
  hybridCompute: "2024-07-10",
  network: "2025-05-01",
  privateDns: "2020-06-01",
  dnsResolver: "2022-07-01",
  lab: "2025-01-01",
} as const;

export interface ErrorDetail {
  code: string;
  message: string;
  target?: string;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly target?: string,
    readonly details: ErrorDetail[] = [],
  ) {
    super(message);
    this.name = "ApiError";
  }
}

/** Any thrown value as a code and a readable message (never a stack or [object Object]). */
export function describeError(e: unknown): {
  code: string;
  message: string;
  target?: string;
  details: ErrorDetail[];
} {
  if (e instanceof ApiError)
    return { code: e.code, message: e.message, target: e.target, details: e.details };
  if (e instanceof Error) return { code: e.name || "Error", message: e.message, details: [] };
  return { code: "Error", message: typeof e === "string" ? e : JSON.stringify(e), details: [] };
}

let accessToken: string | undefined;
let expiresAt = 0;
let account = "";
let config: PortalConfig | undefined;

const SESSION_KEY = "arclink.portal.session";

/** The session this tab kept (a reload), while its token is still valid. */
function restore(): void {
  if (typeof sessionStorage === "undefined") return; // not in a browser (a unit test imports this module)
  try {
    const saved = JSON.parse(sessionStorage.getItem(SESSION_KEY) ?? "null");
    if (saved && typeof saved.token === "string" && Number(saved.expiresAt) > Date.now()) {
      accessToken = saved.token;
      expiresAt = Number(saved.expiresAt);
      account = String(saved.account ?? "");
    } else sessionStorage.removeItem(SESSION_KEY);
  } catch {
    sessionStorage.removeItem(SESSION_KEY);
  }
}
restore();

/** The client id the session was signed in with. */
export function signedInAccount(): string {
  return account;
}

export async function loadConfig(): Promise<PortalConfig> {
  const r = await request("GET", "/portal/config.json");
  config = (await r.json()) as PortalConfig;
  return config;
}

export function isSignedIn(): boolean {
  return !!accessToken && Date.now() < expiresAt;
}

export function signOut(): void {
  accessToken = undefined;
  expiresAt = 0;
  account = "";
  if (typeof sessionStorage !== "undefined") sessionStorage.removeItem(SESSION_KEY);
}

/** Client credentials at /{tenant}/oauth2/v2.0/token, as Entra ID serves it. */
export async function signIn(tenantId: string, clientId: string, secret: string): Promise<void> {
  const form = new URLSearchParams({
    grant_type: "client_credentials",
    client_id: clientId,
    client_secret: secret,
    scope: "https://management.azure.com/.default",
  });
  const r = await request("POST", `/${encodeURIComponent(tenantId)}/oauth2/v2.0/token`, form.toString(), {
    "Content-Type": "application/x-www-form-urlencoded",
  });
  const body = await readJson(r);
  if (!r.ok || !body?.access_token) {
    const code = typeof body?.error === "string" ? body.error : `HTTP ${r.status}`;
    const message =
      typeof body?.error_description === "string" ? body.error_description : `Sign-in failed (${r.status}).`;
    throw new ApiError(r.status, code, message);
  }
  accessToken = String(body.access_token);
  expiresAt = Date.now() + (Number(body.expires_in) || 3600) * 1000 - 30_000;
  account = clientId;
  sessionStorage.setItem(SESSION_KEY, JSON.stringify({ token: accessToken, expiresAt, account }));
}

async function request(method: string, url: string, body?: string, headers: Record<string, string> = {}) {
  try {
    return await fetch(url, { method, body, headers, cache: "no-store", credentials: "omit" });
  } catch (e) {
    throw new ApiError(
      0,
      "NetworkError",
      `Could not reach ArcLink (${method} ${url.split("?")[0]}): ${(e as Error).message}. Check that 'arclink serve' is running.`,
    );
  }
}

async function readJson(r: Response): Promise<any> {
  const text = await r.text();
  if (!text) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return { __text: text };
  }
}

/** An ARM error body ({ error: { code, message, target, details } }) as an ApiError. */
export function errorOf(status: number, body: any, what: string): ApiError {
  const e = body?.error;
  if (e && typeof e === "object" && typeof e.code === "string") {
    const details: ErrorDetail[] = Array.isArray(e.details)
      ? e.details
          .filter((d: any) => d && typeof d === "object")
          .map((d: any) => ({
            code: String(d.code ?? ""),
            message: String(d.message ?? ""),
            target: d.target,
          }))
      : [];
    return new ApiError(
      status,
      e.code,
      String(e.message ?? ""),
      typeof e.target === "string" ? e.target : undefined,
      details,
    );
  }
  const text = typeof body?.__text === "string" ? body.__text.slice(0, 300) : "";
  return new ApiError(
    status,
    `HTTP${status}`,
    `${what} failed with status ${status}${text ? `: ${text}` : "."}`,
  );
}

function withVersion(path: string, apiVersion: string): string {
  if (/[?&]api-version=/.test(path)) return path;
  return `${path}${path.includes("?") ? "&" : "?"}api-version=${encodeURIComponent(apiVersion)}`;
}

/** A resource path with its segments encoded (names such as "bad name!" travel as ARM expects). */
export function encodePath(path: string): string {
  return path
    .split("/")
    .map((s) => encodeURIComponent(s))
    .join("/");
}

/** Raised on window when the token has ended (expired or refused): the page asks to sign in again. */
export const SIGN_IN_REQUIRED = "arclink:sign-in-required";

/** True when `url` (a path, or a link ARM returned) stays on the origin that served the portal. */
export function sameOrigin(url: string, origin: string): boolean {
  try {
    return new URL(url, origin).origin === new URL(origin).origin;
  } catch {
    return false;
  }
}

/**
 * A request body sent as written rather than serialized: a deployment whose template is embedded
 * as the user pasted it (comments kept), as az sends one, so that the line and column of a
 * template error are the line and column in the user's text.
 */
export class JsonText {
  constructor(readonly text: string) {}
}

async function raw(method: string, url: string, body?: unknown): Promise<{ r: Response; json: any }> {
  // The token goes to ArcLink only: never to another origin, whatever a route or a link says.
  if (!sameOrigin(url, location.origin)) {
    throw new ApiError(
      400,
      "InvalidRequestUri",
      `The portal calls only the server that served it; '${url.split("?")[0]}' is elsewhere, so nothing was sent.`,
    );
  }
  if (!isSignedIn()) {
    signOut();
    window.dispatchEvent(new Event(SIGN_IN_REQUIRED));
    throw new ApiError(401, "NotSignedIn", "Your sign-in has ended. Sign in again to continue.");
  }
  const headers: Record<string, string> = { Authorization: `Bearer ${accessToken}` };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const text = body === undefined ? undefined : body instanceof JsonText ? body.text : JSON.stringify(body);
  const r = await request(method, url, text, headers);
  const json = await readJson(r);
  // ARM refuses an expired or revoked token with 401: sign in again (the page keeps its route).
  if (r.status === 401) {
    signOut();
    window.dispatchEvent(new Event(SIGN_IN_REQUIRED));
  }
  return { r, json };
}

const sleep = (ms: number) => new Promise((res) => setTimeout(res, ms));

/** Follows a long-running operation (Azure-AsyncOperation, else Location) to its end. */
async function pollOperation(r: Response, what: string): Promise<void> {
  const asyncUrl = r.headers.get("Azure-AsyncOperation");
  const locationUrl = r.headers.get("Location");
  for (let i = 0; i < 120; i++) {
    const wait = Math.min(Number(r.headers.get("Retry-After") ?? "1") * 1000, 2000);
    if (i > 0 || wait > 0) await sleep(i === 0 ? wait : Math.min(250 * i, 2000));
    if (asyncUrl) {
      const p = await raw("GET", asyncUrl);
      if (!p.r.ok) throw errorOf(p.r.status, p.json, `${what} (status)`);
      const status = String(p.json?.status ?? "");
      if (status === "Succeeded") return;
      if (status === "Failed" || status === "Canceled") {
        throw errorOf(
          400,
          p.json?.error ? p.json : { error: { code: status, message: `${what} ${status}.` } },
          what,
        );
      }
    } else if (locationUrl) {
      const p = await raw("GET", locationUrl);
      if (p.r.status !== 202) {
        if (!p.r.ok) throw errorOf(p.r.status, p.json, `${what} (result)`);
        return;
      }
    } else return;
  }
  throw new ApiError(408, "OperationTimedOut", `${what} did not finish in time. Refresh to see its state.`);
}

/** One ARM call; PUT/PATCH/DELETE/POST follow their long-running operation before returning. */
export async function arm(method: string, path: string, apiVersion: string, body?: unknown): Promise<any> {
  const url = withVersion(path, apiVersion);
  const what = `${method} ${path.split("/").slice(-2).join("/")}`;
  const { r, json } = await raw(method, url, body);
  if (!r.ok) throw errorOf(r.status, json, what);
  if ((r.status === 201 || r.status === 202) && method !== "GET") {
    const long = r.headers.get("Azure-AsyncOperation") || r.headers.get("Location");
    if (long) {
      await pollOperation(r, what);
      if (method === "PUT" || method === "PATCH") return arm("GET", path, apiVersion);
    }
  }
  return json;
}

/** One ARM call that does not follow its long-running operation: the first answer's body. */
export async function armStart(
  method: string,
  path: string,
  apiVersion: string,
  body?: unknown,
): Promise<any> {
  const { r, json } = await raw(method, withVersion(path, apiVersion), body);
  if (!r.ok) throw errorOf(r.status, json, `${method} ${path.split("/").slice(-2).join("/")}`);
  return json;
}

/** Every item of an ARM list, following nextLink. */
export async function list(path: string, apiVersion: string): Promise<any[]> {
  const out: any[] = [];
  let url: string | undefined = withVersion(path, apiVersion);
  for (let i = 0; url && i < 10_000; i++) {
    const { r, json } = await raw("GET", url);
    if (!r.ok) throw errorOf(r.status, json, `GET ${path.split("/").pop()}`);
    out.push(...(Array.isArray(json?.value) ? json.value : []));
    url = typeof json?.nextLink === "string" && json.nextLink ? json.nextLink : undefined;
  }
  return out;
}

/** An ARM list page by page: the first request with `$top`, then each `nextLink` as ARM gave it. */
export async function* listPages(path: string, apiVersion: string, top: number): AsyncGenerator<any[]> {
  let url: string | undefined = withVersion(
    `${path}${path.includes("?") ? "&" : "?"}$top=${top}`,
    apiVersion,
  );
  while (url) {
    const { r, json } = await raw("GET", url);
    if (!r.ok) throw errorOf(r.status, json, `GET ${path.split("/").pop()}`);
    yield Array.isArray(json?.value) ? json.value : [];
    url = typeof json?.nextLink === "string" && json.nextLink ? json.nextLink : undefined;
  }
}

export function subscriptionId(): string {
  return config?.subscriptionId ?? "";
}

// ── Resource ids ───────────────────────────────────────────────────────────────────────────────

export interface ParsedId {
  subscription: string;
  resourceGroup?: string;
  provider?: string;
  /** Type segments after the provider, e.g. ["privateEndpoints"] or ["virtualNetworks","subnets"]. */
  types: string[];
  names: string[];
}

export function parseId(id: string): ParsedId | undefined {
  const seg = id.split("/").filter(Boolean);
  if (seg[0]?.toLowerCase() !== "subscriptions" || !seg[1]) return undefined;
  const out: ParsedId = { subscription: seg[1], types: [], names: [] };
  let i = 2;
  if (seg[i]?.toLowerCase() === "resourcegroups") {
    out.resourceGroup = seg[i + 1];
    i += 2;
  }
  if (seg[i]?.toLowerCase() === "providers") {
    out.provider = seg[i + 1];
    i += 2;
    for (; i + 1 < seg.length; i += 2) {
      out.types.push(seg[i]);
      out.names.push(seg[i + 1]);
    }
  }
  return out;
}

/**
 * Whether `id` is an Azure resource id the portal may open from a route:
 * /subscriptions/{s}/resourceGroups/{g}/providers/{namespace}/{type}/{name}[/{type}/{name}…],
 * with no empty, "." or ".." segment and none of the characters ARM reserves in names (so a
 * route such as "//elsewhere/x" never becomes a URL of another origin).
 */
export function isResourceId(id: string): boolean {
  if (!id.startsWith("/subscriptions/")) return false;
  if (/[\\?#%&<>\u0000-\u001f\u007f]/.test(id)) return false;
  const seg = id.split("/").slice(1);
  if (seg.some((s) => s === "" || s === "." || s === ".." || s.trim() !== s)) return false;
  const p = parseId(id);
  return (
    !!p && !!p.resourceGroup && !!p.provider && p.types.length > 0 && seg.length === 6 + 2 * p.types.length
  );
}

export function nameOf(id: string | undefined): string {
  return id ? (id.split("/").filter(Boolean).pop() ?? "") : "";
}

export function groupOf(id: string | undefined): string {
  return (id && parseId(id)?.resourceGroup) || "";
}

export function sameId(a: string | undefined, b: string | undefined): boolean {
  return !!a && !!b && a.toLowerCase() === b.toLowerCase();
}
