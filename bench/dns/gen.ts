// The DNS benchmark's data set, written three ways from one list of records:
//   topology.yaml   ArcLink: a hub VNet, the two Arc privatelink zones (100 A records each) linked
//                   to it, and a DNS Private Resolver inbound endpoint in the VNet
//   unbound.conf    Unbound with two auth-zones (his.arc.azure.com, guestconfiguration.azure.com),
//   + zones/*.zone  each holding its public CNAMEs and its privatelink.* A records (no zone cut), so
//                   that Unbound follows the CNAME to the A record in the same reply as ArcLink does
//   queries.txt     1,000 dnsperf lines: 45 % privatelink names (A), 45 % public names (CNAME + A),
//                   10 % names that do not exist in the privatelink zones (NXDOMAIN + SOA),
//                   shuffled with a fixed seed
//
//   node dist/bench/dns/gen.js OUT_DIR [UNBOUND_PORT]
//
// What the inbound endpoint answers, and so what Unbound is configured to answer:
//   <label>.privatelink.<zone>  A from the private zone (TTL 300)
//   <label>.<zone>              CNAME <label>.privatelink.<zone> (public DNS, TTL 300), then that A
//   nxN-missing.privatelink.<z> NXDOMAIN with the private zone's SOA (Azure's SOA values; Unbound's
//                               zones use the same ones, so both replies are the same size)
// The missing names are all under privatelink.*: a missing *public* name gets a CNAME from public
// DNS and then NXDOMAIN from ArcLink, while Unbound answers a dangling in-zone CNAME with NOERROR,
// so those would not be the same answer.
import { mkdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { stringify } from "yaml";
import { REGIONS } from "../../src/core/regions.js";

export const TTL = 300;
export const HIS = "his.arc.azure.com";
export const GC = "guestconfiguration.azure.com";
export const PUBLIC_ZONES = [HIS, GC] as const;
export const INBOUND_ENDPOINT = "inbound";

export interface DataSet {
  /** privatelink FQDN → IPv4 address. */
  a: Map<string, string>;
  /** public FQDN → privatelink FQDN. */
  cname: Map<string, string>;
  /** Names that must answer NXDOMAIN (all under privatelink.*, see the file header). */
  missing: string[];
  /** The query file's names, in order (each asked for type A). */
  queries: string[];
}

/** 100 record labels per zone built from the regions ArcLink knows (31 today), like Arc's own names. */
function labels(zone: string): string[] {
  const names = REGIONS.map((r) => r.name);
  const codes = REGIONS.map((r) => r.hisCode);
  const out =
    zone === HIS
      ? ["gbl", ...codes, ...names, ...names.map((n) => `${n}.dp`)]
      : [
          "agentserviceapi",
          ...names.map((n) => `${n}-gas`),
          ...names.map((n) => `${n}-gas-2`),
          ...codes.map((c) => `${c}-gas`),
        ];
  for (let i = 0; out.length < 100; i++)
    out.push(`${names[i % names.length]}-${2 + Math.floor(i / names.length)}`);
  return out.slice(0, 100);
}

/** A small deterministic PRNG (mulberry32), so every run asks the same questions in the same order. */
function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function dataSet(): DataSet {
  const a = new Map<string, string>();
  const cname = new Map<string, string>();
  for (const [z, zone] of PUBLIC_ZONES.entries()) {
    labels(zone).forEach((l, i) => {
      const pl = `${l}.privatelink.${zone}`;
      a.set(pl, l === "gbl" ? "10.1.0.5" : `10.${z + 1}.1.${i + 1}`);
      cname.set(`${l}.${zone}`, pl);
    });
  }
  const missing = Array.from({ length: 100 }, (_, i) => `nx${i}-missing.privatelink.${PUBLIC_ZONES[i % 2]}`);
  const pl = [...a.keys()];
  const pub = [...cname.keys()];
  const q: string[] = [];
  for (let i = 0; i < 450; i++) q.push(pl[i % pl.length]);
  for (let i = 0; i < 450; i++) q.push(pub[i % pub.length]);
  q.push(...missing);
  const rnd = prng(20261129);
  for (let i = q.length - 1; i > 0; i--) {
    const j = Math.floor(rnd() * (i + 1));
    [q[i], q[j]] = [q[j], q[i]];
  }
  return { a, cname, missing, queries: q };
}

/** The ArcLink topology: hub VNet, two linked private zones holding the A records, an inbound endpoint. */
export function topology(d: DataSet): string {
  const zone = (z: string) => ({
    name: `privatelink.${z}`,
    records: [...d.a]
      .filter(([n]) => n.endsWith(`.privatelink.${z}`))
      .map(([n, ip]) => ({
        name: n.slice(0, -`.privatelink.${z}`.length),
        type: "A",
        ttl: TTL,
        values: [ip],
      })),
    virtualNetworkLinks: [{ name: "link-hub", virtualNetwork: "vnet-hub" }],
  });
  const t = {
    description:
      "DNS benchmark: 200 Arc privatelink A records answered by a DNS Private Resolver inbound endpoint",
    resourceGroups: [{ name: "rg-dnsbench", location: "eastus" }],
    virtualNetworks: [
      {
        name: "vnet-hub",
        addressPrefixes: ["10.10.0.0/16"],
        subnets: [
          {
            name: "snet-dns-inbound",
            addressPrefix: "10.10.2.0/28",
            delegation: "Microsoft.Network/dnsResolvers",
          },
        ],
      },
    ],
    privateDnsZones: PUBLIC_ZONES.map(zone),
    dnsResolvers: [
      {
        name: "dnspr-hub",
        virtualNetwork: "vnet-hub",
        inboundEndpoints: [
          { name: INBOUND_ENDPOINT, subnet: "snet-dns-inbound", privateIPAddress: "10.10.2.4" },
        ],
      },
    ],
  };
  return "# Generated by bench/dns/gen.ts\n" + stringify(t);
}

/** One merged zone file: the public CNAMEs plus the privatelink A records, with Azure private DNS's SOA. */
export function zoneFile(d: DataSet, zone: string): string {
  const lines = [
    `$TTL ${TTL}`,
    `${zone}. 3600 IN SOA azureprivatedns.net. azureprivatedns-host.microsoft.com. 1 3600 300 2419200 10`,
    `${zone}. 3600 IN NS localhost.`,
  ];
  const inZone = (n: string) => n.endsWith(`.${zone}`);
  for (const [n, t] of d.cname) if (inZone(n)) lines.push(`${n}. ${TTL} IN CNAME ${t}.`);
  for (const [n, ip] of d.a) if (inZone(n)) lines.push(`${n}. ${TTL} IN A ${ip}`);
  return lines.join("\n") + "\n";
}

/**
 * Unbound: `threads` threads (one SO_REUSEPORT socket each), auth-zones only (no recursion, no
 * cache use), UDP on 127.0.0.1:port.
 */
export function unboundConf(dir: string, port: number, threads = 1): string {
  const lines = [
    "server:",
    "  interface: 127.0.0.1",
    `  port: ${port}`,
    `  num-threads: ${threads}`,
    "  so-reuseport: yes",
    "  do-ip6: no",
    "  do-tcp: no",
    "  do-daemonize: no",
    '  username: ""',
    '  chroot: ""',
    `  directory: "${dir}"`,
    `  pidfile: "${join(dir, "unbound.pid")}"`,
    "  use-syslog: no",
    `  logfile: "${join(dir, "unbound.log")}"`,
    "  verbosity: 0",
    "  access-control: 127.0.0.0/8 allow",
    '  module-config: "iterator"',
    "  so-rcvbuf: 4m",
    "  num-queries-per-thread: 4096",
    "remote-control:",
    "  control-enable: no",
  ];
  for (const z of PUBLIC_ZONES) {
    lines.push(
      "auth-zone:",
      `  name: "${z}."`,
      `  zonefile: "${join(dir, "zones", `${z}.zone`)}"`,
      "  for-downstream: yes",
      "  for-upstream: no",
      "  fallback-enabled: no",
    );
  }
  return lines.join("\n") + "\n";
}

/** Writes every file into `dir`; returns the data set. */
export function writeAll(dir: string, unboundPort: number, unboundThreads = 1): DataSet {
  const d = dataSet();
  mkdirSync(join(dir, "zones"), { recursive: true });
  writeFileSync(join(dir, "topology.yaml"), topology(d));
  for (const z of PUBLIC_ZONES) writeFileSync(join(dir, "zones", `${z}.zone`), zoneFile(d, z));
  writeFileSync(join(dir, "unbound.conf"), unboundConf(dir, unboundPort, unboundThreads));
  writeFileSync(join(dir, "queries.txt"), d.queries.map((n) => `${n} A`).join("\n") + "\n");
  return d;
}

if (process.argv[1] && resolve(process.argv[1]) === resolve(new URL(import.meta.url).pathname)) {
  const dir = process.argv[2];
  if (!dir) {
    process.stderr.write("usage: node dist/bench/dns/gen.js OUT_DIR [UNBOUND_PORT]\n");
    process.exit(2);
  }
  const d = writeAll(resolve(dir), Number(process.argv[3] ?? 5354));
  process.stdout.write(
    `wrote ${resolve(dir)}: ${d.a.size} privatelink A, ${d.cname.size} public CNAME, ${d.queries.length} queries\n`,
  );
}
