// Query decoder: header, exactly one question, and the EDNS0 OPT record. Written by hand
// (not dns-packet) because it runs once per packet at ~150k QPS: it allocates only the
// result object, the name string and, for compressed question names, one small Buffer.
// It never throws on hostile input; every defect becomes a DecodeError saying what and why.

import {
  CLASS_IN,
  HEADER_LEN,
  Rcode,
  TYPE_OPT,
  UDP_SIZE_NO_EDNS,
  type DecodeError,
  type DecodedQuery,
  type EdnsInfo,
  type QueryHeader,
} from "./wire-types.js";

const MAX_NAME_WIRE = 255;
/** A legal name has at most 127 labels, so more pointer jumps than that can only be a loop. */
const MAX_POINTER_JUMPS = 128;
const OPCODE_QUERY = 0;

// Scratch buffers: decoding is synchronous, so one module-level copy is safe to reuse.
const nameScratch = Buffer.allocUnsafe(MAX_NAME_WIRE);
/** Worst case every byte becomes a 4-char \DDD escape. */
const textScratch = Buffer.allocUnsafe(MAX_NAME_WIRE * 4);

// readName() reports failures as negative codes (no allocation on the hot path).
const NAME_TRUNCATED = -1;
const NAME_BAD_LABEL = -2;
const NAME_TOO_LONG = -3;
const NAME_LOOP = -4;
const NAME_ERRORS: Record<number, string> = {
  [NAME_TRUNCATED]: "question name runs past the end of the packet",
  [NAME_BAD_LABEL]: "question name has a label length byte of 64..191 (labels are at most 63 bytes)",
  [NAME_TOO_LONG]: "question name is longer than 255 bytes",
  [NAME_LOOP]: `question name follows more than ${MAX_POINTER_JUMPS} compression pointers (a loop)`,
};

let nameLen = 0;
let nameCompressed = false;

/**
 * Decompress the name at `start` into nameScratch (nameLen bytes, root label included).
 * Returns the offset just past the name in the packet, or a negative NAME_* code.
 */
function readName(buf: Buffer, start: number): number {
  let pos = start;
  let end = -1;
  let out = 0;
  let jumps = 0;
  for (;;) {
    if (pos >= buf.length) return NAME_TRUNCATED;
    const len = buf[pos];
    if (len === 0) break;
    if (len >= 0xc0) {
      if (pos + 1 >= buf.length) return NAME_TRUNCATED;
      if (++jumps > MAX_POINTER_JUMPS) return NAME_LOOP;
      if (end < 0) end = pos + 2;
      pos = ((len & 0x3f) << 8) | buf[pos + 1];
      continue;
    }
    if (len > 63) return NAME_BAD_LABEL;
    if (out + 1 + len + 1 > MAX_NAME_WIRE) return NAME_TOO_LONG;
    if (pos + 1 + len > buf.length) return NAME_TRUNCATED;
    buf.copy(nameScratch, out, pos, pos + 1 + len);
    out += 1 + len;
    pos += 1 + len;
  }
  nameScratch[out++] = 0;
  nameLen = out;
  nameCompressed = jumps > 0;
  return end < 0 ? pos + 1 : end;
}

/** Skip a (possibly compressed) name of a record we do not interpret. Returns -1 if it overruns. */
function skipName(buf: Buffer, start: number): number {
  let pos = start;
  while (pos < buf.length) {
    const len = buf[pos];
    if (len === 0) return pos + 1;
    if (len >= 0xc0) return pos + 2 <= buf.length ? pos + 2 : -1;
    if (len > 63) return -1;
    pos += 1 + len;
  }
  return -1;
}

/**
 * Presentation form of an uncompressed wire name: no trailing dot, "" for the root,
 * "\." / "\\" / "\DDD" escapes for bytes that would otherwise be ambiguous or unprintable.
 * `lower` folds ASCII A-Z only, which is exactly DNS case-insensitivity (RFC 4343).
 */
export function wireNameToText(wire: Buffer, len: number = wire.length, lower = false): string {
  let pos = 0;
  let out = 0;
  while (pos < len && wire[pos] !== 0) {
    const labelEnd = pos + 1 + wire[pos];
    if (out > 0) textScratch[out++] = 0x2e;
    for (let i = pos + 1; i < labelEnd; i++) out = writeTextByte(wire[i], out, lower);
    pos = labelEnd;
  }
  return textScratch.toString("latin1", 0, out);
}

function writeTextByte(b: number, out: number, lower: boolean): number {
  if (b > 0x20 && b < 0x7f && b !== 0x2e && b !== 0x5c) {
    textScratch[out] = lower && b >= 0x41 && b <= 0x5a ? b | 0x20 : b;
    return out + 1;
  }
  if (b === 0x2e || b === 0x5c) {
    textScratch[out] = 0x5c;
    textScratch[out + 1] = b;
    return out + 2;
  }
  textScratch[out] = 0x5c;
  textScratch[out + 1] = 0x30 + Math.floor(b / 100);
  textScratch[out + 2] = 0x30 + (Math.floor(b / 10) % 10);
  textScratch[out + 3] = 0x30 + (b % 10);
  return out + 4;
}

function readHeader(buf: Buffer): QueryHeader {
  return {
    id: buf.readUInt16BE(0),
    opcode: (buf[2] >> 3) & 0x0f,
    rd: (buf[2] & 0x01) !== 0,
    cd: (buf[3] & 0x10) !== 0,
  };
}

function fail(
  action: "drop" | "reply",
  rcode: number,
  reason: string,
  header: QueryHeader | null,
  query: DecodedQuery | null = null,
): DecodeError {
  return { kind: "error", action, rcode, reason, header, query };
}

/** Result of walking the answer/authority/additional sections: the OPT data, or why it failed. */
type SectionsResult = EdnsInfo | null | string;

/**
 * Walk every record after the question. Queries normally carry only an OPT, but we skip any
 * record so that the OPT is found wherever it sits in the additional section.
 */
function readSections(buf: Buffer, start: number, an: number, ns: number, ar: number): SectionsResult {
  let pos = start;
  let edns: EdnsInfo | null = null;
  const total = an + ns + ar;
  for (let i = 0; i < total; i++) {
    const nameStart = pos;
    pos = skipName(buf, pos);
    if (pos < 0 || pos + 10 > buf.length) return `record ${i + 1} after the question is truncated`;
    const type = buf.readUInt16BE(pos);
    const rdlen = buf.readUInt16BE(pos + 8);
    const rdata = pos + 10;
    if (rdata + rdlen > buf.length) return `record ${i + 1} after the question has rdata past the end`;
    if (type === TYPE_OPT && i >= an + ns) {
      if (edns !== null) return "more than one OPT record (RFC 6891 §6.1.1)";
      if (buf[nameStart] !== 0) return "OPT record owner is not the root name";
      if (!optionsWellFormed(buf, rdata, rdata + rdlen)) return "OPT record options overrun its rdata";
      edns = {
        udpSize: Math.max(buf.readUInt16BE(pos + 2), UDP_SIZE_NO_EDNS),
        version: buf[pos + 5],
        do: (buf[pos + 6] & 0x80) !== 0,
      };
    }
    pos = rdata + rdlen;
  }
  if (pos !== buf.length) return `${buf.length - pos} trailing bytes after the last record`;
  return edns;
}

/** EDNS options are {code(2), length(2), data}; we ignore them all (e.g. COOKIE) but check framing. */
function optionsWellFormed(buf: Buffer, start: number, end: number): boolean {
  let pos = start;
  while (pos < end) {
    if (pos + 4 > end) return false;
    pos += 4 + buf.readUInt16BE(pos + 2);
  }
  return pos === end;
}

/**
 * Parse a query packet. Packets shorter than a header, and responses (QR=1), are dropped;
 * everything else either decodes or yields the rcode to reply with (FORMERR, NOTIMP,
 * REFUSED for classes other than IN, BADVERS for EDNS versions above 0).
 */
export function decodeQuery(buf: Buffer): DecodedQuery | DecodeError {
  if (buf.length < HEADER_LEN) {
    return fail("drop", Rcode.FORMERR, `packet is ${buf.length} bytes, shorter than a DNS header`, null);
  }
  const header = readHeader(buf);
  // Answering a response could start a reflection loop between two servers.
  if ((buf[2] & 0x80) !== 0) return fail("drop", Rcode.FORMERR, "QR bit set: packet is a response", header);
  if (header.opcode !== OPCODE_QUERY) {
    return fail("reply", Rcode.NOTIMP, `opcode ${header.opcode} is not supported, only QUERY (0)`, header);
  }
  const qdcount = buf.readUInt16BE(4);
  if (qdcount !== 1) {
    return fail("reply", Rcode.FORMERR, `QDCOUNT is ${qdcount}, exactly one question is required`, header);
  }
  const nameEnd = readName(buf, HEADER_LEN);
  if (nameEnd < 0) return fail("reply", Rcode.FORMERR, NAME_ERRORS[nameEnd], header);
  if (nameEnd + 4 > buf.length) {
    return fail("reply", Rcode.FORMERR, "question is truncated before its type and class", header);
  }
  const sections = readSections(
    buf,
    nameEnd + 4,
    buf.readUInt16BE(6),
    buf.readUInt16BE(8),
    buf.readUInt16BE(10),
  );
  if (typeof sections === "string") return fail("reply", Rcode.FORMERR, sections, header);

  const query = buildQuery(buf, header, nameEnd, sections);
  return checkSupported(query) ?? query;
}

function buildQuery(buf: Buffer, header: QueryHeader, nameEnd: number, edns: EdnsInfo | null): DecodedQuery {
  // An uncompressed question name is already its own wire form: reference it, no copy.
  const qnameWire = nameCompressed
    ? Buffer.from(nameScratch.subarray(0, nameLen))
    : buf.subarray(HEADER_LEN, HEADER_LEN + nameLen);
  return {
    kind: "query",
    id: header.id,
    opcode: header.opcode,
    rd: header.rd,
    cd: header.cd,
    name: wireNameToText(nameScratch, nameLen, true),
    qnameWire,
    qtype: buf.readUInt16BE(nameEnd),
    qclass: buf.readUInt16BE(nameEnd + 2),
    edns,
  };
}

/** Well-formed but unanswerable queries; they still echo the question in the reply. */
function checkSupported(q: DecodedQuery): DecodeError | null {
  // RFC 6891 §6.1.3: version is checked before anything else about the query is considered.
  if (q.edns !== null && q.edns.version > 0) {
    return fail("reply", Rcode.BADVERS, `EDNS version ${q.edns.version} is not supported, only 0`, q, q);
  }
  if (q.qclass !== CLASS_IN) {
    return fail("reply", Rcode.REFUSED, `class ${q.qclass} is not served, only IN (1)`, q, q);
  }
  return null;
}
