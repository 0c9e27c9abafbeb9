/// <reference lib="dom" />
// A list that stays usable at 10,000 items: the ARM list is read page by page through its own
// `$top` and `nextLink` (the first page is shown as soon as it arrives, the count grows as the next
// pages come), and the table draws one screen of rows at a time. Search by name and filters (e.g.
// status, verdict, reason) apply to what has been read; Previous / Next move through the result.
import { listPages } from "./api.js";
import { Child, clear, errorBox, h, uid } from "./dom.js";

export interface ListFilter<T> {
  label: string;
  /** The item's value for this filter ("" when it has none). */
  value(item: T): string;
}

export interface PagedListOptions<T> {
  /** The table's accessible name, e.g. "Machines". */
  label: string;
  /** The ARM list's path (api-version added); read with `$top` and `nextLink`. */
  path: string;
  apiVersion: string;
  /** `$top` of each request to ARM. */
  top?: number;
  /** Rows drawn per screen. */
  rows?: number;
  columns: string[];
  row(item: T): Child[];
  name(item: T): string;
  filters?: Array<ListFilter<T>>;
  /** Keeps only some of the listed items (e.g. the machines of one scope). */
  keep?(item: T): boolean;
  /** Items added after the load, e.g. verdicts that arrive later: redraws with them. */
  rowAttrs?(item: T): Record<string, string>;
}

export interface PagedList<T> {
  el: HTMLElement;
  /** Settles when every page has been read. */
  done: Promise<void>;
  /** Draws the current screen again (e.g. once verdicts arrive); filters' options are refreshed. */
  redraw(): void;
  items(): T[];
}

export function pagedList<T>(o: PagedListOptions<T>): PagedList<T> {
  const perScreen = o.rows ?? 50;
  const all: T[] = [];
  let complete = false;
  let start = 0;
  const search = h("input", { type: "search", id: uid("search"), placeholder: "Filter by name" });
  const selects = (o.filters ?? []).map((f) => {
    const el = h("select", { id: uid("filter") });
    return { f, el };
  });
  const count = h("p", { class: "count", role: "status", "aria-live": "polite" });
  const body = h("tbody");
  const tableEl = h(
    "table",
    { "aria-label": o.label },
    h(
      "thead",
      null,
      h(
        "tr",
        null,
        o.columns.map((c) => h("th", { scope: "col" }, c)),
      ),
    ),
    body,
  );
  const prev = h("button", { type: "button" }, "Previous page");
  const next = h("button", { type: "button" }, "Next page");
  const out = h("div", { class: "out" });
  const el = h(
    "div",
    { class: "paged-list" },
    h(
      "div",
      { class: "list-tools" },
      h("label", { for: search.id }, "Search by name"),
      search,
      selects.map(({ f, el: s }) => [h("label", { for: s.id }, f.label), s]),
    ),
    count,
    h("div", { class: "table-wrap" }, tableEl),
    h("div", { class: "buttons pager" }, prev, next),
    out,
  );

  const filtered = (): T[] => {
    const q = search.value.trim().toLowerCase();
    const picks = selects.map(({ f, el: s }) => [f, s.value] as const).filter(([, v]) => v !== "");
    return all.filter(
      (x) =>
        (!q || o.name(x).toLowerCase().includes(q)) &&
        picks.every(([f, v]) => f.value(x) === v) &&
        (!o.keep || o.keep(x)),
    );
  };

  const fillOptions = () => {
    for (const { f, el: s } of selects) {
      const was = s.value;
      const values = new Map<string, number>();
      for (const x of all) {
        if (o.keep && !o.keep(x)) continue;
        const v = f.value(x);
        if (v) values.set(v, (values.get(v) ?? 0) + 1);
      }
      clear(s);
      s.append(h("option", { value: "" }, `All (${f.label.toLowerCase()})`));
      for (const [v, n] of [...values].sort((a, b) => a[0].localeCompare(b[0])))
        s.append(h("option", { value: v }, `${v} (${n})`));
      s.value = values.has(was) ? was : "";
    }
  };

  const draw = () => {
    const items = filtered();
    if (start >= items.length) start = Math.max(0, Math.floor((items.length - 1) / perScreen) * perScreen);
    const shown = items.slice(start, start + perScreen);
    clear(body);
    if (!shown.length)
      body.append(
        h(
          "tr",
          null,
          h("td", { colspan: String(o.columns.length), class: "empty" }, complete ? "No items." : "Loading…"),
        ),
      );
    for (const x of shown)
      body.append(
        h(
          "tr",
          o.rowAttrs ? { dataset: o.rowAttrs(x) } : null,
          o.row(x).map((c) => h("td", null, c)),
        ),
      );
    const total = o.keep ? all.filter(o.keep).length : all.length;
    const q = items.length !== total;
    count.textContent = `${shown.length ? `Showing ${start + 1}–${start + shown.length} of ` : ""}${items.length}${
      q ? ` matching (of ${total})` : ""
    }${complete ? "" : "+ (still reading the list)"}`;
    count.dataset.total = String(total);
    count.dataset.matching = String(items.length);
    count.dataset.complete = String(complete);
    prev.disabled = start === 0;
    next.disabled = start + perScreen >= items.length;
  };

  prev.addEventListener("click", () => {
    start = Math.max(0, start - perScreen);
    draw();
  });
  next.addEventListener("click", () => {
    start += perScreen;
    draw();
  });
  search.addEventListener("input", () => {
    start = 0;
    draw();
  });
  for (const { el: s } of selects)
    s.addEventListener("change", () => {
      start = 0;
      draw();
    });

  draw();
  const done = (async () => {
    try {
      for await (const page of listPages(o.path, o.apiVersion, o.top ?? 1000)) {
        const first = all.length === 0;
        all.push(...(page as T[]));
        fillOptions();
        draw();
        // For bench/portal.ts: the first page of rows painted.
        if (first) requestAnimationFrame(() => performance.mark(`arclink:list-painted:${o.label}`));
      }
    } catch (e) {
      out.append(errorBox(e, `${o.label}: the list could not be read`));
    } finally {
      complete = true;
      fillOptions();
      draw();
    }
  })();
  return {
    el,
    done,
    redraw: () => {
      fillOptions();
      draw();
    },
    items: () => all,
  };
}
