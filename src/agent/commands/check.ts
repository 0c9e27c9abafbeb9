// azcmagent check: can this host reach the endpoints the agent needs? One log line per failure,
// then the table ENDPOINT | REACHABLE | PRIVATE | TLS | PROXY. With --enable-pls-check an Arc
// endpoint that resolves to a public address is a failure too (1.17 to 1.19: --use-private-link).
// Any failure exits with AZCM0026. Agents before 1.15 have no check command.
import { normalizeLocation, requiredEndpoints } from "../endpoints.js";
import { AgentError, AZCM } from "../errors.js";
import { bool, str } from "../flags.js";
import { checkJson, probeAll, renderCheckTable, type ProbeResult } from "../probe.js";
import { RELEASES } from "../releases.js";
import type { Command } from "./command.js";

/** The failure lines for a set of results (pure): unreachable endpoints, and public Arc answers with -p. */
export function checkFailures(rows: readonly ProbeResult[], plsCheck: boolean): string[] {
  const out: string[] = [];
  for (const r of rows) {
    if (!r.reachable && !r.refused) out.push(`Failed to reach ${r.endpoint}: ${r.error ?? "unknown error"}`);
    if (r.refused) out.push(`${r.endpoint} refused this machine: ${r.error}`);
    if (plsCheck && r.arc && !r.private) {
      out.push(
        r.addresses.length > 0
          ? `${r.endpoint} resolves to public address ${r.addresses[0]}, but --enable-pls-check expects the private endpoint's address`
          : `${r.endpoint} does not resolve, and --enable-pls-check expects the private endpoint's address`,
      );
    }
  }
  return out;
}

export const check: Command = {
  name: "check",
  summary: "Run network connectivity tests",
  description:
    "Tests the network path from this machine to the endpoints the agent needs: name resolution, reachability, private endpoint use and proxy use.",
  usage: "azcmagent check [flags]",
  examples: ["azcmagent check --location eastus", "azcmagent check -l eastus --enable-pls-check"],
  flags: [
    {
      name: "location",
      short: "l",
      type: "string",
      usage: "Region to check (default: the region the machine is connected to)",
    },
    { name: "cloud", type: "string", usage: "Azure cloud (AzureCloud); needs --location" },
    {
      name: "enable-pls-check",
      short: "p",
      type: "bool",
      usage: "Check that Arc endpoints resolve to private endpoint addresses",
      since: RELEASES.enablePlsCheck,
    },
    {
      // 1.17 to 1.19 called it --use-private-link (renamed in 1.20).
      name: "use-private-link",
      type: "bool",
      usage: "Check that Arc endpoints resolve to private endpoint addresses",
      since: RELEASES.privateEndpointCheck,
      until: [1, 19],
    },
  ],
  since: RELEASES.checkCommand,
  async run(ctx) {
    const given = str(ctx.flags, "location");
    const cloud = str(ctx.flags, "cloud");
    if (cloud !== undefined && cloud.toLowerCase() !== "azurecloud") {
      throw new AgentError(
        AZCM.InvalidArgument,
        `Invalid value for --cloud: '${cloud}'. ArcLink emulates AzureCloud only.`,
      );
    }
    if (cloud !== undefined && given === undefined) {
      throw new AgentError(
        AZCM.MissingParameter,
        "Missing mandatory parameter: --location (-l) is needed with --cloud.",
      );
    }
    const state = ctx.state();
    const text = given ?? state.location;
    if (!text) {
      throw new AgentError(
        AZCM.MissingParameter,
        "Missing mandatory parameter: --location (-l). The machine is not connected, so there is no region to default to.",
      );
    }
    const location = normalizeLocation(text);
    if (!location) {
      throw new AgentError(
        AZCM.UnknownRegion,
        `Unknown location '${text}'. Use an Azure region name such as eastus or westeurope.`,
      );
    }
    const plsCheck = bool(ctx.flags, "enable-pls-check") || bool(ctx.flags, "use-private-link");
    const dialer = await ctx.dialer();
    const resolver = await ctx.resolver();
    ctx.log.debug("Checking network connectivity", {
      Location: location,
      PrivateLinkCheck: String(plsCheck),
    });
    const rows = await probeAll(dialer, resolver, requiredEndpoints(location), "check");
    for (const r of rows) {
      if (!r.reachable && r.reason) ctx.log.debug(`${r.endpoint}: ${r.reason}`);
    }
    const failures = checkFailures(rows, plsCheck);
    for (const f of failures) ctx.log.error(f);
    if (ctx.json) ctx.print(JSON.stringify(checkJson(rows), null, 2));
    else for (const line of renderCheckTable(rows)) ctx.print(line);
    if (failures.length > 0) {
      throw new AgentError(
        AZCM.Network,
        `${failures.length} network check${failures.length > 1 ? "s" : ""} failed; see the lines above`,
      );
    }
  },
};
