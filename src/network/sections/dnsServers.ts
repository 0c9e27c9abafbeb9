// The lab DNS servers: position, address, the zones they host, conditional forwarders,
// forwarders, recursion, and the real server that stands in for one (external).
import { WorldView } from "../../world/world.js";
import type { DnsServerModel, RecordData } from "../model.js";
import { positionOf } from "./common.js";
import { modelSection } from "./section.js";

export const dnsServers = modelSection({
  name: "dnsServers",
  compile: (view) => buildDnsServers(view),
});

function buildDnsServers(view: WorldView): Map<string, DnsServerModel> {
  const out = new Map<string, DnsServerModel>();
  for (const d of view.ofType("ArcLink.Lab/dnsServers")) {
    const p = d.body.properties ?? {};
    const { pos } = positionOf(d.body);
    if (!pos) continue;
    out.set(d.key, {
      key: d.key,
      id: d.id,
      name: d.body.name,
      ip: p.ipAddress,
      pos,
      zones: labZones(p.zones),
      conditionalForwarders: (p.conditionalForwarders ?? []).map((c: any) => ({
        domain: String(c.domain).toLowerCase().replace(/\.$/, ""),
        targets: c.targets ?? [],
      })),
      forwarders: p.forwarders ?? [],
      recursion: p.recursion !== false,
      external: p.external,
    });
  }
  return out;
}

function labZones(zones: unknown): DnsServerModel["zones"] {
  return (Array.isArray(zones) ? zones : []).map((z: any) => {
    const records = new Map<string, RecordData>();
    for (const r of Array.isArray(z.records) ? z.records : []) {
      const rel = String(r.name ?? "@").toLowerCase();
      const d = records.get(rel) ?? {};
      const ttl = Number(r.ttl ?? 3600);
      const values: string[] = Array.isArray(r.values) ? r.values.map(String) : [];
      if (r.type === "A") d.A = { ttl, ips: values };
      if (r.type === "AAAA") d.AAAA = { ttl, ips: values };
      if (r.type === "CNAME" && values[0])
        d.CNAME = { ttl, target: values[0].toLowerCase().replace(/\.$/, "") };
      if (r.type === "TXT") d.TXT = { ttl, values: [values] };
      records.set(rel, d);
    }
    return { name: String(z.name).toLowerCase().replace(/\.$/, ""), records };
  });
}
