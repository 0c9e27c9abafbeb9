// Lint benchmark (not a test): lint a generated world of --hosts hosts (default 100,000), and a
// what-if of one change (one host's DNS servers), reported against a full re-evaluation (the same
// change evaluated by linting the changed world again, measured in the same run).
//   npx tsc -p tsconfig.json && node dist/bench/lint.js [--hosts 100000] [--sites 50]
// The last line is `BENCH_RESULT {json}` ({lintMs, lintCpuMs, whatIfMs, ratio, hosts, ...}).
import { loadavg } from "node:os";
import { lint } from "../src/analysis/lint/lint.js";
import { whatIf } from "../src/analysis/whatIf.js";
import { compileModel, patchModel } from "../src/network/model.js";
import { ServiceTags } from "../src/network/serviceTags.js";
import { benchWorld } from "./lintWorld.js";

function arg(name: string, dflt: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : dflt;
}

function timed<T>(fn: () => T): { value: T; ms: number; cpuMs: number } {
  const c = process.cpuUsage();
  const t = performance.now();
  const value = fn();
  const ms = performance.now() - t;
  const u = process.cpuUsage(c);
  return { value, ms, cpuMs: (u.user + u.system) / 1000 };
}

async function timedAsync<T>(fn: () => Promise<T>): Promise<{ value: T; ms: number; cpuMs: number }> {
  const c = process.cpuUsage();
  const t = performance.now();
  const value = await fn();
  const ms = performance.now() - t;
  const u = process.cpuUsage(c);
  return { value, ms, cpuMs: (u.user + u.system) / 1000 };
}

async function main(): Promise<void> {
  const hosts = arg("hosts", 100_000);
  const sites = arg("sites", 50);
  const tags = ServiceTags.default();
  const built = timed(() => benchWorld(hosts, sites));
  const w = built.value;
  console.log(
    `world: ${hosts} hosts, ${sites} sites, ${w.size} resources (built in ${built.ms.toFixed(0)} ms)`,
  );
  const now = new Date();
  const opts = { now, propagationDelayMs: 15 * 60_000, tags };
  // Warm-up on a small world (JIT), then the measured runs.
  lint({ view: benchWorld(2000, sites), ...opts });
  const runs = [1, 2, 3].map(() => timed(() => lint({ view: w, ...opts })));
  const best = runs.reduce((a, b) => (b.ms < a.ms ? b : a));
  const r = best.value;
  const compile = timed(() => compileModel(w, tags));
  console.log(
    `lint: ${best.ms.toFixed(0)} ms wall, ${best.cpuMs.toFixed(0)} ms CPU (best of 3; compile alone ${compile.ms.toFixed(0)} ms); ${r.summary.errors} errors, ${r.summary.warnings} warnings, ${r.findings.length} findings`,
  );
  // The first of the three is the world's first lint: it also indexes the World's machines (kept
  // for the next lints while the World does not change) and fills the per-host model caches.
  console.log(
    `lint, the first of the three: ${runs[0].ms.toFixed(0)} ms wall, ${runs[0].cpuMs.toFixed(0)} ms CPU; each run's CPU: ${runs.map((x) => x.cpuMs.toFixed(0)).join(", ")} ms`,
  );
  const hostId = r.hosts[0].hostId;
  const cur = w.get(hostId)!.body;
  const change = {
    kind: "put" as const,
    id: hostId,
    body: { location: "global", properties: { ...cur.properties, dnsServers: ["8.8.8.8"] } },
  };
  // A running server's World already holds the lab address index (kept from its change feed since
  // its first host write); this generated World has none until the first write looks for an
  // address. The first what-if builds it: measured on its own, then the what-if is measured warm.
  const first = await timedAsync(() => whatIf(w, change, { ...opts, before: r, findings: false }));
  console.log(
    `first what-if after loading (builds the World's lab address index once): ${first.ms.toFixed(1)} ms wall`,
  );
  const wi = await timedAsync(() => whatIf(w, change, { ...opts, before: r, findings: false }));
  const t = wi.value.timings;
  console.log(
    `what-if, verdicts (PUT ${hostId.split("/").pop()} with dnsServers [8.8.8.8]): ${wi.ms.toFixed(1)} ms wall, ${wi.cpuMs.toFixed(1)} ms CPU (apply ${t.applyMs.toFixed(1)}, evaluate ${t.evaluateMs.toFixed(1)}; ${wi.value.evaluated}, ${wi.value.reevaluated ?? hosts} host(s) evaluated again); ${wi.value.changes.length} endpoint verdicts change on ${wi.value.hosts.changed} host(s)`,
  );
  // The full re-evaluation the what-if stands for: the same change, then every host evaluated again.
  const full = await timedAsync(() => whatIf(w, change, { ...opts, before: r, findings: false, full: true }));
  console.log(
    `full re-evaluation of the same change: ${full.ms.toFixed(0)} ms wall, ${full.cpuMs.toFixed(0)} ms CPU; ${full.value.changes.length} endpoint verdicts change`,
  );
  console.log(`ratio what-if / full re-evaluation: ${(wi.ms / full.ms).toFixed(4)}`);
  const wf = await timedAsync(() => whatIf(w, change, { ...opts, before: r }));
  console.log(
    `what-if with the findings diff (a full lint after): ${wf.ms.toFixed(0)} ms wall, ${wf.cpuMs.toFixed(0)} ms CPU; +${wf.value.findings.added.length} / -${wf.value.findings.resolved.length} findings`,
  );
  const other = {
    kind: "put" as const,
    id: `${hostId.split("/providers/")[0]}/providers/ArcLink.Lab/firewalls/fw0`,
    body: {
      location: "global",
      properties: {
        ...w.get(`${hostId.split("/providers/")[0]}/providers/ArcLink.Lab/firewalls/fw0`)!.body.properties,
        rules: [],
      },
    },
  };
  const wn = await timedAsync(() => whatIf(w, other, { ...opts, before: r, findings: false }));
  console.log(
    `what-if of a shared resource (firewall fw0 without rules): ${wn.ms.toFixed(0)} ms wall, ${wn.cpuMs.toFixed(0)} ms CPU (${wn.value.evaluated}, ${wn.value.reevaluated ?? hosts} host(s) evaluated again); ${wn.value.hosts.changed} host(s) change`,
  );
  // The model patched with one host's change, against compiling it again.
  const h0 = w.get(hostId)!;
  const patch = timed(() => patchModel(compile.value, w, [{ key: h0.key, type: h0.type }]));
  console.log(
    `model: patched with one host ${patch.ms.toFixed(1)} ms, compiled from scratch ${compile.ms.toFixed(0)} ms`,
  );
  const load = loadavg().map((x) => x.toFixed(1));
  console.log(`load average: ${load.join(" ")} (Node ${process.version})`);
  console.log(
    `targets: lint < 1000 ms CPU ${best.cpuMs < 1000 ? "met" : "NOT met"}; what-if (verdicts) < 10 ms ${wi.ms < 10 ? "met" : "NOT met"}; what-if with findings < 10 ms ${wf.ms < 10 ? "met" : "NOT met"}`,
  );
  const result = {
    hosts,
    lintMs: Math.round(best.ms),
    lintCpuMs: Math.round(best.cpuMs),
    lintFirstCpuMs: Math.round(runs[0].cpuMs),
    whatIfMs: Number(wi.ms.toFixed(1)),
    whatIfFirstMs: Number(first.ms.toFixed(1)),
    whatIfCpuMs: Number(wi.cpuMs.toFixed(1)),
    whatIfApplyMs: Number(t.applyMs.toFixed(1)),
    whatIfEvaluateMs: Number(t.evaluateMs.toFixed(1)),
    whatIfFindingsMs: Math.round(wf.ms),
    whatIfFindingsCpuMs: Math.round(wf.cpuMs),
    fullReevaluationMs: Math.round(full.ms),
    ratio: Number((wi.ms / full.ms).toFixed(4)),
    sharedWhatIfMs: Math.round(wn.ms),
    compileMs: Math.round(compile.ms),
    patchMs: Number(patch.ms.toFixed(2)),
    loadavg: loadavg().map((x) => Number(x.toFixed(2))),
  };
  console.log(`BENCH_RESULT ${JSON.stringify(result)}`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
