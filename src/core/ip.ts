// IPv4 addresses and prefixes as numbers: parse, contain, overlap, enumerate.

export interface Cidr {
  text: string;
  base: number;
  bits: number;
  /** First and last address (inclusive) as unsigned 32-bit numbers. */
  first: number;
  last: number;
}

export function parseIpv4(text: unknown): number | undefined {
  if (typeof text !== "string") return undefined;
  // By hand, not by regular expression: evaluations parse addresses on every step, and this makes
  // no garbage. Four decimal parts of one to three digits, each at most 255.
  let n = 0;
  let part = 0;
  let digits = 0;
  let dots = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 48 && c <= 57) {
      if (++digits > 3) return undefined;
      part = part * 10 + (c - 48);
    } else if (c === 46) {
      if (!digits || part > 255 || ++dots > 3) return undefined;
      n = n * 256 + part;
      part = 0;
      digits = 0;
    } else return undefined;
  }
  if (!digits || part > 255 || dots !== 3) return undefined;
  return n * 256 + part;
}

export function formatIpv4(n: number): string {
  return [(n >>> 24) & 255, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join(".");
}

/**
 * Parsed prefixes, by text. A topology names few distinct prefixes and evaluations read them again
 * and again; the cache is bounded (emptied when full) so arbitrary input cannot grow it.
 */
const cidrCache = new Map<string, Cidr | null>();
const CIDR_CACHE_MAX = 8192;

/** Parses "a.b.c.d/n" (or a bare address, as /32). The result is shared: do not change it. */
export function parseCidr(text: unknown): Cidr | undefined {
  if (typeof text !== "string") return undefined;
  const hit = cidrCache.get(text);
  if (hit !== undefined) return hit ?? undefined;
  const c = parseCidrUncached(text);
  if (cidrCache.size >= CIDR_CACHE_MAX) cidrCache.clear();
  cidrCache.set(text, c ? Object.freeze(c) : null);
  return c;
}

function parseCidrUncached(text: string): Cidr | undefined {
  const [addr, bitsText, extra] = text.split("/");
  if (extra !== undefined) return undefined;
  const ip = parseIpv4(addr);
  const bits = bitsText === undefined ? 32 : /^\d{1,2}$/.test(bitsText) ? Number(bitsText) : NaN;
  if (ip === undefined || !(bits >= 0 && bits <= 32)) return undefined;
  const mask = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
  const first = (ip & mask) >>> 0;
  const last = (first + (bits === 32 ? 0 : 2 ** (32 - bits) - 1)) >>> 0;
  return { text, base: ip, bits, first, last };
}

/** True when the prefix's address has host bits set (Azure refuses e.g. 10.0.0.1/24). */
export function hasHostBits(c: Cidr): boolean {
  return c.base !== c.first;
}

export function cidrContainsIp(c: Cidr, ip: number): boolean {
  return ip >= c.first && ip <= c.last;
}

export function cidrContains(outer: Cidr, inner: Cidr): boolean {
  return inner.first >= outer.first && inner.last <= outer.last;
}

export function cidrsOverlap(a: Cidr, b: Cidr): boolean {
  return a.first <= b.last && b.first <= a.last;
}

export function ipInAny(ip: string, prefixes: readonly string[]): boolean {
  const n = parseIpv4(ip);
  if (n === undefined) return false;
  for (const p of prefixes) {
    const c = parseCidr(p);
    if (c && cidrContainsIp(c, n)) return true;
  }
  return false;
}

const NON_PUBLIC = ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10"].map((t) =>
  parseCidr(t)!,
);

/** RFC 1918 and other non-public ranges (used to tell private answers from public ones). */
export function isPrivateIpv4(ip: string): boolean {
  const n = parseIpv4(ip);
  if (n === undefined) return false;
  for (const c of NON_PUBLIC) if (cidrContainsIp(c, n)) return true;
  return false;
}
