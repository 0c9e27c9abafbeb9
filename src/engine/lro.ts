// Long-running operations. Every write completes when it commits, so an operation's state is
// fully known when it starts: the poll URL carries a signed token describing it, which keeps
// polls valid across restarts and replicas without storing anything.
import { createHmac, timingSafeEqual } from "node:crypto";
import { newGuid } from "../core/guid.js";
import { LroStyle } from "../providers/contract.js";

export interface OperationInfo {
  /** Operation id shown in the status body. */
  op: string;
  method: "PUT" | "PATCH" | "DELETE" | "POST";
  resourceId: string;
  startTime: string;
  /** For POST actions whose result is served at the Location URL. */
  status?: number;
}

export class Operations {
  constructor(private readonly key: Buffer) {}

  token(info: Omit<OperationInfo, "op">): string {
    const payload = Buffer.from(JSON.stringify({ ...info, op: newGuid() })).toString("base64url");
    return `${payload}.${this.sign(payload)}`;
  }

  read(token: string): OperationInfo | undefined {
    const [payload, mac] = token.split(".");
    if (!payload || !mac) return undefined;
    const want = Buffer.from(this.sign(payload));
    const got = Buffer.from(mac);
    if (want.length !== got.length || !timingSafeEqual(want, got)) return undefined;
    try {
      return JSON.parse(Buffer.from(payload, "base64url").toString("utf8")) as OperationInfo;
    } catch {
      return undefined;
    }
  }

  private sign(payload: string): string {
    return createHmac("sha256", this.key).update(payload).digest("base64url").slice(0, 32);
  }
}

/** Poll headers for a write, following the conventions of the resource's namespace. */
export function pollHeaders(
  style: LroStyle,
  base: string,
  sub: string,
  rg: string | undefined,
  type: string,
  location: string,
  token: string,
  apiVersion: string,
): Record<string, string> {
  if (style === "sync") return {};
  const ns = type.split("/")[0];
  const q = `?api-version=${encodeURIComponent(apiVersion)}`;
  const dns = type.toLowerCase().startsWith("microsoft.network/privatednszones") && rg;
  const status = dns
    ? `${base}/subscriptions/${sub}/resourceGroups/${rg}/providers/Microsoft.Network/privateDnsOperationStatuses/${token}${q}`
    : `${base}/subscriptions/${sub}/providers/${ns}/locations/${location}/operations/${token}${q}`;
  const result = dns
    ? `${base}/subscriptions/${sub}/resourceGroups/${rg}/providers/Microsoft.Network/privateDnsOperationResults/${token}${q}`
    : `${base}/subscriptions/${sub}/providers/${ns}/locations/${location}/operationResults/${token}${q}`;
  const h: Record<string, string> = { "Azure-AsyncOperation": status, "Retry-After": "0" };
  if (style === "location") h.Location = result;
  return h;
}
