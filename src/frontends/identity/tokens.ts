// Access tokens: RS256 JWTs signed with the world's key; verified on every ARM request
// (signature, expiry, audience, tenant). Anything else is refused with ARM's 401.
import { importJWK, jwtVerify, SignJWT, JWK, errors as joseErrors } from "jose";

type KeyLike = CryptoKey;
import { ArmError } from "../../core/armError.js";
import { Principal } from "../../providers/contract.js";
import { WorldView } from "../../world/world.js";
import { SIGNING_KEY_ID, tenantExists } from "./directory.js";

/** Audiences ARM accepts: Azure's management resource ids, with or without the trailing slash. */
const ARM_AUDIENCES = [
  "https://management.core.windows.net/",
  "https://management.azure.com/",
  "https://management.core.windows.net",
  "https://management.azure.com",
];

export class TokenService {
  private priv?: KeyLike | Uint8Array;
  private pub?: KeyLike | Uint8Array;
  private kid?: string;
  private publicJwk?: JWK;

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

  /** Verifies an ARM bearer token; throws ArmError 401 with ARM's code and message. */
  async verifyArm(authorization: string | undefined, extraAudiences: string[]): Promise<Principal> {
    if (!authorization) {
      throw unauthorized(
        "AuthenticationFailed",
        "Authentication failed. The 'Authorization' header is missing. Get a token from the token endpoint and send it as 'Authorization: Bearer <token>'.",
      );
    }
    const m = /^Bearer\s+(\S+)$/i.exec(authorization.trim());
    if (!m) {
      throw unauthorized(
        "AuthenticationFailed",
        "Authentication failed. The 'Authorization' header is provided in an invalid format. Use 'Bearer <token>'.",
      );
    }
    const { pub } = await this.keys();
    let payload: Record<string, any>;
    try {
      ({ payload } = await jwtVerify(m[1], pub, {
        algorithms: ["RS256"],
        audience: [...ARM_AUDIENCES, ...extraAudiences],
      }));
    } catch (e) {
      throw tokenError(e);
    }
    const tid = String(payload.tid ?? "");
    if (!tenantExists(this.world, tid)) {
      throw unauthorized(
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
}

function unauthorized(code: string, message: string): ArmError {
  return new ArmError(401, code, message, {
    headers: {
      "WWW-Authenticate": `Bearer authorization_uri="https://login.microsoftonline.com/common", error="invalid_token", error_description="${code}"`,
    },
  });
}

function tokenError(e: unknown): ArmError {
  if (e instanceof joseErrors.JWTExpired) {
    return unauthorized(
      "ExpiredAuthenticationToken",
      "The access token expiry UTC time is earlier than current UTC time. Request a new token.",
    );
  }
  if (e instanceof joseErrors.JWTClaimValidationFailed && e.claim === "aud") {
    return unauthorized(
      "InvalidAuthenticationTokenAudience",
      "The access token has been obtained for wrong audience or resource. Request a token for 'https://management.azure.com/' (scope 'https://management.azure.com/.default').",
    );
  }
  if (e instanceof joseErrors.JWSSignatureVerificationFailed) {
    return unauthorized(
      "InvalidAuthenticationToken",
      "The access token is invalid: its signature does not verify. Use a token issued by this server's token endpoint.",
    );
  }
  return unauthorized(
    "InvalidAuthenticationToken",
    `The access token is invalid: ${(e as Error).message}. Use a token issued by this server's token endpoint.`,
  );
}
