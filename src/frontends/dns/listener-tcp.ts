// DNS over TCP (RFC 7766): 2-byte length prefix, many queries per connection, pipelining,
// replies in completion order. Every resource a client can hold is bounded: connections
// (server.maxConnections), idle time, time to finish a started message, replies in flight,
// and unsent output (reading pauses while the client is not reading).

import { createServer, type Server, type Socket } from "node:net";
import type { HandleResult, QueryHandler } from "./listener-handler.js";

export interface TcpLimits {
  maxConnections: number;
  /** Close a connection with no traffic for this long. */
  idleTimeoutMs: number;
  /** Close a connection whose started message is not complete after this long (slow senders). */
  partialTimeoutMs: number;
  /** Stop reading from a connection while this many async answers are outstanding. */
  maxInFlight: number;
}

export interface TcpFrontend {
  server: Server;
  /**
   * Set by DNS workers: offered each new connection (not yet read from) first; true means it
   * was handed to another process, which serves it from now on.
   */
  handOff: ((sock: Socket) => boolean) | undefined;
  /** Serve a connection here (one accepted elsewhere and handed over). */
  serve(sock: Socket): void;
  /** Destroy every open connection (the server itself is closed by the caller). */
  destroyAll(): void;
}

export function createTcpFrontend(
  handler: QueryHandler,
  limits: TcpLimits,
  onError: (err: unknown, context: string) => void,
): TcpFrontend {
  const sockets = new Set<Socket>();
  const serve = (sock: Socket): void => {
    sockets.add(sock);
    sock.once("close", () => sockets.delete(sock));
    // allowHalfOpen: a client may send its queries then shut down its side; it still gets the replies.
    sock.allowHalfOpen = true;
    sock.setNoDelay(true);
    new TcpConnection(sock, handler, limits, onError).start();
    sock.resume();
  };
  // pauseOnConnect: nothing is read before the connection is either served here or handed over.
  const server = createServer({ allowHalfOpen: true, noDelay: true, pauseOnConnect: true });
  const frontend: TcpFrontend = {
    server,
    handOff: undefined,
    serve,
    destroyAll: () => {
      for (const s of sockets) s.destroy();
    },
  };
  server.on("connection", (sock: Socket) => {
    if (frontend.handOff?.(sock) !== true) serve(sock);
  });
  server.maxConnections = limits.maxConnections;
  return frontend;
}

class TcpConnection {
  private pending: Buffer | null = null;
  private partialTimer: NodeJS.Timeout | null = null;
  private inFlight = 0;
  private waitingDrain = false;
  private peerEnded = false;
  private readonly remoteAddress: string;
  private readonly remotePort: number;

  constructor(
    private readonly sock: Socket,
    private readonly handler: QueryHandler,
    private readonly limits: TcpLimits,
    private readonly onError: (err: unknown, context: string) => void,
  ) {
    this.remoteAddress = sock.remoteAddress ?? "unknown";
    this.remotePort = sock.remotePort ?? 0;
  }

  start(): void {
    const sock = this.sock;
    sock.setTimeout(this.limits.idleTimeoutMs, () => sock.destroy());
    // Resets and the like are the client's business; they must not reach the process.
    sock.on("error", () => sock.destroy());
    sock.on("close", () => this.clearPartialTimer());
    sock.on("data", (chunk: Buffer) => this.onData(chunk));
    sock.on("end", () => {
      this.peerEnded = true;
      this.endIfDone();
    });
    sock.on("drain", () => {
      this.waitingDrain = false;
      this.updateFlow();
    });
  }

  private onData(chunk: Buffer): void {
    const buf = this.pending === null ? chunk : Buffer.concat([this.pending, chunk]);
    let off = 0;
    let completed = false;
    while (buf.length - off >= 2) {
      const len = buf.readUInt16BE(off);
      if (buf.length - off - 2 < len) break;
      this.respond(buf.subarray(off + 2, off + 2 + len));
      off += 2 + len;
      completed = true;
    }
    this.pending = off === buf.length ? null : buf.subarray(off);
    if (completed || this.pending === null) this.clearPartialTimer();
    if (this.pending !== null && this.partialTimer === null) {
      // Not reset by further bytes: a client trickling one byte at a time is still cut off.
      this.partialTimer = setTimeout(() => this.sock.destroy(), this.limits.partialTimeoutMs);
    }
  }

  private respond(msg: Buffer): void {
    let result: HandleResult;
    try {
      result = this.handler.handle(msg, "tcp", this.remoteAddress, this.remotePort);
    } catch (err) {
      this.onError(err, "handling a TCP query");
      return;
    }
    if (!(result instanceof Promise)) {
      this.send(result);
      return;
    }
    this.inFlight++;
    this.updateFlow();
    result
      .then(
        (reply) => this.send(reply),
        (err: unknown) => this.onError(err, "handling a TCP query"),
      )
      .catch((err: unknown) => this.onError(err, "sending a TCP reply"))
      .finally(() => {
        this.inFlight--;
        this.updateFlow();
        this.endIfDone();
      });
  }

  private send(reply: Buffer | null): void {
    if (reply === null || this.sock.destroyed || !this.sock.writable) return;
    const framed = Buffer.allocUnsafe(reply.length + 2);
    framed.writeUInt16BE(reply.length, 0);
    reply.copy(framed, 2);
    if (!this.sock.write(framed)) {
      this.waitingDrain = true;
      this.updateFlow();
    }
  }

  private updateFlow(): void {
    const stop = this.waitingDrain || this.inFlight >= this.limits.maxInFlight;
    if (stop && !this.sock.isPaused()) this.sock.pause();
    else if (!stop && this.sock.isPaused()) this.sock.resume();
  }

  private endIfDone(): void {
    if (this.peerEnded && this.inFlight === 0 && !this.sock.destroyed) this.sock.end();
  }

  private clearPartialTimer(): void {
    if (this.partialTimer !== null) {
      clearTimeout(this.partialTimer);
      this.partialTimer = null;
    }
  }
}
