// Shared types and constants of the DNS wire layer. Kept apart from the codec so that
// wire-decode.ts and wire-encode.ts can both depend on them without importing each other.

/** Response codes used by ArcLink's resolvers (RFC 1035 §4.1.1, RFC 6891 §9 for BADVERS). */
export const Rcode = {
  NOERROR: 0,
  FORMERR: 1,
  SERVFAIL: 2,
  NXDOMAIN: 3,
  NOTIMP: 4,
  REFUSED: 5,
  /** Extended rcode: the upper 8 bits travel in the OPT record, so it needs EDNS. */
  BADVERS: 16,
} as const;

export type RRType = "A" | "AAAA" | "CNAME" | "SOA" | "TXT" | "NS" | "PTR";

export interface SoaData {
  mname: string;
  rname: string;
  serial: number;
  refresh: number;
  retry: number;
  expire: number;
  minimum: number;
}

/**
 * One resource record as the answer logic produces it. Names are text without the trailing
 * dot (a trailing dot is accepted), compared case-insensitively.
 * data: A/AAAA address text; CNAME/NS/PTR target name; TXT strings; SOA fields.
 */
export interface RR {
  name: string;
  type: RRType;
  ttl: number;
  data: string | SoaData | string[];
}

export interface DnsAnswer {
  /** 0 NOERROR, 1 FORMERR, 2 SERVFAIL, 3 NXDOMAIN, 4 NOTIMP, 5 REFUSED. */
  rcode: number;
  aa?: boolean;
  ra?: boolean;
  answers: RR[];
  authority: RR[];
  additional?: RR[];
}

/** EDNS0 parameters taken from the query's OPT record (RFC 6891 §6.1.3). */
export interface EdnsInfo {
  /** Requestor's UDP payload size, already raised to 512 when the client sent less. */
  udpSize: number;
  /** DNSSEC OK bit (RFC 3225): echoed in the response's OPT. */
  do: boolean;
  version: number;
}

/** The part of a query needed to build an error reply, available from any 12-byte packet. */
export interface QueryHeader {
  id: number;
  opcode: number;
  rd: boolean;
  cd: boolean;
}

export interface DecodedQuery extends QueryHeader {
  kind: "query";
  /** Question name, ASCII-lowercased, no trailing dot ("" is the root). Unusual bytes are \DDD-escaped. */
  name: string;
  /** Question name in uncompressed wire form, in the client's spelling: echoed verbatim. */
  qnameWire: Buffer;
  qtype: number;
  qclass: number;
  edns: EdnsInfo | null;
}

export interface DecodeError {
  kind: "error";
  /** "drop": send nothing (too short to answer, or a response). "reply": send encodeError(...). */
  action: "drop" | "reply";
  /** The rcode to reply with (FORMERR, NOTIMP, REFUSED, BADVERS); not meaningful for "drop". */
  rcode: number;
  /** Human-readable cause, for logs and tests. */
  reason: string;
  /** Present whenever the packet had a full 12-byte header. */
  header: QueryHeader | null;
  /** Present when the question parsed fine but is refused (REFUSED, BADVERS): echo it. */
  query: DecodedQuery | null;
}

export const CLASS_IN = 1;
export const TYPE_OPT = 41;
export const HEADER_LEN = 12;
/** Classic UDP limit when the client did not send EDNS (RFC 1035 §4.2.1). */
export const UDP_SIZE_NO_EDNS = 512;
/** What we advertise and the most we send over UDP: the DNS Flag Day 2020 value, avoids fragmentation. */
export const ADVERTISED_UDP_SIZE = 1232;
/** The largest message a TCP length prefix can describe (RFC 1035 §4.2.2). */
export const MAX_MESSAGE_SIZE = 65535;

export const TYPE_CODES: Readonly<Record<RRType, number>> = {
  A: 1,
  NS: 2,
  CNAME: 5,
  SOA: 6,
  PTR: 12,
  TXT: 16,
  AAAA: 28,
};

const TYPE_NAMES = new Map<number, string>(Object.entries(TYPE_CODES).map(([name, code]) => [code, name]));

/** Mnemonic for the types ArcLink can answer; everything else in RFC 3597 form, e.g. "TYPE65". */
export function typeName(qtype: number): string {
  return TYPE_NAMES.get(qtype) ?? `TYPE${qtype}`;
}

/** Largest UDP response this query may receive: 512 without EDNS, else min(client's size, 1232). */
export function udpMaxSize(q: DecodedQuery): number {
  if (q.edns === null) return UDP_SIZE_NO_EDNS;
  return Math.min(q.edns.udpSize, ADVERTISED_UDP_SIZE);
}
