// Errors the user can fix, as one line naming the file, folder or database at fault, with the fix;
// everything else is a bug, reported as one line too (--debug prints its stack).
import { TopologyError } from "../topology/parse.js";
import { CliError, EXIT } from "./flags.js";

const FS_PROBLEM: Record<string, string> = {
  EACCES: "permission denied",
  EPERM: "operation not permitted",
  EROFS: "the file system is read-only",
  ENOENT: "no such file or directory",
  ENOTDIR: "a part of the path is not a folder",
  EISDIR: "it is a folder",
  ENOSPC: "no space left on the device",
  EEXIST: "it already exists",
};

const NETWORK = new Set(["ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "ENOTFOUND", "EHOSTUNREACH"]);

/** The CliError for an error the user can fix (a file, folder, topology, database), else undefined. */
export function userError(e: unknown, where: { database?: string } = {}): CliError | undefined {
  if (e instanceof CliError) return e;
  if (e instanceof TopologyError) return new CliError(e.message, EXIT.input, e);
  const err = e as NodeJS.ErrnoException | undefined;
  const code = typeof err?.code === "string" ? err.code : undefined;
  if (code && FS_PROBLEM[code] && typeof err?.path === "string") {
    const what = err.syscall === "open" || err.syscall === "mkdir" ? `cannot ${err.syscall}` : "cannot use";
    const fix =
      code === "ENOENT"
        ? "check the path"
        : code === "ENOSPC"
          ? "free some space"
          : "give the user running arclink write access to it, or choose another folder (--data DIR)";
    return new CliError(`${what} ${err.path}: ${FS_PROBLEM[code]}. Fix: ${fix}.`, EXIT.input, e);
  }
  if (code && NETWORK.has(code))
    return new CliError(
      `Cannot reach ArcLink: ${err!.message}. Is 'arclink serve' running?`,
      EXIT.unreachable,
      e,
    );
  // better-sqlite3's errors carry SQLite's code (SQLITE_READONLY, SQLITE_CANTOPEN, SQLITE_CORRUPT…).
  if (code?.startsWith("SQLITE_")) {
    const db = where.database ?? "the database";
    const fix =
      code === "SQLITE_READONLY" || code === "SQLITE_CANTOPEN" || code === "SQLITE_PERM"
        ? "give the user running arclink write access to it and its folder, or choose another folder (--data DIR)"
        : code === "SQLITE_CORRUPT" || code === "SQLITE_NOTADB"
          ? "restore it from a backup, or start with an empty folder (--data DIR)"
          : "see SQLite's message";
    return new CliError(`${db}: ${err!.message} (${code}). Fix: ${fix}.`, EXIT.input, e);
  }
  return undefined;
}
