// ARM GET throughput: ArcLink against a bare Node HTTPS server that replays ArcLink's own
// response bytes (same TLS certificate, same headers, same body), in the same run.
//
//   node dist/bench/arm-get.js [--seconds 3] [--rounds 3] [--connections 32] [--items 1000]
//
// Both servers run in their own process; this process is the load generator (node's https
// client, keep-alive agent, a fixed number of requests in flight). See bench/README.md.
import { ChildProcess, spawn } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { Agent, createServer, request } from "node:https";
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
}

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

async function startBare(configFile: string): Promise<{ port: number; proc: ChildProcess }> {
  const proc = spawn(process.execPath, [fileURLToPath(import.meta.url), "--bare", configFile], {
    stdio: ["ignore", "pipe", "inherit"],
  });
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

/** Keeps `connections` requests in flight for `seconds`; counts 200s with the expected body length. */
async function load(
  port: number,
  pid: number,
  ca: Buffer,
  path: string,
  headers: Record<string, string>,
  expectBytes: number,
  seconds: number,
  connections: number,
): Promise<Measure> {
  const agent = new Agent({ keepAlive: true, maxSockets: connections, ca });
  const latencies: number[] = [];
  let errors = 0;
  let requests = 0;
  const one = () =>
    new Promise<void>((resolve) => {
      const t0 = process.hrtime.bigint();
      const req = request({ host: "127.0.0.1", port, path, method: "GET", agent, headers }, (res) => {
        let n = 0;
        res.on("data", (c: Buffer) => (n += c.length));
        res.on("end", () => {
          requests++;
          if (res.statusCode !== 200 || n !== expectBytes) errors++;
          else latencies.push(Number(process.hrtime.bigint() - t0) / 1e6);
          resolve();
        });
      });
      req.on("error", () => {
        errors++;
        resolve();
      });
      req.end();
    });
  const run = async (ms: number) => {
    const until = Date.now() + ms;
    await Promise.all(
      Array.from({ length: connections }, async () => {
        while (Date.now() < until) await one();
      }),
    );
  };
  await run(1000); // warm-up: TLS handshakes, JIT
  latencies.length = 0;
  errors = 0;
  requests = 0;
  const t0 = process.hrtime.bigint();
  const cpu0 = cpuTimeUs(pid);
  await run(seconds * 1000);
  const cpuUs = (cpuTimeUs(pid) - cpu0) / Math.max(1, latencies.length);
  const elapsed = Number(process.hrtime.bigint() - t0) / 1e9;
  agent.destroy();
  latencies.sort((a, b) => a - b);
  const pct = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * p))] ?? 0;
  return { rps: latencies.length / elapsed, p50: pct(0.5), p99: pct(0.99), errors, requests, cpuUs };
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
  const srv = await startServer();
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
    bare = await startBare(cfgFile);
    const ca = readFileSync(i.caCert);
    const armPort = Number(new URL(i.arm).port);
    const headers = { authorization: `Bearer ${bearer}`, accept: "application/json" };

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
        arcRuns.push(await load(armPort, srv.info.pid, ca, c.path, headers, bytes, seconds, connections));
        bareRuns.push(
          await load(bare.port, bare.proc.pid!, ca, c.path, headers, bytes, seconds, connections),
        );
      }
      const ratio = median(arcRuns.map((a, k) => a.rps / bareRuns[k].rps));
      rows.push({ label, bytes, arc: medianOf(arcRuns), bare: medianOf(bareRuns), ratio });
    }

    const out = process.stdout;
    out.write(
      `\nARM GET throughput, ${connections} connections (keep-alive), median of ${rounds} interleaved ${seconds} s runs, node ${process.version}, ${cpus().length} CPUs, load average ${loadavg()[0].toFixed(2)} at start\n\n`,
    );
    const pad = (s: string, n: number) => s.padEnd(n);
    const num = (n: number, d = 0) => (Number.isFinite(n) ? n.toFixed(d) : "n/a");
    const cols: Array<[string, number, (r: (typeof rows)[number]) => string]> = [
      ["request", 38, (r) => r.label],
      ["bytes", 9, (r) => String(r.bytes)],
      ["ArcLink req/s", 15, (r) => num(r.arc.rps)],
      ["bare req/s", 12, (r) => num(r.bare.rps)],
      ["ratio", 7, (r) => num(r.ratio, 2)],
      ["ArcLink CPU µs/req", 20, (r) => num(r.arc.cpuUs)],
      ["bare CPU µs/req", 17, (r) => num(r.bare.cpuUs)],
      ["CPU ratio", 11, (r) => num(r.bare.cpuUs / r.arc.cpuUs, 2)],
      ["ArcLink p50/p99 ms", 20, (r) => `${num(r.arc.p50, 1)}/${num(r.arc.p99, 1)}`],
      ["bare p50/p99 ms", 17, (r) => `${num(r.bare.p50, 1)}/${num(r.bare.p99, 1)}`],
      ["errors", 6, (r) => String(r.arc.errors + r.bare.errors)],
    ];
    out.write(cols.map(([h, w]) => pad(h, w)).join("") + "\n");
    for (const r of rows) out.write(cols.map(([, w, f]) => pad(f(r), w)).join("") + "\n");
    const ratio = rows[0].ratio;
    const cpuRatio = rows[0].bare.cpuUs / rows[0].arc.cpuUs;
    out.write(
      `\nratio = ArcLink req/s ÷ bare req/s (same client, same run); CPU ratio = bare CPU per request ÷ ArcLink CPU per request.\n` +
        `Target: ArcLink's single-resource GET at least 0.60 of the bare server: ${ratio >= 0.6 ? "met" : "NOT met"} (${ratio.toFixed(2)}; by CPU ${num(cpuRatio, 2)}).\n`,
    );
    if (loadavg()[0] > cpus().length) {
      out.write(
        `Warning: the load average (${loadavg()[0].toFixed(2)}) exceeds the CPU count: other processes competed for the CPUs.\n`,
      );
    }
    out.write(JSON.stringify({ connections, seconds, rounds, rows }) + "\n");
    if (rows.some((r) => r.arc.errors + r.bare.errors > 0)) process.exitCode = 1;
  } finally {
    if (bare) {
      bare.proc.kill("SIGTERM");
      await new Promise((r) => (bare!.proc.exitCode !== null ? r(undefined) : bare!.proc.once("exit", r)));
    }
    await srv.stop();
    removeDataDir(srv.dataDir);
  }
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
} else {
  main().catch((e) => {
    process.stderr.write(`${(e as Error)?.stack ?? e}\n`);
    process.exit(1);
  });
}
