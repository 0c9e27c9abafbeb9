// Real DNS servers as ArcLink's peers: a real BIND 9 and a real Unbound, each configured as the
// on-premises DNS server of examples/reference.yaml (a conditional forwarder for the Arc zones
// to the DNS Private Resolver's inbound endpoint), forward to ArcLink's inbound-endpoint listener
// and hand the private endpoint's address to a real `dig`. Everything stays on 127.0.0.1: the
// peers get root hints that point only at 127.0.0.1, so even a stray recursion cannot leave.
// The peers are required (CI installs bind9 and unbound): a missing one fails with how to fix it.
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { addressesOf, dig, DigResult, dnsPort, Peer, startBind, startUnbound } from "./helpers/dns.js";
import { removeDataDir, ROOT, startServer, TestServer } from "./helpers/server.js";

const T = { timeout: 60_000 };
const ARC_ZONES = [
  "his.arc.azure.com",
  "guestconfiguration.azure.com",
  "dp.kubernetesconfiguration.azure.com",
];

function assertPrivateChain(r: DigResult, name: string, privatelink: string, ip: string): void {
  assert.equal(r.status, "NOERROR", r.text);
  assert.deepEqual(
    r.answer.map((x) => [x.name, x.type, x.data]),
    [
      [name, "CNAME", privatelink],
      [privatelink, "A", ip],
    ],
    r.text,
  );
}

describe("real BIND and Unbound forward the Arc zones to ArcLink's inbound endpoint", () => {
  let srv: TestServer | undefined;
  const peers: Peer[] = [];

  before(async () => {
    srv = await startServer({ args: ["--topology", join(ROOT, "examples", "reference.yaml")] });
  }, T);

  after(async () => {
    for (const p of peers.splice(0)) await p.stop();
    if (srv) {
      await srv.stop();
      removeDataDir(srv.dataDir);
    }
  });

  for (const [label, start] of [
    ["BIND (named)", startBind],
    ["Unbound", startUnbound],
  ] as const) {
    it(
      `${label} as the on-premises server: dig gbl.his.arc.azure.com returns the private address 10.10.1.4`,
      T,
      async () => {
        const inbound = dnsPort(srv!, "inbound");
        const peer = await start(ARC_ZONES, inbound);
        peers.push(peer);
        const why = (): string => `\n--- ${peer.name} output ---\n${peer.output().slice(-4000)}`;

        const gbl = await dig(peer.port, "gbl.his.arc.azure.com");
        assert.deepEqual(addressesOf(gbl), ["10.10.1.4"], gbl.text + why());
        assertPrivateChain(gbl, "gbl.his.arc.azure.com", "gbl.privatelink.his.arc.azure.com", "10.10.1.4");
        assert.ok(gbl.flags.includes("ra"), gbl.text);

        const gc = await dig(peer.port, "agentserviceapi.guestconfiguration.azure.com", "A", ["+tcp"]);
        assertPrivateChain(
          gc,
          "agentserviceapi.guestconfiguration.azure.com",
          "agentserviceapi.privatelink.guestconfiguration.azure.com",
          "10.10.1.6",
        );

        // The peer's answer is ArcLink's: the same records as ArcLink's own dc01 gives.
        for (const name of ["eus.his.arc.azure.com", "eastus-gas.guestconfiguration.azure.com"]) {
          const viaPeer = await dig(peer.port, name);
          const viaDc01 = await dig(dnsPort(srv!, "dc01"), name);
          assert.deepEqual(
            viaPeer.answer.map((x) => [x.name, x.type, x.data]),
            viaDc01.answer.map((x) => [x.name, x.type, x.data]),
            `${peer.name}:\n${viaPeer.text}\nArcLink dc01:\n${viaDc01.text}${why()}`,
          );
        }

        // A name the linked zone lacks: ArcLink's NXDOMAIN (CNAME chain + the zone's SOA) passes
        // through the peer, and the peer answers exactly as ArcLink's modelled dc01 does.
        const missing = await dig(peer.port, "nosuch.his.arc.azure.com");
        assert.equal(missing.status, "NXDOMAIN", missing.text + why());
        assert.deepEqual(addressesOf(missing), []);
        const modelled = await dig(dnsPort(srv!, "dc01"), "nosuch.his.arc.azure.com");
        assert.equal(modelled.status, "NXDOMAIN", modelled.text);
        for (const section of ["answer", "authority"] as const) {
          assert.deepEqual(
            missing[section].map((x) => [x.name, x.type, x.data]),
            modelled[section].map((x) => [x.name, x.type, x.data]),
            `${section} differs between ${peer.name} and ArcLink's dc01:\n${missing.text}\n${modelled.text}`,
          );
        }
        assert.deepEqual(
          missing.answer.map((x) => x.type),
          ["CNAME"],
          missing.text,
        );
      },
    );
  }
});
