// Unit tests: what HIS takes from an agent's report (only the read-only properties the agent owns,
// in the spec's shapes), the report the agent builds from its config, and which commands and
// flags each agent release has.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { agentReportProperties, withComputerName } from "../src/providers/hybridcompute/agentReport.js";
import { agentConfiguration, esuProfile, machineReport } from "../src/agent/report.js";
import { setValue } from "../src/agent/config.js";
import { available, commandsFor, RELEASES } from "../src/agent/releases.js";
import { COMMANDS } from "../src/agent/main.js";
import { agentVersion } from "../src/agent/version.js";

describe("agent report", () => {
  it("ESU: eligibility from the Windows version, server type from the edition, nothing guessed", () => {
    const view = (o: Record<string, string>) => o as any;
    assert.deepEqual(esuProfile(view({ osVersion: "6.3.9600", osEdition: "ServerDatacenter" })), {
      serverType: "Datacenter",
      esuEligibility: "Eligible",
      esuKeyState: "Inactive",
      esuKeys: [],
    });
    assert.equal(esuProfile(view({ osVersion: "6.2.9200" })).esuEligibility, "Eligible");
    assert.equal(esuProfile(view({ osVersion: "6.1.7601" })).esuEligibility, "Ineligible");
    assert.equal(esuProfile(view({ osVersion: "10.0.20348" })).esuEligibility, "Ineligible");
    const unknown = esuProfile(view({}));
    assert.equal(unknown.esuEligibility, "Unknown");
    assert.equal("serverType" in unknown, false);
    // HIS keeps the spec's enums only, and adds the assignment state it owns.
    const kept = agentReportProperties({
      licenseProfile: {
        esuProfile: {
          serverType: "Enterprise",
          esuEligibility: "Maybe",
          esuKeys: [{ sku: "x", licenseStatus: 1 }],
        },
      },
    });
    assert.deepEqual(kept.licenseProfile, {
      esuProfile: {
        esuEligibility: "Unknown",
        esuKeys: [{ sku: "x", licenseStatus: 1 }],
        licenseAssignmentState: "NotAssigned",
      },
    });
  });

  it("HIS keeps only the agent's read-only properties, in their shapes", () => {
    const out = agentReportProperties({
      agentVersion: "1.45.02983.1834",
      privateLinkScopeResourceId:
        "/subscriptions/x/resourceGroups/y/providers/Microsoft.HybridCompute/privateLinkScopes/other",
      tags: { a: "b" },
      status: "Expired",
      osType: "solaris",
      agentConfiguration: {
        proxyUrl: "http://192.168.1.30:3128",
        proxyBypass: ["Arc", 7],
        extensionsEnabled: true,
        guestConfigurationEnabled: "false",
        configMode: "chaos",
        extensionsAllowList: [{ publisher: "P", type: "T", extra: 1 }, "junk"],
      },
      detectedProperties: { cloudprovider: "N/A", nested: { no: 1 } },
      errorDetails: [{ code: "AZCM0026", message: "m", stack: "s" }],
    });
    assert.deepEqual(out, {
      agentVersion: "1.45.02983.1834",
      agentConfiguration: {
        proxyUrl: "http://192.168.1.30:3128",
        proxyBypass: ["Arc"],
        extensionsAllowList: [{ publisher: "P", type: "T" }],
        guestConfigurationEnabled: "false",
      },
      detectedProperties: { cloudprovider: "N/A" },
      errorDetails: [{ code: "AZCM0026", message: "m" }],
    });
    assert.deepEqual(agentReportProperties("not an object"), {});
    assert.deepEqual(agentReportProperties({ agentVersion: "x".repeat(65) }), {});
    assert.deepEqual(
      withComputerName({ windowsConfiguration: { patchSettings: {} } }, { osProfile: { computerName: "h" } }),
      {
        windowsConfiguration: { patchSettings: {} },
        computerName: "h",
      },
    );
    assert.equal(withComputerName({}, {}), undefined);
  });

  it("the agent reports its local config as agentConfiguration", () => {
    let cfg = setValue({}, "proxy.bypass", "Arc,AAD");
    cfg = setValue(cfg, "extensions.allowlist", "Microsoft.Azure.Monitor/AzureMonitorLinuxAgent");
    cfg = setValue(cfg, "extensions.enabled", "false");
    assert.deepEqual(agentConfiguration(cfg), {
      proxyUrl: null,
      proxyBypass: ["Arc", "AAD"],
      incomingConnectionsPorts: [],
      extensionsAllowList: [{ publisher: "Microsoft.Azure.Monitor", type: "AzureMonitorLinuxAgent" }],
      extensionsBlockList: [],
      extensionsEnabled: "false",
      guestConfigurationEnabled: "true",
      configMode: "full",
    });
    const r = machineReport({
      config: cfg,
      view: { hostName: "h1", osType: "Linux", address: "10.0.0.4", dnsServers: [], hostsFile: "", now: "" },
      version: agentVersion({}),
    });
    assert.deepEqual(r.serviceStatuses, {
      extensionService: { status: "Stopped", startupType: "Disabled" },
      guestConfigurationService: { status: "Running", startupType: "Automatic" },
    });
    // Without a known prefix the interface has no subnet (never a guessed one).
    assert.deepEqual(r.networkProfile, {
      networkInterfaces: [{ name: "eth0", ipAddresses: [{ address: "10.0.0.4", ipAddressVersion: "IPv4" }] }],
    });
    // What HIS keeps of it is all of it: the agent and HIS speak the same shapes.
    const kept = agentReportProperties(r);
    for (const k of Object.keys(r)) if (k !== "osProfile") assert.deepEqual(kept[k], r[k], k);
  });
});

describe("agent releases", () => {
  const v = (s: string) => agentVersion({ AZCMAGENT_VERSION: s });
  const root = (s: string) =>
    commandsFor(
      { name: "azcmagent", summary: "", usage: "", flags: [], subcommands: COMMANDS, run: async () => 0 },
      v(s),
    );
  const names = (s: string) => root(s).subcommands!.map((c) => c.name);
  const checkFlags = (s: string) =>
    root(s)
      .subcommands!.find((c) => c.name === "check")!
      .flags.map((f) => f.name);

  it("commands appear with the release that introduced them", () => {
    assert.ok(!names("1.3").includes("check") && !names("1.3").includes("config"));
    assert.ok(names("1.13").includes("config") && !names("1.13").includes("check"));
    assert.ok(names("1.15").includes("check"));
    assert.ok(names("1.3").includes("connect") && names("1.3").includes("show"));
  });

  it("check's private endpoint flag: --use-private-link in 1.17-1.19, --enable-pls-check from 1.20", () => {
    assert.deepEqual(
      checkFlags("1.16").filter((f) => /pls|private/.test(f)),
      [],
    );
    assert.deepEqual(
      checkFlags("1.17").filter((f) => /pls|private/.test(f)),
      ["use-private-link"],
    );
    assert.deepEqual(
      checkFlags("1.19").filter((f) => /pls|private/.test(f)),
      ["use-private-link"],
    );
    assert.deepEqual(
      checkFlags("1.20").filter((f) => /pls|private/.test(f)),
      ["enable-pls-check"],
    );
    assert.deepEqual(
      checkFlags("1.45.02983.1834").filter((f) => /pls|private/.test(f)),
      ["enable-pls-check"],
    );
  });

  it("available() reads since and until inclusively", () => {
    assert.equal(available(v("1.14"), { since: RELEASES.checkCommand }), false);
    assert.equal(available(v("1.15"), { since: RELEASES.checkCommand }), true);
    assert.equal(available(v("1.19"), { until: [1, 19] }), true);
    assert.equal(available(v("1.20"), { until: [1, 19] }), false);
    assert.equal(available(v("2.0"), { until: [1, 19] }), false);
  });
});
