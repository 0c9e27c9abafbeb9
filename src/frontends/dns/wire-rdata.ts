// Text → wire conversions used by the encoder: domain names and A/AAAA addresses. These run
// only when an answer is encoded (cache misses), so clarity of the error messages matters
// more than speed; each error names the offending record so a bad answer is easy to trace.

import { isIPv4, isIPv6 } from "node:net";

const MAX_LABEL = 63;
const MAX_NAME_WIRE = 255;

function checkNameChar(text: string, c: number): number {
  // Names are ASCII on the wire; Unicode must arrive as punycode (xn--...), not be guessed at.
  if (c > 0x7e || c < 0x20) throw new Error(`name "${text}": character code ${c} is not printable ASCII`);
  return c;
}

/** Decode the escape at text[i] ('\\'): "\DDD" is a decimal byte, "\X" is X itself. Returns [byte, length]. */
function escapeAt(text: string, i: number): [number, number] {
  const digits = text.slice(i + 1, i + 4);
  if (/^[0-9]{3}$/.test(digits)) {
    const v = Number(digits);
    if (v > 255) throw new Error(`name "${text}": escape \\${digits} is above 255`);
    return [v, 4];
  }
  if (i + 1 >= text.length) throw new Error(`name "${text}": ends with a lone backslash`);
  return [checkNameChar(text, text.charCodeAt(i + 1)), 2];
}

/**
 * Presentation name → uncompressed wire form in `out` (≥ 255 bytes). Accepts a trailing dot,
 * "" or "." for the root, and the escapes wireNameToText() produces. Returns the length.
 */
export function textToWireName(text: string, out: Buffer): number {
  if (text === "" || text === ".") {
    out[0] = 0;
    return 1;
  }
  let lenAt = 0;
  let pos = 1;
  let labelLen = 0;
  let i = 0;
  while (i < text.length) {
    if (text.charCodeAt(i) === 0x2e) {
      if (labelLen === 0) throw new Error(`name "${text}": empty label`);
      out[lenAt] = labelLen;
      lenAt = pos++;
      labelLen = 0;
      i++;
      continue;
    }
    let b = text.charCodeAt(i);
    let width = 1;
    if (b === 0x5c) [b, width] = escapeAt(text, i);
    else checkNameChar(text, b);
    if (++labelLen > MAX_LABEL) throw new Error(`name "${text}": label longer than ${MAX_LABEL} bytes`);
    if (pos >= MAX_NAME_WIRE - 1) throw new Error(`name "${text}": longer than ${MAX_NAME_WIRE} bytes`);
    out[pos++] = b;
    i += width;
  }
  if (labelLen === 0) {
    // Trailing dot: the length byte reserved for a next label becomes the root label.
    out[lenAt] = 0;
    return lenAt + 1;
  }
  out[lenAt] = labelLen;
  out[pos] = 0;
  return pos + 1;
}

/** Write the 4 bytes of a dotted-quad IPv4 address at buf[off]; returns the offset after it. */
export function writeIPv4(text: string, buf: Buffer, off: number, owner: string): number {
  if (!isIPv4(text)) throw new Error(`RR ${owner} A: "${text}" is not an IPv4 address`);
  let at = off;
  for (const part of text.split(".")) buf[at++] = Number(part);
  return at;
}

function ipv6Words(groups: string[]): number[] {
  const words: number[] = [];
  for (const g of groups) {
    if (g.includes(".")) {
      // Embedded IPv4 (e.g. ::ffff:10.0.0.5) fills the last two 16-bit words.
      const [a, b, c, d] = g.split(".").map(Number);
      words.push((a << 8) | b, (c << 8) | d);
    } else {
      words.push(parseInt(g, 16));
    }
  }
  return words;
}

/** Write the 16 bytes of an IPv6 address at buf[off]; returns the offset after it. */
export function writeIPv6(text: string, buf: Buffer, off: number, owner: string): number {
  // isIPv6 accepts zone ids ("fe80::1%eth0"), which have no meaning in DNS data.
  if (!isIPv6(text) || text.includes("%"))
    throw new Error(`RR ${owner} AAAA: "${text}" is not an IPv6 address`);
  const gap = text.indexOf("::");
  const head = gap < 0 ? text : text.slice(0, gap);
  const tail = gap < 0 ? "" : text.slice(gap + 2);
  const headWords = head === "" ? [] : ipv6Words(head.split(":"));
  const tailWords = tail === "" ? [] : ipv6Words(tail.split(":"));
  const zeros = new Array<number>(8 - headWords.length - tailWords.length).fill(0);
  let at = off;
  for (const w of [...headWords, ...zeros, ...tailWords]) {
    buf.writeUInt16BE(w, at);
    at += 2;
  }
  return at;
}
