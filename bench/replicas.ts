// ARM read throughput of one `arclink serve --store postgres` replica against two replicas on the
// same PostgreSQL database, with the same client load, in the same run.
//
//   ARCLINK_TEST_POSTGRES_URL=postgres://USER:PASSWORD@127.0.0.1:5432/postgres \
//   node dist/bench/replicas.js [--machines 1000,10000] [--seconds 3] [--rounds 3]
//                               [--connections 16] [--depth 4] [--clients 1] [--list 100]
//
// For each world size (--machines), a fresh database gets that many Microsoft.HybridCompute/machines:
// one created through ARM, the rest cloned from its stored body and committed straight through the
// PostgreSQL store in large write sets (the fast path; the replicas load them like any other commit).
// Then three reads are measured: GET one machine (cycling over --list machines), GET the list of the
// --list machines of one resource group, and a mix (nine GETs of one machine, one list). Each is run
// against one replica and against two (the client spreads its connections over both ports), in
// interleaved rounds; figures are medians over the rounds.
//
// The load generator is a separate process (--clients of them): raw TLS sockets with HTTP/1.1
// pipelining (--depth requests in flight per connection), which costs far less CPU per request than
// node's https client. CPU figures come from /proc/<pid>/stat for every replica and client, and from
// /proc/stat for the whole machine (what other processes took during the window). See bench/README.md.
import { ChildProcess, spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { connect, TLSSocket } from "node:tls";
import { fileURLToPath } from "node:url";
import { ensurePki } from "../src/core/pki.js";
import { MAX_MACHINES } from "../src/fleet/plan.js";
import { PostgresStore } from "../src/store/postgres.js";
import { Put } from "../src/store/store.js";
import { raw, token } from "../test/helpers/arm.js";
import { createDatabase, POSTGRES_ENV, TestDatabase } from "../test/helpers/postgres.js";
import { ARCLINK, Ready } from "../test/helpers/server.js";

const MACHINE_TYPE = "Microsoft.HybridCompute/machines";
const HCV = "api-version=2024-07-10";
const RGV = "api-version=2021-04-01";
/** USER_HZ: 100 on every Linux Node runs on. */
const CLOCK_TICKS = 100;

// ---------------------------------------------------------------------------------------------
// Flags

function flagText(name: string, dflt: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i < 0 ? dflt : (process.argv[i + 1] ?? "");
}

function flag(name: string, dflt: number, max: number): number {
  const v = Number(flagText(name, String(dflt)));
  if (!Number.isInteger(v) || v <= 0 || v > max)
    throw new Error(`--${name} needs a whole number between 1 and ${max}`);
  return v;
}

// ---------------------------------------------------------------------------------------------
// CPU accounting (Linux /proc; NaN elsewhere)

/** CPU time (user + system) a process has used so far, in microseconds. */
function cpuTimeUs(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
    return ((Number(fields[11]) + Number(fields[12])) * 1e6) / CLOCK_TICKS;
  } catch {
    return NaN;
  }
}

/** The whole machine's busy and total CPU time so far, in microseconds (all cores). */
function machineCpuUs(): { busy: number; total: number } {
  try {
    const f = readFileSync("/proc/stat", "utf8").split("\n")[0].trim().split(/\s+/).slice(1).map(Number);
    // user nice system idle iowait irq softirq steal (guest fields are already counted in user)
    const total = f.slice(0, 8).reduce((a, b) => a + b, 0);
    const idle = f[3] + f[4];
    return { busy: ((total - idle) * 1e6) / CLOCK_TICKS, total: (total * 1e6) / CLOCK_TICKS };
  } catch {
    return { busy: NaN, total: NaN };
  }
}

// ---------------------------------------------------------------------------------------------
// The load generator (child process): pipelined HTTP/1.1 over raw TLS sockets.

interface ClientConfig {
  ports: number[];
  /** Request paths, cycled in order by every connection. */
  paths: string[];
  authorization: string;
  ca: string;
  connections: number;
  depth: number;
}

/** Sent to a client on its stdin once it is connected: responses count from startAt to endAt (epoch ms). */
interface Window {
  startAt: number;
  endAt: number;
}

interface ClientResult {
  /** Answered with 200 within the window, per port (same order as `ports`). */
  ok: number[];
  errors: number;
  /** Status codes other than 200, with counts (anywhere, warm-up included). */
  statuses: Record<string, number>;
  bytes: number;
  cpuUs: number;
  p50: number;
  p99: number;
}

async function client(cfg: ClientConfig): Promise<void> {
  // Until the window arrives every response is warm-up (TLS handshakes, JIT).
  const win: Window = { startAt: Infinity, endAt: Infinity };
  let connected = 0;
  const starters: Array<() => void> = [];
  const reqs = cfg.paths.map((p) =>
    Buffer.from(
      `GET ${p} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: ${cfg.authorization}\r\nAccept: application/json\r\n\r\n`,
    ),
  );
  const ok = cfg.ports.map(() => 0);
  const statuses: Record<string, number> = {};
  let errors = 0;
  let bytes = 0;
  let cpuStart: NodeJS.CpuUsage | undefined;
  let cpuUs = NaN;
  // Latency is sampled (every 8th request) to keep the client cheap.
  const lat: number[] = [];
  const done: Promise<void>[] = [];
  for (let c = 0; c < cfg.connections; c++) {
    const portIdx = c % cfg.ports.length;
    done.push(
      new Promise<void>((resolve) => {
        const sock: TLSSocket = connect({
          host: "127.0.0.1",
          port: cfg.ports[portIdx],
          ca: cfg.ca,
          servername: "localhost",
        });
        sock.setNoDelay(true);
        let next = c * 7; // each connection starts at another place in the cycle
        let inFlight = 0;
        const sentAt: number[] = [];
        let sent = 0;
        let closing = false;
        const send = (n: number) => {
          const bufs: Buffer[] = [];
          for (let k = 0; k < n; k++) {
            bufs.push(reqs[next++ % reqs.length]);
            sentAt.push(sent++ % 8 === 0 ? performance.now() : -1);
          }
          inFlight += n;
          sock.write(bufs.length === 1 ? bufs[0] : Buffer.concat(bufs));
        };
        // Requests start once every connection is open, so handshakes do not queue behind requests.
        starters.push(() => send(cfg.depth));
        let open = false;
        sock.once("secureConnect", () => {
          open = true;
          if (++connected === cfg.connections) {
            for (const go of starters) go();
            process.stdout.write("connected\n");
          }
        });
        // Response parser: headers up to CRLFCRLF, then Content-Length bytes of body.
        let pending: Buffer = Buffer.alloc(0);
        let bodyLeft = -1;
        let status = 0;
        const finishOne = () => {
          inFlight--;
          const t0 = sentAt.shift() ?? -1;
          const now = Date.now();
          if (now >= win.startAt && now < win.endAt) {
            if (status === 200) {
              ok[portIdx]++;
              if (t0 >= 0) lat.push(performance.now() - t0);
            } else errors++;
          }
          if (status !== 200) statuses[status] = (statuses[status] ?? 0) + 1;
          if (now < win.endAt) send(1);
          else if (inFlight === 0 && !closing) {
            closing = true;
            sock.end();
          }
        };
        sock.on("data", (chunk: Buffer) => {
          let buf = pending.length ? Buffer.concat([pending, chunk]) : chunk;
          pending = Buffer.alloc(0);
          for (;;) {
            if (bodyLeft >= 0) {
              const take = Math.min(bodyLeft, buf.length);
              bodyLeft -= take;
              bytes += take;
              buf = buf.subarray(take);
              if (bodyLeft > 0) return;
              bodyLeft = -1;
              finishOne();
              if (!buf.length) return;
            }
            const end = buf.indexOf("\r\n\r\n");
            if (end < 0) {
              pending = Buffer.from(buf);
              return;
            }
            const head = buf.toString("latin1", 0, end);
            status = Number(head.slice(9, 12));
            const m = /\r\ncontent-length:\s*(\d+)/i.exec(head);
            if (!m) {
              // Chunked or close-delimited bodies are not expected from ArcLink's JSON answers.
              statuses[`${status} without content-length`] = 1;
              errors++;
              sock.destroy();
              return;
            }
            bodyLeft = Number(m[1]);
            buf = buf.subarray(end + 4);
            if (bodyLeft === 0) {
              bodyLeft = -1;
              finishOne();
              if (!buf.length) return;
            }
          }
        });
        sock.on("error", (e: NodeJS.ErrnoException) => {
          const now = Date.now();
          if (now >= win.startAt && now < win.endAt) errors++;
          if (!open) {
            process.stderr.write(`cannot connect to 127.0.0.1:${cfg.ports[portIdx]}: ${e.message}\n`);
            process.exit(2);
          }
          const when = `${inFlight} in flight`;
          const at = Number.isFinite(win.startAt)
            ? `${((now - win.startAt) / 1000).toFixed(1)} s into the window`
            : "in warm-up";
          const k = `socket ${e.code ?? e.message} (${when}, ${at})`;
          statuses[k] = (statuses[k] ?? 0) + 1;
        });
        sock.on("close", () => resolve());
      }),
    );
  }
  let guard: NodeJS.Timeout | undefined;
  let input = "";
  process.stdin.on("data", (d) => {
    input += d;
    if (!input.includes("\n")) return;
    Object.assign(win, JSON.parse(input.split("\n")[0]) as Window);
    process.stdin.pause();
    setTimeout(() => (cpuStart = process.cpuUsage()), Math.max(0, win.startAt - Date.now()));
    setTimeout(
      () => {
        const u = process.cpuUsage(cpuStart);
        cpuUs = u.user + u.system;
      },
      Math.max(0, win.endAt - Date.now()),
    );
    // A connection stuck on a server that stopped answering must not hang the benchmark.
    guard = setTimeout(() => process.exit(3), win.endAt - Date.now() + 30_000);
  });
  await Promise.all(done);
  clearTimeout(guard);
  process.stdin.destroy();
  lat.sort((a, b) => a - b);
  const pct = (p: number) => lat[Math.min(lat.length - 1, Math.floor(lat.length * p))] ?? NaN;
  const result: ClientResult = { ok, errors, statuses, bytes, cpuUs, p50: pct(0.5), p99: pct(0.99) };
  process.stdout.write(JSON.stringify(result) + "\n");
}

// ---------------------------------------------------------------------------------------------
// The orchestrator

/** A running `arclink serve`. */
interface Served {
  info: Ready;
  proc: ChildProcess;
  stop(): Promise<void>;
}

/**
 * How long a replica may take to load (or follow) a world of `machines`: a minute, and a minute more
 * per 300,000 machines (a replica reads and indexes every row at start).
 */
function settleMs(machines: number): number {
  return 60_000 + Math.ceil(machines / 300_000) * 60_000;
}

/** Every process this run started in its own session, so that an interrupted run stops them too. */
const running = new Set<ChildProcess>();

/**
 * Starts `arclink serve --store postgres` in its own session (setsid). With the kernel's scheduler
 * autogroups (kernel.sched_autogroup_enabled = 1), CPU time is shared fairly between sessions first:
 * replicas in one session would split one session's share of a busy machine between them, whereas
 * replicas on separate hosts or in separate services each get their own.
 */
async function startReplica(dataDir: string, url: string, machines: number): Promise<Served> {
  const readyFile = join(dataDir, `ready-${process.pid}-${Math.random().toString(36).slice(2)}.json`);
  const proc = spawn(
    process.execPath,
    [ARCLINK, "serve", "--port", "0", "--data", dataDir, "--ready-file", readyFile, "--store", "postgres"],
    { stdio: ["ignore", "pipe", "pipe"], detached: true, env: { ...process.env, ARCLINK_POSTGRES_URL: url } },
  );
  running.add(proc);
  let out = "";
  proc.stdout!.on("data", (d) => (out = (out + d).slice(-20_000)));
  proc.stderr!.on("data", (d) => (out = (out + d).slice(-20_000)));
  const exited = new Promise<void>((r) => proc.once("exit", () => r()));
  void exited.then(() => running.delete(proc));
  const readyMs = settleMs(machines);
  const deadline = Date.now() + readyMs;
  while (!existsSync(readyFile)) {
    if (proc.exitCode !== null) throw new Error(`arclink serve exited with ${proc.exitCode}:\n${out}`);
    if (Date.now() > deadline) {
      proc.kill("SIGKILL");
      throw new Error(`arclink serve did not become ready in ${readyMs / 1000} s:\n${out}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  const info = JSON.parse(readFileSync(readyFile, "utf8")) as Ready;
  return {
    info,
    proc,
    async stop() {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill("SIGTERM");
      await exited;
    },
  };
}

interface Replica {
  srv: Served;
  port: number;
  pid: number;
}

interface Measure {
  rps: number;
  /** Requests per second answered by each replica. */
  perReplica: number[];
  /** CPU µs per answered request, for each replica. */
  replicaCpuUs: number[];
  /** Cores each replica used during the window. */
  replicaCores: number[];
  clientCpuUs: number;
  clientCores: number;
  /** Cores the whole machine was busy, and how many of them went to processes other than ours. */
  machineCores: number;
  otherCores: number;
  p50: number;
  p99: number;
  errors: number;
  statuses: Record<string, number>;
}

async function measure(
  replicas: Replica[],
  paths: string[],
  authorization: string,
  ca: string,
  o: { seconds: number; connections: number; depth: number; clients: number },
): Promise<Measure> {
  const procs: ChildProcess[] = [];
  const outputs: Promise<ClientResult>[] = [];
  const connectedAll: Promise<void>[] = [];
  for (let k = 0; k < o.clients; k++) {
    const conns = Math.floor(o.connections / o.clients) + (k < o.connections % o.clients ? 1 : 0);
    // Each client spreads its connections over all the ports, starting at a different one.
    const ports = replicas.map((_, j) => replicas[(j + k) % replicas.length].port);
    const cfg: ClientConfig = {
      ports,
      paths,
      authorization,
      ca,
      connections: conns,
      depth: o.depth,
    };
    // Its own session too (see startReplica): the client's CPU is not taken from the replicas' share.
    const p = spawn(process.execPath, [fileURLToPath(import.meta.url), "--client", JSON.stringify(cfg)], {
      stdio: ["pipe", "pipe", "pipe"],
      detached: true,
    });
    procs.push(p);
    running.add(p);
    p.once("exit", () => running.delete(p));
    connectedAll.push(
      new Promise<void>((resolve, reject) => {
        const t = setTimeout(
          () => reject(new Error(`a load client did not open its ${conns} connections within 120 s`)),
          120_000,
        );
        let out = "";
        const on = (d: Buffer) => {
          out += d;
          if (out.includes("connected\n")) {
            clearTimeout(t);
            p.stdout!.off("data", on);
            resolve();
          }
        };
        p.stdout!.on("data", on);
        p.once("exit", (code) => {
          clearTimeout(t);
          reject(new Error(`a load client exited with ${code} before it connected`));
        });
      }),
    );
    outputs.push(
      new Promise((resolve, reject) => {
        let out = "";
        let err = "";
        p.stdout!.on("data", (d) => (out += d));
        p.stderr!.on("data", (d) => (err += d));
        p.once("exit", (code) => {
          const line = out.trim().split("\n").pop() ?? "";
          if (code !== 0 || !line.startsWith("{"))
            reject(new Error(`a load client exited with ${code}: ${err}`));
          else {
            const r = JSON.parse(line) as ClientResult;
            // Ports in this client's order back to replica order.
            const ok = replicas.map((rep) => r.ok[ports.indexOf(rep.port)]);
            resolve({ ...r, ok });
          }
        });
      }),
    );
  }
  try {
    await Promise.all(connectedAll);
  } catch (e) {
    for (const p of procs) p.kill("SIGKILL");
    await Promise.allSettled(outputs);
    throw e;
  }
  // Every connection is open and busy: one more second of warm-up, then the window.
  const startAt = Date.now() + 1000;
  const endAt = startAt + o.seconds * 1000;
  for (const p of procs) p.stdin!.end(JSON.stringify({ startAt, endAt }) + "\n");
  await sleepUntil(startAt);
  const cpu0 = replicas.map((r) => cpuTimeUs(r.pid));
  const cli0 = procs.map((p) => cpuTimeUs(p.pid!));
  const m0 = machineCpuUs();
  await sleepUntil(endAt);
  const cpu1 = replicas.map((r) => cpuTimeUs(r.pid));
  const cli1 = procs.map((p) => cpuTimeUs(p.pid!));
  const m1 = machineCpuUs();
  const results = await Promise.all(outputs);
  const perReplica = replicas.map((_, j) => results.reduce((n, r) => n + r.ok[j], 0));
  const total = perReplica.reduce((a, b) => a + b, 0);
  const secs = o.seconds;
  const replicaCpu = replicas.map((_, j) => cpu1[j] - cpu0[j]);
  const clientCpu = cli1.reduce((n, c, k) => n + c - cli0[k], 0);
  const wallCoreUs = secs * 1e6;
  const statuses: Record<string, number> = {};
  for (const r of results)
    for (const [s, n] of Object.entries(r.statuses)) statuses[s] = (statuses[s] ?? 0) + n;
  const ours = replicaCpu.reduce((a, b) => a + b, 0) + clientCpu;
  const machineBusy = m1.busy - m0.busy;
  return {
    rps: total / secs,
    perReplica: perReplica.map((n) => n / secs),
    replicaCpuUs: replicaCpu.map((c, j) => c / Math.max(1, perReplica[j])),
    replicaCores: replicaCpu.map((c) => c / wallCoreUs),
    clientCpuUs: clientCpu / Math.max(1, total),
    clientCores: clientCpu / wallCoreUs,
    machineCores: machineBusy / wallCoreUs,
    otherCores: Math.max(0, machineBusy - ours) / wallCoreUs,
    p50: median(results.map((r) => r.p50)),
    p99: Math.max(...results.map((r) => r.p99)),
    errors: results.reduce((n, r) => n + r.errors, 0),
    statuses,
  };
}

function sleepUntil(t: number): Promise<void> {
  return new Promise((r) => setTimeout(r, Math.max(0, t - Date.now())));
}

/** Creates `n` machines: one through ARM, the rest cloned from its stored body through the store. */
async function populate(
  a: Served,
  db: TestDatabase,
  bearer: string,
  n: number,
  listSize: number,
): Promise<{ sub: string; listNames: string[]; ms: number }> {
  const t0 = Date.now();
  const sub = `/subscriptions/${a.info.subscriptionId}`;
  const auth = { authorization: `Bearer ${bearer}` };
  for (const rg of ["bench-list", "bench-fleet"]) {
    const r = await raw(a.info, "PUT", `${sub}/resourcegroups/${rg}?${RGV}`, { location: "eastus" }, auth);
    if (r.status !== 200 && r.status !== 201)
      throw new Error(`PUT resource group ${rg}: ${r.status} ${r.text}`);
  }
  const first = "m-000000";
  const firstPath = `${sub}/resourceGroups/bench-list/providers/${MACHINE_TYPE}/${first}?${HCV}`;
  const put = await raw(
    a.info,
    "PUT",
    firstPath,
    { location: "eastus", tags: { purpose: "bench" }, properties: { osType: "linux" } },
    auth,
  );
  if (put.status !== 200 && put.status !== 201) throw new Error(`PUT machine: ${put.status} ${put.text}`);
  const row = (
    await db.query<{ id: string; body: string }>(
      "SELECT id, body FROM resources WHERE type = $1 AND body IS NOT NULL",
      [MACHINE_TYPE],
    )
  ).rows[0];
  if (!row) throw new Error("the machine created through ARM is not in the database");
  const template = row.body;
  const names = Array.from({ length: n }, (_, i) => `m-${String(i).padStart(6, "0")}`);
  const store = await PostgresStore.open(db.url, { poolSize: 2 });
  try {
    const BATCH = 2000;
    for (let i = 1; i < n; i += BATCH) {
      const puts: Put[] = [];
      for (let j = i; j < Math.min(n, i + BATCH); j++) {
        const rg = j < listSize ? "bench-list" : "bench-fleet";
        const id = row.id.replace("/bench-list/", `/${rg}/`).replace(`/${first}`, `/${names[j]}`);
        const body = JSON.parse(template.split(first).join(names[j]).split("/bench-list/").join(`/${rg}/`));
        body.id = id;
        if (body.properties?.vmId) body.properties.vmId = randomUUID();
        puts.push({ id, type: MACHINE_TYPE, body });
      }
      await store.commit({ puts, deletes: [], expect: new Map() });
    }
  } finally {
    await store.close();
  }
  return { sub, listNames: names.slice(0, Math.min(n, listSize)), ms: Date.now() - t0 };
}

async function waitFor(what: string, ms: number, probe: () => Promise<true | string>): Promise<void> {
  const t0 = Date.now();
  for (;;) {
    const r = await probe();
    if (r === true) return;
    if (Date.now() - t0 > ms) throw new Error(`${what}: not within ${ms} ms (${r})`);
    await new Promise((res) => setTimeout(res, 200));
  }
}

interface Case {
  label: string;
  paths: string[];
  /** Whether requests may be pipelined (see `run` below). */
  pipeline: boolean;
}

interface Row {
  machines: number;
  label: string;
  one: Measure;
  two: Measure;
  ratio: number;
  ratioPerRound: number[];
}

async function runSize(
  n: number,
  o: { seconds: number; rounds: number; connections: number; depth: number; clients: number; list: number },
): Promise<{ rows: Row[]; populateMs: number; bytes: Record<string, number> }> {
  const db = await createDatabase("bench_replicas");
  const dirs = [0, 1].map((k) => mkdtempSync(join(tmpdir(), `arclink-bench-replica-${k}-`)));
  const started: Served[] = [];
  try {
    // One CA and server certificate for both replicas.
    ensurePki(dirs[0]);
    cpSync(join(dirs[0], "tls"), join(dirs[1], "tls"), { recursive: true });
    started.push(await startReplica(dirs[0], db.url, 0));
    const bearer = await token(started[0].info);
    const pop = await populate(started[0], db, bearer, n, o.list);
    // The second replica starts on the populated database (it loads everything at start).
    started.push(await startReplica(dirs[1], db.url, n));
    const replicas: Replica[] = started.map((s) => ({
      srv: s,
      port: Number(new URL(s.info.arm).port),
      pid: s.info.pid,
    }));
    const auth = { authorization: `Bearer ${bearer}` };
    const listPath = `${pop.sub}/resourceGroups/bench-list/providers/${MACHINE_TYPE}?${HCV}`;
    const lastPath = `${pop.sub}/resourceGroups/${n > o.list ? "bench-fleet" : "bench-list"}/providers/${MACHINE_TYPE}/m-${String(n - 1).padStart(6, "0")}?${HCV}`;
    const onePaths = pop.listNames.map(
      (m) => `${pop.sub}/resourceGroups/bench-list/providers/${MACHINE_TYPE}/${m}?${HCV}`,
    );
    // Both replicas hold every machine, and answer the same list, before anything is measured.
    const bytes: Record<string, number> = {};
    for (const [k, rep] of replicas.entries()) {
      await waitFor(`replica ${k + 1} has the last machine`, settleMs(n), async () => {
        const r = await raw(rep.srv.info, "GET", lastPath, undefined, auth);
        return r.status === 200 || `${r.status}`;
      });
      const l = await raw(rep.srv.info, "GET", listPath, undefined, auth);
      if (l.status !== 200) throw new Error(`list on replica ${k + 1}: ${l.status} ${l.text}`);
      const count = (l.json.value as unknown[]).length;
      if (count !== pop.listNames.length || l.json.nextLink)
        throw new Error(
          `replica ${k + 1} lists ${count} machines (nextLink ${l.json.nextLink}), expected ${pop.listNames.length}`,
        );
      bytes.list = Buffer.byteLength(l.text);
      bytes.one = Buffer.byteLength((await raw(rep.srv.info, "GET", onePaths[0], undefined, auth)).text);
    }
    const ca = readFileSync(started[0].info.caCert, "utf8");
    const mix = [...onePaths.slice(0, 9), listPath];
    const cases: Case[] = [
      { label: "GET one machine", paths: onePaths, pipeline: true },
      { label: `GET list of ${pop.listNames.length} machines`, paths: [listPath], pipeline: false },
      { label: "mix: 9 GET one + 1 list", paths: mix, pipeline: false },
    ];
    const rows: Row[] = [];
    for (const c of cases) {
      const ones: Measure[] = [];
      const twos: Measure[] = [];
      for (let r = 0; r < o.rounds; r++) {
        // Alternate which goes first, so a trend in the machine's load hits both alike.
        // Node's HTTPS server drops a connection that pipelines more requests while it is held back
        // by a response larger than the socket's buffer (clientError HPE_PAUSED), so requests whose
        // answers are large go one at a time per connection, over depth × as many connections.
        const shape = c.pipeline ? o : { ...o, connections: o.connections * o.depth, depth: 1 };
        const run = (set: Replica[]) => measure(set, c.paths, `Bearer ${bearer}`, ca, shape);
        if (r % 2 === 0) {
          ones.push(await run(replicas.slice(0, 1)));
          twos.push(await run(replicas));
        } else {
          twos.push(await run(replicas));
          ones.push(await run(replicas.slice(0, 1)));
        }
        process.stderr.write(
          `  ${n} machines, ${c.label}, round ${r + 1}: 1 replica ${ones[r].rps.toFixed(0)} req/s, 2 replicas ${twos[r].rps.toFixed(0)} req/s (load ${loadavg()[0].toFixed(2)})\n`,
        );
      }
      const perRound = ones.map((x, k) => twos[k].rps / x.rps);
      rows.push({
        machines: n,
        label: c.label,
        one: medianOf(ones),
        two: medianOf(twos),
        ratio: median(perRound),
        ratioPerRound: perRound,
      });
    }
    return { rows, populateMs: pop.ms, bytes };
  } finally {
    await Promise.all(started.map((s) => s.stop()));
    await db.drop().catch(() => undefined);
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  }
}

function median(xs: number[]): number {
  const s = xs.filter((x) => !Number.isNaN(x)).sort((a, b) => a - b);
  if (!s.length) return NaN;
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

function medianOf(ms: Measure[]): Measure {
  const per = (f: (m: Measure) => number[]) => f(ms[0]).map((_, j) => median(ms.map((m) => f(m)[j])));
  const statuses: Record<string, number> = {};
  for (const m of ms) for (const [s, n] of Object.entries(m.statuses)) statuses[s] = (statuses[s] ?? 0) + n;
  return {
    rps: median(ms.map((m) => m.rps)),
    perReplica: per((m) => m.perReplica),
    replicaCpuUs: per((m) => m.replicaCpuUs),
    replicaCores: per((m) => m.replicaCores),
    clientCpuUs: median(ms.map((m) => m.clientCpuUs)),
    clientCores: median(ms.map((m) => m.clientCores)),
    machineCores: median(ms.map((m) => m.machineCores)),
    otherCores: median(ms.map((m) => m.otherCores)),
    p50: median(ms.map((m) => m.p50)),
    p99: median(ms.map((m) => m.p99)),
    errors: ms.reduce((n, m) => n + m.errors, 0),
    statuses,
  };
}

async function main(): Promise<void> {
  if (!process.env[POSTGRES_ENV]) {
    throw new Error(
      `${POSTGRES_ENV} is not set: this benchmark needs PostgreSQL. Set it to the URL of a user that may create ` +
        `databases, e.g. ${POSTGRES_ENV}=postgres://postgres:PASSWORD@127.0.0.1:5432/postgres`,
    );
  }
  const sizes = flagText("machines", "1000,10000")
    .split(",")
    .map((s) => Number(s));
  if (sizes.some((s) => !Number.isInteger(s) || s < 1 || s > MAX_MACHINES))
    throw new Error(`--machines: whole numbers between 1 and ${MAX_MACHINES}, comma-separated`);
  const o = {
    seconds: flag("seconds", 3, 60),
    rounds: flag("rounds", 3, 15),
    connections: flag("connections", 16, 512),
    depth: flag("depth", 4, 64),
    clients: flag("clients", 1, 8),
    list: flag("list", 100, 1000),
  };
  const load0 = loadavg()[0];
  process.stderr.write(
    `replicas: ${cpus().length} CPUs, load average ${load0.toFixed(2)}, machines ${sizes.join(", ")}, ` +
      `${o.connections} connections × ${o.depth} pipelined, ${o.clients} client process(es)\n`,
  );
  const rows: Row[] = [];
  const populateMs: Record<number, number> = {};
  const bytes: Record<number, Record<string, number>> = {};
  for (const n of sizes) {
    const r = await runSize(n, o);
    rows.push(...r.rows);
    populateMs[n] = r.populateMs;
    bytes[n] = r.bytes;
  }
  const load1 = loadavg()[0];
  const f = (x: number, d = 0) => (Number.isFinite(x) ? x.toFixed(d) : "n/a");
  const lines = [
    "",
    `ARM reads, 1 replica vs 2 replicas on one PostgreSQL database: median of ${o.rounds} interleaved ${o.seconds} s runs, ` +
      `${o.connections} connections × ${o.depth} pipelined requests, ${o.clients} client process(es), node ${process.version}, ` +
      `${cpus().length} CPUs, load average ${load0.toFixed(2)} at the start, ${load1.toFixed(2)} at the end`,
    "",
    "| machines | request | 1 replica req/s | 2 replicas req/s (each) | ratio | replica CPU µs/req: 1 / 2 (each) | replica cores: 1 / 2 (each) | client CPU µs/req: 1 / 2 | machine busy cores: 1 / 2 (others) | p50 ms: 1 / 2 | errors |",
    "|---|---|---|---|---|---|---|---|---|---|---|",
    ...rows.map(
      (r) =>
        `| ${r.machines} | ${r.label} | ${f(r.one.rps)} | ${f(r.two.rps)} (${r.two.perReplica.map((x) => f(x)).join(" + ")}) | **${f(r.ratio, 2)}** | ` +
        `${f(r.one.replicaCpuUs[0])} / ${r.two.replicaCpuUs.map((x) => f(x)).join(", ")} | ` +
        `${f(r.one.replicaCores[0], 2)} / ${r.two.replicaCores.map((x) => f(x, 2)).join(", ")} | ` +
        `${f(r.one.clientCpuUs)} / ${f(r.two.clientCpuUs)} | ` +
        `${f(r.one.machineCores, 2)} (${f(r.one.otherCores, 2)}) / ${f(r.two.machineCores, 2)} (${f(r.two.otherCores, 2)}) | ` +
        `${f(r.one.p50, 1)} / ${f(r.two.p50, 1)} | ${r.one.errors + r.two.errors} |`,
    ),
    "",
  ];
  // Per-replica cost against the size of the world: CPU µs per request at each size.
  if (sizes.length > 1) {
    lines.push(`Per-replica cost (CPU µs per request, one replica) as the world grows:`, "");
    const labels = [...new Set(rows.map((r) => r.label.replace(/\d+ machines/, "N machines")))];
    lines.push(
      `| request | ${sizes.map((s) => `${s} machines`).join(" | ")} | growth ${sizes[0]} → ${sizes[sizes.length - 1]} |`,
    );
    lines.push(`|---|${sizes.map(() => "---|").join("")}---|`);
    for (const l of labels) {
      const cost = sizes.map(
        (s) =>
          rows.find((r) => r.machines === s && r.label.replace(/\d+ machines/, "N machines") === l)!.one
            .replicaCpuUs[0],
      );
      lines.push(
        `| ${l} | ${cost.map((c) => f(c)).join(" | ")} | ×${f(cost[cost.length - 1] / cost[0], 2)} |`,
      );
    }
    lines.push("");
  }
  const headline = rows.find((r) => r.label.startsWith("mix")) ?? rows[0];
  const met = rows.filter((r) => r.machines === sizes[0]).every((r) => r.ratio >= 1.3);
  lines.push(
    `ratio = 2 replicas req/s ÷ 1 replica req/s (median of the per-round ratios). Target ≥ 1.30 (${sizes[0]} machines): ` +
      `${met ? "met" : "NOT met"} for ${rows
        .filter((r) => r.machines === sizes[0])
        .map((r) => `${r.label} ${f(r.ratio, 2)}`)
        .join(", ")}.`,
    `"others" = cores the machine was busy with processes other than the replicas and the client during the window; ` +
      `with ${cpus().length} CPUs, two replicas can only scale when the client and the others leave them room.`,
  );
  if (load0 > cpus().length || load1 > cpus().length) {
    lines.push(`Warning: the load average exceeded the CPU count: other processes competed for the CPUs.`);
  }
  process.stdout.write(lines.join("\n") + "\n");
  const errors = rows.reduce((n, r) => n + r.one.errors + r.two.errors, 0);
  process.stdout.write(
    JSON.stringify({
      bench: "replicas",
      node: process.version,
      cpus: cpus().length,
      loadAverage: [load0, load1],
      options: o,
      machines: sizes,
      populateMs,
      bytes,
      ratio: headline.ratio,
      target: 1.3,
      met,
      errors,
      rows,
    }) + "\n",
  );
  if (errors > 0) {
    process.stderr.write(
      `replicas: ${errors} request(s) were not answered with 200: ${JSON.stringify(rows.map((r) => [r.one.statuses, r.two.statuses]))}\n`,
    );
    process.exitCode = 1;
  }
}

if (process.argv[2] === "--client") {
  client(JSON.parse(process.argv[3]) as ClientConfig).catch((e) => {
    process.stderr.write(`${(e as Error)?.stack ?? e}\n`);
    process.exit(1);
  });
} else {
  for (const sig of ["SIGINT", "SIGTERM"] as const) {
    process.once(sig, () => {
      for (const p of running) p.kill("SIGTERM");
      process.exit(130);
    });
  }
  main().catch((e) => {
    process.stderr.write(`${(e as Error)?.stack ?? e}\n`);
    for (const p of running) p.kill("SIGTERM");
    process.exit(1);
  });
}
