// ARM's cross-cutting conventions as ArcLink's front end implements them for every type:
// api-version, body checks, names, parents, subscriptions, case-insensitive paths, response
// headers, ETags, long-running operations, cascading deletes, paging, the providers list and
// the generic resource list. Raw HTTPS for exact codes and headers; the real SDK for paging.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { raw, RawResponse, token } from "./helpers/arm.js";
import { runScenario } from "./helpers/sdk.js";
import { removeDataDir, startServer, TestServer } from "./helpers/server.js";

const RGV = "2025-04-01";
const NET = "2025-05-01";
const HC = "2024-07-10";
const DNS = "2024-06-01";
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

let srv: TestServer;
let bearer: string;
let sub: string;

before(async () => {
  srv = await startServer();
  bearer = await token(srv.info);
  sub = `/subscriptions/${srv.info.subscriptionId}`;
});

after(async () => {
  await srv?.stop();
  if (srv) removeDataDir(srv.dataDir);
});

function call(method: string, path: string, body?: object | string, headers: Record<string, string> = {}) {
  return raw(srv.info, method, path, body, { authorization: `Bearer ${bearer}`, ...headers });
}

const rgPath = (rg: string, v = RGV) => `${sub}/resourcegroups/${rg}?api-version=${v}`;
const vnetPath = (rg: string, name: string, v = NET) =>
  `${sub}/resourceGroups/${rg}/providers/Microsoft.Network/virtualNetworks/${name}?api-version=${v}`;
const scopePath = (rg: string, name: string, v = HC) =>
  `${sub}/resourceGroups/${rg}/providers/Microsoft.HybridCompute/privateLinkScopes/${name}?api-version=${v}`;
const vnetBody = (prefix = "10.0.0.0/16", subnets: object[] = []) => ({
  location: "eastus",
  properties: { addressSpace: { addressPrefixes: [prefix] }, subnets },
});

function ok(r: RawResponse, what: string, ...codes: number[]): RawResponse {
  assert.ok(codes.includes(r.status), `${what}: expected ${codes.join("/")}, got ${r.status} ${r.text}`);
  return r;
}

function armError(r: RawResponse, status: number, code: string, what: string): void {
  assert.equal(r.status, status, `${what}: ${r.text}`);
  assert.equal(r.json?.error?.code, code, `${what}: ${r.text}`);
  assert.ok(String(r.json.error.message).length > 10, `${what}: a message`);
  assert.match(String(r.headers["content-type"]), /^application\/json/);
}

async function mustBeAbsent(path: string, what: string): Promise<void> {
  const r = await call("GET", path);
  assert.equal(r.status, 404, `${what}: nothing may be stored, got ${r.status} ${r.text}`);
}

/** Follows nextLink (as absolute URLs on this server) and returns every page. */
async function pages(path: string): Promise<Array<{ value: any[]; nextLink?: string }>> {
  const out: Array<{ value: any[]; nextLink?: string }> = [];
  let next: string | undefined = path;
  while (next) {
    assert.ok(out.length < 50, "paging ends");
    const r = ok(await call("GET", next), next, 200);
    assert.ok(Array.isArray(r.json.value), "value is an array");
    out.push(r.json);
    if (r.json.nextLink !== undefined && r.json.nextLink !== null) {
      const u = new URL(r.json.nextLink);
      assert.equal(u.origin, srv.info.arm, "nextLink is absolute, on this server");
      next = u.pathname + u.search;
    } else next = undefined;
  }
  return out;
}

/** Everything a client can list: resource groups and the generic resource list with properties. */
async function snapshot(): Promise<unknown> {
  const rgs = (await pages(`${sub}/resourcegroups?api-version=${RGV}&$top=1000`)).flatMap((p) => p.value);
  const res = (
    await pages(`${sub}/resources?api-version=${RGV}&$expand=properties,createdTime,changedTime`)
  ).flatMap((p) => p.value);
  const byId = (a: any, b: any) => String(a.id).localeCompare(String(b.id));
  return { rgs: rgs.sort(byId), res: res.sort(byId) };
}

describe("setup", () => {
  test("the providers used here are registered", async () => {
    const r = ok(await call("GET", `${sub}/providers?api-version=${RGV}`), "providers", 200);
    const types = new Set<string>();
    for (const p of r.json.value)
      for (const t of p.resourceTypes) types.add(`${p.namespace}/${t.resourceType}`.toLowerCase());
    for (const t of [
      "microsoft.network/virtualnetworks",
      "microsoft.network/privatednszones",
      "microsoft.hybridcompute/privatelinkscopes",
    ]) {
      assert.ok(types.has(t), `${t} is registered`);
    }
    ok(await call("PUT", rgPath("base"), { location: "eastus" }), "rg base", 201);
    ok(await call("PUT", vnetPath("base", "vbase"), vnetBody()), "vnet base", 201);
    ok(
      await call("PUT", scopePath("base", "sbase"), {
        location: "eastus",
        properties: { publicNetworkAccess: "Disabled" },
      }),
      "scope base",
      201,
    );
  });
});

describe("refusals change nothing", () => {
  let before: unknown;
  test("a full listing is taken first", async () => {
    before = await snapshot();
  });

  test("a missing api-version is 400 MissingApiVersionParameter", async () => {
    armError(await call("GET", `${sub}/resourcegroups`), 400, "MissingApiVersionParameter", "list");
    armError(
      await call("PUT", `${sub}/resourcegroups/rg-nover`, { location: "eastus" }),
      400,
      "MissingApiVersionParameter",
      "put rg",
    );
    armError(
      await call("PUT", vnetPath("base", "v-nover").split("?")[0], vnetBody()),
      400,
      "MissingApiVersionParameter",
      "put vnet",
    );
    armError(
      await call("GET", `${sub}/resourcegroups?api-version=`),
      400,
      "MissingApiVersionParameter",
      "empty",
    );
    await mustBeAbsent(rgPath("rg-nover"), "rg");
    await mustBeAbsent(vnetPath("base", "v-nover"), "vnet");
  });

  test("an unsupported version on resource groups is 400 InvalidApiVersionParameter listing the versions", async () => {
    for (const [m, p] of [
      ["GET", `${sub}/resourcegroups?api-version=2000-01-01`],
      ["PUT", rgPath("rg-badver", "2000-01-01")],
      ["GET", rgPath("base", "2000-01-01")],
    ] as const) {
      const r = await call(m, p, m === "PUT" ? { location: "eastus" } : undefined);
      armError(r, 400, "InvalidApiVersionParameter", `${m} ${p}`);
      assert.ok(r.json.error.message.includes("'2000-01-01'"), r.text);
      assert.ok(r.json.error.message.includes("2025-04-01"), "lists the supported versions");
      assert.ok(r.json.error.message.includes("2021-04-01"), "lists az's version");
    }
    await mustBeAbsent(rgPath("rg-badver"), "rg");
  });

  test("ArcLink.Lab's POST APIs check their api-version as well", async () => {
    for (const v of ["2015-01-01", "9999-99-99"]) {
      const r = await call("POST", `${sub}/providers/ArcLink.Lab/resolve?api-version=${v}`, {
        resolver: "public",
        name: "gbl.his.arc.azure.com",
      });
      armError(r, 400, "InvalidApiVersionParameter", v);
      assert.ok(r.json.error.message.includes("2025-01-01"), r.text);
    }
    const ok = await call("POST", `${sub}/providers/ArcLink.Lab/resolve?api-version=2025-01-01`, {
      resolver: "public",
      name: "gbl.his.arc.azure.com",
    });
    assert.equal(ok.status, 200, ok.text);
  });

  test("an unsupported version on a provider type is 400 NoRegisteredProviderFound listing the versions", async () => {
    for (const [m, p] of [
      ["PUT", vnetPath("base", "v-badver", "2000-01-01")],
      ["GET", vnetPath("base", "vbase", "2000-01-01")],
      ["GET", `${sub}/providers/Microsoft.Network/virtualNetworks?api-version=2000-01-01`],
      ["PUT", scopePath("base", "s-badver", "1999-01-01")],
    ] as const) {
      const r = await call(m, p, m === "PUT" ? vnetBody() : undefined);
      armError(r, 400, "NoRegisteredProviderFound", `${m} ${p}`);
      assert.match(r.json.error.message, /The supported api-versions are '.*\d{4}-\d{2}-\d{2}/, r.text);
    }
    const r = await call("PUT", vnetPath("base", "v-badver", "2000-01-01"), vnetBody());
    assert.ok(r.json.error.message.includes(NET), "the list includes the SDK's version");
    await mustBeAbsent(vnetPath("base", "v-badver"), "vnet");
    await mustBeAbsent(scopePath("base", "s-badver"), "scope");
  });

  test("malformed JSON is 400 InvalidRequestContent", async () => {
    for (const [p, what] of [
      [rgPath("rg-json"), "rg"],
      [vnetPath("base", "v-json"), "vnet"],
    ] as const) {
      for (const text of ['{"location": "eastus"', "{bad}", "location=eastus", '{"a":1}}']) {
        armError(await call("PUT", p, text), 400, "InvalidRequestContent", `${what} ${text}`);
      }
    }
    await mustBeAbsent(rgPath("rg-json"), "rg");
    await mustBeAbsent(vnetPath("base", "v-json"), "vnet");
  });

  test("a body that is not an object, or has wrong types, is 400", async () => {
    for (const text of ["[1]", '"eastus"', "42", "true"]) {
      armError(await call("PUT", rgPath("rg-shape"), text), 400, "InvalidRequestContent", text);
      armError(await call("PUT", vnetPath("base", "v-shape"), text), 400, "InvalidRequestContent", text);
    }
    const bad: Array<[string, object, string]> = [
      [rgPath("rg-shape"), { location: 5 }, "location number"],
      [rgPath("rg-shape"), { location: ["eastus"] }, "location array"],
      [rgPath("rg-shape"), { location: "eastus", tags: { a: 1 } }, "tag number"],
      [rgPath("rg-shape"), { location: "eastus", tags: ["a"] }, "tags array"],
      [rgPath("rg-shape"), { location: "eastus", managedBy: 7 }, "managedBy number"],
      [rgPath("rg-shape"), { location: "mars" }, "unknown region"],
      [rgPath("rg-shape"), {}, "no location"],
      [vnetPath("base", "v-shape"), { location: "eastus", properties: "x" }, "properties string"],
      [
        vnetPath("base", "v-shape"),
        { location: "eastus", properties: { addressSpace: { addressPrefixes: "10.0.0.0/16" } } },
        "prefixes string",
      ],
      [
        scopePath("base", "s-shape"),
        { location: "eastus", properties: { publicNetworkAccess: "Sometimes" } },
        "unknown enum",
      ],
      [
        scopePath("base", "s-shape"),
        { location: "eastus", properties: { publicNetworkAccess: 1 } },
        "enum number",
      ],
    ];
    for (const [p, body, what] of bad) {
      const r = await call("PUT", p, body);
      assert.equal(r.status, 400, `${what}: ${r.text}`);
      assert.ok(r.json?.error?.code, what);
      assert.ok(r.json.error.message.length > 10, what);
    }
    const e = await call("PUT", scopePath("base", "s-shape"), {
      location: "eastus",
      properties: { publicNetworkAccess: "Sometimes" },
    });
    assert.ok(e.json.error.message.includes("Enabled") && e.json.error.message.includes("Disabled"), e.text);
    const loc = await call("PUT", rgPath("rg-shape"), { location: 5 });
    assert.equal(loc.json.error.code, "InvalidRequestContent", loc.text);
    await mustBeAbsent(rgPath("rg-shape"), "rg");
    await mustBeAbsent(vnetPath("base", "v-shape"), "vnet");
    await mustBeAbsent(scopePath("base", "s-shape"), "scope");
  });

  test("an invalid resource group name is 400 InvalidResourceName", async () => {
    for (const name of ["bad.", "a%20b", "rg*x", "x".repeat(91), "a%3Cb"]) {
      armError(
        await call("PUT", rgPath(name), { location: "eastus" }),
        400,
        "InvalidResourceName",
        decodeURIComponent(name),
      );
    }
    const longest = ok(await call("PUT", rgPath("x".repeat(90)), { location: "eastus" }), "90 chars", 201);
    assert.equal(longest.json.name.length, 90);
    ok(await call("DELETE", rgPath("x".repeat(90))), "delete it again", 200, 202);
    await mustBeAbsent(rgPath("bad."), "bad.");
  });

  test("a missing resource group is 404 ResourceGroupNotFound for a child resource", async () => {
    armError(await call("PUT", vnetPath("nope", "v1"), vnetBody()), 404, "ResourceGroupNotFound", "PUT");
    armError(await call("GET", vnetPath("nope", "v1")), 404, "ResourceGroupNotFound", "GET");
    armError(await call("DELETE", vnetPath("nope", "v1")), 404, "ResourceGroupNotFound", "DELETE");
    armError(
      await call(
        "GET",
        `${sub}/resourceGroups/nope/providers/Microsoft.Network/virtualNetworks?api-version=${NET}`,
      ),
      404,
      "ResourceGroupNotFound",
      "list",
    );
    armError(
      await call("PUT", scopePath("nope", "s1"), { location: "eastus", properties: {} }),
      404,
      "ResourceGroupNotFound",
      "PUT scope",
    );
    const r = await call("GET", vnetPath("nope", "v1"));
    assert.ok(r.json.error.message.includes("'nope'"), r.text);
    armError(await call("GET", rgPath("nope")), 404, "ResourceGroupNotFound", "GET rg");
  });

  test("a missing subscription is 404 SubscriptionNotFound", async () => {
    const other = `/subscriptions/${randomUUID()}`;
    for (const [m, p] of [
      ["GET", `${other}/resourcegroups?api-version=${RGV}`],
      ["PUT", `${other}/resourcegroups/rg1?api-version=${RGV}`],
      ["GET", `${other}/resourceGroups/rg1/providers/Microsoft.Network/virtualNetworks/v?api-version=${NET}`],
      ["PUT", `${other}/resourceGroups/rg1/providers/Microsoft.Network/virtualNetworks/v?api-version=${NET}`],
      ["GET", `${other}/providers/Microsoft.Network/virtualNetworks?api-version=${NET}`],
      ["GET", `${other}?api-version=${RGV}`],
    ] as const) {
      const r = await call(m, p, m === "PUT" ? vnetBody() : undefined);
      armError(r, 404, "SubscriptionNotFound", `${m} ${p}`);
      assert.ok(r.json.error.message.includes(other.split("/")[2]), r.text);
    }
  });

  test("DELETE of a missing resource group is 404 ResourceGroupNotFound", async () => {
    armError(await call("DELETE", rgPath("never-was")), 404, "ResourceGroupNotFound", "delete");
  });

  test("bad paging parameters are 400", async () => {
    armError(
      await call("GET", `${sub}/resourcegroups?api-version=${RGV}&$top=0`),
      400,
      "InvalidTopParameter",
      "0",
    );
    armError(
      await call("GET", `${sub}/resourcegroups?api-version=${RGV}&$top=x`),
      400,
      "InvalidTopParameter",
      "x",
    );
    const r = await call("GET", `${sub}/resourcegroups?api-version=${RGV}&$skipToken=garbage`);
    assert.equal(r.status, 400, r.text);
  });

  test("ETag conditions that fail are 412 and leave the resource as it was", async () => {
    const cur = ok(await call("GET", vnetPath("base", "vbase")), "vnet", 200);
    const etag = cur.json.etag;
    armError(
      await call("PUT", vnetPath("base", "vbase"), vnetBody("10.1.0.0/16"), { "if-none-match": "*" }),
      412,
      "PreconditionFailed",
      "If-None-Match *",
    );
    armError(
      await call("PUT", vnetPath("base", "vbase"), vnetBody("10.1.0.0/16"), {
        "if-match": `W/"${randomUUID()}"`,
      }),
      412,
      "PreconditionFailed",
      "If-Match mismatch",
    );
    armError(
      await call("DELETE", vnetPath("base", "vbase"), undefined, { "if-match": `W/"${randomUUID()}"` }),
      412,
      "PreconditionFailed",
      "DELETE If-Match mismatch",
    );
    armError(
      await call("PUT", vnetPath("base", "v-ifmatch"), vnetBody(), { "if-match": "*" }),
      412,
      "PreconditionFailed",
      "If-Match * on a missing resource",
    );
    armError(
      await call("PUT", vnetPath("base", "v-ifmatch"), vnetBody(), { "if-match": etag }),
      412,
      "PreconditionFailed",
      "If-Match on a missing resource",
    );
    const after = ok(await call("GET", vnetPath("base", "vbase")), "vnet", 200);
    assert.equal(after.json.etag, etag, "the etag did not change");
    assert.deepEqual(after.json, cur.json, "the resource did not change");
    await mustBeAbsent(vnetPath("base", "v-ifmatch"), "vnet");
  });

  test("a resource of a type the namespace does not have is refused", async () => {
    const r = await call(
      "PUT",
      `${sub}/resourceGroups/base/providers/Microsoft.Network/notAType/x?api-version=${NET}`,
      { location: "eastus" },
    );
    assert.ok(r.status === 400 || r.status === 404, r.text);
    const n = await call(
      "PUT",
      `${sub}/resourceGroups/base/providers/Contoso.Nothing/things/x?api-version=${NET}`,
      {
        location: "eastus",
      },
    );
    assert.ok(n.status === 400 || n.status === 404, n.text);
    assert.ok(n.json?.error?.code, n.text);
  });

  test("after all of the above, the full listing is unchanged", async () => {
    assert.deepEqual(await snapshot(), before);
  });
});

describe("duplicated api-version", () => {
  test("the first value wins", async () => {
    const r = ok(
      await call("GET", `${sub}/resourcegroups/base?api-version=${RGV}&api-version=1999-01-01`),
      "first good",
      200,
    );
    assert.equal(r.json.name, "base");
    armError(
      await call("GET", `${sub}/resourcegroups/base?api-version=1999-01-01&api-version=${RGV}`),
      400,
      "InvalidApiVersionParameter",
      "first bad",
    );
    const v = ok(await call("GET", `${vnetPath("base", "vbase")}&api-version=${NET}`), "same twice", 200);
    assert.equal(v.json.name, "vbase");
  });
});

describe("case-insensitive paths and ids", () => {
  test("resourcegroups vs resourceGroups, subscription and name casing; the stored casing is kept", async () => {
    const created = ok(
      await call("PUT", `${sub}/resourceGroups/CaseRG?api-version=${RGV}`, { location: "eastus" }),
      "create",
      201,
    );
    assert.equal(created.json.id, `${sub}/resourceGroups/CaseRG`);
    const upperSub = `/SUBSCRIPTIONS/${srv.info.subscriptionId.toUpperCase()}`;
    for (const p of [
      `${sub}/resourcegroups/caserg?api-version=${RGV}`,
      `${upperSub}/RESOURCEGROUPS/CASERG?api-version=${RGV}`,
      `${sub}/ResourceGroups/cAsErG?api-version=${RGV}`,
    ]) {
      const r = ok(await call("GET", p), p, 200);
      assert.equal(r.json.name, "CaseRG", p);
      assert.equal(r.json.id, `${sub}/resourceGroups/CaseRG`, p);
    }
    const again = ok(
      await call("PUT", `${sub}/resourcegroups/caserg?api-version=${RGV}`, {
        location: "eastus",
        tags: { a: "b" },
      }),
      "update with other casing",
      200,
    );
    assert.equal(again.json.name, "CaseRG");
    const head = await call("HEAD", `${sub}/resourcegroups/CASERG?api-version=${RGV}`);
    assert.equal(head.status, 204);
  });

  test("namespace, type and resource name casing", async () => {
    ok(
      await call(
        "PUT",
        `${sub}/resourceGroups/CaseRG/providers/Microsoft.Network/virtualNetworks/CaseNet?api-version=${NET}`,
        vnetBody(),
      ),
      "create",
      201,
    );
    const id = `${sub}/resourceGroups/CaseRG/providers/Microsoft.Network/virtualNetworks/CaseNet`;
    for (const p of [
      `${sub}/resourcegroups/caserg/providers/microsoft.network/virtualnetworks/casenet?api-version=${NET}`,
      `${sub}/RESOURCEGROUPS/CASERG/PROVIDERS/MICROSOFT.NETWORK/VIRTUALNETWORKS/CASENET?api-version=${NET}`,
    ]) {
      const r = ok(await call("GET", p), p, 200);
      assert.equal(r.json.id, id, p);
      assert.equal(r.json.name, "CaseNet");
      assert.equal(r.json.type, "Microsoft.Network/virtualNetworks");
    }
    const list = ok(
      await call(
        "GET",
        `${sub}/resourcegroups/CASERG/providers/MICROSOFT.network/VirtualNetworks?api-version=${NET}`,
      ),
      "list",
      200,
    );
    assert.deepEqual(
      list.json.value.map((x: any) => x.id),
      [id],
    );
    const again = ok(
      await call(
        "PUT",
        `${sub}/resourcegroups/caserg/providers/microsoft.network/virtualnetworks/CASENET?api-version=${NET}`,
        vnetBody(),
      ),
      "update",
      200,
    );
    assert.equal(again.json.id, id, "an update through other casing keeps the id");
    const del = await call(
      "DELETE",
      `${sub}/RESOURCEGROUPS/caserg/providers/MICROSOFT.NETWORK/virtualNetworks/casenet?api-version=${NET}`,
    );
    ok(del, "delete", 200, 202);
    await mustBeAbsent(`${id}?api-version=${NET}`, "deleted through other casing");
  });

  test("/ALL and /aLL list a private DNS zone's record sets alike", async () => {
    const zone = `${sub}/resourceGroups/base/providers/Microsoft.Network/privateDnsZones/case.example.com`;
    ok(await call("PUT", `${zone}?api-version=${DNS}`, { location: "global" }), "zone", 200, 201, 202);
    ok(
      await call("PUT", `${zone}/A/www?api-version=${DNS}`, {
        properties: { ttl: 300, aRecords: [{ ipv4Address: "10.0.0.4" }] },
      }),
      "A record",
      200,
      201,
    );
    const upper = ok(await call("GET", `${zone}/ALL?api-version=${DNS}`), "ALL", 200);
    const mixed = ok(await call("GET", `${zone}/aLL?api-version=${DNS}`), "aLL", 200);
    const lower = ok(
      await call(
        "GET",
        `${zone.toLowerCase().replace(srv.info.subscriptionId.toLowerCase(), srv.info.subscriptionId)}/all?api-version=${DNS}`,
      ),
      "all",
      200,
    );
    assert.ok(
      upper.json.value.some((x: any) => x.name === "www"),
      upper.text,
    );
    assert.deepEqual(mixed.json, upper.json);
    assert.deepEqual(lower.json, upper.json);
  });
});

describe("response headers", () => {
  test("x-ms-request-id is a new GUID; correlation and client request ids are echoed", async () => {
    const corr = randomUUID();
    const client = randomUUID();
    const a = ok(
      await call("GET", rgPath("base"), undefined, {
        "x-ms-correlation-request-id": corr,
        "x-ms-client-request-id": client,
        "x-ms-return-client-request-id": "true",
      }),
      "get",
      200,
    );
    assert.match(String(a.headers["x-ms-request-id"]), GUID);
    assert.equal(a.headers["x-ms-correlation-request-id"], corr);
    assert.equal(a.headers["x-ms-client-request-id"], client);
    assert.notEqual(a.headers["x-ms-request-id"], corr);
    const b = ok(await call("GET", rgPath("base")), "get", 200);
    assert.match(String(b.headers["x-ms-request-id"]), GUID);
    assert.notEqual(b.headers["x-ms-request-id"], a.headers["x-ms-request-id"]);
    assert.match(
      String(b.headers["x-ms-correlation-request-id"]),
      GUID,
      "a new correlation id when none is sent",
    );
    assert.equal(b.headers["x-ms-client-request-id"], undefined);
    assert.ok(b.headers["date"]);
    assert.match(String(b.headers["content-type"]), /^application\/json; charset=utf-8$/);
    // Errors carry them too.
    const e = await call("GET", rgPath("nope"), undefined, { "x-ms-correlation-request-id": corr });
    assert.equal(e.status, 404);
    assert.match(String(e.headers["x-ms-request-id"]), GUID);
    assert.equal(e.headers["x-ms-correlation-request-id"], corr);
  });

  test("ratelimit headers: reads on GET, writes on PUT/PATCH, deletes on DELETE", async () => {
    const kinds = ["reads", "writes", "deletes"].map((k) => `x-ms-ratelimit-remaining-subscription-${k}`);
    const check = (r: RawResponse, want: string, what: string) => {
      for (const k of kinds) {
        if (k.endsWith(want)) assert.match(String(r.headers[k]), /^\d+$/, `${what}: ${k}`);
        else assert.equal(r.headers[k], undefined, `${what}: no ${k}`);
      }
    };
    check(ok(await call("GET", rgPath("base")), "GET", 200), "reads", "GET");
    check(ok(await call("PUT", rgPath("rg-headers"), { location: "eastus" }), "PUT", 201), "writes", "PUT");
    check(
      ok(await call("PATCH", rgPath("rg-headers"), { tags: { x: "y" } }), "PATCH", 200),
      "writes",
      "PATCH",
    );
    check(ok(await call("DELETE", rgPath("rg-headers")), "DELETE", 200, 202), "deletes", "DELETE");
    check(await call("GET", rgPath("rg-headers")), "reads", "GET 404");
  });
});

describe("ETags", () => {
  const path = () => vnetPath("base", "v-etag");
  test("PUT answers with an ETag equal to the body's; If-None-Match: * creates only when absent", async () => {
    const r = ok(await call("PUT", path(), vnetBody(), { "if-none-match": "*" }), "create", 201);
    assert.match(String(r.headers.etag), /^W\/"[0-9a-f-]{36}"$/);
    assert.equal(r.headers.etag, r.json.etag);
    const g = ok(await call("GET", path()), "get", 200);
    assert.equal(g.headers.etag, g.json.etag);
    assert.equal(g.json.etag, r.json.etag);
    armError(
      await call("PUT", path(), vnetBody(), { "if-none-match": "*" }),
      412,
      "PreconditionFailed",
      "again",
    );
  });

  test("a matching If-Match updates and yields a new ETag; the old one then fails", async () => {
    const g = ok(await call("GET", path()), "get", 200);
    const old = g.json.etag as string;
    const u = ok(await call("PUT", path(), vnetBody("10.7.0.0/16"), { "if-match": old }), "update", 200);
    assert.notEqual(u.json.etag, old);
    assert.equal(u.headers.etag, u.json.etag);
    assert.deepEqual(u.json.properties.addressSpace.addressPrefixes, ["10.7.0.0/16"]);
    armError(
      await call("PUT", path(), vnetBody("10.8.0.0/16"), { "if-match": old }),
      412,
      "PreconditionFailed",
      "stale etag",
    );
    const star = ok(
      await call("PUT", path(), vnetBody("10.9.0.0/16"), { "if-match": "*" }),
      "If-Match *",
      200,
    );
    assert.notEqual(star.json.etag, u.json.etag);
    const now = ok(await call("GET", path()), "get", 200);
    assert.deepEqual(now.json.properties.addressSpace.addressPrefixes, ["10.9.0.0/16"]);
    ok(await call("DELETE", path(), undefined, { "if-match": now.json.etag }), "delete matching", 200, 202);
    await mustBeAbsent(path(), "deleted");
  });

  test("a private DNS zone's bare-GUID ETag works the same way", async () => {
    const zone = `${sub}/resourceGroups/base/providers/Microsoft.Network/privateDnsZones/etag.example.com?api-version=${DNS}`;
    const r = ok(
      await call("PUT", zone, { location: "global" }, { "if-none-match": "*" }),
      "zone",
      200,
      201,
      202,
    );
    const g = ok(await call("GET", zone), "get", 200);
    assert.match(String(g.json.etag), /^[0-9a-f-]{36}$/, "a bare GUID");
    assert.equal(g.headers.etag, g.json.etag);
    void r;
    armError(
      await call("PUT", zone, { location: "global" }, { "if-match": randomUUID() }),
      412,
      "PreconditionFailed",
      "mismatch",
    );
    const u = ok(
      await call("PUT", zone, { location: "global", tags: { a: "b" } }, { "if-match": g.json.etag }),
      "match",
      200,
      202,
    );
    void u;
    const after = ok(await call("GET", zone), "get", 200);
    assert.notEqual(after.json.etag, g.json.etag);
    assert.equal(after.json.tags.a, "b");
  });
});

describe("DELETE and long-running operations", () => {
  test("DELETE of a missing leaf is 204; of a missing resource group 404", async () => {
    const r = await call("DELETE", vnetPath("base", "never-was"));
    assert.equal(r.status, 204, r.text);
    assert.equal(r.text, "");
    armError(await call("DELETE", rgPath("never-was")), 404, "ResourceGroupNotFound", "rg");
  });

  test("a Network PUT returns Azure-AsyncOperation on this server, and its poll says Succeeded", async () => {
    const r = ok(
      await call(
        "PUT",
        vnetPath("base", "v-lro"),
        vnetBody("10.2.0.0/16", [{ name: "s1", properties: { addressPrefix: "10.2.0.0/24" } }]),
      ),
      "put",
      201,
    );
    const ao = new URL(String(r.headers["azure-asyncoperation"]));
    assert.equal(ao.protocol, "https:");
    assert.equal(ao.origin, srv.info.arm, "absolute, on the origin the client used");
    assert.ok(ao.searchParams.get("api-version"), "the poll URL carries an api-version");
    assert.ok(["Succeeded", "Updating"].includes(r.json.properties.provisioningState));
    const poll = ok(await call("GET", ao.pathname + ao.search), "poll", 200);
    assert.equal(poll.json.status, "Succeeded");
    assert.ok(poll.json.startTime && poll.json.endTime, poll.text);
    const g = ok(await call("GET", vnetPath("base", "v-lro")), "final GET", 200);
    assert.equal(g.json.properties.provisioningState, "Succeeded");
    assert.equal(g.json.properties.subnets[0].name, "s1");
  });

  test("a Network DELETE is 202 with Location and Retry-After; the poll finishes; the resource is gone", async () => {
    const r = ok(await call("DELETE", vnetPath("base", "v-lro")), "delete", 202);
    const loc = new URL(String(r.headers.location));
    assert.equal(loc.protocol, "https:");
    assert.equal(loc.origin, srv.info.arm);
    assert.match(String(r.headers["retry-after"]), /^\d+$/);
    const p = await call("GET", loc.pathname + loc.search);
    assert.ok([200, 204].includes(p.status), `location poll: ${p.status} ${p.text}`);
    if (r.headers["azure-asyncoperation"]) {
      const ao = new URL(String(r.headers["azure-asyncoperation"]));
      assert.equal(ok(await call("GET", ao.pathname + ao.search), "ao poll", 200).json.status, "Succeeded");
    }
    armError(await call("GET", vnetPath("base", "v-lro")), 404, "ResourceNotFound", "gone");
  });

  test("a poll URL this server did not issue is 404", async () => {
    const r = await call(
      "GET",
      `${sub}/providers/Microsoft.Network/locations/eastus/operations/abc.def?api-version=${NET}`,
    );
    assert.equal(r.status, 404, r.text);
  });

  test("deleting a resource group deletes everything in it", async () => {
    ok(await call("PUT", rgPath("rg-cascade"), { location: "eastus" }), "rg", 201);
    ok(
      await call(
        "PUT",
        vnetPath("rg-cascade", "vc"),
        vnetBody("10.3.0.0/16", [{ name: "sc", properties: { addressPrefix: "10.3.0.0/24" } }]),
      ),
      "vnet",
      201,
    );
    ok(
      await call("PUT", scopePath("rg-cascade", "sc"), { location: "eastus", properties: {} }),
      "scope",
      201,
    );
    const generic = ok(
      await call("GET", `${sub}/resourceGroups/rg-cascade/resources?api-version=${RGV}`),
      "list",
      200,
    );
    assert.equal(generic.json.value.length, 2, generic.text);
    const d = ok(await call("DELETE", rgPath("rg-cascade")), "delete", 202, 200);
    if (d.status === 202) {
      const loc = new URL(String(d.headers.location));
      assert.equal(loc.origin, srv.info.arm);
      ok(await call("GET", loc.pathname + loc.search), "poll", 200);
    }
    armError(await call("GET", rgPath("rg-cascade")), 404, "ResourceGroupNotFound", "rg");
    const all = ok(await call("GET", `${sub}/resources?api-version=${RGV}`), "generic", 200);
    assert.ok(!all.json.value.some((x: any) => /rg-cascade/i.test(x.id)), "no resource of the group is left");
    // Re-creating the group does not bring anything back.
    ok(await call("PUT", rgPath("rg-cascade"), { location: "eastus" }), "again", 201);
    armError(await call("GET", vnetPath("rg-cascade", "vc")), 404, "ResourceNotFound", "vnet");
    armError(
      await call(
        "GET",
        `${sub}/resourceGroups/rg-cascade/providers/Microsoft.Network/virtualNetworks/vc/subnets/sc?api-version=${NET}`,
      ),
      404,
      "ParentResourceNotFound",
      "subnet",
    );
    armError(await call("GET", scopePath("rg-cascade", "sc")), 404, "ResourceNotFound", "scope");
  });
});

describe("providers and the generic resource list", () => {
  test("GET /providers lists namespaces with resourceTypes and apiVersions", async () => {
    const r = ok(await call("GET", `${sub}/providers?api-version=${RGV}`), "providers", 200);
    const net = r.json.value.find((p: any) => p.namespace === "Microsoft.Network");
    assert.ok(net, "Microsoft.Network is listed");
    assert.equal(net.registrationState, "Registered");
    const vnets = net.resourceTypes.find((t: any) => t.resourceType === "virtualNetworks");
    assert.ok(vnets, "virtualNetworks is listed");
    assert.ok(vnets.apiVersions.includes(NET), "the SDK's version");
    assert.ok(vnets.apiVersions.includes("2022-01-01"), "az 2.45's version");
    assert.ok(vnets.locations.length > 0);
    for (const p of r.json.value) {
      for (const t of p.resourceTypes)
        assert.ok(t.apiVersions.length > 0, `${p.namespace}/${t.resourceType}`);
    }
    const hc = r.json.value.find((p: any) => p.namespace === "Microsoft.HybridCompute");
    assert.ok(hc.resourceTypes.some((t: any) => t.resourceType === "privateLinkScopes"));
  });

  test("GET /providers/{namespace} answers in any casing; an unknown one is 404", async () => {
    const a = ok(await call("GET", `${sub}/providers/Microsoft.Network?api-version=${RGV}`), "exact", 200);
    const b = ok(
      await call("GET", `${sub}/providers/microsoft.NETWORK?api-version=${RGV}`),
      "other casing",
      200,
    );
    assert.deepEqual(b.json, a.json);
    assert.equal(a.json.namespace, "Microsoft.Network");
    assert.equal(a.json.id, `${sub}/providers/Microsoft.Network`);
    const z = ok(
      await call("GET", `${sub}/providers/Microsoft.Network?api-version=2021-04-01`),
      "az version",
      200,
    );
    assert.deepEqual(z.json, a.json);
    const n = await call("GET", `${sub}/providers/Contoso.Nothing?api-version=${RGV}`);
    assert.equal(n.status, 404, n.text);
  });

  test("GET /resources lists tracked resources in the generic shape, filters, and by resource group", async () => {
    const r = ok(await call("GET", `${sub}/resources?api-version=${RGV}`), "resources", 200);
    const ids = r.json.value.map((x: any) => x.id);
    const vnetId = `${sub}/resourceGroups/base/providers/Microsoft.Network/virtualNetworks/vbase`;
    const scopeId = `${sub}/resourceGroups/base/providers/Microsoft.HybridCompute/privateLinkScopes/sbase`;
    assert.ok(ids.includes(vnetId), ids.join("\n"));
    assert.ok(ids.includes(scopeId), ids.join("\n"));
    const v = r.json.value.find((x: any) => x.id === vnetId);
    assert.equal(v.name, "vbase");
    assert.equal(v.type, "Microsoft.Network/virtualNetworks");
    assert.equal(v.location, "eastus");
    assert.equal(v.properties, undefined, "no properties without $expand");
    assert.ok(!ids.some((x: string) => /\/subnets\//i.test(x)), "child resources are not listed");
    const f = ok(
      await call(
        "GET",
        `${sub}/resources?api-version=${RGV}&$filter=${encodeURIComponent("resourceType eq 'Microsoft.Network/virtualNetworks'")}`,
      ),
      "filter",
      200,
    );
    assert.ok(f.json.value.length >= 1);
    assert.ok(
      f.json.value.every((x: any) => x.type === "Microsoft.Network/virtualNetworks"),
      f.text,
    );
    const e = ok(await call("GET", `${sub}/resources?api-version=${RGV}&$expand=properties`), "expand", 200);
    assert.ok(e.json.value.find((x: any) => x.id === vnetId).properties.addressSpace);
    const g = ok(
      await call("GET", `${sub}/resourcegroups/BASE/resources?api-version=2021-04-01`),
      "by rg",
      200,
    );
    assert.ok(
      g.json.value.every((x: any) =>
        x.id.toLowerCase().startsWith(`${sub}/resourcegroups/base/`.toLowerCase()),
      ),
    );
    assert.ok(g.json.value.some((x: any) => x.id === vnetId));
  });
});

describe("paging", () => {
  const N = 250;
  const names = Array.from({ length: N }, (_, k) => `page-${String(k).padStart(3, "0")}`);

  test(`${N} resource groups are created`, async () => {
    let next = 0;
    await Promise.all(
      Array.from({ length: 12 }, async () => {
        while (next < names.length) {
          const n = names[next++];
          ok(await call("PUT", rgPath(n), { location: "westeurope" }), n, 201);
        }
      }),
    );
  });

  test("$top=100 pages through every resource group once, keeping api-version in nextLink", async () => {
    const total = ok(await call("GET", `${sub}/resourcegroups?api-version=${RGV}&$top=1000`), "all", 200).json
      .value.length as number;
    assert.ok(total >= N && total < 300, `${total} groups`);
    const ps = await pages(`${sub}/resourcegroups?api-version=${RGV}&$top=100`);
    assert.equal(ps.length, 3, "three pages");
    assert.deepEqual(
      ps.map((p) => p.value.length),
      [100, 100, total - 200],
    );
    for (const p of ps.slice(0, 2)) {
      const u = new URL(p.nextLink!);
      assert.equal(u.searchParams.get("api-version"), RGV, "api-version is kept");
      assert.equal(u.searchParams.get("$top"), "100", "$top is kept");
      assert.equal(u.pathname.toLowerCase(), `${sub}/resourcegroups`.toLowerCase());
    }
    assert.equal(ps[2].nextLink ?? null, null, "the last page has no nextLink");
    const seen = ps.flatMap((p) => p.value.map((x: any) => x.name as string));
    assert.equal(new Set(seen).size, seen.length, "no group is listed twice");
    for (const n of names) assert.ok(seen.includes(n), `${n} is listed`);
  });

  test("without $top the default page is 100 (az's version too)", async () => {
    const ps = await pages(`${sub}/resourcegroups?api-version=2021-04-01`);
    assert.ok(ps.length >= 3);
    assert.equal(ps[0].value.length, 100);
    assert.equal(new URL(ps[0].nextLink!).searchParams.get("api-version"), "2021-04-01");
  });

  test("updates and deletes between pages neither skip nor repeat the others", async () => {
    const first = ok(
      await call("GET", `${sub}/resourcegroups?api-version=${RGV}&$top=100`),
      "page 1",
      200,
    ).json;
    const p1 = first.value.map((x: any) => x.name as string);
    const victims = p1.filter((n: string) => n.startsWith("page-")).slice(0, 3);
    assert.equal(victims.length, 3);
    ok(await call("PATCH", rgPath(victims[0]), { tags: { moved: "no" } }), "patch", 200);
    ok(await call("PUT", rgPath(victims[1]), { location: "westeurope", tags: { again: "yes" } }), "put", 200);
    ok(await call("DELETE", rgPath(victims[2])), "delete", 200, 202);
    const u = new URL(first.nextLink);
    const rest = await pages(u.pathname + u.search);
    const seen = [...p1, ...rest.flatMap((p) => p.value.map((x: any) => x.name as string))];
    assert.equal(new Set(seen).size, seen.length, `no group is listed twice: ${seen.length}`);
    for (const n of names) if (n !== victims[2]) assert.ok(seen.includes(n), `${n} is still listed`);
    ok(await call("PUT", rgPath(victims[2]), { location: "westeurope" }), "restore", 201);
  });

  test("@azure/arm-resources resourceGroups.list() follows nextLink to the end", async () => {
    const r = await runScenario("arm-paging", srv.info);
    assert.equal(r.code, 0, r.stderr);
    assert.ok(r.result.pages >= 3, `pages: ${r.result.pages}`);
    assert.equal(r.result.unique, r.result.count, "no duplicates");
    for (const n of names) assert.ok(r.result.names.includes(n), `${n} listed by the SDK`);
  });
});
