// Why a connection fails on its way, as the network evaluator decides it and as the gateway reports
// it to the agent (which turns each into Go's own error text).
export type NetworkFailure =
  | "NoRoute"
  | "Timeout"
  | "Blocked"
  | "ProxyFailed"
  | "NotListening"
  | "TlsUntrusted"
  | "TlsVersionUnsupported"
  | "TlsCipherSuiteMismatch";

/** Failures of the TLS handshake itself (the TCP path worked). */
export const TLS_FAILURES: readonly NetworkFailure[] = [
  "TlsUntrusted",
  "TlsVersionUnsupported",
  "TlsCipherSuiteMismatch",
];

export function isTlsFailure(kind: string): boolean {
  return (TLS_FAILURES as readonly string[]).includes(kind);
}
