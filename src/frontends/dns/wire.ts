// DNS wire layer: a hand-written, allocation-light codec for the queries ArcLink's resolvers
// receive and the responses they send. It knows nothing about what the answers are; the
// answer logic hands it RRs and it handles framing, compression, EDNS0 and truncation.
//
// The implementation is split for size: wire-types (shared types/constants), wire-decode
// (queries), wire-encode (responses), wire-rdata (text → wire for names and addresses).

export {
  ADVERTISED_UDP_SIZE,
  CLASS_IN,
  MAX_MESSAGE_SIZE,
  Rcode,
  TYPE_CODES,
  UDP_SIZE_NO_EDNS,
  typeName,
  udpMaxSize,
  type DecodeError,
  type DecodedQuery,
  type DnsAnswer,
  type EdnsInfo,
  type QueryHeader,
  type RR,
  type RRType,
  type SoaData,
} from "./wire-types.js";
export { decodeQuery, wireNameToText } from "./wire-decode.js";
export { encodeError, encodeResponse } from "./wire-encode.js";
export { textToWireName } from "./wire-rdata.js";
