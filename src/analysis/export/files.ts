// Reading the files an operator copied off their servers: text in UTF-8 or, as Windows tools
// often write it (PowerShell's Out-File, the hosts file edited with some editors), UTF-16 with a
// byte-order mark. Each file is read once.
import { readFileSync } from "node:fs";
import type { ReadFile } from "./bind.js";

export function decodeText(b: Buffer): string {
  if (b.length >= 2 && b[0] === 0xff && b[1] === 0xfe) return b.subarray(2).toString("utf16le");
  if (b.length >= 2 && b[0] === 0xfe && b[1] === 0xff) {
    const s = Buffer.from(b.subarray(2));
    s.swap16();
    return s.toString("utf16le");
  }
  const t = b.toString("utf8");
  return t.charCodeAt(0) === 0xfeff ? t.slice(1) : t;
}

/** A ReadFile over the file system (undefined for a file that is not there), remembering what it read. */
export function fileReader(): ReadFile {
  const memo = new Map<string, string | undefined>();
  return (path) => {
    if (memo.has(path)) return memo.get(path);
    let t: string | undefined;
    try {
      t = decodeText(readFileSync(path));
    } catch {
      t = undefined;
    }
    memo.set(path, t);
    return t;
  };
}
