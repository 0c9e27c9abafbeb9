// Bad deployment requests get ARM's error envelope with a stable code, never a crash or a
// half-written deployment: malformed bodies (JSON and JSONC), missing parts, unknown names,
// parameter errors with the template's line, and unsupported links.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { arm, armDeployment } from "./helpers/arm.js";
import { startServer, TestServer } from "./helpers/server.js";

describe("deployment request errors", () => {
  let srv: TestServer;
  let base: string;
  before(async () => {
    srv = await startServer();
    const rg = `/subscriptions/${srv.info.subscriptionId}/resourceGroups/rg-err`;
    assert.equal(
      (await arm(srv.info, "PUT", `${rg}?api-version=2021-04-01`, { location: "eastus" })).status,
      201,
    );
    base = `${rg}/providers/Microsoft.Resources/deployments`;
  });
  after(async () => {
    await srv?.stop();
  });

  const put = (name: string, body: object | string, v = "2021-04-01") =>
    armDeployment(srv.info, `${base}/${name}?api-version=${v}`, body, { "content-type": "application/json" });
  const template = `{
  "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
  "contentVersion": "1.0.0.0",
  "parameters": {
    "zone": { "type": "string", "allowedValues": ["a.internal", "b.internal"] }
  },
  "resources": [
    { "type": "Microsoft.Network/privateDnsZones", "apiVersion": "2020-06-01", "name": "[parameters('zone')]", "location": "global" }
  ]
}`;

  const cases: Array<[string, object | string, number, string, RegExp?]> = [
    [
      "malformed JSONC",
      `{"properties": {"mode": "Incremental", template: {"a": }}}`,
      400,
      "InvalidRequestContent",
      /line 1/,
    ],
    ["no properties", {}, 400, "InvalidRequestContent"],
    ["no template", { properties: { mode: "Incremental" } }, 400, "InvalidRequestContent"],
    ["bad mode", { properties: { mode: "Sometimes", template: {} } }, 400, "InvalidDeploymentMode"],
    [
      "template link",
      { properties: { mode: "Incremental", templateLink: { uri: "https://example.invalid/t.json" } } },
      400,
      "InvalidTemplateLink",
    ],
    [
      "no $schema",
      { properties: { mode: "Incremental", template: { resources: [] } } },
      400,
      "InvalidTemplate",
      /'\$schema'/,
    ],
    [
      "missing parameter value (with its line)",
      `{"properties": {"mode": "Incremental"}, template: ${template}}`.replace(
        '"Incremental"}, template',
        '"Incremental", template',
      ) + "}",
      400,
      "InvalidTemplate",
      /The value for the template parameter 'zone' at line '5' and column '13' is not provided/,
    ],
    [
      "value not allowed",
      `{"properties": {"mode": "Incremental", "parameters": {"zone": {"value": "c.internal"}}, template: ${template}}}`,
      400,
      "InvalidTemplate",
      /The value 'c.internal' is not part of the allowed value\(s\): 'a.internal,b.internal'/,
    ],
    [
      "Key Vault reference",
      {
        properties: {
          mode: "Incremental",
          template: JSON.parse(template),
          parameters: { zone: { reference: { keyVault: { id: "x" }, secretName: "s" } } },
        },
      },
      400,
      "InvalidTemplate",
      /Key Vault/,
    ],
  ];
  for (const [what, body, status, code, message] of cases) {
    it(`${what}: ${status} ${code}`, async () => {
      const r = await put("bad", body);
      assert.equal(r.status, status, r.text);
      assert.equal(r.json.error.code, code, r.text);
      if (message) assert.match(r.json.error.message, message);
    });
  }

  it("nothing of a refused deployment is stored", async () => {
    const r = await arm(srv.info, "GET", `${base}/bad?api-version=2021-04-01`);
    assert.equal(r.status, 404);
    assert.equal(r.json.error.code, "DeploymentNotFound");
  });

  it("api-version, deployment name, method and unknown sub-resources", async () => {
    const v = await put("ok", { properties: { mode: "Incremental", template: {} } }, "1999-01-01");
    assert.equal(v.json.error.code, "InvalidApiVersionParameter");
    const n = await put("bad*name", { properties: { mode: "Incremental", template: {} } });
    assert.equal(n.json.error.code, "InvalidDeploymentName");
    const m = await arm(srv.info, "PATCH", `${base}/x?api-version=2021-04-01`, {});
    assert.equal(m.status, 405);
    const ops = await arm(srv.info, "GET", `${base}/missing/operations?api-version=2021-04-01`);
    assert.equal(ops.json.error.code, "DeploymentNotFound");
    const rg = await arm(
      srv.info,
      "GET",
      `/subscriptions/${srv.info.subscriptionId}/resourceGroups/nope/providers/Microsoft.Resources/deployments?api-version=2021-04-01`,
    );
    assert.equal(rg.json.error.code, "ResourceGroupNotFound");
    const sub = await arm(
      srv.info,
      "PUT",
      `/subscriptions/${srv.info.subscriptionId}/providers/Microsoft.Resources/deployments/s?api-version=2021-04-01`,
      { properties: { mode: "Incremental", template: JSON.parse(template) } },
    );
    assert.equal(sub.json.error.code, "LocationRequired");
  });

  it("a deployment's operation that does not exist is 404 DeploymentOperationNotFound", async () => {
    const ok = await put(
      "good",
      `{"properties": {"mode": "Incremental", "parameters": {"zone": {"value": "a.internal"}}, template: ${template}}}`,
    );
    assert.equal(ok.status, 201, ok.text);
    assert.ok(ok.headers["azure-asyncoperation"]);
    const status = await arm(
      srv.info,
      "GET",
      new URL(String(ok.headers["azure-asyncoperation"])).pathname + "?api-version=2021-04-01",
    );
    assert.deepEqual(status.json, { status: "Succeeded" });
    const op = await arm(srv.info, "GET", `${base}/good/operations/NOPE?api-version=2021-04-01`);
    assert.equal(op.json.error.code, "DeploymentOperationNotFound");
  });

  it("InvalidTemplate carries Azure's TemplateViolation: line, position and the JSON path", async () => {
    // Line 8 of the body: the resource object, at column 5.
    const body = `{"properties": {"mode": "Incremental", template: {
  "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
  "contentVersion": "1.0.0.0",
  "resources": [
    { "type": "Microsoft.Network/privateDnsZones", "apiVersion": "2020-06-01", "name": "a.internal", "location": "global" },
    // The second resource calls a function that does not exist.
    {
      "type": "Microsoft.Network/privateDnsZones",
      "apiVersion": "2020-06-01",
      "name": "[concatt('b', '.internal')]",
      "location": "global"
    }
  ]
}}}`;
    const r = await put("violation", body);
    assert.equal(r.status, 400, r.text);
    assert.equal(r.json.error.code, "InvalidTemplate");
    assert.match(
      r.json.error.message,
      /^Deployment template validation failed: 'The template resource '.*' at line '7' and column '5' is not valid: The template function 'concatt' is not valid\. Please see https:\/\/aka\.ms\/arm-functions for usage details\.'\.$/,
    );
    assert.deepEqual(r.json.error.additionalInfo, [
      {
        type: "TemplateViolation",
        info: { lineNumber: 7, linePosition: 5, path: "properties.template.resources[1]" },
      },
    ]);
  });

  it("a missing dependency and a cycle are refused in Azure's words", async () => {
    const tpl = (resources: object[]) => ({
      properties: {
        mode: "Incremental",
        template: {
          $schema: "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
          contentVersion: "1.0.0.0",
          resources,
        },
      },
    });
    const zone = (name: string, dependsOn: string[]) => ({
      type: "Microsoft.Network/privateDnsZones",
      apiVersion: "2020-06-01",
      name,
      location: "global",
      dependsOn,
    });
    const missing = await put(
      "missing",
      tpl([zone("a.internal", ["[resourceId('Microsoft.Network/virtualNetworks', 'vnet-missing')]"])]),
    );
    assert.equal(missing.status, 400, missing.text);
    assert.deepEqual(missing.json.error, {
      code: "InvalidTemplate",
      message:
        "Deployment template validation failed: 'The resource 'Microsoft.Network/virtualNetworks/vnet-missing' is not defined in the template. Please see https://aka.ms/arm-template for usage details.'.",
      additionalInfo: [{ type: "TemplateViolation", info: { lineNumber: 0, linePosition: 0, path: "" } }],
    });
    const cycle = await put(
      "cycle",
      tpl([zone("a.internal", ["b.internal"]), zone("b.internal", ["a.internal"])]),
    );
    assert.equal(cycle.status, 400, cycle.text);
    assert.equal(cycle.json.error.code, "InvalidTemplate");
    assert.match(
      cycle.json.error.message,
      /^Deployment template validation failed: 'Circular dependency detected on resource: '\/subscriptions\/.*\/privateDnsZones\/[ab]\.internal'\. Please see https:\/\/aka\.ms\/arm-syntax-resources for usage details\.'\.$/,
    );
  });

  it("an expression that fails while deploying fails that resource inside DeploymentFailed; the rest deploy", async () => {
    const zone = (name: string, tags: object) => ({
      type: "Microsoft.Network/privateDnsZones",
      apiVersion: "2020-06-01",
      name,
      location: "global",
      tags,
    });
    const r = await put("runtime", {
      properties: {
        mode: "Incremental",
        template: {
          $schema: "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
          contentVersion: "1.0.0.0",
          resources: [
            {
              type: "Microsoft.HybridCompute/privateLinkScopes",
              apiVersion: "2024-07-10",
              name: "pls-runtime",
              location: "eastus",
              properties: { publicNetworkAccess: "Disabled" },
            },
            zone("ok.internal", { fine: "yes" }),
            zone("reads-missing.internal", {
              vnet: "[reference(resourceId('Microsoft.Network/virtualNetworks', 'vnet-nowhere'), '2023-04-01').provisioningState]",
            }),
            zone("lists-keys.internal", {
              key: "[listKeys(resourceId('Microsoft.HybridCompute/privateLinkScopes', 'pls-runtime'), '2024-07-10').keys[0].value]",
            }),
          ],
        },
      },
    });
    assert.ok(r.status === 200 || r.status === 201, r.text);
    const d = r.json.properties;
    assert.equal(d.provisioningState, "Failed");
    assert.equal(d.error.code, "DeploymentFailed");
    const inner = (d.error.details as any[]).map((x) => `${x.code}: ${x.message}`).sort();
    assert.equal(inner.length, 2, inner.join("\n"));
    assert.match(
      inner[0],
      /^InvalidTemplate: Unable to process template language expressions for resource '\/subscriptions\/.*\/privateDnsZones\/lists-keys\.internal' at line '1' and column '\d+'\. 'The resource type 'Microsoft\.HybridCompute\/privateLinkScopes' does not support the action 'listKeys': ArcLink serves no list actions .* as a \(secure\) parameter instead\.'$/,
    );
    assert.match(
      inner[1],
      /^InvalidTemplate: Unable to process template language expressions for resource '\/subscriptions\/.*\/privateDnsZones\/reads-missing\.internal' at line '1' and column '\d+'\. 'The Resource 'Microsoft\.Network\/virtualNetworks\/vnet-nowhere' under resource group 'rg-err' was not found/,
    );
    // The list*() call waited for the scope it lists (its implied dependency), and the others deployed.
    const ops = await arm(srv.info, "GET", `${base}/runtime/operations?api-version=2021-04-01`);
    const by = Object.fromEntries(
      (ops.json.value as any[]).map((o) => [o.properties.targetResource.resourceName, o.properties]),
    );
    assert.equal(by["pls-runtime"].provisioningState, "Succeeded");
    assert.equal(by["ok.internal"].provisioningState, "Succeeded");
    assert.equal(by["lists-keys.internal"].provisioningState, "Failed");
    assert.equal(by["lists-keys.internal"].statusCode, "BadRequest");
    assert.equal(by["lists-keys.internal"].statusMessage.error.code, "InvalidTemplate");
    const deps = (d.dependencies as any[]).find((x) => x.resourceName === "lists-keys.internal");
    assert.deepEqual(
      deps.dependsOn.map((x: any) => x.resourceName),
      ["pls-runtime"],
    );
  });
});
