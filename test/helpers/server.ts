// Starts `arclink serve` as a real child process on port 0 with a fresh data folder.
import { ChildProcess, execFile, spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

export const ROOT = resolve(fileURLToPath(import.meta.url), "../../../..");
export const ARCLINK = join(ROOT, "dist/src/cli/arclink.js");

export interface Ready {
  arm: string;
  authorityHost: string;
  tenantId: string;
  subscriptionId: string;
  clientId: string;
  clientSecret: string;
  caCert: string;
  dataDir: string;
  pid: number;
  [k: string]: any;
}

export interface TestServer {
  info: Ready;
  dataDir: string;
  readyFile: string;
  proc: ChildProcess;
  output(): string;
  /** Resolves once the server's output matches (it keeps printing after the ready file appears). */
  outputMatching(re: RegExp, timeoutMs?: number): Promise<string>;
  stop(): Promise<void>;
  kill9(): Promise<void>;
  restart(): Promise<TestServer>;
}

export async function startServer(
  opts: { dataDir?: string; args?: string[]; env?: Record<string, string>; nodeArgs?: string[] } = {},
): Promise<TestServer> {
  const dataDir = opts.dataDir ?? mkdtempSync(join(tmpdir(), "arclink-test-"));
  const readyFile = join(dataDir, `ready-${Date.now()}-${Math.random().toString(36).slice(2)}.json`);
  const proc = spawn(
    process.execPath,
    [
      ...(opts.nodeArgs ?? []),
      ARCLINK,
      "serve",
      "--port",
      "0",
      "--data",
      dataDir,
      "--ready-file",
      readyFile,
      ...(opts.args ?? []),
    ],
    { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, ...(opts.env ?? {}) } },
  );
  let out = "";
  proc.stdout!.on("data", (d) => (out += d));
  proc.stderr!.on("data", (d) => (out += d));
  const deadline = Date.now() + 30_000;
  while (!existsSync(readyFile)) {
    if (proc.exitCode !== null) throw new Error(`arclink serve exited with ${proc.exitCode}:\n${out}`);
    if (Date.now() > deadline) {
      proc.kill("SIGKILL");
      throw new Error(`arclink serve did not become ready in 30 s:\n${out}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  const info = JSON.parse(readFileSync(readyFile, "utf8")) as Ready;
  // A process ended by a signal keeps exitCode null and has signalCode set instead.
  const gone = () => proc.exitCode !== null || proc.signalCode !== null;
  const exited = () => new Promise<void>((r) => (gone() ? r() : proc.once("exit", () => r())));
  const self: TestServer = {
    info,
    dataDir,
    readyFile,
    proc,
    output: () => out,
    async outputMatching(re, timeoutMs = 60_000) {
      const until = Date.now() + timeoutMs;
      while (!re.test(out)) {
        if (gone()) throw new Error(`arclink serve exited before printing ${re}:\n${out}`);
        if (Date.now() > until)
          throw new Error(`arclink serve did not print ${re} in ${timeoutMs} ms:\n${out}`);
        await new Promise((r) => setTimeout(r, 50));
      }
      return out;
    },
    async stop() {
      if (!gone()) proc.kill("SIGTERM");
      await exited();
    },
    async kill9() {
      if (!gone()) proc.kill("SIGKILL");
      await exited();
    },
    async restart() {
      await self.stop();
      return startServer({ ...opts, dataDir });
    },
  };
  return self;
}

export function removeDataDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the `arclink` command as a user would (a child process); resolves with its exit code and output. */
export function arclink(
  args: string[],
  opts: { timeoutMs?: number; env?: NodeJS.ProcessEnv; cwd?: string } = {},
): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [ARCLINK, ...args],
      { timeout: opts.timeoutMs ?? 120_000, maxBuffer: 64 * 1024 * 1024, env: opts.env, cwd: opts.cwd },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === "number" ? err.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}
