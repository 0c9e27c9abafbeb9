// Rules that hold across replicas: two `arclink serve --store postgres` replicas on one database
// receive conflicting writes at the same instant, round after round, while busy-looping processes
// keep the CPUs busy (so a replica's in-memory World lags the database). Every rule a write checks
// against what it read (one fleet at a time, unique addresses in a subnet, one DNS resolver per
// virtual network, one zone group per endpoint, one auto-registering zone per virtual network, the
// registration links of a zone, create-only and ETag-conditioned writes, the last slot under the
// 25,000 record sets / 1,000 links / 100 registration links per zone and 1,000 zones per
// subscription, one host onboarding a machine) must give one success and one Azure-shaped refusal
// per round, never two successes; a machine is never associated with a scope deleted before the
// association committed. ARCLINK_TEST_POSTGRES_URL must be set.
import assert from "node:assert/strict";
import { ChildProcess, spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
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
const HC = "api-version=2024-07-10";
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

/** Waits until replica `i` no longer has `path`. */
async function gone(i: number, path: string): Promise<void> {
  for (let n = 0; ; n++) {
    const r = await call(i, "GET", path);
    if (r.status === 404) return;
    if (n > 400) assert.fail(`${path} still on replica ${i}: ${r.status} ${r.text}`);
    await new Promise((res) => setTimeout(res, 25));
  }
}

/**
 * Adds `n` copies of a stored resource in one commit of the store's own commit function (so both
 * replicas are notified and load them like any change): filling a zone to its limit one PUT at a
 * time would take minutes. `vary` gives each copy its name and changes its body.
 */
async function seed(
  templateId: string,
  n: number,
  vary: (body: any, i: number) => { name: string; body: any },
): Promise<string> {
  const row = (
    await db!.query<{ id: string; type: string; body: string }>(
      "SELECT id, type, body FROM resources WHERE key = $1 AND body IS NOT NULL",
      [templateId.toLowerCase()],
    )
  ).rows[0];
  assert.ok(row, `the template ${templateId} is stored`);
  const keys: string[] = [];
  const ids: string[] = [];
  const bodies: string[] = [];
  for (let i = 0; i < n; i++) {
    const v = vary(JSON.parse(row.body), i);
    const id = row.id.replace(/\/[^/]+$/, `/${v.name}`);
    keys.push(id.toLowerCase());
    ids.push(id);
    bodies.push(JSON.stringify({ ...v.body, id, name: v.name }));
  }
  await db!.query(
    "SELECT * FROM arclink_commit($1::text[], $2::bigint[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], NULL::jsonb)",
    [[], [], keys, ids, keys.map(() => row.type), bodies, []],
  );
  return ids[ids.length - 1];
}

/**
 * A limit with one slot left: both replicas create at the same instant, one wins the last slot and
 * the other gets `code`; the winner is deleted so that the next round races for the slot again.
 */
async function lastSlot(
  path: (k: number, i: number) => string,
  body: (k: number, i: number) => object,
  code: string,
  rule: string,
): Promise<void> {
  for (let k = 0; k < ROUNDS; k++) {
    const rs = await race(
      "PUT",
      (i) => path(k, i),
      (i) => body(k, i),
    );
    oneWins(rs, 409, code, `round ${k}: ${rule}`);
    const w = path(k, rs.findIndex(won));
    ok(await call(0, "DELETE", w), [200, 202, 204], `delete ${w}`);
    for (const i of [0, 1]) await gone(i, w);
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

  it("25,000 record sets per zone: the last slot is given once", async () => {
    const zone = `${dns}/privateDnsZones/full.contoso.test`;
    ok(await call(0, "PUT", `${zone}?${DNSV}`, { location: "global" }), [200, 201, 202], "zone");
    const a = (ip: string) => ({ properties: { ttl: 60, aRecords: [{ ipv4Address: ip }] } });
    ok(await call(0, "PUT", `${zone}/A/tmpl?${DNSV}`, a("10.70.0.1")), [201], "template");
    // The SOA, the template and the copies: one short of 25,000.
    const last = await seed(`${zone}/A/tmpl`, 25_000 - 3, (body, i) => ({
      name: `s${i}`,
      body: {
        ...body,
        etag: randomUUID(),
        properties: { ...body.properties, fqdn: `s${i}.full.contoso.test.` },
      },
    }));
    for (const i of [0, 1]) await seen(i, `${last}?${DNSV}`);
    const z = await call(1, "GET", `${zone}?${DNSV}`);
    assert.equal(z.json.properties.numberOfRecordSets, 25_000 - 1, z.text);
    await lastSlot(
      (k, i) => `${zone}/A/last-${k}-${i}?${DNSV}`,
      (k, i) => a(`10.70.1.${k * 2 + i}`),
      "RecordSetLimitExceeded",
      "record sets",
    );
  });

  // Links of a zone, seeded to one short of a limit; the raced links name two real networks,
  // free again after each round (the winner's link is deleted).
  async function zoneWithLinks(name: string, n: number, registration: boolean, tmplVnet: string) {
    const zone = `${dns}/privateDnsZones/${name}`;
    ok(await call(0, "PUT", `${zone}?${DNSV}`, { location: "global" }), [200, 201, 202], "zone");
    const t = await call(0, "PUT", `${zone}/virtualNetworkLinks/tmpl?${DNSV}`, {
      location: "global",
      properties: {
        virtualNetwork: { id: tmplVnet },
        registrationEnabled: registration,
      },
    });
    ok(t, [200, 201, 202], "template link");
    const last = await seed(`${zone}/virtualNetworkLinks/tmpl`, n - 2, (body, i) => ({
      name: `seed-${i}`,
      body: {
        ...body,
        etag: randomUUID(),
        properties: {
          ...body.properties,
          virtualNetwork: { id: `${net}/virtualNetworks/seed-${name}-${i}` },
        },
      },
    }));
    for (const i of [0, 1]) await seen(i, `${last}?${DNSV}`);
    return zone;
  }

  it("1,000 virtual network links per zone: the last slot is given once", async () => {
    const vs = [await vnet("vnet-lim-a", "10.200"), await vnet("vnet-lim-b", "10.201")];
    for (const v of vs) await seen(1, `${v}?${NV}`);
    const zone = await zoneWithLinks("links.contoso.test", 1000, false, await vnet("vnet-lim-t", "10.204"));
    await lastSlot(
      (k, i) => `${zone}/virtualNetworkLinks/last-${k}-${i}?${DNSV}`,
      (_k, i) => ({
        location: "global",
        properties: { virtualNetwork: { id: vs[i] }, registrationEnabled: false },
      }),
      "VirtualNetworkLinkLimitExceeded",
      "links per zone",
    );
  });

  it("100 registration links per zone: the last slot is given once", async () => {
    const vs = [await vnet("vnet-rl-a", "10.202"), await vnet("vnet-rl-b", "10.203")];
    for (const v of vs) await seen(1, `${v}?${NV}`);
    const zone = await zoneWithLinks("reglinks.contoso.test", 100, true, await vnet("vnet-rl-t", "10.205"));
    await lastSlot(
      (k, i) => `${zone}/virtualNetworkLinks/last-${k}-${i}?${DNSV}`,
      (_k, i) => ({
        location: "global",
        properties: { virtualNetwork: { id: vs[i] }, registrationEnabled: true },
      }),
      "RegistrationVirtualNetworkLinkLimitExceeded",
      "registration links per zone",
    );
  });

  it("1,000 private DNS zones per subscription: the last slot is given once", async () => {
    const sub = `/subscriptions/${replicas[0].info.subscriptionId}`;
    const have = (
      await db!.query<{ n: string }>(
        "SELECT count(*) AS n FROM resources WHERE type ILIKE 'Microsoft.Network/privateDnsZones' AND body IS NOT NULL AND key LIKE $1",
        [`${sub.toLowerCase()}/%`],
      )
    ).rows[0].n;
    const tmpl = `${dns}/privateDnsZones/zones-tmpl.contoso.test`;
    ok(await call(0, "PUT", `${tmpl}?${DNSV}`, { location: "global" }), [200, 201, 202], "template zone");
    const last = await seed(tmpl, 1000 - Number(have) - 2, (body, i) => ({
      name: `z${i}.contoso.test`,
      body: { ...body, etag: randomUUID() },
    }));
    for (const i of [0, 1]) await seen(i, `${last}?${DNSV}`);
    await lastSlot(
      (k, i) => `${dns}/privateDnsZones/last-${k}-${i}.contoso.test?${DNSV}`,
      () => ({ location: "global" }),
      "ZoneLimitExceeded",
      "zones per subscription",
    );
  });

  it("a machine is associated only with a scope that exists when the association commits", async () => {
    const hc = `/subscriptions/${replicas[0].info.subscriptionId}/resourceGroups/${RG}/providers/Microsoft.HybridCompute`;
    const seqOf = async (id: string) =>
      Number(
        (await db!.query<{ seq: string }>("SELECT seq FROM resources WHERE key = $1", [id.toLowerCase()]))
          .rows[0].seq,
      );
    let associated = 0;
    for (let k = 0; k < ROUNDS; k++) {
      const scope = `${hc}/privateLinkScopes/pls-race-${k}`;
      const machine = `${hc}/machines/m-scope-${k}`;
      ok(
        await call(0, "PUT", `${scope}?${HC}`, {
          location: "eastus",
          properties: { publicNetworkAccess: "Disabled" },
        }),
        [200, 201],
        "scope",
      );
      ok(
        await call(0, "PUT", `${machine}?${HC}`, { location: "eastus", properties: {} }),
        [200, 201],
        "machine",
      );
      await seen(1, `${scope}?${HC}`);
      await seen(1, `${machine}?${HC}`);
      // A deletes the scope while B associates the machine with it.
      const [del, assoc] = await Promise.all([
        call(0, "DELETE", `${scope}?${HC}`),
        call(1, "PATCH", `${machine}?${HC}`, { properties: { privateLinkScopeResourceId: scope } }),
      ]);
      ok(del, [200, 202, 204], `round ${k}: delete the scope`);
      if (won(assoc)) {
        // Allowed only if the association committed first (a scope deleted later stays named).
        associated++;
        assert.ok(
          (await seqOf(machine)) < (await seqOf(scope)),
          `round ${k}: the machine was associated after its scope was deleted: ${assoc.text}`,
        );
      } else {
        assert.equal(assoc.status, 400, `round ${k}: ${assoc.text}`);
        assert.equal(assoc.json?.error?.code, "InvalidResourceReference", `round ${k}: ${assoc.text}`);
        const m = await call(0, "GET", `${machine}?${HC}`);
        assert.equal(m.json.properties.privateLinkScopeResourceId ?? undefined, undefined, m.text);
      }
    }
    assert.ok(associated < ROUNDS, "some rounds saw the deletion first");
  });

  it("a machine is onboarded by one host", async () => {
    const sub = `/subscriptions/${replicas[0].info.subscriptionId}`;
    const hc = `${sub}/resourceGroups/${RG}/providers/Microsoft.HybridCompute`;
    const hosts = await Promise.all(
      ["srv-win-01", "srv-lnx-01"].map(async (host) => {
        const r = await call(0, "POST", `${sub}/providers/ArcLink.Lab/hostCredentials?${LAB}`, { host });
        ok(r, [200], `credential of ${host}`);
        return String(r.json.token);
      }),
    );
    const res = await call(0, "POST", `${sub}/providers/ArcLink.Lab/resolve?${LAB}`, {
      host: "srv-lnx-01",
      name: "eus.his.arc.azure.com",
    });
    ok(res, [200], "resolve");
    const his = res.json.answers.find((a: any) => a.type === "A").data;
    for (let k = 0; k < ROUNDS; k++) {
      const machine = `${hc}/machines/m-onboard-${k}`;
      ok(
        await call(0, "PUT", `${machine}?${HC}`, {
          location: "eastus",
          properties: { privateLinkScopeResourceId: `${hc}/privateLinkScopes/pls-arc` },
        }),
        [200, 201],
        "machine",
      );
      await seen(1, `${machine}?${HC}`);
      // Host i registers the machine through replica i at the same instant.
      const rs = await Promise.all(
        [0, 1].map((i) =>
          raw(
            replicas[i].info,
            "POST",
            "/.gateway/dial/machines/register",
            { resourceId: machine, agentVersion: "1.45", osType: "linux" },
            {
              authorization: `Bearer ${hosts[i]}`,
              "x-arclink-dial": `${his}:443`,
              "x-arclink-server-name": "eus.his.arc.azure.com",
              "x-arclink-agent-version": "1.45",
              "x-arclink-purpose": "onboard",
              "x-arclink-authorization": `Bearer ${bearer}`,
            },
          ),
        ),
      );
      oneWins(rs, 409, "MachineOnboardedByAnotherHost", `round ${k}: onboarding`);
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
