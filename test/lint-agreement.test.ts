// Agreement: lint's per-machine verdicts are check()'s. A property test over generated small
// topologies (DNS path: forwarder to the inbound endpoint / manual zone / hosts file / public
// resolver; association: none / this scope / another scope / young; public network access;
// firewall allowing Entra ID and ARM or not, by source address too; a proxy with or without
// bypass) compares lint's report (shared DNS answers, hosts with equal inputs evaluated once)
// with check() run host by host on the plain world. Then a live sample: generated topologies
// served by ArcLink, where `azcmagent check` (a child process, through the gateway) agrees with
// lint on every Arc endpoint's reachability and address.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import fc from "fast-check";
import { checkHost } from "../src/analysis/check.js";
import { lint } from "../src/analysis/lint/lint.js";
import { sandboxFromTopology } from "../src/analysis/lint/sources.js";
import { compileModel } from "../src/network/model.js";
import { Resolver } from "../src/network/resolve.js";
import { ServiceTags } from "../src/network/serviceTags.js";
import { World } from "../src/world/world.js";
import { arm, raw } from "./helpers/arm.js";
import { runAgent } from "./helpers/agent.js";
import { startServer } from "./helpers/server.js";
import { HostOpts, lintWorld, LintWorldOpts, SCOPE, SCOPE_B } from "./lint-world.js";

const NOW = new Date("2026-01-10T12:00:00Z");
const DELAY = 15 * 60_000;
const FULL =
  "10.10.1.4 gbl.his.arc.azure.com\n10.10.1.5 eus.his.arc.azure.com\n10.10.1.6 agentserviceapi.guestconfiguration.azure.com\n10.10.1.7 eastus-gas.guestconfiguration.azure.com\n";
const MANUAL_ZONES = [
  {
    name: "privatelink.his.arc.azure.com",
    records: [
      { name: "gbl", type: "A", values: ["10.10.1.4"] },
      { name: "eus", type: "A", values: ["10.10.1.5"] },
    ],
  },
  {
    name: "privatelink.guestconfiguration.azure.com",
    records: [{ name: "agentserviceapi", type: "A", values: ["10.10.1.6"] }],
  },
  {
    name: "his.arc.azure.com",
    records: [{ name: "gbl", type: "CNAME", values: ["gbl.privatelink.his.arc.azure.com"] }],
  },
];

const hostArb = fc.record({
  dns: fc.constantFrom("dc01", "public"),
  hostsFile: fc.constantFrom("none", "full", "partial", "stale"),
  association: fc.constantFrom("none", "this", "other", "young", "nomachine"),
  proxy: fc.constantFrom("none", "proxy", "proxy+bypass"),
  ipLast: fc.integer({ min: 20, max: 40 }),
});

const worldArb = fc.record({
  dnsPath: fc.constantFrom("forwarder", "manual", "none"),
  publicAccess: fc.constantFrom("Enabled" as const, "Disabled" as const),
  aad: fc.boolean(),
  arm: fc.boolean(),
  armOnlyFrom: fc.option(fc.constantFrom("192.168.1.20/30", "192.168.1.30"), { nil: undefined }),
  defaultAllow: fc.boolean(),
  hosts: fc.array(hostArb, { minLength: 1, maxLength: 4 }),
});

type Gen = typeof worldArb extends fc.Arbitrary<infer T> ? T : never;

function build(g: Gen): World {
  const hosts: HostOpts[] = g.hosts.map((h, i) => ({
    name: `h${i}`,
    ip: `192.168.1.${h.ipLast + i * 50}`,
    dns: h.dns === "dc01" ? ["192.168.1.10"] : ["8.8.8.8"],
    ...(h.hostsFile === "full"
      ? { hostsFile: FULL }
      : h.hostsFile === "partial"
        ? { hostsFile: FULL.split("\n")[0] + "\n" }
        : h.hostsFile === "stale"
          ? { hostsFile: FULL.replace("10.10.1.4 ", "10.10.1.99 ") }
          : {}),
    ...(h.proxy !== "none"
      ? {
          proxyUrl: "http://192.168.1.5:3128",
          ...(h.proxy === "proxy+bypass" ? { proxyBypass: ["Arc"] } : {}),
        }
      : {}),
    machine:
      h.association === "nomachine"
        ? false
        : {
            scope: h.association === "none" ? null : h.association === "other" ? SCOPE_B : SCOPE,
            ...(h.association === "young"
              ? { associatedAt: new Date(NOW.getTime() - 3 * 60_000).toISOString() }
              : {}),
          },
  }));
  const o: LintWorldOpts = {
    now: NOW,
    scopePublic: g.publicAccess,
    forwarders: g.dnsPath === "forwarder",
    ...(g.dnsPath === "manual" ? { dcZones: MANUAL_ZONES } : {}),
    firewall: {
      aad: g.aad,
      arm: g.arm,
      defaultAction: g.defaultAllow ? "Allow" : "Deny",
      ...(g.armOnlyFrom ? { sourceOnly: g.armOnlyFrom } : {}),
    },
    proxy: true,
    otherScope: true,
    hosts,
  };
  return lintWorld(o);
}

describe("lint agrees with check()", () => {
  it("property: for generated topologies, lint's verdict of every endpoint of every host is check()'s", () => {
    fc.assert(
      fc.property(worldArb, (g) => {
        const w = build(g);
        const report = lint({ view: w, now: NOW, propagationDelayMs: DELAY });
        const model = compileModel(w, ServiceTags.default());
        const ctx = { view: w, resolver: new Resolver(model), now: NOW, propagationDelayMs: DELAY };
        assert.equal(report.hosts.length, model.hosts.size);
        for (const h of model.hosts.values()) {
          const want = checkHost(ctx, h);
          const got = report.hosts.find((x) => x.hostId === h.id)!;
          assert.equal(got.machine, want.machine);
          assert.equal(got.region, want.region);
          assert.deepEqual(
            got.endpoints.map((e) => [e.endpoint, e.verdict, e.reason, e.address]),
            want.endpoints.map((e) => [e.endpoint, e.verdict, e.reason, e.address]),
            `host ${h.name} of ${JSON.stringify(g)}`,
          );
          // A host evaluated on its own has check()'s traces exactly.
          if (!got.evaluatedAs)
            assert.deepEqual(
              got.endpoints.map((e) => e.trace),
              want.endpoints.map((e) => e.trace),
            );
        }
      }),
      { numRuns: 150, seed: 20260110 },
    );
  });
});

// ---- Live: azcmagent check as a child process, against generated topologies served by ArcLink ----

interface LiveGen {
  hostDns: Array<"dc01" | "public">;
  arm: boolean;
  forwarders: boolean;
  publicAccess: "Enabled" | "Disabled";
}

function liveTopology(g: LiveGen): string {
  return `resourceGroups: [{ name: rg-live, location: eastus }]
virtualNetworks:
  - name: vnet-hub
    addressPrefixes: [10.10.0.0/16]
    subnets:
      - { name: snet-pe, addressPrefix: 10.10.1.0/24 }
      - { name: snet-in, addressPrefix: 10.10.2.0/28, delegation: Microsoft.Network/dnsResolvers }
privateLinkScopes: [{ name: pls-arc, location: eastus, publicNetworkAccess: ${g.publicAccess} }]
privateDnsZones:
${["privatelink.his.arc.azure.com", "privatelink.guestconfiguration.azure.com", "privatelink.dp.kubernetesconfiguration.azure.com"].map((z) => `  - { name: ${z}, virtualNetworkLinks: [{ virtualNetwork: vnet-hub }] }`).join("\n")}
privateEndpoints:
  - name: pe-arc
    subnet: vnet-hub/snet-pe
    privateLinkScope: pls-arc
    privateDnsZoneGroup: { name: default, zones: [privatelink.his.arc.azure.com, privatelink.guestconfiguration.azure.com, privatelink.dp.kubernetesconfiguration.azure.com] }
dnsResolvers:
  - { name: dnspr, virtualNetwork: vnet-hub, inboundEndpoints: [{ name: inbound, subnet: snet-in, privateIPAddress: 10.10.2.4 }] }
sites: [{ name: onprem, addressPrefixes: [192.168.0.0/16] }]
siteConnections: [{ name: vpn, site: onprem, virtualNetwork: vnet-hub, type: Vpn }]
dnsServers:
  - name: dc01
    site: onprem
    ipAddress: 192.168.1.10
    conditionalForwarders: ${g.forwarders ? "[{ domain: his.arc.azure.com, targets: [dnspr/inbound] }, { domain: guestconfiguration.azure.com, targets: [dnspr/inbound] }]" : "[]"}
    recursion: true
firewalls:
  - name: fw
    site: onprem
    defaultAction: Deny
    rules:
      - { name: dns, priority: 100, action: Allow, protocol: Any, destinationAddresses: ["*"], destinationPorts: ["53"] }
      - { name: aad, priority: 150, action: Allow, protocol: Tcp, destinationAddresses: [AzureActiveDirectory], destinationPorts: ["443"] }
${g.arm ? '      - { name: arm, priority: 151, action: Allow, protocol: Tcp, destinationAddresses: [AzureResourceManager], destinationPorts: ["443"] }\n' : ""}      - { name: pe, priority: 200, action: Allow, protocol: Tcp, destinationAddresses: [10.10.1.0/24], destinationPorts: ["443"] }
hosts:
${g.hostDns.map((d, i) => `  - { name: h${i}, site: onprem, ipAddress: 192.168.1.${21 + i}, os: Linux, dnsServers: [${d === "dc01" ? "dc01" : "8.8.8.8"}] }`).join("\n")}
machines:
${g.hostDns.map((_, i) => `  - { name: h${i}, location: eastus, privateLinkScope: pls-arc }`).join("\n")}
`;
}

describe("lint agrees with azcmagent check (live)", () => {
  it(
    "5 generated topologies: every Arc endpoint's reachability and address",
    { timeout: 600_000 },
    async (t) => {
      const gens = fc.sample(
        fc.record({
          hostDns: fc.array(fc.constantFrom("dc01" as const, "public" as const), {
            minLength: 2,
            maxLength: 2,
          }),
          arm: fc.boolean(),
          forwarders: fc.boolean(),
          publicAccess: fc.constantFrom("Enabled" as const, "Disabled" as const),
        }),
        { numRuns: 5, seed: 42 },
      );
      const tmp = mkdtempSync(join(tmpdir(), "lint-live-"));
      try {
        for (const [gi, g] of gens.entries()) {
          const file = join(tmp, `w${gi}.yaml`);
          writeFileSync(file, liveTopology(g));
          const { sandbox, source } = await sandboxFromTopology(liveTopology(g), file);
          const report = lint({ view: sandbox.world, now: new Date(), propagationDelayMs: DELAY, source });
          const srv = await startServer({ args: ["--topology", file] });
          try {
            const probe = await raw(srv.info, "GET", "/.gateway/host");
            if (probe.status === 404 && !/InvalidHostCredential|Authentication/i.test(probe.text)) {
              t.skip("the ArcLink gateway is not there (GET /.gateway/host answered 404)");
              return;
            }
            for (const h of report.hosts) {
              const cred = await arm(
                srv.info,
                "POST",
                `/subscriptions/${srv.info.subscriptionId}/providers/ArcLink.Lab/hostCredentials?api-version=2025-01-01`,
                { host: h.host },
              );
              assert.equal(cred.status, 200, cred.text);
              const credFile = join(tmp, `${gi}-${h.host}.json`);
              writeFileSync(credFile, JSON.stringify(cred.json));
              const home = mkdtempSync(join(tmp, "home-"));
              const r = await runAgent(["check", "-l", "eastus", "--json"], {
                ARCLINK_HOST_CREDENTIAL: credFile,
                AZCMAGENT_HOME: home,
                AZCMAGENT_DNS_TIMEOUT_MS: "500",
              });
              const rows: any[] = JSON.parse(r.stdout.slice(r.stdout.indexOf("[")));
              for (const e of h.endpoints.filter((x) => /his\.arc|guestconfiguration/.test(x.endpoint))) {
                const a = rows.find(
                  (x) =>
                    String(x.endpoint)
                      .replace(/^https:\/\//, "")
                      .replace(/\/.*$/, "") === e.endpoint,
                );
                assert.ok(a, `azcmagent check has no row for ${e.endpoint}: ${r.stdout}`);
                const networkFailure =
                  e.verdict === "refused" &&
                  /^(Dns|NoRoute|Timeout|Blocked|NotListening|ProxyFailed)/.test(e.reason ?? "");
                const what = `world ${gi} ${JSON.stringify(g)} host ${h.host} ${e.endpoint}: lint ${e.verdict} ${e.reason ?? ""} ${e.address ?? ""}; agent ${JSON.stringify(a)}`;
                assert.equal(a.reachable, !networkFailure, what);
                if (e.address && !e.reason?.startsWith("Dns")) assert.equal(a.addresses[0], e.address, what);
                if (e.verdict === "private") assert.equal(a.private, true, what);
                if (e.verdict === "public") assert.equal(a.private, false, what);
              }
            }
          } finally {
            await srv.stop();
          }
        }
      } finally {
        rmSync(tmp, { recursive: true, force: true });
      }
    },
  );
});
