// Private endpoints to an Azure Arc Private Link Scope through the real @azure/arm-network client:
// automatic and manual approval, addresses, the NIC, the scope-side connection, DNS zone groups
// writing (and overwriting) A records, refusals, deletion and the resource group cascade.
// The resource groups come from @azure/arm-resources, the zones from @azure/arm-privatedns, the
// scope and the approval from raw ARM calls (as a scope owner's tool would send them).
import assert from "node:assert/strict";
import { arm } from "../helpers/arm.js";
import { clients, scenario } from "./clients.js";

const HC = "api-version=2021-05-20";
const DNS = "api-version=2020-06-01";
const ZONES = [
  "privatelink.his.arc.azure.com",
  "privatelink.guestconfiguration.azure.com",
  "privatelink.dp.kubernetesconfiguration.azure.com",
];

async function all<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

async function refusal(p: Promise<unknown>): Promise<{ code: string; statusCode: number; message: string }> {
  try {
    await p;
  } catch (e: any) {
    return { code: e.code, statusCode: e.statusCode, message: e.message };
  }
  throw new Error("expected the call to be refused");
}

scenario(async () => {
  const { network, resources, privateDns, info } = clients();
  const sub = `/subscriptions/${info.subscriptionId}`;
  const rg = "rg-pe";
  const dnsRg = "rg-dns";
  const scopeRg = "rg-scope";
  for (const g of [rg, dnsRg, scopeRg])
    await resources.resourceGroups.createOrUpdate(g, { location: "eastus" });

  // The scope lives in West Europe: the regional names follow the scope, the endpoint follows its VNet.
  const scopeId = `${sub}/resourceGroups/${scopeRg}/providers/Microsoft.HybridCompute/privateLinkScopes/pls-weu`;
  const scope = await arm(info as any, "PUT", `${scopeId}?${HC}`, {
    location: "westeurope",
    properties: { publicNetworkAccess: "Disabled" },
  });
  assert.equal(scope.status, 201, scope.text);
  const connections = async () =>
    (await arm(info as any, "GET", `${scopeId}/privateEndpointConnections?${HC}`)).json.value as any[];

  const vnet = await network.virtualNetworks.beginCreateOrUpdateAndWait(rg, "hub", {
    location: "eastus",
    addressSpace: { addressPrefixes: ["10.0.0.0/16"] },
    subnets: [
      { name: "endpoints", addressPrefix: "10.0.1.0/24" },
      { name: "tiny", addressPrefix: "10.0.9.0/29" },
    ],
  });
  const subnetId = vnet.subnets!.find((s) => s.name === "endpoints")!.id!;
  const tinyId = vnet.subnets!.find((s) => s.name === "tiny")!.id!;

  // Automatic approval: five names, five consecutive addresses from the subnet's first usable one.
  const auto = await network.privateEndpoints.beginCreateOrUpdateAndWait(rg, "pe-auto", {
    location: "eastus",
    subnet: { id: subnetId },
    privateLinkServiceConnections: [
      { name: "pls-weu", privateLinkServiceId: scopeId, groupIds: ["HybridCompute"] },
    ],
  });
  const expectedNames = [
    "gbl.his.arc.azure.com",
    "weu.his.arc.azure.com",
    "agentserviceapi.guestconfiguration.azure.com",
    "westeurope-gas.guestconfiguration.azure.com",
    "westeurope.dp.kubernetesconfiguration.azure.com",
  ];
  assert.deepEqual(
    auto.customDnsConfigs!.map((c) => [c.fqdn, c.ipAddresses]),
    expectedNames.map((n, i) => [n, [`10.0.1.${4 + i}`]]),
  );
  const conn = auto.privateLinkServiceConnections![0];
  assert.equal(conn.id, `${auto.id}/privateLinkServiceConnections/pls-weu`);
  // Azure stores the group id as sent; it matched the scope's 'hybridcompute' case-insensitively.
  assert.deepEqual(conn.groupIds, ["HybridCompute"]);
  assert.equal(conn.privateLinkServiceConnectionState?.status, "Approved");
  assert.deepEqual(auto.manualPrivateLinkServiceConnections, []);
  // Azure lists only the ip configurations the caller sent; the assigned addresses are on the NIC.
  assert.deepEqual(auto.ipConfigurations, []);
  const nicNow = await network.networkInterfaces.get(rg, auto.networkInterfaces![0].id!.split("/").pop()!);
  assert.deepEqual(
    nicNow.ipConfigurations!.map((c) => c.privateLinkConnectionProperties?.requiredMemberName),
    [
      "HybridCompute.Server",
      "HybridCompute.Server",
      "GuestConfig.DP",
      "GuestConfig.DP",
      "HybridCompute.K8sConfiguration",
    ],
  );
  const nicId = auto.networkInterfaces![0].id!;
  assert.match(
    nicId,
    new RegExp(
      `/resourceGroups/${rg}/providers/Microsoft.Network/networkInterfaces/pe-auto\\.nic\\.[0-9a-f-]{36}$`,
    ),
  );
  const nicName = nicId.split("/").pop()!;
  const nic = await network.networkInterfaces.get(rg, nicName);
  assert.equal(nic.privateEndpoint?.id, auto.id);
  assert.deepEqual(
    nic.ipConfigurations!.map((c) => c.privateIPAddress),
    ["10.0.1.4", "10.0.1.5", "10.0.1.6", "10.0.1.7", "10.0.1.8"],
  );
  assert.equal(nic.ipConfigurations![0].privateLinkConnectionProperties?.groupId, "hybridcompute");
  assert.deepEqual(nic.ipConfigurations![0].privateLinkConnectionProperties?.fqdns, [
    "gbl.his.arc.azure.com",
  ]);
  let scopeSide = await connections();
  assert.equal(scopeSide.length, 1);
  assert.equal(scopeSide[0].properties.privateEndpoint.id, auto.id);
  assert.equal(scopeSide[0].properties.privateLinkServiceConnectionState.status, "Approved");
  assert.match(scopeSide[0].name, /^pe-auto\.[0-9a-f-]{36}$/);
  const subnet = await network.subnets.get(rg, "hub", "endpoints");
  assert.deepEqual(
    subnet.privateEndpoints!.map((p) => p.id),
    [auto.id],
  );
  assert.equal(subnet.ipConfigurations!.length, 5);

  // Manual approval: Pending with the request message, approved by the scope owner, seen live.
  const manual = await network.privateEndpoints.beginCreateOrUpdateAndWait(rg, "pe-manual", {
    location: "eastus",
    subnet: { id: subnetId },
    manualPrivateLinkServiceConnections: [
      {
        name: "ask",
        privateLinkServiceId: scopeId,
        groupIds: ["hybridcompute"],
        requestMessage: "Please approve the lab endpoint",
      },
    ],
  });
  const pending = manual.manualPrivateLinkServiceConnections![0];
  assert.equal(pending.id, `${manual.id}/manualPrivateLinkServiceConnections/ask`);
  assert.equal(pending.privateLinkServiceConnectionState?.status, "Pending");
  assert.equal(pending.privateLinkServiceConnectionState?.description, "Please approve the lab endpoint");
  assert.deepEqual(
    manual.customDnsConfigs!.map((c) => c.ipAddresses![0]),
    ["10.0.1.9", "10.0.1.10", "10.0.1.11", "10.0.1.12", "10.0.1.13"],
  );
  scopeSide = await connections();
  const manualConn = scopeSide.find((c) => c.properties.privateEndpoint.id === manual.id)!;
  assert.equal(manualConn.properties.privateLinkServiceConnectionState.status, "Pending");
  const approve = await arm(info as any, "PUT", `${manualConn.id}?${HC}`, {
    properties: {
      privateLinkServiceConnectionState: { status: "Approved", description: "Approved by the scope owner" },
    },
  });
  assert.ok(approve.status === 200 || approve.status === 202, approve.text);
  const approved = await network.privateEndpoints.get(rg, "pe-manual");
  assert.equal(
    approved.manualPrivateLinkServiceConnections![0].privateLinkServiceConnectionState?.status,
    "Approved",
  );
  assert.equal(
    approved.manualPrivateLinkServiceConnections![0].privateLinkServiceConnectionState?.description,
    "Approved by the scope owner",
  );

  // A PUT of the endpoint as read keeps addresses, NIC and connection.
  const again = await network.privateEndpoints.beginCreateOrUpdateAndWait(rg, "pe-auto", {
    ...auto,
    tags: { tier: "hub" },
  });
  assert.deepEqual(again.customDnsConfigs, auto.customDnsConfigs);
  assert.deepEqual(again.networkInterfaces, auto.networkInterfaces);
  assert.deepEqual(again.tags, { tier: "hub" });
  assert.equal((await connections()).length, 2);
  const moved = await refusal(
    network.privateEndpoints.beginCreateOrUpdateAndWait(rg, "pe-auto", { ...auto, subnet: { id: tinyId } }),
  );
  assert.equal(moved.statusCode, 400);
  assert.match(moved.message, /Delete the private endpoint and create it again/);

  // Refusals: VNet of another region, a full subnet. Nothing is stored.
  const west = await network.virtualNetworks.beginCreateOrUpdateAndWait(rg, "spoke-west", {
    location: "westus",
    addressSpace: { addressPrefixes: ["10.5.0.0/16"] },
    subnets: [{ name: "default", addressPrefix: "10.5.0.0/24" }],
  });
  const region = await refusal(
    network.privateEndpoints.beginCreateOrUpdateAndWait(rg, "pe-region", {
      location: "eastus",
      subnet: { id: west.subnets![0].id },
      privateLinkServiceConnections: [
        { name: "c", privateLinkServiceId: scopeId, groupIds: ["hybridcompute"] },
      ],
    }),
  );
  assert.equal(region.statusCode, 400);
  assert.equal(region.code, "InvalidResourceReference");
  assert.match(region.message, /private endpoint and its virtual network must be in the same region/);
  const full = await refusal(
    network.privateEndpoints.beginCreateOrUpdateAndWait(rg, "pe-full", {
      location: "eastus",
      subnet: { id: tinyId },
      privateLinkServiceConnections: [
        { name: "c", privateLinkServiceId: scopeId, groupIds: ["hybridcompute"] },
      ],
    }),
  );
  assert.equal(full.code, "SubnetIsFull");
  assert.equal((await all(network.privateEndpoints.list(rg))).length, 2);
  assert.equal((await all(network.networkInterfaces.list(rg))).length, 2);
  assert.equal((await connections()).length, 2);

  // The subnet in use cannot go.
  const inUse = await refusal(network.subnets.beginDeleteAndWait(rg, "hub", "endpoints"));
  assert.equal(inUse.code, "InUseSubnetCannotBeDeleted");
  assert.match(inUse.message, /pe-auto|pe-manual/);
  assert.match(inUse.message, /Delete the private endpoint first/);
  const nicDelete = await refusal(network.networkInterfaces.beginDeleteAndWait(rg, nicName));
  assert.equal(nicDelete.code, "CannotDeleteNicImplicitlyCreatedForPrivateEndpoint");

  // Zone groups: the first endpoint's names land in the three zones.
  const zoneIds: string[] = [];
  for (const z of ZONES) {
    const zone = await privateDns.privateZones.beginCreateOrUpdateAndWait(dnsRg, z, { location: "global" });
    zoneIds.push(zone.id!);
  }
  const zoneGroup = (name: string) => ({
    privateDnsZoneConfigs: ZONES.map((z, i) => ({
      name: z.replace(/\./g, "-"),
      privateDnsZoneId: zoneIds[i],
    })),
    name,
  });
  const group = await network.privateDnsZoneGroups.beginCreateOrUpdateAndWait(
    rg,
    "pe-auto",
    "default",
    zoneGroup("default"),
  );
  const recordSets = group.privateDnsZoneConfigs!.flatMap((c) => c.recordSets ?? []);
  assert.deepEqual(
    recordSets.map((r) => [r.recordSetName, r.ipAddresses]),
    [
      ["gbl", ["10.0.1.4"]],
      ["weu", ["10.0.1.5"]],
      ["agentserviceapi", ["10.0.1.6"]],
      ["westeurope-gas", ["10.0.1.7"]],
      ["westeurope", ["10.0.1.8"]],
    ],
  );
  const record = async (zone: string, name: string) =>
    arm(info as any, "GET", `${zoneIds[ZONES.indexOf(zone)]}/A/${name}?${DNS}`);
  const gbl = await record(ZONES[0], "gbl");
  assert.equal(gbl.status, 200, gbl.text);
  assert.deepEqual(gbl.json.properties.aRecords, [{ ipv4Address: "10.0.1.4" }]);
  assert.equal(gbl.json.properties.ttl, 10);
  assert.match(
    gbl.json.properties.metadata.creator,
    /^created by private endpoint pe-auto with resource guid [0-9a-f-]{36}$/,
  );
  const gas = await record(ZONES[1], "westeurope-gas");
  assert.deepEqual(gas.json.properties.aRecords, [{ ipv4Address: "10.0.1.7" }]);
  const second = await refusal(
    network.privateDnsZoneGroups.beginCreateOrUpdateAndWait(rg, "pe-auto", "other", zoneGroup("other")),
  );
  assert.equal(second.statusCode, 400);

  // A second endpoint's zone group overwrites the same names (Azure's behaviour).
  await network.privateDnsZoneGroups.beginCreateOrUpdateAndWait(
    rg,
    "pe-manual",
    "default",
    zoneGroup("default"),
  );
  assert.deepEqual((await record(ZONES[0], "gbl")).json.properties.aRecords, [{ ipv4Address: "10.0.1.9" }]);
  const firstView = await network.privateDnsZoneGroups.get(rg, "pe-auto", "default");
  assert.deepEqual(firstView.privateDnsZoneConfigs![0].recordSets![0].ipAddresses, ["10.0.1.9"]);

  // Deleting the first endpoint removes its NIC and connection, but not records it no longer owns.
  await network.privateEndpoints.beginDeleteAndWait(rg, "pe-auto");
  assert.equal((await refusal(network.networkInterfaces.get(rg, nicName))).statusCode, 404);
  assert.deepEqual(
    (await connections()).map((c) => c.properties.privateEndpoint.id),
    [manual.id],
  );
  assert.deepEqual((await record(ZONES[0], "gbl")).json.properties.aRecords, [{ ipv4Address: "10.0.1.9" }]);

  // The scope owner deletes the remaining connection: the endpoint shows Disconnected.
  await arm(info as any, "DELETE", `${manualConn.id}?${HC}`);
  const disconnected = await network.privateEndpoints.get(rg, "pe-manual");
  assert.equal(
    disconnected.manualPrivateLinkServiceConnections![0].privateLinkServiceConnectionState?.status,
    "Disconnected",
  );

  // Freed addresses are handed out again; the cascade below must remove this one's connection.
  const third = await network.privateEndpoints.beginCreateOrUpdateAndWait(rg, "pe-third", {
    location: "eastus",
    subnet: { id: subnetId },
    privateLinkServiceConnections: [
      { name: "c", privateLinkServiceId: scopeId, groupIds: ["hybridcompute"] },
    ],
  });
  assert.deepEqual(
    third.customDnsConfigs!.map((c) => c.ipAddresses![0]),
    ["10.0.1.4", "10.0.1.5", "10.0.1.6", "10.0.1.7", "10.0.1.8"],
  );
  assert.equal((await connections()).length, 1);

  // The resource group cascade takes the endpoints, their NICs and records, and the scope-side
  // connection in another group.
  const manualNic = manual.networkInterfaces![0].id!.split("/").pop()!;
  await resources.resourceGroups.beginDeleteAndWait(rg);
  for (const [zone, name] of [
    [ZONES[0], "gbl"],
    [ZONES[0], "weu"],
    [ZONES[1], "agentserviceapi"],
    [ZONES[2], "westeurope"],
  ]) {
    assert.equal((await record(zone, name)).status, 404, `${name}.${zone} should be gone`);
  }
  assert.equal((await connections()).length, 0);
  assert.equal((await resources.resourceGroups.checkExistence(rg)).body, false);
  const nicGone = await arm(
    info as any,
    "GET",
    `${sub}/resourceGroups/${rg}/providers/Microsoft.Network/networkInterfaces/${manualNic}?api-version=2025-05-01`,
  );
  assert.equal(nicGone.status, 404);
  return { ok: true, addresses: auto.customDnsConfigs!.length };
});
