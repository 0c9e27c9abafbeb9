/// <reference lib="dom" />
// Private endpoints: the list, and an endpoint's Overview (delete) and DNS configuration — the
// FQDN ↔ address table (customDnsConfigs) the seed's manual-DNS and hosts-file steps copy from,
// and the records its zone group wrote into the private DNS zones.
import { arm, groupOf, nameOf, V } from "./api.js";
import { clear, errorBox, h, idRoute, link, loading, table, takeFlash } from "./dom.js";
import { encodeId, endpoints } from "./data.js";
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
  root.append(h("h1", null, "Private endpoints"), takeFlash(), loading());
  try {
    const items = await endpoints(v.cfg.subscriptionId);
    root.lastChild?.remove();
    root.append(
      table(
        ["Name", "Resource group", "Location", "Subnet", "Private link resource", "Connection state"],
        items.map((pe) => {
          const c = connectionsOf(pe)[0];
          const target = c?.properties?.privateLinkServiceId;
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
            c?.properties?.privateLinkServiceConnectionState?.status ?? "",
          ];
        }),
        { "aria-label": "Private endpoints" },
      ),
    );
  } catch (e) {
    root.lastChild?.remove();
    root.append(errorBox(e, "The private endpoints could not be listed"));
  }
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
    h("h3", null, "Hosts file (single server scenarios)"),
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
    for (const g of groups) {
      for (const zc of g.properties?.privateDnsZoneConfigs ?? []) {
        const zoneId = zc.properties?.privateDnsZoneId;
        zonesBox.append(
          h("h3", null, `${nameOf(zoneId)} `, h("span", { class: "subtitle" }, `(${g.name} / ${zc.name})`)),
          table(
            ["FQDN", "IP addresses", "TTL"],
            (zc.properties?.recordSets ?? []).map((rs: any) => [
              h("code", null, rs.fqdn),
              (rs.ipAddresses ?? []).join(", "),
              String(rs.ttl ?? ""),
            ]),
            { "aria-label": `Records in ${nameOf(zoneId)}` },
          ),
        );
      }
    }
  } catch (e) {
    clear(zonesBox);
    zonesBox.append(errorBox(e, "The zone group could not be read"));
  }
}
