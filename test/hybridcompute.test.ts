// Microsoft.HybridCompute: private link scopes, their private endpoint connections and private
// link resources, validation details, and machines with their scope association. SDK flows run
// the real @azure/arm-hybridcompute 3.0.0 (and @azure/arm-resources for machine writes) in a
// separate process; exact codes and bad input go through raw ARM calls.
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { parseResourceId } from "../src/core/resourceId.js";
import { Principal, ProviderContext } from "../src/providers/contract.js";
import { associationOf } from "../src/providers/hybridcompute/association.js";
import { connectionBody } from "../src/providers/hybridcompute/connectionBody.js";
import { machines } from "../src/providers/hybridcompute/machines.js";
import { SqliteStore } from "../src/store/sqlite.js";
import { Entry, World } from "../src/world/world.js";
import { WriteTx } from "../src/world/writeTx.js";
import { arm, RawResponse } from "./helpers/arm.js";
import { runScenario } from "./helpers/sdk.js";
import { startServer, TestServer } from "./helpers/server.js";

const T = { timeout: 120_000 };
const V = "api-version=2021-05-20";
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function ok(r: RawResponse, status: number, what: string): void {
  assert.equal(r.status, status, `${what}: expected ${status}, got ${r.status} ${r.text}`);
}

function hasInternal(v: unknown): boolean {
  return JSON.stringify(v ?? null).includes('"_arclink"');
}

describe("Microsoft.HybridCompute over ARM", () => {
  let srv: TestServer;
  let sub: string;
  let hc: string;
  let scopeId: string;
  let scopeGuid: string;

  before(async () => {
    srv = await startServer();
    sub = `/subscriptions/${srv.info.subscriptionId}`;
    hc = `${sub}/resourceGroups/rg/providers/Microsoft.HybridCompute`;
    ok(
      await arm(srv.info, "PUT", `${sub}/resourcegroups/rg?api-version=2021-04-01`, { location: "eastus" }),
      201,
      "rg",
    );
    ok(
      await arm(srv.info, "PUT", `${sub}/resourcegroups/sdkrg?api-version=2021-04-01`, {
        location: "eastus",
      }),
      201,
      "rg",
    );
    const r = await arm(srv.info, "PUT", `${hc}/privateLinkScopes/pls-east?${V}`, { location: "eastus" });
    ok(r, 201, "scope");
    scopeId = r.json.id;
    scopeGuid = r.json.properties.privateLinkScopeId;
    ok(
      await arm(srv.info, "PUT", `${hc}/privateLinkScopes/pls-west?${V}`, { location: "westus" }),
      201,
      "scope",
    );
  });
  after(async () => {
    await srv?.stop();
  });

  it(
    "scopes through the SDK: create 201 then 200, get, list, updateTags, PUT Enabled, privateLinkResources, delete",
    T,
    async () => {
      const r = await runScenario("hybridcompute-scopes", srv.info, { RG: "sdkrg" });
      assert.equal(r.code, 0, r.stderr);
      const x = r.result;
      assert.deepEqual(x.statuses, [201, 200]);
      assert.match(x.scopeGuid, GUID);
      assert.deepEqual(x.byRg, ["sdk-pls", "sdk-pls-2"]);
      assert.deepEqual(x.bySub, ["pls-east", "pls-west", "sdk-pls", "sdk-pls-2"]);
      const expectedResource = {
        id: `${sub}/resourceGroups/sdkrg/providers/Microsoft.HybridCompute/privateLinkScopes/sdk-pls/privateLinkResources/hybridcompute`,
        name: "hybridcompute",
        type: "Microsoft.HybridCompute/privateLinkScopes/privateLinkResources",
        properties: {
          groupId: "hybridcompute",
          requiredMembers: ["HybridCompute.Server", "HybridCompute.K8sConfiguration", "GuestConfig.DP"],
          requiredZoneNames: [
            "privatelink.his.arc.azure.com",
            "privatelink.guestconfiguration.azure.com",
            "privatelink.dp.kubernetesconfiguration.azure.com",
          ],
        },
      };
      assert.deepEqual(x.plr, expectedResource);
      assert.deepEqual(x.plrs, [expectedResource]);
      const want = {
        id: `${sub}/resourceGroups/sdkrg/providers/Microsoft.HybridCompute/privateLinkScopes/sdk-pls`,
        publicNetworkAccess: "Enabled",
        connectionDetails: [],
      };
      assert.deepEqual(x.byGuid, want);
      assert.deepEqual(x.byCode, want, "the location may be given as Arc's short region code");
      assert.equal(x.afterDelete, 404);
    },
  );

  it(
    "scope PUT: shape of the newest version, GUID kept, default Disabled, serviceExtensions",
    T,
    async () => {
      const url = `${hc}/privateLinkScopes/shape?api-version=2026-09-01`;
      const c = await arm(srv.info, "PUT", url, {
        location: "East US",
        tags: { a: "1" },
        properties: {
          publicNetworkAccess: "enabled",
          serviceExtensions: [
            { serviceExtensionType: "SQL", serviceExtensionPublicNetworkAccess: "disabled" },
          ],
        },
      });
      ok(c, 201, "create");
      assert.equal(c.headers["azure-asyncoperation"], undefined, "PUT is synchronous");
      assert.equal(c.json.location, "eastus");
      assert.deepEqual(c.json.tags, { a: "1" });
      assert.equal(c.json.properties.publicNetworkAccess, "Enabled");
      assert.deepEqual(c.json.properties.serviceExtensions, [
        { serviceExtensionType: "SQL", serviceExtensionPublicNetworkAccess: "Disabled" },
      ]);
      assert.deepEqual(c.json.properties.privateEndpointConnections, []);
      assert.equal(c.json.properties.provisioningState, "Succeeded");
      assert.equal(c.json.etag, undefined, "HybridCompute has no etag");
      const u = await arm(srv.info, "PUT", url, { location: "eastus" });
      ok(u, 200, "update");
      assert.equal(u.json.properties.privateLinkScopeId, c.json.properties.privateLinkScopeId);
      assert.equal(
        u.json.properties.publicNetworkAccess,
        "Disabled",
        "PUT replaces: the REST default is Disabled",
      );
      assert.deepEqual(
        u.json.properties.serviceExtensions,
        [{ serviceExtensionType: "SQL", serviceExtensionPublicNetworkAccess: "Enabled" }],
        "PUT replaces: not sent is what Azure answers a bare create with (PrivateLinkScopes_Create example)",
      );
      assert.deepEqual(u.json.tags, {});
      const moved = await arm(srv.info, "PUT", url, { location: "westus" });
      assert.equal(moved.status, 400, moved.text);
      const g = await arm(srv.info, "GET", url);
      assert.equal(g.json.location, "eastus");
    },
  );

  it(
    "scope refusals: names, enums, location, PATCH beyond tags, api-version; nothing stored",
    T,
    async () => {
      const bad: [string, object, number, string][] = [
        ["bad name!", { location: "eastus" }, 400, "InvalidResourceName"],
        ["x".repeat(65), { location: "eastus" }, 400, "InvalidResourceName"],
        [
          "enum",
          { location: "eastus", properties: { publicNetworkAccess: "Open" } },
          400,
          "InvalidRequestContent",
        ],
        [
          "enum2",
          { location: "eastus", properties: { publicNetworkAccess: "SecuredByPerimeter" } },
          400,
          "InvalidRequestContent",
        ],
        [
          "ext",
          {
            location: "eastus",
            properties: { serviceExtensions: [{ serviceExtensionPublicNetworkAccess: "Enabled" }] },
          },
          400,
          "MissingRequiredProperty",
        ],
        ["noloc", { properties: {} }, 400, "LocationRequired"],
        ["badloc", { location: "mars" }, 400, "LocationNotAvailableForResourceType"],
      ];
      for (const [name, body, status, code] of bad) {
        const path = `${hc}/privateLinkScopes/${encodeURIComponent(name)}`;
        const r = await arm(srv.info, "PUT", `${path}?${V}`, body);
        assert.equal(r.status, status, `${name}: ${r.text}`);
        assert.equal(r.json.error.code, code, `${name}: ${r.text}`);
        const g = await arm(srv.info, "GET", `${path}?${V}`);
        assert.ok(g.status === 404 || g.status === 400, `${name} must not be stored: ${g.status}`);
      }
      const v = await arm(srv.info, "PUT", `${hc}/privateLinkScopes/oldver?api-version=2018-01-01`, {
        location: "eastus",
      });
      assert.equal(v.status, 400);
      assert.equal(v.json.error.code, "NoRegisteredProviderFound");
      ok(await arm(srv.info, "GET", `${hc}/privateLinkScopes/oldver?${V}`), 404, "not stored");

      const p = await arm(srv.info, "PATCH", `${hc}/privateLinkScopes/pls-east?${V}`, {
        properties: { publicNetworkAccess: "Enabled" },
      });
      assert.equal(p.status, 400, p.text);
      const g = await arm(srv.info, "GET", `${hc}/privateLinkScopes/pls-east?${V}`);
      assert.equal(g.json.properties.publicNetworkAccess, "Disabled");
      const t = await arm(srv.info, "PATCH", `${hc}/privateLinkScopes/pls-east?${V}`, { tags: { k: "v" } });
      ok(t, 200, "updateTags");
      assert.deepEqual(t.json.tags, { k: "v" });
      assert.equal(t.json.properties.privateLinkScopeId, scopeGuid);
    },
  );

  it(
    "agentUpgrade: the user's part is stored, validated and kept; the attempt's outcome is never taken from a request",
    T,
    async () => {
      const m = `${hc}/machines/m-upgrade?api-version=2024-07-10`;
      ok(await arm(srv.info, "PUT", m, { location: "eastus" }), 200, "create");
      const correlationId = "2b9f5c43-0b0c-4d8e-9d0e-3c4a5b6c7d8e";
      const set = await arm(srv.info, "PATCH", m, {
        properties: {
          agentUpgrade: {
            desiredVersion: "1.45",
            correlationId,
            enableAutomaticUpgrade: true,
            lastAttemptStatus: "Success",
          },
        },
      });
      ok(set, 200, "patch");
      assert.deepEqual(set.json.properties.agentUpgrade, {
        desiredVersion: "1.45",
        correlationId,
        enableAutomaticUpgrade: true,
      });
      const kept = await arm(srv.info, "PATCH", m, { tags: { a: "b" } });
      assert.equal(kept.json.properties.agentUpgrade.desiredVersion, "1.45", "kept when not sent");
      const bad = await arm(srv.info, "PATCH", m, { properties: { agentUpgrade: { correlationId: "x" } } });
      ok(bad, 400, "bad correlationId");
      assert.match(bad.json.error.message, /agentUpgrade\.correlationId/);
      const badVersion = await arm(srv.info, "PATCH", m, {
        properties: { agentUpgrade: { desiredVersion: "latest" } },
      });
      ok(badVersion, 400, "bad version");
    },
  );

  it("privateLinkResources: only 'hybridcompute', read-only", T, async () => {
    const base = `${hc}/privateLinkScopes/pls-east/privateLinkResources`;
    ok(await arm(srv.info, "GET", `${base}/HybridCompute?${V}`), 200, "case-insensitive name");
    const other = await arm(srv.info, "GET", `${base}/blob?${V}`);
    assert.equal(other.status, 404);
    assert.equal(other.json.error.code, "ResourceNotFound");
    // The front end answers writes to a computed child with 400 InvalidResourceType (405 would be nicer).
    const put = await arm(srv.info, "PUT", `${base}/hybridcompute?${V}`, { properties: { groupId: "x" } });
    assert.ok(put.status === 400 || put.status === 405, put.text);
    const after = await arm(srv.info, "GET", `${base}/hybridcompute?${V}`);
    assert.equal(after.json.properties.groupId, "hybridcompute");
    const missing = await arm(srv.info, "GET", `${hc}/privateLinkScopes/nope/privateLinkResources?${V}`);
    assert.equal(missing.status, 404);
  });

  it(
    "validation details by GUID: any region answers (as the examples do), 404 for an unknown GUID or region",
    T,
    async () => {
      const loc = (l: string, g: string) =>
        `${sub}/providers/Microsoft.HybridCompute/locations/${l}/privateLinkScopes/${g}?${V}`;
      const r = await arm(srv.info, "GET", loc("eastus", scopeGuid.toUpperCase()));
      ok(r, 200, "by guid");
      assert.deepEqual(r.json, { id: scopeId, publicNetworkAccess: "Disabled", connectionDetails: [] });
      const unknown = await arm(srv.info, "GET", loc("eastus", "00000000-0000-0000-0000-000000000000"));
      assert.equal(unknown.status, 404);
      assert.equal(unknown.json.error.code, "PrivateLinkScopeNotFound");
      // PrivateLinkScopes_GetValidation asks at 'wus2' for the examples' scope in 'westus'.
      for (const other of ["westus", "wus2", "West Europe"]) {
        const o = await arm(srv.info, "GET", loc(encodeURIComponent(other), scopeGuid));
        ok(o, 200, `asked at ${other}`);
        assert.deepEqual(o.json, r.json);
      }
      const noRegion = await arm(srv.info, "GET", loc("atlantis", scopeGuid));
      assert.equal(noRegion.status, 404);
      assert.match(noRegion.json.error.message, /atlantis/);
    },
  );

  it(
    "machines through the SDK: write by id (arm-resources), get, list, validation for machine, delete",
    T,
    async () => {
      const r = await runScenario("hybridcompute-machines", srv.info, { RG: "rg", SCOPE_ID: scopeId });
      assert.equal(r.code, 0, r.stderr);
      const x = r.result;
      assert.ok(!hasInternal(x), "no internal key reaches a client");
      assert.equal(x.machine.name, "sdk-m1");
      assert.equal(x.machine.properties.privateLinkScopeResourceId, scopeId);
      assert.equal(
        x.machine.properties.status,
        "Disconnected",
        "read-only status is not taken from the request",
      );
      assert.equal(x.machine.properties.agentVersion, undefined, "read-only agentVersion is ignored");
      assert.equal(x.machine.properties.displayName, "sdk-m1");
      assert.match(x.machine.properties.vmId, GUID);
      assert.deepEqual(x.machine.properties.locationData, {
        name: "Redmond",
        city: "redmond",
        countryOrRegion: "usa",
      });
      assert.equal(x.machine.identity.type, "SystemAssigned");
      assert.match(x.machine.identity.principalId, GUID);
      assert.equal(x.machine.identity.tenantId, srv.info.tenantId);
      assert.deepEqual(x.details, { id: scopeId, publicNetworkAccess: "Disabled", connectionDetails: [] });
      assert.ok(x.byRg.includes("sdk-m1"));
      assert.ok(x.bySub.includes("sdk-m1"));
      assert.equal(x.afterDelete, 404);
    },
  );

  it(
    "machine association: PUT/PATCH/GET/list show it without internal keys; PATCH keeps vmId and identity",
    T,
    async () => {
      const url = `${hc}/machines/m-assoc?${V}`;
      const put = await arm(srv.info, "PUT", url, {
        location: "eastus",
        identity: { type: "SystemAssigned" },
        properties: {
          privateLinkScopeResourceId: scopeId.toLowerCase(),
          osType: "Linux",
          provisioningState: "Failed",
          lastStatusChange: "2001-01-01T00:00:00Z",
          osProfile: { linuxConfiguration: { patchSettings: { assessmentMode: "imagedefault" } } },
        },
      });
      ok(put, 200, "machine create: Machines_CreateOrUpdate declares only 200");
      assert.equal(put.headers["location"], undefined);
      assert.ok(!hasInternal(put.json), put.text);
      assert.equal(put.json.properties.privateLinkScopeResourceId, scopeId, "stored as the scope's own id");
      assert.equal(put.json.properties.osType, "linux");
      assert.equal(put.json.properties.provisioningState, "Succeeded");
      assert.notEqual(put.json.properties.lastStatusChange, "2001-01-01T00:00:00Z");
      assert.deepEqual(put.json.properties.osProfile, {
        computerName: null,
        linuxConfiguration: { patchSettings: { assessmentMode: "ImageDefault" } },
      });
      const patch = await arm(srv.info, "PATCH", url, {
        tags: { x: "y" },
        properties: { locationData: { name: "Oslo" } },
      });
      ok(patch, 200, "patch");
      assert.ok(!hasInternal(patch.json), patch.text);
      assert.deepEqual(patch.json.tags, { x: "y" });
      assert.equal(patch.json.properties.vmId, put.json.properties.vmId);
      assert.equal(patch.json.identity.principalId, put.json.identity.principalId);
      assert.equal(patch.json.properties.privateLinkScopeResourceId, scopeId);
      const get = await arm(srv.info, "GET", url);
      ok(get, 200, "get");
      assert.ok(!hasInternal(get.json), get.text);
      const list = await arm(srv.info, "GET", `${hc}/machines?${V}`);
      ok(list, 200, "list");
      assert.ok(list.json.value.some((m: any) => m.name === "m-assoc"));
      assert.ok(!hasInternal(list.json), "list strips internal keys");
      const subList = await arm(srv.info, "GET", `${sub}/providers/Microsoft.HybridCompute/machines?${V}`);
      assert.ok(!hasInternal(subList.json));
      const generic = await arm(
        srv.info,
        "GET",
        `${sub}/resources?$expand=properties&api-version=2021-04-01`,
      );
      ok(generic, 200, "generic list");
      assert.ok(!hasInternal(generic.json), "generic resource list strips internal keys");
      const vd = await arm(srv.info, "GET", `${hc}/machines/m-assoc/privateLinkScopes/current?${V}`);
      ok(vd, 200, "validation for machine");
      assert.equal(vd.json.id, scopeId);
      const other = await arm(srv.info, "GET", `${hc}/machines/m-assoc/privateLinkScopes/other?${V}`);
      assert.equal(other.status, 404);
      // Removing the association by PATCH null.
      const off = await arm(srv.info, "PATCH", url, { properties: { privateLinkScopeResourceId: null } });
      ok(off, 200, "dissociate");
      assert.equal(off.json.properties.privateLinkScopeResourceId, undefined);
      const none = await arm(srv.info, "GET", `${hc}/machines/m-assoc/privateLinkScopes/current?${V}`);
      assert.equal(none.status, 404);
      assert.equal(none.json.error.code, "PrivateLinkScopeNotAssociated");
      assert.match(none.json.error.message, /privateLinkScopeResourceId/);
    },
  );

  it(
    "machine refusals: other region, wrong type, malformed, missing scope, bad input; nothing stored",
    T,
    async () => {
      const cases: [string, object, string, RegExp][] = [
        [
          "m-west",
          {
            location: "eastus",
            properties: { privateLinkScopeResourceId: scopeId.replace("pls-east", "pls-west") },
          },
          "PrivateLinkScopeLocationMismatch",
          /same region/,
        ],
        [
          "m-type",
          {
            location: "eastus",
            properties: {
              privateLinkScopeResourceId: `${sub}/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v`,
            },
          },
          "InvalidRequestFormat",
          /Microsoft\.HybridCompute\/privateLinkScopes/,
        ],
        [
          "m-malformed",
          { location: "eastus", properties: { privateLinkScopeResourceId: "pls-east" } },
          "LinkedInvalidPropertyId",
          /pls-east/,
        ],
        [
          "m-missing",
          { location: "eastus", properties: { privateLinkScopeResourceId: `${hc}/privateLinkScopes/ghost` } },
          "InvalidResourceReference",
          /ghost/,
        ],
        ["m-os", { location: "eastus", properties: { osType: "macos" } }, "InvalidRequestContent", /osType/],
        [
          "m-ld",
          { location: "eastus", properties: { locationData: { city: "x" } } },
          "MissingRequiredProperty",
          /locationData\.name/,
        ],
        [
          "m-id",
          { location: "eastus", identity: { type: "UserAssigned" } },
          "InvalidRequestContent",
          /identity\.type/,
        ],
        ["m-kind", { location: "eastus", kind: "Mainframe" }, "InvalidRequestContent", /kind/],
        ["m-vm", { location: "eastus", properties: { vmId: "not-a-guid" } }, "InvalidParameter", /vmId/],
        ["m-noloc", { properties: {} }, "LocationRequired", /location/],
        ["bad name!", { location: "eastus" }, "InvalidResourceName", /name/],
        ["m" + "x".repeat(54), { location: "eastus" }, "InvalidResourceName", /name/],
      ];
      for (const [name, body, code, msg] of cases) {
        const path = `${hc}/machines/${encodeURIComponent(name)}?${V}`;
        const r = await arm(srv.info, "PUT", path, body);
        assert.equal(r.status, 400, `${name}: ${r.text}`);
        assert.equal(r.json.error.code, code, `${name}: ${r.text}`);
        assert.match(r.json.error.message, msg, name);
        const g = await arm(srv.info, "GET", path);
        assert.ok(g.status === 404 || g.status === 400, `${name} must not be stored (${g.status})`);
        assert.notEqual(g.status, 200);
      }
      // An existing machine keeps its association when a move to another region is refused.
      const url = `${hc}/machines/m-keep?${V}`;
      ok(
        await arm(srv.info, "PUT", url, {
          location: "eastus",
          properties: { privateLinkScopeResourceId: scopeId },
        }),
        200,
        "m-keep",
      );
      const westId = scopeId.replace("pls-east", "pls-west");
      const refused = await arm(srv.info, "PATCH", url, {
        properties: { privateLinkScopeResourceId: westId },
      });
      assert.equal(refused.status, 400, refused.text);
      assert.match(refused.json.error.message, /westus/);
      assert.equal((await arm(srv.info, "GET", url)).json.properties.privateLinkScopeResourceId, scopeId);
    },
  );

  it(
    "deleting a scope: machines keep a dangling id, stay writable, and validation answers 404",
    T,
    async () => {
      const pls = `${hc}/privateLinkScopes/doomed`;
      ok(await arm(srv.info, "PUT", `${pls}?${V}`, { location: "eastus" }), 201, "scope");
      const doomedId = (await arm(srv.info, "GET", `${pls}?${V}`)).json.id;
      const m = `${hc}/machines/m-dangling?${V}`;
      ok(
        await arm(srv.info, "PUT", m, {
          location: "eastus",
          properties: { privateLinkScopeResourceId: doomedId },
        }),
        200,
        "machine",
      );
      const del = await arm(srv.info, "DELETE", `${pls}?${V}`);
      ok(del, 202, "delete scope");
      assert.match(String(del.headers["location"]), /^https:\/\//);
      ok(await arm(srv.info, "GET", `${pls}?${V}`), 404, "scope gone");
      const again = await arm(srv.info, "DELETE", `${pls}?${V}`);
      ok(again, 204, "delete again");
      const g = await arm(srv.info, "GET", m);
      assert.equal(g.json.properties.privateLinkScopeResourceId, doomedId);
      ok(
        await arm(srv.info, "PATCH", m, { tags: { still: "writable" } }),
        200,
        "patch with a dangling scope",
      );
      const vd = await arm(srv.info, "GET", `${hc}/machines/m-dangling/privateLinkScopes/current?${V}`);
      assert.equal(vd.status, 404);
      assert.equal(vd.json.error.code, "PrivateLinkScopeNotFound");
      ok(await arm(srv.info, "DELETE", m), 200, "machine delete is synchronous");
      ok(await arm(srv.info, "DELETE", m), 204, "machine delete again");
    },
  );

  it("a connection PUT needs an existing connection, created by a private endpoint", T, async () => {
    const url = `${hc}/privateLinkScopes/pls-east/privateEndpointConnections/made-up?${V}`;
    const r = await arm(srv.info, "PUT", url, {
      properties: { privateLinkServiceConnectionState: { status: "Approved", description: "x" } },
    });
    assert.equal(r.status, 404, r.text);
    assert.equal(r.json.error.code, "PrivateEndpointConnectionNotFound");
    assert.match(r.json.error.message, /privateEndpoints/);
    ok(await arm(srv.info, "GET", url), 404, "not stored");
    const none = await arm(
      srv.info,
      "GET",
      `${hc}/privateLinkScopes/pls-east/privateEndpointConnections?${V}`,
    );
    ok(none, 200, "list");
    assert.deepEqual(none.json.value, []);
  });

  it(
    "with Microsoft.Network/privateEndpoints: endpoint → connection → approval → one detail per IP",
    T,
    async (t) => {
      const prov = await arm(srv.info, "GET", `${sub}/providers/Microsoft.Network?api-version=2021-04-01`);
      const types: string[] = (prov.json?.resourceTypes ?? []).map((x: any) =>
        String(x.resourceType).toLowerCase(),
      );
      if (prov.status !== 200 || !types.includes("privateendpoints") || !types.includes("virtualnetworks")) {
        t.skip("Microsoft.Network/privateEndpoints is not registered on this server");
        return;
      }
      const nv = "api-version=2025-05-01";
      const net = `${sub}/resourceGroups/rg/providers/Microsoft.Network`;
      const vnet = await arm(srv.info, "PUT", `${net}/virtualNetworks/vnet?${nv}`, {
        location: "eastus",
        properties: {
          addressSpace: { addressPrefixes: ["10.20.0.0/16"] },
          subnets: [{ name: "pe", properties: { addressPrefix: "10.20.1.0/24" } }],
        },
      });
      assert.ok(vnet.status === 200 || vnet.status === 201, vnet.text);
      const pe = await arm(srv.info, "PUT", `${net}/privateEndpoints/pe-e2e?${nv}`, {
        location: "eastus",
        properties: {
          subnet: { id: `${net}/virtualNetworks/vnet/subnets/pe` },
          manualPrivateLinkServiceConnections: [
            {
              name: "c",
              properties: {
                privateLinkServiceId: scopeId,
                groupIds: ["hybridcompute"],
                requestMessage: "please",
              },
            },
          ],
        },
      });
      assert.ok(pe.status === 200 || pe.status === 201, pe.text);
      const list = await arm(
        srv.info,
        "GET",
        `${hc}/privateLinkScopes/pls-east/privateEndpointConnections?${V}`,
      );
      const conn = list.json.value.find((c: any) =>
        String(c.properties.privateEndpoint.id).toLowerCase().endsWith("/privateendpoints/pe-e2e"),
      );
      assert.ok(conn, `a connection for the endpoint: ${list.text}`);
      assert.equal(conn.properties.privateLinkServiceConnectionState.status, "Pending");
      const approve = await arm(srv.info, "PUT", `${conn.id}?${V}`, {
        properties: { privateLinkServiceConnectionState: { status: "Approved", description: "ok" } },
      });
      ok(approve, 200, "approve");
      const peNow = (await arm(srv.info, "GET", `${net}/privateEndpoints/pe-e2e?${nv}`)).json;
      const ips = new Set<string>();
      for (const c of peNow.properties.ipConfigurations ?? []) ips.add(c.properties.privateIPAddress);
      for (const d of peNow.properties.customDnsConfigs ?? [])
        for (const a of d.ipAddresses ?? []) ips.add(a);
      const vd = await arm(
        srv.info,
        "GET",
        `${sub}/providers/Microsoft.HybridCompute/locations/eastus/privateLinkScopes/${scopeGuid}?${V}`,
      );
      ok(vd, 200, "details");
      assert.ok(ips.size > 0, "the endpoint has private IPs");
      assert.deepEqual(new Set(vd.json.connectionDetails.map((d: any) => d.privateIpAddress)), ips);
      for (const d of vd.json.connectionDetails) assert.equal(d.groupId, "hybridcompute");
    },
  );
});

// Connections are created only by private endpoints. To exercise approval, rejection and deletion
// through the SDK independently of the Network provider, these are written into the store while the
// server is stopped, in the shapes a private endpoint writes (connectionBody.ts and §4.2).
describe("private endpoint connections through the SDK (connections seeded in the store)", () => {
  let srv: TestServer;
  let sub: string;
  let hc: string;
  let scopeId: string;
  let guid: string;
  let peId: string;
  const PENDING = "pe1.11111111-2222-3333-4444-555555555555";
  const OTHER = "pe2.66666666-7777-8888-9999-000000000000";

  before(async () => {
    const first = await startServer();
    sub = `/subscriptions/${first.info.subscriptionId}`;
    hc = `${sub}/resourceGroups/rg/providers/Microsoft.HybridCompute`;
    ok(
      await arm(first.info, "PUT", `${sub}/resourcegroups/rg?api-version=2021-04-01`, { location: "eastus" }),
      201,
      "rg",
    );
    const s = await arm(first.info, "PUT", `${hc}/privateLinkScopes/pls?${V}`, { location: "eastus" });
    scopeId = s.json.id;
    guid = s.json.properties.privateLinkScopeId;
    ok(
      await arm(first.info, "PUT", `${hc}/machines/m1?${V}`, {
        location: "eastus",
        properties: { privateLinkScopeResourceId: scopeId },
      }),
      200,
      "machine",
    );
    await first.stop();
    peId = `${sub}/resourceGroups/rg/providers/Microsoft.Network/privateEndpoints/pe1`;
    const store = new SqliteStore(join(first.dataDir, "arclink.db"));
    const puts = [
      {
        id: peId,
        type: "Microsoft.Network/privateEndpoints",
        body: {
          id: peId,
          name: "pe1",
          type: "Microsoft.Network/privateEndpoints",
          location: "eastus",
          properties: {
            ipConfigurations: [
              {
                name: "a",
                properties: {
                  groupId: "hybridcompute",
                  memberName: "HybridCompute.Server",
                  privateIPAddress: "10.0.1.4",
                },
              },
              {
                name: "b",
                properties: {
                  groupId: "hybridcompute",
                  memberName: "GuestConfig.DP",
                  privateIPAddress: "10.0.1.5",
                },
              },
              {
                name: "c",
                properties: {
                  groupId: "hybridcompute",
                  memberName: "HybridCompute.K8sConfiguration",
                  privateIPAddress: "10.0.1.6",
                },
              },
            ],
            customDnsConfigs: [
              { fqdn: "gbl.his.arc.azure.com", ipAddresses: ["10.0.1.4"] },
              { fqdn: "eus.his.arc.azure.com", ipAddresses: ["10.0.1.7"] },
            ],
            provisioningState: "Succeeded",
          },
        },
      },
      ...[
        [PENDING, peId],
        [OTHER, peId.replace(/pe1$/, "pe2")],
      ].map(([name, pe]) => {
        const body = connectionBody({
          scopeId,
          name,
          privateEndpointId: pe,
          status: "Pending",
          description: "Awaiting approval",
        });
        return { id: body.id, type: body.type, body };
      }),
    ];
    await store.commit({ puts, deletes: [], expect: new Map(puts.map((p) => [p.id.toLowerCase(), 0])) });
    await store.close();
    srv = await first.restart();
  });
  after(async () => {
    await srv?.stop();
  });

  it(
    "list, get, approve (LRO), reject, no way back to Pending, delete (LRO); details follow approvals",
    T,
    async () => {
      const r = await runScenario("hybridcompute-connections", srv.info, {
        RG: "rg",
        SCOPE: "pls",
        PENDING,
        OTHER,
        MACHINE: "m1",
        GUID: guid,
      });
      assert.equal(r.code, 0, r.stderr);
      const x = r.result;
      assert.deepEqual(x.listed, [PENDING, OTHER]);
      assert.equal(x.before.properties.privateLinkServiceConnectionState.status, "Pending");
      assert.equal(x.before.properties.privateEndpoint.id, peId);
      assert.deepEqual(x.detailsBefore.connectionDetails, [], "a Pending connection carries no traffic");
      assert.deepEqual(x.approved.properties.privateLinkServiceConnectionState, {
        status: "Approved",
        description: "Approved by the lab",
        actionsRequired: "None",
      });
      assert.equal(x.approved.properties.provisioningState, "Succeeded");
      const details = x.detailsAfter.connectionDetails;
      assert.deepEqual(
        details.map((d: any) => [d.privateIpAddress, d.memberName]),
        [
          ["10.0.1.4", "HybridCompute.Server"],
          ["10.0.1.5", "GuestConfig.DP"],
          ["10.0.1.6", "HybridCompute.K8sConfiguration"],
          ["10.0.1.7", "HybridCompute.Server"],
        ],
      );
      for (const d of details) {
        assert.equal(d.groupId, "hybridcompute");
        assert.equal(d.id, peId);
        assert.match(d.linkIdentifier, /^\d+$/);
        assert.equal(d.linkIdentifier, details[0].linkIdentifier, "one link per connection");
      }
      assert.deepEqual(x.forMachine, x.detailsAfter);
      assert.equal(
        x.rejected.properties.privateLinkServiceConnectionState.status,
        "Rejected",
        "status is case-insensitive",
      );
      assert.equal(x.backToPending, 400);
      assert.deepEqual(x.remaining, [PENDING]);
      assert.deepEqual(
        x.scopeConnections.map((c: any) => [c.name, c.properties.privateLinkServiceConnectionState.status]),
        [[PENDING, "Approved"]],
      );
    },
  );

  it(
    "connection PUT refusals: unknown status, missing description, missing state; nothing changes",
    T,
    async () => {
      const url = `${hc}/privateLinkScopes/pls/privateEndpointConnections/${PENDING}?${V}`;
      const bad: [object, string, RegExp][] = [
        [
          { properties: { privateLinkServiceConnectionState: { status: "Maybe", description: "x" } } },
          "InvalidRequestContent",
          /Pending/,
        ],
        [
          { properties: { privateLinkServiceConnectionState: { status: "Rejected" } } },
          "MissingRequiredProperty",
          /description/,
        ],
        [{ properties: {} }, "MissingRequiredProperty", /privateLinkServiceConnectionState/],
      ];
      for (const [body, code, msg] of bad) {
        const r = await arm(srv.info, "PUT", url, body);
        assert.equal(r.status, 400, r.text);
        assert.equal(r.json.error.code, code, r.text);
        assert.match(r.json.error.message, msg);
        const g = await arm(srv.info, "GET", url);
        assert.equal(g.json.properties.privateLinkServiceConnectionState.status, "Approved");
      }
    },
  );

  it("deleting the scope takes its connections; the machine's id dangles", T, async () => {
    const d = await arm(srv.info, "DELETE", `${hc}/privateLinkScopes/pls?${V}`);
    ok(d, 202, "delete");
    ok(
      await arm(srv.info, "GET", `${hc}/privateLinkScopes/pls/privateEndpointConnections/${PENDING}?${V}`),
      404,
      "connection gone",
    );
    const m = await arm(srv.info, "GET", `${hc}/machines/m1?${V}`);
    assert.equal(m.json.properties.privateLinkScopeResourceId, scopeId);
  });
});

describe("machine association timing (provider write, virtual clock)", () => {
  const sub = "/subscriptions/00000000-0000-0000-0000-00000000000a";
  const base = `${sub}/resourceGroups/rg/providers/Microsoft.HybridCompute`;
  const scopeA = `${base}/privateLinkScopes/a`;
  const scopeB = `${base}/privateLinkScopes/b`;
  const machineId = `${base}/machines/m`;
  const world = new World();
  world.load(
    [
      {
        id: `${sub}/resourceGroups/rg`,
        type: "Microsoft.Resources/resourceGroups",
        body: { location: "eastus" },
        rev: 1,
      },
      ...[scopeA, scopeB].map((id) => ({
        id,
        type: "Microsoft.HybridCompute/privateLinkScopes",
        body: { id, name: id.split("/").pop(), location: "eastus", properties: { privateLinkScopeId: "g" } },
        rev: 1,
      })),
    ],
    1,
  );
  const principal: Principal = { oid: "o", tenantId: "t", appId: "a", kind: "servicePrincipal" };

  /** Runs the provider's write as the front end does; returns the body the store would keep. */
  function write(body: Record<string, any>, existing: Entry | undefined, at: string): Entry {
    const ctx: ProviderContext = {
      tx: new WriteTx(world),
      now: new Date(at),
      principal,
      apiVersion: "2021-05-20",
      baseUrl: "https://127.0.0.1",
      settings: { propagationDelayMs: 900_000 },
    };
    const props = machines.write(ctx, { id: parseResourceId(machineId)!, body, existing });
    const stored: Record<string, any> = { id: machineId, name: "m", location: "eastus", properties: {} };
    for (const [k, v] of Object.entries(props)) {
      if (k.startsWith("_")) stored[k] = v;
      else stored.properties[k] = v;
    }
    return { id: machineId, type: machines.type, body: stored, rev: 1, key: machineId.toLowerCase() };
  }

  it("associatedAt is set on association, kept on unrelated updates, restarted on a move, cleared on removal", () => {
    const t0 = "2030-01-01T00:00:00.000Z";
    const m0 = write({ location: "eastus", properties: {} }, undefined, t0);
    assert.equal(m0.body._arclink, undefined);
    assert.deepEqual(associationOf(m0.body), {});

    const t1 = "2030-01-01T00:05:00.000Z";
    const m1 = write({ location: "eastus", properties: { privateLinkScopeResourceId: scopeA } }, m0, t1);
    assert.deepEqual(m1.body._arclink, { associatedAt: t1 });
    assert.deepEqual(associationOf(m1.body), { scopeId: scopeA, associatedAt: t1 });
    assert.equal(m1.body.properties._arclink, undefined, "internal state is not a property");

    const t2 = "2030-01-01T00:10:00.000Z";
    const m2 = write(
      { ...m1.body, properties: { ...m1.body.properties, privateLinkScopeResourceId: scopeA.toUpperCase() } },
      m1,
      t2,
    );
    assert.equal(m2.body._arclink.associatedAt, t1, "same scope (any casing): the delay keeps running");

    const t3 = "2030-01-01T00:20:00.000Z";
    const m3 = write({ location: "eastus", properties: { privateLinkScopeResourceId: scopeB } }, m2, t3);
    assert.deepEqual(m3.body._arclink, { associatedAt: t3, previousScopeId: scopeA });
    assert.deepEqual(associationOf(m3.body), { scopeId: scopeB, associatedAt: t3 });

    const t4 = "2030-01-01T00:30:00.000Z";
    const m4 = write({ location: "eastus", properties: {} }, m3, t4);
    assert.deepEqual(m4.body._arclink, { previousScopeId: scopeB });
    assert.deepEqual(associationOf(m4.body), {});

    const t5 = "2030-01-01T00:40:00.000Z";
    const m5 = write({ location: "eastus", properties: { privateLinkScopeResourceId: scopeA } }, m4, t5);
    assert.deepEqual(m5.body._arclink, { associatedAt: t5, previousScopeId: scopeB });
  });

  it("associationOf is pure and tolerant", () => {
    assert.deepEqual(associationOf(undefined), {});
    assert.deepEqual(associationOf({ properties: { privateLinkScopeResourceId: "" } }), {});
    assert.deepEqual(associationOf({ properties: { privateLinkScopeResourceId: scopeA } }), {
      scopeId: scopeA,
    });
    assert.deepEqual(
      associationOf({ properties: {}, _arclink: { associatedAt: "2030-01-01T00:00:00.000Z" } }),
      {},
      "no scope, no association, whatever the internal state says",
    );
  });
});
