/// <reference lib="dom" />
// Create a private DNS zone, as the portal's page does: Basics (subscription, resource group,
// name), then Review + create, which runs ArcLink's what-if on the zone's PUT (the shared Review
// step: a privatelink zone that shadows the public answers shows the machines it changes) before
// Create is allowed.
import { arm, V } from "./api.js";
import { busy, clear, errorBox, field, h, idRoute, link, loading, notice, select } from "./dom.js";
import { encodeId, resourceGroups, subscriptions } from "./data.js";
import { gate, reviewChange } from "./review.js";
import type { View } from "./main.js";
import { wizard } from "./wizard.js";

type Tab = "basics" | "review";

/** A zone name as Azure accepts one: 2 to 34 labels of letters, digits, '-' and '_'. */
const ZONE_NAME =
  /^(?=.{1,253}$)([A-Za-z0-9_]([A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?\.)+[A-Za-z0-9_]([A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?$/;

export async function renderCreateZone(v: View): Promise<void> {
  const { root } = v;
  root.append(loading());
  const subs = await subscriptions();
  clear(root);
  const subSel = select(
    subs.map((s) => ({ value: s.subscriptionId, label: `${s.displayName} (${s.subscriptionId})` })),
    v.cfg.subscriptionId,
  );
  const rgSel = h("select");
  const nameIn = h("input", { type: "text", placeholder: "privatelink.his.arc.azure.com" });
  const basicsOut = h("div", { class: "out" });
  const loadGroups = async () => {
    clear(rgSel);
    rgSel.append(h("option", { value: "" }, "Loading…"));
    try {
      const rgs = await resourceGroups(subSel.value);
      clear(rgSel);
      rgSel.append(h("option", { value: "" }, "Select a resource group"));
      for (const g of rgs) rgSel.append(h("option", { value: g.name }, g.name));
    } catch (e) {
      clear(rgSel);
      rgSel.append(h("option", { value: "" }, "Could not list resource groups"));
      basicsOut.append(errorBox(e, "The resource groups could not be listed"));
    }
  };
  subSel.addEventListener("change", () => void loadGroups());
  const basics = h(
    "div",
    null,
    h("h2", null, "Project details"),
    field("Subscription", subSel),
    field("Resource group", rgSel),
    h("h2", null, "Instance details"),
    field(
      "Name",
      nameIn,
      "The zone's DNS name, e.g. privatelink.his.arc.azure.com. A private DNS zone is global: it has no region.",
    ),
    basicsOut,
  );

  const review = h("div");
  const renderReview = () => {
    clear(review);
    const name = nameIn.value.trim().replace(/\.$/, "");
    const problems: string[] = [];
    if (!rgSel.value) problems.push("Select a resource group (Basics).");
    if (!name) problems.push("Enter the zone's name (Basics).");
    else if (!ZONE_NAME.test(name) || !name.includes("."))
      problems.push(
        `'${name}' is not a DNS zone name: use two or more labels of letters, digits, '-' and '_', separated by dots (Basics).`,
      );
    if (problems.length) {
      review.append(
        h(
          "div",
          { class: "error", role: "alert" },
          h("div", { class: "error-title" }, "Validation failed. Fix these and come back:"),
          h(
            "ul",
            null,
            problems.map((p) => h("li", null, p)),
          ),
        ),
      );
      return;
    }
    const id = `/subscriptions/${subSel.value}/resourceGroups/${rgSel.value}/providers/Microsoft.Network/privateDnsZones/${name}`;
    const body = { location: "global" };
    const r = reviewChange(
      subSel.value,
      [{ method: "PUT", id, apiVersion: V.privateDns, body, label: `Private DNS zone ${name}` }],
      `creating ${name}`,
    );
    const create = h("button", { type: "button", class: "primary", disabled: true }, "Create");
    const out = h("div", { class: "out" });
    create.addEventListener("click", async () => {
      const made = await busy(create, out, `Creating ${name}…`, () =>
        arm("PUT", encodeId(id), V.privateDns, body),
      );
      if (made?.id) {
        create.disabled = true;
        out.append(
          h(
            "div",
            { class: "notice success", role: "status" },
            "Your deployment is complete. ",
            link(idRoute("zone", made.id), `Go to ${made.name}`),
          ),
        );
      }
    });
    review.append(
      notice("Validation passed (the API checks the rest when you select Create).", "success"),
      h(
        "dl",
        { class: "props" },
        [
          ["Subscription", subSel.value],
          ["Resource group", rgSel.value],
          ["Name", name],
          ["Location", "global"],
        ].map(([k, val]) => [h("dt", null, k), h("dd", null, val)]),
      ),
      r.el,
      h("div", { class: "buttons" }, create),
      out,
    );
    gate(r, create);
  };
  const { tabList, nav, show } = wizard<Tab>(
    "Create private DNS zone steps",
    [
      ["basics", "Basics", basics],
      ["review", "Review + create", review],
    ],
    (t) => {
      if (t === "review") renderReview();
    },
  );
  root.append(
    h("p", { class: "crumbs" }, link("/zones", "Private DNS zones"), " › Create"),
    h("h1", null, "Create Private DNS zone"),
    tabList,
    basics,
    review,
    nav,
  );
  show("basics");
  await loadGroups();
}
