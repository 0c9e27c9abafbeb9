// Every lint rule: a world where it fires and one where it does not (the correct reference
// rollout, in which lint finds nothing at all).
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { lint, exitCodeOf } from "../src/analysis/lint/lint.js";
import { RULES } from "../src/analysis/lint/index.js";
import { Finding } from "../src/analysis/lint/types.js";
import { LintSource } from "../src/analysis/lint/context.js";
import { World } from "../src/world/world.js";
import { DAY, lintWorld, LintWorldOpts, MACHINES, SCOPE } from "./lint-world.js";
import { RG } from "./helpers/worldBuilder.js";

const NOW = new Date("2026-01-10T12:00:00Z");
const DELAY = 15 * 60_000;

function run(w: World, source?: LintSource) {
  return lint({ view: w, now: NOW, propagationDelayMs: DELAY, source });
}

function findingsOf(o: LintWorldOpts, rule: string, source?: LintSource): Finding[] {
  return run(lintWorld({ now: NOW, ...o }), source).findings.filter((f) => f.ruleId === rule);
}

const PUBLIC_DNS: LintWorldOpts["hosts"] = [{ dns: ["8.8.8.8"] }];
const ALL_NAMES = (gbl = "10.10.1.4") =>
  `${gbl} gbl.his.arc.azure.com\n10.10.1.5 eus.his.arc.azure.com\n10.10.1.6 agentserviceapi.guestconfiguration.azure.com\n10.10.1.7 eastus-gas.guestconfiguration.azure.com\n`;

/** What srv1's agent reported: gbl resolved publicly (the reference rollout resolves it privately). */
const SRV1_SAW_PUBLIC: LintSource = {
  kind: "export",
  evidence: new Map([
    [
      "srv1",
      {
        check: {
          file: "srv1.check.json",
          rows: [
            {
              endpoint: "gbl.his.arc.azure.com",
              reachable: true,
              private: false,
              addresses: ["20.49.109.34"],
              line: 2,
            },
            {
              endpoint: "eus.his.arc.azure.com",
              reachable: true,
              private: true,
              addresses: ["10.10.1.5"],
              line: 9,
            },
          ],
        },
      },
    ],
  ]),
};

const CASES: Record<string, { o: LintWorldOpts; source?: LintSource; check?: (f: Finding[]) => void }> = {
  "agent-evidence-disagrees": {
    o: {},
    source: SRV1_SAW_PUBLIC,
    check: (f) => {
      assert.deepEqual(
        f.map((x) => [x.host, x.endpoint]),
        [["srv1", "gbl.his.arc.azure.com"]],
      );
      assert.match(f[0].message, /public address; ArcLink's model says it goes private.*srv1\.check\.json:2/);
    },
  },
  "two-scopes-one-vnet": {
    o: { secondScope: true },
    check: (f) => {
      assert.ok(f[0].resources.some((r) => r.endsWith("/pe-b")));
      assert.equal(f[0].machines[0].name, "srv1");
      assert.equal(f[0].reason, "MachineAssociatedWithAnotherScope");
      assert.ok(f[0].trace!.length > 0);
      assert.ok(f[0].fixPlan.some((s) => s.kind === "arm" && s.method === "DELETE"));
    },
  },
  "machine-scope-region": {
    o: { hosts: [{ machine: { location: "westus" } }] },
    check: (f) => assert.match(f[0].message, /westus.*eastus/),
  },
  "endpoint-vnet-region": { o: { peLocation: "westus" } },
  "arc-dns-public": {
    o: { forwarders: false },
    check: (f) => {
      assert.equal(f[0].severity, "error");
      assert.match(f[0].message, /dc01 .*no conditional forwarder for his\.arc\.azure\.com/);
      const p = f[0].fixPlan[0];
      assert.ok(p.kind === "arm" && p.method === "PATCH" && JSON.stringify(p.body).includes("10.10.2.4"));
    },
  },
  "forwarder-no-path": {
    o: { forwardTarget: "10.99.0.4" },
    check: (f) => assert.match(f[0].message, /10\.99\.0\.4/),
  },
  "zone-not-linked": {
    o: { zoneLinks: false },
    check: (f) => assert.ok(f[0].fixPlan[0].kind === "arm" && f[0].fixPlan[0].method === "PUT"),
  },
  "zone-missing-records": {
    o: { zoneRecords: { "privatelink.his.arc.azure.com": { gbl: ["10.10.1.4"] } } },
    check: (f) => {
      assert.match(f[0].message, /eus\.his\.arc\.azure\.com/);
      assert.equal(f[0].reason, "DnsNxdomain");
      assert.equal(f[0].machines[0].name, "srv1");
    },
  },
  "missing-regional-records": {
    o: {
      hosts: [
        {
          hostsFile:
            "10.10.1.4 gbl.his.arc.azure.com\n10.10.1.6 agentserviceapi.guestconfiguration.azure.com\n",
        },
      ],
    },
    check: (f) => assert.match(f[0].message, /eus\.his\.arc\.azure\.com, eastus-gas/),
  },
  "stale-address": {
    o: { hosts: [{ hostsFile: ALL_NAMES("10.10.1.99") }] },
    check: (f) => assert.match(f[0].message, /10\.10\.1\.99/),
  },
  "public-access-disabled": {
    o: { hosts: PUBLIC_DNS, firewall: { defaultAction: "Allow" } },
    check: (f) => assert.equal(f[0].reason, "PublicNetworkAccessDisabled"),
  },
  "entra-arm-blocked": {
    o: { firewall: { arm: false } },
    check: (f) => {
      assert.equal(f[0].endpoint, "management.azure.com");
      assert.equal(f[0].reason, "Blocked");
      const p = f[0].fixPlan[0];
      // An on-premises firewall change, printed by service tag, tried on the firewall's model.
      assert.ok(p.kind === "onprem" && p.model, JSON.stringify(p));
      assert.ok(JSON.stringify(p.model.body).includes("AzureResourceManager"));
      assert.match(p.change, /allow TCP 443 from the site to service tag AzureResourceManager/);
    },
  },
  "proxy-without-bypass": {
    o: { proxy: true, hosts: [{ proxyUrl: "http://192.168.1.5:3128" }] },
    check: (f) => assert.equal(f[0].severity, "error"),
  },
  "agent-too-old": {
    o: { hosts: [{ machine: { agentVersion: "1.3" } }] },
    check: (f) => assert.equal(f[0].reason, "AgentVersionTooOld"),
  },
  "association-propagating": {
    o: { hosts: [{ machine: { associatedAt: new Date(NOW.getTime() - 5 * 60_000).toISOString() } }] },
    check: (f) => assert.match(f[0].message, /10 minute/),
  },
  "machine-not-associated": {
    o: { hosts: [{ machine: { scope: null } }] },
    check: (f) => assert.equal(f[0].reason, "MachineNotAssociatedWithScope"),
  },
  "extension-service-no-private-endpoint": {
    o: { hosts: [{ machine: { tags: { "arclink:extensions": "AzureMonitor" } } }] },
  },
  "remote-access-over-private-link": {
    o: { hosts: [{ machine: { agentConfiguration: { incomingConnectionsPorts: ["22"] } } }] },
  },
  "unknown-facts": {
    o: { hosts: [{ machine: { exportedWithoutAgentVersion: true } }] },
    check: (f) => {
      assert.equal(f[0].severity, "note");
      assert.match(f[0].message, /agent version of srv1/);
      assert.match(f[0].fix, /azcmagent show -j/);
    },
  },
  "endpoint-connection-not-approved": {
    o: { connectionStatus: "Pending" },
    check: (f) => assert.equal(f[0].reason, "PrivateEndpointConnectionNotApproved"),
  },
  "dangling-scope-reference": {
    o: { hosts: [{ machine: { scope: `${RG}/providers/Microsoft.HybridCompute/privateLinkScopes/gone` } }] },
  },
  "arc-endpoint-unreachable": {
    o: { firewall: { pe: false } },
    check: (f) => assert.equal(f[0].reason, "Blocked"),
  },
  "inconsistent-dns-view": {
    o: { scopePublic: "Enabled", firewall: { defaultAction: "Allow" }, hosts: [{}, { dns: ["8.8.8.8"] }] },
  },
};

describe("lint rules", () => {
  it("the correct reference rollout has no findings (every rule quiet), exit 0", () => {
    const r = run(lintWorld({ now: NOW, hosts: [{}, { hostsFile: ALL_NAMES() }] }));
    assert.deepEqual(
      r.findings.map((f) => `${f.ruleId}: ${f.message}`),
      [],
    );
    assert.equal(exitCodeOf(r), 0);
    assert.equal(r.hosts.length, 2);
    assert.ok(r.hosts.every((h) => h.endpoints.slice(0, 4).every((e) => e.verdict === "private")));
  });

  it("every rule has a case here, an id, a severity, a title, the seed's reason and a fix", () => {
    assert.deepEqual(Object.keys(CASES).sort(), RULES.map((r) => r.id).sort());
    for (const r of RULES) {
      assert.ok(["error", "warning", "note"].includes(r.severity));
      assert.ok(r.title && r.why.length > 40 && r.fix, r.id);
    }
  });

  for (const [id, c] of Object.entries(CASES)) {
    it(`${id}: fires where it should, quiet on the reference rollout`, () => {
      const f = findingsOf(c.o, id, c.source);
      assert.ok(
        f.length >= 1,
        `${id} did not fire; all findings: ${JSON.stringify(run(lintWorld({ now: NOW, ...c.o }), c.source).findings.map((x) => x.ruleId))}`,
      );
      for (const x of f) {
        assert.ok(x.message.length > 20);
        assert.ok(x.resources.length >= 1, `${id}: no resources`);
        assert.ok(x.fix.length > 10);
        if (x.trace) assert.ok(x.trace.length > 0);
        if (x.host) assert.ok(x.endpoint && x.trace);
      }
      c.check?.(f);
      assert.deepEqual(findingsOf({}, id), [], `${id} fired on the reference rollout`);
    });
  }

  it("extensions are read from machine extension resources too", () => {
    const f = findingsOf(
      { extensionChild: { publisher: "Microsoft.Azure.KeyVault", type: "KeyVaultForLinux" } },
      "extension-service-no-private-endpoint",
    );
    assert.match(f[0].message, /Key Vault/);
    assert.equal(f[0].machines[0].machineId, `${MACHINES}/srv1`);
  });

  it("a young association is fine once the propagation delay has passed", () => {
    const w = lintWorld({
      now: NOW,
      hosts: [{ machine: { associatedAt: new Date(NOW.getTime() - DAY / 2).toISOString() } }],
    });
    assert.deepEqual(run(w).findings, []);
    assert.ok(SCOPE);
  });

  it("exit status: 2 with errors, 1 with warnings only", () => {
    assert.equal(exitCodeOf(run(lintWorld({ now: NOW, peLocation: "westus" }))), 2);
    assert.equal(
      exitCodeOf(
        run(
          lintWorld({
            now: NOW,
            hosts: [{ machine: { agentConfiguration: { incomingConnectionsPorts: ["6516"] } } }],
          }),
        ),
      ),
      1,
    );
  });
});
