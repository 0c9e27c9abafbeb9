// The private DNS zones: each zone's record sets and SOA. A change recompiles only the zones it
// touched (a record set or link is its zone's).
import { WorldView } from "../../world/world.js";
import type { RecordData, ZoneModel } from "../model.js";
import { modelSection } from "./section.js";

const RECORD_TYPES = ["A", "AAAA", "CNAME", "TXT", "SOA"];
const ZONES_PATH = "/providers/microsoft.network/privatednszones/";

export const zones = modelSection({
  name: "zones",
  compile: (view) => buildZones(view),
  patch: (prev, view, keys) => {
    const zoneKeys = new Set<string>();
    for (const k of keys) {
      const rest = k.slice(k.indexOf(ZONES_PATH) + ZONES_PATH.length);
      zoneKeys.add(k.slice(0, k.length - rest.length) + rest.split("/")[0]);
    }
    return { entries: buildZones(view, prev, zoneKeys) };
  },
});

/** Zones; with `reuse`, zones not in `changed` keep their compiled object. */
function buildZones(
  view: WorldView,
  reuse?: Map<string, ZoneModel>,
  changed?: Set<string>,
): Map<string, ZoneModel> {
  const out = new Map<string, ZoneModel>();
  for (const z of view.ofType("Microsoft.Network/privateDnsZones")) {
    const old = reuse && !changed!.has(z.key) ? reuse.get(z.key) : undefined;
    out.set(z.key, old ?? zoneFromWorld(view, z));
  }
  return out;
}

function zoneFromWorld(
  view: WorldView,
  e: { key: string; id: string; body: Record<string, any> },
): ZoneModel {
  const name = String(e.body.name).toLowerCase();
  const records = new Map<string, RecordData>();
  let soa: ZoneModel["soa"] = {
    mname: "azureprivatedns.net",
    rname: "azureprivatedns-host.microsoft.com",
    serial: 1,
    refresh: 3600,
    retry: 300,
    expire: 2419200,
    minimum: 10,
    ttl: 3600,
  };
  for (const t of RECORD_TYPES) {
    for (const r of view.children(e.id, `Microsoft.Network/privateDnsZones/${t}`)) {
      const p = r.body.properties ?? {};
      const rel = String(r.body.name).toLowerCase();
      const ttl = Number(p.ttl ?? 3600);
      const d = records.get(rel) ?? {};
      if (t === "A") d.A = { ttl, ips: (p.aRecords ?? []).map((x: any) => x.ipv4Address) };
      if (t === "AAAA") d.AAAA = { ttl, ips: (p.aaaaRecords ?? []).map((x: any) => x.ipv6Address) };
      if (t === "CNAME" && p.cnameRecord?.cname)
        d.CNAME = { ttl, target: String(p.cnameRecord.cname).toLowerCase().replace(/\.$/, "") };
      if (t === "TXT") d.TXT = { ttl, values: (p.txtRecords ?? []).map((x: any) => x.value ?? []) };
      if (t === "SOA" && p.soaRecord) {
        const s = p.soaRecord;
        soa = {
          mname: s.host ?? soa.mname,
          rname: s.email ?? soa.rname,
          serial: Number(s.serialNumber ?? 1),
          refresh: Number(s.refreshTime ?? 3600),
          retry: Number(s.retryTime ?? 300),
          expire: Number(s.expireTime ?? 2419200),
          minimum: Number(s.minimumTtl ?? 10),
          ttl,
        };
        continue;
      }
      if (t !== "SOA") records.set(rel, d);
    }
  }
  return { key: e.key, id: e.id, name, records, soa };
}
