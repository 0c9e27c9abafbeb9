// End to end from a topology file (not a test): for each size (default 1,000 / 10,000 / 100,000
// hosts) a file is written the way users write one (examples/reference.yaml's Azure side, one
// on-premises site, one Arc machine per host, one host in ten asking a public resolver, one machine
// in fifty not associated), then three paths are run as the user runs them, each in its own process:
//   lint     arclink lint --topology FILE --format json        (exit 2: findings)
//   serve    arclink serve --topology FILE                 (time until the ready file is written,
//            and the server's CPU time and peak RSS at that moment, from /proc)
//   check    arclink check --all --json against that server (no --trace: no traces in the answer)
// Each row has wall time, the child's CPU time (user + system, from /usr/bin/time) and peak RSS;
// between sizes, the growth exponent k of t ∝ n^k (1 is linear; a quadratic step shows as ~2).
//   npx tsc -p tsconfig.json && node dist/bench/topologyFile.js [--sizes 1000,10000,100000] [--paths lint,serve,check] [--keep DIR]
// --keep DIR writes each size's file to DIR/estate-N.yaml and keeps it (for a profile of one run);
// `--paths none` only writes them.
// The last line is `BENCH_RESULT {json}`.
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = resolve(fileURLToPath(import.meta.url), "../../..");
const ARCLINK = join(ROOT, "dist/src/cli/arclink.js");
const REF = join(ROOT, "examples/reference.yaml");

function argList(name: string, dflt: string): string[] {
  const i = process.argv.indexOf(`--${name}`);
  return (i >= 0 ? process.argv[i + 1] : dflt).split(",").filter(Boolean);
}

/** The reference file's Azure side and site, with `n` hosts and their machines (flow style). */
function topologyText(n: number): string {
  const ref = readFileSync(REF, "utf8");
  // Everything before the reference's own hosts; its dns listeners are left out (no sockets).
  const head = ref
    .slice(0, ref.indexOf("\nhosts:"))
    .replace(/addressPrefixes: \[192\.168\.0\.0\/16\]/, "addressPrefixes: [192.168.0.0/16, 10.64.0.0/10]");
  const hosts: string[] = [];
  const machines: string[] = [];
  for (let i = 0; i < n; i++) {
    const name = `srv-${String(i).padStart(6, "0")}`;
    const ip = `10.${64 + (i >> 16)}.${(i >> 8) & 255}.${i & 255}`;
    const dns = i % 10 === 7 ? "8.8.8.8" : "dc01";
    hosts.push(`  - { name: ${name}, site: onprem, ipAddress: ${ip}, os: Linux, dnsServers: [${dns}] }`);
    machines.push(
      i % 50 === 49
        ? `  - { name: ${name}, location: eastus }`
        : `  - { name: ${name}, location: eastus, privateLinkScope: pls-arc }`,
    );
  }
  return `${head}\nhosts:\n${hosts.join("\n")}\n\nmachines:\n${machines.join("\n")}\n`;
}

interface Timed {
  wallMs: number;
  cpuMs: number;
  rssMiB: number;
  status: number | null;
  bytes?: number;
}

/** Runs the command under /usr/bin/time: wall time here, CPU and peak RSS as the kernel counted them. */
function run(args: string[], outFile?: string): Timed {
  const t = performance.now();
  const r = spawnSync(
    "/usr/bin/time",
    [
      "-f",
      "TIME %U %S %M",
      "sh",
      "-c",
      `"$0" "$@" > ${outFile ?? "/dev/null"}`,
      process.execPath,
      ARCLINK,
      ...args,
    ],
    { encoding: "utf8", maxBuffer: 1 << 26 },
  );
  const wallMs = performance.now() - t;
  const m = /TIME ([\d.]+) ([\d.]+) (\d+)/.exec(r.stderr);
  if (!m) throw new Error(`arclink ${args.join(" ")}: ${r.stderr.slice(-2000)}`);
  return {
    wallMs,
    cpuMs: (Number(m[1]) + Number(m[2])) * 1000,
    rssMiB: Number(m[3]) / 1024,
    status: r.status,
    ...(outFile ? { bytes: statSync(outFile).size } : {}),
  };
}

/** Starts `arclink serve --topology FILE`; resolves with the time to ready and a stop function. */
async function serve(
  file: string,
  dir: string,
): Promise<{
  readyMs: number;
  cpuMs?: number;
  rssMiB?: number;
  readyFile: string;
  stop: () => Promise<void>;
}> {
  const readyFile = join(dir, "ready.json");
  const t = performance.now();
  const p = spawn(
    process.execPath,
    [
      ARCLINK,
      "serve",
      "--port",
      "0",
      "--data",
      join(dir, "data"),
      "--ready-file",
      readyFile,
      "--topology",
      file,
    ],
    { stdio: ["ignore", "ignore", "pipe"] },
  );
  let err = "";
  p.stderr!.on("data", (d) => (err += d));
  while (!existsSync(readyFile)) {
    if (p.exitCode !== null) throw new Error(`serve exited ${p.exitCode}: ${err.slice(-2000)}`);
    await new Promise((r) => setTimeout(r, 20));
  }
  const readyMs = performance.now() - t;
  // The server's CPU time and peak RSS so far, as the kernel counts them (Linux).
  let cpuMs: number | undefined;
  let rssMiB: number | undefined;
  try {
    const stat = readFileSync(`/proc/${p.pid}/stat`, "utf8");
    const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    cpuMs = ((Number(f[11]) + Number(f[12])) * 1000) / 100;
    const hwm = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${p.pid}/status`, "utf8"));
    if (hwm) rssMiB = Number(hwm[1]) / 1024;
  } catch {
    // Not Linux: wall time only.
  }
  return {
    readyMs,
    cpuMs,
    rssMiB,
    readyFile,
    stop: () =>
      new Promise<void>((r) => {
        if (p.exitCode !== null || p.signalCode !== null) return r();
        p.once("exit", () => r());
        p.kill("SIGTERM");
      }),
  };
}

const exponent = (n1: number, t1: number, n2: number, t2: number) => Math.log(t2 / t1) / Math.log(n2 / n1);

const USAGE = `Usage: node dist/bench/topologyFile.js [--sizes 1000,10000,100000] [--paths lint,serve,check] [--keep DIR]

For each size, writes a topology file of that many hosts and times, each in its own process:
  lint    arclink lint --topology FILE --format json (wall, CPU and peak RSS)
  serve   arclink serve --topology FILE until its ready file (wall, and CPU and peak RSS so far)
  check   arclink check --all --json against that server
then prints the growth exponent k of t ∝ n^k between sizes and a last line BENCH_RESULT {json}.
  --keep DIR   also writes each size's file to DIR/estate-N.yaml (--paths none: only that)`;

async function main(): Promise<void> {
  if (process.argv.includes("--help") || process.argv.includes("-h")) {
    console.log(USAGE);
    return;
  }
  const sizes = argList("sizes", "1000,10000,100000").map(Number);
  const paths = argList("paths", "lint,serve,check");
  const keep = process.argv.includes("--keep") ? argList("keep", "")[0] : undefined;
  const rows: Array<Record<string, any>> = [];
  for (const n of sizes) {
    const dir = mkdtempSync(join(tmpdir(), "arclink-topo-bench-"));
    try {
      const file = join(dir, "estate.yaml");
      writeFileSync(file, topologyText(n));
      if (keep) writeFileSync(join(keep, `estate-${n}.yaml`), readFileSync(file));
      const row: Record<string, any> = {
        hosts: n,
        fileMiB: Number((statSync(file).size / 2 ** 20).toFixed(1)),
      };
      if (paths.includes("lint")) {
        const l = run(["lint", "--topology", file, "--format", "json"], join(dir, "lint.json"));
        // 0: no finding; 1 (EXIT.refused): findings. Anything else is a failure of the run.
        if (l.status !== 1 && l.status !== 0) throw new Error(`lint exited ${l.status}`);
        row.lint = l;
      }
      if (paths.includes("serve") || paths.includes("check")) {
        const s = await serve(file, dir);
        row.serve = { readyMs: s.readyMs, cpuMs: s.cpuMs, rssMiB: s.rssMiB };
        try {
          if (paths.includes("check")) {
            const out = join(dir, "check.json");
            const c = run(["check", "--all", "--json", "--ready-file", s.readyFile], out);
            // Without --trace no endpoint carries its trace.
            const text = readFileSync(out, "utf8");
            row.check = { ...c, traces: /"trace"\s*:/.test(text) };
          }
        } finally {
          await s.stop();
        }
      }
      rows.push(row);
      const f = (t?: Timed) =>
        t
          ? `${Math.round(t.wallMs)} ms wall, ${Math.round(t.cpuMs)} ms CPU, ${Math.round(t.rssMiB)} MiB`
          : "-";
      console.log(
        `${n} hosts (${row.fileMiB} MiB): lint ${f(row.lint)}; serve ready ${row.serve ? `${Math.round(row.serve.readyMs)} ms wall${row.serve.cpuMs !== undefined ? `, ${Math.round(row.serve.cpuMs)} ms CPU, ${Math.round(row.serve.rssMiB)} MiB` : ""}` : "-"}; check --all --json ${f(row.check)}${row.check ? `, ${(row.check.bytes / 1e6).toFixed(1)} MB, traces: ${row.check.traces}` : ""}; load ${loadavg()[0].toFixed(1)}`,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  const growth: Record<string, string[]> = {};
  for (let i = 1; i < rows.length; i++) {
    const [a, b] = [rows[i - 1], rows[i]];
    const k = (x?: number, y?: number) => (x && y ? exponent(a.hosts, x, b.hosts, y).toFixed(2) : "-");
    const g = `${a.hosts}→${b.hosts}`;
    growth[g] = [
      `lint wall k=${k(a.lint?.wallMs, b.lint?.wallMs)} cpu k=${k(a.lint?.cpuMs, b.lint?.cpuMs)}`,
      `serve ready k=${k(a.serve?.readyMs, b.serve?.readyMs)} cpu k=${k(a.serve?.cpuMs, b.serve?.cpuMs)}`,
      `check wall k=${k(a.check?.wallMs, b.check?.wallMs)} cpu k=${k(a.check?.cpuMs, b.check?.cpuMs)} bytes k=${k(a.check?.bytes, b.check?.bytes)}`,
    ];
    console.log(`growth ${g} (t ∝ n^k): ${growth[g].join("; ")}`);
  }
  console.log(
    `BENCH_RESULT ${JSON.stringify({ rows, growth, loadavg: loadavg().map((x) => Number(x.toFixed(2))) })}`,
  );
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
