// Access tokens: RS256 JWTs signed with the world's key; verified on every ARM request
// (signature, expiry, audience, tenant). Anything else is refused with ARM's 401.
// A token whose signature verified is remembered by its exact text until it expires, so
// clients that reuse one token (all of them) pay for the RSA check once, not per request;
// expiry, audience and tenant are still checked on every request.
import { importJWK, jwtVerify, SignJWT, JWK, errors as joseErrors } from "jose";

type KeyLike = CryptoKey;
import { ArmError } from "../../core/armError.js";
import { Principal } from "../../providers/contract.js";
import { WorldView } from "../../world/world.js";
import { SIGNING_KEY_ID, TENANT_TYPE, tenantExists } from "./directory.js";

/** Audiences ARM accepts: Azure's management resource ids, with or without the trailing slash. */
const ARM_AUDIENCES = [
  "https://management.core.windows.net/",
  "https://management.azure.com/",
  "https://management.core.windows.net",
  "https://management.azure.com",
];

/** Verified tokens remembered at most (oldest dropped first). */
const VERIFIED_CACHE_MAX = 10_000;

interface Verified {
  payload: Record<string, any>;
  /** Expiry, seconds since the epoch. */
  exp: number;
}

export class TokenService {
  private priv?: KeyLike | Uint8Array;
  private pub?: KeyLike | Uint8Array;
  private kid?: string;
  private publicJwk?: JWK;
  private verified = new Map<string, Verified>();

  constructor(private readonly world: WorldView) {}

  private async keys() {
    if (!this.priv) {
      const jwk = this.world.get(SIGNING_KEY_ID)?.body.jwk as JWK | undefined;
      if (!jwk) throw new Error("The token signing key is missing from the world");
      this.kid = jwk.kid;
      this.priv = await importJWK(jwk, "RS256");
      const { d: _d, p: _p, q: _q, dp: _dp, dq: _dq, qi: _qi, ...pub } = jwk;
      this.publicJwk = { ...pub, use: "sig", alg: "RS256" };
      this.pub = await importJWK(this.publicJwk, "RS256");
    }
    return { priv: this.priv, pub: this.pub!, kid: this.kid! };
  }

  async jwks(): Promise<{ keys: JWK[] }> {
    await this.keys();
    return { keys: [this.publicJwk!] };
  }

  async issue(opts: {
    issuer: string;
    audience: string;
    principal: Principal;
    lifetimeSeconds: number;
    extra?: Record<string, unknown>;
  }): Promise<string> {
    const { priv, kid } = await this.keys();
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT({
      tid: opts.principal.tenantId,
      oid: opts.principal.oid,
      appid: opts.principal.appId,
      azp: opts.principal.appId,
      idtyp: opts.principal.kind === "servicePrincipal" ? "app" : opts.principal.kind,
      act_as: opts.principal.actsAs,
      ver: "1.0",
      ...opts.extra,
    })
      .setProtectedHeader({ alg: "RS256", typ: "JWT", kid })
      .setIssuer(opts.issuer)
      .setAudience(opts.audience)
      .setSubject(opts.principal.oid)
      .setIssuedAt(now)
      .setNotBefore(now - 5)
      .setExpirationTime(now + opts.lifetimeSeconds)
      .sign(priv);
  }

  /**
   * Verifies an ARM bearer token; throws ArmError 401 with ARM's code and message.
   * `authority` (the origin the client used) makes the WWW-Authenticate challenge point at this server.
   */
  async verifyArm(
    authorization: string | undefined,
    extraAudiences: string[],
    authority?: string,
  ): Promise<Principal> {
    const challenge = () => this.challengeUri(authority);
    if (!authorization) {
      throw unauthorized(
        challenge(),
        "AuthenticationFailed",
        "Authentication failed. The 'Authorization' header is missing. Get a token from the token endpoint and send it as 'Authorization: Bearer <token>'.",
      );
    }
    const m = /^Bearer\s+(\S+)$/i.exec(authorization.trim());
    if (!m) {
      throw unauthorized(
        challenge(),
        "AuthenticationFailed",
        "Authentication failed. The 'Authorization' header is provided in an invalid format. Use 'Bearer <token>'.",
      );
    }
    const jwt = m[1];
    const audiences = [...ARM_AUDIENCES, ...extraAudiences];
    const nowSec = Math.floor(Date.now() / 1000);
    let payload: Record<string, any>;
    const hit = this.verified.get(jwt);
    if (hit) {
      // Same checks jwtVerify made, against the current time and this request's audiences.
      if (hit.exp <= nowSec) {
        this.verified.delete(jwt);
        throw expired(challenge());
      }
      const aud = hit.payload.aud;
      const auds: unknown[] = Array.isArray(aud) ? aud : [aud];
      if (!auds.some((a) => typeof a === "string" && audiences.includes(a))) {
        throw wrongAudience(challenge());
      }
      payload = hit.payload;
    } else {
      const { pub } = await this.keys();
      try {
        ({ payload } = await jwtVerify(jwt, pub, {
          algorithms: ["RS256"],
          audience: audiences,
          requiredClaims: ["exp"],
        }));
      } catch (e) {
        throw tokenError(e, challenge());
      }
      if (this.verified.size >= VERIFIED_CACHE_MAX) {
        for (const [k, v] of this.verified) if (v.exp <= nowSec) this.verified.delete(k);
        if (this.verified.size >= VERIFIED_CACHE_MAX)
          this.verified.delete(this.verified.keys().next().value!);
      }
      this.verified.set(jwt, { payload, exp: Number(payload.exp) });
    }
    const tid = String(payload.tid ?? "");
    if (!tenantExists(this.world, tid)) {
      throw unauthorized(
        challenge(),
        "InvalidAuthenticationTokenTenant",
        `The access token is from the wrong issuer: tenant '${tid}' is not known here. Request a token from this server's token endpoint for one of its tenants.`,
      );
    }
    return {
      oid: String(payload.oid ?? payload.sub ?? ""),
      tenantId: tid,
      appId: payload.appid ? String(payload.appid) : undefined,
      kind: payload.idtyp === "machine" ? "machine" : payload.idtyp === "host" ? "host" : "servicePrincipal",
      actsAs: payload.act_as ? String(payload.act_as) : undefined,
    };
  }

  /** The login authority ARM's 401 challenge names: this server's first tenant when the origin is known. */
  private challengeUri(origin: string | undefined): string {
    if (!origin) return "https://login.microsoftonline.com/common";
    const tenant = this.world.ofType(TENANT_TYPE)[0]?.body.tenantId;
    return `${origin}/${tenant ?? "common"}`;
  }
}

function unauthorized(authorizationUri: string, code: string, message: string): ArmError {
  return new ArmError(401, code, message, {
    headers: {
      "WWW-Authenticate": `Bearer authorization_uri="${authorizationUri}", error="invalid_token", error_description="${code}"`,
    },
  });
}

function expired(challenge: string): ArmError {
  return unauthorized(
    challenge,
    "ExpiredAuthenticationToken",
    "The access token expiry UTC time is earlier than current UTC time. Request a new token.",
  );
}

function wrongAudience(challenge: string): ArmError {
  return unauthorized(
    challenge,
    "InvalidAuthenticationTokenAudience",
    "The access token has been obtained for wrong audience or resource. Request a token for 'https://management.azure.com/' (scope 'https://management.azure.com/.default').",
  );
}

function tokenError(e: unknown, challenge: string): ArmError {
  if (e instanceof joseErrors.JWTExpired) return expired(challenge);
  if (e instanceof joseErrors.JWTClaimValidationFailed && e.claim === "aud") return wrongAudience(challenge);
  if (e instanceof joseErrors.JWSSignatureVerificationFailed) {
    return unauthorized(
      challenge,
      "InvalidAuthenticationToken",
      "The access token is invalid: its signature does not verify. Use a token issued by this server's token endpoint.",
    );
  }
  return unauthorized(
    challenge,
    "InvalidAuthenticationToken",
    `The access token is invalid: ${(e as Error).message}. Use a token issued by this server's token endpoint.`,
  );
}
