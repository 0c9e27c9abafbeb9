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
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(text);
  if (!m) return undefined;
  const parts = m.slice(1).map(Number);
  if (parts.some((p) => p > 255)) return undefined;
  return ((parts[0] << 24) >>> 0) + (parts[1] << 16) + (parts[2] << 8) + parts[3];
}

export function formatIpv4(n: number): string {
  return [(n >>> 24) & 255, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join(".");
}

export function parseCidr(text: unknown): Cidr | undefined {
  if (typeof text !== "string") return undefined;
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
  return prefixes.some((p) => {
    const c = parseCidr(p);
    return !!c && cidrContainsIp(c, n);
  });
}

/** RFC 1918 and other non-public ranges (used to tell private answers from public ones). */
export function isPrivateIpv4(ip: string): boolean {
  return ipInAny(ip, ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10"]);
}
