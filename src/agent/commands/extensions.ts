// azcmagent __extensions (internal): one pass of the extension service (gc_ext), as it runs in the
// background on a connected machine. It asks the regional guest configuration service
// (https://<region>-gas.guestconfiguration.azure.com/extensions) for the machine's extensions and
// the endpoints each one's own service needs, then lets each extension reach them from this host.
// An extension whose service is unreachable fails (Failed, with Go's error) while the agent itself
// stays Connected. The outcome goes to log/gc_ext.log and the state (`azcmagent show` prints it).
import { appendFileSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { machineAuthorization } from "../auth.js";
import { DialError, RefusalError } from "../dial.js";
import { getValue, type LocalConfig } from "../config.js";
import { AgentError, AZCM } from "../errors.js";
import { formatLine, rfc3339, type Level } from "../log.js";
import { isConnected, writeState, type ExtensionStatus } from "../state.js";
import type { Command } from "./command.js";

interface Goal {
  name: string;
  publisher: string;
  type: string;
  endpoints: string[];
}

function goalsOf(json: any): Goal[] {
  const list: any[] = Array.isArray(json?.value) ? json.value : [];
  return list
    .filter((x) => x && typeof x.name === "string")
    .map((x) => ({
      name: x.name,
      publisher: String(x.publisher ?? ""),
      type: String(x.type ?? x.name),
      endpoints: Array.isArray(x.endpoints) ? x.endpoints.map(String) : [],
    }));
}

/** Why the local config refuses an extension (extensions.enabled, allowlist, blocklist), if it does. */
export function refusedLocally(cfg: LocalConfig, g: { publisher: string; type: string }): string | undefined {
  const name = `${g.publisher}/${g.type}`.toLowerCase();
  if (getValue(cfg, "extensions.enabled") === false)
    return "extension management is disabled on this machine (extensions.enabled is false): run azcmagent config set extensions.enabled true";
  const allow = (getValue(cfg, "extensions.allowlist") as string[]).map((x) => x.toLowerCase());
  if (allow.length > 0 && !allow.includes(name))
    return `${g.publisher}/${g.type} is not in this machine's extensions.allowlist (${allow.join(",")}): run azcmagent config set extensions.allowlist ${g.publisher}/${g.type} --add`;
  const block = (getValue(cfg, "extensions.blocklist") as string[]).map((x) => x.toLowerCase());
  if (block.includes(name))
    return `${g.publisher}/${g.type} is in this machine's extensions.blocklist: run azcmagent config set extensions.blocklist ${g.publisher}/${g.type} --remove`;
  return undefined;
}

export const extensions: Command = {
  name: "__extensions",
  summary: "Run the extension service once (internal: it polls guest configuration in the background)",
  usage: "azcmagent __extensions [flags]",
  internal: true,
  flags: [],
  async run(ctx) {
    const state = ctx.state();
    if (!isConnected(state) || !state.machineCredential) {
      throw new AgentError(
        AZCM.Unknown,
        "The machine is not connected to Azure: there are no extensions to run. Run azcmagent connect first.",
      );
    }
    const now = await ctx.now();
    const logDir = join(ctx.home, "log");
    mkdirSync(logDir, { recursive: true });
    const gcLog = (level: Level, msg: string, fields?: Record<string, string>) => {
      appendFileSync(join(logDir, "gc_ext.log"), formatLine(now, level, msg, fields) + "\n");
      ctx.log.line(level, msg, fields);
    };
    const gas = (
      state.guestConfigurationEndpoint ??
      `https://${state.location ?? "eastus"}-gas.guestconfiguration.azure.com`
    ).replace(/\/+$/, "");
    const dialer = await ctx.dialer();
    let goals: Goal[];
    try {
      const r = await dialer.dial("GET", `${gas}/extensions`, {
        purpose: "extension",
        authorization: machineAuthorization(state.machineCredential),
      });
      if (r.status !== 200) {
        throw new AgentError(
          AZCM.Network,
          `Failed to retrieve extensions from ${gas}: ${r.status} ${r.json?.error?.code ?? ""}: ${r.json?.error?.message ?? r.text.slice(0, 300)}`,
        );
      }
      goals = goalsOf(r.json);
    } catch (e) {
      let message: string | undefined;
      if (e instanceof RefusalError)
        message = `Failed to retrieve extensions from ${gas}: ${e.code}: ${e.message}`;
      else if (e instanceof DialError) message = `Failed to retrieve extensions from ${gas}: ${e.message}`;
      else if (e instanceof AgentError) message = e.message;
      if (message === undefined) throw e;
      gcLog("error", message);
      writeState(ctx.home, {
        ...state,
        extensionServiceError: message,
        extensionServiceErrorTimestamp: rfc3339(now),
      });
      throw new AgentError(AZCM.Network, message);
    }
    const statuses: ExtensionStatus[] = [];
    const cfg = ctx.config();
    for (const g of goals) {
      let failure: string | undefined = refusedLocally(cfg, g);
      for (const host of failure ? [] : g.endpoints) {
        try {
          await dialer.dial("GET", `https://${host}/`, { purpose: "extension" });
        } catch (e) {
          if (e instanceof DialError) failure = `cannot reach https://${host}: ${e.message}`;
          else if (e instanceof RefusalError)
            failure = `https://${host} refused the connection: ${e.code}: ${e.message}`;
          else throw e;
          break;
        }
      }
      const status: ExtensionStatus = {
        name: g.name,
        publisher: g.publisher,
        type: g.type,
        status: failure ? "Failed" : "Succeeded",
        message: failure
          ? `Enable failed for extension ${g.name}: ${failure}`
          : `Enable succeeded for extension ${g.name}`,
        timestamp: rfc3339(now),
      };
      statuses.push(status);
      gcLog(failure ? "error" : "info", status.message, {
        Extension: `${g.publisher}.${g.type}`,
        Status: status.status,
      });
    }
    // The outcome goes back to Azure, which shows it as each extension's instanceView.
    try {
      const r = await dialer.dial("POST", `${gas}/extensions/status`, {
        purpose: "extension",
        authorization: machineAuthorization(state.machineCredential),
        body: { value: statuses },
      });
      if (r.status !== 200) gcLog("warning", `Failed to report extension status to ${gas}: ${r.status}`);
    } catch (e) {
      if (!(e instanceof DialError || e instanceof RefusalError)) throw e;
      gcLog("warning", `Failed to report extension status to ${gas}: ${e.message}`);
    }
    writeState(ctx.home, {
      ...state,
      extensions: statuses,
      extensionServiceError: undefined,
      extensionServiceErrorTimestamp: undefined,
    });
    if (ctx.json) ctx.print(JSON.stringify(statuses, null, 2));
  },
};
