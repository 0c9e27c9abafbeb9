// azcmagent disconnect: delete the machine resource through ARM, then reset the local state.
// --force-local-only resets the local state without touching Azure (when the resource is gone or
// ARM is out of reach).
import { acquireToken, checkAccessToken } from "../auth.js";
import { DialError, RefusalError } from "../dial.js";
import { ARM } from "../endpoints.js";
import { AgentError, AZCM } from "../errors.js";
import { bool, SIGN_IN_FLAGS, str } from "../flags.js";
import { clearState, isConnected } from "../state.js";
import type { Command } from "./command.js";
import { MACHINE_API_VERSION } from "./connect.js";

const HINT =
  " If the resource is already gone or Azure cannot be reached, run azcmagent disconnect --force-local-only to reset this machine locally.";

export const disconnect: Command = {
  name: "disconnect",
  summary: "Disconnects this machine from Azure",
  description: "Deletes the machine resource in Azure and resets the agent's local state.",
  usage: "azcmagent disconnect [flags]",
  examples: [
    "azcmagent disconnect --service-principal-id <app> --service-principal-secret <secret>",
    "azcmagent disconnect --force-local-only",
  ],
  flags: [
    {
      name: "force-local-only",
      short: "f",
      type: "bool",
      usage: "Reset the local state only; leave the Azure resource",
    },
    ...SIGN_IN_FLAGS,
    { name: "user-tenant-id", type: "string", usage: "Tenant of the signing-in account when it differs" },
  ],
  async run(ctx) {
    const p = ctx.flags;
    for (const f of ["use-device-code", "use-azcli"]) {
      if (bool(p, f)) {
        throw new AgentError(
          AZCM.NotSupported,
          `--${f} is not supported by ArcLink's agent: use --service-principal-id with --service-principal-secret, or --access-token.`,
        );
      }
    }
    if (str(p, "service-principal-cert") !== undefined) {
      throw new AgentError(
        AZCM.NotSupported,
        "--service-principal-cert is not supported by ArcLink's agent: use --service-principal-secret.",
      );
    }
    ctx.config();
    const state = ctx.state();
    const local = bool(p, "force-local-only");
    if (!isConnected(state)) {
      if (local) {
        clearState(ctx.home);
        ctx.log.info("The machine was not connected; local state reset");
        return;
      }
      throw new AgentError(
        AZCM.DisconnectFailed,
        "The machine is not connected to Azure: there is no resource to delete. Run azcmagent connect to connect it.",
      );
    }
    if (local) {
      clearState(ctx.home);
      ctx.log.info(`Disconnected the machine locally; the resource ${state.resourceId} is left in Azure`);
      return;
    }
    const spId = str(p, "service-principal-id");
    const secret = str(p, "service-principal-secret");
    const accessToken = str(p, "access-token");
    let auth: "sp" | "token";
    if (accessToken !== undefined) auth = "token";
    else if (spId && secret) auth = "sp";
    else if (spId || secret) {
      throw new AgentError(
        AZCM.MissingParameter,
        `Missing mandatory parameter: ${spId ? "--service-principal-secret (-p)" : "--service-principal-id (-i)"}: a service principal needs both.`,
      );
    } else {
      throw new AgentError(
        AZCM.MissingParameter,
        "Missing mandatory parameter: --service-principal-id and --service-principal-secret, or --access-token. ArcLink's agent has no interactive sign-in." +
          HINT,
      );
    }
    ctx.log.info("Disconnecting machine from Azure... This might take a few minutes.", {
      "Resource ID": state.resourceId!,
    });
    const dialer = await ctx.dialer();
    let token: string;
    if (auth === "token") {
      checkAccessToken(accessToken!, await ctx.now());
      token = accessToken!;
    } else {
      token = await acquireToken(
        dialer,
        { tenantId: state.tenantId ?? "", clientId: spId!, secret: secret! },
        AZCM.DeleteResource,
        "." + HINT,
      );
    }
    let r;
    try {
      r = await dialer.dial(
        "DELETE",
        `https://${ARM}${state.resourceId}?api-version=${MACHINE_API_VERSION}`,
        {
          purpose: "onboard",
          authorization: `Bearer ${token}`,
        },
      );
    } catch (e) {
      if (e instanceof DialError || e instanceof RefusalError) {
        throw new AgentError(
          AZCM.DeleteResource,
          `Failed to delete the resource ${state.resourceId} in Azure: ${e instanceof RefusalError ? `${e.code}: ` : ""}${e.message}.${HINT}`,
        );
      }
      throw e;
    }
    if (r.status === 404) {
      ctx.log.warn(`The resource ${state.resourceId} was already deleted in Azure`);
    } else if (r.status !== 200 && r.status !== 202 && r.status !== 204) {
      const code = r.json?.error?.code ?? `HTTP${r.status}`;
      const message = r.json?.error?.message ?? r.text.slice(0, 300);
      throw new AgentError(
        r.status === 401
          ? auth === "token"
            ? AZCM.InvalidAccessToken
            : AZCM.Credentials
          : AZCM.DeleteResource,
        `Failed to delete the resource ${state.resourceId} in Azure: ${code}: ${message}.${HINT}`,
      );
    }
    clearState(ctx.home);
    ctx.log.info("Successfully deleted the resource from Azure", { "Resource ID": state.resourceId! });
    ctx.log.info("Disconnected machine from Azure");
  },
};
