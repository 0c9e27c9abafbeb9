// azcmagent show [props…]: the agent's metadata and status, in the real agent's order (fact sheet
// §1.5). Agent Status comes from the last heartbeat (a refused one shows at once, with its error)
// and the host's (virtual) clock.
// Since 1.17 the Private Link Scope id is not shown: check the machine in ARM instead.
import { join } from "node:path";
import { formatValue, getValue, type LocalConfig } from "../config.js";
import { AgentError, AZCM } from "../errors.js";
import { bool } from "../flags.js";
import { agentStatus, type AgentState } from "../state.js";
import type { Command } from "./command.js";

export interface ShowInput {
  state: AgentState;
  config: LocalConfig;
  now: Date;
  agentVersion: string;
  home: string;
}

export interface ShowField {
  display: string;
  key: string;
  value: string;
}

/** Every field in display order (pure). */
export function showFields(i: ShowInput): ShowField[] {
  const s = i.state;
  const proxy = getValue(i.config, "proxy.url") as string;
  const bypass = getValue(i.config, "proxy.bypass") as string[];
  const disabled: string[] = [];
  if (getValue(i.config, "extensions.enabled") === false) disabled.push("extensions");
  if (getValue(i.config, "guestconfiguration.enabled") === false) disabled.push("guestconfiguration");
  if (getValue(i.config, "incomingconnections.enabled") === false) disabled.push("incomingconnections");
  const portal =
    s.resourceId && s.tenantId
      ? `https://portal.azure.com/#@${s.tenantId}/resource${s.resourceId}/overview`
      : "";
  const F = (display: string, key: string, value: string | undefined): ShowField => ({
    display,
    key,
    value: value ?? "",
  });
  return [
    F("Resource Name", "resourceName", s.resourceName),
    F("Resource Group Name", "resourceGroup", s.resourceGroup),
    F("Resource Namespace", "resourceNamespace", "Microsoft.HybridCompute"),
    F("Resource Id", "resourceId", s.resourceId),
    F("Subscription ID", "subscriptionId", s.subscriptionId),
    F("Tenant ID", "tenantId", s.tenantId),
    F("VM ID", "vmId", s.vmId),
    F("Correlation ID", "correlationId", s.correlationId),
    F("VM UUID", "vmUuid", s.vmUuid),
    F("Location", "location", s.location),
    F("Cloud", "cloud", s.cloud),
    F("Identity Key Store", "identityKeyStore", "Default"),
    F("Agent Version", "agentVersion", i.agentVersion),
    F("Agent Logfile", "agentLogfile", join(i.home, "log", "himds.log")),
    F("Agent Status", "status", agentStatus(s, i.now)),
    F("Agent Last Heartbeat", "lastHeartbeat", s.lastHeartbeat),
    F("Agent Error Code", "agentErrorCode", s.errorCode),
    F("Agent Error Details", "agentErrorDetails", s.errorDetails),
    F("Agent Error Timestamp", "agentErrorTimestamp", s.errorTimestamp),
    F("Using HTTPS Proxy", "httpsProxy", proxy),
    F("Proxy Bypass List", "proxyBypassList", formatValue(bypass)),
    F("Upstream Proxy", "upstreamProxy", ""),
    F("Gateway URL", "gatewayUrl", ""),
    F("Cloud Provider", "cloudProvider", "N/A"),
    F("Portal Page", "portalPage", portal),
    F("Disabled Features", "disabledFeatures", disabled.join(",")),
    F("Extension Service Error", "extensionServiceError", s.extensionServiceError),
    F(
      "Extensions Status",
      "extensionsStatus",
      (s.extensions ?? [])
        .map((e) => `${e.name}: ${e.status}${e.status === "Failed" ? ` (${e.message})` : ""}`)
        .join("; "),
    ),
  ];
}

/** Picks the asked properties (by display name or JSON key, case-insensitive); AZCM0023 for unknown ones. */
export function selectFields(fields: ShowField[], props: readonly string[]): ShowField[] {
  if (props.length === 0) return fields;
  return props.map((p) => {
    const f = fields.find(
      (x) => x.display.toLowerCase() === p.toLowerCase() || x.key.toLowerCase() === p.toLowerCase(),
    );
    if (!f) {
      throw new AgentError(
        AZCM.InvalidArgument,
        `'${p}' is not a property azcmagent show knows. Use a display name in quotes or a JSON key: ${fields.map((x) => x.key).join(", ")}`,
      );
    }
    return f;
  });
}

export function renderShow(fields: readonly ShowField[]): string[] {
  return fields.map((f) => `${f.display.padEnd(40)}: ${f.value}`);
}

export function showJson(fields: readonly ShowField[]): Record<string, string> {
  return Object.fromEntries(fields.map((f) => [f.key, f.value]));
}

export const show: Command = {
  name: "show",
  summary: "Gets machine metadata and Agent status. This is primarily useful for troubleshooting.",
  usage: "azcmagent show [property name…] [flags]",
  examples: [
    "azcmagent show",
    'azcmagent show "Agent Status" "Agent Last Heartbeat"',
    "azcmagent show status --json",
  ],
  flags: [{ name: "os", type: "bool", usage: "Also show operating system information" }],
  async run(ctx, args) {
    const state = ctx.state();
    const config = ctx.config();
    const now = await ctx.now();
    const fields = showFields({ state, config, now, agentVersion: ctx.version.full, home: ctx.home });
    if (bool(ctx.flags, "os")) {
      const view = await ctx.view();
      const windows = String(view.osType).toLowerCase() === "windows";
      fields.push(
        { display: "OS Name", key: "osName", value: windows ? "Windows Server" : "Linux" },
        ...(view.osVersion ? [{ display: "OS Version", key: "osVersion", value: view.osVersion }] : []),
        ...(view.osSku ? [{ display: "OS Sku", key: "osSku", value: view.osSku }] : []),
        { display: "OS Type", key: "osType", value: windows ? "windows" : "linux" },
        { display: "Host Name", key: "hostName", value: view.hostName },
      );
    }
    const picked = selectFields(fields, args);
    if (ctx.json) ctx.print(JSON.stringify(showJson(picked), null, 2));
    else for (const line of renderShow(picked)) ctx.print(line);
  },
};
