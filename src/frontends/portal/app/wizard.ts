/// <reference lib="dom" />
// The steps of a create or generate page, as the portal shows them: a tab list, one panel shown at
// a time, and Previous / "Next: <step>" buttons below. Previous / Next move the keyboard's focus to
// the step shown (the button pressed is replaced), so Tab continues inside it.
import { clear, h, uid } from "./dom.js";

export interface Wizard<T extends string> {
  /** The tab list (role tablist), to place above the panels. */
  tabList: HTMLElement;
  /** The Previous / Next buttons, to place below the panels. */
  nav: HTMLElement;
  /** Shows one step: its panel, its tab selected, and the buttons around it. */
  show(step: T, focus?: boolean): void;
}

/**
 * Wires the steps' panels to a tab list and Previous / Next buttons. `onShow` runs before a step
 * is shown (e.g. to fill in a review page).
 */
export function wizard<T extends string>(
  ariaLabel: string,
  steps: ReadonlyArray<readonly [T, string, HTMLElement]>,
  onShow?: (step: T) => void,
): Wizard<T> {
  const order = steps.map(([t]) => t);
  const labels = new Map(steps.map(([t, label]) => [t, label] as const));
  const panels = new Map(steps.map(([t, , panel]) => [t, panel] as const));
  const buttons = new Map<T, HTMLButtonElement>();
  const tabList = h("div", { class: "wizard-tabs", role: "tablist", "aria-label": ariaLabel });
  const nav = h("div", { class: "buttons wizard-nav" });
  const show = (t: T, focus = false) => {
    onShow?.(t);
    for (const k of order) {
      panels.get(k)!.hidden = k !== t;
      const b = buttons.get(k)!;
      b.setAttribute("aria-selected", String(k === t));
      b.classList.toggle("active", k === t);
    }
    clear(nav);
    const i = order.indexOf(t);
    if (i > 0)
      nav.append(h("button", { type: "button", onclick: () => show(order[i - 1], true) }, "Previous"));
    if (i < order.length - 1)
      nav.append(
        h(
          "button",
          { type: "button", class: "primary", onclick: () => show(order[i + 1], true) },
          `Next: ${labels.get(order[i + 1])}`,
        ),
      );
    if (focus) panels.get(t)!.focus();
  };
  for (const t of order) {
    const id = uid("tab");
    const b = h(
      "button",
      { type: "button", role: "tab", id, "aria-controls": `${id}-panel`, onclick: () => show(t) },
      labels.get(t),
    );
    const panel = panels.get(t)!;
    panel.id = `${id}-panel`;
    panel.setAttribute("role", "tabpanel");
    panel.tabIndex = -1;
    panel.setAttribute("aria-labelledby", id);
    buttons.set(t, b);
    tabList.append(b);
  }
  return { tabList, nav, show };
}
