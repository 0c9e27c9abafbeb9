// Entra ID as ArcLink serves it: OpenID discovery (AAD style per tenant and the /adfs form
// that az 2.45 needs offline), JWKS, and the token endpoint (client credentials).
import { IncomingMessage, ServerResponse } from "node:http";
import { WorldView } from "../../world/world.js";
import { readBody, sendJson } from "../http.js";
import { findPrincipal, tenantExists } from "../../identity/directory.js";
import { directoryIssuer, TokenService } from "../../identity/tokens.js";
import { SignInCounter } from "./signInThrottle.js";
import { createHash, timingSafeEqual } from "node:crypto";

export interface IdentityContext {
  world: WorldView;
  tokens: TokenService;
  /** Origin the client used (from the Host header), e.g. https://127.0.0.1:8443 */
  origin: string;
  /** Failed sign-ins per client and source address. */
  signIns: SignInCounter;
  /** Where the request comes from (a simulated host's address through the gateway); default the socket's peer. */
  source?: string;
}

const TOKEN_LIFETIME = 3599;

function discovery(origin: string, tenantPath: string): Record<string, unknown> {
  const base = `${origin}/${tenantPath}`;
  const v2 = tenantPath === "adfs" ? base : `${base}/v2.0`;
  return {
    issuer: v2,
    authorization_endpoint: `${base}/oauth2/v2.0/authorize`,
    token_endpoint: `${base}/oauth2/v2.0/token`,
    device_authorization_endpoint: `${base}/oauth2/v2.0/devicecode`,
    end_session_endpoint: `${base}/oauth2/v2.0/logout`,
    jwks_uri: `${base}/discovery/v2.0/keys`,
    response_types_supported: ["code", "id_token", "token"],
    subject_types_supported: ["pairwise"],
    id_token_signing_alg_values_supported: ["RS256"],
    token_endpoint_auth_methods_supported: ["client_secret_post", "client_secret_basic"],
    scopes_supported: ["openid", "profile", "email", "offline_access"],
    grant_types_supported: ["client_credentials"],
    tenant_region_scope: "NA",
    cloud_instance_name: "arclink.local",
  };
}

/** Identity paths below /{tenant}/ (or /adfs/). */
const KNOWN = [
  "v2.0/.well-known/openid-configuration",
  ".well-known/openid-configuration",
  "oauth2/v2.0/token",
  "oauth2/token",
  "discovery/v2.0/keys",
  "discovery/keys",
];
const KNOWN_ENDINGS = ["/openid-configuration", "/token", "/keys"];

/** The longest of KNOWN_ENDINGS. */
const ENDING_MAX = Math.max(...KNOWN_ENDINGS.map((k) => k.length));

/**
 * Whether the path could be an identity path: every one ends in one of KNOWN_ENDINGS (any case).
 * ARM paths (the hot path) leave here, having lower-cased only their last few characters.
 */
export function isIdentityPath(path: string): boolean {
  // Each ending's last letter: "n" (openid-configuration, token) or "s" (keys), in either case.
  const last = path.charCodeAt(path.length - 1) | 0x20;
  if (last !== 0x6e && last !== 0x73) return false;
  const tail = path.slice(-ENDING_MAX).toLowerCase();
  return KNOWN_ENDINGS.some((k) => tail.endsWith(k));
}

/** Handles identity paths; returns false when the path is not an identity path. */
export async function handleIdentity(
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
  query: URLSearchParams,
  ctx: IdentityContext,
): Promise<boolean> {
  if (!isIdentityPath(path)) return false;
  const seg = path.split("/").filter(Boolean);
  if (seg.length < 2) return false;
  const tenant = seg[0];
  const rest = seg.slice(1).join("/").toLowerCase();
  if (!KNOWN.includes(rest)) return false;
  const isTenant = tenant.toLowerCase() === "adfs" || tenantExists(ctx.world, tenant);
  if (!isTenant) {
    sendJson(res, 400, {
      error: "invalid_tenant",
      error_description: `AADSTS90002: Tenant '${tenant}' not found. Use the tenant id printed by 'arclink serve' (or 'adfs').`,
      error_codes: [90002],
    });
    return true;
  }
  if (rest.endsWith("openid-configuration")) {
    sendJson(res, 200, discovery(ctx.origin, tenant.toLowerCase() === "adfs" ? "adfs" : tenant));
    return true;
  }
  if (rest.endsWith("keys")) {
    sendJson(res, 200, await ctx.tokens.jwks());
    return true;
  }
  if (req.method !== "POST") {
    sendJson(res, 405, {
      error: "invalid_request",
      error_description: "The token endpoint accepts POST only.",
    });
    return true;
  }
  await token(req, res, tenant, query, ctx);
  return true;
}

async function token(
  req: IncomingMessage,
  res: ServerResponse,
  tenant: string,
  _query: URLSearchParams,
  ctx: IdentityContext,
): Promise<void> {
  const form = new URLSearchParams((await readBody(req, 64 * 1024)).toString("utf8"));
  const grant = form.get("grant_type");
  if (grant !== "client_credentials") {
    sendJson(res, 400, {
      error: "unsupported_grant_type",
      error_description: `AADSTS70003: grant_type '${grant ?? ""}' is not supported here; use client_credentials with a service principal.`,
      error_codes: [70003],
    });
    return;
  }
  let clientId = form.get("client_id") ?? "";
  let secret = form.get("client_secret") ?? "";
  const authorization = req.headers.authorization;
  if (authorization !== undefined && /^Basic(\s|$)/i.test(authorization)) {
    const basic = basicCredentials(authorization);
    if (!basic) {
      sendJson(res, 400, {
        error: "invalid_request",
        error_description:
          "AADSTS90014: The 'Authorization: Basic' header could not be read as client credentials. Send base64(url-encoded client_id ':' url-encoded client_secret), or send client_id and client_secret in the form body instead.",
        error_codes: [90014],
      });
      return;
    }
    clientId ||= basic.clientId;
    secret ||= basic.secret;
  }
  if (!clientId) {
    sendJson(res, 400, {
      error: "invalid_request",
      error_description:
        "AADSTS900144: The request body must contain the following parameter: 'client_id'. Send the client id printed by 'arclink serve'.",
      error_codes: [900144],
    });
    return;
  }
  const source = ctx.source ?? req.socket.remoteAddress ?? "unknown";
  const wait = await ctx.signIns.retryAfter(clientId, source);
  if (wait > 0) {
    throttled(res, clientId, source, wait);
    return;
  }
  /** Counts a failed attempt; answers 429 instead when it reached the limit. */
  const fail = async (status: number, body: Record<string, unknown>) => {
    const locked = await ctx.signIns.failed(clientId, source);
    if (locked > 0) throttled(res, clientId, source, locked);
    else sendJson(res, status, body);
  };
  const sp = findPrincipal(ctx.world, clientId);
  if (!sp) {
    await fail(400, {
      error: "unauthorized_client",
      error_description: `AADSTS700016: Application with identifier '${clientId}' was not found in the directory. Use the client id printed by 'arclink serve'.`,
      error_codes: [700016],
    });
    return;
  }
  if (tenant.toLowerCase() !== "adfs" && tenant.toLowerCase() !== sp.tenantId.toLowerCase()) {
    await fail(400, {
      error: "unauthorized_client",
      error_description: `AADSTS700016: Application '${clientId}' was not found in tenant '${tenant}'.`,
      error_codes: [700016],
    });
    return;
  }
  if (!sameSecret(secret, sp.secret)) {
    await fail(401, {
      error: "invalid_client",
      error_description: `AADSTS7000215: Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '${clientId}'.`,
      error_codes: [7000215],
    });
    return;
  }
  await ctx.signIns.succeeded(clientId, source);
  const scope = (form.get("scope") ?? "https://management.azure.com/.default").split(" ")[0];
  const audience = scope.replace(/\/?\.default$/, "/").replace(/\/\/$/, "/");
  const access_token = await ctx.tokens.issue({
    issuer: directoryIssuer(sp.tenantId),
    audience,
    principal: { oid: sp.oid, tenantId: sp.tenantId, appId: sp.appId, kind: "servicePrincipal" },
    lifetimeSeconds: TOKEN_LIFETIME,
  });
  sendJson(res, 200, {
    token_type: "Bearer",
    expires_in: TOKEN_LIFETIME,
    ext_expires_in: TOKEN_LIFETIME,
    access_token,
  });
}

/** The client id and secret of a Basic header (RFC 6749 §2.3.1: each url-encoded), or undefined when unreadable. */
function basicCredentials(header: string): { clientId: string; secret: string } | undefined {
  const m = /^Basic\s+([A-Za-z0-9+/]+={0,2})\s*$/i.exec(header);
  if (!m) return undefined;
  const text = Buffer.from(m[1], "base64").toString("utf8");
  const colon = text.indexOf(":");
  if (colon < 0) return undefined;
  try {
    return {
      clientId: decodeURIComponent(text.slice(0, colon).replace(/\+/g, " ")),
      secret: decodeURIComponent(text.slice(colon + 1).replace(/\+/g, " ")),
    };
  } catch {
    return undefined;
  }
}

/** Compares secrets in constant time: equal-length digests, so neither length nor content leaks. */
function sameSecret(given: string, expected: string): boolean {
  const digest = (s: string) => createHash("sha256").update(s, "utf8").digest();
  return timingSafeEqual(digest(given), digest(expected));
}

/** Entra ID's answer to a throttled client-credentials caller: 429 with Retry-After. */
function throttled(res: ServerResponse, clientId: string, source: string, seconds: number): void {
  sendJson(
    res,
    429,
    {
      error: "temporarily_unavailable",
      error_description: `AADSTS50196: Too many failed sign-in attempts for client '${clientId}' from ${source}: its requests from there are refused for ${seconds} s. Check the client id and secret, then retry after the time in Retry-After.`,
      error_codes: [50196],
    },
    { "Retry-After": String(seconds) },
  );
}
