/// <reference lib="dom" />
// The seed's basic resource topology, drawn live from the ARM lists as inline SVG: on-premises
// sites (hosts, DNS servers, firewalls, proxies), VPN / ExpressRoute connections, virtual networks
// (subnets, private endpoints, DNS inbound endpoints), private DNS zones and their links, Arc
// Private Link Scopes (and their machines), and the Azure services (Entra ID, ARM, Azure Arc).
// Each host's paths are coloured as the check evaluator decided them — private (green), public
// (amber), refused (red); a click on a host opens its check table and traces. At fleet scale the
// hosts come grouped by site and verdict from the server (ArcLink.Lab/hostGroups: counts, each
// closed group's lines summed), and a group lists its hosts when opened. Lint findings, when the
// server has the lint evaluator, are listed and linked to what they concern.
// Where things go is topologyLayout.ts (pure); the SVG is topologyDraw.ts.
import { ApiError, arm, describeError, nameOf, parseId, sameId, V } from "./api.js";
import { clear, errorBox, h, idRoute, link, loading, notice, s } from "./dom.js";
import {
  check,
  Finding,
  fixFor,
  HostCheck,
  HostEntry,
  hostGroups,
  HostGroups,
  labType,
  lint,
  LintResult,
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
import {
  Box,
  counts,
  GROUP_AT,
  key,
  layoutTopology,
  SCOPE_MACHINES,
  serviceOf,
  TopologyModel,
  WIDTH,
} from "./topologyLayout.js";
import { drawTopology } from "./topologyDraw.js";
import type { View } from "./main.js";

/** The resources the diagram shows; `hosts` is re-read when a group opens or a host is pinned. */
type World = TopologyModel;

/** What the server is asked for the hosts: which groups are open, which host is pinned. */
interface HostQuery {
  open: Map<string, number>;
  pinned?: string;
  find?: string;
}

function askHosts(subId: string, q: HostQuery): Promise<HostGroups> {
  return hostGroups(subId, {
    groupAt: GROUP_AT,
    open: Object.fromEntries(q.open),
    pinned: q.pinned,
    scopeMachines: SCOPE_MACHINES,
    find: q.find,
  });
}

// The lab types the diagram draws, each read into its own field of TopologyModel and placed by its
// own code in topologyLayout.ts: not a list of the types the model reads (ResourceType.model), so
// not derived from those declarations. A new lab type appears here with its drawing, or not at all.
async function load(subId: string, q: HostQuery): Promise<World> {
  const [sites, dnsServers, siteConnections, firewalls, proxies, nets, pes, zs, resolvers, pls, hosts] =
    await Promise.all([
      labType(subId, "sites"),
      labType(subId, "dnsServers"),
      labType(subId, "siteConnections"),
      labType(subId, "firewalls"),
      labType(subId, "proxies"),
      vnets(subId),
      endpoints(subId),
      zones(subId),
      ofType(subId, RESOLVERS, V.dnsResolver),
      scopes(subId),
      askHosts(subId, q),
    ]);
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
    dnsServers,
    siteConnections,
    firewalls,
    proxies,
    vnets: nets,
    endpoints: pes,
    inbound: inbound.flat(),
    zones: links,
    scopes: pls,
    hosts,
  };
}

/** Every host the answer lists (the few of a small world, or the open groups' pages), by name. */
function listedHosts(g: HostGroups): HostEntry[] {
  const out: HostEntry[] = [];
  for (const c of g.containers) {
    out.push(...(c.hosts ?? []));
    for (const x of c.groups ?? []) out.push(...x.hosts);
  }
  return out.sort((a, b) => a.name.localeCompare(b.name));
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
  /** The findings (lint without every host's verdicts), read once the diagram is drawn. */
  let findingsOf: Promise<LintResult> | undefined;
  const query: HostQuery = { open: new Map() };
  // Each answer to a group's opening or a pinned host replaces the hosts; a late, older one is dropped.
  let asked = 0;
  const refreshHosts = async (q: HostQuery): Promise<boolean> => {
    const n = ++asked;
    const hosts = await askHosts(v.cfg.subscriptionId, q);
    if (n !== asked || !world) return false;
    world = { ...world, hosts };
    return true;
  };
  const toggle = async (gk: string, shown: number) => {
    const open = new Map(query.open);
    if (shown > 0) open.set(gk, shown);
    else open.delete(gk);
    try {
      if (!(await refreshHosts({ ...query, open }))) return;
    } catch (e) {
      clear(panel);
      panel.append(errorBox(e, "The group could not be read"));
      return;
    }
    query.open = open;
    redraw();
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
    const layout = layoutTopology(world, { open: query.open });
    svg = drawTopology(layout, {
      onHost: (name) => void showHost(name),
      onGroup: (gk, n) => void toggle(gk, n),
    });
    nodes = layout.nodes;
    clear(figure);
    figure.append(svg);
    fitLabels(svg);
    performance.mark("arclink:topology-drawn");
    // For bench/portal.ts: when the diagram was first painted (the frame after it is in the page).
    requestAnimationFrame(() => performance.mark("arclink:topology-painted"));
    // The diagram grows when a group opens: keep the whole of it in view unless the user zoomed or panned.
    if (moved) setView();
    else fitAll();
    if (selected) drawSelection(svg, nodes, selected.host, selected.paths);
  };

  const components = (hc: HostCheck): Components => {
    const w = world!;
    const byKind = new Map<string, Map<string, string>>();
    const add = (kind: string, items: any[]) =>
      byKind.set(kind, new Map(items.map((x) => [String(x.name).toLowerCase(), key(x.id)])));
    add("host", [...listedHosts(w.hosts), { name: hc.host, id: hc.hostId }]);
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
    panel.append(loading(`Checking ${name}…`));
    // The host's check (with its traces) and the hosts again with it pinned, so its row shows.
    let hc: HostCheck | undefined;
    let lintResult: LintResult | undefined;
    try {
      [[hc], lintResult] = await Promise.all([
        check(v.cfg.subscriptionId, name),
        findingsOf ?? Promise.resolve(undefined),
        refreshHosts({ ...query, pinned: name }),
      ]);
    } catch (e) {
      clear(panel);
      if (e instanceof ApiError && e.code === "HostNotFound")
        panel.append(notice(`No host named ${name}.`, "warning"));
      else panel.append(errorBox(e, `${name} could not be checked`));
      return;
    }
    if (!hc) {
      clear(panel);
      panel.append(notice(`No check for ${name}.`, "warning"));
      return;
    }
    query.pinned = hc.host;
    const c = components(hc);
    selected = { host: hc.host, paths: hc.endpoints.flatMap((e) => pathsOf(e, c)) };
    redraw();
    for (const el of Array.from(figure.querySelectorAll(".host.selected"))) el.classList.remove("selected");
    figure.querySelector(`g.host[data-host="${CSS.escape(hc.host)}"]`)?.classList.add("selected");
    clear(panel);
    const found = lintResult?.available ? lintResult.findings : [];
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
      renderHostCheck(hc, (e) => fixFor(found, hc!, e)),
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
      world = await load(v.cfg.subscriptionId, query);
      performance.mark("arclink:topology-data");
    } catch (e) {
      clear(figure);
      figure.append(errorBox(e, "The topology could not be read"));
      return;
    }
    redraw();
    const w = world;
    const totals = w.hosts.totals;
    if (totals.hosts <= GROUP_AT) {
      for (const hst of listedHosts(w.hosts)) {
        const hc = { host: hst.name };
        const c = counts(hst.endpoints);
        hostBar.append(
          h(
            "button",
            {
              type: "button",
              class: `host-button ${c.refused ? "has-refused" : c.undetermined ? "has-undetermined" : c.public ? "has-public" : "all-private"}`,
              onclick: () => void showHost(hc.host),
            },
            `${hc.host}: ${c.private} private, ${c.public} public, ${c.refused} refused${c.undetermined ? `, ${c.undetermined} undetermined` : ""}`,
          ),
        );
      }
    } else {
      const by = totals;
      const input = h("input", { type: "search", id: "find-host", placeholder: "host name" });
      const out = h("span", { class: "hint", role: "status" });
      // The server finds it (exact name first, then the first name that contains the text).
      const find = async () => {
        const q = input.value.trim();
        if (!q) return;
        let hit: string | undefined;
        try {
          hit = (await askHosts(v.cfg.subscriptionId, { ...query, find: q })).found;
        } catch (e) {
          out.textContent = describeError(e).message;
          return;
        }
        out.textContent = hit ? "" : `No host matches '${input.value}'.`;
        if (hit) void showHost(hit);
      };
      input.addEventListener("keydown", (ev) => {
        if (ev.key === "Enter") void find();
      });
      hostBar.append(
        h(
          "p",
          { class: "count" },
          `${totals.hosts.toLocaleString("en-US")} hosts: ${by.private.toLocaleString("en-US")} private, ${by.public.toLocaleString("en-US")} public, ${by.refused.toLocaleString("en-US")} refused${by.undetermined ? `, ${by.undetermined.toLocaleString("en-US")} undetermined (a fact is missing)` : ""}${by.unchecked ? `, ${by.unchecked} unchecked` : ""}. Open a group in the diagram, or find one host.`,
        ),
        h("label", { for: "find-host" }, "Find a host"),
        " ",
        input,
        " ",
        h("button", { type: "button", onclick: () => void find() }, "Find"),
        " ",
        out,
      );
    }
    // The findings after the diagram: lint of this world revision, without the hosts' verdicts
    // the diagram already has (the server computed them once for both).
    findingsOf = lint(v.cfg.subscriptionId, { hosts: false });
    findingsOf.catch(() => undefined);
    void renderFindings(findingsOf, findings, (n) => void showHost(n), highlight);
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

async function renderFindings(
  result: Promise<LintResult>,
  out: HTMLElement,
  onHost: (name: string) => void,
  highlight: (id: string) => void,
): Promise<void> {
  clear(out);
  out.append(h("h2", null, "Lint findings"), loading("Running lint…"));
  let r;
  try {
    // The lint the diagram was drawn from (one run for both).
    r = await result;
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
  const resourceLink = (id: string, finding: Finding): Node => {
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
      // The lab host that runs it, as the finding names it.
      const m = (finding.machines ?? []).find((x) => sameId(x.machineId, id) && x.hostId);
      if (m)
        return h(
          "button",
          { type: "button", class: "link", onclick: () => onHost(nameOf(m.hostId)) },
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
            (f.resources ?? []).map((id, i) => [i ? ", " : "", resourceLink(id, f)]),
            f.host &&
              !(f.resources ?? []).some(
                (id) => /\/ArcLink\.Lab\/hosts\//i.test(id) && sameId(nameOf(id), f.host),
              )
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
