// Real DNS servers standing in for modelled ones (a BIND or Unbound on loopback): the engine
// stays pure by reading their answers from this cache; the front ends fill it with real
// queries and run the engine again (see NetworkService.live).
import { createSocket } from "node:dgram";
import dnsPacket from "dns-packet";
import type { Rr } from "./resolve.js";

export interface ExternalAnswer {
  rcode: "NOERROR" | "NXDOMAIN" | "SERVFAIL" | "REFUSED";
  answers: Rr[];
  authority: Rr[];
  expires: number;
}

export interface ExternalQuestion {
  host: string;
  port: number;
  name: string;
  qtype: string;
}

const LOOPBACK = new Set(["127.0.0.1", "::1", "localhost"]);

export class ExternalDnsCache {
  private entries = new Map<string, ExternalAnswer>();
  /** Questions the engine asked for and did not find, since the last take(). */
  private pending = new Map<string, ExternalQuestion>();

  private key(q: ExternalQuestion): string {
    return `${q.host}|${q.port}|${q.name.toLowerCase()}|${q.qtype}`;
  }

  get(q: ExternalQuestion): ExternalAnswer | undefined {
    const k = this.key(q);
    const e = this.entries.get(k);
    if (e && e.expires > Date.now()) return e;
    this.pending.set(k, q);
    return undefined;
  }

  take(): ExternalQuestion[] {
    const out = [...this.pending.values()];
    this.pending.clear();
    return out;
  }

  /** Asks the real server (loopback only) and stores its answer. */
  async fetch(q: ExternalQuestion, timeoutMs = 2000): Promise<void> {
    if (!LOOPBACK.has(q.host)) throw new Error(`External DNS servers must be on loopback, not ${q.host}`);
    const a = await query(q, timeoutMs).catch(() => undefined);
    const ttl = a ? Math.min(30, ...a.answers.map((r) => r.ttl), 30) : 5;
    this.entries.set(
      this.key(q),
      a
        ? { ...a, expires: Date.now() + ttl * 1000 }
        : { rcode: "SERVFAIL", answers: [], authority: [], expires: Date.now() + 5000 },
    );
    if (this.entries.size > 10_000) this.entries.clear();
  }
}

const RCODE: Record<string, ExternalAnswer["rcode"]> = {
  NOERROR: "NOERROR",
  NXDOMAIN: "NXDOMAIN",
  REFUSED: "REFUSED",
};

function query(q: ExternalQuestion, timeoutMs: number): Promise<Omit<ExternalAnswer, "expires">> {
  return new Promise((resolve, reject) => {
    const sock = createSocket(q.host.includes(":") ? "udp6" : "udp4");
    const id = Math.floor(Math.random() * 65535);
    const timer = setTimeout(() => {
      sock.close();
      reject(new Error("timeout"));
    }, timeoutMs);
    sock.on("message", (msg) => {
      try {
        const p = dnsPacket.decode(msg);
        if (p.id !== id) return;
        clearTimeout(timer);
        sock.close();
        const conv = (r: any): Rr | undefined =>
          ["A", "AAAA", "CNAME", "TXT", "SOA"].includes(r.type)
            ? {
                name: String(r.name).toLowerCase(),
                type: r.type,
                ttl: r.ttl ?? 0,
                data: r.type === "TXT" ? (r.data as Buffer[]).map(String) : r.data,
              }
            : undefined;
        resolve({
          rcode: RCODE[(p as any).rcode ?? "NOERROR"] ?? "SERVFAIL",
          answers: (p.answers ?? []).map(conv).filter((x): x is Rr => !!x),
          authority: (p.authorities ?? []).map(conv).filter((x): x is Rr => !!x),
        });
      } catch (e) {
        clearTimeout(timer);
        sock.close();
        reject(e);
      }
    });
    sock.on("error", (e) => {
      clearTimeout(timer);
      sock.close();
      reject(e);
    });
    const buf = dnsPacket.encode({
      type: "query",
      id,
      flags: dnsPacket.RECURSION_DESIRED,
      questions: [{ type: q.qtype as any, name: q.name, class: "IN" }],
    });
    sock.send(buf, q.port, q.host === "localhost" ? "127.0.0.1" : q.host);
  });
}
