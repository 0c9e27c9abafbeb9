// Azure's limits as ArcLink enforces them: record sets per private DNS zone (25,000), virtual
// network links per zone (1,000, of which 100 with auto-registration), records per record set
// (20), the request body size (4 MiB), name and id lengths; and a server flooded by one client
// keeps answering others. Every refusal carries Azure's code and stores nothing.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";

import { join } from "node:path";
import Database from "better-sqlite3";
import { ArmClient, armClient, RawResponse, token } from "./helpers/arm.js";
import { Ready, removeDataDir, startServer, TestServer } from "./helpers/server.js";

const T = { timeout: 300_000 };
const RGV = "api-version=2021-04-01";
const NV = "api-version=2025-05-01";
const DNSV = "api-version=2024-06-01";

type Res = RawResponse;

/** An ARM client on one keep-alive agent. */
const client = (info: Ready, bearer: string, maxSockets = 64) => armClient(info, bearer, maxSockets, 120_000);
type Client = ArmClient;

function ok(r: Res, status: number | number[], what: string): void {
  const want = Array.isArray(status) ? status : [status];
  assert.ok(want.includes(r.status), `${what}: expected ${want.join("/")}, got ${r.status} ${r.text}`);
}

/** Asserts a refusal with Azure's status and code, then that the target was not stored. */
async function refused(
  c: Client,
  r: Res,
  status: number,
  code: string,
  path: string,
  what: string,
): Promise<void> {
  ok(r, status, what);
  assert.equal(r.json?.error?.code, code, `${what}: ${r.text}`);
  assert.ok(String(r.json.error.message).length > 30, `${what}: the message explains: ${r.text}`);
  const g = await c.call("GET", path);
  assert.equal(g.status, 404, `${what}: nothing stored, but GET is ${g.status} ${g.text}`);
}

/** Runs `n` calls with at most `width` awaiting at once; returns the results in order. */
async function pool<R>(n: number, width: number, fn: (i: number) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(n);
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < n) {
        const i = next++;
        out[i] = await fn(i);
      }
    }),
  );
  return out;
}

/**
 * Adds `n` copies of a resource written through ARM to a stopped server's store, in one commit,
 * stored exactly as ARM stores them: `vary` gives each copy its name and changes its body.
 */
function seed(
  dataDir: string,
  templateId: string,
  n: number,
  vary: (body: any, i: number) => { name: string; body: any },
): void {
  const db = new Database(join(dataDir, "arclink.db"), { fileMustExist: true });
  try {
    const row = db
      .prepare("SELECT id, type, body FROM resources WHERE key = ?")
      .get(templateId.toLowerCase()) as { id: string; type: string; body: string } | undefined;
    assert.ok(row, `the template ${templateId} is stored`);
    const seq = Number((db.prepare("SELECT v FROM meta WHERE k = 'seq'").get() as { v: string }).v) + 1;
    const insert = db.prepare(
      "INSERT INTO resources (key, id, type, body, rev, seq) VALUES (?, ?, ?, ?, 1, ?)",
    );
    db.transaction(() => {
      for (let i = 0; i < n; i++) {
        const v = vary(JSON.parse(row.body), i);
        const id = row.id.replace(/\/[^/]+$/, `/${v.name}`);
        insert.run(id.toLowerCase(), id, row.type, JSON.stringify({ ...v.body, id, name: v.name }), seq);
      }
      db.prepare("UPDATE meta SET v = ? WHERE k = 'seq'").run(String(seq));
    })();
  } finally {
    db.close();
  }
}

const cleanup: TestServer[] = [];
after(async () => {
  for (const s of cleanup) {
    await s.stop();
    removeDataDir(s.dataDir);
  }
}, T);

async function serve(args: string[] = [], dataDir?: string): Promise<TestServer> {
  const s = await startServer({ args: ["--dns", "none", ...args], ...(dataDir ? { dataDir } : {}) });
  cleanup.push(s);
  return s;
}

// Each test that fills a zone has its own server.
describe("zones filled to their limits", T, () => {
  test("a zone holds 25,000 record sets (the SOA included); the next create is 409 RecordSetLimitExceeded", async () => {
    // Reaching 25,000 one PUT at a time would take minutes: the zone is filled to 24,992 with
    // rows stored exactly as ARM stores a record set (cloned from one written through ARM, each
    // with its own id, name, fqdn and ETag), then the last 8 are written through ARM at once.
    const first = await serve();
    const bearer = await token(first.info);
    const sub = `/subscriptions/${first.info.subscriptionId}`;
    const zoneName = "full.arclink.test";
    const zone = `${sub}/resourceGroups/rg-limits/providers/Microsoft.Network/privateDnsZones/${zoneName}`;
    let c = client(first.info, bearer);
    ok(await c.call("PUT", `${sub}/resourcegroups/rg-limits?${RGV}`, { location: "eastus" }), 201, "group");
    ok(await c.call("PUT", `${zone}?${DNSV}`, { location: "global" }), 201, "zone");
    const tmpl = await c.call("PUT", `${zone}/A/tmpl?${DNSV}`, {
      properties: { ttl: 300, aRecords: [{ ipv4Address: "10.70.0.1" }] },
    });
    ok(tmpl, 201, "template record set");
    c.close();
    await first.stop();
    cleanup.splice(cleanup.indexOf(first), 1);

    const ARM_CREATES = 8;
    seed(first.dataDir, `${zone}/A/tmpl`, 25_000 - ARM_CREATES - 2, (body, i) => ({
      name: `s${i}`,
      body: { ...body, etag: randomUUID(), properties: { ...body.properties, fqdn: `s${i}.${zoneName}.` } },
    }));

    const srv = await serve([], first.dataDir);
    c = client(srv.info, bearer);
    const count = async () => {
      const z = await c.call("GET", `${zone}?${DNSV}`);
      ok(z, 200, "zone");
      assert.equal(z.json.properties.maxNumberOfRecordSets, 25_000);
      return z.json.properties.numberOfRecordSets as number;
    };
    assert.equal(await count(), 25_000 - ARM_CREATES);
    const seeded = await c.call("GET", `${zone}/A/s123?${DNSV}`);
    ok(seeded, 200, "a seeded record set reads like any other");
    assert.equal(seeded.json.properties.fqdn, `s123.${zoneName}.`);

    // The last ones, of four types, concurrently through ARM.
    const kinds = [
      ["A", { aRecords: [{ ipv4Address: "10.70.1.1" }] }],
      ["AAAA", { aaaaRecords: [{ ipv6Address: "fd00::1" }] }],
      ["TXT", { txtRecords: [{ value: ["v=1"] }] }],
      ["CNAME", { cnameRecord: { cname: "target.example.com" } }],
    ] as const;
    const made = await Promise.all(
      Array.from({ length: ARM_CREATES }, (_, i) => {
        const [type, records] = kinds[i % 4];
        return c.call("PUT", `${zone}/${type}/last-${i}?${DNSV}`, { properties: { ttl: 60, ...records } });
      }),
    );
    const bad = made.flatMap((r, i) => (r.status === 201 ? [] : [`#${i}: ${r.status} ${r.text}`]));
    assert.deepEqual(bad, [], "the last record sets are created");
    assert.equal(await count(), 25_000);

    // The 25,001st, of any type and at a new or an existing name, is refused; nothing is stored.
    for (const [path, body] of [
      [`${zone}/A/one-more?${DNSV}`, { properties: { ttl: 60, aRecords: [{ ipv4Address: "10.70.2.1" }] } }],
      [`${zone}/TXT/s1?${DNSV}`, { properties: { ttl: 60, txtRecords: [{ value: ["x"] }] } }],
    ] as const) {
      const r = await c.call("PUT", path, body);
      await refused(c, r, 409, "RecordSetLimitExceeded", path, `PUT ${path}`);
      assert.match(r.json.error.message, /25000/);
    }
    assert.equal(await count(), 25_000);
    // Updating an existing record set is not a create.
    const upd = await c.call("PUT", `${zone}/A/s1?${DNSV}`, {
      properties: { ttl: 120, aRecords: [{ ipv4Address: "10.70.3.1" }] },
    });
    ok(upd, 200, "update at the limit");
    assert.equal(upd.json.properties.ttl, 120);
    // Deleting one makes room for exactly one.
    ok(await c.call("DELETE", `${zone}/A/s2?${DNSV}`), 200, "delete");
    ok(
      await c.call("PUT", `${zone}/A/one-more?${DNSV}`, {
        properties: { ttl: 60, aRecords: [{ ipv4Address: "10.70.2.1" }] },
      }),
      201,
      "create after a delete",
    );
    const again = await c.call("PUT", `${zone}/A/two-more?${DNSV}`, {
      properties: { ttl: 60, aRecords: [{ ipv4Address: "10.70.2.2" }] },
    });
    await refused(c, again, 409, "RecordSetLimitExceeded", `${zone}/A/two-more?${DNSV}`, "full again");
    assert.equal(await count(), 25_000);
    c.close();
  });

  test("a zone has at most 1,000 virtual network links, 100 of them with auto-registration", async () => {
    // 1,002 virtual networks and 889 links without registration are stored as copies of ones
    // written through ARM (each copy with its own name, ETag, resourceGuid, address space or
    // network); the 100 registration links and the last 10 links are written through ARM at once.
    const first = await serve();
    const bearer = await token(first.info);
    const sub = `/subscriptions/${first.info.subscriptionId}`;
    const rg = `${sub}/resourceGroups/rg-links`;
    const net = `${rg}/providers/Microsoft.Network`;
    const vnet = (i: number) => `${net}/virtualNetworks/vnet-${i}`;
    const zone = `${rg}/providers/Microsoft.Network/privateDnsZones/links.arclink.test`;
    const linkId = (i: number) => `${zone}/virtualNetworkLinks/link-${i}`;
    const link = (i: number) => `${linkId(i)}?${DNSV}`;
    let c = client(first.info, bearer);
    const put = (i: number, registrationEnabled: boolean) =>
      c.call("PUT", link(i), {
        location: "global",
        properties: { virtualNetwork: { id: vnet(i) }, registrationEnabled },
      });
    ok(await c.call("PUT", `${rg}?${RGV}`, { location: "eastus" }), 201, "group");
    ok(
      await c.call("PUT", `${vnet(0)}?${NV}`, {
        location: "eastus",
        properties: { addressSpace: { addressPrefixes: ["10.100.0.0/24"] } },
      }),
      201,
      "vnet-0",
    );
    ok(await c.call("PUT", `${zone}?${DNSV}`, { location: "global" }), 201, "zone");
    ok(await put(0, false), [200, 201, 202], "link-0");
    c.close();
    await first.stop();
    cleanup.splice(cleanup.indexOf(first), 1);
    seed(first.dataDir, vnet(0), 1001, (body, n) => {
      const i = n + 1;
      return {
        name: `vnet-${i}`,
        body: {
          ...body,
          etag: `W/"${randomUUID()}"`,
          properties: {
            ...body.properties,
            resourceGuid: randomUUID(),
            addressSpace: { addressPrefixes: [`10.${100 + (i >> 8)}.${i & 255}.0/24`] },
          },
        },
      };
    });
    seed(first.dataDir, linkId(0), 889, (body, n) => ({
      name: `link-${n + 1}`,
      body: {
        ...body,
        etag: randomUUID(),
        properties: { ...body.properties, virtualNetwork: { id: vnet(n + 1) } },
      },
    }));
    const srv = await serve([], first.dataDir);
    c = client(srv.info, bearer);
    const seeded = await c.call("GET", `${vnet(1001)}?${NV}`);
    ok(seeded, 200, "a stored copy reads like any virtual network");
    assert.deepEqual(seeded.json.properties.addressSpace.addressPrefixes, ["10.103.233.0/24"]);
    const seededLink = await c.call("GET", link(889));
    ok(seededLink, 200, "a stored copy reads like any link");
    assert.equal(seededLink.json.properties.virtualNetwork.id, vnet(889));
    const counts = async () => {
      const z = await c.call("GET", `${zone}?${DNSV}`);
      ok(z, 200, "zone");
      const p = z.json.properties;
      assert.equal(p.maxNumberOfVirtualNetworkLinks, 1000);
      assert.equal(p.maxNumberOfVirtualNetworkLinksWithRegistration, 100);
      return [p.numberOfVirtualNetworkLinks, p.numberOfVirtualNetworkLinksWithRegistration];
    };
    const fine = (rs: Res[], what: string) =>
      assert.deepEqual(
        rs.flatMap((r, i) => ([200, 201, 202].includes(r.status) ? [] : [`#${i}: ${r.status} ${r.text}`])),
        [],
        what,
      );

    assert.deepEqual(await counts(), [890, 0]);
    // 100 registration links, concurrently.
    fine(
      await Promise.all(Array.from({ length: 100 }, (_, i) => put(890 + i, true))),
      "100 registration links",
    );
    assert.deepEqual(await counts(), [990, 100]);
    const reg = await put(990, true);
    await refused(
      c,
      reg,
      409,
      "RegistrationVirtualNetworkLinkLimitExceeded",
      link(990),
      "the 101st registration link",
    );
    // Without registration the same link is accepted, up to 1,000 links in all.
    fine(await Promise.all(Array.from({ length: 10 }, (_, i) => put(990 + i, false))), "10 more links");
    assert.deepEqual(await counts(), [1000, 100]);
    const over = await put(1000, false);
    await refused(c, over, 409, "VirtualNetworkLinkLimitExceeded", link(1000), "the 1,001st link");
    assert.deepEqual(await counts(), [1000, 100]);
    // Updating a link is not a create; the limit is per zone: another zone links the same network.
    const upd = await c.call("PUT", link(500), {
      location: "global",
      tags: { updated: "yes" },
      properties: { virtualNetwork: { id: vnet(500) }, registrationEnabled: false },
    });
    ok(upd, [200, 202], "update at the limit");
    const other = `${rg}/providers/Microsoft.Network/privateDnsZones/other.arclink.test`;
    ok(await c.call("PUT", `${other}?${DNSV}`, { location: "global" }), 201, "second zone");
    ok(
      await c.call("PUT", `${other}/virtualNetworkLinks/l?${DNSV}`, {
        location: "global",
        properties: { virtualNetwork: { id: vnet(1000) }, registrationEnabled: false },
      }),
      [200, 201, 202],
      "a link in another zone",
    );
    assert.deepEqual(await counts(), [1000, 100]);
    c.close();
  });
});

describe("limits on one server", T, () => {
  let srv: TestServer;
  let c: Client;
  let sub = "";
  let rg = "";
  before(async () => {
    srv = await serve();
    c = client(srv.info, await token(srv.info));
    sub = `/subscriptions/${srv.info.subscriptionId}`;
    rg = `${sub}/resourceGroups/rg-limits`;
    ok(await c.call("PUT", `${rg}?${RGV}`, { location: "eastus" }), 201, "group");
  }, T);
  after(() => c?.close());

  test("a record set holds at most 20 records: 21 is 400 RecordLimitExceeded and changes nothing", async () => {
    const zone = `${rg}/providers/Microsoft.Network/privateDnsZones/records.arclink.test`;
    ok(await c.call("PUT", `${zone}?${DNSV}`, { location: "global" }), 201, "zone");
    const a = (n: number) => ({
      properties: {
        ttl: 60,
        aRecords: Array.from({ length: n }, (_, i) => ({ ipv4Address: `10.80.0.${i + 1}` })),
      },
    });
    const path = `${zone}/A/twenty?${DNSV}`;
    const created = await c.call("PUT", path, a(20));
    ok(created, 201, "20 records");
    assert.equal(created.json.properties.aRecords.length, 20);
    const more = await c.call("PUT", path, a(21));
    ok(more, 400, "21 records");
    assert.equal(more.json.error.code, "RecordLimitExceeded", more.text);
    const now = await c.call("GET", path);
    ok(now, 200, "GET");
    assert.deepEqual(now.json, created.json, "the refused update changed nothing");
    const fresh = `${zone}/TXT/many?${DNSV}`;
    const txt = await c.call("PUT", fresh, {
      properties: { ttl: 60, txtRecords: Array.from({ length: 21 }, (_, i) => ({ value: [`v${i}`] })) },
    });
    await refused(c, txt, 400, "RecordLimitExceeded", fresh, "a new record set with 21 records");
  });

  test("a request body over 4 MiB is 413 RequestEntityTooLarge and stores nothing; just under is read", async () => {
    const big = `${sub}/resourcegroups/rg-big?${RGV}`;
    const body = (bytes: number) => {
      const head = JSON.stringify({ location: "eastus", tags: { n: "1" }, padding: "" });
      return head.replace(`"padding":""`, `"padding":"${"x".repeat(bytes - head.length)}"`);
    };
    const over = body(4 * 1024 * 1024 + 1);
    assert.equal(Buffer.byteLength(over), 4 * 1024 * 1024 + 1);
    const r = await c.call("PUT", big, over);
    await refused(c, r, 413, "RequestEntityTooLarge", big, "4 MiB + 1 byte");
    const under = await c.call("PUT", big, body(4 * 1024 * 1024));
    ok(under, 201, "exactly 4 MiB");
    assert.equal(under.json.tags.n, "1");
  });

  test("names longer than their type allows are 400 InvalidResourceName; the longest ones work", async () => {
    const label = (ch: string, n: number) => ch.repeat(n);
    // Resource group: 90 characters.
    const rg90 = `${sub}/resourcegroups/${label("g", 90)}?${RGV}`;
    ok(await c.call("PUT", rg90, { location: "eastus" }), 201, "a 90-character group name");
    const rg91 = `${sub}/resourcegroups/${label("g", 91)}?${RGV}`;
    await refused(
      c,
      await c.call("PUT", rg91, { location: "eastus" }),
      400,
      "InvalidResourceName",
      rg91,
      "91",
    );
    // Private DNS zone: 253 characters, labels of at most 63.
    const zone253 = [label("a", 63), label("b", 63), label("c", 63), label("d", 61)].join(".");
    assert.equal(zone253.length, 253);
    const longRg = `${sub}/resourceGroups/${label("g", 90)}`;
    const zonePath = (n: string) => `${longRg}/providers/Microsoft.Network/privateDnsZones/${n}?${DNSV}`;
    ok(await c.call("PUT", zonePath(zone253), { location: "global" }), 201, "a 253-character zone name");
    for (const bad of [`${zone253}x`, `${label("a", 64)}.test`]) {
      const r = await c.call("PUT", zonePath(bad), { location: "global" });
      await refused(
        c,
        r,
        400,
        "InvalidResourceName",
        zonePath(bad),
        `zone '${bad.slice(0, 20)}…' (${bad.length})`,
      );
    }
    // Record set: its full name (record set name + zone) at most 253 characters.
    const zone = `${rg}/providers/Microsoft.Network/privateDnsZones/names.arclink.test`;
    ok(await c.call("PUT", `${zone}?${DNSV}`, { location: "global" }), 201, "zone");
    const room = 253 - ".names.arclink.test".length;
    const fits = `${label("r", 63)}.${label("s", 63)}.${label("t", 63)}.${label("u", room - 192)}`;
    assert.equal(fits.length, room);
    const rec = (n: string) => `${zone}/A/${n}?${DNSV}`;
    const body = { properties: { ttl: 60, aRecords: [{ ipv4Address: "10.90.0.1" }] } };
    const made = await c.call("PUT", rec(fits), body);
    ok(made, 201, "a record set whose full name is 253 characters");
    assert.equal(made.json.properties.fqdn, `${fits}.names.arclink.test.`);
    await refused(
      c,
      await c.call("PUT", rec(`${fits}x`), body),
      400,
      "InvalidResourceName",
      rec(`${fits}x`),
      "254",
    );
    // Virtual network link: 80 characters.
    const vnet = `${rg}/providers/Microsoft.Network/virtualNetworks/vnet-names`;
    ok(
      await c.call("PUT", `${vnet}?${NV}`, {
        location: "eastus",
        properties: { addressSpace: { addressPrefixes: ["10.91.0.0/16"] } },
      }),
      201,
      "vnet",
    );
    const linkPath = (n: string) => `${zone}/virtualNetworkLinks/${n}?${DNSV}`;
    const linkBody = { location: "global", properties: { virtualNetwork: { id: vnet } } };
    ok(await c.call("PUT", linkPath(label("l", 80)), linkBody), [200, 201, 202], "an 80-character link name");
    const l81 = linkPath(label("m", 81));
    await refused(c, await c.call("PUT", l81, linkBody), 400, "InvalidResourceName", l81, "81");
  });

  test("the longest ids work end to end; a request line over the header limit is refused without harm", async () => {
    // A 90-character group, a 253-character zone and a record set name filling its 253-character
    // full name: the longest id these types allow.
    const zoneName = ["a", "b", "c", "d"].map((ch, i) => ch.repeat(i === 3 ? 61 : 63)).join(".");
    const zone = `${sub}/resourceGroups/${"g".repeat(90)}/providers/Microsoft.Network/privateDnsZones/${zoneName}`;
    const z = await c.call("GET", `${zone}?${DNSV}`);
    if (z.status === 404) ok(await c.call("PUT", `${zone}?${DNSV}`, { location: "global" }), 201, "zone");
    const id = `${zone}/A/@`;
    const r = await c.call("PUT", `${id}?${DNSV}`, {
      properties: { ttl: 60, aRecords: [{ ipv4Address: "10.92.0.1" }] },
    });
    ok(r, [200, 201], "the apex record set of the longest zone");
    assert.equal(r.json.id.toLowerCase(), id.toLowerCase());
    // A request line longer than the server reads is refused before routing; the server goes on.
    const huge = `${sub}/resourcegroups/${"x".repeat(20_000)}?${RGV}`;
    const h = await c.call("GET", huge);
    assert.equal(h.status, 431, `an over-long request line: ${h.status} ${h.text}`);
    assert.equal(JSON.parse(h.text).error.code, "RequestHeaderFieldsTooLarge", h.text);
    ok(await c.call("GET", `${id}?${DNSV}`), 200, "still answering");
    // Oversized headers in front of a large body: the client reads the 431 answer (the server reads
    // and drops the rest of the body before closing, rather than resetting the connection), ten
    // times over, each on its own connection.
    const body = { properties: { pad: "p".repeat(3 * 1024 * 1024) } };
    for (let i = 0; i < 10; i++) {
      const b = await c.call("PUT", `${huge}&try=${i}`, body);
      assert.equal(b.status, 431, `try ${i}: ${b.status} ${b.text.slice(0, 200)}`);
      assert.equal(JSON.parse(b.text).error.code, "RequestHeaderFieldsTooLarge");
    }
    ok(await c.call("GET", `${id}?${DNSV}`), 200, "still answering");
  });

  test("while one client floods the server with 3,000 requests, another client's calls are answered", async () => {
    const flood = client(srv.info, await token(srv.info), 64);
    const other = client(srv.info, await token(srv.info), 1);
    try {
      const N = 3000;
      let done = 0;
      const statuses = new Map<number, number>();
      const flooding = pool(N, 64, async (i) => {
        const r = await flood.call("GET", `${sub}/resourcegroups?${RGV}&$top=${1 + (i % 5)}`);
        statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1);
        done++;
      });
      // Start once the flood is under way.
      while (done < 64) await new Promise((r) => setTimeout(r, 10));
      const progress: number[] = [];
      for (let k = 0; k < 5; k++) {
        const path = `${sub}/resourcegroups/rg-other-${k}?${RGV}`;
        ok(await other.call("PUT", path, { location: "eastus" }), 201, `the other client's write ${k}`);
        ok(await other.call("GET", path), 200, `the other client's read ${k}`);
        progress.push(done);
      }
      const at = done;
      await flooding;
      assert.deepEqual([...statuses], [[200, N]], "the flood itself is served");
      assert.ok(
        at < N,
        `the other client's 10 calls were answered while the flood was still going (${at} of ${N} done; progress ${progress.join(",")})`,
      );
    } finally {
      flood.close();
      other.close();
    }
  });
});

describe("throttling (--throttling azure)", T, () => {
  test("a flood of reads gets 429 with Retry-After while writes and tokens are still served", async () => {
    const srv = await serve(["--throttling", "azure"]);
    const bearer = await token(srv.info);
    const c = client(srv.info, bearer, 50);
    try {
      const sub = `/subscriptions/${srv.info.subscriptionId}`;
      const list = `${sub}/resourcegroups?${RGV}`;
      let throttled: Res | undefined;
      const remaining: number[] = [];
      for (let batch = 0; batch < 10 && !throttled; batch++) {
        for (const r of await Promise.all(Array.from({ length: 50 }, () => c.call("GET", list)))) {
          if (r.status === 429) throttled ??= r;
          else {
            ok(r, 200, "read");
            remaining.push(Number(r.headers["x-ms-ratelimit-remaining-subscription-reads"]));
          }
        }
      }
      assert.ok(throttled, `no 429 after ${remaining.length} reads`);
      assert.equal(throttled.json.error.code, "SubscriptionRequestsThrottled");
      assert.ok(Number(throttled.headers["retry-after"]) >= 1, JSON.stringify(throttled.headers));
      assert.equal(throttled.headers["x-ms-ratelimit-remaining-subscription-reads"], "0");
      assert.ok(remaining.length >= 200 && Math.min(...remaining) < 10, `remaining: ${remaining.slice(-5)}`);
      // Writes and deletes have their own buckets; the token endpoint is not throttled.
      const w = await c.call("PUT", `${sub}/resourcegroups/rg-during?${RGV}`, { location: "eastus" });
      ok(w, 201, "a write while reads are throttled");
      assert.ok(
        Number(w.headers["x-ms-ratelimit-remaining-subscription-writes"]) > 100,
        JSON.stringify(w.headers),
      );
      const d = await c.call("DELETE", `${sub}/resourcegroups/rg-during?${RGV}`);
      ok(d, [200, 202], "a delete while reads are throttled");
      assert.ok(Number(d.headers["x-ms-ratelimit-remaining-subscription-deletes"]) > 100);
      assert.ok((await token(srv.info)).length > 100, "a token while reads are throttled");
    } finally {
      c.close();
    }
  });
});
