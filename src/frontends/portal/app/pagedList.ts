/// <reference lib="dom" />
// A list that stays usable at 10,000 items: the ARM list is read page by page through its own
// `$top` and `nextLink` (the first page is shown as soon as it arrives, the count grows as the next
// pages come), and the table draws one screen of rows at a time. Search by name and filters (e.g.
// status, verdict, reason) apply to what has been read; Previous / Next move through the result.
// With `server`, the server searches, filters and pages instead: each screen is one request for
// its rows only (the list is never read whole).
import { listPages } from "./api.js";
import { Child, clear, errorBox, h, uid } from "./dom.js";

const FOCUSABLE = "a[href], button, input, select, textarea, [tabindex]";

export interface ListFilter<T> {
  label: string;
  /** The item's value for this filter ("" when it has none). */
  value(item: T): string;
}

/** What a server-side list is asked for: one screen, searched and filtered. */
export interface ServerQuery {
  skip: number;
  top: number;
  name: string;
  /** Filter label → the value picked (only the filters with one). */
  filters: Record<string, string>;
}

/** A server-side list's answer: the screen's items, the counts and each filter's values. */
export interface ServerPage<T> {
  items: T[];
  total: number;
  matching: number;
  /** Filter label → value → how many items have it. */
  options: Record<string, Record<string, number>>;
}

export interface PagedListOptions<T> {
  /** The table's accessible name, e.g. "Machines". */
  label: string;
  /** The ARM list's path (api-version added); read with `$top` and `nextLink` (unless `server`). */
  path: string;
  /** Asks the server for one screen (search, filters and paging done there). */
  server?(q: ServerQuery): Promise<ServerPage<T>>;
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

  // Server mode: the last answer (its items are the screen), and the request it answers.
  let served: ServerPage<T> | undefined;
  let asked = 0;

  const fillOptions = () => {
    for (const { f, el: s } of selects) {
      const was = s.value;
      const values = new Map<string, number>();
      if (served) for (const [v, n] of Object.entries(served.options[f.label] ?? {})) values.set(v, n);
      for (const x of served ? [] : all) {
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

  // An ARM item's id is unique where its name may not be (two resource groups, one name).
  const keyOf = (x: T): string => {
    const id = (x as { id?: unknown } | null)?.id;
    return typeof id === "string" ? id.toLowerCase() : o.name(x);
  };

  const draw = () => {
    const items = served ? [] : filtered();
    if (!served && start >= items.length)
      start = Math.max(0, Math.floor((items.length - 1) / perScreen) * perScreen);
    const shown = served ? served.items : items.slice(start, start + perScreen);
    const matching = served ? served.matching : items.length;
    // Keyboard users keep their place: a redraw (the next page read, verdicts arriving) puts the
    // focus back on the same control of the same item, instead of dropping it to the page.
    const had = document.activeElement;
    let keep: { key: string; nth: number } | undefined;
    if (had && had !== body && body.contains(had)) {
      const tr = had.closest("tr");
      const key = tr?.dataset.key;
      if (tr && key !== undefined)
        keep = { key, nth: Array.from(tr.querySelectorAll(FOCUSABLE)).indexOf(had as Element) };
    }
    clear(body);
    if (!shown.length)
      body.append(
        h(
          "tr",
          null,
          h("td", { colspan: String(o.columns.length), class: "empty" }, complete ? "No items." : "Loading…"),
        ),
      );
    for (const x of shown) {
      const tr = h(
        "tr",
        { dataset: { ...(o.rowAttrs ? o.rowAttrs(x) : {}), key: keyOf(x) } },
        o.row(x).map((c) => h("td", null, c)),
      );
      body.append(tr);
      if (keep && tr.dataset.key === keep.key)
        (tr.querySelectorAll(FOCUSABLE)[keep.nth] as HTMLElement | undefined)?.focus();
    }
    const total = served ? served.total : o.keep ? all.filter(o.keep).length : all.length;
    const q = matching !== total;
    count.textContent = `${shown.length ? `Showing ${start + 1}–${start + shown.length} of ` : ""}${matching}${
      q ? ` matching (of ${total})` : ""
    }${complete ? "" : "+ (still reading the list)"}`;
    count.dataset.total = String(total);
    count.dataset.matching = String(matching);
    count.dataset.complete = String(complete);
    prev.disabled = start === 0;
    next.disabled = start + perScreen >= matching;
  };

  /** Server mode: asks for the current screen; a later request's answer wins over an earlier one's. */
  const ask = async (): Promise<void> => {
    if (!o.server) return;
    const mine = ++asked;
    // For tests and assistive tools: a screen is on its way (set back once its answer is drawn).
    count.dataset.pending = "true";
    const filters: Record<string, string> = {};
    for (const { f, el: s } of selects) if (s.value) filters[f.label] = s.value;
    try {
      const page = await o.server({ skip: start, top: perScreen, name: search.value.trim(), filters });
      if (mine !== asked) return;
      served = page;
      count.dataset.pending = "false";
      if (start > 0 && start >= page.matching) {
        start = Math.max(0, Math.floor((page.matching - 1) / perScreen) * perScreen);
        return ask();
      }
      complete = true;
      fillOptions();
      draw();
    } catch (e) {
      if (mine !== asked) return;
      count.dataset.pending = "false";
      clear(out);
      out.append(errorBox(e, `${o.label}: the list could not be read`));
      complete = true;
      draw();
    }
  };
  const move = () => (o.server ? void ask() : draw());

  prev.addEventListener("click", () => {
    start = Math.max(0, start - perScreen);
    move();
  });
  next.addEventListener("click", () => {
    start += perScreen;
    move();
  });
  search.addEventListener("input", () => {
    start = 0;
    move();
  });
  for (const { el: s } of selects)
    s.addEventListener("change", () => {
      start = 0;
      move();
    });

  draw();
  if (o.server) {
    const done = ask().then(() => {
      // For bench/portal.ts: the first screen of rows painted.
      requestAnimationFrame(() => performance.mark(`arclink:list-painted:${o.label}`));
    });
    return {
      el,
      done,
      redraw: () => void ask(),
      items: () => served?.items ?? [],
    };
  }
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
