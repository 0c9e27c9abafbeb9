// The network model patched with a change equals the model compiled from scratch: random single
// changes (hosts, machines, firewalls and their rules, DNS servers, zones, records, links, VNets,
// NSGs, proxies, connections, endpoints) applied one after another to a generated world, the
// patched model checked against compileModel() after each; and the network service patches
// instead of compiling again.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { keyOf } from "../src/core/resourceId.js";
import {
  compileModel,
  ModelSection,
  modelSections,
  NetworkModel,
  patchModel,
  sameValue,
} from "../src/network/model.js";
import { NetworkService } from "../src/network/service.js";
import { ServiceTags } from "../src/network/serviceTags.js";
import { World } from "../src/world/world.js";
import { benchWorld, BENCH_SUB } from "../bench/lintWorld.js";

const RG = `${BENCH_SUB}/resourceGroups/rg-bench/providers`;
const ZONE = `${RG}/Microsoft.Network/privateDnsZones/privatelink.his.arc.azure.com`;
const VNET = `${RG}/Microsoft.Network/virtualNetworks/vnet-hub`;

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

type Put = { id: string; type: string; body?: Record<string, any> };

function put(w: World, changes: Put[]): Array<{ key: string; type: string }> {
  w.apply(
    changes.map((c) => ({
      key: keyOf(c.id),
      ...(c.body
        ? {
            resource: {
              id: c.id,
              type: c.type,
              rev: (w.get(c.id)?.rev ?? 0) + 1,
              body: { id: c.id, name: c.id.split("/").pop(), type: c.type, ...c.body },
            },
          }
        : {}),
    })),
    w.seq + 1,
  );
  return changes.map((c) => ({ key: keyOf(c.id), type: c.type }));
}

/** One random change to the world, as the list of resources it writes or deletes. */
function randomChange(w: World, r: () => number, i: number): { what: string; puts: Put[] } {
  const pick = <T>(l: T[]): T => l[Math.floor(r() * l.length)];
  const hosts = w.ofType("ArcLink.Lab/hosts");
  const h = pick(hosts);
  const sites = w.ofType("ArcLink.Lab/sites");
  const site = pick(sites);
  const props = (id: string) => structuredClone(w.get(id)?.body.properties ?? {});
  const kinds: Array<() => { what: string; puts: Put[] }> = [
    () => ({
      what: `host ${h.body.name} dnsServers`,
      puts: [{ id: h.id, type: h.type, body: { properties: { ...props(h.id), dnsServers: ["8.8.8.8"] } } }],
    }),
    () => ({
      what: `host ${h.body.name} moves to ${site.body.name}`,
      puts: [
        {
          id: h.id,
          type: h.type,
          body: {
            properties: {
              ...props(h.id),
              siteId: site.id,
              privateIPAddress: `${site.body.properties.addressSpace.addressPrefixes[0].split(".").slice(0, 2).join(".")}.99.${i % 250}`,
              hostsFile: `10.10.1.4 gbl.his.arc.azure.com # ${i}\n`,
            },
          },
        },
      ],
    }),
    () => ({ what: `host ${h.body.name} deleted`, puts: [{ id: h.id, type: h.type }] }),
    () => ({
      what: `host new${i} added`,
      puts: [
        {
          id: `${RG}/ArcLink.Lab/hosts/new${i}`,
          type: "ArcLink.Lab/hosts",
          body: {
            properties: { siteId: site.id, privateIPAddress: `10.100.200.${i % 250}`, osType: "Windows" },
          },
        },
      ],
    }),
    () => ({
      what: `host ${h.body.name} loses its position`,
      puts: [{ id: h.id, type: h.type, body: { properties: { ...props(h.id), siteId: undefined } } }],
    }),
    () => {
      const m = `${RG}/Microsoft.HybridCompute/machines/${h.body.name}`;
      return {
        what: `machine ${h.body.name} agent version`,
        puts: [
          {
            id: m,
            type: "Microsoft.HybridCompute/machines",
            body: { location: "eastus", properties: { ...props(m), agentVersion: "1.2" } },
          },
        ],
      };
    },
    () => {
      const fw = `${RG}/ArcLink.Lab/firewalls/${site.body.name.replace("site", "fw")}`;
      const p = props(fw);
      return {
        what: `firewall of ${site.body.name}: rules`,
        puts: [
          {
            id: fw,
            type: "ArcLink.Lab/firewalls",
            body: {
              properties: {
                ...p,
                siteId: site.id,
                defaultAction: r() < 0.5 ? "Allow" : "Deny",
                rules: (p.rules ?? [])
                  .slice(1)
                  .concat([{ name: `r${i}`, priority: 300 + i, action: "Deny" }]),
                ...(r() < 0.3 ? { tlsInspection: { certificateAuthority: "ca" } } : {}),
              },
            },
          },
        ],
      };
    },
    () => {
      const fw = `${RG}/ArcLink.Lab/firewalls/${site.body.name.replace("site", "fw")}`;
      return {
        what: `firewall of ${site.body.name} deleted`,
        puts: [{ id: fw, type: "ArcLink.Lab/firewalls" }],
      };
    },
    () => {
      const dc = `${RG}/ArcLink.Lab/dnsServers/${site.body.name.replace("site", "dc")}`;
      return {
        what: `DNS server of ${site.body.name}: forwarders and a zone`,
        puts: [
          {
            id: dc,
            type: "ArcLink.Lab/dnsServers",
            body: {
              properties: {
                ...props(dc),
                siteId: site.id,
                ipAddress: props(dc).ipAddress ?? "10.100.0.53",
                forwarders: ["8.8.8.8"],
                conditionalForwarders: [],
                zones: [
                  {
                    name: "corp.example",
                    records: [{ name: "x", type: "A", values: [`10.0.0.${i % 250}`] }],
                  },
                ],
              },
            },
          },
        ],
      };
    },
    () => ({
      what: "a record changes",
      puts: [
        {
          id: `${ZONE}/A/gbl`,
          type: "Microsoft.Network/privateDnsZones/A",
          body: { properties: { ttl: 10, aRecords: [{ ipv4Address: `10.10.1.${100 + (i % 100)}` }] } },
        },
      ],
    }),
    () => ({
      what: "a record is added",
      puts: [
        {
          id: `${ZONE}/CNAME/alias${i}`,
          type: "Microsoft.Network/privateDnsZones/CNAME",
          body: { properties: { ttl: 10, cnameRecord: { cname: "gbl.privatelink.his.arc.azure.com" } } },
        },
      ],
    }),
    () => ({
      what: "a record is deleted",
      puts: [{ id: `${ZONE}/A/eus`, type: "Microsoft.Network/privateDnsZones/A" }],
    }),
    () => ({
      what: "the zone link is deleted or set to NxDomainRedirect",
      puts: [
        r() < 0.5
          ? {
              id: `${ZONE}/virtualNetworkLinks/hub`,
              type: "Microsoft.Network/privateDnsZones/virtualNetworkLinks",
            }
          : {
              id: `${ZONE}/virtualNetworkLinks/hub`,
              type: "Microsoft.Network/privateDnsZones/virtualNetworkLinks",
              body: { properties: { virtualNetwork: { id: VNET }, resolutionPolicy: "NxDomainRedirect" } },
            },
      ],
    }),
    () => ({
      what: "a zone is deleted with its records and link",
      puts: [
        ...w.children(ZONE).map((c) => ({ id: c.id, type: c.type })),
        { id: ZONE, type: "Microsoft.Network/privateDnsZones" },
      ],
    }),
    () => ({
      what: "the hub VNet's DNS servers",
      puts: [
        {
          id: VNET,
          type: "Microsoft.Network/virtualNetworks",
          body: {
            location: "eastus",
            properties: { ...props(VNET), dhcpOptions: { dnsServers: ["10.10.2.4"] } },
          },
        },
      ],
    }),
    () => {
      const nsg = `${RG}/Microsoft.Network/networkSecurityGroups/nsg${i % 3}`;
      return {
        what: "an NSG and a rule, attached to a subnet",
        puts: [
          {
            id: nsg,
            type: "Microsoft.Network/networkSecurityGroups",
            body: { location: "eastus", properties: {} },
          },
          {
            id: `${nsg}/securityRules/deny${i}`,
            type: "Microsoft.Network/networkSecurityGroups/securityRules",
            body: {
              properties: {
                priority: 100 + i,
                direction: "Inbound",
                access: "Deny",
                protocol: "*",
                sourceAddressPrefix: "10.100.0.0/16",
                destinationAddressPrefix: "*",
                destinationPortRange: "443",
              },
            },
          },
          {
            id: `${VNET}/subnets/snet-pe`,
            type: "Microsoft.Network/virtualNetworks/subnets",
            body: { properties: { addressPrefix: "10.10.1.0/24", networkSecurityGroup: { id: nsg } } },
          },
        ],
      };
    },
    () => ({
      what: `a proxy in ${site.body.name}`,
      puts: [
        {
          id: `${RG}/ArcLink.Lab/proxies/px${i}`,
          type: "ArcLink.Lab/proxies",
          body: { properties: { siteId: site.id, ipAddress: "10.100.0.8", port: 3128 } },
        },
      ],
    }),
    () => ({
      what: `the VPN of ${site.body.name} deleted`,
      puts: [
        {
          id: `${RG}/ArcLink.Lab/siteConnections/${site.body.name}-vpn`,
          type: "ArcLink.Lab/siteConnections",
        },
      ],
    }),
    () => {
      const pe = `${RG}/Microsoft.Network/privateEndpoints/pe-arc`;
      const p = props(pe);
      return {
        what: "the private endpoint's DNS configs",
        puts: [
          {
            id: pe,
            type: "Microsoft.Network/privateEndpoints",
            body: {
              location: "eastus",
              properties: { ...p, customDnsConfigs: (p.customDnsConfigs ?? []).slice(1) },
            },
          },
        ],
      };
    },
    () => ({
      what: "a resource the model does not read (a scope)",
      puts: [
        {
          id: `${RG}/Microsoft.HybridCompute/privateLinkScopes/pls-arc`,
          type: "Microsoft.HybridCompute/privateLinkScopes",
          body: { location: "eastus", properties: { publicNetworkAccess: "Enabled" } },
        },
      ],
    }),
  ];
  return pick(kinds)();
}

/** The model with its hosts as a plain Map (a patched model reads its hosts through a view). */
function plain(m: NetworkModel): NetworkModel {
  return { ...m, hosts: new Map(m.hosts) };
}

function expectedChanged(a: NetworkModel, b: NetworkModel): string[] {
  const out: string[] = [];
  for (const s of modelSections().names as ModelSection[]) {
    const x = a[s] as Map<string, unknown>;
    const y = b[s] as Map<string, unknown>;
    for (const [k, v] of y) if (!x.has(k) || !sameValue(x.get(k), v)) out.push(`${s}:${k}`);
    for (const k of x.keys()) if (!y.has(k)) out.push(`${s}:${k}`);
  }
  return out.sort();
}

describe("incremental network model", () => {
  it("patched model equals a fresh compileModel() after each of 300 random single changes", () => {
    const tags = ServiceTags.default();
    for (const seed of [1, 2, 3]) {
      const w = benchWorld(300, 6);
      const r = rng(seed);
      let model = compileModel(w, tags);
      for (let i = 0; i < 100; i++) {
        const { what, puts } = randomChange(w, r, i);
        const changes = put(w, puts);
        const p = patchModel(model, w, changes);
        const fresh = compileModel(w, tags);
        assert.equal(p.full, false, what);
        assert.deepStrictEqual(plain(p.model), fresh, `seed ${seed}, change ${i}: ${what}`);
        assert.equal(p.model.hosts.size, fresh.hosts.size, what);
        for (const k of fresh.hosts.keys()) assert.ok(p.model.hosts.has(k), what);
        assert.deepEqual([...p.changed].sort(), expectedChanged(model, fresh), `changed units: ${what}`);
        model = p.model;
      }
    }
  });

  it("a host change keeps every other section, and the previous model is not modified", () => {
    const tags = ServiceTags.default();
    const w = benchWorld(200, 4);
    const before = compileModel(w, tags);
    const snapshot = compileModel(w, tags);
    const h = w.ofType("ArcLink.Lab/hosts")[7];
    const changes = put(w, [
      { id: h.id, type: h.type, body: { properties: { ...h.body.properties, dnsServers: ["1.1.1.1"] } } },
    ]);
    const p = patchModel(before, w, changes);
    assert.deepEqual([...p.changed], [`hosts:${h.key}`]);
    assert.deepEqual(p.model.hosts.get(h.key)!.dnsServers, ["1.1.1.1"]);
    for (const s of [
      "nsgs",
      "zones",
      "vnets",
      "sites",
      "dnsServers",
      "inboundEndpoints",
      "privateEndpoints",
    ] as const)
      assert.equal(p.model[s], before[s], s);
    assert.deepStrictEqual(before, snapshot);
  });

  it("the network service patches its model as the world changes (a machine's change leaves it as is)", () => {
    const w = benchWorld(200, 4);
    const svc = new NetworkService(w);
    const m0 = svc.model();
    const m = w.ofType("Microsoft.HybridCompute/machines")[0];
    put(w, [
      {
        id: m.id,
        type: m.type,
        body: { ...m.body, properties: { ...m.body.properties, status: "Connected" } },
      },
    ]);
    assert.equal(svc.model(), m0, "a machine's change does not touch the model");
    const h = w.ofType("ArcLink.Lab/hosts")[3];
    put(w, [
      { id: h.id, type: h.type, body: { properties: { ...h.body.properties, dnsServers: ["9.9.9.9"] } } },
    ]);
    const m1 = svc.model();
    assert.notEqual(m1, m0);
    assert.equal(m1.sites, m0.sites, "the sites were not compiled again");
    assert.deepStrictEqual(plain(m1), compileModel(w, svc.tags));
    const fw = w.ofType("ArcLink.Lab/firewalls")[0];
    put(w, [
      { id: fw.id, type: fw.type, body: { properties: { ...fw.body.properties, defaultAction: "Allow" } } },
    ]);
    const m2 = svc.model();
    assert.equal(m2.hosts, m1.hosts, "the hosts were not compiled again");
    assert.equal(
      [...m2.sites.values()].find((s) => s.firewall?.id === fw.id)!.firewall!.defaultAction,
      "Allow",
    );
    assert.deepStrictEqual(plain(m2), compileModel(w, svc.tags));
  });
});
