// Durability: a clean restart on the same data folder serves exactly the same resources
// (etags and systemData included), and tokens and poll URLs issued before a restart keep working
// after it (az caches tokens for an hour). kill -9 under a write load is in crash.test.ts.
import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import Database from "better-sqlite3";
import { raw, RawResponse, token } from "./helpers/arm.js";
import { Ready, removeDataDir, startServer, TestServer } from "./helpers/server.js";

const RG = "api-version=2025-04-01";
const cleanup: string[] = [];
const running = new Set<TestServer>();

after(async () => {
  for (const s of running) await s.stop();
  for (const d of cleanup) removeDataDir(d);
});

async function start(dataDir?: string): Promise<TestServer> {
  const s = await startServer(dataDir ? { dataDir } : {});
  running.add(s);
  if (!dataDir) cleanup.push(s.dataDir);
  return s;
}

async function stop(s: TestServer, how: "term" | "kill9"): Promise<void> {
  if (how === "term") await s.stop();
  else await s.kill9();
  running.delete(s);
}

function call(
  info: Ready,
  bearer: string,
  method: string,
  path: string,
  body?: object,
): Promise<RawResponse> {
  return raw(info, method, path, body, { authorization: `Bearer ${bearer}` });
}

async function listAll(info: Ready, bearer: string, path: string): Promise<any[]> {
  const out: any[] = [];
  let next: string | undefined = path;
  for (let pages = 0; next; pages++) {
    assert.ok(pages < 100, "paging ends");
    const r = await call(info, bearer, "GET", next);
    assert.equal(r.status, 200, `${next}: ${r.text}`);
    out.push(...r.json.value);
    next = r.json.nextLink ? new URL(r.json.nextLink).pathname + new URL(r.json.nextLink).search : undefined;
  }
  return out;
}

/** The api-version to read each registered type with, from GET /subscriptions/{s}/providers. */
async function versions(info: Ready, bearer: string): Promise<Map<string, string>> {
  const m = new Map<string, string>([["microsoft.resources/resourcegroups", "2025-04-01"]]);
  for (const p of await listAll(info, bearer, `/subscriptions/${info.subscriptionId}/providers?${RG}`)) {
    for (const t of p.resourceTypes ?? []) {
      m.set(`${p.namespace}/${t.resourceType}`.toLowerCase(), t.defaultApiVersion ?? t.apiVersions[0]);
    }
  }
  return m;
}

/**
 * Everything a client can see: every resource group and every resource of the generic list, each
 * read by its id (the full GET body plus the ETag header), sorted by id.
 */
async function snapshot(info: Ready, bearer: string): Promise<Record<string, unknown>> {
  const sub = `/subscriptions/${info.subscriptionId}`;
  const v = await versions(info, bearer);
  const ids = [
    ...(await listAll(info, bearer, `${sub}/resourcegroups?${RG}`)).map((x) => String(x.id)),
    ...(await listAll(info, bearer, `${sub}/resources?${RG}`)).map((x) => String(x.id)),
  ].sort();
  const out: Record<string, unknown> = {};
  for (const id of ids) {
    const type = id.includes("/providers/")
      ? id
          .split("/providers/")[1]
          .split("/")
          .filter((_, i) => i === 0 || i % 2 === 1)
          .join("/")
      : "microsoft.resources/resourcegroups";
    const apiVersion = v.get(type.toLowerCase());
    assert.ok(apiVersion, `an api-version for ${type}`);
    const r = await call(info, bearer, "GET", `${id}?api-version=${apiVersion}`);
    assert.equal(r.status, 200, `${id}: ${r.text}`);
    out[id] = { body: r.json, etag: r.headers.etag ?? null };
  }
  return out;
}

/** The store's rows, read with a second connection (the server may be running or stopped). */
function storeRows(
  dataDir: string,
): Array<{ key: string; id: string; type: string; body: string | null; rev: number }> {
  const db = new Database(join(dataDir, "arclink.db"), { readonly: true, fileMustExist: true });
  try {
    return db.prepare("SELECT key, id, type, body, rev FROM resources ORDER BY key").all() as any[];
  } finally {
    db.close();
  }
}

describe("clean restart", () => {
  test("the same data folder serves identical resources, tokens and poll URLs after a restart", async () => {
    const s1 = await start();
    const i1 = s1.info;
    const bearer = await token(i1);
    const sub = `/subscriptions/${i1.subscriptionId}`;
    for (let k = 0; k < 12; k++) {
      const r = await call(i1, bearer, "PUT", `${sub}/resourcegroups/keep-${k}?${RG}`, {
        location: k % 2 ? "westeurope" : "eastus",
        tags: { k: String(k) },
      });
      assert.equal(r.status, 201, r.text);
    }
    // Updated resources carry createdAt != lastModifiedAt.
    await new Promise((r) => setTimeout(r, 20));
    for (let k = 0; k < 4; k++) {
      const r = await call(i1, bearer, "PATCH", `${sub}/resourcegroups/keep-${k}?${RG}`, {
        tags: { k: String(k), updated: "yes" },
      });
      assert.equal(r.status, 200, r.text);
    }
    // Provider resources with both ETag styles, children inlined by the parent, and side effects.
    const v = await versions(i1, bearer);
    const provider: Array<[string, string, object]> = [
      [
        "Microsoft.Network/virtualNetworks",
        "vnet-keep",
        {
          location: "eastus",
          tags: { n: "1" },
          properties: {
            addressSpace: { addressPrefixes: ["10.40.0.0/16"] },
            subnets: [{ name: "s1", properties: { addressPrefix: "10.40.1.0/24" } }],
          },
        },
      ],
      ["Microsoft.Network/privateDnsZones", "keep.example.com", { location: "global", tags: { n: "2" } }],
      [
        "Microsoft.HybridCompute/privateLinkScopes",
        "scope-keep",
        { location: "eastus", tags: { n: "3" }, properties: { publicNetworkAccess: "Disabled" } },
      ],
    ];
    for (const [type, name, body] of provider) {
      const version = v.get(type.toLowerCase());
      assert.ok(version, `${type} is registered`);
      const r = await call(
        i1,
        bearer,
        "PUT",
        `${sub}/resourceGroups/keep-1/providers/${type}/${name}?api-version=${version}`,
        body,
      );
      assert.ok(r.status === 200 || r.status === 201, `${type}: ${r.status} ${r.text}`);
    }
    // A delete whose poll URL is followed only after the restart.
    const del = await call(i1, bearer, "DELETE", `${sub}/resourcegroups/keep-11?${RG}`);
    assert.equal(del.status, 202, del.text);
    const location = new URL(String(del.headers.location));

    const before = await snapshot(i1, bearer);
    assert.ok(Object.keys(before).length >= 11 + provider.length, Object.keys(before).join("\n"));
    const withSystemData = Object.values(before).filter((x: any) => x.body.systemData?.lastModifiedAt);
    assert.ok(withSystemData.length >= 11, "systemData is part of what is compared");
    const withEtag = Object.values(before).filter((x: any) => x.etag && x.etag === x.body.etag);
    assert.ok(withEtag.length >= 2, "ETags (weak and bare GUID) are part of what is compared");
    await stop(s1, "term");
    const rowsBefore = storeRows(s1.dataDir);

    const s2 = await start(s1.dataDir);
    const i2 = s2.info;
    assert.notEqual(i2.pid, i1.pid);
    assert.equal(i2.subscriptionId, i1.subscriptionId);
    assert.equal(i2.clientSecret, i1.clientSecret);
    // The token issued by the first process is accepted by the second.
    const after = await snapshot(i2, bearer);
    assert.deepEqual(after, before);
    // Starting wrote nothing: the store is byte-identical.
    assert.deepEqual(storeRows(s2.dataDir), rowsBefore);
    // The poll URL issued before the restart still answers (on the new port).
    const poll = await call(i2, bearer, "GET", location.pathname + location.search);
    assert.equal(poll.status, 200, poll.text);
    // And new tokens work too.
    const fresh = await token(i2);
    const r = await call(i2, fresh, "GET", `${sub}/resourcegroups/keep-0?${RG}`);
    assert.equal(r.status, 200);
    assert.equal(r.json.tags.updated, "yes");
    await stop(s2, "term");
  });
});
