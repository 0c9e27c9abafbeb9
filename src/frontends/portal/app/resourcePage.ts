/// <reference lib="dom" />
// The frame of one resource's pages: read it (or show the error), breadcrumbs, title, the tab bar,
// and the pane the chosen tab renders into; and the Overview's Delete button.
import { ApiError, arm, isResourceId, nameOf } from "./api.js";
import { busy, clear, confirmDialog, errorBox, flash, h, idRoute, link, loading } from "./dom.js";
import { encodeId, get } from "./data.js";
import type { View } from "./main.js";
import { reviewChange } from "./review.js";
import { bannersFor } from "./banners.js";

/** One tab: its route segment, its label, and what renders it into the pane. */
export type ResourceTab = [string, string, (pane: HTMLElement, resource: any) => void | Promise<void>];

export interface ResourcePageSpec {
  id: string;
  apiVersion: string;
  /** e.g. "Azure Arc Private Link Scope" */
  kind: string;
  /** The list page this resource belongs to: route and label. */
  list: [string, string];
  /** Route name of the resource's pages, e.g. "scope". */
  route: string;
  /** The first tab is shown when the route names none (or one the page does not have). */
  tabs: ResourceTab[];
  tab: string;
  /** e.g. "Scope pages" */
  navLabel: string;
}

/** Renders the frame and the chosen tab (or the error, when the resource could not be read). */
export async function resourcePage(v: View, s: ResourcePageSpec): Promise<void> {
  const { root } = v;
  if (!isResourceId(s.id)) {
    root.append(
      h("h1", null, "Not found"),
      errorBox(
        new ApiError(
          400,
          "InvalidResourceId",
          `'${s.id}' is not an Azure resource id (/subscriptions/{id}/resourceGroups/{group}/providers/{namespace}/{type}/{name}). Open the ${s.kind.toLowerCase()} from its list.`,
        ),
        `The ${s.kind.toLowerCase()} could not be read`,
      ),
      link(s.list[0], s.list[1]),
    );
    return;
  }
  root.append(loading());
  let resource: any;
  try {
    resource = await get(s.id, s.apiVersion);
  } catch (e) {
    clear(root);
    root.append(h("h1", null, nameOf(s.id)), errorBox(e, `The ${s.kind.toLowerCase()} could not be read`));
    return;
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
  // Lint's findings about this resource, above the tabs' content (read while the tab renders).
  const banners = h("div", { class: "banner-slot" });
  root.append(banners);
  void bannersFor(String(resource.id).split("/")[2], resource.id).then((b) => banners.append(b));
  const pane = h("section", {
    class: "pane",
    "aria-label": s.tabs.find(([t]) => t === s.tab)?.[1] ?? "Overview",
  });
  root.append(pane);
  const [, , render] = s.tabs.find(([t]) => t === s.tab) ?? s.tabs[0];
  await render(pane, resource);
}

/**
 * The Overview's toolbar with a Delete button, and the box its progress and errors show in: it
 * asks first (`warning` says what goes with the resource, what-if what it does to machines),
 * deletes, and returns to the list.
 */
export function deleteToolbar(
  resource: any,
  apiVersion: string,
  listRoute: string,
  warning: string,
): [HTMLElement, HTMLElement] {
  const out = h("div", { class: "out" });
  const del = h("button", { type: "button", class: "danger" }, "Delete");
  del.addEventListener("click", async () => {
    const review = reviewChange(
      String(resource.id).split("/")[2],
      [{ method: "DELETE", id: resource.id, apiVersion, label: `Delete ${resource.name}` }],
      `deleting ${resource.name}`,
    );
    const ok = await confirmDialog(`Delete ${resource.name}?`, warning, "Delete", review);
    if (!ok) return;
    const done = await busy(del, out, `Deleting ${resource.name}…`, async () => {
      await arm("DELETE", encodeId(resource.id), apiVersion);
      return true;
    });
    if (done) {
      flash(`Deleted ${resource.name}.`);
      location.hash = `#${listRoute}`;
    }
  });
  return [h("div", { class: "toolbar" }, del), out];
}
