// Getting an ARM token from Microsoft Entra ID through the host's network (client credentials of
// a service principal), or taking a pre-acquired one (--access-token). Failures are the agent's:
// a wrong secret is AZCM0041, Entra ID out of reach is AZCM0026 with the dial error.
import { DialError, RefusalError, type Dialer } from "./dial.js";
import { AgentError, AZCM, type AzcmCode } from "./errors.js";
import { LOGIN } from "./endpoints.js";

export const ARM_SCOPE = "https://management.azure.com/.default";

export interface ServicePrincipal {
  tenantId: string;
  clientId: string;
  secret: string;
}

/** The claims of a JWT (no signature check: the agent only reads tid/exp), or undefined. */
export function jwtClaims(token: string): Record<string, any> | undefined {
  const parts = token.split(".");
  if (parts.length !== 3) return undefined;
  try {
    const doc = JSON.parse(Buffer.from(parts[1], "base64url").toString("utf8"));
    return doc && typeof doc === "object" ? doc : undefined;
  } catch {
    return undefined;
  }
}

/** An --access-token the agent can use: a JWT that has not expired (AZCM0012 otherwise). */
export function checkAccessToken(token: string, now: Date): Record<string, any> {
  const claims = jwtClaims(token);
  if (!claims) {
    throw new AgentError(
      AZCM.InvalidAccessToken,
      "The access token given with --access-token is not a JSON Web Token. Get one with az account get-access-token --resource https://management.azure.com/",
    );
  }
  if (typeof claims.exp === "number" && claims.exp * 1000 < now.getTime()) {
    throw new AgentError(
      AZCM.InvalidAccessToken,
      `The access token given with --access-token expired at ${new Date(claims.exp * 1000).toISOString()}. Get a new one.`,
    );
  }
  return claims;
}

/**
 * Client credentials flow: POST https://login.microsoftonline.com/{tenant}/oauth2/v2.0/token.
 * `networkCode` is the AZCM code a network failure gets (AZCM0026 for connect).
 */
export async function acquireToken(
  dialer: Dialer,
  sp: ServicePrincipal,
  networkCode: AzcmCode = AZCM.Network,
  hint = "",
): Promise<string> {
  const url = `https://${LOGIN}/${encodeURIComponent(sp.tenantId)}/oauth2/v2.0/token`;
  const form = new URLSearchParams({
    grant_type: "client_credentials",
    client_id: sp.clientId,
    client_secret: sp.secret,
    scope: ARM_SCOPE,
  }).toString();
  let r;
  try {
    r = await dialer.dial("POST", url, {
      body: form,
      headers: { "content-type": "application/x-www-form-urlencoded" },
      purpose: "onboard",
    });
  } catch (e) {
    if (e instanceof DialError) {
      throw new AgentError(
        networkCode,
        `Failed to acquire a token from Microsoft Entra ID: ${e.message}${hint}`,
        {
          fields: e.extra.gatewayMessage ? { Reason: e.extra.gatewayMessage } : undefined,
        },
      );
    }
    if (e instanceof RefusalError) {
      throw new AgentError(
        networkCode,
        `Failed to acquire a token from Microsoft Entra ID: ${e.code}: ${e.message}${hint}`,
      );
    }
    throw e;
  }
  if (r.status === 200 && typeof r.json?.access_token === "string") return r.json.access_token;
  const code = r.json?.error ?? `HTTP ${r.status}`;
  const desc = String(r.json?.error_description ?? r.text.slice(0, 300)).replace(/\.+\s*$/, "");
  throw new AgentError(
    AZCM.Credentials,
    `Failed to acquire a token from Microsoft Entra ID for service principal ${sp.clientId} in tenant ${sp.tenantId}: ${code}: ${desc}. Check --tenant-id, --service-principal-id and --service-principal-secret.`,
  );
}

/** The Authorization header the agent sends the HIS with its machine credential. */
export function machineAuthorization(credential: string): string {
  return `Bearer ${credential}`;
}
