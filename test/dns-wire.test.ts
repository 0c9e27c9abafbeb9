// DNS wire layer and listener, checked against the real `dig` and against hand-built hostile
// packets. Every exchange is bounded in time and goes only to 127.0.0.1.

import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { createSocket } from "node:dgram";
import { connect, type Socket } from "node:net";
import { after, before, describe, it } from "node:test";
import { promisify } from "node:util";
import { decode as decodePacket, type Answer } from "dns-packet";
import {
  startDnsListener,
  type DnsListener,
  type DnsQuestion,
  type QueryMeta,
} from "../src/frontends/dns/listener.js";
import {
  decodeQuery,
  encodeResponse,
  textToWireName,
  type DnsAnswer,
  type RR,
} from "../src/frontends/dns/wire.js";

const T = { timeout: 15_000 };
const execFileP = promisify(execFile);

// ---------- fake answers -------------------------------------------------------------------

const SOA: RR = {
  name: "privatelink.his.arc.azure.com",
  type: "SOA",
  ttl: 10,
  data: {
    mname: "azureprivatedns.net",
    rname: "azureprivatedns-host.microsoft.com",
    serial: 1,
    refresh: 3600,
    retry: 300,
    expire: 2419200,
    minimum: 10,
  },
};
const CHAIN: RR[] = [
  { name: "gbl.his.arc.azure.com", type: "CNAME", ttl: 300, data: "gbl.privatelink.his.arc.azure.com" },
  { name: "gbl.privatelink.his.arc.azure.com", type: "A", ttl: 10, data: "10.0.0.5" },
];
const manyA = (name: string, n: number): RR[] =>
  Array.from({ length: n }, (_, i) => ({ name, type: "A", ttl: 60, data: `10.1.${i >> 8}.${i & 255}` }));

const calls: Array<{ q: DnsQuestion; meta: QueryMeta }> = [];
const errors: string[] = [];

function fakeAnswer(q: DnsQuestion, meta: QueryMeta): DnsAnswer | Promise<DnsAnswer> {
  calls.push({ q, meta });
  if (q.name === "slow.arclink.test") {
    const answer = {
      rcode: 0,
      answers: [{ name: q.name, type: "A", ttl: 5, data: "10.9.9.9" } as RR],
      authority: [],
    };
    return new Promise((resolve) => setTimeout(() => resolve(answer), 50));
  }
  if (q.name === "badip.arclink.test") {
    return { rcode: 0, answers: [{ name: q.name, type: "A", ttl: 5, data: "10.0.0.300" }], authority: [] };
  }
  const ok = (answers: RR[]): DnsAnswer => ({ rcode: 0, aa: true, ra: true, answers, authority: [] });
  if (q.name === "gbl.his.arc.azure.com") return ok(CHAIN);
  if (q.name === "many.arclink.test") return ok(manyA(q.name, 40)); // 40 × 16 B > 512, < 1232
  if (q.name === "huge.arclink.test") return ok(manyA(q.name, 100)); // > 1232
  if (q.name === "txt.arclink.test") {
    return ok([{ name: q.name, type: "TXT", ttl: 42, data: ["v=arclink1", "hello world"] }]);
  }
  if (q.name === "boom.arclink.test") throw new Error("answer function failed on purpose");
  return { rcode: 3, aa: true, ra: true, answers: [], authority: [SOA] };
}

// ---------- helpers ------------------------------------------------------------------------

interface DigResult {
  status: string;
  flags: string[];
  counts: Record<string, number>;
  sections: Record<string, string[][]>;
  size: number;
  text: string;
}

async function dig(port: number, ...args: string[]): Promise<DigResult> {
  const argv = ["@127.0.0.1", "-p", String(port), "+time=2", "+tries=1", ...args];
  const { stdout } = await execFileP("/usr/bin/dig", argv, { timeout: 10_000 });
  return parseDig(stdout);
}

function parseDig(text: string): DigResult {
  // dig prints one block per reply (two after a TC retry); the last block is the final reply.
  const last = text.slice(text.lastIndexOf("->>HEADER<<-"));
  const status = /status: (\w+)/.exec(last)?.[1] ?? "";
  const flagsLine = /;; flags: ([^;]*);(.*)/.exec(last);
  const counts: Record<string, number> = {};
  for (const m of (flagsLine?.[2] ?? "").matchAll(/(\w+): (\d+)/g)) counts[m[1]] = Number(m[2]);
  const sections: Record<string, string[][]> = {};
  let current = "";
  for (const line of last.split("\n")) {
    const header = /^;; (\w+) SECTION:/.exec(line);
    if (header) current = header[1];
    else if (line.trim() === "" || line.startsWith(";;")) current = "";
    else if (current) (sections[current] ??= []).push(line.replace(/^;/, "").split(/\s+/));
  }
  const size = Number(/MSG SIZE\s+rcvd: (\d+)/.exec(last)?.[1] ?? NaN);
  return { status, flags: (flagsLine?.[1] ?? "").trim().split(/\s+/), counts, sections, size, text };
}

function nameWire(name: string): Buffer {
  const parts =
    name === "" ? [] : name.split(".").map((l) => Buffer.concat([Buffer.from([l.length]), Buffer.from(l)]));
  return Buffer.concat([...parts, Buffer.from([0])]);
}

interface QueryOpts {
  id?: number;
  name?: string;
  qtype?: number;
  qclass?: number;
  flags?: number;
  qdcount?: number;
  edns?: { size: number; version: number };
}

function buildQuery(o: QueryOpts = {}): Buffer {
  const header = Buffer.alloc(12);
  header.writeUInt16BE(o.id ?? 0x1234, 0);
  header.writeUInt16BE(o.flags ?? 0x0100, 2); // RD
  header.writeUInt16BE(o.qdcount ?? 1, 4);
  header.writeUInt16BE(o.edns ? 1 : 0, 10);
  const question = Buffer.alloc(4);
  question.writeUInt16BE(o.qtype ?? 1, 0);
  question.writeUInt16BE(o.qclass ?? 1, 2);
  const opt = Buffer.alloc(o.edns ? 11 : 0);
  if (o.edns) {
    opt.writeUInt16BE(41, 1);
    opt.writeUInt16BE(o.edns.size, 3);
    opt[6] = o.edns.version;
  }
  return Buffer.concat([header, nameWire(o.name ?? "gbl.his.arc.azure.com"), question, opt]);
}

/** Send one datagram to the listener; resolves with the reply, or null if none came in waitMs. */
function udpExchange(port: number, packet: Buffer, waitMs = 400): Promise<Buffer | null> {
  return new Promise((resolve) => {
    const sock = createSocket("udp4");
    const timer = setTimeout(() => finish(null), waitMs);
    const finish = (reply: Buffer | null): void => {
      clearTimeout(timer);
      sock.close();
      resolve(reply);
    };
    sock.on("message", (msg) => finish(msg));
    sock.on("error", () => finish(null));
    sock.send(packet, port, "127.0.0.1");
  });
}

/** dns-packet's rdata, for record types that have a `data` field (all but OPT). */
const rdataOf = (a: Answer | undefined): unknown => (a && "data" in a ? a.data : undefined);
const rcodeOf = (reply: Buffer): number => reply[3] & 0x0f;
const framed = (msg: Buffer): Buffer =>
  Buffer.concat([Buffer.from([msg.length >> 8, msg.length & 255]), msg]);

function tcpConnect(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const sock = connect({ host: "127.0.0.1", port }, () => resolve(sock));
    sock.setTimeout(10_000, () => sock.destroy());
    sock.on("error", reject);
  });
}

/** Resolves with how long the server took to close `sock`; rejects after limitMs. */
function closedWithin(sock: Socket, limitMs: number): Promise<number> {
  const start = Date.now();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`socket still open after ${limitMs} ms`)), limitMs);
    sock.on("error", () => undefined);
    sock.on("close", () => {
      clearTimeout(timer);
      resolve(Date.now() - start);
    });
    sock.resume();
  });
}

/** Read `count` length-prefixed replies from a TCP socket. */
function readFramed(sock: Socket, count: number): Promise<Buffer[]> {
  return new Promise((resolve, reject) => {
    let buf = Buffer.alloc(0);
    const out: Buffer[] = [];
    const timer = setTimeout(() => reject(new Error(`got ${out.length}/${count} TCP replies`)), 5_000);
    sock.on("data", (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk]);
      while (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) {
        out.push(buf.subarray(2, 2 + buf.readUInt16BE(0)));
        buf = buf.subarray(2 + buf.readUInt16BE(0));
      }
      if (out.length >= count) {
        clearTimeout(timer);
        resolve(out);
      }
    });
  });
}

// ---------- tests --------------------------------------------------------------------------

let listener: DnsListener;
let port: number;

before(async () => {
  listener = await startDnsListener({
    host: "127.0.0.1",
    port: 0,
    answer: fakeAnswer,
    onError: (err) => errors.push(String(err)),
    tcp: { idleTimeoutMs: 1_000, partialTimeoutMs: 300, maxConnections: 8 },
  });
  port = listener.port;
});
after(() => listener.close());

describe("dig against the listener", () => {
  it("follows a CNAME chain, with flags, TTLs and compressed encoding", T, async () => {
    const r = await dig(port, "gbl.his.arc.azure.com", "A");
    assert.equal(r.status, "NOERROR");
    assert.deepEqual(r.flags, ["qr", "aa", "rd", "ra"]);
    assert.deepEqual(r.sections.ANSWER, [
      ["gbl.his.arc.azure.com.", "300", "IN", "CNAME", "gbl.privatelink.his.arc.azure.com."],
      ["gbl.privatelink.his.arc.azure.com.", "10", "IN", "A", "10.0.0.5"],
    ]);
    // Uncompressed: header 12 + question (23+4) + CNAME (23+10+35) + A (35+10+4) + OPT 11 = 167.
    // Compressed: the CNAME owner is a pointer to the question, its target "gbl.privatelink" +
    // pointer to "his.arc.azure.com", the A owner a pointer to that target: 96 bytes.
    assert.equal(r.size, 96);
    assert.ok(r.size < 167);
  });

  it("echoes the question in the client's case", T, async () => {
    const r = await dig(port, "GBL.His.Arc.Azure.COM", "A");
    assert.deepEqual(r.sections.QUESTION, [["GBL.His.Arc.Azure.COM.", "IN", "A"]]);
    assert.equal(r.counts.ANSWER, 2);
  });

  it("answers NXDOMAIN with the zone SOA in authority", T, async () => {
    const r = await dig(port, "nothere.privatelink.his.arc.azure.com", "A");
    assert.equal(r.status, "NXDOMAIN");
    assert.ok(r.flags.includes("aa"));
    assert.equal(r.counts.ANSWER, 0);
    assert.deepEqual(r.sections.AUTHORITY, [
      ["privatelink.his.arc.azure.com.", "10", "IN", "SOA", "azureprivatedns.net."].concat([
        "azureprivatedns-host.microsoft.com.",
        "1",
        "3600",
        "300",
        "2419200",
        "10",
      ]),
    ]);
  });

  it("sets TC over UDP without EDNS (+ignore shows it)", T, async () => {
    const r = await dig(port, "many.arclink.test", "A", "+noedns", "+ignore");
    assert.ok(r.flags.includes("tc"), r.text);
    assert.equal(r.counts.ANSWER, 0);
    assert.ok(r.size <= 512);
  });

  it("lets dig retry a truncated answer over TCP and get all records", T, async () => {
    calls.length = 0;
    const r = await dig(port, "many.arclink.test", "A", "+noedns");
    assert.match(r.text, /Truncated, retrying in TCP mode/);
    assert.match(r.text, /\(TCP\)/);
    assert.ok(!r.flags.includes("tc"));
    assert.equal(r.sections.ANSWER?.length, 40);
    assert.ok(r.sections.ANSWER.every((rr) => rr[1] === "60" && rr[3] === "A"));
    assert.deepEqual(
      calls.map((c) => c.meta.transport),
      ["udp", "tcp"],
    );
  });

  it("honours EDNS0 +bufsize, capped at 1232, and advertises 1232", T, async () => {
    const fits = await dig(port, "many.arclink.test", "A", "+bufsize=1232");
    assert.ok(!fits.flags.includes("tc"));
    assert.equal(fits.sections.ANSWER?.length, 40);
    assert.match(fits.text, /EDNS: version: 0, flags:; udp: 1232/);
    const small = await dig(port, "many.arclink.test", "A", "+bufsize=512", "+ignore");
    assert.ok(small.flags.includes("tc"));
    // 100 A records need ~1.7 KB: a 4096-byte client buffer is still held to 1232.
    const capped = await dig(port, "huge.arclink.test", "A", "+bufsize=4096", "+ignore");
    assert.ok(capped.flags.includes("tc"));
    const viaTcp = await dig(port, "huge.arclink.test", "A", "+tcp");
    assert.equal(viaTcp.sections.ANSWER?.length, 100);
  });

  it("returns TXT strings", T, async () => {
    const r = await dig(port, "txt.arclink.test", "TXT");
    assert.equal(r.status, "NOERROR");
    assert.match(r.text, /txt\.arclink\.test\.\s+42\s+IN\s+TXT\s+"v=arclink1" "hello world"/);
  });

  it("maps EDNS version 1 to BADVERS, another class to REFUSED, a throw to SERVFAIL", T, async () => {
    assert.equal(
      (await dig(port, "gbl.his.arc.azure.com", "+edns=1", "+noednsnegotiation")).status,
      "BADVERS",
    );
    assert.equal((await dig(port, "version.bind", "CH", "TXT")).status, "REFUSED");
    assert.equal((await dig(port, "boom.arclink.test")).status, "SERVFAIL");
    assert.ok(errors.some((e) => e.includes("failed on purpose")));
    assert.equal((await dig(port, "badip.arclink.test")).status, "SERVFAIL");
    assert.ok(errors.some((e) => e.includes('"10.0.0.300" is not an IPv4 address')));
  });
});

describe("hostile and malformed packets", () => {
  it("replies FORMERR to a truncated question, keeping the id", T, async () => {
    const packet = buildQuery({ id: 0xbeef });
    const reply = await udpExchange(port, packet.subarray(0, packet.length - 3));
    assert.ok(reply);
    assert.equal(reply.readUInt16BE(0), 0xbeef);
    assert.equal(rcodeOf(reply), 1);
  });

  it("drops an 11-byte packet and a response (QR=1)", T, async () => {
    assert.equal(await udpExchange(port, buildQuery().subarray(0, 11)), null);
    assert.equal(await udpExchange(port, buildQuery({ flags: 0x8100 })), null);
  });

  it("replies FORMERR to QDCOUNT=2, bad labels and names over 255 bytes", T, async () => {
    assert.equal(rcodeOf((await udpExchange(port, buildQuery({ qdcount: 2 })))!), 1);
    const longLabel = Buffer.concat([
      buildQuery().subarray(0, 12),
      Buffer.from([64]),
      Buffer.alloc(64, 0x61),
    ]);
    assert.equal(rcodeOf((await udpExchange(port, longLabel))!), 1);
    const longName = buildQuery({ name: Array.from({ length: 5 }, () => "a".repeat(60)).join(".") });
    assert.equal(rcodeOf((await udpExchange(port, longName))!), 1);
  });

  it("detects compression loops in the question without hanging", T, async () => {
    const header = buildQuery().subarray(0, 12);
    const selfLoop = Buffer.concat([header, Buffer.from([0xc0, 12, 0, 1, 0, 1])]);
    const twoStep = Buffer.concat([header, Buffer.from([0xc0, 14, 0xc0, 12, 0, 1, 0, 1])]);
    for (const packet of [selfLoop, twoStep]) {
      const reply = await udpExchange(port, packet);
      assert.ok(reply);
      assert.equal(rcodeOf(reply), 1);
    }
  });

  it("replies NOTIMP to other opcodes and REFUSED (question echoed) to class CH", T, async () => {
    assert.equal(rcodeOf((await udpExchange(port, buildQuery({ flags: 0x1100 })))!), 4);
    const refused = (await udpExchange(port, buildQuery({ qclass: 3 })))!;
    assert.equal(rcodeOf(refused), 5);
    assert.equal(decodePacket(refused).questions?.[0].name, "gbl.his.arc.azure.com");
  });

  it("survives 4 KB of junk and random packets, then still answers", T, async () => {
    const junk = Buffer.concat([buildQuery().subarray(0, 12), Buffer.alloc(4084, 0xff)]);
    assert.equal(rcodeOf((await udpExchange(port, junk))!), 1);
    let seed = 7;
    const rand = (): number => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
    for (let i = 0; i < 40; i++) {
      const packet = Buffer.from(
        Array.from({ length: Math.floor(rand() * 600) }, () => Math.floor(rand() * 256)),
      );
      const reply = await udpExchange(port, packet, 50);
      if (reply) assert.ok(reply.length >= 12 && (reply[2] & 0x80) !== 0);
    }
    const reply = (await udpExchange(port, buildQuery({ id: 77 })))!;
    assert.equal(reply.readUInt16BE(0), 77);
    assert.equal(decodePacket(reply).answers?.length, 2);
  });
});

describe("TCP", () => {
  it("answers pipelined queries on one connection, a slow one last", T, async () => {
    const sock = await tcpConnect(port);
    const replies = readFramed(sock, 3);
    const queries = [
      buildQuery({ id: 11, name: "slow.arclink.test" }),
      buildQuery({ id: 12 }),
      buildQuery({ id: 13 }),
    ];
    sock.write(Buffer.concat(queries.map(framed)));
    // RFC 7766 §6.2.1.1: replies may come back in completion order.
    assert.deepEqual(
      (await replies).map((r) => r.readUInt16BE(0)),
      [12, 13, 11],
    );
    sock.destroy();
  });

  it("cuts off a client that stalls mid-message while others are answered", T, async () => {
    const staller = await tcpConnect(port);
    staller.write(Buffer.from([0x00, 0x40, 0x12])); // promises 64 bytes, sends 1
    const closed = closedWithin(staller, 3_000);
    const r = await dig(port, "gbl.his.arc.azure.com", "+tcp");
    assert.equal(r.counts.ANSWER, 2);
    assert.ok((await closed) >= 250);
    assert.equal((await dig(port, "txt.arclink.test", "TXT", "+tcp")).status, "NOERROR");
  });

  it("caps concurrent connections", T, async () => {
    const small = await startDnsListener({
      host: "127.0.0.1",
      port: 0,
      answer: fakeAnswer,
      tcp: { maxConnections: 2 },
    });
    const held = [await tcpConnect(small.port), await tcpConnect(small.port)];
    assert.ok((await closedWithin(await tcpConnect(small.port), 2_000)) < 1_000);
    held.forEach((sock) => sock.destroy());
    await small.close();
  });

  it("closes idle connections", T, async () => {
    const idle = await tcpConnect(port);
    assert.ok((await closedWithin(idle, 4_000)) >= 900);
  });
});

describe("wire codec", () => {
  it("compresses names inside CNAME and SOA rdata and decodes them back", () => {
    const q = decodeQuery(buildQuery({ edns: { size: 4096, version: 0 } }));
    assert.equal(q.kind, "query");
    if (q.kind !== "query") return;
    const answer: DnsAnswer = { rcode: 0, aa: true, answers: CHAIN, authority: [SOA] };
    const wire = encodeResponse(q, answer, 1232);
    const decoded = decodePacket(wire);
    assert.deepEqual(
      decoded.answers?.map((a) => [a.name, a.type, rdataOf(a)]),
      [
        ["gbl.his.arc.azure.com", "CNAME", "gbl.privatelink.his.arc.azure.com"],
        ["gbl.privatelink.his.arc.azure.com", "A", "10.0.0.5"],
      ],
    );
    const soa = decoded.authorities?.[0];
    assert.equal(soa?.type === "SOA" ? soa.data.rname : "", "azureprivatedns-host.microsoft.com");
    const uncompressed = 12 + 27 + 23 + 10 + 35 + 35 + 10 + 4 + 31 + 10 + 21 + 36 + 20 + 11;
    assert.ok(wire.length < uncompressed, `${wire.length} < ${uncompressed}`);
  });

  it("accepts a forward compression pointer in the question and echoes it uncompressed", () => {
    const header = buildQuery().subarray(0, 12);
    header.writeUInt16BE(1, 10); // one additional record, whose owner name the question points to
    const extra = Buffer.concat([nameWire("arclink.test"), Buffer.from([0, 1, 0, 1, 0, 0, 0, 0, 0, 0])]);
    const question = Buffer.from([1, 0x78, 0xc0, 12 + 8, 0, 1, 0, 1]);
    const q = decodeQuery(Buffer.concat([header, question, extra]));
    assert.equal(q.kind === "query" && q.name, "x.arclink.test");
    if (q.kind !== "query") return;
    const reply = encodeResponse(q, { rcode: 3, answers: [], authority: [] }, 512);
    assert.equal(decodePacket(reply).questions?.[0].name, "x.arclink.test");
  });

  it("round-trips names with escaped bytes (a dot or a space inside a label)", () => {
    const raw = Buffer.from([3, 0x61, 0x2e, 0x62, 3, 0x63, 0x20, 0x44, 4, ...Buffer.from("test"), 0]);
    const q = decodeQuery(Buffer.concat([buildQuery().subarray(0, 12), raw, Buffer.from([0, 1, 0, 1])]));
    if (q.kind !== "query") return assert.fail(q.reason);
    assert.equal(q.name, "a\\.b.c\\032d.test"); // lowercased, with dig-style escapes
    const out = Buffer.alloc(255);
    assert.deepEqual(out.subarray(0, textToWireName("a\\.b.c\\032D.test.", out)), raw);
  });

  it("drops additional records before truncating, and keeps OPT in a TC reply", () => {
    const q = decodeQuery(buildQuery({ name: "many.arclink.test", edns: { size: 1232, version: 0 } }));
    if (q.kind !== "query") return assert.fail("query did not decode");
    const answers = manyA("many.arclink.test", 20);
    const lean = decodePacket(
      encodeResponse(q, { rcode: 0, answers, authority: [], additional: answers }, 512),
    );
    assert.equal(lean.answers?.length, 20);
    assert.equal(lean.additionals?.length, 1); // only the OPT
    const tc = encodeResponse(q, { rcode: 0, answers: manyA("many.arclink.test", 40), authority: [] }, 512);
    assert.equal(tc[2] & 0x02, 0x02);
    assert.deepEqual([tc.readUInt16BE(6), tc.readUInt16BE(8), tc.readUInt16BE(10)], [0, 0, 1]);
  });
});

describe("listener setup and cache", () => {
  it("refuses to bind a non-loopback host", T, async () => {
    for (const host of ["0.0.0.0", "10.0.0.1", "::", "localhost", "192.168.1.10"]) {
      await assert.rejects(startDnsListener({ host, port: 0, answer: fakeAnswer }), /not a loopback address/);
    }
  });

  it("serves repeats from the cache, patching id and case, until the generation changes", T, async () => {
    let generation = 1;
    let answered = 0;
    const cached = await startDnsListener({
      host: "127.0.0.1",
      port: 0,
      cacheKey: () => generation,
      answer: (q, meta) => {
        answered++;
        return fakeAnswer(q, meta);
      },
    });
    try {
      const first = (await udpExchange(cached.port, buildQuery({ id: 1 })))!;
      const second = (await udpExchange(cached.port, buildQuery({ id: 2, name: "GBL.HIS.arc.azure.com" })))!;
      assert.equal(answered, 1);
      assert.equal(second.readUInt16BE(0), 2);
      const decoded = decodePacket(second);
      assert.equal(decoded.questions?.[0].name, "GBL.HIS.arc.azure.com");
      assert.equal(rdataOf(decoded.answers?.[1]), "10.0.0.5");
      assert.equal(first.length, second.length);
      generation = 2;
      await udpExchange(cached.port, buildQuery({ id: 3 }));
      assert.equal(answered, 2);
    } finally {
      await cached.close();
    }
  });
});
