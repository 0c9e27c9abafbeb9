// Private DNS over raw ARM: zones (SOA at creation, counts, LRO headers), record sets of every
// type (validation, CNAME exclusivity, the undeletable SOA, ALL and suffix lists) and virtual
// network links (one per VNet and zone, one registration link per VNet, zone delete refused while
// linked). The SDK flow is in scenarios/privatedns.ts.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { arm, RawResponse } from "./helpers/arm.js";
import { runScenario } from "./helpers/sdk.js";
import { Ready, startServer, TestServer } from "./helpers/server.js";

const T = { timeout: 60_000 };
const V = "api-version=2024-06-01";

let srv: TestServer;
let info: Ready;
let sub: string;

function rgPath(rg: string): string {
  return `/subscriptions/${info.subscriptionId}/resourceGroups/${rg}`;
}
function zonePath(rg: string, zone: string): string {
  return `${rgPath(rg)}/providers/Microsoft.Network/privateDnsZones/${zone}`;
}
function q(path: string, extra = ""): string {
  return `${path}?${V}${extra}`;
}
function ok(r: RawResponse, status: number | number[], what: string): void {
  const want = Array.isArray(status) ? status : [status];
  assert.ok(want.includes(r.status), `${what}: expected ${want.join("/")}, got ${r.status} ${r.text}`);
}

async function createRg(rg: string): Promise<void> {
  ok(
    await arm(info, "PUT", `${rgPath(rg)}?api-version=2021-04-01`, { location: "eastus" }),
    [200, 201],
    "rg",
  );
}

async function createZone(rg: string, zone: string, tags: Record<string, string> = {}): Promise<RawResponse> {
  const r = await arm(info, "PUT", q(zonePath(rg, zone)), { location: "Global", tags });
  ok(r, 201, `create zone ${zone}`);
  return r;
}

/** The api-version the server advertises for a Microsoft.Network type (the Network provider owns VNets). */
async function networkVersion(type: string): Promise<string> {
  const r = await arm(info, "GET", `${sub}/providers/Microsoft.Network?api-version=2021-04-01`);
  ok(r, 200, "provider");
  const t = (r.json.resourceTypes as any[]).find((x) => x.resourceType.toLowerCase() === type.toLowerCase());
  assert.ok(t, `Microsoft.Network/${type} is not registered yet (the Network provider): ${r.text}`);
  return t.defaultApiVersion ?? t.apiVersions[0];
}

async function createVnet(rg: string, name: string, prefix: string): Promise<string> {
  const v = await networkVersion("virtualNetworks");
  const path = `${rgPath(rg)}/providers/Microsoft.Network/virtualNetworks/${name}`;
  const r = await arm(info, "PUT", `${path}?api-version=${v}`, {
    location: "eastus",
    properties: { addressSpace: { addressPrefixes: [prefix] } },
  });
  ok(r, [200, 201], `create vnet ${name}`);
  return r.json.id as string;
}

before(async () => {
  srv = await startServer();
  info = srv.info;
  sub = `/subscriptions/${info.subscriptionId}`;
});

after(async () => {
  await srv?.stop();
});

describe("privateDnsZones", () => {
  it("creates a zone with its SOA record set, LRO headers and counts", T, async () => {
    await createRg("zones");
    const r = await createZone("zones", "privatelink.his.arc.azure.com", { k: "v" });
    const b = r.json;
    assert.equal(b.name, "privatelink.his.arc.azure.com");
    assert.equal(b.type, "Microsoft.Network/privateDnsZones");
    assert.equal(b.location, "global");
    assert.deepEqual(b.tags, { k: "v" });
    assert.match(b.etag, /^[0-9a-f-]{36}$/);
    assert.equal(r.headers.etag, b.etag);
    assert.deepEqual(
      {
        maxNumberOfRecordSets: b.properties.maxNumberOfRecordSets,
        numberOfRecordSets: b.properties.numberOfRecordSets,
        maxNumberOfVirtualNetworkLinks: b.properties.maxNumberOfVirtualNetworkLinks,
        numberOfVirtualNetworkLinks: b.properties.numberOfVirtualNetworkLinks,
        maxNumberOfVirtualNetworkLinksWithRegistration:
          b.properties.maxNumberOfVirtualNetworkLinksWithRegistration,
        numberOfVirtualNetworkLinksWithRegistration: b.properties.numberOfVirtualNetworkLinksWithRegistration,
        provisioningState: b.properties.provisioningState,
      },
      {
        maxNumberOfRecordSets: 25000,
        numberOfRecordSets: 1,
        maxNumberOfVirtualNetworkLinks: 1000,
        numberOfVirtualNetworkLinks: 0,
        maxNumberOfVirtualNetworkLinksWithRegistration: 100,
        numberOfVirtualNetworkLinksWithRegistration: 0,
        provisioningState: "Succeeded",
      },
    );
    assert.match(
      Buffer.from(b.properties.internalId, "base64").toString("utf8"),
      /^ImmutableZoneIdentity\|[0-9a-f-]{36}\|\d+$/,
    );
    const ao = String(r.headers["azure-asyncoperation"]);
    const loc = String(r.headers.location);
    assert.match(ao, /\/resourceGroups\/zones\/providers\/Microsoft\.Network\/privateDnsOperationStatuses\//);
    assert.match(loc, /\/resourceGroups\/zones\/providers\/Microsoft\.Network\/privateDnsOperationResults\//);
    const poll = await arm(info, "GET", new URL(ao).pathname + new URL(ao).search);
    ok(poll, 200, "AO poll");
    assert.equal(poll.json.status, "Succeeded");
    const result = await arm(info, "GET", new URL(loc).pathname + new URL(loc).search);
    ok(result, 200, "Location poll");
    assert.equal(result.json.name, "privatelink.his.arc.azure.com");

    const soa = await arm(info, "GET", q(`${zonePath("zones", "privatelink.his.arc.azure.com")}/SOA/@`));
    ok(soa, 200, "SOA");
    assert.equal(soa.json.type, "Microsoft.Network/privateDnsZones/SOA");
    assert.equal(soa.json.name, "@");
    assert.equal(soa.json.properties.fqdn, "privatelink.his.arc.azure.com.");
    assert.equal(soa.json.properties.ttl, 3600);
    assert.equal(soa.json.properties.isAutoRegistered, false);
    assert.deepEqual(soa.json.properties.soaRecord, {
      host: "azureprivatedns.net",
      email: "azureprivatedns-host.microsoft.com",
      serialNumber: 1,
      refreshTime: 3600,
      retryTime: 300,
      expireTime: 2419200,
      minimumTtl: 10,
    });

    const listRg = await arm(
      info,
      "GET",
      q(`${rgPath("zones")}/providers/Microsoft.Network/privateDnsZones`),
    );
    ok(listRg, 200, "list by rg");
    assert.deepEqual(
      listRg.json.value.map((z: any) => z.name),
      ["privatelink.his.arc.azure.com"],
    );
    const listSub = await arm(info, "GET", q(`${sub}/providers/Microsoft.Network/privateDnsZones`));
    ok(listSub, 200, "list by subscription");
    assert.ok(listSub.json.value.some((z: any) => z.name === "privatelink.his.arc.azure.com"));
  });

  it("refuses invalid names and non-global locations, storing nothing", T, async () => {
    await createRg("badzones");
    for (const name of ["contoso", "-bad.com", `${"a".repeat(64)}.com`, "a..com", "x.com."]) {
      const r = await arm(info, "PUT", q(zonePath("badzones", name)), { location: "global" });
      ok(r, 400, `bad name ${name}`);
      assert.equal(r.json.error.code, "InvalidResourceName", r.text);
      const g = await arm(info, "GET", q(zonePath("badzones", name)));
      ok(g, 404, `bad name ${name} not stored`);
    }
    const long = `${Array.from({ length: 4 }, () => "b".repeat(63)).join(".")}.com`;
    const r1 = await arm(info, "PUT", q(zonePath("badzones", long)), { location: "global" });
    ok(r1, 400, "too long");
    const r2 = await arm(info, "PUT", q(zonePath("badzones", "loc.example.com")), { location: "eastus" });
    ok(r2, 400, "non-global location");
    assert.equal(r2.json.error.code, "InvalidLocation");
    ok(await arm(info, "GET", q(zonePath("badzones", "loc.example.com"))), 404, "not stored");
    ok(
      await arm(info, "GET", q(`${zonePath("badzones", "loc.example.com")}/SOA/@`)),
      404,
      "no SOA without a zone",
    );
  });

  it("honours If-None-Match, merges PATCH tags and keeps internalId", T, async () => {
    await createRg("cond");
    const created = await createZone("cond", "cond.example.com", { a: "1" });
    const dup = await arm(
      info,
      "PUT",
      q(zonePath("cond", "cond.example.com")),
      { location: "global" },
      {
        "if-none-match": "*",
      },
    );
    ok(dup, 412, "duplicate with If-None-Match");
    assert.equal(dup.json.error.code, "PreconditionFailed");
    const patched = await arm(info, "PATCH", q(zonePath("cond", "cond.example.com")), { tags: { b: "2" } });
    ok(patched, 200, "patch");
    assert.deepEqual(patched.json.tags, { b: "2" });
    assert.notEqual(patched.json.etag, created.json.etag);
    assert.equal(patched.json.properties.internalId, created.json.properties.internalId);
    const stale = await arm(
      info,
      "PATCH",
      q(zonePath("cond", "cond.example.com")),
      { tags: {} },
      {
        "if-match": created.json.etag,
      },
    );
    ok(stale, 412, "stale If-Match");
    const g = await arm(info, "GET", q(zonePath("cond", "cond.example.com")));
    assert.deepEqual(g.json.tags, { b: "2" });
    assert.equal(g.json.properties.numberOfRecordSets, 1, "an update does not add a second SOA");
  });
});

describe("record sets", () => {
  const rg = "records";
  const zone = "contoso.example";
  const rs = (type: string, name: string) => `${zonePath(rg, zone)}/${type}/${name}`;

  before(async () => {
    await createRg(rg);
    await createZone(rg, zone);
  });

  it("creates, updates, lists and deletes A record sets", T, async () => {
    const c = await arm(info, "PUT", q(rs("a", "RecordA")), {
      properties: { ttl: 300, metadata: { k: "v" }, aRecords: [{ ipv4Address: "10.1.0.4" }] },
    });
    ok(c, 201, "create A");
    assert.equal(c.json.name, "recorda");
    assert.equal(c.json.type, "Microsoft.Network/privateDnsZones/A");
    assert.equal(c.json.id, `${zonePath(rg, zone)}/A/recorda`);
    assert.equal(c.json.properties.fqdn, "recorda.contoso.example.");
    assert.equal(c.json.properties.isAutoRegistered, false);
    assert.equal(c.json.properties.ttl, 300);
    assert.deepEqual(c.json.properties.metadata, { k: "v" });
    assert.deepEqual(c.json.properties.aRecords, [{ ipv4Address: "10.1.0.4" }]);
    assert.equal(c.json.location, undefined);
    assert.equal(c.headers.location, undefined, "record sets are synchronous");
    assert.equal(c.headers["azure-asyncoperation"], undefined);

    const u = await arm(info, "PUT", q(rs("A", "recordA")), {
      properties: { aRecords: [{ ipv4Address: "10.1.0.4" }, { ipv4Address: "10.1.0.5" }] },
    });
    ok(u, 200, "update A");
    assert.equal(u.json.properties.ttl, 3600, "default ttl");
    assert.notEqual(u.json.etag, c.json.etag);

    const p = await arm(info, "PATCH", q(rs("A", "recorda")), { properties: { metadata: { m: "1" } } });
    ok(p, 200, "patch A");
    assert.deepEqual(p.json.properties.metadata, { m: "1" });
    assert.equal(p.json.properties.aRecords.length, 2, "PATCH keeps the records");

    for (const [name, fqdn] of [
      ["@", "contoso.example."],
      ["multi.label", "multi.label.contoso.example."],
      ["*.wild", "*.wild.contoso.example."],
      ["_sip._tcp.x", "_sip._tcp.x.contoso.example."],
    ]) {
      const r = await arm(info, "PUT", q(rs("A", name)), {
        properties: { aRecords: [{ ipv4Address: "10.1.0.9" }] },
      });
      ok(r, 201, `create A ${name}`);
      assert.equal(r.json.properties.fqdn, fqdn);
    }

    const list = await arm(info, "GET", q(`${zonePath(rg, zone)}/A`));
    ok(list, 200, "list A");
    assert.deepEqual(
      list.json.value.map((x: any) => x.name).sort(),
      ["*.wild", "@", "_sip._tcp.x", "multi.label", "recorda"].sort(),
    );
    const suffix = await arm(info, "GET", q(`${zonePath(rg, zone)}/A`, "&$recordsetnamesuffix=label"));
    ok(suffix, 200, "list A by suffix");
    assert.deepEqual(
      suffix.json.value.map((x: any) => x.name),
      ["multi.label"],
    );

    const zoneAfter = await arm(info, "GET", q(zonePath(rg, zone)));
    assert.equal(zoneAfter.json.properties.numberOfRecordSets, 6, "SOA + 5 A record sets");

    const d = await arm(info, "DELETE", q(rs("A", "multi.label")));
    ok(d, 200, "delete");
    ok(await arm(info, "DELETE", q(rs("A", "multi.label"))), 204, "delete again");
    ok(await arm(info, "GET", q(rs("A", "multi.label"))), 404, "gone");
    const zoneAfterDelete = await arm(info, "GET", q(zonePath(rg, zone)));
    assert.equal(zoneAfterDelete.json.properties.numberOfRecordSets, 5);
  });

  it("validates records of every type and stores nothing on refusal", T, async () => {
    const good: Array<[string, string, Record<string, any>, string, unknown]> = [
      [
        "AAAA",
        "v6",
        { aaaaRecords: [{ ipv6Address: "fd00::4" }] },
        "aaaaRecords",
        [{ ipv6Address: "fd00::4" }],
      ],
      [
        "CNAME",
        "alias",
        { cnameRecord: { cname: "target.contoso.example" } },
        "cnameRecord",
        { cname: "target.contoso.example" },
      ],
      [
        "MX",
        "mail",
        { mxRecords: [{ preference: 10, exchange: "mx.contoso.example" }] },
        "mxRecords",
        [{ preference: 10, exchange: "mx.contoso.example" }],
      ],
      [
        "PTR",
        "4",
        { ptrRecords: [{ ptrdname: "host.contoso.example" }] },
        "ptrRecords",
        [{ ptrdname: "host.contoso.example" }],
      ],
      [
        "SRV",
        "_ldap._tcp",
        { srvRecords: [{ priority: 0, weight: 5, port: 389, target: "dc.contoso.example" }] },
        "srvRecords",
        [{ priority: 0, weight: 5, port: 389, target: "dc.contoso.example" }],
      ],
      [
        "TXT",
        "txt",
        { txtRecords: [{ value: ["a".repeat(255), "b"] }] },
        "txtRecords",
        [{ value: ["a".repeat(255), "b"] }],
      ],
    ];
    for (const [type, name, props, key, want] of good) {
      const r = await arm(info, "PUT", q(rs(type, name)), { properties: props });
      ok(r, 201, `create ${type}`);
      assert.equal(r.json.type, `Microsoft.Network/privateDnsZones/${type}`);
      assert.deepEqual(r.json.properties[key], want);
    }

    const bad: Array<[string, string, unknown, string]> = [
      ["A", "bad1", { aRecords: [{ ipv4Address: "10.0.0.256" }] }, "InvalidParameter"],
      ["A", "bad2", { aRecords: [{}] }, "MissingRequiredProperty"],
      ["A", "bad3", { aRecords: "10.0.0.1" }, "InvalidRequestContent"],
      [
        "A",
        "bad4",
        { aRecords: [{ ipv4Address: "10.0.0.1" }], cnameRecord: { cname: "x.example" } },
        "InvalidRequestContent",
      ],
      ["A", "bad5", { ttl: -1, aRecords: [] }, "InvalidParameter"],
      ["A", "bad6", { ttl: 2147483648 }, "InvalidParameter"],
      [
        "A",
        "bad7",
        { aRecords: Array.from({ length: 21 }, (_, i) => ({ ipv4Address: `10.0.0.${i}` })) },
        "RecordLimitExceeded",
      ],
      ["AAAA", "bad8", { aaaaRecords: [{ ipv6Address: "10.0.0.1" }] }, "InvalidParameter"],
      [
        "CNAME",
        "bad9",
        { cnameRecord: [{ cname: "a.example" }, { cname: "b.example" }] },
        "InvalidParameter",
      ],
      ["CNAME", "bad10", { cnameRecord: { cname: "not a name" } }, "InvalidParameter"],
      ["MX", "bad11", { mxRecords: [{ exchange: "mx.example" }] }, "MissingRequiredProperty"],
      [
        "SRV",
        "bad12",
        { srvRecords: [{ priority: 0, weight: 0, port: 70000, target: "t.example" }] },
        "InvalidParameter",
      ],
      ["TXT", "bad13", { txtRecords: [{ value: ["x".repeat(256)] }] }, "InvalidParameter"],
      ["TXT", "bad14", { txtRecords: [{ value: [1] }] }, "InvalidRequestContent"],
      ["A", "bad15", { metadata: { k: 1 } }, "InvalidRequestContent"],
    ];
    for (const [type, name, props, code] of bad) {
      const r = await arm(info, "PUT", q(rs(type, name)), { properties: props });
      ok(r, 400, `refuse ${type} ${name}`);
      assert.equal(r.json.error.code, code, `${type} ${name}: ${r.text}`);
      assert.ok(r.json.error.message.length > 20);
      ok(await arm(info, "GET", q(rs(type, name))), 404, `${type} ${name} not stored`);
    }

    for (const name of ["a..b", "x*", "a.*", "-", `${"l".repeat(64)}`]) {
      const r = await arm(info, "PUT", q(rs("A", name)), { properties: {} });
      ok(r, 400, `bad record name ${name}`);
      assert.equal(r.json.error.code, "InvalidResourceName");
    }
    const soaElsewhere = await arm(info, "PUT", q(rs("SOA", "notapex")), { properties: {} });
    ok(soaElsewhere, 400, "SOA not at @");
    assert.equal(soaElsewhere.json.error.code, "InvalidResourceName");
    ok(await arm(info, "GET", q(rs("SOA", "notapex"))), 404, "no SOA stored");
  });

  it("keeps a CNAME alone at its name, both ways", T, async () => {
    ok(
      await arm(info, "PUT", q(rs("A", "host1")), {
        properties: { aRecords: [{ ipv4Address: "10.2.0.1" }] },
      }),
      201,
      "A host1",
    );
    const c = await arm(info, "PUT", q(rs("CNAME", "HOST1")), {
      properties: { cnameRecord: { cname: "x.example" } },
    });
    ok(c, 409, "CNAME over A");
    assert.equal(c.json.error.code, "Conflict");
    assert.match(c.json.error.message, /CNAME/);
    assert.match(c.json.error.message, /host1\.contoso\.example\./);
    ok(await arm(info, "GET", q(rs("CNAME", "host1"))), 404, "CNAME not stored");

    ok(
      await arm(info, "PUT", q(rs("CNAME", "www")), { properties: { cnameRecord: { cname: "x.example" } } }),
      201,
      "CNAME www",
    );
    ok(
      await arm(info, "PUT", q(rs("CNAME", "www")), { properties: { cnameRecord: { cname: "y.example" } } }),
      200,
      "CNAME update",
    );
    const t = await arm(info, "PUT", q(rs("TXT", "www")), { properties: { txtRecords: [{ value: ["v"] }] } });
    ok(t, 409, "TXT next to CNAME");
    assert.match(t.json.error.message, /CNAME/);
    ok(await arm(info, "GET", q(rs("TXT", "www"))), 404, "TXT not stored");
    const apex = await arm(info, "PUT", q(rs("CNAME", "@")), {
      properties: { cnameRecord: { cname: "x.example" } },
    });
    ok(apex, 409, "CNAME at the apex (SOA is there)");
  });

  it("keeps the SOA: no delete, host fixed, other fields editable", T, async () => {
    const d = await arm(info, "DELETE", q(rs("SOA", "@")));
    ok(d, 400, "delete SOA");
    assert.equal(d.json.error.code, "CannotDeleteSoaRecordSet");
    ok(await arm(info, "GET", q(rs("SOA", "@"))), 200, "SOA still there");
    const host = await arm(info, "PUT", q(rs("SOA", "@")), {
      properties: { soaRecord: { host: "ns.example.com" } },
    });
    ok(host, 400, "SOA host change");
    const e = await arm(info, "PUT", q(rs("SOA", "@")), {
      properties: { ttl: 60, soaRecord: { email: "dns-admin.contoso.example", minimumTtl: 30 } },
    });
    ok(e, 200, "SOA update");
    assert.equal(e.json.properties.soaRecord.email, "dns-admin.contoso.example");
    assert.equal(e.json.properties.soaRecord.minimumTtl, 30);
    assert.equal(e.json.properties.soaRecord.host, "azureprivatedns.net");
    assert.equal(e.json.properties.soaRecord.expireTime, 2419200);
    assert.equal(e.json.properties.ttl, 60);
  });

  it("lists every record set at …/ALL, in any case, with the suffix filter", T, async () => {
    for (const all of ["ALL", "aLL", "all"]) {
      const r = await arm(info, "GET", q(`${zonePath(rg, zone)}/${all}`));
      ok(r, 200, `list ${all}`);
      const types = new Set(r.json.value.map((x: any) => x.type.split("/").pop()));
      for (const t of ["SOA", "A", "AAAA", "CNAME", "MX", "PTR", "SRV", "TXT"])
        assert.ok(types.has(t), `${all}: ${t}`);
      assert.equal(r.json.value[0].name, "@");
      assert.equal(r.json.value[0].type, "Microsoft.Network/privateDnsZones/SOA");
      const zoneBody = await arm(info, "GET", q(zonePath(rg, zone)));
      assert.equal(r.json.value.length, zoneBody.json.properties.numberOfRecordSets);
    }
    const paged = await arm(info, "GET", q(`${zonePath(rg, zone)}/ALL`, "&$top=2"));
    ok(paged, 200, "paged");
    assert.equal(paged.json.value.length, 2);
    assert.match(decodeURIComponent(paged.json.nextLink), /\$skipToken=/);
    const suffix = await arm(info, "GET", q(`${zonePath(rg, zone)}/ALL`, "&$recordsetnamesuffix=_tcp"));
    ok(suffix, 200, "suffix");
    assert.deepEqual(
      suffix.json.value.map((x: any) => `${x.type.split("/").pop()} ${x.name}`),
      ["SRV _ldap._tcp"],
    );
  });

  it("answers 404 for a record set in a missing zone", T, async () => {
    const r = await arm(info, "PUT", q(`${zonePath(rg, "missing.example")}/A/x`), { properties: {} });
    ok(r, 404, "missing zone");
    assert.equal(r.json.error.code, "ParentResourceNotFound");
  });
});

describe("virtualNetworkLinks", () => {
  const rg = "links";
  const linkPath = (zone: string, link: string) => `${zonePath(rg, zone)}/virtualNetworkLinks/${link}`;
  let vnet1 = "";
  let vnet2 = "";

  before(async () => {
    await createRg(rg);
    await createRg("links2");
    await createZone(rg, "linked.example");
    await createZone(rg, "other.example");
    await createZone("links2", "linked.example");
  });

  it("creates links to existing VNets only, with Azure's shape", T, async () => {
    vnet1 = await createVnet(rg, "vnet1", "10.10.0.0/16");
    vnet2 = await createVnet(rg, "vnet2", "10.20.0.0/16");

    const missing = await arm(info, "PUT", q(linkPath("linked.example", "l0")), {
      location: "global",
      properties: {},
    });
    ok(missing, 400, "no virtualNetwork");
    assert.equal(missing.json.error.code, "MissingRequiredProperty");
    const nowhere = await arm(info, "PUT", q(linkPath("linked.example", "l0")), {
      location: "global",
      properties: {
        virtualNetwork: { id: `${rgPath(rg)}/providers/Microsoft.Network/virtualNetworks/nope` },
      },
    });
    ok(nowhere, 400, "missing VNet");
    assert.equal(nowhere.json.error.code, "InvalidResourceReference");
    const wrongType = await arm(info, "PUT", q(linkPath("linked.example", "l0")), {
      location: "global",
      properties: { virtualNetwork: { id: zonePath(rg, "other.example") } },
    });
    ok(wrongType, 400, "wrong type");
    const badPolicy = await arm(info, "PUT", q(linkPath("linked.example", "l0")), {
      location: "global",
      properties: { virtualNetwork: { id: vnet1 }, resolutionPolicy: "Sometimes" },
    });
    ok(badPolicy, 400, "bad resolutionPolicy");
    const regional = await arm(info, "PUT", q(linkPath("linked.example", "l0")), {
      location: "eastus",
      properties: { virtualNetwork: { id: vnet1 } },
    });
    ok(regional, 400, "a link is global");
    assert.equal(regional.json.error.code, "InvalidLocation");
    ok(await arm(info, "GET", q(linkPath("linked.example", "l0"))), 404, "nothing stored");

    const c = await arm(info, "PUT", q(linkPath("linked.example", "link1")), {
      location: "Global",
      tags: { t: "1" },
      properties: { virtualNetwork: { id: vnet1 } },
    });
    ok(c, 201, "create link");
    assert.equal(c.json.type, "Microsoft.Network/privateDnsZones/virtualNetworkLinks");
    assert.equal(c.json.location, "global");
    assert.deepEqual(c.json.tags, { t: "1" });
    assert.match(c.json.etag, /^[0-9a-f-]{36}$/);
    assert.equal(c.json.properties.virtualNetwork.id.toLowerCase(), vnet1.toLowerCase());
    assert.equal(c.json.properties.registrationEnabled, false);
    assert.equal(c.json.properties.resolutionPolicy, "Default");
    assert.equal(c.json.properties.virtualNetworkLinkState, "Completed");
    assert.equal(c.json.properties.provisioningState, "Succeeded");
    assert.match(String(c.headers.location), /privateDnsOperationResults/);

    const zone = await arm(info, "GET", q(zonePath(rg, "linked.example")));
    assert.equal(zone.json.properties.numberOfVirtualNetworkLinks, 1);
    assert.equal(zone.json.properties.numberOfVirtualNetworkLinksWithRegistration, 0);

    const list = await arm(info, "GET", q(`${zonePath(rg, "linked.example")}/virtualNetworkLinks`));
    ok(list, 200, "list links");
    assert.deepEqual(
      list.json.value.map((x: any) => x.name),
      ["link1"],
    );

    const patched = await arm(info, "PATCH", q(linkPath("linked.example", "link1")), {
      properties: { registrationEnabled: true },
    });
    ok(patched, 200, "patch link");
    assert.equal(patched.json.properties.registrationEnabled, true);
    assert.deepEqual(patched.json.tags, { t: "1" });
    const zone2 = await arm(info, "GET", q(zonePath(rg, "linked.example")));
    assert.equal(zone2.json.properties.numberOfVirtualNetworkLinksWithRegistration, 1);

    const move = await arm(info, "PUT", q(linkPath("linked.example", "link1")), {
      location: "global",
      properties: { virtualNetwork: { id: vnet2 } },
    });
    ok(move, 400, "VNet of a link cannot change");
  });

  it(
    "refuses a second link to the same VNet, a second registration link and same-name zones",
    T,
    async () => {
      const dup = await arm(info, "PUT", q(linkPath("linked.example", "link-dup")), {
        location: "global",
        properties: { virtualNetwork: { id: vnet1 } },
      });
      ok(dup, 409, "same zone, same VNet");
      assert.match(dup.json.error.message, /'link1'/);
      ok(await arm(info, "GET", q(linkPath("linked.example", "link-dup"))), 404, "dup not stored");

      const reg = await arm(info, "PUT", q(linkPath("other.example", "reg2")), {
        location: "global",
        properties: { virtualNetwork: { id: vnet1 }, registrationEnabled: true },
      });
      ok(reg, 409, "second registration link for the VNet");
      assert.match(reg.json.error.message, /link1/);
      ok(await arm(info, "GET", q(linkPath("other.example", "reg2"))), 404, "reg2 not stored");
      ok(
        await arm(info, "PUT", q(linkPath("other.example", "res2")), {
          location: "global",
          properties: {
            virtualNetwork: { id: vnet1 },
            registrationEnabled: false,
            resolutionPolicy: "nxdomainredirect",
          },
        }),
        201,
        "resolution-only link to another zone",
      );
      const r = await arm(info, "GET", q(linkPath("other.example", "res2")));
      assert.equal(r.json.properties.resolutionPolicy, "NxDomainRedirect");

      const twin = await arm(
        info,
        "PUT",
        q(`${zonePath("links2", "linked.example")}/virtualNetworkLinks/twin`),
        {
          location: "global",
          properties: { virtualNetwork: { id: vnet1 } },
        },
      );
      ok(twin, 409, "two zones of the same name on one VNet");
      ok(
        await arm(info, "GET", q(`${zonePath("links2", "linked.example")}/virtualNetworkLinks/twin`)),
        404,
        "twin not stored",
      );
    },
  );

  it("refuses to delete a linked zone until its links are gone", T, async () => {
    const d = await arm(info, "DELETE", q(zonePath(rg, "other.example")));
    ok(d, 409, "delete linked zone");
    assert.equal(d.json.error.code, "CannotDeleteZoneWithVirtualNetworkLinks");
    assert.match(d.json.error.message, /res2/);
    ok(await arm(info, "GET", q(zonePath(rg, "other.example"))), 200, "zone kept");
    ok(await arm(info, "GET", q(`${zonePath(rg, "other.example")}/SOA/@`)), 200, "SOA kept");

    const dl = await arm(info, "DELETE", q(linkPath("other.example", "res2")));
    ok(dl, 202, "delete link");
    assert.match(String(dl.headers.location), /privateDnsOperationResults/);
    ok(await arm(info, "GET", q(linkPath("other.example", "res2"))), 404, "link gone");

    const dz = await arm(info, "DELETE", q(zonePath(rg, "other.example")));
    ok(dz, 202, "delete zone");
    ok(await arm(info, "GET", q(zonePath(rg, "other.example"))), 404, "zone gone");
    ok(await arm(info, "GET", q(`${zonePath(rg, "other.example")}/SOA/@`)), 404, "SOA gone");
  });

  it("goes away with its resource group (cascade)", T, async () => {
    const d = await arm(info, "DELETE", `${rgPath(rg)}?api-version=2021-04-01`);
    ok(d, [200, 202], "delete rg");
    ok(await arm(info, "GET", `${rgPath(rg)}?api-version=2021-04-01`), 404, "rg gone");
    const all = await arm(info, "GET", q(`${sub}/providers/Microsoft.Network/privateDnsZones`));
    assert.ok(
      !all.json.value.some((z: any) => z.id.toLowerCase().startsWith(rgPath(rg).toLowerCase() + "/")),
    );
  });
});

describe("SDK (@azure/arm-privatedns)", () => {
  it("drives zones, record sets and links through the SDK", { timeout: 180_000 }, async () => {
    const r = await runScenario("privatedns", info);
    assert.equal(r.code, 0, `scenario failed:\n${r.stderr}\n${r.stdout}`);
    assert.equal(r.result.zone.numberOfRecordSets, 1);
    assert.deepEqual(r.result.all, ["SOA @", "A web", "TXT web"]);
    assert.deepEqual(r.result.byType, ["web"]);
    assert.equal(r.result.deleteLinkedZone, 409);
    assert.equal(r.result.afterDelete, 404);
  });
});
