// Microsoft.ManagedIdentity/userAssignedIdentities and Microsoft.Authorization/roleAssignments:
// stored and validated through the ARM API, and deployed from a template.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { arm } from "./helpers/arm.js";
import { startServer, TestServer } from "./helpers/server.js";

const READER = "acdd72a7-3385-48ef-bd42-f606fba81ae7";

describe("user-assigned identities and role assignments", () => {
  let srv: TestServer;
  let rg: string;
  before(async () => {
    srv = await startServer();
    rg = `/subscriptions/${srv.info.subscriptionId}/resourceGroups/rg-id`;
    const r = await arm(srv.info, "PUT", `${rg}?api-version=2021-04-01`, { location: "eastus" });
    assert.ok([200, 201].includes(r.status), r.text);
  });
  after(async () => {
    await srv?.stop();
  });

  it("deploys an identity and a role assignment for it; refuses malformed and duplicate assignments", async () => {
    const template = {
      $schema: "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
      contentVersion: "1.0.0.0",
      resources: [
        {
          type: "Microsoft.ManagedIdentity/userAssignedIdentities",
          apiVersion: "2023-01-31",
          name: "id-arc-onboarding",
          location: "eastus",
        },
        {
          type: "Microsoft.Authorization/roleAssignments",
          apiVersion: "2022-04-01",
          name: "[guid(resourceGroup().id, 'id-arc-onboarding', 'reader')]",
          dependsOn: ["id-arc-onboarding"],
          properties: {
            roleDefinitionId: `[subscriptionResourceId('Microsoft.Authorization/roleDefinitions', '${READER}')]`,
            principalId:
              "[reference(resourceId('Microsoft.ManagedIdentity/userAssignedIdentities', 'id-arc-onboarding'), '2023-01-31').principalId]",
            principalType: "ServicePrincipal",
          },
        },
      ],
      outputs: {
        principalId: {
          type: "string",
          value:
            "[reference(resourceId('Microsoft.ManagedIdentity/userAssignedIdentities', 'id-arc-onboarding'), '2023-01-31').principalId]",
        },
      },
    };
    const path = `${rg}/providers/Microsoft.Resources/deployments/ids?api-version=2021-04-01`;
    const put = await arm(srv.info, "PUT", path, { properties: { mode: "Incremental", template } });
    assert.ok([200, 201].includes(put.status), put.text);
    let d: any;
    for (;;) {
      d = (await arm(srv.info, "GET", path)).json;
      if (!["Accepted", "Running", "Created"].includes(d.properties.provisioningState)) break;
      await new Promise((r) => setImmediate(r));
    }
    assert.equal(d.properties.provisioningState, "Succeeded", JSON.stringify(d.properties.error));
    const principalId = d.properties.outputs.principalId.value;
    const id = await arm(
      srv.info,
      "GET",
      `${rg}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id-arc-onboarding?api-version=2023-01-31`,
    );
    assert.equal(id.status, 200, id.text);
    assert.equal(id.json.properties.principalId, principalId);
    assert.match(id.json.properties.clientId, /^[0-9a-f-]{36}$/);
    assert.equal(id.json.properties.tenantId, srv.info.tenantId);
    const ra = d.properties.outputResources.find((r: any) => /roleAssignments/.test(r.id)).id;
    const got = await arm(srv.info, "GET", `${ra}?api-version=2022-04-01`);
    assert.equal(got.status, 200, got.text);
    assert.equal(got.json.properties.principalId, principalId);
    assert.equal(got.json.properties.scope.toLowerCase(), rg.toLowerCase());
    const roleDef = `/subscriptions/${srv.info.subscriptionId}/providers/Microsoft.Authorization/roleDefinitions/${READER}`;
    const put2 = (name: string, properties: object) =>
      arm(
        srv.info,
        "PUT",
        `${rg}/providers/Microsoft.Authorization/roleAssignments/${name}?api-version=2022-04-01`,
        {
          properties,
        },
      );
    const dup = await put2("11111111-2222-3333-4444-555555555555", {
      roleDefinitionId: roleDef,
      principalId,
    });
    assert.equal(dup.status, 409, dup.text);
    assert.equal(dup.json.error.code, "RoleAssignmentExists");
    const notGuid = await put2("not-a-guid", { roleDefinitionId: roleDef, principalId });
    assert.equal(notGuid.status, 400, notGuid.text);
    const badPrincipal = await put2("11111111-2222-3333-4444-555555555555", {
      roleDefinitionId: roleDef,
      principalId: "alice",
    });
    assert.equal(badPrincipal.json.error.code, "InvalidPrincipalId", badPrincipal.text);
    const badRole = await put2("11111111-2222-3333-4444-555555555555", {
      roleDefinitionId: "Reader",
      principalId,
    });
    assert.equal(badRole.status, 400, badRole.text);
    assert.match(badRole.json.error.message, /roleDefinitions\/\{roleDefinitionGuid\}/);
    const badName = await arm(
      srv.info,
      "PUT",
      `${rg}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/x?api-version=2023-01-31`,
      { location: "eastus" },
    );
    assert.equal(badName.status, 400, badName.text);
  });
});
