// Access tokens: RS256 JWTs signed with the world's key. Each kind of credential is checked for
// what it was issued for and nothing else: ARM tokens (ARM's audiences, the directory's issuer),
// host credentials (the gateway's audience) and machine credentials (HIS's audience and issuer).
// No audience or issuer is ever taken from the request: a Host header names nothing trusted.
// A token whose signature verified is remembered by its exact text until it expires, so clients
// that reuse one token (all of them) pay for the RSA check once, not per request; expiry and
// not-before are still checked on every request, and audience, issuer, tenant and kind on every
// request after the world changed (their result is kept per token while it is unchanged). The
// remembered tokens belong to the signing key that verified them: when the world's key changes
// (rotated, restored from a snapshot) or disappears, they are forgotten and checked again. A
// token refused once is never remembered.
import { importJWK, jwtVerify, SignJWT, JWK, errors as joseErrors, JWTHeaderParameters } from "jose";

type KeyLike = CryptoKey;
import { ArmError } from "../core/armError.js";
import { Principal } from "../providers/contract.js";
import { WorldView } from "../world/world.js";
import { SIGNING_KEY_ID, TENANT_TYPE, tenantExists } from "./directory.js";

/** Audiences ARM accepts: Azure's management resource ids, with or without the trailing slash. */
export const ARM_AUDIENCES = [
  "https://management.azure.com/",
  "https://management.core.windows.net/",
  "https://management.core.windows.net",
  "https://management.azure.com",
];

/** The audience of a host credential: the gateway, and nothing else. */
export const GATEWAY_AUDIENCE = "https://gateway.arclink.local/";
/** The audience and issuer of a machine credential: Arc's Hybrid Instance Service. */
export const MACHINE_AUDIENCE = "https://his.arc.azure.com/arclink-machine";
export const MACHINE_ISSUER = "https://his.arc.azure.com";

/**
 * The issuer of the directory's tokens (service principals' and hosts'): Entra ID's v1.0 issuer,
 * the one ARM tokens carry in Azure. It names the tenant and never the address a client used, so
 * a token is the same whichever replica or host name issued it.
 */
export const directoryIssuer = (tenantId: string): string => `https://sts.windows.net/${tenantId}/`;

/** Verified tokens remembered at most (oldest dropped first). */
const VERIFIED_CACHE_MAX = 10_000;

type Kind = Principal["kind"];

/** What one front end accepts: its audiences, the issuer of its credentials, the kinds of principal. */
interface Expectation {
  audiences: readonly string[];
  issuer: (tenantId: string) => string;
  kinds: readonly Kind[];
}

interface Verified {
  /** The token's text (the cache's key). */
  jwt: string;
  payload: Record<string, any>;
  /** Expiry, seconds since the epoch. */
  exp: number;
  /** Not before, seconds since the epoch (-Infinity when the token has none). */
  nbf: number;
  /**
   * The principal the claims name, once they passed one expectation's checks at one version of
   * the world (the tenant's existence is the checks' only other input); checked again otherwise.
   */
  accepted?: { expect: Expectation; version: number; principal: Principal };
}

const BEARER = /^Bearer\s+(\S+)$/i;

/** The parts of a signing key that name it: a new key id or a new modulus is another key. */
const keyIdentity = (jwk: JWK): string => `${jwk.kid ?? ""}.${jwk.n ?? ""}`;

const KIND_OF_IDTYP: Record<string, Kind> = { app: "servicePrincipal", host: "host", machine: "machine" };

export class TokenService {
  private priv?: KeyLike | Uint8Array;
  private pub?: KeyLike | Uint8Array;
  private kid?: string;
  private publicJwk?: JWK;
  /** The world's key entry the keys above were imported from, and its identity. */
  private keySource?: unknown;
  private keyName?: string;
  private verified = new Map<string, Verified>();
  /**
   * The Authorization header last resolved to a remembered token, and that token: a client
   * sends the same header on every request, which is then compared, not parsed and hashed again.
   */
  private lastAuthorization?: string;
  private lastVerified?: Verified;
  /** ARM's own URLs as configured at start (e.g. https://127.0.0.1:8443): audiences ARM accepts too. */
  private armOrigins: string[] = [];
  /** What verifyArm accepts, made once (when the origins are set), not per request. */
  private armExpectation: Expectation = {
    audiences: ARM_AUDIENCES,
    issuer: directoryIssuer,
    kinds: ["servicePrincipal"],
  };

  /** `version` (World's) lets the claims' checks be remembered while the world is unchanged. */
  constructor(private readonly world: WorldView & { readonly version?: number }) {}

  /**
   * ARM's own origins, from the address it listens on: the SDKs ask for `<endpoint>/.default`
   * when no credential scope is set. Fixed at start, never read from a request.
   */
  setArmOrigins(origins: string[]): void {
    this.armOrigins = origins.flatMap((o) => [`${o.replace(/\/+$/, "")}/`, o.replace(/\/+$/, "")]);
    this.armExpectation = { ...this.armExpectation, audiences: [...ARM_AUDIENCES, ...this.armOrigins] };
  }

  /**
   * The world's signing key, imported again when it changed; the tokens verified with the key
   * before are forgotten then. Cheap when unchanged: one lookup and one comparison.
   */
  private async keys() {
    const jwk = this.world.get(SIGNING_KEY_ID)?.body.jwk as JWK | undefined;
    if (jwk !== this.keySource) {
      const name = jwk ? keyIdentity(jwk) : undefined;
      if (name !== this.keyName) {
        this.verified.clear();
        this.forgetLast();
        this.priv = undefined;
        this.pub = undefined;
        this.kid = undefined;
        this.publicJwk = undefined;
        this.keyName = name;
      }
      this.keySource = jwk;
    }
    if (!jwk) throw new Error("The token signing key is missing from the world");
    if (!this.priv) {
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
   * Verifies an ARM bearer token (ARM's audiences or this server's configured origin, the
   * directory's issuer, a service principal); throws ArmError 401 with ARM's code and message.
   * `authority` (the origin the client used) only makes the WWW-Authenticate challenge point at
   * this server; it is never an accepted audience.
   */
  verifyArm(authorization: string | undefined, authority?: string): Promise<Principal> {
    return this.verify(authorization, this.armExpectation, authority);
  }

  /**
   * verifyArm without waiting, for a token already verified with the world's current signing key:
   * its principal, or undefined when verifyArm must run (no header, another format, a token not
   * verified yet, a changed key). Throws what verifyArm throws for a remembered token whose
   * claims fail (expired, not yet valid, another audience, tenant, issuer or kind).
   */
  verifyArmNow(authorization: string | undefined, authority?: string): Principal | undefined {
    return this.verifyNow(authorization, this.armExpectation, authority);
  }

  /** Verifies a host credential (the gateway's audience, the directory's issuer, a host). */
  verifyHost(authorization: string | undefined): Promise<Principal> {
    return this.verify(authorization, {
      audiences: [GATEWAY_AUDIENCE],
      issuer: directoryIssuer,
      kinds: ["host"],
    });
  }

  /** Verifies a machine credential (HIS's audience and issuer, a machine). */
  verifyMachine(authorization: string | undefined): Promise<Principal> {
    return this.verify(authorization, {
      audiences: [MACHINE_AUDIENCE],
      issuer: () => MACHINE_ISSUER,
      kinds: ["machine"],
    });
  }

  /** The remembered token an Authorization header carries, if its key is still the world's. */
  private verifyNow(
    authorization: string | undefined,
    expect: Expectation,
    authority?: string,
  ): Principal | undefined {
    if (!authorization || this.priv === undefined) return undefined;
    // The key the remembered tokens were verified with must still be the world's (else keys()).
    if (this.world.get(SIGNING_KEY_ID)?.body.jwk !== this.keySource) return undefined;
    let hit: Verified | undefined;
    if (authorization === this.lastAuthorization) hit = this.lastVerified;
    else {
      const m = BEARER.exec(authorization.trim());
      hit = m ? this.verified.get(m[1]) : undefined;
      if (!hit) return undefined;
      this.lastAuthorization = authorization;
      this.lastVerified = hit;
    }
    return this.accept(hit!, expect, authority);
  }

  private forgetLast(): void {
    this.lastAuthorization = undefined;
    this.lastVerified = undefined;
  }

  private async verify(
    authorization: string | undefined,
    expect: Expectation,
    authority?: string,
  ): Promise<Principal> {
    const known = this.verifyNow(authorization, expect, authority);
    if (known) return known;
    const challenge = () => this.challengeUri(authority);
    if (!authorization) {
      throw unauthorized(
        challenge(),
        "AuthenticationFailed",
        "Authentication failed. The 'Authorization' header is missing. Get a token from the token endpoint and send it as 'Authorization: Bearer <token>'.",
      );
    }
    const m = BEARER.exec(authorization.trim());
    if (!m) {
      throw unauthorized(
        challenge(),
        "AuthenticationFailed",
        "Authentication failed. The 'Authorization' header is provided in an invalid format. Use 'Bearer <token>'.",
      );
    }
    const jwt = m[1];
    let keys: Awaited<ReturnType<TokenService["keys"]>>;
    try {
      keys = await this.keys();
    } catch (e) {
      throw unauthorized(
        challenge(),
        "InvalidAuthenticationToken",
        `The access token cannot be verified: ${(e as Error).message}. Restart the server so that it creates a signing key, then request a new token.`,
      );
    }
    let hit = this.verified.get(jwt);
    if (!hit) {
      const { pub, kid } = keys;
      let payload: Record<string, any>;
      try {
        // The key is chosen by the token's key id: only this server's signing key verifies.
        const key = (header: JWTHeaderParameters) => {
          if (header.kid !== kid) throw new UnknownKeyId(header.kid);
          return pub;
        };
        ({ payload } = await jwtVerify(jwt, key, {
          algorithms: ["RS256"],
          requiredClaims: ["exp", "iss", "aud"],
        }));
      } catch (e) {
        throw tokenError(e, challenge());
      }
      const nowSec = Math.floor(Date.now() / 1000);
      if (this.verified.size >= VERIFIED_CACHE_MAX) {
        for (const [k, v] of this.verified) if (v.exp <= nowSec) this.verified.delete(k);
        if (this.verified.size >= VERIFIED_CACHE_MAX)
          this.verified.delete(this.verified.keys().next().value!);
      }
      hit = {
        jwt,
        payload,
        exp: Number(payload.exp),
        nbf: payload.nbf === undefined ? -Infinity : Number(payload.nbf),
      };
      this.verified.set(jwt, hit);
    }
    return this.accept(hit, expect, authority);
  }

  /**
   * A verified token's claims against what this front end accepts, on every request: expiry and
   * not-before against the clock, then audience, tenant, issuer and kind (remembered while the
   * world and the expectation are the same: they are the checks' only inputs besides the claims).
   */
  private accept(hit: Verified, expect: Expectation, authority: string | undefined): Principal {
    const challenge = () => this.challengeUri(authority);
    const nowSec = Math.floor(Date.now() / 1000);
    if (hit.exp <= nowSec) {
      this.verified.delete(hit.jwt);
      if (hit === this.lastVerified) this.forgetLast();
      throw expired(challenge());
    }
    if (hit.nbf > nowSec) throw notYetValid(challenge());
    const version = this.world.version;
    const ok = hit.accepted;
    if (ok !== undefined && ok.expect === expect && version !== undefined && ok.version === version)
      return ok.principal;
    const principal = checkClaims(hit.payload, expect, this.world, challenge);
    if (version !== undefined) hit.accepted = { expect, version, principal };
    return principal;
  }

  /** The login authority ARM's 401 challenge names: this server's first tenant when the origin is known. */
  private challengeUri(origin: string | undefined): string {
    if (!origin) return "https://login.microsoftonline.com/common";
    const tenant = this.world.ofType(TENANT_TYPE)[0]?.body.tenantId;
    return `${origin}/${tenant ?? "common"}`;
  }
}

/** A verified token's audience, tenant, issuer and kind against what one front end accepts. */
function checkClaims(
  payload: Record<string, any>,
  expect: Expectation,
  world: WorldView,
  challenge: () => string,
): Principal {
  const auds: unknown[] = Array.isArray(payload.aud) ? payload.aud : [payload.aud];
  if (!auds.some((a) => typeof a === "string" && expect.audiences.includes(a))) {
    throw wrongAudience(challenge(), expect.audiences[0]);
  }
  const tid = String(payload.tid ?? "");
  if (!tenantExists(world, tid)) {
    throw unauthorized(
      challenge(),
      "InvalidAuthenticationTokenTenant",
      `The access token is from the wrong issuer: tenant '${tid}' is not known here. Request a token from this server's token endpoint for one of its tenants.`,
    );
  }
  const issuer = expect.issuer(tid);
  if (payload.iss !== issuer) {
    throw unauthorized(
      challenge(),
      "InvalidAuthenticationTokenIssuer",
      `The access token's issuer '${String(payload.iss)}' is not '${issuer}', the issuer of this kind of credential for tenant '${tid}'. Request a new token from this server's token endpoint.`,
    );
  }
  const kind = KIND_OF_IDTYP[String(payload.idtyp ?? "")];
  if (!kind || !expect.kinds.includes(kind)) {
    throw unauthorized(
      challenge(),
      "InvalidAuthenticationToken",
      `The access token is for a ${kind ?? `principal of unknown type '${String(payload.idtyp ?? "")}'`}, which cannot be used here; this endpoint accepts ${expect.kinds.map(describeKind).join(" or ")}.`,
    );
  }
  // Shared by every request that presents the token (see accept): nobody may change it.
  return Object.freeze({
    oid: String(payload.oid ?? payload.sub ?? ""),
    tenantId: tid,
    appId: payload.appid ? String(payload.appid) : undefined,
    kind,
    actsAs: payload.act_as ? String(payload.act_as) : undefined,
  });
}

function describeKind(k: Kind): string {
  return k === "servicePrincipal" ? "a service principal's token" : `a ${k} credential`;
}

class UnknownKeyId extends Error {
  constructor(readonly kid: unknown) {
    super(`key id ${kid === undefined ? "(none)" : `'${String(kid)}'`} is not this server's signing key`);
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

function notYetValid(challenge: string): ArmError {
  return unauthorized(
    challenge,
    "InvalidAuthenticationToken",
    "The access token is not valid yet: its 'nbf' (not before) time is later than the current UTC time. Check the clock, or request a new token.",
  );
}

function wrongAudience(challenge: string, expected: string | undefined): ArmError {
  const scope = expected ? `${expected.replace(/\/$/, "")}/.default` : "";
  return unauthorized(
    challenge,
    "InvalidAuthenticationTokenAudience",
    `The access token has been obtained for wrong audience or resource. Request a token for '${expected}' (scope '${scope}').`,
  );
}

function tokenError(e: unknown, challenge: string): ArmError {
  if (e instanceof joseErrors.JWTExpired) return expired(challenge);
  if (e instanceof UnknownKeyId) {
    return unauthorized(
      challenge,
      "InvalidAuthenticationToken",
      `The access token is invalid: its ${e.message}. Use a token issued by this server's token endpoint (its keys are published at /{tenant}/discovery/v2.0/keys).`,
    );
  }
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
