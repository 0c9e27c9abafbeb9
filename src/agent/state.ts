// The agent's state (state.json in the agent home): which Azure resource this machine is, the
// machine credential the regional HIS issued, and what the last heartbeat said. Written after a
// successful connect and by every heartbeat; removed by disconnect.
import { AgentError, AZCM } from "./errors.js";
import { homeFile, readText, removeFile, writeJsonAtomic } from "./files.js";

export interface AgentState {
  resourceId?: string;
  resourceName?: string;
  resourceGroup?: string;
  subscriptionId?: string;
  tenantId?: string;
  location?: string;
  vmId?: string;
  vmUuid?: string;
  correlationId?: string;
  cloud?: string;
  /** The credential the regional HIS issued at registration (sent with heartbeats). */
  machineCredential?: string;
  privateLinkScopeId?: string;
  /** Endpoints from regional discovery. */
  hisEndpoint?: string;
  guestConfigurationEndpoint?: string;
  agentServiceEndpoint?: string;
  /** The simulated host this agent runs on (from the host credential at connect). */
  hostId?: string;
  hostName?: string;
  status?: "Connected" | "Disconnected";
  connectedAt?: string;
  /** Last successful heartbeat (host clock, ISO). */
  lastHeartbeat?: string;
  errorCode?: string;
  errorDetails?: string;
  errorTimestamp?: string;
  /** What the extension service last reported per extension (azcmagent __extensions). */
  extensions?: ExtensionStatus[];
  /** The extension service could not reach guest configuration. */
  extensionServiceError?: string;
  extensionServiceErrorTimestamp?: string;
}

export interface ExtensionStatus {
  name: string;
  publisher: string;
  type: string;
  status: "Succeeded" | "Failed";
  message: string;
  timestamp: string;
}

export function statePath(home: string): string {
  return homeFile(home, "state.json");
}

export function readState(home: string): AgentState {
  const path = statePath(home);
  let text: string | undefined;
  try {
    text = readText(path);
  } catch (e) {
    throw new AgentError(AZCM.LocalConfigRead, `Cannot read agent state ${path}: ${(e as Error).message}`);
  }
  if (text === undefined) return {};
  try {
    const doc = JSON.parse(text);
    if (doc === null || typeof doc !== "object" || Array.isArray(doc)) throw new Error("not a JSON object");
    return doc as AgentState;
  } catch (e) {
    throw new AgentError(
      AZCM.LocalConfigRead,
      `Cannot read agent state ${path}: ${(e as Error).message}. Run azcmagent disconnect --force-local-only to reset it.`,
    );
  }
}

export function writeState(home: string, state: AgentState): void {
  try {
    writeJsonAtomic(statePath(home), state);
  } catch (e) {
    throw new AgentError(
      AZCM.LocalConfigWrite,
      `Cannot write agent state ${statePath(home)}: ${(e as Error).message}`,
    );
  }
}

export function clearState(home: string): void {
  removeFile(statePath(home));
}

export function isConnected(s: AgentState): boolean {
  return typeof s.resourceId === "string" && s.resourceId !== "";
}

export const DISCONNECTED_AFTER_MS = 15 * 60_000;
export const EXPIRED_AFTER_MS = 45 * 86_400_000;

/**
 * Agent Status as `show` reports it: Connected while the last successful heartbeat is at most 15
 * minutes old, Disconnected after that (or never connected), Expired after 45 days without one.
 * A heartbeat that failed after the last successful one shows at once: Disconnected, with the
 * error (code, details, time) beside it, until a heartbeat succeeds again.
 */
export function agentStatus(s: AgentState, now: Date): "Connected" | "Disconnected" | "Expired" {
  if (!isConnected(s) || !s.lastHeartbeat) return "Disconnected";
  const age = now.getTime() - Date.parse(s.lastHeartbeat);
  if (!Number.isFinite(age)) return "Disconnected";
  if (age > EXPIRED_AFTER_MS) return "Expired";
  if (age > DISCONNECTED_AFTER_MS) return "Disconnected";
  if (s.status === "Disconnected" && s.errorTimestamp) {
    const failedAt = Date.parse(s.errorTimestamp);
    if (Number.isFinite(failedAt) && failedAt >= Date.parse(s.lastHeartbeat)) return "Disconnected";
  }
  return "Connected";
}
