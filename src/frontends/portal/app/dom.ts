/// <reference lib="dom" />
// Small DOM helpers: element builders (HTML and SVG), labelled fields, the error box every view
// uses, busy states, and the in-page confirmation dialog.
import { describeError } from "./api.js";

export type Child = Node | string | number | null | undefined | false | Child[];
type Attrs = Record<string, unknown>;

function append(el: Element, children: Child[]): void {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    if (Array.isArray(c)) append(el, c);
    else if (c instanceof Node) el.appendChild(c);
    else el.appendChild(document.createTextNode(String(c)));
  }
}

const PROPS = new Set(["value", "checked", "selected", "disabled", "hidden", "textContent"]);

function apply(el: Element, attrs: Attrs | undefined): void {
  if (!attrs) return;
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith("on") && typeof v === "function") {
      el.addEventListener(k.slice(2).toLowerCase(), v as EventListener);
    } else if (k === "for") {
      el.setAttribute("for", String(v));
    } else if (PROPS.has(k) && !(el instanceof SVGElement)) {
      (el as any)[k] = v;
    } else if (k === "dataset" && typeof v === "object") {
      for (const [dk, dv] of Object.entries(v as Record<string, string>))
        (el as HTMLElement).dataset[dk] = dv;
    } else {
      el.setAttribute(k, v === true ? "" : String(v));
    }
  }
}

/** An HTML element: h("button", { class: "primary", onclick }, "Create"). */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs?: Attrs | null,
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  apply(el, attrs ?? undefined);
  append(el, children);
  return el;
}

const SVG_NS = "http://www.w3.org/2000/svg";

/** An SVG element. */
export function s(tag: string, attrs?: Attrs | null, ...children: Child[]): SVGElement {
  const el = document.createElementNS(SVG_NS, tag) as SVGElement;
  apply(el, attrs ?? undefined);
  append(el, children);
  return el;
}

let ids = 0;
export function uid(prefix = "f"): string {
  ids += 1;
  return `${prefix}-${ids}`;
}

/** A labelled form row: <label for> + the control (given an id when it has none). */
export function field(label: string, control: HTMLElement, hint?: string): HTMLElement {
  if (!control.id) control.id = uid();
  const hintEl = hint ? h("div", { class: "hint", id: `${control.id}-hint` }, hint) : null;
  if (hintEl) control.setAttribute("aria-describedby", hintEl.id);
  return h("div", { class: "field" }, h("label", { for: control.id }, label), control, hintEl);
}

export function select(
  options: Array<{ value: string; label: string; disabled?: boolean }>,
  value?: string,
  attrs: Attrs = {},
): HTMLSelectElement {
  const el = h("select", attrs);
  for (const o of options) {
    el.appendChild(h("option", { value: o.value, disabled: o.disabled }, o.label));
  }
  if (value !== undefined) el.value = value;
  return el;
}

/** The readable error every view shows: ARM code, message, target and details; never a stack. */
export function errorBox(e: unknown, title = "The request failed"): HTMLElement {
  const d = describeError(e);
  return h(
    "div",
    { class: "error", role: "alert" },
    h("div", { class: "error-title" }, title),
    h("div", { class: "error-line" }, h("code", { class: "error-code" }, d.code), " ", d.message),
    d.target ? h("div", { class: "error-target" }, `Target: ${d.target}`) : null,
    d.details.length
      ? h(
          "ul",
          { class: "error-details" },
          d.details.map((x) => h("li", null, h("code", null, x.code), " ", x.message)),
        )
      : null,
  );
}

export function notice(text: string, kind: "info" | "success" | "warning" = "info"): HTMLElement {
  return h("div", { class: `notice ${kind}`, role: "status" }, text);
}

export function clear(el: Element): void {
  while (el.firstChild) el.removeChild(el.firstChild);
}

export function loading(text = "Loading…"): HTMLElement {
  return h("div", { class: "loading", role: "status", "aria-live": "polite" }, text);
}

/** Runs an action with the button disabled and a status line; shows the error in `out`. */
export async function busy<T>(
  button: HTMLButtonElement | null,
  out: HTMLElement,
  text: string,
  fn: () => Promise<T>,
): Promise<T | undefined> {
  clear(out);
  out.appendChild(loading(text));
  if (button) button.disabled = true;
  try {
    const r = await fn();
    clear(out);
    return r;
  } catch (e) {
    clear(out);
    out.appendChild(errorBox(e));
    return undefined;
  } finally {
    if (button) button.disabled = false;
  }
}

export interface AskOptions {
  title: string;
  message: string;
  confirmLabel: string;
  danger?: boolean;
  /** A text box to fill in (e.g. a connection's approval description). */
  input?: { label: string; value: string };
  /** A what-if review shown in the dialog; the confirm button waits until it allows the action. */
  review?: { el: HTMLElement; ok(): boolean; onChange(fn: () => void): void };
}

/** An in-page modal (a <dialog>, not window.confirm/prompt). Resolves with the choice and the text. */
export function askDialog(o: AskOptions): Promise<{ ok: boolean; value: string }> {
  return new Promise((resolve) => {
    const titleId = uid("dlg");
    const msgId = uid("dlg");
    const dlg = h("dialog", {
      class: o.review ? "confirm wide" : "confirm",
      "aria-labelledby": titleId,
      "aria-describedby": msgId,
    });
    const text = o.input ? h("input", { type: "text", value: o.input.value }) : undefined;
    const done = (ok: boolean) => {
      dlg.close();
      dlg.remove();
      resolve({ ok, value: text?.value ?? "" });
    };
    const yes = h(
      "button",
      { type: "button", class: o.danger ? "danger" : "primary", onclick: () => done(true) },
      o.confirmLabel,
    );
    const no = h("button", { type: "button", onclick: () => done(false) }, "Cancel");
    dlg.append(
      h("h2", { id: titleId }, o.title),
      h("p", { id: msgId }, o.message),
      ...(text && o.input ? [field(o.input.label, text)] : []),
      ...(o.review ? [o.review.el] : []),
      h("div", { class: "buttons" }, yes, no),
    );
    if (o.review) {
      const r = o.review;
      const sync = () => (yes.disabled = !r.ok());
      r.onChange(sync);
      sync();
    }
    dlg.addEventListener("cancel", (ev) => {
      ev.preventDefault();
      done(false);
    });
    document.body.appendChild(dlg);
    dlg.showModal();
    (text ?? no).focus();
  });
}

/** Asks before a destructive action. Resolves true on confirm. */
export async function confirmDialog(
  title: string,
  message: string,
  confirmLabel = "Delete",
  review?: AskOptions["review"],
): Promise<boolean> {
  return (await askDialog({ title, message, confirmLabel, danger: true, review })).ok;
}

let flashText: string | undefined;

/** A message for the next page (e.g. "Deleted pls-arc." after a deletion navigates back to the list). */
export function flash(text: string): void {
  flashText = text;
}

export function takeFlash(): HTMLElement {
  const t = flashText;
  flashText = undefined;
  return t ? notice(t, "success") : h("div", { class: "flash" });
}

export function table(headers: string[], rows: Child[][], attrs: Attrs = {}): HTMLTableElement {
  return h(
    "table",
    attrs,
    h(
      "thead",
      null,
      h(
        "tr",
        null,
        headers.map((x) => h("th", { scope: "col" }, x)),
      ),
    ),
    h(
      "tbody",
      null,
      rows.length
        ? rows.map((r) =>
            h(
              "tr",
              null,
              r.map((c) => h("td", null, c)),
            ),
          )
        : h("tr", null, h("td", { colspan: String(headers.length), class: "empty" }, "No items.")),
    ),
  );
}

/** A link inside the portal (hash route). */
export function link(route: string, text: string, attrs: Attrs = {}): HTMLAnchorElement {
  return h("a", { href: `#${route}`, ...attrs }, text);
}

export function idRoute(kind: string, id: string, tab?: string): string {
  return `/${kind}/${encodeURIComponent(id)}${tab ? `/${tab}` : ""}`;
}

/**
 * A Copy button for a snippet, a script or an id: the text goes to the clipboard (the page's
 * Clipboard API; where the browser refuses it, a hidden selection and the copy command), and the
 * button says whether it worked.
 */
export function copyButton(text: () => string, what: string): HTMLButtonElement {
  const status = h("span", { class: "copy-status", role: "status" });
  const b = h("button", { type: "button", class: "copy", "aria-label": `Copy ${what}` }, "Copy");
  b.addEventListener("click", async () => {
    const value = text();
    let ok = false;
    try {
      await navigator.clipboard.writeText(value);
      ok = true;
    } catch {
      const ta = h("textarea", { class: "offscreen", "aria-hidden": "true", tabindex: "-1" });
      ta.value = value;
      document.body.appendChild(ta);
      ta.select();
      ok = document.execCommand("copy");
      ta.remove();
    }
    status.textContent = ok
      ? `Copied ${what}.`
      : `The browser refused the copy: select the ${what} and copy it.`;
    b.after(status);
  });
  return b;
}

/** An id in a <code> with its Copy button. */
export function idWithCopy(id: string, what = "resource id"): HTMLElement {
  return h(
    "span",
    { class: "copyable" },
    h("code", { class: "wrap" }, id),
    " ",
    copyButton(() => id, what),
  );
}
