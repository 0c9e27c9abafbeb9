// The Node floor for the DNS benchmark: a bare dgram server that answers each query with a
// reply ArcLink itself gave to that question (kept by run.ts), only the id patched (the
// question bytes are the key, as in the baselines' node-cached server). It uses the
// same socket calls as ArcLink's listener (createSocket with a 4 MiB receive buffer and a
// synchronous `lookup` for IP literals, send without a callback), so ArcLink ÷ this is what
// ArcLink's cache lookup and patch cost on top of Node's own UDP path, and this ÷ Unbound is what
// Node's UDP path costs against C.
//
// With PROCESSES > 1 the socket is shared the way `serve --dns-workers` shares ArcLink's: the
// first process binds it and hands it to PROCESSES - 1 children over IPC, and all of them read it.
//
//   node dist/bench/dns/nodePeer.js REPLIES.json [PROCESSES]   (prints {"port":N} once it listens)
import { fork } from "node:child_process";
import { createSocket, type Socket } from "node:dgram";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

interface Replies {
  /** Hex of a query's bytes after the header (its question, and its OPT record if any) → base64 reply. */
  replies: Record<string, string>;
}

const file = process.argv[2];
if (!file) {
  process.stderr.write("usage: node dist/bench/dns/nodePeer.js REPLIES.json\n");
  process.exit(2);
}
const cfg = JSON.parse(readFileSync(file, "utf8")) as Replies;
const byQuery = new Map<string, Buffer>();
for (const [k, v] of Object.entries(cfg.replies))
  byQuery.set(Buffer.from(k, "hex").toString("latin1"), Buffer.from(v, "base64"));

const processes = Number(process.argv[3] ?? 1);
let misses = 0;

function serve(sock: Socket): void {
  sock.on("message", (msg, rinfo) => {
    if (msg.length < 12) return;
    const hit = byQuery.get(msg.toString("latin1", 12));
    if (hit === undefined) {
      misses++;
      return;
    }
    const out = Buffer.allocUnsafe(hit.length);
    hit.copy(out);
    out[0] = msg[0];
    out[1] = msg[1];
    sock.send(out, rinfo.port, rinfo.address);
  });
}

if (process.send) {
  // A child: the socket arrives over IPC; its sends get the same synchronous lookup as ArcLink's
  // workers give theirs (see src/frontends/dns/worker-main.ts).
  process.on("message", (_m: unknown, sock?: Socket) => {
    if (!sock) return;
    const state = Object.getOwnPropertySymbols(sock).find((x) => x.description === "state symbol");
    const handle =
      state && (sock as unknown as Record<symbol, { handle?: { lookup?: unknown } }>)[state]?.handle;
    if (handle) handle.lookup = (a: string, cb: (e: null, ip: string, f: number) => void) => cb(null, a, 4);
    serve(sock);
  });
  process.on("disconnect", () => process.exit(0));
} else {
  const sock = createSocket({
    type: "udp4",
    recvBufferSize: 4 * 1024 * 1024,
    lookup: (address: string, _options: unknown, cb: (e: Error | null, a: string, f: number) => void) =>
      cb(null, address, 4),
  });
  serve(sock);
  const children = Array.from({ length: processes - 1 }, () =>
    fork(fileURLToPath(import.meta.url), [file], {
      execArgv: [],
      stdio: ["ignore", "inherit", "inherit", "ipc"],
    }),
  );
  sock.bind(0, "127.0.0.1", () => {
    for (const c of children) c.send("socket", sock);
    process.stdout.write(JSON.stringify({ port: sock.address().port }) + "\n");
  });
  process.on("SIGTERM", () => {
    if (misses) process.stderr.write(`node peer: ${misses} queries had no kept reply (dropped)\n`);
    for (const c of children) c.kill("SIGTERM");
    sock.close(() => process.exit(0));
  });
}
