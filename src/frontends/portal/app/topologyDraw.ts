/// <reference lib="dom" />
// The topology diagram as inline SVG, drawn from its layout (topologyLayout.ts): every position
// comes from there; this file only makes the elements, their classes, titles and accessible names,
// and wires clicks and keys. Labels longer than their character budget end in "…" with the whole
// text in a tooltip (fitLabels then cuts them to their box as the page measures them).
import { idRoute, s } from "./dom.js";
import { Box, Edge, Label, Layout, Placed } from "./topologyLayout.js";

export interface DrawHandlers {
  /** A host's row was clicked (or Enter / Space on it). */
  onHost(name: string): void;
  /** A group's row or its "Show more" row: show `shown` of its hosts (0 closes it). */
  onGroup(group: string, shown: number): void;
}

/** Hosts an open group shows at a time (a "Show more" row adds this many). */
export const PAGE = 20;

function fit(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

function text(l: Label): SVGElement {
  const el = s("text", { x: l.x, y: l.y, class: l.cls }, fit(l.text, l.max));
  if (l.text.length > l.max) el.appendChild(s("title", null, l.text));
  return el;
}

function rect(b: Box, rx: number, cls: string): SVGElement {
  return s("rect", { x: b.x, y: b.y, width: b.w, height: b.h, rx, class: cls });
}

function button(g: SVGElement, act: () => void): SVGElement {
  g.addEventListener("click", act);
  g.addEventListener("keydown", (ev) => {
    const k = (ev as KeyboardEvent).key;
    if (k === "Enter" || k === " ") {
      ev.preventDefault();
      act();
    }
  });
  return g;
}

function node(p: Placed, on: DrawHandlers): SVGElement {
  switch (p.kind) {
    case "title":
      return text(p.label);
    case "site":
    case "vnet": {
      const g = s("g", { class: `node ${p.kind}`, "data-id": p.id });
      g.append(rect(p.box, 8, `${p.kind}-box`), ...p.labels.map(text), ...p.children.map((c) => node(c, on)));
      return g;
    }
    case "subnet": {
      const g = s("g", { class: "node subnet", "data-id": p.id });
      g.append(rect(p.box, 4, "subnet-box"), ...p.labels.map(text), ...p.children.map((c) => node(c, on)));
      return g;
    }
    case "host": {
      const g = s("g", {
        class: "node host",
        role: "button",
        tabindex: "0",
        "data-id": p.id,
        "data-host": p.host.name,
        "aria-label": p.ariaLabel,
      });
      g.append(rect(p.box, 4, "host-box"), ...p.labels.map(text));
      // No <title> per dot: the host's accessible name carries the counts (and its visible text).
      for (const d of p.dots)
        g.append(
          s("circle", { cx: d.cx, cy: d.cy, r: 5, class: `dot ${d.verdict}`, "data-endpoint": d.endpoint }),
        );
      return button(g, () => on.onHost(p.host.name));
    }
    case "dns": {
      const g = s("g", { class: "node dns", "data-id": p.id });
      g.append(rect(p.box, 4, "dns-box"), ...p.labels.map(text));
      return g;
    }
    case "firewall":
    case "proxy":
    case "inbound": {
      const g = s("g", { class: `node ${p.kind}`, "data-id": p.id });
      g.append(...p.labels.map(text));
      return g;
    }
    case "pe": {
      const g = s("g", { class: "node pe", "data-id": p.id });
      const a = s("a", { href: `#${idRoute("endpoint", p.href, "dns")}` });
      a.append(rect(p.box, 4, "pe-box"), ...p.labels.map(text));
      g.append(a);
      return g;
    }
    case "group": {
      const g = s("g", {
        class: `node host-group ${p.verdict}`,
        role: "button",
        tabindex: "0",
        "aria-expanded": String(p.open),
        "data-group": p.group,
        "data-verdict": p.verdict,
        "data-count": String(p.count),
        "aria-label": p.ariaLabel,
      });
      g.append(
        rect(p.box, 4, "group-box"),
        s("circle", { cx: p.dot.cx, cy: p.dot.cy, r: 5, class: `dot ${p.verdict}` }),
        ...p.labels.map(text),
      );
      return button(g, () => on.onGroup(p.group, p.open ? 0 : PAGE));
    }
    case "more": {
      const g = s("g", {
        class: "node host-more",
        role: "button",
        tabindex: "0",
        "data-group": p.group,
        "aria-label": p.ariaLabel,
      });
      g.append(rect(p.box, 4, "group-box more"), ...p.labels.map(text));
      return button(g, () => on.onGroup(p.group, p.shown + PAGE));
    }
    case "zone": {
      const g = s("g", { class: "node zone", "data-id": p.id });
      g.append(rect(p.box, 6, "zone-box"), ...p.labels.map(text));
      return g;
    }
    case "scope": {
      const g = s("g", { class: "node scope", "data-id": p.id });
      const a = s("a", { href: `#${idRoute("scope", p.href, "resources")}` });
      a.append(rect(p.box, 6, "scope-box"), ...p.labels.map(text));
      g.append(a);
      return g;
    }
    case "service": {
      const g = s("g", { class: `node service ${p.service}`, "data-id": p.id });
      g.append(rect(p.box, 6, "service-box"), ...p.labels.map(text));
      return g;
    }
    case "lane":
      // Drawn under the boxes, with the edges (see drawTopology).
      return s("g");
  }
}

function edge(e: Edge): SVGElement {
  const p = s("path", { d: e.d, class: `edge ${e.cls}` });
  p.appendChild(s("title", null, e.title));
  const g = s("g", { class: "edge-group" }, p);
  if (e.label) {
    const { x, y, first, rest } = e.label;
    const t = s("text", { x, y, class: `edge-label ${e.cls}`, "text-anchor": "middle" });
    t.append(s("tspan", { x, dy: 0 }, first), s("tspan", { x, dy: 11 }, rest));
    g.append(t);
  }
  if (e.id) g.setAttribute("data-id", e.id);
  if (e.host) g.setAttribute("data-host", e.host);
  if (e.group) g.setAttribute("data-group", e.group);
  if (e.verdict && (e.host || e.group)) g.setAttribute("data-verdict", e.verdict);
  return g;
}

/** The SVG of a layout: lines under the boxes, the boxes, then the paths over them. */
export function drawTopology(l: Layout, on: DrawHandlers): SVGSVGElement {
  const lane = l.items.find((p) => p.kind === "lane");
  const under = l.edges.filter((e) => e.layer === "under").map(edge);
  if (lane) under.push(rect(lane.box, 4, "internet-lane"), ...lane.labels.map(text));
  return s(
    "svg",
    {
      viewBox: `0 0 ${l.width} ${l.height}`,
      "data-height": String(l.height),
      width: "100%",
      role: "group",
      "aria-label":
        "Resource topology: sites, virtual networks, private endpoints, DNS zones, scopes and Azure services, with each host's paths",
      class: "topology",
    },
    s("title", null, "ArcLink resource topology"),
    ...under,
    ...l.items.filter((p) => p.kind !== "lane").map((p) => node(p, on)),
    ...l.edges.filter((e) => e.layer === "over").map(edge),
  ) as SVGSVGElement;
}
