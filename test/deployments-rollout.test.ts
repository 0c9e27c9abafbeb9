// The seed's whole rollout deployed through Debian's az 2.45, once as a classic template
// (rollout.json) and once as the symbolic-name template Bicep emits (rollout-symbolic.json), each
// with its site-to-site VPN (public IP, VPN gateway, local network gateway, connection), onto the
// on-premises half of the reference topology. Afterwards every on-premises server's verdicts, as
// `arclink check` computes them, are those of the reference topology (where the VPN is a site
// connection and the Azure side comes from the topology file).
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { arm } from "./helpers/arm.js";
import { AzSession, azLogin, describeAz } from "./helpers/az.js";
import { Ready, ROOT, startServer, TestServer } from "./helpers/server.js";

const T = { timeout: 600_000 };
const RG = "rg-arc-private-link";
const tpl = (name: string) => join(ROOT, "test/fixtures/templates", name);
const SERVERS = ["srv-win-01", "srv-lnx-01", "srv-lnx-02"];

async function ok(az: AzSession, args: string[]): Promise<any> {
  const r = await az.run(args);
  assert.equal(r.code, 0, describeAz(args, r));
  return r.json;
}

/** Every on-premises server's endpoints as "host endpoint verdict reason", from ArcLink.Lab/check. */
async function verdicts(info: Ready): Promise<string[]> {
  const r = await arm(
    info,
    "POST",
    `/subscriptions/${info.subscriptionId}/providers/ArcLink.Lab/check?api-version=2025-01-01`,
    {},
  );
  assert.equal(r.status, 200, r.text);
  return (r.json.value as any[])
    .filter((h) => SERVERS.includes(h.host))
    .flatMap((h) =>
      (h.endpoints as any[]).map(
        (e) => `${h.host} ${e.endpoint} ${e.verdict}${e.reason ? ` ${e.reason}` : ""}`,
      ),
    )
    .sort();
}

/** The reference's Arc machines, associated with the deployed scope (as the topology creates them). */
async function createMachines(info: Ready): Promise<void> {
  const rg = `/subscriptions/${info.subscriptionId}/resourceGroups/${RG}`;
  for (const [name, os] of [
    ["srv-win-01", "windows"],
    ["srv-lnx-01", "linux"],
    ["srv-lnx-02", "linux"],
  ]) {
    const r = await arm(
      info,
      "PUT",
      `${rg}/providers/Microsoft.HybridCompute/machines/${name}?api-version=2024-07-10`,
      {
        location: "eastus",
        properties: {
          privateLinkScopeResourceId: `${rg}/providers/Microsoft.HybridCompute/privateLinkScopes/pls-arc`,
          osType: os,
        },
      },
    );
    assert.ok(r.status === 200 || r.status === 201, r.text);
  }
}

let reference: string[];

describe("the whole rollout through az deployment group, verdicts as with the reference topology", () => {
  before(async () => {
    const srv = await startServer({ args: ["--topology", join(ROOT, "examples/reference.yaml")] });
    try {
      reference = await verdicts(srv.info);
    } finally {
      await srv.stop();
    }
    // What the reference shows: dc01's servers private, srv-lnx-02 (public resolver) refused.
    assert.ok(reference.includes("srv-win-01 gbl.his.arc.azure.com private"), reference.join("\n"));
    assert.ok(reference.includes("srv-lnx-01 eus.his.arc.azure.com private"), reference.join("\n"));
    assert.ok(
      reference.some((v) => v.startsWith("srv-lnx-02 gbl.his.arc.azure.com ") && !v.endsWith(" private")),
      reference.join("\n"),
    );
  }, T);

  for (const [label, file, resources] of [
    ["a classic template (rollout.json)", "rollout.json", 17],
    ["the symbolic-name template Bicep emits (languageVersion 2.0)", "rollout-symbolic.json", 17],
  ] as const) {
    describe(label, () => {
      let srv: TestServer;
      let az: AzSession;
      before(async () => {
        srv = await startServer({ args: ["--topology", join(ROOT, "test/fixtures/reference-onprem.yaml")] });
        az = await azLogin(srv.info);
      }, T);
      after(async () => {
        az?.cleanup();
        await srv?.stop();
      });

      it("what-if lists every resource as Create, with the VPN; create deploys them all", T, async () => {
        const args = [
          "deployment",
          "group",
          "what-if",
          "-g",
          RG,
          "-n",
          "rollout",
          "--template-file",
          tpl(file),
          "--parameters",
          "onPremisesGatewayAddress=198.51.100.7",
          "vpnSharedKey=s3cret-psk",
        ];
        const w = await ok(az, [...args, "--no-pretty-print"]);
        const created = w.changes
          .filter((c: any) => c.changeType === "Create")
          .map((c: any) => c.resourceId.split("/providers/")[1].split("/").slice(1, 3).join("/"));
        assert.equal(created.length, resources, created.join("\n"));
        for (const t of [
          "virtualNetworkGateways/vgw-vnet-hub",
          "localNetworkGateways/lgw-onprem",
          "connections/cn-onprem-to-hub",
          "publicIPAddresses/pip-vgw-vnet-hub",
          "dnsResolvers/dnspr-hub",
          "privateLinkScopes/pls-arc",
        ])
          assert.ok(created.includes(t), `${t} in ${created.join(", ")}`);
        // Nothing was written by what-if: no server reaches anything privately.
        const before = await verdicts(srv.info);
        assert.ok(before.length && before.every((v) => !v.endsWith(" private")), before.join("\n"));

        const d = await ok(az, ["deployment", "group", "create", ...args.slice(3)]);
        assert.equal(d.properties.provisioningState, "Succeeded");
        assert.equal(d.properties.outputResources.length, resources);
        assert.equal(d.properties.outputs.inboundAddress.value, "10.10.2.4");
        if (d.properties.outputs.connectionStatus)
          assert.equal(d.properties.outputs.connectionStatus.value, "Connected");
        // (Debian's az 2.45 lacks the network SDK version `az network vpn-connection` loads.)
        const cn = await ok(az, [
          "resource",
          "show",
          "-g",
          RG,
          "-n",
          "cn-onprem-to-hub",
          "--resource-type",
          "Microsoft.Network/connections",
        ]);
        assert.equal(cn.properties.connectionStatus, "Connected");
        assert.equal(cn.properties.connectionType, "IPsec");
        const ops = await ok(az, ["deployment", "operation", "group", "list", "-g", RG, "-n", "rollout"]);
        assert.equal(ops.length, resources);
      });

      it(
        "the on-premises servers' verdicts are the reference topology's, endpoint by endpoint",
        T,
        async () => {
          await createMachines(srv.info);
          const v = await verdicts(srv.info);
          assert.deepEqual(v, reference);
        },
      );
    });
  }
});
