// Three `arclink serve --store postgres` replicas on one fresh database (ARCLINK_TEST_POSTGRES_URL
// must be set; without it this file fails and says how to set it). They start at the same time,
// each with its own data folder holding a copy of one TLS folder, and must agree on everything:
// one directory (tenant, subscription, principal, signing key: a token from one works on all),
// each other's writes within a second (ARM reads and DNS answers), one winner among concurrent
// conditional writes, and every one of many concurrent creates exactly once.
import assert from "node:assert/strict";
import { cpSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { ensurePki } from "../src/core/pki.js";
import {
  ensureDirectory,
  PRINCIPAL_TYPE,
  SIGNING_KEY_ID,
  SIGNING_KEY_TYPE,
} from "../src/identity/directory.js";
import { PostgresStore } from "../src/store/postgres.js";
import { CommitResult, Store } from "../src/store/store.js";
import { World } from "../src/world/world.js";
import { Writer } from "../src/world/writer.js";
import { raw, RawResponse, token } from "./helpers/arm.js";
import { dig, LOOPBACK } from "./helpers/dns.js";
import { createDatabase, TestDatabase } from "./helpers/postgres.js";
import { arclink, Ready, startServer, TestServer } from "./helpers/server.js";

const T = { timeout: 120_000 };
const RGV = "api-version=2021-04-01";
const NV = "api-version=2025-05-01";
const DNSV = "api-version=2024-06-01";
/** How soon a write through one replica must show on the others. */
const PROPAGATION_MS = 1_000;

let db: TestDatabase | undefined;
let replicas: TestServer[] = [];
const dirs: string[] = [];
let bearer = "";
let sub = "";

function ok(r: RawResponse, status: number | number[], what: string): void {
  const want = Array.isArray(status) ? status : [status];
  assert.ok(want.includes(r.status), `${what}: expected ${want.join("/")}, got ${r.status} ${r.text}`);
}

/** An ARM call on replica `i` with the token replica A issued. */
function call(i: number, method: string, path: string, body?: object, headers: Record<string, string> = {}) {
  return raw(replicas[i].info, method, path, body, { authorization: `Bearer ${bearer}`, ...headers });
}

const names = ["A", "B", "C"];

/** Polls `probe` until it returns true; fails after `ms` with what the last probe said. */
async function within(ms: number, what: string, probe: () => Promise<true | string>): Promise<number> {
  const t0 = Date.now();
  let last = "";
  for (;;) {
    const r = await probe();
    if (r === true) return Date.now() - t0;
    last = r;
    if (Date.now() - t0 > ms) assert.fail(`${what}: not within ${ms} ms; last: ${last}`);
    await new Promise((res) => setTimeout(res, 25));
  }
}

/** Every resource group name a replica lists (following nextLink). */
async function groupNames(i: number): Promise<string[]> {
  const out: string[] = [];
  let path: string | undefined = `${sub}/resourcegroups?${RGV}&$top=1000`;
  while (path) {
    const r = await call(i, "GET", path);
    ok(r, 200, `list resource groups on ${names[i]}`);
    out.push(...(r.json.value as Array<{ name: string }>).map((g) => g.name));
    path = r.json.nextLink ? new URL(r.json.nextLink).pathname + new URL(r.json.nextLink).search : undefined;
  }
  return out;
}

before(async () => {
  db = await createDatabase("serve");
  for (let i = 0; i < 3; i++) dirs.push(mkdtempSync(join(tmpdir(), `arclink-replica-${names[i]}-`)));
  // Every replica must present the same CA and server certificate: one TLS folder, copied.
  ensurePki(dirs[0]);
  for (const d of dirs.slice(1)) cpSync(join(dirs[0], "tls"), join(d, "tls"), { recursive: true });
  // All three start at once on the empty database (the first start creates the directory).
  // A names the database with --postgres-url; B and C read ARCLINK_POSTGRES_URL.
  const started = await Promise.allSettled(
    dirs.map((dataDir, i) =>
      startServer(
        i === 0
          ? { dataDir, args: ["--store", "postgres", "--postgres-url", db!.url] }
          : { dataDir, args: ["--store", "postgres"], env: { ARCLINK_POSTGRES_URL: db!.url } },
      ),
    ),
  );
  replicas = started.flatMap((s) => (s.status === "fulfilled" ? [s.value] : []));
  const failed = started.find((s): s is PromiseRejectedResult => s.status === "rejected");
  if (failed) throw failed.reason;
  bearer = await token(replicas[0].info);
  sub = `/subscriptions/${replicas[0].info.subscriptionId}`;
}, T);

after(async () => {
  await Promise.all(replicas.map((r) => r.stop()));
  await db?.drop();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
}, T);

describe("replicas on one PostgreSQL database", T, () => {
  it("share one directory, CA and signing key: a token from one replica works on every one", async () => {
    const infos: Ready[] = replicas.map((r) => r.info);
    for (const k of ["tenantId", "subscriptionId", "clientId", "clientSecret"] as const) {
      assert.deepEqual(
        infos.map((x) => x[k]),
        [infos[0][k], infos[0][k], infos[0][k]],
        `${k} differs between replicas that started together`,
      );
    }
    const ca = infos.map((x) => readFileSync(x.caCert, "utf8"));
    assert.ok(ca[0].includes("BEGIN CERTIFICATE"));
    assert.deepEqual(ca, [ca[0], ca[0], ca[0]]);
    const count = async (type: string) =>
      (
        await db!.query("SELECT count(*)::int AS n FROM resources WHERE type = $1 AND body IS NOT NULL", [
          type,
        ])
      ).rows[0].n;
    assert.equal(await count("ArcLink.Identity/servicePrincipals"), 1, "one default principal");
    assert.equal(await count("ArcLink.Identity/tenants"), 1, "one tenant");
    assert.equal(await count("Microsoft.Resources/subscriptions"), 1, "one subscription");
    assert.equal(await count("ArcLink.Identity/signingKeys"), 1, "one signing key");
    // Tokens issued by B and C verify on A, and A's on B and C.
    const tokens = [bearer, await token(infos[1]), await token(infos[2])];
    for (let issuer = 0; issuer < 3; issuer++) {
      for (let i = 0; i < 3; i++) {
        const r = await raw(infos[i], "GET", `/subscriptions?api-version=2022-12-01`, undefined, {
          authorization: `Bearer ${tokens[issuer]}`,
        });
        ok(r, 200, `${names[issuer]}'s token on ${names[i]}`);
        assert.deepEqual(
          (r.json.value as Array<{ subscriptionId: string }>).map((s) => s.subscriptionId),
          [infos[0].subscriptionId],
        );
      }
    }
    const bogus = await raw(infos[1], "GET", `/subscriptions?api-version=2022-12-01`, undefined, {
      authorization: `Bearer ${bearer.slice(0, -4)}AAAA`,
    });
    ok(bogus, 401, "a token with a broken signature");
  });

  it("a resource group created through A is visible through B and C within 1 s, and its deletion too", async () => {
    const path = `${sub}/resourcegroups/rg-shared?${RGV}`;
    ok(await call(1, "GET", path), 404, "not there yet on B");
    const c = await call(0, "PUT", path, { location: "westeurope", tags: { via: "A" } });
    ok(c, 201, "create on A");
    for (const i of [1, 2]) {
      await within(PROPAGATION_MS, `rg-shared on ${names[i]}`, async () => {
        const r = await call(i, "GET", path);
        if (r.status !== 200) return `${r.status} ${r.text}`;
        assert.deepEqual(r.json, c.json, `${names[i]} shows what A stored`);
        return true;
      });
    }
    const d = await call(2, "DELETE", path);
    ok(d, [200, 202], "delete on C");
    for (const i of [0, 1]) {
      await within(PROPAGATION_MS * 3, `rg-shared gone on ${names[i]}`, async () => {
        const r = await call(i, "GET", path);
        return r.status === 404 ? true : `${r.status}`;
      });
    }
  });

  it("50 concurrent PUTs with the same If-Match over the three replicas: one 200, 49 412", async () => {
    ok(await call(0, "PUT", `${sub}/resourcegroups/rg-etag?${RGV}`, { location: "eastus" }), 201, "group");
    const path = `${sub}/resourceGroups/rg-etag/providers/Microsoft.Network/virtualNetworks/vnet-etag?${NV}`;
    const body = (tag: string) => ({
      location: "eastus",
      tags: { writer: tag },
      properties: { addressSpace: { addressPrefixes: ["10.40.0.0/16"] } },
    });
    const created = await call(0, "PUT", path, body("A"));
    ok(created, 201, "vnet on A");
    const etag = created.json.etag as string;
    // The operation A started is known to C: its poll URL is signed with the shared key.
    const poll = created.headers["azure-asyncoperation"];
    assert.ok(typeof poll === "string", `an Azure-AsyncOperation header: ${JSON.stringify(created.headers)}`);
    const op = await call(2, "GET", new URL(poll).pathname + new URL(poll).search);
    ok(op, 200, "A's operation polled on C");
    assert.equal(op.json.status, "Succeeded");
    assert.match(etag, /^W\/"[0-9a-f-]{36}"$/);
    // Every replica has it (and its ETag) before the race starts.
    for (const i of [1, 2]) {
      await within(PROPAGATION_MS, `vnet-etag on ${names[i]}`, async () => {
        const r = await call(i, "GET", path);
        return r.status === 200 && r.json.etag === etag ? true : `${r.status} ${r.json?.etag}`;
      });
    }
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, n) => call(n % 3, "PUT", path, body(`w${n}`), { "if-match": etag })),
    );
    const statuses = results.map((r) => r.status);
    const winners = results.flatMap((r, n) => (r.status === 200 ? [n] : []));
    assert.equal(winners.length, 1, `exactly one 200; statuses: ${statuses.join(",")}`);
    assert.equal(
      statuses.filter((s) => s === 412).length,
      49,
      `the rest 412; statuses: ${statuses.join(",")}`,
    );
    for (const r of results) {
      if (r.status === 412) assert.equal(r.json.error.code, "PreconditionFailed", r.text);
    }
    const won = results[winners[0]];
    assert.equal(won.json.tags.writer, `w${winners[0]}`);
    assert.notEqual(won.json.etag, etag);
    // Every replica ends with the winner's write and nothing of the losers'.
    for (let i = 0; i < 3; i++) {
      await within(PROPAGATION_MS, `the winner's write on ${names[i]}`, async () => {
        const r = await call(i, "GET", path);
        return r.status === 200 && r.json.etag === won.json.etag && r.json.tags.writer === `w${winners[0]}`
          ? true
          : `${r.status} ${r.json?.etag} ${JSON.stringify(r.json?.tags)}`;
      });
    }
    const row = await db!.query("SELECT rev::int AS rev FROM resources WHERE key = $1", [
      path.split("?")[0].toLowerCase(),
    ]);
    assert.equal(row.rows[0].rev, 2, "created once, updated once");
  });

  it("300 concurrent creates spread over the replicas: every one lands exactly once", async () => {
    const name = (n: number) => `bulk-${String(n).padStart(3, "0")}`;
    const results = await Promise.all(
      Array.from({ length: 300 }, (_, n) =>
        call(n % 3, "PUT", `${sub}/resourcegroups/${name(n)}?${RGV}`, {
          location: "eastus",
          tags: { n: String(n) },
        }),
      ),
    );
    const bad = results.flatMap((r, n) => (r.status === 201 ? [] : [`${name(n)}: ${r.status} ${r.text}`]));
    assert.deepEqual(bad, [], "every create is 201");
    const want = Array.from({ length: 300 }, (_, n) => name(n));
    for (let i = 0; i < 3; i++) {
      await within(PROPAGATION_MS * 3, `all 300 groups listed on ${names[i]}`, async () => {
        const listed = (await groupNames(i)).filter((g) => g.startsWith("bulk-"));
        if (listed.length < 300) return `${listed.length} listed`;
        assert.deepEqual([...listed].sort(), want, `${names[i]} lists each group exactly once`);
        return true;
      });
    }
    const rows = await db!.query(
      "SELECT count(*)::int AS n, count(DISTINCT seq)::int AS seqs, max(rev)::int AS rev FROM resources WHERE key LIKE $1",
      [`${sub.toLowerCase()}/resourcegroups/bulk-%`],
    );
    assert.deepEqual(
      rows.rows[0],
      { n: 300, seqs: 300, rev: 1 },
      "300 rows, each its own commit, written once",
    );
  });

  it("a private DNS record created through A is answered by replica C's DNS listener within 1 s", async () => {
    const rg = `${sub}/resourceGroups/rg-dns`;
    ok(await call(0, "PUT", `${rg}?${RGV}`, { location: "eastus" }), 201, "group");
    const vnetId = `${rg}/providers/Microsoft.Network/virtualNetworks/vnet-dns`;
    ok(
      await call(0, "PUT", `${vnetId}?${NV}`, {
        location: "eastus",
        properties: { addressSpace: { addressPrefixes: ["10.60.0.0/16"] } },
      }),
      201,
      "vnet",
    );
    const zone = `${rg}/providers/Microsoft.Network/privateDnsZones/corp.arclink.test`;
    ok(await call(0, "PUT", `${zone}?${DNSV}`, { location: "global" }), 201, "zone");
    ok(
      await call(0, "PUT", `${zone}/virtualNetworkLinks/link-dns?${DNSV}`, {
        location: "global",
        properties: { virtualNetwork: { id: vnetId }, registrationEnabled: false },
      }),
      201,
      "link",
    );
    // C opens a listener for the new VNet's Azure-provided DNS and names it in its ready file.
    let port = 0;
    await within(PROPAGATION_MS * 3, "C's listener for azure:vnet-dns", async () => {
      const ready = JSON.parse(readFileSync(replicas[2].readyFile, "utf8")) as Ready;
      const e = (ready.dns ?? {})["azure:vnet-dns"] as { host: string; port: number } | undefined;
      if (!e) return `listeners: ${Object.keys(ready.dns ?? {}).join(", ")}`;
      assert.equal(e.host, LOOPBACK);
      port = e.port;
      return true;
    });
    // The zone is linked on C: the name is authoritatively absent before the record exists.
    await within(PROPAGATION_MS, "NXDOMAIN from the linked zone on C", async () => {
      const r = await dig(port, "app.corp.arclink.test");
      return r.status === "NXDOMAIN" ? true : r.text;
    });
    ok(
      await call(0, "PUT", `${zone}/A/app?${DNSV}`, {
        properties: { ttl: 30, aRecords: [{ ipv4Address: "10.60.0.10" }] },
      }),
      201,
      "A record on A",
    );
    const took = await within(PROPAGATION_MS, "C answering the new record", async () => {
      const r = await dig(port, "app.corp.arclink.test");
      if (r.status !== "NOERROR") return r.text;
      assert.deepEqual(
        r.answer.map((a) => [a.name, a.type, a.data]),
        [["app.corp.arclink.test", "A", "10.60.0.10"]],
        r.text,
      );
      return true;
    });
    assert.ok(took <= PROPAGATION_MS, `took ${took} ms`);
  });
});

describe("the first start's directory on a shared store (in process, two replicas' worlds)", T, () => {
  let ddb: TestDatabase | undefined;
  const stores: PostgresStore[] = [];
  before(async () => {
    ddb = await createDatabase("directory");
  });
  after(async () => {
    for (const s of stores) await s.close();
    await ddb?.drop();
  });

  /** A replica as startArcLink builds it, without the follower: its World only catches up on conflict. */
  async function replica(): Promise<{ world: World; writer: Writer }> {
    const store = await PostgresStore.open(ddb!.url, { poolSize: 2 });
    stores.push(store);
    const world = new World();
    const loaded = await store.loadAll();
    world.load(loaded.resources, loaded.seq);
    return { world, writer: new Writer(store, world) };
  }

  it("two replicas creating it at once end with one directory and one signing key", async () => {
    await ddb!.query("DROP TABLE IF EXISTS resources, meta");
    const [a, b] = [await replica(), await replica()];
    const [da, dbb] = await Promise.all([
      ensureDirectory(a.writer, a.world),
      ensureDirectory(b.writer, b.world),
    ]);
    assert.deepEqual(dbb, da);
    assert.equal(b.world.get(SIGNING_KEY_ID)?.body.jwk.kid, a.world.get(SIGNING_KEY_ID)?.body.jwk.kid);
    const n = await ddb!.query("SELECT count(*)::int AS n FROM resources WHERE type = $1", [PRINCIPAL_TYPE]);
    assert.equal(n.rows[0].n, 1);
  });

  it("a replica whose world predates another's directory adopts it instead of making a second one", async () => {
    await ddb!.query("DROP TABLE IF EXISTS resources, meta");
    // A store with only the signing key (as after a first start that stopped half-way).
    const seed = await replica();
    await seed.writer.run((tx) =>
      tx.put(SIGNING_KEY_ID, SIGNING_KEY_TYPE, { jwk: { kty: "RSA", kid: "seeded" } }),
    );
    const [a, b] = [await replica(), await replica()];
    const da = await ensureDirectory(a.writer, a.world);
    // B loaded before A wrote: its World has no principal, and no follower tells it otherwise.
    assert.equal(b.world.ofType(PRINCIPAL_TYPE).length, 0);
    const dbb = await ensureDirectory(b.writer, b.world);
    assert.deepEqual(dbb, da);
    const n = await ddb!.query("SELECT count(*)::int AS n FROM resources WHERE type = $1", [PRINCIPAL_TYPE]);
    assert.equal(n.rows[0].n, 1, "one default principal");
    assert.equal(b.world.get(SIGNING_KEY_ID)?.body.jwk.kid, "seeded");
  });
});

describe("a replica's World follows the shared store in order (in process)", T, () => {
  let wdb: TestDatabase | undefined;
  const stores: PostgresStore[] = [];
  const RG = "Microsoft.Resources/resourceGroups";
  const id = (n: string) => `/subscriptions/00000000-0000-0000-0000-0000000000d1/resourceGroups/${n}`;
  before(async () => {
    wdb = await createDatabase("world");
  });
  after(async () => {
    for (const s of stores) await s.close();
    await wdb?.drop();
  });
  async function open(): Promise<PostgresStore> {
    const s = await PostgresStore.open(wdb!.url, { poolSize: 2 });
    stores.push(s);
    return s;
  }

  it("a local commit after another replica's commits brings those too (no skipped sequence numbers)", async () => {
    await wdb!.query("DROP TABLE IF EXISTS resources, meta");
    const mine = await open();
    const other = await open();
    const world = new World();
    world.load([], 0);
    const writer = new Writer(mine, world);
    await other.commit({
      puts: [{ id: id("theirs"), type: RG, body: { v: 1 } }],
      deletes: [],
      expect: new Map(),
    });
    await writer.run((tx) => tx.put(id("mine"), RG, { v: 1 }));
    assert.equal(world.seq, 2);
    assert.equal(world.get(id("theirs"))?.body.v, 1, "the other replica's earlier commit is in this World");
    assert.equal(world.get(id("mine"))?.body.v, 1);
    await writer.catchUp();
    assert.equal(world.size, 2);
  });

  it("a catch-up that read before a newer local commit does not overwrite it", async () => {
    await wdb!.query("DROP TABLE IF EXISTS resources, meta");
    const inner = await open();
    const other = await open();
    // The first changesSince reads the store at once but answers only when released.
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let calls = 0;
    const store: Store = {
      kind: "postgres",
      loadAll: () => inner.loadAll(),
      commit: (ws) => inner.commit(ws),
      close: () => inner.close(),
      async changesSince(seq: number): Promise<CommitResult> {
        const r = await inner.changesSince(seq);
        if (calls++ === 0) await gate;
        return r;
      },
    };
    const world = new World();
    world.load([], 0);
    const writer = new Writer(store, world);
    await other.commit({ puts: [{ id: id("x"), type: RG, body: { v: 1 } }], deletes: [], expect: new Map() });
    const slow = writer.catchUp(); // read x at v1 (sequence 1), held back
    await new Promise((r) => setTimeout(r, 100));
    // This write conflicts (its World has no x yet), catches up, retries and commits x at v2.
    await writer.run((tx) => tx.put(id("x"), RG, { v: (tx.get(id("x"))?.body.v ?? 0) + 1 }));
    assert.equal(world.get(id("x"))?.body.v, 2);
    assert.equal(world.seq, 2);
    release();
    await slow;
    assert.equal(world.get(id("x"))?.body.v, 2, "the late catch-up must not bring back v1");
    assert.equal(world.get(id("x"))?.rev, 2);
    assert.equal(world.seq, 2);
  });
});

describe("arclink serve --store flags", T, () => {
  async function serve(args: string[]): Promise<{ code: number; stderr: string }> {
    const env = { ...process.env };
    delete env.ARCLINK_POSTGRES_URL;
    const dir = mkdtempSync(join(tmpdir(), "arclink-flags-"));
    const r = await arclink(["serve", "--port", "0", "--dns", "none", "--data", dir, ...args], {
      env,
      timeoutMs: 30_000,
    });
    rmSync(dir, { recursive: true, force: true });
    return r;
  }

  it("refuses a missing or wrong store and an unreachable database, saying how to fix it", async () => {
    const [none, other, mixed, down] = await Promise.all([
      serve(["--store", "postgres"]),
      serve(["--store", "mysql"]),
      serve(["--store", "sqlite", "--postgres-url", "postgres://127.0.0.1/x"]),
      serve(["--postgres-url", "postgres://arclink:hunter2-pw@127.0.0.1:1/arclink"]),
    ]);
    assert.equal(none.code, 2, none.stderr);
    assert.match(
      none.stderr,
      /--store postgres needs a database: --postgres-url postgres:\/\/.*ARCLINK_POSTGRES_URL/,
    );
    assert.equal(other.code, 2, other.stderr);
    assert.match(other.stderr, /--store must be sqlite or postgres, got 'mysql'/);
    assert.equal(mixed.code, 2, mixed.stderr);
    assert.match(mixed.stderr, /--postgres-url is for --store postgres/);
    assert.equal(down.code, 1, down.stderr);
    assert.match(
      down.stderr,
      /Cannot open the PostgreSQL store at postgres:\/\/arclink:\*\*\*@127\.0\.0\.1:1\/arclink/,
    );
    assert.doesNotMatch(down.stderr, /hunter2-pw/);
  });
});
