// Fuzzing helpers: a seeded PRNG (so a failing run replays from its seed), generators of
// random and mutated DNS query packets, and the senders that fire them at DNS listeners from
// worker threads (so generating and checking packets does not compete with the main thread).

import { createSocket, type Socket as UdpSocket } from "node:dgram";
import { connect } from "node:net";
import { isMainThread, parentPort, Worker, workerData } from "node:worker_threads";
import { decode as decodePacket } from "dns-packet";
import { Rcode, decodeQuery } from "../../src/frontends/dns/wire.js";

const LOOPBACK = "127.0.0.1";
const UDP_WINDOW = 128;
const TCP_WINDOW = 64;
/** Silence after which a sender gives up on the rest of its window (counted as lost, not failed). */
const WINDOW_TIMEOUT_MS = 1000;

/** A 32-bit "mulberry32" generator: small, fast, and good enough for input generation. */
export class Rng {
  private s: number;
  constructor(seed: number) {
    this.s = seed >>> 0;
  }
  /** Uniform in [0, 2^32). */
  u32(): number {
    let t = (this.s = (this.s + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }
  /** Uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor((this.u32() / 0x100000000) * n);
  }
  /** Integer in [lo, hi]. */
  range(lo: number, hi: number): number {
    return lo + this.int(hi - lo + 1);
  }
  chance(p: number): boolean {
    return this.u32() / 0x100000000 < p;
  }
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)];
  }
  bytes(n: number): Buffer {
    const b = Buffer.allocUnsafe(n);
    for (let i = 0; i < n; i++) b[i] = this.u32() & 0xff;
    return b;
  }
}

/** A seed from ARCLINK_FUZZ_SEED (to replay a failure) or a fresh one; always printed by the caller. */
export function fuzzSeed(): number {
  const env = process.env.ARCLINK_FUZZ_SEED;
  if (env !== undefined && env !== "") return Number(env) >>> 0;
  return (Date.now() ^ (process.pid << 16)) >>> 0;
}

// ---------- DNS packets ------------------------------------------------------------------------

/** Names the reference world answers (private and public), plus a few it does not. */
export const DNS_NAMES = [
  "gbl.his.arc.azure.com",
  "eus.his.arc.azure.com",
  "gbl.privatelink.his.arc.azure.com",
  "agentserviceapi.guestconfiguration.azure.com",
  "eastus-gas.guestconfiguration.azure.com",
  "eastus.dp.kubernetesconfiguration.azure.com",
  "privatelink.his.arc.azure.com",
  "login.microsoftonline.com",
  "management.azure.com",
  "dc01.corp.contoso.com",
  "nothing-here.example",
  "x",
  "",
];

const QTYPES = [1, 2, 5, 6, 12, 15, 16, 28, 33, 41, 43, 46, 48, 64, 65, 99, 251, 252, 255, 256, 65535, 0];

function labelsOf(name: string): Buffer {
  const parts = name
    .split(".")
    .filter(Boolean)
    .map((l) => Buffer.concat([Buffer.from([l.length]), Buffer.from(l, "latin1")]));
  return Buffer.concat([...parts, Buffer.from([0])]);
}

/** An OPT record: root owner, type 41, udp size, ext rcode, version, flags, options. */
export function optRecord(
  opts: { udpSize?: number; version?: number; do?: boolean; options?: Buffer } = {},
): Buffer {
  const options = opts.options ?? Buffer.alloc(0);
  const b = Buffer.alloc(11);
  b.writeUInt16BE(41, 1);
  b.writeUInt16BE(opts.udpSize ?? 1232, 3);
  b[6] = opts.version ?? 0;
  b.writeUInt16BE(opts.do ? 0x8000 : 0, 7);
  b.writeUInt16BE(options.length, 9);
  return Buffer.concat([b, options]);
}

/** A well-formed query (before mutation): header with RD, one question, optionally an OPT. */
export function validQuery(rng: Rng): Buffer {
  const name = rng.pick(DNS_NAMES);
  // Mixed case: DNS names compare case-insensitively and the question is echoed as sent.
  const spelled = rng.chance(0.2)
    ? [...name].map((c) => (rng.chance(0.5) ? c.toUpperCase() : c)).join("")
    : name;
  const header = Buffer.alloc(12);
  header.writeUInt16BE(rng.int(65536), 0);
  header.writeUInt16BE(rng.chance(0.9) ? 0x0100 : 0, 2);
  header.writeUInt16BE(1, 4);
  const withOpt = rng.chance(0.5);
  if (withOpt) header.writeUInt16BE(1, 10);
  const tail = Buffer.alloc(4);
  tail.writeUInt16BE(rng.chance(0.7) ? rng.pick([1, 28, 5, 6]) : rng.pick(QTYPES), 0);
  tail.writeUInt16BE(rng.chance(0.9) ? 1 : rng.pick([3, 4, 254, 255, 0, 65535]), 2);
  const parts = [header, labelsOf(spelled), tail];
  if (withOpt) {
    let options: Buffer | undefined;
    if (rng.chance(0.3)) {
      // A client COOKIE (option 10, 8 bytes) or a random option.
      const code = rng.chance(0.5) ? 10 : rng.int(65536);
      const data = rng.bytes(code === 10 ? 8 : rng.int(40));
      const o = Buffer.alloc(4);
      o.writeUInt16BE(code, 0);
      o.writeUInt16BE(data.length, 2);
      options = Buffer.concat([o, data]);
    }
    parts.push(optRecord({ udpSize: rng.pick([512, 1232, 4096, 0, 65535]), do: rng.chance(0.3), options }));
  }
  return Buffer.concat(parts);
}

/** Offsets of the question name's length bytes (uncompressed names only). */
function labelOffsets(p: Buffer): number[] {
  const out: number[] = [];
  let pos = 12;
  while (pos < p.length && p[pos] !== 0 && p[pos] < 64) {
    out.push(pos);
    pos += 1 + p[pos];
  }
  if (pos < p.length) out.push(pos);
  return out;
}

type Mutator = (rng: Rng, p: Buffer) => Buffer;

const MUTATORS: Mutator[] = [
  // Bit flips.
  (rng, p) => {
    const b = Buffer.from(p);
    for (let i = rng.range(1, 8); i > 0; i--) b[rng.int(b.length)] ^= 1 << rng.int(8);
    return b;
  },
  // Random byte overwrites.
  (rng, p) => {
    const b = Buffer.from(p);
    for (let i = rng.range(1, 4); i > 0; i--) b[rng.int(b.length)] = rng.int(256);
    return b;
  },
  // Truncation anywhere (including inside the header).
  (rng, p) => p.subarray(0, rng.int(p.length)),
  // Extension with random trailing bytes.
  (rng, p) => Buffer.concat([p, rng.bytes(rng.range(1, 64))]),
  // Header counts.
  (rng, p) => {
    const b = Buffer.from(p);
    const field = rng.pick([4, 6, 8, 10]);
    b.writeUInt16BE(rng.chance(0.5) ? rng.int(4) : rng.int(65536), field);
    return b;
  },
  // Opcode, QR, TC, Z and rcode bits in the flags.
  (rng, p) => {
    const b = Buffer.from(p);
    if (rng.chance(0.5)) b[2] = (b[2] & 0x87) | (rng.int(16) << 3);
    else b[2] = rng.int(256);
    if (rng.chance(0.5)) b[3] = rng.int(256);
    return b;
  },
  // Question type and class.
  (rng, p) => {
    const b = Buffer.from(p);
    const offs = labelOffsets(b);
    const end = offs[offs.length - 1] + 1;
    if (end + 4 <= b.length) {
      if (rng.chance(0.5)) b.writeUInt16BE(rng.chance(0.5) ? rng.pick(QTYPES) : rng.int(65536), end);
      else b.writeUInt16BE(rng.chance(0.5) ? rng.pick([0, 2, 3, 4, 254, 255]) : rng.int(65536), end + 2);
    }
    return b;
  },
  // Label length bytes: too long, 64..191 (reserved), 0 early, past the end.
  (rng, p) => {
    const b = Buffer.from(p);
    const offs = labelOffsets(b);
    b[rng.pick(offs)] = rng.pick([0, 1, 63, 64, 100, 127, 128, 191, 192, 255, rng.int(256)]);
    return b;
  },
  // Compression pointers in the question: to itself (loop), backwards into the header, forward.
  (rng, p) => {
    const b = Buffer.from(p);
    const offs = labelOffsets(b);
    const at = rng.pick(offs);
    if (at + 1 >= b.length) return b;
    const target = rng.pick([at, 12, 0, 2, at + 2, at + 4, b.length - 1, b.length + 5, rng.int(0x4000)]);
    b[at] = 0xc0 | ((target >> 8) & 0x3f);
    b[at + 1] = target & 0xff;
    return b;
  },
  // A two-pointer loop: A → B → A.
  (rng, p) => {
    const b = Buffer.concat([p.subarray(0, 12), Buffer.from([0xc0, 14, 0xc0, 12, 0, 1, 0, 1])]);
    b.writeUInt16BE(1, 4);
    b.writeUInt16BE(0, 10);
    if (rng.chance(0.5)) b[15] = 12;
    return b;
  },
  // A name of 128+ labels or longer than 255 bytes.
  (rng, p) => {
    const labels: Buffer[] = [];
    const n = rng.pick([64, 127, 128, 200]);
    for (let i = 0; i < n; i++) labels.push(Buffer.from([1, 0x61 + rng.int(26)]));
    if (rng.chance(0.5)) labels.push(Buffer.from([63]), Buffer.alloc(63, 0x62));
    return Buffer.concat([p.subarray(0, 12), ...labels, Buffer.from([0, 0, 1, 0, 1])]);
  },
  // EDNS: version, udp size, broken option framing, two OPTs, OPT with a non-root owner.
  (rng, p) => {
    const b = Buffer.from(p);
    b.writeUInt16BE(rng.int(3), 10);
    const kind = rng.int(5);
    let opt: Buffer;
    if (kind === 0) opt = optRecord({ version: rng.range(1, 255) });
    else if (kind === 1) opt = optRecord({ udpSize: rng.int(65536) });
    else if (kind === 2) {
      const bad = Buffer.alloc(6);
      bad.writeUInt16BE(rng.int(65536), 0);
      bad.writeUInt16BE(rng.range(3, 65535), 2);
      opt = optRecord({ options: bad });
    } else if (kind === 3) opt = Buffer.concat([optRecord(), optRecord()]);
    else {
      opt = Buffer.concat([Buffer.from([1, 0x61]), optRecord()]);
    }
    const q = labelOffsets(b);
    const end = q[q.length - 1] + 5;
    return Buffer.concat([b.subarray(0, Math.min(end, b.length)), opt]);
  },
  // Records in the answer/authority sections of a query.
  (rng, p) => {
    const b = Buffer.from(p);
    b.writeUInt16BE(rng.range(1, 3), rng.pick([6, 8]));
    const rr = Buffer.alloc(10 + 4);
    rr.writeUInt16BE(0xc00c, 0);
    rr.writeUInt16BE(1, 2);
    rr.writeUInt16BE(1, 4);
    rr.writeUInt16BE(rng.chance(0.7) ? 4 : rng.int(65536), 10);
    return Buffer.concat([b, rr]);
  },
  // Oversized: a valid start padded far beyond 512 / 1232 bytes.
  (rng, p) => Buffer.concat([p, Buffer.alloc(rng.pick([600, 1300, 4000, 9000]), rng.int(256))]),
];

/** One fuzz packet: a fifth purely random bytes, some valid queries, the rest mutated valid queries. */
export function fuzzPacket(rng: Rng): Buffer {
  if (rng.chance(0.2)) return rng.bytes(rng.chance(0.1) ? rng.int(12) : rng.range(12, 600));
  let p = validQuery(rng);
  if (rng.chance(0.15)) return p;
  for (let i = rng.chance(0.7) ? 1 : rng.range(2, 4); i > 0; i--) {
    if (p.length === 0) break;
    // The first four mutators work on any bytes; the others expect a header and a question.
    p = (p.length > 16 ? rng.pick(MUTATORS) : MUTATORS[rng.int(4)])(rng, p);
  }
  return p;
}

// ---------- what the server must answer ----------------------------------------------------------

/** What a packet should get back: nothing, an error rcode, or an answer to the question. */
type Expect = { reply: false } | { reply: true; rcode: number | "answer"; question: Buffer | null };

function expectFor(p: Buffer): Expect {
  const d = decodeQuery(p);
  if (d.kind === "error") {
    if (d.action === "drop" || d.header === null) return { reply: false };
    return { reply: true, rcode: d.rcode, question: d.query ? Buffer.from(d.query.qnameWire) : null };
  }
  return { reply: true, rcode: "answer", question: Buffer.from(d.qnameWire) };
}

const ANSWER_RCODES = new Set<number>([Rcode.NOERROR, Rcode.NXDOMAIN, Rcode.SERVFAIL, Rcode.REFUSED]);

export interface Tally {
  sent: number;
  replies: number;
  lost: number;
  late: number;
  byRcode: Record<string, number>;
  servfail: string[];
}

export const newTally = (): Tally => ({ sent: 0, replies: 0, lost: 0, late: 0, byRcode: {}, servfail: [] });

/** Checks one reply against what its query should get; returns a failure description or null. */
function checkReply(reply: Buffer, sent: Buffer, exp: Expect, t: Tally): string | null {
  const hex = `query ${sent.toString("hex").slice(0, 200)}`;
  if (!exp.reply) return `got a reply to a packet that must be dropped: ${hex}`;
  let msg;
  try {
    msg = decodePacket(reply);
  } catch (e) {
    return `reply does not parse (${(e as Error).message}): ${reply.toString("hex").slice(0, 200)}; ${hex}`;
  }
  if (msg.type !== "response") return `reply has QR=0; ${hex}`;
  // Full rcode: 4 header bits plus the OPT's 8 extended bits (BADVERS is 16).
  let rcode = reply[3] & 0x0f;
  const opt = (msg.additionals ?? []).find((r) => r.type === "OPT") as any;
  if (opt) rcode |= ((opt.extendedRcode ?? 0) & 0xff) << 4;
  t.byRcode[rcode] = (t.byRcode[rcode] ?? 0) + 1;
  if (exp.rcode === "answer") {
    if (!ANSWER_RCODES.has(rcode)) return `answer has rcode ${rcode}; ${hex}`;
    if (rcode === Rcode.SERVFAIL && t.servfail.length < 20) t.servfail.push(hex);
  } else if (rcode !== exp.rcode) return `expected rcode ${exp.rcode}, got ${rcode}; ${hex}`;
  const qd = reply.readUInt16BE(4);
  if (exp.question) {
    if (qd !== 1) return `reply does not echo the question (QDCOUNT ${qd}); ${hex}`;
    const echoed = reply.subarray(12, 12 + exp.question.length);
    if (!echoed.equals(exp.question)) return `reply echoes another question name; ${hex}`;
  } else if (qd !== 0) return `header-only error reply has QDCOUNT ${qd}; ${hex}`;
  return null;
}

// ---------- UDP and TCP senders ------------------------------------------------------------------

/** Sends `count` fuzz packets from one socket to `ports`, at most UDP_WINDOW outstanding. */
export async function udpSender(rng: Rng, ports: number[], count: number, t: Tally, failures: string[]) {
  const sock: UdpSocket = createSocket("udp4");
  await new Promise<void>((r) => sock.bind(0, LOOPBACK, () => r()));
  const outstanding = new Map<number, { p: Buffer; exp: Expect }>();
  const late = new Set<number>();
  let waiting: (() => void) | null = null;
  sock.on("message", (msg) => {
    if (msg.length < 2) {
      failures.push(`reply of ${msg.length} bytes`);
      return;
    }
    const id = msg.readUInt16BE(0);
    const o = outstanding.get(id);
    if (!o) {
      if (late.delete(id)) t.late++;
      else if (failures.length < 50) failures.push(`reply with an id (${id}) that was never asked`);
      return;
    }
    outstanding.delete(id);
    t.replies++;
    const f = checkReply(msg, o.p, o.exp, t);
    if (f && failures.length < 50) failures.push(f);
    if (outstanding.size === 0 && waiting) waiting();
  });
  let next = rng.int(65536);
  let left = count;
  while (left > 0) {
    const n = Math.min(UDP_WINDOW, left);
    left -= n;
    for (let i = 0; i < n; i++) {
      const p = fuzzPacket(rng);
      const id = next++ & 0xffff;
      if (p.length >= 2) p.writeUInt16BE(id, 0);
      const exp = expectFor(p);
      if (exp.reply) {
        late.delete(id);
        outstanding.set(id, { p, exp });
      }
      t.sent++;
      sock.send(p, rng.pick(ports), LOOPBACK);
    }
    if (outstanding.size > 0) {
      // Wait until every reply is in, or until a second passes without any reply.
      await new Promise<void>((resolve) => {
        let seen = outstanding.size;
        const poll = setInterval(() => {
          if (outstanding.size === seen) finish();
          seen = outstanding.size;
        }, WINDOW_TIMEOUT_MS);
        const finish = (): void => {
          clearInterval(poll);
          resolve();
        };
        waiting = finish;
      });
      waiting = null;
    }
    for (const id of outstanding.keys()) late.add(id);
    t.lost += outstanding.size;
    outstanding.clear();
  }
  // A last moment for late replies, then close.
  await new Promise((r) => setTimeout(r, 100));
  await new Promise<void>((r) => sock.close(() => r()));
}

/** One TCP connection: `count` framed fuzz packets, pipelined TCP_WINDOW at a time. */
export async function tcpSender(rng: Rng, port: number, count: number, t: Tally, failures: string[]) {
  const sock = connect({ host: LOOPBACK, port });
  sock.setNoDelay(true);
  await new Promise<void>((resolve, reject) => {
    sock.once("connect", () => resolve());
    sock.once("error", reject);
  });
  let closed = false;
  sock.on("close", () => {
    closed = true;
    waiting?.();
  });
  sock.on("error", (e) => failures.push(`TCP connection error: ${e.message}`));
  const outstanding = new Map<number, { p: Buffer; exp: Expect }>();
  let waiting: (() => void) | null = null;
  let pending = Buffer.alloc(0);
  sock.on("data", (chunk: Buffer) => {
    pending = Buffer.concat([pending, chunk]);
    while (pending.length >= 2 && pending.length >= 2 + pending.readUInt16BE(0)) {
      const msg = pending.subarray(2, 2 + pending.readUInt16BE(0));
      pending = pending.subarray(2 + msg.length);
      const id = msg.length >= 2 ? msg.readUInt16BE(0) : -1;
      const o = outstanding.get(id);
      if (!o) {
        if (failures.length < 50) failures.push(`TCP reply with an id (${id}) that was never asked`);
        continue;
      }
      outstanding.delete(id);
      t.replies++;
      const f = checkReply(msg, o.p, o.exp, t);
      if (f && failures.length < 50) failures.push(`TCP: ${f}`);
    }
    if (outstanding.size === 0) waiting?.();
  });
  let next = rng.int(65536);
  let left = count;
  while (left > 0 && !closed) {
    const n = Math.min(TCP_WINDOW, left);
    left -= n;
    const frames: Buffer[] = [];
    for (let i = 0; i < n; i++) {
      const p = fuzzPacket(rng);
      const id = next++ & 0xffff;
      if (p.length >= 2) p.writeUInt16BE(id, 0);
      const exp = expectFor(p);
      if (exp.reply) outstanding.set(id, { p, exp });
      const len = Buffer.alloc(2);
      len.writeUInt16BE(p.length);
      frames.push(len, p);
      t.sent++;
    }
    if (outstanding.size > 0) {
      const replied = new Promise<void>((resolve) => {
        const timer = setTimeout(() => resolve(), 10_000);
        waiting = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      sock.write(Buffer.concat(frames));
      await replied;
      waiting = null;
    } else sock.write(Buffer.concat(frames));
    // TCP does not lose replies: anything missing here is a failure.
    if (outstanding.size > 0) {
      failures.push(`TCP: ${outstanding.size} queries got no reply within 10 s`);
      t.lost += outstanding.size;
      outstanding.clear();
    }
  }
  if (closed && left > 0) failures.push(`TCP: the server closed the connection with ${left} packets unsent`);
  sock.end();
  await new Promise<void>((r) => (closed ? r() : sock.once("close", () => r())));
}

// ---------- worker threads ----------------------------------------------------------------------

export interface DnsFuzzJob {
  seed: number;
  ports: number[];
  udpSenders: number;
  udpPackets: number;
  tcpPort: number;
  tcpPackets: number;
}

export interface DnsFuzzResult {
  udp: Tally;
  tcp: Tally;
  failures: string[];
}

async function runDnsJob(job: DnsFuzzJob): Promise<DnsFuzzResult> {
  const udp = newTally();
  const tcp = newTally();
  const failures: string[] = [];
  const rng = new Rng(job.seed);
  const per = Math.floor(job.udpPackets / job.udpSenders);
  await Promise.all([
    ...Array.from({ length: job.udpSenders }, (_, i) =>
      udpSender(
        new Rng(rng.u32()),
        job.ports,
        i === 0 ? job.udpPackets - per * (job.udpSenders - 1) : per,
        udp,
        failures,
      ),
    ),
    job.tcpPackets > 0
      ? tcpSender(new Rng(rng.u32()), job.tcpPort, job.tcpPackets, tcp, failures)
      : Promise.resolve(),
  ]);
  return { udp, tcp, failures };
}

/** Runs each job in its own worker thread; resolves with every worker's tallies. */
export function dnsFuzzInWorkers(jobs: DnsFuzzJob[]): Promise<DnsFuzzResult[]> {
  return Promise.all(
    jobs.map(
      (job) =>
        new Promise<DnsFuzzResult>((resolve, reject) => {
          const w = new Worker(new URL(import.meta.url), { workerData: { dnsFuzzJob: job } });
          w.once("message", (r: DnsFuzzResult) => resolve(r));
          w.once("error", reject);
          w.once("exit", (code) => reject(new Error(`DNS fuzz worker exited with ${code} before reporting`)));
        }),
    ),
  );
}

if (!isMainThread && workerData?.dnsFuzzJob) {
  void runDnsJob(workerData.dnsFuzzJob as DnsFuzzJob).then((r) => parentPort!.postMessage(r));
}
