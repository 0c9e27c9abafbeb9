// Tags as Azure validates them, on every kind of tracked resource (a resource group, a scope, a
// virtual network, a private DNS zone), by PUT and by PATCH: reserved characters in a name are
// InvalidTagNameCharacters, the documented limits (50 tags, 512-character names, 256-character
// values) hold exactly at the limit and are refused one past it, and a refused write stores
// nothing. Raw HTTPS for exact codes, and az 2.45 for what a user sees.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { arm, RawResponse } from "./helpers/arm.js";
import { AzSession, azLogin } from "./helpers/az.js";
import { removeDataDir, startServer, TestServer } from "./helpers/server.js";

const T = { timeout: 240_000 };
let srv: TestServer;
let sub: string;

const RG_V = "api-version=2022-09-01";
const HC_V = "api-version=2024-07-10";
const NET_V = "api-version=2024-05-01";
const DNS_V = "api-version=2020-06-01";

/** One tracked resource of each provider: its path, a valid body and whether PATCH takes tags. */
function resources() {
  const rg = `${sub}/resourcegroups/rg-tags`;
  return [
    { what: "resource group", path: `${rg}?${RG_V}`, body: { location: "eastus" } },
    {
      what: "private link scope",
      path: `${rg}/providers/Microsoft.HybridCompute/privateLinkScopes/pls-tags?${HC_V}`,
      body: { location: "eastus", properties: { publicNetworkAccess: "Disabled" } },
    },
    {
      what: "virtual network",
      path: `${rg}/providers/Microsoft.Network/virtualNetworks/vnet-tags?${NET_V}`,
      body: { location: "eastus", properties: { addressSpace: { addressPrefixes: ["10.9.0.0/16"] } } },
    },
    {
      what: "private DNS zone",
      path: `${rg}/providers/Microsoft.Network/privateDnsZones/privatelink.tags.example?${DNS_V}`,
      body: { location: "global" },
    },
  ];
}

function refused(r: RawResponse, code: string, what: string): void {
  assert.equal(r.status, 400, `${what}: ${r.text}`);
  assert.equal(r.json?.error?.code, code, `${what}: ${r.text}`);
  assert.ok(String(r.json.error.message).length > 30, `${what}: the message says why and the fix`);
}

before(async () => {
  srv = await startServer();
  sub = `/subscriptions/${srv.info.subscriptionId}`;
  const rg = await arm(srv.info, "PUT", `${sub}/resourcegroups/rg-tags?${RG_V}`, { location: "eastus" });
  assert.ok([200, 201].includes(rg.status), rg.text);
  for (const x of resources().slice(1)) {
    const r = await arm(srv.info, "PUT", x.path, x.body);
    assert.ok([200, 201].includes(r.status), `${x.what}: ${r.text}`);
  }
});

after(async () => {
  await srv?.stop();
  if (srv) removeDataDir(srv.dataDir);
});

describe("tag names and limits on every tracked resource", () => {
  it(
    "reserved characters and control characters in a name are InvalidTagNameCharacters, by PUT and by PATCH; nothing is stored",
    T,
    async () => {
      for (const x of resources()) {
        const before = await arm(srv.info, "GET", x.path);
        assert.equal(before.status, 200, before.text);
        for (const name of ["a<b", "a>b", "100%", "R&D", "a\\b", "why?", "k8s.io/role", "tab\there"]) {
          const put = await arm(srv.info, "PUT", x.path, { ...x.body, tags: { [name]: "v" } });
          refused(put, "InvalidTagNameCharacters", `${x.what} PUT '${name}'`);
          assert.ok(put.json.error.message.includes(name), put.text);
          const patch = await arm(srv.info, "PATCH", x.path, { tags: { [name]: "v" } });
          refused(patch, "InvalidTagNameCharacters", `${x.what} PATCH '${name}'`);
        }
        const afterwards = await arm(srv.info, "GET", x.path);
        assert.equal(afterwards.json.etag, before.json.etag, `${x.what}: the refused writes stored nothing`);
        // Characters Azure allows in names pass.
        const ok = await arm(srv.info, "PUT", x.path, {
          ...x.body,
          tags: { "cost-center": "1", "team.name": "net", "Env Name": "prod", "a:b=c+d@e": "x" },
        });
        assert.ok([200, 201].includes(ok.status), `${x.what}: ${ok.text}`);
      }
    },
  );

  it("512-character names, 256-character values and 50 tags pass; one more is refused", T, async () => {
    for (const x of resources()) {
      const fifty = Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`t${i}`, "v"]));
      const atLimit = await arm(srv.info, "PUT", x.path, {
        ...x.body,
        tags: { ...fifty, t0: "v".repeat(256), ["n".repeat(512)]: "v" },
      });
      // 51 names (50 + the long one) is over: the count is checked first.
      refused(atLimit, "InvalidParameter", `${x.what}: 51 tags`);
      const ok = await arm(srv.info, "PUT", x.path, {
        ...x.body,
        tags: { ...fifty, t0: "v".repeat(256), t1: "x", ["n".repeat(512)]: "v", t49: undefined },
      });
      assert.ok([200, 201].includes(ok.status), `${x.what}: 50 tags at every limit: ${ok.text}`);
      assert.equal(Object.keys(ok.json.tags).length, 50);
      refused(
        await arm(srv.info, "PUT", x.path, { ...x.body, tags: { ["n".repeat(513)]: "v" } }),
        "InvalidTagName",
        `${x.what}: 513-character name`,
      );
      refused(
        await arm(srv.info, "PUT", x.path, { ...x.body, tags: { a: "v".repeat(257) } }),
        "InvalidTagValueLength",
        `${x.what}: 257-character value`,
      );
      refused(
        await arm(srv.info, "PATCH", x.path, { tags: { " ": "v" } }),
        "InvalidTagName",
        `${x.what}: a blank name`,
      );
    }
  });
});

describe("az 2.45", () => {
  let az: AzSession;
  before(async () => {
    az = await azLogin(srv.info);
  });
  after(() => az?.cleanup());

  it(
    "az group create --tags with a reserved character shows Azure's code and creates nothing",
    T,
    async () => {
      const r = await az.run([
        "group",
        "create",
        "-n",
        "rg-az-tags",
        "-l",
        "eastus",
        "--tags",
        "k8s.io/role=x",
      ]);
      assert.notEqual(r.code, 0, r.stdout);
      assert.match(r.stderr, /InvalidTagNameCharacters/, r.stderr);
      const exists = await az.run(["group", "exists", "-n", "rg-az-tags"]);
      assert.equal(exists.json, false, exists.stdout + exists.stderr);
      const ok = await az.ok(["group", "create", "-n", "rg-az-tags", "-l", "eastus", "--tags", "role=x"]);
      assert.deepEqual(ok.tags, { role: "x" });
    },
  );
});
