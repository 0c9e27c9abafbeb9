// How the arclink CLI talks to a running ArcLink: read its ready file, get a token from its
// token endpoint, call its ARM API over HTTPS trusting its CA. The CLI decides nothing itself.
import { existsSync, readFileSync } from "node:fs";
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

  constructor(readonly ready: ReadyFile) {
    this.http = new HttpArmClient(
      {
        arm: ready.arm,
        tenantId: ready.tenantId,
        clientId: ready.clientId,
        clientSecret: ready.clientSecret,
        ca: readCa(ready.caCert),
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
