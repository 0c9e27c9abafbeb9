// The rollout template with its site-to-site VPN in Azure's own terms (public IP, VPN gateway in
// GatewaySubnet, local network gateway with the on-premises prefixes, IPsec connection): the
// connection connects the on-premises site to the hub VNet in the network model, as an
// ArcLink.Lab site connection does, so the site's server reaches the private endpoint; without the
// VPN it does not.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { arm } from "./helpers/arm.js";
import { ROOT, startServer, TestServer } from "./helpers/server.js";

const template = () =>
  JSON.parse(
    readFileSync(join(ROOT, "test/fixtures/templates/rollout.json"), "utf8").replace(/^\s*\/\/.*$/gm, ""),
  );

const ALL_REFUSED = [
  "gbl.his.arc.azure.com refused DnsServfail",
  "eus.his.arc.azure.com refused DnsServfail",
  "agentserviceapi.guestconfiguration.azure.com refused DnsServfail",
  "eastus-gas.guestconfiguration.azure.com refused DnsServfail",
];

describe("the rollout template's site-to-site VPN drives the network model", () => {
  let srv: TestServer;
  let sub: string;
  const rg = () => `/subscriptions/${sub}/resourceGroups/rg-arc`;
  const get = async (path: string) => {
    const r = await arm(srv.info, "GET", `${rg()}/providers/${path}?api-version=2023-04-01`);
    assert.equal(r.status, 200, r.text);
    return r.json;
  };
  async function deploy(name: string, parameters: Record<string, unknown>) {
    const path = `${rg()}/providers/Microsoft.Resources/deployments/${name}?api-version=2021-04-01`;
    const put = await arm(srv.info, "PUT", path, {
      properties: { mode: "Incremental", template: template(), parameters },
    });
    assert.ok(put.status === 200 || put.status === 201, put.text);
    for (;;) {
      const d = await arm(srv.info, "GET", path);
      const state = d.json.properties.provisioningState;
      if (!["Accepted", "Running", "Created"].includes(state)) return d.json;
      await new Promise((r) => setImmediate(r));
    }
  }
  async function verdicts(): Promise<string[]> {
    const r = await arm(
      srv.info,
      "POST",
      `/subscriptions/${sub}/providers/ArcLink.Lab/check?api-version=2025-01-01`,
      {},
    );
    assert.equal(r.status, 200, r.text);
    const host = (r.json.value as any[]).find((h) => h.host === "srv-01");
    // The Arc endpoints (Entra ID and ARM stay public in this scenario).
    return host.endpoints
      .filter((e: any) => /\.(his\.arc|guestconfiguration)\.azure\.com$/.test(e.endpoint))
      .map((e: any) => `${e.endpoint} ${e.verdict}${e.reason ? " " + e.reason : ""}`);
  }

  before(async () => {
    srv = await startServer({ args: ["--topology", join(ROOT, "test/fixtures/vpn-site.yaml")] });
    sub = srv.info.subscriptionId;
  });
  after(async () => {
    await srv?.stop();
  });

  it("without the VPN, the site's server cannot reach the private endpoint", async () => {
    const d = await deploy("rollout", {});
    assert.equal(d.properties.provisioningState, "Succeeded", JSON.stringify(d.properties.error));
    assert.equal(d.properties.outputResources.length, 12);
    const v = await verdicts();
    // The site's DNS server forwards the Arc zones to the resolver's inbound endpoint, which it
    // cannot reach without the VPN.
    assert.deepEqual(v, ALL_REFUSED);
  });

  it("with the VPN gateway, local network gateway and connection, it reaches it privately", async () => {
    const d = await deploy("rollout-vpn", {
      onPremisesGatewayAddress: { value: "198.51.100.7" },
      vpnSharedKey: { value: "s3cret-psk" },
    });
    assert.equal(d.properties.provisioningState, "Succeeded", JSON.stringify(d.properties.error));
    assert.equal(d.properties.outputResources.length, 17);
    const cn = await get("Microsoft.Network/connections/cn-onprem-to-hub");
    assert.equal(cn.properties.connectionStatus, "Connected");
    assert.equal(cn.properties.connectionType, "IPsec");
    assert.equal(cn.properties.sharedKey, undefined, "the shared key is write-only");
    assert.ok(!JSON.stringify(cn).includes("s3cret-psk"));
    const gw = await get("Microsoft.Network/virtualNetworkGateways/vgw-vnet-hub");
    assert.equal(gw.properties.gatewayType, "Vpn");
    assert.match(gw.properties.ipConfigurations[0].properties.subnet.id, /\/subnets\/GatewaySubnet$/);
    const pip = await get("Microsoft.Network/publicIPAddresses/pip-vgw-vnet-hub");
    assert.match(
      pip.properties.ipConfiguration.id,
      /virtualNetworkGateways\/vgw-vnet-hub\/ipConfigurations\/default$/,
    );
    const lgw = await get("Microsoft.Network/localNetworkGateways/lgw-onprem");
    assert.deepEqual(lgw.properties.localNetworkAddressSpace.addressPrefixes, ["192.168.0.0/16"]);
    const v = await verdicts();
    assert.deepEqual(v, [
      "gbl.his.arc.azure.com private",
      "eus.his.arc.azure.com private",
      "agentserviceapi.guestconfiguration.azure.com private",
      "eastus-gas.guestconfiguration.azure.com private",
    ]);
  });

  it("what the VPN uses cannot be deleted under it; a gateway outside GatewaySubnet is refused", async () => {
    const net = `${rg()}/providers/Microsoft.Network`;
    const del = async (path: string) => arm(srv.info, "DELETE", `${net}/${path}?api-version=2023-04-01`);
    const refused = async (path: string, code: string) => {
      const r = await del(path);
      assert.equal(r.status, 400, r.text);
      assert.equal(r.json.error.code, code, r.text);
    };
    await refused("virtualNetworkGateways/vgw-vnet-hub", "InUseGatewayCannotBeDeleted");
    await refused("localNetworkGateways/lgw-onprem", "InUseGatewayCannotBeDeleted");
    await refused("publicIPAddresses/pip-vgw-vnet-hub", "PublicIPAddressInUse");
    await refused("virtualNetworks/vnet-hub/subnets/GatewaySubnet", "InUseSubnetCannotBeDeleted");
    const pip2 = await arm(srv.info, "PUT", `${net}/publicIPAddresses/pip-2?api-version=2023-04-01`, {
      location: "eastus",
      sku: { name: "Standard" },
      properties: { publicIPAllocationMethod: "Static" },
    });
    assert.ok([200, 201].includes(pip2.status), pip2.text);
    assert.equal(pip2.json.properties.ipAddress, undefined, "ArcLink does not invent Azure's public address");
    const wrong = await arm(srv.info, "PUT", `${net}/virtualNetworkGateways/vgw-2?api-version=2023-04-01`, {
      location: "eastus",
      properties: {
        gatewayType: "Vpn",
        ipConfigurations: [
          {
            name: "default",
            properties: {
              subnet: { id: `${net}/virtualNetworks/vnet-hub/subnets/snet-private-endpoints` },
              publicIPAddress: { id: `${net}/publicIPAddresses/pip-2` },
            },
          },
        ],
      },
    });
    assert.equal(wrong.status, 400, wrong.text);
    assert.equal(wrong.json.error.code, "InvalidGatewaySubnet");
    const basic = await arm(srv.info, "PUT", `${net}/publicIPAddresses/pip-3?api-version=2023-04-01`, {
      location: "eastus",
      sku: { name: "Standard" },
      properties: { publicIPAllocationMethod: "Dynamic" },
    });
    assert.equal(basic.status, 400, basic.text);
    assert.equal(basic.json.error.code, "StandardSkuPublicIPAddressesMustBeStatic");
  });

  it("deleting the connection cuts the site off again; the gateways alone do not connect it", async () => {
    const path = `${rg()}/providers/Microsoft.Network/connections/cn-onprem-to-hub?api-version=2023-04-01`;
    const del = await arm(srv.info, "DELETE", path);
    assert.ok([200, 202, 204].includes(del.status), del.text);
    for (;;) {
      const r = await arm(srv.info, "GET", path);
      if (r.status === 404) break;
      await new Promise((res) => setImmediate(res));
    }
    const v = await verdicts();
    assert.deepEqual(v, ALL_REFUSED);
  });
});
