// ARM's request throttling as a token bucket per principal and subscription: reads, writes and
// deletes each have a bucket that refills continuously. Every response carries the remaining
// count in x-ms-ratelimit-remaining-subscription-*; an empty bucket answers 429 with Retry-After.
// The limits are Azure Resource Manager's published ones; off unless `--throttling azure`.
import { ArmError } from "../core/armError.js";

export interface BucketLimits {
  size: number;
  perSecond: number;
}

export const AZURE_LIMITS: Record<"reads" | "writes" | "deletes", BucketLimits> = {
  reads: { size: 250, perSecond: 25 },
  writes: { size: 200, perSecond: 10 },
  deletes: { size: 200, perSecond: 10 },
};

type Kind = keyof typeof AZURE_LIMITS;

export function kindOf(method: string): Kind {
  if (method === "GET" || method === "HEAD") return "reads";
  if (method === "DELETE") return "deletes";
  return "writes";
}

const HEADER: Record<Kind, string> = {
  reads: "x-ms-ratelimit-remaining-subscription-reads",
  writes: "x-ms-ratelimit-remaining-subscription-writes",
  deletes: "x-ms-ratelimit-remaining-subscription-deletes",
};

function unlimitedCounts(limits: Record<Kind, BucketLimits>): Record<Kind, string> {
  return {
    reads: String(limits.reads.size * 60 - 1),
    writes: String(limits.writes.size * 60 - 1),
    deletes: String(limits.deletes.size * 60 - 1),
  };
}

export class Throttle {
  private buckets = new Map<string, { tokens: number; at: number }>();

  constructor(
    readonly enabled: boolean,
    private readonly limits = AZURE_LIMITS,
    private readonly now: () => number = () => Date.now(),
  ) {}

  /** Takes one token; returns the response headers, or throws 429 when the bucket is empty. */
  take(principal: string, subscription: string | undefined, method: string): Record<string, string> {
    return this.takeInto({}, principal, subscription, method);
  }

  /**
   * take(), writing its header into `headers` (a response's own) instead of a new object.
   * `subscription` is read only when the throttle is enabled.
   */
  takeInto(
    headers: Record<string, string>,
    principal: string,
    subscription: string | undefined,
    method: string,
  ): Record<string, string> {
    const kind = kindOf(method);
    const header = HEADER[kind];
    if (!this.enabled) {
      headers[header] = (this.unlimited ??= unlimitedCounts(this.limits))[kind];
      return headers;
    }
    const l = this.limits[kind];
    const key = `${principal}|${(subscription ?? "").toLowerCase()}|${kind}`;
    const t = this.now();
    const b = this.buckets.get(key) ?? { tokens: l.size, at: t };
    b.tokens = Math.min(l.size, b.tokens + ((t - b.at) / 1000) * l.perSecond);
    b.at = t;
    this.buckets.set(key, b);
    if (this.buckets.size > 100_000) this.buckets.clear();
    if (b.tokens < 1) {
      const wait = Math.max(1, Math.ceil((1 - b.tokens) / l.perSecond));
      throw new ArmError(
        429,
        "SubscriptionRequestsThrottled",
        `Number of ${kind.slice(0, -1)} requests for subscription '${subscription}' and principal '${principal}' exceeded the limit of ${l.size} (refilling ${l.perSecond} per second). Retry after ${wait} seconds.`,
        { headers: { "Retry-After": String(wait), [header]: "0" } },
      );
    }
    b.tokens -= 1;
    headers[header] = String(Math.floor(b.tokens));
    return headers;
  }

  /** What a disabled throttle reports for each kind (a full minute's worth, less this request). */
  private unlimited?: Record<Kind, string>;
}
