// On-premises fix steps are proven like ARM ones: a firewall rule by service tag (or by the private
// endpoint's address) and an agent upgrade are applied to ArcLink's model of the site in the
// what-if sandbox, and the plan is printed only when that resolves the finding and breaks nothing.
// Grouped findings keep their key whichever order their members come in, and while members leave.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { proveFixPlan, ProvenPlan } from "../src/analysis/lint/fixPlan.js";
import { runnable } from "../src/analysis/lint/format/fixPlan.js";
import { toSarif } from "../src/analysis/lint/format/sarif.js";
import { lint, LintReport } from "../src/analysis/lint/lint.js";
import { Sandbox, resourcesOf } from "../src/analysis/lint/sandbox.js";
import { Finding } from "../src/analysis/lint/types.js";
import { World } from "../src/world/world.js";
import { HostOpts, lintWorld, LintWorldOpts } from "./lint-world.js";
import { RG, SUB } from "./helpers/worldBuilder.js";

const SUB_ID = SUB.split("/")[2];

const NOW = new Date("2026-01-10T12:00:00Z");
const DELAY = 15 * 60_000;

/** The lint world in a sandbox, with the subscription and resource group its resources are in. */
async function sandboxOf(o: LintWorldOpts): Promise<Sandbox> {
  const sb = new Sandbox({ resources: resourcesOf(lintWorld({ now: NOW, ...o })), subscriptions: [SUB_ID] });
  const r = await sb.call("PUT", RG, sb.apiVersionFor(RG), { location: "eastus" });
  assert.ok(r.status < 300);
  return sb;
}

async function planOf(o: LintWorldOpts): Promise<{ world: World; report: LintReport; plan: ProvenPlan }> {
  const world = (await sandboxOf(o)).world;
  const report = lint({ view: world, now: NOW, propagationDelayMs: DELAY });
  const plan = await proveFixPlan(world, report, { now: NOW, propagationDelayMs: DELAY });
  return { world, report, plan };
}

/** The plan's steps applied through the ARM handler to a fresh copy of `world`, then linted again. */
async function applied(world: World, plan: ProvenPlan): Promise<LintReport> {
  const sb = new Sandbox({ resources: resourcesOf(world) });
  for (const { step } of plan.steps) {
    const call = step.kind === "arm" ? step : step.model!;
    assert.ok(call, `a printed step has a call or a model: ${JSON.stringify(step)}`);
    const r = await sb.call(call.method, call.id, sb.apiVersionFor(call.id), call.body);
    assert.ok(r.status < 300, `${call.method} ${call.id}: ${r.status}`);
  }
  return lint({
    view: sb.world,
    now: new Date(NOW.getTime() + DELAY + 60_000),
    propagationDelayMs: DELAY,
  });
}

function proven(p: ProvenPlan): void {
  assert.deepEqual(p.proof.remaining, []);
  assert.deepEqual(p.proof.added, []);
  assert.deepEqual(p.proof.worse, []);
}

describe("on-premises steps proven in the sandbox", () => {
  it("a site firewall that blocks the private endpoint: a rule by address, tried on the firewall's model", async () => {
    const { world, report, plan } = await planOf({ firewall: { pe: false } });
    const f = report.findings.find((x) => x.ruleId === "arc-endpoint-unreachable")!;
    assert.equal(f.reason, "Blocked");
    const step = plan.steps.find((s) => s.resolves.includes(f.key));
    assert.ok(step, JSON.stringify({ refused: plan.refused, none: plan.noSafePlan }));
    assert.equal(step.step.kind, "onprem");
    assert.ok(step.step.kind === "onprem" && step.step.model?.id.endsWith("/ArcLink.Lab/firewalls/fw"));
    assert.match(runnable(step.step).join("\n"), /fw: allow TCP 443 from the site to 10\.10\.1\.4\/32/);
    proven(plan);
    const after = await applied(world, plan);
    assert.ok(!after.findings.some((x) => x.key === f.key));
    for (const h of after.hosts)
      for (const e of h.endpoints.filter((x) => /his\.arc|guestconfiguration/.test(x.endpoint)))
        assert.equal(e.verdict, "private", `${h.host} ${e.endpoint}`);
  });

  it("a site firewall that blocks Azure Resource Manager: a rule by service tag, proven", async () => {
    const { world, report, plan } = await planOf({ firewall: { arm: false } });
    const f = report.findings.find((x) => x.ruleId === "entra-arm-blocked")!;
    const step = plan.steps.find((s) => s.resolves.includes(f.key))!;
    assert.ok(step, JSON.stringify(plan.noSafePlan));
    assert.match(
      runnable(step.step).join("\n"),
      /fw: allow TCP 443 from the site to service tag AzureResourceManager/,
    );
    // The rule the firewall already has (Entra ID) is not added twice.
    assert.doesNotMatch(runnable(step.step).join("\n"), /AzureActiveDirectory/);
    proven(plan);
    const after = await applied(world, plan);
    assert.ok(!after.findings.some((x) => x.ruleId === "entra-arm-blocked"));
  });

  it("a firewall whose Deny rule comes first: the allow rule goes below its priority, so it matches", async () => {
    const sb = await sandboxOf({ firewall: { arm: false } });
    const fw = sb.world.ofType("ArcLink.Lab/firewalls")[0];
    const body = structuredClone(fw.body);
    body.properties.rules.push({
      name: "deny-azure",
      priority: 140,
      action: "Deny",
      protocol: "Tcp",
      destinationAddresses: ["AzureResourceManager"],
      destinationPorts: ["443"],
    });
    await sb.call("PUT", fw.id, sb.apiVersionFor(fw.id), body);
    const report = lint({ view: sb.world, now: NOW, propagationDelayMs: DELAY });
    const plan = await proveFixPlan(sb.world, report, { now: NOW, propagationDelayMs: DELAY });
    const f = report.findings.find((x) => x.ruleId === "entra-arm-blocked")!;
    const step = plan.steps.find((s) => s.resolves.includes(f.key))!;
    assert.ok(step, JSON.stringify(plan.noSafePlan));
    assert.match(runnable(step.step).join("\n"), /priority 139/);
    proven(plan);
  });

  it("an agent older than 1.4: the upgrade is tried as the agent's next report, and proven", async () => {
    const { world, report, plan } = await planOf({
      hosts: [{ name: "srv-a", machine: { agentVersion: "1.3" } }, { name: "srv-b" }],
    });
    const f = report.findings.find((x) => x.ruleId === "agent-too-old")!;
    const step = plan.steps.find((s) => s.resolves.includes(f.key))!;
    assert.ok(step, JSON.stringify({ refused: plan.refused, none: plan.noSafePlan }));
    assert.ok(
      step.step.kind === "onprem" && /\/ArcLink\.Lab\/agentReports\/srv-a$/.test(step.step.model!.id),
    );
    assert.match(
      runnable(step.step).join("\n"),
      /on-premises srv-a: install the latest Connected Machine agent/,
    );
    proven(plan);
    assert.ok(plan.proof.calls >= 1);
    const after = await applied(world, plan);
    assert.ok(!after.findings.some((x) => x.ruleId === "agent-too-old"));
    const a = after.hosts.find((h) => h.host === "srv-a")!;
    assert.ok(a.endpoints.filter((e) => /his\.arc/.test(e.endpoint)).every((e) => e.verdict === "private"));
  });

  it("no on-premises step with a model is left out as untried", async () => {
    for (const o of [
      { firewall: { pe: false } },
      { firewall: { arm: false } },
      { hosts: [{ machine: { agentVersion: "1.3" } }] },
    ] as LintWorldOpts[]) {
      const { plan } = await planOf(o);
      for (const r of plan.refused)
        assert.ok(
          !(r.step.kind === "onprem" && r.step.model && /cannot try/.test(r.why)),
          `${JSON.stringify(o)}: ${r.why}`,
        );
    }
  });
});

describe("grouped findings keep their key", () => {
  const hosts = (names: string[]): HostOpts[] =>
    names.map((name, i) => ({
      name,
      ip: `192.168.1.${50 + i}`,
      proxyUrl: "http://192.168.1.5:3128",
      machine: { agentVersion: "1.3" },
    }));
  const GROUPED = [
    "agent-too-old",
    "proxy-without-bypass",
    "public-access-disabled",
    "arc-endpoint-unreachable",
  ];
  const keysOf = (o: LintWorldOpts) => {
    const r = lint({ view: lintWorld({ now: NOW, ...o }), now: NOW, propagationDelayMs: DELAY });
    return { r, keys: r.findings.filter((f) => GROUPED.includes(f.ruleId)).map((f: Finding) => f.key) };
  };

  it("whichever order the members come in, and when the first member leaves the group", () => {
    const a = keysOf({ proxy: true, hosts: hosts(["srv-a", "srv-b", "srv-c"]) });
    const b = keysOf({ proxy: true, hosts: hosts(["srv-c", "srv-b", "srv-a"]) });
    const c = keysOf({ proxy: true, hosts: hosts(["srv-b", "srv-c"]) });
    assert.ok(
      a.keys.some((k) => k.startsWith("agent-too-old|")),
      a.keys.join("\n"),
    );
    assert.ok(
      a.keys.some((k) => k.startsWith("proxy-without-bypass|")),
      a.keys.join("\n"),
    );
    assert.deepEqual([...b.keys].sort(), [...a.keys].sort());
    assert.deepEqual([...c.keys].sort(), [...a.keys].sort());
    // No key names a member: the members are in the message, not in the key.
    for (const k of a.keys) assert.doesNotMatch(k, /srv-[abc]/);
    // The SARIF fingerprints follow the keys.
    const fp = (r: LintReport) =>
      toSarif(r)
        .runs[0].results.map((x: any) => `${x.ruleId} ${Object.values(x.partialFingerprints)[0]}`)
        .filter((x: string) => GROUPED.includes(x.split(" ")[0]))
        .sort();
    assert.deepEqual(fp(b.r), fp(a.r));
    assert.deepEqual(fp(c.r), fp(a.r));
  });
});
