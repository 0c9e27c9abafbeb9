// Drives the real az CLI (Debian's azure-cli 2.45 at /usr/bin/az) against a started ArcLink, the
// way docs/custom-cloud-auth describes: an ADFS-style authority (MSAL-Python then skips instance
// discovery), REQUESTS_CA_BUNDLE for trust, and a private AZURE_CONFIG_DIR per helper.
// Every call is bounded by a timeout, and HTTP(S)_PROXY points at a closed local port with only
// 127.0.0.1 exempt, so nothing az tries to reach elsewhere (telemetry, version checks) leaves the box.
import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Ready } from "./server.js";

export const AZ = process.env.ARCLINK_AZ ?? "/usr/bin/az";
export const CLOUD = "ArcLinkLocal";

export interface AzResult {
  /** Exit code; 124 when the call was killed at its timeout. */
  code: number;
  stdout: string;
  stderr: string;
  /** stdout parsed as JSON (undefined when empty or not JSON). */
  json: any;
}

export interface AzSession {
  info: Ready;
  configDir: string;
  /** Runs `az <args>` (adds `-o json` unless an output format is given). */
  run(args: string[], opts?: { timeoutMs?: number }): Promise<AzResult>;
  /** Like run, but throws (with stderr) unless az exits 0. */
  ok(args: string[], opts?: { timeoutMs?: number }): Promise<any>;
  /** Removes the config folder (tokens, cloud registration). */
  cleanup(): void;
}

const DEFAULT_TIMEOUT_MS = 90_000;

/** Environment for az: only what it needs from ours, plus isolation and trust. */
function azEnv(info: Ready, configDir: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const k of ["PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "USER", "PYTHONPATH"]) {
    if (process.env[k] !== undefined) env[k] = process.env[k];
  }
  const blackhole = "http://127.0.0.1:9";
  return {
    ...env,
    AZURE_CONFIG_DIR: configDir,
    AZURE_EXTENSION_DIR: join(configDir, "cliextensions"),
    REQUESTS_CA_BUNDLE: info.caCert,
    AZURE_CORE_COLLECT_TELEMETRY: "false",
    AZURE_CORE_NO_COLOR: "true",
    AZURE_CORE_SURVEY_MESSAGE: "false",
    AZURE_CORE_ONLY_SHOW_ERRORS: "false",
    HTTPS_PROXY: blackhole,
    HTTP_PROXY: blackhole,
    https_proxy: blackhole,
    http_proxy: blackhole,
    NO_PROXY: "127.0.0.1,localhost",
    no_proxy: "127.0.0.1,localhost",
    PYTHONDONTWRITEBYTECODE: "1",
  };
}

function runAz(env: NodeJS.ProcessEnv, cwd: string, args: string[], timeoutMs: number): Promise<AzResult> {
  const hasOutput = args.some((a) => a === "-o" || a === "--output" || a.startsWith("--output="));
  const full = hasOutput ? args : [...args, "-o", "json"];
  return new Promise((resolve) => {
    execFile(
      AZ,
      full,
      { env, cwd, timeout: timeoutMs, killSignal: "SIGKILL", maxBuffer: 32 * 1024 * 1024 },
      (err, stdout, stderr) => {
        let code = 0;
        if (err) {
          const e = err as NodeJS.ErrnoException & { code?: unknown; killed?: boolean; signal?: string };
          if (e.killed || e.signal) code = 124;
          else if (typeof e.code === "number") code = e.code;
          else code = 127; // could not start az
          if (code === 124) stderr += `\n[az ${full.join(" ")} killed after ${timeoutMs} ms]`;
          if (code === 127) stderr += `\n[could not run ${AZ}: ${e.message}]`;
        }
        let json: any;
        const text = stdout.trim();
        if (text) {
          try {
            json = JSON.parse(text);
          } catch {
            json = undefined;
          }
        }
        resolve({ code, stdout, stderr, json });
      },
    );
  });
}

/** Describes a result for assertion messages. */
export function describeAz(args: string[], r: AzResult): string {
  return `az ${args.join(" ")} → exit ${r.code}\nstdout: ${r.stdout.slice(0, 2000)}\nstderr: ${r.stderr.slice(0, 4000)}`;
}

/**
 * Registers ArcLink as a cloud in a fresh AZURE_CONFIG_DIR, selects it and logs in with the
 * server's service principal. Throws with az's output when any step fails.
 */
export async function azLogin(
  info: Ready,
  opts: {
    timeoutMs?: number;
    /** API profile of the registered cloud, e.g. "2020-09-01-hybrid" (Azure Stack style); default "latest". */
    profile?: string;
  } = {},
): Promise<AzSession> {
  if (!existsSync(AZ))
    throw new Error(`az CLI not found at ${AZ}: install azure-cli (apt-get install azure-cli).`);
  const configDir = mkdtempSync(join(tmpdir(), "arclink-az-"));
  const env = azEnv(info, configDir);
  const timeout = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const session: AzSession = {
    info,
    configDir,
    run: (args, o = {}) => runAz(env, configDir, args, o.timeoutMs ?? timeout),
    async ok(args, o = {}) {
      const r = await runAz(env, configDir, args, o.timeoutMs ?? timeout);
      if (r.code !== 0) throw new Error(describeAz(args, r));
      return r.json;
    },
    cleanup() {
      rmSync(configDir, { recursive: true, force: true });
    },
  };
  try {
    await session.ok([
      "cloud",
      "register",
      "-n",
      CLOUD,
      "--endpoint-resource-manager",
      `${info.arm}/`,
      "--endpoint-active-directory",
      `${info.arm}/adfs`,
      "--endpoint-active-directory-resource-id",
      "https://management.core.windows.net/",
      "--endpoint-active-directory-graph-resource-id",
      "https://graph.windows.net/",
      ...(opts.profile ? ["--profile", opts.profile] : []),
    ]);
    await session.ok(["cloud", "set", "-n", CLOUD]);
    // --password=<secret>: a secret starting with '-' would otherwise be read as an option.
    await session.ok([
      "login",
      "--service-principal",
      "-u",
      info.clientId,
      `--password=${info.clientSecret}`,
      "--tenant",
      info.tenantId,
    ]);
  } catch (e) {
    session.cleanup();
    throw e;
  }
  return session;
}
