// The fleet at scale, in-process: `arclink fleet`'s own code (planFleet + runFleet, as the
// ArcLink.Lab/fleet API runs it) against the reference topology with a site large enough for the
// fleet, on SQLite and on PostgreSQL.
//
//   node --expose-gc dist/bench/fleet.js [--machines 10000,100000] [--store sqlite,postgres]
//        [--postgres-url URL] [--heartbeats 1] [--no-group 10000] [--heap-snapshot FILE]
//
// For each store and fleet size N:
//   create      N hosts and N machines, validated by their providers, in write transactions of 1,000.
//   onboard     every agent through DNS → route → firewall → HIS admission; admitted ones recorded.
//               Figures: machines/s and seconds.
//   heartbeat   one round: the same path for every connected machine, then its check-in. Figure:
//               CPU seconds per round ÷ 300 s = the share of one core at Arc's 5-minute cadence.
//   peer        N plain check-in writes through the Writer, issued as the fleet issues its own
//               (2,500 at a time, so they commit in groups). Ratios: onboard wall ÷ peer wall,
//               heartbeat CPU ÷ peer CPU.
//   CPU         CPU seconds of the process while creating and while onboarding (beside the wall time).
//   memory      peak resident memory during the run (sampled every 100 ms), resident memory after it
//               (and, with --expose-gc, the V8 heap and the resident memory after a full GC), under the
//               server's heap policy (src/server/heapGrowth.ts; ARCLINK_HEAP_GROWTH=0 for V8's own);
//               the heap after GC ÷ N is the "heap B per machine" column (a host and its machine).
//   --no-group N  also runs size N with group commit off (every write its own store transaction).
//   --heap-snapshot FILE  writes a V8 heap snapshot after the full GC (one store and one size only).
// With more than one store, size or --no-group, each run is a child process of its own, so that each
// row's memory is its own run's.
// PostgreSQL: --postgres-url or ARCLINK_TEST_POSTGRES_URL (an admin URL; a scratch database is
// created and dropped).
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { spawnSync } from "node:child_process";
import { writeHeapSnapshot } from "node:v8";
import { cpus, loadavg, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import pg from "pg";
import { parse, stringify } from "yaml";
import { findPrincipal } from "../src/identity/directory.js";
import { newRun, runFleet, FleetProgress } from "../src/fleet/fleet.js";
import { MAX_MACHINES, planFleet } from "../src/fleet/plan.js";
import { recordCheckIn } from "../src/providers/hybridcompute/machineStatus.js";
import { applyTopology } from "../src/server/topologyAtStart.js";
import { PostgresStore } from "../src/store/postgres.js";
import { Store } from "../src/store/store.js";
import { heapGrowth } from "../src/server/heapGrowth.js";
import { inProcessArcLink } from "./onboarding.js";

const ROOT = resolve(fileURLToPath(import.meta.url), "../../..");
const MACHINE_TYPE = "Microsoft.HybridCompute/machines";

function flag(name: string, dflt: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i < 0 ? dflt : process.argv[i + 1];
}

/** The reference rollout, its site widened with 172.16.0.0/12 so it holds any fleet. */
function topologyFile(dir: string): string {
  const t = parse(readFileSync(join(ROOT, "examples/reference.yaml"), "utf8"));
  t.sites[0].addressPrefixes = [...t.sites[0].addressPrefixes, "172.16.0.0/12"];
  delete t.dns;
  const file = join(dir, "fleet.yaml");
  writeFileSync(file, stringify(t));
  return file;
}

async function scratchDatabase(admin: string): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `arclink_fleetbench_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
  const run = async (sql: string) => {
    const c = new pg.Client({ connectionString: admin });
    await c.connect();
    try {
      await c.query(sql);
    } finally {
      await c.end();
    }
  };
  await run(`CREATE DATABASE ${name}`);
  const u = new URL(admin);
  u.pathname = `/${name}`;
  return { url: u.toString(), drop: () => run(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`) };
}

interface Result {
  store: string;
  machines: number;
  groupCommit: boolean;
  progress: FleetProgress;
  /** CPU seconds of the process while creating and while onboarding. */
  cpu: { createS: number; onboardS: number };
  /** CPU seconds of each heartbeat round, from the 100 ms samples. */
  heartbeatCpuByRound: number[];
  status: string;
  commits: number;
  writes: number;
  peer: { wallS: number; cpuS: number; perSecond: number };
  onboardVsPeer: number;
  heartbeatVsPeerCpu: number;
  rssMiB: number;
  peakRssMiB: number;
  heapGrowth: string;
  heapMiB?: number;
  rssAfterGcMiB?: number;
  load: [number, number];
}

const cpuS = () => {
  const c = process.cpuUsage();
  return (c.user + c.system) / 1e6;
};

async function runOne(storeKind: string, n: number, rounds: number, group: boolean): Promise<Result> {
  const load0 = loadavg()[0];
  const dir = mkdtempSync(join(tmpdir(), "arclink-fleetbench-"));
  let db: { url: string; drop(): Promise<void> } | undefined;
  let store: Store | "sqlite" = "sqlite";
  if (storeKind === "postgres") {
    const admin = flag("postgres-url", process.env.ARCLINK_TEST_POSTGRES_URL ?? "");
    if (!admin) throw new Error("--postgres-url or ARCLINK_TEST_POSTGRES_URL is needed for --store postgres");
    db = await scratchDatabase(admin);
    store = await PostgresStore.open(db.url);
  }
  const log = (s: string) => process.stderr.write(`[${storeKind} ${n}${group ? "" : " no-group"}] ${s}\n`);
  const arc = await inProcessArcLink(dir, store, group ? {} : { maxGroup: 1 });
  let sampler: NodeJS.Timeout | undefined;
  try {
    await applyTopology(arc.services, arc.defaults, topologyFile(dir), "https://127.0.0.1:0");
    const sp = findPrincipal(arc.world, arc.defaults.clientId)!;
    const principal = {
      oid: sp.oid,
      tenantId: sp.tenantId,
      appId: sp.appId,
      kind: "servicePrincipal" as const,
    };
    const plan = planFleet(arc.services, arc.defaults.subscriptionId, {
      machines: n,
      heartbeatRounds: rounds,
      timeLimitSeconds: 3600,
      namePrefix: "bench",
    });
    const run = newRun(plan, arc.services.clock.now());
    // Resident memory sampled through the run (a process-wide maxRSS would carry the previous size's peak).
    let peakRss = process.memoryUsage.rss();
    // CPU seconds of the process when each phase began (read every 100 ms, with the resident set).
    const phaseCpu: Record<string, number> = { creating: cpuS() };
    // And when each heartbeat round began: the first round after onboarding can cost more than the
    // rounds that follow (the cadence's steady state), so each is reported.
    const roundCpu: number[] = [];
    sampler = setInterval(() => {
      peakRss = Math.max(peakRss, process.memoryUsage.rss());
      phaseCpu[run.progress.phase] ??= cpuS();
      if (run.progress.phase === "heartbeats") roundCpu[run.progress.heartbeatRound - 1] ??= cpuS();
    }, 100);
    const s0 = { ...arc.writer.stats };
    const timer = setInterval(() => {
      const p = run.progress;
      log(
        `${p.phase}: created ${p.created}, evaluated ${p.evaluated}, connected ${p.connected}, heartbeats ${p.heartbeatsAdmitted}`,
      );
    }, 10_000);
    await runFleet(arc.services, run, principal, "https://127.0.0.1:0");
    clearInterval(timer);
    if (run.status !== "Succeeded") throw new Error(`fleet ${run.status}: ${run.error?.message}`);
    const p = run.progress;
    log(
      `created ${p.createSeconds?.toFixed(1)} s, onboarded ${p.connected}/${n} in ${p.onboardSeconds?.toFixed(1)} s, heartbeat ${p.heartbeatCpuSecondsPerRound?.toFixed(2)} s CPU/round`,
    );
    phaseCpu.done ??= cpuS();
    const heartbeatCpuByRound = roundCpu.map((c, i) => (roundCpu[i + 1] ?? phaseCpu.done) - c);
    if (heartbeatCpuByRound.length > 1)
      log(
        `heartbeat CPU by round (sampled every 100 ms): ${heartbeatCpuByRound.map((c) => c.toFixed(2)).join(", ")} s`,
      );
    const cpu = {
      createS: (phaseCpu.onboarding ?? phaseCpu.done) - phaseCpu.creating,
      onboardS: (phaseCpu.heartbeats ?? phaseCpu.done) - (phaseCpu.onboarding ?? phaseCpu.done),
    };
    log(`CPU: create ${cpu.createS.toFixed(1)} s, onboard ${cpu.onboardS.toFixed(1)} s`);
    const commits = arc.writer.stats.commits - s0.commits;
    const writes = arc.writer.stats.writes - s0.writes;

    // The peer: the same number of plain check-ins, issued 2,500 at a time as the fleet does.
    const ids = arc.world.ofType(MACHINE_TYPE).map((m) => m.id);
    const c0 = cpuS();
    const w0 = performance.now();
    for (let i = 0; i < ids.length; i += 2500) {
      const now = arc.services.clock.now().toISOString();
      await Promise.all(
        ids
          .slice(i, i + 2500)
          .map((id) => arc.writer.run((tx) => recordCheckIn(tx, id, now, { agentVersion: "1.45" }))),
      );
    }
    const peer = { wallS: (performance.now() - w0) / 1000, cpuS: cpuS() - c0, perSecond: 0 };
    peer.perSecond = ids.length / peer.wallS;
    log(`peer: ${ids.length} plain writes in ${peer.wallS.toFixed(1)} s (${peer.cpuS.toFixed(1)} s CPU)`);

    clearInterval(sampler);
    const rssMiB = process.memoryUsage().rss / 1048576;
    const peakRssMiB = Math.max(peakRss, process.memoryUsage.rss()) / 1048576;
    const g = heapGrowth();
    let heapMiB: number | undefined;
    let rssAfterGcMiB: number | undefined;
    const gc = (globalThis as { gc?: () => void }).gc;
    if (gc) {
      gc();
      const m = process.memoryUsage();
      heapMiB = m.heapUsed / 1048576;
      rssAfterGcMiB = m.rss / 1048576;
    }
    const snapshot = flag("heap-snapshot", "");
    if (snapshot) log(`heap snapshot: ${writeHeapSnapshot(snapshot)}`);
    return {
      store: storeKind,
      machines: n,
      groupCommit: group,
      progress: p,
      cpu,
      heartbeatCpuByRound,
      status: run.status,
      commits,
      writes,
      peer,
      onboardVsPeer: p.onboardSeconds! / peer.wallS,
      heartbeatVsPeerCpu: (p.heartbeatCpuSecondsPerRound ?? 0) / peer.cpuS,
      rssMiB,
      peakRssMiB,
      heapGrowth: g.percent === 0 ? "V8's own" : `${g.percent} %`,
      heapMiB,
      rssAfterGcMiB,
      load: [load0, loadavg()[0]],
    };
  } finally {
    clearInterval(sampler);
    await arc.close();
    await db?.drop().catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  }
}

/** One run in a child process (this file, with one store and one size), its result parsed. */
function inChild(store: string, n: number, rounds: number, group: boolean): Result {
  const args = [
    ...process.execArgv,
    fileURLToPath(import.meta.url),
    "--machines",
    String(n),
    "--store",
    store,
    "--heartbeats",
    String(rounds),
    ...(group ? [] : ["--no-group", String(n), "--only-no-group"]),
    ...(process.argv.includes("--postgres-url") ? ["--postgres-url", flag("postgres-url", "")] : []),
  ];
  const r = spawnSync(process.execPath, args, { stdio: ["ignore", "pipe", "inherit"], maxBuffer: 1 << 26 });
  const last = r.stdout.toString().trim().split("\n").pop() ?? "";
  if (r.status !== 0 || !last.startsWith("["))
    throw new Error(`fleet run ${store} ${n} failed (exit ${r.status})`);
  return (JSON.parse(last) as Result[])[0];
}

async function main(): Promise<void> {
  const sizes = flag("machines", "10000,100000").split(",").map(Number);
  if (sizes.some((n) => !Number.isInteger(n) || n < 1 || n > MAX_MACHINES))
    throw new Error(`--machines: whole numbers from 1 to ${MAX_MACHINES}, comma-separated`);
  const stores = flag("store", "sqlite,postgres").split(",");
  if (stores.some((s) => s !== "sqlite" && s !== "postgres"))
    throw new Error("--store: sqlite and/or postgres");
  const rounds = Number(flag("heartbeats", "1"));
  const noGroup = process.argv.includes("--no-group") ? Number(flag("no-group", "10000")) : undefined;
  process.stderr.write(`${cpus().length} CPUs, load average ${loadavg()[0].toFixed(2)}\n`);
  const runs: Array<[string, number, boolean]> = [];
  for (const st of stores) {
    if (noGroup) runs.push([st, noGroup, false]);
    if (!process.argv.includes("--only-no-group")) for (const n of sizes) runs.push([st, n, true]);
  }
  // Each run in a process of its own when there are several: resident memory is the process's,
  // and V8 gives a previous run's pages back only slowly.
  const results: Result[] = [];
  for (const [st, n, group] of runs)
    results.push(runs.length === 1 ? await runOne(st, n, rounds, group) : inChild(st, n, rounds, group));
  const f = (x: number | undefined, d = 1) => (x === undefined ? "-" : x.toFixed(d));
  const lines = [
    "| store | machines | group commit | create s | create CPU s | onboard s | onboard CPU s | onboarded/s | heartbeat CPU s/round | % of one core at 5 min | writes per commit | peer writes/s | onboard ÷ peer (wall) | heartbeat ÷ peer (CPU) | heap growth | peak RSS MiB | RSS MiB at end | heap MiB after GC | heap B per machine | RSS MiB after GC | load avg |",
    "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ...results.map(
      (r) =>
        `| ${r.store} | ${r.machines} | ${r.groupCommit ? "on" : "off"} | ${f(r.progress.createSeconds)} | ${f(r.cpu.createS)} | ${f(r.progress.onboardSeconds)} | ${f(r.cpu.onboardS)} | ${f(r.progress.onboardPerSecond, 0)} | ${f(r.progress.heartbeatCpuSecondsPerRound, 2)} | ${f((r.progress.heartbeatCoreShareAt5Min ?? 0) * 100, 2)} % | ${f(r.writes / Math.max(1, r.commits), 0)} | ${f(r.peer.perSecond, 0)} | ${f(r.onboardVsPeer, 2)} | ${f(r.heartbeatVsPeerCpu, 2)} | ${r.heapGrowth} | ${f(r.peakRssMiB, 0)} | ${f(r.rssMiB, 0)} | ${f(r.heapMiB, 0)} | ${r.heapMiB === undefined ? "-" : Math.round((r.heapMiB * 1048576) / r.machines).toLocaleString("en-US")} | ${f(r.rssAfterGcMiB, 0)} | ${f(r.load[0])} → ${f(r.load[1])} |`,
    ),
    "",
    `Node ${process.version}; ${cpus().length} CPUs.`,
  ];
  process.stdout.write(lines.join("\n") + "\n");
  process.stdout.write(JSON.stringify(results) + "\n");
}

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(1);
});
