// Runs an SDK scenario (a compiled script under dist/test/scenarios) in its own Node process,
// trusting ArcLink's CA the way users do: NODE_EXTRA_CA_CERTS, set before Node starts.
import { execFile } from "node:child_process";
import { join } from "node:path";
import { ROOT, Ready } from "./server.js";

export interface ScenarioResult {
  code: number;
  stdout: string;
  stderr: string;
  /** The last line of stdout parsed as JSON, when it is JSON. */
  result?: any;
}

export function runScenario(
  name: string,
  info: Ready,
  env: Record<string, string> = {},
  timeoutMs = 120_000,
): Promise<ScenarioResult> {
  const script = join(ROOT, "dist/test/scenarios", `${name}.js`);
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [script],
      {
        env: {
          ...process.env,
          NODE_EXTRA_CA_CERTS: info.caCert,
          ARCLINK_READY: JSON.stringify(info),
          ...env,
        },
        timeout: timeoutMs,
        maxBuffer: 32 * 1024 * 1024,
      },
      (err, stdout, stderr) => {
        const code = err ? ((err as any).code ?? 1) : 0;
        const last = stdout.trim().split("\n").pop() ?? "";
        let result: any;
        try {
          result = JSON.parse(last);
        } catch {
          /* not JSON */
        }
        resolve({ code: typeof code === "number" ? code : 1, stdout, stderr, result });
      },
    );
  });
}
