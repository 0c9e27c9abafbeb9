/// <reference lib="dom" />
// Private endpoints: the list, and an endpoint's Overview (delete) and DNS configuration — the
// FQDN ↔ address table (customDnsConfigs) the seed's manual-DNS and hosts-file steps copy from,
// and the records its zone group wrote into the private DNS zones.
import { arm, groupOf, nameOf, sameId, V } from "./api.js";
import { Child, clear, copyButton, errorBox, h, idRoute, link, loading, table, takeFlash } from "./dom.js";
import { encodeId, ENDPOINTS, endpoints, sub } from "./data.js";
import { pagedList } from "./pagedList.js";
import type { View } from "./main.js";
import { deleteToolbar, resourcePage } from "./resourcePage.js";

function connectionsOf(pe: any): any[] {
  return [
    ...(pe.properties?.privateLinkServiceConnections ?? []),
    ...(pe.properties?.manualPrivateLinkServiceConnections ?? []),
  ];
}

export async function renderEndpoints(v: View): Promise<void> {
  const { root } = v;
  const state = (pe: any) =>
    connectionsOf(pe)[0]?.properties?.privateLinkServiceConnectionState?.status ?? "";
  const list = pagedList<any>({
    label: "Private endpoints",
    path: `${sub(v.cfg.subscriptionId)}/providers/${ENDPOINTS}`,
    apiVersion: V.network,
    columns: ["Name", "Resource group", "Location", "Subnet", "Private link resource", "Connection state"],
    name: (pe) => String(pe.name),
    row: (pe) => {
      const target = connectionsOf(pe)[0]?.properties?.privateLinkServiceId;
      return [
        link(idRoute("endpoint", pe.id), pe.name),
        groupOf(pe.id),
        pe.location,
        pe.properties?.subnet?.id
          ? `${nameOf(pe.properties.subnet.id.replace(/\/subnets\/[^/]+$/i, ""))}/${nameOf(pe.properties.subnet.id)}`
          : "",
        target
          ? target.toLowerCase().includes("/privatelinkscopes/")
            ? link(idRoute("scope", target), nameOf(target))
            : nameOf(target)
          : "",
        state(pe),
      ];
    },
    filters: [
      { label: "Connection state", value: state },
      { label: "Location", value: (pe) => String(pe.location ?? "") },
    ],
  });
  root.append(h("h1", null, "Private endpoints"), takeFlash(), list.el);
  await list.done;
}

export function renderEndpoint(v: View, id: string, tab = "overview"): Promise<void> {
  return resourcePage(v, {
    id,
    apiVersion: V.network,
    kind: "Private endpoint",
    list: ["/endpoints", "Private endpoints"],
    route: "endpoint",
    tabs: [
      ["overview", "Overview", overviewTab],
      ["dns", "DNS configuration", dnsTab],
    ],
    tab,
    navLabel: "Private endpoint pages",
  });
}

function overviewTab(pane: HTMLElement, pe: any): void {
  const toolbar = deleteToolbar(
    pe,
    V.network,
    "/endpoints",
    `The private endpoint ${pe.name}, its network interface and the DNS records its zone group wrote will be deleted.`,
  );
  const subnet = pe.properties?.subnet?.id as string | undefined;
  pane.append(
    ...toolbar,
    h(
      "dl",
      { class: "props" },
      (
        [
          ["Resource group", groupOf(pe.id)],
          ["Location", pe.location],
          [
            "Virtual network / subnet",
            subnet ? `${nameOf(subnet.replace(/\/subnets\/[^/]+$/i, ""))} / ${nameOf(subnet)}` : "—",
          ],
          ["Network interface", nameOf(pe.properties?.networkInterfaces?.[0]?.id) || "—"],
          ["Provisioning state", pe.properties?.provisioningState ?? ""],
        ] as Array<[string, string]>
      ).map(([k, val]) => [h("dt", null, k), h("dd", null, val)]),
    ),
    h("h2", null, "Private link connections"),
    table(
      ["Name", "Private link resource", "Target sub-resource", "Connection state", "Description"],
      connectionsOf(pe).map((c) => {
        const target = c.properties?.privateLinkServiceId as string | undefined;
        const st = c.properties?.privateLinkServiceConnectionState ?? {};
        return [
          c.name,
          target
            ? target.toLowerCase().includes("/privatelinkscopes/")
              ? link(idRoute("scope", target, "connections"), nameOf(target))
              : nameOf(target)
            : "",
          (c.properties?.groupIds ?? []).join(", "),
          st.status ?? "",
          st.description ?? "",
        ];
      }),
      { "aria-label": "Private link connections" },
    ),
  );
}

async function dnsTab(pane: HTMLElement, pe: any): Promise<void> {
  const configs: any[] = pe.properties?.customDnsConfigs ?? [];
  const hostsLines = configs.flatMap((c) =>
    (c.ipAddresses ?? []).slice(0, 1).map((ip: string) => `${ip} ${c.fqdn}`),
  );
  const hostsText = h("textarea", {
    readonly: true,
    rows: String(Math.max(3, hostsLines.length)),
    "aria-label": "Hosts file lines",
    class: "mono",
  });
  hostsText.value = hostsLines.join("\n");
  pane.append(
    h("h2", null, "Customer Visible FQDNs"),
    h(
      "p",
      { class: "hint" },
      "Create these A records on your DNS server (in zones that match), or add them to a machine's hosts file. The addresses depend on the endpoint's region and its subnet.",
    ),
    h(
      "table",
      { class: "dns-config", "aria-label": "DNS configuration" },
      h(
        "thead",
        null,
        h("tr", null, h("th", { scope: "col" }, "FQDN"), h("th", { scope: "col" }, "IP addresses")),
      ),
      h(
        "tbody",
        null,
        configs.length
          ? configs.map((c) =>
              h(
                "tr",
                null,
                h("td", null, h("code", null, c.fqdn)),
                h("td", null, (c.ipAddresses ?? []).join(", ")),
              ),
            )
          : h(
              "tr",
              null,
              h(
                "td",
                { colspan: "2", class: "empty" },
                "No DNS configuration (the endpoint has no approved connection).",
              ),
            ),
      ),
    ),
    h(
      "h3",
      null,
      "Hosts file (single server scenarios)",
      " ",
      copyButton(() => hostsText.value, "hosts file snippet"),
    ),
    h(
      "p",
      { class: "hint" },
      "Windows: C:\\Windows\\System32\\drivers\\etc\\hosts · Linux: /etc/hosts — address first, then the name.",
    ),
    hostsText,
  );
  const zonesBox = h("div", null, loading("Loading the DNS zone group…"));
  pane.append(h("h2", null, "Configuration name (private DNS zone group)"), zonesBox);
  try {
    const r = await arm("GET", `${encodeId(pe.id)}/privateDnsZoneGroups`, V.network);
    const groups: any[] = r?.value ?? [];
    clear(zonesBox);
    if (!groups.length) {
      zonesBox.append(
        h(
          "p",
          null,
          "No zone group: this endpoint is not integrated with private DNS zones. Create the records above on your DNS server.",
        ),
      );
      return;
    }
    // Each zone record against this endpoint's own addresses: a record that disagrees was written
    // by another endpoint (its zone group overwrote it) or by hand.
    const mine = new Map(
      configs.map((c) => [String(c.fqdn).toLowerCase(), (c.ipAddresses ?? []) as string[]]),
    );
    const others = (await endpoints(subOf(pe.id))).filter((x) => !sameId(x.id, pe.id));
    const writerOf = (fqdn: string, ips: string[]): any =>
      others.find((x) =>
        (x.properties?.customDnsConfigs ?? []).some(
          (c: any) =>
            String(c.fqdn).toLowerCase() === fqdn && ips.some((ip) => (c.ipAddresses ?? []).includes(ip)),
        ),
      );
    const flagged: HTMLElement[] = [];
    for (const g of groups) {
      for (const zc of g.properties?.privateDnsZoneConfigs ?? []) {
        const zoneId = zc.properties?.privateDnsZoneId;
        const rows: Child[][] = [];
        for (const rs of zc.properties?.recordSets ?? []) {
          const ips: string[] = rs.ipAddresses ?? [];
          const fqdn = String(rs.fqdn ?? "")
            .toLowerCase()
            .replace(/\.$/, "")
            .replace(".privatelink.", ".");
          const want = mine.get(fqdn);
          let verdict: Child = "—";
          if (want) {
            const agrees = want.length === ips.length && want.every((ip) => ips.includes(ip));
            if (agrees) verdict = h("span", { class: "agree ok" }, "✓ matches this endpoint");
            else {
              const writer = writerOf(fqdn, ips);
              const by = writer
                ? ["written by private endpoint ", link(idRoute("endpoint", writer.id, "dns"), writer.name)]
                : [await creatorOf(zoneId, rs.recordSetName)];
              verdict = h(
                "span",
                { class: "agree bad", dataset: { overwrittenBy: writer?.name ?? "" } },
                `✗ disagrees: this endpoint's address for ${fqdn} is ${want.join(", ")}; the record says ${ips.join(", ") || "nothing"}, `,
                by,
              );
              flagged.push(
                h(
                  "li",
                  null,
                  h("code", null, rs.fqdn),
                  ` → ${ips.join(", ")} (this endpoint: ${want.join(", ")}), `,
                  writer ? `overwritten by private endpoint ${writer.name}` : by,
                ),
              );
            }
          }
          rows.push([h("code", null, rs.fqdn), ips.join(", "), String(rs.ttl ?? ""), verdict]);
        }
        zonesBox.append(
          h(
            "h3",
            null,
            link(idRoute("zone", zoneId), nameOf(zoneId)),
            " ",
            h("span", { class: "subtitle" }, `(${g.name} / ${zc.name})`),
          ),
          table(["FQDN", "IP addresses", "TTL", "Agrees with this endpoint"], rows, {
            "aria-label": `Records in ${nameOf(zoneId)}`,
          }),
        );
      }
    }
    if (flagged.length)
      zonesBox.prepend(
        h(
          "div",
          { class: "banner error", role: "alert", dataset: { rule: "records-disagree" } },
          h(
            "div",
            { class: "banner-head" },
            `${flagged.length} zone record${flagged.length === 1 ? "" : "s"} disagree with this endpoint's addresses`,
          ),
          h("ul", null, flagged),
          h(
            "div",
            { class: "fix" },
            h("strong", null, "Fix: "),
            "keep one scope's private endpoint per virtual network (and DNS view): delete the other endpoint or move it to its own VNet, then the records are written again from this endpoint's zone group.",
          ),
        ),
      );
  } catch (e) {
    clear(zonesBox);
    zonesBox.append(errorBox(e, "The zone group could not be read"));
  }
}

const subOf = (id: string) => String(id).split("/")[2];

/** Who wrote a record, from its metadata (the zone group records its endpoint there). */
async function creatorOf(zoneId: string, recordSetName: string): Promise<string> {
  try {
    const r = await arm("GET", `${encodeId(zoneId)}/A/${encodeURIComponent(recordSetName)}`, V.privateDns);
    const creator = String(r?.properties?.metadata?.creator ?? "");
    return creator ? `(${creator})` : "written by hand (no endpoint's zone group wrote it)";
  } catch {
    return "its writer could not be read";
  }
}
