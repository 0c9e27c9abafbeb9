// DNS on more than one core: worker processes that answer on the listeners' own ports.
//
// The server process binds each listener (UDP and TCP on one port) as it does alone, then hands
// the bound UDP socket to every worker process over IPC (the same kernel socket: the kernel gives
// each datagram to whichever worker reads first) and stops reading it itself; it keeps accepting
// TCP connections and hands each, unread, to the next worker in turn. A worker answers from its
// own reply cache; what the cache cannot answer for the current model version it asks of the
// server process, which holds the network model (one evaluator, one truth).
//
// Consistency: the caches are keyed on the network model's version. When a commit changes the
// model the server sends the new version to every worker and holds the write's acknowledgement
// (the ARM response) until every live worker has acknowledged it (Writer.beforeAcknowledge). A
// query sent after the write was answered therefore finds the new version in whichever worker
// reads it. Without a live worker the server process reads the sockets itself again.
//
// Node 20 has no SO_REUSEPORT (dgram's reusePort came in 22.12) and worker threads cannot share
// a socket without sharing its descriptor (one thread's exit would close it for all): processes
// receiving the socket as an IPC handle have their own descriptor each.
import { fork, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import type { Socket as UdpSocket } from "node:dgram";
import type { Socket } from "node:net";
import type { AnswerFn, DnsListener } from "./listener.js";
import type { FromWorker, ToWorker } from "./worker-protocol.js";
import { batchReaderOf } from "./udpBatch.js";

export interface DnsWorkerPoolOptions {
  /** Worker processes (at least 1). */
  processes: number;
  /** The network model version DNS answers are cached under. */
  version: () => number;
  /** Where worker exits, restarts and errors are reported. */
  log: (line: string) => void;
}

interface Shared {
  listener: DnsListener;
  answer: AnswerFn;
}

interface Worker {
  child: ChildProcess;
  /** Last model version the worker acknowledged. */
  acked: number;
  exited: boolean;
  /** Called with each message of the worker (waits for acks, serving and closed). */
  watchers: Set<(m: FromWorker | null) => void>;
  /** Listeners whose UDP socket this worker serves. */
  serving: Set<string>;
}

/**
 * A worker that has not acknowledged a model version this long after it was sent is replaced:
 * writes wait for it, so a hung worker must not hold them for ever.
 */
const ACK_TIMEOUT_MS = 30_000;
/** Consecutive workers that exit before serving anything, after which no more are started. */
const MAX_FAILED_STARTS = 3;
const WORKER_MAIN = fileURLToPath(new URL("./worker-main.js", import.meta.url));

export class DnsWorkerPool {
  private readonly workers: Worker[] = [];
  private readonly shared = new Map<string, Shared>();
  private closing = false;
  private failedStarts = 0;
  /** Round-robin position for TCP connections. */
  private nextTcp = 0;
  /** Workers started in place of ones that exited. */
  restarts = 0;

  constructor(private readonly opts: DnsWorkerPoolOptions) {
    if (!Number.isInteger(opts.processes) || opts.processes < 0)
      throw new Error(`DNS worker processes must be a whole number, got ${opts.processes}`);
  }

  /** Starts the worker processes; resolves when each has acknowledged the current version. */
  async start(): Promise<void> {
    await Promise.all(Array.from({ length: this.opts.processes }, () => this.spawn()));
    this.updateReading();
  }

  /** Process ids of the live workers. */
  pids(): number[] {
    return this.workers.filter((w) => !w.exited).map((w) => w.child.pid ?? 0);
  }

  /** Hands a listener to every worker; resolves when each serves it. */
  async share(id: string, listener: DnsListener, answer: AnswerFn): Promise<void> {
    this.shared.set(id, { listener, answer });
    listener.sockets.tcp.handOff = (sock) => this.handOffTcp(id, sock);
    await Promise.all(this.workers.map((w) => this.handOver(w, id)));
    this.updateReading();
  }

  /** Takes a listener back from every worker; resolves when each has closed its copies. */
  async unshare(id: string): Promise<void> {
    const s = this.shared.get(id);
    if (!s) return;
    this.shared.delete(id);
    s.listener.sockets.tcp.handOff = undefined;
    setReading(s.listener.sockets.udp, true);
    await Promise.all(
      this.workers.map((w) => {
        if (!w.serving.delete(id)) return undefined;
        return this.request(w, { t: "close", listener: id }, (m) => m.t === "closed" && m.listener === id);
      }),
    );
  }

  /** A new model version: sent to every worker at once (synchronously within the commit). */
  publish(version: number): void {
    for (const w of this.workers) if (!w.exited) this.post(w, { t: "version", version });
  }

  /** Undefined when every live worker has acknowledged the current version; else when they have. */
  synced(): Promise<void> | undefined {
    const version = this.opts.version();
    const behind = this.workers.filter((w) => !w.exited && w.acked < version);
    if (!behind.length) return undefined;
    return Promise.all(
      behind.map((w) => {
        const timer = setTimeout(() => {
          if (w.exited || w.acked >= version) return;
          this.opts.log(
            `arclink dns: worker ${w.child.pid} did not acknowledge model version ${version} within ` +
              `${ACK_TIMEOUT_MS / 1000} s; replacing it so that writes are not held back`,
          );
          w.child.kill("SIGKILL");
        }, ACK_TIMEOUT_MS);
        return this.waitFor(w, () => w.acked >= version).finally(() => clearTimeout(timer));
      }),
    ).then(() => undefined);
  }

  async close(): Promise<void> {
    this.closing = true;
    await Promise.all(
      this.workers.map(
        (w) =>
          new Promise<void>((resolve) => {
            if (w.exited) return resolve();
            w.child.once("exit", () => resolve());
            w.child.kill("SIGTERM");
          }),
      ),
    );
  }

  private async spawn(): Promise<Worker> {
    const child = fork(WORKER_MAIN, [], { execArgv: [], stdio: ["ignore", "inherit", "inherit", "ipc"] });
    const w: Worker = { child, acked: -1, exited: false, watchers: new Set(), serving: new Set() };
    this.workers.push(w);
    child.on("message", (m: FromWorker) => this.onMessage(w, m));
    child.on("error", (err) => this.opts.log(`arclink dns: worker ${child.pid}: ${err.message}`));
    child.on("exit", (code, signal) => this.onExit(w, code, signal));
    const version = this.opts.version();
    this.post(w, { t: "version", version });
    await this.waitFor(w, () => w.acked >= version);
    for (const id of this.shared.keys()) await this.handOver(w, id);
    return w;
  }

  private async handOver(w: Worker, id: string): Promise<void> {
    const s = this.shared.get(id);
    if (!s || w.exited) return;
    const served = (m: FromWorker) => m.t === "serving" && m.listener === id;
    await this.request(w, { t: "udp", listener: id }, served, s.listener.sockets.udp);
    if (!w.exited && this.shared.has(id)) w.serving.add(id);
  }

  /** The next live worker serving `id` gets the connection; none: the server serves it. */
  private handOffTcp(id: string, sock: Socket): boolean {
    const serving = this.workers.filter((w) => !w.exited && w.serving.has(id) && w.child.connected);
    if (!serving.length) return false;
    const w = serving[this.nextTcp++ % serving.length];
    try {
      w.child.send({ t: "conn", listener: id } satisfies ToWorker, sock, { keepOpen: false });
      return true;
    } catch {
      return false;
    }
  }

  /**
   * The server process reads a listener's UDP socket only while no live worker serves it: a
   * worker that stopped being scheduled (or died) must not leave queries unanswered for long.
   */
  private updateReading(): void {
    for (const [id, s] of this.shared) {
      const served = this.workers.some((w) => !w.exited && w.serving.has(id));
      setReading(s.listener.sockets.udp, !served);
    }
  }

  private onMessage(w: Worker, m: FromWorker): void {
    switch (m.t) {
      case "ack":
        w.acked = Math.max(w.acked, m.version);
        break;
      case "ask":
        this.answer(w, m);
        return;
      case "error":
        this.opts.log(`arclink dns: worker ${w.child.pid}: error while ${m.context}: ${m.message}`);
        return;
      default:
        break;
    }
    for (const watch of [...w.watchers]) watch(m);
  }

  private answer(w: Worker, m: Extract<FromWorker, { t: "ask" }>): void {
    const s = this.shared.get(m.listener);
    const reply = (answer: ToWorker) => {
      if (!w.exited) this.post(w, answer);
    };
    if (!s) return reply({ t: "answer", n: m.n, answer: null });
    const fail = (err: unknown) =>
      reply({ t: "answer", n: m.n, answer: null, error: err instanceof Error ? err.message : String(err) });
    try {
      const a = s.answer(m.q, m.meta);
      if (a instanceof Promise) a.then((answer) => reply({ t: "answer", n: m.n, answer }), fail);
      else reply({ t: "answer", n: m.n, answer: a });
    } catch (err) {
      fail(err);
    }
  }

  private onExit(w: Worker, code: number | null, signal: NodeJS.Signals | null): void {
    w.exited = true;
    const i = this.workers.indexOf(w);
    if (i >= 0) this.workers.splice(i, 1);
    // A gone worker acknowledges nothing and serves nothing: whoever waited on it goes on.
    for (const watch of [...w.watchers]) watch(null);
    if (this.closing) return;
    this.updateReading();
    const how = signal ?? `code ${code}`;
    // A worker that never acknowledged its first version failed to start.
    if (w.acked < 0) this.failedStarts++;
    else this.failedStarts = 0;
    if (this.failedStarts >= MAX_FAILED_STARTS) {
      this.opts.log(
        `arclink dns: worker ${w.child.pid} exited (${how}); ${this.failedStarts} workers in a row exited before ` +
          `starting, so no other is started: the server process goes on answering every listener alone`,
      );
      return;
    }
    this.opts.log(`arclink dns: worker ${w.child.pid} exited (${how}); starting another in its place`);
    this.restarts++;
    this.spawn()
      .then((next) => {
        this.updateReading();
        if (!next.exited)
          this.opts.log(`arclink dns: worker ${next.child.pid} serves in place of ${w.child.pid}`);
      })
      .catch((err: unknown) =>
        this.opts.log(`arclink dns: could not start a DNS worker: ${(err as Error).message}`),
      );
  }

  private post(w: Worker, m: ToWorker, handle?: UdpSocket): void {
    try {
      if (handle) w.child.send(m, handle);
      else w.child.send(m);
    } catch {
      // The channel closed under us: the exit handler deals with the worker.
    }
  }

  /** Sends `m` and resolves on the first message `done` accepts (or when the worker exits). */
  private request(
    w: Worker,
    m: ToWorker,
    done: (m: FromWorker) => boolean,
    handle?: UdpSocket,
  ): Promise<void> {
    const p = this.waitForMessage(w, done);
    this.post(w, m, handle);
    return p;
  }

  private waitFor(w: Worker, ready: () => boolean): Promise<void> {
    if (ready() || w.exited) return Promise.resolve();
    return this.waitForMessage(w, () => ready());
  }

  private waitForMessage(w: Worker, done: (m: FromWorker) => boolean): Promise<void> {
    if (w.exited) return Promise.resolve();
    return new Promise((resolve) => {
      const watch = (m: FromWorker | null) => {
        if (m !== null && !done(m)) return;
        w.watchers.delete(watch);
        resolve();
      };
      w.watchers.add(watch);
    });
  }
}

/**
 * Starts or stops this process reading a UDP socket it keeps open for the workers. dgram has no
 * public pause; Node 20 keeps the socket's native handle (with recvStart/recvStop) under the
 * "state symbol". Where that is missing the server goes on reading too: its answers are as right
 * as a worker's, only the work is not handed off.
 */
function setReading(sock: UdpSocket, on: boolean): void {
  const batches = batchReaderOf(sock);
  if (batches) {
    batches.setReading(on);
    return;
  }
  const state = Object.getOwnPropertySymbols(sock).find((s) => s.description === "state symbol");
  const st = state && (sock as unknown as Record<symbol, NativeState | undefined>)[state];
  const handle = st?.handle;
  if (!st || !handle || typeof handle.recvStart !== "function" || typeof handle.recvStop !== "function")
    return;
  if (st.receiving === on) return;
  if (on) handle.recvStart();
  else handle.recvStop();
  st.receiving = on;
}

interface NativeState {
  receiving?: boolean;
  handle?: { recvStart?: () => number; recvStop?: () => number };
}
