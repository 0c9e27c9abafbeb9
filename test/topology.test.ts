// Topology files: parse + plan as pure functions (order, ids, bodies, errors with paths and
// lines), and `arclink apply -f` as a real child process against a real server.
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { formatIssue, parseTopology, TopologyError } from "../src/topology/parse.js";
import { createRegistry } from "../src/providers/index.js";
import { plan, PlanStep } from "../src/topology/plan.js";
import { arm } from "./helpers/arm.js";
import { arclink, ROOT, startServer, TestServer } from "./helpers/server.js";

const SUB = "00000000-0000-0000-0000-0000000000aa";
const example = (name: string) => readFileSync(join(ROOT, "examples", name), "utf8");

const run = (args: string[], timeoutMs = 60_000) => arclink(args, { timeoutMs, cwd: ROOT });

/** Index of the step writing `suffix` (an id ending), failing the test when absent. */
function at(steps: PlanStep[], suffix: string): number {
  const i = steps.findIndex((s) => s.id.toLowerCase().endsWith(suffix.toLowerCase()));
  assert.ok(i >= 0, `no step for ${suffix}`);
  return i;
}

const MINIMAL = `
resourceGroups:
  - name: rg-a
    location: eastus
  - name: rg-b
    location: westeurope
virtualNetworks:
  - name: vnet-1
    addressPrefixes: 10.1.0.0/16
    subnets:
      - name: snet-pe
        addressPrefix: 10.1.1.0/24
        networkSecurityGroup: nsg-pe
sites:
  - name: dc
    resourceGroup: rg-b
    addressPrefixes: [192.168.0.0/24]
hosts:
  - name: h1
    site: dc
    ipAddress: 192.168.0.5
    os: linux
`;

describe("topology: parse and plan", () => {
  it("plans the reference rollout in dependency order with ARM ids in the default subscription", () => {
    const p = plan(example("reference.yaml"), { subscriptionId: SUB });
    const s = p.steps;
    const rg = `/subscriptions/${SUB}/resourceGroups/rg-arc-private-link`;
    assert.equal(s[0].id, rg);
    assert.equal(s[0].apiVersion, "2025-04-01");
    assert.ok(s.every((x) => x.method === "PUT"));
    const vnet = at(s, "/virtualNetworks/vnet-hub");
    const zone = at(s, "/privateDnsZones/privatelink.his.arc.azure.com");
    const link = at(s, "/privateDnsZones/privatelink.his.arc.azure.com/virtualNetworkLinks/vnet-hub-link");
    const scope = at(s, "/privateLinkScopes/pls-arc");
    const pe = at(s, "/privateEndpoints/pe-arc");
    const group = at(s, "/privateEndpoints/pe-arc/privateDnsZoneGroups/default");
    const resolver = at(s, "/dnsResolvers/dnspr-hub");
    const inbound = at(s, "/dnsResolvers/dnspr-hub/inboundEndpoints/inbound");
    const site = at(s, "/ArcLink.Lab/sites/onprem");
    const conn = at(s, "/ArcLink.Lab/siteConnections/onprem-to-hub");
    const dc = at(s, "/ArcLink.Lab/dnsServers/dc01");
    const host = at(s, "/ArcLink.Lab/hosts/srv-win-01");
    const machine = at(s, "/Microsoft.HybridCompute/machines/srv-win-01");
    assert.ok(vnet < link && zone < link, "zone and VNet before the link");
    assert.ok(
      scope < pe && vnet < pe && pe < group && zone < group,
      "scope, VNet, endpoint, zones before the zone group",
    );
    assert.ok(vnet < resolver && resolver < inbound, "VNet, resolver, inbound endpoint");
    assert.ok(vnet < conn && site < conn && site < dc && dc < host, "site and VNet before the lab resources");
    assert.ok(scope < machine && host < machine, "machines last");
    assert.equal(s.length, 23);

    assert.equal(s[pe].body.location, "eastus");
    assert.deepEqual(s[pe].body.properties.subnet, {
      id: `${rg}/providers/Microsoft.Network/virtualNetworks/vnet-hub/subnets/snet-private-endpoints`,
    });
    assert.deepEqual(s[pe].body.properties.privateLinkServiceConnections, [
      {
        name: "pe-arc",
        properties: {
          privateLinkServiceId: `${rg}/providers/Microsoft.HybridCompute/privateLinkScopes/pls-arc`,
          groupIds: ["hybridcompute"],
        },
      },
    ]);
    assert.deepEqual(
      s[group].body.properties.privateDnsZoneConfigs.map((c: any) => c.properties.privateDnsZoneId),
      [
        `${rg}/providers/Microsoft.Network/privateDnsZones/privatelink.his.arc.azure.com`,
        `${rg}/providers/Microsoft.Network/privateDnsZones/privatelink.guestconfiguration.azure.com`,
        `${rg}/providers/Microsoft.Network/privateDnsZones/privatelink.dp.kubernetesconfiguration.azure.com`,
      ],
    );
    assert.deepEqual(s[inbound].body.properties.ipConfigurations, [
      {
        subnet: { id: `${rg}/providers/Microsoft.Network/virtualNetworks/vnet-hub/subnets/snet-dns-inbound` },
        privateIpAllocationMethod: "Static",
        privateIpAddress: "10.10.2.4",
      },
    ]);
    assert.deepEqual(s[dc].body.location, "global");
    assert.deepEqual(s[dc].body.properties.conditionalForwarders, [
      { domain: "his.arc.azure.com", targets: ["10.10.2.4"] },
      { domain: "guestconfiguration.azure.com", targets: ["10.10.2.4"] },
      { domain: "dp.kubernetesconfiguration.azure.com", targets: ["10.10.2.4"] },
    ]);
    assert.equal(s[dc].body.properties.recursion, true);
    assert.deepEqual(s[host].body.properties, {
      siteId: `${rg}/providers/ArcLink.Lab/sites/onprem`,
      privateIPAddress: "192.168.1.21",
      osType: "Windows",
      dnsServers: ["192.168.1.10"],
    });
    assert.deepEqual(s[at(s, "/hosts/srv-lnx-02")].body.properties.dnsServers, ["8.8.8.8"]);
    assert.deepEqual(s[machine].body, {
      location: "eastus",
      properties: {
        privateLinkScopeResourceId: `${rg}/providers/Microsoft.HybridCompute/privateLinkScopes/pls-arc`,
        osType: "windows",
      },
    });
    assert.deepEqual(
      p.listeners.map((l) => [l.kind, l.id]),
      [
        ["dnsServer", `${rg}/providers/ArcLink.Lab/dnsServers/dc01`],
        [
          "inboundEndpoint",
          `${rg}/providers/Microsoft.Network/dnsResolvers/dnspr-hub/inboundEndpoints/inbound`,
        ],
        ["public", undefined],
      ],
    );
  });

  it("fills defaults: resource groups per item, locations, NSG references, names", () => {
    const text =
      MINIMAL +
      `
networkSecurityGroups:
  - name: nsg-pe
    resourceGroup: rg-b
    rules:
      - { name: AllowAad, priority: 150, direction: Outbound, access: Allow, protocol: Tcp, source: VirtualNetwork, destination: AzureActiveDirectory, destinationPorts: 443 }
      - { name: AllowTwo, priority: 151, direction: Outbound, access: Allow, destination: [AzureResourceManager, AzureActiveDirectory], destinationPorts: [443, "8443-8444"] }
siteConnections:
  - { site: DC, virtualNetwork: VNET-1 }
`;
    const p = plan(text, { subscriptionId: SUB });
    const nsg = p.steps[at(p.steps, "/networkSecurityGroups/nsg-pe")];
    assert.equal(
      nsg.id,
      `/subscriptions/${SUB}/resourceGroups/rg-b/providers/Microsoft.Network/networkSecurityGroups/nsg-pe`,
    );
    assert.equal(nsg.body.location, "westeurope");
    assert.deepEqual(nsg.body.properties.securityRules[0].properties, {
      priority: 150,
      direction: "Outbound",
      access: "Allow",
      protocol: "Tcp",
      sourceAddressPrefix: "VirtualNetwork",
      sourcePortRange: "*",
      destinationAddressPrefix: "AzureActiveDirectory",
      destinationPortRange: "443",
    });
    assert.deepEqual(nsg.body.properties.securityRules[1].properties.destinationAddressPrefixes, [
      "AzureResourceManager",
      "AzureActiveDirectory",
    ]);
    assert.deepEqual(nsg.body.properties.securityRules[1].properties.destinationPortRanges, [
      "443",
      "8443-8444",
    ]);
    assert.equal(nsg.body.properties.securityRules[1].properties.protocol, "*");
    const vnet = p.steps[at(p.steps, "/virtualNetworks/vnet-1")];
    assert.equal(vnet.body.location, "eastus");
    assert.deepEqual(vnet.body.properties.subnets[0].properties.networkSecurityGroup, { id: nsg.id });
    assert.ok(at(p.steps, "/networkSecurityGroups/nsg-pe") < at(p.steps, "/virtualNetworks/vnet-1"));
    const conn = p.steps[at(p.steps, "/siteConnections/dc-to-vnet-1")];
    assert.equal(
      conn.id,
      `/subscriptions/${SUB}/resourceGroups/rg-a/providers/ArcLink.Lab/siteConnections/dc-to-vnet-1`,
    );
    assert.deepEqual(conn.body.properties, {
      siteId: `/subscriptions/${SUB}/resourceGroups/rg-b/providers/ArcLink.Lab/sites/dc`,
      virtualNetworkId: `/subscriptions/${SUB}/resourceGroups/rg-a/providers/Microsoft.Network/virtualNetworks/vnet-1`,
      connectionType: "Vpn",
      forcedTunneling: false,
    });
    const host = p.steps[at(p.steps, "/hosts/h1")];
    assert.equal(host.id, `/subscriptions/${SUB}/resourceGroups/rg-a/providers/ArcLink.Lab/hosts/h1`);
    assert.equal(host.body.properties.osType, "Linux");
    assert.deepEqual(host.body.properties.dnsServers, []);
  });

  it("writes every step with an api-version its registered type accepts", () => {
    const registry = createRegistry();
    const records = `resourceGroups: [{ name: rg, location: eastus }]
privateDnsZones:
  - name: privatelink.his.arc.azure.com
    records:
      - { name: gbl, type: A, values: [10.0.0.4] }
      - { name: x, type: TXT, values: [hello] }
`;
    const text = [example("reference.yaml"), example("two-scopes-one-vnet.yaml"), records];
    for (const t of text) {
      for (const s of plan(t, { subscriptionId: SUB }).steps) {
        const def = registry.type(s.type);
        assert.ok(def, `${s.type} is not registered`);
        assert.ok(def.apiVersions.includes(s.apiVersion), `${s.type} does not accept ${s.apiVersion}`);
      }
    }
  });

  it("plans every example without errors", () => {
    for (const f of ["reference.yaml", "manual-dns.yaml", "hosts-file.yaml", "two-scopes-one-vnet.yaml"]) {
      const r = parseTopology(example(f));
      assert.deepEqual(
        r.issues.map((i) => formatIssue(i, f)),
        [],
        f,
      );
      assert.ok(plan(r.topology!, { subscriptionId: SUB }).steps.length > 10, f);
    }
  });

  it("reports every schema problem with its path and line", () => {
    const text = `resourceGroups:
  - name: rg-a
    location: eastus
virtualNetworks:
  - name: vnet-1
    adressPrefixes: [10.1.0.0/16]
sites:
  - name: dc
    addressPrefixes: [192.168.0.1/24]
hosts:
  - name: h1
    site: dc
    ipAddress: 192.168.0.500
    os: BeOS
`;
    const r = parseTopology(text);
    assert.equal(r.topology, undefined);
    const got = r.issues.map((i) => formatIssue(i));
    assert.ok(
      got.some((g) =>
        /^line 6: virtualNetworks\[0\]\.adressPrefixes: unknown field 'adressPrefixes'\. Did you mean 'addressPrefixes'\?/.test(
          g,
        ),
      ),
      got.join("\n"),
    );
    assert.ok(
      got.some((g) => /^line 5: virtualNetworks\[0\]\.addressPrefixes: is required/.test(g)),
      got.join("\n"),
    );
    assert.ok(
      got.some((g) =>
        /^line 9: sites\[0\]\.addressPrefixes\[0\]: 192\.168\.0\.1\/24 has host bits set/.test(g),
      ),
      got.join("\n"),
    );
    assert.ok(
      got.some((g) => /^line 13: hosts\[0\]\.ipAddress: '192\.168\.0\.500' is not an IPv4 address/.test(g)),
      got.join("\n"),
    );
    assert.ok(
      got.some((g) => /^line 14: hosts\[0\]\.os: 'BeOS' is not one of 'Windows', 'Linux'/.test(g)),
      got.join("\n"),
    );
    assert.equal(r.issues.length, 5, got.join("\n"));
  });

  it("reports reference and address problems across sections", () => {
    const text = `resourceGroups: [{ name: rg-a, location: eastus }]
virtualNetworks:
  - name: vnet-1
    addressPrefixes: [10.1.0.0/16]
    subnets:
      - { name: snet-a, addressPrefix: 10.2.0.0/24 }
      - { name: snet-in, addressPrefix: 10.1.9.0/28 }
dnsResolvers:
  - name: res
    virtualNetwork: vnet-1
    inboundEndpoints: [{ name: in1, subnet: snet-in }]
sites:
  - { name: dc, addressPrefixes: [192.168.0.0/24] }
dnsServers:
  - name: dns1
    site: dc
    ipAddress: 192.168.0.10
    conditionalForwarders: [{ domain: his.arc.azure.com, targets: [res/in1] }]
hosts:
  - { name: h1, site: nowhere, ipAddress: 192.168.0.5, os: Linux }
  - { name: h2, site: dc, ipAddress: 192.168.0.10, os: Linux, dnsServers: [dns9] }
  - { name: h3, subnet: vnet-1/snet-in, ipAddress: 10.1.9.2, os: Linux }
machines:
  - { name: h2, privateLinkScope: pls-missing }
`;
    const r = parseTopology(text);
    const got = r.issues.map((i) => formatIssue(i));
    const expect = [
      /^line 6: virtualNetworks\[0\]\.subnets\[0\]\.addressPrefix: 10\.2\.0\.0\/24 is not inside the virtual network's address space/,
      /^line 18: dnsServers\[0\]\.conditionalForwarders\[0\]\.targets\[0\]: inbound endpoint 'res\/in1' has a dynamic address/,
      /^line 20: hosts\[0\]\.site: no sites entry is named 'nowhere'/,
      /^line 21: hosts\[1\]\.ipAddress: 192\.168\.0\.10 is already used by DNS server dns1 \(dnsServers\[0\]\.ipAddress\)/,
      /^line 21: hosts\[1\]\.dnsServers\[0\]: 'dns9' is not an IP address, a dnsServers name or an inbound endpoint/,
      /^line 22: hosts\[2\]\.ipAddress: 10\.1\.9\.2 is reserved by Azure in 10\.1\.9\.0\/28; the first usable address is 10\.1\.9\.4/,
      /^line 24: machines\[0\]\.privateLinkScope: no privateLinkScopes entry is named 'pls-missing'/,
    ];
    for (const re of expect)
      assert.ok(
        got.some((g) => re.test(g)),
        `${re}\nin:\n${got.join("\n")}`,
      );
    assert.equal(r.issues.length, expect.length, got.join("\n"));
    assert.throws(
      () => plan(text, { subscriptionId: SUB }),
      (e: unknown) => e instanceof TopologyError && e.issues.length === expect.length,
    );
  });

  it("reports YAML syntax errors with their line", () => {
    const r = parseTopology("resourceGroups:\n  - name: rg\n    location: eastus\nsites: [\n  {name: a\n");
    assert.equal(r.topology, undefined);
    assert.ok(r.issues.length >= 1);
    assert.match(r.issues[0].message, /^YAML: /);
    assert.ok((r.issues[0].line ?? 0) >= 4, JSON.stringify(r.issues));
    // A file without resource groups: the schema says so (it is not a TypeError in the reader).
    assert.deepEqual(
      parseTopology("sites: []\n").issues.map((i) => formatIssue(i)),
      [
        "line 1: resourceGroups: is required: at least one resource group (the first is where everything goes by default)",
      ],
    );
    const dup = parseTopology("resourceGroups: []\nresourceGroups: []\n");
    assert.match(dup.issues[0].message, /unique/);
    assert.equal(dup.issues[0].line, 2);
  });

  it("carries DNS listeners through with their resolvers", () => {
    const text = `resourceGroups: [{ name: rg-a, location: eastus }]
virtualNetworks:
  - { name: hub, addressPrefixes: [10.1.0.0/16], subnets: [{ name: in, addressPrefix: 10.1.2.0/28 }] }
dnsResolvers:
  - { name: res, virtualNetwork: hub, inboundEndpoints: [{ name: ep, subnet: in, privateIPAddress: 10.1.2.4 }] }
dns:
  listeners:
    - { resolver: ep, port: 5301 }
    - { resolver: "azure:hub" }
    - { resolver: public, port: 5301 }
    - { resolver: ghost }
`;
    const r = parseTopology(text);
    const got = r.issues.map((i) => formatIssue(i));
    assert.deepEqual(got.length, 2, got.join("\n"));
    assert.match(got[0], /dns\.listeners\[3\]\.resolver: 'ghost' is not/);
    assert.match(got[1], /dns\.listeners\[2\]\.port: port 5301 is used by two listeners/);
    const ok = plan(
      text.replace(/\n {4}- \{ resolver: ghost \}/, "").replace("public, port: 5301", "public, port: 0"),
      { subscriptionId: SUB },
    );
    assert.deepEqual(
      ok.listeners.map((l) => [l.kind, l.name, l.port, l.id?.split("/providers/")[1]]),
      [
        ["inboundEndpoint", "res/ep", 5301, "Microsoft.Network/dnsResolvers/res/inboundEndpoints/ep"],
        ["azure", "hub", 0, "Microsoft.Network/virtualNetworks/hub"],
        ["public", undefined, 0, undefined],
      ],
    );
  });
});

describe("arclink apply -f", { timeout: 240_000 }, () => {
  let srv: TestServer;
  let dir: string;
  const rg = () => `/subscriptions/${srv.info.subscriptionId}/resourceGroups/rg-arc-private-link`;
  const getJson = async (path: string, apiVersion: string) => {
    const r = await arm(srv.info, "GET", `${path}?api-version=${apiVersion}`);
    assert.equal(r.status, 200, `${path}: ${r.text}`);
    return r.json;
  };

  before(async () => {
    srv = await startServer();
    dir = mkdtempSync(join(tmpdir(), "arclink-topology-"));
  });
  after(async () => {
    await srv?.stop();
  });

  it("refuses an invalid file with exit 3, the path of the bad field, and creates nothing", async () => {
    const bad = join(dir, "bad.yaml");
    writeFileSync(
      bad,
      example("reference.yaml").replace("addressPrefix: 10.10.1.0/24", "addressPrefix: 10.99.1.0/24"),
    );
    const r = await run(["apply", "-f", bad, "--ready-file", srv.readyFile]);
    assert.equal(r.code, 3, r.stderr + r.stdout);
    assert.match(
      r.stderr,
      /bad\.yaml:\d+: virtualNetworks\[0\]\.subnets\[0\]\.addressPrefix: 10\.99\.1\.0\/24 is not inside/,
    );
    assert.match(r.stderr, /nothing was sent/);
    assert.equal(r.stdout, "");
    const g = await arm(srv.info, "GET", `${rg()}?api-version=2025-04-01`);
    assert.equal(g.status, 404, g.text);
  });

  it("exits 2 when no ArcLink is named", async () => {
    const r = await run(["apply", "-f", join(ROOT, "examples/reference.yaml")]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--ready-file/);
  });

  it("applies the reference rollout, one line per resource", async () => {
    const r = await run(["apply", "-f", "examples/reference.yaml", "--ready-file", srv.readyFile]);
    assert.equal(r.code, 0, r.stderr + r.stdout);
    const lines = r.stdout.trim().split("\n");
    assert.equal(lines.length, 24, r.stdout);
    assert.match(lines[0], /^created +Microsoft\.Resources\/resourceGroups +rg-arc-private-link$/);
    assert.ok(
      lines.some((l) => /^created +ArcLink\.Lab\/hosts +srv-lnx-02$/.test(l)),
      r.stdout,
    );
    assert.match(lines[23], /^Applied 23 resources .* \(23 created, 0 updated\)/);
  });

  it("leaves the endpoint's A records in the zones and the lab resources in place", async () => {
    const zones = `${rg()}/providers/Microsoft.Network/privateDnsZones`;
    const a = async (zone: string, name: string) =>
      (await getJson(`${zones}/${zone}/A/${name}`, "2024-06-01")).properties.aRecords.map(
        (x: any) => x.ipv4Address,
      );
    assert.deepEqual(await a("privatelink.his.arc.azure.com", "gbl"), ["10.10.1.4"]);
    assert.deepEqual(await a("privatelink.his.arc.azure.com", "eus"), ["10.10.1.5"]);
    assert.deepEqual(await a("privatelink.guestconfiguration.azure.com", "agentserviceapi"), ["10.10.1.6"]);
    assert.deepEqual(await a("privatelink.guestconfiguration.azure.com", "eastus-gas"), ["10.10.1.7"]);
    assert.deepEqual(await a("privatelink.dp.kubernetesconfiguration.azure.com", "eastus"), ["10.10.1.8"]);
    const pe = await getJson(`${rg()}/providers/Microsoft.Network/privateEndpoints/pe-arc`, "2025-05-01");
    assert.deepEqual(
      pe.properties.customDnsConfigs.map((c: any) => `${c.fqdn}=${c.ipAddresses[0]}`),
      [
        "gbl.his.arc.azure.com=10.10.1.4",
        "eus.his.arc.azure.com=10.10.1.5",
        "agentserviceapi.guestconfiguration.azure.com=10.10.1.6",
        "eastus-gas.guestconfiguration.azure.com=10.10.1.7",
        "eastus.dp.kubernetesconfiguration.azure.com=10.10.1.8",
      ],
    );
    const hosts = await getJson(`${rg()}/providers/ArcLink.Lab/hosts`, "2025-01-01");
    assert.deepEqual(
      hosts.value
        .map(
          (h: any) =>
            `${h.name} ${h.properties.osType} ${h.properties.privateIPAddress} ${h.properties.dnsServers.join(",")}`,
        )
        .sort(),
      [
        "srv-lnx-01 Linux 192.168.1.22 192.168.1.10",
        "srv-lnx-02 Linux 192.168.1.23 8.8.8.8",
        "srv-win-01 Windows 192.168.1.21 192.168.1.10",
      ],
    );
    const dc = await getJson(`${rg()}/providers/ArcLink.Lab/dnsServers/dc01`, "2025-01-01");
    assert.deepEqual(dc.properties.conditionalForwarders[0], {
      domain: "his.arc.azure.com",
      targets: ["10.10.2.4"],
    });
    const m = await getJson(`${rg()}/providers/Microsoft.HybridCompute/machines/srv-win-01`, "2021-05-20");
    assert.equal(
      m.properties.privateLinkScopeResourceId.toLowerCase(),
      `${rg()}/providers/Microsoft.HybridCompute/privateLinkScopes/pls-arc`.toLowerCase(),
    );
  });

  it("is idempotent: applying again updates everything and changes no address", async () => {
    const r = await run(["apply", "-f", "examples/reference.yaml", "--ready-file", srv.readyFile]);
    assert.equal(r.code, 0, r.stderr + r.stdout);
    assert.match(r.stdout, /Applied 23 resources .* \(0 created, 23 updated\)/);
    const rec = await getJson(
      `${rg()}/providers/Microsoft.Network/privateDnsZones/privatelink.his.arc.azure.com/A/gbl`,
      "2024-06-01",
    );
    assert.deepEqual(rec.properties.aRecords, [{ ipv4Address: "10.10.1.4" }]);
  });

  it("exits 1 with the ARM error's code and message when the API refuses a resource", async () => {
    const file = join(dir, "mismatch.yaml");
    writeFileSync(
      file,
      `resourceGroups: [{ name: rg-mismatch, location: eastus }]
privateLinkScopes: [{ name: pls-east, location: eastus }]
machines: [{ name: srv-west, location: westeurope, privateLinkScope: pls-east }]
`,
    );
    const r = await run(["apply", "-f", file, "--ready-file", srv.readyFile]);
    assert.equal(r.code, 1, r.stderr + r.stdout);
    assert.match(r.stdout, /created +Microsoft\.HybridCompute\/privateLinkScopes +pls-east/);
    assert.match(
      r.stderr,
      /Microsoft\.HybridCompute\/machines 'srv-west' .* was refused: PrivateLinkScopeLocationMismatch: .*same region/,
    );
    const m = await arm(
      srv.info,
      "GET",
      `/subscriptions/${srv.info.subscriptionId}/resourceGroups/rg-mismatch/providers/Microsoft.HybridCompute/machines/srv-west?api-version=2021-05-20`,
    );
    assert.equal(m.status, 404, m.text);
  });

  it("applies the failure-mode examples too (explicit --arm flags)", async () => {
    for (const f of ["manual-dns.yaml", "hosts-file.yaml", "two-scopes-one-vnet.yaml"]) {
      const r = await run([
        "apply",
        "-f",
        join("examples", f),
        "--arm",
        srv.info.arm,
        "--tenant",
        srv.info.tenantId,
        "--client-id",
        srv.info.clientId,
        "--client-secret",
        srv.info.clientSecret,
        "--ca",
        srv.info.caCert,
      ]);
      assert.equal(r.code, 0, `${f}: ${r.stderr}${r.stdout}`);
      assert.match(r.stdout, /Applied \d+ resources/);
    }
    const manual = await getJson(
      `/subscriptions/${srv.info.subscriptionId}/resourceGroups/rg-arc-manual-dns/providers/Microsoft.Network/privateEndpoints/pe-arc`,
      "2025-05-01",
    );
    const dc01 = await getJson(
      `/subscriptions/${srv.info.subscriptionId}/resourceGroups/rg-arc-manual-dns/providers/ArcLink.Lab/dnsServers/dc01`,
      "2025-01-01",
    );
    // The hand-copied records in manual-dns.yaml match what the endpoint was really given.
    const copied = new Map<string, string>();
    for (const z of dc01.properties.zones) {
      for (const rec of z.records)
        copied.set(`${rec.name}.${z.name.replace(/^privatelink\./, "")}`, rec.values[0]);
    }
    for (const c of manual.properties.customDnsConfigs)
      assert.equal(copied.get(c.fqdn), c.ipAddresses[0], c.fqdn);
  });
});
