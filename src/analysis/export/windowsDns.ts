// Windows DNS Server, as its PowerShell cmdlets print it piped to ConvertTo-Json:
// - `Get-DnsServerZone | ConvertTo-Json`: ZoneName, ZoneType (Primary, Secondary, Stub, Forwarder),
//   IsReverseLookupZone, IsAutoCreated, MasterServers (a Forwarder zone is a conditional forwarder:
//   Add-DnsServerConditionalForwarderZone -Name Z -MasterServers IP);
// - `Get-DnsServerForwarder | ConvertTo-Json`: IPAddress, UseRootHint;
// - `Get-DnsServerResourceRecord -ZoneName Z | ConvertTo-Json`: HostName, RecordType, TimeToLive,
//   RecordData (IPv4Address, IPv6Address, HostNameAlias, DescriptiveText).
// ConvertTo-Json prints one object (not a list) for a single item, and below its -Depth (2 by
// default) an object as its text: an address is "10.0.1.4", an IPAddress object (IPAddressToString),
// and RecordData may be a CIM instance whose CimInstanceProperties is the text
// "IPv4Address = 10.0.1.4": all are read. Anything else is an error naming the file and line.
import { isIPv4, isIPv6 } from "node:net";
import { ExportError, InputNote } from "./azure.js";
import type { ReadFile } from "./bind.js";
import { addRecord, DnsRecordFact, DnsServerFacts, domainOf, RecordType } from "./dnsFacts.js";
import { JsonSyntaxError, parseJsonWithLines } from "./jsonLines.js";

export interface WindowsDnsFiles {
  /** Get-DnsServerZone | ConvertTo-Json */
  zones?: string;
  /** Get-DnsServerForwarder | ConvertTo-Json */
  forwarders?: string;
  /** Zone name → Get-DnsServerResourceRecord -ZoneName <zone> | ConvertTo-Json */
  records?: Record<string, string>;
}

/** Zones whose records matter to Arc and the Azure services it uses; others are set aside. */
const AZURE_SUFFIXES = [
  "azure.com",
  "azure.net",
  "windows.net",
  "microsoftonline.com",
  "microsoft.com",
  "azure-automation.net",
  "arcdataservices.com",
];

function isAzureName(z: string): boolean {
  return AZURE_SUFFIXES.some((s) => z === s || z.endsWith("." + s) || s.endsWith("." + z));
}

function readJson(path: string, read: ReadFile): { value: unknown; lineOf(n: unknown): number | undefined } {
  const text = read(path);
  if (text === undefined) throw new ExportError(`${path}: cannot read the file.`);
  try {
    return parseJsonWithLines(text);
  } catch (e) {
    if (e instanceof JsonSyntaxError)
      throw ExportError.at(
        path,
        e.line,
        `not JSON (pipe the cmdlet to ConvertTo-Json): ${e.message.replace(/^line \d+: /, "")}`,
      );
    throw e;
  }
}

/** One object or a list of them (ConvertTo-Json of a single item prints the object). */
function listOf(v: unknown): unknown[] {
  if (Array.isArray(v)) return v;
  if (v && typeof v === "object" && Array.isArray((v as any).value)) return (v as any).value;
  return v === null || v === undefined ? [] : [v];
}

/** An address however ConvertTo-Json printed it: "10.0.0.4", {IPAddressToString}, a CIM text. */
export function addressesOf(v: unknown): string[] {
  if (v === null || v === undefined) return [];
  if (typeof v === "string") return v.split(/[\s,]+/).filter((x) => isIPv4(x) || isIPv6(x));
  if (Array.isArray(v)) return v.flatMap(addressesOf);
  if (typeof v === "object") {
    const o = v as Record<string, unknown>;
    if (typeof o.IPAddressToString === "string") return [o.IPAddressToString];
    if (typeof o.Address === "number" && o.AddressFamily === 2) {
      // IPAddress.Address: the IPv4 address's bytes as a little-endian integer.
      const n = o.Address >>> 0;
      return [[n & 255, (n >>> 8) & 255, (n >>> 16) & 255, n >>> 24].join(".")];
    }
  }
  return [];
}

/** A property of a record's RecordData, from an object or from a CIM instance's text. */
function recordDataField(rd: unknown, field: string): unknown {
  if (rd === null || rd === undefined) return undefined;
  if (typeof rd === "string") {
    const m = new RegExp(`${field}\\s*=\\s*"?([^",;\\s]+)`).exec(rd);
    return m?.[1];
  }
  const o = rd as Record<string, unknown>;
  if (o[field] !== undefined) return o[field];
  const cim = o.CimInstanceProperties;
  if (typeof cim === "string") return recordDataField(cim, field);
  if (Array.isArray(cim)) {
    for (const p of cim) {
      if (typeof p === "string") {
        const v = recordDataField(p, field);
        if (v !== undefined) return v;
      } else if (p && (p as any).Name === field) return (p as any).Value;
    }
  }
  return undefined;
}

function ttlSeconds(v: unknown): number | undefined {
  if (typeof v === "number") return v;
  if (typeof v === "string") {
    const m = /^(?:(\d+)\.)?(\d+):(\d+):(\d+)$/.exec(v);
    if (m) return Number(m[1] ?? 0) * 86400 + Number(m[2]) * 3600 + Number(m[3]) * 60 + Number(m[4]);
    return undefined;
  }
  if (v && typeof v === "object") {
    const o = v as Record<string, any>;
    if (typeof o.TotalSeconds === "number") return Math.round(o.TotalSeconds);
    if (typeof o.Hours === "number")
      return (o.Days ?? 0) * 86400 + o.Hours * 3600 + (o.Minutes ?? 0) * 60 + (o.Seconds ?? 0);
  }
  return undefined;
}

/** The records of one zone from Get-DnsServerResourceRecord's JSON. */
export function readWindowsRecords(path: string, zoneName: string, read: ReadFile): DnsRecordFact[] {
  const { value, lineOf } = readJson(path, read);
  const zone = { name: domainOf(zoneName), records: [] as DnsRecordFact[] };
  for (const r of listOf(value)) {
    const line = lineOf(r);
    const at = (m: string) => ExportError.at(path, line, m);
    if (!r || typeof r !== "object")
      throw at("a record is not an object (HostName, RecordType, RecordData).");
    const o = r as Record<string, any>;
    if (typeof o.HostName !== "string" || typeof o.RecordType !== "string")
      throw at("this is not Get-DnsServerResourceRecord output: a record has HostName and RecordType.");
    const type = o.RecordType.toUpperCase();
    if (!["A", "AAAA", "CNAME", "TXT"].includes(type)) continue;
    const owner = o.HostName === "@" ? zone.name : `${domainOf(o.HostName)}.${zone.name}`;
    let value: string | undefined;
    if (type === "A")
      value = addressesOf(recordDataField(o.RecordData, "IPv4Address")).find((x) => isIPv4(x));
    else if (type === "AAAA")
      value = addressesOf(recordDataField(o.RecordData, "IPv6Address")).find((x) => isIPv6(x));
    else if (type === "CNAME") {
      const a = recordDataField(o.RecordData, "HostNameAlias");
      value = typeof a === "string" ? domainOf(a) : undefined;
    } else {
      const a = recordDataField(o.RecordData, "DescriptiveText");
      value = typeof a === "string" ? a : undefined;
    }
    if (value === undefined)
      throw at(
        `the ${type} record '${o.HostName}' has no readable RecordData (print it with ConvertTo-Json -Depth 4).`,
      );
    addRecord(zone, owner, type as RecordType, value, ttlSeconds(o.TimeToLive));
  }
  return zone.records;
}

/** A Windows DNS Server's facts from its cmdlets' JSON files. */
export function readWindowsDns(
  files: WindowsDnsFiles,
  read: ReadFile,
  where: string,
): { facts: DnsServerFacts; notes: InputNote[] } {
  const notes: InputNote[] = [];
  const main = files.zones ?? files.forwarders ?? where;
  const facts: DnsServerFacts = { forwarders: [], conditionalForwarders: [], zones: [], line: 0, file: main };
  const recordFiles = new Map(Object.entries(files.records ?? {}).map(([z, f]) => [domainOf(z), f]));
  const used = new Set<string>();
  if (files.forwarders) {
    const { value, lineOf } = readJson(files.forwarders, read);
    for (const f of listOf(value)) {
      const o = f as Record<string, unknown>;
      if (!o || typeof o !== "object" || !("IPAddress" in o))
        throw ExportError.at(
          files.forwarders,
          lineOf(f),
          "this is not Get-DnsServerForwarder output: it has IPAddress.",
        );
      facts.forwarders.push(...addressesOf(o.IPAddress).filter((x) => isIPv4(x)));
      if (o.UseRootHint === true && facts.forwarders.length)
        notes.push({
          file: files.forwarders,
          line: lineOf(f),
          message:
            "UseRootHint: when the forwarders fail, the server resolves from the root hints itself; ArcLink models forwarding only.",
        });
    }
  }
  if (files.zones) {
    const zf = files.zones;
    const { value, lineOf } = readJson(zf, read);
    for (const z of listOf(value)) {
      const line = lineOf(z);
      const at = (m: string) => ExportError.at(zf, line, m);
      const o = z as Record<string, any>;
      if (!o || typeof o !== "object" || typeof o.ZoneName !== "string" || typeof o.ZoneType !== "string")
        throw at("this is not Get-DnsServerZone output: a zone has ZoneName and ZoneType.");
      const name = domainOf(o.ZoneName);
      const type = o.ZoneType.toLowerCase();
      if (o.IsReverseLookupZone === true || o.IsAutoCreated === true || name === "trustanchors") continue;
      const kept = facts.zones.length + facts.conditionalForwarders.length;
      if (type === "forwarder") {
        const targets = addressesOf(o.MasterServers).filter((x) => isIPv4(x));
        if (!targets.length) throw at(`the conditional forwarder ${name} has no IPv4 MasterServers.`);
        facts.conditionalForwarders.push({ domain: name, targets });
      } else if (type === "stub") {
        const targets = addressesOf(o.MasterServers).filter((x) => isIPv4(x));
        if (!targets.length) throw at(`the stub zone ${name} has no IPv4 MasterServers.`);
        notes.push({
          file: zf,
          line,
          message: `stub zone ${name} is read as forwarding ${name} to ${targets.join(", ")}.`,
        });
        facts.conditionalForwarders.push({ domain: name, targets });
      } else if (type === "primary" || type === "secondary") {
        const rf = recordFiles.get(name);
        if (rf) {
          used.add(name);
          facts.zones.push({ name, records: readWindowsRecords(rf, name, read) });
        } else if (isAzureName(name)) {
          throw at(
            `zone ${name} answers Azure names but its records were not given: run Get-DnsServerResourceRecord -ZoneName ${name} | ConvertTo-Json -Depth 4 > file, and name the file under windowsDns.records.${name}.`,
          );
        } else
          notes.push({
            file: zf,
            line,
            message: `zone ${name} (${o.ZoneType}) holds no Azure names: set aside.`,
          });
      } else throw at(`ZoneType '${o.ZoneType}' is not one of Primary, Secondary, Stub, Forwarder.`);
      if (!facts.line && facts.zones.length + facts.conditionalForwarders.length > kept)
        facts.line = line ?? 1;
    }
  }
  if (!facts.line) facts.line = 1;
  for (const [name, f] of recordFiles)
    if (!used.has(name))
      throw new ExportError(
        `${f}: records for zone ${name}, which ${files.zones ? `${files.zones} does not list as a Primary or Secondary zone` : "needs the zones file (windowsDns.zones) too"}.`,
      );
  return { facts, notes };
}
