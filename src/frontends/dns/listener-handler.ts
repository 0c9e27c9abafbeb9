// One query in, one encoded reply (or nothing) out: decode → cache → answer → encode.
// Shared by the UDP and TCP transports. Returns synchronously whenever it can (cache hits and
// synchronous answer functions) because a Promise per packet is measurable at ~150k QPS.

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

export class QueryHandler {
  /** Encoded replies by (name, qtype, size limit, flags); ids and question spelling are patched per hit. */
  private readonly cache = new Map<string, Buffer>();
  private generation = Number.NaN;

  constructor(private readonly opts: HandlerOptions) {}

  /** Never throws: malformed input gives an error reply or null (drop), failures give SERVFAIL. */
  handle(msg: Buffer, transport: Transport, remoteAddress: string, remotePort: number): HandleResult {
    const q = decodeQuery(msg);
    if (q.kind === "error") {
      if (q.action === "drop" || q.header === null) return null;
      return encodeError(q.query ?? q.header, q.rcode);
    }
    try {
      return this.resolve(q, transport, remoteAddress, remotePort);
    } catch (err) {
      // answer() or cacheKey() threw synchronously.
      return this.servfail(q, err);
    }
  }

  private resolve(
    q: DecodedQuery,
    transport: Transport,
    remoteAddress: string,
    remotePort: number,
  ): HandleResult {
    const maxSize = transport === "tcp" ? MAX_MESSAGE_SIZE : udpMaxSize(q);
    const key = this.cacheKeyFor(q, maxSize, transport);
    if (key !== null) {
      const hit = this.cache.get(key);
      if (hit !== undefined) return patchCached(hit, q);
    }
    const generation = this.generation;
    const question = { name: q.name, type: typeName(q.qtype), qtype: q.qtype, class: q.qclass };
    const answer = this.opts.answer(question, { transport, remote: formatRemote(remoteAddress, remotePort) });
    if (answer instanceof Promise) {
      return answer.then(
        (a) => (a === null ? null : this.finish(q, a, maxSize, key, generation)),
        (err: unknown) => this.servfail(q, err),
      );
    }
    if (answer === null) return null;
    return this.finish(q, answer, maxSize, key, generation);
  }

  /** Returns null when caching is off. Also drops the whole cache when the generation moved. */
  private cacheKeyFor(q: DecodedQuery, maxSize: number, transport: Transport): string | null {
    if (this.opts.cacheKey === undefined) return null;
    const generation = this.opts.cacheKey();
    if (generation !== this.generation) {
      this.cache.clear();
      this.generation = generation;
    }
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
      this.cache.set(key, reply);
    }
    return reply;
  }

  private servfail(q: DecodedQuery, err: unknown): Buffer {
    this.opts.onError(err, `answering ${q.name || "."} ${typeName(q.qtype)}`);
    return encodeError(q, Rcode.SERVFAIL);
  }
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

function formatRemote(address: string, port: number): string {
  return address.includes(":") ? `[${address}]:${port}` : `${address}:${port}`;
}
