// Crash safety: `arclink serve` is killed with SIGKILL at a random point of a concurrent write
// load, 20 times on the SQLite store and 20 times on PostgreSQL, each time on the same data. After
// every restart each acknowledged write is there with its acknowledged content and ETag (or the
// content of the write that was in flight on that name), nothing is half-written (a private
// endpoint, its network interface and its connection on the target scope exist together or not
// at all; every stored row is a complete resource), and the restarted server answers no 5xx.
// The load mixes creates, updates with If-Match, deletes, and private endpoint creates and
// deletes (one write that stores three resources). A token issued before the first crash is used
// throughout: tokens survive restarts.
import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import { createHash, randomInt } from "node:crypto";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { ArmClient, armClient, RawResponse, token } from "./helpers/arm.js";
import { createDatabase, TestDatabase } from "./helpers/postgres.js";
import { Ready, removeDataDir, startServer, TestServer } from "./helpers/server.js";

const ROUNDS = 20;
const WORKERS = 4;
/** Each round's kill comes after a random number of acknowledged writes in this range. */
const KILL_AFTER = [4, 24] as const;
const T = { timeout: 420_000 };
const RGV = "api-version=2021-04-01";
const NV = "api-version=2025-05-01";
const HCV = "api-version=2021-05-20";
const HOME = "crash-home";

type Res = RawResponse;

/** An ARM client on one keep-alive agent. */
const client = (info: Ready, bearer: string, maxSockets = 16) => armClient(info, bearer, maxSockets, 60_000);
type Client = ArmClient;

function digest(path: string, v: number): string {
  return createHash("sha256").update(`${path}:${v}`).digest("hex").slice(0, 32);
}

/** What a name may look like after a restart: absent, or present with the body written at one version. */
type State = { present: false } | { present: true; check: string; etag?: string };
interface Tracked {
  /** The last acknowledged state. */
  ack: State;
  /** The state of a write sent but not answered when the server died. */
  pending?: State;
}

function same(a: State, b: State): boolean {
  return a.present === b.present && (!a.present || (b.present && a.check === b.check));
}

function describeState(s: State | undefined): string {
  return s === undefined ? "none" : s.present ? `present ${s.check.slice(0, 8)}` : "absent";
}

interface Backend {
  name: string;
  start(): Promise<TestServer>;
  /** Every stored row (deleted ones have no body). */
  rows(): Promise<Array<{ key: string; type: string; body: unknown }>>;
  /** Stops whatever server is still running (after a failure) and removes the data. */
  cleanup(): Promise<void>;
}

function sqliteBackend(): Backend {
  let dataDir: string | undefined;
  let live: TestServer | undefined;
  return {
    name: "SQLite",
    async start() {
      live = await startServer({ ...(dataDir ? { dataDir } : {}), args: ["--dns", "none"] });
      dataDir = live.dataDir;
      return live;
    },
    async rows() {
      const db = new Database(join(dataDir!, "arclink.db"), { readonly: true, fileMustExist: true });
      try {
        return db.prepare("SELECT key, type, body FROM resources").all() as any[];
      } finally {
        db.close();
      }
    },
    async cleanup() {
      await live?.kill9();
      if (dataDir) removeDataDir(dataDir);
    },
  };
}

function postgresBackend(): Backend {
  let db: TestDatabase | undefined;
  let live: TestServer | undefined;
  const dataDir = mkdtempSync(join(tmpdir(), "arclink-crash-pg-"));
  return {
    name: "PostgreSQL",
    async start() {
      db ??= await createDatabase("crash");
      live = await startServer({
        dataDir,
        args: ["--store", "postgres", "--postgres-url", db.url, "--dns", "none"],
      });
      return live;
    },
    async rows() {
      return (await db!.query("SELECT key, type, body FROM resources")).rows;
    },
    async cleanup() {
      await live?.kill9();
      await db?.drop();
      removeDataDir(dataDir);
    },
  };
}

interface RoundFigures {
  acked: number;
  inFlight: number;
  checked: number;
}

/** One backend: set up, then ROUNDS times: write under load, kill -9, restart, verify. */
async function crashRounds(backend: Backend, log: (line: string) => void): Promise<RoundFigures[]> {
  let srv = await backend.start();
  const bearer = await token(srv.info);
  const sub = `/subscriptions/${srv.info.subscriptionId}`;
  const home = `${sub}/resourceGroups/${HOME}`;
  const net = `${home}/providers/Microsoft.Network`;
  const subnet = `${net}/virtualNetworks/vnet/subnets/pe`;
  const targetScope = `${home}/providers/Microsoft.HybridCompute/privateLinkScopes/pls-target`;
  let c = client(srv.info, bearer);

  const must = async (method: string, path: string, body: object | undefined, want: number[]) => {
    const r = await c.call(method, path, body);
    assert.ok(want.includes(r.status), `${method} ${path}: ${r.status} ${r.text}`);
    return r;
  };
  await must("PUT", `${home}?${RGV}`, { location: "eastus" }, [201]);
  await must(
    "PUT",
    `${net}/virtualNetworks/vnet?${NV}`,
    {
      location: "eastus",
      properties: {
        addressSpace: { addressPrefixes: ["10.50.0.0/16"] },
        subnets: [{ name: "pe", properties: { addressPrefix: "10.50.0.0/20" } }],
      },
    },
    [201],
  );
  await must("PUT", `${targetScope}?${HCV}`, { location: "eastus" }, [201]);

  const tracked = new Map<string, Tracked>();
  /** Per worker: the NSG it updates with If-Match, its known ETag and version; its live groups and endpoint. */
  const workers = Array.from({ length: WORKERS }, (_, k) => ({
    nsg: `${net}/networkSecurityGroups/nsg-w${k}?${NV}`,
    etag: "",
    v: 0,
    groups: [] as string[],
    endpoint: undefined as string | undefined,
  }));
  for (const w of workers) {
    const body = { location: "eastus", tags: { v: "0", check: digest(w.nsg, 0) } };
    const r = await must("PUT", w.nsg, body, [201]);
    w.etag = r.json.etag;
    tracked.set(w.nsg, { ack: { present: true, check: digest(w.nsg, 0), etag: w.etag } });
  }

  const figures: RoundFigures[] = [];
  let seq = 0;
  for (let round = 0; round < ROUNDS; round++) {
    const killAfter = randomInt(KILL_AFTER[0], KILL_AFTER[1] + 1);
    let acked = 0;
    let killed = false;
    let killing: Promise<void> | undefined;
    const current = srv;
    const cur = c;

    /** Sends one write; records it as pending, then as acknowledged when answered with `ok`. */
    const write = async (
      method: string,
      path: string,
      body: object | undefined,
      next: State,
      ok: number[],
      headers: Record<string, string> = {},
    ): Promise<Res | undefined> => {
      const t = tracked.get(path) ?? { ack: { present: false } };
      tracked.set(path, t);
      t.pending = next;
      let r: Res;
      try {
        r = await cur.call(method, path, body, headers);
      } catch (e) {
        if (killed) return undefined; // in flight when the server died: stays pending
        throw e;
      }
      assert.ok(ok.includes(r.status), `${method} ${path}: ${r.status} ${r.text}`);
      t.ack = next.present ? { ...next, etag: r.json?.etag } : next;
      t.pending = undefined;
      acked++;
      if (acked >= killAfter && !killed) {
        killed = true;
        killing = current.kill9();
      }
      return r;
    };

    const loop = async (k: number) => {
      const w = workers[k];
      for (let j = 0; !killed; j++) {
        const op = (j + k) % 4;
        if (op === 0 || (op === 2 && w.groups.length === 0)) {
          // Create a resource group.
          const path = `${sub}/resourcegroups/c${round}-w${k}-${seq++}?${RGV}`;
          const check = digest(path, 1);
          const r = await write(
            "PUT",
            path,
            { location: "eastus", tags: { check } },
            { present: true, check },
            [201],
          );
          if (r) w.groups.push(path);
        } else if (op === 1) {
          // Update the worker's NSG with If-Match on the ETag it last saw.
          const v = w.v + 1;
          const check = digest(w.nsg, v);
          const r = await write(
            "PUT",
            w.nsg,
            { location: "eastus", tags: { v: String(v), check } },
            { present: true, check },
            [200],
            { "if-match": w.etag },
          );
          if (r) {
            assert.notEqual(r.json.etag, w.etag);
            w.etag = r.json.etag;
            w.v = v;
          }
        } else if (op === 2) {
          // Delete the oldest group this worker created.
          const path = w.groups.shift()!;
          await write("DELETE", path, undefined, { present: false }, [200, 202]);
        } else if (w.endpoint) {
          // Delete the worker's private endpoint (its NIC and connection go with it).
          const path = w.endpoint;
          const r = await write("DELETE", path, undefined, { present: false }, [200, 202]);
          if (r) w.endpoint = undefined;
        } else {
          // Create a private endpoint: one write storing the endpoint, its NIC and a connection.
          const path = `${net}/privateEndpoints/pe-r${round}-w${k}-${seq++}?${NV}`;
          const check = digest(path, 1);
          const r = await write(
            "PUT",
            path,
            {
              location: "eastus",
              tags: { check },
              properties: {
                subnet: { id: subnet },
                privateLinkServiceConnections: [
                  {
                    name: "c",
                    properties: { privateLinkServiceId: targetScope, groupIds: ["hybridcompute"] },
                  },
                ],
              },
            },
            { present: true, check },
            [201],
          );
          if (r) w.endpoint = path;
        }
      }
    };
    await Promise.all(workers.map((_, k) => loop(k)));
    await killing;
    cur.close();
    assert.ok(killed, `round ${round}: the server was killed`);
    const inFlight = [...tracked.values()].filter((t) => t.pending).length;

    // Restart on the same data and verify with the token issued before the first crash.
    srv = await backend.start();
    c = client(srv.info, bearer);
    const paths = [...tracked.keys()];
    const seen = await Promise.all(paths.map((p) => c.call("GET", p)));
    seen.forEach((r, i) => {
      const path = paths[i];
      const t = tracked.get(path)!;
      assert.ok(r.status === 200 || r.status === 404, `round ${round}: GET ${path}: ${r.status} ${r.text}`);
      const observed: State =
        r.status === 404 ? { present: false } : { present: true, check: String(r.json.tags?.check) };
      const ok = same(observed, t.ack) || (t.pending !== undefined && same(observed, t.pending));
      assert.ok(
        ok,
        `round ${round}: ${path} is ${describeState(observed)}; acknowledged ${describeState(t.ack)}, in flight ${describeState(t.pending)}`,
      );
      if (r.status === 200) {
        assert.equal(r.headers.etag, r.json.etag, `${path}: the ETag header matches the body`);
        if (t.ack.present && same(observed, t.ack) && t.ack.etag) {
          assert.equal(r.json.etag, t.ack.etag, `round ${round}: ${path} has the acknowledged ETag`);
        }
        assert.ok(r.json.id && r.json.name && r.json.type && r.json.properties, `${path}: ${r.text}`);
      }
      t.ack =
        r.status === 404
          ? { present: false }
          : { present: true, check: observed.present ? observed.check : "", etag: r.json.etag };
      t.pending = undefined;
    });
    // Writers continue from what is stored.
    for (const w of workers) {
      const t = tracked.get(w.nsg)!;
      assert.ok(t.ack.present, `${w.nsg} exists`);
      w.etag = t.ack.etag!;
      const r = seen[paths.indexOf(w.nsg)];
      w.v = Number(r.json.tags.v);
      w.groups = w.groups.filter((g) => tracked.get(g)!.ack.present);
      if (w.endpoint && !tracked.get(w.endpoint)!.ack.present) w.endpoint = undefined;
    }
    for (const [path, t] of tracked) {
      // An endpoint created in flight and stored becomes its worker's endpoint to delete later.
      if (path.includes("/privateEndpoints/") && t.ack.present && !workers.some((w) => w.endpoint === path)) {
        const k = Number(/-w(\d+)-/.exec(path)![1]);
        if (!workers[k].endpoint) workers[k].endpoint = path;
      }
    }
    // A name verified absent after its acknowledged delete is not written again: stop tracking it.
    for (const [path, t] of tracked) if (!t.ack.present) tracked.delete(path);
    await checkWhole(c, backend, { net, targetScope, round });
    figures.push({ acked, inFlight, checked: paths.length });
    log(
      `${backend.name} round ${round + 1}: killed after ${acked} acknowledged writes (${inFlight} in flight); ${paths.length} names checked`,
    );
  }
  c.close();
  await srv.stop();
  return figures;
}

/** No half-written resource anywhere: endpoints, NICs and connections agree; every row is complete. */
async function checkWhole(
  c: Client,
  backend: Backend,
  at: { net: string; targetScope: string; round: number },
): Promise<void> {
  const list = async (path: string) => {
    const r = await c.call("GET", path);
    assert.equal(r.status, 200, `round ${at.round}: GET ${path}: ${r.status} ${r.text}`);
    assert.equal(r.json.nextLink ?? undefined, undefined, "one page");
    return r.json.value as any[];
  };
  const lower = (s: unknown) => String(s).toLowerCase();
  const endpoints = await list(`${at.net}/privateEndpoints?${NV}`);
  const nics = await list(`${at.net}/networkInterfaces?${NV}`);
  const connections = await list(`${at.targetScope}/privateEndpointConnections?${HCV}`);
  const nicIds = new Set(nics.map((n) => lower(n.id)));
  const peIds = new Set(endpoints.map((p) => lower(p.id)));
  for (const pe of endpoints) {
    const nic = pe.properties?.networkInterfaces?.[0]?.id;
    assert.ok(nic && nicIds.has(lower(nic)), `round ${at.round}: ${pe.id} has no NIC (${nic})`);
    assert.ok(
      connections.some((x) => lower(x.properties?.privateEndpoint?.id) === lower(pe.id)),
      `round ${at.round}: ${pe.id} has no connection on the target scope`,
    );
  }
  for (const nic of nics) {
    const owner = nic.properties?.privateEndpoint?.id;
    assert.ok(
      owner && peIds.has(lower(owner)),
      `round ${at.round}: NIC ${nic.id} belongs to no endpoint (${owner})`,
    );
  }
  for (const x of connections) {
    assert.ok(
      peIds.has(lower(x.properties?.privateEndpoint?.id)),
      `round ${at.round}: connection ${x.id} names a missing endpoint`,
    );
  }
  assert.equal(nics.length, endpoints.length, `round ${at.round}: one NIC per endpoint`);
  assert.equal(connections.length, endpoints.length, `round ${at.round}: one connection per endpoint`);
  for (const row of await backend.rows()) {
    if (row.body === null || row.body === undefined) continue;
    const b = typeof row.body === "string" ? JSON.parse(row.body) : row.body;
    assert.equal(typeof b, "object", row.key);
    if (row.type.startsWith("ArcLink.") || row.type === "Microsoft.Resources/subscriptions") continue;
    assert.ok(b.id && b.name && b.type && b.properties, `round ${at.round}: ${row.key} is incomplete`);
  }
}

const cleanups: Backend[] = [];
after(async () => {
  for (const b of cleanups) await b.cleanup();
}, T);

// One store after the other: on two cores, running them side by side is no faster.
describe("kill -9 under a write load", T, () => {
  for (const make of [sqliteBackend, postgresBackend]) {
    const backend = make();
    cleanups.push(backend);
    test(
      `${backend.name}: ${ROUNDS} rounds: every acknowledged write survives, nothing is half-written, no 5xx`,
      T,
      async (t) => {
        const t0 = Date.now();
        const figures = await crashRounds(backend, (l) => t.diagnostic(l));
        const acked = figures.reduce((a, f) => a + f.acked, 0);
        const inFlight = figures.reduce((a, f) => a + f.inFlight, 0);
        const checked = figures.reduce((a, f) => a + f.checked, 0);
        assert.equal(figures.length, ROUNDS);
        assert.ok(inFlight > 0, "some writes were in flight when the server died");
        t.diagnostic(
          `${backend.name}: ${ROUNDS} kills, ${acked} writes acknowledged, ${inFlight} in flight at a kill, ` +
            `${checked} name checks after restarts, ${Date.now() - t0} ms`,
        );
      },
    );
  }
});
