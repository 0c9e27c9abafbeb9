/// <reference lib="dom" />
// Private DNS zones: the list (paged through ARM's $top/nextLink, with a count and search by name;
// + Create leads to the create page) and a zone's page: its properties (Delete, reviewed), its record sets (read through the zone's `ALL` list
// with ARM's own `$top`/`nextLink`, with a count, search by name and a filter by type) and its
// virtual network links (paged the same way). Lint's findings about the zone show as banners above
// (the resource frame's), so a zone that lacks records or is not linked where it must be says so here.
import { groupOf, nameOf, V } from "./api.js";
import { h, idRoute, idWithCopy, link, takeFlash } from "./dom.js";
import { encodeId, sub, ZONES } from "./data.js";
import { pagedList } from "./pagedList.js";
import { deleteToolbar, resourcePage } from "./resourcePage.js";
import type { View } from "./main.js";

export async function renderZones(v: View): Promise<void> {
  const { root } = v;
  const list = pagedList<any>({
    label: "Private DNS zones",
    path: `${sub(v.cfg.subscriptionId)}/providers/${ZONES}`,
    apiVersion: V.privateDns,
    top: 100,
    columns: ["Name", "Resource group", "Record sets", "Virtual network links"],
    name: (z) => String(z.name),
    rowAttrs: (z) => ({ zone: String(z.name) }),
    row: (z) => [
      link(idRoute("zone", z.id), z.name),
      groupOf(z.id),
      String(z.properties?.numberOfRecordSets ?? "—"),
      String(z.properties?.numberOfVirtualNetworkLinks ?? "—"),
    ],
    filters: [{ label: "Resource group", value: (z) => groupOf(z.id) }],
  });
  root.append(
    h("h1", null, "Private DNS zones"),
    takeFlash(),
    h("div", { class: "toolbar" }, h("a", { class: "button primary", href: "#/zones/create" }, "+ Create")),
    list.el,
  );
  await list.done;
}

const RECORD_TYPES = ["A", "AAAA", "CNAME", "MX", "PTR", "SOA", "SRV", "TXT"];

export function renderZone(v: View, id: string): Promise<void> {
  return resourcePage(v, {
    id,
    apiVersion: V.privateDns,
    kind: "Private DNS zone",
    list: ["/zones", "Private DNS zones"],
    route: "zone",
    tabs: [["overview", "Overview", zoneOverview]],
    tab: "overview",
    navLabel: "Private DNS zone pages",
  });
}

/** The record type of a record set's type, e.g. "Microsoft.Network/privateDnsZones/A" → "A". */
function recordType(rs: any): string {
  return (
    String(rs.type ?? "")
      .split("/")
      .pop() ?? ""
  );
}

/** A record set's records as text, one value per line. */
function recordValues(rs: any): string[] {
  const p = rs.properties ?? {};
  const out: string[] = [];
  for (const r of p.aRecords ?? []) out.push(String(r.ipv4Address));
  for (const r of p.aaaaRecords ?? []) out.push(String(r.ipv6Address));
  if (p.cnameRecord?.cname) out.push(String(p.cnameRecord.cname));
  for (const r of p.mxRecords ?? []) out.push(`${r.preference} ${r.exchange}`);
  for (const r of p.ptrRecords ?? []) out.push(String(r.ptrdname));
  for (const r of p.srvRecords ?? []) out.push(`${r.priority} ${r.weight} ${r.port} ${r.target}`);
  for (const r of p.txtRecords ?? []) out.push((r.value ?? []).join(""));
  if (p.soaRecord) out.push(`${p.soaRecord.host} ${p.soaRecord.email} (serial ${p.soaRecord.serialNumber})`);
  return out;
}

async function zoneOverview(pane: HTMLElement, z: any): Promise<void> {
  const p = z.properties ?? {};
  pane.append(
    ...deleteToolbar(
      z,
      V.privateDns,
      "/zones",
      `The private DNS zone ${z.name} and its record sets will be deleted (a zone that still has virtual network links cannot be: delete its links first). Machines that resolved names through it get other answers afterwards.`,
    ),
    h(
      "dl",
      { class: "props" },
      [
        ["Record sets", `${p.numberOfRecordSets ?? "?"} of at most ${p.maxNumberOfRecordSets ?? "?"}`],
        [
          "Virtual network links",
          `${p.numberOfVirtualNetworkLinks ?? "?"} of at most ${p.maxNumberOfVirtualNetworkLinks ?? "?"}`,
        ],
        ["Resource id", idWithCopy(z.id)],
      ].map(([k, val]) => [h("dt", null, k as string), h("dd", null, val as any)]),
    ),
  );
  const records = pagedList<any>({
    label: "Record sets",
    path: `${encodeId(z.id)}/ALL`,
    apiVersion: V.privateDns,
    top: 100,
    rows: 20,
    columns: ["Name", "Type", "TTL", "Value", "Auto registered", "Written by"],
    name: (rs) => String(rs.name),
    rowAttrs: (rs) => ({ record: `${recordType(rs)} ${rs.name}` }),
    row: (rs) => [
      h("code", null, String(rs.name)),
      recordType(rs),
      String(rs.properties?.ttl ?? ""),
      recordValues(rs).map((x, i) => (i ? [h("br"), x] : x)),
      rs.properties?.isAutoRegistered ? "Yes" : "No",
      rs.properties?.metadata?.creator ? String(rs.properties.metadata.creator) : "—",
    ],
    filters: [
      { label: "Type", value: (rs) => (RECORD_TYPES.includes(recordType(rs)) ? recordType(rs) : "") },
    ],
  });
  const links = pagedList<any>({
    label: "Virtual network links",
    path: `${encodeId(z.id)}/virtualNetworkLinks`,
    apiVersion: V.privateDns,
    top: 100,
    rows: 20,
    columns: ["Link name", "Virtual network", "Auto-registration", "Resolution policy", "Link state"],
    name: (l) => String(l.name),
    rowAttrs: (l) => ({ link: String(l.name) }),
    row: (l) => {
      const vnet = l.properties?.virtualNetwork?.id as string | undefined;
      return [
        String(l.name),
        vnet ? h("span", { title: vnet }, nameOf(vnet)) : "—",
        l.properties?.registrationEnabled ? "Enabled" : "Disabled",
        String(l.properties?.resolutionPolicy ?? "Default"),
        String(l.properties?.virtualNetworkLinkState ?? l.properties?.provisioningState ?? ""),
      ];
    },
  });
  pane.append(
    h(
      "section",
      { "aria-labelledby": "zone-records" },
      h("h2", { id: "zone-records" }, "Record sets"),
      records.el,
    ),
    h(
      "section",
      { "aria-labelledby": "zone-links" },
      h("h2", { id: "zone-links" }, "Virtual network links"),
      links.el,
    ),
  );
  await Promise.all([records.done, links.done]);
}
