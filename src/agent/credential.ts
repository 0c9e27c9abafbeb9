// The host credential ($ARCLINK_HOST_CREDENTIAL, a JSON file ArcLink issued): which simulated host
// this agent runs on, the gateway to reach the world through and the CA that signs ArcLink's TLS.
import { readFileSync } from "node:fs";
import { AgentError, AZCM } from "./errors.js";

export interface HostCredential {
  hostId: string;
  hostName: string;
  token: string;
  /** e.g. https://127.0.0.1:PORT/.gateway */
  gateway: string;
  /** Path of the CA certificate (PEM) that signs the gateway's certificate. */
  caCert: string;
  expiresOn?: string;
  /** The tenant ArcLink issued the credential in. */
  tenantId?: string;
}

export const CREDENTIAL_ENV = "ARCLINK_HOST_CREDENTIAL";

const HOW =
  `Create one with: arclink host credential --host NAME --out FILE, then set ${CREDENTIAL_ENV}=FILE ` +
  `(the agent runs as that simulated host).`;

export function readCredential(env: NodeJS.ProcessEnv = process.env): HostCredential {
  const file = env[CREDENTIAL_ENV];
  if (!file) {
    throw new AgentError(
      AZCM.Unknown,
      `${CREDENTIAL_ENV} is not set: the agent needs the ArcLink host credential that says which simulated host it runs on. ${HOW}`,
    );
  }
  let doc: any;
  try {
    doc = JSON.parse(readFileSync(file, "utf8"));
  } catch (e) {
    throw new AgentError(
      AZCM.Unknown,
      `Cannot read the host credential ${file} (from ${CREDENTIAL_ENV}): ${(e as Error).message}. ${HOW}`,
    );
  }
  const missing = ["hostName", "token", "gateway", "caCert"].filter(
    (k) => typeof doc?.[k] !== "string" || doc[k] === "",
  );
  if (missing.length > 0) {
    throw new AgentError(
      AZCM.Unknown,
      `The host credential ${file} (from ${CREDENTIAL_ENV}) lacks ${missing.join(", ")}. ${HOW}`,
    );
  }
  let url: URL;
  try {
    url = new URL(doc.gateway);
  } catch {
    throw new AgentError(
      AZCM.Unknown,
      `The host credential ${file} has gateway '${doc.gateway}', which is not a URL. ${HOW}`,
    );
  }
  if (url.protocol !== "https:" || !["127.0.0.1", "localhost", "[::1]"].includes(url.hostname)) {
    throw new AgentError(
      AZCM.Unknown,
      `The host credential ${file} names gateway ${doc.gateway}; the agent only talks to an ArcLink gateway on https://127.0.0.1. ${HOW}`,
    );
  }
  return {
    hostId: typeof doc.hostId === "string" ? doc.hostId : "",
    hostName: doc.hostName,
    token: doc.token,
    gateway: doc.gateway.replace(/\/+$/, ""),
    caCert: doc.caCert,
    expiresOn: typeof doc.expiresOn === "string" ? doc.expiresOn : undefined,
    tenantId: typeof doc.tenantId === "string" ? doc.tenantId : undefined,
  };
}
