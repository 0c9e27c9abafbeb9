// How the arclink CLI talks to a running ArcLink: read its ready file, get a token from its
// token endpoint, call its ARM API over HTTPS trusting its CA. The CLI decides nothing itself.
import { existsSync, readFileSync } from "node:fs";
import { request } from "node:https";
import { join } from "node:path";
import { CliError, Flags } from "./flags.js";

export interface ReadyFile {
  arm: string;
  tenantId: string;
  subscriptionId: string;
  clientId: string;
  clientSecret: string;
  caCert: string;
  [k: string]: any;
}

export function readReady(flags: Flags): ReadyFile {
  const file = flags.optString("ready-file") ?? join(flags.string("data", "./.arclink"), "ready.json");
  if (!existsSync(file)) {
    throw new CliError(
      `No running ArcLink found: ${file} does not exist. Start one with 'arclink serve' (or pass --ready-file / --data).`,
      1,
    );
  }
  return JSON.parse(readFileSync(file, "utf8")) as ReadyFile;
}

export class ArmClient {
  private token?: string;
  private ca: Buffer;

  constructor(readonly ready: ReadyFile) {
    this.ca = readFileSync(ready.caCert);
  }

  private send(
    method: string,
    path: string,
    body?: string,
    headers: Record<string, string> = {},
  ): Promise<{ status: number; json: any; text: string; headers: Record<string, any> }> {
    const url = new URL(this.ready.arm);
    return new Promise((resolve, reject) => {
      const req = request(
        {
          host: url.hostname,
          port: url.port,
          method,
          path,
          ca: this.ca,
          headers: { ...headers, ...(body ? { "content-length": Buffer.byteLength(body) } : {}) },
          timeout: 60_000,
        },
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
            resolve({ status: res.statusCode ?? 0, json, text, headers: res.headers });
          });
        },
      );
      req.on("error", (e) =>
        reject(
          new CliError(
            `Cannot reach ArcLink at ${this.ready.arm}: ${e.message}. Is 'arclink serve' running?`,
            1,
          ),
        ),
      );
      req.on("timeout", () => req.destroy(new Error("timed out")));
      if (body) req.write(body);
      req.end();
    });
  }

  async bearer(): Promise<string> {
    if (this.token) return this.token;
    const form = new URLSearchParams({
      grant_type: "client_credentials",
      client_id: this.ready.clientId,
      client_secret: this.ready.clientSecret,
      scope: "https://management.azure.com/.default",
    }).toString();
    const r = await this.send("POST", `/${this.ready.tenantId}/oauth2/v2.0/token`, form, {
      "content-type": "application/x-www-form-urlencoded",
    });
    if (r.status !== 200)
      throw new CliError(`Token request failed (${r.status}): ${r.json?.error_description ?? r.text}`, 1);
    this.token = r.json.access_token as string;
    return this.token;
  }

  /** An ARM call; throws CliError with ARM's code and message on an error status. */
  async call(method: string, path: string, body?: unknown, apiVersion = "2025-01-01"): Promise<any> {
    const t = await this.bearer();
    const sep = path.includes("?") ? "&" : "?";
    const full = path.includes("api-version=") ? path : `${path}${sep}api-version=${apiVersion}`;
    const r = await this.send(method, full, body === undefined ? undefined : JSON.stringify(body), {
      authorization: `Bearer ${t}`,
      "content-type": "application/json",
    });
    if (r.status >= 400) {
      const e = r.json?.error;
      throw new CliError(e ? `${e.code}: ${e.message}` : `HTTP ${r.status}: ${r.text}`, 1);
    }
    return r.json;
  }

  sub(path: string): string {
    return `/subscriptions/${this.ready.subscriptionId}${path}`;
  }
}
