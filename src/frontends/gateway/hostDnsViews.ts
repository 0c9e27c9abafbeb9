// Per-host DNS: for each DNS server a host is configured with, a loopback listener that answers
// as that server answers a query FROM THAT HOST — or drops it when the host has no route to it,
// so the real client times out exactly as it would.
import { NetworkService } from "../../network/service.js";
import { DnsListener, startDnsListener } from "../dns/listener.js";
import { toWire } from "../dns/resolverListeners.js";

export class HostDnsViews {
  private open = new Map<string, Promise<DnsListener>>();

  constructor(private readonly network: NetworkService) {}

  /** The loopback listener for (host, server address), opened on first use. */
  listenerFor(hostKey: string, serverIp: string): Promise<DnsListener> {
    const k = `${hostKey}|${serverIp}`;
    let l = this.open.get(k);
    if (!l) {
      l = startDnsListener({
        host: "127.0.0.1",
        port: 0,
        cacheKey: () => this.network.version,
        onError: () => undefined,
        answer: (q) => {
          const m = this.network.model();
          const host = m.hosts.get(hostKey);
          if (!host) return null;
          const at = this.network.resolver().resolverAtIp(host.pos, serverIp);
          if (!at.ref) return null;
          const ref = at.ref;
          const recursive = ref.kind !== "server" || m.dnsServers.get(ref.key)?.recursion !== false;
          return this.network.live((r) => r.resolveAt(ref, q.name, q.type)).then((a) => toWire(a, recursive));
        },
      });
      this.open.set(k, l);
      l.catch(() => this.open.delete(k));
    }
    return l;
  }

  async close(): Promise<void> {
    const all = [...this.open.values()];
    this.open.clear();
    for (const p of all) {
      try {
        await (await p).close();
      } catch {
        /* already gone */
      }
    }
  }
}
