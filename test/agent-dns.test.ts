// The agent's resolver against real DNS listeners on 127.0.0.1: hosts file first, then the
// servers in order (timeout, refused, SERVFAIL and REFUSED move on; NXDOMAIN stops), CNAME chains,
// TCP after truncation. Every exchange is bounded in time and stays on loopback.
import assert from "node:assert/strict";
import { createSocket, type Socket } from "node:dgram";
import { after, before, describe, it } from "node:test";
import { query } from "../src/agent/dnsClient.js";
import { Resolver, type DnsServer } from "../src/agent/resolver.js";
import { startDnsListener, type DnsListener, type DnsQuestion } from "../src/frontends/dns/listener.js";
import type { DnsAnswer, RR } from "../src/frontends/dns/wire.js";

const T = { timeout: 20_000 };
const TIMEOUT_MS = 300;

type Behaviour = (q: DnsQuestion) => DnsAnswer;

const ok = (answers: RR[]): DnsAnswer => ({ rcode: 0, aa: true, ra: true, answers, authority: [] });
const rcode = (n: number): DnsAnswer => ({ rcode: n, ra: true, answers: [], authority: [] });

/** What the "private" server answers: the Arc names through the privatelink chain. */
const privateView: Behaviour = (q) => {
  if (q.name === "gbl.his.arc.azure.com") {
    return ok([
      { name: "gbl.his.arc.azure.com", type: "CNAME", ttl: 300, data: "gbl.privatelink.his.arc.azure.com" },
      { name: "gbl.privatelink.his.arc.azure.com", type: "A", ttl: 10, data: "10.10.1.4" },
    ]);
  }
  if (q.name === "agentserviceapi.guestconfiguration.azure.com") {
    // The CNAME only: the client must ask for the target itself.
    return ok([
      {
        name: q.name,
        type: "CNAME",
        ttl: 300,
        data: "agentserviceapi.privatelink.guestconfiguration.azure.com",
      },
    ]);
  }
  if (q.name === "agentserviceapi.privatelink.guestconfiguration.azure.com") {
    return ok([{ name: q.name, type: "A", ttl: 10, data: "10.10.1.6" }]);
  }
  if (q.name === "many.arclink.test") {
    return ok(
      Array.from({ length: 60 }, (_, i) => ({
        name: q.name,
        type: "A" as const,
        ttl: 5,
        data: `10.20.0.${i + 1}`,
      })),
    );
  }
  if (q.name === "nodata.arclink.test") return ok([]);
  return rcode(3);
};

const asked: Record<string, string[]> = {};
const listeners: DnsListener[] = [];
let silent: Socket;
let silentPort = 0;
let closedPort = 0;

async function listener(label: string, behaviour: Behaviour): Promise<DnsServer> {
  asked[label] = [];
  const l = await startDnsListener({
    host: "127.0.0.1",
    port: 0,
    answer: (q) => {
      asked[label].push(q.name);
      return behaviour(q);
    },
    onError: () => undefined,
  });
  listeners.push(l);
  return { address: label, host: "127.0.0.1", port: l.port };
}

let privateDns: DnsServer;
let servfail: DnsServer;
let refused: DnsServer;
let nxdomain: DnsServer;

before(async () => {
  privateDns = await listener("192.168.1.10", privateView);
  servfail = await listener("192.168.1.11", () => rcode(2));
  refused = await listener("192.168.1.12", () => rcode(5));
  nxdomain = await listener("192.168.1.13", () => rcode(3));
  // A UDP socket that reads and never answers: a server the host cannot reach.
  silent = createSocket("udp4");
  await new Promise<void>((r) => silent.bind(0, "127.0.0.1", () => r()));
  silentPort = silent.address().port;
  // A port nothing listens on (bound, read, closed).
  const tmp = createSocket("udp4");
  await new Promise<void>((r) => tmp.bind(0, "127.0.0.1", () => r()));
  closedPort = tmp.address().port;
  await new Promise<void>((r) => tmp.close(() => r()));
});

after(async () => {
  await Promise.all(listeners.map((l) => l.close()));
  await new Promise<void>((r) => silent.close(() => r()));
});

const reset = () => Object.values(asked).forEach((a) => a.splice(0));

describe("agent DNS client", () => {
  it("follows a CNAME chain in one answer", T, async () => {
    reset();
    const r = await new Resolver({ servers: [privateDns], timeoutMs: TIMEOUT_MS }).resolve(
      "GBL.his.arc.azure.com.",
    );
    assert.equal(r.error, undefined);
    assert.deepEqual(r.addresses, ["10.10.1.4"]);
    assert.deepEqual(r.chain, ["gbl.his.arc.azure.com", "gbl.privatelink.his.arc.azure.com"]);
    assert.equal(r.server, "192.168.1.10");
    assert.equal(r.source, "dns");
  });

  it("asks for a CNAME's target when the server gives only the CNAME", T, async () => {
    reset();
    const r = await new Resolver({ servers: [privateDns], timeoutMs: TIMEOUT_MS }).resolve(
      "agentserviceapi.guestconfiguration.azure.com",
    );
    assert.deepEqual(r.addresses, ["10.10.1.6"]);
    assert.deepEqual(asked["192.168.1.10"], [
      "agentserviceapi.guestconfiguration.azure.com",
      "agentserviceapi.privatelink.guestconfiguration.azure.com",
    ]);
  });

  it("uses the hosts file before DNS and sends no query for it", T, async () => {
    reset();
    const r = await new Resolver({
      hostsFile: "# hosts\n10.99.0.5  gbl.his.arc.azure.com\n",
      servers: [privateDns],
      timeoutMs: TIMEOUT_MS,
    }).resolve("gbl.his.arc.azure.com");
    assert.deepEqual(r.addresses, ["10.99.0.5"]);
    assert.equal(r.source, "hosts");
    assert.deepEqual(asked["192.168.1.10"], []);
  });

  it("moves on after a timeout, a refused port, SERVFAIL and REFUSED", T, async () => {
    reset();
    const servers: DnsServer[] = [
      { address: "192.168.1.200", host: "127.0.0.1", port: silentPort },
      { address: "192.168.1.201", host: "127.0.0.1", port: closedPort },
      servfail,
      refused,
      privateDns,
    ];
    const started = Date.now();
    const r = await new Resolver({ servers, timeoutMs: TIMEOUT_MS }).resolve("gbl.his.arc.azure.com");
    const took = Date.now() - started;
    assert.deepEqual(r.addresses, ["10.10.1.4"]);
    assert.deepEqual(
      r.attempts.map((a) => `${a.server}:${a.outcome}`),
      [
        "192.168.1.200:timeout",
        "192.168.1.201:refused",
        "192.168.1.11:SERVFAIL",
        "192.168.1.12:REFUSED",
        "192.168.1.10:NOERROR",
      ],
    );
    assert.ok(took >= TIMEOUT_MS - 20, `the silent server must cost a timeout (took ${took} ms)`);
    assert.ok(took < 5_000, `took ${took} ms`);
  });

  it("stops at NXDOMAIN without asking the next server", T, async () => {
    reset();
    const r = await new Resolver({ servers: [nxdomain, privateDns], timeoutMs: TIMEOUT_MS }).resolve(
      "gbl.his.arc.azure.com",
    );
    assert.deepEqual(r.addresses, []);
    assert.equal(r.error?.kind, "nxdomain");
    assert.equal(r.error?.message, "lookup gbl.his.arc.azure.com on 192.168.1.13:53: no such host");
    assert.deepEqual(asked["192.168.1.10"], []);
  });

  it("reports NODATA, all-timeouts and no servers in Go's words", T, async () => {
    reset();
    const nodata = await new Resolver({ servers: [privateDns], timeoutMs: TIMEOUT_MS }).resolve(
      "nodata.arclink.test",
    );
    assert.equal(nodata.error?.kind, "nodata");
    const dead = await new Resolver({
      servers: [{ address: "192.168.9.9", host: "127.0.0.1", port: silentPort }],
      timeoutMs: TIMEOUT_MS,
    }).resolve("gbl.his.arc.azure.com");
    assert.equal(dead.error?.kind, "timeout");
    assert.match(
      dead.error!.message,
      /^lookup gbl\.his\.arc\.azure\.com on 192\.168\.9\.9:53: .*i\/o timeout$/,
    );
    const none = await new Resolver({ servers: [] }).resolve("gbl.his.arc.azure.com");
    assert.equal(none.error?.kind, "noservers");
  });

  it("retries over TCP when the UDP answer is truncated", T, async () => {
    const r = await new Resolver({ servers: [privateDns], timeoutMs: 2000 }).resolve("many.arclink.test");
    assert.equal(r.addresses.length, 60);
    assert.equal(r.addresses[59], "10.20.0.60");
  });

  it("caches answers for the life of the resolver", T, async () => {
    reset();
    const res = new Resolver({ servers: [privateDns], timeoutMs: TIMEOUT_MS });
    await res.resolve("gbl.his.arc.azure.com");
    await res.resolve("gbl.his.arc.azure.com");
    assert.deepEqual(asked["192.168.1.10"], ["gbl.his.arc.azure.com"]);
  });

  it("never queries anything but loopback", T, async () => {
    await assert.rejects(
      () => query("192.168.1.10", 53, "gbl.his.arc.azure.com"),
      /only talks to ArcLink's loopback/,
    );
  });
});
