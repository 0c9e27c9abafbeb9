// Shared reading of manual Arc DNS data: the Arc names a hosts file or an on-premises DNS zone
// holds (public names such as gbl.his.arc.azure.com, or privatelink names), with their addresses.
import { DnsServerModel, HostModel } from "../../../network/model.js";

export interface ManualName {
  /** The public Arc FQDN the entry answers, e.g. "eus.his.arc.azure.com". */
  fqdn: string;
  address: string;
  /** Where it is written: "/etc/hosts line 3" or "zone his.arc.azure.com record eus". */
  where: string;
}

const ARC_PUBLIC = [
  "his.arc.azure.com",
  "guestconfiguration.azure.com",
  "dp.kubernetesconfiguration.azure.com",
];

function toPublic(fqdn: string): string | undefined {
  const n = fqdn.toLowerCase().replace(/\.$/, "");
  for (const z of ARC_PUBLIC) {
    if (n.endsWith(`.privatelink.${z}`)) return `${n.slice(0, -`.privatelink.${z}`.length)}.${z}`;
    if (n.endsWith(`.${z}`)) return n;
  }
  return undefined;
}

const NO_NAMES: ManualName[] = Object.freeze([]) as unknown as ManualName[];

/** Per host model: a model entry is never changed (a changed host gets a new one), so neither is this. */
const arcNamesOf = new WeakMap<HostModel, ManualName[]>();

/** The Arc names `h`'s hosts file holds (the same array for the same host model: read it, do not change it). */
export function hostsFileArcNames(h: HostModel): ManualName[] {
  // Most hosts have no hosts file entries: nothing to read or to remember.
  if (h.hostsEntries.length === 0) return NO_NAMES;
  let names = arcNamesOf.get(h);
  if (!names) arcNamesOf.set(h, (names = readArcNames(h)));
  return names;
}

function readArcNames(h: HostModel): ManualName[] {
  const file = h.os === "Windows" ? "C:\\Windows\\System32\\drivers\\etc\\hosts" : "/etc/hosts";
  const out: ManualName[] = [];
  for (const e of h.hostsEntries)
    for (const n of e.names) {
      const f = toPublic(n);
      if (f) out.push({ fqdn: f, address: e.address, where: `${file} line ${e.line}` });
    }
  return out;
}

/** The Arc zones a DNS server hosts itself, and the names in them. */
export function serverArcZones(d: DnsServerModel): Array<{ zone: string; names: ManualName[] }> {
  const out: Array<{ zone: string; names: ManualName[] }> = [];
  for (const z of d.zones) {
    const pub = toPublic(`x.${z.name}`);
    const isArc = ARC_PUBLIC.some((p) => z.name === p || z.name === `privatelink.${p}`);
    if (!pub || !isArc) continue;
    const names: ManualName[] = [];
    for (const [rel, data] of z.records) {
      if (rel === "@") continue;
      const f = toPublic(`${rel}.${z.name}`);
      if (f)
        for (const ip of data.A?.ips ?? [])
          names.push({ fqdn: f, address: ip, where: `zone ${z.name} record ${rel}` });
    }
    out.push({ zone: z.name, names });
  }
  return out;
}
