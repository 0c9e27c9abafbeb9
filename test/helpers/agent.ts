// Driving azcmagent (dist/src/agent/azcmagent.js) as a separate process acting as a simulated host
// of a topology: host credentials, a fresh agent home, the agent's exit code and output, and the
// ARM calls the agent tests use to change the world (raw, so status codes are checked exactly).
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { arm } from "./arm.js";
import { ROOT, type TestServer } from "./server.js";

export const AGENT = join(ROOT, "dist/src/agent/azcmagent.js");
export const RG = "rg-arc-private-link";
export const LAB = "api-version=2025-01-01";
export const HC = "api-version=2024-07-10";
export const NET = "api-version=2025-05-01";

export interface AgentRun {
  code: number | null;
  stdout: string;
  stderr: string;
  all: string;
}

/** One agent command; killed after 60 s. AZCMAGENT_DNS_TIMEOUT_MS is 800 unless `env` says otherwise. */
export function runAgent(args: string[], env: Record<string, string>): Promise<AgentRun> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [AGENT, ...args], {
      env: { ...process.env, AZCMAGENT_DNS_TIMEOUT_MS: "800", ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    p.stdout.on("data", (d) => (stdout += d));
    p.stderr.on("data", (d) => (stderr += d));
    const timer = setTimeout(() => p.kill("SIGKILL"), 60_000);
    p.on("error", reject);
    p.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, all: stdout + stderr });
    });
  });
}

/** A host credential (the JSON of POST …/hostCredentials) as ARM returned it. */
export async function hostCredential(srv: TestServer, host: string): Promise<Record<string, any>> {
  const r = await arm(
    srv.info,
    "POST",
    `/subscriptions/${srv.info.subscriptionId}/providers/ArcLink.Lab/hostCredentials?${LAB}`,
    { host },
  );
  assert.equal(r.status, 200, r.text);
  return r.json;
}

/** The environment of an agent acting as `host`: its credential file and a fresh AZCMAGENT_HOME under `dir`. */
export async function hostEnv(
  srv: TestServer,
  dir: string,
  host: string,
  extra: Record<string, string> = {},
): Promise<Record<string, string>> {
  const cred = await hostCredential(srv, host);
  const file = join(dir, `${host}-${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(file, JSON.stringify(cred));
  const home = mkdtempSync(join(dir, `home-${host}-`));
  return { ARCLINK_HOST_CREDENTIAL: file, AZCMAGENT_HOME: home, ...extra };
}

/** `azcmagent connect` flags for the server's service principal, in the reference resource group. */
export function connectArgs(srv: TestServer, name: string, location: string, extra: string[] = []): string[] {
  const i = srv.info;
  return [
    "connect",
    ...["-s", i.subscriptionId, "-g", RG, "-l", location],
    ...["-t", i.tenantId, "-i", i.clientId, "-p", i.clientSecret],
    ...["-n", name],
    ...extra,
  ];
}

export function rgPath(srv: TestServer, rest: string): string {
  return `/subscriptions/${srv.info.subscriptionId}/resourceGroups/${RG}/providers/${rest}`;
}

export const machineId = (srv: TestServer, name: string): string =>
  rgPath(srv, `Microsoft.HybridCompute/machines/${name}`);

export const scopeIdOf = (srv: TestServer, name: string): string =>
  rgPath(srv, `Microsoft.HybridCompute/privateLinkScopes/${name}`);

export async function getMachine(srv: TestServer, name: string) {
  return arm(srv.info, "GET", `${machineId(srv, name)}?${HC}`);
}

/** PATCH a machine's association (null removes it); asserts 200 and returns the machine ARM shows. */
export async function patchAssociation(srv: TestServer, name: string, scopeId: string | null): Promise<any> {
  const r = await arm(srv.info, "PATCH", `${machineId(srv, name)}?${HC}`, {
    properties: { privateLinkScopeResourceId: scopeId },
  });
  assert.equal(r.status, 200, r.text);
  return r.json;
}

/** Moves the virtual clock; returns the new time. */
export async function advanceClock(srv: TestServer, minutes: number): Promise<string> {
  const r = await arm(srv.info, "POST", `/providers/ArcLink.Lab/clock/advance?${LAB}`, {
    milliseconds: minutes * 60_000,
  });
  assert.equal(r.status, 200, r.text);
  return r.json.now;
}

/** The agent's rows of `check` as {endpoint: [reachable, private, tls, proxy]}. */
export function checkTable(out: string): Record<string, string[]> {
  const rows: Record<string, string[]> = {};
  for (const line of out.split("\n")) {
    const cells = line.split("|").map((c) => c.trim());
    if (cells.length === 5 && cells[0].startsWith("https://")) rows[cells[0]] = cells.slice(1);
  }
  return rows;
}

/** Waits (real time, bounded) until an asynchronous ARM PUT's resource reports Succeeded. */
export async function waitSucceeded(srv: TestServer, path: string, timeoutMs = 20_000): Promise<any> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const r = await arm(srv.info, "GET", path);
    const state = r.json?.properties?.provisioningState;
    if (r.status === 200 && state === "Succeeded") return r.json;
    if (Date.now() > deadline || state === "Failed") {
      assert.fail(`${path} did not succeed in ${timeoutMs} ms: ${r.status} ${r.text}`);
    }
    await new Promise((res) => setTimeout(res, 200));
  }
}

/** `arclink check --host` as the server decides it (POST …/ArcLink.Lab/check): the host's rows by endpoint. */
export async function labCheck(srv: TestServer, host: string): Promise<Record<string, any>> {
  const r = await arm(
    srv.info,
    "POST",
    `/subscriptions/${srv.info.subscriptionId}/providers/ArcLink.Lab/check?${LAB}`,
    { host },
  );
  assert.equal(r.status, 200, r.text);
  return Object.fromEntries(r.json.value[0].endpoints.map((e: any) => [e.endpoint, e]));
}

/** Lint findings of some rules, as POST …/ArcLink.Lab/lint returns them. */
export async function lintFindings(srv: TestServer, ...rules: string[]): Promise<any[]> {
  const r = await arm(
    srv.info,
    "POST",
    `/subscriptions/${srv.info.subscriptionId}/providers/ArcLink.Lab/lint?${LAB}`,
    { rules },
  );
  assert.equal(r.status, 200, r.text);
  return r.json.findings;
}
