// How the arclink CLI talks to a running ArcLink: read its ready file, get a token from its
// token endpoint, call its ARM API over HTTPS trusting its CA. The CLI decides nothing itself.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { CliError, Flags } from "./flags.js";
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

/** The CLI's ARM client: the HTTPS client `apply` uses, with errors turned into CLI messages. */
export class ArmClient {
  private readonly http: HttpArmClient;

  constructor(readonly ready: ReadyFile) {
    this.http = new HttpArmClient(
      {
        arm: ready.arm,
        tenantId: ready.tenantId,
        clientId: ready.clientId,
        clientSecret: ready.clientSecret,
        ca: readFileSync(ready.caCert, "utf8"),
      },
      60_000,
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
      if (e instanceof ApplyError) throw new CliError(`${e.code}: ${e.message}`, 1);
      throw new CliError(
        `Cannot reach ArcLink at ${this.ready.arm}: ${(e as Error).message}. Is 'arclink serve' running?`,
        1,
      );
    }
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
