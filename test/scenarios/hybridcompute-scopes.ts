// Private Link Scopes through @azure/arm-hybridcompute 3.0.0 (api-version 2021-05-20): create
// (201, then 200), get, list by resource group and subscription, updateTags, publicNetworkAccess
// Disabled → Enabled by PUT, privateLinkResources get/list, validation details by GUID, delete (LRO).
// Env: RG (an existing resource group in eastus).
import assert from "node:assert/strict";
import { clients, scenario } from "./clients.js";

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

scenario(async () => {
  const { hybridCompute: hc } = clients();
  const rg = process.env.RG!;
  const statuses: number[] = [];
  const onResponse = (r: { status: number }) => statuses.push(r.status);

  const created = await hc.privateLinkScopes.createOrUpdate(
    rg,
    "sdk-pls",
    { location: "eastus" },
    { onResponse },
  );
  assert.equal(created.name, "sdk-pls");
  assert.equal(created.type, "Microsoft.HybridCompute/privateLinkScopes");
  assert.equal(created.location, "eastus");
  assert.equal(created.properties?.publicNetworkAccess, "Disabled");
  assert.equal(created.properties?.provisioningState, "Succeeded");
  const scopeGuid = created.properties?.privateLinkScopeId ?? "";
  assert.match(scopeGuid, GUID);

  const got = await hc.privateLinkScopes.get(rg, "sdk-pls");
  assert.equal(got.id, created.id);
  assert.equal(got.properties?.privateLinkScopeId, scopeGuid);

  const enabled = await hc.privateLinkScopes.createOrUpdate(
    rg,
    "sdk-pls",
    { location: "eastus", properties: { publicNetworkAccess: "Enabled" } },
    { onResponse },
  );
  assert.equal(enabled.properties?.publicNetworkAccess, "Enabled");
  assert.equal(enabled.properties?.privateLinkScopeId, scopeGuid, "privateLinkScopeId is kept on update");

  const tagged = await hc.privateLinkScopes.updateTags(rg, "sdk-pls", { tags: { env: "lab", owner: "arc" } });
  assert.deepEqual(tagged.tags, { env: "lab", owner: "arc" });
  assert.equal(tagged.properties?.publicNetworkAccess, "Enabled", "updateTags leaves properties alone");

  await hc.privateLinkScopes.createOrUpdate(rg, "sdk-pls-2", { location: "eastus", tags: { n: "2" } });
  const byRg: string[] = [];
  for await (const s of hc.privateLinkScopes.listByResourceGroup(rg)) byRg.push(s.name!);
  const bySub: string[] = [];
  for await (const s of hc.privateLinkScopes.list()) bySub.push(s.name!);

  const plr = await hc.privateLinkResources.get(rg, "sdk-pls", "hybridcompute");
  const plrs = [];
  for await (const x of hc.privateLinkResources.listByPrivateLinkScope(rg, "sdk-pls")) plrs.push(x);

  const byGuid = await hc.privateLinkScopes.getValidationDetails("eastus", scopeGuid);
  const byCode = await hc.privateLinkScopes.getValidationDetails("eus", scopeGuid);

  await hc.privateLinkScopes.beginDeleteAndWait(rg, "sdk-pls-2", { updateIntervalInMs: 10 });
  let afterDelete = 0;
  try {
    await hc.privateLinkScopes.get(rg, "sdk-pls-2");
  } catch (e: any) {
    afterDelete = e.statusCode;
  }

  return {
    statuses,
    scopeGuid,
    byRg: byRg.sort(),
    bySub: bySub.sort(),
    plr,
    plrs,
    byGuid,
    byCode,
    afterDelete,
  };
});
