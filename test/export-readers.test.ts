// The readers of real-world inputs, one format at a time, on fixtures written from each tool's
// published output (test/fixtures/native/): what each reads, and an error naming the file and
// line for what it does not recognise.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { importExports, ExportError } from "../src/analysis/export/azure.js";
import { readAgentCheck, readAgentShow } from "../src/analysis/export/azcmagent.js";
import { readNamedConf } from "../src/analysis/export/bind.js";
import { decodeText, fileReader } from "../src/analysis/export/files.js";
import { parseJsonWithLines } from "../src/analysis/export/jsonLines.js";
import { readUnboundConf } from "../src/analysis/export/unbound.js";
import { readWindowsDns, readWindowsRecords } from "../src/analysis/export/windowsDns.js";
import { ROOT } from "./helpers/server.js";

const N = join(ROOT, "test/fixtures/native");
const read = fileReader();
const text = (f: string) => readFileSync(join(N, f), "utf8");
/** A reader over files given inline (for the error cases). */
const inline =
  (files: Record<string, string>) =>
  (p: string): string | undefined =>
    files[p];

function lineOf(file: string, needle: string): number {
  return (
    text(file)
      .split("\n")
      .findIndex((l) => l.includes(needle)) + 1
  );
}

describe("JSON with lines", () => {
  it("gives JSON.parse's value and the line each object starts on", () => {
    const t = text("graph.json");
    const p = parseJsonWithLines(t);
    assert.deepEqual(p.value, JSON.parse(t));
    const rows = (p.value as any).data as any[];
    const scope = rows.find((r) => r.name === "pls-arc-prod");
    assert.equal(
      p.lineOf(scope),
      lineOf(
        "graph.json",
        '"id": "/subscriptions/5f3c2a10-7b1e-4c1a-9d8e-2b6f0c4e9a71/resourceGroups/rg-arc-prod/providers/Microsoft.HybridCompute/privateLinkScopes/pls-arc-prod"',
      ) - 1,
    );
    assert.throws(() => parseJsonWithLines('{\n  "a": 1,\n  "b": tru\n}'), /line 3: unexpected text/);
    assert.deepEqual(parseJsonWithLines('{"a":"\\u00e9\\n","b":[1,-2.5e3,null,false]}').value, {
      a: "é\n",
      b: [1, -2500, null, false],
    });
  });
});

describe("Azure exports", () => {
  it("Resource Graph (az graph query -o json): the data wrapper, types back in Azure's casing, lines kept", () => {
    const f = join(N, "graph.json");
    const r = importExports([{ text: text("graph.json"), file: f }]);
    const scope = r.resources.find((x) => x.body.name === "pls-arc-prod")!;
    assert.equal(scope.type, "Microsoft.HybridCompute/privateLinkScopes");
    assert.equal(scope.body.resourceGroup, undefined, "listing-only keys are not part of the resource");
    assert.equal(scope.body.subscriptionId, undefined);
    const loc = r.locations.get(scope.id.toLowerCase())!;
    assert.equal(loc.file, f);
    assert.match(text("graph.json").split("\n")[loc.line - 1], /^\s*\{\s*$/);
    assert.match(text("graph.json").split("\n")[loc.line], /privateLinkScopes\/pls-arc-prod"/);
    assert.deepEqual(r.notes, []);
    // The same rows without the wrapper (az graph query --query data).
    const rows = JSON.stringify(JSON.parse(text("graph.json")).data);
    assert.equal(importExports([{ text: rows, file: "rows.json" }]).resources.length, r.resources.length);
  });

  it("Resource Graph REST table shape; a partial page is noted, not guessed", () => {
    const r = importExports([{ text: text("az/graph-rest-table.json"), file: "page1.json" }]);
    const m = r.resources.find((x) => x.body.name === "srv-weu-01")!;
    assert.equal(m.type, "Microsoft.HybridCompute/machines");
    assert.equal(m.body.properties.agentVersion, "1.47.02904.1650");
    assert.equal(r.notes.length, 1);
    assert.match(r.notes[0].message, /partial \(2 of 3 rows\).*--skip-token/);
    assert.equal(r.notes[0].file, "page1.json");
  });

  it("per-type lists print resources flattened: properties (and sub-resources') put back", () => {
    const r = importExports([
      { text: text("az/private-endpoint-list.json"), file: "pe.json" },
      { text: text("az/private-dns-zone-list.json"), file: "zones.json" },
      { text: text("az/private-dns-link-vnet-list.json"), file: "links.json" },
      { text: text("records-his.json"), file: "records.json" },
    ]);
    const pe = r.resources.find((x) => x.type === "Microsoft.Network/privateEndpoints")!;
    const c = pe.body.properties.privateLinkServiceConnections[0];
    assert.equal(c.properties.privateLinkServiceConnectionState.status, "Approved");
    assert.deepEqual(c.properties.groupIds, ["hybridcompute"]);
    assert.match(c.properties.privateLinkServiceId, /privateLinkScopes\/pls-arc-weu$/);
    assert.equal(pe.body.properties.subnet.id.endsWith("/subnets/snet-pe"), true);
    assert.equal(pe.body.resourceGroup, undefined);
    const link = r.resources.find((x) => x.type === "Microsoft.Network/privateDnsZones/virtualNetworkLinks")!;
    assert.match(link.body.properties.virtualNetwork.id, /virtualNetworks\/vnet-weu$/);
    assert.equal(link.body.properties.registrationEnabled, false);
    const zone = r.resources.find((x) => x.type === "Microsoft.Network/privateDnsZones")!;
    assert.equal(zone.body.location, "global");
    assert.equal(zone.body.properties.numberOfRecordSets, 3);
    const gbl = r.resources.find((x) => x.id.endsWith("/A/gbl"))!;
    assert.deepEqual(gbl.body.properties.aRecords, [{ ipv4Address: "10.20.1.4" }]);
    assert.equal(r.locations.get(gbl.id.toLowerCase())!.file, "records.json");
  });

  it("ARM template export: names from parameters' defaults, ids from resourceId(); unknowns reported", () => {
    const f = "group-export.json";
    const r = importExports([{ text: text("az/group-export.json"), file: f }], {
      subscriptionId: "5f3c2a10-7b1e-4c1a-9d8e-2b6f0c4e9a71",
      resourceGroup: "rg-arc-weu",
    });
    const ids = r.resources.map((x) => x.id);
    assert.ok(
      ids.includes(
        "/subscriptions/5f3c2a10-7b1e-4c1a-9d8e-2b6f0c4e9a71/resourceGroups/rg-arc-weu/providers/Microsoft.Network/privateDnsZones/privatelink.his.arc.azure.com/A/gbl",
      ),
    );
    const link = r.resources.find((x) => x.type === "Microsoft.Network/privateDnsZones/virtualNetworkLinks")!;
    assert.match(link.body.properties.virtualNetwork.id, /virtualNetworks\/vnet-weu$/);
    const gbl = r.resources.find((x) => x.id.endsWith("/A/gbl"))!;
    assert.equal(
      gbl.body.properties.metadata.workspace,
      undefined,
      "an unknown value is left out, not guessed",
    );
    assert.equal(r.notes.length, 1);
    assert.match(r.notes[0].message, /workspace_id' has no defaultValue.*--include-parameter-default-value/);
    assert.equal(
      r.notes[0].line,
      lineOf("az/group-export.json", '"type": "Microsoft.Network/privateDnsZones/A"') - 1,
    );
    // A name that cannot be resolved is an error with the line and the fix.
    const t = JSON.parse(text("az/group-export.json"));
    t.resources[0].name = "[parameters('workspace_id')]";
    assert.throws(
      () => importExports([{ text: JSON.stringify(t, null, 2), file: f }]),
      (e: Error) =>
        e instanceof ExportError &&
        /^group-export\.json:\d+: the name of item 0 .*unknown: parameter 'workspace_id'/.test(e.message),
    );
  });

  it("errors name the file and line", () => {
    assert.throws(
      () =>
        importExports([
          {
            text: '[\n  {"id": "/subscriptions/x/resourceGroups/g/providers/A.B/c/d"},\n  3\n]',
            file: "e.json",
          },
        ]),
      /^ExportError: e\.json:2: item 0 has no 'type'/,
    );
    assert.throws(
      () => importExports([{ text: '{\n "name": "x"\n}', file: "o.json" }]),
      /o\.json:1: not a list of resources/,
    );
    assert.throws(() => importExports([{ text: "[\n{,\n]", file: "bad.json" }]), /bad\.json:2: not JSON/);
  });
});

describe("BIND", () => {
  it("named.conf with includes: global forwarders, forward zones, a primary zone's records", () => {
    const f = join(N, "bind/named.conf");
    const { facts, notes } = readNamedConf(f, read);
    assert.deepEqual(facts.forwarders, ["8.8.8.8", "8.8.4.4"]);
    assert.deepEqual(facts.conditionalForwarders, [
      { domain: "his.arc.azure.com", targets: ["10.20.2.4"] },
      { domain: "guestconfiguration.azure.com", targets: ["10.20.2.4"] },
    ]);
    assert.equal(facts.recursion, true);
    const corp = facts.zones.find((z) => z.name === "corp.contoso.com")!;
    const rec = (n: string, t: string) => corp.records.find((r) => r.name === n && r.type === t);
    assert.deepEqual(rec("srv-app-01", "A"), {
      name: "srv-app-01",
      type: "A",
      values: ["10.50.1.11"],
      ttl: 300,
    });
    assert.deepEqual(rec("srv-app-02", "A")?.ttl, 3600, "$TTL 1h");
    assert.deepEqual(
      rec("srv-app-02", "TXT")?.values,
      ["owner=platform-team"],
      "a blank owner is the previous one",
    );
    assert.deepEqual(rec("app", "CNAME")?.values, ["srv-app-01.corp.contoso.com"]);
    assert.equal(
      corp.records.some((r) => r.name === "mail"),
      false,
      "MX set aside",
    );
    assert.equal(facts.line, lineOf("bind/named.conf", "forwarders {"));
    assert.equal(notes.length, 1);
    assert.match(notes[0].message, /secondary zone .* records are unknown/);
  });

  it("what it does not know is an error with the file and line", () => {
    const files = (conf: string) =>
      inline({ "/etc/named.conf": conf, "/etc/db.x": "@ IN SOA a. b. 1 2 3 4 5\nwww IN WKS 1.2.3.4 TCP\n" });
    assert.throws(
      () => readNamedConf("/etc/named.conf", files("options { };\n\nfrobnicate yes;\n")),
      /^ExportError: \/etc\/named\.conf:3: 'frobnicate' is not a named\.conf statement/,
    );
    assert.throws(
      () => readNamedConf("/etc/named.conf", files('view "inside" {\n  match-clients { 10/8; };\n};\n')),
      /named\.conf:1: views .* are not read/,
    );
    assert.throws(
      () => readNamedConf("/etc/named.conf", files('zone "x" { type primary; file "db.x"; };\n')),
      /\/etc\/db\.x:2: 'WKS' is not a record type/,
    );
    assert.throws(
      () => readNamedConf("/etc/named.conf", files('zone "y" { type primary; file "db.y"; };\n')),
      /named\.conf:1: zone "y": its file 'db\.y' was not found/,
    );
    assert.throws(
      () =>
        readNamedConf(
          "/etc/named.conf",
          files('zone "z" { type forward; forwarders { dns1.contoso.com; }; };\n'),
        ),
      /named\.conf:1: 'dns1\.contoso\.com' in zone "z" forwarders is not an IPv4 address/,
    );
  });
});

describe("Unbound", () => {
  it("forward-zone, stub-zone, local-zone and local-data, include", () => {
    const { facts, notes } = readUnboundConf(join(N, "unbound/unbound.conf"), read);
    assert.deepEqual(facts.forwarders, ["1.1.1.1", "9.9.9.9"]);
    assert.deepEqual(facts.conditionalForwarders, [
      { domain: "guestconfiguration.azure.com", targets: ["10.30.2.4"] },
      { domain: "his.arc.azure.com", targets: ["10.30.2.4"] },
    ]);
    assert.match(notes[0].message, /stub-zone his\.arc\.azure\.com is read as forwarding/);
    const his = facts.zones.find((z) => z.name === "privatelink.his.arc.azure.com")!;
    assert.deepEqual(his.records, [
      { name: "gbl", type: "A", values: ["10.30.1.4"], ttl: 300 },
      { name: "weu", type: "A", values: ["10.30.1.5"] },
    ]);
    // local-data outside a local-zone answers only that name.
    assert.deepEqual(
      facts.zones.find((z) => z.name === "agentserviceapi.guestconfiguration.azure.com")?.records,
      [{ name: "@", type: "A", values: ["10.30.1.6"] }],
    );
  });

  it("unknown keys and sections are errors with the line", () => {
    const r = (t: string) => () => readUnboundConf("u.conf", inline({ "u.conf": t }));
    assert.throws(
      r("server:\n  verbosity: 1\nforward-zone:\n  name: x\n  forward-adr: 1.2.3.4\n"),
      /^ExportError: u\.conf:5: 'forward-adr:' is not a forward-zone option/,
    );
    assert.throws(r("verbosity: 1\n"), /u\.conf:1: 'verbosity:' comes before any section/);
    assert.throws(r("server:\n  local-zone: example.com. sorta\n"), /u\.conf:2: local-zone type 'sorta'/);
    assert.throws(r("server:\n  this is not a key\n"), /u\.conf:2: 'this is not a key' is not 'key: value'/);
  });
});

describe("Windows DNS Server", () => {
  it("zones, forwarders and records as ConvertTo-Json prints them", () => {
    const { facts, notes } = readWindowsDns(
      {
        zones: join(N, "windows-dns/zones.json"),
        forwarders: join(N, "windows-dns/forwarders.json"),
        records: {
          "privatelink.guestconfiguration.azure.com": join(N, "windows-dns/records-guestconfig.json"),
        },
      },
      read,
      "onprem.yaml",
    );
    assert.deepEqual(facts.forwarders, ["8.8.8.8"]);
    assert.deepEqual(facts.conditionalForwarders, [
      { domain: "his.arc.azure.com", targets: ["10.20.2.4"] },
      { domain: "guestconfiguration.azure.com", targets: ["10.20.2.4"] },
    ]);
    assert.deepEqual(facts.zones, [
      {
        name: "privatelink.guestconfiguration.azure.com",
        records: [{ name: "agentserviceapi", type: "A", values: ["10.20.1.6"], ttl: 3600 }],
      },
    ]);
    assert.deepEqual(
      notes.map((n) => n.message),
      [
        "UseRootHint: when the forwarders fail, the server resolves from the root hints itself; ArcLink models forwarding only.",
        "zone _msdcs.contoso.com (Primary) holds no Azure names: set aside.",
        "zone contoso.com (Primary) holds no Azure names: set aside.",
      ],
    );
  });

  it("records at -Depth 4 (IPAddress objects), a single record as one object, CNAMEs", () => {
    const recs = JSON.stringify({
      HostName: "gbl",
      RecordType: "A",
      RecordData: { IPv4Address: { Address: 67245066, AddressFamily: 2, IPAddressToString: "10.20.2.4" } },
      TimeToLive: { TotalSeconds: 10 },
    });
    assert.deepEqual(
      readWindowsRecords("r.json", "privatelink.his.arc.azure.com", inline({ "r.json": recs })),
      [{ name: "gbl", type: "A", values: ["10.20.2.4"], ttl: 10 }],
    );
    const cname =
      '[\n {"HostName": "eus", "RecordType": "CNAME", "RecordData": {"HostNameAlias": "eus.privatelink.his.arc.azure.com."}, "TimeToLive": "01:00:00"}\n]';
    assert.deepEqual(readWindowsRecords("c.json", "his.arc.azure.com", inline({ "c.json": cname })), [
      { name: "eus", type: "CNAME", values: ["eus.privatelink.his.arc.azure.com"], ttl: 3600 },
    ]);
  });

  it("errors name the file and line; a zone of Azure names without its records is not guessed", () => {
    const bad = '[\n  {"HostName": "gbl", "RecordType": "A", "RecordData": {}}\n]';
    assert.throws(
      () => readWindowsRecords("b.json", "z.com", inline({ "b.json": bad })),
      /^ExportError: b\.json:2: the A record 'gbl' has no readable RecordData/,
    );
    const zones =
      '[\n {"ZoneName": "contoso.com", "ZoneType": "Primary"},\n {"ZoneName": "privatelink.his.arc.azure.com", "ZoneType": "Primary"}\n]';
    assert.throws(
      () => readWindowsDns({ zones: "z.json" }, inline({ "z.json": zones }), "y"),
      /z\.json:3: zone privatelink\.his\.arc\.azure\.com answers Azure names but its records were not given: run Get-DnsServerResourceRecord/,
    );
    assert.throws(
      () => readWindowsDns({ zones: "z.json" }, inline({ "z.json": '[\n {"Name": "x"}\n]' }), "y"),
      /z\.json:2: this is not Get-DnsServerZone output/,
    );
  });
});

describe("hosts files and agent evidence", () => {
  it("Windows hosts files saved as UTF-16 with a BOM read like UTF-8", () => {
    const t = text("hosts/srv-test-01.hosts");
    const utf16 = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(t, "utf16le")]);
    assert.equal(decodeText(utf16), t);
    assert.equal(decodeText(Buffer.from("\uFEFF" + t, "utf8")), t);
  });

  it("azcmagent show -j and check -j", () => {
    const s = readAgentShow(join(N, "agent/srv-app-01.show.json"), read);
    assert.equal(s.agentVersion, "1.45.02800.1000");
    assert.equal(s.status, "Connected");
    assert.equal(s.httpsProxy, "");
    assert.match(s.resourceId!, /machines\/srv-app-01$/);
    const c = readAgentCheck(join(N, "agent/srv-app-01.check.json"), read);
    assert.deepEqual(c.rows[0], {
      endpoint: "gbl.his.arc.azure.com",
      reachable: true,
      private: false,
      tls: "TLS 1.2",
      proxy: false,
      addresses: ["20.49.109.34"],
      line: 2,
    });
    assert.throws(
      () =>
        readAgentCheck(
          "c.json",
          inline({ "c.json": '[\n  {"endpoint": "https://gbl.his.arc.azure.com"}\n]' }),
        ),
      /^ExportError: c\.json:2: a check row has endpoint and reachable/,
    );
    assert.throws(
      () => readAgentShow("s.json", inline({ "s.json": '{\n "agentVersion": "latest"\n}' })),
      /s\.json:1: agentVersion 'latest' is not a version/,
    );
  });
});
