// The wire to ArcLink's gateway (docs/GATEWAY.md): HTTPS to 127.0.0.1 with the host token, trusting
// the CA named by the host credential. GET {gateway}/host gives this host's view (its DNS servers
// as loopback listeners, its hosts file, the virtual clock); {gateway}/dial… carries each request
// the host makes. This file knows nothing about what the requests mean.
import { readFileSync } from "node:fs";
import { request } from "node:https";
import type { HostCredential } from "./credential.js";
import { AgentError, AZCM } from "./errors.js";
import type { DnsServer } from "./resolver.js";

export interface HostView {
  hostName: string;
  hostId?: string;
  osType: "Windows" | "Linux" | string;
  address: string;
  dnsServers: DnsServer[];
  hostsFile: string;
  /** The virtual clock (ISO). */
  now: string;
  tenantId?: string;
  /** The host's own HTTPS_PROXY, when the lab gives it one. */
  proxyUrl?: string;
  /** The prefix of the host's network (its subnet in Azure, its site's range on-premises), when known. */
  addressPrefix?: string;
  /** "Azure" for a VM in an Azure subnet, "N/A" on-premises (what the agent detects). */
  cloudProvider?: string;
  /** What the OS says of itself, when the lab knows it. */
  osVersion?: string;
  osSku?: string;
  osEdition?: string;
}

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
}

const REQUEST_TIMEOUT_MS = 60_000;

export function header(r: RawResponse, name: string): string | undefined {
  const v = r.headers[name.toLowerCase()];
  return Array.isArray(v) ? v[0] : v;
}

export function parseJson(text: string): any {
  try {
    return text ? JSON.parse(text) : undefined;
  } catch {
    return undefined;
  }
}

export class GatewayClient {
  private readonly ca: Buffer;
  private readonly base: URL;

  constructor(readonly credential: HostCredential) {
    try {
      this.ca = readFileSync(credential.caCert);
    } catch (e) {
      throw new AgentError(
        AZCM.Unknown,
        `Cannot read the CA certificate ${credential.caCert} named by the host credential: ${(e as Error).message}. Issue a new credential with arclink host credential --host NAME --out FILE.`,
      );
    }
    this.base = new URL(credential.gateway);
  }

  /** One HTTPS request to {gateway}{suffix}; network failures reaching the gateway itself are AZCM0001. */
  send(method: string, suffix: string, headers: Record<string, string>, body?: string): Promise<RawResponse> {
    const path = this.base.pathname.replace(/\/+$/, "") + suffix;
    const h: Record<string, string> = { authorization: `Bearer ${this.credential.token}`, ...headers };
    if (body !== undefined) h["content-length"] = String(Buffer.byteLength(body));
    return new Promise((resolve, reject) => {
      const req = request(
        {
          host: this.base.hostname.replace(/^\[|\]$/g, ""),
          port: this.base.port || 443,
          method,
          path,
          ca: this.ca,
          headers: h,
          timeout: REQUEST_TIMEOUT_MS,
          servername: this.base.hostname === "localhost" ? "localhost" : undefined,
          agent: false, // no keep-alive pool: the process exits as soon as its work is done
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (c: Buffer) => chunks.push(c));
          res.on("end", () =>
            resolve({
              status: res.statusCode ?? 0,
              headers: res.headers,
              text: Buffer.concat(chunks).toString("utf8"),
            }),
          );
          res.on("error", reject);
        },
      );
      req.on("error", (e) =>
        reject(
          new AgentError(
            AZCM.Unknown,
            `Cannot reach the ArcLink gateway at ${this.credential.gateway}: ${e.message}. Is arclink serve running, and is the host credential current?`,
          ),
        ),
      );
      req.on("timeout", () => req.destroy(new Error(`no answer in ${REQUEST_TIMEOUT_MS / 1000} s`)));
      if (body !== undefined) req.write(body);
      req.end();
    });
  }

  async hostView(): Promise<HostView> {
    const r = await this.send("GET", "/host", { accept: "application/json" });
    const doc = parseJson(r.text);
    if (r.status === 404) {
      throw new AgentError(
        AZCM.Unknown,
        `The ArcLink server at ${this.credential.gateway} has no gateway (GET /host answered 404): this ArcLink version cannot run agents.`,
      );
    }
    if (r.status === 401 || r.status === 403) {
      throw new AgentError(
        AZCM.Unknown,
        `The ArcLink gateway refused the host credential for '${this.credential.hostName}': ${doc?.error?.message ?? r.text}. Issue a new one with arclink host credential --host ${this.credential.hostName} --out FILE.`,
      );
    }
    if (r.status !== 200 || !doc || typeof doc !== "object") {
      throw new AgentError(
        AZCM.Unknown,
        `The ArcLink gateway answered GET /host with ${r.status}: ${r.text.slice(0, 500)}`,
      );
    }
    const servers: DnsServer[] = Array.isArray(doc.dnsServers)
      ? doc.dnsServers
          .filter((s: any) => s && typeof s.host === "string" && Number.isInteger(s.port))
          .map((s: any) => ({ address: String(s.address ?? s.host), host: s.host, port: s.port }))
      : [];
    return {
      hostName: String(doc.hostName ?? this.credential.hostName),
      hostId: typeof doc.hostId === "string" ? doc.hostId : this.credential.hostId || undefined,
      osType: String(doc.osType ?? "Linux"),
      address: String(doc.address ?? ""),
      dnsServers: servers,
      hostsFile: typeof doc.hostsFile === "string" ? doc.hostsFile : "",
      now: typeof doc.now === "string" ? doc.now : new Date().toISOString(),
      tenantId: typeof doc.tenantId === "string" ? doc.tenantId : this.credential.tenantId,
      proxyUrl: typeof doc.proxyUrl === "string" && doc.proxyUrl !== "" ? doc.proxyUrl : undefined,
      addressPrefix: typeof doc.addressPrefix === "string" ? doc.addressPrefix : undefined,
      cloudProvider: typeof doc.cloudProvider === "string" ? doc.cloudProvider : undefined,
      osVersion: typeof doc.osVersion === "string" ? doc.osVersion : undefined,
      osSku: typeof doc.osSku === "string" ? doc.osSku : undefined,
      osEdition: typeof doc.osEdition === "string" ? doc.osEdition : undefined,
    };
  }
}
