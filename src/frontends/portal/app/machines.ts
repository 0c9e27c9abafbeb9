/// <reference lib="dom" />
// Machines – Azure Arc: the list, and "Add servers with Azure Arc" (a single server or multiple
// servers, each leading to Generate script).
import { groupOf, nameOf } from "./api.js";
import { errorBox, h, idRoute, link, loading, table } from "./dom.js";
import { associationState, check, machines } from "./data.js";
import type { View } from "./main.js";

export async function renderMachines(v: View): Promise<void> {
  const { root } = v;
  root.append(
    h("h1", null, "Machines – Azure Arc"),
    h(
      "div",
      { class: "toolbar" },
      h("a", { class: "button primary", href: "#/machines/add" }, "+ Add/Create"),
    ),
    loading(),
  );
  try {
    const [items, checks] = await Promise.all([machines(v.cfg.subscriptionId), check(v.cfg.subscriptionId)]);
    root.lastChild?.remove();
    root.append(
      table(
        [
          "Name",
          "Resource group",
          "Location",
          "Status",
          "Operating system",
          "Private Link Scope",
          "Private Link state",
        ],
        items.map((m) => {
          const scopeId = m.properties?.privateLinkScopeResourceId as string | undefined;
          const st = scopeId
            ? associationState(checks.find((c) => c.machineId?.toLowerCase() === String(m.id).toLowerCase()))
            : undefined;
          return [
            m.name,
            groupOf(m.id),
            m.location,
            m.properties?.status ?? "",
            m.properties?.osType ?? "",
            scopeId ? link(idRoute("scope", scopeId, "resources"), nameOf(scopeId)) : "—",
            st ? h("span", { class: `assoc ${st.state}` }, st.text) : "—",
          ];
        }),
        { "aria-label": "Machines" },
      ),
    );
  } catch (e) {
    root.lastChild?.remove();
    root.append(errorBox(e, "The machines could not be listed"));
  }
}

export function renderAddServers(v: View): void {
  v.root.append(
    h("p", { class: "crumbs" }, link("/machines", "Machines – Azure Arc"), " › Add servers with Azure Arc"),
    h("h1", null, "Add servers with Azure Arc"),
    h(
      "div",
      { class: "cards" },
      h(
        "section",
        { class: "card", "aria-labelledby": "add-single" },
        h("h2", { id: "add-single" }, "Add a single server"),
        h("p", null, "Generate a script to run on one server. You sign in interactively when it runs."),
        h("a", { class: "button primary", href: "#/machines/add/single" }, "Generate script (single server)"),
      ),
      h(
        "section",
        { class: "card", "aria-labelledby": "add-multiple" },
        h("h2", { id: "add-multiple" }, "Add multiple servers"),
        h(
          "p",
          null,
          "Generate a script that onboards many servers unattended with a service principal created for Azure Arc-enabled servers.",
        ),
        h(
          "a",
          { class: "button primary", href: "#/machines/add/multiple" },
          "Generate script (multiple servers)",
        ),
      ),
    ),
  );
}
