// The data folder: private to the user running ArcLink, and written by one server at a time.
//
// The folder is 0700 and every file in it that holds a key or a secret (the database and its
// WAL/SHM files, ready files, the lock's owner file) is 0600, whatever the umask. `serve` holds an
// exclusive lock on <data>/serve.lock for as long as it runs: a SQLite exclusive transaction,
// which is a POSIX advisory lock the operating system drops when the process ends in any way
// (kill -9 included), so there is never a stale lock to clean up. A second server on the same
// folder is refused with the first one's pid and address.
import Database from "better-sqlite3";
import { readFileSync, unlinkSync } from "node:fs";
import { join } from "node:path";
import { makePrivateFile, writePrivateAtomic } from "../core/privateFiles.js";

/** Removes a ready file if it still describes this process (another server may have replaced it). */
export function removeOwnReadyFile(file: string): void {
  try {
    const info = JSON.parse(readFileSync(file, "utf8")) as { pid?: number };
    if (info.pid === process.pid) unlinkSync(file);
  } catch {
    // Already gone or not ours to judge: leave it.
  }
}

export class DataFolderInUseError extends Error {
  constructor(
    readonly dir: string,
    readonly pid: number | undefined,
    readonly arm: string | undefined,
  ) {
    super(
      `ArcLink is already running on data folder ${dir} (pid ${pid ?? "unknown"}, ${arm ?? "still starting"}). ` +
        `One server writes a data folder at a time: use that server (its ready file is ${join(dir, "ready.json")}), ` +
        `stop it first, or start this one with another --data folder.`,
    );
    this.name = "DataFolderInUseError";
  }
}

export interface DataFolderLock {
  release(): void;
}

/**
 * Takes the folder's exclusive lock or throws DataFolderInUseError naming the holder. The lock
 * lasts until release() or the end of the process.
 */
export function lockDataFolder(dir: string): DataFolderLock {
  const lockFile = join(dir, "serve.lock");
  const ownerFile = join(dir, "serve.pid");
  makePrivateFile(lockFile, [`${lockFile}-journal`]);
  const db = new Database(lockFile, { timeout: 0 });
  try {
    db.pragma("locking_mode = EXCLUSIVE");
    db.exec("BEGIN EXCLUSIVE");
  } catch (e) {
    db.close();
    if ((e as { code?: string }).code !== "SQLITE_BUSY") throw e;
    throw new DataFolderInUseError(dir, ...holder(dir, ownerFile));
  }
  writePrivateAtomic(ownerFile, `${process.pid}\n`);
  return {
    release() {
      if (!db.open) return;
      try {
        if (Number(readFileSync(ownerFile, "utf8")) === process.pid) unlinkSync(ownerFile);
      } catch {
        // The owner file is only a hint for the refusal message.
      }
      db.close();
    },
  };
}

/** The lock holder's pid (from serve.pid) and address (from ready.json when it is the same process). */
function holder(dir: string, ownerFile: string): [number | undefined, string | undefined] {
  let pid: number | undefined;
  try {
    pid = Number(readFileSync(ownerFile, "utf8").trim()) || undefined;
  } catch {
    pid = undefined;
  }
  try {
    const ready = JSON.parse(readFileSync(join(dir, "ready.json"), "utf8")) as { pid?: number; arm?: string };
    if (ready.pid !== undefined && (pid === undefined || ready.pid === pid)) return [ready.pid, ready.arm];
  } catch {
    // Not written yet (the holder is starting) or unreadable.
  }
  return [pid, undefined];
}
