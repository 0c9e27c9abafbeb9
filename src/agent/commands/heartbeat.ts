// azcmagent __heartbeat (internal): one heartbeat, as the himds service sends every 5 minutes.
// POST https://<code>.his.arc.azure.com/machines/heartbeat with the machine credential; the result
// goes to the state (last heartbeat on success; error code, details and time on failure). Each
// heartbeat carries the agent's report (report.ts): a `config set` reaches Azure with the next one.
import { machineAuthorization } from "../auth.js";
import { DialError, RefusalError } from "../dial.js";
import { AgentError, AZCM } from "../errors.js";
import { rfc3339 } from "../log.js";
import { machineReport } from "../report.js";
import { agentStatus, isConnected, writeState } from "../state.js";
import type { Command } from "./command.js";

export const heartbeat: Command = {
  name: "__heartbeat",
  summary: "Send one heartbeat now (internal: the himds service does this every 5 minutes)",
  usage: "azcmagent __heartbeat [flags]",
  internal: true,
  flags: [],
  async run(ctx) {
    const state = ctx.state();
    if (!isConnected(state) || !state.machineCredential || !state.hisEndpoint) {
      throw new AgentError(
        AZCM.Unknown,
        "The machine is not connected to Azure: there is nothing to send a heartbeat for. Run azcmagent connect first.",
      );
    }
    const now = await ctx.now();
    const stamp = rfc3339(now);
    const fail = (code: typeof AZCM.Network, message: string): never => {
      writeState(ctx.home, {
        ...state,
        status: "Disconnected",
        errorCode: code.code,
        errorDetails: message,
        errorTimestamp: stamp,
      });
      throw new AgentError(code, message);
    };
    if (agentStatus(state, now) === "Expired") {
      fail(
        AZCM.CertificateDownload,
        `The machine credential expired: no heartbeat succeeded since ${state.lastHeartbeat}. Run azcmagent disconnect and azcmagent connect again.`,
      );
    }
    const dialer = await ctx.dialer();
    let r;
    try {
      r = await dialer.dial("POST", `${state.hisEndpoint}/machines/heartbeat`, {
        purpose: "heartbeat",
        authorization: machineAuthorization(state.machineCredential),
        body: {
          resourceId: state.resourceId,
          vmId: state.vmId,
          agentVersion: ctx.version.full,
          report: machineReport({
            config: ctx.config(),
            state,
            view: await ctx.view(),
            version: ctx.version,
          }),
        },
      });
    } catch (e) {
      if (e instanceof RefusalError)
        fail(AZCM.Network, `Heartbeat refused by ${state.hisEndpoint}: ${e.code}: ${e.message}`);
      if (e instanceof DialError) fail(AZCM.Network, `Heartbeat failed: ${e.message}`);
      throw e;
    }
    if (r.status !== 200) {
      fail(
        AZCM.Network,
        `Heartbeat failed: ${state.hisEndpoint} answered ${r.status}: ${r.json?.error?.message ?? r.text.slice(0, 300)}`,
      );
    }
    writeState(ctx.home, {
      ...state,
      status: "Connected",
      lastHeartbeat: stamp,
      errorCode: undefined,
      errorDetails: undefined,
      errorTimestamp: undefined,
    });
    ctx.log.info("Heartbeat sent", { Status: String(r.json?.status ?? "Connected"), Path: r.path ?? "" });
    if (ctx.json)
      ctx.print(
        JSON.stringify({ status: r.json?.status ?? "Connected", lastHeartbeat: stamp, path: r.path }),
      );
  },
};
