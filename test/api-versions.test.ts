// One api-version table per provider, as Azure publishes them: every listed version is served,
// an unlisted one is refused as Azure refuses it (NoRegisteredProviderFound for a resource
// provider's type, InvalidApiVersionParameter for ARM's own resource groups), and what the
// versions declare differently follows the version asked.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { armClient, ArmClient, RawResponse, token } from "./helpers/arm.js";
import { removeDataDir, startServer, TestServer } from "./helpers/server.js";
import { HYBRIDCOMPUTE_API_VERSIONS } from "../src/providers/hybridcompute/versions.js";
import { AMPLS_API_VERSIONS } from "../src/providers/insights/versions.js";
import { OPERATIONAL_INSIGHTS_API_VERSIONS } from "../src/providers/operationalinsights/versions.js";
import { DNS_RESOLVER_API_VERSIONS, NETWORK_API_VERSIONS } from "../src/providers/network/apiVersions.js";
import { PRIVATE_DNS_API_VERSIONS } from "../src/providers/privatedns/versions.js";
import { RESOURCES_API_VERSIONS } from "../src/engine/apiVersion.js";

let srv: TestServer;
let c: ArmClient;
let rg: string;
let sub: string;
const UNPUBLISHED = ["2099-01-01", "2022-08-12-preview", "2021-05-20-preview"];

function ok(r: RawResponse, status: number, what: string): void {
  assert.equal(r.status, status, `${what}: ${r.status} ${r.text.slice(0, 500)}`);
}

function refused(r: RawResponse, status: number, code: string, what: string): void {
  assert.equal(r.status, status, `${what}: ${r.status} ${r.text.slice(0, 500)}`);
  assert.equal(r.json?.error?.code, code, `${what}: ${r.text.slice(0, 500)}`);
}

before(async () => {
  srv = await startServer({ args: ["--dns", "none"] });
  c = armClient(srv.info, await token(srv.info), 8);
  sub = `/subscriptions/${srv.info.subscriptionId}`;
  rg = `${sub}/resourceGroups/rg-versions`;
  ok(await c.call("PUT", `${rg}?api-version=2021-04-01`, { location: "eastus" }), 201, "rg");
});
after(async () => {
  c.close();
  await srv.stop();
  removeDataDir(srv.dataDir);
});

describe("api-versions as Azure publishes them", () => {
  it("Microsoft.HybridCompute: all 38 published versions, 2022-08-11-preview (python3-azure) among them", async () => {
    assert.equal(HYBRIDCOMPUTE_API_VERSIONS.length, 38);
    assert.ok(HYBRIDCOMPUTE_API_VERSIONS.includes("2022-08-11-preview"));
    assert.ok(HYBRIDCOMPUTE_API_VERSIONS.includes("2021-06-10-preview"));
    for (const v of HYBRIDCOMPUTE_API_VERSIONS) {
      for (const t of ["privateLinkScopes", "machines"]) {
        ok(
          await c.call("GET", `${rg}/providers/Microsoft.HybridCompute/${t}?api-version=${v}`),
          200,
          `${t} at ${v}`,
        );
      }
    }
    for (const v of UNPUBLISHED) {
      const r = await c.call(
        "GET",
        `${rg}/providers/Microsoft.HybridCompute/privateLinkScopes?api-version=${v}`,
      );
      refused(r, 400, "NoRegisteredProviderFound", v);
      assert.match(r.json.error.message, /2022-08-11-preview/, "the refusal lists the supported versions");
    }
  });

  it("Microsoft.Network: the spec's 73 versions, 2015-06-15 to 2026-01-01, previews among them", async () => {
    assert.equal(NETWORK_API_VERSIONS.length, 73);
    assert.equal(NETWORK_API_VERSIONS.filter((v) => v.endsWith("-preview")).length, 13);
    const n = `${rg}/providers/Microsoft.Network`;
    // The oldest stable, the first preview, the one python3-azure sends, a network manager preview.
    for (const v of [
      "2015-06-15",
      "2015-05-01-preview",
      "2022-07-01",
      "2022-06-01-preview",
      "2024-09-01-preview",
    ]) {
      assert.ok((NETWORK_API_VERSIONS as readonly string[]).includes(v), v);
      for (const t of ["virtualNetworks", "networkSecurityGroups", "privateEndpoints"])
        ok(await c.call("GET", `${n}/${t}?api-version=${v}`), 200, `${t} at ${v}`);
    }
    // 2017-03-30 is a Microsoft.Compute version (the VMSS network interface operations'); the
    // others were never published for Microsoft.Network.
    for (const v of ["2017-03-30", "2025-05-01-preview", "2014-12-01-preview"]) {
      const r = await c.call("GET", `${n}/virtualNetworks?api-version=${v}`);
      refused(r, 400, "NoRegisteredProviderFound", v);
      assert.match(r.json.error.message, /2015-06-15/, "the refusal lists the supported versions");
    }
  });

  it("Microsoft.Network, DNS Private Resolver and Private DNS: every listed version served, others refused", async () => {
    const n = `${rg}/providers/Microsoft.Network`;
    for (const v of NETWORK_API_VERSIONS)
      ok(await c.call("GET", `${n}/privateEndpoints?api-version=${v}`), 200, v);
    for (const v of DNS_RESOLVER_API_VERSIONS)
      ok(await c.call("GET", `${n}/dnsResolvers?api-version=${v}`), 200, v);
    for (const v of PRIVATE_DNS_API_VERSIONS)
      ok(await c.call("GET", `${n}/privateDnsZones?api-version=${v}`), 200, v);
    for (const v of UNPUBLISHED) {
      refused(
        await c.call("GET", `${n}/privateEndpoints?api-version=${v}`),
        400,
        "NoRegisteredProviderFound",
        v,
      );
      refused(
        await c.call("GET", `${n}/privateDnsZones?api-version=${v}`),
        400,
        "NoRegisteredProviderFound",
        v,
      );
    }
  });

  it("Microsoft.Insights private link scopes: the four published versions served, others refused", async () => {
    assert.deepEqual(
      [...AMPLS_API_VERSIONS],
      ["2019-10-17-preview", "2021-07-01-preview", "2021-09-01", "2023-06-01-preview"],
    );
    const t = `${rg}/providers/Microsoft.Insights/privateLinkScopes`;
    for (const v of AMPLS_API_VERSIONS) ok(await c.call("GET", `${t}?api-version=${v}`), 200, v);
    for (const v of UNPUBLISHED)
      refused(await c.call("GET", `${t}?api-version=${v}`), 400, "NoRegisteredProviderFound", v);
  });

  it("Microsoft.OperationalInsights workspaces: the eleven published versions served, others refused; the workspace id is kept", async () => {
    assert.equal(OPERATIONAL_INSIGHTS_API_VERSIONS.length, 11);
    assert.ok(OPERATIONAL_INSIGHTS_API_VERSIONS.includes("2022-10-01"), "python3-azure's and az 2.45's");
    const t = `${rg}/providers/Microsoft.OperationalInsights/workspaces`;
    const bySub = `${sub}/providers/Microsoft.OperationalInsights/workspaces`;
    for (const v of OPERATIONAL_INSIGHTS_API_VERSIONS) {
      ok(await c.call("GET", `${t}?api-version=${v}`), 200, v);
      ok(await c.call("GET", `${bySub}?api-version=${v}`), 200, `${v} by subscription`);
    }
    for (const v of UNPUBLISHED)
      refused(await c.call("GET", `${t}?api-version=${v}`), 400, "NoRegisteredProviderFound", v);

    const ws = `${t}/law-versions`;
    const created = await c.call("PUT", `${ws}?api-version=2015-11-01-preview`, { location: "eastus" });
    ok(created, 201, "create");
    const id = created.json.properties.customerId;
    assert.match(id, /^[0-9a-f-]{36}$/);
    assert.equal(created.json.properties.sku.name, "PerGB2018");
    assert.equal(created.json.properties.retentionInDays, 30);
    const updated = await c.call("PUT", `${ws}?api-version=2025-07-01`, {
      location: "eastus",
      properties: { retentionInDays: 90, publicNetworkAccessForIngestion: "Disabled" },
    });
    ok(updated, 200, "update");
    assert.equal(updated.json.properties.customerId, id, "an update keeps the workspace id");
    const patched = await c.call("PATCH", `${ws}?api-version=2022-10-01`, {
      properties: { workspaceCapping: { dailyQuotaGb: 5 } },
      tags: { env: "test" },
    });
    ok(patched, 200, "patch");
    assert.equal(patched.json.properties.retentionInDays, 90);
    assert.equal(patched.json.properties.publicNetworkAccessForIngestion, "Disabled");
    assert.equal(patched.json.properties.workspaceCapping.dailyQuotaGb, 5);
    assert.deepEqual(patched.json.tags, { env: "test" });
    const bad = await c.call("PUT", `${ws}?api-version=2022-10-01`, {
      location: "eastus",
      properties: { retentionInDays: 5000 },
    });
    refused(bad, 400, "InvalidParameter", "retention out of range");
    const badName = await c.call("PUT", `${t}/-law?api-version=2022-10-01`, { location: "eastus" });
    assert.equal(badName.status, 400, badName.text);
    ok(await c.call("DELETE", `${ws}?api-version=2023-09-01`), 200, "delete");
    ok(await c.call("DELETE", `${ws}?api-version=2023-09-01`), 204, "delete again");
  });

  it("resource groups (ARM's own type): listed versions served, others InvalidApiVersionParameter", async () => {
    for (const v of RESOURCES_API_VERSIONS) ok(await c.call("GET", `${rg}?api-version=${v}`), 200, v);
    refused(await c.call("GET", `${rg}?api-version=2099-01-01`), 400, "InvalidApiVersionParameter", "rg");
  });
});

describe("behaviour that differs by api-version follows the version asked", () => {
  const machine = (name: string) => `${rg}/providers/Microsoft.HybridCompute/machines/${name}`;

  it("Machines_CreateOrUpdate answers 200, also when it creates, in every version", async () => {
    for (const v of ["2020-08-02", "2022-08-11-preview", "2025-01-13", "2026-09-01"]) {
      const r = await c.call("PUT", `${machine(`m-put-${v}`)}?api-version=${v}`, { location: "eastus" });
      ok(r, 200, `create at ${v}`);
      assert.equal(r.headers["azure-asyncoperation"], undefined, "synchronous");
    }
  });

  it("Machines_Delete: synchronous 200 up to 2024-11-10-preview, long-running 202 from 2025-01-13", async () => {
    for (const v of ["2021-05-20", "2022-08-11-preview", "2024-11-10-preview"]) {
      ok(await c.call("PUT", `${machine("m-del")}?api-version=${v}`, { location: "eastus" }), 200, "put");
      const d = await c.call("DELETE", `${machine("m-del")}?api-version=${v}`);
      ok(d, 200, `delete at ${v}`);
      assert.equal(d.headers.location, undefined);
      ok(await c.call("DELETE", `${machine("m-del")}?api-version=${v}`), 204, `absent at ${v}`);
    }
    for (const v of ["2025-01-13", "2025-02-19-preview", "2025-06-01", "2026-09-01"]) {
      ok(await c.call("PUT", `${machine("m-del")}?api-version=${v}`, { location: "eastus" }), 200, "put");
      const d = await c.call("DELETE", `${machine("m-del")}?api-version=${v}`);
      ok(d, 202, `delete at ${v}`);
      const location = String(d.headers.location);
      assert.ok(d.headers["azure-asyncoperation"], "Azure-AsyncOperation");
      assert.match(location, new RegExp(`api-version=${v}`));
      const poll = await c.call("GET", location.replace(srv.info.arm, ""));
      ok(poll, 204, `the Location poll at ${v}`);
      ok(await c.call("GET", `${machine("m-del")}?api-version=${v}`), 404, "gone");
      ok(await c.call("DELETE", `${machine("m-del")}?api-version=${v}`), 204, `absent at ${v}`);
    }
  });

  it("publicNetworkAccess SecuredByPerimeter: accepted from 2024-03-31-preview, refused before and from 2026-09-01", async () => {
    const scope = `${rg}/providers/Microsoft.HybridCompute/privateLinkScopes/pls-nsp`;
    const body = { location: "eastus", properties: { publicNetworkAccess: "SecuredByPerimeter" } };
    for (const v of ["2024-03-31-preview", "2024-07-10", "2025-01-13", "2026-07-15"]) {
      const r = await c.call("PUT", `${scope}?api-version=${v}`, body);
      assert.ok(r.status === 200 || r.status === 201, `${v}: ${r.text}`);
      assert.equal(r.json.properties.publicNetworkAccess, "SecuredByPerimeter");
    }
    for (const v of ["2022-08-11-preview", "2023-10-03-preview", "2026-09-01"]) {
      const r = await c.call("PUT", `${scope}?api-version=${v}`, body);
      refused(r, 400, "InvalidRequestContent", v);
      assert.match(r.json.error.message, /'Enabled', 'Disabled'/);
    }
    const g = await c.call("GET", `${scope}?api-version=2026-09-01`);
    assert.equal(
      g.json.properties.publicNetworkAccess,
      "SecuredByPerimeter",
      "a refused PUT changed nothing",
    );
  });

  it("a scope always carries serviceExtensions", async () => {
    const scope = `${rg}/providers/Microsoft.HybridCompute/privateLinkScopes/pls-ext`;
    const r = await c.call("PUT", `${scope}?api-version=2026-09-01`, { location: "eastus" });
    ok(r, 201, "create");
    assert.deepEqual(r.json.properties.serviceExtensions, [
      { serviceExtensionType: "SQL", serviceExtensionPublicNetworkAccess: "Enabled" },
    ]);
  });
});

describe("ARM's answers to malformed requests", () => {
  it("a body that is not JSON is 415 UnsupportedMediaType, and nothing is stored", async () => {
    const scope = `${rg}/providers/Microsoft.HybridCompute/privateLinkScopes/pls-415`;
    const body = JSON.stringify({ location: "eastus" });
    for (const type of ["text/plain", "application/xml", "application/x-www-form-urlencoded"]) {
      const r = await c.call("PUT", `${scope}?api-version=2024-07-10`, body, { "content-type": type });
      refused(r, 415, "UnsupportedMediaType", type);
      assert.match(r.json.error.message, new RegExp(`'${type}'`));
    }
    ok(await c.call("GET", `${scope}?api-version=2024-07-10`), 404, "not stored");
    const json = await c.call("PUT", `${scope}?api-version=2024-07-10`, body, {
      "content-type": "application/json; charset=utf-8",
    });
    ok(json, 201, "JSON with a charset");
  });

  it("an unknown namespace is 400 InvalidResourceNamespace; an unknown type names the api-version asked", async () => {
    const ns = await c.call("GET", `${rg}/providers/Microsoft.Nope/things/x?api-version=2024-07-10`);
    refused(ns, 400, "InvalidResourceNamespace", "namespace");
    assert.match(ns.json.error.message, /Microsoft\.Nope/);
    const t = await c.call("GET", `${rg}/providers/Microsoft.HybridCompute/nopes/x?api-version=2024-07-10`);
    refused(t, 400, "InvalidResourceType", "type");
    assert.match(t.json.error.message, /for api version '2024-07-10'/);
    assert.doesNotMatch(t.json.error.message, /'\?'/);
  });
});
