// Rules that hold across replicas: two `arclink serve --store postgres` replicas on one database
// receive conflicting writes at the same instant, round after round, while busy-looping processes
// keep the CPUs busy (so a replica's in-memory World lags the database). Every rule a write checks
// against what it read (one fleet at a time, unique addresses in a subnet, one DNS resolver per
// virtual network, one zone group per endpoint, one auto-registering zone per virtual network, the
// registration links of a zone, create-only and ETag-conditioned writes) must give one success and
// one Azure-shaped refusal per round, never two successes. ARCLINK_TEST_POSTGRES_URL must be set.
import assert from "node:assert/strict";
import { ChildProcess, spawn } from "node:child_process";
import { cpSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { ensurePki } from "../src/core/pki.js";
import { raw, RawResponse, token } from "./helpers/arm.js";
import { createDatabase, TestDatabase } from "./helpers/postgres.js";
import { ROOT, startServer, TestServer } from "./helpers/server.js";

const T = { timeout: 600_000 };
const ROUNDS = 12;
const NV = "api-version=2025-05-01";
const DNSV = "api-version=2024-06-01";
const RESV = "api-version=2022-07-01";
const LAB = "api-version=2025-01-01";
const RG = "rg-arc-private-link";
/** Busy-looping processes beside the replicas (the machine's cores are few). */
const BUSY = 2;

let db: TestDatabase | undefined;
const dirs: string[] = [];
const replicas: TestServer[] = [];
const busy: ChildProcess[] = [];
let bearer = "";
let net = "";
let dns = "";

function call(i: number, method: string, path: string, body?: object, headers: Record<string, string> = {}) {
  return raw(replicas[i].info, method, path, body, { authorization: `Bearer ${bearer}`, ...headers });
}

/** The same write on replica A and replica B at the same instant. */
function race(
  method: string,
  path: (i: number) => string,
  body: (i: number) => object | undefined,
  headers = {},
) {
  return Promise.all([0, 1].map((i) => call(i, method, path(i), body(i), headers)));
}

function ok(r: RawResponse, want: number[], what: string): void {
  assert.ok(want.includes(r.status), `${what}: expected ${want.join("/")}, got ${r.status} ${r.text}`);
}

const won = (r: RawResponse) => r.status >= 200 && r.status < 300;

/** One success and one refusal with `code`; the rule's name says which one was broken otherwise. */
function oneWins(rs: RawResponse[], status: number, code: string, rule: string): void {
  const wins = rs.filter(won);
  assert.equal(
    wins.length,
    1,
    `${rule}: ${wins.length} successes: ${rs.map((r) => `${r.status} ${r.text}`).join(" | ")}`,
  );
  const lost = rs.find((r) => !won(r))!;
  assert.equal(lost.status, status, `${rule}: ${lost.text}`);
  assert.equal(lost.json?.error?.code, code, `${rule}: ${lost.text}`);
}

async function vnet(name: string, prefix: string): Promise<string> {
  const id = `${net}/virtualNetworks/${name}`;
  const r = await call(0, "PUT", `${id}?${NV}`, {
    location: "eastus",
    properties: {
      addressSpace: { addressPrefixes: [`${prefix}.0.0/16`] },
      subnets: [{ name: "s", properties: { addressPrefix: `${prefix}.1.0/24` } }],
    },
  });
  ok(r, [200, 201], `vnet ${name}`);
  return id;
}

/** Waits until replica `i` has seen `path` (it follows the store). */
async function seen(i: number, path: string): Promise<void> {
  for (let n = 0; ; n++) {
    const r = await call(i, "GET", path);
    if (r.status === 200) return;
    if (n > 400) assert.fail(`${path} not seen on replica ${i}: ${r.status} ${r.text}`);
    await new Promise((res) => setTimeout(res, 25));
  }
}

before(async () => {
  for (let i = 0; i < BUSY; i++)
    busy.push(spawn(process.execPath, ["-e", "for (;;) {}"], { stdio: "ignore" }));
  db = await createDatabase("rules");
  for (const n of ["a", "b"]) dirs.push(mkdtempSync(join(tmpdir(), `arclink-rules-${n}-`)));
  ensurePki(dirs[0]);
  cpSync(join(dirs[0], "tls"), join(dirs[1], "tls"), { recursive: true });
  const pg = ["--store", "postgres", "--postgres-url", db.url, "--dns", "none"];
  replicas.push(
    await startServer({
      dataDir: dirs[0],
      args: [...pg, "--topology", join(ROOT, "examples/reference.yaml")],
    }),
  );
  replicas.push(await startServer({ dataDir: dirs[1], args: pg }));
  bearer = await token(replicas[0].info);
  const sub = `/subscriptions/${replicas[0].info.subscriptionId}`;
  net = `${sub}/resourceGroups/${RG}/providers/Microsoft.Network`;
  dns = net;
}, T);

after(async () => {
  for (const p of busy) p.kill("SIGKILL");
  await Promise.all(replicas.map((r) => r.stop()));
  await db?.drop();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
}, T);

describe("rules enforced by the store across two replicas (PostgreSQL, busy CPUs)", T, () => {
  it("create-only (If-None-Match: *) of one name: one 201, one 412, every round", async () => {
    for (let k = 0; k < ROUNDS; k++) {
      const path = `${net}/networkSecurityGroups/nsg-once-${k}?${NV}`;
      const rs = await race(
        "PUT",
        () => path,
        () => ({ location: "eastus" }),
        { "if-none-match": "*" },
      );
      oneWins(rs, 412, "PreconditionFailed", `round ${k}: create-only`);
    }
  });

  it("the same If-Match ETag on both replicas: one 200, one 412, every round", async () => {
    const path = `${net}/networkSecurityGroups/nsg-etag?${NV}`;
    ok(await call(0, "PUT", path, { location: "eastus" }), [200, 201], "nsg");
    for (let k = 0; k < ROUNDS; k++) {
      await seen(1, path);
      const cur = await call(0, "GET", path);
      const etag = String(cur.json.etag);
      // B must know the same version, or its 412 would come from its own lag rather than the race.
      for (let n = 0; (await call(1, "GET", path)).json.etag !== etag; n++) {
        if (n > 400) assert.fail("B never saw the current ETag");
        await new Promise((res) => setTimeout(res, 25));
      }
      const rs = await race(
        "PUT",
        () => path,
        (i) => ({ location: "eastus", tags: { round: `${k}`, by: `${i}` } }),
        {
          "if-match": etag,
        },
      );
      oneWins(rs, 412, "PreconditionFailed", `round ${k}: If-Match`);
    }
  });

  it("addresses in a subnet: dynamic allocations never collide, one static address is given once", async () => {
    const v = await vnet("vnet-addr", "10.150");
    const subnet = `${v}/subnets/s`;
    await seen(1, `${subnet}?${NV}`);
    const nic = (ip?: string) => ({
      location: "eastus",
      properties: {
        ipConfigurations: [
          {
            name: "c",
            properties: {
              subnet: { id: subnet },
              privateIPAllocationMethod: ip ? "Static" : "Dynamic",
              ...(ip ? { privateIPAddress: ip } : {}),
            },
          },
        ],
      },
    });
    const all = new Map<string, string>();
    for (let k = 0; k < ROUNDS; k++) {
      const rs = await race(
        "PUT",
        (i) => `${net}/networkInterfaces/nic-dyn-${k}-${i}?${NV}`,
        () => nic(),
      );
      for (const r of rs) {
        ok(r, [200, 201], `round ${k}: dynamic NIC`);
        const ip = String(r.json.properties.ipConfigurations[0].properties.privateIPAddress);
        assert.ok(!all.has(ip), `round ${k}: ${ip} given to ${r.json.name} and ${all.get(ip)}`);
        all.set(ip, r.json.name);
      }
      const fixed = `10.150.1.${200 + k}`;
      const st = await race(
        "PUT",
        (i) => `${net}/networkInterfaces/nic-st-${k}-${i}?${NV}`,
        () => nic(fixed),
      );
      oneWins(st, 400, "PrivateIPAddressInUse", `round ${k}: static ${fixed}`);
    }
  });

  it("one DNS resolver per virtual network", async () => {
    for (let k = 0; k < ROUNDS; k++) {
      const v = await vnet(`vnet-res-${k}`, `10.${160 + k}`);
      await seen(1, `${v}?${NV}`);
      const rs = await race(
        "PUT",
        (i) => `${net}/dnsResolvers/res-${k}-${i}?${RESV}`,
        () => ({ location: "eastus", properties: { virtualNetwork: { id: v } } }),
      );
      oneWins(rs, 409, "VirtualNetworkAlreadyHasDnsResolver", `round ${k}: resolvers`);
    }
  });

  it("one private DNS zone group per private endpoint", async () => {
    const pe = `${net}/privateEndpoints/pe-arc`;
    const zone = `${dns}/privateDnsZones/privatelink.his.arc.azure.com`;
    const group = (i: number) => ({
      properties: { privateDnsZoneConfigs: [{ name: `z${i}`, properties: { privateDnsZoneId: zone } }] },
    });
    for (let k = 0; k < ROUNDS; k++) {
      // The endpoint's group from the topology goes first: each round starts with none.
      for (const g of (await call(0, "GET", `${pe}/privateDnsZoneGroups?${NV}`)).json.value as Array<{
        id: string;
      }>)
        ok(await call(0, "DELETE", `${g.id}?${NV}`), [200, 202, 204], "delete group");
      const rs = await race("PUT", (i) => `${pe}/privateDnsZoneGroups/g-${k}-${i}?${NV}`, group);
      oneWins(rs, 400, "OnlyOnePrivateDnsZoneGroupPerPrivateEndpoint", `round ${k}: zone groups`);
    }
  });

  it("a virtual network auto-registers in one private DNS zone", async () => {
    for (let k = 0; k < ROUNDS; k++) {
      const v = await vnet(`vnet-reg-${k}`, `10.${180 + k}`);
      const zones = [0, 1].map((i) => `${dns}/privateDnsZones/reg${k}-${i}.contoso.test`);
      for (const z of zones)
        ok(await call(0, "PUT", `${z}?${DNSV}`, { location: "global" }), [200, 201, 202], z);
      for (const z of zones) await seen(1, `${z}?${DNSV}`);
      await seen(1, `${v}?${NV}`);
      const rs = await race(
        "PUT",
        (i) => `${zones[i]}/virtualNetworkLinks/l?${DNSV}`,
        () => ({ location: "global", properties: { virtualNetwork: { id: v }, registrationEnabled: true } }),
      );
      const wins = rs.filter(won);
      assert.equal(wins.length, 1, `round ${k}: ${rs.map((r) => `${r.status} ${r.text}`).join(" | ")}`);
      assert.ok(
        rs.some((r) => r.status >= 400 && r.status < 500),
        `round ${k}: the other is refused`,
      );
    }
  });

  it("one fleet at a time", async () => {
    const sub = `/subscriptions/${replicas[0].info.subscriptionId}`;
    for (let k = 0; k < 4; k++) {
      const rs = await race(
        "POST",
        () => `${sub}/providers/ArcLink.Lab/fleet?${LAB}`,
        // Long enough (hundreds of writes) that the winner still runs when the other replica's
        // refused commit runs again: a run that already ended would rightly let the second start.
        (i) => ({ machines: 200, heartbeatRounds: 1, namePrefix: `fr${k}x${i}` }),
      );
      oneWins(rs, 409, "FleetAlreadyRunning", `round ${k}: fleets`);
      const id = String(rs.find(won)!.json.name);
      for (let n = 0; ; n++) {
        const s = await call(0, "GET", `${sub}/providers/ArcLink.Lab/fleetOperations?id=${id}&${LAB}`);
        if (s.status === 200 && s.json.status !== "InProgress") {
          assert.equal(s.json.status, "Succeeded", s.text);
          break;
        }
        if (n > 2400) assert.fail(`fleet ${id} did not end: ${s.text}`);
        await new Promise((res) => setTimeout(res, 50));
      }
    }
  });
});
