// Lint benchmark (not a test): lint a generated world of --hosts hosts (default 100,000), and a
// what-if of one change (one host's DNS servers), reported against a full re-evaluation.
//   npx tsc -p tsconfig.json && node dist/bench/lint.js [--hosts 100000] [--sites 50]
import { lint } from "../src/analysis/lint/lint.js";
import { whatIf } from "../src/analysis/whatIf.js";
import { compileModel } from "../src/network/model.js";
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
  const hostId = r.hosts[0].hostId;
  const cur = w.get(hostId)!.body;
  const change = {
    kind: "put" as const,
    id: hostId,
    body: { location: "global", properties: { ...cur.properties, dnsServers: ["8.8.8.8"] } },
  };
  const model = compile.value;
  const wi = await timedAsync(() =>
    whatIf(w, change, { ...opts, before: r, beforeModel: model, findings: false }),
  );
  const t = wi.value.timings;
  console.log(
    `what-if, verdicts (PUT ${hostId.split("/").pop()} with dnsServers [8.8.8.8]): ${wi.ms.toFixed(1)} ms wall, ${wi.cpuMs.toFixed(1)} ms CPU (apply ${t.applyMs.toFixed(1)}, evaluate ${t.evaluateMs.toFixed(1)}; ${wi.value.evaluated}); ${wi.value.changes.length} endpoint verdicts change on ${wi.value.hosts.changed} host(s)`,
  );
  console.log(`ratio what-if / full lint: ${(wi.ms / best.ms).toFixed(4)}`);
  const wf = await timedAsync(() => whatIf(w, change, { ...opts, before: r, beforeModel: model }));
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
        defaultAction: "Allow",
      },
    },
  };
  const wn = await timedAsync(() =>
    whatIf(w, other, { ...opts, before: r, beforeModel: model, findings: false }),
  );
  console.log(
    `what-if of a shared resource (firewall fw0 default Allow; every host evaluated again): ${wn.ms.toFixed(0)} ms wall, ${wn.cpuMs.toFixed(0)} ms CPU; ${wn.value.hosts.changed} host(s) change`,
  );
  console.log(
    `targets: lint < 3000 ms ${best.ms < 3000 ? "met" : "NOT met"}; what-if < 100 ms ${wi.ms < 100 ? "met" : "NOT met"}`,
  );
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
