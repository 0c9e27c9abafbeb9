// Private DNS through @azure/arm-privatedns 3.2.0 (api-version 2020-06-01): zone create (LRO),
// record sets (createOrUpdate, list at …/ALL, listByType with $recordsetnamesuffix, get, delete),
// a virtual network link (LRO) to a VNet made with @azure/arm-network, the refused delete of a
// linked zone, then link and zone deletes (LRO).
import assert from "node:assert/strict";
import { clients, scenario } from "./clients.js";

function statusOf(e: unknown): number {
  return Number((e as { statusCode?: number }).statusCode ?? -1);
}

scenario(async () => {
  const c = clients();
  const dns = c.privateDns;
  const rg = "sdk-privatedns";
  const zoneName = "sdk.example";
  await c.resources.resourceGroups.createOrUpdate(rg, { location: "eastus" });

  const zone = await dns.privateZones.beginCreateOrUpdateAndWait(rg, zoneName, {
    location: "Global",
    tags: { owner: "sdk" },
  });
  assert.equal(zone.name, zoneName);
  assert.equal(zone.location, "global");
  assert.deepEqual(zone.tags, { owner: "sdk" });

  const a = await dns.recordSets.createOrUpdate(rg, zoneName, "A", "Web", {
    ttl: 60,
    aRecords: [{ ipv4Address: "10.0.0.4" }],
  });
  assert.equal(a.name, "web");
  assert.equal(a.fqdn, "web.sdk.example.");
  assert.equal(a.isAutoRegistered, false);
  await dns.recordSets.createOrUpdate(rg, zoneName, "TXT", "web", {
    ttl: 60,
    txtRecords: [{ value: ["hi"] }],
  });
  const got = await dns.recordSets.get(rg, zoneName, "A", "WEB");
  assert.deepEqual(got.aRecords, [{ ipv4Address: "10.0.0.4" }]);
  assert.equal(got.etag, a.etag);

  const all: string[] = [];
  for await (const r of dns.recordSets.list(rg, zoneName)) all.push(`${r.type?.split("/").pop()} ${r.name}`);
  const byType: string[] = [];
  for await (const r of dns.recordSets.listByType(rg, zoneName, "A", { recordsetnamesuffix: "web" })) {
    byType.push(r.name ?? "");
  }
  const none: string[] = [];
  for await (const r of dns.recordSets.listByType(rg, zoneName, "A", { recordsetnamesuffix: "nothere" })) {
    none.push(r.name ?? "");
  }
  assert.deepEqual(none, []);

  const vnet = await c.network.virtualNetworks.beginCreateOrUpdateAndWait(rg, "sdk-vnet", {
    location: "eastus",
    addressSpace: { addressPrefixes: ["10.50.0.0/16"] },
  });
  const link = await dns.virtualNetworkLinks.beginCreateOrUpdateAndWait(rg, zoneName, "sdk-link", {
    location: "global",
    virtualNetwork: { id: vnet.id },
    registrationEnabled: false,
  });
  assert.equal(link.virtualNetworkLinkState, "Completed");
  assert.equal(link.virtualNetwork?.id?.toLowerCase(), vnet.id?.toLowerCase());
  const counted = await dns.privateZones.get(rg, zoneName);
  assert.equal(counted.numberOfVirtualNetworkLinks, 1);
  assert.equal(counted.numberOfRecordSets, 3);

  let deleteLinkedZone = 0;
  try {
    await dns.privateZones.beginDeleteAndWait(rg, zoneName);
  } catch (e) {
    deleteLinkedZone = statusOf(e);
  }
  await dns.virtualNetworkLinks.beginDeleteAndWait(rg, zoneName, "sdk-link");
  await dns.recordSets.delete(rg, zoneName, "TXT", "web");
  await dns.privateZones.beginDeleteAndWait(rg, zoneName);
  let afterDelete = 0;
  try {
    await dns.privateZones.get(rg, zoneName);
  } catch (e) {
    afterDelete = statusOf(e);
  }
  return {
    zone: { numberOfRecordSets: zone.numberOfRecordSets },
    all,
    byType,
    deleteLinkedZone,
    afterDelete,
  };
});
