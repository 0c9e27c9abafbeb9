// The network model's sections and the resource types that declare them (ResourceType.model):
// every section a section's compiler reads from the world is declared by the types it reads, so a
// change to them patches it; a change to every declared type patches its section; and what-if
// records the reads of every section (a section it did not record would leave what-if's
// incremental answer stale without a word).
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { fullType, keyOf, parseResourceId } from "../src/core/resourceId.js";
import { DepRecorder, recordingModel } from "../src/analysis/lint/lint.js";
import { compileModel, modelSections, NetworkModel, patchModel } from "../src/network/model.js";
import { CompiledSections } from "../src/network/sections/section.js";
import { ServiceTags } from "../src/network/serviceTags.js";
import { createRegistry } from "../src/providers/index.js";
import { World, WorldView } from "../src/world/world.js";
import { benchWorld, BENCH_SUB } from "../bench/lintWorld.js";

const RG = `${BENCH_SUB}/resourceGroups/rg-bench/providers`;
const VNET = `${RG}/Microsoft.Network/virtualNetworks/vnet-hub`;

/** The bench world with what it lacks: an NSG and its rule, a peering, a proxy, and an IPsec VPN. */
function richWorld(): World {
  const w = benchWorld(40, 4);
  const put = (id: string, type: string, body: Record<string, any>) => ({
    key: keyOf(id),
    resource: { id, type, rev: 1, body: { id, name: id.split("/").pop(), type, ...body } },
  });
  const nsg = `${RG}/Microsoft.Network/networkSecurityGroups/nsg-pe`;
  const spoke = `${RG}/Microsoft.Network/virtualNetworks/vnet-spoke`;
  const gw = `${RG}/Microsoft.Network/virtualNetworkGateways/vgw-hub`;
  const lng = `${RG}/Microsoft.Network/localNetworkGateways/lng-site0`;
  w.apply(
    [
      put(nsg, "Microsoft.Network/networkSecurityGroups", { location: "eastus", properties: {} }),
      put(`${nsg}/securityRules/deny`, "Microsoft.Network/networkSecurityGroups/securityRules", {
        properties: {
          priority: 100,
          direction: "Inbound",
          access: "Deny",
          protocol: "*",
          sourceAddressPrefix: "10.100.0.0/16",
          destinationAddressPrefix: "*",
          destinationPortRange: "443",
        },
      }),
      put(spoke, "Microsoft.Network/virtualNetworks", {
        location: "eastus",
        properties: { addressSpace: { addressPrefixes: ["10.20.0.0/16"] } },
      }),
      put(
        `${VNET}/virtualNetworkPeerings/to-spoke`,
        "Microsoft.Network/virtualNetworks/virtualNetworkPeerings",
        {
          properties: { remoteVirtualNetwork: { id: spoke } },
        },
      ),
      put(
        `${spoke}/virtualNetworkPeerings/to-hub`,
        "Microsoft.Network/virtualNetworks/virtualNetworkPeerings",
        {
          properties: { remoteVirtualNetwork: { id: VNET } },
        },
      ),
      put(`${RG}/ArcLink.Lab/proxies/px`, "ArcLink.Lab/proxies", {
        properties: {
          siteId: `${BENCH_SUB}/resourceGroups/rg-bench/providers/ArcLink.Lab/sites/site0`,
          ipAddress: "10.100.0.8",
          port: 3128,
        },
      }),
      put(gw, "Microsoft.Network/virtualNetworkGateways", {
        location: "eastus",
        properties: {
          ipConfigurations: [{ properties: { subnet: { id: `${VNET}/subnets/GatewaySubnet` } } }],
        },
      }),
      put(lng, "Microsoft.Network/localNetworkGateways", {
        location: "eastus",
        properties: { localNetworkAddressSpace: { addressPrefixes: ["10.100.0.0/16"] } },
      }),
      put(`${RG}/Microsoft.Network/connections/cn-site0`, "Microsoft.Network/connections", {
        location: "eastus",
        properties: {
          connectionType: "IPsec",
          virtualNetworkGateway1: { id: gw },
          localNetworkGateway2: { id: lng },
        },
      }),
    ],
    w.seq + 1,
  );
  return w;
}

function typeOfId(id: string): string {
  const p = parseResourceId(id);
  return p ? fullType(p) : id;
}

/** `view`, noting the type of everything read from it. */
function typesRead(view: WorldView, read: Set<string>): WorldView {
  return {
    get: (id) => {
      read.add(typeOfId(id).toLowerCase());
      return view.get(id);
    },
    children: (id, type) => {
      read.add(type ? type.toLowerCase() : `${typeOfId(id).toLowerCase()}/*`);
      return view.children(id, type);
    },
    ofType: (type) => {
      read.add(type.toLowerCase());
      return view.ofType(type);
    },
  };
}

describe("network model sections", () => {
  const sections = modelSections();
  const tags = ServiceTags.default();

  it("every section is declared by the resource types it is compiled from", () => {
    assert.deepEqual([...sections.names].sort(), [
      "dnsServers",
      "hosts",
      "inboundEndpoints",
      "nsgs",
      "privateEndpoints",
      "sites",
      "vnets",
      "zones",
    ]);
    for (const s of sections.names) assert.ok(sections.typesOf(s).length > 0, s);
    assert.equal(sections.sectionOf("Microsoft.Network/privateDnsZones/virtualNetworkLinks"), "zones");
    assert.equal(sections.sectionOf("microsoft.network/dnsresolvers/inboundendpoints"), "inboundEndpoints");
    // Asked again (answered from what was asked before): the same answers, in any casing.
    for (let i = 0; i < 2; i++) {
      assert.equal(sections.sectionOf("ArcLink.Lab/firewalls"), "sites");
      assert.equal(sections.sectionOf("arclink.lab/FIREWALLS"), "sites");
      assert.equal(sections.sectionOf("Microsoft.HybridCompute/machines"), undefined);
      assert.equal(sections.sectionOf("Microsoft.Network/publicIPAddresses"), undefined);
    }
  });

  it("a section reads from the world only types that declare it (or a section it reads)", () => {
    const w = richWorld();
    const compiled: Record<string, Map<string, unknown>> = {};
    for (const s of sections.list) {
      const read = new Set<string>();
      compiled[s.name] = s.compile(typesRead(w, read), compiled as CompiledSections);
      assert.ok(compiled[s.name].size > 0, `the test world has no ${s.name}`);
      const own = new Set([s.name, ...(s.reads ?? [])]);
      for (const t of read) {
        const of = sections.sectionOf(t.replace(/\/\*$/, ""));
        assert.ok(
          of !== undefined && own.has(of),
          `The section '${s.name}' reads ${t}, which declares ${of === undefined ? "no model section" : `the section '${of}'`}: a change to it would not patch '${s.name}'. Declare model: { section: "${s.name}" } on its provider, or read it through a section listed in '${s.name}'.reads.`,
        );
      }
    }
  });

  it("a change to a resource of every declared type patches its section", () => {
    const w = richWorld();
    const prev = compileModel(w, tags);
    const declared = createRegistry()
      .allTypes()
      .filter((t) => sections.sectionOf(t.type) !== undefined);
    for (const t of declared) {
      // A resource of the type (whether or not the world holds one: the section is compiled again).
      const [ns, ...segments] = t.type.split("/");
      const id = `${RG}/${ns}/${segments.map((x, i) => `${x}/r${i}`).join("/")}`;
      const s = sections.sectionOf(t.type)!;
      const { model } = patchModel(prev, w, [{ key: keyOf(id), type: t.type }]);
      const before = prev as unknown as Record<string, unknown>;
      const after = model as unknown as Record<string, unknown>;
      assert.notEqual(after[s], before[s], `a change to ${t.type} left the section '${s}' as it was`);
      for (const other of sections.names)
        if (other !== s && !sections.list.find((x) => x.name === other)!.reads?.includes(s))
          assert.equal(after[other], before[other], `a change to ${t.type} compiled '${other}' again`);
    }
    assert.ok(declared.length >= 20, `only ${declared.length} declared types`);
  });

  it("what-if records the reads of every section", () => {
    const m = compileModel(richWorld(), tags);
    const rec = new DepRecorder();
    const r = recordingModel(m, rec) as unknown as Record<string, Map<string, unknown>>;
    for (const s of sections.names) {
      const key = [...(m as unknown as Record<string, Map<string, unknown>>)[s].keys()][0];
      rec.begin();
      r[s].get(key);
      const got = rec.end();
      assert.ok(got.has(`${s}:${key}`), `reading an entry of '${s}' was not recorded`);
      rec.begin();
      r[s].has("absent");
      assert.ok(rec.end().has(`${s}:absent`), `looking for an entry of '${s}' was not recorded`);
      rec.begin();
      for (const _ of r[s].values());
      assert.ok(rec.end().has(`${s}:*`), `a walk over '${s}' was not recorded`);
      rec.begin();
      void r[s].size;
      assert.ok(rec.end().has(`${s}:*`), `the size of '${s}' was not recorded`);
    }
    const model: NetworkModel = m;
    assert.equal(r.hosts.size, model.hosts.size);
  });
});
