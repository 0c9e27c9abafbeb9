// Batched UDP reads and replies for the DNS listener (native/udp_batch.c): one recvmmsg(2) reads
// up to BATCH queries, one JavaScript call answers them all, one sendmmsg(2) sends the replies.
// node's dgram reads, enters JavaScript and sends once per datagram, which at DNS rates costs more
// than answering. The socket stays node's: bound, sent on (for answers that come later) and
// closed by node; only its reading moves here. Without the compiled module (another platform, a
// failed build) or with ARCLINK_DNS_BATCH=0, the listener reads through dgram as before.
import type { Socket as UdpSocket } from "node:dgram";
import { createRequire } from "node:module";

interface Binding {
  open(
    fd: number,
    batch: number,
    inSlot: number,
    outSlot: number,
    input: Buffer,
    meta: Buffer,
    output: Buffer,
    onBatch: (count: number) => void,
  ): object;
  close(reader: object, done: () => void): void;
  dropped(reader: object): number;
  reading(reader: object, on: boolean): void;
}

/** Datagrams per recvmmsg. */
const BATCH = 64;
/** A UDP payload is at most 65,507 bytes: a slot this size never truncates one. */
const IN_SLOT = 65536;
/** Replies are at most 1,232 bytes over UDP (ADVERTISED_UDP_SIZE); longer ones go through dgram. */
const OUT_SLOT = 2048;
/** int32 per datagram in the meta buffer: length, family, port, reply length, 4 of address. */
const META = 8;

let binding: Binding | null | undefined;
const readers = new WeakMap<UdpSocket, BatchReader>();

/** The batch reader of `sock`, if its datagrams are read in batches. */
export function batchReaderOf(sock: UdpSocket): BatchReader | undefined {
  return readers.get(sock);
}

/** The compiled module, or null (with the reason in `unavailableReason`). */
export function udpBatchBinding(): Binding | null {
  if (binding !== undefined) return binding;
  if (process.env.ARCLINK_DNS_BATCH === "0") {
    unavailableReason = "ARCLINK_DNS_BATCH=0";
    return (binding = null);
  }
  try {
    // From dist/src/frontends/dns/ to the package root's build/.
    const require = createRequire(import.meta.url);
    binding = require("../../../../build/Release/udp_batch.node") as Binding;
  } catch (err) {
    unavailableReason = `the native module is not built (${(err as Error).message.split("\n")[0]})`;
    binding = null;
  }
  return binding;
}

export let unavailableReason = "";

/** A datagram's handling: the reply to send now, none, or one that comes later. */
export type OnDatagram = (
  msg: Buffer,
  address: string,
  port: number,
) => Buffer | null | Promise<Buffer | null>;

export interface BatchReader {
  /** Stops reading; resolves when this reader's descriptor of the socket is closed. */
  close(): Promise<void>;
  /** Stops or resumes reading (while other processes read the socket). */
  setReading(on: boolean): void;
  /** Replies the kernel did not take (a full send buffer), as a network loses them. */
  dropped(): number;
}

interface UdpHandle {
  fd: number;
  recvStop(): number;
  recvStart(): number;
}

/** node's handle of a bound dgram socket (its descriptor and recvStop), where node 20 keeps it. */
export function dgramHandle(sock: UdpSocket): UdpHandle | null {
  const state = Object.getOwnPropertySymbols(sock).find((s) => s.description === "state symbol");
  const handle = state && (sock as unknown as Record<symbol, { handle?: Partial<UdpHandle> }>)[state]?.handle;
  if (!handle || typeof handle.fd !== "number" || handle.fd < 0) return null;
  if (typeof handle.recvStop !== "function" || typeof handle.recvStart !== "function") return null;
  return handle as UdpHandle;
}

/**
 * Reads `sock` (bound) in batches and answers each datagram with `onDatagram`; null when batching
 * is not available, and the caller keeps dgram's 'message' events. A reply that comes later
 * (a Promise) is sent through `sendLater`.
 */
export function readInBatches(
  sock: UdpSocket,
  onDatagram: OnDatagram,
  sendLater: (reply: Buffer | null, port: number, address: string) => void,
  onError: (err: unknown, context: string) => void,
): BatchReader | null {
  const native = udpBatchBinding();
  const handle = native && dgramHandle(sock);
  if (!native || !handle) return null;

  const input = Buffer.allocUnsafeSlow(BATCH * IN_SLOT);
  const metaBytes = Buffer.alloc(BATCH * META * 4);
  const meta = new Int32Array(metaBytes.buffer, metaBytes.byteOffset, BATCH * META);
  const metaU8 = new Uint8Array(metaBytes.buffer, metaBytes.byteOffset, metaBytes.length);
  const output = Buffer.allocUnsafeSlow(BATCH * OUT_SLOT);
  const views: Buffer[] = [];
  for (let i = 0; i < BATCH; i++) views.push(input.subarray(i * IN_SLOT, (i + 1) * IN_SLOT));

  // Most queries come from a few clients: keep the last address's text.
  let lastV4 = 0;
  let lastV4Text = "";
  const addressOf = (i: number): string => {
    const m = i * META;
    if (meta[m + 1] === 4) {
      const raw = meta[m + 4];
      if (raw !== lastV4 || lastV4Text === "") {
        const o = (m + 4) * 4;
        lastV4 = raw;
        lastV4Text = `${metaU8[o]}.${metaU8[o + 1]}.${metaU8[o + 2]}.${metaU8[o + 3]}`;
      }
      return lastV4Text;
    }
    return ipv6Text(metaU8, (m + 4) * 4);
  };

  const onBatch = (count: number): void => {
    for (let i = 0; i < count; i++) {
      const m = i * META;
      meta[m + 3] = 0;
      const len = meta[m];
      if (len < 0) continue; // longer than a UDP payload can be: nothing to answer
      const address = addressOf(i);
      const port = meta[m + 2];
      let result: Buffer | null | Promise<Buffer | null>;
      try {
        result = onDatagram(views[i].subarray(0, len), address, port);
      } catch (err) {
        onError(err, "handling a UDP query");
        continue;
      }
      if (result === null) continue;
      if (result instanceof Promise) {
        result.then(
          (reply) => sendLater(reply, port, address),
          (err: unknown) => onError(err, "answering over UDP"),
        );
      } else if (result.length <= OUT_SLOT) {
        result.copy(output, i * OUT_SLOT);
        meta[m + 3] = result.length;
      } else sendLater(result, port, address);
    }
  };

  handle.recvStop();
  let reader: object;
  try {
    reader = native.open(handle.fd, BATCH, IN_SLOT, OUT_SLOT, input, metaBytes, output, onBatch);
  } catch (err) {
    handle.recvStart();
    onError(err, "starting batched UDP reads (reading through dgram instead)");
    return null;
  }
  let closed = false;
  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= new Promise<void>((resolve) => {
      closed = true;
      native.close(reader, resolve);
    });
    return closing;
  };
  sock.once("close", () => void close());
  const batchReader: BatchReader = {
    close,
    setReading: (on) => {
      if (!closed) native.reading(reader, on);
    },
    dropped: () => native.dropped(reader),
  };
  readers.set(sock, batchReader);
  return batchReader;
}

/** RFC 5952 text of the 16 bytes at `o`, as node's rinfo.address gives it. */
function ipv6Text(b: Uint8Array, o: number): string {
  const groups: number[] = [];
  for (let g = 0; g < 8; g++) groups.push((b[o + 2 * g] << 8) | b[o + 2 * g + 1]);
  if (groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff) {
    return `::ffff:${b[o + 12]}.${b[o + 13]}.${b[o + 14]}.${b[o + 15]}`;
  }
  let bestStart = -1;
  let bestLen = 1;
  for (let g = 0; g < 8;) {
    if (groups[g] !== 0) {
      g++;
      continue;
    }
    let e = g;
    while (e < 8 && groups[e] === 0) e++;
    if (e - g > bestLen) {
      bestStart = g;
      bestLen = e - g;
    }
    g = e;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestStart < 0) return hex.join(":");
  return `${hex.slice(0, bestStart).join(":")}::${hex.slice(bestStart + bestLen).join(":")}`;
}
