// Every route × every kind of principal, through real HTTPS against a server started on port 0
// with the reference topology: a service principal gets the route's answer; a token of another
// tenant, a host's credential, a machine's credential and no credential are refused on every ARM
// route, the ArcLink.Lab actions (the virtual clock) included, whatever Host header the request
// names and whichever way it comes (directly, or through the gateway with the outer Host spoofed).
// Host and machine credentials reach only the gateway and the services a machine calls there.
// Refused calls change nothing: the clock is read before and after each of them.
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { request } from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randomUUID } from "node:crypto";
import { after, before, describe, it } from "node:test";
import Database from "better-sqlite3";
import { importJWK, JWK, SignJWT } from "jose";
import { arm, raw, RawResponse, token } from "./helpers/arm.js";
import { connectArgs, hostCredential, hostEnv, LAB, runAgent, scopeIdOf } from "./helpers/agent.js";
import { ROOT, startServer, type TestServer } from "./helpers/server.js";

const T = { timeout: 300_000 };
const RES = "api-version=2022-12-01";
const HC = "api-version=2024-07-10";
const CLOCK = `/providers/ArcLink.Lab/clock?${LAB}`;
const ADVANCE = `/providers/ArcLink.Lab/clock/advance?${LAB}`;

let srv: TestServer;
let tmp: string;
let sub: string;
/** The bearer token of each kind of principal ("none" has no header). */
const bearer: Record<string, string | undefined> = {};
/** The server's signing key, read from its data folder: to sign tokens no endpoint would issue. */
let serverJwk: JWK;
let hostToken: string;
let machineCredential: string;
let hisAddress: string;
let armAddress: string;

/** HTTPS with any Host header (TLS still checks the server's certificate for 'localhost'). */
function withHost(
  method: string,
  path: string,
  host: string,
  headers: Record<string, string>,
  body?: object,
): Promise<RawResponse> {
  const url = new URL(srv.info.arm);
  const payload = body === undefined ? undefined : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: url.hostname,
        port: url.port,
        method,
        path,
        servername: "localhost",
        ca: readFileSync(srv.info.caCert),
        headers: { ...headers, host, ...(payload ? { "content-type": "application/json" } : {}) },
        timeout: 30_000,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c) => chunks.push(c));
        res.on("end", () => {
          const text = Buffer.concat(chunks).toString("utf8");
          let json: any;
          try {
            json = text ? JSON.parse(text) : undefined;
          } catch {
            json = undefined;
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json });
        });
      },
    );
    req.on("error", reject);
    if (payload) req.write(payload);
    req.end();
  });
}

async function forge(claims: Record<string, unknown>): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  const body: Record<string, unknown> = {
    aud: "https://management.azure.com/",
    iss: `https://sts.windows.net/${srv.info.tenantId}/`,
    iat: now - 10,
    nbf: now - 10,
    exp: now + 3600,
    tid: srv.info.tenantId,
    oid: randomUUID(),
    appid: srv.info.clientId,
    idtyp: "app",
    ver: "1.0",
    ...claims,
  };
  return new SignJWT(body)
    .setProtectedHeader({ alg: "RS256", typ: "JWT", kid: serverJwk.kid })
    .sign(await importJWK(serverJwk, "RS256"));
}

const auth = (who: string): Record<string, string> =>
  bearer[who] ? { authorization: `Bearer ${bearer[who]}` } : {};

async function clockOffset(): Promise<number> {
  const r = await arm(srv.info, "GET", CLOCK);
  assert.equal(r.status, 200, r.text);
  return r.json.offsetMs;
}

before(async () => {
  srv = await startServer({ args: ["--topology", join(ROOT, "examples/reference.yaml")] });
  sub = `/subscriptions/${srv.info.subscriptionId}`;
  tmp = mkdtempSync(join(tmpdir(), "arclink-routes-"));
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
  const env = await hostEnv(srv, tmp, "srv-lnx-01");
  const c = await runAgent(
    connectArgs(srv, "routes-a", "eastus", ["--private-link-scope", scopeIdOf(srv, "pls-arc")]),
    env,
  );
  assert.equal(c.code, 0, c.all);
  machineCredential = JSON.parse(
    readFileSync(join(env.AZCMAGENT_HOME, "state.json"), "utf8"),
  ).machineCredential;
  assert.ok(machineCredential, "the agent holds a machine credential after connect");
  hostToken = (await hostCredential(srv, "srv-lnx-01")).token;
  const resolveAs = async (name: string) => {
    const r = await arm(srv.info, "POST", `${sub}/providers/ArcLink.Lab/resolve?${LAB}`, {
      host: "srv-lnx-01",
      name,
    });
    assert.equal(r.status, 200, r.text);
    return r.json.answers.find((a: any) => a.type === "A").data as string;
  };
  hisAddress = await resolveAs("eus.his.arc.azure.com");
  armAddress = await resolveAs("management.azure.com");
  bearer["service principal"] = await token(srv.info);
  bearer["other tenant"] = await forge({ tid: randomUUID() });
  bearer["host"] = hostToken;
  bearer["machine"] = machineCredential;
  bearer["none"] = undefined;
  // A host's credential as if it had been issued for ARM: only the server's key could sign it.
  bearer["host (ARM audience)"] = await forge({ idtyp: "host", act_as: "srv-lnx-01", appid: undefined });
});

after(async () => {
  await srv?.stop();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

interface Route {
  method: string;
  path: string;
  body?: object;
  /** The service principal's status: the route's own answer. */
  sp: number;
}

function routes(): Route[] {
  const rg = `${sub}/resourcegroups/rg-routes`;
  const scope = `${rg}/providers/Microsoft.HybridCompute/privateLinkScopes/pls-routes`;
  const lab = `${sub}/providers/ArcLink.Lab`;
  return [
    { method: "GET", path: `/tenants?${RES}`, sp: 200 },
    { method: "GET", path: `/subscriptions?${RES}`, sp: 200 },
    { method: "GET", path: `${sub}?${RES}`, sp: 200 },
    { method: "GET", path: `${sub}/locations?${RES}`, sp: 200 },
    { method: "GET", path: `${sub}/providers?${RES}`, sp: 200 },
    { method: "GET", path: `${sub}/providers/Microsoft.HybridCompute?${RES}`, sp: 200 },
    { method: "POST", path: `${sub}/providers/Microsoft.HybridCompute/register?${RES}`, sp: 200 },
    { method: "GET", path: `${sub}/resources?${RES}`, sp: 200 },
    { method: "GET", path: `${sub}/resourcegroups?${RES}`, sp: 200 },
    { method: "PUT", path: `${rg}?${RES}`, body: { location: "eastus" }, sp: 201 },
    { method: "GET", path: `${rg}?${RES}`, sp: 200 },
    { method: "HEAD", path: `${rg}?${RES}`, sp: 204 },
    { method: "GET", path: `${rg}/resources?${RES}`, sp: 200 },
    {
      method: "PUT",
      path: `${scope}?${HC}`,
      body: { location: "eastus", properties: { publicNetworkAccess: "Disabled" } },
      sp: 201,
    },
    { method: "PATCH", path: `${scope}?${HC}`, body: { tags: { team: "net" } }, sp: 200 },
    { method: "GET", path: `${scope}?${HC}`, sp: 200 },
    { method: "GET", path: `${rg}/providers/Microsoft.HybridCompute/privateLinkScopes?${HC}`, sp: 200 },
    { method: "GET", path: `${sub}/providers/Microsoft.HybridCompute/machines?${HC}`, sp: 200 },
    // The scope's validation details by its guid (a location-scoped route): 404 for an unknown guid.
    {
      method: "GET",
      path: `${sub}/providers/Microsoft.HybridCompute/locations/eastus/privateLinkScopes/${randomUUID()}?${HC}`,
      sp: 404,
    },
    // An operation id this server never issued.
    { method: "GET", path: `${sub}/providers/Microsoft.HybridCompute/operations/x.y?${HC}`, sp: 404 },
    { method: "GET", path: CLOCK, sp: 200 },
    { method: "POST", path: ADVANCE, body: { milliseconds: 1000 }, sp: 200 },
    {
      method: "POST",
      path: `${lab}/resolve?${LAB}`,
      body: { host: "srv-lnx-01", name: "eus.his.arc.azure.com" },
      sp: 200,
    },
    { method: "GET", path: `${lab}/resolvers?${LAB}`, sp: 200 },
    { method: "POST", path: `${lab}/check?${LAB}`, body: { host: "srv-lnx-01" }, sp: 200 },
    { method: "POST", path: `${lab}/lint?${LAB}`, body: {}, sp: 200 },
    {
      method: "POST",
      path: `${lab}/whatIf?${LAB}`,
      body: { delete: { id: scopeIdOf(srv, "pls-arc") } },
      sp: 200,
    },
    { method: "POST", path: `${lab}/hostCredentials?${LAB}`, body: { host: "srv-win-01" }, sp: 200 },
    // The options are checked after the caller: a body without them is the route's own 400.
    { method: "POST", path: `${lab}/onboardingScripts?${LAB}`, body: {}, sp: 400 },
    { method: "POST", path: `${lab}/fleet?${LAB}`, body: { machines: 0 }, sp: 400 },
    { method: "GET", path: `${lab}/fleetOperations?${LAB}`, sp: 200 },
    // Snapshots of the whole lab (a restore puts back the world as saved just before).
    { method: "PUT", path: `/providers/ArcLink.Lab/snapshots/s1?${LAB}`, sp: 201 },
    { method: "GET", path: `/providers/ArcLink.Lab/snapshots?${LAB}`, sp: 200 },
    { method: "POST", path: `/providers/ArcLink.Lab/snapshots/s1/restore?${LAB}`, sp: 200 },
    { method: "DELETE", path: `/providers/ArcLink.Lab/snapshots/s1?${LAB}`, sp: 200 },
    { method: "DELETE", path: `${scope}?${HC}`, sp: 202 },
  ];
}

/** What each refused kind of principal gets on every ARM route: status and ARM's code. */
const REFUSED: Record<string, [number, string]> = {
  "other tenant": [401, "InvalidAuthenticationTokenTenant"],
  host: [401, "InvalidAuthenticationTokenAudience"],
  machine: [401, "InvalidAuthenticationTokenAudience"],
  none: [401, "AuthenticationFailed"],
  "host (ARM audience)": [401, "InvalidAuthenticationToken"],
};

describe("every ARM route × every kind of principal", () => {
  it(
    "a service principal gets each route's answer; every other principal is refused and changes nothing",
    T,
    async () => {
      const table: string[] = [];
      for (const rt of routes()) {
        const row: string[] = [];
        for (const [who, [status, code]] of Object.entries(REFUSED)) {
          const before = await clockOffset();
          const r = await raw(srv.info, rt.method, rt.path, rt.body, auth(who));
          assert.equal(r.status, status, `${rt.method} ${rt.path} as ${who}: ${r.text}`);
          if (rt.method !== "HEAD")
            assert.equal(r.json?.error?.code, code, `${rt.method} ${rt.path} as ${who}`);
          // The same credential with a Host header naming the gateway: refused alike.
          const g = await withHost(rt.method, rt.path, "gateway.arclink.local", auth(who), rt.body);
          assert.equal(
            g.status,
            status,
            `${rt.method} ${rt.path} as ${who}, Host gateway.arclink.local: ${g.text}`,
          );
          assert.equal(await clockOffset(), before, `${rt.method} ${rt.path} as ${who} moved the clock`);
          row.push(`${who} ${r.status}`);
        }
        const r = await raw(srv.info, rt.method, rt.path, rt.body, auth("service principal"));
        assert.equal(r.status, rt.sp, `${rt.method} ${rt.path} as the service principal: ${r.text}`);
        table.push(`${rt.method} ${rt.path.split("?")[0]}: service principal ${r.status}, ${row.join(", ")}`);
      }
      // The table, for the record (node --test prints diagnostics).
      for (const line of table) console.log(line);
    },
  );

  it(
    "a host credential cannot advance the clock: directly, with Host: gateway.arclink.local, or through the gateway with a spoofed outer Host",
    T,
    async () => {
      const before = await clockOffset();
      const tenYears = { milliseconds: 10 * 365 * 86_400_000 };
      const direct = await raw(srv.info, "POST", ADVANCE, tenYears, { authorization: `Bearer ${hostToken}` });
      assert.equal(direct.status, 401, direct.text);
      assert.equal(direct.json.error.code, "InvalidAuthenticationTokenAudience");
      const spoofed = await withHost(
        "POST",
        ADVANCE,
        "gateway.arclink.local",
        { authorization: `Bearer ${hostToken}` },
        tenYears,
      );
      assert.equal(spoofed.status, 401, spoofed.text);
      assert.equal(spoofed.json.error.code, "InvalidAuthenticationTokenAudience");
      // Through the gateway: the host dials ARM's address with its own credential as the ARM token.
      for (const outer of [
        "gateway.arclink.local",
        "management.azure.com",
        `127.0.0.1:${new URL(srv.info.arm).port}`,
      ]) {
        /** The gateway dial to ARM's address, with `armCredential` where the ARM token goes. */
        const dialArm = (armCredential: string) =>
          withHost(
            "POST",
            `/.gateway/dial${ADVANCE}`,
            outer,
            {
              authorization: `Bearer ${hostToken}`,
              "x-arclink-dial": `${armAddress}:443`,
              "x-arclink-server-name": "management.azure.com",
              "x-arclink-agent-version": "1.45",
              "x-arclink-authorization": `Bearer ${armCredential}`,
            },
            tenYears,
          );
        const via = await dialArm(hostToken);
        assert.equal(via.status, 401, `outer Host ${outer}: ${via.text}`);
        assert.equal(via.json.error.code, "InvalidAuthenticationTokenAudience", via.text);
        // A machine credential in the same place: refused too.
        const m = await dialArm(machineCredential);
        assert.equal(m.status, 401, `outer Host ${outer}, machine credential: ${m.text}`);
      }
      assert.equal(await clockOffset(), before, "the clock did not move");
      // The gateway relays ARM for a service principal's token: the path is open, only the credential was wrong.
      const sp = await withHost("GET", `/.gateway/dial${CLOCK}`, "gateway.arclink.local", {
        authorization: `Bearer ${hostToken}`,
        "x-arclink-dial": `${armAddress}:443`,
        "x-arclink-server-name": "management.azure.com",
        "x-arclink-agent-version": "1.45",
        "x-arclink-authorization": `Bearer ${bearer["service principal"]}`,
      });
      assert.equal(sp.status, 200, sp.text);
      assert.equal(sp.json.offsetMs, before);
    },
  );

  it(
    "a service principal that is not in the directory cannot advance the clock (403), though it may read it",
    T,
    async () => {
      const stranger = await forge({ appid: randomUUID() });
      const before = await clockOffset();
      const r = await raw(
        srv.info,
        "POST",
        ADVANCE,
        { milliseconds: 1000 },
        { authorization: `Bearer ${stranger}` },
      );
      assert.equal(r.status, 403, r.text);
      assert.equal(r.json.error.code, "AuthorizationFailed");
      const read = await raw(srv.info, "GET", CLOCK, undefined, { authorization: `Bearer ${stranger}` });
      assert.equal(read.status, 200, read.text);
      assert.equal(await clockOffset(), before, "the clock did not move");
    },
  );

  it("a token issued for https://graph.windows.net/ does not pass ARM, whatever the Host", T, async () => {
    const graph = await token(srv.info, "https://graph.windows.net/.default");
    for (const host of [undefined, "graph.windows.net", "gateway.arclink.local"]) {
      const r = host
        ? await withHost("GET", `/subscriptions?${RES}`, host, { authorization: `Bearer ${graph}` })
        : await raw(srv.info, "GET", `/subscriptions?${RES}`, undefined, {
            authorization: `Bearer ${graph}`,
          });
      assert.equal(r.status, 401, `${host}: ${r.text}`);
      assert.equal(r.json.error.code, "InvalidAuthenticationTokenAudience");
    }
  });

  it("a token with another issuer, or signed under an unknown key id, is refused", T, async () => {
    for (const iss of [
      `${srv.info.arm}/${srv.info.tenantId}/v2.0`,
      "https://gateway.arclink.local/",
      `https://sts.windows.net/${randomUUID()}/`,
      "https://his.arc.azure.com",
    ]) {
      const r = await raw(srv.info, "GET", `/subscriptions?${RES}`, undefined, {
        authorization: `Bearer ${await forge({ iss })}`,
      });
      assert.equal(r.status, 401, `${iss}: ${r.text}`);
      assert.equal(r.json.error.code, "InvalidAuthenticationTokenIssuer", r.text);
    }
    const priv = await importJWK(serverJwk, "RS256");
    for (const kid of [randomUUID(), undefined]) {
      const now = Math.floor(Date.now() / 1000);
      const t = await new SignJWT({
        aud: "https://management.azure.com/",
        iss: `https://sts.windows.net/${srv.info.tenantId}/`,
        tid: srv.info.tenantId,
        appid: srv.info.clientId,
        idtyp: "app",
      })
        .setProtectedHeader(kid ? { alg: "RS256", kid } : { alg: "RS256" })
        .setIssuedAt(now)
        .setExpirationTime(now + 600)
        .sign(priv);
      const r = await raw(srv.info, "GET", `/subscriptions?${RES}`, undefined, {
        authorization: `Bearer ${t}`,
      });
      assert.equal(r.status, 401, `kid ${kid}: ${r.text}`);
      assert.equal(r.json.error.code, "InvalidAuthenticationToken");
      assert.match(r.json.error.message, /key id/, r.text);
    }
    // The same claims under the server's key id pass: only the key id differed.
    assert.equal(
      (await raw(srv.info, "GET", `/subscriptions?${RES}`, undefined, auth("service principal"))).status,
      200,
    );
  });
});

describe("the token endpoint through the gateway", () => {
  it(
    "counts failed sign-ins against the simulated host's address: one host throttled, another not, nor 127.0.0.1",
    T,
    async () => {
      const hostB = (await hostCredential(srv, "srv-win-01")).token;
      const entraOf = async (host: string) => {
        const r = await arm(srv.info, "POST", `${sub}/providers/ArcLink.Lab/resolve?${LAB}`, {
          host,
          name: "login.microsoftonline.com",
        });
        assert.equal(r.status, 200, r.text);
        return r.json.answers.find((x: any) => x.type === "A").data as string;
      };
      const signIn = async (outer: string, address: string, secret: string) =>
        raw(
          srv.info,
          "POST",
          `/.gateway/dial/${srv.info.tenantId}/oauth2/v2.0/token`,
          new URLSearchParams({
            grant_type: "client_credentials",
            client_id: srv.info.clientId,
            client_secret: secret,
            scope: "https://management.azure.com/.default",
          }).toString(),
          {
            authorization: `Bearer ${outer}`,
            "content-type": "application/x-www-form-urlencoded",
            "x-arclink-dial": `${address}:443`,
            "x-arclink-server-name": "login.microsoftonline.com",
            "x-arclink-agent-version": "1.45",
            "x-arclink-purpose": "onboard",
          },
        );
      const a = await entraOf("srv-lnx-01");
      const b = await entraOf("srv-win-01");
      let last: RawResponse | undefined;
      for (let i = 0; i < 10; i++) last = await signIn(hostToken, a, `wrong-${i}`);
      assert.equal(last!.status, 429, last!.text);
      assert.ok(Number(last!.headers["retry-after"]) > 0);
      assert.deepEqual(last!.json.error_codes, [50196]);
      const right = await signIn(hostToken, a, srv.info.clientSecret);
      assert.equal(right.status, 429, `srv-lnx-01 stays throttled: ${right.text}`);
      const other = await signIn(hostB, b, srv.info.clientSecret);
      assert.equal(other.status, 200, `srv-win-01 is another address: ${other.text}`);
      assert.ok((await token(srv.info)).length > 0, "127.0.0.1 itself is another address");
    },
  );
});

describe("malformed Authorization headers", () => {
  const MALFORMED = [
    "Bearer",
    "Bearer ",
    "Bearer a b",
    "Bearer not.a.jwt",
    "Bearer ...",
    "Basic Og==",
    "Basic !!",
    "Negotiate abc",
    "bearer",
  ];

  it("get 401 with an error body on ARM, at the gateway and at HIS, never 500", T, async () => {
    for (const header of MALFORMED) {
      const a = await raw(srv.info, "POST", ADVANCE, { milliseconds: 1000 }, { authorization: header });
      assert.equal(a.status, 401, `ARM '${header}': ${a.text}`);
      assert.match(
        String(a.json?.error?.code),
        /^(AuthenticationFailed|InvalidAuthenticationToken)$/,
        a.text,
      );
      const g = await raw(srv.info, "GET", "/.gateway/host", undefined, { authorization: header });
      assert.equal(g.status, 401, `gateway '${header}': ${g.text}`);
      assert.equal(g.json?.error?.code, "InvalidHostCredential", g.text);
      const h = await raw(
        srv.info,
        "POST",
        "/.gateway/dial/machines/heartbeat",
        {},
        {
          authorization: `Bearer ${hostToken}`,
          "x-arclink-dial": `${hisAddress}:443`,
          "x-arclink-server-name": "eus.his.arc.azure.com",
          "x-arclink-agent-version": "1.45",
          "x-arclink-purpose": "heartbeat",
          "x-arclink-authorization": header,
        },
      );
      assert.equal(h.status, 401, `HIS '${header}': ${h.text}`);
      assert.equal(h.json?.error?.code, "InvalidMachineCredential", h.text);
    }
  });
});

describe("the gateway and the services a machine calls × every kind of principal", () => {
  const heartbeat = (outer: string | undefined, inner: string | undefined) =>
    raw(
      srv.info,
      "POST",
      "/.gateway/dial/machines/heartbeat",
      {},
      {
        ...(outer ? { authorization: `Bearer ${outer}` } : {}),
        "x-arclink-dial": `${hisAddress}:443`,
        "x-arclink-server-name": "eus.his.arc.azure.com",
        "x-arclink-agent-version": "1.45",
        "x-arclink-purpose": "heartbeat",
        ...(inner ? { "x-arclink-authorization": `Bearer ${inner}` } : {}),
      },
    );

  it("only a host credential opens the gateway", T, async () => {
    const expected: Record<string, number> = {
      "service principal": 401,
      "other tenant": 401,
      host: 200,
      machine: 401,
      none: 401,
      "host (ARM audience)": 401,
    };
    for (const [who, status] of Object.entries(expected)) {
      const r = await raw(srv.info, "GET", "/.gateway/host", undefined, auth(who));
      assert.equal(r.status, status, `${who}: ${r.text}`);
      if (status === 401) assert.equal(r.json.error.code, "InvalidHostCredential", `${who}: ${r.text}`);
    }
  });

  it("only a machine credential heartbeats, and only through a host credential", T, async () => {
    const expected: Record<string, number> = {
      "service principal": 401,
      "other tenant": 401,
      host: 401,
      machine: 200,
      none: 401,
      "host (ARM audience)": 401,
    };
    for (const [who, status] of Object.entries(expected)) {
      const r = await heartbeat(hostToken, bearer[who]);
      assert.equal(r.status, status, `${who} as the machine: ${r.text}`);
      if (status === 401) assert.equal(r.json.error.code, "InvalidMachineCredential", r.text);
    }
    // The machine credential as the outer (host) credential opens nothing.
    const r = await heartbeat(machineCredential, machineCredential);
    assert.equal(r.status, 401, r.text);
    assert.equal(r.json.error.code, "InvalidHostCredential");
  });
});
