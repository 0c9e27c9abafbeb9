// Runs a script under test/python with Debian's Python and its python3-azure SDK, the way users
// point it at ArcLink: REQUESTS_CA_BUNDLE for trust, HTTP(S)_PROXY on a closed local port with
// only 127.0.0.1 exempt (nothing leaves the box), and the connection details in the environment.
import { execFile } from "node:child_process";
import { join } from "node:path";
import { ROOT, Ready } from "./server.js";

export const PYTHON = process.env.ARCLINK_PYTHON ?? "/usr/bin/python3";

export interface PythonResult {
  /** Exit code; 124 when killed at the timeout. */
  code: number;
  stdout: string;
  stderr: string;
  /** The last line of stdout parsed as JSON, when it is JSON. */
  result?: any;
}

export function runPython(
  script: string,
  info: Ready,
  timeoutMs = 240_000,
  extraEnv: Record<string, string> = {},
): Promise<PythonResult> {
  const blackhole = "http://127.0.0.1:9";
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    LANG: process.env.LANG,
    REQUESTS_CA_BUNDLE: info.caCert,
    HTTPS_PROXY: blackhole,
    HTTP_PROXY: blackhole,
    https_proxy: blackhole,
    http_proxy: blackhole,
    NO_PROXY: "127.0.0.1,localhost",
    no_proxy: "127.0.0.1,localhost",
    PYTHONDONTWRITEBYTECODE: "1",
    ARCLINK_ARM: info.arm,
    ARCLINK_TENANT: info.tenantId,
    ARCLINK_CLIENT_ID: info.clientId,
    ARCLINK_CLIENT_SECRET: info.clientSecret,
    ARCLINK_SUBSCRIPTION: info.subscriptionId,
    ...extraEnv,
  };
  return new Promise((resolve) => {
    execFile(
      PYTHON,
      [join(ROOT, "test/python", script)],
      { env, timeout: timeoutMs, killSignal: "SIGKILL", maxBuffer: 32 * 1024 * 1024 },
      (err, stdout, stderr) => {
        let code = 0;
        if (err) {
          const e = err as NodeJS.ErrnoException & { killed?: boolean; signal?: string };
          code = e.killed || e.signal ? 124 : typeof e.code === "number" ? e.code : 127;
        }
        let result: any;
        try {
          result = JSON.parse(stdout.trim().split("\n").pop() ?? "");
        } catch {
          result = undefined;
        }
        resolve({ code, stdout, stderr, result });
      },
    );
  });
}
