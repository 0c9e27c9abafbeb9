// The az CLI (Debian's azure-cli 2.45) against ArcLink: custom cloud + service principal login,
// resource groups, private DNS zones, record sets and VNet links, generic resources (list, show
// without --api-version, create for VNets since `az network vnet` does not load in this az), and
// `az rest` on HybridCompute. Each az call is bounded in time and talks only to 127.0.0.1.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { arm } from "./helpers/arm.js";
import { AzSession, azLogin, CLOUD, describeAz } from "./helpers/az.js";
import { Ready, startServer, TestServer } from "./helpers/server.js";

const T = { timeout: 480_000 };

let srv: TestServer;
let info: Ready;
let az: AzSession;

/** Runs az and asserts it exits 0; returns the parsed JSON output. */
async function azOk(args: string[]): Promise<any> {
  const r = await az.run(args);
  assert.equal(r.code, 0, describeAz(args, r));
  return r.json;
}

/** Runs az and asserts it fails; returns stderr. */
async function azFails(args: string[], pattern: RegExp): Promise<string> {
  const r = await az.run(args);
  assert.notEqual(r.code, 0, describeAz(args, r));
  assert.match(r.stderr, pattern, describeAz(args, r));
  return r.stderr;
}

/** Asserts that the server serves a resource type (registered by its provider). */
async function requireType(namespace: string, type: string): Promise<void> {
  const r = await arm(
    info,
    "GET",
    `/subscriptions/${info.subscriptionId}/providers/${namespace}?api-version=2021-04-01`,
  );
  const types = (r.json?.resourceTypes ?? []).map((t: any) => String(t.resourceType).toLowerCase());
  assert.ok(
    r.status === 200 && types.includes(type.toLowerCase()),
    `${namespace}/${type} is not served by this build (provider not registered yet): ${r.status} ${r.text.slice(0, 300)}`,
  );
}

type AzCall = (args: string[]) => Promise<any>;
type AzFail = (args: string[], pattern: RegExp) => Promise<void>;

/** VNet link create (through `create`/`createFails`, see the caller), list, show, refusals, delete. */
async function linkFlow(vnetId: string, base: string[], create: AzCall, createFails: AzFail): Promise<void> {
  const link = await create([
    "network",
    "private-dns",
    "link",
    "vnet",
    "create",
    ...base,
    "-n",
    "az-link",
    "-v",
    vnetId,
    "-e",
    "false",
  ]);
  assert.equal(link.name, "az-link");
  assert.equal(link.virtualNetworkLinkState, "Completed");
  assert.equal(link.registrationEnabled, false);
  assert.equal(link.location, "global");
  assert.equal(link.virtualNetwork.id.toLowerCase(), vnetId.toLowerCase());
  const links = await azOk(["network", "private-dns", "link", "vnet", "list", ...base]);
  assert.deepEqual(
    links.map((l: any) => l.name),
    ["az-link"],
  );
  const shown = await azOk(["network", "private-dns", "link", "vnet", "show", ...base, "-n", "az-link"]);
  assert.equal(shown.etag, link.etag);

  await createFails(
    [
      "network",
      "private-dns",
      "link",
      "vnet",
      "create",
      ...base,
      "-n",
      "az-link2",
      "-v",
      vnetId,
      "-e",
      "false",
    ],
    /Conflict[\s\S]*'az-link'/,
  );
  await azFails(
    ["network", "private-dns", "link", "vnet", "show", ...base, "-n", "az-link2"],
    /ResourceNotFound/,
  );
  await createFails(
    [
      "network",
      "private-dns",
      "link",
      "vnet",
      "create",
      ...base,
      "-n",
      "az-link",
      "-v",
      vnetId,
      "-e",
      "true",
    ],
    /PreconditionFailed/,
  );
  const unchanged = await azOk(["network", "private-dns", "link", "vnet", "show", ...base, "-n", "az-link"]);
  assert.equal(unchanged.registrationEnabled, false);

  await azFails(
    [
      "network",
      "private-dns",
      "zone",
      "delete",
      "-g",
      "az-dns",
      "-n",
      "privatelink.his.arc.azure.com",
      "--yes",
    ],
    /CannotDeleteZoneWithVirtualNetworkLinks/,
  );
  const kept = await azOk([
    "network",
    "private-dns",
    "zone",
    "show",
    "-g",
    "az-dns",
    "-n",
    "privatelink.his.arc.azure.com",
  ]);
  assert.equal(kept.numberOfVirtualNetworkLinks, 1);

  await azOk(["network", "private-dns", "link", "vnet", "delete", ...base, "-n", "az-link", "--yes"]);
  await azFails(
    ["network", "private-dns", "link", "vnet", "show", ...base, "-n", "az-link"],
    /ResourceNotFound/,
  );
  await azOk([
    "network",
    "private-dns",
    "zone",
    "delete",
    "-g",
    "az-dns",
    "-n",
    "privatelink.his.arc.azure.com",
    "--yes",
  ]);
  await azFails(
    ["network", "private-dns", "zone", "show", "-g", "az-dns", "-n", "privatelink.his.arc.azure.com"],
    /ResourceNotFound/,
  );
}

before(async () => {
  srv = await startServer();
  info = srv.info;
  az = await azLogin(info);
});

after(async () => {
  az?.cleanup();
  await srv?.stop();
});

describe("az CLI", () => {
  it("is logged in to the ArcLink cloud as the service principal", T, async () => {
    const account = await azOk(["account", "show"]);
    assert.equal(account.id, info.subscriptionId);
    assert.equal(account.tenantId, info.tenantId);
    assert.equal(account.environmentName, CLOUD);
    assert.equal(account.user.name, info.clientId);
    assert.equal(account.user.type, "servicePrincipal");
    const cloud = await azOk(["cloud", "show", "-n", CLOUD]);
    assert.equal(cloud.endpoints.resourceManager, `${info.arm}/`);
    assert.equal(cloud.endpoints.activeDirectory, `${info.arm}/adfs`);
  });

  it("creates, shows, lists and deletes resource groups", T, async () => {
    const created = await azOk(["group", "create", "-n", "az-rg1", "-l", "eastus", "--tags", "env=test"]);
    assert.equal(created.name, "az-rg1");
    assert.equal(created.location, "eastus");
    assert.deepEqual(created.tags, { env: "test" });
    assert.equal(created.properties.provisioningState, "Succeeded");
    const shown = await azOk(["group", "show", "-n", "az-rg1"]);
    assert.equal(shown.id, `/subscriptions/${info.subscriptionId}/resourceGroups/az-rg1`);
    await azOk(["group", "create", "-n", "az-rg2", "-l", "westeurope"]);
    const list = await azOk(["group", "list"]);
    assert.deepEqual(
      list
        .map((g: any) => g.name)
        .filter((n: string) => n.startsWith("az-rg"))
        .sort(),
      ["az-rg1", "az-rg2"],
    );
    assert.equal(await azOk(["group", "exists", "-n", "az-rg2"]), true);
    await azOk(["group", "delete", "-n", "az-rg2", "--yes"]);
    assert.equal(await azOk(["group", "exists", "-n", "az-rg2"]), false);
    await azFails(["group", "show", "-n", "az-rg2"], /ResourceGroupNotFound/);
    const bad = await az.run(["group", "create", "-n", "az-rg3", "-l", "nowhere"]);
    assert.notEqual(bad.code, 0, describeAz(["group", "create"], bad));
    const raw = await arm(
      info,
      "GET",
      `/subscriptions/${info.subscriptionId}/resourceGroups/az-rg3?api-version=2021-04-01`,
    );
    assert.equal(raw.status, 404, "a refused group is not stored");
  });

  it(
    "creates, shows and lists private DNS zones; a duplicate create fails (If-None-Match: *)",
    T,
    async () => {
      await azOk(["group", "create", "-n", "az-dns", "-l", "eastus"]);
      const zone = await azOk([
        "network",
        "private-dns",
        "zone",
        "create",
        "-g",
        "az-dns",
        "-n",
        "privatelink.his.arc.azure.com",
      ]);
      assert.equal(zone.name, "privatelink.his.arc.azure.com");
      assert.equal(zone.location, "global");
      assert.equal(zone.numberOfRecordSets, 1);
      assert.equal(zone.provisioningState, "Succeeded");
      const shown = await azOk([
        "network",
        "private-dns",
        "zone",
        "show",
        "-g",
        "az-dns",
        "-n",
        "privatelink.his.arc.azure.com",
      ]);
      assert.equal(shown.etag, zone.etag);
      const listed = await azOk(["network", "private-dns", "zone", "list", "-g", "az-dns"]);
      assert.deepEqual(
        listed.map((z: any) => z.name),
        ["privatelink.his.arc.azure.com"],
      );
      const all = await azOk(["network", "private-dns", "zone", "list"]);
      assert.ok(all.some((z: any) => z.name === "privatelink.his.arc.azure.com"));

      await azFails(
        ["network", "private-dns", "zone", "create", "-g", "az-dns", "-n", "privatelink.his.arc.azure.com"],
        /PreconditionFailed/,
      );
      const after = await azOk([
        "network",
        "private-dns",
        "zone",
        "show",
        "-g",
        "az-dns",
        "-n",
        "privatelink.his.arc.azure.com",
      ]);
      assert.equal(after.etag, zone.etag, "the refused duplicate changed nothing");
      await azFails(
        ["network", "private-dns", "zone", "create", "-g", "az-dns", "-n", "single-label"],
        /InvalidResourceName/,
      );
    },
  );

  it("adds, lists, shows and deletes A records", T, async () => {
    const base = ["-g", "az-dns", "-z", "privatelink.his.arc.azure.com"];
    const first = await azOk([
      "network",
      "private-dns",
      "record-set",
      "a",
      "add-record",
      ...base,
      "-n",
      "gbl",
      "-a",
      "10.0.0.4",
    ]);
    assert.equal(first.name, "gbl");
    assert.equal(first.fqdn, "gbl.privatelink.his.arc.azure.com.");
    assert.deepEqual(first.aRecords, [{ ipv4Address: "10.0.0.4" }]);
    assert.equal(first.ttl, 3600);
    const second = await azOk([
      "network",
      "private-dns",
      "record-set",
      "a",
      "add-record",
      ...base,
      "-n",
      "gbl",
      "-a",
      "10.0.0.5",
    ]);
    assert.deepEqual(
      second.aRecords.map((r: any) => r.ipv4Address),
      ["10.0.0.4", "10.0.0.5"],
    );
    await azOk([
      "network",
      "private-dns",
      "record-set",
      "a",
      "add-record",
      ...base,
      "-n",
      "EastUS.gbl",
      "-a",
      "10.0.0.6",
    ]);

    const listA = await azOk(["network", "private-dns", "record-set", "a", "list", ...base]);
    assert.deepEqual(listA.map((r: any) => r.name).sort(), ["eastus.gbl", "gbl"]);
    const listAll = await azOk(["network", "private-dns", "record-set", "list", ...base]);
    assert.deepEqual(
      listAll.map((r: any) => `${r.type.split("/").pop()} ${r.name}`),
      ["SOA @", "A eastus.gbl", "A gbl"],
    );
    const shown = await azOk(["network", "private-dns", "record-set", "a", "show", ...base, "-n", "gbl"]);
    assert.equal(shown.aRecords.length, 2);
    assert.equal(shown.etag, second.etag);

    await azFails(
      ["network", "private-dns", "record-set", "a", "add-record", ...base, "-n", "bad", "-a", "10.0.0.300"],
      /InvalidParameter|ipv4Address/,
    );
    await azFails(
      ["network", "private-dns", "record-set", "a", "show", ...base, "-n", "bad"],
      /ResourceNotFound|not found/i,
    );
    await azFails(
      [
        "network",
        "private-dns",
        "record-set",
        "cname",
        "set-record",
        ...base,
        "-n",
        "gbl",
        "-c",
        "elsewhere.example.com",
      ],
      /Conflict/,
    );

    await azOk(["network", "private-dns", "record-set", "a", "delete", ...base, "-n", "eastus.gbl", "--yes"]);
    await azFails(
      ["network", "private-dns", "record-set", "a", "show", ...base, "-n", "eastus.gbl"],
      /ResourceNotFound/,
    );
    const zone = await azOk([
      "network",
      "private-dns",
      "zone",
      "show",
      "-g",
      "az-dns",
      "-n",
      "privatelink.his.arc.azure.com",
    ]);
    assert.equal(zone.numberOfRecordSets, 2);
  });

  it("lists resources and shows them without --api-version", T, async () => {
    const zoneId = `/subscriptions/${info.subscriptionId}/resourceGroups/az-dns/providers/Microsoft.Network/privateDnsZones/privatelink.his.arc.azure.com`;
    const list = await azOk(["resource", "list", "-g", "az-dns"]);
    assert.ok(
      list.some(
        (r: any) =>
          r.id.toLowerCase() === zoneId.toLowerCase() && r.type === "Microsoft.Network/privateDnsZones",
      ),
      JSON.stringify(list),
    );
    const byType = await azOk(["resource", "list", "--resource-type", "Microsoft.Network/privateDnsZones"]);
    assert.ok(byType.every((r: any) => r.type === "Microsoft.Network/privateDnsZones"));
    assert.ok(byType.some((r: any) => r.name === "privatelink.his.arc.azure.com"));
    const all = await azOk(["resource", "list"]);
    assert.ok(all.some((r: any) => r.id.toLowerCase() === zoneId.toLowerCase()));
    assert.ok(!all.some((r: any) => r.type === "Microsoft.Resources/resourceGroups"));

    const shown = await azOk([
      "resource",
      "show",
      "-g",
      "az-dns",
      "-n",
      "privatelink.his.arc.azure.com",
      "--resource-type",
      "Microsoft.Network/privateDnsZones",
    ]);
    assert.equal(shown.properties.numberOfRecordSets, 2);
    const soa = await azOk(["resource", "show", "--ids", `${zoneId}/SOA/@`]);
    assert.equal(soa.properties.soaRecord.host, "azureprivatedns.net");
    await azFails(["resource", "show", "--ids", `${zoneId}/A/missing`], /ResourceNotFound|not found/i);
  });

  it(
    "links a VNet made with az resource create; refuses a duplicate link and a linked-zone delete",
    T,
    async () => {
      await requireType("Microsoft.Network", "virtualNetworks");
      const vnet = await azOk([
        "resource",
        "create",
        "-g",
        "az-dns",
        "-n",
        "az-vnet",
        "--resource-type",
        "Microsoft.Network/virtualNetworks",
        "-l",
        "eastus",
        "--properties",
        JSON.stringify({ addressSpace: { addressPrefixes: ["10.30.0.0/16"] } }),
      ]);
      assert.equal(vnet.type, "Microsoft.Network/virtualNetworks");
      assert.equal(vnet.name, "az-vnet");
      const shownVnet = await azOk(["resource", "show", "--ids", vnet.id]);
      assert.deepEqual(shownVnet.properties.addressSpace.addressPrefixes, ["10.30.0.0/16"]);

      const base = ["-g", "az-dns", "-z", "privatelink.his.arc.azure.com"];
      // Debian's az 2.45 cannot run `link vnet create` with the default ("latest") profile: its -v
      // validator loads SubResource from azure.mgmt.network.v2022_01_01, which Debian's python3-azure
      // lacks ("'NoneType' object is not callable", before any request). A cloud registered with the
      // Azure Stack profile 2020-09-01-hybrid takes the model from v2018_11_01 and sends the same request
      // (private DNS 2020-06-01).
      const hybrid = await azLogin(info, { profile: "2020-09-01-hybrid" });
      const hybridOk = async (args: string[]) => {
        const r = await hybrid.run(args);
        assert.equal(r.code, 0, describeAz(args, r));
        return r.json;
      };
      const hybridFails = async (args: string[], pattern: RegExp) => {
        const r = await hybrid.run(args);
        assert.notEqual(r.code, 0, describeAz(args, r));
        assert.match(r.stderr, pattern, describeAz(args, r));
      };
      try {
        await linkFlow(vnet.id, base, hybridOk, hybridFails);
      } finally {
        hybrid.cleanup();
      }
    },
  );

  it("calls HybridCompute through az rest", T, async () => {
    await requireType("Microsoft.HybridCompute", "privateLinkScopes");
    const url = `${info.arm}/subscriptions/${info.subscriptionId}/providers/Microsoft.HybridCompute/privateLinkScopes?api-version=2024-07-10`;
    const empty = await azOk(["rest", "--method", "get", "--url", url]);
    assert.deepEqual(empty, { value: [] });
    await azOk(["group", "create", "-n", "az-arc", "-l", "eastus"]);
    const put = await azOk([
      "rest",
      "--method",
      "put",
      "--url",
      `${info.arm}/subscriptions/${info.subscriptionId}/resourceGroups/az-arc/providers/Microsoft.HybridCompute/privateLinkScopes/az-scope?api-version=2024-07-10`,
      "--body",
      JSON.stringify({ location: "eastus", properties: { publicNetworkAccess: "Disabled" } }),
    ]);
    assert.equal(put.name, "az-scope");
    const listed = await azOk(["rest", "--method", "get", "--url", url]);
    assert.deepEqual(
      listed.value.map((s: any) => s.name),
      ["az-scope"],
    );
  });
});
