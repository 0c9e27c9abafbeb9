// Sign-in throttling across replicas: two `arclink serve` replicas on one PostgreSQL database count
// a client's failed attempts from an address together, so alternating between them gains nothing:
// the attempt that reaches the limit (whichever replica takes it) gets Entra's 429 AADSTS50196
// with Retry-After, and both replicas then refuse even the right secret from that address, while
// another address is unaffected; a success through one replica clears the count on the other.
// Raced too: `limit` failed attempts sent at the same instant, half through each replica, with
// busy-looping processes beside them, give exactly limit - 1 ordinary answers and one 429 every
// round (counted per replica, none would be throttled). ARCLINK_TEST_POSTGRES_URL must be set.
import assert from "node:assert/strict";
import { ChildProcess, spawn } from "node:child_process";
import { cpSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { request as httpsRequest } from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { ensurePki } from "../src/core/pki.js";
import { SIGN_IN_LIMITS } from "../src/frontends/identity/signInThrottle.js";
import { RawResponse } from "./helpers/arm.js";
import { createDatabase, TestDatabase } from "./helpers/postgres.js";
import { startServer, TestServer } from "./helpers/server.js";

const T = { timeout: 300_000 };
const ROUNDS = 8;
const BUSY = 2;

/** A client-credentials token request to `srv`, sent from `localAddress` (a loopback address). */
function tokenFrom(srv: TestServer, localAddress: string, secret: string): Promise<RawResponse> {
  const body = new URLSearchParams({
    grant_type: "client_credentials",
    client_id: srv.info.clientId,
    client_secret: secret,
    scope: "https://management.azure.com/.default",
  }).toString();
  const url = new URL(srv.info.arm);
  return new Promise((resolve, reject) => {
    const req = httpsRequest(
      {
        host: url.hostname,
        port: url.port,
        localAddress,
        method: "POST",
        path: `/${srv.info.tenantId}/oauth2/v2.0/token`,
        ca: readFileSync(srv.info.caCert),
        headers: {
          "content-type": "application/x-www-form-urlencoded",
          "content-length": Buffer.byteLength(body),
        },
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

describe("sign-in throttling on two PostgreSQL replicas", T, () => {
  let db: TestDatabase | undefined;
  const dirs: string[] = [];
  const reps: TestServer[] = [];
  const busy: ChildProcess[] = [];
  before(async () => {
    for (let i = 0; i < BUSY; i++)
      busy.push(spawn(process.execPath, ["-e", "for (;;) {}"], { stdio: "ignore" }));
    db = await createDatabase("signins");
    for (const n of ["a", "b"]) dirs.push(mkdtempSync(join(tmpdir(), `arclink-signin-${n}-`)));
    ensurePki(dirs[0]);
    cpSync(join(dirs[0], "tls"), join(dirs[1], "tls"), { recursive: true });
    const pg = ["--store", "postgres", "--postgres-url", db.url, "--dns", "none"];
    reps.push(await startServer({ dataDir: dirs[0], args: pg }));
    reps.push(await startServer({ dataDir: dirs[1], args: pg }));
  });
  after(async () => {
    for (const p of busy) p.kill("SIGKILL");
    await Promise.all(reps.map((r) => r.stop()));
    await db?.drop();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it("failures alternating between the replicas count together: the limit-th gets 429 AADSTS50196 on either", async () => {
    const [a, b] = reps;
    const from = "127.0.0.3";
    const limit = SIGN_IN_LIMITS.failures;
    // Attempts 1 .. limit-1, alternating A, B, A, ...: each an ordinary wrong-secret answer.
    for (let i = 1; i < limit; i++) {
      const r = await tokenFrom(i % 2 ? a : b, from, "guess");
      assert.equal(r.status, 401, `attempt ${i}: ${r.text}`);
      assert.deepEqual(r.json.error_codes, [7000215]);
    }
    // The limit-th, through the replica that has seen fewer than half of them: throttled.
    const last = await tokenFrom(limit % 2 ? a : b, from, "guess");
    assert.equal(last.status, 429, last.text);
    assert.equal(last.headers["retry-after"], String(SIGN_IN_LIMITS.lockoutMs / 1000));
    assert.equal(last.json.error, "temporarily_unavailable");
    assert.deepEqual(last.json.error_codes, [50196]);
    assert.match(last.json.error_description, /^AADSTS50196: Too many failed sign-in attempts/);
    // Both replicas now refuse even the right secret from that address...
    for (const srv of [a, b]) {
      const r = await tokenFrom(srv, from, srv.info.clientSecret);
      assert.equal(r.status, 429, r.text);
      assert.deepEqual(r.json.error_codes, [50196]);
      const wait = Number(r.headers["retry-after"]);
      assert.ok(wait > 0 && wait <= SIGN_IN_LIMITS.lockoutMs / 1000, `Retry-After ${wait}`);
      assert.equal(r.json.access_token, undefined);
    }
    // ...but another address signs in on both.
    for (const srv of [a, b]) {
      const r = await tokenFrom(srv, "127.0.0.4", srv.info.clientSecret);
      assert.equal(r.status, 200, r.text);
    }
  });

  it("a success through one replica clears the failures counted through the other", async () => {
    const [a, b] = reps;
    const from = "127.0.0.5";
    const limit = SIGN_IN_LIMITS.failures;
    for (let i = 1; i < limit; i++) assert.equal((await tokenFrom(a, from, "guess")).status, 401);
    const ok = await tokenFrom(b, from, b.info.clientSecret);
    assert.equal(ok.status, 200, ok.text);
    // A fresh count: limit - 1 more failures are still ordinary answers, on either replica.
    for (let i = 1; i < limit; i++) {
      const r = await tokenFrom(i % 2 ? b : a, from, "guess");
      assert.equal(r.status, 401, `attempt ${i} after the success: ${r.text}`);
    }
  });

  it(`the limit's worth of failures at one instant, half through each replica: one 429, ${ROUNDS} rounds`, async () => {
    const [a, b] = reps;
    const limit = SIGN_IN_LIMITS.failures;
    for (let k = 0; k < ROUNDS; k++) {
      const from = `127.0.1.${k + 1}`;
      const rs = await Promise.all(
        Array.from({ length: limit }, (_, i) => tokenFrom(i % 2 ? b : a, from, "guess")),
      );
      const statuses = rs.map((r) => r.status).sort();
      assert.deepEqual(
        statuses,
        [...Array<number>(limit - 1).fill(401), 429],
        `round ${k}: ${rs.map((r) => r.text).join(" | ")}`,
      );
      for (const srv of [a, b])
        assert.equal((await tokenFrom(srv, from, srv.info.clientSecret)).status, 429, `round ${k}`);
    }
  });
});
