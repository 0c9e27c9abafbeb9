// The DNS listener reads UDP in batches (native/udp_batch.c through src/frontends/dns/udpBatch.ts):
// many queries in one read, answered in one call, replies sent together. These checks send
// bursts from real sockets on loopback and read every reply; they would fail if a batch mixed up
// replies, addresses or ports, or if an answer given later read bytes a later batch overwrote.

import assert from "node:assert/strict";
import { createSocket, type Socket } from "node:dgram";
import { after, describe, it } from "node:test";
import { decode as decodePacket, encode as encodePacket, type Answer } from "dns-packet";
import { startDnsListener, type DnsListener, type QueryMeta } from "../src/frontends/dns/listener.js";
import { batchReaderOf, udpBatchBinding, unavailableReason } from "../src/frontends/dns/udpBatch.js";
import type { DnsAnswer } from "../src/frontends/dns/wire.js";

const T = { timeout: 30_000 };

/** The address each name answers with: its number, spread over 10.x.y.z. */
function addressFor(name: string): string {
  const n = Number(/^q(\d+)\./.exec(name)?.[1] ?? "0");
  return `10.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}`;
}

function answerFor(name: string): DnsAnswer {
  return {
    rcode: 0,
    aa: true,
    answers: [{ name, type: "A", ttl: 60, data: addressFor(name) }],
    authority: [],
  };
}

interface Reply {
  id: number;
  name: string;
  address: string;
}

/** `count` distinct names, numbered from `first`. */
function numbered(count: number, first = 0): string[] {
  return Array.from({ length: count }, (_, i) => `q${first + i}.batch.example.com`);
}

/**
 * Sends a query for each name (id = its index + 1) from one socket, in quick runs, and collects
 * the replies by id (bounded in time).
 */
async function burst(port: number, host: string, names: string[]): Promise<Map<number, Reply>> {
  const sock: Socket = createSocket({ type: host.includes(":") ? "udp6" : "udp4", recvBufferSize: 1 << 20 });
  await new Promise<void>((resolve) => sock.bind(0, host, resolve));
  const replies = new Map<number, Reply>();
  const done = new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, 10_000);
    sock.on("message", (msg) => {
      const p = decodePacket(msg);
      const a = (p.answers ?? [])[0] as Answer | undefined;
      replies.set(p.id ?? -1, {
        id: p.id ?? -1,
        name: p.questions?.[0]?.name ?? "",
        address: a && a.type === "A" ? String(a.data) : "",
      });
      if (replies.size === names.length) {
        clearTimeout(timer);
        resolve();
      }
    });
  });
  for (let i = 0; i < names.length; i++) {
    const q = encodePacket({
      type: "query",
      id: i + 1,
      flags: 0x0100,
      questions: [{ type: "A", name: names[i] }],
    });
    sock.send(q, port, host);
    // Sent in runs of 50 (a batch or so each): a larger run overflows the kernel's buffers on
    // a busy machine, and a lost datagram is not what these checks are about.
    if (i % 50 === 49) await new Promise((resolve) => setTimeout(resolve, 5));
  }
  await done;
  sock.close();
  return replies;
}

function checkReplies(replies: Map<number, Reply>, names: string[]): void {
  assert.equal(replies.size, names.length, `every query got a reply (${replies.size} of ${names.length})`);
  names.forEach((name, i) => {
    const r = replies.get(i + 1);
    assert.ok(r, `reply to id ${i + 1}`);
    assert.equal(r.name, name, `reply ${i + 1} carries its own question`);
    assert.equal(r.address, addressFor(name), `reply ${i + 1} carries its own answer`);
  });
}

describe("DNS over UDP in batches", () => {
  const listeners: DnsListener[] = [];
  after(async () => {
    for (const l of listeners) await l.close();
  });

  it("the native reader is built and serves the listener's UDP socket", T, async () => {
    assert.ok(udpBatchBinding(), `native/udp_batch.c is not loaded: ${unavailableReason}`);
    const l = await startDnsListener({ host: "127.0.0.1", port: 0, answer: (q) => answerFor(q.name) });
    listeners.push(l);
    assert.ok(batchReaderOf(l.sockets.udp), "the UDP socket is read in batches");
  });

  it("a burst answered at once: each reply goes to its query, with the client's address", T, async () => {
    const remotes = new Set<string>();
    const l = await startDnsListener({
      host: "127.0.0.1",
      port: 0,
      answer: (q, meta: QueryMeta) => {
        remotes.add(meta.remote);
        return answerFor(q.name);
      },
    });
    listeners.push(l);
    checkReplies(await burst(l.port, "127.0.0.1", numbered(400)), numbered(400));
    assert.equal(remotes.size, 1, "one client socket, one remote");
    assert.match([...remotes][0], /^127\.0\.0\.1:\d+$/);
  });

  it("a burst answered later: the question is kept although its datagram's memory is reused", T, async () => {
    const l = await startDnsListener({
      host: "127.0.0.1",
      port: 0,
      // Every answer comes after the whole burst has been read, batch after batch.
      answer: (q) => new Promise((resolve) => setTimeout(() => resolve(answerFor(q.name)), 200)),
    });
    listeners.push(l);
    checkReplies(await burst(l.port, "127.0.0.1", numbered(400, 1000)), numbered(400, 1000));
  });

  it(
    "with the reply cache on, repeated questions in one burst are answered each with its own id",
    T,
    async () => {
      const l = await startDnsListener({
        host: "127.0.0.1",
        port: 0,
        cacheKey: () => 1,
        answer: (q) => answerFor(q.name),
      });
      listeners.push(l);
      // The same 20 names five times over, in one burst: most are answered from the raw cache.
      const names = Array.from({ length: 100 }, (_, i) => `q${i % 20}.batch.example.com`);
      checkReplies(await burst(l.port, "127.0.0.1", names), names);
    },
  );

  it("IPv6 loopback: replies reach the client and the remote is written as node writes it", T, async (t) => {
    const probe = createSocket("udp6");
    const ok = await new Promise<boolean>((resolve) => {
      probe.once("error", () => resolve(false));
      probe.bind(0, "::1", () => resolve(true));
    });
    probe.close();
    if (!ok) {
      t.skip("no IPv6 loopback on this machine");
      return;
    }
    const remotes = new Set<string>();
    const l = await startDnsListener({
      host: "::1",
      port: 0,
      answer: (q, meta) => {
        remotes.add(meta.remote);
        return answerFor(q.name);
      },
    });
    listeners.push(l);
    checkReplies(await burst(l.port, "::1", numbered(100)), numbered(100));
    assert.match([...remotes][0], /^\[::1\]:\d+$/);
  });

  it("after close the port no longer answers, and a new listener can take it", T, async () => {
    const l = await startDnsListener({ host: "127.0.0.1", port: 0, answer: (q) => answerFor(q.name) });
    const port = l.port;
    checkReplies(await burst(port, "127.0.0.1", numbered(10)), numbered(10));
    await l.close();
    const again = await startDnsListener({ host: "127.0.0.1", port, answer: (q) => answerFor(q.name) });
    listeners.push(again);
    checkReplies(await burst(port, "127.0.0.1", numbered(10, 50)), numbered(10, 50));
  });
});
