// Runs the benchmarks one after another, each as its own child process, collects the ratio each
// one measures against its peer in the same run, prints one table and writes it as markdown to
// bench/results.md (date, load average, Node version, CPU count, and the command of every row).
//
//   npx tsc -p tsconfig.json
//   ARCLINK_TEST_POSTGRES_URL=postgres://USER:PASSWORD@127.0.0.1:5432/postgres node dist/bench/run.js
//     [--only arm-get,dns,onboarding,fleet,lint,deployments,replicas] [--skip NAMES]
//     [--seconds 3] [--rounds 3]                 arm-get, dns and replicas
//     [--hosts 1000] [--stores sqlite] [--max-minutes 20]   onboarding
//     [--fleet-machines 10000] [--fleet-stores sqlite,postgres] [--fleet-args "..."]   fleet
//     [--lint-hosts 100000]                      lint
//     [--deploy-resources 1000]                  deployments
//     [--machines 1000,10000]                    replicas
//     [--timeout-minutes 30] [--out bench/results.md] [--readme]
//
// A benchmark whose prerequisites are missing (dnsperf, unbound, PostgreSQL) is skipped with a
// message that says what to install; one that fails (non-zero exit, no result line, a timeout)
// makes the runner exit with 1 after the others have run. --readme also replaces the table
// embedded in bench/README.md's "Results" section (between the results markers).
import { spawn, spawnSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import pg from "pg";

const DIST_BENCH = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(DIST_BENCH, "../..");
const POSTGRES_ENV = "ARCLINK_TEST_POSTGRES_URL";
const README_START = "<!-- results:start -->";
const README_END = "<!-- results:end -->";

// ---------------------------------------------------------------------------------------------
// Flags

function flagText(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0) return undefined;
  const v = process.argv[i + 1];
  if (v === undefined || v.startsWith("--")) throw new Error(`--${name} needs a value`);
  return v;
}

function flagNum(name: string, dflt: number): number {
  const t = flagText(name);
  if (t === undefined) return dflt;
  const v = Number(t);
  if (!Number.isFinite(v) || v <= 0) throw new Error(`--${name} needs a positive number, got '${t}'`);
  return v;
}

function flagList(name: string, dflt: string): string[] {
  return (flagText(name) ?? dflt)
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
}

const has = (name: string) => process.argv.includes(`--${name}`);

// ---------------------------------------------------------------------------------------------
// What one benchmark run gives back

interface Row {
  /** The benchmark (one per file in bench/). */
  bench: string;
  /** What this row compares. */
  what: string;
  /** ArcLink's figure and the peer's, as text with units. */
  arclink: string;
  peer: string;
  /** ArcLink ÷ peer as the benchmark defines it (higher is better for ArcLink), if it has one. */
  ratio?: number;
  /** The target for the ratio, if the issue sets one. */
  target?: string;
  /** Other figures worth reading with the ratio. */
  notes: string;
  command: string;
  load: string;
  status: "ok" | "skipped" | "failed";
}

interface Outcome {
  code: number | null;
  stdout: string;
  stderr: string;
  seconds: number;
  load: [number, number];
  timedOut: boolean;
}

interface Bench {
  name: string;
  /** Missing prerequisites, each with what to do about it; empty when it can run. */
  check(): Promise<string[]>;
  /** One or more runs (for example one per store); each gives its command and how to read it. */
  runs(): Array<{
    args: string[];
    nodeArgs?: string[];
    env?: Record<string, string>;
    parse: (o: Outcome, cmd: string) => Row[];
  }>;
}

/** The last line of the output that is a JSON object or array, parsed; undefined when there is none. */
function lastJson(out: string): any {
  const lines = out.trim().split("\n").reverse();
  for (const l of lines) {
    const t = l.trim();
    if ((t.startsWith("{") && t.endsWith("}")) || (t.startsWith("[") && t.endsWith("]"))) {
      try {
        return JSON.parse(t);
      } catch {
        // not JSON after all: keep looking
      }
    }
  }
  return undefined;
}

/** The markdown table lines (rows starting with "|") a benchmark printed. */
function tables(out: string): string[] {
  const lines: string[] = [];
  for (const l of out.split("\n")) {
    if (l.trim().startsWith("|")) lines.push(l);
    else if (lines.length && lines[lines.length - 1] !== "") lines.push("");
  }
  return lines;
}

const n0 = (x: unknown) => (typeof x === "number" && Number.isFinite(x) ? x.toFixed(0) : "n/a");
const n2 = (x: unknown) => (typeof x === "number" && Number.isFinite(x) ? x.toFixed(2) : "n/a");
const k1 = (x: unknown) =>
  typeof x === "number" && Number.isFinite(x)
    ? x >= 1000
      ? `${(x / 1000).toFixed(1)}k`
      : x.toFixed(0)
    : "n/a";
const loadText = (l: [number, number]) => `${l[0].toFixed(1)} → ${l[1].toFixed(1)}`;

/** The line of a failed run's stderr that says what went wrong (the error, not its stack). */
function errorLine(stderr: string): string {
  const lines = stderr.trim().split("\n");
  const hit = lines.find((l) => /^\w*Error\b|^error:|must be|needs|not set|cannot|did not/i.test(l.trim()));
  return (hit ?? lines[lines.length - 1] ?? "").trim().slice(0, 300);
}

function which(cmd: string): boolean {
  return spawnSync("sh", ["-c", `command -v ${cmd}`], { stdio: "ignore" }).status === 0;
}

async function postgresProblem(): Promise<string | undefined> {
  const url = process.env[POSTGRES_ENV];
  if (!url) {
    return (
      `${POSTGRES_ENV} is not set. Install and start PostgreSQL (Debian: apt-get install -y postgresql), then set it to ` +
      `the URL of a user that may create databases, e.g. ${POSTGRES_ENV}=postgres://postgres:PASSWORD@127.0.0.1:5432/postgres`
    );
  }
  const c = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5000 });
  try {
    await c.connect();
    await c.query("SELECT 1");
    return undefined;
  } catch (e) {
    return `PostgreSQL at ${POSTGRES_ENV} does not answer (${(e as Error).message}): start it, or fix the URL.`;
  } finally {
    await c.end().catch(() => undefined);
  }
}

// ---------------------------------------------------------------------------------------------
// The benchmarks

const seconds = flagNum("seconds", 3);
const rounds = flagNum("rounds", 3);

function failed(bench: string, what: string, cmd: string, o: Outcome, why: string): Row {
  return {
    bench,
    what,
    arclink: "—",
    peer: "—",
    notes: why,
    command: cmd,
    load: loadText(o.load),
    status: "failed",
  };
}

const pct = (x: unknown) =>
  typeof x === "number" && Number.isFinite(x) ? `${Math.round(x * 100)} %` : "n/a";

const BENCHES: Bench[] = [
  {
    name: "arm-get",
    check: async () => [],
    runs: () => [
      {
        args: ["arm-get.js", "--seconds", String(seconds), "--rounds", String(rounds)],
        parse(o, cmd) {
          const j = lastJson(o.stdout);
          if (!j?.rows?.length) return [failed("arm-get", "ARM GET", cmd, o, "no JSON result line")];
          return (j.rows as any[]).map((r, i) => ({
            bench: "arm-get",
            what: `${r.label} vs a bare HTTPS server`,
            arclink: `${n0(r.arc.rps)} req/s, ${n0(r.arc.cpuUs)} CPU µs/req`,
            peer: `${n0(r.bare.rps)} req/s, ${n0(r.bare.cpuUs)} CPU µs/req`,
            ratio: r.ratio,
            target: j.targets?.[i] !== undefined ? `≥ ${n2(j.targets[i])}` : undefined,
            notes:
              `CPU ratio (bare ÷ ArcLink per request) ${n2(r.bare.cpuUs / r.arc.cpuUs)}; ` +
              `core used, server/generator: ArcLink ${pct(r.arc.serverCore)}/${pct(r.arc.generatorCore)}, ` +
              `bare ${pct(r.bare.serverCore)}/${pct(r.bare.generatorCore)}; generator check on the bare server: ${j.saturation?.bound ?? "n/a"}`,
            command: cmd,
            load: loadText(o.load),
            status: "ok" as const,
          }));
        },
      },
    ],
  },
  {
    name: "dns",
    async check() {
      const missing: string[] = [];
      for (const c of ["dnsperf", "unbound"])
        if (!which(c)) missing.push(`${c} is not on PATH (Debian: apt-get install -y ${c})`);
      return missing;
    },
    runs: () => [
      {
        args: [
          "dns/run.js",
          "--seconds",
          String(Math.max(seconds, 5)),
          "--rounds",
          String(rounds),
          ...(which("taskset") ? [] : ["--no-pin"]),
        ],
        parse(o, cmd) {
          const j = lastJson(o.stdout);
          if (typeof j?.ratio !== "number")
            return [failed("dns", "DNS QPS vs Unbound", cmd, o, "no JSON result line")];
          const notes = [
            `CPU per query, Unbound ÷ ArcLink ${n2(j.cpuRatio)}`,
            `ArcLink ${n2(j.arclink?.cpuUsPerQueryAtMax)} µs/query`,
            `lost ${j.arclink?.lost ?? "n/a"}`,
          ];
          if (j.withWrites?.run)
            notes.push(`with ${n0(j.withWrites.perSecond)} writes/s: ${k1(j.withWrites.run.qps)} QPS`);
          return [
            {
              bench: "dns",
              what: "DNS QPS, inbound endpoint vs Unbound (same query file)",
              arclink: `${k1(j.arclink?.qps)} QPS`,
              peer: `${k1(j.unbound?.qps)} QPS`,
              ratio: j.ratio,
              target: "≥ 0.75",
              notes: notes.join("; "),
              command: cmd,
              load: loadText(o.load),
              status: "ok",
            },
          ];
        },
      },
    ],
  },
  {
    name: "onboarding",
    check: async () => [],
    runs() {
      const hosts = flagList("hosts", "1000").join(",");
      const maxMinutes = String(flagNum("max-minutes", 20));
      return flagList("stores", "sqlite").map((store) => ({
        args: ["onboarding.js", "--hosts", hosts, "--store", store, "--max-minutes", maxMinutes],
        env:
          store === "postgres" && process.env[POSTGRES_ENV]
            ? { ARCLINK_POSTGRES_URL: process.env[POSTGRES_ENV]! }
            : {},
        parse(o: Outcome, cmd: string): Row[] {
          const j = lastJson(o.stdout);
          if (!j?.results?.length)
            return [failed("onboarding", `onboarding (${store})`, cmd, o, "no JSON result line")];
          return (j.results as any[]).map((r) => ({
            bench: "onboarding",
            what: `onboarding + heartbeats, ${r.hosts} machines, ${store}`,
            arclink: `${n0(r.onboard?.perSecond)} onboarded/s; heartbeat ${n0(r.heartbeat?.cpuUsPerHeartbeat)} CPU µs`,
            peer: `plain write ${n0(r.peer?.cpuUsPerWrite)} CPU µs`,
            ratio: typeof r.heartbeatOverhead === "number" ? 1 / r.heartbeatOverhead : undefined,
            notes: `heartbeat round ${n2(r.heartbeat?.cpuS)} CPU s (${n2((r.heartbeat?.coreShareAt5Min ?? NaN) * 100)} % of a core at 5 min); onboard overhead × ${n2(r.onboardOverhead)}`,
            command: cmd,
            load: loadText(o.load),
            status: "ok" as const,
          }));
        },
      }));
    },
  },
  {
    name: "fleet",
    async check() {
      if (!existsSync(join(DIST_BENCH, "fleet.js"))) return ["bench/fleet.ts is not in this build"];
      const stores = flagList("fleet-stores", "sqlite,postgres");
      const p = stores.includes("postgres") ? await postgresProblem() : undefined;
      return p ? [`${p} (or pass --fleet-stores sqlite)`] : [];
    },
    runs() {
      const machines = flagList("fleet-machines", "10000").join(",");
      const stores = flagList("fleet-stores", "sqlite,postgres").join(",");
      const extra = (flagText("fleet-args") ?? "").split(/\s+/).filter(Boolean);
      return [
        {
          nodeArgs: ["--expose-gc"],
          args: ["fleet.js", "--machines", machines, "--store", stores, ...extra],
          parse(o: Outcome, cmd: string): Row[] {
            const j = lastJson(o.stdout);
            const results: any[] | undefined = Array.isArray(j) ? j : j?.results;
            if (!results?.length) return [failed("fleet", "fleet", cmd, o, "no JSON result line")];
            const rows: Row[] = results.map((r) => {
              const p = r.progress ?? {};
              return {
                bench: "fleet",
                what: `onboarding + heartbeats, ${r.machines} machines, ${r.store}${r.groupCommit === false ? ", group commit off" : ""}`,
                arclink: `${n0(p.onboardPerSecond)} onboarded/s; heartbeat round ${n2(p.heartbeatCpuSecondsPerRound)} CPU s`,
                peer: `${n0(r.peer?.perSecond)} plain check-in writes/s`,
                // The benchmark reports ArcLink ÷ peer in time (lower is better): inverted here.
                ratio:
                  typeof r.onboardVsPeer === "number" && r.onboardVsPeer > 0
                    ? 1 / r.onboardVsPeer
                    : undefined,
                notes:
                  `heartbeat CPU ÷ peer ${n2(r.heartbeatVsPeerCpu)}; ${n2((p.heartbeatCoreShareAt5Min ?? NaN) * 100)} % of a core at 5 min; ` +
                  `memory (heap growth ${r.heapGrowth ?? "?"}): peak RSS ${n0(r.peakRssMiB ?? r.rssMiB)} MiB, heap after GC ${n0(r.heapMiB)} MiB at ${r.machines} machines`,
                command: cmd,
                load: Array.isArray(r.load) ? loadText(r.load) : loadText(o.load),
                status: "ok" as const,
              };
            });
            // PostgreSQL against SQLite at each size both ran.
            for (const pgRow of results.filter((r) => r.store === "postgres" && r.groupCommit !== false)) {
              const sq = results.find(
                (r) => r.store === "sqlite" && r.machines === pgRow.machines && r.groupCommit !== false,
              );
              if (!sq) continue;
              rows.push({
                bench: "fleet",
                what: `onboarding, ${pgRow.machines} machines: PostgreSQL vs SQLite`,
                arclink: `PostgreSQL ${n0(pgRow.progress?.onboardPerSecond)} onboarded/s`,
                peer: `SQLite ${n0(sq.progress?.onboardPerSecond)} onboarded/s`,
                ratio: pgRow.progress?.onboardPerSecond / sq.progress?.onboardPerSecond,
                notes: `heartbeat round CPU s: PostgreSQL ${n2(pgRow.progress?.heartbeatCpuSecondsPerRound)}, SQLite ${n2(sq.progress?.heartbeatCpuSecondsPerRound)}`,
                command: cmd,
                load: loadText(o.load),
                status: "ok",
              });
            }
            return rows;
          },
        },
      ];
    },
  },
  {
    name: "lint",
    check: async () => [],
    runs() {
      const hosts = String(flagNum("lint-hosts", 100_000));
      return [
        {
          args: ["lint.js", "--hosts", hosts],
          parse(o: Outcome, cmd: string): Row[] {
            const j = lastJson(o.stdout);
            // lint.js prints text; a JSON line (lintMs, lintCpuMs, whatIfMs, ratio) wins when present.
            const m = (re: RegExp) => {
              const x = re.exec(o.stdout);
              return x ? Number(x[1]) : NaN;
            };
            const lintMs = j?.lintMs ?? m(/^lint: (\d+) ms wall/m);
            const lintCpu = j?.lintCpuMs ?? m(/^lint: \d+ ms wall, (\d+) ms CPU/m);
            const whatIfMs = j?.whatIfMs ?? m(/^what-if, verdicts[^:]*\): ([\d.]+) ms wall/m);
            const ratio = j?.ratio ?? m(/^ratio what-if \/ [^:]*: ([\d.]+)/m);
            if (!Number.isFinite(lintMs))
              return [failed("lint", "lint", cmd, o, "no 'lint:' line in the output")];
            return [
              {
                bench: "lint",
                what: `lint of ${Number(hosts).toLocaleString("en-US")} hosts; what-if of one host vs full lint`,
                arclink: `what-if ${n0(whatIfMs)} ms`,
                peer: `full lint ${n0(lintMs)} ms (${n0(lintCpu)} ms CPU)`,
                ratio: Number.isFinite(ratio) && ratio > 0 ? 1 / ratio : undefined,
                target: "lint < 3 s; what-if < 100 ms",
                notes: `lint.js's "ratio what-if / full re-evaluation" ${Number.isFinite(ratio) ? ratio.toFixed(3) : "n/a"} (the ratio column is its inverse)`,
                command: cmd,
                load: loadText(o.load),
                status: "ok",
              },
            ];
          },
        },
      ];
    },
  },
  {
    name: "deployments",
    check: async () => [],
    runs() {
      const n = String(flagNum("deploy-resources", 1000));
      return [
        {
          args: ["deployments.js", "--resources", n],
          parse(o: Outcome, cmd: string): Row[] {
            const j = lastJson(o.stdout);
            if (!j || j.name !== "deployments")
              return [failed("deployments", "deployments", cmd, o, "no result line in the output")];
            const perS = (ms: number) => n0((j.resources * 1000) / ms);
            return [
              {
                bench: "deployments",
                what: `${Number(j.resources).toLocaleString("en-US")} record sets: one template (copy loops) vs one PUT each through ARM`,
                arclink: `deployment ${n0(j.deployMs)} ms (${perS(j.deployMs)} resources/s)`,
                peer: `${n0(j.putsMs)} ms (${perS(j.putsMs)} resources/s)`,
                ratio: j.ratio,
                notes: `what-if ${n0(j.whatIfEmptyMs)} ms with nothing deployed (${perS(j.whatIfEmptyMs)} resources/s), ${n0(j.whatIfDeployedMs)} ms with all deployed`,
                command: cmd,
                load: loadText(o.load),
                status: "ok",
              },
            ];
          },
        },
      ];
    },
  },
  {
    name: "replicas",
    async check() {
      const p = await postgresProblem();
      return p ? [p] : [];
    },
    runs() {
      const machines = flagList("machines", "1000,10000").join(",");
      return [
        {
          args: [
            "replicas.js",
            "--machines",
            machines,
            "--seconds",
            String(seconds),
            "--rounds",
            String(rounds),
          ],
          parse(o: Outcome, cmd: string): Row[] {
            const j = lastJson(o.stdout);
            if (!j?.rows?.length) return [failed("replicas", "replicas", cmd, o, "no JSON result line")];
            const sizes: number[] = j.machines;
            return (j.rows as any[]).map((r) => {
              const growth =
                sizes.length > 1 && r.machines === sizes[sizes.length - 1]
                  ? (() => {
                      const small = (j.rows as any[]).find(
                        (x) => x.machines === sizes[0] && x.label === r.label,
                      );
                      return small
                        ? `; CPU/req ×${n2(r.one.replicaCpuUs[0] / small.one.replicaCpuUs[0])} vs ${sizes[0]} machines`
                        : "";
                    })()
                  : "";
              return {
                bench: "replicas",
                what: `${r.label}, ${r.machines} machines: 2 replicas vs 1 (PostgreSQL)`,
                arclink: `${n0(r.two.rps)} req/s (${r.two.replicaCpuUs.map(n0).join(" + ")} CPU µs/req)`,
                peer: `${n0(r.one.rps)} req/s (${n0(r.one.replicaCpuUs[0])} CPU µs/req)`,
                ratio: r.ratio,
                target: "≥ 1.30",
                notes: `replica cores ${n2(r.one.replicaCores[0])} → ${r.two.replicaCores.map(n2).join(" + ")}; others took ${n2(r.one.otherCores)} / ${n2(r.two.otherCores)} cores; client ${n0(r.two.clientCpuUs)} CPU µs/req${growth}`,
                command: cmd,
                load: loadText(o.load),
                status: "ok" as const,
              };
            });
          },
        },
      ];
    },
  },
];

// ---------------------------------------------------------------------------------------------
// Running

function runOne(
  args: string[],
  nodeArgs: string[],
  env: Record<string, string>,
  timeoutMs: number,
): Promise<Outcome> {
  const load0 = loadavg()[0];
  const t0 = Date.now();
  return new Promise((resolveRun) => {
    const p = spawn(process.execPath, [...nodeArgs, join(DIST_BENCH, args[0]), ...args.slice(1)], {
      cwd: ROOT,
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, ...env },
      detached: true, // its own process group, so a timeout stops what it started too
    });
    let stdout = "";
    let stderr = "";
    // The benchmark's own output goes to stderr as it comes (progress); stdout stays for the table.
    p.stdout!.on("data", (d) => {
      stdout += d;
      process.stderr.write(d);
    });
    p.stderr!.on("data", (d) => {
      stderr += d;
      process.stderr.write(d);
    });
    let timedOut = false;
    const t = setTimeout(() => {
      timedOut = true;
      try {
        process.kill(-p.pid!, "SIGTERM");
      } catch {
        p.kill("SIGTERM");
      }
      setTimeout(() => {
        try {
          process.kill(-p.pid!, "SIGKILL");
        } catch {
          // already gone
        }
      }, 10_000).unref();
    }, timeoutMs);
    p.once("close", (code) => {
      clearTimeout(t);
      resolveRun({
        code,
        stdout,
        stderr,
        seconds: (Date.now() - t0) / 1000,
        load: [load0, loadavg()[0]],
        timedOut,
      });
    });
  });
}

function commandLine(args: string[], nodeArgs: string[], env: Record<string, string>): string {
  const envText = Object.keys(env).length
    ? Object.keys(env)
        .map((k) => `${k}=… `)
        .join("")
    : "";
  return `${envText}node ${nodeArgs.map((a) => a + " ").join("")}dist/bench/${args.join(" ")}`;
}

function markdown(rows: Row[], meta: string[], details: Array<{ name: string; lines: string[] }>): string {
  const esc = (s: string) => s.replace(/\|/g, "\\|");
  const out = [
    "# Benchmark results",
    "",
    ...meta.map((m) => `- ${m}`),
    "",
    "Each ratio compares ArcLink with its peer measured in the same run (see each benchmark's section in",
    "[README.md](README.md)): higher is better for ArcLink.",
    "",
    table(rows, esc).join("\n"),
    "",
  ];
  for (const d of details) {
    if (!d.lines.length) continue;
    out.push(`## ${d.name}`, "", ...d.lines, "");
  }
  return out.join("\n");
}

function table(rows: Row[], esc: (s: string) => string = (s) => s): string[] {
  return [
    "| benchmark | what | ArcLink | peer | ratio | target | other figures | load avg | command |",
    "|---|---|---|---|---|---|---|---|---|",
    ...rows.map(
      (r) =>
        `| ${r.bench} | ${esc(r.what)} | ${esc(r.arclink)} | ${esc(r.peer)} | ${r.status === "ok" ? (r.ratio === undefined ? "—" : `**${r.ratio.toFixed(2)}**`) : r.status.toUpperCase()} | ${esc(r.target ?? "")} | ${esc(r.notes)} | ${r.load} | \`${esc(r.command)}\` |`,
    ),
  ];
}

async function main(): Promise<void> {
  const names = BENCHES.map((b) => b.name);
  const only = flagText("only") ? flagList("only", "") : names;
  const skip = flagText("skip") ? flagList("skip", "") : [];
  for (const n of [...only, ...skip]) {
    if (!names.includes(n)) throw new Error(`unknown benchmark '${n}': choose from ${names.join(", ")}`);
  }
  if (!existsSync(join(DIST_BENCH, "arm-get.js"))) {
    throw new Error("dist/bench is missing: build first with npx tsc -p tsconfig.json");
  }
  const timeoutMs = flagNum("timeout-minutes", 30) * 60_000;
  const outFile = resolve(flagText("out") ?? join(ROOT, "bench/results.md"));
  const started = new Date();
  const load0 = loadavg();
  const rows: Row[] = [];
  const details: Array<{ name: string; lines: string[] }> = [];
  const problems: string[] = [];
  for (const b of BENCHES.filter((x) => only.includes(x.name) && !skip.includes(x.name))) {
    const missing = await b.check();
    if (missing.length) {
      const why = missing.join("; ");
      process.stderr.write(`\n== ${b.name}: skipped: ${why}\n`);
      rows.push({
        bench: b.name,
        what: "—",
        arclink: "—",
        peer: "—",
        notes: `skipped: ${why}`,
        command: "",
        load: "",
        status: "skipped",
      });
      continue;
    }
    for (const r of b.runs()) {
      const env = r.env ?? {};
      const cmd = commandLine(r.args, r.nodeArgs ?? [], env);
      process.stderr.write(`\n== ${b.name}: ${cmd} (load average ${loadavg()[0].toFixed(2)})\n`);
      const o = await runOne(r.args, r.nodeArgs ?? [], env, timeoutMs);
      let got: Row[];
      if (o.timedOut) {
        got = [
          failed(b.name, b.name, cmd, o, `timed out after ${timeoutMs / 60_000} min (--timeout-minutes)`),
        ];
      } else if (/--store must be/.test(o.stderr)) {
        // This version of the benchmark does not know the store: not a failure of the run.
        got = [
          {
            ...failed(b.name, b.name, cmd, o, `skipped: ${errorLine(o.stderr)}`),
            status: "skipped",
          },
        ];
      } else {
        got = r.parse(o, cmd);
        if (o.code !== 0) {
          const why = o.code === null ? "killed by a signal" : `exit code ${o.code}`;
          got = got.map((x) => ({
            ...x,
            status: "failed",
            notes: `${why}: ${errorLine(o.stderr)}; ${x.notes}`,
          }));
        }
      }
      for (const g of got) if (g.status === "failed") problems.push(`${b.name} (${cmd}): ${g.notes}`);
      rows.push(...got);
      const t = tables(o.stdout);
      if (t.length) details.push({ name: `${b.name}: \`${cmd}\``, lines: t });
      process.stderr.write(
        `== ${b.name}: ${o.code === 0 ? "done" : `exit code ${o.code}`} in ${o.seconds.toFixed(0)} s\n`,
      );
    }
  }
  const load1 = loadavg();
  const meta = [
    `Date: ${started.toISOString().replace(/\.\d+Z$/, "Z")} (took ${((Date.now() - started.getTime()) / 60_000).toFixed(1)} min)`,
    `Node ${process.version}, ${cpus().length} CPUs (${cpus()[0]?.model?.trim() ?? "unknown"})`,
    `Load average (1, 5, 15 min): ${load0.map((x) => x.toFixed(2)).join(", ")} at the start, ${load1.map((x) => x.toFixed(2)).join(", ")} at the end`,
    `Command: \`node dist/bench/run.js${process.argv.length > 2 ? " " + process.argv.slice(2).join(" ") : ""}\` (after \`npx tsc -p tsconfig.json\`; the replicas benchmark, and fleet on PostgreSQL, need ${POSTGRES_ENV})`,
  ];
  const md = markdown(rows, meta, details);
  writeFileSync(outFile, md);
  process.stdout.write("\n" + meta.join("\n") + "\n\n" + table(rows).join("\n") + "\n\n");
  process.stdout.write(`Written to ${relative(process.cwd(), outFile) || outFile}.\n`);
  if (has("readme")) {
    const readme = join(ROOT, "bench/README.md");
    const text = readFileSync(readme, "utf8");
    const a = text.indexOf(README_START);
    const z = text.indexOf(README_END);
    if (a < 0 || z < a) {
      problems.push(
        `bench/README.md has no ${README_START} … ${README_END} markers: the table was not embedded`,
      );
    } else {
      const embedded = [
        README_START,
        "",
        ...meta.map((m) => `- ${m}`),
        "",
        ...table(rows, (s) => s.replace(/\|/g, "\\|")),
        "",
        README_END,
      ];
      writeFileSync(readme, text.slice(0, a) + embedded.join("\n") + text.slice(z + README_END.length));
      process.stdout.write("The table in bench/README.md was replaced.\n");
    }
  }
  if (problems.length) {
    process.stderr.write(
      `\n${problems.length} benchmark run(s) failed:\n${problems.map((p) => `  - ${p}`).join("\n")}\n`,
    );
    process.exitCode = 1;
  }
}

main().catch((e) => {
  process.stderr.write(`${(e as Error)?.message ?? e}\n`);
  process.exit(1);
});
