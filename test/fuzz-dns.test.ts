// Fuzzing the DNS wire decoder in-process and the resolver listeners of a real server with a
// million random and mutated packets (mostly UDP, a share over TCP), while a legitimate client
// keeps asking a real question. Inputs come from a seeded PRNG: set ARCLINK_FUZZ_SEED to replay.
// Every exchange goes only to 127.0.0.1.

import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { decode as decodePacket } from "dns-packet";
import {
  Rcode,
  decodeQuery,
  encodeError,
  encodeResponse,
  textToWireName,
  wireNameToText,
  type DecodedQuery,
} from "../src/frontends/dns/wire.js";
import {
  dnsFuzzInWorkers,
  fuzzPacket,
  fuzzSeed,
  newTally,
  Rng,
  type DnsFuzzJob,
  type DnsFuzzResult,
  type Tally,
} from "./helpers/fuzz.js";
import { dig, dnsPort, queryPacket, udpExchange } from "./helpers/dns.js";
import { startServer, type TestServer } from "./helpers/server.js";

const SEED = fuzzSeed();
const UDP_PACKETS = 950_000;
const TCP_PACKETS = 50_000;
const DECODER_INPUTS = 200_000;
/** Worker threads firing packets, each with two UDP sockets and one TCP connection. */
const WORKERS = 2;

console.log(`fuzz-dns seed ${SEED} (replay with ARCLINK_FUZZ_SEED=${SEED})`);

// ---------- the legitimate client ----------------------------------------------------------------

interface Probe {
  asked: number;
  answered: number;
  failures: string[];
  stop(): Promise<void>;
}

/** Asks gbl.his.arc.azure.com at the inbound endpoint every 200 ms (3 tries per round under load). */
function legitimateClient(port: number): Probe {
  const p: Probe = { asked: 0, answered: 0, failures: [], stop: async () => undefined };
  let running = true;
  const loop = (async () => {
    for (let id = 1; running; id++) {
      p.asked++;
      let ok = false;
      let last = "no reply";
      for (let attempt = 0; attempt < 3 && !ok; attempt++) {
        const r = await udpExchange(port, queryPacket(id & 0xffff, "gbl.his.arc.azure.com"), 1000);
        if (!r) continue;
        const m = decodePacket(r.bytes);
        const a = (m.answers ?? []).filter((x) => x.type === "A").map((x) => String((x as any).data));
        ok = r.id === (id & 0xffff) && r.rcode === 0 && a.includes("10.10.1.4");
        last = `rcode ${r.rcode}, A ${a.join(",")}`;
      }
      if (ok) p.answered++;
      else if (p.failures.length < 10) p.failures.push(`round ${id}: ${last}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  })();
  p.stop = async () => {
    running = false;
    await loop;
  };
  return p;
}

function mergeTallies(ts: Tally[]): Tally {
  const out = newTally();
  for (const t of ts) {
    out.sent += t.sent;
    out.replies += t.replies;
    out.lost += t.lost;
    out.late += t.late;
    out.servfail.push(...t.servfail);
    for (const [k, v] of Object.entries(t.byRcode)) out.byRcode[k] = (out.byRcode[k] ?? 0) + v;
  }
  return out;
}

function asciiLower(b: Buffer): string {
  return Buffer.from(b.map((x) => (x >= 0x41 && x <= 0x5a ? x | 0x20 : x))).toString("latin1");
}

// ---------- tests ------------------------------------------------------------------------------

describe("DNS fuzzing", { timeout: 600_000 }, () => {
  it(`decoder: ${DECODER_INPUTS} random and mutated inputs never throw, and what decodes re-encodes`, () => {
    const rng = new Rng(SEED ^ 0x5eed);
    const nameBuf = Buffer.alloc(255);
    const counts = { query: 0, reply: 0, drop: 0 };
    for (let i = 0; i < DECODER_INPUTS; i++) {
      const p = fuzzPacket(rng);
      const hex = p.toString("hex");
      let d: ReturnType<typeof decodeQuery>;
      try {
        d = decodeQuery(p);
      } catch (e) {
        assert.fail(
          `decodeQuery threw ${(e as Error).name}: ${(e as Error).message} on ${hex} (seed ${SEED})`,
        );
      }
      if (d.kind === "error") {
        counts[d.action]++;
        assert.ok(d.reason.length > 0, `a DecodeError without a reason for ${hex}`);
        if (d.action === "reply") {
          assert.ok(d.header, `a reply-able DecodeError without a header for ${hex}`);
          const r = encodeError(d.query ?? d.header, d.rcode);
          assert.equal(r.readUInt16BE(0), d.header.id);
        }
        continue;
      }
      counts.query++;
      const q: DecodedQuery = d;
      // The presentation name goes back to the same wire name (lowercased): escapes round-trip.
      const len = textToWireName(q.name, nameBuf);
      assert.equal(
        nameBuf.subarray(0, len).toString("latin1"),
        asciiLower(q.qnameWire),
        `name ${JSON.stringify(q.name)} does not round-trip for ${hex}`,
      );
      assert.equal(wireNameToText(nameBuf, len, true), q.name);
      // An answer that echoes the (possibly escaped) name encodes within the client's limit.
      const reply = encodeResponse(
        q,
        {
          rcode: 0,
          answers: [{ name: q.name, type: "CNAME", ttl: 60, data: "target.arclink.test" }],
          authority: [],
        },
        512,
      );
      assert.ok(reply.length <= 512, `reply of ${reply.length} bytes over UDP's 512 for ${hex}`);
      assert.doesNotThrow(() => decodePacket(reply), `reply does not parse for ${hex}`);
    }
    console.log(`decoder fuzz: ${JSON.stringify(counts)}`);
    assert.ok(
      counts.query > DECODER_INPUTS / 20,
      "too few inputs decoded: the mutations are too destructive",
    );
    assert.ok(counts.reply > DECODER_INPUTS / 10, "too few inputs were refused with an error reply");
  });

  let srv: TestServer;
  let ports: number[];
  let inbound: number;
  before(async () => {
    srv = await startServer({ args: ["--topology", "examples/reference.yaml"] });
    ports = Object.values(srv.info.dns as Record<string, { port: number }>).map((d) => d.port);
    inbound = dnsPort(srv, "inbound");
    assert.ok(ports.length >= 4, `expected the reference topology's 4 DNS listeners, got ${ports.length}`);
  });
  after(async () => {
    await srv?.stop();
  });

  it(`listeners: ${UDP_PACKETS + TCP_PACKETS} packets (${TCP_PACKETS} over TCP) while a client is served`, async () => {
    const before = await dig(inbound, "gbl.his.arc.azure.com");
    assert.equal(before.status, "NOERROR", before.text);
    const probe = legitimateClient(inbound);
    const rng = new Rng(SEED);
    const jobs: DnsFuzzJob[] = Array.from({ length: WORKERS }, (_, i) => ({
      seed: rng.u32(),
      ports,
      udpSenders: 2,
      udpPackets: UDP_PACKETS / WORKERS,
      tcpPort: ports[i % ports.length],
      tcpPackets: TCP_PACKETS / WORKERS,
    }));
    const started = process.hrtime.bigint();
    let results: DnsFuzzResult[];
    try {
      results = await dnsFuzzInWorkers(jobs);
    } finally {
      await probe.stop();
    }
    const udp = mergeTallies(results.map((r) => r.udp));
    const tcp = mergeTallies(results.map((r) => r.tcp));
    const failures = results.flatMap((r) => r.failures);
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    const rate = Math.round((udp.sent + tcp.sent) / seconds);
    console.log(
      `listener fuzz: seed ${SEED}, ${udp.sent} UDP + ${tcp.sent} TCP packets in ${seconds.toFixed(1)} s ` +
        `(${rate} packets/s); UDP replies ${udp.replies}, lost ${udp.lost}, late ${udp.late}; ` +
        `TCP replies ${tcp.replies}; rcodes UDP ${JSON.stringify(udp.byRcode)} TCP ${JSON.stringify(tcp.byRcode)}; ` +
        `legitimate client ${probe.answered}/${probe.asked}`,
    );
    assert.equal(srv.proc.exitCode, null, `the server exited during the fuzz run:\n${srv.output()}`);
    assert.deepEqual(failures, [], `seed ${SEED}`);
    assert.equal(udp.sent + tcp.sent, UDP_PACKETS + TCP_PACKETS);
    assert.deepEqual([...udp.servfail, ...tcp.servfail], [], "SERVFAIL answers to decodable queries");
    // UDP may drop under load, but most replies must arrive.
    assert.ok(udp.lost < udp.sent / 50, `${udp.lost} UDP replies lost of ${udp.sent}`);
    assert.ok(probe.asked >= 5, `the legitimate client asked only ${probe.asked} times`);
    assert.deepEqual(probe.failures, [], "the legitimate client was not answered");
    const afterwards = await dig(inbound, "gbl.his.arc.azure.com");
    assert.equal(afterwards.status, "NOERROR", afterwards.text);
    assert.ok(
      afterwards.answer.some((r) => r.type === "A" && r.data === "10.10.1.4"),
      afterwards.text,
    );
  });

  it("regression: NODATA at the end of a CNAME chain is NOERROR with the zone's SOA, not SERVFAIL", async () => {
    // eus.his.arc.azure.com → CNAME eus.privatelink.his.arc.azure.com, which has only an A record.
    const r = await dig(inbound, "eus.his.arc.azure.com", "AAAA");
    assert.equal(r.status, "NOERROR", r.text);
    assert.deepEqual(
      r.answer.map((x) => `${x.type} ${x.data}`),
      ["CNAME eus.privatelink.his.arc.azure.com"],
      r.text,
    );
    assert.equal(r.authority[0]?.type, "SOA", r.text);
    assert.equal(r.authority[0]?.name, "privatelink.his.arc.azure.com", r.text);
    // A type ArcLink has no mnemonic for: the same NODATA.
    const t = await dig(inbound, "gbl.his.arc.azure.com", "TYPE99");
    assert.equal(t.status, "NOERROR", t.text);
  });

  it("regression: a dot or backslash inside a label is NXDOMAIN, not SERVFAIL", async () => {
    for (const label of ["co.", "co\\"]) {
      const p = queryPacket(9, "login.microsoftonline.x", { qtype: 5 });
      // Replace the last label "x" by one holding the raw byte.
      const raw = Buffer.from(label, "latin1");
      const at = p.length - 4 - 3;
      const q = Buffer.concat([p.subarray(0, at), Buffer.from([raw.length]), raw, p.subarray(at + 2)]);
      const r = await udpExchange(inbound, q);
      assert.equal(r?.rcode, Rcode.NXDOMAIN, `query ${q.toString("hex")}`);
      assert.equal(r?.id, 9);
    }
  });

  it("a response is never answered and a question name pointing at itself is FORMERR", async () => {
    const resp = queryPacket(7, "gbl.his.arc.azure.com");
    resp[2] |= 0x80;
    assert.equal(await udpExchange(inbound, resp, 300), null);
    // The question name is a pointer to itself.
    const loop = Buffer.from("000701000001000000000000c00c00010001", "hex");
    const r = await udpExchange(inbound, loop);
    assert.equal(r?.rcode, Rcode.FORMERR);
  });
});
