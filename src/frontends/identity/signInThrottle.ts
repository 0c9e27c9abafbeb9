// The token endpoint's answer to guessing: failed client-credential attempts are counted per
// client and source address; past the limit in a window, every attempt of that client from that
// address is refused for a while, as Entra ID refuses a client it throttles (429 with Retry-After).
// Another address, or another client, is not affected.

export interface SignInLimits {
  /** Failed attempts allowed in one window. */
  failures: number;
  windowMs: number;
  /** How long a client is refused from an address once over the limit. */
  lockoutMs: number;
}

/** Entra ID tells a throttled client-credentials caller to come back after 60 s. */
export const SIGN_IN_LIMITS: SignInLimits = { failures: 10, windowMs: 60_000, lockoutMs: 60_000 };

/** Keys remembered at most (expired ones dropped first, then the oldest). */
const MAX_KEYS = 10_000;

interface Attempts {
  windowStart: number;
  failures: number;
  lockedUntil: number;
}

export class SignInThrottle {
  private attempts = new Map<string, Attempts>();

  constructor(
    readonly limits: SignInLimits = SIGN_IN_LIMITS,
    private readonly now: () => number = Date.now,
  ) {}

  /** Seconds the caller must wait before trying again, or 0 when it may try now. */
  retryAfter(clientId: string, source: string): number {
    const a = this.attempts.get(keyOf(clientId, source));
    const left = a ? a.lockedUntil - this.now() : 0;
    return left > 0 ? Math.ceil(left / 1000) : 0;
  }

  /** Counts a failed attempt; returns the seconds to wait when this one reached the limit, else 0. */
  failed(clientId: string, source: string): number {
    const key = keyOf(clientId, source);
    const t = this.now();
    let a = this.attempts.get(key);
    if (!a || t - a.windowStart >= this.limits.windowMs) {
      a = { windowStart: t, failures: 0, lockedUntil: a?.lockedUntil ?? 0 };
    }
    this.attempts.delete(key);
    this.makeRoom(t);
    this.attempts.set(key, a);
    a.failures += 1;
    if (a.failures >= this.limits.failures) {
      a.lockedUntil = t + this.limits.lockoutMs;
      a.windowStart = t;
      a.failures = 0;
      return Math.ceil(this.limits.lockoutMs / 1000);
    }
    return 0;
  }

  /** A success clears the client's failures from that address. */
  succeeded(clientId: string, source: string): void {
    this.attempts.delete(keyOf(clientId, source));
  }

  private makeRoom(t: number): void {
    if (this.attempts.size < MAX_KEYS) return;
    for (const [k, a] of this.attempts) {
      if (a.lockedUntil <= t && t - a.windowStart >= this.limits.windowMs) this.attempts.delete(k);
    }
    while (this.attempts.size >= MAX_KEYS) this.attempts.delete(this.attempts.keys().next().value!);
  }
}

function keyOf(clientId: string, source: string): string {
  return `${clientId.toLowerCase()}\n${source}`;
}
