// Reachability of the agent's endpoints, as `azcmagent check` and connect's network pre-check test
// it: resolve the name (for the PRIVATE column), then GET / through the host's path.
import { isTlsFailure } from "../core/networkFailure.js";
import { DialError, RefusalError, type Dialer, type Purpose } from "./dial.js";
import type { Endpoint } from "./endpoints.js";
import { isPrivateAddress, type Resolver } from "./resolver.js";

export interface ProbeResult {
  endpoint: string;
  host: string;
  arc: boolean;
  reachable: boolean;
  /** The name resolved to a private (RFC 1918) address. */
  private: boolean;
  addresses: string[];
  tls: string;
  proxy: boolean;
  /** Why it is not reachable (Go's words), or the refusal's code and message. */
  error?: string;
  /** The endpoint answered but refused this host (e.g. AgentVersionTooOld). */
  refused?: boolean;
  /** The gateway's explanation of a network failure, for --verbose. */
  reason?: string;
  /** The kind of network failure (e.g. "TlsVersionUnsupported"), when unreachable. */
  failure?: string;
  /** How the gateway says the request went (private/public). */
  path?: string;
}

export async function probeEndpoint(
  dialer: Dialer,
  resolver: Resolver,
  e: Endpoint,
  purpose: Purpose,
): Promise<ProbeResult> {
  const proxy = !!dialer.proxyFor(e.host);
  // Through a proxy the proxy resolves the name, not this host: PRIVATE is what the proxy's
  // resolver answered (the gateway reports the address the proxy reached), never this host's view.
  const resolution = proxy ? undefined : await resolver.resolve(e.host);
  const base = (addresses: string[]) => ({
    endpoint: e.url,
    host: e.host,
    arc: e.arc,
    addresses,
    private: addresses.length > 0 && isPrivateAddress(addresses[0]),
    proxy,
  });
  const local = resolution?.addresses ?? [];
  const via = (address: string | undefined) => (proxy ? (address ? [address] : []) : local);
  try {
    const r = await dialer.dial("GET", `${e.url}/`, { purpose });
    return { ...base(via(r.address)), reachable: true, tls: "TLS 1.2", path: r.path };
  } catch (err) {
    if (err instanceof RefusalError) {
      // Refused for what this agent is (e.g. AgentVersionTooOld at a private endpoint): the
      // service answered, but the agent cannot use it, so it is not reachable for this agent.
      if (err.code === "AgentVersionTooOld") {
        return {
          ...base(via(err.extra.address)),
          reachable: false,
          tls: "TLS 1.2",
          refused: true,
          error: `${err.code}: ${err.message}`,
        };
      }
      // The endpoint answered (TLS and HTTP worked) and refused: the network path is fine.
      return {
        ...base(via(err.extra.address)),
        reachable: true,
        tls: "TLS 1.2",
        refused: true,
        error: `${err.code}: ${err.message}`,
      };
    }
    if (err instanceof DialError) {
      return {
        ...base(via(err.extra.address)),
        reachable: false,
        tls: "unknown",
        // The agent names the TLS dial that failed (as in "… unknown authority. Failed to Tls dialing <name>").
        error: isTlsFailure(err.kind) ? `${err.message}. Failed to Tls dialing ${e.host}` : err.message,
        reason: err.extra.gatewayMessage,
        failure: err.kind,
      };
    }
    throw err;
  }
}

export function probeAll(
  dialer: Dialer,
  resolver: Resolver,
  endpoints: Endpoint[],
  purpose: Purpose,
): Promise<ProbeResult[]> {
  return Promise.all(endpoints.map((e) => probeEndpoint(dialer, resolver, e, purpose)));
}

/** The pipe table `check` prints: ENDPOINT | REACHABLE | PRIVATE | TLS | PROXY. */
export function renderCheckTable(rows: readonly ProbeResult[]): string[] {
  const head = ["ENDPOINT", "REACHABLE", "PRIVATE", "TLS", "PROXY"];
  const cells = rows.map((r) => [
    r.endpoint,
    String(r.reachable),
    String(r.private),
    r.tls,
    r.proxy ? "set" : "not set",
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i].length)));
  const line = (c: string[]) =>
    c
      .map((x, i) => x.padEnd(widths[i]))
      .join(" | ")
      .trimEnd();
  return [line(head), widths.map((w) => "-".repeat(w)).join("-+-"), ...cells.map(line)];
}

/** The JSON `check --json` prints: one object per endpoint. */
export function checkJson(rows: readonly ProbeResult[]): object[] {
  return rows.map((r) => ({
    endpoint: r.endpoint,
    reachable: r.reachable,
    private: r.private,
    tls: r.tls,
    proxy: r.proxy ? "set" : "not set",
    addresses: r.addresses,
    ...(r.error ? { error: r.error } : {}),
  }));
}
