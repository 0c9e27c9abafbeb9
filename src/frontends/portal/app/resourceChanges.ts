/// <reference lib="dom" />
// A deployment what-if's resource changes (Azure's `changes[]`) as the portal shows them: a count
// per change type, then each resource with its change type and, for a Modify, its property changes
// (path, before → after). Resources the deployment leaves alone (Ignore, NoChange) are folded away.
import { nameOf } from "./api.js";
import { Child, h } from "./dom.js";
import { PropertyChange, ResourceChange } from "./data.js";

const ORDER = ["Create", "Delete", "Modify", "Deploy", "NoChange", "Ignore", "Unsupported"];
const SYMBOL: Record<string, string> = {
  Create: "+",
  Delete: "−",
  Modify: "~",
  Deploy: "!",
  NoChange: "=",
  Ignore: "*",
  Unsupported: "x",
  Array: "~",
  NoEffect: "=",
};

function typeOf(id: string): string {
  const p = id.split("/providers/").pop() ?? "";
  const seg = p.split("/");
  return [seg[0], ...seg.slice(1).filter((_, i) => i % 2 === 0)].join("/");
}

function show(v: unknown): string {
  if (v === undefined) return "—";
  return typeof v === "string" ? `"${v}"` : JSON.stringify(v);
}

function deltaList(delta: PropertyChange[]): HTMLElement {
  return h(
    "ul",
    { class: "delta" },
    delta.map((d) =>
      h(
        "li",
        { dataset: { change: d.propertyChangeType, path: d.path } },
        h(
          "span",
          { class: `symbol ${d.propertyChangeType.toLowerCase()}`, "aria-hidden": "true" },
          SYMBOL[d.propertyChangeType] ?? "",
        ),
        " ",
        h("code", null, d.path),
        ` (${d.propertyChangeType}): `,
        d.children?.length
          ? deltaList(d.children)
          : d.propertyChangeType === "Create"
            ? h("code", { class: "wrap" }, show(d.after))
            : d.propertyChangeType === "Delete"
              ? h("code", { class: "wrap" }, show(d.before))
              : [
                  h("code", { class: "wrap" }, show(d.before)),
                  " → ",
                  h("code", { class: "wrap" }, show(d.after)),
                ],
      ),
    ),
  );
}

function changeRow(c: ResourceChange): HTMLElement {
  const details: Child = c.delta?.length
    ? deltaList(c.delta)
    : c.changeType === "Create"
      ? "New resource."
      : c.changeType === "Delete"
        ? "Deleted (Complete mode: not in the template)."
        : "";
  return h(
    "tr",
    { dataset: { changeType: c.changeType, resourceId: c.resourceId } },
    h(
      "td",
      null,
      h(
        "span",
        { class: `symbol ${c.changeType.toLowerCase()}`, "aria-hidden": "true" },
        SYMBOL[c.changeType] ?? "",
      ),
      " ",
      c.changeType,
    ),
    h(
      "td",
      { class: "wrap" },
      h("strong", null, nameOf(c.resourceId)),
      h("br"),
      h("span", { class: "hint" }, typeOf(c.resourceId)),
    ),
    h("td", { class: "wrap" }, details),
  );
}

function changeTable(label: string, changes: ResourceChange[]): HTMLElement {
  return h(
    "table",
    { class: "resource-changes", "aria-label": label },
    h(
      "thead",
      null,
      h(
        "tr",
        null,
        ["Change", "Resource", "Property changes"].map((x) => h("th", { scope: "col" }, x)),
      ),
    ),
    h("tbody", null, changes.map(changeRow)),
  );
}

/** The resource changes section: counts, the changes, then the untouched resources folded. */
export function renderResourceChanges(changes: ResourceChange[]): HTMLElement {
  const counts = new Map<string, number>();
  for (const c of changes) counts.set(c.changeType, (counts.get(c.changeType) ?? 0) + 1);
  const summary = ORDER.filter((t) => counts.get(t))
    .map((t) => `${counts.get(t)} to ${t === "NoChange" ? "leave unchanged" : t.toLowerCase()}`)
    .join(", ");
  const active = changes.filter((c) => !["Ignore", "NoChange"].includes(c.changeType));
  const quiet = changes.filter((c) => ["Ignore", "NoChange"].includes(c.changeType));
  return h(
    "section",
    { class: "resource-changes", "aria-labelledby": "resource-changes-title" },
    h("h3", { id: "resource-changes-title" }, "Resource changes (what-if)"),
    h(
      "p",
      {
        class: "summary",
        dataset: Object.fromEntries(ORDER.map((t) => [t.toLowerCase(), String(counts.get(t) ?? 0)])),
      },
      changes.length ? `Resource changes: ${summary}.` : "The deployment changes no resource.",
    ),
    active.length ? changeTable("Resource changes", active) : null,
    quiet.length
      ? h(
          "details",
          { class: "quiet-changes" },
          h("summary", null, `Resources the deployment leaves as they are (${quiet.length})`),
          changeTable("Resources left as they are", quiet),
        )
      : null,
  );
}
