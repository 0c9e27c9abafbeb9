// The seed's portal flow, end to end, through the official Azure SDK clients only:
// resource group → VNet and subnet → scope (public access disabled, later enabled) → private
// endpoints (automatic, and manual then approved) → zones, VNet links, zone group → A records
// equal to the endpoint's addresses → machine associated → both validation-details calls →
// deletion cleans up.
import assert from "node:assert/strict";
import { clients, scenario } from "./clients.js";

scenario(async () => {
  const { info, resources, network, privateDns, hybridCompute: hc } = clients();
  const rg = "rg-arc-pl";
  const poll = { updateIntervalInMs: 10 };
  await resources.resourceGroups.createOrUpdate(rg, { location: "eastus" });

  const vnet = await network.virtualNetworks.beginCreateOrUpdateAndWait(
    rg,
    "vnet-hub",
    {
      location: "eastus",
      addressSpace: { addressPrefixes: ["10.10.0.0/16"] },
      subnets: [
        { name: "snet-pe", addressPrefix: "10.10.1.0/24", privateEndpointNetworkPolicies: "Disabled" },
      ],
    },
    poll,
  );
  assert.equal(vnet.provisioningState, "Succeeded");
  const subnetId = vnet.subnets![0].id!;

  const scope = await hc.privateLinkScopes.createOrUpdate(rg, "pls-arc", {
    location: "eastus",
    properties: { publicNetworkAccess: "Disabled" },
  });
  assert.equal(scope.properties?.publicNetworkAccess, "Disabled");
  const scopeGuid = scope.properties!.privateLinkScopeId!;
  const enabled = await hc.privateLinkScopes.createOrUpdate(rg, "pls-arc", {
    location: "eastus",
    properties: { publicNetworkAccess: "Enabled" },
  });
  assert.equal(enabled.properties?.publicNetworkAccess, "Enabled");
  assert.equal(enabled.properties?.privateLinkScopeId, scopeGuid);
  await hc.privateLinkScopes.createOrUpdate(rg, "pls-arc", {
    location: "eastus",
    properties: { publicNetworkAccess: "Disabled" },
  });

  const plr = await hc.privateLinkScopes.get(rg, "pls-arc");
  const pe = await network.privateEndpoints.beginCreateOrUpdateAndWait(
    rg,
    "pe-arc",
    {
      location: "eastus",
      subnet: { id: subnetId },
      privateLinkServiceConnections: [
        { name: "pe-arc-conn", privateLinkServiceId: plr.id!, groupIds: ["hybridcompute"] },
      ],
    },
    poll,
  );
  assert.equal(pe.provisioningState, "Succeeded");
  assert.equal(pe.privateLinkServiceConnections![0].privateLinkServiceConnectionState!.status, "Approved");
  const dns = pe.customDnsConfigs!;
  const fqdns = dns.map((d) => d.fqdn);
  for (const f of [
    "gbl.his.arc.azure.com",
    "eus.his.arc.azure.com",
    "agentserviceapi.guestconfiguration.azure.com",
    "eastus-gas.guestconfiguration.azure.com",
  ]) {
    assert.ok(fqdns.includes(f), `customDnsConfigs lacks ${f}: ${fqdns.join(", ")}`);
  }
  assert.equal(dns[0].ipAddresses![0], "10.10.1.4", "Azure reserves the first four addresses");
  assert.equal(pe.networkInterfaces!.length, 1);

  const manual = await network.privateEndpoints.beginCreateOrUpdateAndWait(
    rg,
    "pe-manual",
    {
      location: "eastus",
      subnet: { id: subnetId },
      manualPrivateLinkServiceConnections: [
        { name: "m", privateLinkServiceId: plr.id!, groupIds: ["hybridcompute"], requestMessage: "please" },
      ],
    },
    poll,
  );
  assert.equal(
    manual.manualPrivateLinkServiceConnections![0].privateLinkServiceConnectionState!.status,
    "Pending",
  );
  const conns: string[] = [];
  let pendingName = "";
  for await (const c of hc.privateEndpointConnections.listByPrivateLinkScope(rg, "pls-arc")) {
    conns.push(c.properties!.privateLinkServiceConnectionState!.status);
    if (c.properties?.privateEndpoint?.id?.toLowerCase() === manual.id!.toLowerCase()) pendingName = c.name!;
  }
  assert.deepEqual(conns.sort(), ["Approved", "Pending"]);
  await hc.privateEndpointConnections.beginCreateOrUpdateAndWait(
    rg,
    "pls-arc",
    pendingName,
    {
      properties: {
        privateLinkServiceConnectionState: { status: "Approved", description: "approved by the scope owner" },
      },
    },
    poll,
  );
  const manualNow = await network.privateEndpoints.get(rg, "pe-manual");
  assert.equal(
    manualNow.manualPrivateLinkServiceConnections![0].privateLinkServiceConnectionState!.status,
    "Approved",
  );
  await network.privateEndpoints.beginDeleteAndWait(rg, "pe-manual", poll);

  const zones = [
    "privatelink.his.arc.azure.com",
    "privatelink.guestconfiguration.azure.com",
    "privatelink.dp.kubernetesconfiguration.azure.com",
  ];
  for (const z of zones) {
    await privateDns.privateZones.beginCreateOrUpdateAndWait(rg, z, { location: "Global" }, poll);
    await privateDns.virtualNetworkLinks.beginCreateOrUpdateAndWait(
      rg,
      z,
      "link-hub",
      { location: "Global", virtualNetwork: { id: vnet.id }, registrationEnabled: false },
      poll,
    );
  }
  const zoneIds = await Promise.all(zones.map(async (z) => (await privateDns.privateZones.get(rg, z)).id!));
  await network.privateDnsZoneGroups.beginCreateOrUpdateAndWait(
    rg,
    "pe-arc",
    "default",
    {
      privateDnsZoneConfigs: zones.map((z, i) => ({
        name: z.replace(/\./g, "-"),
        privateDnsZoneId: zoneIds[i],
      })),
    },
    poll,
  );
  const records = new Map<string, string>();
  for (const z of zones) {
    for await (const r of privateDns.recordSets.listByType(rg, z, "A"))
      records.set(r.fqdn!.replace(/\.$/, ""), r.aRecords![0].ipv4Address!);
  }
  for (const d of dns) {
    const [label, ...rest] = d.fqdn!.split(".");
    const privateName = `${label}.privatelink.${rest.join(".")}`;
    assert.equal(records.get(privateName), d.ipAddresses![0], `A record for ${privateName}`);
  }

  const machineId = `/subscriptions/${info.subscriptionId}/resourceGroups/${rg}/providers/Microsoft.HybridCompute/machines/srv01`;
  await resources.resources.beginCreateOrUpdateByIdAndWait(
    machineId,
    "2021-05-20",
    {
      location: "eastus",
      properties: { privateLinkScopeResourceId: plr.id },
    } as any,
    poll,
  );
  const machine = await hc.machines.get(rg, "srv01");
  assert.equal((machine.properties as any).privateLinkScopeResourceId.toLowerCase(), plr.id!.toLowerCase());
  const byGuid = await hc.privateLinkScopes.getValidationDetails("eastus", scopeGuid);
  const byMachine = await hc.privateLinkScopes.getValidationDetailsForMachine(rg, "srv01");
  assert.equal(byGuid.publicNetworkAccess, "Disabled");
  assert.deepEqual(byMachine, byGuid);
  assert.ok(byGuid.connectionDetails!.some((c) => c.privateIpAddress === "10.10.1.4"));

  await network.privateEndpoints.beginDeleteAndWait(rg, "pe-arc", poll);
  for (const z of zones) {
    const left: string[] = [];
    for await (const r of privateDns.recordSets.listByType(rg, z, "A")) left.push(r.name!);
    assert.deepEqual(left, [], `records left in ${z} after deleting the endpoint`);
  }
  const nics: string[] = [];
  for await (const n of network.networkInterfaces.list(rg)) nics.push(n.name!);
  assert.deepEqual(nics, []);
  const after: string[] = [];
  for await (const c of hc.privateEndpointConnections.listByPrivateLinkScope(rg, "pls-arc"))
    after.push(c.name!);
  assert.deepEqual(after, []);
  await resources.resourceGroups.beginDeleteAndWait(rg, poll);
  const groups: string[] = [];
  for await (const g of resources.resourceGroups.list()) groups.push(g.name!);
  assert.ok(!groups.includes(rg));
  return { ok: true, addresses: dns.map((d) => d.ipAddresses![0]) };
});
