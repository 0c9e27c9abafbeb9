// Exposes the model's resolvers on loopback UDP+TCP ports: a query to a resolver's port is
// answered exactly as that resolver would answer it, from the current world.
import { NetworkService } from "../../network/service.js";
import { Answer } from "../../network/resolve.js";
import { allResolvers, findResolver, ResolverKind } from "../../network/resolverRef.js";
import { AnswerFn, DnsListener, startDnsListener } from "./listener.js";
import type { DnsWorkerPool } from "./workers.js";
import { DnsAnswer, Rcode } from "./wire.js";

export interface ListenerSpec {
  /** Resolver id: "public", "azure:<vnet>", an inbound endpoint or DNS server name. "*" = all. */
  resolver: string;
  port?: number;
}

export interface ListenerEntry {
  host: string;
  port: number;
  kind: ResolverKind;
  address: string;
}

const RCODES: Record<Answer["rcode"], number> = {
  NOERROR: Rcode.NOERROR,
  NXDOMAIN: Rcode.NXDOMAIN,
  SERVFAIL: Rcode.SERVFAIL,
  REFUSED: Rcode.REFUSED,
};

export function toWire(a: Answer, recursive: boolean): DnsAnswer {
  return {
    rcode: RCODES[a.rcode],
    aa: a.aa,
    ra: recursive,
    answers: a.answers.map((r) => ({ name: r.name, type: r.type, ttl: r.ttl, data: r.data })),
    authority: a.authority.map((r) => ({ name: r.name, type: r.type, ttl: r.ttl, data: r.data })),
  };
}

/**
 * Keys of resources that are never a resolver and place none: Arc machines and lab hosts, which a
 * fleet writes by the million. (Keys are lower-cased ids; a child of either, such as a machine's
 * extension, does not match and counts as possibly relevant.)
 */
const NEVER_A_RESOLVER = /\/providers\/(?:arclink\.lab\/hosts|microsoft\.hybridcompute\/machines)\/[^/]+$/;

/**
 * Whether a committed change can make a resolver appear or go (a network, an inbound endpoint, a
 * DNS server, or anything they depend on): the listeners need a sync only then. Each sync reads
 * the whole network model, which a change of hosts or machines alone would otherwise have patched
 * and copied after every commit.
 */
export function mayChangeResolvers(changes: ReadonlyArray<{ key: string }>): boolean {
  for (const c of changes) if (!NEVER_A_RESOLVER.test(c.key)) return true;
  return false;
}

export class ResolverListeners {
  private open = new Map<string, { listener: DnsListener; kind: ResolverKind; address: string }>();
  private syncing: Promise<void> = Promise.resolve();

  constructor(
    private readonly network: NetworkService,
    private readonly specs: ListenerSpec[],
    private readonly host = "127.0.0.1",
    private readonly onUpdate: () => void = () => undefined,
    /** Worker processes that answer on every listener's port too (`serve --dns-workers`). */
    private readonly workers?: DnsWorkerPool,
  ) {}

  /** Opens listeners for resolvers that appeared and closes those whose resolver is gone. */
  sync(): Promise<void> {
    this.syncing = this.syncing.then(() => this.doSync()).catch(() => undefined);
    return this.syncing;
  }

  private async doSync(): Promise<void> {
    const m = this.network.model();
    const all = this.specs.some((s) => s.resolver === "*");
    const wanted = new Map<string, { port: number; kind: ResolverKind; address: string }>();
    for (const r of allResolvers(m)) {
      const spec = this.specs.find((s) => s.resolver.toLowerCase() === r.id.toLowerCase());
      if (spec || all) wanted.set(r.id, { port: spec?.port ?? 0, kind: r.kind, address: r.address });
    }
    let changed = false;
    for (const [id, o] of this.open) {
      if (!wanted.has(id)) {
        await this.workers?.unshare(id);
        await o.listener.close();
        this.open.delete(id);
        changed = true;
      }
    }
    for (const [id, w] of wanted) {
      if (this.open.has(id)) continue;
      const answer: AnswerFn = (q) => this.answer(id, q.name, q.type);
      const listener = await startDnsListener({
        host: this.host,
        port: w.port,
        cacheKey: () => this.network.version,
        answer,
        onError: () => undefined,
      });
      this.open.set(id, { listener, kind: w.kind, address: w.address });
      await this.workers?.share(id, listener, answer);
      changed = true;
    }
    if (changed) this.onUpdate();
  }

  private answer(id: string, name: string, type: string): DnsAnswer | Promise<DnsAnswer> {
    // A dot or backslash inside a label (\. or \\ in the decoded name) cannot be part of any
    // name the model holds, and the engine reads names as dot-separated text: no such name exists.
    if (/\\[.\\]/.test(name)) return { rcode: Rcode.NXDOMAIN, answers: [], authority: [] };
    const r = findResolver(this.network.model(), id);
    if (!r) return { rcode: Rcode.REFUSED, answers: [], authority: [] };
    const recursive =
      r.ref.kind !== "server" || this.network.model().dnsServers.get(r.ref.key)?.recursion !== false;
    if (
      this.network.model().dnsServers.size &&
      [...this.network.model().dnsServers.values()].some((d) => d.external)
    ) {
      return this.network.live((res) => res.resolveAt(r.ref, name, type)).then((a) => toWire(a, recursive));
    }
    const res = this.network.resolver().resolveAt(r.ref, name, type);
    return toWire(res, recursive);
  }

  entries(): Record<string, ListenerEntry> {
    const out: Record<string, ListenerEntry> = {};
    for (const [id, o] of this.open)
      out[id] = { host: o.listener.host, port: o.listener.port, kind: o.kind, address: o.address };
    return out;
  }

  async close(): Promise<void> {
    await this.syncing;
    for (const id of this.open.keys()) await this.workers?.unshare(id);
    for (const o of this.open.values()) await o.listener.close();
    this.open.clear();
  }
}
