// Lint benchmark from native files (not a test): an estate of --servers servers (default 10,000)
// written as its operators would hand it over — a Resource Graph export (az graph query -o json)
// plus `az network private-dns record-set list` pages, BIND's named.conf (with an include and a
// zone file), one hosts file per server (a tenth of them with a stale Arc address), and the
// on-premises YAML that points at them — read, applied in the sandbox, linted, and the fix plan
// proven (tried in the what-if sandbox) and printed. Reports wall time per phase and the total against the 5 s target.
//   npx tsc -p tsconfig.json && node --expose-gc dist/bench/native.js [--servers 10000] [--keep]
// The last line is `BENCH_RESULT {json}`.
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { sandboxFromFiles } from "../src/analysis/export/index.js";
import { fileReader } from "../src/analysis/export/files.js";
import { proveFixPlan } from "../src/analysis/lint/fixPlan.js";
import { renderProvenPlan } from "../src/analysis/lint/format/fixPlan.js";
import { toSarif } from "../src/analysis/lint/format/sarif.js";
import { lint } from "../src/analysis/lint/lint.js";

const ROOT = resolve(fileURLToPath(import.meta.url), "../../..");
const FIX = join(ROOT, "test/fixtures/native");

function arg(name: string, dflt: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : dflt;
}

const pad = (i: number) => String(i).padStart(5, "0");

/** Writes the estate's files into `dir`; returns the export files and the on-premises YAML. */
function writeEstate(dir: string, servers: number): { exports: string[]; onprem: string } {
  const graph = JSON.parse(readFileSync(join(FIX, "graph.json"), "utf8"));
  const template = graph.data.find((r: any) => r.name === "srv-app-01");
  const rows = graph.data.filter(
    (r: any) =>
      r.type !== "microsoft.hybridcompute/machines" &&
      r.type !== "microsoft.hybridcompute/machines/extensions",
  );
  const base = template.id.slice(0, template.id.lastIndexOf("/"));
  for (let i = 0; i < servers; i++) {
    const name = `srv-${pad(i)}`;
    const props = {
      ...template.properties,
      vmId: `00000000-0000-4000-8000-${pad(i).padStart(12, "0")}`,
      machineFqdn: `${name}.corp.contoso.com`,
    };
    // One server in fifty was never associated with the scope.
    if (i % 50 === 49) delete props.privateLinkScopeResourceId;
    rows.push({ ...template, id: `${base}/${name}`, name, properties: props });
  }
  const exports = [join(dir, "graph.json")];
  writeFileSync(
    exports[0],
    JSON.stringify({ count: rows.length, data: rows, skip_token: null, total_records: rows.length }, null, 2),
  );
  for (const f of ["records-his.json", "records-guestconfig.json", "records-k8s.json"]) {
    cpSync(join(FIX, f), join(dir, f));
    exports.push(join(dir, f));
  }
  cpSync(join(FIX, "bind"), join(dir, "bind"), { recursive: true });
  mkdirSync(join(dir, "hosts"));
  const hosts: string[] = [];
  for (let i = 0; i < servers; i++) {
    const name = `srv-${pad(i)}`;
    const c = Math.floor(i / 250);
    const ip = `10.${56 + (c >> 8)}.${c & 255}.${(i % 250) + 2}`;
    const stale = i % 10 === 3 ? "10.20.1.40 gbl.his.arc.azure.com\n" : "";
    writeFileSync(
      join(dir, "hosts", name),
      `127.0.0.1\tlocalhost\n127.0.1.1\t${name}.corp.contoso.com\t${name}\n${stale}\n::1 localhost ip6-localhost ip6-loopback\n`,
    );
    hosts.push(
      `  - { name: ${name}, site: hq, ipAddress: ${ip}, os: Linux, dnsServers: [ns1], hostsFilePath: hosts/${name} }`,
    );
  }
  const onprem = join(dir, "onprem.yaml");
  writeFileSync(
    onprem,
    [
      "sites:",
      "  - { name: hq, addressPrefixes: [10.50.0.0/16, 10.56.0.0/13] }",
      "siteConnections:",
      "  - { name: hq-to-hub, site: hq, virtualNetwork: vnet-hub, type: Vpn }",
      "dnsServers:",
      "  - { name: ns1, site: hq, ipAddress: 10.50.0.10, bind: bind/named.conf }",
      "hosts:",
      ...hosts,
      "",
    ].join("\n"),
  );
  return { exports, onprem };
}

function ms(t: number): number {
  return Math.round(performance.now() - t);
}

async function main(): Promise<void> {
  const servers = arg("servers", 10_000);
  const dir = mkdtempSync(join(tmpdir(), "arclink-native-"));
  const keep = process.argv.includes("--keep");
  try {
    const { exports, onprem } = writeEstate(dir, servers);
    // Writing the files leaves garbage behind; collect it before the clock starts (--expose-gc).
    (globalThis as { gc?: () => void }).gc?.();
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    const read = fileReader();
    const inputs = {
      exports: exports.map((file) => ({ file, text: read(file)! })),
      onprem: { file: onprem, text: read(onprem)! },
      read,
    };
    const readMs = ms(t0);
    let t = performance.now();
    const { sandbox, source } = await sandboxFromFiles(inputs);
    const importMs = ms(t);
    t = performance.now();
    const now = sandbox.services.clock.now();
    const report = lint({ view: sandbox.world, now, propagationDelayMs: 15 * 60_000, source });
    const lintMs = ms(t);
    t = performance.now();
    const cPlan = process.cpuUsage();
    // The fix plan with its proof: each finding's steps tried in the what-if sandbox, then all together.
    const proven = await proveFixPlan(sandbox.world, report, { now, propagationDelayMs: 15 * 60_000 });
    const plan = renderProvenPlan(proven);
    const fixPlanMs = ms(t);
    const cpu = (u: NodeJS.CpuUsage) => Math.round((u.user + u.system) / 1000);
    const fixPlanCpuMs = cpu(process.cpuUsage(cPlan));
    t = performance.now();
    const sarif = JSON.stringify(toSarif(report, source.locate, { root: dir }));
    const sarifMs = ms(t);
    const totalMs = ms(t0);
    const totalCpuMs = cpu(process.cpuUsage(c0));
    const by = new Map<string, number>();
    for (const f of report.findings) by.set(f.ruleId, (by.get(f.ruleId) ?? 0) + 1);
    console.log(
      `estate: ${servers} servers; ${exports.length} export files, named.conf + include + zone file, ${servers} hosts files`,
    );
    console.log(
      `read files ${readMs} ms; import + on-premises files + sandbox ${importMs} ms; lint ${lintMs} ms; fix plan with proof ${fixPlanMs} ms (${proven.steps.length} steps, ${proven.targeted.length} findings targeted, ${proven.proof.remaining.length} left, ${proven.proof.added.length} new; ${plan.split("\n").length} lines); SARIF ${sarifMs} ms (${(sarif.length / 1e6).toFixed(1)} MB)`,
    );
    console.log(
      `proof share: ${((100 * fixPlanMs) / totalMs).toFixed(0)} % of the wall time (${fixPlanMs} of ${totalMs} ms), ${((100 * fixPlanCpuMs) / totalCpuMs).toFixed(0)} % of the CPU time (${fixPlanCpuMs} of ${totalCpuMs} ms)`,
    );
    console.log(`findings: ${[...by].map(([k, v]) => `${k} ${v}`).join(", ")}`);
    console.log(
      `total ${totalMs} ms (target < 5000 ms: ${totalMs < 5000 ? "met" : "NOT met"}); load average ${loadavg()
        .map((x) => x.toFixed(1))
        .join(" ")}`,
    );
    console.log(
      `BENCH_RESULT ${JSON.stringify({ servers, readMs, importMs, lintMs, fixPlanMs, proofShare: Number((fixPlanMs / totalMs).toFixed(3)), planSteps: proven.steps.length, sarifMs, totalMs, totalCpuMs, fixPlanCpuMs, findings: report.findings.length, loadavg: loadavg().map((x) => Number(x.toFixed(2))) })}`,
    );
  } finally {
    if (keep) console.log(`files kept in ${dir}`);
    else rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
