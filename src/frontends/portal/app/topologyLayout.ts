// Where the topology diagram puts everything, as data: a pure function from the resources (and the
// server's host groups) to positioned boxes, their labels, and the edges between them. No DOM: the
// drawing (topology.ts) turns the result into SVG, and unit tests read it directly.
// Columns, left to right: on-premises sites (DNS servers, firewalls, proxies, hosts or host groups),
// Azure virtual networks (subnets, private endpoints, DNS inbound endpoints, hosts in subnets),
// private DNS zones then Arc Private Link Scopes, Azure services. Edges: VPN / ExpressRoute, zone
// links, endpoint → scope connections, DNS forwarders, and each drawn host's (or closed group's)
// paths, private and to endpoints straight across, public along the Internet lane at the bottom.
import { nameOf, sameId } from "./api.js";
import type { EndpointCheck, GroupPath, HostEntry, HostGroups, Worst } from "./data.js";

export interface Box {
  x: number;
  y: number;
  w: number;
  h: number;
}

export const COL = {
  site: { x: 10, w: 290 },
  vnet: { x: 390, w: 300 },
  zone: { x: 760, w: 275 },
  svc: { x: 1070, w: 185 },
};
export const WIDTH = 1260;
export const ROW = { head: 30, dns: 36, small: 22, host: 44, subnet: 24, pe: 38, machine: 18, group: 28 };
/** Hosts per site before they are grouped by verdict (with counts; a group opens on demand). */
export const GROUP_AT = 12;
/** Hosts an open group shows at a time. */
export const GROUP_PAGE = 20;
/** Machine names a scope's box lists before "and N more". */
export const SCOPE_MACHINES = 6;

export const SERVICES = [
  {
    key: "entra",
    name: "Microsoft Entra ID",
    endpoints: ["login.microsoftonline.com", "login.windows.net", "pas.windows.net"],
  },
  { key: "arm", name: "Azure Resource Manager", endpoints: ["management.azure.com"] },
  {
    key: "arc",
    name: "Azure Arc (public endpoints)",
    endpoints: ["*.his.arc.azure.com", "*.guestconfiguration.azure.com"],
  },
];

export function serviceOf(endpoint: string): string {
  const e = endpoint.toLowerCase();
  if (e.startsWith("login.") || e === "pas.windows.net") return "entra";
  if (e === "management.azure.com") return "arm";
  return "arc";
}

const RANK = { private: 0, public: 1, undetermined: 2, refused: 3 } as const;

export const key = (id: string | undefined) => String(id ?? "").toLowerCase();

function ipRange(ips: string[]): string {
  if (ips.length <= 2) return ips.join(", ");
  return `${ips[0]} – ${ips[ips.length - 1]} (${ips.length})`;
}

export function counts(
  eps: readonly { verdict: string }[],
): Record<"private" | "public" | "refused" | "undetermined", number> {
  const c = { private: 0, public: 0, refused: 0, undetermined: 0 };
  for (const e of eps) if (e.verdict in c) c[e.verdict as keyof typeof c] += 1;
  return c;
}

/** The resources the diagram shows (ARM lists) and the server's host groups. */
export interface TopologyModel {
  sites: any[];
  dnsServers: any[];
  siteConnections: any[];
  firewalls: any[];
  proxies: any[];
  vnets: any[];
  endpoints: any[];
  inbound: any[];
  zones: Array<{ zone: any; links: any[] }>;
  scopes: any[];
  hosts: HostGroups;
}

/** A label: its text and the characters it may take before "…" (the drawing fits it to its box). */
export interface Label {
  x: number;
  y: number;
  text: string;
  cls: string;
  max: number;
}

/** A positioned node. `box` is its frame (w 0 for a row without one); `labels` are its texts. */
export type Placed =
  | { kind: "title"; label: Label }
  | { kind: "site" | "vnet"; id: string; box: Box; labels: Label[]; children: Placed[] }
  | { kind: "subnet"; id: string; box: Box; labels: Label[]; children: Placed[] }
  | {
      kind: "host";
      id: string;
      host: HostEntry;
      box: Box;
      labels: Label[];
      dots: Array<{ cx: number; cy: number; verdict: string; endpoint: string }>;
      ariaLabel: string;
    }
  | { kind: "dns"; id: string; box: Box; labels: Label[] }
  | { kind: "firewall" | "proxy" | "inbound"; id: string; box: Box; labels: Label[] }
  | { kind: "pe"; id: string; href: string; box: Box; labels: Label[] }
  | {
      kind: "group";
      group: string;
      verdict: Worst;
      count: number;
      open: boolean;
      box: Box;
      dot: { cx: number; cy: number };
      labels: Label[];
      ariaLabel: string;
    }
  | { kind: "more"; group: string; shown: number; next: number; box: Box; labels: Label[]; ariaLabel: string }
  | { kind: "zone"; id: string; box: Box; labels: Label[] }
  | { kind: "scope"; id: string; href: string; box: Box; labels: Label[] }
  | { kind: "service"; id: string; service: string; box: Box; labels: Label[] }
  | { kind: "lane"; box: Box; labels: Label[] };

export interface Edge {
  /** "under" the boxes (links, connections) or "over" them (paths; refused last, on top). */
  layer: "under" | "over";
  cls: string;
  d: string;
  title: string;
  label?: { x: number; y: number; first: string; rest: string };
  /** The resource the edge is (a site connection), the host or the group whose path it is. */
  id?: string;
  host?: string;
  group?: string;
  verdict?: string;
}

export interface Layout {
  width: number;
  height: number;
  items: Placed[];
  edges: Edge[];
  /** Every node's frame by key (resource id lower case, "service:<key>", a group's key). */
  nodes: Map<string, Box>;
}

/** Which host groups are open (group key → hosts shown) and which host is pinned in view. */
export interface LayoutState {
  open: ReadonlyMap<string, number>;
}

function curve(x1: number, y1: number, x2: number, y2: number): string {
  const dx = Math.max(40, Math.abs(x2 - x1) / 2);
  const c1 = x2 >= x1 ? x1 + dx : x1 - dx;
  const c2 = x2 >= x1 ? x2 - dx : x2 + dx;
  return `M ${x1} ${y1} C ${c1} ${y1}, ${c2} ${y2}, ${x2} ${y2}`;
}

/** The label of a line: its first word, then the rest cut to 18 characters. */
function fit(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** Straight across from one box's side to the other's. */
export function edgeBetween(
  from: Box,
  to: Box,
  e: Omit<Edge, "d" | "label">,
  label?: string,
  dyFrom = 0,
  dyTo = 0,
): Edge {
  const fromRight = from.x + from.w <= to.x;
  const x1 = fromRight ? from.x + from.w : from.x;
  const x2 = fromRight ? to.x : to.x + to.w;
  const y1 = from.y + Math.min(from.h / 2, 16) + dyFrom;
  const y2 = to.y + Math.min(to.h / 2, 16) + dyTo;
  const out: Edge = { ...e, d: curve(x1, y1, x2, y2) };
  if (label) {
    const [first, ...rest] = label.split(" ");
    out.label = { x: (x1 + x2) / 2, y: (y1 + y2) / 2 - 16, first, rest: fit(rest.join(" "), 18) };
  }
  return out;
}

/** A source of lines: a drawn host, or a closed group (its hosts' lines summed). */
interface Source {
  box: Box;
  name: string;
  host?: string;
  group?: string;
  paths: Array<{ endpoint: string; address?: string; verdict: EndpointCheck["verdict"]; text: string }>;
}

/** A layout being made: the model, the reader's state, and what is placed so far. */
interface Ctx {
  m: TopologyModel;
  state: LayoutState;
  nodes: Map<string, Box>;
  items: Placed[];
  edges: Edge[];
  /** What draws paths: every host row, every closed group. */
  sources: Source[];
  byContainer: Map<string, HostGroups["containers"][number]>;
  /** A private endpoint's addresses → its key (a path to one of them ends there). */
  peIps: Map<string, string>;
}

export function layoutTopology(m: TopologyModel, state: LayoutState): Layout {
  const ctx: Ctx = {
    m,
    state,
    nodes: new Map(),
    items: [],
    edges: [],
    sources: [],
    byContainer: new Map(m.hosts.containers.map((c) => [key(c.id), c])),
    peIps: new Map(),
  };
  // The columns side by side, each from the top: the diagram is as tall as the tallest, then the lane.
  const columns = [siteColumn(ctx), vnetColumn(ctx), zoneColumn(ctx), serviceColumn(ctx)];
  linkEdges(ctx);
  const bottom = pathEdges(ctx, Math.max(...columns));
  return { width: WIDTH, height: bottom + 10, items: ctx.items, edges: ctx.edges, nodes: ctx.nodes };
}

function hostRow(ctx: Ctx, host: HostEntry, x: number, y: number, width: number): Placed {
  const c = counts(host.endpoints);
  const box = { x: x + 8, y: y + 2, w: width - 16, h: ROW.host - 6 };
  ctx.nodes.set(key(host.id), box);
  ctx.sources.push({
    box,
    name: host.name,
    host: host.name,
    paths: host.endpoints.map((e) => ({
      ...e,
      text: `${e.endpoint}: ${e.verdict}${e.address ? ` ${e.address}` : ""}${e.reason ? ` (${e.reason}: ${e.message})` : ""}`,
    })),
  });
  return {
    kind: "host",
    id: key(host.id),
    host,
    box,
    labels: [
      { x: x + 16, y: y + 18, text: `${host.name}  ${host.address}`, cls: "label", max: 34 },
      // The leading space keeps the two texts apart in the accessible text (name, address, OS).
      { x: x + 16, y: y + 32, text: ` ${host.osType}`, cls: "detail", max: 48 },
    ],
    dots: host.endpoints.map((e, i) => ({
      cx: x + 90 + i * 13,
      cy: y + 29,
      verdict: e.verdict,
      endpoint: e.endpoint,
    })),
    // The accessible name starts with the visible text (name, address, OS), then what a click does.
    ariaLabel: `${fit(`${host.name}  ${host.address}`, 34)} ${host.osType}: ${c.private} private, ${c.public} public, ${c.refused} refused. Open its check.`,
  };
}

function smallRow(
  ctx: Ctx,
  kind: "firewall" | "proxy" | "inbound",
  id: string,
  label: string,
  x: number,
  y: number,
): Placed & { box: Box } {
  const box = { x: x + 8, y, w: 0, h: ROW.small };
  ctx.nodes.set(key(id), box);
  return {
    kind,
    id: key(id),
    box,
    labels: [{ x: x + 16, y: y + 15, text: label, cls: `detail ${kind}`, max: 50 }],
  };
}

// A site's or a subnet's own lab machines, stacked from y: DNS servers, firewalls (sites only),
// proxies, then hosts (or, with many, one group per verdict). `owner` is the site or subnet id.
function members(
  ctx: Ctx,
  owner: string,
  of: (list: any[]) => any[],
  firewalls: boolean,
  x: number,
  y: number,
  width: number,
): { rows: Placed[]; y: number } {
  const rows: Placed[] = [];
  for (const d of of(ctx.m.dnsServers)) {
    const fwd = (d.properties?.conditionalForwarders ?? []) as any[];
    const f = fwd.length
      ? `forwards ${fwd.map((z) => z.domain).join(", ")}`
      : (d.properties?.forwarders ?? []).length
        ? `forwards all to ${(d.properties.forwarders as string[]).join(", ")}`
        : d.properties?.recursion === false
          ? "no recursion"
          : "recursive";
    const box = { x: x + 8, y: y + 2, w: width - 16, h: ROW.dns - 6 };
    ctx.nodes.set(key(d.id), box);
    rows.push({
      kind: "dns",
      id: key(d.id),
      box,
      labels: [
        {
          x: x + 16,
          y: y + 16,
          text: `DNS server ${d.name}  ${d.properties?.ipAddress ?? ""}`,
          cls: "label",
          max: 40,
        },
        { x: x + 16, y: y + 28, text: f, cls: "detail", max: 50 },
      ],
    });
    y += ROW.dns;
  }
  for (const f of firewalls ? of(ctx.m.firewalls) : []) {
    const rules = (f.properties?.rules ?? []).length;
    rows.push(
      smallRow(
        ctx,
        "firewall",
        f.id,
        `Firewall ${f.name} (default ${f.properties?.defaultAction}, ${rules} rules)`,
        x,
        y,
      ),
    );
    y += ROW.small;
  }
  for (const p of of(ctx.m.proxies)) {
    rows.push(
      smallRow(ctx, "proxy", p.id, `Proxy ${p.name} ${p.properties?.ipAddress}:${p.properties?.port}`, x, y),
    );
    y += ROW.small;
  }
  const c = ctx.byContainer.get(key(owner));
  if (!c) return { rows, y };
  for (const hst of c.hosts ?? []) {
    rows.push(hostRow(ctx, hst, x, y, width));
    y += ROW.host;
  }
  // A screenful and more: one row per verdict with its count; an open group shows its hosts a
  // page at a time (the pinned host — the one found or selected — always shows).
  for (const g of c.groups ?? []) {
    const open = ctx.state.open.get(g.key) ?? 0;
    const shown = g.hosts.length > 0 || open > 0;
    const box = { x: x + 8, y: y + 2, w: width - 16, h: ROW.group - 4 };
    ctx.nodes.set(g.key, box);
    const label = `${g.verdict}: ${g.count.toLocaleString("en-US")} host${g.count === 1 ? "" : "s"}`;
    rows.push({
      kind: "group",
      group: g.key,
      verdict: g.verdict,
      count: g.count,
      open: shown,
      box,
      dot: { cx: x + 20, cy: y + ROW.group / 2 },
      labels: [
        {
          x: x + 32,
          y: y + ROW.group / 2 + 4,
          text: `${shown ? "▾" : "▸"} ${label}`,
          cls: "label",
          max: 34,
        },
      ],
      ariaLabel: `${shown ? "▾" : "▸"} ${label}. ${shown ? "Close the group" : "Open the group to see its hosts"}.`,
    });
    y += ROW.group;
    if (!shown) {
      ctx.sources.push({
        box,
        name: `${g.count.toLocaleString("en-US")} ${g.verdict} host${g.count === 1 ? "" : "s"} of ${nameOf(owner)}`,
        group: g.key,
        paths: g.paths.map((p: GroupPath) => ({
          ...p,
          text: `${p.endpoint}: ${p.verdict}${p.address ? ` ${p.address}` : ""} (${p.hosts.toLocaleString("en-US")} host${p.hosts === 1 ? "" : "s"})`,
        })),
      });
      continue;
    }
    for (const hst of g.hosts) {
      rows.push(hostRow(ctx, hst, x, y, width));
      y += ROW.host;
    }
    if (open < g.count) {
      const next = Math.min(GROUP_PAGE, g.count - open);
      const text = `Show ${next} more (${open} of ${g.count.toLocaleString("en-US")} shown)`;
      rows.push({
        kind: "more",
        group: g.key,
        shown: open,
        next,
        box: { x: x + 8, y: y + 2, w: width - 16, h: ROW.group - 4 },
        labels: [{ x: x + 20, y: y + ROW.group / 2 + 4, text, cls: "detail", max: 44 }],
        ariaLabel: text,
      });
      y += ROW.group;
    }
  }
  return { rows, y };
}

// A column's container (a site or a virtual network) from `top`: `fill` lays out its rows from
// below the title and says where they end; the frame grows to hold them. Returns the next top.
function container(
  ctx: Ctx,
  kind: "site" | "vnet",
  id: string,
  col: { x: number; w: number },
  top: number,
  title: string,
  titleMax: number,
  fill: (x: number, y: number, width: number) => { rows: Placed[]; y: number },
): number {
  const { x, w: width } = col;
  const { rows, y: end } = fill(x, top + ROW.head, width);
  const height = Math.max(end - top + 6, ROW.head + 10);
  const box = { x, y: top, w: width, h: height };
  ctx.nodes.set(key(id), box);
  ctx.items.push({
    kind,
    id: key(id),
    box,
    labels: [{ x: x + 10, y: top + 19, text: title, cls: "title", max: titleMax }],
    children: rows,
  });
  return top + height + 24;
}

function columnTitle(ctx: Ctx, x: number, y: number, text: string): void {
  ctx.items.push({ kind: "title", label: { x, y, text, cls: "column-title", max: 48 } });
}

/** Column A: on-premises sites (their DNS servers, firewalls, proxies, hosts). Returns its bottom. */
function siteColumn(ctx: Ctx): number {
  let y = 40;
  columnTitle(ctx, COL.site.x, 24, "On-premises");
  for (const site of ctx.m.sites) {
    y = container(
      ctx,
      "site",
      site.id,
      COL.site,
      y,
      `Site ${site.name}  ${(site.properties?.addressSpace?.addressPrefixes ?? []).join(", ")}`,
      44,
      (x, cy, width) =>
        members(
          ctx,
          site.id,
          (list) => list.filter((i) => sameId(i.properties?.siteId, site.id)),
          true,
          x,
          cy,
          width,
        ),
    );
  }
  return y;
}

/** Column B: virtual networks (subnets, private endpoints, inbound endpoints, hosts in subnets). */
function vnetColumn(ctx: Ctx): number {
  let y = 40;
  columnTitle(ctx, COL.vnet.x, 24, "Azure virtual networks");
  for (const vn of ctx.m.vnets) {
    y = container(
      ctx,
      "vnet",
      vn.id,
      COL.vnet,
      y,
      `VNet ${vn.name}  ${(vn.properties?.addressSpace?.addressPrefixes ?? []).join(", ")}  ${vn.location}`,
      46,
      (x, top, width) => {
        const rows: Placed[] = [];
        let cy = top;
        for (const sn of vn.properties?.subnets ?? []) {
          const children: Placed[] = [];
          const snTop = cy;
          const title = {
            x: x + 12,
            y: cy + 16,
            text: `${sn.name}  ${sn.properties?.addressPrefix ?? ""}`,
            cls: "subnet-title",
            max: 46,
          };
          cy += ROW.subnet;
          for (const pe of ctx.m.endpoints.filter((p) => sameId(p.properties?.subnet?.id, sn.id))) {
            const ips = (pe.properties?.customDnsConfigs ?? []).flatMap(
              (c: any) => c.ipAddresses ?? [],
            ) as string[];
            for (const ip of ips) ctx.peIps.set(ip, key(pe.id));
            const box = { x: x + 14, y: cy + 2, w: width - 28, h: ROW.pe - 6 };
            ctx.nodes.set(key(pe.id), box);
            children.push({
              kind: "pe",
              id: key(pe.id),
              href: pe.id,
              box,
              labels: [
                { x: x + 22, y: cy + 17, text: `Private endpoint ${pe.name}`, cls: "label", max: 40 },
                { x: x + 22, y: cy + 29, text: ipRange(ips) || "no addresses", cls: "detail", max: 46 },
              ],
            });
            cy += ROW.pe;
          }
          for (const ie of ctx.m.inbound.filter((i) =>
            (i.properties?.ipConfigurations ?? []).some((c: any) => sameId(c.subnet?.id, sn.id)),
          )) {
            const ip = ie.properties?.ipConfigurations?.[0]?.privateIpAddress ?? "";
            const row = smallRow(
              ctx,
              "inbound",
              ie.id,
              `DNS Private Resolver inbound ${nameOf(ie.id.replace(/\/inboundEndpoints\/[^/]+$/i, ""))}/${ie.name} ${ip}`,
              x + 6,
              cy,
            );
            row.box.x = x + 14;
            children.push(row);
            cy += ROW.small;
          }
          const own = members(
            ctx,
            sn.id,
            (list) => list.filter((i) => sameId(i.properties?.subnetId, sn.id)),
            false,
            x + 6,
            cy,
            width - 12,
          );
          children.push(...own.rows);
          cy = own.y;
          rows.push({
            kind: "subnet",
            id: key(sn.id),
            box: { x: x + 6, y: snTop + 2, w: width - 12, h: cy - snTop - 2 },
            labels: [title],
            children,
          });
          cy += 4;
        }
        return { rows, y: cy };
      },
    );
  }
  return y;
}

/** Column C: private DNS zones, then Arc Private Link Scopes (machine counts from the host groups). */
function zoneColumn(ctx: Ctx): number {
  let y = 40;
  columnTitle(ctx, COL.zone.x, 24, "Private DNS zones");
  for (const { zone, links } of ctx.m.zones) {
    const { x, w: width } = COL.zone;
    const linked = links.map((l) => nameOf(l.properties?.virtualNetwork?.id)).join(", ") || "not linked";
    const box = { x, y, w: width, h: 42 };
    ctx.nodes.set(key(zone.id), box);
    ctx.items.push({
      kind: "zone",
      id: key(zone.id),
      box,
      labels: [
        { x: x + 8, y: y + 17, text: zone.name, cls: "label zone-name", max: 50 },
        {
          x: x + 8,
          y: y + 32,
          text: `${zone.properties?.numberOfRecordSets ?? 0} record sets · linked: ${linked}`,
          cls: "detail",
          max: 50,
        },
      ],
    });
    y += 52;
  }
  y += 16;
  ctx.items.push({
    kind: "title",
    label: { x: COL.zone.x, y, text: "Azure Arc Private Link Scopes", cls: "column-title", max: 48 },
  });
  y += 12;
  const scopeMachines = new Map(ctx.m.hosts.scopes.map((x) => [key(x.id), x]));
  for (const sc of ctx.m.scopes) {
    const { x, w: width } = COL.zone;
    const ms = scopeMachines.get(key(sc.id));
    const listed = ms?.listed ?? [];
    const more = (ms?.machines ?? 0) - listed.length;
    const height = 46 + (listed.length + (more > 0 ? 1 : 0)) * ROW.machine;
    const box = { x, y, w: width, h: height };
    ctx.nodes.set(key(sc.id), box);
    ctx.items.push({
      kind: "scope",
      id: key(sc.id),
      href: sc.id,
      box,
      labels: [
        { x: x + 8, y: y + 17, text: `Scope ${sc.name} (${sc.location})`, cls: "label", max: 38 },
        {
          x: x + 8,
          y: y + 32,
          text: `Public network access: ${sc.properties?.publicNetworkAccess ?? "?"}`,
          cls: "detail",
          max: 44,
        },
        ...listed.map((mc, i) => ({
          x: x + 16,
          y: y + 48 + i * ROW.machine,
          text: `machine ${mc.name} (${mc.location})`,
          cls: "detail",
          max: 40,
        })),
        ...(more > 0
          ? [
              {
                x: x + 16,
                y: y + 48 + listed.length * ROW.machine,
                text: `… and ${more.toLocaleString("en-US")} more machines`,
                cls: "detail",
                max: 40,
              },
            ]
          : []),
      ],
    });
    y += height + 12;
  }
  return y;
}

/** Column D: Azure services, then public DNS. */
function serviceColumn(ctx: Ctx): number {
  let y = 40;
  columnTitle(ctx, COL.svc.x, 24, "Azure services");
  for (const svc of SERVICES) {
    const { x, w: width } = COL.svc;
    const height = 24 + svc.endpoints.length * 14 + 8;
    const box = { x, y, w: width, h: height };
    ctx.nodes.set(`service:${svc.key}`, box);
    ctx.items.push({
      kind: "service",
      id: `service:${svc.key}`,
      service: svc.key,
      box,
      labels: [
        { x: x + 8, y: y + 17, text: svc.name, cls: "label", max: 28 },
        ...svc.endpoints.map((e, i) => ({ x: x + 8, y: y + 32 + i * 14, text: e, cls: "detail", max: 30 })),
      ],
    });
    y += height + 16;
  }
  {
    const { x, w: width } = COL.svc;
    const box = { x, y, w: width, h: 40 };
    ctx.nodes.set("service:publicdns", box);
    ctx.items.push({
      kind: "service",
      id: "service:publicdns",
      service: "publicdns",
      box,
      labels: [
        { x: x + 8, y: y + 17, text: "Public DNS (internet)", cls: "label", max: 28 },
        { x: x + 8, y: y + 32, text: "knows no private endpoint", cls: "detail", max: 30 },
      ],
    });
    y += 56;
  }
  return y;
}

/** Edges under the boxes: VPN / ExpressRoute, zone links, endpoint → scope, DNS forwarders. */
function linkEdges(ctx: Ctx): void {
  for (const c of ctx.m.siteConnections) {
    const a = ctx.nodes.get(key(c.properties?.siteId));
    const b = ctx.nodes.get(key(c.properties?.virtualNetworkId));
    if (!a || !b) continue;
    const type = String(c.properties?.connectionType ?? "Vpn");
    const label = `${type === "ExpressRoute" ? "ExpressRoute" : "VPN"} ${c.name}${c.properties?.forcedTunneling ? " (forced tunneling)" : ""}`;
    ctx.edges.push(
      edgeBetween(
        a,
        b,
        { layer: "under", cls: type === "ExpressRoute" ? "er" : "vpn", title: label, id: key(c.id) },
        label,
      ),
    );
  }
  for (const { zone, links } of ctx.m.zones) {
    const z = ctx.nodes.get(key(zone.id));
    for (const l of links) {
      const vn = ctx.nodes.get(key(l.properties?.virtualNetwork?.id));
      if (z && vn)
        ctx.edges.push(
          edgeBetween(z, vn, {
            layer: "under",
            cls: "dnslink",
            title: `${zone.name} is linked to ${nameOf(l.properties?.virtualNetwork?.id)} (${l.name})`,
          }),
        );
    }
  }
  for (const pe of ctx.m.endpoints) {
    const a = ctx.nodes.get(key(pe.id));
    const conns = [
      ...(pe.properties?.privateLinkServiceConnections ?? []),
      ...(pe.properties?.manualPrivateLinkServiceConnections ?? []),
    ];
    for (const c of conns) {
      const b = ctx.nodes.get(key(c.properties?.privateLinkServiceId));
      const st = c.properties?.privateLinkServiceConnectionState?.status ?? "";
      if (a && b)
        ctx.edges.push(
          edgeBetween(
            a,
            b,
            {
              layer: "under",
              cls: `plink ${String(st).toLowerCase()}`,
              title: `${pe.name} → ${nameOf(c.properties?.privateLinkServiceId)}: ${st}`,
            },
            st === "Approved" ? undefined : st,
          ),
        );
    }
  }
  for (const d of ctx.m.dnsServers) {
    const a = ctx.nodes.get(key(d.id));
    const targets = new Set<string>();
    for (const f of d.properties?.conditionalForwarders ?? [])
      for (const t of f.targets ?? []) targets.add(String(t));
    for (const t of d.properties?.forwarders ?? []) targets.add(String(t));
    for (const ie of ctx.m.inbound) {
      const ip = ie.properties?.ipConfigurations?.[0]?.privateIpAddress;
      const b = ctx.nodes.get(key(ie.id));
      if (a && b && ip && targets.has(ip))
        ctx.edges.push(
          edgeBetween(a, b, {
            layer: "under",
            cls: "forward",
            title: `${d.name} forwards to ${ie.name} (${ip})`,
          }),
        );
    }
  }
}

/**
 * Each drawn host's and closed group's paths, below the columns (`bottom`): a private endpoint
 * straight across, a service along the Internet lane. Returns the new bottom.
 */
function pathEdges(ctx: Ctx, bottom: number): number {
  // ── Each drawn host's and closed group's paths, by target ──
  // A private endpoint (the address is one of the endpoint's) is reached straight across; a service
  // along the Internet lane under the diagram, then up to it.
  const laneTop = bottom + 8;
  const lanes = ctx.sources.length * SERVICES.length;
  if (ctx.sources.length) {
    const box = { x: COL.site.x, y: laneTop, w: WIDTH - 20, h: lanes * 4 + 12 };
    ctx.items.push({
      kind: "lane",
      box,
      labels: [
        {
          x: COL.vnet.x,
          y: laneTop + lanes * 4 + 26,
          text: "Internet: public paths to Azure services",
          cls: "lane-label",
          max: 60,
        },
      ],
    });
    bottom = laneTop + lanes * 4 + 34;
  }
  const viaInternet = (from: Box, to: Box, i: number): string => {
    const x1 = from.x + from.w;
    const y1 = from.y + Math.min(from.h / 2, 16) + 4;
    const xa = x1 + 10 + i * 4;
    const ly = laneTop + 8 + i * 4;
    const xb = to.x - 8 - i * 2;
    const y2 = to.y + 12 + Math.floor(i / SERVICES.length) * 5;
    return `M ${x1} ${y1} H ${xa} V ${ly} H ${xb} V ${y2} H ${to.x}`;
  };
  const refused: Edge[] = [];
  ctx.sources.forEach((src, si) => {
    const byTarget = new Map<string, Source["paths"]>();
    for (const p of src.paths) {
      const t = (p.address && ctx.peIps.get(p.address)) || `service:${serviceOf(p.endpoint)}`;
      byTarget.set(t, [...(byTarget.get(t) ?? []), p]);
    }
    for (const [t, ps] of byTarget) {
      const to = ctx.nodes.get(t);
      if (!to) continue;
      // One line per target for a host (its worst verdict); per verdict for a group, so a group's
      // refused hosts and its private ones stay apart.
      const split = src.group
        ? [...new Set(ps.map((p) => p.verdict))].map((v) => ps.filter((p) => p.verdict === v))
        : [ps];
      for (const part of split) {
        const worst = part.reduce(
          (a, p) => (RANK[p.verdict] > RANK[a] ? p.verdict : a),
          "private" as EndpointCheck["verdict"],
        );
        const title = `${src.name} → ${t.startsWith("service:") ? SERVICES.find((x) => `service:${x.key}` === t)?.name : nameOf(t)}\n${part
          .map((p) => p.text)
          .join("\n")}`;
        const base = {
          layer: "over" as const,
          cls: `path ${worst}${src.group ? " aggregate" : ""}`,
          title,
          verdict: worst,
        };
        const e: Edge = t.startsWith("service:")
          ? {
              ...base,
              d: viaInternet(
                src.box,
                to,
                si * SERVICES.length + SERVICES.findIndex((x) => `service:${x.key}` === t),
              ),
            }
          : edgeBetween(src.box, to, base, undefined, 0, (si - (ctx.sources.length - 1) / 2) * 5);
        if (src.host) e.host = src.host;
        if (src.group) e.group = src.group;
        (worst === "refused" ? refused : ctx.edges).push(e);
      }
    }
  });
  ctx.edges.push(...refused);
  return bottom;
}
