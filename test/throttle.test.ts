// ARM throttling: token buckets per principal and subscription, headers and 429 + Retry-After.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Throttle } from "../src/frontends/throttle.js";
import { ArmError } from "../src/core/armError.js";
import { startServer, removeDataDir } from "./helpers/server.js";
import { raw, token } from "./helpers/arm.js";
import { Agent, request } from "node:https";
import { readFileSync } from "node:fs";

test("a bucket counts down, refuses with 429 and Retry-After when empty, and refills over time", () => {
  let now = 0;
  const t = new Throttle(
    true,
    {
      reads: { size: 3, perSecond: 1 },
      writes: { size: 2, perSecond: 1 },
      deletes: { size: 2, perSecond: 1 },
    },
    () => now,
  );
  assert.deepEqual(t.take("p", "s", "GET"), { "x-ms-ratelimit-remaining-subscription-reads": "2" });
  t.take("p", "s", "GET");
  t.take("p", "s", "GET");
  assert.throws(
    () => t.take("p", "s", "GET"),
    (e: unknown) =>
      e instanceof ArmError &&
      e.status === 429 &&
      e.code === "SubscriptionRequestsThrottled" &&
      e.headers["Retry-After"] === "1",
  );
  // Other principals, subscriptions and kinds have their own buckets.
  assert.equal(t.take("q", "s", "GET")["x-ms-ratelimit-remaining-subscription-reads"], "2");
  assert.equal(t.take("p", "s", "PUT")["x-ms-ratelimit-remaining-subscription-writes"], "1");
  now += 2000;
  assert.equal(t.take("p", "s", "GET")["x-ms-ratelimit-remaining-subscription-reads"], "1");
});

test("off: no 429, a steady header", () => {
  const t = new Throttle(false);
  for (let i = 0; i < 1000; i++) t.take("p", "s", "GET");
  assert.ok(Number(t.take("p", "s", "GET")["x-ms-ratelimit-remaining-subscription-reads"]) > 1000);
});

test("a flooding client is throttled with ARM's error while the server keeps answering", async () => {
  const srv = await startServer({ args: ["--throttling", "azure", "--dns", "none"] });
  try {
    const t = await token(srv.info);
    const path = `/subscriptions/${srv.info.subscriptionId}/resourcegroups?api-version=2021-04-01`;
    // Keep-alive connections, 50 in flight: faster than the bucket refills (25 per second).
    const agent = new Agent({ keepAlive: true, maxSockets: 50, ca: readFileSync(srv.info.caCert) });
    const url = new URL(srv.info.arm);
    const get = () =>
      new Promise<{ status: number; headers: Record<string, any>; json: any }>((resolve, reject) => {
        const req = request(
          { host: url.hostname, port: url.port, path, agent, headers: { authorization: `Bearer ${t}` } },
          (res) => {
            let text = "";
            res.on("data", (c) => (text += c));
            res.on("end", () =>
              resolve({
                status: res.statusCode ?? 0,
                headers: res.headers,
                json: text ? JSON.parse(text) : undefined,
              }),
            );
          },
        );
        req.on("error", reject);
        req.end();
      });
    const statuses: number[] = [];
    let throttled: { status: number; headers: Record<string, any>; json: any } | undefined;
    const remaining: number[] = [];
    for (let batch = 0; batch < 8 && !throttled; batch++) {
      const rs = await Promise.all(Array.from({ length: 50 }, get));
      for (const r of rs) {
        statuses.push(r.status);
        if (r.status === 429) throttled ??= r;
        else remaining.push(Number(r.headers["x-ms-ratelimit-remaining-subscription-reads"]));
      }
    }
    agent.destroy();
    assert.ok(throttled, `no 429 after ${statuses.length} reads`);
    assert.equal(throttled.json.error.code, "SubscriptionRequestsThrottled");
    assert.ok(Number(throttled.headers["retry-after"]) >= 1);
    assert.ok(Math.min(...remaining) < 50, "the remaining count went down");
    // The token endpoint and metadata are not ARM reads: still served during the flood.
    const meta = await raw(srv.info, "GET", "/metadata/endpoints?api-version=2015-01-01");
    assert.equal(meta.status, 200);
  } finally {
    await srv.stop();
    removeDataDir(srv.dataDir);
  }
});
