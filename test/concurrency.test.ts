// Concurrency on one server with the SQLite store: conditional writes racing on one resource have
// exactly one winner, and many distinct creates in flight together all land exactly once.
// Requests go through one keep-alive agent (64 sockets): "in flight together" means queued and
// sent as fast as the sockets allow, not one socket each.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";

import { join } from "node:path";
import Database from "better-sqlite3";
import { armClient, RawResponse, token } from "./helpers/arm.js";
import { Ready, removeDataDir, startServer, TestServer } from "./helpers/server.js";

const T = { timeout: 240_000 };
const RGV = "api-version=2021-04-01";
const NV = "api-version=2025-05-01";
const DNSV = "api-version=2024-06-01";

type Res = RawResponse;

/** An ARM client on one keep-alive agent. */
const client = (info: Ready, bearer: string, maxSockets = 64) => armClient(info, bearer, maxSockets, 120_000);

function ok(r: Res, status: number, what: string): void {
  assert.equal(r.status, status, `${what}: expected ${status}, got ${r.status} ${r.text}`);
}

/** The store's rows under a key prefix, read with a second connection while the server runs. */
function rows(dataDir: string, prefix: string): Array<{ key: string; rev: number; seq: number }> {
  const db = new Database(join(dataDir, "arclink.db"), { readonly: true, fileMustExist: true });
  try {
    return db
      .prepare("SELECT key, rev, seq FROM resources WHERE key LIKE ? AND body IS NOT NULL ORDER BY key")
      .all(`${prefix.toLowerCase()}%`) as any[];
  } finally {
    db.close();
  }
}

let srv: TestServer;
let c: ReturnType<typeof client>;
let sub = "";

before(async () => {
  srv = await startServer({ args: ["--dns", "none"] });
  c = client(srv.info, await token(srv.info));
  sub = `/subscriptions/${srv.info.subscriptionId}`;
  ok(await c.call("PUT", `${sub}/resourcegroups/rg-race?${RGV}`, { location: "eastus" }), 201, "group");
}, T);

after(async () => {
  c?.close();
  await srv?.stop();
  if (srv) removeDataDir(srv.dataDir);
}, T);

/** Races 50 PUTs carrying the same If-Match; checks one winner, 49 PreconditionFailed, the winner stored. */
async function race(path: string, body: (writer: string) => object, etag: string): Promise<void> {
  const results = await Promise.all(
    Array.from({ length: 50 }, (_, n) => c.call("PUT", path, body(`w${n}`), { "if-match": etag })),
  );
  const statuses = results.map((r) => r.status);
  const winners = results.flatMap((r, n) => (r.status === 200 ? [n] : []));
  assert.equal(winners.length, 1, `exactly one 200; statuses: ${statuses.join(",")}`);
  assert.equal(statuses.filter((s) => s === 412).length, 49, `the rest 412; statuses: ${statuses.join(",")}`);
  for (const r of results) {
    if (r.status === 412) assert.equal(r.json?.error?.code, "PreconditionFailed", r.text);
  }
  const won = results[winners[0]];
  assert.equal(won.json.tags?.writer ?? won.json.properties?.metadata?.writer, `w${winners[0]}`);
  assert.notEqual(won.json.etag, etag, "the winner's write has a new ETag");
  assert.equal(won.headers.etag, won.json.etag, "the ETag header matches the body");
  const now = await c.call("GET", path);
  ok(now, 200, "GET after the race");
  assert.deepEqual(now.json, won.json, "the stored resource is the winner's write, nothing of the losers'");
  const stored = rows(srv.dataDir, path.split("?")[0]);
  assert.equal(stored[0]?.rev, 2, `created once, updated once: ${JSON.stringify(stored)}`);
}

describe("conditional writes racing on one resource (SQLite)", T, () => {
  test("50 concurrent PUTs with the same If-Match on a virtual network (weak ETag): one 200, 49 412", async () => {
    const path = `${sub}/resourceGroups/rg-race/providers/Microsoft.Network/virtualNetworks/vnet-race?${NV}`;
    const body = (writer: string) => ({
      location: "eastus",
      tags: { writer },
      properties: { addressSpace: { addressPrefixes: ["10.30.0.0/16"] } },
    });
    const created = await c.call("PUT", path, body("first"));
    ok(created, 201, "vnet");
    assert.match(created.json.etag, /^W\/"[0-9a-f-]{36}"$/);
    await race(path, body, created.json.etag);
  });

  test("50 concurrent PUTs with the same If-Match on a private DNS record set (GUID ETag): one 200, 49 412", async () => {
    const zone = `${sub}/resourceGroups/rg-race/providers/Microsoft.Network/privateDnsZones/race.arclink.test`;
    ok(await c.call("PUT", `${zone}?${DNSV}`, { location: "global" }), 201, "zone");
    const path = `${zone}/A/app?${DNSV}`;
    const body = (writer: string) => ({
      properties: { ttl: 60, metadata: { writer }, aRecords: [{ ipv4Address: "10.30.0.4" }] },
    });
    const created = await c.call("PUT", path, body("first"));
    ok(created, 201, "record set");
    assert.match(created.json.etag, /^[0-9a-f-]{36}$/);
    await race(path, body, created.json.etag);
  });

  test("50 concurrent creates of one new name with If-None-Match: *: one 201, 49 412", async () => {
    const path = `${sub}/resourceGroups/rg-race/providers/Microsoft.Network/privateDnsZones/once.arclink.test?${DNSV}`;
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, n) =>
        c.call("PUT", path, { location: "global", tags: { writer: `w${n}` } }, { "if-none-match": "*" }),
      ),
    );
    const statuses = results.map((r) => r.status);
    const winners = results.flatMap((r, n) => (r.status === 201 ? [n] : []));
    assert.equal(winners.length, 1, `exactly one 201; statuses: ${statuses.join(",")}`);
    assert.equal(
      statuses.filter((s) => s === 412).length,
      49,
      `the rest 412; statuses: ${statuses.join(",")}`,
    );
    const now = await c.call("GET", path);
    ok(now, 200, "GET");
    assert.equal(now.json.tags.writer, `w${winners[0]}`);
    assert.equal(now.json.etag, results[winners[0]].json.etag);
    assert.equal(rows(srv.dataDir, path.split("?")[0])[0]?.rev, 1, "written once");
  });
});

describe("many distinct creates in flight together (SQLite)", T, () => {
  test("1,000 concurrent creates (800 resource groups, 200 record sets in one zone): all present, none duplicated", async () => {
    const zone = `${sub}/resourceGroups/rg-race/providers/Microsoft.Network/privateDnsZones/bulk.arclink.test`;
    ok(await c.call("PUT", `${zone}?${DNSV}`, { location: "global" }), 201, "zone");
    const group = (n: number) => `bulk-${String(n).padStart(4, "0")}`;
    const record = (n: number) => `r${String(n).padStart(4, "0")}`;
    const requests = Array.from({ length: 1000 }, (_, n) =>
      n % 5 === 4
        ? c.call("PUT", `${zone}/A/${record(n)}?${DNSV}`, {
            properties: { ttl: 30, metadata: { n: String(n) }, aRecords: [{ ipv4Address: "10.31.0.1" }] },
          })
        : c.call("PUT", `${sub}/resourcegroups/${group(n)}?${RGV}`, {
            location: "eastus",
            tags: { n: String(n) },
          }),
    );
    const results = await Promise.all(requests);
    const bad = results.flatMap((r, n) => (r.status === 201 ? [] : [`#${n}: ${r.status} ${r.text}`]));
    assert.deepEqual(bad, [], "every create is 201");
    // Each create answered with its own body.
    results.forEach((r, n) => {
      const got = r.json.tags?.n ?? r.json.properties?.metadata?.n;
      assert.equal(got, String(n), `#${n} answered with another request's resource: ${r.text}`);
    });

    // Listed exactly once (following nextLink).
    const listed: string[] = [];
    let next: string | undefined = `${sub}/resourcegroups?${RGV}&$top=1000`;
    for (let pages = 0; next; pages++) {
      assert.ok(pages < 50, "paging ends");
      const r = await c.call("GET", next);
      ok(r, 200, "list groups");
      listed.push(...(r.json.value as Array<{ name: string }>).map((g) => g.name));
      next = r.json.nextLink
        ? new URL(r.json.nextLink).pathname + new URL(r.json.nextLink).search
        : undefined;
    }
    const wantGroups = Array.from({ length: 1000 }, (_, n) => n)
      .filter((n) => n % 5 !== 4)
      .map(group);
    assert.deepEqual(listed.filter((g) => g.startsWith("bulk-")).sort(), wantGroups);
    const z = await c.call("GET", `${zone}?${DNSV}`);
    ok(z, 200, "zone");
    assert.equal(z.json.properties.numberOfRecordSets, 201, "200 record sets and the SOA");

    // In the store: one row each, written once, each its own commit.
    const g = rows(srv.dataDir, `${sub}/resourcegroups/bulk-`);
    const a = rows(srv.dataDir, `${zone}/a/r`);
    assert.equal(g.length, 800);
    assert.equal(a.length, 200);
    const all = [...g, ...a];
    assert.equal(new Set(all.map((x) => x.seq)).size, 1000, "1,000 distinct commits");
    assert.deepEqual([...new Set(all.map((x) => x.rev))], [1], "each written once");
  });
});
