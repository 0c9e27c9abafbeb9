// A DNS server endpoint (UDP + TCP on one loopback port) in front of an answer function.
// The wire layer (wire.ts) does the bytes; listener-handler.ts decodes, caches and encodes;
// listener-tcp.ts does TCP framing and its resource limits. This file binds and closes.

import { createSocket, type Socket as UdpSocket } from "node:dgram";
import { BlockList, isIPv4, isIPv6, type Server } from "node:net";
import { QueryHandler, type AnswerFn, type HandleResult } from "./listener-handler.js";
import { createTcpFrontend, type TcpFrontend, type TcpLimits } from "./listener-tcp.js";
import { batchReaderOf, readInBatches } from "./udpBatch.js";

export type { AnswerFn, DnsQuestion, QueryMeta, Transport } from "./listener-handler.js";

export interface DnsListenerOptions {
  /** Must be a loopback address (127.0.0.0/8 or ::1): the emulator never serves a network. */
  host: string;
  /** 0 picks a free port (the same one for UDP and TCP). */
  port: number;
  answer: AnswerFn;
  /** Generation of the data behind `answer`; enables the reply cache (see listener-handler.ts). */
  cacheKey?: () => number;
  /** Reply cache bound; the cache is cleared when it is reached. Default 10,000. */
  cacheMaxEntries?: number;
  /** TCP limits; defaults 256 connections, 10 s idle, 3 s to finish a message, 64 in flight. */
  tcp?: Partial<TcpLimits>;
  /** Where failures of `answer` and socket errors are reported. Default: console.warn. */
  onError?: ErrorSink;
}

export interface DnsListener {
  port: number;
  host: string;
  /** The bound UDP socket and the TCP front end, for DNS worker processes (see workers.ts). */
  sockets: { udp: UdpSocket; tcp: TcpFrontend };
  close(): Promise<void>;
}

export const DEFAULT_TCP_LIMITS: TcpLimits = {
  maxConnections: 256,
  idleTimeoutMs: 10_000,
  partialTimeoutMs: 3_000,
  maxInFlight: 64,
};
const PORT_PICK_ATTEMPTS = 5;
/** Bigger kernel receive buffer absorbs bursts at benchmark rates (capped by net.core.rmem_max). */
const UDP_RECV_BUFFER = 4 * 1024 * 1024;

export type ErrorSink = (err: unknown, context: string) => void;

const ipv6Loopback = new BlockList();
ipv6Loopback.addAddress("::1", "ipv6");

/** Throws unless `host` is an IPv4 address in 127.0.0.0/8 or the IPv6 loopback ::1. */
export function assertLoopbackHost(host: string): void {
  if (isIPv4(host) && host.startsWith("127.")) return;
  if (isIPv6(host) && ipv6Loopback.check(host, "ipv6")) return;
  throw new Error(
    `DNS listener host "${host}" is not a loopback address: ArcLink binds only 127.0.0.0/8 or ::1 ` +
      `so that its emulated Azure resolvers are never reachable from the network`,
  );
}

function defaultOnError(err: unknown, context: string): void {
  console.warn(`arclink dns: error while ${context}: ${err instanceof Error ? err.message : String(err)}`);
}

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string, family: number) => void;

/**
 * Answers the queries that arrive on `sock` through `handler`. `syncSend`: the socket sends at
 * once when the kernel takes the datagram (its lookup is synchronous), so a reply buffer is free
 * again when the send queue is empty and the raw cache may hand out its own buffer.
 *
 * Once the socket is bound its datagrams are read in batches where the native module is built
 * (udpBatch.ts); until then, and without it, through dgram's 'message' events.
 */
export function serveUdp(
  sock: UdpSocket,
  handler: QueryHandler,
  onError: ErrorSink,
  syncSend: boolean,
): void {
  const send = (reply: Buffer | null, port: number, address: string): void => {
    if (reply === null) return;
    try {
      // No callback: Node then tries a synchronous send first (cheaper) and ignores send
      // errors, which for UDP replies are the client's loss anyway (it will retry).
      sock.send(reply, port, address);
    } catch {
      // The socket was closed while an async answer was pending: nothing left to reply on.
    }
  };
  // Node sends a datagram at once when the kernel takes it (uv_udp_try_send) and queues it,
  // by reference, only when it does not; an empty queue means no reply buffer is in use. A
  // batch's replies are copied out as they are made, so the same holds for them.
  if (syncSend) handler.repliesSent = () => sock.getSendQueueCount() === 0;
  sock.on("message", (msg, rinfo) => {
    let result: HandleResult;
    try {
      result = handler.handle(msg, "udp", rinfo.address, rinfo.port);
    } catch (err) {
      // handle() is written not to throw; if it does anyway, the socket must survive.
      onError(err, "handling a UDP query");
      return;
    }
    if (result instanceof Promise) {
      result.then(
        (reply) => send(reply, rinfo.port, rinfo.address),
        (err: unknown) => onError(err, "answering over UDP"),
      );
    } else send(result, rinfo.port, rinfo.address);
  });
  const inBatches = (): void => {
    readInBatches(sock, (msg, address, port) => handler.handle(msg, "udp", address, port), send, onError);
  };
  if (isBound(sock)) inBatches();
  else sock.once("listening", inBatches);
}

function isBound(sock: UdpSocket): boolean {
  try {
    sock.address();
    return true;
  } catch {
    return false;
  }
}

function bindUdp(host: string, port: number, handler: QueryHandler, onError: ErrorSink): Promise<UdpSocket> {
  const family = isIPv6(host) ? 6 : 4;
  const sock = createSocket({
    type: family === 6 ? "udp6" : "udp4",
    recvBufferSize: UDP_RECV_BUFFER,
    // dgram resolves the destination of every send() through `lookup`; the default (dns.lookup)
    // defers each send to a later tick even for an IP literal. Replies only go to the address a
    // query came from, and the bind address is a checked loopback literal: nothing to look up.
    lookup: (address: string, _options: unknown, callback: LookupCallback) => callback(null, address, family),
  });
  serveUdp(sock, handler, onError, true);
  return new Promise((resolve, reject) => {
    const onBindError = (err: Error): void => {
      sock.close();
      reject(new Error(`DNS listener could not bind UDP ${host}:${port}: ${err.message}`, { cause: err }));
    };
    sock.once("error", onBindError);
    sock.bind({ address: host, port, exclusive: true }, () => {
      sock.off("error", onBindError);
      // From now on socket errors are reported, never thrown: the listener keeps serving.
      sock.on("error", (err) => onError(err, "receiving UDP"));
      resolve(sock);
    });
  });
}

function listenTcp(server: Server, host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error): void => reject(err);
    server.once("error", onError);
    server.listen({ host, port, exclusive: true }, () => {
      server.off("error", onError);
      resolve();
    });
  });
}

/** Resolves when the port is free: node's socket and the batch reader's descriptor both closed. */
async function closeUdp(sock: UdpSocket): Promise<void> {
  await new Promise<void>((resolve) => sock.close(() => resolve()));
  await batchReaderOf(sock)?.close();
}

function isAddrInUse(err: unknown): boolean {
  return (err as NodeJS.ErrnoException | null)?.code === "EADDRINUSE";
}

/**
 * Bind UDP then TCP on the same port. With port 0 the kernel picks UDP's port and TCP must get
 * the same number, which another process may hold: then start over with a new UDP port.
 */
async function bindBoth(
  host: string,
  port: number,
  handler: QueryHandler,
  tcpServer: Server,
  onError: ErrorSink,
): Promise<UdpSocket> {
  for (let attempt = 1; ; attempt++) {
    const udp = await bindUdp(host, port, handler, onError);
    const bound = udp.address().port;
    try {
      await listenTcp(tcpServer, host, bound);
      return udp;
    } catch (err) {
      await closeUdp(udp);
      if (port !== 0 || !isAddrInUse(err) || attempt >= PORT_PICK_ATTEMPTS) {
        throw new Error(`DNS listener could not bind TCP ${host}:${bound}: ${(err as Error).message}`, {
          cause: err,
        });
      }
    }
  }
}

/** Start a DNS server on host:port (UDP and TCP) that answers with opts.answer. */
export async function startDnsListener(opts: DnsListenerOptions): Promise<DnsListener> {
  assertLoopbackHost(opts.host);
  if (!Number.isInteger(opts.port) || opts.port < 0 || opts.port > 65535) {
    throw new Error(`DNS listener port ${opts.port} is not an integer in 0..65535`);
  }
  const onError = opts.onError ?? defaultOnError;
  const handler = new QueryHandler({
    answer: opts.answer,
    cacheKey: opts.cacheKey,
    cacheMaxEntries: opts.cacheMaxEntries ?? 10_000,
    onError,
  });
  const tcp = createTcpFrontend(handler, { ...DEFAULT_TCP_LIMITS, ...opts.tcp }, onError);
  const udp = await bindBoth(opts.host, opts.port, handler, tcp.server, onError);
  tcp.server.on("error", (err) => onError(err, "accepting TCP"));

  let closing: Promise<void> | null = null;
  return {
    host: opts.host,
    port: udp.address().port,
    sockets: { udp, tcp },
    close: () => {
      closing ??= Promise.all([
        closeUdp(udp),
        new Promise<void>((resolve) => {
          tcp.server.close(() => resolve());
          tcp.destroyAll();
        }),
      ]).then(() => undefined);
      return closing;
    },
  };
}
