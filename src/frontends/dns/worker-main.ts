// A DNS worker process (started by workers.ts): answers on sockets the server process bound and
// handed over, from its own reply cache. A question the cache cannot answer for the current
// model version goes to the server process, which holds the network model. The version comes
// from the server, which waits for this process's acknowledgement before it acknowledges a write.
import type { Socket as UdpSocket } from "node:dgram";
import type { Socket } from "node:net";
import { QueryHandler, type DnsQuestion, type QueryMeta } from "./listener-handler.js";
import { DEFAULT_TCP_LIMITS, serveUdp, type ErrorSink } from "./listener.js";
import { createTcpFrontend, type TcpFrontend } from "./listener-tcp.js";
import type { FromWorker, ToWorker } from "./worker-protocol.js";
import type { DnsAnswer } from "./wire.js";

interface Served {
  handler: QueryHandler;
  udp?: UdpSocket;
  tcp: TcpFrontend;
}

const send = (m: FromWorker): void => {
  process.send?.(m);
};

let version = Number.NaN;
let asked = 0;
const pending = new Map<number, { resolve: (a: DnsAnswer | null) => void; reject: (e: Error) => void }>();
const served = new Map<string, Served>();

const onError: ErrorSink = (err, context) =>
  send({ t: "error", context, message: err instanceof Error ? err.message : String(err) });

function ask(listener: string, q: DnsQuestion, meta: QueryMeta): Promise<DnsAnswer | null> {
  const n = ++asked;
  return new Promise((resolve, reject) => {
    pending.set(n, { resolve, reject });
    send({ t: "ask", n, listener, q, meta });
  });
}

function servedFor(listener: string): Served {
  let s = served.get(listener);
  if (!s) {
    const handler = new QueryHandler({
      answer: (q, meta) => ask(listener, q, meta),
      cacheKey: () => version,
      cacheMaxEntries: 10_000,
      onError,
    });
    // Only its connection handling is used: connections arrive one by one from the server.
    s = { handler, tcp: createTcpFrontend(handler, DEFAULT_TCP_LIMITS, onError) };
    served.set(listener, s);
  }
  return s;
}

/**
 * dgram looks up the destination of every send, by default through dns.lookup, which answers an
 * IP literal one tick later. A received socket cannot be given a lookup function the public way;
 * where Node keeps it where Node 20 does, make it synchronous (replies go to the literal address a
 * query came from). Otherwise the socket works as it is, only without reusing reply buffers.
 */
function synchronousLookup(sock: UdpSocket): boolean {
  const state = Object.getOwnPropertySymbols(sock).find((s) => s.description === "state symbol");
  const handle =
    state && (sock as unknown as Record<symbol, { handle?: { lookup?: unknown } }>)[state]?.handle;
  if (!handle || typeof handle.lookup !== "function") return false;
  const family = sock.address().family === "IPv6" ? 6 : 4;
  handle.lookup = (address: string, callback: (err: null, ip: string, family: number) => void) =>
    callback(null, address, family);
  return true;
}

process.on("message", (m: ToWorker, handle?: UdpSocket | Socket) => {
  switch (m.t) {
    case "version":
      version = m.version;
      send({ t: "ack", version: m.version });
      return;
    case "answer": {
      const p = pending.get(m.n);
      if (!p) return;
      pending.delete(m.n);
      if (m.error !== undefined) p.reject(new Error(m.error));
      else p.resolve(m.answer);
      return;
    }
    case "udp": {
      const sock = handle as UdpSocket;
      const s = servedFor(m.listener);
      s.udp = sock;
      serveUdp(sock, s.handler, onError, synchronousLookup(sock));
      sock.on("error", (err) => onError(err, "receiving UDP"));
      send({ t: "serving", listener: m.listener });
      return;
    }
    case "conn": {
      const sock = handle as Socket | undefined;
      // A connection for a listener closed meanwhile (or that the client already closed).
      if (!sock) return;
      const s = served.get(m.listener);
      if (s) s.tcp.serve(sock);
      else sock.destroy();
      return;
    }
    case "close": {
      // This process's copies of the sockets only; the server closes its own.
      const s = served.get(m.listener);
      served.delete(m.listener);
      s?.tcp.destroyAll();
      if (s?.udp) s.udp.close(() => send({ t: "closed", listener: m.listener }));
      else send({ t: "closed", listener: m.listener });
      return;
    }
  }
});

// The server process is gone (or dropped this worker): nothing left to answer for.
process.on("disconnect", () => process.exit(0));
