// ArcLink.Lab types through raw ARM calls (exact status codes and stored shapes; every refusal
// leaves nothing stored), and the hosts-file parser the resolution engine shares.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { parseHostsFile } from "../src/providers/lab/hostsFile.js";
import { arm, RawResponse } from "./helpers/arm.js";
import { startServer, TestServer } from "./helpers/server.js";

const LAB = "2025-01-01";
const NET = "2025-05-01";

describe("parseHostsFile", () => {
  it("reads a Windows hosts file (CRLF, comments, indented entries)", () => {
    const text =
      "# Copyright (c) 1993-2009 Microsoft Corp.\r\n#\r\n#      102.54.94.97     rhino.acme.com          # source server\r\n" +
      "127.0.0.1       localhost\r\n\t10.10.1.4\tgbl.his.arc.azure.com\r\n\r\n10.10.1.5   EUS.his.arc.azure.com.   # regional\r\n";
    const r = parseHostsFile(text);
    assert.deepEqual(r.errors, []);
    assert.deepEqual(r.entries, [
      { address: "127.0.0.1", names: ["localhost"], line: 4 },
      { address: "10.10.1.4", names: ["gbl.his.arc.azure.com"], line: 5 },
      { address: "10.10.1.5", names: ["eus.his.arc.azure.com"], line: 7 },
    ]);
  });

  it("reads a Linux /etc/hosts with several names per line and IPv6", () => {
    const r = parseHostsFile(
      "\uFEFF127.0.0.1 localhost localhost.localdomain\n::1 localhost ip6-localhost ip6-loopback\n192.168.1.22 srv-lnx-01.corp.contoso.com srv-lnx-01\n",
    );
    assert.deepEqual(r.errors, []);
    assert.equal(r.entries.length, 3);
    assert.deepEqual(r.entries[1], {
      address: "::1",
      names: ["localhost", "ip6-localhost", "ip6-loopback"],
      line: 2,
    });
    assert.deepEqual(r.entries[2].names, ["srv-lnx-01.corp.contoso.com", "srv-lnx-01"]);
  });

  it("reports a bad address, a missing name and a bad name with their line numbers, and keeps the good lines", () => {
    const r = parseHostsFile(
      "10.10.1.4 gbl.his.arc.azure.com\n10.10.1.300 eus.his.arc.azure.com\ngbl.his.arc.azure.com 10.10.1.4\n10.10.1.6\n10.10.1.7 *.guestconfiguration.azure.com\n",
    );
    assert.deepEqual(
      r.errors.map((e) => e.line),
      [2, 3, 4, 5],
    );
    assert.match(r.errors[0].message, /line 2: '10\.10\.1\.300' is not an IPv4 or IPv6 address/);
    assert.match(r.errors[1].message, /line 3: 'gbl\.his\.arc\.azure\.com' is not an IPv4/);
    assert.match(r.errors[2].message, /line 4: .*no host name/);
    assert.match(r.errors[3].message, /line 5: .*not a valid host name/);
    assert.deepEqual(r.entries, [{ address: "10.10.1.4", names: ["gbl.his.arc.azure.com"], line: 1 }]);
  });
});

describe("ArcLink.Lab resource types", { timeout: 120_000 }, () => {
  let srv: TestServer;
  let rg: string;
  let vnetId: string;
  let subnetId: string;
  const lab = (type: string, name: string) => `${rg}/providers/ArcLink.Lab/${type}/${name}`;
  const put = (id: string, properties: object, extra: object = {}) =>
    arm(srv.info, "PUT", `${id}?api-version=${LAB}`, { location: "global", ...extra, properties });
  const get = (id: string) => arm(srv.info, "GET", `${id}?api-version=${LAB}`);
  const del = (id: string) => arm(srv.info, "DELETE", `${id}?api-version=${LAB}`);
  const siteId = () => lab("sites", "onprem");

  /** A refusal: status, code, message pattern, and nothing stored under `id`. */
  async function refused(
    r: RawResponse,
    status: number,
    code: string,
    message: RegExp,
    id: string,
  ): Promise<void> {
    assert.equal(r.status, status, r.text);
    assert.equal(r.json?.error?.code, code, r.text);
    assert.match(r.json.error.message, message);
    const after = await get(id);
    assert.equal(after.status, 404, `nothing may be stored at ${id}: ${after.text}`);
  }

  before(async () => {
    srv = await startServer();
    rg = `/subscriptions/${srv.info.subscriptionId}/resourceGroups/rg-lab`;
    const g = await arm(srv.info, "PUT", `${rg}?api-version=2025-04-01`, { location: "eastus" });
    assert.equal(g.status, 201, g.text);
    vnetId = `${rg}/providers/Microsoft.Network/virtualNetworks/vnet-hub`;
    subnetId = `${vnetId}/subnets/snet-vms`;
    const v = await arm(srv.info, "PUT", `${vnetId}?api-version=${NET}`, {
      location: "eastus",
      properties: {
        addressSpace: { addressPrefixes: ["10.10.0.0/16"] },
        subnets: [{ name: "snet-vms", properties: { addressPrefix: "10.10.5.0/24" } }],
      },
    });
    assert.ok(v.status === 201 || v.status === 200, v.text);
  });
  after(async () => {
    await srv?.stop();
  });

  describe("sites", () => {
    it("creates, reads, lists and merge-patches a site in location 'global'", async () => {
      const r = await put(siteId(), {
        addressSpace: { addressPrefixes: ["192.168.0.0/16", "172.16.0.0/20"] },
      });
      assert.equal(r.status, 201, r.text);
      assert.equal(r.json.type, "ArcLink.Lab/sites");
      assert.equal(r.json.location, "global");
      assert.match(r.json.etag, /^[0-9a-f-]{36}$/);
      assert.equal(r.headers.etag, r.json.etag);
      assert.deepEqual(r.json.properties, {
        addressSpace: { addressPrefixes: ["192.168.0.0/16", "172.16.0.0/20"] },
        provisioningState: "Succeeded",
      });
      const g = await get(siteId());
      assert.equal(g.status, 200);
      assert.deepEqual(g.json.properties, r.json.properties);
      const inRg = await arm(srv.info, "GET", `${rg}/providers/ArcLink.Lab/sites?api-version=${LAB}`);
      assert.deepEqual(
        inRg.json.value.map((x: any) => x.name),
        ["onprem"],
      );
      const inSub = await arm(
        srv.info,
        "GET",
        `/subscriptions/${srv.info.subscriptionId}/providers/ArcLink.Lab/sites?api-version=${LAB}`,
      );
      assert.equal(inSub.status, 200);
      assert.ok(inSub.json.value.some((x: any) => x.id === g.json.id));
      const p = await arm(srv.info, "PATCH", `${siteId()}?api-version=${LAB}`, {
        properties: { description: "Headquarters" },
      });
      assert.equal(p.status, 200, p.text);
      assert.equal(p.json.properties.description, "Headquarters");
      assert.deepEqual(p.json.properties.addressSpace.addressPrefixes, ["192.168.0.0/16", "172.16.0.0/20"]);
      assert.notEqual(p.json.etag, r.json.etag);
    });

    it("refuses overlapping prefixes, a missing address space, host bits, a region and a wrong api-version", async () => {
      const id = lab("sites", "bad");
      await refused(
        await put(id, { addressSpace: { addressPrefixes: ["10.1.0.0/16", "10.1.2.0/24"] } }),
        400,
        "InvalidParameter",
        /10\.1\.2\.0\/24 overlaps 10\.1\.0\.0\/16/,
        id,
      );
      await refused(await put(id, {}), 400, "MissingRequiredProperty", /addressSpace\.addressPrefixes/, id);
      await refused(
        await put(id, { addressSpace: { addressPrefixes: ["10.1.0.1/16"] } }),
        400,
        "InvalidCIDRNotation",
        /host bits/,
        id,
      );
      await refused(
        await put(id, { addressSpace: { addressPrefixes: ["10.1.0.0/16"] } }, { location: "eastus" }),
        400,
        "InvalidLocation",
        /must be 'global'/,
        id,
      );
      const v = await arm(srv.info, "PUT", `${id}?api-version=2021-01-01`, {
        location: "global",
        properties: { addressSpace: { addressPrefixes: ["10.1.0.0/16"] } },
      });
      assert.equal(v.status, 400);
      assert.equal(v.json.error.code, "NoRegisteredProviderFound");
    });
  });

  describe("hosts", () => {
    it("creates a Windows host on-premises with a hosts file and an Azure VM in a subnet", async () => {
      const hostsFile = "127.0.0.1 localhost\r\n10.10.1.4 gbl.his.arc.azure.com # Arc\r\n";
      const r = await put(lab("hosts", "srv-win-01"), {
        siteId: siteId(),
        privateIPAddress: "192.168.1.21",
        osType: "windows",
        dnsServers: ["192.168.1.10"],
        hostsFile,
        proxyUrl: "http://192.168.1.30:3128",
      });
      assert.equal(r.status, 201, r.text);
      assert.deepEqual(r.json.properties, {
        siteId: siteId(),
        privateIPAddress: "192.168.1.21",
        osType: "Windows",
        dnsServers: ["192.168.1.10"],
        hostsFile,
        proxyUrl: "http://192.168.1.30:3128",
        provisioningState: "Succeeded",
      });
      const vm = await put(lab("hosts", "vm-azure"), {
        subnetId,
        privateIPAddress: "10.10.5.10",
        osType: "Linux",
      });
      assert.equal(vm.status, 201, vm.text);
      assert.deepEqual(vm.json.properties.dnsServers, []);
      assert.equal(vm.json.properties.subnetId, subnetId);
      assert.equal(vm.json.properties.siteId, undefined);
      const list = await arm(srv.info, "GET", `${rg}/providers/ArcLink.Lab/hosts?api-version=${LAB}`);
      assert.deepEqual(list.json.value.map((x: any) => x.name).sort(), ["srv-win-01", "vm-azure"]);
      const p = await arm(srv.info, "PATCH", `${lab("hosts", "vm-azure")}?api-version=${LAB}`, {
        properties: { dnsServers: ["10.10.5.20", "168.63.129.16"] },
      });
      assert.equal(p.status, 200, p.text);
      assert.deepEqual(p.json.properties.dnsServers, ["10.10.5.20", "168.63.129.16"]);
      assert.equal(p.json.properties.privateIPAddress, "10.10.5.10");
    });

    it("names the line of a malformed hosts-file entry and stores nothing", async () => {
      const id = lab("hosts", "srv-bad-hosts");
      const r = await put(id, {
        siteId: siteId(),
        privateIPAddress: "192.168.1.40",
        osType: "Linux",
        hostsFile:
          "127.0.0.1 localhost\n# Arc\n10.10.1.4 gbl.his.arc.azure.com\n10.10.1.x eus.his.arc.azure.com\n",
      });
      await refused(
        r,
        400,
        "InvalidHostsFile",
        /\/etc\/hosts.*line 4: '10\.10\.1\.x' is not an IPv4 or IPv6 address/,
        id,
      );
      assert.equal(r.json.error.target, "properties.hostsFile");
      assert.equal(r.json.error.details[0].target, "properties.hostsFile:4");
    });

    it("refuses bad placements, addresses and fields", async () => {
      const id = lab("hosts", "srv-x");
      const base = { siteId: siteId(), privateIPAddress: "192.168.1.50", osType: "Linux" };
      await refused(
        await put(id, { ...base, subnetId }),
        400,
        "InvalidParameter",
        /Both 'properties.siteId' and 'properties.subnetId'/,
        id,
      );
      await refused(
        await put(id, { privateIPAddress: "192.168.1.50", osType: "Linux" }),
        400,
        "InvalidParameter",
        /One of 'properties.siteId'/,
        id,
      );
      await refused(
        await put(id, { ...base, privateIPAddress: "10.99.0.5" }),
        400,
        "InvalidParameter",
        /outside the site's address space/,
        id,
      );
      await refused(
        await put(id, { ...base, privateIPAddress: "192.168.1.21" }),
        409,
        "PrivateIPAddressInUse",
        /already used by .*hosts\/srv-win-01/,
        id,
      );
      await refused(
        await put(id, { ...base, osType: "MacOS" }),
        400,
        "InvalidRequestContent",
        /'Windows', 'Linux'/,
        id,
      );
      await refused(
        await put(id, { ...base, osType: undefined }),
        400,
        "MissingRequiredProperty",
        /osType/,
        id,
      );
      await refused(
        await put(id, { ...base, dnsServers: ["192.168.1.999"] }),
        400,
        "InvalidParameter",
        /dnsServers\[0\]/,
        id,
      );
      await refused(
        await put(id, { ...base, proxyUrl: "proxy:3128" }),
        400,
        "InvalidParameter",
        /proxy URL/,
        id,
      );
      await refused(
        await put(id, { ...base, siteId: `${rg}/providers/ArcLink.Lab/sites/nowhere` }),
        400,
        "InvalidResourceReference",
        /was not found/,
        id,
      );
      await refused(
        await put(id, { ...base, siteId: vnetId }),
        400,
        "InvalidRequestFormat",
        /ArcLink.Lab\/sites/,
        id,
      );
      const vm = { subnetId, osType: "Linux" };
      await refused(
        await put(id, { ...vm, privateIPAddress: "10.10.5.1" }),
        400,
        "InvalidParameter",
        /reserved by Azure.*first usable address is 10\.10\.5\.4/,
        id,
      );
      await refused(
        await put(id, { ...vm, privateIPAddress: "10.10.6.9" }),
        400,
        "InvalidParameter",
        /outside the subnet/,
        id,
      );
    });
  });

  describe("dnsServers", () => {
    const good = () => ({
      siteId: siteId(),
      ipAddress: "192.168.1.10",
      zones: [
        {
          name: "Corp.Contoso.com.",
          records: [
            { name: "dc01", type: "A", values: ["192.168.1.10"] },
            { name: "www", type: "cname", ttl: 300, values: ["dc01.corp.contoso.com"] },
            { name: "@", type: "TXT", values: ["v=spf1 -all"] },
          ],
        },
      ],
      conditionalForwarders: [{ domain: "his.arc.azure.com", targets: ["10.10.2.4"] }],
      forwarders: ["192.168.1.11"],
    });

    it("creates a DNS server with zones, forwarders and a loopback stand-in", async () => {
      const r = await put(lab("dnsServers", "dc01"), {
        ...good(),
        external: { host: "127.0.0.1", port: 5353 },
      });
      assert.equal(r.status, 201, r.text);
      assert.deepEqual(r.json.properties, {
        siteId: siteId(),
        ipAddress: "192.168.1.10",
        zones: [
          {
            name: "corp.contoso.com",
            records: [
              { name: "dc01", type: "A", values: ["192.168.1.10"] },
              { name: "www", type: "CNAME", ttl: 300, values: ["dc01.corp.contoso.com"] },
              { name: "@", type: "TXT", values: ["v=spf1 -all"] },
            ],
          },
        ],
        conditionalForwarders: [{ domain: "his.arc.azure.com", targets: ["10.10.2.4"] }],
        forwarders: ["192.168.1.11"],
        recursion: true,
        external: { host: "127.0.0.1", port: 5353 },
        provisioningState: "Succeeded",
      });
      const p = await arm(srv.info, "PATCH", `${lab("dnsServers", "dc01")}?api-version=${LAB}`, {
        properties: { recursion: false, external: null },
      });
      assert.equal(p.status, 200, p.text);
      assert.equal(p.json.properties.recursion, false);
      assert.equal(p.json.properties.external, undefined);
      assert.equal(p.json.properties.zones[0].records.length, 3);
    });

    it("refuses a stand-in that is not on loopback: ArcLink never sends traffic off this machine", async () => {
      const id = lab("dnsServers", "dc-ext");
      await refused(
        await put(id, { ...good(), ipAddress: "192.168.1.12", external: { host: "10.0.0.53", port: 53 } }),
        400,
        "ExternalResolverNotLoopback",
        /ArcLink never sends traffic off this machine/,
        id,
      );
    });

    it("refuses bad records, domains and targets", async () => {
      const id = lab("dnsServers", "dc-bad");
      const b = { ...good(), ipAddress: "192.168.1.12" };
      const zone = (records: object[]) => [{ name: "corp.contoso.com", records }];
      await refused(
        await put(id, {
          ...b,
          zones: zone([
            { name: "www", type: "CNAME", values: ["a.example.com"] },
            { name: "www", type: "A", values: ["192.168.1.5"] },
          ]),
        }),
        400,
        "CNAMEConflict",
        /cannot coexist/,
        id,
      );
      await refused(
        await put(id, { ...b, zones: zone([{ name: "@", type: "CNAME", values: ["a.example.com"] }]) }),
        400,
        "CNAMEConflict",
        /apex/,
        id,
      );
      await refused(
        await put(id, {
          ...b,
          zones: zone([{ name: "x", type: "CNAME", values: ["a.example.com", "b.example.com"] }]),
        }),
        400,
        "InvalidParameter",
        /exactly one target/,
        id,
      );
      await refused(
        await put(id, { ...b, zones: zone([{ name: "x", type: "A", values: ["10.0.0.256"] }]) }),
        400,
        "InvalidParameter",
        /zones\[0\]\.records\[0\]\.values\[0\].*not an IPv4/,
        id,
      );
      await refused(
        await put(id, { ...b, zones: zone([{ name: "x", type: "AAAA", values: ["10.0.0.1"] }]) }),
        400,
        "InvalidParameter",
        /not an IPv6/,
        id,
      );
      await refused(
        await put(id, { ...b, zones: zone([{ name: "x", type: "MX", values: ["10 mail"] }]) }),
        400,
        "InvalidRequestContent",
        /'A', 'AAAA', 'CNAME', 'TXT'/,
        id,
      );
      await refused(
        await put(id, {
          ...b,
          zones: zone([{ name: "gbl.corp.contoso.com", type: "A", values: ["10.0.0.1"] }]),
        }),
        400,
        "InvalidParameter",
        /relative to the zone: write 'gbl'/,
        id,
      );
      await refused(
        await put(id, { ...b, zones: [{ name: "bad_zone!.com", records: [] }] }),
        400,
        "InvalidParameter",
        /not a DNS name/,
        id,
      );
      await refused(
        await put(id, {
          ...b,
          zones: zone([]),
          conditionalForwarders: [{ domain: "corp.contoso.com", targets: ["10.0.0.1"] }],
        }),
        400,
        "ZoneAlreadyExists",
        /both a zone/,
        id,
      );
      await refused(
        await put(id, { ...b, conditionalForwarders: [{ domain: "his.arc.azure.com", targets: [] }] }),
        400,
        "InvalidParameter",
        /at least 1/,
        id,
      );
      await refused(
        await put(id, { ...b, forwarders: ["8.8.8.8", "8.8.8.8"] }),
        400,
        "InvalidParameter",
        /listed twice/,
        id,
      );
      await refused(
        await put(id, { ...b, ipAddress: "192.168.1.21" }),
        409,
        "PrivateIPAddressInUse",
        /srv-win-01/,
        id,
      );
    });
  });

  describe("siteConnections", () => {
    it("connects the site to a virtual network", async () => {
      const r = await put(lab("siteConnections", "onprem-to-hub"), {
        siteId: siteId(),
        virtualNetworkId: vnetId,
        connectionType: "vpn",
      });
      assert.equal(r.status, 201, r.text);
      assert.deepEqual(r.json.properties, {
        siteId: siteId(),
        virtualNetworkId: vnetId,
        connectionType: "Vpn",
        forcedTunneling: false,
        provisioningState: "Succeeded",
      });
    });

    it("refuses a second connection of the same pair, a wrong type, a missing VNet and an overlap", async () => {
      const id = lab("siteConnections", "again");
      await refused(
        await put(id, { siteId: siteId(), virtualNetworkId: vnetId, connectionType: "ExpressRoute" }),
        409,
        "SiteConnectionAlreadyExists",
        /already connected/,
        id,
      );
      await refused(
        await put(id, { siteId: siteId(), virtualNetworkId: subnetId, connectionType: "Vpn" }),
        400,
        "InvalidRequestFormat",
        /Microsoft\.Network\/virtualNetworks/,
        id,
      );
      await refused(
        await put(id, {
          siteId: siteId(),
          virtualNetworkId: `${rg}/providers/Microsoft.Network/virtualNetworks/nope`,
          connectionType: "Vpn",
        }),
        400,
        "InvalidResourceReference",
        /was not found/,
        id,
      );
      await refused(
        await put(id, { siteId: siteId(), virtualNetworkId: vnetId }),
        400,
        "MissingRequiredProperty",
        /connectionType/,
        id,
      );
      const overlapping = lab("sites", "overlap");
      assert.equal(
        (await put(overlapping, { addressSpace: { addressPrefixes: ["10.10.128.0/24"] } })).status,
        201,
      );
      await refused(
        await put(id, { siteId: overlapping, virtualNetworkId: vnetId, connectionType: "Vpn" }),
        400,
        "AddressSpaceOverlapsConnectedVirtualNetwork",
        /overlaps virtual network vnet-hub/,
        id,
      );
      assert.equal((await del(overlapping)).status, 200);
    });
  });

  describe("firewalls and proxies", () => {
    const rules = () => [
      {
        name: "AllowAad",
        priority: 150,
        action: "Allow",
        protocol: "Tcp",
        destinationAddresses: ["AzureActiveDirectory"],
        destinationPorts: ["443"],
      },
      {
        name: "AllowArcEast",
        priority: 160,
        action: "Allow",
        protocol: "tcp",
        destinationAddresses: ["AzureArcInfrastructure.EastUS", "10.10.1.0/24", "20.1.2.3"],
        destinationPorts: ["443", "1024-65535"],
        sourceAddresses: ["192.168.1.0/24"],
      },
    ];

    it("creates one firewall per site and refuses a second", async () => {
      const r = await put(lab("firewalls", "fw"), {
        siteId: siteId(),
        defaultAction: "Deny",
        rules: rules(),
      });
      assert.equal(r.status, 201, r.text);
      assert.equal(r.json.properties.rules[1].protocol, "Tcp");
      assert.deepEqual(r.json.properties.rules[1].destinationAddresses, [
        "AzureArcInfrastructure.EastUS",
        "10.10.1.0/24",
        "20.1.2.3",
      ]);
      assert.equal(r.json.properties.rules[0].sourceAddresses, undefined);
      const id = lab("firewalls", "fw2");
      await refused(
        await put(id, { siteId: siteId(), defaultAction: "Allow", rules: [] }),
        409,
        "SiteAlreadyHasFirewall",
        /already has a firewall/,
        id,
      );
    });

    it("refuses bad rules", async () => {
      const other = lab("sites", "branch");
      assert.equal((await put(other, { addressSpace: { addressPrefixes: ["172.20.0.0/24"] } })).status, 201);
      const id = lab("firewalls", "fw-branch");
      const rule = rules()[0];
      const with1 = (r: object) => put(id, { siteId: other, defaultAction: "Deny", rules: [r] });
      await refused(
        await put(id, { siteId: other, defaultAction: "Deny", rules: [rule, { ...rule, name: "Other" }] }),
        400,
        "SecurityRuleConflict",
        /same priority 150/,
        id,
      );
      await refused(
        await with1({ ...rule, priority: 50 }),
        400,
        "InvalidParameter",
        /between 100 and 4096/,
        id,
      );
      await refused(
        await with1({ ...rule, destinationPorts: ["70000"] }),
        400,
        "InvalidParameter",
        /not a port/,
        id,
      );
      await refused(
        await with1({ ...rule, destinationPorts: ["500-400"] }),
        400,
        "InvalidParameter",
        /not a port/,
        id,
      );
      await refused(
        await with1({ ...rule, destinationAddresses: ["Azure Cloud"] }),
        400,
        "InvalidParameter",
        /service tag/,
        id,
      );
      await refused(
        await with1({ ...rule, destinationAddresses: ["10.0.0.1/8"] }),
        400,
        "InvalidParameter",
        /host bits/,
        id,
      );
      await refused(
        await with1({ ...rule, action: "Maybe" }),
        400,
        "InvalidRequestContent",
        /'Allow', 'Deny'/,
        id,
      );
      await refused(
        await put(id, { siteId: other, rules: [] }),
        400,
        "MissingRequiredProperty",
        /defaultAction/,
        id,
      );
    });

    it("creates a proxy in the site and refuses one outside it", async () => {
      // No location in the body: an on-premises thing is always in 'global'.
      const r = await put(
        lab("proxies", "squid"),
        { siteId: siteId(), ipAddress: "192.168.1.30", port: 3128 },
        { location: undefined },
      );
      assert.equal(r.status, 201, r.text);
      assert.equal(r.json.location, "global");
      assert.deepEqual(r.json.properties, {
        siteId: siteId(),
        ipAddress: "192.168.1.30",
        port: 3128,
        provisioningState: "Succeeded",
      });
      const id = lab("proxies", "bad");
      await refused(
        await put(id, { siteId: siteId(), ipAddress: "192.168.1.31" }),
        400,
        "MissingRequiredProperty",
        /port/,
        id,
      );
      await refused(
        await put(id, { siteId: siteId(), ipAddress: "192.168.1.31", port: 70000 }),
        400,
        "InvalidParameter",
        /between 1 and 65535/,
        id,
      );
      await refused(
        await put(id, { siteId: siteId(), ipAddress: "192.168.1.30", port: 8080 }),
        409,
        "PrivateIPAddressInUse",
        /squid/,
        id,
      );
    });
  });

  describe("deletes", () => {
    it("refuses to delete a site in use, and keeps the dependents' addresses inside it", async () => {
      const r = await del(siteId());
      assert.equal(r.status, 409, r.text);
      assert.equal(r.json.error.code, "InUseSiteCannotBeDeleted");
      assert.match(r.json.error.message, /hosts\/srv-win-01/);
      assert.equal((await get(siteId())).status, 200);
      const shrink = await arm(srv.info, "PATCH", `${siteId()}?api-version=${LAB}`, {
        properties: { addressSpace: { addressPrefixes: ["172.16.0.0/20"] } },
      });
      assert.equal(shrink.status, 409, shrink.text);
      assert.equal(shrink.json.error.code, "InUseAddressSpaceCannotBeRemoved");
      assert.deepEqual((await get(siteId())).json.properties.addressSpace.addressPrefixes, [
        "192.168.0.0/16",
        "172.16.0.0/20",
      ]);
    });

    it("deletes a host (200, then 204) and the resource group takes the rest", async () => {
      const id = lab("hosts", "srv-win-01");
      assert.equal((await del(id)).status, 200);
      assert.equal((await get(id)).status, 404);
      assert.equal((await del(id)).status, 204);
      const g = await arm(srv.info, "DELETE", `${rg}?api-version=2025-04-01`);
      assert.ok(g.status === 202 || g.status === 200, g.text);
      for (const x of [
        siteId(),
        lab("dnsServers", "dc01"),
        lab("firewalls", "fw"),
        lab("proxies", "squid"),
      ]) {
        const r = await arm(srv.info, "GET", `${x}?api-version=${LAB}`);
        assert.equal(r.status, 404, `${x}: ${r.text}`);
      }
    });
  });
});

describe("hosts written together (one write group)", { timeout: 120_000 }, () => {
  let srv: TestServer;
  before(async () => {
    srv = await startServer();
  });
  after(async () => {
    await srv?.stop();
  });

  it("each host's address is checked against the writes before it in the group: only the second claim of an address is refused", async () => {
    const rg = `/subscriptions/${srv.info.subscriptionId}/resourceGroups/rg-burst`;
    assert.equal(
      (await arm(srv.info, "PUT", `${rg}?api-version=2025-04-01`, { location: "eastus" })).status,
      201,
    );
    const site = `${rg}/providers/ArcLink.Lab/sites/burst`;
    const s = await arm(srv.info, "PUT", `${site}?api-version=${LAB}`, {
      location: "global",
      properties: { addressSpace: { addressPrefixes: ["10.200.0.0/16"] } },
    });
    assert.equal(s.status, 201, s.text);
    // 60 PUTs at once: the server commits those that arrive together as one group. Host 41 asks
    // for host 7's address; every other address is its own.
    const ip = (i: number) => `10.200.0.${(i === 41 ? 7 : i) + 10}`;
    const results = await Promise.all(
      Array.from({ length: 60 }, (_, i) =>
        arm(srv.info, "PUT", `${rg}/providers/ArcLink.Lab/hosts/h${i}?api-version=${LAB}`, {
          location: "global",
          properties: { siteId: site, privateIPAddress: ip(i), osType: "Linux" },
        }),
      ),
    );
    const refusedOnes = results.map((r, i) => [i, r] as const).filter(([, r]) => r.status !== 201);
    // Which of the two claims of 10.200.0.17 came first depends on arrival; exactly one is refused.
    assert.equal(refusedOnes.length, 1, refusedOnes.map(([i, r]) => `h${i}: ${r.text}`).join("\n"));
    const [i, r] = refusedOnes[0];
    assert.ok(i === 7 || i === 41, `h${i} was refused`);
    assert.equal(r.status, 409, r.text);
    assert.equal(r.json.error.code, "PrivateIPAddressInUse");
    assert.match(
      r.json.error.message,
      new RegExp(`10\\.200\\.0\\.17 .* already used by .*hosts/h${i === 7 ? 41 : 7}\\b`),
    );
    const list = await arm(srv.info, "GET", `${rg}/providers/ArcLink.Lab/hosts?api-version=${LAB}`);
    assert.equal(list.json.value.length, 59);
  });
});
