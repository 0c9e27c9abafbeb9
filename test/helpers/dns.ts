// DNS test helpers: the real `dig` against a listener (parsed), the `arclink resolve` CLI, raw
// UDP/TCP exchanges for hostile input, and real peer servers (BIND, Unbound) on loopback.
// Every exchange is bounded in time and goes only to 127.0.0.1.
import assert from "node:assert/strict";
import { ChildProcess, execFile, spawn } from "node:child_process";
import { createSocket } from "node:dgram";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { raw, token } from "./arm.js";
import { ARCLINK, TestServer } from "./server.js";

export const LOOPBACK = "127.0.0.1";

// ---------- dig ----------------------------------------------------------------------------

/** One resource record as dig prints it: name without the trailing dot, lowercased. */
export interface DigRecord {
  name: string;
  ttl: number;
  class: string;
  type: string;
  /** Presentation data: the A address, the CNAME target without its dot, SOA fields joined by a space. */
  data: string;
}

export interface DigResult {
  /** NOERROR, NXDOMAIN, SERVFAIL, REFUSED, FORMERR... or "TIMEOUT" when no reply came. */
  status: string;
  flags: string[];
  answer: DigRecord[];
  authority: DigRecord[];
  text: string;
}

function dropDot(s: string): string {
  return s.replace(/\.$/, "").toLowerCase();
}

function parseRecord(line: string): DigRecord {
  const [name, ttl, cls, type, ...rest] = line.trim().split(/\s+/);
  const data = type === "A" || type === "AAAA" ? rest.join(" ") : rest.map((x) => dropDot(x)).join(" ");
  return { name: dropDot(name), ttl: Number(ttl), class: cls, type, data };
}

export function parseDig(text: string): DigResult {
  // dig prints one block per reply; after a TC retry over TCP the last block is the final one.
  const at = text.lastIndexOf("->>HEADER<<-");
  if (at < 0) return { status: "TIMEOUT", flags: [], answer: [], authority: [], text };
  const last = text.slice(at);
  const status = /status: (\w+)/.exec(last)?.[1] ?? "";
  const flags = (/;; flags: ([^;]*);/.exec(last)?.[1] ?? "").trim().split(/\s+/).filter(Boolean);
  const sections: Record<string, DigRecord[]> = {};
  let current = "";
  for (const line of last.split("\n")) {
    const header = /^;; (\w+) SECTION:/.exec(line);
    if (header) current = header[1];
    else if (line.trim() === "") current = "";
    else if (!line.startsWith(";") && current !== "" && current !== "QUESTION")
      (sections[current] ??= []).push(parseRecord(line));
  }
  return { status, flags, answer: sections.ANSWER ?? [], authority: sections.AUTHORITY ?? [], text };
}

/** `dig @127.0.0.1 -p PORT NAME [TYPE] +time=2 +tries=1 [extra]`, parsed. Never throws on DNS errors. */
export function dig(port: number, name: string, type = "A", extra: string[] = []): Promise<DigResult> {
  const argv = [`@${LOOPBACK}`, "-p", String(port), name, type, "+time=2", "+tries=1", ...extra];
  return new Promise((resolve, reject) => {
    execFile("dig", argv, { timeout: 15_000 }, (err, stdout, stderr) => {
      if (err && (err as NodeJS.ErrnoException).code === "ENOENT") {
        reject(new Error("dig is not installed (apt-get install dnsutils; .ci/run installs it)"));
        return;
      }
      // dig exits 9 when no reply came: that is a result (TIMEOUT), not a test error.
      if (
        err &&
        !/no servers could be reached|timed out/.test(stdout + stderr) &&
        !stdout.includes("HEADER")
      ) {
        reject(new Error(`dig ${argv.join(" ")} failed: ${err.message}\n${stdout}${stderr}`));
        return;
      }
      resolve(parseDig(stdout));
    });
  });
}

export const addressesOf = (r: { answer: DigRecord[] }): string[] =>
  r.answer.filter((x) => x.type === "A" || x.type === "AAAA").map((x) => x.data);

/** RFC 1918 (and loopback / link-local): what a private endpoint's address looks like. */
export function isPrivateIpv4(ip: string): boolean {
  const [a, b] = ip.split(".").map(Number);
  return a === 10 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168) || a === 127;
}

/** The loopback port of a resolver's listener, from the ready file's `dns` section. */
export function dnsPort(srv: TestServer, id: string): number {
  const dns = (srv.info.dns ?? {}) as Record<string, { host: string; port: number }>;
  const e = dns[id];
  assert.ok(e, `ready file has no DNS listener '${id}'; it has: ${Object.keys(dns).join(", ")}`);
  assert.equal(e.host, LOOPBACK);
  return e.port;
}

// ---------- the arclink CLI ------------------------------------------------------------------

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** `node dist/src/cli/arclink.js ARGS --ready-file <srv's>`; resolves with the exit code. */
export function arclink(srv: TestServer, args: string[]): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [ARCLINK, ...args, "--ready-file", srv.readyFile],
      { timeout: 30_000 },
      (err, stdout, stderr) => {
        if (err && typeof (err as any).code !== "number") {
          reject(new Error(`arclink ${args.join(" ")}: ${err.message}\n${stderr}`));
          return;
        }
        resolve({ code: err ? Number((err as any).code) : 0, stdout, stderr });
      },
    );
  });
}

export type Asker = { host: string } | { resolver: string };

/** `arclink resolve (--host H | --resolver R) NAME --type T --json`, parsed. */
export async function resolveJson(srv: TestServer, who: Asker, name: string, type = "A"): Promise<any> {
  const flag = "host" in who ? ["--host", who.host] : ["--resolver", who.resolver];
  const r = await arclink(srv, ["resolve", ...flag, name, "--type", type, "--json"]);
  assert.equal(r.code, 0, `arclink resolve ${flag.join(" ")} ${name} --json exited ${r.code}: ${r.stderr}`);
  return JSON.parse(r.stdout);
}

const tokens = new Map<string, Promise<string>>();

/**
 * The API the CLI prints (`POST …/providers/ArcLink.Lab/resolve`), called directly: the same
 * JSON as resolveJson without starting a Node process per name (for sweeps over many names).
 */
export async function resolveApi(srv: TestServer, who: Asker, name: string, type = "A"): Promise<any> {
  // By server, not by URL: a later server may get the same port, and its signing key is its own.
  const key = `${srv.info.arm} ${srv.info.pid} ${srv.info.dataDir}`;
  let t = tokens.get(key);
  if (!t) tokens.set(key, (t = token(srv.info)));
  const path = `/subscriptions/${srv.info.subscriptionId}/providers/ArcLink.Lab/resolve?api-version=2025-01-01`;
  const r = await raw(srv.info, "POST", path, { ...who, name, type }, { authorization: `Bearer ${await t}` });
  assert.equal(r.status, 200, `POST resolve ${JSON.stringify(who)} ${name}: ${r.status} ${r.text}`);
  return r.json;
}

/** An engine record as dig would print it (same normalization as parseRecord). */
function engineRecord(r: { name: string; type: string; ttl: number; data: any }): DigRecord {
  let data: string;
  if (r.type === "SOA") {
    const d = r.data;
    data = [dropDot(d.mname), dropDot(d.rname), d.serial, d.refresh, d.retry, d.expire, d.minimum].join(" ");
  } else if (r.type === "A" || r.type === "AAAA") data = String(r.data);
  else data = dropDot(String(r.data));
  return { name: dropDot(r.name), ttl: r.ttl, class: "IN", type: r.type, data };
}

/**
 * Trace and wire agree: the engine's answer for `resolver` (through the CLI, `resolve --resolver
 * ID --json`, or the API it prints) has the same rcode, aa bit, answer and authority records,
 * TTLs included, as what dig gets from that resolver's listener. Returns the dig result.
 */
export async function assertWireMatchesEngine(
  srv: TestServer,
  resolver: string,
  name: string,
  opts: { type?: string; via?: "cli" | "api" } = {},
): Promise<DigResult> {
  const type = opts.type ?? "A";
  const ask = opts.via === "cli" ? resolveJson : resolveApi;
  const [wire, engine] = await Promise.all([
    dig(dnsPort(srv, resolver), name, type),
    ask(srv, { resolver }, name, type),
  ]);
  const where = `${resolver} for ${name} ${type} (${opts.via ?? "api"})`;
  assert.equal(
    wire.status,
    engine.rcode,
    `rcode differs at ${where}:\n${wire.text}\nengine: ${JSON.stringify(engine)}`,
  );
  assert.equal(wire.flags.includes("aa"), engine.aa === true, `aa bit differs at ${where}:\n${wire.text}`);
  assert.deepEqual(wire.answer, engine.answers.map(engineRecord), `answer section differs at ${where}`);
  assert.deepEqual(
    wire.authority,
    engine.authority.map(engineRecord),
    `authority section differs at ${where}`,
  );
  return wire;
}

// ---------- raw packets --------------------------------------------------------------------

function encodeName(name: string): Buffer {
  const labels = name
    .split(".")
    .filter(Boolean)
    .map((l) => Buffer.concat([Buffer.from([l.length]), Buffer.from(l, "ascii")]));
  return Buffer.concat([...labels, Buffer.from([0])]);
}

/** A query packet: header (RD set) + the question; no OPT record. */
export function queryPacket(
  id: number,
  name: string,
  opts: { qtype?: number; qclass?: number; qdcount?: number } = {},
): Buffer {
  const header = Buffer.alloc(12);
  header.writeUInt16BE(id, 0);
  header.writeUInt16BE(0x0100, 2); // RD
  header.writeUInt16BE(opts.qdcount ?? 1, 4);
  const tail = Buffer.alloc(4);
  tail.writeUInt16BE(opts.qtype ?? 1, 0);
  tail.writeUInt16BE(opts.qclass ?? 1, 2);
  return Buffer.concat([header, encodeName(name), tail]);
}

export interface RawReply {
  id: number;
  rcode: number;
  qr: boolean;
  qdcount: number;
  ancount: number;
  bytes: Buffer;
}

function readReply(b: Buffer): RawReply {
  return {
    id: b.readUInt16BE(0),
    qr: (b[2] & 0x80) !== 0,
    rcode: b[3] & 0x0f,
    qdcount: b.readUInt16BE(4),
    ancount: b.readUInt16BE(6),
    bytes: b,
  };
}

/** Sends one UDP datagram to 127.0.0.1:port; the reply, or null after `timeoutMs` of silence. */
export function udpExchange(port: number, packet: Buffer, timeoutMs = 1500): Promise<RawReply | null> {
  return new Promise((resolve, reject) => {
    const sock = createSocket("udp4");
    const done = (v: RawReply | null, err?: Error): void => {
      clearTimeout(timer);
      sock.close();
      if (err) reject(err);
      else resolve(v);
    };
    const timer = setTimeout(() => done(null), timeoutMs);
    sock.on("message", (msg) => done(msg.length >= 12 ? readReply(msg) : null));
    sock.on("error", (e) => done(null, e));
    sock.send(packet, port, LOOPBACK);
  });
}

// ---------- free ports and real peer servers ------------------------------------------------

/** A port free for both UDP and TCP on 127.0.0.1 right now (the kernel's pick). */
export async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 10; attempt++) {
    const udp = createSocket("udp4");
    const port = await new Promise<number>((res, rej) => {
      udp.once("error", rej);
      udp.bind(0, LOOPBACK, () => res(udp.address().port));
    });
    const tcpOk = await new Promise<boolean>((res) => {
      const s = createServer();
      s.once("error", () => res(false));
      s.listen(port, LOOPBACK, () => s.close(() => res(true)));
    });
    await new Promise<void>((res) => udp.close(() => res()));
    if (tcpOk) return port;
  }
  throw new Error("no free loopback port for UDP and TCP after 10 attempts");
}

/** Polls `port` with a CHAOS version.bind query until anything answers, or fails after `ms`. */
export async function waitForDns(port: number, ms: number, alive: () => string | undefined): Promise<void> {
  const deadline = Date.now() + ms;
  for (let id = 1; Date.now() < deadline; id++) {
    const dead = alive();
    if (dead) throw new Error(dead);
    const r = await udpExchange(port, queryPacket(id, "version.bind", { qtype: 16, qclass: 3 }), 300);
    if (r) return;
    await new Promise((res) => setTimeout(res, 100));
  }
  throw new Error(`nothing answered DNS on ${LOOPBACK}:${port} within ${ms} ms`);
}

export interface Peer {
  name: string;
  port: number;
  proc: ChildProcess;
  dir: string;
  output(): string;
  stop(): Promise<void>;
}

/** Root hints that point only at 127.0.0.1: a peer that ever recursed would stay on loopback. */
const ROOT_HINTS = `.                3600000  NS  a.root.arclink.invalid.
a.root.arclink.invalid.  3600000  A  127.0.0.1
`;

function requireBinary(path: string, pkg: string): void {
  if (!existsSync(path)) {
    throw new Error(
      `${path} is missing: the real-peer DNS tests need ${pkg}. Install it with 'apt-get install ${pkg}' (.ci/run installs it in CI).`,
    );
  }
}

async function startPeer(
  name: string,
  bin: string,
  args: string[],
  port: number,
  dir: string,
): Promise<Peer> {
  const proc = spawn(bin, args, { stdio: ["ignore", "pipe", "pipe"], cwd: dir });
  let out = "";
  proc.stdout!.on("data", (d) => (out += d));
  proc.stderr!.on("data", (d) => (out += d));
  let spawnError: Error | undefined;
  proc.on("error", (e) => (spawnError = e));
  const exited = new Promise<void>((r) => (proc.exitCode !== null ? r() : proc.once("exit", () => r())));
  const peer: Peer = {
    name,
    port,
    proc,
    dir,
    output: () => out,
    async stop() {
      if (proc.exitCode === null && proc.signalCode === null && !spawnError) {
        proc.kill("SIGTERM");
        const killer = setTimeout(() => proc.kill("SIGKILL"), 5_000);
        await exited;
        clearTimeout(killer);
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
  try {
    await waitForDns(port, 10_000, () => {
      if (spawnError) return `${name} could not start: ${spawnError.message}`;
      if (proc.exitCode !== null || proc.signalCode !== null)
        return `${name} exited (${proc.exitCode ?? proc.signalCode}) before answering on port ${port}:\n${out}`;
      return undefined;
    });
  } catch (e) {
    await peer.stop();
    throw new Error(`${(e as Error).message}\n--- ${name} output ---\n${out}`);
  }
  return peer;
}

/**
 * A real BIND 9 (`named -g`) on 127.0.0.1:port configured as an on-premises DNS server: recursion
 * on, and a forward-only zone per domain sending it to `forwardTo` (ArcLink's inbound endpoint
 * listener).
 */
export async function startBind(domains: string[], forwardTo: number): Promise<Peer> {
  requireBinary("/usr/sbin/named", "bind9");
  const dir = mkdtempSync(join(tmpdir(), "arclink-bind-"));
  const port = await freePort();
  writeFileSync(join(dir, "root.hints"), ROOT_HINTS);
  const zones = domains
    .map((d) => `zone "${d}" { type forward; forward only; forwarders { ${LOOPBACK} port ${forwardTo}; }; };`)
    .join("\n");
  const conf = `options {
  directory "${dir}";
  pid-file "${dir}/named.pid";
  session-keyfile "${dir}/session.key";
  managed-keys-directory "${dir}";
  listen-on port ${port} { ${LOOPBACK}; };
  listen-on-v6 { none; };
  recursion yes;
  allow-query { ${LOOPBACK}; };
  allow-recursion { ${LOOPBACK}; };
  dnssec-validation no;
  forwarders { };
  max-cache-size 16m;
  querylog yes;
};
controls { };
zone "." { type hint; file "${dir}/root.hints"; };
${zones}
`;
  writeFileSync(join(dir, "named.conf"), conf);
  // -g: foreground, log to stderr; -4: IPv4 only; -n 1: one worker thread. Run as the current
  // user (root in CI: named keeps root when -u is not given, which is fine for a loopback test).
  return startPeer(
    "named",
    "/usr/sbin/named",
    ["-g", "-4", "-n", "1", "-c", join(dir, "named.conf"), "-p", String(port)],
    port,
    dir,
  );
}

/** A real Unbound (`unbound -d`) on 127.0.0.1:port with a forward-zone per domain to `forwardTo`. */
export async function startUnbound(domains: string[], forwardTo: number): Promise<Peer> {
  requireBinary("/usr/sbin/unbound", "unbound");
  const dir = mkdtempSync(join(tmpdir(), "arclink-unbound-"));
  const port = await freePort();
  writeFileSync(join(dir, "root.hints"), ROOT_HINTS);
  const forwards = domains
    .map((d) => `forward-zone:\n  name: "${d}"\n  forward-addr: ${LOOPBACK}@${forwardTo}\n`)
    .join("");
  const conf = `server:
  interface: ${LOOPBACK}
  port: ${port}
  do-ip6: no
  do-daemonize: no
  username: ""
  chroot: ""
  directory: "${dir}"
  pidfile: "${dir}/u.pid"
  use-syslog: no
  logfile: ""
  verbosity: 1
  log-queries: yes
  num-threads: 1
  module-config: "iterator"
  do-not-query-localhost: no
  root-hints: "${dir}/root.hints"
  access-control: 127.0.0.0/8 allow
  harden-referral-path: no
  qname-minimisation: no
${domains.map((d) => `  domain-insecure: "${d}"\n`).join("")}remote-control:
  control-enable: no
${forwards}`;
  writeFileSync(join(dir, "unbound.conf"), conf);
  return startPeer("unbound", "/usr/sbin/unbound", ["-d", "-c", join(dir, "unbound.conf")], port, dir);
}
