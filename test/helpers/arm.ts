// A raw HTTPS client for ARM calls where a test needs exact status codes and headers
// (bad input, conditional requests) rather than an SDK's interpretation.
import { request } from "node:https";
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

export function raw(
  info: Ready,
  method: string,
  path: string,
  body?: string | object,
  headers: Record<string, string> = {},
): Promise<RawResponse> {
  const ca = readFileSync(info.caCert);
  const url = new URL(info.arm);
  const payload = body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body);
  const h: Record<string, string> = { ...headers };
  if (payload !== undefined && !Object.keys(h).some((k) => k.toLowerCase() === "content-type")) {
    h["content-type"] = "application/json";
  }
  return new Promise((resolve, reject) => {
    const req = request(
      { host: url.hostname, port: url.port, method, path, ca, headers: h, timeout: 30_000 },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c) => chunks.push(c));
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
    req.on("timeout", () => req.destroy(new Error("request timed out")));
    if (payload !== undefined) req.write(payload);
    req.end();
  });
}

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
