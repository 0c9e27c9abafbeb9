// Private endpoint connections through @azure/arm-hybridcompute 3.0.0: list, get, approve with
// beginCreateOrUpdateAndWait (an LRO in this SDK), reject, delete (LRO); validation details by GUID
// and by machine reflect only Approved connections.
// Env: RG, SCOPE, PENDING (a Pending connection), OTHER (another connection), MACHINE (associated
// with SCOPE), GUID (the scope's privateLinkScopeId).
import assert from "node:assert/strict";
import { clients, scenario } from "./clients.js";

scenario(async () => {
  const { hybridCompute: hc } = clients();
  const {
    RG: rg,
    SCOPE: scope,
    PENDING: pending,
    OTHER: other,
    MACHINE: machine,
    GUID: guid,
  } = process.env as Record<string, string>;

  const listed: string[] = [];
  for await (const c of hc.privateEndpointConnections.listByPrivateLinkScope(rg, scope)) listed.push(c.name!);
  const before = await hc.privateEndpointConnections.get(rg, scope, pending);
  const detailsBefore = await hc.privateLinkScopes.getValidationDetails("eastus", guid);

  const approved = await hc.privateEndpointConnections.beginCreateOrUpdateAndWait(
    rg,
    scope,
    pending,
    {
      properties: {
        privateLinkServiceConnectionState: { status: "Approved", description: "Approved by the lab" },
      },
    },
    { updateIntervalInMs: 10 },
  );
  const detailsAfter = await hc.privateLinkScopes.getValidationDetails("eastus", guid);
  const forMachine = await hc.privateLinkScopes.getValidationDetailsForMachine(rg, machine);

  const rejected = await hc.privateEndpointConnections.beginCreateOrUpdateAndWait(
    rg,
    scope,
    other,
    {
      properties: { privateLinkServiceConnectionState: { status: "rejected", description: "Not this one" } },
    },
    { updateIntervalInMs: 10 },
  );
  let backToPending = 0;
  try {
    await hc.privateEndpointConnections.beginCreateOrUpdateAndWait(rg, scope, other, {
      properties: { privateLinkServiceConnectionState: { status: "Pending", description: "again" } },
    });
  } catch (e: any) {
    backToPending = e.statusCode;
  }

  await hc.privateEndpointConnections.beginDeleteAndWait(rg, scope, other, { updateIntervalInMs: 10 });
  const remaining: string[] = [];
  for await (const c of hc.privateEndpointConnections.listByPrivateLinkScope(rg, scope))
    remaining.push(c.name!);
  const scopeNow = await hc.privateLinkScopes.get(rg, scope);
  assert.ok(scopeNow.properties, "scope has properties");

  return {
    listed: listed.sort(),
    before,
    approved,
    rejected,
    backToPending,
    detailsBefore,
    detailsAfter,
    forMachine,
    remaining,
    scopeConnections: (scopeNow as any).properties.privateEndpointConnections ?? null,
  };
});
