import { randomFillSync } from "node:crypto";

const HEX = Buffer.from("0123456789abcdef", "latin1");
/** Random bytes drawn 128 GUIDs at a time, as randomUUID does. */
let pool = Buffer.alloc(0);
let used = 0;
const text = Buffer.alloc(36);

/**
 * A random (version 4) GUID. Written into bytes and read back as one string: randomUUID joins its
 * hex pieces into a chain of about 25 rope nodes (some 800 bytes a GUID), and every resource keeps
 * one or two (an ETag, a vmId), which the garbage collector then copies.
 */
export function newGuid(): string {
  if (used + 16 > pool.length) {
    pool = randomFillSync(Buffer.allocUnsafe(16 * 128));
    used = 0;
  }
  let o = 0;
  for (let i = 0; i < 16; i++) {
    let b = pool[used + i];
    if (i === 6) b = (b & 0x0f) | 0x40;
    else if (i === 8) b = (b & 0x3f) | 0x80;
    if (i === 4 || i === 6 || i === 8 || i === 10) text[o++] = 0x2d;
    text[o++] = HEX[b >> 4];
    text[o++] = HEX[b & 15];
  }
  used += 16;
  return text.toString("latin1", 0, 36);
}
