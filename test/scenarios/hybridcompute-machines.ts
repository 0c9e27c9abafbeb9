// Arc machines: the 3.0.0 SDK has no machines.createOrUpdate, so the machine is written with
// @azure/arm-resources beginCreateOrUpdateByIdAndWait at api-version 2021-05-20, then read back,
// listed and deleted through @azure/arm-hybridcompute. Env: RG, SCOPE_ID (a scope in eastus).
import assert from "node:assert/strict";
import { clients, scenario } from "./clients.js";

scenario(async () => {
  const { hybridCompute: hc, resources, info } = clients();
  const rg = process.env.RG!;
  const scopeId = process.env.SCOPE_ID!;
  const id = `/subscriptions/${info.subscriptionId}/resourceGroups/${rg}/providers/Microsoft.HybridCompute/machines/sdk-m1`;

  const put = await resources.resources.beginCreateOrUpdateByIdAndWait(
    id,
    "2021-05-20",
    {
      location: "eastus",
      identity: { type: "SystemAssigned" },
      properties: {
        privateLinkScopeResourceId: scopeId,
        locationData: { name: "Redmond", city: "redmond", countryOrRegion: "usa" },
        osType: "linux",
        clientPublicKey: "key",
        status: "Connected",
        agentVersion: "9.9",
      },
    },
    { updateIntervalInMs: 10 },
  );
  assert.equal((put as any).properties.privateLinkScopeResourceId, scopeId);

  const m = await hc.machines.get(rg, "sdk-m1");
  const details = await hc.privateLinkScopes.getValidationDetailsForMachine(rg, "sdk-m1");
  const byRg: string[] = [];
  for await (const x of hc.machines.listByResourceGroup(rg)) byRg.push(x.name!);
  const bySub: string[] = [];
  for await (const x of hc.machines.listBySubscription()) bySub.push(x.name!);
  await hc.machines.delete(rg, "sdk-m1");
  let afterDelete = 0;
  try {
    await hc.machines.get(rg, "sdk-m1");
  } catch (e: any) {
    afterDelete = e.statusCode;
  }
  return { put, machine: m, details, byRg, bySub, afterDelete };
});
