// A symbolic-name template that refers to an existing VNet (existing: true, reference() and
// resourceInfo() on it), sets the zone's SOA record set, and carries read-only zone properties
// (provisioningState, record counts) that ARM ignores; and the same template failing when the
// existing resource is not there.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { arm, armDeployment } from "./helpers/arm.js";
import { ROOT, startServer, TestServer } from "./helpers/server.js";

const text = readFileSync(join(ROOT, "test/fixtures/templates/existing.json"), "utf8");

describe("existing resources, the SOA record set, read-only properties", () => {
  let srv: TestServer;
  let rg: string;
  before(async () => {
    srv = await startServer();
    rg = `/subscriptions/${srv.info.subscriptionId}/resourceGroups/rg-existing`;
    assert.equal(
      (await arm(srv.info, "PUT", `${rg}?api-version=2021-04-01`, { location: "eastus" })).status,
      201,
    );
  });
  after(async () => {
    await srv?.stop();
  });

  const deploy = (name: string) =>
    armDeployment(
      srv.info,
      `${rg}/providers/Microsoft.Resources/deployments/${name}?api-version=2022-09-01`,
      `{"properties": {"mode": "Incremental", template: ${text}}}`,
      { "content-type": "application/json" },
    );

  it("fails when the existing resource is missing, with ResourceNotFound inside DeploymentFailed", async () => {
    const r = await deploy("before-vnet");
    assert.equal(r.status, 201, r.text);
    assert.equal(r.json.properties.provisioningState, "Failed");
    assert.equal(r.json.properties.error.code, "DeploymentFailed");
    assert.equal(r.json.properties.error.details[0].code, "ResourceNotFound");
    assert.match(r.json.properties.error.details[0].message, /vnet-existing/);
  });

  it("reads the existing VNet, writes the SOA record set, ignores read-only zone properties", async () => {
    const vnet = await arm(
      srv.info,
      "PUT",
      `${rg}/providers/Microsoft.Network/virtualNetworks/vnet-existing?api-version=2023-04-01`,
      {
        location: "westus",
        properties: { addressSpace: { addressPrefixes: ["10.50.0.0/16"] } },
      },
    );
    assert.equal(vnet.status, 201, vnet.text);
    const r = await deploy("after-vnet");
    assert.equal(r.status, 201, r.text);
    assert.equal(r.json.properties.provisioningState, "Succeeded", JSON.stringify(r.json.properties.error));
    assert.deepEqual(r.json.properties.outputs, {
      hubPrefix: { type: "String", value: "10.50.0.0/16" },
      hubLocation: { type: "String", value: "westus" },
      soaTtl: { type: "Int", value: 3600 },
    });
    // The existing VNet was read, not written.
    const ops = await arm(srv.info, "GET", `${rg}/deployments/after-vnet/operations?api-version=2022-09-01`);
    assert.deepEqual(ops.json.value.map((o: any) => o.properties.targetResource.resourceType).sort(), [
      "Microsoft.Network/privateDnsZones",
      "Microsoft.Network/privateDnsZones/SOA",
      "Microsoft.Network/privateDnsZones/virtualNetworkLinks",
    ]);
    const zone = await arm(
      srv.info,
      "GET",
      `${rg}/providers/Microsoft.Network/privateDnsZones/contoso.internal?api-version=2020-06-01`,
    );
    assert.equal(
      zone.json.properties.numberOfRecordSets,
      1,
      "the SOA record set; the template's 7 is ignored",
    );
    const soa = await arm(
      srv.info,
      "GET",
      `${rg}/providers/Microsoft.Network/privateDnsZones/contoso.internal/SOA/@?api-version=2020-06-01`,
    );
    assert.equal(soa.json.properties.ttl, 3600);
  });
});
