// What the agent tells Azure about its machine at connect and with every heartbeat, in the shape
// Azure's machine resource shows it (Microsoft.HybridCompute/machines properties): the agent
// version, the agent's local configuration (agentConfiguration), its services, the operating
// system, what it detects about the hardware and the network, and its last errors. Pure: built
// from the local config, the state and the host's view; HIS stores it on the machine.
import { getValue, type LocalConfig } from "./config.js";
import type { HostView } from "./gateway.js";
import type { AgentState } from "./state.js";
import type { AgentVersion } from "./version.js";

export interface ReportInput {
  config: LocalConfig;
  state?: AgentState;
  view: HostView;
  version: AgentVersion;
}

/** `Publisher/Type` of the local config as the {publisher, type} pairs Azure shows. */
function extensionList(v: unknown): Array<{ publisher: string; type: string }> {
  return (Array.isArray(v) ? v : []).map((x) => {
    const s = String(x);
    const i = s.indexOf("/");
    return i < 0 ? { publisher: s, type: "" } : { publisher: s.slice(0, i), type: s.slice(i + 1) };
  });
}

/** properties.agentConfiguration: the agent's local settings (flags as "true"/"false" strings). */
export function agentConfiguration(cfg: LocalConfig): Record<string, unknown> {
  return {
    proxyUrl: (getValue(cfg, "proxy.url") as string) || null,
    proxyBypass: [...(getValue(cfg, "proxy.bypass") as string[])],
    incomingConnectionsPorts: [...(getValue(cfg, "incomingconnections.ports") as string[])],
    extensionsAllowList: extensionList(getValue(cfg, "extensions.allowlist")),
    extensionsBlockList: extensionList(getValue(cfg, "extensions.blocklist")),
    extensionsEnabled: String(getValue(cfg, "extensions.enabled")),
    guestConfigurationEnabled: String(getValue(cfg, "guestconfiguration.enabled")),
    configMode: getValue(cfg, "config.mode"),
  };
}

/**
 * properties.licenseProfile.esuProfile as a Windows agent reads it: the server type from the
 * edition, eligibility for Extended Security Updates (Windows Server 2012 and 2012 R2, NT 6.2 and
 * 6.3) from the version, and the ESU keys installed (a lab host has none). What the host does
 * not say is not guessed: no edition, no serverType; no version, eligibility "Unknown".
 */
export function esuProfile(view: HostView): Record<string, unknown> {
  const edition = `${view.osEdition ?? ""} ${view.osSku ?? ""}`;
  const serverType = /datacenter/i.test(edition)
    ? "Datacenter"
    : /standard/i.test(edition)
      ? "Standard"
      : undefined;
  const v = view.osVersion;
  const esuEligibility = !v ? "Unknown" : /^6\.[23](\.|$)/.test(v) ? "Eligible" : "Ineligible";
  return { ...(serverType ? { serverType } : {}), esuEligibility, esuKeyState: "Inactive", esuKeys: [] };
}

/** The machine properties the agent reports (connect's registration and every heartbeat). */
export function machineReport(i: ReportInput): Record<string, unknown> {
  const cfg = i.config;
  const os = String(i.view.osType).toLowerCase() === "windows" ? "windows" : "linux";
  const running = (enabled: boolean) =>
    enabled
      ? { status: "Running", startupType: "Automatic" }
      : { status: "Stopped", startupType: "Disabled" };
  const nic: Record<string, unknown> = {
    name: os === "windows" ? "Ethernet" : "eth0",
    ipAddresses: [
      {
        address: i.view.address,
        ipAddressVersion: "IPv4",
        ...(i.view.addressPrefix ? { subnet: { addressPrefix: i.view.addressPrefix } } : {}),
      },
    ],
  };
  const errors: Array<{ code: string; message: string }> = [];
  if (i.state?.extensionServiceError)
    errors.push({ code: "AZCM0026", message: i.state.extensionServiceError });
  return {
    agentVersion: i.version.full,
    agentConfiguration: agentConfiguration(cfg),
    serviceStatuses: {
      extensionService: running(getValue(cfg, "extensions.enabled") === true),
      guestConfigurationService: running(getValue(cfg, "guestconfiguration.enabled") === true),
    },
    osType: os,
    osName: os,
    // What the OS says of itself, where the lab knows it; otherwise nothing (never a guess).
    ...(i.view.osVersion ? { osVersion: i.view.osVersion } : {}),
    ...(i.view.osSku ? { osSku: i.view.osSku } : {}),
    ...(i.view.osEdition ? { osEdition: i.view.osEdition } : {}),
    osProfile: { computerName: i.view.hostName },
    machineFqdn: i.view.hostName,
    dnsFqdn: i.view.hostName,
    // Only what the lab knows: hardware is not modelled, so it is not reported (Azure then shows
    // it empty, as for an agent that could not read it).
    detectedProperties: { cloudprovider: i.view.cloudProvider ?? "N/A", mssqldiscovered: "false" },
    // The lab runs no SQL Server: the agent's discovery finds none (shown at the top level too).
    mssqlDiscovered: "false",
    networkProfile: { networkInterfaces: [nic] },
    // Extended Security Updates are for Windows Server: a Linux agent reports no licence profile.
    ...(os === "windows" ? { licenseProfile: { esuProfile: esuProfile(i.view) } } : {}),
    errorDetails: errors,
  };
}
