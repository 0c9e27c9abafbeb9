// DNS throughput and latency: ArcLink's DNS Private Resolver inbound endpoint listener against
// Unbound serving the same records from auth-zones, with the same query file, in the same run.
//
//   node dist/bench/dns/run.js [--seconds 10] [--rounds 3] [--fixed 20000] [--low-rate 5000]
//                              [--no-pin] [--keep] [--no-node-peer] [--writes 33] [--out DIR]
//                              [--profile DIR] [--arclink FILE] [--dns-workers N]
//
// --dns-workers N (default 1): ArcLink serves with `serve --dns-workers N`, Unbound gets
// `num-threads: N` and the Node floor N processes sharing its socket. Above 1 nothing is pinned
// (on a 2-core machine the servers need both cores, which dnsperf then shares): the server CPU
// figures then include every process and thread of the server.
//
// A third server, the Node floor (nodePeer.ts), answers with ArcLink's own reply bytes from a Map
// and nothing else: it splits the gap to Unbound into Node's UDP path and ArcLink's own work.
// Two more ArcLink runs (--writes N, default 33, 0 to skip) keep N ARM writes per second going
// during the measurement, over HTTPS: 33/s is the check-in rate of 10,000 machines at Arc's
// 5-minute heartbeat. The first writes a resource group's tags (the network is unchanged, so the
// answer cache stays), the second an A record set in a privatelink zone (every write empties the
// answer cache). Before them, `--checks` (default 20) record writes are each followed at once by a
// query for that record: every answer must show the write (the cache is invalidated on every change).
//
// The last line of output is `BENCH_RESULT {json}` (ratio, latencyMs, lost, ...), for runners.
//
// Needs dnsperf and unbound on PATH (Debian: apt-get install -y dnsperf unbound), and taskset for
// pinning. Everything listens on 127.0.0.1 only. See bench/README.md ("DNS: inbound endpoint vs
// Unbound") for what each figure means.
import { ChildProcess, spawn, spawnSync } from "node:child_process";
import { raw, token } from "../../test/helpers/arm.js";
import { Ready } from "../../test/helpers/server.js";
import { createSocket } from "node:dgram";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import dnsPacket from "dns-packet";
import { INBOUND_ENDPOINT, writeAll } from "./gen.js";

const HERE = fileURLToPath(new URL(".", import.meta.url));

const HOST = "127.0.0.1";
/** USER_HZ: 100 on every Linux Node runs on. */
const CLOCK_TICKS = 100;

// ---------- flags ----------------------------------------------------------------------------

function flag(name: string, dflt: number): number {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0) return dflt;
  const v = Number(process.argv[i + 1]);
  if (!Number.isFinite(v) || v <= 0) throw new Error(`--${name} needs a positive number`);
  return v;
}
function flagText(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i < 0 ? undefined : process.argv[i + 1];
}
const has = (name: string) => process.argv.includes(`--${name}`);

const SECONDS = Math.min(flag("seconds", 10), 60);
const ROUNDS = Math.min(flag("rounds", 3), 10);
const FIXED = flag("fixed", 20000);
/** A second fixed rate, for the latency when the machine is too loaded to keep up with FIXED. */
const LOW_RATE = flag("low-rate", 5000);
const CHECKS = flagText("checks") === "0" ? 0 : Math.min(flag("checks", 20), 1000);
const DNS_WORKERS = Math.min(flag("dns-workers", 1), 64);
const PIN =
  !has("no-pin") && DNS_WORKERS === 1 && cpus().length >= 2 && spawnSync("taskset", ["-V"]).status === 0;
const PROFILE = flagText("profile");
const WRITES = flagText("writes") === "0" ? 0 : Math.min(flag("writes", 33), 500);
const ARCLINK = resolve(flagText("arclink") ?? join(HERE, "../../src/cli/arclink.js"));

// ---------- processes ------------------------------------------------------------------------

type ServerName = "arclink" | "unbound" | "node";

interface Server {
  name: ServerName;
  port: number;
  /** arclink serve's ready file. */
  ready?: Ready;
  proc: ChildProcess;
  output: () => string;
}

/** The server command, on core 0 when pinning (every thread of it: taskset before exec). */
function launch(cmd: string[]): { proc: ChildProcess; output: () => string } {
  const full = PIN ? ["taskset", "-c", "0", ...cmd] : cmd;
  const proc = spawn(full[0], full.slice(1), { stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  proc.stdout!.on("data", (d) => (out = (out + d).slice(-20000)));
  proc.stderr!.on("data", (d) => (out = (out + d).slice(-20000)));
  return { proc, output: () => out };
}

async function stop(s: Server | undefined): Promise<void> {
  if (!s || s.proc.exitCode !== null || s.proc.signalCode !== null) return;
  const exited = new Promise<void>((r) => s.proc.once("exit", () => r()));
  s.proc.kill("SIGTERM");
  const t = setTimeout(() => s.proc.kill("SIGKILL"), 10_000);
  await exited;
  clearTimeout(t);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A UDP port nobody holds right now (bind 0, read it, release it). */
async function freeUdpPort(): Promise<number> {
  const s = createSocket("udp4");
  await new Promise<void>((r) => s.bind(0, HOST, () => r()));
  const port = s.address().port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

/**
 * CPU time (user + system, all threads) a process and its live descendants (DNS workers, Node
 * peer children; `taskset` execs the server in place) have used so far, in seconds.
 */
function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
  let total = (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
  let children = "";
  try {
    children = readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8");
  } catch {
    // Gone, or a kernel without the children file: the process alone.
  }
  for (const c of children.split(" ").filter(Boolean)) {
    try {
      total += cpuSeconds(Number(c));
    } catch {
      // Exited meanwhile.
    }
  }
  return total;
}

async function startArcLink(dir: string): Promise<Server> {
  const data = join(dir, "arclink-data");
  const ready = join(dir, "arclink-ready.json");
  const nodeArgs = PROFILE ? ["--cpu-prof", "--cpu-prof-dir", resolve(PROFILE)] : [];
  const { proc, output } = launch([
    process.execPath,
    ...nodeArgs,
    ARCLINK,
    "serve",
    "--port",
    "0",
    "--data",
    data,
    "--ready-file",
    ready,
    "--topology",
    join(dir, "topology.yaml"),
    "--dns",
    `${INBOUND_ENDPOINT}=0`,
    "--dns-workers",
    String(DNS_WORKERS),
  ]);
  const deadline = Date.now() + 60_000;
  while (!existsSync(ready)) {
    if (proc.exitCode !== null) throw new Error(`arclink serve exited with ${proc.exitCode}:\n${output()}`);
    if (Date.now() > deadline) {
      proc.kill("SIGKILL");
      throw new Error(`arclink serve was not ready in 60 s:\n${output()}`);
    }
    await sleep(100);
  }
  const info = JSON.parse(readFileSync(ready, "utf8")) as Ready & { dns?: Record<string, { port: number }> };
  const port = info.dns?.[INBOUND_ENDPOINT]?.port;
  if (!port)
    throw new Error(`arclink serve has no '${INBOUND_ENDPOINT}' DNS listener: ${JSON.stringify(info.dns)}`);
  return { name: "arclink", port, proc, output, ready: info };
}

async function startNodePeer(dir: string, replies: Record<string, string>): Promise<Server> {
  const file = join(dir, "node-peer-replies.json");
  writeFileSync(file, JSON.stringify({ replies }));
  const { proc, output } = launch([process.execPath, join(HERE, "nodePeer.js"), file, String(DNS_WORKERS)]);
  const deadline = Date.now() + 15_000;
  for (;;) {
    const m = /\{"port":(\d+)\}/.exec(output());
    if (m) return { name: "node", port: Number(m[1]), proc, output };
    if (proc.exitCode !== null) throw new Error(`the node peer exited with ${proc.exitCode}:\n${output()}`);
    if (Date.now() > deadline) {
      proc.kill("SIGKILL");
      throw new Error(`the node peer did not start in 15 s:\n${output()}`);
    }
    await sleep(100);
  }
}

async function startUnbound(dir: string, port: number): Promise<Server> {
  const { proc, output } = launch(["unbound", "-d", "-c", join(dir, "unbound.conf")]);
  const s: Server = { name: "unbound", port, proc, output };
  const deadline = Date.now() + 15_000;
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`unbound exited with ${proc.exitCode}:\n${output()}`);
    const r = await query(port, "gbl.privatelink.his.arc.azure.com", 500).catch(() => undefined);
    if (r) return s;
    if (Date.now() > deadline) {
      await stop(s);
      throw new Error(`unbound did not answer in 15 s:\n${output()}`);
    }
    await sleep(200);
  }
}

// ---------- one query, for the answer check ---------------------------------------------------

interface Reply {
  /** The query as sent. */
  sent: Buffer;
  bytes: Buffer;
  packet: dnsPacket.Packet;
}

let nextId = 1;
function query(port: number, name: string, timeoutMs = 2000): Promise<Reply> {
  const id = nextId++ & 0xffff;
  const msg = dnsPacket.encode({
    type: "query",
    id,
    flags: dnsPacket.RECURSION_DESIRED,
    questions: [{ type: "A", class: "IN", name }],
  });
  return new Promise((resolveP, reject) => {
    const sock = createSocket("udp4");
    const t = setTimeout(() => {
      sock.close();
      reject(new Error(`no reply from ${HOST}:${port} for ${name} in ${timeoutMs} ms`));
    }, timeoutMs);
    sock.on("message", (bytes) => {
      const packet = dnsPacket.decode(bytes);
      if (packet.id !== id) return;
      clearTimeout(t);
      sock.close();
      resolveP({ sent: msg, bytes, packet });
    });
    sock.send(msg, port, HOST);
  });
}

/** What must be equal: rcode, the answer chain (name, type, data) and the final addresses. */
function summary(p: dnsPacket.Packet): { rcode: string; chain: string; final: string } {
  const chain = (p.answers ?? []).map((a) => {
    const data = "data" in a ? a.data : "";
    return `${a.name.toLowerCase()} ${a.type} ${String(data).toLowerCase()}`;
  });
  const final = (p.answers ?? [])
    .filter((a) => a.type === "A")
    .map((a) => String((a as { data: string }).data))
    .sort();
  const rcode = (p as { rcode?: string }).rcode ?? String((p.flags ?? 0) & 0xf);
  return { rcode, chain: chain.join(" | "), final: final.join(",") || "-" };
}

/** dns-packet never compresses names: re-encoding a reply gives its uncompressed size. */
function uncompressedSize(p: dnsPacket.Packet): number {
  return dnsPacket.encode(p).length;
}

interface AnswerCheck {
  names: number;
  mismatches: string[];
  /** ArcLink's reply to each question: hex of the query after its header → base64 reply. */
  replies: Record<string, string>;
  /** Reply sizes for a public name (CNAME + A), as sent and as they would be uncompressed. */
  sample: { name: string; arclinkBytes: number; unboundBytes: number; uncompressedBytes: number };
}

async function checkAnswers(dir: string, a: Server, u: Server): Promise<AnswerCheck> {
  const names = [...new Set(readFileSync(join(dir, "queries.txt"), "utf8").split("\n").filter(Boolean))].map(
    (l) => l.split(" ")[0],
  );
  const mismatches: string[] = [];
  const replies: Record<string, string> = {};
  for (const n of names) {
    const [ra, ru] = [await query(a.port, n), await query(u.port, n)];
    replies[ra.sent.subarray(12).toString("hex")] = ra.bytes.toString("base64");
    const [sa, su] = [summary(ra.packet), summary(ru.packet)];
    if (sa.rcode !== su.rcode || sa.chain !== su.chain || sa.final !== su.final)
      mismatches.push(`${n}: arclink ${sa.rcode} [${sa.chain}] vs unbound ${su.rcode} [${su.chain}]`);
  }
  const name = "gbl.his.arc.azure.com";
  const [ra, ru] = [await query(a.port, name), await query(u.port, name)];
  return {
    names: names.length,
    mismatches,
    replies,
    sample: {
      name,
      arclinkBytes: ra.bytes.length,
      unboundBytes: ru.bytes.length,
      uncompressedBytes: uncompressedSize(ra.packet),
    },
  };
}

// ---------- background ARM writes ------------------------------------------------------------

interface WriteTarget {
  /** ARM path with api-version. */
  path: string;
  /** The body of the n-th write. */
  body: (n: number) => object;
}

/** A tag on the benchmark resource group: nothing the network model is compiled from. */
const groupTags = (info: Ready): WriteTarget => ({
  path: `/subscriptions/${info.subscriptionId}/resourcegroups/rg-dnsbench?api-version=2021-04-01`,
  body: (n) => ({ location: "eastus", tags: { n: String(n) } }),
});

const TOUCH_ZONE = "privatelink.his.arc.azure.com";
const TOUCH_NAME = `bench-touch.${TOUCH_ZONE}`;
/** The n-th address written to the bench-touch record (never queried by dnsperf). */
const touchAddress = (n: number) => `10.250.${(n >> 8) & 0xff}.${n & 0xff}`;

/** An A record set in a privatelink zone the inbound endpoint serves: every write changes answers. */
const touchRecord = (info: Ready): WriteTarget => ({
  path:
    `/subscriptions/${info.subscriptionId}/resourceGroups/rg-dnsbench/providers/Microsoft.Network/` +
    `privateDnsZones/${TOUCH_ZONE}/A/bench-touch?api-version=2020-06-01`,
  body: (n) => ({ properties: { ttl: 10, aRecords: [{ ipv4Address: touchAddress(n) }] } }),
});

/**
 * `checks` times: write the bench-touch record, then at once ask the inbound endpoint for it.
 * Returns how many answers did not show the write just made (0 when the cache is invalidated on
 * every change).
 */
async function checkInvalidation(a: Server, checks: number): Promise<{ checks: number; stale: string[] }> {
  const target = touchRecord(a.ready!);
  const auth = `Bearer ${await token(a.ready!)}`;
  const stale: string[] = [];
  for (let n = 1; n <= checks; n++) {
    const r = await raw(a.ready!, "PUT", target.path, target.body(n), { authorization: auth });
    if (r.status !== 200 && r.status !== 201)
      throw new Error(`record write ${n} failed: ${r.status} ${r.text}`);
    const reply = await query(a.port, TOUCH_NAME);
    const got = (reply.packet.answers ?? []).map((x) => String((x as { data: string }).data)).join(",");
    if (got !== touchAddress(n))
      stale.push(`write ${n}: wrote ${touchAddress(n)}, answered ${got || "nothing"}`);
  }
  return { checks, stale };
}

/** PUTs `target` with a changing body, `rate` times a second, until stopped. */
class ArmWrites {
  private timer?: NodeJS.Timeout;
  private inFlight = 0;
  private done = 0;
  private failed = 0;
  private started = 0;
  private auth = "";

  constructor(
    private readonly info: Ready,
    private readonly rate: number,
    private readonly target: WriteTarget,
    /** First n given to target.body (so that a record keeps changing across runs). */
    private n = 0,
  ) {}

  async start(): Promise<void> {
    this.auth = `Bearer ${await token(this.info)}`;
    this.started = Date.now();
    this.timer = setInterval(() => {
      // At most 4 writes in flight: a slow server gets fewer writes, never a pile-up.
      if (this.inFlight >= 4) return;
      this.inFlight++;
      raw(this.info, "PUT", this.target.path, this.target.body(this.n++), { authorization: this.auth })
        .then((r) => (r.status === 200 || r.status === 201 ? this.done++ : this.failed++))
        .catch(() => this.failed++)
        .finally(() => this.inFlight--);
    }, 1000 / this.rate);
  }

  async stop(): Promise<{ done: number; failed: number; perSecond: number }> {
    clearInterval(this.timer);
    const seconds = (Date.now() - this.started) / 1000;
    for (let i = 0; i < 100 && this.inFlight > 0; i++) await sleep(50);
    return { done: this.done, failed: this.failed, perSecond: this.done / seconds };
  }
}

// ---------- dnsperf ----------------------------------------------------------------------------

interface Run {
  server: string;
  kind: "max" | "fixed" | "low" | "warmup" | "writes" | "dnswrites";
  args: string[];
  qps: number;
  latencyMs: number;
  sent: number;
  completed: number;
  lost: number;
  rcodes: string;
  requestBytes: number;
  responseBytes: number;
  /** Server CPU seconds during the run ÷ run time: the share of one core the server used. */
  serverCpu: number;
  /** Server CPU microseconds per completed query. */
  cpuUsPerQuery: number;
  /** dnsperf's own CPU seconds ÷ run time: near 1.0 (one thread) means the generator was the limit. */
  generatorCpu: number;
}

function num(text: string, re: RegExp): number {
  const m = re.exec(text);
  return m ? Number(m[1]) : NaN;
}

/** Runs a command to completion (killed after `timeoutMs`); resolves with its exit code and output. */
function run(cmd: string[], timeoutMs: number): Promise<{ code: number | null; out: string }> {
  return new Promise((resolveP) => {
    const p = spawn(cmd[0], cmd.slice(1), { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    p.stdout!.on("data", (d) => (out += d));
    p.stderr!.on("data", (d) => (out += d));
    const t = setTimeout(() => p.kill("SIGKILL"), timeoutMs);
    p.on("close", (code) => {
      clearTimeout(t);
      resolveP({ code, out });
    });
  });
}

async function dnsperf(s: Server, dir: string, kind: Run["kind"], secs: number, rate: number): Promise<Run> {
  const args = ["-s", HOST, "-p", String(s.port), "-d", join(dir, "queries.txt"), "-l", String(secs)];
  args.push("-c", "4", "-q", "100", "-Q", String(rate));
  // Through a shell that prints its own /proc stat after dnsperf exits: its cutime and cstime are
  // then dnsperf's CPU time (the generator's own load, reported beside the server's).
  const sh = [
    "sh",
    "-c",
    'dnsperf "$@"; r=$?; echo; echo "GENSTAT $(cat /proc/$$/stat)"; exit $r',
    "sh",
    ...args,
  ];
  const cmd = PIN ? ["taskset", "-c", "1", ...sh] : sh;
  const c0 = cpuSeconds(s.proc.pid!);
  const r = await run(cmd, (secs + 30) * 1000);
  const c1 = cpuSeconds(s.proc.pid!);
  const out = r.out;
  if (r.code !== 0) throw new Error(`dnsperf failed (${r.code}):\n${out}`);
  writeFileSync(join(dir, `dnsperf-${s.name}-${kind}-${Date.now()}.txt`), out);
  const runTime = num(out, /Run time \(s\):\s+([\d.]+)/);
  const completed = num(out, /Queries completed:\s+(\d+)/);
  const gen = (/GENSTAT .*\) (.*)/.exec(out)?.[1] ?? "").split(" ");
  const generatorCpu = (Number(gen[13]) + Number(gen[14])) / CLOCK_TICKS / runTime;
  return {
    server: s.name,
    kind,
    args: args.slice(6),
    qps: num(out, /Queries per second:\s+([\d.]+)/),
    latencyMs: num(out, /Average Latency \(s\):\s+([\d.]+)/) * 1000,
    sent: num(out, /Queries sent:\s+(\d+)/),
    completed,
    lost: num(out, /Queries lost:\s+(\d+)/),
    rcodes: /Response codes:\s+(.*)/.exec(out)?.[1] ?? "?",
    requestBytes: num(out, /Average packet size:\s+request (\d+)/),
    responseBytes: num(out, /Average packet size:\s+request \d+, response (\d+)/),
    serverCpu: (c1 - c0) / runTime,
    cpuUsPerQuery: ((c1 - c0) * 1e6) / completed,
    generatorCpu,
  };
}

/** NOERROR 90 % / NXDOMAIN 10 %, as the query file asks. */
function rcodesOk(r: Run): boolean {
  const pct = (code: string) =>
    Number(new RegExp(`${code} \\d+ \\(([\\d.]+)%\\)`).exec(r.rcodes)?.[1] ?? NaN);
  return Math.abs(pct("NOERROR") - 90) < 0.2 && Math.abs(pct("NXDOMAIN") - 10) < 0.2;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length
    ? s.length % 2
      ? s[(s.length - 1) / 2]
      : (s[s.length / 2 - 1] + s[s.length / 2]) / 2
    : NaN;
};
const k = (x: number) => `${(x / 1000).toFixed(1)}k`;

// ---------- main -------------------------------------------------------------------------------

async function main(): Promise<void> {
  for (const tool of ["dnsperf", "unbound"]) {
    if (spawnSync("sh", ["-c", `command -v ${tool}`]).status !== 0)
      throw new Error(`${tool} is not installed: apt-get install -y ${tool}`);
  }
  const out = flagText("out");
  const dir = out ? resolve(out) : mkdtempSync(join(tmpdir(), "arclink-dnsbench-"));
  const load0 = loadavg()[0];
  process.stderr.write(
    `dir ${dir}; ${cpus().length} CPUs, load average ${load0.toFixed(2)}; ${PIN ? "servers on core 0, dnsperf on core 1" : "not pinned"}\n`,
  );
  if (load0 > cpus().length)
    process.stderr.write(
      `warning: load average ${load0.toFixed(1)} > ${cpus().length} CPUs: figures will be low and noisy; read the ratio\n`,
    );
  const unboundPort = await freeUdpPort();
  writeAll(dir, unboundPort, DNS_WORKERS);
  const servers: Server[] = [];
  try {
    const a = await startArcLink(dir);
    servers.push(a);
    const u = await startUnbound(dir, unboundPort);
    servers.push(u);
    process.stderr.write(`arclink inbound endpoint 127.0.0.1:${a.port}, unbound 127.0.0.1:${u.port}\n`);

    const check = await checkAnswers(dir, a, u);
    process.stderr.write(`answers: ${check.names} distinct names, ${check.mismatches.length} differ\n`);
    if (check.mismatches.length) {
      for (const m of check.mismatches.slice(0, 10)) process.stderr.write(`  ${m}\n`);
      throw new Error("ArcLink and Unbound do not give the same answers: no fair comparison");
    }
    if (!has("no-node-peer")) servers.push(await startNodePeer(dir, check.replies));

    const runs: Run[] = [];
    const log = (r: Run) => {
      runs.push(r);
      process.stderr.write(
        `  ${r.server.padEnd(8)} ${r.kind.padEnd(6)} ${k(r.qps).padStart(7)} QPS  ${r.latencyMs.toFixed(3)} ms  lost ${r.lost}  cpu ${(r.serverCpu * 100).toFixed(0)}%  ${r.cpuUsPerQuery.toFixed(1)} µs/q  dnsperf cpu ${(r.generatorCpu * 100).toFixed(0)}%  resp ${r.responseBytes} B\n`,
      );
    };
    for (const s of servers) log(await dnsperf(s, dir, "warmup", 2, 1_000_000));
    for (let round = 0; round < ROUNDS; round++) {
      // Rotate who goes first, so a load change on the machine hits every server about equally.
      const order = servers.map((_, i) => servers[(i + round) % servers.length]);
      for (const s of order) log(await dnsperf(s, dir, "max", SECONDS, 1_000_000));
    }
    for (const s of servers) log(await dnsperf(s, dir, "fixed", SECONDS, FIXED));
    for (const s of servers) log(await dnsperf(s, dir, "low", SECONDS, LOW_RATE));
    let writes: { done: number; failed: number; perSecond: number; cpuMsPerWriteAlone: number } | undefined;
    let dnsWrites: { done: number; failed: number; perSecond: number } | undefined;
    let invalidation: { checks: number; stale: string[] } | undefined;
    if (WRITES > 0) {
      // First the writes alone (no DNS load): what one ARM write costs the server.
      const alone = new ArmWrites(a.ready!, WRITES, groupTags(a.ready!));
      await alone.start();
      const c0 = cpuSeconds(a.proc.pid!);
      await sleep(SECONDS * 1000);
      const c1 = cpuSeconds(a.proc.pid!);
      const wa = await alone.stop();
      const cpuMsPerWriteAlone = ((c1 - c0) * 1000) / Math.max(1, wa.done);
      process.stderr.write(
        `  writes alone: ${wa.done} in ${SECONDS} s, ${cpuMsPerWriteAlone.toFixed(2)} ms server CPU each\n`,
      );
      const w = new ArmWrites(a.ready!, WRITES, groupTags(a.ready!));
      await w.start();
      const r = await dnsperf(a, dir, "writes", SECONDS, 1_000_000);
      writes = { ...(await w.stop()), cpuMsPerWriteAlone };
      log(r);
      process.stderr.write(
        `  (${writes.done} resource group writes during it, ${writes.failed} failed, ${writes.perSecond.toFixed(1)}/s)\n`,
      );
    }
    if (CHECKS > 0) {
      invalidation = await checkInvalidation(a, CHECKS);
      process.stderr.write(
        `  cache invalidation: ${invalidation.checks} record writes, ${invalidation.stale.length} answers did not show them\n`,
      );
      for (const m of invalidation.stale.slice(0, 5)) process.stderr.write(`    ${m}\n`);
    }
    if (WRITES > 0) {
      const w = new ArmWrites(a.ready!, WRITES, touchRecord(a.ready!), CHECKS + 1);
      await w.start();
      const r = await dnsperf(a, dir, "dnswrites", SECONDS, 1_000_000);
      dnsWrites = await w.stop();
      log(r);
      process.stderr.write(
        `  (${dnsWrites.done} record set writes during it, ${dnsWrites.failed} failed, ${dnsWrites.perSecond.toFixed(1)}/s)\n`,
      );
    }

    const measured = runs.filter((r) => r.kind !== "warmup");
    const bad = measured.filter((r) => !rcodesOk(r));
    const of = (s: ServerName, kind: Run["kind"]) =>
      measured.filter((r) => r.server === s && r.kind === kind);
    /** Median over rounds of x's QPS ÷ y's QPS in the same round. */
    const ratio = (x: ServerName, y: ServerName) => {
      const per = of(x, "max").map((r, i) => r.qps / of(y, "max")[i].qps);
      return { median: median(per), perRound: per };
    };
    const row = (s: ServerName) => {
      const max = of(s, "max");
      const fixed = of(s, "fixed")[0];
      const low = of(s, "low")[0];
      return {
        qps: median(max.map((r) => r.qps)),
        qpsMin: Math.min(...max.map((r) => r.qps)),
        qpsMax: Math.max(...max.map((r) => r.qps)),
        latencyAtMaxMs: median(max.map((r) => r.latencyMs)),
        serverCpuAtMax: median(max.map((r) => r.serverCpu)),
        cpuUsPerQueryAtMax: median(max.map((r) => r.cpuUsPerQuery)),
        generatorCpuAtMax: median(max.map((r) => r.generatorCpu)),
        fixedQps: fixed.qps,
        latencyAtFixedMs: fixed.latencyMs,
        serverCpuAtFixed: fixed.serverCpu,
        cpuUsPerQueryAtFixed: fixed.cpuUsPerQuery,
        lowQps: low.qps,
        latencyAtLowMs: low.latencyMs,
        serverCpuAtLow: low.serverCpu,
        cpuUsPerQueryAtLow: low.cpuUsPerQuery,
        lost: measured.filter((r) => r.server === s).reduce((n, r) => n + r.lost, 0),
        sent: measured.filter((r) => r.server === s).reduce((n, r) => n + r.sent, 0),
        responseBytes: max[0].responseBytes,
      };
    };
    const names = servers.map((s) => s.name);
    const rows = Object.fromEntries(names.map((n) => [n, row(n)]));
    const vsUnbound = ratio("arclink", "unbound");
    const result = {
      node: process.version,
      cpus: cpus().length,
      loadAverage: [load0, loadavg()[0]],
      pinned: PIN,
      dnsWorkers: DNS_WORKERS,
      seconds: SECONDS,
      rounds: ROUNDS,
      fixedRate: FIXED,
      answers: { names: check.names, mismatches: check.mismatches, sample: check.sample },
      ...rows,
      ratio: vsUnbound.median,
      ratioPerRound: vsUnbound.perRound,
      cpuRatio: rows.unbound.cpuUsPerQueryAtMax / rows.arclink.cpuUsPerQueryAtMax,
      ...(rows.node
        ? { arclinkVsNode: ratio("arclink", "node").median, nodeVsUnbound: ratio("node", "unbound").median }
        : {}),
      ...(writes ? { withWrites: { ...writes, run: of("arclink", "writes")[0] } } : {}),
      ...(dnsWrites ? { withRecordWrites: { ...dnsWrites, run: of("arclink", "dnswrites")[0] } } : {}),
      ...(invalidation ? { invalidation } : {}),
      rcodeProblems: bad.map((r) => `${r.server} ${r.kind}: ${r.rcodes}`),
    };
    writeFileSync(join(dir, "results.json"), JSON.stringify({ ...result, runs }, null, 2) + "\n");

    const n = DNS_WORKERS;
    const label: Record<ServerName, string> = {
      arclink: `ArcLink inbound endpoint, ${n} DNS worker${n > 1 ? "s" : ""}`,
      unbound: `Unbound auth-zone, ${n} thread${n > 1 ? "s" : ""}`,
      node: `Node floor (bare dgram, ArcLink's bytes), ${n} process${n > 1 ? "es" : ""}`,
    };
    const lines = [
      `| server | QPS median (min-max) of ${ROUNDS} × ${SECONDS} s | avg latency at max, ms | server CPU at max | CPU µs/query | dnsperf CPU at max | avg latency at ${k(FIXED)} QPS, ms | CPU at ${k(FIXED)} QPS | avg latency at ${k(LOW_RATE)} QPS, ms | CPU µs/query at ${k(LOW_RATE)} QPS | lost / sent | reply B |`,
      "|---|---|---|---|---|---|---|---|---|---|---|---|",
      ...names.map((n) => {
        const x = rows[n];
        return `| ${label[n]} | ${k(x.qps)} (${k(x.qpsMin)}-${k(x.qpsMax)}) | ${x.latencyAtMaxMs.toFixed(3)} | ${(x.serverCpuAtMax * 100).toFixed(0)} % | ${x.cpuUsPerQueryAtMax.toFixed(1)} | ${(x.generatorCpuAtMax * 100).toFixed(0)} % | ${x.latencyAtFixedMs.toFixed(3)} | ${(x.serverCpuAtFixed * 100).toFixed(0)} % | ${x.latencyAtLowMs.toFixed(3)} (${k(x.lowQps)}) | ${x.cpuUsPerQueryAtLow.toFixed(1)} | ${x.lost} / ${x.sent} | ${x.responseBytes} |`;
      }),
      "",
      `ArcLink / Unbound QPS: **${result.ratio.toFixed(2)}** (per round: ${vsUnbound.perRound.map((r) => r.toFixed(2)).join(", ")}); CPU per query, Unbound ÷ ArcLink: ${result.cpuRatio.toFixed(2)}.` +
        (rows.node
          ? ` ArcLink / Node floor: ${result.arclinkVsNode!.toFixed(2)}; Node floor / Unbound: ${result.nodeVsUnbound!.toFixed(2)}.`
          : ""),
      ...(writes
        ? [
            `ArcLink with ${writes.perSecond.toFixed(1)} ARM writes/s going on (${writes.done} writes): ${k(result.withWrites!.run.qps)} QPS, ` +
              `${result.withWrites!.run.latencyMs.toFixed(3)} ms average latency, ${result.withWrites!.run.cpuUsPerQuery.toFixed(1)} CPU µs/query (writes included), lost ${result.withWrites!.run.lost}; ` +
              `one write alone costs the server ${writes.cpuMsPerWriteAlone.toFixed(2)} ms CPU.`,
          ]
        : []),
      ...(dnsWrites
        ? [
            `ArcLink with ${dnsWrites.perSecond.toFixed(1)} record set writes/s going on (${dnsWrites.done} writes, each invalidates every cached answer): ${k(result.withRecordWrites!.run.qps)} QPS, ` +
              `${result.withRecordWrites!.run.latencyMs.toFixed(3)} ms average latency, ${result.withRecordWrites!.run.cpuUsPerQuery.toFixed(1)} CPU µs/query (writes included), lost ${result.withRecordWrites!.run.lost}.`,
          ]
        : []),
      ...(invalidation
        ? [
            `Cache invalidation: ${invalidation.checks} record writes, each followed at once by a query for the record; ${invalidation.stale.length} answers did not show the write.`,
          ]
        : []),
      `Answers: ${check.names} distinct names asked of both, ${check.mismatches.length} differ (rcode, CNAME chain, final address). ` +
        `${check.sample.name}: ArcLink ${check.sample.arclinkBytes} B, Unbound ${check.sample.unboundBytes} B, uncompressed ${check.sample.uncompressedBytes} B.`,
      `Load average ${load0.toFixed(2)} at the start, ${loadavg()[0].toFixed(2)} at the end, ${cpus().length} CPUs; ${PIN ? "servers pinned to core 0, dnsperf to core 1" : "not pinned"}.`,
    ];
    if (bad.length)
      lines.push(
        `Runs whose response codes were not NOERROR 90 % / NXDOMAIN 10 %: ${result.rcodeProblems.join("; ")}`,
      );
    process.stdout.write(lines.join("\n") + "\n");
    process.stdout.write(JSON.stringify(result) + "\n");
    // A short, stable summary for benchmark runners: keep these field names.
    const bench = {
      bench: "dns",
      ratio: result.ratio,
      ratioPerRound: result.ratioPerRound,
      cpuRatio: result.cpuRatio,
      qps: Object.fromEntries(names.map((n) => [n, rows[n].qps])),
      cpuUsPerQuery: Object.fromEntries(names.map((n) => [n, rows[n].cpuUsPerQueryAtMax])),
      fixedRate: FIXED,
      latencyMs: Object.fromEntries(names.map((n) => [n, rows[n].latencyAtFixedMs])),
      lowRate: LOW_RATE,
      latencyLowMs: Object.fromEntries(names.map((n) => [n, rows[n].latencyAtLowMs])),
      lost: rows.arclink.lost,
      lostBy: Object.fromEntries(names.map((n) => [n, rows[n].lost])),
      replyBytes: { arclink: check.sample.arclinkBytes, unbound: check.sample.unboundBytes },
      answersDiffer: check.mismatches.length,
      staleAfterWrite: invalidation ? invalidation.stale.length : null,
      qpsWithGroupWrites: result.withWrites?.run.qps ?? null,
      qpsWithRecordWrites: result.withRecordWrites?.run.qps ?? null,
      loadAverage: result.loadAverage,
      pinned: PIN,
      dnsWorkers: DNS_WORKERS,
    };
    process.stdout.write(`BENCH_RESULT ${JSON.stringify(bench)}\n`);
    if (bad.length || (invalidation?.stale.length ?? 0) > 0) process.exitCode = 1;
  } finally {
    for (const s of servers) await stop(s);
    if (!has("keep") && !out) rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
