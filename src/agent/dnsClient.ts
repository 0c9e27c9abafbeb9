// One DNS query over the wire, as a stub resolver sends it: UDP to the server's loopback
// listener, a random id, RD set; a truncated reply is asked again over TCP. Only loopback
// addresses are ever queried: the simulated server's real socket is ArcLink's listener.
import { randomInt } from "node:crypto";
import { createSocket } from "node:dgram";
import { connect, isIPv6 } from "node:net";
import { decode, encode, RECURSION_DESIRED, streamEncode, type Packet } from "dns-packet";

export interface DnsRecord {
  name: string;
  type: string;
  ttl: number;
  data: string;
}

export type QueryOutcome =
  | { kind: "reply"; rcode: number; answers: DnsRecord[]; authoritative: boolean }
  /** No reply in time (the server is unreachable from this host, or silent). */
  | { kind: "timeout" }
  /** The kernel said nobody listens there (ICMP port unreachable / TCP reset). */
  | { kind: "refused" };

export const RCODE: Record<string, number> = {
  NOERROR: 0,
  FORMERR: 1,
  SERVFAIL: 2,
  NXDOMAIN: 3,
  NOTIMP: 4,
  REFUSED: 5,
};

export function rcodeName(n: number): string {
  return Object.entries(RCODE).find(([, v]) => v === n)?.[0] ?? `RCODE${n}`;
}

export function isLoopback(host: string): boolean {
  return /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host) || host === "::1";
}

function queryPacket(id: number, name: string, type: string): Packet {
  return {
    type: "query",
    id,
    flags: RECURSION_DESIRED,
    questions: [{ type: type as any, class: "IN", name }],
  };
}

const FLAG_AA = 1 << 10;
const FLAG_TC = 1 << 9;

function toOutcome(pkt: Packet): QueryOutcome & { truncated: boolean } {
  const flags = pkt.flags ?? 0;
  const rcode = flags & 0xf;
  const answers: DnsRecord[] = (pkt.answers ?? [])
    .filter((a) => a.type === "A" || a.type === "CNAME" || a.type === "AAAA")
    .map((a) => ({
      name: String(a.name).toLowerCase().replace(/\.$/, ""),
      type: a.type,
      ttl: (a as { ttl?: number }).ttl ?? 0,
      data: String((a as { data: unknown }).data).replace(/\.$/, ""),
    }));
  return {
    kind: "reply",
    rcode,
    answers,
    authoritative: (flags & FLAG_AA) !== 0,
    truncated: (flags & FLAG_TC) !== 0,
  };
}

/** True when the reply answers our query (same id, same question). */
function matches(pkt: Packet, id: number, name: string): boolean {
  if (pkt.type !== "response" || pkt.id !== id) return false;
  const q = pkt.questions?.[0];
  return !!q && q.name.toLowerCase().replace(/\.$/, "") === name.toLowerCase().replace(/\.$/, "");
}

function queryUdp(host: string, port: number, name: string, type: string, timeoutMs: number) {
  return new Promise<QueryOutcome & { truncated?: boolean }>((resolve) => {
    const id = randomInt(0, 65536);
    const sock = createSocket(isIPv6(host) ? "udp6" : "udp4");
    let done = false;
    const finish = (o: QueryOutcome & { truncated?: boolean }) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      try {
        sock.close();
      } catch {
        // already closed
      }
      resolve(o);
    };
    const timer = setTimeout(() => finish({ kind: "timeout" }), timeoutMs);
    sock.on("error", (err: NodeJS.ErrnoException) =>
      finish(err.code === "ECONNREFUSED" ? { kind: "refused" } : { kind: "timeout" }),
    );
    sock.on("message", (msg) => {
      let pkt: Packet;
      try {
        pkt = decode(msg);
      } catch {
        return; // garbage: keep waiting, as a resolver does
      }
      if (matches(pkt, id, name)) finish(toOutcome(pkt));
    });
    // A connected socket hears ICMP port-unreachable as ECONNREFUSED, as resolvers do.
    sock.connect(port, host, () => sock.send(encode(queryPacket(id, name, type))));
  });
}

function queryTcp(host: string, port: number, name: string, type: string, timeoutMs: number) {
  return new Promise<QueryOutcome>((resolve) => {
    const id = randomInt(0, 65536);
    const sock = connect({ host, port });
    let buf = Buffer.alloc(0);
    let done = false;
    const finish = (o: QueryOutcome) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      sock.destroy();
      resolve(o);
    };
    const timer = setTimeout(() => finish({ kind: "timeout" }), timeoutMs);
    sock.on("error", (err: NodeJS.ErrnoException) =>
      finish(err.code === "ECONNREFUSED" ? { kind: "refused" } : { kind: "timeout" }),
    );
    sock.on("connect", () => sock.write(streamEncode(queryPacket(id, name, type))));
    sock.on("data", (d) => {
      buf = Buffer.concat([buf, d]);
      if (buf.length < 2) return;
      const len = buf.readUInt16BE(0);
      if (buf.length < len + 2) return;
      try {
        const pkt = decode(buf.subarray(2, len + 2));
        finish(matches(pkt, id, name) ? toOutcome(pkt) : { kind: "timeout" });
      } catch {
        finish({ kind: "timeout" });
      }
    });
    sock.on("end", () => finish({ kind: "timeout" }));
  });
}

/** Asks the server listening on host:port (a loopback address) for `name`. */
export async function query(
  host: string,
  port: number,
  name: string,
  opts: { type?: string; timeoutMs?: number } = {},
): Promise<QueryOutcome> {
  if (!isLoopback(host)) {
    throw new Error(
      `refusing to send a DNS query to ${host}: the agent only talks to ArcLink's loopback listeners`,
    );
  }
  const type = opts.type ?? "A";
  const timeoutMs = opts.timeoutMs ?? 1500;
  const udp = await queryUdp(host, port, name, type, timeoutMs);
  if (udp.kind === "reply" && udp.truncated) return queryTcp(host, port, name, type, timeoutMs);
  if (udp.kind === "reply")
    return { kind: "reply", rcode: udp.rcode, answers: udp.answers, authoritative: udp.authoritative };
  return udp;
}
