// The token endpoint's answer to guessing: failed client-credential attempts are counted per
// client and source address; past the limit in a window, every attempt of that client from that
// address is refused for a while, as Entra ID refuses a client it throttles (429 with Retry-After).
// Another address, or another client, is not affected.
//
// SignInThrottle counts in memory: right for one server (SQLite's single writer). Replicas sharing
// a store count in it instead (SharedSignInThrottle over the store's SignInAttempts), so failures
// made through one replica count on every other one: alternating between replicas gains nothing.
import { SignInAttempts } from "../../store/store.js";

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

/** What is remembered of one client from one address. */
export interface Attempts {
  windowStart: number;
  failures: number;
  lockedUntil: number;
}

/**
 * One failed attempt at time `t` applied to what was remembered (undefined: nothing): the new
 * record, and the seconds to wait when this failure reached the limit (else 0).
 */
export function afterFailure(
  a: Attempts | undefined,
  t: number,
  limits: SignInLimits,
): { next: Attempts; lockSeconds: number } {
  const next =
    !a || t - a.windowStart >= limits.windowMs
      ? { windowStart: t, failures: 0, lockedUntil: a?.lockedUntil ?? 0 }
      : { ...a };
  next.failures += 1;
  if (next.failures >= limits.failures) {
    next.lockedUntil = t + limits.lockoutMs;
    next.windowStart = t;
    next.failures = 0;
    return { next, lockSeconds: Math.ceil(limits.lockoutMs / 1000) };
  }
  return { next, lockSeconds: 0 };
}

/** Seconds left of a lockout at time `t` (0: none). */
export function lockoutLeft(a: Attempts | undefined, t: number): number {
  const left = a ? a.lockedUntil - t : 0;
  return left > 0 ? Math.ceil(left / 1000) : 0;
}

/** What the token endpoint asks of a throttle (answers may come from the store: awaited). */
export interface SignInCounter {
  /** Seconds the caller must wait before trying again, or 0 when it may try now. */
  retryAfter(clientId: string, source: string): number | Promise<number>;
  /** Counts a failed attempt; the seconds to wait when this one reached the limit, else 0. */
  failed(clientId: string, source: string): number | Promise<number>;
  /** A success clears the client's failures from that address. */
  succeeded(clientId: string, source: string): void | Promise<void>;
}

/** The count kept in the store that replicas share: every replica sees every failure. */
export class SharedSignInThrottle implements SignInCounter {
  constructor(
    private readonly store: SignInAttempts,
    readonly limits: SignInLimits = SIGN_IN_LIMITS,
  ) {}

  retryAfter(clientId: string, source: string): Promise<number> {
    return this.store.retryAfter(keyOf(clientId, source));
  }

  failed(clientId: string, source: string): Promise<number> {
    return this.store.failed(keyOf(clientId, source), (a, t) => afterFailure(a, t, this.limits));
  }

  succeeded(clientId: string, source: string): Promise<void> {
    return this.store.succeeded(keyOf(clientId, source));
  }
}

export class SignInThrottle implements SignInCounter {
  private attempts = new Map<string, Attempts>();

  constructor(
    readonly limits: SignInLimits = SIGN_IN_LIMITS,
    private readonly now: () => number = Date.now,
  ) {}

  /** Seconds the caller must wait before trying again, or 0 when it may try now. */
  retryAfter(clientId: string, source: string): number {
    return lockoutLeft(this.attempts.get(keyOf(clientId, source)), this.now());
  }

  /** Counts a failed attempt; returns the seconds to wait when this one reached the limit, else 0. */
  failed(clientId: string, source: string): number {
    const key = keyOf(clientId, source);
    const t = this.now();
    const { next, lockSeconds } = afterFailure(this.attempts.get(key), t, this.limits);
    this.attempts.delete(key);
    this.makeRoom(t);
    this.attempts.set(key, next);
    return lockSeconds;
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
