// The agent's error codes (AZCMnnnn), their names and process exit codes (fact sheet §1.7): the
// exit code is the numeric part of the code. Every failure ends with the two lines the real agent
// logs: "Exit Code:  AZCMnnnn: <name>" and the troubleshooting link.

export interface AzcmCode {
  code: string;
  exit: number;
  name: string;
}

const C = (n: number, name: string): AzcmCode => ({
  code: `AZCM${String(n).padStart(4, "0")}`,
  exit: n,
  name,
});

export const AZCM = {
  Unknown: C(1, "Unknown Error"),
  Internal: C(2, "Internal Error"),
  NotSupported: C(3, "Operation Not Supported"),
  InvalidAccessToken: C(12, "Invalid Access Token"),
  MissingParameter: C(16, "Missing Mandatory Parameter"),
  ConfigFile: C(19, "Invalid Config File"),
  UnknownRegion: C(20, "Unknown Location"),
  InvalidArgument: C(23, "Invalid Argument"),
  Network: C(26, "Network Error"),
  ConfigConflict: C(27, "Config Conflict"),
  Credentials: C(41, "Credential Error"),
  CreateResource: C(42, "Create Resource Error"),
  DeleteResource: C(43, "Delete Resource Error"),
  ResourceExists: C(44, "Resource Name Already Exists"),
  ConnectFailed: C(62, "Connect Failed"),
  DisconnectFailed: C(63, "Disconnect Failed"),
  AlreadyConnected: C(67, "Already Connected"),
  SubscriptionLookup: C(68, "Subscription Lookup Failed"),
  LocalConfigWrite: C(69, "Local Config Write Failed"),
  LocalConfigRead: C(70, "Local Config Read Failed"),
  CertificateDownload: C(81, "Certificate Download Failed"),
} as const;

export const TROUBLESHOOTING_URL = "https://aka.ms/arc/azcmerror";

/** A failure the agent reports with an AZCM code; `message` is what it logs at level fatal. */
export class AgentError extends Error {
  constructor(
    readonly azcm: AzcmCode,
    message: string,
    readonly opts: {
      /** Extra lines logged before the fatal message (e.g. one per failed endpoint). */
      details?: string[];
      /** Cobra-style usage error: printed as "Error: <message>" + usage instead of a log line. */
      usage?: string;
      /** Structured fields logged with the message (logrus Key="value"). */
      fields?: Record<string, string>;
    } = {},
  ) {
    super(message);
  }
}

/** The last two lines of every failure. */
export function exitLines(c: AzcmCode): string[] {
  return [`Exit Code:  ${c.code}: ${c.name}`, `For troubleshooting, see ${TROUBLESHOOTING_URL}`];
}

/** The AZCM code of any thrown value: AgentError's own, otherwise AZCM0002 (internal error). */
export function azcmOf(err: unknown): AzcmCode {
  return err instanceof AgentError ? err.azcm : AZCM.Internal;
}

/** The process exit code for a thrown value (the numeric part of its AZCM code). */
export function exitCodeOf(err: unknown): number {
  return azcmOf(err).exit;
}

/** Looks a code up by its text ("AZCM0026") or number (26). */
export function azcmByCode(code: string | number): AzcmCode | undefined {
  const n = typeof code === "number" ? code : Number(/^AZCM(\d{4})$/i.exec(code)?.[1] ?? NaN);
  return Object.values(AZCM).find((c) => c.exit === n);
}
