// Microsoft.Network: VNets, subnets, peerings, NSGs, NICs, private endpoints with their DNS zone
// groups, and DNS Private Resolver inbound endpoints. SDK flows run the real @azure/arm-network
// (with @azure/arm-resources and @azure/arm-privatedns) in a separate process; exact status codes
// and bad input go through raw ARM calls, each refusal followed by a GET showing nothing stored.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { arm, RawResponse } from "./helpers/arm.js";
import { runScenario } from "./helpers/sdk.js";
import { startServer, TestServer } from "./helpers/server.js";

const T = { timeout: 180_000 };
const NV = "api-version=2025-05-01";
const HCV = "api-version=2021-05-20";

function ok(r: RawResponse, status: number, what: string): void {
  assert.equal(r.status, status, `${what}: expected ${status}, got ${r.status} ${r.text}`);
}

describe("Microsoft.Network over ARM", () => {
  let srv: TestServer;

  before(async () => {
    srv = await startServer();
  });

  after(async () => {
    await srv?.stop();
  });

  const sub = () => `/subscriptions/${srv.info.subscriptionId}`;
  const net = (rg: string) => `${sub()}/resourceGroups/${rg}/providers/Microsoft.Network`;
  const group = async (rg: string) =>
    ok(
      await arm(srv.info, "PUT", `${sub()}/resourcegroups/${rg}?api-version=2021-04-01`, {
        location: "eastus",
      }),
      201,
      rg,
    );
  /** Creates an Arc scope; undefined (and the test skipped) while Microsoft.HybridCompute is not served. */
  const scope = async (rg: string, name: string, location: string, t?: { skip(m: string): void }) => {
    const r = await arm(
      srv.info,
      "PUT",
      `${sub()}/resourceGroups/${rg}/providers/Microsoft.HybridCompute/privateLinkScopes/${name}?${HCV}`,
      { location },
    );
    if (r.status === 404 || r.json?.error?.code === "NoRegisteredProviderFound") {
      t?.skip("Microsoft.HybridCompute/privateLinkScopes is not registered in this build");
      return undefined;
    }
    ok(r, 201, "scope");
    return r.json.id as string;
  };

  it("refuses bad VNet and subnet input with Azure's codes and stores nothing", T, async () => {
    await group("rg-bad");
    const vnet = `${net("rg-bad")}/virtualNetworks`;
    const refused = async (name: string, body: object, code: string, status = 400) => {
      const r = await arm(srv.info, "PUT", `${vnet}/${name}?${NV}`, body);
      assert.equal(r.status, status, `${name}: ${r.text}`);
      assert.equal(r.json.error.code, code, `${name}: ${r.text}`);
      assert.ok(r.json.error.message.length > 40, r.text);
      ok(await arm(srv.info, "GET", `${vnet}/${name}?${NV}`), 404, `${name} stored`);
      return r.json.error.message as string;
    };
    const space = (prefixes: string[], subnets: object[] = []) => ({
      location: "eastus",
      properties: { addressSpace: { addressPrefixes: prefixes }, subnets },
    });
    const msg = await refused(
      "overlap",
      space(
        ["10.0.0.0/16"],
        [
          { name: "a", properties: { addressPrefix: "10.0.1.0/24" } },
          { name: "b", properties: { addressPrefix: "10.0.1.128/25" } },
        ],
      ),
      "NetcfgInvalidSubnet",
    );
    assert.match(msg, /overlaps with subnet 'a'/);
    await refused(
      "outside",
      space(["10.0.0.0/16"], [{ name: "a", properties: { addressPrefix: "10.1.0.0/24" } }]),
      "NetcfgSubnetRangeOutsideVnet",
    );
    await refused("hostbits", space(["10.0.0.1/16"]), "InvalidCIDRNotation");
    await refused(
      "subnethostbits",
      space(["10.0.0.0/16"], [{ name: "a", properties: { addressPrefix: "10.0.1.1/24" } }]),
      "InvalidCIDRNotation",
    );
    await refused("malformed", space(["10.0.0.0/33"]), "InvalidAddressPrefixFormat");
    await refused("twospaces", space(["10.0.0.0/16", "10.0.128.0/17"]), "VnetAddressSpacesOverlap");
    await refused("nospace", { location: "eastus", properties: {} }, "MissingRequiredProperty");
    await refused(
      "noprefix",
      space(["10.0.0.0/16"], [{ name: "a", properties: {} }]),
      "NoAddressPrefixOrPoolProvided",
    );
    await refused(
      "toosmall",
      space(["10.0.0.0/16"], [{ name: "a", properties: { addressPrefix: "10.0.0.0/30" } }]),
      "NetcfgInvalidSubnet",
    );
    await refused(
      "dupname",
      space(
        ["10.0.0.0/16"],
        [
          { name: "a", properties: { addressPrefix: "10.0.1.0/24" } },
          { name: "A", properties: { addressPrefix: "10.0.2.0/24" } },
        ],
      ),
      "DuplicateResourceName",
    );
    await refused(
      "badnsg",
      space(
        ["10.0.0.0/16"],
        [
          {
            name: "a",
            properties: {
              addressPrefix: "10.0.1.0/24",
              networkSecurityGroup: { id: `${net("rg-bad")}/networkSecurityGroups/none` },
            },
          },
        ],
      ),
      "InvalidResourceReference",
    );
    await refused(
      "badnsgtype",
      space(
        ["10.0.0.0/16"],
        [
          {
            name: "a",
            properties: { addressPrefix: "10.0.1.0/24", networkSecurityGroup: { id: `${vnet}/x` } },
          },
        ],
      ),
      "InvalidRequestFormat",
    );

    // A good VNet: Azure's LRO headers, then child refusals leave nothing behind.
    const put = await arm(
      srv.info,
      "PUT",
      `${vnet}/good?${NV}`,
      space(["10.0.0.0/16"], [{ name: "a", properties: { addressPrefix: "10.0.1.0/24" } }]),
    );
    ok(put, 201, "vnet");
    assert.match(
      String(put.headers["azure-asyncoperation"]),
      /\/providers\/Microsoft\.Network\/locations\/eastus\/operations\//,
    );
    assert.match(String(put.headers.etag), /^W\/"[0-9a-f-]{36}"$/);
    assert.equal(put.json.properties.subnets[0].type, "Microsoft.Network/virtualNetworks/subnets");
    assert.match(put.json.properties.subnets[0].etag, /^W\//);
    for (const [name, prefix, code] of [
      ["clash", "10.0.1.0/25", "NetcfgInvalidSubnet"],
      ["far", "192.168.0.0/24", "NetcfgSubnetRangeOutsideVnet"],
      ["bits", "10.0.2.7/24", "InvalidCIDRNotation"],
    ]) {
      const r = await arm(srv.info, "PUT", `${vnet}/good/subnets/${name}?${NV}`, {
        properties: { addressPrefix: prefix },
      });
      assert.equal(r.status, 400, r.text);
      assert.equal(r.json.error.code, code, r.text);
      ok(await arm(srv.info, "GET", `${vnet}/good/subnets/${name}?${NV}`), 404, `${name} stored`);
    }
    const both = await arm(srv.info, "PUT", `${vnet}/good/subnets/both?${NV}`, {
      properties: { addressPrefix: "10.0.2.0/24", addressPrefixes: ["10.0.3.0/24"] },
    });
    assert.equal(both.status, 400, both.text);
    const policies = await arm(srv.info, "PUT", `${vnet}/good/subnets/pol?${NV}`, {
      properties: { addressPrefix: "10.0.2.0/24", privateEndpointNetworkPolicies: "Sometimes" },
    });
    assert.equal(policies.status, 400, policies.text);
    const multi = await arm(srv.info, "PUT", `${vnet}/good/subnets/multi?${NV}`, {
      properties: { addressPrefixes: ["10.0.4.0/24", "10.0.5.0/24"] },
    });
    ok(multi, 201, "multi-prefix subnet");
    assert.deepEqual(multi.json.properties.addressPrefixes, ["10.0.4.0/24", "10.0.5.0/24"]);
    const list = await arm(srv.info, "GET", `${vnet}/good/subnets?${NV}`);
    assert.deepEqual(list.json.value.map((s: any) => s.name).sort(), ["a", "multi"]);
    const del = await arm(srv.info, "DELETE", `${vnet}/good/subnets/multi?${NV}`);
    ok(del, 202, "delete subnet");
    assert.match(
      String(del.headers.location),
      /^https:\/\/127\.0\.0\.1:\d+\/subscriptions\/.*[oO]perationResults\//,
    );
    ok(await arm(srv.info, "DELETE", `${vnet}/good/subnets/multi?${NV}`), 204, "delete again");
    const old = await arm(srv.info, "PUT", `${vnet}/v2018?api-version=2018-10-01`, space(["10.9.0.0/16"]));
    ok(old, 201, "2018-10-01");
    const bad = await arm(srv.info, "PUT", `${vnet}/v1999?api-version=1999-01-01`, space(["10.9.0.0/16"]));
    assert.equal(bad.json.error.code, "NoRegisteredProviderFound");
  });

  it("NSG default rules match the official example; bad rules are refused", T, async () => {
    await group("rg-nsg");
    const nsg = `${net("rg-nsg")}/networkSecurityGroups`;
    ok(await arm(srv.info, "PUT", `${nsg}/nsg1?${NV}`, { location: "eastus" }), 201, "nsg");
    const r = await arm(srv.info, "GET", `${nsg}/nsg1/defaultSecurityRules/AllowVnetInBound?${NV}`);
    ok(r, 200, "default rule");
    // examples/network/DefaultSecurityRuleGet.json (2026-01-01), response body.
    assert.equal(r.json.name, "AllowVnetInBound");
    assert.equal(r.json.id, `${nsg}/nsg1/defaultSecurityRules/AllowVnetInBound`);
    assert.deepEqual(r.json.properties, {
      description: "Allow inbound traffic from all VMs in VNET",
      access: "Allow",
      destinationAddressPrefix: "VirtualNetwork",
      destinationAddressPrefixes: [],
      destinationPortRange: "*",
      destinationPortRanges: [],
      direction: "Inbound",
      priority: 65000,
      provisioningState: "Succeeded",
      sourceAddressPrefix: "VirtualNetwork",
      sourceAddressPrefixes: [],
      sourcePortRange: "*",
      sourcePortRanges: [],
      protocol: "*",
    });
    const list = await arm(srv.info, "GET", `${nsg}/nsg1/defaultSecurityRules?${NV}`);
    assert.deepEqual(
      list.json.value.map((x: any) => [
        x.name,
        x.properties.direction,
        x.properties.priority,
        x.properties.sourceAddressPrefix,
        x.properties.destinationAddressPrefix,
        x.properties.access,
      ]),
      [
        ["AllowVnetInBound", "Inbound", 65000, "VirtualNetwork", "VirtualNetwork", "Allow"],
        ["AllowAzureLoadBalancerInBound", "Inbound", 65001, "AzureLoadBalancer", "*", "Allow"],
        ["DenyAllInBound", "Inbound", 65500, "*", "*", "Deny"],
        ["AllowVnetOutBound", "Outbound", 65000, "VirtualNetwork", "VirtualNetwork", "Allow"],
        ["AllowInternetOutBound", "Outbound", 65001, "*", "Internet", "Allow"],
        ["DenyAllOutBound", "Outbound", 65500, "*", "*", "Deny"],
      ],
    );
    const nsgBody = await arm(srv.info, "GET", `${nsg}/nsg1?${NV}`);
    assert.deepEqual(nsgBody.json.properties.defaultSecurityRules, list.json.value);
    const write = await arm(srv.info, "PUT", `${nsg}/nsg1/defaultSecurityRules/Mine?${NV}`, {
      properties: {},
    });
    assert.ok(write.status === 400 || write.status === 405, write.text);
    ok(
      await arm(srv.info, "GET", `${nsg}/nsg1/defaultSecurityRules/Mine?${NV}`),
      404,
      "default rule written",
    );

    const rule = (over: Record<string, unknown>) => ({
      properties: {
        protocol: "Tcp",
        sourcePortRange: "*",
        destinationPortRange: "443",
        sourceAddressPrefix: "VirtualNetwork",
        destinationAddressPrefix: "AzureActiveDirectory",
        access: "Allow",
        priority: 150,
        direction: "Outbound",
        ...over,
      },
    });
    for (const [name, over, code] of [
      ["lowprio", { priority: 99 }, "SecurityRuleInvalidPriority"],
      ["highprio", { priority: 4097 }, "SecurityRuleInvalidPriority"],
      ["badport", { destinationPortRange: "70000" }, "SecurityRuleInvalidPortRange"],
      ["badrange", { destinationPortRange: "500-400" }, "SecurityRuleInvalidPortRange"],
      ["badtag", { destinationAddressPrefix: "NotAServiceTag" }, "SecurityRuleInvalidAddressPrefix"],
      ["both", { destinationPortRanges: ["80"] }, "InvalidParameter"],
      ["badproto", { protocol: "Smtp" }, "InvalidRequestContent"],
      ["nodir", { direction: undefined }, "MissingRequiredProperty"],
    ] as [string, Record<string, unknown>, string][]) {
      const bad = await arm(srv.info, "PUT", `${nsg}/nsg1/securityRules/${name}?${NV}`, rule(over));
      assert.equal(bad.status, 400, `${name}: ${bad.text}`);
      assert.equal(bad.json.error.code, code, `${name}: ${bad.text}`);
      ok(await arm(srv.info, "GET", `${nsg}/nsg1/securityRules/${name}?${NV}`), 404, `${name} stored`);
    }
    const good = await arm(
      srv.info,
      "PUT",
      `${nsg}/nsg1/securityRules/ranges?${NV}`,
      rule({
        destinationPortRange: undefined,
        destinationPortRanges: ["443", "8080-8090"],
        destinationAddressPrefix: "AzureArcInfrastructure.WestEurope",
      }),
    );
    ok(good, 201, "plural ports");
    assert.deepEqual(good.json.properties.destinationPortRanges, ["443", "8080-8090"]);
    // Inline duplicates in one NSG PUT: nothing stored.
    const dup = await arm(srv.info, "PUT", `${nsg}/nsg2?${NV}`, {
      location: "eastus",
      properties: {
        securityRules: [
          { name: "a", ...rule({}) },
          { name: "b", ...rule({}) },
        ],
      },
    });
    assert.equal(dup.json.error.code, "SecurityRuleConflict", dup.text);
    ok(await arm(srv.info, "GET", `${nsg}/nsg2?${NV}`), 404, "nsg2 stored");
    // An NSG PUT without the rule list drops the rules (Azure replaces the whole set).
    ok(
      await arm(srv.info, "PUT", `${nsg}/nsg1?${NV}`, { location: "eastus", properties: {} }),
      200,
      "nsg replace",
    );
    assert.deepEqual((await arm(srv.info, "GET", `${nsg}/nsg1/securityRules?${NV}`)).json.value, []);
  });

  it("private endpoint refusals leave nothing behind; the body has Azure's shape", T, async (t) => {
    await group("rg-per");
    const n = net("rg-per");
    const scopeId = await scope("rg-per", "pls-east", "eastus", t);
    if (!scopeId) return;
    ok(
      await arm(srv.info, "PUT", `${n}/virtualNetworks/vnet?${NV}`, {
        location: "eastus",
        properties: {
          addressSpace: { addressPrefixes: ["10.0.0.0/16"] },
          subnets: [
            { name: "pe", properties: { addressPrefix: "10.0.1.0/24" } },
            {
              name: "delegated",
              properties: {
                addressPrefix: "10.0.2.0/28",
                delegations: [{ name: "d", properties: { serviceName: "Microsoft.Network/dnsResolvers" } }],
              },
            },
          ],
        },
      }),
      201,
      "vnet",
    );
    const subnet = `${n}/virtualNetworks/vnet/subnets/pe`;
    const pe = (conn: Record<string, unknown>, over: Record<string, unknown> = {}) => ({
      location: "eastus",
      properties: {
        subnet: { id: subnet },
        privateLinkServiceConnections: [
          { name: "c", properties: { privateLinkServiceId: scopeId, groupIds: ["hybridcompute"], ...conn } },
        ],
        ...over,
      },
    });
    const nothingStored = async (name: string) => {
      ok(await arm(srv.info, "GET", `${n}/privateEndpoints/${name}?${NV}`), 404, `${name} stored`);
      assert.deepEqual(
        (await arm(srv.info, "GET", `${n}/networkInterfaces?${NV}`)).json.value,
        [],
        `${name}: NIC left`,
      );
      const c = await arm(srv.info, "GET", `${scopeId}/privateEndpointConnections?${HCV}`);
      assert.deepEqual(c.json.value, [], `${name}: connection left`);
    };
    const cases: [string, object, string, RegExp][] = [
      [
        "wrongtype",
        pe({ privateLinkServiceId: `${n}/virtualNetworks/vnet` }),
        "InvalidRequestFormat",
        /Microsoft\.HybridCompute\/privateLinkScopes/,
      ],
      [
        "keyvault",
        pe({
          privateLinkServiceId: `${sub()}/resourceGroups/rg-per/providers/Microsoft.KeyVault/vaults/kv1`,
          groupIds: ["vault"],
        }),
        "PrivateLinkTargetNotModelled",
        /not modelled by ArcLink yet.*privatelink\.vaultcore\.azure\.net/,
      ],
      [
        "ampls",
        pe({
          privateLinkServiceId: `${sub()}/resourceGroups/rg-per/providers/Microsoft.Insights/privateLinkScopes/ampls`,
          groupIds: ["azuremonitor"],
        }),
        "InvalidResourceReference",
        /not found\. Create the Azure Monitor Private Link Scope first/,
      ],
      ["badgroup", pe({ groupIds: ["blob"] }), "PrivateEndpointBadRequest", /'blob'.*'hybridcompute'/],
      [
        "twogroups",
        pe({ groupIds: ["hybridcompute", "hybridcompute"] }),
        "PrivateEndpointBadRequest",
        /exactly one group id/,
      ],
      [
        "noscope",
        pe({
          privateLinkServiceId: `${sub()}/resourceGroups/rg-per/providers/Microsoft.HybridCompute/privateLinkScopes/missing`,
        }),
        "InvalidResourceReference",
        /was not found/,
      ],
      [
        "bothlists",
        pe(
          {},
          {
            manualPrivateLinkServiceConnections: [
              { name: "m", properties: { privateLinkServiceId: scopeId, groupIds: ["hybridcompute"] } },
            ],
          },
        ),
        "PrivateEndpointBadRequest",
        /exactly one connection/,
      ],
      [
        "nosubnet",
        pe({}, { subnet: { id: `${n}/virtualNetworks/vnet/subnets/none` } }),
        "InvalidResourceReference",
        /subnet/,
      ],
      [
        "delegated",
        pe({}, { subnet: { id: `${n}/virtualNetworks/vnet/subnets/delegated` } }),
        "PrivateEndpointCreationNotAllowedAsSubnetIsDelegated",
        /delegated/,
      ],
      [
        "badstatic",
        pe(
          {},
          {
            ipConfigurations: [
              {
                name: "s",
                properties: {
                  groupId: "hybridcompute",
                  memberName: "HybridCompute.Server",
                  privateIPAddress: "10.0.1.2",
                },
              },
            ],
          },
        ),
        "PrivateIPAddressInReservedRange",
        /reserved/,
      ],
    ];
    for (const [name, body, code, message] of cases) {
      const r = await arm(srv.info, "PUT", `${n}/privateEndpoints/${name}?${NV}`, body);
      assert.equal(r.status, 400, `${name}: ${r.text}`);
      assert.equal(r.json.error.code, code, `${name}: ${r.text}`);
      assert.match(r.json.error.message, message, name);
      await nothingStored(name);
    }

    // A lab VM holds 10.0.1.4: the endpoint skips it. Static member addresses are honoured.
    const host = await arm(
      srv.info,
      "PUT",
      `${sub()}/resourceGroups/rg-per/providers/ArcLink.Lab/hosts/vm1?api-version=2025-01-01`,
      {
        location: "global",
        properties: { subnetId: subnet, privateIPAddress: "10.0.1.4", osType: "Linux" },
      },
    );
    ok(host, 201, "lab host");
    const created = await arm(
      srv.info,
      "PUT",
      `${n}/privateEndpoints/pe1?${NV}`,
      pe(
        { requestMessage: "hello" },
        {
          customNetworkInterfaceName: "pe1-nic",
          ipConfigurations: [
            {
              name: "gbl-static",
              properties: {
                groupId: "hybridcompute",
                memberName: "HybridCompute.Server",
                privateIPAddress: "10.0.1.100",
              },
            },
          ],
        },
      ),
    );
    ok(created, 201, "pe1");
    assert.match(String(created.headers["azure-asyncoperation"]), /\/locations\/eastus\/operations\//);
    assert.ok(!created.text.includes("_resourceGuid"), "internal keys leak");
    const body = created.json;
    assert.equal(body.type, "Microsoft.Network/privateEndpoints");
    assert.match(body.etag, /^W\/"/);
    // Every property of examples/network/PrivateEndpointGet.json is present.
    for (const k of [
      "applicationSecurityGroups",
      "customDnsConfigs",
      "customNetworkInterfaceName",
      "ipConfigurations",
      "manualPrivateLinkServiceConnections",
      "networkInterfaces",
      "privateLinkServiceConnections",
      "provisioningState",
      "subnet",
    ]) {
      assert.ok(k in body.properties, `missing properties.${k}`);
    }
    const conn = body.properties.privateLinkServiceConnections[0];
    assert.deepEqual(Object.keys(conn.properties).sort(), [
      "groupIds",
      "privateLinkServiceConnectionState",
      "privateLinkServiceId",
      "provisioningState",
      "requestMessage",
    ]);
    assert.deepEqual(conn.properties.privateLinkServiceConnectionState, {
      status: "Approved",
      description: "Auto-Approved",
      actionsRequired: "None",
    });
    assert.equal(body.properties.customNetworkInterfaceName, "pe1-nic");
    assert.deepEqual(body.properties.networkInterfaces, [{ id: `${n}/networkInterfaces/pe1-nic` }]);
    assert.deepEqual(
      body.properties.customDnsConfigs.map((c: any) => c.ipAddresses[0]),
      ["10.0.1.100", "10.0.1.5", "10.0.1.6", "10.0.1.7", "10.0.1.8"],
    );
    assert.deepEqual(body.properties.ipConfigurations[0], {
      name: "gbl-static",
      properties: {
        groupId: "hybridcompute",
        memberName: "HybridCompute.Server",
        privateIPAddress: "10.0.1.100",
      },
    });
    assert.deepEqual(
      body.properties.customDnsConfigs.map((c: any) => c.fqdn),
      [
        "gbl.his.arc.azure.com",
        "eus.his.arc.azure.com",
        "agentserviceapi.guestconfiguration.azure.com",
        "eastus-gas.guestconfiguration.azure.com",
        "eastus.dp.kubernetesconfiguration.azure.com",
      ],
    );
    // The owned NIC refuses direct changes; a tags PATCH on the endpoint keeps everything.
    const nic = await arm(srv.info, "GET", `${n}/networkInterfaces/pe1-nic?${NV}`);
    ok(nic, 200, "nic");
    const moved = JSON.parse(nic.text);
    moved.properties.ipConfigurations[0].properties.privateIPAddress = "10.0.1.200";
    const nicPut = await arm(srv.info, "PUT", `${n}/networkInterfaces/pe1-nic?${NV}`, moved);
    assert.equal(nicPut.json?.error?.code, "CannotModifyNicImplicitlyCreatedForPrivateEndpoint", nicPut.text);
    const nicDel = await arm(srv.info, "DELETE", `${n}/networkInterfaces/pe1-nic?${NV}`);
    assert.equal(nicDel.json?.error?.code, "CannotDeleteNicImplicitlyCreatedForPrivateEndpoint", nicDel.text);
    const patched = await arm(srv.info, "PATCH", `${n}/privateEndpoints/pe1?${NV}`, { tags: { a: "b" } });
    ok(patched, 200, "patch");
    assert.deepEqual(patched.json.properties.customDnsConfigs, body.properties.customDnsConfigs);
    assert.deepEqual(patched.json.tags, { a: "b" });
    const retarget = await arm(srv.info, "PUT", `${n}/privateEndpoints/pe1?${NV}`, {
      location: "eastus",
      properties: {
        ...body.properties,
        privateLinkServiceConnections: [],
        manualPrivateLinkServiceConnections: [
          { name: "c", properties: { privateLinkServiceId: scopeId, groupIds: ["hybridcompute"] } },
        ],
      },
    });
    assert.equal(retarget.json?.error?.code, "PrivateEndpointConnectionCannotBeChanged", retarget.text);
    // Zone group referencing a zone that does not exist, or a non-zone.
    const zg = await arm(srv.info, "PUT", `${n}/privateEndpoints/pe1/privateDnsZoneGroups/default?${NV}`, {
      properties: {
        privateDnsZoneConfigs: [
          {
            name: "z",
            properties: { privateDnsZoneId: `${n}/privateDnsZones/privatelink.his.arc.azure.com` },
          },
        ],
      },
    });
    assert.equal(zg.json?.error?.code, "InvalidResourceReference", zg.text);
    const zg2 = await arm(srv.info, "PUT", `${n}/privateEndpoints/pe1/privateDnsZoneGroups/default?${NV}`, {
      properties: {
        privateDnsZoneConfigs: [{ name: "z", properties: { privateDnsZoneId: `${n}/virtualNetworks/vnet` } }],
      },
    });
    assert.equal(zg2.json?.error?.code, "InvalidRequestFormat", zg2.text);
    ok(
      await arm(srv.info, "GET", `${n}/privateEndpoints/pe1/privateDnsZoneGroups/default?${NV}`),
      404,
      "zone group stored",
    );
    // Delete: 202 + Location, then the NIC and the connection are gone.
    const del = await arm(srv.info, "DELETE", `${n}/privateEndpoints/pe1?${NV}`);
    ok(del, 202, "delete pe");
    assert.match(String(del.headers.location), /operationResults/);
    await nothingStored("pe1");
  });

  it("DNS resolvers and inbound endpoints", T, async () => {
    await group("rg-dnsr");
    const n = net("rg-dnsr");
    const RV = "api-version=2022-07-01";
    const delegation = [
      { name: "dnsResolvers", properties: { serviceName: "Microsoft.Network/dnsResolvers" } },
    ];
    ok(
      await arm(srv.info, "PUT", `${n}/virtualNetworks/hub?${NV}`, {
        location: "eastus",
        properties: {
          addressSpace: { addressPrefixes: ["10.0.0.0/16"] },
          subnets: [
            { name: "inbound", properties: { addressPrefix: "10.0.2.0/28", delegations: delegation } },
            { name: "inbound2", properties: { addressPrefix: "10.0.3.0/28", delegations: delegation } },
            { name: "big", properties: { addressPrefix: "10.0.4.0/23", delegations: delegation } },
            { name: "plain", properties: { addressPrefix: "10.0.6.0/28" } },
          ],
        },
      }),
      201,
      "vnet",
    );
    const vnetId = `${n}/virtualNetworks/hub`;
    const resolver = `${n}/dnsResolvers`;
    const west = await arm(srv.info, "PUT", `${resolver}/west?${RV}`, {
      location: "westus",
      properties: { virtualNetwork: { id: vnetId } },
    });
    assert.equal(west.json?.error?.code, "InvalidResourceReference", west.text);
    assert.match(west.json.error.message, /same region/);
    ok(await arm(srv.info, "GET", `${resolver}/west?${RV}`), 404, "west stored");
    const created = await arm(srv.info, "PUT", `${resolver}/dnsr?${RV}`, {
      location: "eastus",
      properties: { virtualNetwork: { id: vnetId } },
    });
    ok(created, 201, "resolver");
    assert.equal(created.json.properties.dnsResolverState, "Connected");
    assert.match(String(created.headers["azure-asyncoperation"]), /operations/);
    const second = await arm(srv.info, "PUT", `${resolver}/dnsr2?${RV}`, {
      location: "eastus",
      properties: { virtualNetwork: { id: vnetId } },
    });
    assert.equal(second.status, 409, second.text);
    ok(await arm(srv.info, "GET", `${resolver}/dnsr2?${RV}`), 404, "dnsr2 stored");

    const inbound = (subnet: string, extra: Record<string, unknown> = {}, location = "eastus") => ({
      location,
      properties: { ipConfigurations: [{ subnet: { id: `${vnetId}/subnets/${subnet}` }, ...extra }] },
    });
    const ep = await arm(srv.info, "PUT", `${resolver}/dnsr/inboundEndpoints/in1?${RV}`, inbound("inbound"));
    ok(ep, 201, "inbound");
    assert.deepEqual(ep.json.properties.ipConfigurations, [
      {
        subnet: { id: `${vnetId}/subnets/inbound` },
        privateIpAddress: "10.0.2.4",
        privateIpAllocationMethod: "Dynamic",
      },
    ]);
    assert.equal(ep.json.type, "Microsoft.Network/dnsResolvers/inboundEndpoints");
    const again = await arm(
      srv.info,
      "PUT",
      `${resolver}/dnsr/inboundEndpoints/in1?${RV}`,
      inbound("inbound"),
    );
    ok(again, 200, "inbound again");
    assert.equal(again.json.properties.ipConfigurations[0].privateIpAddress, "10.0.2.4");
    for (const [name, body, status, code] of [
      ["shared", inbound("inbound"), 409, "SubnetAlreadyInUse"],
      ["plain", inbound("plain"), 400, "SubnetNotDelegated"],
      ["big", inbound("big"), 400, "InvalidSubnetSize"],
      ["where", inbound("inbound2", {}, "westus"), 400, "InvalidLocation"],
      [
        "reserved",
        inbound("inbound2", { privateIpAllocationMethod: "Static", privateIpAddress: "10.0.3.15" }),
        400,
        "PrivateIPAddressInReservedRange",
      ],
    ] as [string, object, number, string][]) {
      const r = await arm(srv.info, "PUT", `${resolver}/dnsr/inboundEndpoints/${name}?${RV}`, body);
      assert.equal(r.status, status, `${name}: ${r.text}`);
      assert.equal(r.json.error.code, code, `${name}: ${r.text}`);
      ok(
        await arm(srv.info, "GET", `${resolver}/dnsr/inboundEndpoints/${name}?${RV}`),
        404,
        `${name} stored`,
      );
    }
    const fixed = await arm(
      srv.info,
      "PUT",
      `${resolver}/dnsr/inboundEndpoints/in2?api-version=2025-05-01`,
      inbound("inbound2", { privateIpAllocationMethod: "Static", privateIpAddress: "10.0.3.10" }),
    );
    ok(fixed, 201, "static inbound");
    assert.equal(fixed.json.properties.ipConfigurations[0].privateIpAddress, "10.0.3.10");
    const list = await arm(srv.info, "GET", `${resolver}/dnsr/inboundEndpoints?${RV}`);
    assert.deepEqual(list.json.value.map((x: any) => x.name).sort(), ["in1", "in2"]);
    assert.equal(
      (await arm(srv.info, "GET", `${resolver}?api-version=2024-07-01`)).json.error.code,
      "NoRegisteredProviderFound",
    );

    // The inbound endpoint keeps its subnet; the resolver keeps its VNet.
    const subDel = await arm(srv.info, "DELETE", `${vnetId}/subnets/inbound?${NV}`);
    assert.equal(subDel.json?.error?.code, "InUseSubnetCannotBeDeleted", subDel.text);
    assert.match(subDel.json.error.message, /inboundEndpoints\/in1/);
    ok(await arm(srv.info, "DELETE", `${resolver}/dnsr/inboundEndpoints/in1?${RV}`), 202, "delete in1");
    ok(await arm(srv.info, "DELETE", `${resolver}/dnsr/inboundEndpoints/in2?${RV}`), 202, "delete in2");
    const vnetDel = await arm(srv.info, "DELETE", `${vnetId}?${NV}`);
    assert.equal(vnetDel.json?.error?.code, "InUseVirtualNetworkCannotBeDeleted", vnetDel.text);
    ok(await arm(srv.info, "DELETE", `${resolver}/dnsr?${RV}`), 202, "delete resolver");
    ok(await arm(srv.info, "DELETE", `${vnetId}?${NV}`), 202, "delete vnet");
  });

  it("VNets, subnets, NSGs, NICs and peerings through @azure/arm-network", T, async () => {
    const r = await runScenario("network-vnet", srv.info);
    assert.equal(r.code, 0, `scenario failed:\n${r.stderr}\n${r.stdout}`);
    assert.equal(r.result.defaults, 6);
  });

  it(
    "private endpoints to an Arc scope, zone groups and cascades through @azure/arm-network",
    T,
    async (t) => {
      // The scenario needs the other Microsoft.HybridCompute and private DNS providers.
      const hc = await arm(
        srv.info,
        "GET",
        `${sub()}/providers/Microsoft.HybridCompute/privateLinkScopes?${HCV}`,
      );
      if (hc.status !== 200)
        return t.skip(`Microsoft.HybridCompute/privateLinkScopes is not served yet (${hc.status})`);
      const dns = await arm(
        srv.info,
        "GET",
        `${sub()}/providers/Microsoft.Network/privateDnsZones?api-version=2020-06-01`,
      );
      if (dns.status !== 200)
        return t.skip(`Microsoft.Network/privateDnsZones is not served yet (${dns.status})`);
      const r = await runScenario("network-pe", srv.info);
      assert.equal(r.code, 0, `scenario failed:\n${r.stderr}\n${r.stdout}`);
      assert.equal(r.result.addresses, 5);
    },
  );
});
