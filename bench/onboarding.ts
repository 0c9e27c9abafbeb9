// Onboarding throughput and the heartbeat load of a fleet, in-process, against a real World built
// from a generated topology (applied through the ARM handler, as `arclink serve --topology` does).
//
//   node dist/bench/onboarding.js [--hosts 1000,10000] [--store sqlite|memory] [--sample 1000]
//                                 [--max-minutes 60]
//
// For each fleet size N:
//   onboard     onboardHosts() for every host, as `arclink serve --topology` does at start: each
//               host's DNS → route → filter → admission for its regional HIS, then the writes that
//               mark the admitted machines Connected, committed together. Figure: machines onboarded per second.
//   heartbeat   one round of N heartbeats to the regional HIS: the host's DNS answer, connect()
//               (route + filter), admit() for the machine its credential names, then recordCheckIn()
//               through the Writer (one write each), as the gateway does minus HTTP and the token
//               check. Figure: CPU seconds per round, and that ÷ 300 s as the share of one core at
//               Arc's 5-minute cadence.
//   peer        the same N writes through the Writer, without the network path. Ratios: onboard
//               and heartbeat CPU ÷ peer CPU ("network evaluation overhead ×").
//   breakdown   per-call cost of each step on a sample of hosts (machineOfHost, which onboarding
//               and checkEndpoint use to find a host's machine; DNS; connect; admit; checkEndpoint;
//               the write), and compileModel(): what every world change costs the next reader of
//               NetworkService.model()/resolver() (the gateway, the DNS listeners' cache misses).
//   gateway     50 heartbeats that take NetworkService.resolver() per call, as the gateway does: each
//               follows a write, so each pays a model recompile (the heartbeat round above reuses one).
// See bench/README.md ("Onboarding and heartbeats").
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { stringify } from "yaml";
import { createHash } from "node:crypto";
import { checkEndpoint, CheckContext } from "../src/analysis/check.js";
import { machineOfHost } from "../src/analysis/hostMachine.js";
import { onboardHosts } from "../src/analysis/onboard.js";
import { hisCode } from "../src/core/arcEndpoints.js";
import { ArmServices } from "../src/engine/context.js";
import { createServices } from "../src/engine/services.js";
import { Defaults, ensureDirectory, SIGNING_KEY_ID } from "../src/identity/directory.js";
import { admit } from "../src/network/admit.js";
import { connect } from "../src/network/connect.js";
import { compileModel, HostModel } from "../src/network/model.js";
import { addressesOf, Resolver } from "../src/network/resolve.js";
import { NetworkService } from "../src/network/service.js";
import { ServiceTags } from "../src/network/serviceTags.js";
import { recordCheckIn } from "../src/providers/hybridcompute/machineStatus.js";
import { deploymentWhatIfSupport } from "../src/analysis/deploymentWhatIf.js";
import { ARM_EVALUATORS } from "../src/server/app.js";
import { applyTopology } from "../src/server/topologyAtStart.js";
import { MemoryStore } from "../src/store/memory.js";
import { SqliteStore } from "../src/store/sqlite.js";
import { Store } from "../src/store/store.js";
import { World } from "../src/world/world.js";
import { Writer } from "../src/world/writer.js";
import { boundHeapGrowth } from "../src/server/heapGrowth.js";

const HOSTS_PER_SITE = 1000;

// ---------- the topology ------------------------------------------------------------------------

/**
 * The reference rollout at fleet size: a hub VNet with an Arc Private Link Scope (public access
 * Disabled), its private endpoint and zone group, the three privatelink zones linked to the hub,
 * a DNS Private Resolver inbound endpoint; one on-premises site per 1,000 hosts, each connected by
 * VPN, with a DNS server that forwards the Arc zones to the inbound endpoint and a firewall that
 * allows DNS, Entra ID, ARM and the private endpoint subnet; N Linux hosts using their site's DNS
 * server, and N machines in eastus associated with the scope.
 */
export function fleetTopology(hosts: number): string {
  const sites = Math.ceil(hosts / HOSTS_PER_SITE);
  if (sites > 64) throw new Error(`at most ${64 * HOSTS_PER_SITE} hosts`);
  const arcZones = [
    "his.arc.azure.com",
    "guestconfiguration.azure.com",
    "dp.kubernetesconfiguration.azure.com",
  ];
  const t = {
    description: `Onboarding benchmark: ${hosts} Arc machines behind ${sites} sites, over a Private Link Scope`,
    resourceGroups: [{ name: "rg-fleet", location: "eastus" }],
    virtualNetworks: [
      {
        name: "vnet-hub",
        addressPrefixes: ["10.10.0.0/16"],
        subnets: [
          {
            name: "snet-private-endpoints",
            addressPrefix: "10.10.1.0/24",
            privateEndpointNetworkPolicies: "Disabled",
          },
          {
            name: "snet-dns-inbound",
            addressPrefix: "10.10.2.0/28",
            delegation: "Microsoft.Network/dnsResolvers",
          },
        ],
      },
    ],
    privateLinkScopes: [{ name: "pls-arc", location: "eastus", publicNetworkAccess: "Disabled" }],
    privateDnsZones: arcZones.map((z) => ({
      name: `privatelink.${z}`,
      virtualNetworkLinks: [{ virtualNetwork: "vnet-hub" }],
    })),
    privateEndpoints: [
      {
        name: "pe-arc",
        subnet: "vnet-hub/snet-private-endpoints",
        privateLinkScope: "pls-arc",
        privateDnsZoneGroup: { name: "default", zones: arcZones.map((z) => `privatelink.${z}`) },
      },
    ],
    dnsResolvers: [
      {
        name: "dnspr-hub",
        virtualNetwork: "vnet-hub",
        inboundEndpoints: [{ name: "inbound", subnet: "snet-dns-inbound", privateIPAddress: "10.10.2.4" }],
      },
    ],
    sites: Array.from({ length: sites }, (_, s) => ({
      name: `site-${s}`,
      addressPrefixes: [`172.${16 + (s >> 2)}.${(s & 3) * 64}.0/18`],
    })),
    siteConnections: Array.from({ length: sites }, (_, s) => ({
      name: `site-${s}-vpn`,
      site: `site-${s}`,
      virtualNetwork: "vnet-hub",
      type: "Vpn",
    })),
    dnsServers: Array.from({ length: sites }, (_, s) => ({
      name: `dc-${s}`,
      site: `site-${s}`,
      ipAddress: siteIp(s, 10),
      conditionalForwarders: arcZones.map((domain) => ({ domain, targets: ["dnspr-hub/inbound"] })),
      recursion: true,
    })),
    firewalls: Array.from({ length: sites }, (_, s) => ({
      name: `fw-${s}`,
      site: `site-${s}`,
      defaultAction: "Deny",
      rules: [
        {
          name: "AllowDns",
          priority: 100,
          action: "Allow",
          protocol: "Any",
          destinationAddresses: ["*"],
          destinationPorts: ["53"],
        },
        {
          name: "AllowEntraId",
          priority: 150,
          action: "Allow",
          protocol: "Tcp",
          destinationAddresses: ["AzureActiveDirectory"],
          destinationPorts: ["443"],
        },
        {
          name: "AllowArm",
          priority: 151,
          action: "Allow",
          protocol: "Tcp",
          destinationAddresses: ["AzureResourceManager"],
          destinationPorts: ["443"],
        },
        {
          name: "AllowPrivateEndpoints",
          priority: 200,
          action: "Allow",
          protocol: "Tcp",
          destinationAddresses: ["10.10.1.0/24"],
          destinationPorts: ["443"],
        },
      ],
    })),
    hosts: Array.from({ length: hosts }, (_, i) => ({
      name: hostName(i),
      site: `site-${Math.floor(i / HOSTS_PER_SITE)}`,
      ipAddress: siteIp(Math.floor(i / HOSTS_PER_SITE), 100 + (i % HOSTS_PER_SITE)),
      os: "Linux",
      dnsServers: [`dc-${Math.floor(i / HOSTS_PER_SITE)}`],
    })),
    machines: Array.from({ length: hosts }, (_, i) => ({
      name: hostName(i),
      location: "eastus",
      privateLinkScope: "pls-arc",
    })),
  };
  return "# Generated by bench/onboarding.ts\n" + stringify(t);
}

const hostName = (i: number) => `srv-${String(i).padStart(5, "0")}`;

/** The n-th address of site s's /18: 250 per /24 from its second /24 on, never .0 or .255. */
function siteIp(s: number, n: number): string {
  return `172.${16 + (s >> 2)}.${(s & 3) * 64 + 1 + Math.floor(n / 250)}.${1 + (n % 250)}`;
}

// ---------- ArcLink in-process -------------------------------------------------------------------

export interface InProcess {
  services: ArmServices;
  defaults: Defaults;
  network: NetworkService;
  world: World;
  writer: Writer;
  store: Store;
  close(): Promise<void>;
}

/** The composition root of src/server/app.ts without the HTTPS server and the listeners. */
export async function inProcessArcLink(
  dataDir: string,
  storeKind: "sqlite" | "memory" | Store,
  writerOpts: { maxGroup?: number } = {},
): Promise<InProcess> {
  // As startArcLink does: the served process's heap policy (ARCLINK_HEAP_GROWTH overrides, 0 = V8's own).
  boundHeapGrowth(process.env.ARCLINK_HEAP_GROWTH ? Number(process.env.ARCLINK_HEAP_GROWTH) : undefined);
  const store: Store =
    typeof storeKind !== "string"
      ? storeKind
      : storeKind === "sqlite"
        ? new SqliteStore(join(dataDir, "arclink.db"))
        : new MemoryStore();
  const world = new World();
  const loaded = await store.loadAll();
  world.load(loaded.resources, loaded.seq);
  const writer = new Writer(store, world, writerOpts);
  const defaults = await ensureDirectory(writer, world);
  const opKey = createHash("sha256")
    .update(JSON.stringify(world.get(SIGNING_KEY_ID)!.body.jwk))
    .digest();
  const services = createServices({
    world,
    writer,
    operationsKey: opKey,
    caCertPath: join(dataDir, "ca.pem"),
    evaluators: ARM_EVALUATORS,
    whatIf: deploymentWhatIfSupport,
  });
  const network = services.network;
  return {
    services,
    defaults,
    network,
    world,
    writer,
    store,
    close: async () => {
      await writer.run(() => undefined);
      await store.close();
    },
  };
}

// ---------- a heartbeat ----------

const MACHINE_TYPE = "Microsoft.HybridCompute/machines";

/**
 * The network side of one heartbeat to the regional HIS, as the agent and the gateway do it: the
 * host resolves the name with its DNS, the connection is routed and filtered, and HIS admits the
 * call for the machine its credential names (src/frontends/gateway: dial → ArcServices.heartbeat).
 */
function heartbeatAdmitted(c: CheckContext, h: HostModel, serverName: string, machineId: string): boolean {
  const ip = addressesOf(c.resolver.resolveForHost(h.key, serverName, "A"))[0];
  if (!ip) return false;
  const conn = connect(c.resolver.model, c.resolver, h, ip, 443, { serverName });
  if (!conn.ok) return false;
  const machine = c.view.get(machineId);
  return admit(c.view, {
    serverName,
    endpoint: conn.endpoint!,
    purpose: "heartbeat",
    machine,
    agentVersion: machine?.body.properties?.agentVersion,
    now: c.now,
    propagationDelayMs: c.propagationDelayMs,
  }).admitted;
}

// ---------- measuring ----------------------------------------------------------------------------

interface Cost {
  wallS: number;
  cpuS: number;
}

async function measure(fn: () => Promise<void> | void): Promise<Cost> {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  await fn();
  const c = process.cpuUsage(c0);
  return { wallS: (performance.now() - t0) / 1000, cpuS: (c.user + c.system) / 1e6 };
}

/** Median microseconds of `fn` over the sample (each call timed on its own). */
function perCallUs<T>(sample: T[], fn: (x: T) => unknown): number {
  const ts: number[] = [];
  for (const x of sample) {
    const t0 = performance.now();
    fn(x);
    ts.push((performance.now() - t0) * 1000);
  }
  ts.sort((a, b) => a - b);
  return ts[Math.floor(ts.length / 2)];
}

let deadline = Number.POSITIVE_INFINITY;
function checkDeadline(what: string): void {
  if (Date.now() > deadline) throw new Error(`--max-minutes reached during ${what}: stopped`);
}

function flagText(name: string, dflt: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i < 0 ? dflt : process.argv[i + 1];
}

interface SizeResult {
  hosts: number;
  setup: Cost & { resources: number };
  onboard: Cost & { connected: number; perSecond: number; cpuUsPerMachine: number };
  heartbeat: Cost & { admitted: number; cpuUsPerHeartbeat: number; coreShareAt5Min: number };
  peer: Cost & { cpuUsPerWrite: number };
  onboardOverhead: number;
  heartbeatOverhead: number;
  breakdownUs: Record<string, number>;
  compileModelMs: number;
  /** CPU µs of one heartbeat that fetches the resolver per call (model recompiled after each write). */
  gatewayHeartbeatCpuUs: number;
}

async function runSize(
  hosts: number,
  storeKind: "sqlite" | "memory",
  sampleSize: number,
): Promise<SizeResult> {
  const dir = mkdtempSync(join(tmpdir(), "arclink-onboardbench-"));
  const log = (s: string) => process.stderr.write(`[${hosts}] ${s}\n`);
  const arc = await inProcessArcLink(dir, storeKind);
  try {
    const file = join(dir, "fleet.yaml");
    writeFileSync(file, fleetTopology(hosts));
    const setup = await measure(async () => {
      await applyTopology(arc.services, arc.defaults, file, "https://127.0.0.1:0");
    });
    log(`topology applied: ${arc.world.size} resources in ${setup.wallS.toFixed(1)} s`);
    const model = arc.network.model();
    const hostList: HostModel[] = [...model.hosts.values()];
    if (hostList.length !== hosts)
      throw new Error(`the model has ${hostList.length} hosts, expected ${hosts}`);
    const settings = arc.services.settings();
    // Captured once, as src/server/app.ts does for the hosts of a topology at start.
    const ctx = (): CheckContext => ({
      view: arc.world,
      resolver: arc.network.resolver(),
      now: arc.services.clock.now(),
      propagationDelayMs: settings.propagationDelayMs,
    });

    // 1. Onboarding: every host's machine, through DNS → route → filter → admission → write.
    let connected = 0;
    const c1 = ctx();
    const onboard = await measure(async () => {
      for (let i = 0; i < hostList.length; i += 1000) {
        const done = await onboardHosts(c1, arc.writer, hostList.slice(i, i + 1000));
        connected += done.filter((o) => o.connected).length;
        log(`  onboarded ${Math.min(i + 1000, hostList.length)}`);
        checkDeadline("onboarding");
      }
    });
    log(
      `onboarded ${connected}/${hosts} in ${onboard.wallS.toFixed(2)} s (${onboard.cpuS.toFixed(2)} s CPU)`,
    );
    if (connected !== hosts)
      throw new Error(`only ${connected} of ${hosts} machines were admitted: the topology is wrong`);

    // 2. One heartbeat round: the regional HIS admission path + one write per machine. The agent's
    // machine credential names its machine, so (as in the gateway) the machine is found by id.
    const c2 = ctx();
    const his = `${hisCode("eastus")}.his.arc.azure.com`;
    const machineOfKey = new Map<string, string>();
    for (const m of arc.world.ofType(MACHINE_TYPE))
      machineOfKey.set(String(m.body._arclink?.hostId ?? "").toLowerCase(), m.id);
    let admitted = 0;
    const heartbeat = await measure(async () => {
      for (const h of hostList) {
        const id = machineOfKey.get(h.key)!;
        if (!heartbeatAdmitted(c2, h, his, id)) continue;
        admitted++;
        const now = arc.services.clock.now().toISOString();
        await arc.writer.run((tx) => recordCheckIn(tx, id, now, { agentVersion: "1.45" }));
        if (admitted % 1000 === 0) checkDeadline("the heartbeat round");
      }
    });
    log(`heartbeat round: ${admitted}/${hosts} admitted, ${heartbeat.cpuS.toFixed(2)} s CPU`);
    if (admitted !== hosts) throw new Error(`only ${admitted} of ${hosts} heartbeats were admitted`);

    // 3. The peer: the same number of writes, without the network path.
    const machineIds = arc.world.ofType("Microsoft.HybridCompute/machines").map((m) => m.id);
    const peer = await measure(async () => {
      for (const id of machineIds) {
        const now = arc.services.clock.now().toISOString();
        await arc.writer.run((tx) => recordCheckIn(tx, id, now, { agentVersion: "1.45" }));
      }
    });
    log(`peer: ${machineIds.length} plain writes, ${peer.cpuS.toFixed(2)} s CPU`);

    // 4. Where a heartbeat's time goes, per call, on a sample of hosts.
    const step = Math.max(1, Math.floor(hosts / sampleSize));
    const sample = hostList.filter((_, i) => i % step === 0).slice(0, sampleSize);
    const c4 = ctx();
    const m4 = arc.network.model();
    const machineOf = new Map(sample.map((h) => [h.key, machineOfHost(c4.view, h)!]));
    const pe = [...m4.privateEndpoints.values()][0];
    const ip = pe ? undefined : "10.10.1.5";
    const dnsIp = (h: HostModel) => c4.resolver.resolveForHost(h.key, his, "A");
    const target = (h: HostModel) => {
      const a = dnsIp(h);
      return a.answers.find((r) => r.type === "A")?.data ?? ip ?? "0.0.0.0";
    };
    const conn = new Map(
      sample.map((h) => [h.key, connect(m4, c4.resolver, h, String(target(h)), 443, { serverName: his })]),
    );
    const breakdownUs: Record<string, number> = {
      machineOfHost: perCallUs(sample, (h) => machineOfHost(c4.view, h)),
      dnsResolveForHost: perCallUs(sample, (h) => dnsIp(h)),
      connect: perCallUs(sample, (h) =>
        connect(m4, c4.resolver, h, String(target(h)), 443, { serverName: his }),
      ),
      admit: perCallUs(sample, (h) =>
        admit(c4.view, {
          serverName: his,
          endpoint: conn.get(h.key)!.endpoint!,
          purpose: "heartbeat",
          machine: machineOf.get(h.key),
          agentVersion: "1.45",
          now: c4.now,
          propagationDelayMs: c4.propagationDelayMs,
        }),
      ),
      checkEndpoint: perCallUs(sample, (h) => checkEndpoint(c4, h, his)),
    };
    const writeTimes: number[] = [];
    for (const h of sample.slice(0, 200)) {
      const id = machineOf.get(h.key)!.id;
      const t0 = performance.now();
      await arc.writer.run((tx) => recordCheckIn(tx, id, new Date().toISOString()));
      writeTimes.push((performance.now() - t0) * 1000);
    }
    writeTimes.sort((a, b) => a - b);
    breakdownUs.write = writeTimes[Math.floor(writeTimes.length / 2)];
    const compiles: number[] = [];
    for (let i = 0; i < 3; i++) {
      const t0 = performance.now();
      const m = compileModel(arc.world, ServiceTags.default());
      void new Resolver(m);
      compiles.push(performance.now() - t0);
    }
    const compileModelMs = compiles.sort((a, b) => a - b)[1];

    // 5. Heartbeats as the gateway makes them: the resolver taken from NetworkService per call.
    const gatewaySample = hostList.slice(0, 50);
    const gw = await measure(async () => {
      for (const h of gatewaySample) {
        const id = machineOfKey.get(h.key)!;
        if (!heartbeatAdmitted({ ...c4, resolver: arc.network.resolver() }, h, his, id))
          throw new Error(`gateway-style heartbeat of ${h.name} refused`);
        await arc.writer.run((tx) => recordCheckIn(tx, id, new Date().toISOString()));
      }
    });
    const gatewayHeartbeatCpuUs = (gw.cpuS * 1e6) / gatewaySample.length;
    log(
      `breakdown µs: ${JSON.stringify(breakdownUs)}; compileModel ${compileModelMs.toFixed(0)} ms; gateway-style heartbeat ${gatewayHeartbeatCpuUs.toFixed(0)} µs CPU`,
    );

    return {
      hosts,
      setup: { ...setup, resources: arc.world.size },
      onboard: {
        ...onboard,
        connected,
        perSecond: hosts / onboard.wallS,
        cpuUsPerMachine: (onboard.cpuS * 1e6) / hosts,
      },
      heartbeat: {
        ...heartbeat,
        admitted,
        cpuUsPerHeartbeat: (heartbeat.cpuS * 1e6) / hosts,
        coreShareAt5Min: heartbeat.cpuS / 300,
      },
      peer: { ...peer, cpuUsPerWrite: (peer.cpuS * 1e6) / machineIds.length },
      onboardOverhead: onboard.cpuS / peer.cpuS,
      heartbeatOverhead: heartbeat.cpuS / peer.cpuS,
      breakdownUs,
      compileModelMs,
      gatewayHeartbeatCpuUs,
    };
  } finally {
    await arc.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const sizes = flagText("hosts", "1000,10000")
    .split(",")
    .map((s) => Number(s));
  if (sizes.some((n) => !Number.isInteger(n) || n < 1 || n > 64 * HOSTS_PER_SITE))
    throw new Error(`--hosts: whole numbers between 1 and ${64 * HOSTS_PER_SITE}, comma-separated`);
  const storeKind = flagText("store", "sqlite");
  if (storeKind !== "sqlite" && storeKind !== "memory") throw new Error("--store must be sqlite or memory");
  const sampleSize = Number(flagText("sample", "1000"));
  deadline = Date.now() + Number(flagText("max-minutes", "60")) * 60_000;
  const load0 = loadavg()[0];
  process.stderr.write(`${cpus().length} CPUs, load average ${load0.toFixed(2)}, store ${storeKind}\n`);
  const results: SizeResult[] = [];
  for (const n of sizes) results.push(await runSize(n, storeKind, sampleSize));

  const f = (x: number, d = 2) => x.toFixed(d);
  const lines = [
    `| hosts | onboarded/s | onboard CPU µs/machine | heartbeat round CPU s | % of one core at 5 min | heartbeat CPU µs | plain write CPU µs | onboard overhead × | heartbeat overhead × |`,
    "|---|---|---|---|---|---|---|---|---|",
    ...results.map(
      (r) =>
        `| ${r.hosts} | ${f(r.onboard.perSecond, 0)} | ${f(r.onboard.cpuUsPerMachine, 0)} | ${f(r.heartbeat.cpuS)} | ${f(r.heartbeat.coreShareAt5Min * 100, 3)} % | ${f(r.heartbeat.cpuUsPerHeartbeat, 0)} | ${f(r.peer.cpuUsPerWrite, 0)} | ${f(r.onboardOverhead)} | ${f(r.heartbeatOverhead)} |`,
    ),
    "",
    `| hosts | machineOfHost µs | DNS µs | connect µs | admit µs | checkEndpoint µs | write µs | compileModel ms | gateway-style heartbeat CPU µs | topology apply s (resources) |`,
    "|---|---|---|---|---|---|---|---|---|---|",
    ...results.map(
      (r) =>
        `| ${r.hosts} | ${f(r.breakdownUs.machineOfHost, 1)} | ${f(r.breakdownUs.dnsResolveForHost, 1)} | ${f(r.breakdownUs.connect, 1)} | ${f(r.breakdownUs.admit, 1)} | ${f(r.breakdownUs.checkEndpoint, 1)} | ${f(r.breakdownUs.write, 1)} | ${f(r.compileModelMs, 0)} | ${f(r.gatewayHeartbeatCpuUs, 0)} | ${f(r.setup.wallS, 1)} (${r.setup.resources}) |`,
    ),
    "",
    `Store ${storeKind}; Node ${process.version}; ${cpus().length} CPUs; load average ${f(load0)} at the start, ${f(loadavg()[0])} at the end.`,
  ];
  process.stdout.write(lines.join("\n") + "\n");
  process.stdout.write(
    JSON.stringify({ store: storeKind, node: process.version, loadAverage: [load0, loadavg()[0]], results }) +
      "\n",
  );
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((e: unknown) => {
    process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exit(1);
  });
}
