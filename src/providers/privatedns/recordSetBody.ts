// The stored shape of a private DNS record set, shared by the record-set provider and by
// private endpoint zone groups, which write A records into zones as Azure does.
import { newGuid } from "../../core/guid.js";

export const RECORD_TYPES = ["A", "AAAA", "CNAME", "MX", "PTR", "SOA", "SRV", "TXT"] as const;
export type RecordType = (typeof RECORD_TYPES)[number];

/** Full ARM type of a record set, e.g. "Microsoft.Network/privateDnsZones/A". */
export function recordSetType(type: RecordType): string {
  return `Microsoft.Network/privateDnsZones/${type}`;
}

/** The record type of a full ARM type (any case), or undefined when it is not a record set. */
export function recordTypeOf(fullType: string): RecordType | undefined {
  const m = /^microsoft\.network\/privatednszones\/([a-z]+)$/i.exec(fullType);
  if (!m) return undefined;
  return RECORD_TYPES.find((t) => t === m[1].toUpperCase());
}

/** The `properties` key that holds the records of each type. */
export const RECORD_PROPERTY: Record<RecordType, string> = {
  A: "aRecords",
  AAAA: "aaaaRecords",
  CNAME: "cnameRecord",
  MX: "mxRecords",
  PTR: "ptrRecords",
  SOA: "soaRecord",
  SRV: "srvRecords",
  TXT: "txtRecords",
};

/** The SOA record Azure writes at a new private zone's apex. */
export const DEFAULT_SOA = {
  host: "azureprivatedns.net",
  email: "azureprivatedns-host.microsoft.com",
  serialNumber: 1,
  refreshTime: 3600,
  retryTime: 300,
  expireTime: 2419200,
  minimumTtl: 10,
} as const;

export const DEFAULT_TTL = 3600;

export function recordSetId(zoneId: string, type: RecordType, name: string): string {
  return `${zoneId}/${type}/${name}`;
}

/** FQDN with trailing dot, as Azure reports it: "@" is the apex. */
export function recordFqdn(zoneName: string, name: string): string {
  return (name === "@" ? zoneName : `${name}.${zoneName}`).toLowerCase() + ".";
}

/** A whole stored record set of any type; `records` holds the type's property (e.g. { aRecords: [...] }). */
export function recordSetBody(args: {
  zoneId: string;
  zoneName: string;
  type: RecordType;
  name: string;
  ttl: number;
  records: Record<string, any>;
  metadata?: Record<string, string>;
  createdAt: string;
  createdBy: string;
}): Record<string, any> {
  const name = args.name.toLowerCase();
  return {
    id: recordSetId(args.zoneId, args.type, name),
    name,
    type: recordSetType(args.type),
    etag: newGuid(),
    properties: {
      metadata: args.metadata ?? {},
      ttl: args.ttl,
      fqdn: recordFqdn(args.zoneName, name),
      isAutoRegistered: false,
      ...args.records,
      provisioningState: "Succeeded",
    },
    systemData: {
      createdBy: args.createdBy,
      createdByType: "Application",
      createdAt: args.createdAt,
      lastModifiedBy: args.createdBy,
      lastModifiedByType: "Application",
      lastModifiedAt: args.createdAt,
    },
  };
}

export function aRecordSetBody(args: {
  zoneId: string;
  zoneName: string;
  name: string;
  ips: string[];
  ttl: number;
  metadata?: Record<string, string>;
  createdAt: string;
  createdBy: string;
}): Record<string, any> {
  return recordSetBody({
    zoneId: args.zoneId,
    zoneName: args.zoneName,
    type: "A",
    name: args.name,
    ttl: args.ttl,
    records: { aRecords: args.ips.map((ipv4Address) => ({ ipv4Address })) },
    metadata: args.metadata,
    createdAt: args.createdAt,
    createdBy: args.createdBy,
  });
}

/** The SOA record set at `@` that creating a zone writes in the same transaction. */
export function soaRecordSetBody(args: {
  zoneId: string;
  zoneName: string;
  createdAt: string;
  createdBy: string;
}): Record<string, any> {
  return recordSetBody({
    ...args,
    type: "SOA",
    name: "@",
    ttl: DEFAULT_TTL,
    records: { soaRecord: { ...DEFAULT_SOA } },
  });
}
