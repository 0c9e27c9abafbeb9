// A DNS master file (RFC 1035 §5, as BIND reads it): $ORIGIN, $TTL, owner names relative to the
// origin ('@' for it, a blank owner for the previous one), optional TTL and class in either order,
// parentheses across lines, ';' comments. A, AAAA, CNAME and TXT records are kept; the other
// types (SOA, NS, MX, SRV, PTR, CAA, …) are read and set aside; anything else is an error with
// its file and line.
import { isIPv4, isIPv6 } from "node:net";
import { ExportError } from "./azure.js";
import { addRecord, DnsRecordFact, domainOf, RecordType } from "./dnsFacts.js";

const OTHER_TYPES = new Set([
  "SOA",
  "NS",
  "MX",
  "SRV",
  "PTR",
  "CAA",
  "HINFO",
  "SPF",
  "DS",
  "DNSKEY",
  "RRSIG",
  "NSEC",
  "NSEC3",
  "NSEC3PARAM",
  "TLSA",
  "SSHFP",
  "NAPTR",
  "DNAME",
  "HTTPS",
  "SVCB",
  "LOC",
  "RP",
  "AFSDB",
  "CDS",
  "CDNSKEY",
  "ZONEMD",
]);
const CLASSES = new Set(["IN", "CH", "HS", "CS"]);

/** "3600", "1h", "1h30m", "2d" → seconds; undefined when it is not a TTL. */
export function ttlOf(t: string): number | undefined {
  if (/^\d+$/.test(t)) return Number(t);
  const m = /^(?:\d+[smhdw])+$/i.exec(t);
  if (!m) return undefined;
  const unit: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400, w: 604800 };
  let total = 0;
  for (const [, n, u] of t.matchAll(/(\d+)([smhdw])/gi)) total += Number(n) * unit[u.toLowerCase()];
  return total;
}

/** Splits a line into fields; quoted strings stay one field (quotes kept), ';' starts a comment. */
function fields(line: string): string[] {
  const out: string[] = [];
  let i = 0;
  while (i < line.length) {
    const c = line[i];
    if (c === ";") break;
    if (c === " " || c === "\t") {
      i++;
      continue;
    }
    if (c === "(" || c === ")") {
      out.push(c);
      i++;
      continue;
    }
    if (c === '"') {
      let j = i + 1;
      while (j < line.length && line[j] !== '"') j += line[j] === "\\" ? 2 : 1;
      out.push(line.slice(i, j + 1));
      i = j + 1;
      continue;
    }
    let j = i;
    while (j < line.length && !" \t;()".includes(line[j])) j++;
    out.push(line.slice(i, j));
    i = j;
  }
  return out;
}

/** The records of a zone file for `zoneName` (records outside the zone are errors, as BIND refuses them). */
export function parseZoneFile(text: string, file: string, zoneName: string): DnsRecordFact[] {
  const zone = { name: domainOf(zoneName), records: [] as DnsRecordFact[] };
  let origin = zone.name;
  let defaultTtl: number | undefined;
  let prevOwner: string | undefined;
  const abs = (n: string) =>
    n === "@" ? origin : n.endsWith(".") ? domainOf(n) : `${n.toLowerCase()}.${origin}`;
  const lines = text.replace(/^\uFEFF/, "").split(/\r\n|\n|\r/);
  for (let i = 0; i < lines.length; i++) {
    const lineNo = i + 1;
    const raw = lines[i];
    let f = fields(raw);
    if (!f.length) continue;
    // Parentheses continue a record over lines.
    if (f.includes("(") && !f.includes(")")) {
      while (i + 1 < lines.length) {
        const more = fields(lines[++i]);
        f = f.concat(more);
        if (more.includes(")")) break;
      }
    }
    f = f.filter((x) => x !== "(" && x !== ")");
    if (!f.length) continue;
    const at = (m: string) => ExportError.at(file, lineNo, m);
    if (f[0].startsWith("$")) {
      const d = f[0].toUpperCase();
      if (d === "$ORIGIN") {
        if (!f[1]) throw at("$ORIGIN needs a domain name.");
        origin = abs(f[1]);
      } else if (d === "$TTL") {
        const t = ttlOf(f[1] ?? "");
        if (t === undefined) throw at(`'$TTL ${f[1] ?? ""}' is not a TTL (seconds, or units such as 1h).`);
        defaultTtl = t;
      } else
        throw at(`${f[0]} is not supported here; write the records into this file ($ORIGIN and $TTL are).`);
      continue;
    }
    const blankOwner = raw[0] === " " || raw[0] === "\t";
    let owner: string;
    if (blankOwner) {
      if (!prevOwner) throw at("a record without an owner name, and no record before it to take it from.");
      owner = prevOwner;
    } else {
      owner = abs(f.shift()!);
    }
    prevOwner = owner;
    let ttl: number | undefined;
    while (f.length) {
      const t = ttlOf(f[0]);
      if (t !== undefined && ttl === undefined) {
        ttl = t;
        f.shift();
      } else if (CLASSES.has(f[0].toUpperCase())) f.shift();
      else break;
    }
    const type = (f.shift() ?? "").toUpperCase();
    if (!type) throw at(`the record for ${owner} has no type.`);
    if (OTHER_TYPES.has(type)) continue;
    if (!["A", "AAAA", "CNAME", "TXT"].includes(type))
      throw at(
        `'${type}' is not a record type ArcLink knows (A, AAAA, CNAME, TXT, and SOA, NS, MX, … set aside).`,
      );
    if (!f.length) throw at(`the ${type} record for ${owner} has no data.`);
    let value = f[0];
    if (type === "A" && !isIPv4(value))
      throw at(`'${value}' is not an IPv4 address for the A record of ${owner}.`);
    if (type === "AAAA" && !isIPv6(value))
      throw at(`'${value}' is not an IPv6 address for the AAAA record of ${owner}.`);
    if (type === "CNAME") value = abs(value);
    if (type === "TXT") value = f.map((x) => x.replace(/^"|"$/g, "")).join("");
    if (!addRecord(zone, owner, type as RecordType, value, ttl ?? defaultTtl))
      throw at(`${owner} is outside the zone ${zone.name}; BIND refuses records outside the zone.`);
  }
  return zone.records;
}
