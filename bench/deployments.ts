// Deployments at scale: one template of N record sets (copy loops) deployed and what-if'd
// through the ARM API, against the same N zones created one PUT at a time (the peer, same
// server, same run). Prints a table, then one JSON result line.
//   node dist/bench/deployments.js [--resources 1000]
import { cpus, loadavg } from "node:os";
import { armClient, token } from "../test/helpers/arm.js";
import { removeDataDir, startServer } from "../test/helpers/server.js";

const arg = (name: string, dflt: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : dflt;
};
const N = Number(arg("resources", "1000"));

// A zone and N A record sets in it (a subscription holds at most 1,000 zones); Azure caps a copy
// loop at 800, so the records are two loops of N/2.
const template = (zone: string) => ({
  $schema: "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
  contentVersion: "1.0.0.0",
  parameters: { count: { type: "int" } },
  resources: [
    { type: "Microsoft.Network/privateDnsZones", apiVersion: "2020-06-01", name: zone, location: "global" },
    ...[0, 1].map((i) => ({
      type: "Microsoft.Network/privateDnsZones/A",
      apiVersion: "2020-06-01",
      name: i
        ? `[format('${zone}/r{0}', add(copyIndex(), div(parameters('count'), 2)))]`
        : `[format('${zone}/r{0}', copyIndex())]`,
      dependsOn: [zone],
      copy: {
        name: `records${i}`,
        count: i
          ? "[sub(parameters('count'), div(parameters('count'), 2))]"
          : "[div(parameters('count'), 2)]",
      },
      properties: {
        ttl: 300,
        aRecords: [
          {
            ipv4Address:
              "[format('10.{0}.{1}.{2}', add(1, mod(div(copyIndex(), 250), 250)), mod(copyIndex(), 250), " +
              (i + 1) +
              ")]",
          },
        ],
      },
    })),
  ],
});

async function main(): Promise<void> {
  const srv = await startServer();
  const info = srv.info;
  const c = armClient(info, await token(info), 8, 600_000);
  try {
    const sub = `/subscriptions/${info.subscriptionId}`;
    for (const g of ["rg-deploy", "rg-puts"])
      await c.call("PUT", `${sub}/resourceGroups/${g}?api-version=2021-04-01`, { location: "eastus" });
    const body = {
      properties: {
        mode: "Incremental",
        template: template("deploy.internal"),
        parameters: { count: { value: N } },
      },
    };
    const dep = `${sub}/resourceGroups/rg-deploy/providers/Microsoft.Resources/deployments/bench`;

    let t = performance.now();
    const w1 = await c.call("POST", `${dep}/whatIf?api-version=2021-04-01`, body);
    const whatIfEmptyMs = performance.now() - t;
    if (w1.status !== 200) throw new Error(`whatIf: ${w1.status} ${w1.text.slice(0, 300)}`);

    t = performance.now();
    const d = await c.call("PUT", `${dep}?api-version=2021-04-01`, body);
    const deployMs = performance.now() - t;
    if (d.status !== 201 || d.json.properties.provisioningState !== "Succeeded")
      throw new Error(`deploy: ${d.status} ${d.text.slice(0, 300)}`);

    t = performance.now();
    const w2 = await c.call("POST", `${dep}/whatIf?api-version=2021-04-01`, body);
    const whatIfDeployedMs = performance.now() - t;
    if (w2.status !== 200) throw new Error(`whatIf: ${w2.status}`);

    // The peer: the same records, one PUT each, sequential as the deployment writes them.
    const zone = `${sub}/resourceGroups/rg-puts/providers/Microsoft.Network/privateDnsZones/puts.internal`;
    await c.call("PUT", `${zone}?api-version=2020-06-01`, { location: "global" });
    t = performance.now();
    for (let i = 0; i < N; i++) {
      const r = await c.call("PUT", `${zone}/A/r${i}?api-version=2020-06-01`, {
        properties: {
          ttl: 300,
          aRecords: [{ ipv4Address: `10.${1 + (Math.floor(i / 250) % 250)}.${i % 250}.9` }],
        },
      });
      if (r.status !== 201) throw new Error(`PUT ${i}: ${r.status} ${r.text.slice(0, 200)}`);
    }
    const putsMs = performance.now() - t;

    const rows = [
      ["deployment (copy loop)", deployMs],
      ["what-if, nothing deployed", whatIfEmptyMs],
      ["what-if, all deployed", whatIfDeployedMs],
      [`${N} PUTs, one at a time`, putsMs],
    ] as const;
    process.stdout.write(
      `deployments: ${N} resources, ${cpus().length} CPUs, load ${loadavg()[0].toFixed(2)}\n`,
    );
    for (const [what, ms] of rows)
      process.stdout.write(
        `  ${what.padEnd(28)} ${(ms / 1000).toFixed(2).padStart(8)} s  ${((N * 1000) / ms).toFixed(0).padStart(6)} resources/s\n`,
      );
    const result = {
      name: "deployments",
      resources: N,
      deployMs: Math.round(deployMs),
      whatIfEmptyMs: Math.round(whatIfEmptyMs),
      whatIfDeployedMs: Math.round(whatIfDeployedMs),
      putsMs: Math.round(putsMs),
      deployPerSecond: Math.round((N * 1000) / deployMs),
      ratio: Number((putsMs / deployMs).toFixed(2)),
    };
    process.stdout.write(JSON.stringify(result) + "\n");
  } finally {
    c.close();
    await srv.stop();
    removeDataDir(srv.dataDir);
  }
}

main().catch((e) => {
  process.stderr.write(`${(e as Error).stack ?? e}\n`);
  process.exit(1);
});
