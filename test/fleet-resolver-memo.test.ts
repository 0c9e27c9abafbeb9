// The fleet decides a chunk of check-ins with a resolver that remembers DNS answers across hosts
// (NetworkService.memoResolver): every host's check must be exactly what the service's own
// resolver gives, whichever hosts asked before it and whatever they asked.
import { test } from "node:test";
import assert from "node:assert/strict";
import { checkEndpoint } from "../src/analysis/check.js";
import { NetworkService } from "../src/network/service.js";
import { WorldBuilder, RG } from "./helpers/worldBuilder.js";

const SCOPE = `${RG}/providers/Microsoft.HybridCompute/privateLinkScopes/pls`;
const NOW = new Date("2026-11-29T10:00:00Z");

function world() {
  const b = new WorldBuilder()
    .vnet("hub", "10.10.0.0/16", { pe: "10.10.1.0/24", dns: "10.10.2.0/28" })
    .inbound("resolver", "hub", "dns", "10.10.2.4")
    .site("onprem", "192.168.0.0/16", "hub", {})
    .dnsServer("dc1", "onprem", "192.168.1.10", {
      conditionalForwarders: [{ domain: "his.arc.azure.com", targets: ["10.10.2.4"] }],
    })
    // Through dc1 (the private endpoint), two of them; one asks a public server; one asks nothing
    // that answers; one has the name in its hosts file.
    .host("a1", { site: "onprem" }, "192.168.1.50", { dnsServers: ["192.168.1.10"] })
    .host("a2", { site: "onprem" }, "192.168.1.51", { dnsServers: ["192.168.1.10"] })
    .host("pub", { site: "onprem" }, "192.168.1.52", { dnsServers: ["8.8.8.8"] })
    .host("none", { site: "onprem" }, "192.168.1.53", { dnsServers: ["192.168.1.99", "192.168.1.10"] })
    .host("file", { site: "onprem" }, "192.168.1.54", {
      dnsServers: ["192.168.1.10"],
      hostsFile: "10.10.1.9 eus.his.arc.azure.com\n",
    })
    .zone("privatelink.his.arc.azure.com", { gbl: ["10.10.1.4"], eus: ["10.10.1.5"] }, [{ vnet: "hub" }]);
  b.add(
    SCOPE,
    "Microsoft.HybridCompute/privateLinkScopes",
    { publicNetworkAccess: "Disabled", privateLinkScopeId: "g" },
    { location: "eastus" },
  );
  b.privateEndpoint("pe", "hub", "pe", SCOPE, [
    ["gbl.his.arc.azure.com", "10.10.1.4"],
    ["eus.his.arc.azure.com", "10.10.1.5"],
  ]);
  return b.build();
}

test("a chunk's remembering resolver answers every host's check as the service's resolver does", () => {
  const w = world();
  const network = new NetworkService(w);
  const names = ["eus.his.arc.azure.com", "gbl.his.arc.azure.com", "management.azure.com", "nowhere.example"];
  const hosts = [...network.model().hosts.values()];
  assert.equal(hosts.length, 5);
  const memo = { view: w, resolver: network.memoResolver(), now: NOW, propagationDelayMs: 0 };
  const plain = { view: w, resolver: network.resolver(), now: NOW, propagationDelayMs: 0 };
  const verdicts = new Set<string>();
  // Twice over, so that every host asks after others have asked the same names.
  for (let round = 0; round < 2; round++)
    for (const h of hosts)
      for (const name of names) {
        const want = checkEndpoint(plain, h, name);
        assert.deepEqual(checkEndpoint(memo, h, name), want, `${h.name} ${name} (round ${round})`);
        verdicts.add(`${want.verdict} ${want.reason ?? ""}`);
      }
  // The hosts do not all get the same answer: the memo had something to get wrong.
  assert.ok(verdicts.size >= 2, [...verdicts].join("; "));
});
