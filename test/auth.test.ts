// Entra ID as ArcLink serves it (token endpoint, OpenID discovery, JWKS, cloud metadata) and
// ARM's bearer-token checks: every way a token can be wrong gets ARM's 401 code, a principal
// without access gets 403, and plain HTTP is refused. Tokens with a valid signature but bad
// claims are signed in this test with the server's own key, read from its SQLite file.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import {
  createLocalJWKSet,
  decodeJwt,
  decodeProtectedHeader,
  exportJWK,
  generateKeyPair,
  importJWK,
  JWK,
  jwtVerify,
  SignJWT,
} from "jose";
import { randomUUID } from "node:crypto";
import { arm, raw, RawResponse, token } from "./helpers/arm.js";
import { runScenario } from "./helpers/sdk.js";
import { removeDataDir, startServer, TestServer } from "./helpers/server.js";
import { SIGN_IN_LIMITS, SignInThrottle } from "../src/frontends/identity/signInThrottle.js";

const RG_VERSION = "2025-04-01";
const FORM = { "content-type": "application/x-www-form-urlencoded" };

let srv: TestServer;
let port: number;
let sub: string;
/** The server's private signing key (JWK), read from its data folder. */
let serverJwk: JWK;

before(async () => {
  srv = await startServer();
  port = Number(new URL(srv.info.arm).port);
  sub = `/subscriptions/${srv.info.subscriptionId}`;
  const db = new Database(join(srv.dataDir, "arclink.db"), { readonly: true, fileMustExist: true });
  try {
    const row = db
      .prepare("SELECT body FROM resources WHERE key = ?")
      .get("/providers/arclink.identity/signingkeys/default") as { body: string } | undefined;
    assert.ok(row, "the signing key row is in the store");
    serverJwk = (JSON.parse(row.body) as { jwk: JWK }).jwk;
  } finally {
    db.close();
  }
  assert.equal(serverJwk.kty, "RSA");
  assert.ok(serverJwk.d, "the stored key is the private key");
});

after(async () => {
  await srv?.stop();
  if (srv) removeDataDir(srv.dataDir);
});

function form(fields: Record<string, string>): string {
  return new URLSearchParams(fields).toString();
}

function tokenRequest(path: string, fields: Record<string, string>, headers: Record<string, string> = {}) {
  return raw(srv.info, "POST", path, form(fields), { ...FORM, ...headers });
}

function clientCredentials(over: Record<string, string> = {}): Record<string, string> {
  return {
    grant_type: "client_credentials",
    client_id: srv.info.clientId,
    client_secret: srv.info.clientSecret,
    scope: "https://management.azure.com/.default",
    ...over,
  };
}

function withBearer(t: string, method = "GET", path = `${sub}/resourcegroups?api-version=${RG_VERSION}`) {
  return raw(srv.info, method, path, method === "PUT" ? { location: "eastus" } : undefined, {
    authorization: `Bearer ${t}`,
  });
}

/** Signs a token with the server's real key; `claims` override a valid default set. */
async function forge(claims: Record<string, unknown>, key: JWK = serverJwk): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  const body: Record<string, unknown> = {
    aud: "https://management.azure.com/",
    iss: `https://sts.windows.net/${srv.info.tenantId}/`,
    iat: now - 10,
    nbf: now - 10,
    exp: now + 3600,
    tid: srv.info.tenantId,
    oid: randomUUID(),
    sub: randomUUID(),
    appid: srv.info.clientId,
    azp: srv.info.clientId,
    idtyp: "app",
    ver: "1.0",
    ...claims,
  };
  for (const k of Object.keys(body)) if (body[k] === undefined) delete body[k];
  const priv = await importJWK(key, "RS256");
  return new SignJWT(body).setProtectedHeader({ alg: "RS256", typ: "JWT", kid: key.kid }).sign(priv);
}

/** Asserts ARM's 401 shape: the code, and a WWW-Authenticate challenge naming this server's authority. */
function assert401(r: RawResponse, code: string, what: string): void {
  assert.equal(r.status, 401, `${what}: ${r.status} ${r.text}`);
  assert.equal(r.json?.error?.code, code, `${what}: ${r.text}`);
  assert.ok(String(r.json.error.message).length > 20, `${what}: the message explains: ${r.text}`);
  const challenge = String(r.headers["www-authenticate"] ?? "");
  assert.match(challenge, /^Bearer /, `${what}: WWW-Authenticate is a Bearer challenge`);
  assert.ok(
    challenge.includes(`authorization_uri="${srv.info.arm}/${srv.info.tenantId}"`),
    `${what}: the challenge points at this server's authority: ${challenge}`,
  );
  assert.ok(challenge.includes('error="invalid_token"'), `${what}: ${challenge}`);
  assert.match(String(r.headers["x-ms-request-id"]), /^[0-9a-f-]{36}$/);
}

describe("token endpoint (client credentials)", () => {
  test("a good secret gets a Bearer JWT for the requested resource", async () => {
    const r = await tokenRequest(`/${srv.info.tenantId}/oauth2/v2.0/token`, clientCredentials());
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.token_type, "Bearer");
    assert.equal(r.json.expires_in, 3599);
    assert.equal(r.json.ext_expires_in, 3599);
    assert.match(r.headers["content-type"] as string, /^application\/json/);
    const claims = decodeJwt(r.json.access_token);
    assert.equal(claims.aud, "https://management.azure.com/");
    assert.equal(claims.tid, srv.info.tenantId);
    assert.equal(claims.appid, srv.info.clientId);
    // Entra ID's v1.0 issuer, as ARM tokens carry it: the tenant, never the address the client used.
    assert.equal(claims.iss, `https://sts.windows.net/${srv.info.tenantId}/`);
    assert.ok(typeof claims.exp === "number" && claims.exp > Date.now() / 1000 + 3000);
    assert.equal(decodeProtectedHeader(r.json.access_token).alg, "RS256");
    assert.equal((await withBearer(r.json.access_token)).status, 200);
  });

  test("az's request (ADFS authority, double-slash scope, claims, client_info) works on ARM", async () => {
    const r = await tokenRequest(
      "/adfs/oauth2/v2.0/token",
      clientCredentials({
        scope: "https://management.core.windows.net//.default",
        client_info: "1",
        claims: JSON.stringify({ access_token: { xms_cc: { values: ["CP1"] } } }),
      }),
      { "x-client-sku": "MSAL.Python", "client-request-id": randomUUID() },
    );
    assert.equal(r.status, 200, r.text);
    assert.equal(decodeJwt(r.json.access_token).aud, "https://management.core.windows.net/");
    assert.equal((await withBearer(r.json.access_token)).status, 200);
  });

  test("the JS client's request (client-request-id in the URL) works, and Basic client auth too", async () => {
    const r = await tokenRequest(
      `/${srv.info.tenantId}/oauth2/v2.0/token?client-request-id=${randomUUID()}`,
      clientCredentials({ "x-client-SKU": "msal.js.node", "x-client-VER": "5.6.0" }),
    );
    assert.equal(r.status, 200, r.text);
    const basic = Buffer.from(`${srv.info.clientId}:${srv.info.clientSecret}`).toString("base64");
    const b = await tokenRequest(
      `/${srv.info.tenantId}/oauth2/v2.0/token`,
      { grant_type: "client_credentials", scope: "https://management.azure.com/.default" },
      { authorization: `Basic ${basic}` },
    );
    assert.equal(b.status, 200, b.text);
  });

  test("a bad secret is 401 invalid_client AADSTS7000215", async () => {
    const r = await tokenRequest(
      `/${srv.info.tenantId}/oauth2/v2.0/token`,
      clientCredentials({ client_secret: "not-the-secret" }),
    );
    assert.equal(r.status, 401, r.text);
    assert.equal(r.json.error, "invalid_client");
    assert.match(r.json.error_description, /^AADSTS7000215: /);
    assert.deepEqual(r.json.error_codes, [7000215]);
    assert.equal(r.json.access_token, undefined);
  });

  test("an unknown client is 400 AADSTS700016", async () => {
    const r = await tokenRequest(
      `/${srv.info.tenantId}/oauth2/v2.0/token`,
      clientCredentials({ client_id: randomUUID() }),
    );
    assert.equal(r.status, 400, r.text);
    assert.equal(r.json.error, "unauthorized_client");
    assert.deepEqual(r.json.error_codes, [700016]);
  });

  test("an unknown tenant in the path is 400 AADSTS90002", async () => {
    const other = randomUUID();
    const r = await tokenRequest(`/${other}/oauth2/v2.0/token`, clientCredentials());
    assert.equal(r.status, 400, r.text);
    assert.equal(r.json.error, "invalid_tenant");
    assert.ok(r.json.error_description.includes(other), r.text);
    const d = await raw(srv.info, "GET", `/${other}/v2.0/.well-known/openid-configuration`);
    assert.equal(d.status, 400, d.text);
  });

  test("grants other than client_credentials are 400 unsupported_grant_type", async () => {
    for (const grant of ["password", "authorization_code", ""]) {
      const r = await tokenRequest(
        `/${srv.info.tenantId}/oauth2/v2.0/token`,
        clientCredentials({ grant_type: grant }),
      );
      assert.equal(r.status, 400, `${grant}: ${r.text}`);
      assert.equal(r.json.error, "unsupported_grant_type", grant);
      assert.equal(r.json.access_token, undefined);
    }
  });

  test("GET on the token endpoint is refused", async () => {
    const r = await raw(srv.info, "GET", `/${srv.info.tenantId}/oauth2/v2.0/token`);
    assert.equal(r.status, 405, r.text);
  });
});

/** A token request sent from another loopback address (127.0.0.2): its own source for the throttle. */
function tokenRequestFrom(localAddress: string, fields: Record<string, string>): Promise<RawResponse> {
  const body = form(fields);
  return new Promise((resolve, reject) => {
    const req = httpsRequest(
      {
        host: "127.0.0.1",
        port,
        localAddress,
        method: "POST",
        path: `/${srv.info.tenantId}/oauth2/v2.0/token`,
        ca: readFileSync(srv.info.caCert),
        headers: { ...FORM, "content-length": Buffer.byteLength(body) },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c) => chunks.push(c));
        res.on("end", () => {
          const text = Buffer.concat(chunks).toString("utf8");
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json: JSON.parse(text) });
        });
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

describe("token endpoint: malformed credentials, secrets, throttling", () => {
  test("a malformed Basic header is 400 invalid_request with Entra's error body, never 500", async () => {
    const b64 = (t: string) => Buffer.from(t, "utf8").toString("base64");
    for (const header of [
      "Basic",
      "Basic ",
      "Basic !!!not-base64!!!",
      `Basic ${b64("no-colon-here")}`,
      `Basic ${b64("%zz:%zz")}`,
      `Basic ${b64(`${srv.info.clientId}:%E0%A4%A`)}`,
      `Basic ${b64("a:b")} trailing`,
    ]) {
      const r = await tokenRequest(
        `/${srv.info.tenantId}/oauth2/v2.0/token`,
        { grant_type: "client_credentials", scope: "https://management.azure.com/.default" },
        { authorization: header },
      );
      assert.equal(r.status, 400, `${header}: ${r.text}`);
      assert.equal(r.json.error, "invalid_request", header);
      assert.match(r.json.error_description, /^AADSTS90014: /, header);
      assert.deepEqual(r.json.error_codes, [90014]);
    }
    // URL-encoded credentials in Basic (RFC 6749 §2.3.1) are decoded.
    const enc = b64(`${encodeURIComponent(srv.info.clientId)}:${encodeURIComponent(srv.info.clientSecret)}`);
    const ok = await tokenRequest(
      `/${srv.info.tenantId}/oauth2/v2.0/token`,
      { grant_type: "client_credentials", scope: "https://management.azure.com/.default" },
      { authorization: `Basic ${enc}` },
    );
    assert.equal(ok.status, 200, ok.text);
  });

  test("no client id at all is 400 AADSTS900144", async () => {
    const r = await tokenRequest(`/${srv.info.tenantId}/oauth2/v2.0/token`, {
      grant_type: "client_credentials",
      client_secret: "x",
    });
    assert.equal(r.status, 400, r.text);
    assert.deepEqual(r.json.error_codes, [900144]);
  });

  test("secrets of any length are compared without error: only the exact secret passes", async () => {
    const s = srv.info.clientSecret;
    for (const wrong of [
      "",
      s.slice(0, -1),
      `${s}x`,
      s.toUpperCase() === s ? s.toLowerCase() : s.toUpperCase(),
      "x".repeat(10_000),
    ]) {
      const r = await tokenRequest(
        `/${srv.info.tenantId}/oauth2/v2.0/token`,
        clientCredentials({ client_secret: wrong }),
      );
      assert.equal(r.status, 401, `${wrong.length} chars: ${r.text}`);
      assert.deepEqual(r.json.error_codes, [7000215]);
    }
    const ok = await tokenRequest(`/${srv.info.tenantId}/oauth2/v2.0/token`, clientCredentials());
    assert.equal(ok.status, 200, ok.text);
  });

  test("failed attempts are throttled per client and address: 429 with Retry-After, other addresses unaffected", async () => {
    const from = "127.0.0.2";
    const bad = clientCredentials({ client_secret: "guess" });
    const limit = SIGN_IN_LIMITS.failures;
    for (let i = 1; i < limit; i++) {
      const r = await tokenRequestFrom(from, bad);
      assert.equal(r.status, 401, `attempt ${i}: ${r.text}`);
    }
    const last = await tokenRequestFrom(from, bad);
    assert.equal(last.status, 429, last.text);
    assert.equal(last.headers["retry-after"], String(SIGN_IN_LIMITS.lockoutMs / 1000));
    assert.equal(last.json.error, "temporarily_unavailable");
    assert.deepEqual(last.json.error_codes, [50196]);
    assert.match(last.json.error_description, /^AADSTS50196: /);
    assert.equal(last.json.access_token, undefined);
    // Even the right secret is refused from there while the client is throttled...
    const right = await tokenRequestFrom(from, clientCredentials());
    assert.equal(right.status, 429, right.text);
    assert.ok(Number(right.headers["retry-after"]) > 0, "Retry-After says how long");
    // ...but not from another address, and another client from the same address is not affected.
    const elsewhere = await tokenRequestFrom("127.0.0.1", clientCredentials());
    assert.equal(elsewhere.status, 200, elsewhere.text);
    const other = await tokenRequestFrom(from, clientCredentials({ client_id: randomUUID() }));
    assert.equal(other.status, 400, other.text);
    assert.deepEqual(other.json.error_codes, [700016]);
  });

  test("the throttle's clock: a lockout ends after its time, a success clears the count", () => {
    let now = 0;
    const t = new SignInThrottle({ failures: 3, windowMs: 60_000, lockoutMs: 60_000 }, () => now);
    assert.equal(t.failed("app", "10.0.0.1"), 0);
    assert.equal(t.failed("app", "10.0.0.1"), 0);
    t.succeeded("app", "10.0.0.1");
    assert.equal(t.failed("app", "10.0.0.1"), 0, "the success cleared the earlier failures");
    assert.equal(t.failed("app", "10.0.0.1"), 0);
    assert.equal(t.failed("app", "10.0.0.1"), 60, "the third failure in the window locks");
    assert.equal(t.retryAfter("APP", "10.0.0.1"), 60, "client ids compare case-insensitively");
    assert.equal(t.retryAfter("app", "10.0.0.2"), 0, "another address is not locked");
    now += 59_001;
    assert.equal(t.retryAfter("app", "10.0.0.1"), 1);
    now += 1_000;
    assert.equal(t.retryAfter("app", "10.0.0.1"), 0, "the lockout ended");
    // Failures spread over more than a window do not add up.
    now += 120_000;
    assert.equal(t.failed("app", "10.0.0.1"), 0);
    assert.equal(t.failed("app", "10.0.0.1"), 0);
    now += 60_000;
    assert.equal(t.failed("app", "10.0.0.1"), 0, "a new window started");
  });
});

describe("OpenID discovery, JWKS and cloud metadata", () => {
  test("the tenant's v2.0 document has the four fields msal needs, on the origin the client used", async () => {
    for (const host of [`127.0.0.1:${port}`, `localhost:${port}`]) {
      const r = await raw(
        srv.info,
        "GET",
        `/${srv.info.tenantId}/v2.0/.well-known/openid-configuration`,
        undefined,
        { host },
      );
      assert.equal(r.status, 200, r.text);
      const origin = `https://${host}`;
      assert.equal(r.json.issuer, `${origin}/${srv.info.tenantId}/v2.0`);
      assert.equal(new URL(r.json.issuer).origin, origin);
      assert.equal(r.json.token_endpoint, `${origin}/${srv.info.tenantId}/oauth2/v2.0/token`);
      assert.equal(r.json.authorization_endpoint, `${origin}/${srv.info.tenantId}/oauth2/v2.0/authorize`);
      assert.ok(String(r.json.jwks_uri).startsWith(`${origin}/`), r.json.jwks_uri);
    }
  });

  test("the /adfs document (az 2.45 offline) names the /adfs token endpoint", async () => {
    const r = await raw(srv.info, "GET", "/adfs/.well-known/openid-configuration");
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.token_endpoint, `${srv.info.arm}/adfs/oauth2/v2.0/token`);
    assert.equal(r.json.authorization_endpoint, `${srv.info.arm}/adfs/oauth2/v2.0/authorize`);
    assert.equal(new URL(r.json.issuer).origin, srv.info.arm);
    assert.ok(r.json.jwks_uri);
  });

  test("JWKS publishes the public half of the signing key, and issued tokens verify with it", async () => {
    const d = await raw(srv.info, "GET", `/${srv.info.tenantId}/v2.0/.well-known/openid-configuration`);
    const r = await raw(srv.info, "GET", new URL(d.json.jwks_uri).pathname);
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.keys.length, 1);
    const k = r.json.keys[0];
    assert.equal(k.kty, "RSA");
    assert.equal(k.kid, serverJwk.kid);
    assert.equal(k.n, serverJwk.n);
    for (const secret of ["d", "p", "q", "dp", "dq", "qi"]) assert.equal(k[secret], undefined, secret);
    const t = await token(srv.info);
    const { payload } = await jwtVerify(t, createLocalJWKSet(r.json));
    assert.equal(payload.tid, srv.info.tenantId);
  });

  test("metadata/endpoints 2015-01-01 is an object whose loginEndpoint is this server's /adfs", async () => {
    for (const path of ["/metadata/endpoints", "//metadata/endpoints"]) {
      const r = await raw(srv.info, "GET", `${path}?api-version=2015-01-01`);
      assert.equal(r.status, 200, `${path}: ${r.text}`);
      assert.ok(!Array.isArray(r.json) && typeof r.json === "object", path);
      assert.equal(r.json.authentication.loginEndpoint, `${srv.info.arm}/adfs`);
      assert.match(r.json.authentication.loginEndpoint, /\/adfs$/);
      assert.ok(r.json.authentication.audiences.length >= 1);
      assert.ok(r.json.graphEndpoint);
      assert.ok(r.json.galleryEndpoint);
    }
  });

  test("metadata/endpoints 2022-09-01 is an array of clouds with suffixes", async () => {
    for (const path of ["/metadata/endpoints", "//metadata/endpoints"]) {
      const r = await raw(srv.info, "GET", `${path}?api-version=2022-09-01`);
      assert.equal(r.status, 200, `${path}: ${r.text}`);
      assert.ok(Array.isArray(r.json), path);
      const c = r.json[0];
      assert.equal(c.resourceManager, `${srv.info.arm}/`);
      assert.equal(c.authentication.loginEndpoint, `${srv.info.arm}/adfs`);
      assert.ok(c.authentication.audiences.length >= 1);
      assert.ok(c.name && c.graphAudience);
      assert.equal(typeof c.suffixes, "object");
      assert.ok(c.suffixes.storage && c.suffixes.keyVaultDns, JSON.stringify(c.suffixes));
    }
  });

  test("the real @azure/identity client gets tokens from the tenant and from the adfs authority", async () => {
    const r = await runScenario("auth-credentials", srv.info);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(r.result, { tenant: true, adfs: true, listed: true });
  });
});

describe("ARM bearer tokens", () => {
  test("no Authorization header is 401 AuthenticationFailed with a challenge", async () => {
    const r = await raw(srv.info, "GET", `${sub}/resourcegroups?api-version=${RG_VERSION}`);
    assert401(r, "AuthenticationFailed", "missing");
  });

  test("a malformed Authorization header is 401 AuthenticationFailed", async () => {
    const t = await token(srv.info);
    for (const h of [`Basic ${t}`, "Bearer", "Bearer ", `Bearer ${t} extra`, t]) {
      const r = await raw(srv.info, "GET", `${sub}/resourcegroups?api-version=${RG_VERSION}`, undefined, {
        authorization: h,
      });
      assert401(r, "AuthenticationFailed", `header '${h.slice(0, 20)}'`);
    }
  });

  test("garbage, a foreign key, alg none, HS256 and a tampered payload are 401 InvalidAuthenticationToken", async () => {
    const good = await token(srv.info);
    const { privateKey } = await generateKeyPair("RS256", { extractable: true });
    const foreign = { ...(await exportJWK(privateKey)), kid: serverJwk.kid };
    const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString("base64url");
    const claims = decodeJwt(good);
    const none = `${b64({ alg: "none", typ: "JWT" })}.${b64(claims)}.`;
    const hs = await new SignJWT(claims)
      .setProtectedHeader({ alg: "HS256", typ: "JWT", kid: serverJwk.kid })
      .sign(Buffer.from(JSON.stringify({ kty: "RSA", n: serverJwk.n, e: serverJwk.e })));
    const [h, , s] = good.split(".");
    const tampered = `${h}.${b64({ ...claims, appid: randomUUID() })}.${s}`;
    const cases: Array<[string, string, RegExp?]> = [
      ["garbage", "not-a-jwt"],
      ["foreign key", await forge({}, foreign), /signature/],
      ["alg none", none],
      ["HS256 with the public key", hs],
      ["tampered payload", tampered, /signature/],
    ];
    for (const [what, t, msg] of cases) {
      const r = await withBearer(t);
      assert401(r, "InvalidAuthenticationToken", what);
      if (msg) assert.match(r.json.error.message, msg, what);
    }
    // The good token still works after all that: nothing was cached for the bad ones.
    assert.equal((await withBearer(good)).status, 200);
  });

  test("a token signed with the server's key is accepted (the forging helper is sound)", async () => {
    const r = await withBearer(await forge({}));
    assert.equal(r.status, 200, r.text);
  });

  test("an expired token is 401 ExpiredAuthenticationToken", async () => {
    const now = Math.floor(Date.now() / 1000);
    const r = await withBearer(await forge({ iat: now - 7200, nbf: now - 7200, exp: now - 60 }));
    assert401(r, "ExpiredAuthenticationToken", "expired");
  });

  test("a token that expires while in use is refused from then on (verified tokens are not trusted past exp)", async () => {
    const exp = Math.floor(Date.now() / 1000) + 3;
    const t = await forge({ exp });
    assert.equal((await withBearer(t)).status, 200);
    assert.equal((await withBearer(t)).status, 200, "the second use (from the cache) works too");
    await new Promise((r) => setTimeout(r, Math.max(0, exp * 1000 + 300 - Date.now())));
    assert401(await withBearer(t), "ExpiredAuthenticationToken", "expired after use");
  });

  test("a token without exp, or not valid yet, is 401 InvalidAuthenticationToken", async () => {
    const now = Math.floor(Date.now() / 1000);
    assert401(await withBearer(await forge({ exp: undefined })), "InvalidAuthenticationToken", "no exp");
    assert401(
      await withBearer(await forge({ nbf: now + 600 })),
      "InvalidAuthenticationToken",
      "nbf in the future",
    );
  });

  test("a token for another audience is 401 InvalidAuthenticationTokenAudience", async () => {
    for (const aud of [
      "https://graph.windows.net/",
      "https://vault.azure.net",
      "https://management.azure.co/",
    ]) {
      assert401(await withBearer(await forge({ aud })), "InvalidAuthenticationTokenAudience", aud);
    }
    const viaEndpoint = await token(srv.info, "https://graph.windows.net/.default");
    assert401(await withBearer(viaEndpoint), "InvalidAuthenticationTokenAudience", "graph via endpoint");
  });

  test("the URL ARM listens on is an accepted audience; an audience named by the Host header is not", async () => {
    // What the SDKs ask for without credentialScopes: `<endpoint>/.default`.
    const own = await token(srv.info, `${srv.info.arm}/.default`);
    assert.equal(decodeJwt(own).aud, `${srv.info.arm}/`);
    assert.equal((await withBearer(own)).status, 200);
    // The names in the server's certificate, at its port, are its own too (configured at start).
    const viaLocalhost = await token(srv.info, `https://localhost:${port}/.default`);
    assert.equal((await withBearer(viaLocalhost)).status, 200);
    // An accepted audience does not depend on the Host a request names...
    const r = await raw(srv.info, "GET", `${sub}/resourcegroups?api-version=${RG_VERSION}`, undefined, {
      authorization: `Bearer ${own}`,
      host: `localhost:${port}`,
    });
    assert.equal(r.status, 200, r.text);
    // ...and a Host header never makes its own origin an audience.
    for (const host of ["localhost", `localhost:${port + 1}`, `127.0.0.1:${port + 1}`]) {
      const t = await forge({ aud: `https://${host}/` });
      const x = await raw(srv.info, "GET", `${sub}/resourcegroups?api-version=${RG_VERSION}`, undefined, {
        authorization: `Bearer ${t}`,
        host,
      });
      assert.equal(x.status, 401, `aud and Host ${host}: ${x.text}`);
      assert.equal(x.json.error.code, "InvalidAuthenticationTokenAudience", x.text);
    }
  });

  test("a token of an unknown tenant is 401 InvalidAuthenticationTokenTenant", async () => {
    const r = await withBearer(await forge({ tid: randomUUID() }));
    assert401(r, "InvalidAuthenticationTokenTenant", "other tenant");
  });

  test("a principal without access to the subscription is 403 AuthorizationFailed, and sees no subscriptions", async () => {
    const appid = randomUUID();
    const oid = randomUUID();
    const t = await forge({ appid, azp: appid, oid });
    const r = await withBearer(t);
    assert.equal(r.status, 403, r.text);
    assert.equal(r.json.error.code, "AuthorizationFailed");
    assert.ok(r.json.error.message.includes(appid), r.text);
    assert.ok(r.json.error.message.includes(srv.info.subscriptionId), r.text);
    assert.match(r.json.error.message, /No service principal with application id/, r.text);
    const one = await withBearer(t, "GET", `${sub}?api-version=${RG_VERSION}`);
    assert.equal(one.status, 403, one.text);
    const put = await withBearer(t, "PUT", `${sub}/resourcegroups/rg-forbidden?api-version=${RG_VERSION}`);
    assert.equal(put.status, 403, put.text);
    const list = await withBearer(t, "GET", `/subscriptions?api-version=2022-12-01`);
    assert.equal(list.status, 200, list.text);
    assert.deepEqual(list.json.value, []);
    const check = await arm(srv.info, "GET", `${sub}/resourcegroups/rg-forbidden?api-version=${RG_VERSION}`);
    assert.equal(check.status, 404, "the refused PUT stored nothing");
  });

  test("a refused write stores nothing", async () => {
    const path = `${sub}/resourcegroups/rg-unauthenticated?api-version=${RG_VERSION}`;
    const now = Math.floor(Date.now() / 1000);
    for (const t of ["bad", await forge({ exp: now - 5 }), await forge({ tid: randomUUID() })]) {
      const r = await withBearer(t, "PUT", path);
      assert.equal(r.status, 401, r.text);
    }
    const anonymous = await raw(srv.info, "PUT", path, { location: "eastus" });
    assert.equal(anonymous.status, 401);
    const check = await arm(srv.info, "GET", path);
    assert.equal(check.status, 404, check.text);
    assert.equal(check.json.error.code, "ResourceGroupNotFound");
  });
});

describe("transport", () => {
  test("plain HTTP to the port gets no answer (TLS only)", async () => {
    const outcome = await new Promise<string>((resolve) => {
      const req = httpRequest(
        { host: "127.0.0.1", port, path: `/metadata/endpoints?api-version=2015-01-01`, timeout: 10_000 },
        (res) => {
          res.resume();
          resolve(`status ${res.statusCode}`);
        },
      );
      req.on("timeout", () => req.destroy(new Error("timeout")));
      req.on("error", (e) => resolve(`error ${(e as NodeJS.ErrnoException).code ?? e.message}`));
      req.end();
    });
    assert.match(outcome, /^error (ECONNRESET|EPIPE)/, outcome);
    // The server is still fine afterwards.
    const r = await raw(srv.info, "GET", "/metadata/endpoints?api-version=2015-01-01");
    assert.equal(r.status, 200);
  });
});
