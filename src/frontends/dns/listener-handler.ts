// One query in, one encoded reply (or nothing) out: decode → cache → answer → encode.
// Shared by the UDP and TCP transports. Returns synchronously whenever it can (cache hits and
// synchronous answer functions) because a Promise per packet is measurable at ~150k QPS.

import { HEADER_LEN } from "./wire-types.js";
import {
  MAX_MESSAGE_SIZE,
  Rcode,
  decodeQuery,
  encodeError,
  encodeResponse,
  typeName,
  udpMaxSize,
  type DecodedQuery,
  type DnsAnswer,
  type RR,
} from "./wire.js";

export type Transport = "udp" | "tcp";

export interface DnsQuestion {
  /** Lowercased, no trailing dot: the client's spelling is echoed by the wire layer itself. */
  name: string;
  /** "A", "AAAA", ... for the types ArcLink answers, else RFC 3597 "TYPE65". */
  type: string;
  qtype: number;
  class: number;
}

export interface QueryMeta {
  transport: Transport;
  remote: string;
}

/** `null` drops the query (no reply): how an unreachable server looks to a client (it times out). */
export type AnswerFn = (q: DnsQuestion, meta: QueryMeta) => DnsAnswer | null | Promise<DnsAnswer | null>;

export interface HandlerOptions {
  answer: AnswerFn;
  /**
   * Generation number of the data behind `answer`. Caching is on only when this is given:
   * without it there is no way to know when an encoded answer goes stale. The answer must then
   * depend only on the question (not on meta.remote) for as long as the generation is unchanged.
   */
  cacheKey?: () => number;
  cacheMaxEntries: number;
  onError: (err: unknown, context: string) => void;
}

export type HandleResult = Buffer | null | Promise<Buffer | null>;

/**
 * A cached UDP reply found by the bytes of the query that produced it. Two queries whose bytes
 * from offset 2 on are equal once the question name is lowercased decode to the same question,
 * flags and EDNS, so they get the same reply but for the id and the name's spelling.
 */
interface RawEntry {
  /** The query from offset 2 (flags, counts, question, OPT), question name ASCII-lowercased. */
  readonly query: Buffer;
  readonly reply: Buffer;
  /** Entries whose query hashes to the same number. */
  next: RawEntry | undefined;
}

/** Longest query the raw cache takes: a 255-byte name plus header, type, class and a bare OPT. */
const RAW_MAX_QUERY = HEADER_LEN + 255 + 4 + 11;
/** rawQueryHash() leaves the query, from offset 2 and with its name lowercased, here. */
const rawScratch = Buffer.allocUnsafe(RAW_MAX_QUERY);
let rawLen = 0;
let rawNameEnd = 0;

/**
 * FNV-1a hash of a simple query's bytes from offset 2, question name ASCII-lowercased (copied
 * into rawScratch), or -1 for anything the raw cache leaves to the decoder. Simple means: a
 * QUERY (QR=0, opcode 0), one question, no answer or authority records, an uncompressed name,
 * and either no additional record or one bare OPT (root owner, no options). Everything
 * else (EDNS options such as cookies, compressed names, malformed input) takes the full path.
 */
function rawQueryHash(msg: Buffer): number {
  const len = msg.length;
  if (len < HEADER_LEN + 5 || len > RAW_MAX_QUERY) return -1;
  if ((msg[2] & 0xf8) !== 0) return -1;
  if (msg[4] !== 0 || msg[5] !== 1 || msg[6] !== 0 || msg[7] !== 0 || msg[8] !== 0 || msg[9] !== 0) return -1;
  const ar = msg[11];
  if (msg[10] !== 0 || ar > 1) return -1;
  let h = 0x811c9dc5;
  let i = 2;
  for (; i < HEADER_LEN; i++) {
    rawScratch[i] = msg[i];
    h = Math.imul(h ^ msg[i], 0x01000193);
  }
  // The name: lengths as they are, label bytes A-Z folded (RFC 4343), no pointers.
  for (;;) {
    if (i >= len) return -1;
    const labelLen = msg[i];
    rawScratch[i] = labelLen;
    h = Math.imul(h ^ labelLen, 0x01000193);
    i++;
    if (labelLen === 0) break;
    if (labelLen > 63) return -1;
    const end = i + labelLen;
    if (end > len) return -1;
    for (; i < end; i++) {
      let b = msg[i];
      if (b >= 0x41 && b <= 0x5a) b |= 0x20;
      rawScratch[i] = b;
      h = Math.imul(h ^ b, 0x01000193);
    }
  }
  rawNameEnd = i;
  // Type and class, then an OPT of exactly 11 bytes with rdlength 0, or nothing.
  if (len !== i + 4 + (ar === 1 ? 11 : 0)) return -1;
  if (
    ar === 1 &&
    (msg[i + 4] !== 0 || msg[i + 5] !== 0 || msg[i + 6] !== 41 || msg[len - 2] !== 0 || msg[len - 1] !== 0)
  )
    return -1;
  for (; i < len; i++) {
    rawScratch[i] = msg[i];
    h = Math.imul(h ^ msg[i], 0x01000193);
  }
  rawLen = len;
  return h >>> 0;
}

/** Whether entry.query equals rawScratch (as left by the last rawQueryHash). */
function sameRawQuery(query: Buffer): boolean {
  if (query.length !== rawLen - 2) return false;
  for (let i = 2; i < rawLen; i++) if (query[i - 2] !== rawScratch[i]) return false;
  return true;
}

export class QueryHandler {
  /** Encoded replies by (name, qtype, size limit, flags); ids and question spelling are patched per hit. */
  private readonly cache = new Map<string, CacheEntry>();
  /** UDP replies by the hash of their query's bytes (see RawEntry): a hit needs no decoding. */
  private readonly raw = new Map<number, RawEntry>();
  private rawSize = 0;
  private generation = Number.NaN;
  /**
   * Set by the UDP transport: true when no reply it was given earlier is still queued for
   * sending. A raw-cache hit then patches the cached reply in place and returns it (the caller
   * sends it before its next handle() call) instead of a copy. Unset, every hit is a copy.
   */
  repliesSent: (() => boolean) | undefined = undefined;
  /** The last reply that came from, or went into, the decoded-key cache: what rememberRaw may copy. */
  private fromCache: Buffer | null = null;

  constructor(private readonly opts: HandlerOptions) {}

  /** Never throws: malformed input gives an error reply or null (drop), failures give SERVFAIL. */
  handle(msg: Buffer, transport: Transport, remoteAddress: string, remotePort: number): HandleResult {
    let hash = -1;
    if (transport === "udp" && this.opts.cacheKey !== undefined) {
      // If cacheKey() throws, the full path below calls it again and answers SERVFAIL.
      if (this.checkGeneration()) hash = rawQueryHash(msg);
      if (hash >= 0) {
        for (let e = this.raw.get(hash); e !== undefined; e = e.next) {
          if (!sameRawQuery(e.query)) continue;
          const reuse = this.repliesSent !== undefined && this.repliesSent();
          return patchRaw(reuse ? e.reply : copyOf(e.reply), msg, rawNameEnd);
        }
      }
    }
    const q = decodeQuery(msg);
    if (q.kind === "error") {
      if (q.action === "drop" || q.header === null) return null;
      return encodeError(q.query ?? q.header, q.rcode);
    }
    let result: HandleResult;
    try {
      result = this.resolve(q, transport, remoteAddress, remotePort);
    } catch (err) {
      // answer() or cacheKey() threw synchronously.
      return this.servfail(q, err);
    }
    // rawScratch still holds this query: resolve() runs no other query's raw hash.
    if (hash >= 0 && result !== null && !(result instanceof Promise) && this.cacheable(result))
      this.rememberRaw(hash, result);
    return result;
  }

  /** Drops both caches when the data behind answer() moved on. False when cacheKey() throws. */
  private checkGeneration(): boolean {
    let generation: number;
    try {
      generation = this.opts.cacheKey!();
    } catch {
      return false;
    }
    this.observe(generation);
    return true;
  }

  private observe(generation: number): void {
    if (generation === this.generation) return;
    // Decoded-key entries stay, marked stale by their generation: the next query for one asks
    // answer() again and keeps the bytes only if the answer is the same (see resolve()).
    this.raw.clear();
    this.rawSize = 0;
    this.generation = generation;
  }

  /** Only replies the decoded-key cache holds too: SERVFAILs and the like are never cached. */
  private cacheable(reply: Buffer): boolean {
    return this.fromCache === reply;
  }

  private rememberRaw(hash: number, reply: Buffer): void {
    if (this.rawSize >= this.opts.cacheMaxEntries) {
      this.raw.clear();
      this.rawSize = 0;
    }
    const query = Buffer.from(rawScratch.subarray(2, rawLen));
    // A private copy: the reply returned now is the caller's to send, the entry stays ours.
    this.raw.set(hash, { query, reply: copyOf(reply), next: this.raw.get(hash) });
    this.rawSize++;
  }

  private resolve(
    q: DecodedQuery,
    transport: Transport,
    remoteAddress: string,
    remotePort: number,
  ): HandleResult {
    const maxSize = transport === "tcp" ? MAX_MESSAGE_SIZE : udpMaxSize(q);
    const key = this.cacheKeyFor(q, maxSize, transport);
    let stale: CacheEntry | undefined;
    if (key !== null) {
      const hit = this.cache.get(key);
      if (hit !== undefined) {
        if (hit.generation === this.generation) return (this.fromCache = patchCached(hit.reply, q));
        stale = hit;
      }
    }
    const generation = this.generation;
    const question = { name: q.name, type: typeName(q.qtype), qtype: q.qtype, class: q.qclass };
    const answer = this.opts.answer(question, { transport, remote: formatRemote(remoteAddress, remotePort) });
    if (answer instanceof Promise) {
      // The question's name may be a view of the datagram's bytes, whose memory a batched
      // reader fills with the next datagrams before this answer comes: keep a copy.
      const later: DecodedQuery = { ...q, qnameWire: Buffer.from(q.qnameWire) };
      return answer.then(
        (a) => (a === null ? null : this.finish(later, a, maxSize, key, generation)),
        (err: unknown) => this.servfail(later, err),
      );
    }
    if (answer === null) return null;
    if (stale !== undefined) {
      // The data changed since this reply was encoded, but maybe not for this question: an
      // equal answer encodes to equal bytes, so keep them (encoding costs more than comparing).
      const signature = answerSignature(answer);
      if (signature === stale.signature) {
        stale.generation = generation;
        return (this.fromCache = patchCached(stale.reply, q));
      }
      return this.finish(q, answer, maxSize, key, generation, signature);
    }
    return this.finish(q, answer, maxSize, key, generation);
  }

  /** Returns null when caching is off. Also notes a new generation (see observe()). */
  private cacheKeyFor(q: DecodedQuery, maxSize: number, transport: Transport): string | null {
    if (this.opts.cacheKey === undefined) return null;
    this.observe(this.opts.cacheKey());
    // Everything that changes the reply bytes other than the id and the name's case.
    const flags =
      (q.rd ? 1 : 0) |
      (q.cd ? 2 : 0) |
      (q.edns !== null ? 4 : 0) |
      (q.edns?.do ? 8 : 0) |
      (transport === "tcp" ? 16 : 0);
    return `${q.name}\u0000${q.qtype}\u0000${maxSize}\u0000${flags}`;
  }

  private finish(
    q: DecodedQuery,
    a: DnsAnswer,
    maxSize: number,
    key: string | null,
    generation: number,
    signature?: string,
  ): Buffer {
    let reply: Buffer;
    try {
      reply = encodeResponse(q, a, maxSize);
    } catch (err) {
      return this.servfail(q, err);
    }
    // An async answer may have been computed from data older than the current generation.
    if (key !== null && generation === this.generation) {
      if (this.cache.size >= this.opts.cacheMaxEntries) this.cache.clear();
      this.cache.set(key, { reply, signature: signature ?? answerSignature(a), generation });
      this.fromCache = reply;
    }
    return reply;
  }

  private servfail(q: DecodedQuery, err: unknown): Buffer {
    this.opts.onError(err, `answering ${q.name || "."} ${typeName(q.qtype)}`);
    return encodeError(q, Rcode.SERVFAIL);
  }
}

interface CacheEntry {
  reply: Buffer;
  /** answerSignature() of the answer the reply was encoded from. */
  signature: string;
  /** The generation the answer was last computed, or checked, at. */
  generation: number;
}

/**
 * Everything of an answer that goes into the reply bytes, as one string: two answers with the
 * same signature encode to the same bytes for the same query. A string, not the answer object,
 * because an answer function may hand out objects it changes later.
 */
function answerSignature(a: DnsAnswer): string {
  let s = `${a.rcode}|${a.aa === true ? 1 : 0}|${a.ra === true ? 1 : 0}`;
  s = appendRecords(s + "\u0002", a.answers);
  s = appendRecords(s + "\u0002", a.authority);
  return a.additional === undefined ? s : appendRecords(s + "\u0002", a.additional);
}

function appendRecords(s: string, rrs: readonly RR[]): string {
  for (const r of rrs) {
    const data = typeof r.data === "string" ? r.data : JSON.stringify(r.data);
    s += `${r.name}\u0000${r.type}\u0000${r.ttl}\u0000${data}\u0001`;
  }
  return s;
}

/**
 * A private copy of a cached reply with this query's id and question spelling. The name is
 * the same length (same lowercased name), and pointers into it stay valid, so names that were
 * compressed against the question now read in the client's case, as they would if encoded fresh.
 */
function patchCached(cached: Buffer, q: DecodedQuery): Buffer {
  const out = Buffer.allocUnsafe(cached.length);
  cached.copy(out);
  out.writeUInt16BE(q.id, 0);
  q.qnameWire.copy(out, 12);
  return out;
}

function copyOf(b: Buffer): Buffer {
  const out = Buffer.allocUnsafe(b.length);
  b.copy(out);
  return out;
}

/** A raw-cache reply given this query's id and question spelling (see patchCached). */
function patchRaw(out: Buffer, msg: Buffer, nameEnd: number): Buffer {
  out[0] = msg[0];
  out[1] = msg[1];
  msg.copy(out, HEADER_LEN, HEADER_LEN, nameEnd);
  return out;
}

function formatRemote(address: string, port: number): string {
  return address.includes(":") ? `[${address}]:${port}` : `${address}:${port}`;
}
