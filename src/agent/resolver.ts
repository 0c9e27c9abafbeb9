// Name resolution as the host's operating system does it: the hosts file first, then each DNS
// server in order (moving on after a timeout, SERVFAIL or REFUSED; stopping at NXDOMAIN or an
// answer), following the CNAME chain of the answer. Results are kept for the life of the process
// (the OS resolver cache). Errors read as Go's net package writes them.
import { isIPv4 } from "node:net";
import { query, rcodeName, RCODE, type QueryOutcome } from "./dnsClient.js";
import { lookupHosts, normalizeName, parseHosts, type HostsLine } from "./hostsFile.js";

export interface DnsServer {
  /** The simulated address the host has configured, e.g. 192.168.1.10. */
  address: string;
  /** Where its loopback listener is. */
  host: string;
  port: number;
}

export interface Attempt {
  server: string;
  outcome: "timeout" | "refused" | "NOERROR" | "NXDOMAIN" | "SERVFAIL" | "REFUSED" | string;
}

export interface Resolution {
  name: string;
  /** IPv4 addresses, in answer order (empty on failure). */
  addresses: string[];
  /** The name, then each CNAME target followed. */
  chain: string[];
  source: "literal" | "hosts" | "dns";
  /** The server (simulated address) that answered, for "dns". */
  server?: string;
  attempts: Attempt[];
  error?: {
    kind: "nxdomain" | "nodata" | "timeout" | "servfail" | "noservers" | "loop";
    /** Go's words: "lookup gbl.his.arc.azure.com on 192.168.1.10:53: no such host". */
    message: string;
  };
}

export interface ResolverOptions {
  hostsFile?: string;
  servers: readonly DnsServer[];
  timeoutMs?: number;
}

const MAX_CNAME_HOPS = 8;

export class Resolver {
  private readonly hosts: HostsLine[];
  private readonly cache = new Map<string, Promise<Resolution>>();

  constructor(private readonly opts: ResolverOptions) {
    this.hosts = parseHosts(opts.hostsFile ?? "");
  }

  resolve(name: string): Promise<Resolution> {
    const n = normalizeName(name);
    let p = this.cache.get(n);
    if (!p) {
      p = this.lookup(n);
      this.cache.set(n, p);
    }
    return p;
  }

  private async lookup(name: string): Promise<Resolution> {
    if (isIPv4(name)) return { name, addresses: [name], chain: [name], source: "literal", attempts: [] };
    const fromHosts = lookupHosts(this.hosts, name);
    if (fromHosts) return { name, addresses: fromHosts, chain: [name], source: "hosts", attempts: [] };
    const attempts: Attempt[] = [];
    const servers = this.opts.servers;
    if (servers.length === 0) {
      return fail(name, attempts, "noservers", `lookup ${name}: no DNS servers are configured on this host`);
    }
    const timeoutMs = this.opts.timeoutMs ?? 1500;
    let last: "timeout" | "servfail" = "timeout";
    let lastServer = servers[servers.length - 1].address;
    for (const s of servers) {
      const chain = [name];
      let current = name;
      let outcome: QueryOutcome | undefined;
      let moveOn = false;
      for (let hop = 0; hop <= MAX_CNAME_HOPS; hop++) {
        outcome = await query(s.host, s.port, current, { timeoutMs });
        attempts.push({
          server: s.address,
          outcome: outcome.kind === "reply" ? rcodeName(outcome.rcode) : outcome.kind,
        });
        if (outcome.kind !== "reply" || outcome.rcode === RCODE.SERVFAIL || outcome.rcode === RCODE.REFUSED) {
          last = outcome.kind === "reply" ? "servfail" : "timeout";
          lastServer = s.address;
          moveOn = true;
          break;
        }
        if (outcome.rcode === RCODE.NXDOMAIN) {
          return {
            ...fail(name, attempts, "nxdomain", `lookup ${name} on ${s.address}:53: no such host`),
            chain,
            server: s.address,
          };
        }
        if (outcome.rcode !== RCODE.NOERROR) {
          last = "servfail";
          lastServer = s.address;
          moveOn = true;
          break;
        }
        const followed = follow(current, outcome.answers);
        for (const c of followed.chain.slice(1)) chain.push(c);
        if (followed.addresses.length > 0) {
          return { name, addresses: followed.addresses, chain, source: "dns", server: s.address, attempts };
        }
        if (followed.chain.length > 1) {
          // The server gave the CNAME but not its target's address: ask for the target.
          current = followed.chain[followed.chain.length - 1];
          if (chain.length > MAX_CNAME_HOPS + 1) break;
          continue;
        }
        return {
          ...fail(name, attempts, "nodata", `lookup ${name} on ${s.address}:53: no such host`),
          chain,
          server: s.address,
        };
      }
      if (!moveOn) {
        return fail(name, attempts, "loop", `lookup ${name} on ${s.address}:53: too many CNAME hops`);
      }
    }
    return last === "timeout"
      ? fail(name, attempts, "timeout", `lookup ${name} on ${lastServer}:53: read udp: i/o timeout`)
      : fail(name, attempts, "servfail", `lookup ${name} on ${lastServer}:53: server misbehaving`);
  }
}

function fail(
  name: string,
  attempts: Attempt[],
  kind: NonNullable<Resolution["error"]>["kind"],
  message: string,
): Resolution {
  return { name, addresses: [], chain: [name], source: "dns", attempts, error: { kind, message } };
}

/** Follows CNAME records from `name` within one answer section; returns the chain and final A records. */
export function follow(
  name: string,
  answers: readonly { name: string; type: string; data: string }[],
): { chain: string[]; addresses: string[] } {
  const chain = [name];
  let cur = name;
  for (let i = 0; i < MAX_CNAME_HOPS; i++) {
    const c = answers.find((a) => a.type === "CNAME" && a.name === cur);
    if (!c) break;
    cur = normalizeName(c.data);
    if (chain.includes(cur)) break;
    chain.push(cur);
  }
  const addresses = answers.filter((a) => a.type === "A" && a.name === cur).map((a) => a.data);
  return { chain, addresses };
}

/** RFC 1918 private IPv4 space (10/8, 172.16/12, 192.168/16): the answers a private endpoint gives. */
export function isPrivateAddress(ip: string): boolean {
  const m = /^(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(ip);
  if (!m) return false;
  const a = Number(m[1]);
  const b = Number(m[2]);
  return a === 10 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168);
}
