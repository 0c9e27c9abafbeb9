// Fuzzing the ARM front end of a real server: 100,000 mutated requests (bodies, headers, paths,
// api-versions, tokens) built from valid GET/PUT/PATCH/DELETE/POST requests on the reference
// world's resources. No request may get a 5xx or an error without ARM's envelope; requests that
// must be refused change nothing; the store changes only where an accepted write explains it; a
// legitimate client keeps getting 200s. Seeded: set ARCLINK_FUZZ_SEED to replay a run.
// Every request goes only to 127.0.0.1.

import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { Agent, request } from "node:https";
import { connect as tlsConnect } from "node:tls";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import Database from "better-sqlite3";
import { createRegistry } from "../src/providers/index.js";
import { arm, raw, token } from "./helpers/arm.js";
import { fuzzSeed, Rng } from "./helpers/fuzz.js";
import { startServer, type TestServer } from "./helpers/server.js";

const SEED = fuzzSeed();
const TOTAL = 100_000;
const IN_FLIGHT = 16;
const LAB_API = "2025-01-01";

console.log(`fuzz-arm seed ${SEED} (replay with ARCLINK_FUZZ_SEED=${SEED})`);

// ---------- raw requests on a keep-alive agent --------------------------------------------------

interface FuzzRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: Buffer | string;
  /** A mutation that must make the server refuse the request (bad token, api-version, JSON...). */
  mustRefuse: string | null;
  /** The resource the unmutated request addressed (lowercased id), for write accounting. */
  target: string;
  mutations: string[];
}

interface Reply {
  status: number;
  text: string;
}

let agent: Agent;
let ca: Buffer;
let base: URL;

function send(r: FuzzRequest): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: base.hostname,
        port: base.port,
        method: r.method,
        path: r.path,
        headers: r.headers,
        ca,
        agent,
        timeout: 60_000,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () =>
          resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString("utf8") }),
        );
        res.on("error", reject);
      },
    );
    req.on("error", reject);
    req.on("timeout", () => req.destroy(new Error("request timed out")));
    if (r.body !== undefined) req.end(r.body);
    else req.end();
  });
}

// ---------- the world's resources ---------------------------------------------------------------

interface Target {
  id: string;
  type: string;
  apiVersion: string;
  /** What a PUT sends back: the GET body without the read-only envelope. */
  putBody: Record<string, any>;
  etag?: string;
}

const SKIP_TYPES = /^ArcLink\.Identity\/|^Microsoft\.Resources\/subscriptions$|\/SOA$/i;

function storeRows(dataDir: string): Map<string, string> {
  const db = new Database(join(dataDir, "arclink.db"), { readonly: true, fileMustExist: true });
  try {
    const rows = db.prepare("SELECT key, rev, body FROM resources").all() as Array<{
      key: string;
      rev: number;
      body: string | null;
    }>;
    return new Map(rows.map((r) => [r.key.toLowerCase(), `${r.rev}:${r.body ?? "<deleted>"}`]));
  } finally {
    db.close();
  }
}

function diff(a: Map<string, string>, b: Map<string, string>): string[] {
  const keys = new Set([...a.keys(), ...b.keys()]);
  return [...keys].filter((k) => a.get(k) !== b.get(k)).sort();
}

// ---------- mutations ---------------------------------------------------------------------------

const UNICODE = ["é", "名前", "🙂", "\u202e", "\u0000", "\ud800", "ℌ", "İ", "\uffff", "a\u0301"];
const NAMES_ODD = [".", "..", "...", "-", "_", "a".repeat(300), "x".repeat(5000), "%", "a b", "CON", "名前"];

function randomJson(rng: Rng, depth = 0): unknown {
  switch (rng.int(depth > 2 ? 6 : 8)) {
    case 0:
      return null;
    case 1:
      return rng.chance(0.5);
    case 2:
      return rng.pick([0, -1, 1e308, -0, 3.5, 2 ** 53 + 1, 65536]);
    case 3:
      return rng.pick(["", "x", "10.0.0.0/8", "Enabled", "eastus", "/subscriptions/x", ...UNICODE]);
    case 4:
      return "s".repeat(rng.pick([256, 1000, 70_000]));
    case 5:
      return rng.pick([[], {}, [null], [""]]);
    case 6:
      return Array.from({ length: rng.range(1, 3) }, () => randomJson(rng, depth + 1));
    default: {
      const o: Record<string, unknown> = {};
      for (let i = rng.range(1, 3); i > 0; i--)
        o[rng.pick(["a", "_b", "properties", "id", "tags"])] = randomJson(rng, depth + 1);
      return o;
    }
  }
}

/** Every (object, key) pair inside `v`, to replace one of them. */
function slots(
  v: unknown,
  out: Array<[Record<string, any>, string]> = [],
  depth = 0,
): Array<[Record<string, any>, string]> {
  if (v !== null && typeof v === "object" && depth < 12) {
    for (const k of Object.keys(v)) {
      out.push([v as Record<string, any>, k]);
      slots((v as Record<string, any>)[k], out, depth + 1);
    }
  }
  return out;
}

function deepNest(n: number, open: string, close: string, inner = "1"): string {
  return open.repeat(n) + inner + close.repeat(n);
}

type BodyMut = (rng: Rng, body: any) => { text: string; mustRefuse?: string; name: string };

const BODY_MUTATIONS: BodyMut[] = [
  (rng, b) => {
    const s = slots(b);
    if (s.length) {
      const [o, k] = rng.pick(s);
      o[k] = randomJson(rng);
    }
    return { text: JSON.stringify(b), name: "wrong type" };
  },
  (rng, b) => {
    const s = slots(b);
    if (s.length) {
      const [o, k] = rng.pick(s);
      o[k] = null;
    }
    return { text: JSON.stringify(b), name: "null" };
  },
  (rng, b) => {
    const s = slots(b);
    const o = s.length && rng.chance(0.7) ? rng.pick(s)[0] : b;
    o[rng.pick(["_secret", "__proto__", "constructor", "extra", "Properties", "", "$ref", "a.b"])] =
      randomJson(rng);
    return { text: JSON.stringify(b), name: "extra key" };
  },
  (rng, b) => {
    const s = slots(b);
    if (s.length) {
      const [o, k] = rng.pick(s);
      o[k] = "h".repeat(rng.pick([10_000, 300_000]));
    }
    return { text: JSON.stringify(b), name: "huge string" };
  },
  (rng, b) => {
    const s = slots(b);
    if (s.length) {
      const [o, k] = rng.pick(s);
      o[k] = rng.pick(UNICODE).repeat(rng.range(1, 5));
    }
    return { text: JSON.stringify(b), name: "unicode" };
  },
  (rng, b) => {
    const n = rng.pick([100, 2_000, 20_000, 200_000]);
    const nested = rng.chance(0.5) ? deepNest(n, "[", "]") : deepNest(n, '{"a":', "}");
    const text = JSON.stringify(b).replace(/^\{/, `{"properties":${nested},`);
    return { text, name: `nesting ${n}` };
  },
  (rng, b) => {
    const t = JSON.stringify(b);
    return {
      text: t.slice(0, rng.int(Math.max(1, t.length - 1))),
      mustRefuse: "invalid JSON",
      name: "truncated JSON",
    };
  },
  (rng) => ({
    text: rng.pick(["{", "{'a':1}", "nul", "[1,]", '{"a":1}}', "\u0000", '{"a":"\\ud800"', "\uFEFF{}x"]),
    mustRefuse: "invalid JSON",
    name: "invalid JSON",
  }),
  (rng) => ({ text: rng.pick(["[]", "1", '"text"', "true", "null", "[{}]"]), name: "not an object" }),
  () => ({ text: "", name: "empty body" }),
  (rng, b) => {
    // Duplicate keys: JSON.parse keeps the last one.
    const t = JSON.stringify(b);
    return {
      text: t.replace(/^\{/, `{"location":${JSON.stringify(randomJson(rng))},`),
      name: "duplicate key",
    };
  },
];

const BAD_VERSIONS = [
  "",
  "x",
  "2013-01-01",
  "9999-99-99",
  "2025-01-01-preview-preview",
  "1",
  "2020-06-01;drop",
  "📅",
];

interface Tokens {
  good: string;
  bad: Array<[string, string]>;
}

function badTokens(good: string): Array<[string, string]> {
  const [h, p, s] = good.split(".");
  const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString("base64url");
  const payload = JSON.parse(Buffer.from(p, "base64url").toString("utf8"));
  return [
    ["missing", ""],
    ["truncated", `Bearer ${good.slice(0, good.length - 7)}`],
    ["alg none", `Bearer ${b64({ alg: "none", typ: "JWT" })}.${p}.`],
    ["HS256", `Bearer ${b64({ alg: "HS256", typ: "JWT" })}.${p}.${s}`],
    [
      "expired",
      `Bearer ${h}.${b64({ ...payload, exp: 1_000_000_000, nbf: 999_999_000, iat: 999_999_000 })}.${s}`,
    ],
    ["other audience", `Bearer ${h}.${b64({ ...payload, aud: "https://example.invalid/" })}.${s}`],
    ["garbage", "Bearer a.b.c"],
    ["two parts", `Bearer ${h}.${p}`],
    ["basic", "Basic dXNlcjpwYXNz"],
    ["bearer only", "Bearer "],
    ["huge", `Bearer ${"A".repeat(20_000)}`],
  ];
}

/** Percent-encode, double slashes, dots, case, long names: the path mutations. */
function mutatePath(rng: Rng, path: string): { path: string; name: string } {
  const q = path.indexOf("?");
  let p = path.slice(0, q);
  const query = path.slice(q);
  const segs = p.split("/");
  const i = rng.range(1, segs.length - 1);
  switch (rng.int(9)) {
    case 0:
      segs[i] = [...segs[i]]
        .map((c) => (rng.chance(0.5) ? `%${c.charCodeAt(0).toString(16).padStart(2, "0")}` : c))
        .join("");
      return { path: segs.join("/") + query, name: "percent-encoded" };
    case 1:
      return {
        path: segs.join("/").replace(/\//g, () => (rng.chance(0.3) ? "//" : "/")) + query,
        name: "double slashes",
      };
    case 2:
      segs.splice(i, 0, rng.pick([".", "..", "%2e%2e", "%2F"]));
      return { path: segs.join("/") + query, name: "dots" };
    case 3:
      p = rng.chance(0.5) ? p.toUpperCase() : p.toLowerCase();
      return { path: p + query, name: "case" };
    case 4:
      segs[segs.length - 1] = encodeURIComponent(rng.pick(NAMES_ODD));
      return { path: segs.join("/") + query, name: "odd name" };
    case 5:
      segs[i] = rng.pick(["%zz", "%", "%u0041", "%00", "%C0%AF", "%ff"]);
      return { path: segs.join("/") + query, name: "bad escape" };
    case 6:
      return { path: p + "/" + query, name: "trailing slash" };
    case 7:
      segs.push(rng.pick(["extra", "providers", "Microsoft.Network", "operations"]));
      return { path: segs.join("/") + query, name: "extra segment" };
    default:
      segs.splice(i, 1);
      return { path: segs.join("/") + query, name: "missing segment" };
  }
}

// ---------- building requests ---------------------------------------------------------------------

interface Base {
  method: string;
  path: string;
  body?: any;
  target: string;
  targetExists: boolean;
  etag?: string;
  apiVersion: string;
}

function baseRequest(rng: Rng, targets: Target[], sub: string): Base {
  const t = rng.pick(targets);
  const av = t.apiVersion;
  const target = t.id.toLowerCase();
  switch (rng.int(8)) {
    case 0:
    case 1:
      return { method: "GET", path: t.id, target, targetExists: true, apiVersion: av };
    case 2: {
      const parent = t.id.split("/").slice(0, -1).join("/");
      return {
        method: "GET",
        path: parent,
        target: parent.toLowerCase(),
        targetExists: false,
        apiVersion: av,
      };
    }
    case 3:
    case 4:
      return {
        method: "PUT",
        path: t.id,
        body: structuredClone(t.putBody),
        target,
        targetExists: true,
        etag: t.etag,
        apiVersion: av,
      };
    case 5:
      return {
        method: "PATCH",
        path: t.id,
        body: { tags: { fuzz: String(rng.int(3)) } },
        target,
        targetExists: true,
        etag: t.etag,
        apiVersion: av,
      };
    case 6:
      // DELETE of an existing resource always carries a stale If-Match (added below), or a name
      // that does not exist; a DELETE that is accepted must then change nothing.
      return { method: "DELETE", path: t.id, target, targetExists: true, etag: t.etag, apiVersion: av };
    default:
      return {
        method: "POST",
        path: `/subscriptions/${sub}/providers/ArcLink.Lab/resolve`,
        body: { resolver: "inbound", name: "gbl.his.arc.azure.com", type: "A" },
        target: "(resolve)",
        targetExists: false,
        apiVersion: LAB_API,
      };
  }
}

function fuzzRequest(rng: Rng, targets: Target[], sub: string, tokens: Tokens): FuzzRequest {
  const b = baseRequest(rng, targets, sub);
  const mutations: string[] = [];
  const headers: Record<string, string> = { authorization: `Bearer ${tokens.good}` };
  let apiVersion: string | null = encodeURIComponent(b.apiVersion);
  let bodyText = b.body === undefined ? undefined : JSON.stringify(b.body);
  let path = b.path;
  let pathMutated = false;
  let jsonBroken = false;
  /** The body holds a deep nest: later body mutations start again from the original body. */
  let deep = false;
  let apiBroken = false;
  let tokenBroken: string | null = null;
  // A DELETE of an existing resource always carries a stale If-Match, so the world keeps its
  // resources; a DELETE of a name that does not exist is accepted and changes nothing.
  const staleDelete = b.method === "DELETE" && rng.chance(0.5);
  if (staleDelete) headers["if-match"] = '"00000000-0000-0000-0000-000000000000"';
  else if (b.method === "DELETE") path = `${path}-absent-${rng.int(1000)}`;
  const n = rng.chance(0.6) ? 1 : rng.range(2, 3);
  for (let i = 0; i < n; i++) {
    switch (rng.int(5)) {
      case 0: {
        if (b.body === undefined) {
          bodyText = rng.pick(["{}", "{", "x".repeat(1000)]);
          mutations.push("body on a bodiless method");
          break;
        }
        let current: unknown;
        try {
          current = JSON.parse(bodyText ?? "");
        } catch {
          current = null;
        }
        // After an earlier body mutation the text may be no JSON object: mutate the original.
        if (deep || current === null || typeof current !== "object" || Array.isArray(current)) {
          current = structuredClone(b.body);
        }
        const m = rng.pick(BODY_MUTATIONS)(rng, current);
        bodyText = m.text;
        jsonBroken = m.mustRefuse !== undefined && m.text.length > 0;
        deep = m.name.startsWith("nesting");
        mutations.push(`body: ${m.name}`);
        break;
      }
      case 1: {
        const which = rng.int(6);
        let name: string;
        if (which === 0) {
          name = "content-type";
          headers[name] = rng.pick([
            "text/plain",
            "application/xml",
            "garbage",
            "multipart/form-data; boundary=x",
            "application/json; charset=utf-16",
          ]);
        } else if (which === 1 && !staleDelete) {
          name = "if-match";
          headers[name] = rng.pick(['"bogus"', 'W/"x"', "bogus-unquoted", "*"]);
        } else if (which === 2) {
          name = "if-none-match";
          headers[name] = rng.pick(["*", '"bogus"']);
        } else if (which === 3) {
          name = rng.pick([
            "x-ms-client-request-id",
            "x-ms-correlation-request-id",
            "x-ms-bogus",
            "x-ms-version",
            "x-ms-ratelimit-remaining-subscription-reads",
          ]);
          headers[name] = rng.pick(["", "x".repeat(4000), "not-a-guid", "-1", "%F0%9F%98%80"]);
        } else {
          name = "accept";
          headers[name] = rng.pick(["text/html", "*/*", "application/xml", ""]);
        }
        mutations.push(`header ${name}: ${headers[name].slice(0, 40)}`);
        break;
      }
      case 2: {
        const m = mutatePath(rng, `${path}?x`);
        path = m.path.slice(0, -2);
        pathMutated = true;
        mutations.push(`path: ${m.name}`);
        break;
      }
      case 3: {
        const k = rng.int(4);
        if (k === 0) {
          apiVersion = null;
          apiBroken = true;
        } else if (k === 1) {
          apiVersion = encodeURIComponent(rng.pick(BAD_VERSIONS));
          apiBroken = true;
        } else if (k === 2) {
          apiBroken = false;
          apiVersion = `${encodeURIComponent(b.apiVersion)}&api-version=${encodeURIComponent(rng.pick(BAD_VERSIONS))}`;
        } else {
          apiBroken = false;
          apiVersion = b.apiVersion.toUpperCase() + rng.pick(["", "%20", "+"]);
        }
        mutations.push(`api-version: ${apiVersion}`);
        break;
      }
      default: {
        const [name, value] = rng.pick(tokens.bad);
        if (value === "") delete headers.authorization;
        else headers.authorization = value;
        tokenBroken = name;
        mutations.push(`token: ${name}`);
      }
    }
  }
  // Why the server must refuse a write, whatever else was mutated.
  const sameTarget = !pathMutated;
  const exists = b.targetExists && !(b.method === "DELETE" && !staleDelete);
  const ifMatch = headers["if-match"];
  let mustRefuse: string | null = null;
  if (tokenBroken) mustRefuse = `token: ${tokenBroken}`;
  else if (apiBroken) mustRefuse = "missing or unknown api-version";
  else if (jsonBroken && (b.method === "PUT" || b.method === "PATCH")) mustRefuse = "invalid JSON";
  else if (staleDelete && sameTarget) mustRefuse = "stale If-Match";
  else if (sameTarget && exists && ifMatch !== undefined && ifMatch !== "*" && b.method !== "POST")
    mustRefuse = "If-Match that matches no ETag";
  else if (sameTarget && exists && b.method === "PUT" && headers["if-none-match"] === "*")
    mustRefuse = "If-None-Match * on an existing resource";
  // POST resolve reads the world and never writes it; GET neither.
  if (b.method === "GET" || b.method === "POST") mustRefuse = null;
  const query = apiVersion === null ? "" : `?api-version=${apiVersion}`;
  const out: Record<string, string> = { ...headers };
  if (bodyText !== undefined) {
    if (!("content-type" in out)) out["content-type"] = "application/json";
    out["content-length"] = String(Buffer.byteLength(bodyText));
  }
  return {
    method: b.method,
    path: path + query,
    headers: out,
    body: bodyText,
    mustRefuse,
    target: b.target,
    mutations,
  };
}

// ---------- checking replies ----------------------------------------------------------------------

const CODE = /^[A-Za-z][A-Za-z0-9.]*$/;

function describeReq(r: FuzzRequest): string {
  const body = r.body === undefined ? "" : ` body ${String(r.body).slice(0, 300)}`;
  return `${r.method} ${r.path.slice(0, 300)} [${r.mutations.join("; ")}]${body}`;
}

/** Returns a failure description, or null. */
function checkReply(r: FuzzRequest, res: Reply, codes: Map<string, number>): string | null {
  if (res.status >= 500) return `${res.status} for ${describeReq(r)}: ${res.text.slice(0, 500)}`;
  if (res.status >= 400) {
    let body: any;
    try {
      body = JSON.parse(res.text);
    } catch {
      return `${res.status} without a JSON body for ${describeReq(r)}: ${res.text.slice(0, 200)}`;
    }
    const e = body?.error;
    if (
      !e ||
      typeof e.code !== "string" ||
      !CODE.test(e.code) ||
      typeof e.message !== "string" ||
      !e.message
    ) {
      return `${res.status} without the ARM error envelope for ${describeReq(r)}: ${res.text.slice(0, 300)}`;
    }
    const k = `${res.status} ${e.code}`;
    codes.set(k, (codes.get(k) ?? 0) + 1);
    return null;
  }
  if (r.mustRefuse) return `${res.status} (accepted) although ${r.mustRefuse}: ${describeReq(r)}`;
  return null;
}

/** Changes to the store that an accepted write explains (its resource, children, parents, side effects). */
function explained(key: string, accepted: Set<string>): boolean {
  const sideEffects =
    /\/(networkinterfaces|privateendpointconnections|privatednszones\/[^/]+\/a|privateendpoints)\//;
  for (const t of accepted) {
    if (key === t || key.startsWith(`${t}/`) || t.startsWith(`${key}/`)) return true;
    if (
      /\/(privateendpoints|privatelinkscopes|privatednszonegroups)\//.test(`${t}/`) &&
      sideEffects.test(`${key}/`)
    )
      return true;
  }
  return false;
}

/** The resource a path addresses, as the server reads it (segments decoded when they can be). */
function normalizedPath(path: string): string {
  const p = "/" + path.split("?")[0].split("/").filter(Boolean).join("/");
  try {
    return p
      .split("/")
      .map((x) => decodeURIComponent(x))
      .join("/")
      .toLowerCase();
  } catch {
    return p.toLowerCase();
  }
}

// ---------- the test ---------------------------------------------------------------------------

describe("ARM fuzzing", { timeout: 900_000 }, () => {
  let srv: TestServer;
  let sub: string;
  let tokens: Tokens;
  let targets: Target[];

  before(async () => {
    srv = await startServer({ args: ["--topology", "examples/reference.yaml"] });
    ca = readFileSync(srv.info.caCert);
    base = new URL(srv.info.arm);
    agent = new Agent({ keepAlive: true, maxSockets: IN_FLIGHT, ca });
    sub = srv.info.subscriptionId;
    const good = await token(srv.info);
    tokens = { good, bad: badTokens(good) };
    const registry = createRegistry();
    targets = [];
    const db = new Database(join(srv.dataDir, "arclink.db"), { readonly: true });
    const rows = db.prepare("SELECT id, type FROM resources WHERE body IS NOT NULL").all() as Array<{
      id: string;
      type: string;
    }>;
    db.close();
    for (const row of rows) {
      if (SKIP_TYPES.test(row.type)) continue;
      const def = registry.type(row.type);
      assert.ok(def, `no registered type ${row.type}`);
      const apiVersion = def.apiVersions[def.apiVersions.length - 1];
      const r = await raw(srv.info, "GET", `${row.id}?api-version=${apiVersion}`, undefined, {
        authorization: `Bearer ${good}`,
      });
      assert.equal(r.status, 200, `GET ${row.id}: ${r.text}`);
      const { id: _i, name: _n, type: _t, etag, systemData: _s, ...putBody } = r.json;
      targets.push({ id: row.id, type: row.type, apiVersion, putBody, etag });
    }
    assert.ok(targets.length >= 20, `only ${targets.length} resources to fuzz`);
  });

  after(async () => {
    agent?.destroy();
    await srv?.stop();
  });

  it(`${TOTAL} mutated requests: no 5xx, ARM error envelopes, no change from refused requests`, async () => {
    const before = storeRows(srv.dataDir);
    const rng = new Rng(SEED);
    const failures: string[] = [];
    const codes = new Map<string, number>();
    const accepted = new Set<string>();
    const statuses = new Map<number, number>();
    let acceptedWrites = 0;
    let done = 0;
    let next = 0;

    // The legitimate client: GETs the private endpoint and the scope, expecting 200 each time.
    let running = true;
    const legit = { ok: 0, failed: [] as string[] };
    const pe = targets.find((t) => t.type === "Microsoft.Network/privateEndpoints")!;
    const pls = targets.find((t) => t.type === "Microsoft.HybridCompute/privateLinkScopes")!;
    const legitLoop = (async () => {
      while (running) {
        for (const t of [pe, pls]) {
          const r = await send({
            method: "GET",
            path: `${t.id}?api-version=${t.apiVersion}`,
            headers: { authorization: `Bearer ${tokens.good}` },
            mustRefuse: null,
            target: "",
            mutations: [],
          });
          if (r.status === 200) legit.ok++;
          else if (legit.failed.length < 10) legit.failed.push(`${r.status} ${r.text.slice(0, 200)}`);
        }
        await new Promise((res) => setTimeout(res, 250));
      }
    })();

    const started = process.hrtime.bigint();
    const worker = async () => {
      while (next < TOTAL) {
        next++;
        let r: FuzzRequest;
        try {
          r = fuzzRequest(rng, targets, sub, tokens);
        } catch (e) {
          if (failures.length < 30) failures.push(`the request generator failed: ${(e as Error).stack}`);
          continue;
        }
        let res: Reply;
        try {
          res = await send(r);
        } catch (e) {
          if (failures.length < 30)
            failures.push(`transport error ${(e as Error).message} for ${describeReq(r)}`);
          continue;
        }
        done++;
        statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
        const f = checkReply(r, res, codes);
        if (f && failures.length < 30) failures.push(f);
        if (res.status < 300 && r.method !== "GET") {
          acceptedWrites++;
          accepted.add(normalizedPath(r.path));
          accepted.add(r.target);
        }
      }
    };
    try {
      await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
    } finally {
      running = false;
      await legitLoop;
    }
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    const after = storeRows(srv.dataDir);
    const changed = diff(before, after);
    const unexplained = changed.filter((k) => !explained(k, accepted));
    console.log(
      `arm fuzz: seed ${SEED}, ${done} requests in ${seconds.toFixed(1)} s (${Math.round(done / seconds)}/s); ` +
        `statuses ${JSON.stringify(Object.fromEntries(statuses))}; accepted writes ${acceptedWrites} ` +
        `(${accepted.size} targets); store rows changed ${changed.length}; legitimate 200s ${legit.ok}`,
    );
    console.log(`error codes: ${JSON.stringify(Object.fromEntries([...codes].sort((a, b) => b[1] - a[1])))}`);
    assert.equal(srv.proc.exitCode, null, `the server exited:\n${srv.output()}`);
    assert.deepEqual(failures, [], `seed ${SEED}`);
    assert.equal(done, TOTAL);
    assert.deepEqual(unexplained, [], "store rows changed without an accepted write to explain them");
    assert.deepEqual(legit.failed, [], "the legitimate client was not served");
    assert.ok(legit.ok >= 4, `the legitimate client got only ${legit.ok} answers`);
    assert.doesNotMatch(srv.output(), /internal error/);
  });

  it("regression: headers over the parser's limit get 431 with ARM's error envelope", async () => {
    const beforeRows = storeRows(srv.dataDir);
    const pe = targets.find((t) => t.type === "Microsoft.Network/privateEndpoints")!;
    const r = await raw(srv.info, "DELETE", `${pe.id}?api-version=${pe.apiVersion}`, undefined, {
      authorization: `Bearer ${"A".repeat(20_000)}`,
    });
    assert.equal(r.status, 431, r.text);
    assert.equal(r.json?.error?.code, "RequestHeaderFieldsTooLarge", r.text);
    assert.match(r.json?.error?.message ?? "", /shorter headers/);
    assert.deepEqual(diff(beforeRows, storeRows(srv.dataDir)), []);
  });

  it("regression: a malformed HTTP request gets 400 with ARM's error envelope", async () => {
    const text = await new Promise<string>((resolve, reject) => {
      const sock = tlsConnect({ host: base.hostname, port: Number(base.port), ca }, () => {
        sock.write("GET /subscriptions HTTP/1.1\r\nHost: x\r\nBad Header Line\r\n\r\n");
      });
      let out = "";
      sock.setTimeout(30_000, () => sock.destroy(new Error("no reply in 30 s")));
      sock.on("data", (d) => (out += d));
      sock.on("end", () => resolve(out));
      sock.on("error", reject);
    });
    assert.match(text, /^HTTP\/1\.1 400 /, text);
    const body = JSON.parse(text.slice(text.indexOf("\r\n\r\n") + 4));
    assert.equal(body.error.code, "BadRequest", text);
  });

  it("regression: a body nested 20,000 levels deep is 400 InvalidRequestContent, not 500", async () => {
    const rec = targets.find((t) => t.type === "Microsoft.Network/privateDnsZones/A")!;
    const beforeRows = storeRows(srv.dataDir);
    const path = `${rec.id}?api-version=${rec.apiVersion}`;
    for (const method of ["PATCH", "PUT"]) {
      const body = `{"properties":${deepNest(20_000, '{"a":', "}")}}`;
      const r = await arm(srv.info, method, path, body);
      assert.equal(r.status, 400, `${method}: ${r.text}`);
      assert.equal(r.json?.error?.code, "InvalidRequestContent", r.text);
      assert.match(r.json.error.message, /more than 64 levels/);
    }
    assert.deepEqual(diff(beforeRows, storeRows(srv.dataDir)), []);
    const get = await arm(srv.info, "GET", path);
    assert.equal(get.status, 200, get.text);
  });

  it("a refused write changes nothing (snapshot before and after)", async () => {
    const pe = targets.find((t) => t.type === "Microsoft.Network/privateEndpoints")!;
    const beforeRows = storeRows(srv.dataDir);
    const path = `${pe.id}?api-version=${pe.apiVersion}`;
    const refused = [
      await arm(srv.info, "PUT", path, "{", {}),
      await arm(srv.info, "PUT", path, pe.putBody, { "if-match": '"bogus"' }),
      await arm(srv.info, "DELETE", path, undefined, { "if-match": '"bogus"' }),
      await raw(srv.info, "PUT", path, pe.putBody, { authorization: "Bearer a.b.c" }),
      await arm(srv.info, "PUT", `${pe.id}?api-version=2015-01-01`, pe.putBody),
    ];
    assert.deepEqual(
      refused.map((r) => r.status),
      [400, 412, 412, 401, 400],
      refused.map((r) => r.text).join("\n"),
    );
    assert.deepEqual(diff(beforeRows, storeRows(srv.dataDir)), []);
    const get = await arm(srv.info, "GET", path);
    assert.equal(get.status, 200);
  });
});
