// What an on-premises DNS server's own configuration says, whatever server it is (BIND, Unbound,
// Windows DNS Server): the shape of a topology file's dnsServers entry without its placement.
// The readers (bind.ts, unbound.ts, windowsDns.ts) produce it; onprem.ts merges it into the
// on-premises facts' dnsServers entry that points at the files.
import { isIPv4 } from "node:net";

export type RecordType = "A" | "AAAA" | "CNAME" | "TXT";

export interface DnsRecordFact {
  /** Relative to the zone; "@" for the apex. */
  name: string;
  type: RecordType;
  ttl?: number;
  values: string[];
}

export interface DnsServerFacts {
  /** Where everything else goes (global forwarders); empty when the server resolves from the root. */
  forwarders: string[];
  conditionalForwarders: Array<{ domain: string; targets: string[] }>;
  /** Zones the server answers itself. */
  zones: Array<{ name: string; records: DnsRecordFact[] }>;
  /** False when the server answers only its own zones and forwarders (BIND recursion no). */
  recursion?: boolean;
  /** The first line of the configuration that says something about resolution (for locations). */
  line: number;
  /** Which file was read (the main one, when it includes others). */
  file: string;
}

export const RECORD_TYPES: readonly RecordType[] = ["A", "AAAA", "CNAME", "TXT"];

/** A domain name written with or without its final dot, lower-cased, without the dot. */
export function domainOf(name: string): string {
  return name.replace(/\.$/, "").toLowerCase();
}

/** Adds one record (absolute owner name) to its zone, grouping values of one name and type. */
export function addRecord(
  zone: { name: string; records: DnsRecordFact[] },
  owner: string,
  type: RecordType,
  value: string,
  ttl?: number,
): boolean {
  const z = domainOf(zone.name);
  const o = domainOf(owner);
  let rel: string;
  if (o === z) rel = "@";
  else if (o.endsWith("." + z)) rel = o.slice(0, -(z.length + 1));
  else return false;
  const v = type === "CNAME" ? domainOf(value) : value;
  const r = zone.records.find((x) => x.name === rel && x.type === type);
  if (r) {
    if (!r.values.includes(v)) r.values.push(v);
  } else zone.records.push({ name: rel, type, values: [v], ...(ttl !== undefined ? { ttl } : {}) });
  return true;
}

/** An address as a DNS server's configuration writes it, without a port ("10.0.0.4 port 53", "10.0.0.4@53", "10.0.0.4#53"). */
export function forwarderAddress(text: string): string | undefined {
  const a = text.trim().split(/[\s@#]/)[0];
  return isIPv4(a) ? a : undefined;
}
