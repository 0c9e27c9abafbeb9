/// <reference lib="dom" />
// The frame of one resource's pages: read it (or show the error), breadcrumbs, title, the tab bar,
// and the pane the chosen tab renders into.
import { nameOf } from "./api.js";
import { clear, errorBox, h, idRoute, link, loading } from "./dom.js";
import { get } from "./data.js";
import type { View } from "./main.js";

export interface ResourcePageSpec {
  id: string;
  apiVersion: string;
  /** e.g. "Azure Arc Private Link Scope" */
  kind: string;
  /** The list page this resource belongs to: route and label. */
  list: [string, string];
  /** Route name of the resource's pages, e.g. "scope". */
  route: string;
  tabs: Array<[string, string]>;
  tab: string;
  /** e.g. "Scope pages" */
  navLabel: string;
}

/** Renders the frame and returns the resource and the tab's pane; undefined when it could not be read. */
export async function resourcePage(
  v: View,
  s: ResourcePageSpec,
): Promise<{ resource: any; pane: HTMLElement } | undefined> {
  const { root } = v;
  root.append(loading());
  let resource: any;
  try {
    resource = await get(s.id, s.apiVersion);
  } catch (e) {
    clear(root);
    root.append(h("h1", null, nameOf(s.id)), errorBox(e, `The ${s.kind.toLowerCase()} could not be read`));
    return undefined;
  }
  clear(root);
  root.append(
    h("p", { class: "crumbs" }, link(s.list[0], s.list[1]), " › ", resource.name),
    h("h1", null, resource.name, h("span", { class: "subtitle" }, ` ${s.kind}`)),
    h(
      "nav",
      { class: "tabs", "aria-label": s.navLabel },
      s.tabs.map(([t, label]) =>
        link(idRoute(s.route, resource.id, t), label, {
          "aria-current": t === s.tab ? "page" : undefined,
          class: t === s.tab ? "tab active" : "tab",
        }),
      ),
    ),
  );
  const pane = h("section", {
    class: "pane",
    "aria-label": s.tabs.find(([t]) => t === s.tab)?.[1] ?? "Overview",
  });
  root.append(pane);
  return { resource, pane };
}
