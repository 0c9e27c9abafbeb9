// A raw HTTPS client for ARM calls where a test needs exact status codes and headers
// (bad input, conditional requests) rather than an SDK's interpretation.
import { Agent, request } from "node:https";
import { readFileSync } from "node:fs";
import { Ready } from "./server.js";

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  json: any;
}

export async function token(info: Ready, scope = "https://management.azure.com/.default"): Promise<string> {
  const form = new URLSearchParams({
    grant_type: "client_credentials",
    client_id: info.clientId,
    client_secret: info.clientSecret,
    scope,
  }).toString();
  const r = await raw(info, "POST", `/${info.tenantId}/oauth2/v2.0/token`, form, {
    "content-type": "application/x-www-form-urlencoded",
  });
  if (r.status !== 200) throw new Error(`token: ${r.status} ${r.text}`);
  return r.json.access_token as string;
}

export interface RawOptions {
  /** A keep-alive agent to send through (otherwise one connection per call). */
  agent?: Agent;
  timeoutMs?: number;
}

export function raw(
  info: Ready,
  method: string,
  path: string,
  body?: string | object,
  headers: Record<string, string> = {},
  opts: RawOptions = {},
): Promise<RawResponse> {
  const ca = opts.agent ? undefined : readFileSync(info.caCert);
  const url = new URL(info.arm);
  const payload = body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body);
  const h: Record<string, string> = { ...headers };
  if (payload !== undefined && !Object.keys(h).some((k) => k.toLowerCase() === "content-type")) {
    h["content-type"] = "application/json";
  }
  const timeout = opts.timeoutMs ?? 30_000;
  return new Promise((resolve, reject) => {
    const req = request(
      { host: url.hostname, port: url.port, method, path, ca, agent: opts.agent, headers: h, timeout },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c) => chunks.push(c));
        res.on("error", reject);
        res.on("end", () => {
          const text = Buffer.concat(chunks).toString("utf8");
          let json: any;
          try {
            json = text ? JSON.parse(text) : undefined;
          } catch {
            json = undefined;
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json });
        });
      },
    );
    req.on("error", reject);
    req.on("timeout", () => req.destroy(new Error(`${method} ${path} timed out`)));
    if (payload !== undefined) req.write(payload);
    req.end();
  });
}

/**
 * An ARM client for many calls in flight: one keep-alive agent (at most `maxSockets`
 * connections), every call with this bearer token. `close()` ends its connections.
 */
export function armClient(info: Ready, bearer: string, maxSockets = 64, timeoutMs = 120_000) {
  const agent = new Agent({ keepAlive: true, maxSockets, ca: readFileSync(info.caCert) });
  const call = (method: string, path: string, body?: object | string, headers: Record<string, string> = {}) =>
    raw(info, method, path, body, { authorization: `Bearer ${bearer}`, ...headers }, { agent, timeoutMs });
  return { call, close: () => agent.destroy() };
}
export type ArmClient = ReturnType<typeof armClient>;

/** An authenticated ARM call with the default principal. */
export async function arm(
  info: Ready,
  method: string,
  path: string,
  body?: object | string,
  headers: Record<string, string> = {},
): Promise<RawResponse> {
  const t = await token(info);
  return raw(info, method, path, body, { authorization: `Bearer ${t}`, ...headers });
}

/**
 * PUT a deployment and follow it as az and the SDKs do: the PUT answers at once (Accepted), then
 * its Azure-AsyncOperation status is read until it has ended, then the deployment itself. Returns
 * the PUT's status and headers with the ended deployment's body; a refused PUT is returned as is.
 */
export async function armDeployment(
  info: Ready,
  path: string,
  body: object | string,
  headers: Record<string, string> = {},
): Promise<RawResponse & { accepted?: any }> {
  const put = await arm(info, "PUT", path, body, headers);
  if (put.status !== 200 && put.status !== 201) return put;
  const status = String(put.headers["azure-asyncoperation"] ?? "");
  if (!status) throw new Error(`the deployment's PUT answered ${put.status} without Azure-AsyncOperation`);
  const statusPath = new URL(status).pathname + new URL(status).search;
  for (;;) {
    const s = await arm(info, "GET", statusPath);
    if (s.status !== 200) throw new Error(`operation status: ${s.status} ${s.text}`);
    if (!["Accepted", "Running"].includes(s.json.status)) break;
    await new Promise((r) => setImmediate(r));
  }
  const done = await arm(info, "GET", path);
  return { ...put, text: done.text, json: done.json, accepted: put.json };
}
