/// <reference lib="dom" />
// The seed's basic resource topology, drawn live from the ARM lists as inline SVG: on-premises
// sites (hosts, DNS servers, firewalls, proxies), VPN / ExpressRoute connections, virtual networks
// (subnets, private endpoints, DNS inbound endpoints), private DNS zones and their links, Arc
// Private Link Scopes (and their machines), and the Azure services (Entra ID, ARM, Azure Arc).
// Each host's paths are coloured as the check evaluator decided them — private (green), public
// (amber), refused (red); a click on a host opens its check table and traces. Lint findings, when
// the server has the lint evaluator, are listed and linked to what they concern.
import { arm, nameOf, parseId, sameId, V } from "./api.js";
import { clear, errorBox, h, idRoute, link, loading, notice, s } from "./dom.js";
import {
  check,
  EndpointCheck,
  Finding,
  fixFor,
  HostCheck,
  labType,
  lint,
  LintResult,
  machines,
  ofType,
  RESOLVERS,
  scopes,
  vnets,
  encodeId,
  zones,
  endpoints,
} from "./data.js";
import { renderHostCheck, renderTrace } from "./checkView.js";
import { Components, pathsOf, TracedPath } from "./tracePath.js";
import type { View } from "./main.js";

interface World {
  sites: any[];
  hosts: any[];
  dnsServers: any[];
  siteConnections: any[];
  firewalls: any[];
  proxies: any[];
  vnets: any[];
  endpoints: any[];
  inbound: any[];
  zones: Array<{ zone: any; links: any[] }>;
  scopes: any[];
  machines: any[];
  /** Every host's verdicts: lint's host checks (no traces); a selected host's check has them. */
  checks: HostCheck[];
  lint: LintResult;
}

async function load(subId: string): Promise<World> {
  const [
    sites,
    hosts,
    dnsServers,
    siteConnections,
    firewalls,
    proxies,
    nets,
    pes,
    zs,
    resolvers,
    pls,
    ms,
    lintResult,
  ] = await Promise.all([
    labType(subId, "sites"),
    labType(subId, "hosts"),
    labType(subId, "dnsServers"),
    labType(subId, "siteConnections"),
    labType(subId, "firewalls"),
    labType(subId, "proxies"),
    vnets(subId),
    endpoints(subId),
    zones(subId),
    ofType(subId, RESOLVERS, V.dnsResolver),
    scopes(subId),
    machines(subId),
    lint(subId),
  ]);
  const checks = lintResult.available ? lintResult.hosts : await check(subId);
  const [links, inbound] = await Promise.all([
    Promise.all(
      zs.map(async (z) => {
        const r = await arm("GET", `${encodeId(z.id)}/virtualNetworkLinks`, V.privateDns);
        return { zone: z, links: (r?.value ?? []) as any[] };
      }),
    ),
    Promise.all(
      resolvers.map(
        async (r) =>
          ((await arm("GET", `${encodeId(r.id)}/inboundEndpoints`, V.dnsResolver))?.value ?? []) as any[],
      ),
    ),
  ]);
  return {
    sites,
    hosts,
    dnsServers,
    siteConnections,
    firewalls,
    proxies,
    vnets: nets,
    endpoints: pes,
    inbound: inbound.flat(),
    zones: links,
    scopes: pls,
    machines: ms,
    checks,
    lint: lintResult,
  };
}

// ── Layout ─────────────────────────────────────────────────────────────────────────────────────

interface Box {
  x: number;
  y: number;
  w: number;
  h: number;
}

const COL = {
  site: { x: 10, w: 290 },
  vnet: { x: 390, w: 300 },
  zone: { x: 760, w: 275 },
  svc: { x: 1070, w: 185 },
};
const WIDTH = 1260;
const ROW = { head: 30, dns: 36, small: 22, host: 44, subnet: 24, pe: 38, machine: 18, group: 28 };

const SERVICES = [
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

function serviceOf(endpoint: string): string {
  const e = endpoint.toLowerCase();
  if (e.startsWith("login.") || e === "pas.windows.net") return "entra";
  if (e === "management.azure.com") return "arm";
  return "arc";
}

const RANK = { private: 0, public: 1, refused: 2 } as const;

function fit(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

function text(x: number, y: number, t: string, cls = "", max = 48): SVGElement {
  const el = s("text", { x, y, class: cls }, fit(t, max));
  if (t.length > max) el.appendChild(s("title", null, t));
  return el;
}

const key = (id: string | undefined) => String(id ?? "").toLowerCase();

function ipRange(ips: string[]): string {
  if (ips.length <= 2) return ips.join(", ");
  return `${ips[0]} – ${ips[ips.length - 1]} (${ips.length})`;
}

export async function renderTopology(v: View): Promise<void> {
  const { root } = v;
  const head = h(
    "div",
    { class: "toolbar" },
    h("button", { type: "button", onclick: () => void draw() }, "Refresh"),
    h(
      "span",
      { class: "legend", "aria-label": "Legend" },
      h("span", { class: "swatch private" }),
      "private (solid)",
      h("span", { class: "swatch public" }),
      "public (long dashes)",
      h("span", { class: "swatch refused" }),
      "refused (short dashes, ends where refused)",
      h("span", { class: "swatch vpn" }),
      "VPN / ExpressRoute",
      h("span", { class: "swatch dnslink" }),
      "DNS zone link / forwarder",
      h("span", { class: "swatch dnspath" }),
      "selected host's DNS path",
    ),
  );
  const hostBar = h("div", { class: "host-bar", role: "group", "aria-label": "Hosts" });
  const zoomBar = h("div", { class: "toolbar zoom", role: "group", "aria-label": "Zoom and pan" });
  const figure = h("div", { class: "diagram" });
  const panel = h("div", { id: "host-panel" });
  const findings = h("section", { class: "findings", "aria-label": "Lint findings" });
  root.append(h("h1", null, "Topology"), head, hostBar, zoomBar, figure, panel, findings);

  let world: World | undefined;
  let svg: SVGSVGElement | undefined;
  let nodes = new Map<string, Box>();
  let view = { x: 0, y: 0, w: WIDTH, h: 0 };
  let moved = false;
  let selected: { host: string; paths: TracedPath[] } | undefined;
  const state: DiagramState = {
    open: new Map(),
    toggle: (gk, shown) => {
      if (shown > 0) state.open.set(gk, shown);
      else state.open.delete(gk);
      redraw();
    },
  };

  const setView = () => svg?.setAttribute("viewBox", `${view.x} ${view.y} ${view.w} ${view.h}`);
  const zoom = (f: number) => {
    moved = true;
    const cx = view.x + view.w / 2;
    const cy = view.y + view.h / 2;
    view.w = Math.min(Math.max(view.w / f, 200), WIDTH * 4);
    view.h = view.w * (Number(svg?.dataset.height ?? 0) / WIDTH || 1);
    view.x = cx - view.w / 2;
    view.y = cy - view.h / 2;
    setView();
  };
  const fitAll = () => {
    moved = false;
    view = { x: 0, y: 0, w: WIDTH, h: Number(svg?.dataset.height ?? 0) };
    setView();
  };
  zoomBar.append(
    h("button", { type: "button", onclick: () => zoom(1.25) }, "Zoom in"),
    h("button", { type: "button", onclick: () => zoom(0.8) }, "Zoom out"),
    h("button", { type: "button", onclick: () => fitAll() }, "Fit"),
    h("span", { class: "hint" }, "Drag the diagram to pan; Ctrl + wheel zooms."),
  );
  // Pan by dragging; the wheel with Ctrl zooms (a plain wheel scrolls the page).
  let drag: { x: number; y: number; vx: number; vy: number } | undefined;
  figure.addEventListener("pointerdown", (ev) => {
    if (!svg || (ev.target as Element).closest("[role=button], a")) return;
    drag = { x: ev.clientX, y: ev.clientY, vx: view.x, vy: view.y };
    figure.setPointerCapture(ev.pointerId);
  });
  figure.addEventListener("pointermove", (ev) => {
    if (!drag || !svg) return;
    const scale = view.w / Math.max(svg.getBoundingClientRect().width, 1);
    moved = true;
    view.x = drag.vx - (ev.clientX - drag.x) * scale;
    view.y = drag.vy - (ev.clientY - drag.y) * scale;
    setView();
  });
  figure.addEventListener("pointerup", () => (drag = undefined));
  figure.addEventListener(
    "wheel",
    (ev) => {
      if (!ev.ctrlKey) return;
      ev.preventDefault();
      zoom(ev.deltaY < 0 ? 1.15 : 0.87);
    },
    { passive: false },
  );

  const redraw = () => {
    if (!world) return;
    const d = diagram(world, (name) => void showHost(name), state);
    svg = d.svg;
    nodes = d.nodes;
    clear(figure);
    figure.append(svg);
    fitLabels(svg);
    // For bench/portal.ts: when the diagram was first painted (the frame after it is in the page).
    requestAnimationFrame(() => performance.mark("arclink:topology-painted"));
    // The diagram grows when a group opens: keep the whole of it in view unless the user zoomed or panned.
    if (moved) setView();
    else fitAll();
    if (selected) drawSelection(svg, nodes, selected.host, selected.paths);
  };

  const components = (): Components => {
    const w = world!;
    const byKind = new Map<string, Map<string, string>>();
    const add = (kind: string, items: any[]) =>
      byKind.set(kind, new Map(items.map((x) => [String(x.name).toLowerCase(), key(x.id)])));
    add("host", w.hosts);
    add("dns", w.dnsServers);
    add("inbound", w.inbound);
    add("firewall", w.firewalls);
    add("proxy", w.proxies);
    add("pe", w.endpoints);
    add(
      "zone",
      w.zones.map((z) => z.zone),
    );
    return { byKind, publicDns: "service:publicdns", serviceOf: (e) => `service:${serviceOf(e)}` };
  };

  const showHost = async (name: string) => {
    if (!world) return;
    clear(panel);
    const known = world.checks.find((c) => c.host.toLowerCase() === name.toLowerCase());
    if (!known) {
      panel.append(notice(`No host named ${name}.`, "warning"));
      return;
    }
    state.pinned = known.host;
    panel.append(loading(`Checking ${known.host}…`));
    let hc: HostCheck | undefined;
    try {
      [hc] = await check(v.cfg.subscriptionId, known.host);
    } catch (e) {
      clear(panel);
      panel.append(errorBox(e, `${known.host} could not be checked`));
      return;
    }
    const c = components();
    selected = { host: known.host, paths: hc ? hc.endpoints.flatMap((e) => pathsOf(e, c)) : [] };
    redraw();
    for (const el of Array.from(figure.querySelectorAll(".host.selected"))) el.classList.remove("selected");
    figure.querySelector(`g.host[data-host="${CSS.escape(known.host)}"]`)?.classList.add("selected");
    clear(panel);
    if (!hc) {
      panel.append(notice(`No check for ${name}.`, "warning"));
      return;
    }
    panel.append(
      h(
        "div",
        { class: "panel-head" },
        h("h2", null, `Host ${hc.host}: what it can reach`),
        h(
          "button",
          {
            type: "button",
            onclick: () => {
              clear(panel);
              selected = undefined;
              redraw();
            },
          },
          "Close",
        ),
      ),
      renderHostCheck(hc, (e) => fixFor(world!.lint.available ? world!.lint.findings : [], hc!, e)),
    );
    panel.scrollIntoView({ block: "start" });
  };

  const highlight = (id: string) => {
    for (const el of Array.from(figure.querySelectorAll(".highlight"))) el.classList.remove("highlight");
    const el = figure.querySelector(`[data-id="${CSS.escape(key(id))}"]`);
    if (el) {
      el.classList.add("highlight");
      figure.scrollIntoView({ block: "start" });
    }
  };

  const draw = async () => {
    clear(figure);
    clear(hostBar);
    clear(panel);
    clear(findings);
    selected = undefined;
    view = { x: 0, y: 0, w: WIDTH, h: 0 };
    moved = false;
    figure.append(loading("Reading the topology and every host's verdicts…"));
    try {
      world = await load(v.cfg.subscriptionId);
    } catch (e) {
      clear(figure);
      figure.append(errorBox(e, "The topology could not be read"));
      return;
    }
    redraw();
    const w = world;
    if (w.checks.length <= GROUP_AT) {
      for (const hc of w.checks) {
        const c = counts(hc.endpoints);
        hostBar.append(
          h(
            "button",
            {
              type: "button",
              class: `host-button ${c.refused ? "has-refused" : c.public ? "has-public" : "all-private"}`,
              onclick: () => void showHost(hc.host),
            },
            `${hc.host}: ${c.private} private, ${c.public} public, ${c.refused} refused`,
          ),
        );
      }
    } else {
      const by = { private: 0, public: 0, refused: 0, unchecked: 0 };
      for (const hc of w.checks) by[worstOf(hc)] += 1;
      const input = h("input", { type: "search", id: "find-host", placeholder: "host name" });
      const out = h("span", { class: "hint", role: "status" });
      const find = () => {
        const q = input.value.trim().toLowerCase();
        const hit =
          w.checks.find((c) => c.host.toLowerCase() === q) ??
          w.checks.find((c) => c.host.toLowerCase().includes(q));
        out.textContent = hit ? "" : `No host matches '${input.value}'.`;
        if (hit) void showHost(hit.host);
      };
      input.addEventListener("keydown", (ev) => {
        if (ev.key === "Enter") find();
      });
      hostBar.append(
        h(
          "p",
          { class: "count" },
          `${w.checks.length.toLocaleString("en-US")} hosts: ${by.private.toLocaleString("en-US")} private, ${by.public.toLocaleString("en-US")} public, ${by.refused.toLocaleString("en-US")} refused${by.unchecked ? `, ${by.unchecked} unchecked` : ""}. Open a group in the diagram, or find one host.`,
        ),
        h("label", { for: "find-host" }, "Find a host"),
        " ",
        input,
        " ",
        h("button", { type: "button", onclick: find }, "Find"),
        " ",
        out,
      );
    }
    void renderFindings(v, w, findings, (n) => void showHost(n), highlight);
  };
  await draw();
}

/**
 * Each label measured in the page and cut to its box with "…" (the whole text in a tooltip): the
 * character budget the layout guessed cannot know the font.
 */
function fitLabels(svg: SVGSVGElement): void {
  for (const g of Array.from(svg.querySelectorAll("g.node"))) {
    const rect = g.querySelector(":scope > rect, :scope > a > rect") as SVGRectElement | null;
    if (!rect) continue;
    const right = Number(rect.getAttribute("x")) + Number(rect.getAttribute("width")) - 6;
    for (const t of Array.from(g.querySelectorAll(":scope > text, :scope > a > text")) as SVGTextElement[]) {
      const room = right - Number(t.getAttribute("x"));
      if (room <= 0 || t.getComputedTextLength() <= room) continue;
      const full = t.querySelector("title")?.textContent ?? t.textContent ?? "";
      const node = Array.from(t.childNodes).find((n) => n.nodeType === Node.TEXT_NODE);
      if (!node) continue;
      let lo = 0;
      let hi = full.length;
      while (lo < hi) {
        const mid = Math.ceil((lo + hi) / 2);
        node.textContent = `${full.slice(0, mid)}…`;
        if (t.getComputedTextLength() <= room) lo = mid;
        else hi = mid - 1;
      }
      node.textContent = `${full.slice(0, lo)}…`;
      if (!t.querySelector("title")) t.appendChild(s("title", null, full));
    }
  }
}

/** The selected host's DNS path and connection paths over the diagram, each ending where decided. */
function drawSelection(svg: SVGSVGElement, nodes: Map<string, Box>, host: string, paths: TracedPath[]): void {
  const layer = s("g", { class: "selection", "data-host": host });
  const seen = new Set<string>();
  const centre = (b: Box) => [b.x + (b.w || 120) / 2, b.y + Math.min(b.h / 2, 16)] as const;
  let i = 0;
  for (const p of paths) {
    const hops = p.hops.filter((x) => nodes.has(x.node));
    const sig = `${p.kind}|${p.verdict}|${hops.map((x) => x.node).join(">")}`;
    if (hops.length < 2 || seen.has(sig)) continue;
    seen.add(sig);
    const off = (i++ % 6) * 3;
    const pts = hops.map((x) => {
      const [cx, cy] = centre(nodes.get(x.node)!);
      return `${cx},${cy + off}`;
    });
    const cls = p.kind === "dns" ? "selpath dns" : `selpath conn ${p.verdict}`;
    const line = s("polyline", { points: pts.join(" "), class: cls, fill: "none" });
    line.appendChild(
      s(
        "title",
        null,
        `${p.kind === "dns" ? "DNS path" : "Connection path"} of ${p.endpoint}: ${hops.map((x) => x.what).join(" → ")}`,
      ),
    );
    const g = s("g", {
      class: "selpath-group",
      "data-kind": p.kind,
      "data-endpoint": p.endpoint,
      "data-verdict": p.verdict,
      "data-hops": hops.map((x) => x.node).join(">"),
      "data-stopped": String(p.stopped),
    });
    g.append(line);
    if (p.stopped) {
      const [cx, cy] = centre(nodes.get(hops[hops.length - 1].node)!);
      const mark = s("g", { class: "stop-mark" });
      mark.append(
        s("circle", { cx, cy: cy + off, r: 7, class: "stop" }),
        s("text", { x: cx, y: cy + off + 4, "text-anchor": "middle", class: "stop-x" }, "✗"),
      );
      g.append(mark);
    }
    layer.append(g);
  }
  svg.append(layer);
}

function counts(eps: EndpointCheck[]): Record<"private" | "public" | "refused", number> {
  const c = { private: 0, public: 0, refused: 0 };
  for (const e of eps) c[e.verdict] += 1;
  return c;
}

/** Which host groups are open (site key|verdict → hosts shown) and the host kept in view. */
export interface DiagramState {
  open: Map<string, number>;
  pinned?: string;
  toggle(group: string, shown: number): void;
}

/** Hosts per site before they are grouped by verdict (with counts; a group opens on demand). */
const GROUP_AT = 12;
/** Hosts an open group shows at a time. */
const GROUP_PAGE = 20;
/** Machine names a scope's box lists before "and N more". */
const SCOPE_MACHINES = 6;

function worstOf(hc: HostCheck | undefined): "private" | "public" | "refused" | "unchecked" {
  if (!hc || !hc.endpoints.length) return "unchecked";
  const c = counts(hc.endpoints);
  return c.refused ? "refused" : c.public ? "public" : "private";
}

function diagram(
  w: World,
  onHost: (name: string) => void,
  state: DiagramState,
): { svg: SVGSVGElement; nodes: Map<string, Box> } {
  const nodes = new Map<string, Box>();
  const under: SVGElement[] = [];
  const over: SVGElement[] = [];
  const boxes: SVGElement[] = [];
  const checkMap = new Map(w.checks.map((c) => [key(c.hostId), c]));
  const checkOf = (hostId: string) => checkMap.get(key(hostId));

  const hostRow = (host: any, x: number, y: number, width: number): SVGElement => {
    const hc = checkOf(host.id);
    const c = hc ? counts(hc.endpoints) : { private: 0, public: 0, refused: 0 };
    const g = s("g", {
      class: "node host",
      role: "button",
      tabindex: "0",
      "data-id": key(host.id),
      "data-host": host.name,
      // The accessible name starts with the visible text (name, address, OS), then what a click does.
      "aria-label": `${fit(`${host.name}  ${host.properties?.privateIPAddress ?? ""}`, 34)} ${host.properties?.osType ?? ""}: ${c.private} private, ${c.public} public, ${c.refused} refused. Open its check.`,
    });
    g.append(
      s("rect", { x: x + 8, y: y + 2, width: width - 16, height: ROW.host - 6, rx: 4, class: "host-box" }),
      text(x + 16, y + 18, `${host.name}  ${host.properties?.privateIPAddress ?? ""}`, "label", 34),
      // The leading space keeps the two texts apart in the accessible text (name, address, OS).
      text(x + 16, y + 32, ` ${host.properties?.osType ?? ""}`, "detail"),
    );
    (hc?.endpoints ?? []).forEach((e, i) => {
      // No <title> per dot: the host's accessible name carries the counts (and its visible text).
      g.append(
        s("circle", {
          cx: x + 90 + i * 13,
          cy: y + 29,
          r: 5,
          class: `dot ${e.verdict}`,
          "data-endpoint": e.endpoint,
        }),
      );
    });
    g.addEventListener("click", () => onHost(host.name));
    g.addEventListener("keydown", (ev) => {
      const k = (ev as KeyboardEvent).key;
      if (k === "Enter" || k === " ") {
        ev.preventDefault();
        onHost(host.name);
      }
    });
    nodes.set(key(host.id), { x: x + 8, y: y + 2, w: width - 16, h: ROW.host - 6 });
    return g;
  };

  const dnsRow = (d: any, x: number, y: number, width: number): SVGElement => {
    const g = s("g", { class: "node dns", "data-id": key(d.id) });
    const fwd = (d.properties?.conditionalForwarders ?? []) as any[];
    const f = fwd.length
      ? `forwards ${fwd.map((x) => x.domain).join(", ")}`
      : (d.properties?.forwarders ?? []).length
        ? `forwards all to ${(d.properties.forwarders as string[]).join(", ")}`
        : d.properties?.recursion === false
          ? "no recursion"
          : "recursive";
    g.append(
      s("rect", { x: x + 8, y: y + 2, width: width - 16, height: ROW.dns - 6, rx: 4, class: "dns-box" }),
      text(x + 16, y + 16, `DNS server ${d.name}  ${d.properties?.ipAddress ?? ""}`, "label", 40),
      text(x + 16, y + 28, f, "detail", 50),
    );
    nodes.set(key(d.id), { x: x + 8, y: y + 2, w: width - 16, h: ROW.dns - 6 });
    return g;
  };

  const button = (g: SVGElement, act: () => void) => {
    g.addEventListener("click", act);
    g.addEventListener("keydown", (ev) => {
      const k = (ev as KeyboardEvent).key;
      if (k === "Enter" || k === " ") {
        ev.preventDefault();
        act();
      }
    });
    return g;
  };
  const groupRow = (
    gk: string,
    verdict: string,
    n: number,
    shown: number,
    x: number,
    y: number,
    width: number,
  ): SVGElement => {
    const open = shown > 0;
    const label = `${verdict}: ${n.toLocaleString("en-US")} host${n === 1 ? "" : "s"}`;
    const g = s("g", {
      class: `node host-group ${verdict}`,
      role: "button",
      tabindex: "0",
      "aria-expanded": String(open),
      "data-group": gk,
      "data-verdict": verdict,
      "data-count": String(n),
      "aria-label": `${open ? "▾" : "▸"} ${label}. ${open ? "Close the group" : "Open the group to see its hosts"}.`,
    });
    g.append(
      s("rect", { x: x + 8, y: y + 2, width: width - 16, height: ROW.group - 4, rx: 4, class: "group-box" }),
      s("circle", { cx: x + 20, cy: y + ROW.group / 2, r: 5, class: `dot ${verdict}` }),
      text(x + 32, y + ROW.group / 2 + 4, `${open ? "▾" : "▸"} ${label}`, "label", 34),
    );
    return button(g, () => state.toggle(gk, open ? 0 : GROUP_PAGE));
  };
  const moreRow = (gk: string, n: number, shown: number, x: number, y: number, width: number) => {
    const next = Math.min(GROUP_PAGE, n - shown);
    const g = s("g", {
      class: "node host-more",
      role: "button",
      tabindex: "0",
      "data-group": gk,
      "aria-label": `Show ${next} more (${shown} of ${n.toLocaleString("en-US")} shown)`,
    });
    g.append(
      s("rect", {
        x: x + 8,
        y: y + 2,
        width: width - 16,
        height: ROW.group - 4,
        rx: 4,
        class: "group-box more",
      }),
      text(
        x + 20,
        y + ROW.group / 2 + 4,
        `Show ${next} more (${shown} of ${n.toLocaleString("en-US")} shown)`,
        "detail",
        44,
      ),
    );
    return button(g, () => state.toggle(gk, shown + GROUP_PAGE));
  };

  const smallRow = (id: string, label: string, x: number, y: number, cls: string): SVGElement => {
    const g = s("g", { class: `node ${cls}`, "data-id": key(id) });
    g.append(text(x + 16, y + 15, label, `detail ${cls}`, 50));
    nodes.set(key(id), { x: x + 8, y, w: 0, h: ROW.small });
    return g;
  };

  const inSite = (list: any[], siteId: string) => list.filter((x) => sameId(x.properties?.siteId, siteId));
  const inSubnet = (list: any[], subnetId: string) =>
    list.filter((x) => sameId(x.properties?.subnetId, subnetId));

  // A site's or a subnet's own lab machines, stacked from y: DNS servers, firewalls (sites only),
  // proxies, then hosts. `of` picks those placed in it.
  const members = (
    of: (list: any[]) => any[],
    firewalls: boolean,
    x: number,
    y: number,
    width: number,
  ): { rows: SVGElement[]; y: number } => {
    const rows: SVGElement[] = [];
    for (const d of of(w.dnsServers)) {
      rows.push(dnsRow(d, x, y, width));
      y += ROW.dns;
    }
    for (const f of firewalls ? of(w.firewalls) : []) {
      const rules = (f.properties?.rules ?? []).length;
      rows.push(
        smallRow(
          f.id,
          `Firewall ${f.name} (default ${f.properties?.defaultAction}, ${rules} rules)`,
          x,
          y,
          "firewall",
        ),
      );
      y += ROW.small;
    }
    for (const p of of(w.proxies)) {
      rows.push(
        smallRow(p.id, `Proxy ${p.name} ${p.properties?.ipAddress}:${p.properties?.port}`, x, y, "proxy"),
      );
      y += ROW.small;
    }
    const hosts = of(w.hosts);
    if (hosts.length <= GROUP_AT) {
      for (const hst of hosts) {
        rows.push(hostRow(hst, x, y, width));
        y += ROW.host;
      }
      return { rows, y };
    }
    // A screenful and more: one row per verdict with its count; an open group shows its hosts a
    // page at a time (the pinned host — the one found or selected — always shows).
    const owner = key(hosts[0].properties?.siteId ?? hosts[0].properties?.subnetId);
    const groups = new Map<string, any[]>();
    for (const hst of hosts) {
      const v = worstOf(checkOf(hst.id));
      groups.set(v, [...(groups.get(v) ?? []), hst]);
    }
    for (const v of ["refused", "public", "private", "unchecked"]) {
      const list = groups.get(v);
      if (!list) continue;
      const gk = `${owner}|${v}`;
      const pinned = state.pinned
        ? list.find((x) => String(x.name).toLowerCase() === state.pinned!.toLowerCase())
        : undefined;
      const shown = Math.max(state.open.get(gk) ?? 0, pinned ? 1 : 0);
      rows.push(groupRow(gk, v, list.length, shown, x, y, width));
      y += ROW.group;
      if (!shown) continue;
      const page = list.slice(0, state.open.get(gk) ?? 0);
      if (pinned && !page.includes(pinned)) page.unshift(pinned);
      for (const hst of page) {
        rows.push(hostRow(hst, x, y, width));
        y += ROW.host;
      }
      if ((state.open.get(gk) ?? 0) < list.length) {
        rows.push(moreRow(gk, list.length, state.open.get(gk) ?? 0, x, y, width));
        y += ROW.group;
      }
    }
    return { rows, y };
  };

  // A column's container (a site or a virtual network) from `top`: `fill` lays out its rows from
  // below the title and says where they end; the frame grows to hold them. Returns the next top.
  const container = (
    kind: "site" | "vnet",
    id: string,
    col: { x: number; w: number },
    top: number,
    title: string,
    titleMax: number,
    fill: (x: number, y: number, width: number) => { rows: SVGElement[]; y: number },
  ): number => {
    const { x, w: width } = col;
    const g = s("g", { class: `node ${kind}`, "data-id": key(id) });
    const { rows, y: end } = fill(x, top + ROW.head, width);
    const height = Math.max(end - top + 6, ROW.head + 10);
    g.append(
      s("rect", { x, y: top, width, height, rx: 8, class: `${kind}-box` }),
      text(x + 10, top + 19, title, "title", titleMax),
      ...rows,
    );
    nodes.set(key(id), { x, y: top, w: width, h: height });
    boxes.push(g);
    return top + height + 24;
  };

  // Column A: on-premises sites.
  let y = 40;
  boxes.push(text(COL.site.x, 24, "On-premises", "column-title"));
  for (const site of w.sites) {
    y = container(
      "site",
      site.id,
      COL.site,
      y,
      `Site ${site.name}  ${(site.properties?.addressSpace?.addressPrefixes ?? []).join(", ")}`,
      44,
      (x, cy, width) => members((list) => inSite(list, site.id), true, x, cy, width),
    );
  }
  let bottom = y;

  // Column B: virtual networks.
  y = 40;
  boxes.push(text(COL.vnet.x, 24, "Azure virtual networks", "column-title"));
  const peIps = new Map<string, string>(); // private address → endpoint id
  for (const vn of w.vnets) {
    y = container(
      "vnet",
      vn.id,
      COL.vnet,
      y,
      `VNet ${vn.name}  ${(vn.properties?.addressSpace?.addressPrefixes ?? []).join(", ")}  ${vn.location}`,
      46,
      (x, top, width) => {
        const rows: SVGElement[] = [];
        let cy = top;
        for (const sn of vn.properties?.subnets ?? []) {
          const sg = s("g", { class: "node subnet", "data-id": key(sn.id) });
          const snTop = cy;
          sg.append(
            text(x + 12, cy + 16, `${sn.name}  ${sn.properties?.addressPrefix ?? ""}`, "subnet-title", 46),
          );
          cy += ROW.subnet;
          for (const pe of w.endpoints.filter((p) => sameId(p.properties?.subnet?.id, sn.id))) {
            const ips = (pe.properties?.customDnsConfigs ?? []).flatMap(
              (c: any) => c.ipAddresses ?? [],
            ) as string[];
            for (const ip of ips) peIps.set(ip, key(pe.id));
            const pg = s("g", { class: "node pe", "data-id": key(pe.id) });
            const a = s("a", {
              href: `#${idRoute("endpoint", pe.id, "dns")}`,
            });
            a.append(
              s("rect", {
                x: x + 14,
                y: cy + 2,
                width: width - 28,
                height: ROW.pe - 6,
                rx: 4,
                class: "pe-box",
              }),
              text(x + 22, cy + 17, `Private endpoint ${pe.name}`, "label", 40),
              text(x + 22, cy + 29, ipRange(ips) || "no addresses", "detail", 46),
            );
            pg.append(a);
            sg.append(pg);
            nodes.set(key(pe.id), { x: x + 14, y: cy + 2, w: width - 28, h: ROW.pe - 6 });
            cy += ROW.pe;
          }
          for (const ie of w.inbound.filter((i) =>
            (i.properties?.ipConfigurations ?? []).some((c: any) => sameId(c.subnet?.id, sn.id)),
          )) {
            const ip = ie.properties?.ipConfigurations?.[0]?.privateIpAddress ?? "";
            sg.append(
              smallRow(
                ie.id,
                `DNS Private Resolver inbound ${nameOf(ie.id.replace(/\/inboundEndpoints\/[^/]+$/i, ""))}/${ie.name} ${ip}`,
                x + 6,
                cy,
                "inbound",
              ),
            );
            nodes.get(key(ie.id))!.x = x + 14;
            cy += ROW.small;
          }
          const own = members((list) => inSubnet(list, sn.id), false, x + 6, cy, width - 12);
          sg.append(...own.rows);
          cy = own.y;
          sg.insertBefore(
            s("rect", {
              x: x + 6,
              y: snTop + 2,
              width: width - 12,
              height: cy - snTop - 2,
              rx: 4,
              class: "subnet-box",
            }),
            sg.firstChild,
          );
          rows.push(sg);
          cy += 4;
        }
        return { rows, y: cy };
      },
    );
  }
  bottom = Math.max(bottom, y);

  // Column C: private DNS zones, then Arc Private Link Scopes.
  y = 40;
  boxes.push(text(COL.zone.x, 24, "Private DNS zones", "column-title"));
  for (const { zone, links } of w.zones) {
    const { x, w: width } = COL.zone;
    const g = s("g", { class: "node zone", "data-id": key(zone.id) });
    const linked = links.map((l) => nameOf(l.properties?.virtualNetwork?.id)).join(", ") || "not linked";
    g.append(
      s("rect", { x, y, width, height: 42, rx: 6, class: "zone-box" }),
      text(x + 8, y + 17, zone.name, "label zone-name", 50),
      text(
        x + 8,
        y + 32,
        `${zone.properties?.numberOfRecordSets ?? 0} record sets · linked: ${linked}`,
        "detail",
        50,
      ),
    );
    nodes.set(key(zone.id), { x, y, w: width, h: 42 });
    boxes.push(g);
    y += 52;
  }
  y += 16;
  boxes.push(text(COL.zone.x, y, "Azure Arc Private Link Scopes", "column-title"));
  y += 12;
  for (const sc of w.scopes) {
    const { x, w: width } = COL.zone;
    const members = w.machines.filter((m) => sameId(m.properties?.privateLinkScopeResourceId, sc.id));
    const listed = members.slice(0, SCOPE_MACHINES);
    const more = members.length - listed.length;
    const height = 46 + (listed.length + (more > 0 ? 1 : 0)) * ROW.machine;
    const g = s("g", { class: "node scope", "data-id": key(sc.id) });
    const a = s("a", {
      href: `#${idRoute("scope", sc.id, "resources")}`,
    });
    a.append(
      s("rect", { x, y, width, height, rx: 6, class: "scope-box" }),
      text(x + 8, y + 17, `Scope ${sc.name} (${sc.location})`, "label", 38),
      text(
        x + 8,
        y + 32,
        `Public network access: ${sc.properties?.publicNetworkAccess ?? "?"}`,
        "detail",
        44,
      ),
    );
    listed.forEach((m, i) =>
      a.append(text(x + 16, y + 48 + i * ROW.machine, `machine ${m.name} (${m.location})`, "detail", 40)),
    );
    if (more > 0)
      a.append(
        text(
          x + 16,
          y + 48 + listed.length * ROW.machine,
          `… and ${more.toLocaleString("en-US")} more machines`,
          "detail",
          40,
        ),
      );
    g.append(a);
    nodes.set(key(sc.id), { x, y, w: width, h: height });
    boxes.push(g);
    y += height + 12;
  }
  bottom = Math.max(bottom, y);

  // Column D: Azure services.
  y = 40;
  boxes.push(text(COL.svc.x, 24, "Azure services", "column-title"));
  for (const svc of SERVICES) {
    const { x, w: width } = COL.svc;
    const height = 24 + svc.endpoints.length * 14 + 8;
    const g = s("g", { class: `node service ${svc.key}`, "data-id": `service:${svc.key}` });
    g.append(
      s("rect", { x, y, width, height, rx: 6, class: "service-box" }),
      text(x + 8, y + 17, svc.name, "label", 28),
      ...svc.endpoints.map((e, i) => text(x + 8, y + 32 + i * 14, e, "detail", 30)),
    );
    nodes.set(`service:${svc.key}`, { x, y, w: width, h: height });
    boxes.push(g);
    y += height + 16;
  }
  {
    const { x, w: width } = COL.svc;
    const g = s("g", { class: "node service publicdns", "data-id": "service:publicdns" });
    g.append(
      s("rect", { x, y, width, height: 40, rx: 6, class: "service-box" }),
      text(x + 8, y + 17, "Public DNS (internet)", "label", 28),
      text(x + 8, y + 32, "knows no private endpoint", "detail", 30),
    );
    nodes.set("service:publicdns", { x, y, w: width, h: 40 });
    boxes.push(g);
    y += 56;
  }
  bottom = Math.max(bottom, y);

  // ── Edges ──
  const curve = (x1: number, y1: number, x2: number, y2: number) => {
    const dx = Math.max(40, Math.abs(x2 - x1) / 2);
    const c1 = x2 >= x1 ? x1 + dx : x1 - dx;
    const c2 = x2 >= x1 ? x2 - dx : x2 + dx;
    return `M ${x1} ${y1} C ${c1} ${y1}, ${c2} ${y2}, ${x2} ${y2}`;
  };
  const edge = (from: Box, to: Box, cls: string, title: string, label?: string, dyFrom = 0, dyTo = 0) => {
    const fromRight = from.x + from.w <= to.x;
    const x1 = fromRight ? from.x + from.w : from.x;
    const x2 = fromRight ? to.x : to.x + to.w;
    const y1 = from.y + Math.min(from.h / 2, 16) + dyFrom;
    const y2 = to.y + Math.min(to.h / 2, 16) + dyTo;
    const p = s("path", { d: curve(x1, y1, x2, y2), class: `edge ${cls}` });
    p.appendChild(s("title", null, title));
    const g = s("g", { class: "edge-group" }, p);
    if (label) {
      const [first, ...rest] = label.split(" ");
      const mx = (x1 + x2) / 2;
      const my = (y1 + y2) / 2;
      const t = s("text", { x: mx, y: my - 16, class: `edge-label ${cls}`, "text-anchor": "middle" });
      t.append(s("tspan", { x: mx, dy: 0 }, first), s("tspan", { x: mx, dy: 11 }, fit(rest.join(" "), 18)));
      g.append(t);
    }
    return g;
  };

  for (const c of w.siteConnections) {
    const a = nodes.get(key(c.properties?.siteId));
    const b = nodes.get(key(c.properties?.virtualNetworkId));
    if (!a || !b) continue;
    const type = String(c.properties?.connectionType ?? "Vpn");
    const label = `${type === "ExpressRoute" ? "ExpressRoute" : "VPN"} ${c.name}${c.properties?.forcedTunneling ? " (forced tunneling)" : ""}`;
    const g = edge(a, b, type === "ExpressRoute" ? "er" : "vpn", label, label);
    g.setAttribute("data-id", key(c.id));
    under.push(g);
  }
  for (const { zone, links } of w.zones) {
    const z = nodes.get(key(zone.id));
    for (const l of links) {
      const vn = nodes.get(key(l.properties?.virtualNetwork?.id));
      if (z && vn)
        under.push(
          edge(
            z,
            vn,
            "dnslink",
            `${zone.name} is linked to ${nameOf(l.properties?.virtualNetwork?.id)} (${l.name})`,
          ),
        );
    }
  }
  for (const pe of w.endpoints) {
    const a = nodes.get(key(pe.id));
    const conns = [
      ...(pe.properties?.privateLinkServiceConnections ?? []),
      ...(pe.properties?.manualPrivateLinkServiceConnections ?? []),
    ];
    for (const c of conns) {
      const b = nodes.get(key(c.properties?.privateLinkServiceId));
      const st = c.properties?.privateLinkServiceConnectionState?.status ?? "";
      if (a && b)
        under.push(
          edge(
            a,
            b,
            `plink ${String(st).toLowerCase()}`,
            `${pe.name} → ${nameOf(c.properties?.privateLinkServiceId)}: ${st}`,
            st === "Approved" ? undefined : st,
          ),
        );
    }
  }
  for (const d of w.dnsServers) {
    const a = nodes.get(key(d.id));
    const targets = new Set<string>();
    for (const f of d.properties?.conditionalForwarders ?? [])
      for (const t of f.targets ?? []) targets.add(String(t));
    for (const t of d.properties?.forwarders ?? []) targets.add(String(t));
    for (const ie of w.inbound) {
      const ip = ie.properties?.ipConfigurations?.[0]?.privateIpAddress;
      const b = nodes.get(key(ie.id));
      if (a && b && ip && targets.has(ip))
        under.push(edge(a, b, "forward", `${d.name} forwards to ${ie.name} (${ip})`));
    }
  }

  // Public paths run along the Internet lane under the diagram, then up to the service.
  const laneTop = bottom + 8;
  const viaInternet = (from: Box, to: Box, cls: string, title: string, i: number) => {
    const x1 = from.x + from.w;
    const y1 = from.y + Math.min(from.h / 2, 16) + 4;
    const xa = x1 + 10 + i * 4;
    const ly = laneTop + 8 + i * 4;
    const xb = to.x - 8 - i * 2;
    const y2 = to.y + 12 + Math.floor(i / SERVICES.length) * 5;
    const p = s("path", {
      d: `M ${x1} ${y1} H ${xa} V ${ly} H ${xb} V ${y2} H ${to.x}`,
      class: `edge ${cls}`,
    });
    p.appendChild(s("title", null, title));
    return s("g", { class: "edge-group" }, p);
  };
  const drawn = w.checks.filter((hc) => nodes.has(key(hc.hostId)));
  const lanes = drawn.length * SERVICES.length;
  if (drawn.length) {
    under.push(
      s("rect", {
        x: COL.site.x,
        y: laneTop,
        width: WIDTH - 20,
        height: lanes * 4 + 12,
        rx: 4,
        class: "internet-lane",
      }),
      text(
        COL.vnet.x,
        laneTop + lanes * 4 + 26,
        "Internet: public paths to Azure services",
        "lane-label",
        60,
      ),
    );
    bottom = laneTop + lanes * 4 + 34;
  }

  // Each host's paths, by target: a private endpoint (its address is one of the endpoint's) or the service.
  const hostsSeen = drawn.length;
  const refusedPaths: SVGElement[] = [];
  drawn.forEach((hc, hi) => {
    const from = nodes.get(key(hc.hostId));
    if (!from) return;
    const byTarget = new Map<string, EndpointCheck[]>();
    for (const e of hc.endpoints) {
      const t = (e.address && peIps.get(e.address)) || `service:${serviceOf(e.endpoint)}`;
      byTarget.set(t, [...(byTarget.get(t) ?? []), e]);
    }
    for (const [t, eps] of byTarget) {
      const to = nodes.get(t);
      if (!to) continue;
      const worst = eps.reduce(
        (a, e) => (RANK[e.verdict] > RANK[a] ? e.verdict : a),
        "private" as EndpointCheck["verdict"],
      );
      const title = `${hc.host} → ${t.startsWith("service:") ? SERVICES.find((x) => `service:${x.key}` === t)?.name : nameOf(t)}\n${eps
        .map(
          (e) =>
            `${e.endpoint}: ${e.verdict}${e.address ? ` ${e.address}` : ""}${e.reason ? ` (${e.reason}: ${e.message})` : ""}`,
        )
        .join("\n")}`;
      const spread = (hi - (hostsSeen - 1) / 2) * 5;
      const g = t.startsWith("service:")
        ? viaInternet(
            from,
            to,
            `path ${worst}`,
            title,
            hi * SERVICES.length + SERVICES.findIndex((x) => `service:${x.key}` === t),
          )
        : edge(from, to, `path ${worst}`, title, undefined, 0, spread);
      g.setAttribute("data-host", hc.host);
      g.setAttribute("data-verdict", worst);
      (worst === "refused" ? refusedPaths : over).push(g);
    }
  });
  over.push(...refusedPaths);

  const height = bottom + 10;
  const svg = s(
    "svg",
    {
      viewBox: `0 0 ${WIDTH} ${height}`,
      "data-height": String(height),
      width: "100%",
      role: "group",
      "aria-label":
        "Resource topology: sites, virtual networks, private endpoints, DNS zones, scopes and Azure services, with each host's paths",
      class: "topology",
    },
    s("title", null, "ArcLink resource topology"),
    ...under,
    ...boxes,
    ...over,
  ) as SVGSVGElement;
  return { svg, nodes };
}

async function renderFindings(
  v: View,
  w: World,
  out: HTMLElement,
  onHost: (name: string) => void,
  highlight: (id: string) => void,
): Promise<void> {
  clear(out);
  out.append(h("h2", null, "Lint findings"), loading("Running lint…"));
  let r;
  try {
    // The lint the diagram was drawn from (one run for both).
    r = w.lint ?? (await lint(v.cfg.subscriptionId));
  } catch (e) {
    out.lastChild?.remove();
    out.append(errorBox(e, "Lint failed"));
    return;
  }
  out.lastChild?.remove();
  if (!r.available) {
    out.append(
      h("p", { class: "hint" }, `This server has no lint evaluator (${r.why.code}: ${r.why.message}).`),
    );
    return;
  }
  if (!r.findings.length) {
    out.append(notice("No findings: every rule passed.", "success"));
    return;
  }
  const titles = new Map(r.rules.map((x) => [x.id, x.title]));
  out.append(
    h(
      "p",
      { class: "hint" },
      `${r.findings.length} finding${r.findings.length === 1 ? "" : "s"}. Each names what it concerns: a link opens it, or shows it in the diagram.`,
    ),
  );
  const hostByName = new Map(w.hosts.map((x) => [String(x.name).toLowerCase(), x]));
  const resourceLink = (id: string): Node => {
    const p = parseId(id);
    const type = `${p?.provider ?? ""}/${p?.types.join("/") ?? ""}`.toLowerCase();
    if (type === "microsoft.hybridcompute/privatelinkscopes")
      return link(idRoute("scope", id), `scope ${nameOf(id)}`);
    if (type === "microsoft.network/privateendpoints")
      return link(idRoute("endpoint", id, "dns"), `private endpoint ${nameOf(id)}`);
    if (type === "arclink.lab/hosts")
      return h(
        "button",
        { type: "button", class: "link", onclick: () => onHost(nameOf(id)) },
        `host ${nameOf(id)}`,
      );
    if (type === "microsoft.hybridcompute/machines") {
      const hc = w.checks.find((c) => sameId(c.machineId, id));
      if (hc)
        return h(
          "button",
          { type: "button", class: "link", onclick: () => onHost(hc.host) },
          `machine ${nameOf(id)}`,
        );
    }
    return h(
      "button",
      {
        type: "button",
        class: "link",
        onclick: () => highlight(id),
        "aria-label": `Show ${nameOf(id)} in the diagram`,
      },
      `${p?.types[p.types.length - 1] ?? "resource"} ${nameOf(id)}`,
    );
  };
  out.append(
    h(
      "ul",
      { class: "finding-list" },
      r.findings.map((f: Finding) =>
        h(
          "li",
          { class: `finding ${f.severity}`, dataset: { rule: f.ruleId } },
          h("span", { class: `severity ${f.severity}` }, f.severity),
          " ",
          h("code", null, f.ruleId),
          titles.get(f.ruleId) ? h("span", { class: "rule-title" }, ` ${titles.get(f.ruleId)}`) : null,
          h("div", { class: "message" }, f.message),
          h(
            "div",
            { class: "concerns" },
            "Concerns: ",
            (f.resources ?? []).map((id, i) => [i ? ", " : "", resourceLink(id)]),
            f.host &&
              hostByName.has(f.host.toLowerCase()) &&
              !(f.resources ?? []).some((id) => sameId(id, hostByName.get(f.host!.toLowerCase())?.id))
              ? [
                  " · from ",
                  h(
                    "button",
                    { type: "button", class: "link", onclick: () => onHost(f.host!) },
                    `host ${f.host}`,
                  ),
                ]
              : null,
          ),
          f.fix ? h("div", { class: "fix" }, "Fix: ", f.fix) : null,
          f.trace?.length
            ? h(
                "details",
                null,
                h(
                  "summary",
                  null,
                  "Trace",
                  f.endpoint ? ` of ${f.endpoint}` : "",
                  f.reason ? ` (${f.reason})` : "",
                ),
                renderTrace(f.trace),
              )
            : null,
        ),
      ),
    ),
  );
}
