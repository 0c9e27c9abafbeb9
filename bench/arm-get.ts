// ARM GET throughput: ArcLink against a bare Node HTTPS server that replays ArcLink's own
// response bytes (same TLS certificate, same headers, same body), in the same run.
//
//   node dist/bench/arm-get.js [--seconds 3] [--rounds 3] [--connections 32] [--items 1000] [--profile DIR]
//     [--serve-args "--heap-growth 0"]
//
// Both servers run in their own process pinned to core 0; the load generator (autocannon) runs in
// a third process pinned to core 1, one per measurement, and reports its own CPU time. The first
// measurement checks that the generator saturates the bare server. --profile DIR starts ArcLink
// and the bare server with --cpu-prof (each profile is written to DIR when it stops). See bench/README.md.
import { ChildProcess, spawn, spawnSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { createServer } from "node:https";
import { AddressInfo } from "node:net";
import { cpus, loadavg } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { removeDataDir, startServer, TestServer } from "../test/helpers/server.js";
import { raw, token } from "../test/helpers/arm.js";

interface Captured {
  path: string;
  status: number;
  headers: Record<string, string>;
  body: string;
}

interface Measure {
  rps: number;
  p50: number;
  p99: number;
  errors: number;
  requests: number;
  /** Server CPU time (user + system) per answered request, in microseconds; NaN where /proc is missing. */
  cpuUs: number;
  /** Share of one core the server used while measured (1 = its core was saturated). */
  serverCore: number;
  /** Share of one core the load generator used (1 = the generator was the limit). */
  generatorCore: number;
  /** The generator's CPU time per answered request, µs. */
  generatorCpuUs: number;
}

/** Where the server (and the bare peer) run, and where the load generator runs: different cores. */
const SERVER_CORE = 0;
const GENERATOR_CORE = cpus().length > 1 ? 1 : 0;

/** CPU time a process has used so far, in microseconds (Linux /proc; NaN elsewhere). */
function cpuTimeUs(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
    return ((Number(fields[11]) + Number(fields[12])) * 1e6) / CLOCK_TICKS;
  } catch {
    return NaN;
  }
}

/** USER_HZ: 100 on every Linux Node runs on. */
const CLOCK_TICKS = 100;

const HOP_HEADERS = new Set(["date", "connection", "keep-alive", "transfer-encoding"]);

function flag(name: string, dflt: number): number {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0) return dflt;
  const v = Number(process.argv[i + 1]);
  if (!Number.isFinite(v) || v <= 0) throw new Error(`--${name} needs a positive number`);
  return v;
}

/** The bare server: answers every request with the captured response for its path. */
async function bareServer(configFile: string): Promise<void> {
  const cfg = JSON.parse(readFileSync(configFile, "utf8")) as {
    key: string;
    cert: string;
    responses: Captured[];
  };
  const byPath = new Map(cfg.responses.map((r) => [r.path, r]));
  const server = createServer({ key: cfg.key, cert: cfg.cert, keepAliveTimeout: 30_000 }, (req, res) => {
    const hit = byPath.get(req.url ?? "");
    if (!hit) {
      res.writeHead(404, { "content-length": 0 });
      res.end();
      return;
    }
    res.writeHead(hit.status, hit.headers);
    res.end(hit.body);
  });
  server.listen(0, "127.0.0.1", () => {
    process.stdout.write(JSON.stringify({ port: (server.address() as AddressInfo).port }) + "\n");
  });
  process.on("SIGTERM", () => server.close(() => process.exit(0)));
}

async function startBare(
  configFile: string,
  nodeArgs: string[] = [],
): Promise<{ port: number; proc: ChildProcess }> {
  const proc = spawn(
    "taskset",
    ["-c", String(SERVER_CORE), process.execPath, ...nodeArgs, fileURLToPath(import.meta.url), "--bare", configFile],
    { stdio: ["ignore", "pipe", "inherit"] },
  );
  const port = await new Promise<number>((resolve, reject) => {
    let out = "";
    const t = setTimeout(() => reject(new Error("the bare server did not start in 10 s")), 10_000);
    proc.stdout!.on("data", (d) => {
      out += d;
      const line = out.split("\n")[0];
      if (out.includes("\n")) {
        clearTimeout(t);
        resolve((JSON.parse(line) as { port: number }).port);
      }
    });
    proc.once("exit", (c) => reject(new Error(`the bare server exited with ${c}`)));
  });
  return { port, proc };
}

/**
 * One measurement: a separate load generator process (autocannon, `connections` keep-alive
 * connections) pinned to GENERATOR_CORE runs a 1 s warm-up, then `seconds` of load; the server's
 * CPU time is read from /proc around the measured part. Counts 2xx with the expected body length.
 */
async function load(
  port: number,
  pid: number,
  path: string,
  headers: Record<string, string>,
  expectBytes: number,
  seconds: number,
  connections: number,
): Promise<Measure> {
  const args = JSON.stringify({ port, path, headers, expectBytes, seconds, connections });
  const gen = spawn(
    "taskset",
    ["-c", String(GENERATOR_CORE), process.execPath, fileURLToPath(import.meta.url), "--generate", args],
    { stdio: ["ignore", "pipe", "inherit"] },
  );
  let cpu0 = NaN;
  let out = "";
  const result = await new Promise<GeneratorResult>((resolve, reject) => {
    gen.stdout!.on("data", (d) => {
      out += d;
      const lines = out.split("\n");
      out = lines.pop()!;
      for (const line of lines) {
        if (line === "measuring") cpu0 = cpuTimeUs(pid);
        else if (line.startsWith("{")) {
          const r = JSON.parse(line) as GeneratorResult;
          r.serverCpuUs = cpuTimeUs(pid) - cpu0;
          resolve(r);
        }
      }
    });
    gen.once("exit", (c) => reject(new Error(`the load generator exited with ${c} before its result`)));
  });
  await new Promise((r) => (gen.exitCode !== null ? r(undefined) : gen.once("exit", r)));
  const ok = Math.max(1, result.ok);
  return {
    rps: result.ok / result.seconds,
    p50: result.p50,
    p99: result.p99,
    errors: result.errors,
    requests: result.total,
    cpuUs: result.serverCpuUs / ok,
    serverCore: result.serverCpuUs / 1e6 / result.seconds,
    generatorCore: result.generatorCpuUs / 1e6 / result.seconds,
    generatorCpuUs: result.generatorCpuUs / ok,
  };
}

interface GeneratorResult {
  ok: number;
  total: number;
  errors: number;
  seconds: number;
  p50: number;
  p99: number;
  /** The generator's own CPU time (user + system) during the measured part, µs. */
  generatorCpuUs: number;
  /** Filled in by the parent: the server's CPU time during the measured part, µs. */
  serverCpuUs: number;
}

/** The load generator process: autocannon in this process, a warm-up, then the measured run. */
async function generate(argsJson: string): Promise<void> {
  const a = JSON.parse(argsJson) as {
    port: number;
    path: string;
    headers: Record<string, string>;
    expectBytes: number;
    seconds: number;
    connections: number;
  };
  // autocannon ships no type declarations: imported by a computed name, typed loosely.
  const name = "autocannon";
  const { default: autocannon } = (await import(name)) as { default: any };
  const run = (duration: number) => {
    let bad = 0;
    const instance = autocannon({
      url: `https://127.0.0.1:${a.port}${a.path}`,
      connections: a.connections,
      duration,
      headers: a.headers,
    });
    instance.on("response", (_client: unknown, status: number, bytes: number) => {
      // `bytes` counts the whole response (status line, headers, body): the body is its tail.
      if (status !== 200 || bytes < a.expectBytes) bad++;
    });
    return new Promise<{ r: any; bad: number }>((resolve, reject) =>
      instance.then((r: any) => resolve({ r, bad }), reject),
    );
  };
  await run(1); // warm-up: TLS handshakes, JIT on both sides
  process.stdout.write("measuring\n");
  const c0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  const { r, bad } = await run(a.seconds);
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const c1 = process.cpuUsage(c0);
  const total = Number(r.requests.total);
  const errors = Number(r.errors) + Number(r.timeouts) + bad;
  const result: GeneratorResult = {
    ok: Math.max(0, total - bad),
    total,
    errors,
    seconds,
    p50: Number(r.latency.p50),
    p99: Number(r.latency.p99),
    generatorCpuUs: c1.user + c1.system,
    serverCpuUs: 0,
  };
  process.stdout.write(JSON.stringify(result) + "\n");
}

async function capture(srv: TestServer, path: string, bearer: string): Promise<Captured> {
  const r = await raw(srv.info, "GET", path, undefined, { authorization: `Bearer ${bearer}` });
  if (r.status !== 200) throw new Error(`GET ${path}: ${r.status} ${r.text}`);
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(r.headers)) {
    if (!HOP_HEADERS.has(k) && v !== undefined) headers[k] = Array.isArray(v) ? v.join(", ") : v;
  }
  return { path, status: r.status, headers, body: r.text };
}

async function putAll(srv: TestServer, bearer: string, paths: string[], body: object): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: 16 }, async () => {
      while (next < paths.length) {
        const p = paths[next++];
        const r = await raw(srv.info, "PUT", p, body, { authorization: `Bearer ${bearer}` });
        if (r.status !== 200 && r.status !== 201) throw new Error(`PUT ${p}: ${r.status} ${r.text}`);
      }
    }),
  );
}

async function main(): Promise<void> {
  const seconds = flag("seconds", 3);
  const connections = flag("connections", 32);
  const items = flag("items", 1000);
  const rounds = flag("rounds", 3);
  const profileDir = flagText("profile");
  const serveArgs = (flagText("serve-args") ?? "").split(/\s+/).filter(Boolean);
  const srv = await startServer({
    args: serveArgs,
    nodeArgs: profileDir ? ["--cpu-prof", `--cpu-prof-dir=${profileDir}`] : [],
  });
  pin(srv.info.pid, SERVER_CORE);
  let bare: { port: number; proc: ChildProcess } | undefined;
  try {
    const i = srv.info;
    const bearer = await token(i);
    const sub = `/subscriptions/${i.subscriptionId}`;
    const rgv = "api-version=2025-04-01";
    // One resource: a HybridCompute private link scope when that provider is registered, else a resource group.
    const hc = await raw(i, "GET", `${sub}/providers/Microsoft.HybridCompute?${rgv}`, undefined, {
      authorization: `Bearer ${bearer}`,
    });
    const scopeType = hc.status === 200 ? findType(hc.json, "privateLinkScopes") : undefined;
    await putAll(srv, bearer, [`${sub}/resourcegroups/bench-one?${rgv}`], { location: "eastus" });
    let onePath = `${sub}/resourcegroups/bench-one?${rgv}`;
    let oneLabel = "GET one resource group";
    if (scopeType) {
      const v = scopeType.apiVersions[0];
      const p = `${sub}/resourceGroups/bench-one/providers/Microsoft.HybridCompute/privateLinkScopes/bench-scope?api-version=${v}`;
      await putAll(srv, bearer, [p], { location: "eastus", properties: { publicNetworkAccess: "Disabled" } });
      onePath = p;
      oneLabel = "GET one privateLinkScope";
    }
    // A list of `items` resources: resource groups (bench-one plus items-1 more), one page.
    const names = Array.from({ length: items - 1 }, (_, k) => `bench-${String(k).padStart(5, "0")}`);
    await putAll(
      srv,
      bearer,
      names.map((n) => `${sub}/resourcegroups/${n}?${rgv}`),
      { location: "westeurope", tags: { purpose: "bench" } },
    );
    const listPath = `${sub}/resourcegroups?${rgv}&$top=${items}`;
    const one = await capture(srv, onePath, bearer);
    const list = await capture(srv, listPath, bearer);
    const listed = (JSON.parse(list.body) as { value: unknown[] }).value.length;
    if (listed !== items) throw new Error(`the list returned ${listed} items, expected ${items}`);

    const tls = join(i.dataDir, "tls");
    const cfgFile = join(i.dataDir, "bench-bare.json");
    writeFileSync(
      cfgFile,
      JSON.stringify({
        key: readFileSync(join(tls, "server-key.pem"), "utf8"),
        cert: readFileSync(join(tls, "server.pem"), "utf8"),
        responses: [one, list],
      }),
    );
    // With --profile, the bare server is profiled too (its file is the one whose name has its pid).
    bare = await startBare(cfgFile, profileDir ? ["--cpu-prof", `--cpu-prof-dir=${profileDir}`] : []);
    const armPort = Number(new URL(i.arm).port);
    const headers = { authorization: `Bearer ${bearer}`, accept: "application/json" };

    // First: does the generator saturate the bare peer? If the generator's core is busy and the
    // server's is not, every ratio below is client-bound (squeezed towards 1).
    const loadAtStart = loadavg();
    const sat = await load(
      bare.port,
      bare.proc.pid!,
      one.path,
      headers,
      Buffer.byteLength(one.body),
      seconds,
      connections,
    );
    // Interleaved rounds (ArcLink, bare, ArcLink, bare, ...) so that load from other processes
    // hits both alike; each figure is the median over the rounds.
    const rows: Array<{ label: string; bytes: number; arc: Measure; bare: Measure; ratio: number }> = [];
    for (const [label, c] of [
      [oneLabel, one],
      [`GET list of ${items} resource groups`, list],
    ] as const) {
      const bytes = Buffer.byteLength(c.body);
      const arcRuns: Measure[] = [];
      const bareRuns: Measure[] = [];
      for (let k = 0; k < rounds; k++) {
        arcRuns.push(await load(armPort, srv.info.pid, c.path, headers, bytes, seconds, connections));
        bareRuns.push(await load(bare.port, bare.proc.pid!, c.path, headers, bytes, seconds, connections));
      }
      const ratio = median(arcRuns.map((a, k) => a.rps / bareRuns[k].rps));
      rows.push({ label, bytes, arc: medianOf(arcRuns), bare: medianOf(bareRuns), ratio });
    }

    const out = process.stdout;
    const la = (l: number[]) => l.map((x) => x.toFixed(2)).join(", ");
    out.write(
      `\nARM GET throughput: load generator autocannon in its own process on core ${GENERATOR_CORE}, servers on core ${SERVER_CORE}; ` +
        `${connections} keep-alive connections, median of ${rounds} interleaved ${seconds} s runs, node ${process.version}, ${cpus().length} CPUs, ` +
        `load average (1, 5, 15 min) ${la(loadAtStart)} at start, ${la(loadavg())} at end\n\n`,
    );
    out.write(
      `Generator check (bare server, ${oneLabel}): ${num(sat.rps)} req/s; bare server used ${pct(sat.serverCore)} of its core ` +
        `(${num(sat.cpuUs)} CPU µs/req), the generator ${pct(sat.generatorCore)} of its core (${num(sat.generatorCpuUs)} CPU µs/req): ${bound(sat)}.\n\n`,
    );
    const pad = (s: string, n: number) => s.padEnd(n);
    const cols: Array<[string, number, (r: (typeof rows)[number]) => string]> = [
      ["request", 38, (r) => r.label],
      ["bytes", 9, (r) => String(r.bytes)],
      ["ArcLink req/s", 15, (r) => num(r.arc.rps)],
      ["bare req/s", 12, (r) => num(r.bare.rps)],
      ["ratio", 7, (r) => num(r.ratio, 2)],
      ["ArcLink CPU µs/req", 20, (r) => num(r.arc.cpuUs)],
      ["bare CPU µs/req", 17, (r) => num(r.bare.cpuUs)],
      ["CPU ratio", 11, (r) => num(r.bare.cpuUs / r.arc.cpuUs, 2)],
      ["core: ArcLink/gen", 19, (r) => `${pct(r.arc.serverCore)}/${pct(r.arc.generatorCore)}`],
      ["core: bare/gen", 16, (r) => `${pct(r.bare.serverCore)}/${pct(r.bare.generatorCore)}`],
      ["ArcLink p50/p99 ms", 20, (r) => `${num(r.arc.p50, 1)}/${num(r.arc.p99, 1)}`],
      ["bare p50/p99 ms", 17, (r) => `${num(r.bare.p50, 1)}/${num(r.bare.p99, 1)}`],
      ["errors", 6, (r) => String(r.arc.errors + r.bare.errors)],
    ];
    out.write(cols.map(([h, w]) => pad(h, w)).join("") + "\n");
    for (const r of rows) out.write(cols.map(([, w, f]) => pad(f(r), w)).join("") + "\n");
    out.write(
      `\nratio = ArcLink req/s ÷ bare req/s (same generator, same run); CPU ratio = bare CPU per request ÷ ArcLink CPU per request ` +
        `(the figure that survives a loaded machine); core = share of one core used by the server / by the generator while measured.\n`,
    );
    for (const [k, r] of rows.entries()) {
      const target = TARGETS[k];
      const cpuRatio = r.bare.cpuUs / r.arc.cpuUs;
      out.write(
        `Target for ${r.label}: ratio ≥ ${target.toFixed(2)}: ${r.ratio >= target ? "met" : "NOT met"} (${num(r.ratio, 2)}; by CPU ${num(cpuRatio, 2)}); bare run ${bound(r.bare)}.\n`,
      );
    }
    if (loadavg()[0] > cpus().length) {
      out.write(
        `Warning: the load average (${loadavg()[0].toFixed(2)}) exceeds the CPU count: other processes competed for the CPUs, so req/s are noisy; read the CPU µs per request.\n`,
      );
    }
    out.write(
      JSON.stringify({
        connections,
        seconds,
        rounds,
        loadStart: loadAtStart,
        loadEnd: loadavg(),
        saturation: { ...sat, bound: bound(sat) },
        targets: TARGETS,
        rows,
      }) + "\n",
    );
    if (sat.errors > 0 || rows.some((r) => r.arc.errors + r.bare.errors > 0)) process.exitCode = 1;
  } finally {
    if (bare) {
      bare.proc.kill("SIGTERM");
      await new Promise((r) => (bare!.proc.exitCode !== null ? r(undefined) : bare!.proc.once("exit", r)));
    }
    await srv.stop();
    removeDataDir(srv.dataDir);
  }
}

/** The targets, row by row: GET of one resource, then the list. */
const TARGETS = [0.8, 0.7];

const num = (n: number, d = 0) => (Number.isFinite(n) ? n.toFixed(d) : "n/a");
const pct = (x: number) => (Number.isFinite(x) ? `${Math.round(x * 100)} %` : "n/a");

/** Which side limited a run: the server's core, the generator's core, or neither (other processes took the CPU). */
function bound(m: Measure): string {
  if (m.serverCore >= 0.9) return "server-bound (the server's core is saturated)";
  if (m.generatorCore >= 0.9)
    return "CLIENT-BOUND (the generator's core is saturated, the server's is not: the ratio is squeezed towards 1)";
  return "neither core saturated: other processes competed for the CPUs";
}

/** Pins a running process, all its threads, to one core (Linux taskset). */
function pin(pid: number, core: number): void {
  const r = spawnSync("taskset", ["-a", "-p", "-c", String(core), String(pid)], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`taskset could not pin process ${pid} to core ${core}: ${r.stderr}`);
}

function flagText(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i < 0 ? undefined : process.argv[i + 1];
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

function medianOf(runs: Measure[]): Measure {
  return {
    rps: median(runs.map((r) => r.rps)),
    p50: median(runs.map((r) => r.p50)),
    p99: median(runs.map((r) => r.p99)),
    cpuUs: median(runs.map((r) => r.cpuUs)),
    serverCore: median(runs.map((r) => r.serverCore)),
    generatorCore: median(runs.map((r) => r.generatorCore)),
    generatorCpuUs: median(runs.map((r) => r.generatorCpuUs)),
    errors: runs.reduce((n, r) => n + r.errors, 0),
    requests: runs.reduce((n, r) => n + r.requests, 0),
  };
}

function findType(provider: any, name: string): { apiVersions: string[] } | undefined {
  const t = (provider?.resourceTypes ?? []).find(
    (x: any) => String(x.resourceType).toLowerCase() === name.toLowerCase(),
  );
  return t && Array.isArray(t.apiVersions) && t.apiVersions.length ? t : undefined;
}

if (process.argv[2] === "--bare") {
  void bareServer(process.argv[3]);
} else if (process.argv[2] === "--generate") {
  generate(process.argv[3]).catch((e) => {
    process.stderr.write(`${(e as Error)?.stack ?? e}\n`);
    process.exit(1);
  });
} else {
  main().catch((e) => {
    process.stderr.write(`${(e as Error)?.stack ?? e}\n`);
    process.exit(1);
  });
}
