// Every HTTPS request the agent makes, as the host makes it: resolve the name with the host's own
// resolver (unless the proxy is used for it), then send the request through ArcLink's gateway
// naming the simulated address dialled. The gateway's verdicts come back as Go's errors:
// a network failure as "dial tcp 10.0.0.5:443: i/o timeout", a refusal at the endpoint with its code.
import { type NetworkFailure } from "../core/networkFailure.js";
import { HostCredential } from "./credential.js";
import { GatewayClient, header, parseJson, type RawResponse } from "./gateway.js";
import { proxyFor, type ProxyChoice } from "./proxy.js";
import type { Resolution, Resolver } from "./resolver.js";

export type Purpose = "onboard" | "heartbeat" | "extension" | "check" | "remote-access";

/** Go's error when the server's certificate chains to a CA the host does not trust. */
export const X509_UNKNOWN_AUTHORITY = "x509: certificate signed by unknown authority";
/** Go's error when the server answers the ClientHello with a protocol_version alert. */
export const TLS_PROTOCOL_VERSION = "remote error: tls: protocol version not supported";
/** Go's error when the server answers the ClientHello with a handshake_failure alert (no common suite). */
export const TLS_HANDSHAKE_FAILURE = "remote error: tls: handshake failure";

/** The request never reached a service: DNS failed, or the gateway reported a network failure. */
export class DialError extends Error {
  constructor(
    /** Go's full error: Post "https://…": dial tcp 10.0.0.5:443: i/o timeout */
    message: string,
    readonly kind: "lookup" | NetworkFailure | "proxy-lookup",
    /** The part after the URL: dial tcp 10.0.0.5:443: i/o timeout */
    readonly detail: string,
    readonly extra: {
      gatewayMessage?: string;
      trace?: unknown;
      resolution?: Resolution;
      dialled?: string;
      /** The address a proxy resolved the name to, as the gateway reports it. */
      address?: string;
    } = {},
  ) {
    super(message);
  }
}

/** The endpoint answered but refused this host (admission): 403 with X-ArcLink-Refusal. */
export class RefusalError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly extra: { trace?: unknown; dialled?: string; url?: string; address?: string } = {},
  ) {
    super(message);
  }
}

export interface DialOptions {
  body?: string | object;
  headers?: Record<string, string>;
  purpose: Purpose;
  /** The Authorization meant for the service (sent as X-ArcLink-Authorization). */
  authorization?: string;
  /** Use the configured proxy (default true). */
  proxyAware?: boolean;
}

export interface DialResponse {
  status: number;
  headers: RawResponse["headers"];
  text: string;
  json: any;
  /** "private" | "public", as the gateway says the request went. */
  path?: string;
  endpoint?: string;
  /** The address the request reached (through a proxy: the one the proxy resolved). */
  address?: string;
  dialled: string;
  proxy?: ProxyChoice;
  resolution?: Resolution;
}

export interface DialerSettings {
  proxyUrl?: string;
  bypass: readonly string[];
  /** The host's own HTTPS_PROXY (from the host view), used when proxy.url is empty. */
  hostEnvProxy?: string;
  /** "1.45" */
  agentVersion: string;
  /** "1.45.02983.1834" */
  fullVersion: string;
}

/** Go's http.Client spells the method like this in its errors: Get "https://…": … */
export function goMethod(method: string): string {
  const m = method.toUpperCase();
  return m.charAt(0) + m.slice(1).toLowerCase();
}

/**
 * The error text after the URL for a network failure the gateway reported. Through a proxy, a
 * failure on the way to the proxy is Go's "proxyconnect tcp: …"; a proxy that cannot reach the
 * target answers the CONNECT with 403 when a firewall forbids it (Go prints the status text,
 * "Forbidden") or 503 otherwise ("Service Unavailable").
 */
export function goNetworkDetail(
  kind: string,
  dialled: string,
  viaProxy?: string,
  gatewayMessage = "",
): string {
  // A TLS-inspecting device re-signed the connection (through a proxy the tunnel is the host's own).
  if (kind === "TlsUntrusted") return X509_UNKNOWN_AUTHORITY;
  if (kind === "TlsVersionUnsupported") return TLS_PROTOCOL_VERSION;
  if (kind === "TlsCipherSuiteMismatch") return TLS_HANDSHAKE_FAILURE;
  if (viaProxy) {
    switch (kind) {
      case "NoRoute":
        return `proxyconnect tcp: dial tcp ${viaProxy}: connect: network is unreachable`;
      case "NotListening":
        return `proxyconnect tcp: dial tcp ${viaProxy}: connect: connection refused`;
      case "Timeout":
      case "Blocked":
        return `proxyconnect tcp: dial tcp ${viaProxy}: i/o timeout`;
      default:
        return /\bden(y|ies)\b/i.test(gatewayMessage) ? "Forbidden" : "Service Unavailable";
    }
  }
  switch (kind) {
    case "NoRoute":
      return `dial tcp ${dialled}: connect: network is unreachable`;
    case "NotListening":
      return `dial tcp ${dialled}: connect: connection refused`;
    case "Blocked":
    case "Timeout":
    default:
      // A firewall that drops packets looks like silence to the dialler.
      return `dial tcp ${dialled}: i/o timeout`;
  }
}

/**
 * What the gateway's answer means: a network failure (502 + X-ArcLink-Network), a refusal
 * (403 + X-ArcLink-Refusal), or the service's own answer (relayed). Pure.
 */
export function interpret(
  r: RawResponse,
  ctx: { method: string; url: string; dialled: string; viaProxy?: string },
): DialError | RefusalError | undefined {
  const body = parseJson(r.text);
  const network = header(r, "x-arclink-network");
  if (r.status === 502 && network) {
    const detail = goNetworkDetail(network, ctx.dialled, ctx.viaProxy, String(body?.error?.message ?? ""));
    return new DialError(
      `${goMethod(ctx.method)} "${ctx.url}": ${detail}`,
      network as NetworkFailure,
      detail,
      {
        gatewayMessage: body?.error?.message,
        trace: body?.trace,
        dialled: ctx.dialled,
        address: header(r, "x-arclink-address"),
      },
    );
  }
  const refusal = header(r, "x-arclink-refusal");
  if (r.status === 403 && refusal) {
    return new RefusalError(refusal, body?.error?.message ?? `${refusal}`, {
      trace: body?.trace,
      dialled: ctx.dialled,
      url: ctx.url,
      address: header(r, "x-arclink-address"),
    });
  }
  return undefined;
}

export class Dialer {
  constructor(
    private readonly gateway: GatewayClient,
    private readonly resolver: Resolver,
    private readonly settings: DialerSettings,
  ) {}

  get credential(): HostCredential {
    return this.gateway.credential;
  }

  /** The proxy this host uses for a name, or undefined. */
  proxyFor(host: string): ProxyChoice | undefined {
    return proxyFor(
      host,
      { proxyUrl: this.settings.proxyUrl, bypass: this.settings.bypass },
      this.settings.hostEnvProxy,
    );
  }

  async dial(method: string, url: string, opts: DialOptions): Promise<DialResponse> {
    const u = new URL(url);
    const host = u.hostname.toLowerCase();
    const port = u.port ? Number(u.port) : 443;
    const proxy = opts.proxyAware === false ? undefined : this.proxyFor(host);
    const headers: Record<string, string> = {
      "x-arclink-server-name": host,
      "x-arclink-agent-version": this.settings.agentVersion,
      "x-arclink-purpose": opts.purpose,
      "user-agent": `AzureConnectedMachineAgent/${this.settings.fullVersion}`,
      ...lower(opts.headers ?? {}),
    };
    if (opts.authorization) headers["x-arclink-authorization"] = opts.authorization;
    let body: string | undefined;
    if (opts.body !== undefined) {
      body = typeof opts.body === "string" ? opts.body : JSON.stringify(opts.body);
      if (!headers["content-type"]) headers["content-type"] = "application/json";
    }
    const suffix = `/dial${u.pathname}${u.search}`;

    let candidates: string[];
    let resolution: Resolution | undefined;
    let viaProxy: string | undefined;
    if (proxy) {
      const pr = await this.resolver.resolve(proxy.host);
      if (pr.error || pr.addresses.length === 0) {
        const detail = `proxyconnect tcp: dial tcp: ${pr.error?.message ?? `lookup ${proxy.host}: no such host`}`;
        throw new DialError(`${goMethod(method)} "${url}": ${detail}`, "proxy-lookup", detail, {
          resolution: pr,
        });
      }
      viaProxy = `${pr.addresses[0]}:${proxy.port}`;
      headers["x-arclink-via-proxy"] = viaProxy;
      candidates = [viaProxy];
    } else {
      resolution = await this.resolver.resolve(host);
      if (resolution.error || resolution.addresses.length === 0) {
        const detail = `dial tcp: ${resolution.error?.message ?? `lookup ${host}: no such host`}`;
        throw new DialError(`${goMethod(method)} "${url}": ${detail}`, "lookup", detail, { resolution });
      }
      candidates = resolution.addresses.slice(0, 4).map((ip) => `${ip}:${port}`);
    }

    let lastError: DialError | undefined;
    for (const dialled of candidates) {
      // Through a proxy the proxy dials the target itself: X-ArcLink-Dial is not sent (GATEWAY.md).
      const r = await this.gateway.send(
        method,
        suffix,
        viaProxy ? headers : { ...headers, "x-arclink-dial": dialled },
        body,
      );
      const bad = interpret(r, { method, url, dialled, viaProxy });
      if (bad instanceof DialError) {
        bad.extra.resolution = resolution;
        lastError = bad;
        continue; // Go tries the next address of the name
      }
      if (bad) throw bad;
      return {
        status: r.status,
        headers: r.headers,
        text: r.text,
        json: parseJson(r.text),
        path: header(r, "x-arclink-path"),
        endpoint: header(r, "x-arclink-endpoint"),
        address: header(r, "x-arclink-address"),
        dialled,
        proxy,
        resolution,
      };
    }
    throw lastError!;
  }
}

function lower(h: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(h).map(([k, v]) => [k.toLowerCase(), v]));
}
