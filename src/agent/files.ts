// The agent's home folder ($AZCMAGENT_HOME, default /var/opt/azcmagent) and atomic JSON files in
// it: a write goes to a temporary file in the same folder and is renamed over the old one, so a
// reader sees the old file or the new one, never half of one.
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";

export const DEFAULT_HOME = "/var/opt/azcmagent";

export function agentHome(env: NodeJS.ProcessEnv = process.env): string {
  const h = env.AZCMAGENT_HOME;
  return h && h.trim() !== "" ? h : DEFAULT_HOME;
}

export function homeFile(home: string, name: string): string {
  return join(home, name);
}

/** The file's text, or undefined when it does not exist (other errors are thrown). */
export function readText(path: string): string | undefined {
  try {
    return readFileSync(path, "utf8");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw e;
  }
}

export function writeJsonAtomic(path: string, value: unknown): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.${Date.now()}.tmp`;
  try {
    writeFileSync(tmp, JSON.stringify(value, null, 2) + "\n", { mode: 0o600 });
    renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
}

export function removeFile(path: string): void {
  rmSync(path, { force: true });
}
