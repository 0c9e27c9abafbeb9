// VNets, subnets, NSGs, NICs and peerings through the real @azure/arm-network client: create,
// read, list, update, delete, back references, Azure's refusals, and a tags-only PATCH.
import assert from "node:assert/strict";
import { clients, scenario } from "./clients.js";

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
  const { network, resources, info } = clients();
  const rg = "rg-net-sdk";
  const sub = info.subscriptionId;
  await resources.resourceGroups.createOrUpdate(rg, { location: "eastus" });

  // The seed's NSG: Entra ID and ARM allowed out on 443 by service tag, at 150 and 151.
  const rule = (name: string, tag: string, priority: number) => ({
    name,
    protocol: "Tcp",
    sourcePortRange: "*",
    destinationPortRange: "443",
    sourceAddressPrefix: "VirtualNetwork",
    destinationAddressPrefix: tag,
    access: "Allow",
    priority,
    direction: "Outbound",
  });
  const nsg = await network.networkSecurityGroups.beginCreateOrUpdateAndWait(rg, "nsg-pe", {
    location: "eastus",
    securityRules: [
      rule("AllowAADOutboundAccess", "AzureActiveDirectory", 150),
      rule("AllowAzOutboundAccess", "AzureResourceManager", 151),
    ],
  });
  assert.deepEqual(
    nsg.defaultSecurityRules!.map((r) => r.name),
    [
      "AllowVnetInBound",
      "AllowAzureLoadBalancerInBound",
      "DenyAllInBound",
      "AllowVnetOutBound",
      "AllowInternetOutBound",
      "DenyAllOutBound",
    ],
  );
  assert.deepEqual(
    nsg.securityRules!.map((r) => [r.name, r.priority, r.destinationAddressPrefix, r.destinationPortRange]),
    [
      ["AllowAADOutboundAccess", 150, "AzureActiveDirectory", "443"],
      ["AllowAzOutboundAccess", 151, "AzureResourceManager", "443"],
    ],
  );
  const defaults = await all(network.defaultSecurityRules.list(rg, "nsg-pe"));
  assert.equal(defaults.length, 6);
  const vnetIn = await network.defaultSecurityRules.get(rg, "nsg-pe", "AllowVnetInBound");
  assert.equal(vnetIn.priority, 65000);
  assert.equal(vnetIn.sourceAddressPrefix, "VirtualNetwork");
  const denyOut = defaults.find((d) => d.name === "DenyAllOutBound")!;
  assert.deepEqual([denyOut.priority, denyOut.access, denyOut.direction], [65500, "Deny", "Outbound"]);

  const dup = await refusal(
    network.securityRules.beginCreateOrUpdateAndWait(rg, "nsg-pe", "Dup", {
      ...rule("Dup", "Internet", 150),
    }),
  );
  assert.equal(dup.code, "SecurityRuleConflict");
  assert.equal(dup.statusCode, 400);
  assert.match(dup.message, /AllowAADOutboundAccess/);
  assert.equal((await all(network.securityRules.list(rg, "nsg-pe"))).length, 2);
  // Same priority in the other direction is fine.
  const inbound = await network.securityRules.beginCreateOrUpdateAndWait(rg, "nsg-pe", "AllowHttpsIn", {
    ...rule("AllowHttpsIn", "VirtualNetwork", 150),
    direction: "Inbound",
    sourceAddressPrefix: "10.10.0.0/16",
  });
  assert.equal(inbound.provisioningState, "Succeeded");

  // A VNet with inline subnets; one uses the NSG.
  const vnet = await network.virtualNetworks.beginCreateOrUpdateAndWait(rg, "hub", {
    location: "eastus",
    addressSpace: { addressPrefixes: ["10.0.0.0/16"] },
    dhcpOptions: { dnsServers: ["10.0.2.4"] },
    subnets: [
      { name: "endpoints", addressPrefix: "10.0.1.0/24", networkSecurityGroup: { id: nsg.id } },
      { name: "workloads", addressPrefix: "10.0.3.0/24" },
    ],
  });
  assert.equal(vnet.provisioningState, "Succeeded");
  assert.match(vnet.resourceGuid!, /^[0-9a-f-]{36}$/);
  assert.deepEqual(vnet.dhcpOptions?.dnsServers, ["10.0.2.4"]);
  assert.deepEqual(
    vnet.subnets!.map((s) => [s.name, s.addressPrefix]),
    [
      ["endpoints", "10.0.1.0/24"],
      ["workloads", "10.0.3.0/24"],
    ],
  );
  const endpointsSubnet = vnet.subnets![0];
  assert.equal(endpointsSubnet.privateEndpointNetworkPolicies, "Disabled");
  assert.equal(endpointsSubnet.privateLinkServiceNetworkPolicies, "Enabled");
  assert.equal(
    endpointsSubnet.id,
    `/subscriptions/${sub}/resourceGroups/${rg}/providers/Microsoft.Network/virtualNetworks/hub/subnets/endpoints`,
  );
  const nsgAfter = await network.networkSecurityGroups.get(rg, "nsg-pe");
  assert.deepEqual(
    nsgAfter.subnets!.map((s) => s.id),
    [endpointsSubnet.id],
  );

  // Subnet child PUT, GET, list.
  const dns = await network.subnets.beginCreateOrUpdateAndWait(rg, "hub", "dns-inbound", {
    addressPrefix: "10.0.2.0/28",
    delegations: [{ name: "dnsResolvers", serviceName: "Microsoft.Network/dnsResolvers" }],
  });
  assert.equal(dns.delegations![0].serviceName, "Microsoft.Network/dnsResolvers");
  assert.equal((await network.subnets.get(rg, "hub", "dns-inbound")).addressPrefix, "10.0.2.0/28");
  assert.deepEqual((await all(network.subnets.list(rg, "hub"))).map((s) => s.name).sort(), [
    "dns-inbound",
    "endpoints",
    "workloads",
  ]);
  const overlap = await refusal(
    network.subnets.beginCreateOrUpdateAndWait(rg, "hub", "clash", { addressPrefix: "10.0.1.128/25" }),
  );
  assert.equal(overlap.code, "NetcfgInvalidSubnet");
  assert.match(overlap.message, /endpoints/);
  const outside = await refusal(
    network.subnets.beginCreateOrUpdateAndWait(rg, "hub", "far", { addressPrefix: "10.1.0.0/24" }),
  );
  assert.equal(outside.code, "NetcfgSubnetRangeOutsideVnet");
  assert.equal((await all(network.subnets.list(rg, "hub"))).length, 3);

  // A plain NIC in the workloads subnet: static and dynamic addresses, back reference on the subnet.
  const workloadsId = vnet.subnets![1].id!;
  const nic = await network.networkInterfaces.beginCreateOrUpdateAndWait(rg, "vm1-nic", {
    location: "eastus",
    ipConfigurations: [
      {
        name: "ipconfig1",
        subnet: { id: workloadsId },
        privateIPAllocationMethod: "Static",
        privateIPAddress: "10.0.3.10",
      },
      { name: "ipconfig2", subnet: { id: workloadsId } },
    ],
  });
  assert.deepEqual(
    nic.ipConfigurations!.map((c) => c.privateIPAddress),
    ["10.0.3.10", "10.0.3.4"],
  );
  const workloads = await network.subnets.get(rg, "hub", "workloads");
  assert.deepEqual(
    workloads.ipConfigurations!.map((c) => c.id),
    nic.ipConfigurations!.map((c) => c.id),
  );
  const taken = await refusal(
    network.networkInterfaces.beginCreateOrUpdateAndWait(rg, "vm2-nic", {
      location: "eastus",
      ipConfigurations: [
        {
          name: "ipconfig1",
          subnet: { id: workloadsId },
          privateIPAllocationMethod: "Static",
          privateIPAddress: "10.0.3.10",
        },
      ],
    }),
  );
  assert.equal(taken.code, "PrivateIPAddressInUse");

  // Deleting an in-use subnet, or the VNet around it, is refused; dropping it from a VNet PUT too.
  const inUse = await refusal(network.subnets.beginDeleteAndWait(rg, "hub", "workloads"));
  assert.equal(inUse.code, "InUseSubnetCannotBeDeleted");
  assert.match(inUse.message, /vm1-nic/);
  const vnetInUse = await refusal(network.virtualNetworks.beginDeleteAndWait(rg, "hub"));
  assert.equal(vnetInUse.code, "InUseSubnetCannotBeDeleted");
  const current = await network.virtualNetworks.get(rg, "hub");
  const dropWorkloads = await refusal(
    network.virtualNetworks.beginCreateOrUpdateAndWait(rg, "hub", {
      ...current,
      subnets: current.subnets!.filter((s) => s.name !== "workloads"),
    }),
  );
  assert.equal(dropWorkloads.code, "InUseSubnetCannotBeDeleted");
  assert.equal((await all(network.subnets.list(rg, "hub"))).length, 3);

  // A VNet PUT that leaves out an unused subnet deletes it.
  const updated = await network.virtualNetworks.beginCreateOrUpdateAndWait(rg, "hub", {
    ...current,
    subnets: current.subnets!.filter((s) => s.name !== "dns-inbound"),
  });
  assert.deepEqual(
    updated.subnets!.map((s) => s.name),
    ["endpoints", "workloads"],
  );
  assert.equal(updated.resourceGuid, vnet.resourceGuid);

  // Tags-only PATCH keeps the subnets.
  const tagged = await network.virtualNetworks.updateTags(rg, "hub", { tags: { env: "lab" } });
  assert.deepEqual(tagged.tags, { env: "lab" });
  assert.equal(tagged.subnets!.length, 2);

  // Hub-and-spoke peering: Initiated until the spoke peers back, then Connected on both sides.
  const spoke = await network.virtualNetworks.beginCreateOrUpdateAndWait(rg, "spoke", {
    location: "eastus",
    addressSpace: { addressPrefixes: ["10.1.0.0/16"] },
    subnets: [{ name: "default", addressPrefix: "10.1.0.0/24" }],
  });
  const h2s = await network.virtualNetworkPeerings.beginCreateOrUpdateAndWait(rg, "hub", "hub-to-spoke", {
    remoteVirtualNetwork: { id: spoke.id },
    allowForwardedTraffic: true,
    allowGatewayTransit: true,
  });
  assert.equal(h2s.peeringState, "Initiated");
  const s2h = await network.virtualNetworkPeerings.beginCreateOrUpdateAndWait(rg, "spoke", "spoke-to-hub", {
    remoteVirtualNetwork: { id: vnet.id },
    useRemoteGateways: false,
  });
  assert.equal(s2h.peeringState, "Connected");
  assert.equal(
    (await network.virtualNetworkPeerings.get(rg, "hub", "hub-to-spoke")).peeringState,
    "Connected",
  );
  assert.deepEqual(
    (await network.virtualNetworks.get(rg, "hub")).virtualNetworkPeerings!.map((p) => p.name),
    ["hub-to-spoke"],
  );

  // Lists by resource group and subscription.
  assert.deepEqual((await all(network.virtualNetworks.list(rg))).map((v) => v.name).sort(), ["hub", "spoke"]);
  assert.ok((await all(network.virtualNetworks.listAll())).some((v) => v.id === vnet.id));

  // Free the subnet, then the VNet goes.
  await network.networkInterfaces.beginDeleteAndWait(rg, "vm1-nic");
  await network.subnets.beginDeleteAndWait(rg, "hub", "workloads");
  assert.deepEqual(
    (await all(network.subnets.list(rg, "hub"))).map((s) => s.name),
    ["endpoints"],
  );
  await network.virtualNetworks.beginDeleteAndWait(rg, "hub");
  const gone = await refusal(network.virtualNetworks.get(rg, "hub"));
  assert.equal(gone.statusCode, 404);
  assert.equal(
    (await network.virtualNetworkPeerings.get(rg, "spoke", "spoke-to-hub")).peeringState,
    "Disconnected",
  );
  assert.equal((await network.networkSecurityGroups.get(rg, "nsg-pe")).subnets, undefined);
  return { ok: true, defaults: defaults.length };
});
