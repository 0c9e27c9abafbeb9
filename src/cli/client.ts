// How the arclink CLI talks to a running ArcLink: read its ready file, get a token from its
// token endpoint, call its ARM API over HTTPS trusting its CA. The CLI decides nothing itself.
import { existsSync, readFileSync } from "node:fs";
import { request } from "node:https";
import { join } from "node:path";
import { CliError, EXIT, Flags } from "./flags.js";
import { ApplyError, ArmClient as HttpArmClient } from "../topology/apply.js";

export interface ReadyFile {
  arm: string;
  tenantId: string;
  subscriptionId: string;
  clientId: string;
  clientSecret: string;
  caCert: string;
  [k: string]: any;
}

/** The ready file of the ArcLink that --ready-file or --data (default ./.arclink) names. */
export function readyFileOf(flags: Flags): string {
  return flags.optString("ready-file") ?? join(flags.string("data", "./.arclink"), "ready.json");
}

export function readReady(flags: Flags): ReadyFile {
  return readReadyFile(readyFileOf(flags));
}

export function readReadyFile(file: string): ReadyFile {
  if (!existsSync(file)) {
    throw new CliError(
      `No running ArcLink found: ${file} does not exist. Start one with 'arclink serve' (or pass --ready-file / --data).`,
      EXIT.unreachable,
    );
  }
  let ready: ReadyFile;
  try {
    ready = JSON.parse(readFileSync(file, "utf8")) as ReadyFile;
  } catch (e) {
    throw new CliError(`Cannot read the ready file ${file}: ${(e as Error).message}`, EXIT.input);
  }
  for (const k of ["arm", "tenantId", "clientId", "clientSecret", "caCert"])
    if (typeof ready?.[k] !== "string")
      throw new CliError(
        `The ready file ${file} has no '${k}': is it one 'arclink serve' wrote?`,
        EXIT.input,
      );
  return ready;
}

/**
 * The exit code of an error ArcLink answered: a reference that names nothing (404, or a
 * …NotFound code) is an input error; any other refusal is a refusal.
 */
export function exitCodeOfArmError(status: number, code: string | undefined): number {
  return status === 404 || /NotFound$/.test(code ?? "") ? EXIT.input : EXIT.refused;
}

function readCa(file: string): string {
  try {
    return readFileSync(file, "utf8");
  } catch (e) {
    throw new CliError(`Cannot read ArcLink's CA certificate ${file}: ${(e as Error).message}`, EXIT.input);
  }
}

/** The CLI's ARM client: the HTTPS client `apply` uses, with errors turned into CLI messages. */
export class ArmClient {
  private readonly http: HttpArmClient;
  private readonly ca: string;

  /** timeoutMs: how long a call may go without a byte of its answer (a minute by default). */
  constructor(
    readonly ready: ReadyFile,
    private readonly timeoutMs = 60_000,
  ) {
    this.ca = readCa(ready.caCert);
    this.http = new HttpArmClient(
      {
        arm: ready.arm,
        tenantId: ready.tenantId,
        clientId: ready.clientId,
        clientSecret: ready.clientSecret,
        ca: this.ca,
      },
      timeoutMs,
    );
  }

  /**
   * An ARM call whose answer is read as it arrives: each piece of a successful answer goes to
   * `onChunk` (the next is read once it returns or resolves), so an answer larger than one string
   * (a million hosts' lint report) is never held whole. An error status throws as call() does.
   */
  async stream(
    method: string,
    path: string,
    body: unknown,
    onChunk: (chunk: Buffer) => void | Promise<void>,
    apiVersion = "2025-01-01",
  ): Promise<void> {
    const sep = path.includes("?") ? "&" : "?";
    const full = path.includes("api-version=") ? path : `${path}${sep}api-version=${apiVersion}`;
    let token: string;
    try {
      token = await this.http.getToken();
    } catch (e) {
      if (e instanceof ApplyError) throw new CliError(`${e.code}: ${e.message}`, EXIT.refused);
      throw this.unreachable(e);
    }
    const u = new URL(`${this.ready.arm}${full}`);
    const payload = body === undefined ? undefined : JSON.stringify(body);
    await new Promise<void>((resolve, reject) => {
      let settled = false;
      const settle = (e?: unknown) => {
        if (settled) return;
        settled = true;
        if (e === undefined) resolve();
        else {
          req.destroy();
          reject(e);
        }
      };
      const req = request(
        {
          host: u.hostname.replace(/^\[|\]$/g, ""),
          port: u.port || 443,
          method,
          path: u.pathname + u.search,
          ca: this.ca,
          headers: {
            accept: "application/json",
            authorization: `Bearer ${token}`,
            ...(payload === undefined ? {} : { "content-type": "application/json" }),
          },
          timeout: this.timeoutMs,
        },
        (res) => {
          const status = res.statusCode ?? 0;
          if (status >= 400) {
            // An error answer is small: read whole, and thrown as call() throws it.
            const parts: Buffer[] = [];
            res.on("data", (c: Buffer) => parts.push(c));
            res.on("end", () => {
              const text = Buffer.concat(parts).toString("utf8");
              let e: any;
              try {
                e = JSON.parse(text)?.error;
              } catch {
                e = undefined;
              }
              settle(
                new CliError(
                  e ? `${e.code}: ${e.message}` : `HTTP ${status}: ${text}`,
                  exitCodeOfArmError(status, e?.code),
                ),
              );
            });
            return;
          }
          res.on("data", (c: Buffer) => {
            if (settled) return;
            let w: void | Promise<void>;
            try {
              w = onChunk(c);
            } catch (e) {
              settle(e);
              return;
            }
            if (!w) return;
            res.pause();
            w.then(() => res.resume(), settle);
          });
          res.on("end", () => settle(res.complete ? undefined : cutShort()));
          // The server closed the connection before the answer's end.
          res.on("close", () => settle(cutShort()));
        },
      );
      const cutShort = () =>
        new CliError(
          `ArcLink at ${this.ready.arm} stopped before the end of its answer to ${method} ${u.pathname}: run it again; if it stops again, see the server's output.`,
          EXIT.unreachable,
        );
      req.on("error", (e) => settle(this.unreachable(e)));
      req.on("timeout", () => req.destroy(new Error(`no answer in ${this.timeoutMs} ms`)));
      if (payload !== undefined) req.write(payload);
      req.end();
    });
  }

  private unreachable(e: unknown): CliError {
    return new CliError(
      `Cannot reach ArcLink at ${this.ready.arm}: ${(e as Error).message}. Is 'arclink serve' running?`,
      EXIT.unreachable,
    );
  }

  /** An ARM call; throws CliError with ARM's code and message on an error status. */
  async call(method: string, path: string, body?: unknown, apiVersion = "2025-01-01"): Promise<any> {
    const sep = path.includes("?") ? "&" : "?";
    const full = path.includes("api-version=") ? path : `${path}${sep}api-version=${apiVersion}`;
    let r;
    try {
      r = await this.http.call(method, full, body);
    } catch (e) {
      if (e instanceof ApplyError) throw new CliError(`${e.code}: ${e.message}`, EXIT.refused);
      throw new CliError(
        `Cannot reach ArcLink at ${this.ready.arm}: ${(e as Error).message}. Is 'arclink serve' running?`,
        EXIT.unreachable,
      );
    }
    if (r.status >= 400) {
      const e = r.json?.error;
      throw new CliError(
        e ? `${e.code}: ${e.message}` : `HTTP ${r.status}: ${r.text}`,
        exitCodeOfArmError(r.status, e?.code),
      );
    }
    return r.json;
  }

  sub(path: string): string {
    return `/subscriptions/${this.ready.subscriptionId}${path}`;
  }
}
