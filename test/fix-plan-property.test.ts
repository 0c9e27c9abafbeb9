// The promise behind --fix-plan, as a property over generated estates: for every plan printed,
// applying it through the ARM API of a live ArcLink and linting again gives 0 of the targeted
// findings, no new finding, and no admitted machine refused; and no plan deletes a resource an
// admitted machine depends on. Estates are examples/reference.yaml with random faults (a host on a
// public resolver, a machine not associated, a connection awaiting manual approval, a zone not
// linked, an agent older than 1.4, a firewall rule missing, extra hosts) chosen by fast-check.
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import fc from "fast-check";
import { dependedOn, ProvenPlan } from "../src/analysis/lint/fixPlan.js";
import { lint } from "../src/analysis/lint/lint.js";
import { sandboxFromTopology } from "../src/analysis/lint/sources.js";
import { yamlLines } from "../src/analysis/lint/yamlLines.js";
import { keyOf } from "../src/core/resourceId.js";
import { raw, token } from "./helpers/arm.js";
import { ROOT, startServer } from "./helpers/server.js";

const REF = join(ROOT, "examples/reference.yaml");
const DELAY = 900_000;

interface Faults {
  publicResolver: number[];
  unassociated: number[];
  manualApproval: boolean;
  unlinked: number[];
  extraHosts: number;
  oldAgent: number[];
  /** Rules of fw-onprem left out (ARM's service tag, the private endpoint subnet). */
  firewallDrops: string[];
}

/** The reference topology with the faults applied (JSON is YAML: the file is written as JSON). */
function estate(f: Faults): string {
  const t = structuredClone(yamlLines(readFileSync(REF, "utf8")).value) as any;
  for (let i = 0; i < f.extraHosts; i++) {
    const name = `srv-gen-${i + 1}`;
    t.hosts.push({
      name,
      site: "onprem",
      ipAddress: `192.168.2.${10 + i}`,
      os: i % 2 ? "Windows" : "Linux",
      dnsServers: ["dc01"],
    });
    t.machines.push({ name, location: "eastus", privateLinkScope: "pls-arc" });
  }
  for (const i of f.publicResolver) t.hosts[i % t.hosts.length].dnsServers = ["8.8.8.8"];
  for (const i of f.unassociated) delete t.machines[i % t.machines.length].privateLinkScope;
  if (f.manualApproval) t.privateEndpoints[0].manualApproval = true;
  for (const i of f.unlinked) t.privateDnsZones[i % 2].virtualNetworkLinks = [];
  for (const i of f.oldAgent) t.machines[i % t.machines.length].agentVersion = "1.3";
  const fw = t.firewalls[0];
  fw.rules = fw.rules.filter((r: any) => !f.firewallDrops.includes(r.name));
  delete t.dns;
  return JSON.stringify(t, null, 2);
}

const noGuid = (k: string) =>
  k.replace(/\.[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g, ".*");

const faults = fc.record({
  publicResolver: fc.uniqueArray(fc.nat(6), { maxLength: 2 }),
  unassociated: fc.uniqueArray(fc.nat(6), { maxLength: 2 }),
  manualApproval: fc.boolean(),
  unlinked: fc.uniqueArray(fc.nat(1), { maxLength: 1 }),
  extraHosts: fc.nat(3),
  oldAgent: fc.uniqueArray(fc.nat(6), { maxLength: 1 }),
  firewallDrops: fc.subarray(["AllowArmOutbound", "AllowPrivateEndpoints"], { maxLength: 1 }),
});

describe("fix plans over generated estates, applied to a live ArcLink", () => {
  it(
    "0 targeted findings left, no new finding, no admitted machine refused, nothing depended on deleted",
    { timeout: 600_000 },
    async () => {
      const dir = mkdtempSync(join(tmpdir(), "fixplan-"));
      let run = 0;
      let plansApplied = 0;
      // On-premises steps (firewall rules, agent upgrades, hosts' DNS) applied through their model.
      let onpremApplied = 0;
      await fc.assert(
        fc.asyncProperty(faults, async (f) => {
          const file = join(dir, `estate-${++run}.yaml`);
          writeFileSync(file, estate(f));
          const srv = await startServer({ args: ["--topology", file] });
          try {
            const info = srv.info;
            const sub = info.subscriptionId;
            const tok = await token(info);
            const auth = { authorization: `Bearer ${tok}` };
            const lintLive = async (fixPlan = false) => {
              const r = await raw(
                info,
                "POST",
                `/subscriptions/${sub}/providers/ArcLink.Lab/lint?api-version=2025-01-01`,
                fixPlan ? { fixPlan: true } : {},
                auth,
              );
              assert.equal(r.status, 200, r.text);
              return r.json;
            };
            // The live ArcLink's own proven plan for its world (what `arclink lint --fix-plan` prints).
            const before = await lintLive(true);
            const plan: ProvenPlan = before.fixPlan;
            // A printed plan carries its proof.
            assert.deepEqual(plan.proof.remaining, []);
            assert.deepEqual(plan.proof.added, []);
            assert.deepEqual(plan.proof.worse, []);
            // No plan deletes what an admitted machine depends on: the same estate in a sandbox (ids
            // equal but for the GUIDs private endpoints draw) says what that is.
            const { sandbox } = await sandboxFromTopology(readFileSync(file, "utf8"), file, sub);
            const sbNow = sandbox.services.clock.now();
            const depended = [
              ...dependedOn(
                sandbox.world,
                lint({ view: sandbox.world, now: sbNow, propagationDelayMs: DELAY }),
              ),
            ].map(noGuid);
            for (const s of plan.steps)
              if (s.step.kind === "arm" && s.step.method === "DELETE") {
                const k = noGuid(keyOf(s.step.id));
                assert.ok(!depended.some((d) => d === k || d.startsWith(k + "/")), `deletes ${s.step.id}`);
              }
            for (const s of plan.steps) {
              const st = s.step;
              const call = st.kind === "arm" ? { method: st.method, id: st.id, body: st.body } : st.model!;
              const r = await raw(
                info,
                call.method,
                `${call.id}?api-version=${sandbox.apiVersionFor(call.id)}`,
                call.body as object | undefined,
                auth,
              );
              assert.ok(r.status < 300, `${call.method} ${call.id}: ${r.status} ${r.text}`);
              plansApplied++;
              if (st.kind === "onprem") onpremApplied++;
            }
            // Judged once a new association has propagated, as the proof was.
            const adv = await raw(
              info,
              "POST",
              `/providers/ArcLink.Lab/clock/advance?api-version=2025-01-01`,
              { milliseconds: DELAY + 60_000 },
              auth,
            );
            assert.ok(adv.status < 300, adv.text);
            const after = await lintLive();
            const keys = new Set(after.findings.map((x: any) => x.key));
            for (const k of plan.targeted) assert.ok(!keys.has(k), `targeted finding still there: ${k}`);
            const had = new Set(before.findings.map((x: any) => x.key));
            const added = after.findings
              .filter((x: any) => x.severity !== "note" && !had.has(x.key))
              .map((x: any) => x.key);
            assert.deepEqual(added, [], JSON.stringify(f));
            for (const h of before.hosts) {
              const a = after.hosts.find((x: any) => x.hostId.toLowerCase() === h.hostId.toLowerCase());
              for (const e of h.endpoints.filter((x: any) => x.verdict === "private"))
                assert.equal(
                  a.endpoints.find((x: any) => x.endpoint === e.endpoint).verdict,
                  "private",
                  `${h.host} ${e.endpoint} ${JSON.stringify(f)}`,
                );
            }
          } finally {
            await srv.stop();
          }
        }),
        { numRuns: 6, seed: 1307, endOnFailure: true },
      );
      // The property is not vacuous: plans were printed and applied.
      assert.ok(plansApplied > 0);
      assert.ok(onpremApplied > 0);
    },
  );
});
