// Response encoder with RFC 1035 §4.1.4 name compression. Messages are built in one reusable
// scratch buffer (encoding is synchronous) and copied out once at the end. Running past the
// size limit throws a shared sentinel, which turns into a TC=1 reply with no partial RRsets.

import {
  ADVERTISED_UDP_SIZE,
  CLASS_IN,
  MAX_MESSAGE_SIZE,
  TYPE_CODES,
  TYPE_OPT,
  type DecodedQuery,
  type DnsAnswer,
  type QueryHeader,
  type RR,
  type SoaData,
} from "./wire-types.js";
import { textToWireName, writeIPv4, writeIPv6 } from "./wire-rdata.js";

/** Thrown (one shared instance, no stack capture per use) when a message outgrows its limit. */
const OVERFLOW = new Error("DNS message exceeds its size limit");
/** Compression pointers have 14 bits of offset. */
const MAX_POINTER_OFFSET = 0x3fff;
const OPT_RR_LEN = 11;
const FLAG_QR = 0x80;
const FLAG_AA = 0x04;
const FLAG_TC = 0x02;
const FLAG_RD = 0x01;
const FLAG_RA = 0x80;
const FLAG_CD = 0x10;

class WireWriter {
  readonly buf = Buffer.allocUnsafe(MAX_MESSAGE_SIZE);
  off = 0;
  private limit = MAX_MESSAGE_SIZE;
  /** Lowercased wire suffix (latin1 string, label-length bytes included) → message offset. */
  private readonly names = new Map<string, number>();
  private readonly nameBuf = Buffer.allocUnsafe(255);
  private readonly lowerBuf = Buffer.allocUnsafe(255);

  reset(limit: number): void {
    this.off = 0;
    this.limit = Math.min(limit, MAX_MESSAGE_SIZE);
    this.names.clear();
  }

  /** Release room held back for the trailing OPT record. */
  extendLimit(extra: number): void {
    this.limit = Math.min(this.limit + extra, MAX_MESSAGE_SIZE);
  }

  need(n: number): void {
    if (this.off + n > this.limit) throw OVERFLOW;
  }

  u8(v: number): void {
    this.need(1);
    this.buf[this.off++] = v;
  }

  u16(v: number): void {
    this.need(2);
    this.buf.writeUInt16BE(v, this.off);
    this.off += 2;
  }

  u32(v: number): void {
    this.need(4);
    this.buf.writeUInt32BE(v, this.off);
    this.off += 4;
  }

  bytes(src: Buffer, start = 0, end = src.length): void {
    this.need(end - start);
    this.off += src.copy(this.buf, this.off, start, end);
  }

  /** Reserve room for a 16-bit length; returns where to patch it. */
  placeholder16(): number {
    this.u16(0);
    return this.off - 2;
  }

  /** Patch the rdlength at `at` with the number of bytes written since. */
  closeLength16(at: number): void {
    this.buf.writeUInt16BE(this.off - at - 2, at);
  }

  /** Write a text name, replacing its longest already-written suffix with a pointer. */
  name(text: string): void {
    const len = textToWireName(text, this.nameBuf);
    this.wireName(this.nameBuf, len, true);
  }

  /**
   * Write a wire name (byte-exact, so the client's spelling survives) and remember each of
   * its suffixes for later pointers. Suffix keys are the lowercased wire bytes as a latin1
   * string: latin1 maps bytes 1:1, so string offsets are byte offsets and slicing is cheap.
   */
  wireName(wire: Buffer, len: number, compress: boolean): void {
    for (let i = 0; i < len; i++) {
      const b = wire[i];
      this.lowerBuf[i] = b >= 0x41 && b <= 0x5a ? b | 0x20 : b;
    }
    const key = this.lowerBuf.toString("latin1", 0, len - 1);
    let pos = 0;
    while (wire[pos] !== 0) {
      const suffix = pos === 0 ? key : key.slice(pos);
      const target = compress ? this.names.get(suffix) : undefined;
      if (target !== undefined) {
        this.u16(0xc000 | target);
        return;
      }
      if (this.off <= MAX_POINTER_OFFSET && !this.names.has(suffix)) this.names.set(suffix, this.off);
      const labelEnd = pos + 1 + wire[pos];
      this.bytes(wire, pos, labelEnd);
      pos = labelEnd;
    }
    this.u8(0);
  }

  /** Copy the finished message out of the scratch buffer. */
  finish(): Buffer {
    const out = Buffer.allocUnsafe(this.off);
    this.buf.copy(out, 0, 0, this.off);
    return out;
  }
}

const writer = new WireWriter();

function isDecodedQuery(q: DecodedQuery | QueryHeader): q is DecodedQuery {
  return (q as DecodedQuery).kind === "query";
}

interface HeaderFields {
  aa: boolean;
  tc: boolean;
  ra: boolean;
  rcode: number;
  counts: [number, number, number, number];
}

function writeHeader(w: WireWriter, q: QueryHeader, h: HeaderFields): void {
  w.u16(q.id);
  w.u8(
    FLAG_QR | ((q.opcode & 0x0f) << 3) | (h.aa ? FLAG_AA : 0) | (h.tc ? FLAG_TC : 0) | (q.rd ? FLAG_RD : 0),
  );
  w.u8((h.ra ? FLAG_RA : 0) | (q.cd ? FLAG_CD : 0) | (h.rcode & 0x0f));
  for (const c of h.counts) w.u16(c);
}

function writeQuestion(w: WireWriter, q: DecodedQuery): void {
  w.wireName(q.qnameWire, q.qnameWire.length, false);
  w.u16(q.qtype);
  w.u16(q.qclass);
}

/** OPT pseudo-RR (RFC 6891 §6.1.2): our payload size, the rcode's upper bits, DO echoed (RFC 3225). */
function writeOpt(w: WireWriter, rcode: number, dnssecOk: boolean): void {
  w.u8(0);
  w.u16(TYPE_OPT);
  w.u16(ADVERTISED_UDP_SIZE);
  w.u8((rcode >> 4) & 0xff);
  w.u8(0);
  w.u16(dnssecOk ? 0x8000 : 0);
  w.u16(0);
}

function checkTtl(rr: RR): number {
  // RFC 2181 §8: TTLs are 31-bit unsigned values.
  if (!Number.isInteger(rr.ttl) || rr.ttl < 0 || rr.ttl > 0x7fffffff) {
    throw new Error(`RR ${rr.name} ${rr.type}: TTL ${rr.ttl} is not an integer in 0..2147483647`);
  }
  return rr.ttl;
}

function expectString(rr: RR): string {
  if (typeof rr.data !== "string") throw new Error(`RR ${rr.name} ${rr.type}: data must be a string`);
  return rr.data;
}

function expectSoa(rr: RR): SoaData {
  const d = rr.data;
  if (typeof d !== "object" || Array.isArray(d)) {
    throw new Error(
      `RR ${rr.name} SOA: data must be {mname, rname, serial, refresh, retry, expire, minimum}`,
    );
  }
  return d;
}

const SOA_NUMBERS = ["serial", "refresh", "retry", "expire", "minimum"] as const;

function checkU32(rr: RR, field: string, v: unknown): number {
  if (typeof v !== "number" || !Number.isInteger(v) || v < 0 || v > 0xffffffff) {
    throw new Error(`RR ${rr.name} ${rr.type}: ${field} ${String(v)} is not an integer in 0..4294967295`);
  }
  return v;
}

function writeTxt(w: WireWriter, rr: RR): void {
  const strings = typeof rr.data === "string" ? [rr.data] : rr.data;
  if (!Array.isArray(strings)) throw new Error(`RR ${rr.name} TXT: data must be an array of strings`);
  // TXT rdata needs at least one character-string; an empty list means one empty string.
  if (strings.length === 0) w.u8(0);
  for (const s of strings) {
    if (typeof s !== "string") throw new Error(`RR ${rr.name} TXT: data must be an array of strings`);
    const bytes = Buffer.from(s, "utf8");
    // character-strings hold 255 bytes; longer values are split, as DNS tooling does.
    let start = 0;
    do {
      const end = Math.min(start + 255, bytes.length);
      w.u8(end - start);
      w.bytes(bytes, start, end);
      start = end;
    } while (start < bytes.length);
  }
}

function writeRdata(w: WireWriter, rr: RR): void {
  switch (rr.type) {
    case "A":
      w.need(4);
      w.off = writeIPv4(expectString(rr), w.buf, w.off, rr.name);
      return;
    case "AAAA":
      w.need(16);
      w.off = writeIPv6(expectString(rr), w.buf, w.off, rr.name);
      return;
    case "CNAME":
    case "NS":
    case "PTR":
      // RFC 3597 §4: compression inside rdata is allowed for these RFC 1035 types.
      w.name(expectString(rr));
      return;
    case "TXT":
      writeTxt(w, rr);
      return;
    case "SOA": {
      const soa = expectSoa(rr);
      w.name(soa.mname);
      w.name(soa.rname);
      for (const field of SOA_NUMBERS) w.u32(checkU32(rr, field, soa[field]));
      return;
    }
    default:
      throw new Error(`RR ${rr.name}: unsupported type "${String(rr.type)}"`);
  }
}

function writeRR(w: WireWriter, rr: RR): void {
  w.name(rr.name);
  w.u16(TYPE_CODES[rr.type]);
  w.u16(CLASS_IN);
  w.u32(checkTtl(rr));
  const rdlenAt = w.placeholder16();
  writeRdata(w, rr);
  w.closeLength16(rdlenAt);
}

/** The answer comes from other code (possibly JS): fail with a clear message, not a TypeError. */
function checkAnswer(a: DnsAnswer, q: DecodedQuery): void {
  if (typeof a !== "object" || a === null || !Array.isArray(a.answers) || !Array.isArray(a.authority)) {
    throw new Error(`answer for ${q.name || "."} is not a DnsAnswer {rcode, answers[], authority[]}`);
  }
  if (a.additional !== undefined && !Array.isArray(a.additional)) {
    throw new Error(`answer for ${q.name || "."}: additional must be an array when present`);
  }
  checkRcode(a.rcode, q);
}

function checkRcode(rcode: number, q: DecodedQuery): void {
  const max = q.edns ? 0xfff : 0x0f;
  if (!Number.isInteger(rcode) || rcode < 0 || rcode > max) {
    throw new Error(`rcode ${rcode} cannot be sent ${q.edns ? "" : "without EDNS "}(allowed 0..${max})`);
  }
}

function writeFull(q: DecodedQuery, a: DnsAnswer, limit: number, withAdditional: boolean): Buffer {
  const w = writer;
  const additional = withAdditional ? (a.additional ?? []) : [];
  w.reset(limit - (q.edns ? OPT_RR_LEN : 0));
  writeHeader(w, q, {
    aa: a.aa === true,
    tc: false,
    ra: a.ra === true,
    rcode: a.rcode,
    counts: [1, a.answers.length, a.authority.length, additional.length + (q.edns ? 1 : 0)],
  });
  writeQuestion(w, q);
  for (const rr of a.answers) writeRR(w, rr);
  for (const rr of a.authority) writeRR(w, rr);
  for (const rr of additional) writeRR(w, rr);
  w.extendLimit(OPT_RR_LEN);
  if (q.edns) writeOpt(w, a.rcode, q.edns.do);
  return w.finish();
}

/** Header + question (+ OPT, RFC 6891 §7 keeps it in truncated replies) with TC=1. */
function writeTruncated(q: DecodedQuery, a: DnsAnswer): Buffer {
  const w = writer;
  w.reset(MAX_MESSAGE_SIZE);
  writeHeader(w, q, {
    aa: a.aa === true,
    tc: true,
    ra: a.ra === true,
    rcode: a.rcode,
    counts: [1, 0, 0, q.edns ? 1 : 0],
  });
  writeQuestion(w, q);
  if (q.edns) writeOpt(w, a.rcode, q.edns.do);
  return w.finish();
}

function encodeOrOverflow(encode: () => Buffer): Buffer | null {
  try {
    return encode();
  } catch (err) {
    if (err === OVERFLOW) return null;
    throw err;
  }
}

/**
 * Encode the reply to `q`. maxSize is the transport's limit (udpMaxSize(q) for UDP, 65535 for
 * TCP). If the answer does not fit, optional additional records are dropped first (RFC 2181
 * §9: that needs no TC); if it still does not fit, the reply is header + question with TC=1.
 * Throws an Error naming the record when the answer itself is invalid (bad address, TTL...).
 */
export function encodeResponse(q: DecodedQuery, a: DnsAnswer, maxSize: number): Buffer {
  checkAnswer(a, q);
  const full = encodeOrOverflow(() => writeFull(q, a, maxSize, true));
  if (full) return full;
  if (a.additional?.length) {
    const lean = encodeOrOverflow(() => writeFull(q, a, maxSize, false));
    if (lean) return lean;
  }
  return writeTruncated(q, a);
}

/**
 * Error reply (FORMERR, SERVFAIL, NOTIMP, REFUSED, BADVERS). Given a decoded query, the question
 * (and OPT, if the query had one) is echoed; given only a header, the reply has no sections.
 */
export function encodeError(qOrHeader: DecodedQuery | QueryHeader, rcode: number): Buffer {
  const w = writer;
  w.reset(MAX_MESSAGE_SIZE);
  const q = isDecodedQuery(qOrHeader) ? qOrHeader : null;
  // Extended rcodes (BADVERS = 16) only exist inside an OPT record, so one is always sent for them.
  const withOpt = (q !== null && q.edns !== null) || rcode > 0x0f;
  writeHeader(w, qOrHeader, {
    aa: false,
    tc: false,
    ra: false,
    rcode,
    counts: [q ? 1 : 0, 0, 0, withOpt ? 1 : 0],
  });
  if (q) writeQuestion(w, q);
  if (withOpt) writeOpt(w, rcode, q?.edns?.do ?? false);
  return w.finish();
}
