// Lists answer with each stored revision's JSON text, made once per revision: the text must be
// exactly what serializing the body gives, follow every write (update, delete, recreate) at
// once, and page with nextLink as before.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { raw, token } from "./helpers/arm.js";
import { removeDataDir, startServer, TestServer } from "./helpers/server.js";

const T = { timeout: 300_000 };
const RGV = "api-version=2021-04-01";

describe("resource group lists from serialized revisions", () => {
  let srv: TestServer;
  let bearer: string;
  const call = (method: string, path: string, body?: object) =>
    raw(srv.info, method, path, body, { authorization: `Bearer ${bearer}` });
  const sub = () => `/subscriptions/${srv.info.subscriptionId}`;
  const list = async (query = "") => {
    const r = await call("GET", `${sub()}/resourcegroups?${RGV}${query}`);
    assert.equal(r.status, 200, r.text);
    // The text is exactly the serialization of what it parses to: no stray or missing bytes.
    assert.equal(r.text, JSON.stringify(r.json));
    return r.json as { value: Array<{ name: string; tags?: Record<string, string> }>; nextLink?: string };
  };
  const tagsOf = async (name: string) => (await list()).value.find((g) => g.name === name)?.tags;

  before(async () => {
    srv = await startServer();
    bearer = await token(srv.info);
  }, T);
  after(async () => {
    await srv.stop();
    removeDataDir(srv.dataDir);
  }, T);

  test("a write is visible in the next list: update, delete and recreate", T, async () => {
    for (const n of ["sj-a", "sj-b", "sj-c"]) {
      const r = await call("PUT", `${sub()}/resourcegroups/${n}?${RGV}`, {
        location: "eastus",
        tags: { v: "1" },
      });
      assert.ok([200, 201].includes(r.status), r.text);
    }
    assert.deepEqual(await tagsOf("sj-b"), { v: "1" });
    // Listed twice (the second from the stored text), then updated: the next list shows the update.
    assert.deepEqual(await tagsOf("sj-b"), { v: "1" });
    let r = await call("PATCH", `${sub()}/resourcegroups/sj-b?${RGV}`, { tags: { v: "2" } });
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(await tagsOf("sj-b"), { v: "2" });
    r = await call("PUT", `${sub()}/resourcegroups/sj-b?${RGV}`, { location: "eastus", tags: { v: "3" } });
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(await tagsOf("sj-b"), { v: "3" });
    // The list agrees with GET of each group, byte for byte per item.
    for (const g of (await list()).value) {
      const one = await call("GET", `${sub()}/resourcegroups/${g.name}?${RGV}`);
      assert.deepEqual(one.json, g);
    }
    r = await call("DELETE", `${sub()}/resourcegroups/sj-c?${RGV}`);
    assert.ok([200, 202].includes(r.status), r.text);
    // Deletion may run as an operation: poll the list until the group is gone (no sleep as sync: each poll is a request).
    for (let i = 0; i < 200 && (await list()).value.some((g) => g.name === "sj-c"); i++);
    assert.ok(!(await list()).value.some((g) => g.name === "sj-c"), "sj-c still listed after its deletion");
    r = await call("PUT", `${sub()}/resourcegroups/sj-c?${RGV}`, { location: "eastus", tags: { v: "new" } });
    assert.equal(r.status, 201, r.text);
    assert.deepEqual(await tagsOf("sj-c"), { v: "new" });
  });

  test("pages with $top follow nextLink to every group once", T, async () => {
    const all = (await list()).value.map((g) => g.name).sort();
    const seen: string[] = [];
    let page = await list("&$top=1");
    seen.push(...page.value.map((g) => g.name));
    while (page.nextLink) {
      const r = await call("GET", page.nextLink.slice(new URL(page.nextLink).origin.length));
      assert.equal(r.status, 200, r.text);
      assert.equal(r.text, JSON.stringify(r.json));
      page = r.json;
      seen.push(...page.value.map((g) => g.name));
    }
    assert.deepEqual(seen.sort(), all);
  });
});

// GET of one resource answers bytes kept per entry: for a type whose projection reads other
// resources, until the world next changes. Each read below follows a change of what the
// projection reads (a child's creation, update and deletion), or of the resource itself.
describe("GET of one resource from kept bytes", () => {
  let srv: TestServer;
  let bearer: string;
  const call = (method: string, path: string, body?: object) =>
    raw(srv.info, method, path, body, { authorization: `Bearer ${bearer}` });
  const sub = () => `/subscriptions/${srv.info.subscriptionId}`;
  const HCV = "api-version=2021-05-20";
  const NV = "api-version=2025-05-01";
  const get = async (path: string) => {
    const r = await call("GET", path);
    assert.equal(r.status, 200, r.text);
    assert.equal(r.text, JSON.stringify(r.json));
    assert.equal(r.headers.etag, r.json.etag);
    return r.json;
  };
  const ok = (r: { status: number; text: string }) => assert.ok([200, 201, 202].includes(r.status), r.text);

  before(async () => {
    srv = await startServer();
    bearer = await token(srv.info);
    ok(await call("PUT", `${sub()}/resourcegroups/kb?${RGV}`, { location: "eastus" }));
  }, T);
  after(async () => {
    await srv.stop();
    removeDataDir(srv.dataDir);
  }, T);

  test("a privateLinkScope follows its connections and its own writes", T, async () => {
    const net = `${sub()}/resourceGroups/kb/providers/Microsoft.Network`;
    const scope = `${sub()}/resourceGroups/kb/providers/Microsoft.HybridCompute/privateLinkScopes/kb-scope`;
    ok(
      await call("PUT", `${scope}?${HCV}`, {
        location: "eastus",
        properties: { publicNetworkAccess: "Disabled" },
      }),
    );
    const connections = async () => (await get(`${scope}?${HCV}`)).properties.privateEndpointConnections;
    assert.deepEqual(await connections(), []);
    assert.deepEqual(await connections(), []);
    ok(
      await call("PUT", `${net}/virtualNetworks/kb-vnet?${NV}`, {
        location: "eastus",
        properties: {
          addressSpace: { addressPrefixes: ["10.30.0.0/16"] },
          subnets: [{ name: "pe", properties: { addressPrefix: "10.30.1.0/24" } }],
        },
      }),
    );
    // A private endpoint asks for a connection: the scope's next GET shows it, pending.
    ok(
      await call("PUT", `${net}/privateEndpoints/kb-pe?${NV}`, {
        location: "eastus",
        properties: {
          subnet: { id: `${net}/virtualNetworks/kb-vnet/subnets/pe` },
          manualPrivateLinkServiceConnections: [
            { name: "c", properties: { privateLinkServiceId: scope, groupIds: ["hybridcompute"] } },
          ],
        },
      }),
    );
    let conns = await connections();
    assert.equal(conns.length, 1);
    assert.equal(conns[0].properties.privateLinkServiceConnectionState.status, "Pending");
    // The connection approved: the next GET of the scope says so.
    ok(
      await call("PUT", `${conns[0].id}?${HCV}`, {
        properties: { privateLinkServiceConnectionState: { status: "Approved", description: "ok" } },
      }),
    );
    conns = await connections();
    assert.equal(conns[0].properties.privateLinkServiceConnectionState.status, "Approved");
    // The connection deleted: gone from the next GET.
    const del = await call("DELETE", `${conns[0].id}?${HCV}`);
    ok(del);
    for (let i = 0; i < 200 && (await connections()).length > 0; i++);
    assert.deepEqual(await connections(), []);
    // The scope's own update: the next GET shows it.
    assert.equal((await get(`${scope}?${HCV}`)).properties.publicNetworkAccess, "Disabled");
    ok(
      await call("PUT", `${scope}?${HCV}`, {
        location: "eastus",
        properties: { publicNetworkAccess: "Enabled" },
      }),
    );
    const now = await get(`${scope}?${HCV}`);
    assert.equal(now.properties.publicNetworkAccess, "Enabled");
  });

  test("a kept answer is for its api-version only, and goes with the resource", T, async () => {
    const scope = `${sub()}/resourceGroups/kb/providers/Microsoft.HybridCompute/privateLinkScopes/kb-scope3`;
    ok(await call("PUT", `${scope}?${HCV}`, { location: "eastus", properties: {} }));
    const first = await get(`${scope}?${HCV}`);
    assert.deepEqual(await get(`${scope}?${HCV}`), first);
    // Another api-version, the world unchanged: checked as ever, not answered from the kept read.
    const old = await call("GET", `${scope}?api-version=2000-01-01`);
    assert.equal(old.status, 400, old.text);
    assert.equal(old.json.error.code, "NoRegisteredProviderFound");
    assert.deepEqual(await get(`${scope}?${HCV}`), first);
    const del = await call("DELETE", `${scope}?${HCV}`);
    ok(del);
    let gone = await call("GET", `${scope}?${HCV}`);
    for (let i = 0; i < 200 && gone.status === 200; i++) gone = await call("GET", `${scope}?${HCV}`);
    assert.equal(gone.status, 404, gone.text);
  });

  test("a virtual network follows a subnet's creation and deletion", T, async () => {
    const vnet = `${sub()}/resourceGroups/kb/providers/Microsoft.Network/virtualNetworks/kb-vnet2`;
    ok(
      await call("PUT", `${vnet}?${NV}`, {
        location: "eastus",
        properties: { addressSpace: { addressPrefixes: ["10.40.0.0/16"] } },
      }),
    );
    const subnets = async () => (await get(`${vnet}?${NV}`)).properties.subnets.map((s: any) => s.name);
    assert.deepEqual(await subnets(), []);
    assert.deepEqual(await subnets(), []);
    ok(await call("PUT", `${vnet}/subnets/a?${NV}`, { properties: { addressPrefix: "10.40.1.0/24" } }));
    assert.deepEqual(await subnets(), ["a"]);
    ok(await call("DELETE", `${vnet}/subnets/a?${NV}`));
    for (let i = 0; i < 200 && (await subnets()).length > 0; i++);
    assert.deepEqual(await subnets(), []);
  });
});
