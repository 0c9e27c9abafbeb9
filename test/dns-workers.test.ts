// `serve --dns-workers N`: N worker processes answer on every DNS listener's port. Each worker's
// answers must be byte for byte the single-process server's, over UDP and TCP; a write through
// ARM must show in the very next answer whichever worker gives it; a worker that dies is reported
// and replaced, and nothing answers wrongly meanwhile.
//
// Which worker answers a datagram is the kernel's choice (they share one socket): to ask one
// worker, the test stops the others (SIGSTOP) so that only it reads, and resumes them after. A TCP
// connection's owner is read from the kernel's socket table (`ss -p`). Traffic: 127.0.0.1 only.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { connect } from "node:net";
import { join } from "node:path";
import { promisify } from "node:util";
import { after, before, describe, it } from "node:test";
import { arm } from "./helpers/arm.js";
import { dnsPort, LOOPBACK, queryPacket, udpExchange } from "./helpers/dns.js";
import { arclink, removeDataDir, ROOT, startServer, TestServer } from "./helpers/server.js";

const run = promisify(execFile);
const T = { timeout: 300_000 };
const REFERENCE = join(ROOT, "examples", "reference.yaml");
const PRIVATE_DNS = "api-version=2024-06-01";
const WORKERS = 2;

/** Resolvers of the reference world and the questions asked at each (name, qtype). */
const RESOLVERS = ["dc01", "inbound", "azure:vnet-hub", "public"];
const QUESTIONS: Array<[string, number]> = [
  ["gbl.his.arc.azure.com", 1],
  ["eus.his.arc.azure.com", 1],
  ["agentserviceapi.guestconfiguration.azure.com", 1],
  ["eastus-gas.guestconfiguration.azure.com", 1],
  ["gbl.privatelink.his.arc.azure.com", 1],
  ["gbl.his.arc.azure.com", 28], // AAAA
  ["gbl.his.arc.azure.com", 5], // CNAME
  ["privatelink.his.arc.azure.com", 6], // SOA
  ["nosuch.privatelink.his.arc.azure.com", 1], // NXDOMAIN with SOA
  ["srv-win-01.corp.contoso.com", 1],
  ["management.azure.com", 1],
  ["GbL.HiS.ArC.AzUrE.CoM", 1], // the client's spelling comes back
];

/** The worker processes of a server: its children running the worker entry point. */
async function workerPids(srv: TestServer): Promise<number[]> {
  // ps exits 1 when the process has no children.
  const { stdout } = await run("ps", ["-o", "pid=,args=", "--ppid", String(srv.proc.pid)]).catch(
    (e: { code?: number; stdout?: string }) => (e.code === 1 ? { stdout: "" } : Promise.reject(e as Error)),
  );
  return stdout
    .split("\n")
    .filter((l) => l.includes("worker-main.js"))
    .map((l) => Number(l.trim().split(/\s+/)[0]))
    .sort((a, b) => a - b);
}

/** Runs `fn` while only `pid` of `all` runs: the others are stopped, and resumed whatever happens. */
async function onlyWorker<T>(all: number[], pid: number, fn: () => Promise<T>): Promise<T> {
  const others = all.filter((p) => p !== pid);
  for (const p of others) process.kill(p, "SIGSTOP");
  try {
    return await fn();
  } finally {
    for (const p of others) process.kill(p, "SIGCONT");
  }
}

/** One UDP exchange; the reply's bytes (with the query's id), or null when none came. */
async function udpAsk(port: number, id: number, name: string, qtype: number): Promise<Buffer | null> {
  // A reply can be lost on a busy machine: ask again (new id) before calling it no reply.
  for (let attempt = 0; attempt < 3; attempt++) {
    const r = await udpExchange(port, queryPacket(id, name, { qtype }), 3000);
    if (r) return r.bytes;
  }
  return null;
}

/** One query over a new TCP connection; the reply and the pid of the process that served it. */
function tcpAsk(
  port: number,
  id: number,
  name: string,
  qtype: number,
): Promise<{ reply: Buffer; owner: number }> {
  return new Promise((resolve, reject) => {
    const sock = connect({ host: LOOPBACK, port });
    let buf = Buffer.alloc(0);
    const timer = setTimeout(() => {
      sock.destroy();
      reject(new Error(`no TCP reply for ${name} from port ${port}`));
    }, 30_000);
    sock.on("error", (e) => {
      clearTimeout(timer);
      reject(e);
    });
    sock.on("connect", () => {
      const q = queryPacket(id, name, { qtype });
      const framed = Buffer.alloc(q.length + 2);
      framed.writeUInt16BE(q.length, 0);
      q.copy(framed, 2);
      sock.write(framed);
    });
    sock.on("data", (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      if (buf.length < 2 || buf.length < 2 + buf.readUInt16BE(0)) return;
      clearTimeout(timer);
      const reply = buf.subarray(2, 2 + buf.readUInt16BE(0));
      // The connection is still open: the kernel says which process holds its server side.
      socketOwner(port, sock.localPort!).then(
        (owner) => {
          sock.destroy();
          resolve({ reply, owner });
        },
        (e: unknown) => {
          sock.destroy();
          reject(e as Error);
        },
      );
    });
  });
}

/** The pid holding the server side of the loopback TCP connection to `port` from `clientPort`. */
async function socketOwner(port: number, clientPort: number): Promise<number> {
  const { stdout } = await run("ss", [
    "-Htnp",
    "state",
    "established",
    `( sport = :${port} and dport = :${clientPort} )`,
  ]);
  const m = /pid=(\d+)/.exec(stdout);
  if (!m) throw new Error(`ss shows no process for ${LOOPBACK}:${port} <- ${clientPort}:\n${stdout}`);
  return Number(m[1]);
}

/** The A record addresses in a reply (answer section), in order. */
function addresses(reply: Buffer): string[] {
  const out: string[] = [];
  const an = reply.readUInt16BE(6);
  let off = 12;
  off = skipName(reply, off) + 4; // the question
  for (let i = 0; i < an; i++) {
    off = skipName(reply, off);
    const type = reply.readUInt16BE(off);
    const len = reply.readUInt16BE(off + 8);
    if (type === 1) out.push([...reply.subarray(off + 10, off + 14)].join("."));
    off += 10 + len;
  }
  return out;
}

function skipName(b: Buffer, off: number): number {
  for (;;) {
    const len = b[off];
    if (len === 0) return off + 1;
    if ((len & 0xc0) === 0xc0) return off + 2;
    off += 1 + len;
  }
}

function recordPath(srv: TestServer, name: string): string {
  const zone = "Microsoft.Network/privateDnsZones/privatelink.his.arc.azure.com";
  return `/subscriptions/${srv.info.subscriptionId}/resourceGroups/rg-arc-private-link/providers/${zone}/A/${name}?${PRIVATE_DNS}`;
}

async function putA(srv: TestServer, name: string, ip: string): Promise<void> {
  const r = await arm(srv.info, "PUT", recordPath(srv, name), {
    properties: { ttl: 10, aRecords: [{ ipv4Address: ip }] },
  });
  assert.ok(r.status === 200 || r.status === 201, `PUT ${name} A ${ip}: ${r.status} ${r.text}`);
}

async function stop(srv: TestServer | undefined): Promise<void> {
  if (!srv) return;
  await srv.stop();
  removeDataDir(srv.dataDir);
}

describe("serve --dns-workers", () => {
  let single: TestServer;
  let multi: TestServer;
  let pids: number[];
  before(async () => {
    [single, multi] = await Promise.all([
      startServer({ args: ["--topology", REFERENCE] }),
      startServer({ args: ["--topology", REFERENCE, "--dns-workers", String(WORKERS)] }),
    ]);
    pids = await workerPids(multi);
  }, T);
  after(async () => {
    await Promise.all([stop(single), stop(multi)]);
  });

  it("starts the workers asked for; the single-process server starts none", T, async () => {
    assert.equal(pids.length, WORKERS, multi.output());
    assert.deepEqual(await workerPids(single), []);
    assert.equal(multi.info.dnsWorkers, WORKERS);
  });

  it(
    "with every worker stopped nothing answers UDP: the server process leaves the socket to them",
    T,
    async () => {
      for (const p of pids) process.kill(p, "SIGSTOP");
      try {
        const r = await udpExchange(dnsPort(multi, "inbound"), queryPacket(7, "gbl.his.arc.azure.com"), 1500);
        assert.equal(r, null, "the server process itself answered a datagram");
      } finally {
        for (const p of pids) process.kill(p, "SIGCONT");
      }
      // The datagram was queued, not lost: the workers answer it once resumed (nothing to assert on
      // a reply that went to a closed client socket); a fresh query is answered.
      assert.ok(await udpAsk(dnsPort(multi, "inbound"), 8, "gbl.his.arc.azure.com", 1));
    },
  );

  it(
    "every worker answers every question byte for byte as the single-process server, over UDP",
    T,
    async () => {
      let id = 1;
      for (const resolver of RESOLVERS) {
        for (const [name, qtype] of QUESTIONS) {
          id++;
          const expected = await udpAsk(dnsPort(single, resolver), id, name, qtype);
          assert.ok(expected, `the single-process server answered ${resolver} ${name} ${qtype}`);
          for (const pid of pids) {
            // Twice: the first fills the worker's cache, the second comes from it.
            for (let round = 0; round < 2; round++) {
              const got = await onlyWorker(pids, pid, () =>
                udpAsk(dnsPort(multi, resolver), id, name, qtype),
              );
              assert.ok(got, `worker ${pid} answered ${resolver} ${name} ${qtype}`);
              assert.deepEqual(got, expected, `worker ${pid}, ${resolver} ${name} ${qtype}, round ${round}`);
            }
          }
        }
      }
    },
  );

  it(
    "every worker answers over TCP as the single-process server (connections go to each in turn)",
    T,
    async () => {
      const owners = new Set<number>();
      let id = 5000;
      for (const resolver of RESOLVERS) {
        for (const [name, qtype] of QUESTIONS) {
          id++;
          const expected = (await tcpAsk(dnsPort(single, resolver), id, name, qtype)).reply;
          for (let i = 0; i < WORKERS; i++) {
            const got = await tcpAsk(dnsPort(multi, resolver), id, name, qtype);
            assert.deepEqual(
              got.reply,
              expected,
              `${resolver} ${name} ${qtype} over TCP (process ${got.owner})`,
            );
            owners.add(got.owner);
          }
        }
      }
      // Served by the workers, each of them, and never by the server process itself.
      assert.deepEqual(
        [...owners].sort((a, b) => a - b),
        pids,
      );
    },
  );

  it("a write through ARM shows in the next answer of whichever worker answers, every time", T, async () => {
    const port = dnsPort(multi, "inbound");
    const name = "gbl.his.arc.azure.com";
    for (let round = 0; round < 20; round++) {
      // Every worker has the current address cached...
      const before = await udpAsk(port, 100 + round, name, 1);
      for (const pid of pids) {
        const got = await onlyWorker(pids, pid, () => udpAsk(port, 200 + round, name, 1));
        assert.deepEqual(addresses(got!), addresses(before!), `worker ${pid} before round ${round}`);
      }
      // ...then the record changes through ARM, and the very next answer of each worker has it.
      const ip = `10.10.1.${100 + round}`;
      await putA(multi, "gbl", ip);
      const first = pids[round % pids.length];
      const order = [first, ...pids.filter((p) => p !== first)];
      for (const pid of order) {
        const got = await onlyWorker(pids, pid, () => udpAsk(port, 300 + round, name, 1));
        assert.ok(got, `worker ${pid} answered after the write of round ${round}`);
        assert.deepEqual(addresses(got), [ip], `worker ${pid}, round ${round}`);
      }
      const tcp = await tcpAsk(port, 400 + round, name, 1);
      assert.deepEqual(addresses(tcp.reply), [ip], `TCP (process ${tcp.owner}), round ${round}`);
    }
  });

  it(
    "a write is acknowledged only after every worker has seen it (a stopped worker holds it back)",
    T,
    async () => {
      const port = dnsPort(multi, "inbound");
      const name = "gbl.his.arc.azure.com";
      const [held, running] = pids;
      process.kill(held, "SIGSTOP");
      let acknowledged = false;
      let put: Promise<void>;
      try {
        put = putA(multi, "gbl", "10.10.1.77").then(() => {
          acknowledged = true;
        });
        // The write is committed (ARM reads show it) and the running worker answers with it...
        let seen = false;
        for (let i = 0; i < 500 && !seen; i++) {
          const r = await arm(multi.info, "GET", recordPath(multi, "gbl"));
          seen = r.json?.properties?.aRecords?.[0]?.ipv4Address === "10.10.1.77";
        }
        assert.ok(seen, "the write was committed");
        const got = await udpAsk(port, 21, name, 1);
        assert.deepEqual(addresses(got!), ["10.10.1.77"], `worker ${running} after the commit`);
        // ...but its client has not heard back: a stopped worker has not acknowledged the version.
        assert.equal(acknowledged, false, "the write was acknowledged while a worker had not seen it");
      } finally {
        process.kill(held, "SIGCONT");
      }
      await put;
      assert.equal(acknowledged, true);
      const fromHeld = await onlyWorker(pids, held, () => udpAsk(port, 22, name, 1));
      assert.deepEqual(addresses(fromHeld!), ["10.10.1.77"], `worker ${held} once resumed`);
    },
  );

  it("a worker that dies is reported and replaced; answers stay right throughout", T, async () => {
    const port = dnsPort(multi, "inbound");
    const name = "eus.his.arc.azure.com";
    const expected = ["10.10.1.5"];
    const victim = pids[0];
    // Queries keep going while the worker is killed and replaced: each gets the right answer
    // or, for a datagram the dead worker had taken, none (the client asks again).
    let asking = true;
    let answered = 0;
    const wrong: string[] = [];
    const load = (async () => {
      for (let id = 1; asking; id++) {
        const r = await udpExchange(port, queryPacket(id & 0xffff, name), 1000);
        if (!r) continue;
        answered++;
        const got = addresses(r.bytes);
        if (JSON.stringify(got) !== JSON.stringify(expected)) wrong.push(got.join(","));
      }
    })();
    process.kill(victim, "SIGKILL");
    const line = await multi.outputMatching(/arclink dns: worker (\d+) serves in place of (\d+)/, 120_000);
    asking = false;
    await load;
    assert.match(
      multi.output(),
      new RegExp(`arclink dns: worker ${victim} exited \\(SIGKILL\\); starting another`),
    );
    const [, replacement, replaced] = /arclink dns: worker (\d+) serves in place of (\d+)/.exec(line)!;
    assert.equal(Number(replaced), victim);
    assert.deepEqual(wrong, [], `wrong answers while a worker died and was replaced`);
    assert.ok(answered > 0, "queries were answered meanwhile");

    pids = await workerPids(multi);
    assert.equal(pids.length, WORKERS);
    assert.ok(pids.includes(Number(replacement)) && !pids.includes(victim), String(pids));
    // The replacement answers, and sees writes like the others.
    const got = await onlyWorker(pids, Number(replacement), () => udpAsk(port, 9, name, 1));
    assert.deepEqual(addresses(got!), expected);
    await putA(multi, "eus", "10.10.1.99");
    for (const pid of pids) {
      const after = await onlyWorker(pids, pid, () => udpAsk(port, 10, name, 1));
      assert.deepEqual(addresses(after!), ["10.10.1.99"], `worker ${pid} after the write`);
    }
  });

  it("--dns-workers takes a positive whole number, with a clear error otherwise", T, async () => {
    for (const bad of ["0", "two", "1.5", "65"]) {
      const r = await arclink([
        "serve",
        "--port",
        "0",
        "--data",
        single.dataDir + "-none",
        "--dns-workers",
        bad,
      ]);
      assert.equal(r.code, 2, `--dns-workers ${bad}: ${r.stdout}${r.stderr}`);
      assert.match(r.stderr, /--dns-workers must be a whole number of processes from 1 to 64/, r.stderr);
    }
  });
});
