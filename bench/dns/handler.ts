// Where an inbound-endpoint query's CPU goes, without sockets: the benchmark's topology applied
// in-process, then the listener's own code paths timed on the benchmark's query file.
//
//   node dist/bench/dns/handler.js [--iterations 200000]
//
//   hit        QueryHandler.handle() over UDP with the answer cache warm and, as the UDP listener
//              runs it, replies reused when the send queue is empty: a hash of the query's bytes,
//              one compare, id + question patched in place (no decoding, no allocation)
//   hitCopy    the same when a reply may still be queued (a fresh copy per hit)
//   hitDecoded a hit in the decoded-key cache (what TCP queries, and UDP queries the raw cache
//              leaves to the decoder, e.g. with EDNS options, take): decode, key string, copy
//   revalidate the generation moved before every query (a change to the network between any two
//              queries) but not this answer: decode, ResolverListeners' answer (resolver lookup +
//              resolveAt), compare with the cached answer, copy the cached bytes
//   uncached   no cache at all: decode, answer, encode (a question asked for the first time)
//   answer     ResolverListeners' answer alone (what a miss adds to a hit, minus the encoding)
//   resolve    Resolver.resolveAt alone (the DNS evaluation itself)
//   recompile  the first answer after a change to the network: NetworkService recompiles the model
//
// Times are process CPU time (user + system) per call, which other work on the machine distorts
// less than wall-clock time.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import dnsPacket from "dns-packet";
import { QueryHandler } from "../../src/frontends/dns/listener-handler.js";
import { ResolverListeners } from "../../src/frontends/dns/resolverListeners.js";
import { DnsAnswer } from "../../src/frontends/dns/wire.js";
import { findResolver } from "../../src/network/resolverRef.js";
import { applyTopology } from "../../src/server/topologyAtStart.js";
import { inProcessArcLink } from "../onboarding.js";
import { INBOUND_ENDPOINT, writeAll } from "./gen.js";

type AnswerPath = { answer(id: string, name: string, type: string): DnsAnswer | Promise<DnsAnswer> };

function flag(name: string, dflt: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i < 0 ? dflt : Number(process.argv[i + 1]);
}

/** CPU nanoseconds per call of fn(i) over n calls, after a warm-up of n/10. */
function time(n: number, fn: (i: number) => unknown): number {
  for (let i = 0; i < n / 10; i++) fn(i);
  const c0 = process.cpuUsage();
  for (let i = 0; i < n; i++) fn(i);
  const c = process.cpuUsage(c0);
  return ((c.user + c.system) * 1000) / n;
}

async function main(): Promise<void> {
  const n = Math.min(flag("iterations", 200_000), 5_000_000);
  const dir = mkdtempSync(join(tmpdir(), "arclink-dnshandler-"));
  const arc = await inProcessArcLink(dir, "memory");
  try {
    const data = writeAll(dir, 5354);
    await applyTopology(arc.services, arc.defaults, join(dir, "topology.yaml"), "https://127.0.0.1:0");
    const listeners = new ResolverListeners(arc.network, [{ resolver: INBOUND_ENDPOINT }]);
    const answer = (name: string, type: string) =>
      (listeners as unknown as AnswerPath).answer(INBOUND_ENDPOINT, name, type);
    const packets = data.queries.map((name, i) =>
      dnsPacket.encode({
        type: "query",
        id: i,
        flags: dnsPacket.RECURSION_DESIRED,
        questions: [{ type: "A", name }],
      }),
    );
    let generation = 0;
    const cached = new QueryHandler({
      answer: (q) => answer(q.name, q.type),
      cacheKey: () => 0,
      cacheMaxEntries: 10_000,
      onError: (e) => {
        throw e;
      },
    });
    const revalidating = new QueryHandler({
      answer: (q) => answer(q.name, q.type),
      cacheKey: () => generation,
      cacheMaxEntries: 10_000,
      onError: (e) => {
        throw e;
      },
    });
    const q = (i: number) => packets[i % packets.length];
    const name = (i: number) => data.queries[i % data.queries.length];
    const ref = findResolver(arc.network.model(), INBOUND_ENDPOINT)!.ref;
    const resolver = arc.network.resolver();
    const copying = new QueryHandler({
      answer: (q) => answer(q.name, q.type),
      cacheKey: () => 0,
      cacheMaxEntries: 10_000,
      onError: (e) => {
        throw e;
      },
    });
    const noCache = new QueryHandler({
      answer: (q) => answer(q.name, q.type),
      cacheMaxEntries: 10_000,
      onError: (e) => {
        throw e;
      },
    });
    cached.repliesSent = () => true;
    // Every path must give the bytes a fresh answer gives (twice: the second is a raw-cache hit).
    for (let round = 0; round < 2; round++) {
      for (const p of packets) {
        generation++;
        const fresh = revalidating.handle(p, "udp", "127.0.0.1", 5000) as Buffer;
        for (const [label, got] of [
          ["udp", cached.handle(p, "udp", "127.0.0.1", 5000)],
          ["udp copy", copying.handle(p, "udp", "127.0.0.1", 5000)],
          ["no cache", noCache.handle(p, "udp", "127.0.0.1", 5000)],
        ] as const) {
          if (!(got instanceof Buffer) || !got.equals(fresh))
            throw new Error(`the ${label} cache path gave other bytes than a fresh answer`);
        }
      }
    }
    const results: Record<string, number> = {
      hitNs: time(n, (i) => cached.handle(q(i), "udp", "127.0.0.1", 5000)),
      hitCopyNs: time(n, (i) => copying.handle(q(i), "udp", "127.0.0.1", 5000)),
      hitDecodedNs: time(n, (i) => cached.handle(q(i), "tcp", "127.0.0.1", 5000)),
      revalidateNs: time(n / 4, (i) => {
        generation++;
        return revalidating.handle(q(i), "udp", "127.0.0.1", 5000);
      }),
      uncachedNs: time(n / 4, (i) => noCache.handle(q(i), "udp", "127.0.0.1", 5000)),
      answerNs: time(n / 4, (i) => answer(name(i), "A")),
      resolveAtNs: time(n / 4, (i) => resolver.resolveAt(ref, name(i), "A")),
      findResolverNs: time(n / 4, () => findResolver(arc.network.model(), INBOUND_ENDPOINT)),
    };
    // A change to the network (here a lab resource) makes the next reader recompile the model.
    const recompiles: number[] = [];
    for (let i = 0; i < 20; i++) {
      await arc.writer.run((tx) =>
        tx.put("/providers/ArcLink.Lab/benchTouch/x", "ArcLink.Lab/benchTouch", { i }),
      );
      const t0 = process.hrtime.bigint();
      answer(name(i), "A");
      recompiles.push(Number(process.hrtime.bigint() - t0));
    }
    recompiles.sort((a, b) => a - b);
    results.firstAnswerAfterWorldChangeNs = recompiles[10];
    const lines = Object.entries(results).map(
      ([k, v]) => `${k.padEnd(32)} ${(v / 1000).toFixed(2).padStart(9)} µs`,
    );
    process.stdout.write(lines.join("\n") + "\n" + JSON.stringify(results) + "\n");
  } finally {
    await arc.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(1);
});
