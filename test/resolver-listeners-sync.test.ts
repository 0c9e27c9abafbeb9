// The DNS listeners follow the world's resolvers: a change that can add or remove one (a network,
// an inbound endpoint, a lab DNS server) syncs them, and a change of hosts or Arc machines alone
// does not, so a fleet's writes do not make the server read (and patch) its network model after
// every commit.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { keyOf } from "../src/core/resourceId.js";
import { mayChangeResolvers } from "../src/frontends/dns/resolverListeners.js";
import { startArcLink } from "../src/server/app.js";
import { ROOT } from "./helpers/server.js";

const tmp = mkdtempSync(join(tmpdir(), "arclink-listener-sync-"));
after(() => rmSync(tmp, { recursive: true, force: true }));

const RG = "/subscriptions/s1/resourceGroups/rg";
const key = (rest: string) => keyOf(`${RG}/providers/${rest}`);
const tick = () => new Promise((r) => setImmediate(r));

describe("DNS listeners follow resolvers, not hosts", () => {
  it("a change of hosts or machines alone cannot change the resolvers; anything else may", () => {
    assert.equal(mayChangeResolvers([{ key: key("ArcLink.Lab/hosts/h1") }]), false);
    assert.equal(
      mayChangeResolvers([
        { key: key("Microsoft.HybridCompute/machines/m1") },
        { key: key("ArcLink.Lab/hosts/h1") },
      ]),
      false,
    );
    for (const rest of [
      "ArcLink.Lab/dnsServers/dc02",
      "Microsoft.Network/virtualNetworks/v2",
      "Microsoft.Network/dnsResolvers/r1/inboundEndpoints/in1",
      "ArcLink.Lab/sites/s2",
      // A machine's child is not the machine: counted as possibly relevant.
      "Microsoft.HybridCompute/machines/m1/extensions/e1",
      // A name that only contains the word.
      "ArcLink.Lab/dnsServers/hosts",
    ])
      assert.equal(
        mayChangeResolvers([{ key: key("ArcLink.Lab/hosts/h1") }, { key: key(rest) }]),
        true,
        rest,
      );
    assert.equal(mayChangeResolvers([]), false);
  });

  it("a served ArcLink reads no network model for host writes, and opens a listener for a new DNS server", async () => {
    const running = await startArcLink({
      dataDir: join(tmp, "data"),
      port: 0,
      dnsListeners: [{ resolver: "*" }],
      topology: join(ROOT, "examples/reference.yaml"),
    });
    try {
      const { world, writer } = running.services;
      const dnsOf = () => (running.info.dns ?? {}) as Record<string, { host: string; port: number }>;
      const net = running.network;
      const model = net.model.bind(net);
      let reads = 0;
      net.model = () => (reads++, model());
      const host = world.ofType("ArcLink.Lab/hosts")[0];
      const server = world.ofType("ArcLink.Lab/dnsServers")[0];
      assert.ok(host && server, "the reference world has hosts and a DNS server");
      // Hosts written (each its own commit), the listeners left alone.
      for (let i = 0; i < 5; i++) {
        const id = host.id.replace(/[^/]+$/, `extra-${i}`);
        await writer.run((tx) =>
          tx.put(id, host.type, {
            ...host.body,
            id,
            name: `extra-${i}`,
            properties: { ...host.body.properties, privateIPAddress: `192.168.200.${10 + i}` },
          }),
        );
      }
      await tick();
      await tick();
      assert.equal(reads, 0, "no sync of the listeners for host writes");
      // A DNS server written: the listeners sync and one opens for it.
      const id = server.id.replace(/[^/]+$/, "dc-extra");
      await writer.run((tx) =>
        tx.put(id, server.type, {
          ...server.body,
          id,
          name: "dc-extra",
          properties: { ...server.body.properties, ipAddress: "192.168.200.53" },
        }),
      );
      for (let i = 0; i < 200 && !dnsOf()["dc-extra"]; i++) await new Promise((r) => setTimeout(r, 10));
      assert.ok(reads > 0, "the DNS server's write synced the listeners");
      const entry = dnsOf()["dc-extra"];
      assert.ok(entry, `a listener for dc-extra: ${Object.keys(dnsOf()).join(", ")}`);
      assert.equal(entry.host, "127.0.0.1");
    } finally {
      await running.close();
    }
  });
});
