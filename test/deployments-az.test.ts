// Deployments through Debian's az 2.45: `az deployment group create|validate|what-if|show|list|
// delete` and `az deployment operation group list`, with templates written from the template
// reference. az sends the template as written (comments kept, under an unquoted key), and
// ArcLink reads it. The second part deploys onto the reference rollout: what-if predicts that a
// second scope's endpoint in the hub VNet cuts the existing servers off, and deploying it does:
// the model's check says so, and so do the servers' connected agents (azcmagent), which heartbeat
// privately before the deployment and are refused after it.
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { arm } from "./helpers/arm.js";
import { AzSession, azLogin, describeAz } from "./helpers/az.js";
import { arclink, ROOT, startServer, TestServer } from "./helpers/server.js";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { connectArgs, hostEnv, runAgent, scopeIdOf } from "./helpers/agent.js";

const T = { timeout: 600_000 };
const tpl = (name: string) => join(ROOT, "test/fixtures/templates", name);

async function ok(az: AzSession, args: string[]): Promise<any> {
  const r = await az.run(args);
  assert.equal(r.code, 0, describeAz(args, r));
  return r.json;
}

/** `az deployment group VERB -g RG -n NAME --template-file <fixture> ...extra`. */
function deployGroup(verb: string, rg: string, name: string, template: string, ...extra: string[]): string[] {
  return ["deployment", "group", verb, "-g", rg, "-n", name, "--template-file", tpl(template), ...extra];
}

async function fails(az: AzSession, args: string[]): Promise<string> {
  const r = await az.run(args);
  assert.notEqual(r.code, 0, describeAz(args, r));
  return r.stderr;
}

describe("az deployment group (a fresh server)", () => {
  let srv: TestServer;
  let az: AzSession;
  before(async () => {
    srv = await startServer();
    az = await azLogin(srv.info);
    await ok(az, ["group", "create", "-n", "rg-arc", "-l", "eastus"]);
    await ok(az, ["group", "create", "-n", "rg-spoke", "-l", "westeurope"]);
  }, T);
  after(async () => {
    az?.cleanup();
    await srv?.stop();
  });

  it(
    "deploys the whole rollout from one template with comments, and shows, lists and explains it",
    T,
    async () => {
      const d = await ok(az, deployGroup("create", "rg-arc", "rollout", "rollout.json"));
      assert.equal(d.properties.provisioningState, "Succeeded");
      assert.equal(d.properties.outputs.inboundAddress.value, "10.10.2.4");
      assert.deepEqual(
        d.properties.outputs.endpointAddresses.value.map((x: any) => x.fqdn),
        [
          "gbl.his.arc.azure.com",
          "eus.his.arc.azure.com",
          "agentserviceapi.guestconfiguration.azure.com",
          "eastus-gas.guestconfiguration.azure.com",
          "eastus.dp.kubernetesconfiguration.azure.com",
        ],
      );
      assert.equal(d.properties.outputResources.length, 12);
      assert.ok(
        d.properties.correlationId && d.properties.duration.startsWith("PT") && d.properties.timestamp,
      );
      // The resources exist as ARM serves them, with the providers' side effects (zone group records).
      const zone = await ok(az, [
        "network",
        "private-dns",
        "record-set",
        "a",
        "show",
        "-g",
        "rg-arc",
        "-z",
        "privatelink.his.arc.azure.com",
        "-n",
        "gbl",
      ]);
      assert.equal(zone.aRecords[0].ipv4Address, "10.10.1.4");
      const shown = await ok(az, ["deployment", "group", "show", "-g", "rg-arc", "-n", "rollout"]);
      assert.equal(shown.properties.templateHash, d.properties.templateHash);
      const list = await ok(az, ["deployment", "group", "list", "-g", "rg-arc"]);
      assert.deepEqual(
        list.map((x: any) => x.name),
        ["rollout"],
      );
      const ops = await ok(az, ["deployment", "operation", "group", "list", "-g", "rg-arc", "-n", "rollout"]);
      assert.equal(ops.length, 12);
      assert.ok(
        ops.every(
          (o: any) => o.properties.provisioningState === "Succeeded" && o.properties.targetResource.id,
        ),
      );
      const exported = await ok(az, ["deployment", "group", "export", "-g", "rg-arc", "-n", "rollout"]);
      assert.equal(exported.contentVersion, "1.0.0.0");
    },
  );

  it(
    "what-if names the property a parameter changes; the rest is NoChange (pretty and JSON)",
    T,
    async () => {
      const args = deployGroup(
        "what-if",
        "rg-arc",
        "rollout",
        "rollout.json",
        "--parameters",
        "publicNetworkAccess=Enabled",
      );
      const pretty = await az.run(args);
      assert.equal(pretty.code, 0, describeAz(args, pretty));
      assert.match(pretty.stdout, /~ Microsoft\.HybridCompute\/privateLinkScopes\/pls-arc/);
      assert.match(pretty.stdout, /properties\.publicNetworkAccess: +"Disabled" => "Enabled"/);
      const json = await ok(az, [...args, "--no-pretty-print"]);
      const byType = (t: string) => json.changes.filter((c: any) => c.changeType === t).length;
      assert.equal(byType("Modify"), 1);
      assert.equal(byType("NoChange"), 11);
      assert.equal(byType("Ignore"), 1, "the endpoint's network interface is not in the template");
      const scope = json.changes.find((c: any) => c.changeType === "Modify");
      assert.deepEqual(scope.delta, [
        {
          path: "properties.publicNetworkAccess",
          propertyChangeType: "Modify",
          before: "Disabled",
          after: "Enabled",
          children: null,
        },
      ]);
      // Nothing was written.
      const pls = await ok(az, ["resource", "show", "--ids", scope.resourceId]);
      assert.equal(pls.properties.publicNetworkAccess, "Disabled");
    },
  );

  it(
    "deploys the same rollout as a symbolic-name (Bicep-style) template: every resource NoChange in what-if",
    T,
    async () => {
      const w = await ok(
        az,
        deployGroup("what-if", "rg-arc", "sym", "rollout-symbolic.json", "--no-pretty-print"),
      );
      assert.deepEqual(
        [...new Set(w.changes.filter((c: any) => c.changeType !== "Ignore").map((c: any) => c.changeType))],
        ["NoChange"],
      );
      const d = await ok(az, deployGroup("create", "rg-arc", "sym", "rollout-symbolic.json"));
      assert.equal(d.properties.provisioningState, "Succeeded");
      assert.equal(d.properties.outputs.inboundAddress.value, "10.10.2.4");
      assert.match(d.properties.outputs.endpointNic.value, /\/networkInterfaces\/pe-pls-arc\.nic\./);
    },
  );

  it("copy loops and conditions, with parameters from the command line", T, async () => {
    const d = await ok(
      az,
      deployGroup("create", "rg-arc", "loops", "loops.json", "--parameters", "count=4", "withNsg=true"),
    );
    assert.deepEqual(d.properties.outputs.zones.value, [
      "z1.corp.internal",
      "z2.corp.internal",
      "z3.corp.internal",
      "z4.corp.internal",
    ]);
    assert.equal(d.properties.outputs.firstRecord.value, "10.20.0.10");
    const zones = await ok(az, [
      "network",
      "private-dns",
      "zone",
      "list",
      "-g",
      "rg-arc",
      "--query",
      "[?ends_with(name, 'corp.internal')].{n:name, t:tags}",
    ]);
    assert.equal(zones.length, 4);
    assert.deepEqual(zones[0].t, { owner: "platform", literal: "[kept as text]" });
    const nsg = await ok(az, [
      "resource",
      "list",
      "-g",
      "rg-arc",
      "--resource-type",
      "Microsoft.Network/networkSecurityGroups",
    ]);
    assert.deepEqual(
      nsg.map((x: any) => x.name),
      ["nsg-conditional"],
    );
  });

  it(
    "a nested deployment into another resource group, its outputs read by the outer template",
    T,
    async () => {
      const d = await ok(
        az,
        deployGroup("create", "rg-arc", "outer", "nested.json", "--parameters", "spokeGroup=rg-spoke"),
      );
      assert.match(
        d.properties.outputs.spokeVnetId.value,
        /\/resourceGroups\/rg-spoke\/providers\/Microsoft\.Network\/virtualNetworks\/vnet-spoke$/,
      );
      const inner = await ok(az, ["deployment", "group", "show", "-g", "rg-spoke", "-n", "spoke-network"]);
      assert.equal(inner.properties.provisioningState, "Succeeded");
      const vnet = await ok(az, [
        "resource",
        "show",
        "-g",
        "rg-spoke",
        "-n",
        "vnet-spoke",
        "--resource-type",
        "Microsoft.Network/virtualNetworks",
      ]);
      assert.equal(vnet.location, "westeurope");
    },
  );

  it(
    "a bad function: InvalidTemplate with the line and column, from validate and from create",
    T,
    async () => {
      for (const verb of ["validate", "create"]) {
        const err = await fails(az, deployGroup(verb, "rg-arc", "bad", "bad-function.json"));
        assert.match(err, /InvalidTemplate/);
        assert.match(
          err,
          /at line '5' and column '5' is not valid: The template function 'concatt' is not valid/,
        );
      }
    },
  );

  it("a missing dependency: InvalidTemplate naming it", T, async () => {
    const err = await fails(az, deployGroup("create", "rg-arc", "missing", "missing-dependency.json"));
    assert.match(err, /InvalidTemplate/);
    assert.match(
      err,
      /The resource 'Microsoft\.Network\/virtualNetworks\/vnet-missing' is not defined in the template/,
    );
  });

  it(
    "a resource the rules refuse: DeploymentFailed with the provider's error inside; its operation says so",
    T,
    async () => {
      const err = await fails(az, deployGroup("create", "rg-arc", "refused", "refused.json"));
      assert.match(err, /DeploymentFailed/);
      assert.match(err, /A private endpoint and its virtual network must be in the same region/);
      const shown = await ok(az, ["deployment", "group", "show", "-g", "rg-arc", "-n", "refused"]);
      assert.equal(shown.properties.provisioningState, "Failed");
      assert.equal(shown.properties.error.code, "DeploymentFailed");
      assert.equal(shown.properties.error.details[0].code, "InvalidResourceReference");
      const ops = await ok(az, ["deployment", "operation", "group", "list", "-g", "rg-arc", "-n", "refused"]);
      const failed = ops.filter((o: any) => o.properties.provisioningState === "Failed");
      assert.equal(failed.length, 1);
      assert.equal(failed[0].properties.targetResource.resourceName, "pe-wrong-region");
      assert.equal(failed[0].properties.statusCode, "BadRequest");
      // What came before the failure stays; what depended on it was never attempted.
      assert.ok(
        !ops.some((o: any) => o.properties.targetResource.resourceName === "after-the-refusal.internal"),
      );
      const zone = await az.run([
        "network",
        "private-dns",
        "zone",
        "show",
        "-g",
        "rg-arc",
        "-n",
        "after-the-refusal.internal",
      ]);
      assert.notEqual(zone.code, 0);
    },
  );

  it("a type ArcLink does not serve fails preflight with Azure's codes; nothing is written", T, async () => {
    const err = await fails(az, deployGroup("create", "rg-arc", "unknown", "unknown-type.json"));
    assert.match(err, /InvalidTemplateDeployment/);
    assert.match(
      err,
      /The resource type 'applicationGateways' could not be found in the namespace 'Microsoft.Network'/,
    );
    assert.match(err, /NoRegisteredProviderFound/);
    const list = await ok(az, ["deployment", "group", "list", "-g", "rg-arc", "--query", "[].name"]);
    assert.ok(!list.includes("unknown"));
  });

  it("delete removes the deployment record, not its resources", T, async () => {
    await ok(az, ["deployment", "group", "delete", "-g", "rg-arc", "-n", "loops"]);
    const list = await ok(az, ["deployment", "group", "list", "-g", "rg-arc", "--query", "[].name"]);
    assert.ok(!list.includes("loops"));
    const zones = await ok(az, [
      "network",
      "private-dns",
      "zone",
      "list",
      "-g",
      "rg-arc",
      "--query",
      "[?ends_with(name, 'corp.internal')].name",
    ]);
    assert.equal(zones.length, 4);
  });
});

describe("what-if of a second scope's endpoint in the hub VNet (the reference rollout)", () => {
  let srv: TestServer;
  let az: AzSession;
  let tmp: string;
  before(async () => {
    srv = await startServer({ args: ["--topology", join(ROOT, "examples/reference.yaml")] });
    az = await azLogin(srv.info);
    tmp = mkdtempSync(join(tmpdir(), "deploy-agents-"));
  }, T);
  after(async () => {
    az?.cleanup();
    await srv?.stop();
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  it("predicts the servers that lose private access, and deploying it refuses exactly those", T, async () => {
    const rg = "rg-arc-private-link";
    // The servers' agents, connected to the first scope, heartbeat privately before anything changes.
    const agents: Record<string, Record<string, string>> = {};
    for (const host of ["srv-lnx-01", "srv-win-01"]) {
      agents[host] = await hostEnv(srv, tmp, host);
      const c = await runAgent(
        connectArgs(srv, host, "eastus", ["--private-link-scope", scopeIdOf(srv, "pls-arc")]),
        agents[host],
      );
      assert.equal(c.code, 0, `${host} connect: ${c.all}`);
      const hb = await runAgent(["__heartbeat"], agents[host]);
      assert.equal(hb.code, 0, `${host} heartbeat before: ${hb.all}`);
    }
    const w = await ok(az, deployGroup("what-if", rg, "scope2", "second-scope.json", "--no-pretty-print"));
    assert.deepEqual(
      w.changes
        .filter((c: any) => c.changeType === "Create")
        .map((c: any) => c.resourceId.split("/").slice(-2).join("/")),
      ["privateLinkScopes/pls-arc-2", "privateEndpoints/pe-pls-arc-2", "privateDnsZoneGroups/default"],
    );
    // ArcLink's addition to the what-if result (clients ignore it): which machines' verdicts change.
    const info = srv.info;
    const base = `/subscriptions/${info.subscriptionId}/resourceGroups/${rg}/providers/Microsoft.Resources/deployments/scope2`;
    const template = JSON.parse(readFileSync(tpl("second-scope.json"), "utf8").replace(/^\s*\/\/.*$/gm, ""));
    const raw = await arm(info, "POST", `${base}/whatIf?api-version=2021-04-01`, {
      properties: { mode: "Incremental", template },
    });
    assert.equal(raw.status, 200, raw.text);
    const predicted = raw.json.arclink.verdictChanges as any[];
    assert.deepEqual([...new Set(predicted.map((c) => c.host))], ["srv-lnx-01", "srv-win-01"]);
    assert.ok(predicted.every((c) => c.before.verdict === "private" && c.after.verdict === "refused"));
    assert.ok(
      predicted.every((c) => c.after.reason === "MachineAssociatedWithAnotherScope" && c.after.trace.length),
    );
    assert.ok(raw.json.arclink.findings.added.some((f: any) => f.ruleId === "two-scopes-one-vnet"));
    // The same prediction from `arclink what-if --template`, with a parameters file; exit 1: something becomes refused.
    const cli = await arclink([
      "what-if",
      "--ready-file",
      srv.readyFile,
      "--template",
      tpl("second-scope.json"),
      "--parameters",
      tpl("second-scope.parameters.json"),
      "--resource-group",
      rg,
    ]);
    assert.equal(cli.code, 1, cli.stderr + cli.stdout);
    assert.match(cli.stdout, /\+ Create \/subscriptions\/.*\/privateEndpoints\/pe-pls-arc-2/);
    assert.match(
      cli.stdout,
      /srv-win-01 \[srv-win-01\] gbl\.his\.arc\.azure\.com: private .* → refused MachineAssociatedWithAnotherScope/,
    );
    // What-if wrote nothing: the servers still connect privately.
    const check = async () =>
      (
        await arm(
          info,
          "POST",
          `/subscriptions/${info.subscriptionId}/providers/ArcLink.Lab/check?api-version=2025-01-01`,
          {},
        )
      ).json.value as any[];
    const refusedNow = (await check()).filter((h) =>
      h.endpoints.some(
        (e: any) => e.verdict === "refused" && e.reason === "MachineAssociatedWithAnotherScope",
      ),
    );
    assert.deepEqual(refusedNow, []);
    // Deploy it: the same servers are refused, for the reason what-if gave.
    const d = await ok(az, deployGroup("create", rg, "scope2", "second-scope.json"));
    assert.equal(d.properties.provisioningState, "Succeeded");
    const after = await check();
    for (const c of predicted) {
      const h = after.find((x) => x.host === c.host)!;
      const e = h.endpoints.find((x: any) => x.endpoint === c.endpoint);
      assert.equal(e.verdict, "refused", `${c.host} ${c.endpoint}`);
      assert.equal(e.reason, c.after.reason);
    }
    const refusedAfter = after
      .filter((h) => h.endpoints.some((e: any) => e.reason === "MachineAssociatedWithAnotherScope"))
      .map((h) => h.host);
    assert.deepEqual(refusedAfter, ["srv-lnx-01", "srv-win-01"]);
    // The agents now: refused, for the reason what-if predicted.
    for (const host of ["srv-lnx-01", "srv-win-01"]) {
      const hb = await runAgent(["__heartbeat"], agents[host]);
      assert.equal(hb.code, 26, `${host} heartbeat after: ${hb.all}`);
      assert.match(
        hb.stdout,
        new RegExp(
          `Heartbeat refused by https://[\\w.-]+: MachineAssociatedWithAnotherScope: machine ${host} is associated with scope pls-arc, not pls-arc-2`,
        ),
        hb.all,
      );
    }
  });
});
