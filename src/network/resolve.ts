// The resolution engine: answers a DNS question exactly as a given resolver in the model would
// (public DNS, Azure-provided DNS of a VNet, a Private Resolver inbound endpoint, an on-premises
// or forwarder DNS server), or as a host's own stub resolver would (hosts file, then its DNS
// servers in order). Pure: it returns the answer and the trace of every hop.
import { keyOf } from "../core/resourceId.js";
import {
  AZURE_DNS_IP,
  describePosition,
  DnsServerModel,
  HostModel,
  isPublicAddress,
  NetworkModel,
  Position,
  RecordData,
  ZoneModel,
} from "./model.js";
import { PublicDns } from "./publicDns.js";
import { route } from "./route.js";
import { TraceStep } from "./trace.js";
import { ExternalDnsCache } from "./externalDns.js";

export type QType = "A" | "AAAA" | "CNAME" | "TXT" | "SOA" | "ANY" | string;
export type Rcode = "NOERROR" | "NXDOMAIN" | "SERVFAIL" | "REFUSED";

export interface Rr {
  name: string;
  type: "A" | "AAAA" | "CNAME" | "TXT" | "SOA";
  ttl: number;
  data: any;
}

export interface Answer {
  rcode: Rcode;
  answers: Rr[];
  authority: Rr[];
  /** Authoritative (aa bit): the answer came from a zone this resolver hosts. */
  aa: boolean;
  /** Who produced the final answer (for traces). */
  answeredBy: string;
  /** For a host's lookup: the DNS server it asked that gave this answer (nslookup's "Server:"). */
  server?: { address: string; name: string };
  trace: TraceStep[];
}

export type ResolverRef =
  | { kind: "public" }
  | { kind: "azure"; vnet: string }
  | { kind: "inbound"; key: string }
  | { kind: "server"; key: string };

const MAX_CHAIN = 8;
const MAX_DEPTH = 6;

function norm(name: string): string {
  return name.toLowerCase().replace(/\.$/, "");
}

export function resolverName(m: NetworkModel, r: ResolverRef): string {
  switch (r.kind) {
    case "public":
      return "public DNS";
    case "azure":
      return `Azure-provided DNS (168.63.129.16) of VNet ${m.vnets.get(r.vnet)?.name ?? r.vnet}`;
    case "inbound": {
      const ie = m.inboundEndpoints.get(r.key);
      return `DNS Private Resolver inbound endpoint ${ie?.name ?? r.key} (${ie?.ip})`;
    }
    case "server": {
      const s = m.dnsServers.get(r.key);
      return `DNS server ${s?.name ?? r.key} (${s?.ip})`;
    }
  }
}

function soaRr(zone: string, s: ZoneModel["soa"]): Rr {
  return {
    name: zone,
    type: "SOA",
    ttl: s.ttl,
    data: {
      mname: s.mname,
      rname: s.rname,
      serial: s.serial,
      refresh: s.refresh,
      retry: s.retry,
      expire: s.expire,
      minimum: s.minimum,
    },
  };
}

const LAB_SOA = (zone: string): ZoneModel["soa"] => ({
  mname: `ns1.${zone}`,
  rname: `hostmaster.${zone}`,
  serial: 1,
  refresh: 3600,
  retry: 600,
  expire: 86400,
  minimum: 300,
  ttl: 3600,
});

/** Records of one name from a zone's data, for the asked type (CNAME answers any type). */
function fromRecords(name: string, d: RecordData, qtype: QType): Rr[] {
  if (d.CNAME && qtype !== "CNAME") return [{ name, type: "CNAME", ttl: d.CNAME.ttl, data: d.CNAME.target }];
  const out: Rr[] = [];
  if ((qtype === "A" || qtype === "ANY") && d.A)
    for (const ip of d.A.ips) out.push({ name, type: "A", ttl: d.A.ttl, data: ip });
  if ((qtype === "AAAA" || qtype === "ANY") && d.AAAA)
    for (const ip of d.AAAA.ips) out.push({ name, type: "AAAA", ttl: d.AAAA.ttl, data: ip });
  if ((qtype === "TXT" || qtype === "ANY") && d.TXT)
    for (const v of d.TXT.values) out.push({ name, type: "TXT", ttl: d.TXT.ttl, data: v });
  if (qtype === "CNAME" && d.CNAME) out.push({ name, type: "CNAME", ttl: d.CNAME.ttl, data: d.CNAME.target });
  return out;
}

/** Longest zone (by name) that contains `name`. */
function longest<T>(name: string, items: T[], zoneOf: (t: T) => string): T | undefined {
  let best: T | undefined;
  let bestLen = -1;
  for (const it of items) {
    const z = zoneOf(it);
    if ((name === z || name.endsWith("." + z)) && z.length > bestLen) {
      best = it;
      bestLen = z.length;
    }
  }
  return best;
}

function relative(name: string, zone: string): string {
  return name === zone ? "@" : name.slice(0, -(zone.length + 1));
}

interface Step {
  rcode: Rcode;
  rrs: Rr[];
  authority: Rr[];
  aa: boolean;
  trace: TraceStep[];
  answeredBy: string;
}

/**
 * Answers remembered within one evaluation over a fixed model (e.g. one lint run): a resolver's
 * answer for a name, and what answers DNS at an address seen from a position, are the same for
 * every host that asks. Pass one to `new Resolver(model, external, memo)`; never share it across
 * models. Results are the evaluators' own, unchanged.
 */
export interface ResolveMemo {
  answers: Map<string, Answer>;
  at: Map<string, { ref?: ResolverRef; reason: string; trace: TraceStep[] }>;
}

export function newResolveMemo(): ResolveMemo {
  return { answers: new Map(), at: new Map() };
}

function refKey(r: ResolverRef): string {
  return r.kind === "public" ? "public" : r.kind === "azure" ? `azure:${r.vnet}` : `${r.kind}:${r.key}`;
}

function posKey(p: Position): string {
  return p.kind === "site" ? `site:${p.site}` : `vnet:${p.vnet}`;
}

export class Resolver {
  private readonly pub: PublicDns;

  constructor(
    private readonly m: NetworkModel,
    private readonly external?: ExternalDnsCache,
    private readonly memo?: ResolveMemo,
  ) {
    this.pub = new PublicDns(m.tags);
  }

  get model(): NetworkModel {
    return this.m;
  }

  /** A recursive query (RD set) to `ref`: it follows CNAMEs with its own logic at every step. */
  resolveAt(ref: ResolverRef, name: string, qtype: QType, depth = 0): Answer {
    if (!this.memo) return this.resolveAtUncached(ref, name, qtype, depth);
    const k = `${refKey(ref)}|${norm(name)}|${qtype}|${depth}`;
    let a = this.memo.answers.get(k);
    if (!a) this.memo.answers.set(k, (a = this.resolveAtUncached(ref, name, qtype, depth)));
    return a;
  }

  private resolveAtUncached(ref: ResolverRef, name: string, qtype: QType, depth: number): Answer {
    const who = resolverName(this.m, ref);
    const trace: TraceStep[] = [];
    const answers: Rr[] = [];
    let cur = norm(name);
    let aa = true;
    let answeredBy = who;
    for (let i = 0; i < MAX_CHAIN; i++) {
      const st = this.step(ref, cur, qtype, depth);
      trace.push(...st.trace);
      aa = aa && st.aa;
      answeredBy = st.answeredBy;
      if (st.rcode !== "NOERROR")
        return {
          rcode: st.rcode,
          answers: [...answers, ...st.rrs],
          authority: st.authority,
          aa,
          answeredBy,
          trace,
        };
      answers.push(...st.rrs);
      const last = answers[answers.length - 1];
      // NODATA at the end of a chain (no rrs at this step) ends it, with the zone's SOA.
      if (!st.rrs.length || !last || last.type !== "CNAME" || qtype === "CNAME") {
        return {
          rcode: "NOERROR",
          answers,
          authority: st.rrs.length ? [] : st.authority,
          aa,
          answeredBy,
          trace,
        };
      }
      cur = last.data as string;
      if (answers.some((r) => r !== last && r.type === "CNAME" && r.data === cur)) break;
    }
    trace.push({
      at: who,
      what: `CNAME chain from ${norm(name)} is longer than ${MAX_CHAIN} or loops: SERVFAIL`,
      outcome: "fail",
    });
    return { rcode: "SERVFAIL", answers: [], authority: [], aa: false, answeredBy: who, trace };
  }

  /** One name at one resolver: its own data, or where it forwards, or the public internet. */
  private step(ref: ResolverRef, name: string, qtype: QType, depth: number): Step {
    switch (ref.kind) {
      case "public":
        return this.publicStep(name, qtype);
      case "azure":
        return this.azureStep(ref.vnet, resolverName(this.m, ref), name, qtype);
      case "inbound": {
        const ie = this.m.inboundEndpoints.get(ref.key)!;
        return this.azureStep(ie.vnet, resolverName(this.m, ref), name, qtype);
      }
      case "server":
        return this.serverStep(this.m.dnsServers.get(ref.key)!, name, qtype, depth);
    }
  }

  private publicStep(name: string, qtype: QType): Step {
    const s = this.pub.step(name);
    // Public DNS holds only A records for these names: any other type is NODATA.
    if (s.kind === "a" && qtype !== "A" && qtype !== "ANY")
      return {
        rcode: "NOERROR",
        rrs: [],
        authority: [],
        aa: false,
        answeredBy: "public DNS",
        trace: [{ at: "public DNS", what: `${name} has no ${qtype} record (NODATA)`, outcome: "info" }],
      };
    if (s.kind === "cname") {
      return {
        rcode: "NOERROR",
        rrs: [{ name, type: "CNAME", ttl: s.ttl, data: s.target }],
        authority: [],
        aa: false,
        answeredBy: "public DNS",
        trace: [{ at: "public DNS", what: `${name} is a CNAME for ${s.target}`, outcome: "info" }],
      };
    }
    if (s.kind === "a") {
      return {
        rcode: "NOERROR",
        rrs: s.ips.map((ip) => ({ name, type: "A" as const, ttl: s.ttl, data: ip })),
        authority: [],
        aa: false,
        answeredBy: "public DNS",
        trace: [
          {
            at: "public DNS",
            what: `${name} → ${s.ips.join(", ")} (public address, service tag ${s.tag})`,
            outcome: "ok",
          },
        ],
      };
    }
    return {
      rcode: "NXDOMAIN",
      rrs: [],
      authority: [soaRr(s.zone, LAB_SOA(s.zone))],
      aa: false,
      answeredBy: "public DNS",
      trace: [
        {
          at: "public DNS",
          what: `${name} does not exist on the public internet (NXDOMAIN)`,
          outcome: "fail",
        },
      ],
    };
  }

  /** Azure-provided DNS as a VNet sees it: linked private zones first, else public. */
  private azureStep(vnetKey: string, who: string, name: string, qtype: QType): Step {
    const v = this.m.vnets.get(vnetKey);
    const link = longest(name, v?.links ?? [], (l) => l.zone.name);
    if (link) {
      const z = link.zone;
      const d = z.records.get(relative(name, z.name));
      const rrs = d ? fromRecords(name, d, qtype) : [];
      if (d && rrs.length) {
        return {
          rcode: "NOERROR",
          rrs,
          authority: [],
          aa: true,
          answeredBy: who,
          trace: [
            {
              at: who,
              what: `private zone ${z.name} (linked to VNet ${v?.name} by ${link.linkName}) answers ${name}: ${rrs.map((r) => `${r.type} ${typeof r.data === "string" ? r.data : JSON.stringify(r.data)}`).join(", ")}`,
              outcome: "ok",
            },
          ],
        };
      }
      if (d) {
        return {
          rcode: "NOERROR",
          rrs: [],
          authority: [soaRr(z.name, z.soa)],
          aa: true,
          answeredBy: who,
          trace: [
            {
              at: who,
              what: `private zone ${z.name} has ${name} but no ${qtype} record (NODATA)`,
              outcome: "info",
            },
          ],
        };
      }
      if (link.policy === "NxDomainRedirect") {
        const pub = this.publicStep(name, qtype);
        return {
          ...pub,
          answeredBy: who,
          trace: [
            {
              at: who,
              what: `private zone ${z.name} has no record for ${name}; the link ${link.linkName} has resolutionPolicy NxDomainRedirect, so Azure DNS falls back to the public answer`,
              outcome: "info",
            },
            ...pub.trace,
          ],
        };
      }
      return {
        rcode: "NXDOMAIN",
        rrs: [],
        authority: [soaRr(z.name, z.soa)],
        aa: true,
        answeredBy: who,
        trace: [
          {
            at: who,
            what: `private zone ${z.name} is linked to VNet ${v?.name} but has no record for ${name}: NXDOMAIN (the zone hides the public answer). Add the record, or set the link's resolutionPolicy to NxDomainRedirect`,
            outcome: "fail",
          },
        ],
      };
    }
    const pub = this.publicStep(name, qtype);
    return {
      ...pub,
      answeredBy: who,
      trace: [
        {
          at: who,
          what: `no private zone linked to VNet ${v?.name} covers ${name}: resolved publicly`,
          outcome: "info",
        },
        ...pub.trace,
      ],
    };
  }

  private serverStep(s: DnsServerModel, name: string, qtype: QType, depth: number): Step {
    const who = `DNS server ${s.name} (${s.ip})`;
    if (s.external) return this.externalStep(s, who, name, qtype);
    const zone = longest(name, s.zones, (z) => z.name);
    if (zone) {
      const d = zone.records.get(relative(name, zone.name));
      const rrs = d ? fromRecords(name, d, qtype) : [];
      if (rrs.length) {
        return {
          rcode: "NOERROR",
          rrs,
          authority: [],
          aa: true,
          answeredBy: who,
          trace: [
            {
              at: who,
              what: `its zone ${zone.name} answers ${name}: ${rrs.map((r) => `${r.type} ${r.data}`).join(", ")}`,
              outcome: "ok",
            },
          ],
        };
      }
      const soa = soaRr(zone.name, LAB_SOA(zone.name));
      return {
        rcode: d ? "NOERROR" : "NXDOMAIN",
        rrs: [],
        authority: [soa],
        aa: true,
        answeredBy: who,
        trace: [
          {
            at: who,
            what: d
              ? `its zone ${zone.name} has ${name} but no ${qtype} record`
              : `its zone ${zone.name} is authoritative for ${name} and has no such record: NXDOMAIN (a zone hosted here hides every other answer; copy every record the private endpoint needs)`,
            outcome: d ? "info" : "fail",
          },
        ],
      };
    }
    const cf = longest(name, s.conditionalForwarders, (c) => c.domain);
    if (cf)
      return this.forward(s, who, name, qtype, cf.targets, `conditional forwarder for ${cf.domain}`, depth);
    if (s.forwarders.length)
      return this.forward(s, who, name, qtype, s.forwarders, "default forwarders", depth);
    if (s.recursion) {
      const r = route(this.m, s.pos, "8.8.8.8");
      if (!r.ok) {
        return {
          rcode: "SERVFAIL",
          rrs: [],
          authority: [],
          aa: false,
          answeredBy: who,
          trace: [
            {
              at: who,
              what: `recursion to the internet for ${name} failed: no internet route`,
              outcome: "fail",
              steps: r.trace.steps,
            },
          ],
        };
      }
      const pub = this.publicStep(name, qtype);
      return {
        ...pub,
        answeredBy: who,
        trace: [
          {
            at: who,
            what: `no zone or forwarder covers ${name}: recursion from the internet`,
            outcome: "info",
          },
          ...pub.trace,
        ],
      };
    }
    return {
      rcode: "REFUSED",
      rrs: [],
      authority: [],
      aa: false,
      answeredBy: who,
      trace: [
        {
          at: who,
          what: `no zone or forwarder covers ${name} and recursion is off: REFUSED`,
          outcome: "fail",
        },
      ],
    };
  }

  /** A modelled server played by a real one on loopback: its answer, as last fetched. */
  private externalStep(s: DnsServerModel, who: string, name: string, qtype: QType): Step {
    const ext = s.external!;
    const a = this.external?.get({
      host: ext.host,
      port: ext.port,
      name,
      qtype: qtype === "ANY" ? "A" : qtype,
    });
    if (!a) {
      return {
        rcode: "SERVFAIL",
        rrs: [],
        authority: [],
        aa: false,
        answeredBy: who,
        trace: [
          {
            at: who,
            what: `played by the real server at ${ext.host}:${ext.port}; its answer is not known yet (asked through a DNS listener or the resolve API, ArcLink queries it)`,
            outcome: "fail",
          },
        ],
      };
    }
    return {
      rcode: a.rcode,
      rrs: a.answers,
      authority: a.authority,
      aa: false,
      answeredBy: `${who} — the real server at ${ext.host}:${ext.port}`,
      trace: [
        {
          at: who,
          what: `the real server at ${ext.host}:${ext.port} answers ${a.rcode}${a.answers.length ? `: ${a.answers.map((r) => `${r.type} ${r.data}`).join(", ")}` : ""}`,
          outcome: a.rcode === "NOERROR" ? "ok" : "fail",
        },
      ],
    };
  }

  private forward(
    s: DnsServerModel,
    who: string,
    name: string,
    qtype: QType,
    targets: string[],
    why: string,
    depth: number,
  ): Step {
    const trace: TraceStep[] = [];
    if (depth >= MAX_DEPTH) {
      trace.push({
        at: who,
        what: `forwarding ${name} went ${MAX_DEPTH} hops deep (a forwarding loop?): SERVFAIL`,
        outcome: "fail",
      });
      return { rcode: "SERVFAIL", rrs: [], authority: [], aa: false, answeredBy: who, trace };
    }
    for (const ip of targets) {
      const at = this.resolverAtIp(s.pos, ip);
      if (!at.ref) {
        trace.push({
          at: who,
          what: `${why}: forwards ${name} to ${ip}: no answer (${at.reason})`,
          outcome: "fail",
          steps: at.trace,
        });
        continue;
      }
      const a = this.resolveAt(at.ref, name, qtype, depth + 1);
      trace.push({
        at: who,
        what: `${why}: forwards ${name} to ${ip}, ${resolverName(this.m, at.ref)} answers ${a.rcode}`,
        outcome: a.rcode === "NOERROR" ? "ok" : "fail",
        steps: [...at.trace, ...a.trace],
      });
      if (a.rcode === "SERVFAIL" || a.rcode === "REFUSED") continue;
      return {
        rcode: a.rcode,
        rrs: a.answers,
        authority: a.authority,
        aa: false,
        answeredBy: a.answeredBy,
        trace,
      };
    }
    trace.push({ at: who, what: `every target of its ${why} failed: SERVFAIL`, outcome: "fail" });
    return { rcode: "SERVFAIL", rrs: [], authority: [], aa: false, answeredBy: who, trace };
  }

  /** What answers DNS at `ip` for a client at `from`, if anything, and how the query gets there. */
  resolverAtIp(from: Position, ip: string): { ref?: ResolverRef; reason: string; trace: TraceStep[] } {
    if (!this.memo) return this.resolverAtIpUncached(from, ip);
    const k = `${posKey(from)}|${ip}`;
    let a = this.memo.at.get(k);
    if (!a) this.memo.at.set(k, (a = this.resolverAtIpUncached(from, ip)));
    return a;
  }

  private resolverAtIpUncached(
    from: Position,
    ip: string,
  ): { ref?: ResolverRef; reason: string; trace: TraceStep[] } {
    const r = route(this.m, from, ip);
    if (!r.ok)
      return {
        reason: `no route from ${describePosition(this.m, from)}; the query times out`,
        trace: r.trace.steps,
      };
    if (ip === AZURE_DNS_IP && from.kind === "vnet")
      return { ref: { kind: "azure", vnet: from.vnet }, reason: "", trace: r.trace.steps };
    if (isPublicAddress(ip)) return { ref: { kind: "public" }, reason: "", trace: r.trace.steps };
    const dest = r.dest as Position;
    for (const ie of this.m.inboundEndpoints.values()) {
      if (ie.ip === ip && dest.kind === "vnet" && dest.vnet === ie.vnet)
        return { ref: { kind: "inbound", key: ie.key }, reason: "", trace: r.trace.steps };
    }
    for (const d of this.m.dnsServers.values()) {
      if (d.ip !== ip) continue;
      const same =
        d.pos.kind === dest.kind &&
        (d.pos.kind === "site" ? d.pos.site === (dest as any).site : d.pos.vnet === (dest as any).vnet);
      if (same) return { ref: { kind: "server", key: d.key }, reason: "", trace: r.trace.steps };
    }
    return {
      reason: `nothing listens for DNS at ${ip} in ${describePosition(this.m, dest)}; the query times out`,
      trace: r.trace.steps,
    };
  }

  /** The servers a host asks, in order (a VM in a VNet without its own list uses the VNet's, else Azure DNS). */
  serversOf(h: HostModel): string[] {
    if (h.dnsServers.length) return h.dnsServers;
    if (h.pos.kind === "vnet") {
      const v = this.m.vnets.get(h.pos.vnet);
      return v?.dnsServers.length ? v.dnsServers : [AZURE_DNS_IP];
    }
    return [];
  }

  /** What the host's stub resolver gets: hosts file first, then each DNS server in order. */
  resolveForHost(hostKey: string, name: string, qtype: QType = "A"): Answer {
    const h =
      this.m.hosts.get(keyOf(hostKey)) ??
      [...this.m.hosts.values()].find((x) => x.name.toLowerCase() === hostKey.toLowerCase());
    if (!h) throw new Error(`No host '${hostKey}' in the model`);
    const who = `host ${h.name} (${h.ip}, ${h.os})`;
    const n = norm(name);
    const file = h.os === "Windows" ? "C:\\Windows\\System32\\drivers\\etc\\hosts" : "/etc/hosts";
    const entry = h.hostsEntries.find((e) => e.names.some((x) => norm(x) === n));
    if (entry && (qtype === "A" || qtype === "AAAA" || qtype === "ANY")) {
      const v6 = entry.address.includes(":");
      const rrs: Rr[] =
        (qtype === "AAAA") === v6 || qtype === "ANY"
          ? [{ name: n, type: v6 ? "AAAA" : "A", ttl: 0, data: entry.address }]
          : [];
      return {
        rcode: "NOERROR",
        answers: rrs,
        authority: [],
        aa: false,
        answeredBy: `${file} line ${entry.line}`,
        trace: [
          {
            at: who,
            what: `${file} line ${entry.line} maps ${n} to ${entry.address}; DNS is not asked`,
            outcome: "ok",
          },
        ],
      };
    }
    const servers = this.serversOf(h);
    const trace: TraceStep[] = [];
    if (entry)
      trace.push({ at: who, what: `${file} has ${n} but not for ${qtype}; asking DNS`, outcome: "info" });
    if (!servers.length) {
      trace.push({ at: who, what: "has no DNS servers configured", outcome: "fail" });
      return { rcode: "SERVFAIL", answers: [], authority: [], aa: false, answeredBy: who, trace };
    }
    let last: Answer | undefined;
    for (const ip of servers) {
      const at = this.resolverAtIp(h.pos, ip);
      if (!at.ref) {
        trace.push({
          at: who,
          what: `asks ${ip}: timed out (${at.reason}); ${h.os === "Windows" ? "Windows" : "the Linux resolver"} tries the next server`,
          outcome: "fail",
          steps: at.trace,
        });
        continue;
      }
      const a = this.resolveAt(at.ref, n, qtype);
      last = a;
      const moveOn = a.rcode === "SERVFAIL" || a.rcode === "REFUSED";
      trace.push({
        at: who,
        what: `asks ${ip} (${resolverName(this.m, at.ref)}): ${a.rcode}${moveOn ? "; tries the next server" : ""}`,
        outcome: a.rcode === "NOERROR" && a.answers.length ? "ok" : "fail",
        steps: [...at.trace, ...a.trace],
      });
      if (!moveOn) return { ...a, trace, server: { address: ip, name: resolverName(this.m, at.ref) } };
    }
    trace.push({ at: who, what: `no DNS server answered ${n}`, outcome: "fail" });
    return {
      rcode: "SERVFAIL",
      answers: [],
      authority: last?.authority ?? [],
      aa: false,
      answeredBy: who,
      trace,
    };
  }
}

/** The address(es) an answer ends in. */
export function addressesOf(a: Answer): string[] {
  return a.answers.filter((r) => r.type === "A" || r.type === "AAAA").map((r) => String(r.data));
}
