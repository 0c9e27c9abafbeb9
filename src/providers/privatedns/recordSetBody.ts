// The stored shape of a private DNS record set, shared by the record-set provider and by
// private endpoint zone groups, which write A records into zones as Azure does.
import { newGuid } from "../../core/guid.js";

export const RECORD_TYPES = ["A", "AAAA", "CNAME", "MX", "PTR", "SOA", "SRV", "TXT"] as const;
export type RecordType = (typeof RECORD_TYPES)[number];

export function recordSetId(zoneId: string, type: RecordType, name: string): string {
  return `${zoneId}/${type}/${name}`;
}

/** FQDN with trailing dot, as Azure reports it: "@" is the apex. */
export function recordFqdn(zoneName: string, name: string): string {
  return (name === "@" ? zoneName : `${name}.${zoneName}`).toLowerCase() + ".";
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
  const name = args.name.toLowerCase();
  return {
    id: recordSetId(args.zoneId, "A", name),
    name,
    type: "Microsoft.Network/privateDnsZones/A",
    etag: newGuid(),
    properties: {
      metadata: args.metadata ?? {},
      ttl: args.ttl,
      fqdn: recordFqdn(args.zoneName, name),
      isAutoRegistered: false,
      aRecords: args.ips.map((ipv4Address) => ({ ipv4Address })),
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
