// The topology diagram's pure parts, without a browser: the server's host groups
// (src/analysis/hostGroups.ts: grouping by site and worst verdict, open pages, a pinned host, each
// group's lines summed, scopes' machine counts, find) and the layout (src/frontends/portal/app/
// topologyLayout.ts: where every box goes, which edges join them, a closed group's summed lines).
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { hostGroups, worstOf } from "../src/analysis/hostGroups.js";
import type { HostCheck } from "../src/analysis/check.js";
import type { Entry } from "../src/world/world.js";
import {
  Box,
  COL,
  GROUP_PAGE,
  layoutTopology,
  Placed,
  TopologyModel,
  WIDTH,
} from "../src/frontends/portal/app/topologyLayout.js";
import type { HostGroups } from "../src/frontends/portal/app/data.js";

const SUB = "00000000-0000-0000-0000-000000000001";
const RG = `/subscriptions/${SUB}/resourceGroups/rg`;
const lab = (type: string, name: string) => `${RG}/providers/ArcLink.Lab/${type}/${name}`;
const SITE = lab("sites", "hq");
const VNET = `${RG}/providers/Microsoft.Network/virtualNetworks/vnet-hub`;
const SUBNET = `${VNET}/subnets/snet-pe`;
const PE = `${RG}/providers/Microsoft.Network/privateEndpoints/pe-arc`;
const SCOPE = `${RG}/providers/Microsoft.HybridCompute/privateLinkScopes/pls-arc`;
const ZONE = `${RG}/providers/Microsoft.Network/privateDnsZones/privatelink.his.arc.azure.com`;

function entry(id: string, type: string, body: Record<string, any>): Entry {
  return { id, key: id.toLowerCase(), type, rev: 1, body: { id, name: id.split("/").pop(), ...body } };
}

const host = (name: string, n: number, site = SITE) =>
  entry(lab("hosts", name), "ArcLink.Lab/hosts", {
    properties: { siteId: site, privateIPAddress: `192.168.0.${n}`, osType: "Linux" },
  });

type V = "private" | "public" | "refused";
function checkOf(name: string, verdicts: Array<[string, V, string?]>): HostCheck {
  return {
    host: name,
    hostId: lab("hosts", name),
    address: "",
    region: "eastus",
    endpoints: verdicts.map(([endpoint, verdict, address]) => ({
      endpoint,
      verdict,
      ...(address ? { address } : {}),
      message: `${endpoint} ${verdict}`,
      trace: [],
    })) as HostCheck["endpoints"],
  };
}

/**
 * n hosts named h-000…; every third refused at gbl.his (private endpoint address), the rest private.
 * From the tenth on, hosts share their endpoints list with an earlier equal one, as lint reports
 * hosts with equal inputs.
 */
function fleet(n: number): { hosts: Entry[]; checks: HostCheck[] } {
  const hosts: Entry[] = [];
  const checks: HostCheck[] = [];
  for (let i = 0; i < n; i++) {
    const name = `h-${String(i).padStart(3, "0")}`;
    hosts.push(host(name, i));
    const c = checkOf(name, [
      ["gbl.his.arc.azure.com", i % 3 === 0 ? "refused" : "private", "10.10.1.4"],
      ["login.microsoftonline.com", "public"],
    ]);
    if (i >= 10) c.endpoints = checks[i % 3 === 0 ? 0 : 1].endpoints;
    checks.push(c);
  }
  return { hosts, checks };
}

const REQ = { groupAt: 12, open: {}, scopeMachines: 6 };

describe("hostGroups (the server's grouping)", () => {
  it("lists every host of a site with few hosts, with its verdicts", () => {
    const { hosts, checks } = fleet(3);
    const g = hostGroups({ hosts, machines: [], subscriptionId: SUB }, checks, REQ);
    assert.equal(g.containers.length, 1);
    const c = g.containers[0];
    assert.equal(c.id, SITE.toLowerCase());
    assert.equal(c.groups, undefined);
    assert.deepEqual(
      c.hosts!.map((h) => [h.name, h.address, h.endpoints.map((e) => e.verdict).join(",")]),
      [
        ["h-000", "192.168.0.0", "refused,public"],
        ["h-001", "192.168.0.1", "private,public"],
        ["h-002", "192.168.0.2", "private,public"],
      ],
    );
    assert.deepEqual(g.totals, {
      hosts: 3,
      private: 0,
      public: 2,
      refused: 1,
      undetermined: 0,
      unchecked: 0,
    });
  });

  it("groups a large site by worst verdict, lists only open pages and the pinned host, sums lines", () => {
    const { hosts, checks } = fleet(90);
    hosts.push(host("lonely", 200)); // no check: unchecked
    const refusedKey = `${SITE.toLowerCase()}|refused`;
    const publicKey = `${SITE.toLowerCase()}|public`;
    const g = hostGroups({ hosts, machines: [], subscriptionId: SUB }, checks, {
      ...REQ,
      open: { [publicKey]: 20 },
      pinned: "H-003",
    });
    const groups = g.containers[0].groups!;
    assert.deepEqual(
      groups.map((x) => [x.verdict, x.count, x.hosts.length]),
      [
        ["refused", 30, 1], // closed, but the pinned host h-003 shows
        ["public", 60, 20],
        ["unchecked", 1, 0],
      ],
    );
    assert.equal(groups[0].key, refusedKey);
    assert.equal(groups[0].hosts[0].name, "h-003");
    assert.deepEqual(
      groups[1].hosts.slice(0, 3).map((h) => h.name),
      ["h-001", "h-002", "h-004"],
    );
    assert.deepEqual(
      groups[0].paths.map((p) => [p.endpoint, p.verdict, p.address, p.hosts]),
      [
        ["gbl.his.arc.azure.com", "refused", "10.10.1.4", 30],
        ["login.microsoftonline.com", "public", undefined, 30],
      ],
    );
    assert.equal(
      groups.reduce((a, x) => a + x.count, 0),
      91,
    );
    assert.deepEqual(g.totals, {
      hosts: 91,
      private: 0,
      public: 60,
      refused: 30,
      undetermined: 0,
      unchecked: 1,
    });
  });

  it("keeps to one subscription, counts each scope's machines and lists the first by name, finds a host", () => {
    const { hosts, checks } = fleet(15);
    const other = `/subscriptions/00000000-0000-0000-0000-000000000002/resourceGroups/rg/providers/ArcLink.Lab/hosts/h-999`;
    hosts.push(entry(other, "ArcLink.Lab/hosts", { properties: { siteId: SITE } }));
    const machines = ["m-c", "m-a", "m-b"].map((n) =>
      entry(`${RG}/providers/Microsoft.HybridCompute/machines/${n}`, "Microsoft.HybridCompute/machines", {
        location: "eastus",
        properties: { privateLinkScopeResourceId: SCOPE },
      }),
    );
    const g = hostGroups({ hosts, machines, subscriptionId: SUB }, checks, {
      ...REQ,
      scopeMachines: 2,
      find: "-01",
    });
    assert.equal(g.totals.hosts, 15, "the other subscription's host is not counted");
    assert.deepEqual(g.scopes, [
      {
        id: SCOPE.toLowerCase(),
        machines: 3,
        listed: [
          { name: "m-a", location: "eastus" },
          { name: "m-b", location: "eastus" },
        ],
      },
    ]);
    assert.equal(g.found, "h-010", "the first name that contains the text");
    assert.equal(
      hostGroups({ hosts, machines, subscriptionId: SUB }, checks, { ...REQ, find: "H-014" }).found,
      "h-014",
    );
    assert.equal(
      hostGroups({ hosts, machines, subscriptionId: SUB }, checks, { ...REQ, find: "nope" }).found,
      undefined,
    );
  });

  it("worstOf: refused over public over private; no endpoints is unchecked", () => {
    assert.equal(worstOf([{ verdict: "private" }, { verdict: "public" }]), "public");
    assert.equal(worstOf([{ verdict: "public" }, { verdict: "refused" }]), "refused");
    assert.equal(worstOf([{ verdict: "private" }]), "private");
    assert.equal(worstOf([]), "unchecked");
    // A missing fact is its own state: worse than public (unknown), never refused nor private.
    assert.equal(worstOf([{ verdict: "private" }, { verdict: "undetermined" }]), "undetermined");
    assert.equal(worstOf([{ verdict: "undetermined" }, { verdict: "public" }]), "undetermined");
    assert.equal(worstOf([{ verdict: "undetermined" }, { verdict: "refused" }]), "refused");
    assert.equal(worstOf(undefined), "unchecked");
  });
});

/** The server's answer as the portal reads it (its own declaration of the same JSON). */
const answer = (...a: Parameters<typeof hostGroups>) =>
  JSON.parse(JSON.stringify(hostGroups(...a))) as HostGroups;

/** The model of a small world: one site (its DNS server, firewall, the given hosts), one hub VNet. */
function model(groups: HostGroups): TopologyModel {
  return {
    sites: [{ id: SITE, name: "hq", properties: { addressSpace: { addressPrefixes: ["192.168.0.0/16"] } } }],
    dnsServers: [
      {
        id: lab("dnsServers", "dc01"),
        name: "dc01",
        properties: { siteId: SITE, ipAddress: "192.168.0.10", forwarders: ["10.10.2.4"] },
      },
    ],
    siteConnections: [
      {
        id: lab("siteConnections", "vpn"),
        name: "vpn",
        properties: { siteId: SITE, virtualNetworkId: VNET, connectionType: "Vpn" },
      },
    ],
    firewalls: [
      {
        id: lab("firewalls", "fw"),
        name: "fw",
        properties: { siteId: SITE, defaultAction: "Deny", rules: [] },
      },
    ],
    proxies: [],
    vnets: [
      {
        id: VNET,
        name: "vnet-hub",
        location: "eastus",
        properties: {
          addressSpace: { addressPrefixes: ["10.10.0.0/16"] },
          subnets: [{ id: SUBNET, name: "snet-pe", properties: { addressPrefix: "10.10.1.0/24" } }],
        },
      },
    ],
    endpoints: [
      {
        id: PE,
        name: "pe-arc",
        properties: {
          subnet: { id: SUBNET },
          customDnsConfigs: [{ fqdn: "gbl.his.arc.azure.com", ipAddresses: ["10.10.1.4"] }],
          privateLinkServiceConnections: [
            {
              properties: {
                privateLinkServiceId: SCOPE,
                privateLinkServiceConnectionState: { status: "Approved" },
              },
            },
          ],
        },
      },
    ],
    inbound: [],
    zones: [
      {
        zone: { id: ZONE, name: "privatelink.his.arc.azure.com", properties: { numberOfRecordSets: 2 } },
        links: [{ name: "link", properties: { virtualNetwork: { id: VNET } } }],
      },
    ],
    scopes: [
      { id: SCOPE, name: "pls-arc", location: "eastus", properties: { publicNetworkAccess: "Disabled" } },
    ],
    hosts: groups,
  };
}

function walk(items: Placed[]): Placed[] {
  return items.flatMap((p) => [p, ...("children" in p ? walk(p.children) : [])]);
}

const inside = (a: Box, b: Box) =>
  a.x >= b.x && a.y >= b.y && a.x + a.w <= b.x + b.w && a.y + a.h <= b.y + b.h;
const overlap = (a: Box, b: Box) => a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;

describe("layoutTopology (where the diagram puts things)", () => {
  it("a small world: every resource placed in its column, hosts inside their site, each host's lines by target", () => {
    const { hosts, checks } = fleet(3);
    const l = layoutTopology(model(answer({ hosts, machines: [], subscriptionId: SUB }, checks, REQ)), {
      open: new Map(),
    });
    assert.equal(l.width, WIDTH);
    const site = l.nodes.get(SITE.toLowerCase())!;
    assert.equal(site.x, COL.site.x);
    for (const h of hosts) assert.ok(inside(l.nodes.get(h.key)!, site), `${h.body.name} inside its site`);
    assert.ok(
      inside(l.nodes.get(PE.toLowerCase())!, l.nodes.get(VNET.toLowerCase())!),
      "endpoint inside its VNet",
    );
    assert.equal(l.nodes.get(ZONE.toLowerCase())!.x, COL.zone.x);
    assert.equal(l.nodes.get("service:entra")!.x, COL.svc.x);
    const placed = walk(l.items);
    assert.deepEqual(
      placed.filter((p) => p.kind === "host").map((p) => (p.kind === "host" ? p.host.name : "")),
      ["h-000", "h-001", "h-002"],
    );
    assert.equal(placed.filter((p) => p.kind === "group").length, 0);

    // Under the boxes: the VPN (with its label), the zone link, the endpoint's connection to its scope.
    const under = l.edges.filter((e) => e.layer === "under").map((e) => e.cls);
    assert.deepEqual(under.sort(), ["dnslink", "plink approved", "vpn"]);
    assert.equal(l.edges.find((e) => e.cls === "vpn")!.label?.first, "VPN");
    // Over them: per host, the endpoint's line straight to the private endpoint, the public one via the lane.
    const over = l.edges.filter((e) => e.layer === "over");
    assert.equal(over.length, 6);
    const h0 = over.filter((e) => e.host === "h-000");
    assert.deepEqual(h0.map((e) => e.verdict).sort(), ["public", "refused"]);
    const lane = placed.find((p) => p.kind === "lane")!;
    assert.ok(lane.kind === "lane");
    const pub = h0.find((e) => e.verdict === "public")!;
    assert.match(
      pub.d,
      new RegExp(` V ${lane.box.y + 8 + 3 * 0} `),
      "the first host's public line runs along the lane",
    );
    assert.match(pub.title, /^h-000 → Microsoft Entra ID\nlogin\.microsoftonline\.com: public/);
    // Refused lines are drawn last (on top).
    const firstRefused = over.findIndex((e) => e.verdict === "refused");
    assert.ok(over.slice(firstRefused).every((e) => e.verdict === "refused"));
    assert.ok(l.height >= lane.box.y + lane.box.h, "the height holds the lane");
  });

  it("a large site: closed groups with counts draw their summed lines from the group box", () => {
    const { hosts, checks } = fleet(90);
    const l = layoutTopology(model(answer({ hosts, machines: [], subscriptionId: SUB }, checks, REQ)), {
      open: new Map(),
    });
    const placed = walk(l.items);
    assert.equal(
      placed.filter((p) => p.kind === "host").length,
      0,
      "no host rows while every group is closed",
    );
    const groups = placed.filter((p) => p.kind === "group");
    assert.deepEqual(
      groups.map((p) => (p.kind === "group" ? [p.verdict, p.count, p.open] : [])),
      [
        ["refused", 30, false],
        ["public", 60, false],
      ],
    );
    const refusedKey = `${SITE.toLowerCase()}|refused`;
    const lines = l.edges.filter((e) => e.group === refusedKey);
    assert.deepEqual(lines.map((e) => [e.verdict, e.cls]).sort(), [
      ["public", "path public aggregate"],
      ["refused", "path refused aggregate"],
    ]);
    const toPe = lines.find((e) => e.verdict === "refused")!;
    const box = l.nodes.get(refusedKey)!;
    assert.ok(toPe.d.startsWith(`M ${box.x + box.w} `), "the line starts at the group's box");
    assert.match(
      toPe.title,
      /30 refused hosts of hq → pe-arc\ngbl\.his\.arc\.azure\.com: refused 10\.10\.1\.4 \(30 hosts\)/,
    );
    // The public group's lines: 60 hosts private to the endpoint, 60 public to Entra ID.
    const pubLines = l.edges.filter((e) => e.group === `${SITE.toLowerCase()}|public`);
    assert.deepEqual(pubLines.map((e) => e.verdict).sort(), ["private", "public"]);
  });

  it("an open group lists its page of hosts and a 'Show more' row; its own lines are the hosts'", () => {
    const { hosts, checks } = fleet(90);
    const publicKey = `${SITE.toLowerCase()}|public`;
    const open = new Map([[publicKey, GROUP_PAGE]]);
    const g = answer({ hosts, machines: [], subscriptionId: SUB }, checks, {
      ...REQ,
      open: Object.fromEntries(open),
    });
    const l = layoutTopology(model(g), { open });
    const placed = walk(l.items);
    assert.equal(placed.filter((p) => p.kind === "host").length, GROUP_PAGE);
    const more = placed.find((p) => p.kind === "more");
    assert.ok(more && more.kind === "more");
    assert.deepEqual([more.group, more.shown, more.next], [publicKey, 20, 20]);
    assert.equal(
      l.edges.filter((e) => e.group === publicKey).length,
      0,
      "an open group draws its hosts' lines",
    );
    assert.equal(l.edges.filter((e) => e.host).length, GROUP_PAGE * 2);
    // Rows of the site never overlap one another.
    const site = placed.find((p) => p.kind === "site");
    assert.ok(site && site.kind === "site");
    const rows = site.children
      .filter((p) => "box" in p && p.box.w > 0)
      .map((p) => ("box" in p ? p.box : undefined)!);
    for (let i = 0; i < rows.length; i++)
      for (let j = i + 1; j < rows.length; j++)
        assert.ok(!overlap(rows[i], rows[j]), `rows ${i} and ${j} overlap`);
    for (const r of rows) assert.ok(inside(r, site.box), "every row inside the site");
  });

  it("is pure: the same input gives the same layout", () => {
    const { hosts, checks } = fleet(40);
    const m = model(answer({ hosts, machines: [], subscriptionId: SUB }, checks, REQ));
    const a = layoutTopology(m, { open: new Map() });
    const b = layoutTopology(m, { open: new Map() });
    assert.deepEqual(a, b);
  });

  it("a scope's box lists its first machines and how many more", () => {
    const machines = Array.from({ length: 9 }, (_, i) =>
      entry(`${RG}/providers/Microsoft.HybridCompute/machines/m-${i}`, "Microsoft.HybridCompute/machines", {
        location: "eastus",
        properties: { privateLinkScopeResourceId: SCOPE },
      }),
    );
    const l = layoutTopology(model(answer({ hosts: [], machines, subscriptionId: SUB }, [], REQ)), {
      open: new Map(),
    });
    const scope = l.items.find((p) => p.kind === "scope");
    assert.ok(scope && scope.kind === "scope");
    assert.deepEqual(
      scope.labels.slice(2).map((x) => x.text),
      [...Array.from({ length: 6 }, (_, i) => `machine m-${i} (eastus)`), "… and 3 more machines"],
    );
    assert.equal(l.items.filter((p) => p.kind === "lane").length, 0, "no lane without a host");
  });
});
