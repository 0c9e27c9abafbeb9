// Files and folders readable by their owner only, whatever the umask: the data folder, and every
// file in it that holds a key or a secret.
import { chmodSync, closeSync, existsSync, mkdirSync, openSync, renameSync, writeFileSync } from "node:fs";

export const PRIVATE_DIR = 0o700;
export const PRIVATE_FILE = 0o600;

/** The folder, created if missing, readable by its owner only. */
export function makePrivateDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: PRIVATE_DIR });
  chmodSync(dir, PRIVATE_DIR);
}

/** Creates `file` empty if missing and makes it (and any of `companions` that exist) 0600. */
export function makePrivateFile(file: string, companions: string[] = []): void {
  closeSync(openSync(file, "a", PRIVATE_FILE));
  chmodSync(file, PRIVATE_FILE);
  for (const c of companions) if (existsSync(c)) chmodSync(c, PRIVATE_FILE);
}

/** Writes `text` to `file` as a whole or not at all (a temporary file renamed over it), mode 0600. */
export function writePrivateAtomic(file: string, text: string): void {
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, text, { mode: PRIVATE_FILE });
  chmodSync(tmp, PRIVATE_FILE);
  renameSync(tmp, file);
}
