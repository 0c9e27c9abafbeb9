/// <reference lib="dom" />
// Create an Azure Arc Private Link Scope, as the seed's portal steps do: Basics (subscription,
// resource group — existing or new —, name, region, "Allow public network access"), Private
// endpoint (name, virtual network and subnet, "Integrate with private DNS zone"), Review + create.
// Create runs the ARM calls in order: resource group, scope, private endpoint, and with DNS
// integration the three privatelink zones, their virtual network links and the zone group. A
// refused call stops the deployment and its ARM error is shown on the Review + create tab.
import { arm, groupOf, nameOf, sameId, V } from "./api.js";
import { clear, errorBox, field, h, idRoute, link, loading, notice, select, uid } from "./dom.js";
import {
  ARC_ZONES,
  encodeId,
  locations,
  ProposedCall,
  resourceGroups,
  subscriptions,
  vnets,
} from "./data.js";
import { gate, reviewChange } from "./review.js";
import type { View } from "./main.js";
import { wizard } from "./wizard.js";

interface EndpointPlan {
  name: string;
  vnet: any;
  subnetId: string;
  integrateDns: boolean;
}

interface Plan {
  subscription: string;
  resourceGroup: string;
  newResourceGroup: boolean;
  name: string;
  region: string;
  publicAccess: boolean;
  endpoint?: EndpointPlan;
}

type Tab = "basics" | "endpoint" | "review";

export async function renderCreateScope(v: View): Promise<void> {
  const { root } = v;
  root.append(loading());
  const [subs, locs] = await Promise.all([subscriptions(), locations(v.cfg.subscriptionId)]);
  clear(root);
  const plan: Plan = {
    subscription: v.cfg.subscriptionId,
    resourceGroup: "",
    newResourceGroup: false,
    name: "",
    region: "eastus",
    publicAccess: true,
  };

  // ── Basics ──
  const subSel = select(
    subs.map((s) => ({ value: s.subscriptionId, label: `${s.displayName} (${s.subscriptionId})` })),
    plan.subscription,
  );
  const rgSel = h("select");
  const rgNew = h("input", { type: "text", placeholder: "rg-arc-private-link" });
  const rgNewField = field("New resource group name", rgNew);
  rgNewField.hidden = true;
  const rgToggle = h("button", { type: "button", class: "link" }, "Create new");
  const nameIn = h("input", { type: "text", placeholder: "pls-arc" });
  const regionSel = select(
    locs.map((l) => ({ value: l.name, label: l.displayName ?? l.name })),
    plan.region,
  );
  const publicBox = h("input", { type: "checkbox", id: uid("pna"), checked: true });

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
  rgToggle.addEventListener("click", () => {
    plan.newResourceGroup = !plan.newResourceGroup;
    rgNewField.hidden = !plan.newResourceGroup;
    rgSel.disabled = plan.newResourceGroup;
    rgToggle.textContent = plan.newResourceGroup ? "Use existing" : "Create new";
    if (plan.newResourceGroup) rgNew.focus();
  });
  subSel.addEventListener("change", () => void loadGroups());
  const basicsOut = h("div", { class: "out" });

  const basics = h(
    "div",
    null,
    h("h2", null, "Project details"),
    h("p", { class: "hint" }, "Select the subscription and the resource group the scope is created in."),
    field("Subscription", subSel),
    h("div", { class: "field-row" }, field("Resource group", rgSel), rgToggle),
    rgNewField,
    h("h2", null, "Instance details"),
    field("Name", nameIn, "A meaningful and clear name, e.g. pls-arc-eastus."),
    field("Region", regionSel, "Machines must be in the scope's region to be associated with it."),
    h(
      "div",
      { class: "check-field" },
      publicBox,
      h("label", { for: publicBox.id }, "Allow public network access"),
    ),
    h(
      "p",
      { class: "hint" },
      "Checked: associated machines may reach Azure Arc over private and public networks. Unchecked: they must use a private endpoint. You can change this after creating the scope.",
    ),
    basicsOut,
  );

  // ── Private endpoint ──
  const peList = h("div");
  const peForm = h("div");
  const peCreate = h("button", { type: "button", class: "primary" }, "+ Create");
  const renderPeList = () => {
    clear(peList);
    const e = plan.endpoint;
    if (!e) {
      peList.append(h("p", { class: "empty" }, "No private endpoint. Select + Create to add one."));
      return;
    }
    const subnet = e.vnet.properties?.subnets?.find((x: any) => sameId(x.id, e.subnetId));
    peList.append(
      h(
        "table",
        { "aria-label": "Private endpoints to create" },
        h(
          "thead",
          null,
          h(
            "tr",
            null,
            ["Name", "Virtual network", "Subnet", "Region", "Private DNS integration", ""].map((x) =>
              h("th", null, x),
            ),
          ),
        ),
        h(
          "tbody",
          null,
          h(
            "tr",
            null,
            h("td", null, e.name),
            h("td", null, e.vnet.name),
            h(
              "td",
              null,
              `${subnet?.name ?? nameOf(e.subnetId)} (${subnet?.properties?.addressPrefix ?? ""})`,
            ),
            h("td", null, e.vnet.location),
            h("td", null, e.integrateDns ? "Yes" : "No"),
            h(
              "td",
              null,
              h(
                "button",
                {
                  type: "button",
                  class: "link",
                  "aria-label": `Remove private endpoint ${e.name}`,
                  onclick: () => {
                    plan.endpoint = undefined;
                    renderPeList();
                  },
                },
                "Remove",
              ),
            ),
          ),
        ),
      ),
    );
  };
  peCreate.addEventListener("click", () => void openPeForm());
  const openPeForm = async () => {
    clear(peForm);
    peForm.append(loading("Loading virtual networks…"));
    let nets: any[];
    try {
      nets = await vnets(subSel.value);
    } catch (e) {
      clear(peForm);
      peForm.append(errorBox(e, "The virtual networks could not be listed"));
      return;
    }
    clear(peForm);
    const peName = h("input", { type: "text", placeholder: "pe-arc" });
    const vnetSel = select(
      [
        {
          value: "",
          label: nets.length ? "Select a virtual network" : "No virtual networks in this subscription",
        },
        ...nets.map((n) => ({ value: n.id, label: `${n.name} (${groupOf(n.id)}, ${n.location})` })),
      ],
      "",
    );
    const subnetSel = h("select");
    const fillSubnets = () => {
      clear(subnetSel);
      const n = nets.find((x) => x.id === vnetSel.value);
      subnetSel.append(h("option", { value: "" }, n ? "Select a subnet" : "Select a virtual network first"));
      for (const sn of n?.properties?.subnets ?? []) {
        const delegated = (sn.properties?.delegations ?? [])
          .map((d: any) => d.properties?.serviceName)
          .filter(Boolean);
        subnetSel.append(
          h(
            "option",
            { value: sn.id, disabled: delegated.length > 0 },
            `${sn.name} (${sn.properties?.addressPrefix ?? sn.properties?.addressPrefixes?.join(", ") ?? ""})${
              delegated.length ? ` — delegated to ${delegated.join(", ")}` : ""
            }`,
          ),
        );
      }
    };
    vnetSel.addEventListener("change", fillSubnets);
    fillSubnets();
    const dnsName = uid("dns");
    const yes = h("input", { type: "radio", name: dnsName, id: uid("dns"), value: "yes", checked: true });
    const no = h("input", { type: "radio", name: dnsName, id: uid("dns"), value: "no" });
    const zonesNote = h(
      "ul",
      { class: "hint" },
      ARC_ZONES.map((z) => h("li", null, `(New or existing) ${z}`)),
    );
    const syncZones = () => (zonesNote.hidden = !yes.checked);
    yes.addEventListener("change", syncZones);
    no.addEventListener("change", syncZones);
    const formOut = h("div", { class: "out" });
    const ok = h("button", { type: "button", class: "primary" }, "OK");
    const cancel = h("button", { type: "button", onclick: () => clear(peForm) }, "Cancel");
    ok.addEventListener("click", () => {
      const missing: string[] = [];
      if (!peName.value.trim()) missing.push("Name");
      if (!vnetSel.value) missing.push("Virtual network");
      if (!subnetSel.value) missing.push("Subnet");
      clear(formOut);
      if (missing.length) {
        formOut.append(notice(`Required: ${missing.join(", ")}.`, "warning"));
        return;
      }
      plan.endpoint = {
        name: peName.value.trim(),
        vnet: nets.find((x) => x.id === vnetSel.value),
        subnetId: subnetSel.value,
        integrateDns: yes.checked,
      };
      clear(peForm);
      renderPeList();
    });
    peForm.append(
      h(
        "section",
        { class: "panel", "aria-label": "Create private endpoint" },
        h("h2", null, "Create private endpoint"),
        field("Name", peName),
        field("Target sub-resource", h("input", { type: "text", value: "hybridcompute", readonly: true })),
        field("Virtual network", vnetSel, "The private endpoint is created in the virtual network's region."),
        field("Subnet", subnetSel),
        h(
          "fieldset",
          null,
          h("legend", null, "Integrate with private DNS zone"),
          h("div", { class: "radio" }, yes, h("label", { for: yes.id }, "Yes")),
          h("div", { class: "radio" }, no, h("label", { for: no.id }, "No")),
          zonesNote,
          h(
            "p",
            { class: "hint" },
            "No: manage the DNS records yourself from the endpoint's DNS configuration (do not create empty records beforehand).",
          ),
        ),
        h("div", { class: "buttons" }, ok, cancel),
        formOut,
      ),
    );
    peName.focus();
  };
  const endpointTab = h(
    "div",
    null,
    h("h2", null, "Private endpoint"),
    h(
      "p",
      { class: "hint" },
      "A private endpoint connects a virtual network to this scope: machines reach Azure Arc through its private addresses.",
    ),
    h("div", { class: "toolbar" }, peCreate),
    peList,
    peForm,
  );
  renderPeList();

  // ── Review + create ──
  const review = h("div");
  let reviews = 0;
  const readPlan = () => {
    plan.subscription = subSel.value;
    plan.resourceGroup = (plan.newResourceGroup ? rgNew.value : rgSel.value).trim();
    plan.name = nameIn.value.trim();
    plan.region = regionSel.value;
    plan.publicAccess = publicBox.checked;
  };
  const renderReview = () => {
    readPlan();
    clear(review);
    const problems: string[] = [];
    if (!plan.subscription) problems.push("Select a subscription (Basics).");
    if (!plan.resourceGroup)
      problems.push(
        plan.newResourceGroup
          ? "Enter the new resource group's name (Basics)."
          : "Select a resource group (Basics).",
      );
    if (!plan.name) problems.push("Enter a name for the scope (Basics).");
    if (!plan.region) problems.push("Select a region (Basics).");
    const validation = h("div", { class: "validation", "aria-live": "polite" });
    if (problems.length)
      validation.append(
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
    else
      validation.append(
        notice("Validation passed (the API checks the rest when you select Create).", "success"),
      );
    const e = plan.endpoint;
    const create = h("button", { type: "button", class: "primary", disabled: true }, "Create");
    const progress = h("ol", { class: "progress", "aria-label": "Deployment progress" });
    const whatIfBox = h("div", { class: "whatif" });
    let calls: ProposedCall[] = [];
    create.addEventListener("click", () => void deploy(calls, create, validation, progress));
    if (!problems.length) {
      const mine = ++reviews;
      whatIfBox.append(loading("Reading the zones and links the deployment reuses…"));
      void planCalls({ ...plan })
        .then((c) => {
          if (mine !== reviews) return;
          calls = c;
          const r = reviewChange(plan.subscription, calls, `creating ${plan.name}`);
          clear(whatIfBox);
          whatIfBox.append(r.el);
          gate(r, create);
        })
        .catch((err) => {
          clear(whatIfBox);
          whatIfBox.append(errorBox(err, "The deployment could not be planned"));
        });
    }
    review.append(
      validation,
      h("h2", null, "Basics"),
      h(
        "dl",
        { class: "props" },
        [
          ["Subscription", plan.subscription],
          ["Resource group", `${plan.resourceGroup}${plan.newResourceGroup ? " (new)" : ""}`],
          ["Name", plan.name],
          ["Region", plan.region],
          ["Public network access", plan.publicAccess ? "Enabled" : "Disabled"],
        ].map(([k, val]) => [h("dt", null, k), h("dd", null, val || "—")]),
      ),
      h("h2", null, "Private endpoint"),
      e
        ? h(
            "dl",
            { class: "props" },
            [
              ["Name", e.name],
              ["Virtual network", `${e.vnet.name} (${e.vnet.location})`],
              ["Subnet", nameOf(e.subnetId)],
              ["Integrate with private DNS zone", e.integrateDns ? `Yes: ${ARC_ZONES.join(", ")}` : "No"],
            ].map(([k, val]) => [h("dt", null, k), h("dd", null, val)]),
          )
        : h("p", null, "None"),
      whatIfBox,
      h("div", { class: "buttons" }, create),
      progress,
    );
  };

  // ── Tabs ──
  const { tabList, nav, show } = wizard<Tab>(
    "Create steps",
    [
      ["basics", "Basics", basics],
      ["endpoint", "Private endpoint", endpointTab],
      ["review", "Review + create", review],
    ],
    (t) => {
      if (t === "review") renderReview();
    },
  );
  root.append(
    h("p", { class: "crumbs" }, link("/scopes", "Azure Arc Private Link Scopes"), " › Create"),
    h("h1", null, "Create an Azure Arc Private Link Scope"),
    tabList,
    basics,
    endpointTab,
    review,
    nav,
  );
  show("basics");
  await loadGroups();
}

/** The deployment as ARM calls, in order; existing zones and links are reused (read now). */
async function planCalls(plan: Plan): Promise<ProposedCall[]> {
  const rgId = `/subscriptions/${plan.subscription}/resourceGroups/${plan.resourceGroup}`;
  const scopeId = `${rgId}/providers/Microsoft.HybridCompute/privateLinkScopes/${plan.name}`;
  const calls: ProposedCall[] = [];
  if (plan.newResourceGroup)
    calls.push({
      label: `Resource group ${plan.resourceGroup}`,
      method: "PUT",
      id: rgId,
      apiVersion: V.resources,
      body: { location: plan.region },
    });
  calls.push({
    label: `Azure Arc Private Link Scope ${plan.name}`,
    method: "PUT",
    id: scopeId,
    apiVersion: V.hybridCompute,
    body: {
      location: plan.region,
      properties: { publicNetworkAccess: plan.publicAccess ? "Enabled" : "Disabled" },
    },
  });
  const e = plan.endpoint;
  if (!e) return calls;
  const peId = `${rgId}/providers/Microsoft.Network/privateEndpoints/${e.name}`;
  calls.push({
    label: `Private endpoint ${e.name}`,
    method: "PUT",
    id: peId,
    apiVersion: V.network,
    body: {
      location: e.vnet.location,
      properties: {
        subnet: { id: e.subnetId },
        privateLinkServiceConnections: [
          { name: e.name, properties: { privateLinkServiceId: scopeId, groupIds: ["hybridcompute"] } },
        ],
      },
    },
  });
  if (!e.integrateDns) return calls;
  let existing: any[] = [];
  if (!plan.newResourceGroup) {
    const r = await arm("GET", `${encodeId(rgId)}/providers/Microsoft.Network/privateDnsZones`, V.privateDns);
    existing = r?.value ?? [];
  }
  const zoneIds: string[] = [];
  for (const z of ARC_ZONES) {
    const zoneId = `${rgId}/providers/Microsoft.Network/privateDnsZones/${z}`;
    const zone = existing.find((x: any) => String(x.name).toLowerCase() === z);
    zoneIds.push(zone?.id ?? zoneId);
    let links: any[] = [];
    if (zone)
      links = (await arm("GET", `${encodeId(zone.id)}/virtualNetworkLinks`, V.privateDns))?.value ?? [];
    else
      calls.push({
        label: `Private DNS zone ${z}`,
        method: "PUT",
        id: zoneId,
        apiVersion: V.privateDns,
        body: { location: "global" },
      });
    if (links.some((l: any) => sameId(l.properties?.virtualNetwork?.id, e.vnet.id))) continue;
    const taken = new Set(links.map((l: any) => String(l.name).toLowerCase()));
    let name = `${e.vnet.name}-link`;
    for (let i = 2; taken.has(name.toLowerCase()); i++) name = `${e.vnet.name}-link-${i}`;
    calls.push({
      label: `Link of ${z} to ${e.vnet.name}`,
      method: "PUT",
      id: `${zone?.id ?? zoneId}/virtualNetworkLinks/${name}`,
      apiVersion: V.privateDns,
      body: {
        location: "global",
        properties: { virtualNetwork: { id: e.vnet.id }, registrationEnabled: false },
      },
    });
  }
  calls.push({
    label: `DNS zone group default on ${e.name}`,
    method: "PUT",
    id: `${peId}/privateDnsZoneGroups/default`,
    apiVersion: V.network,
    body: {
      properties: {
        privateDnsZoneConfigs: ARC_ZONES.map((z, i) => ({
          name: z.replace(/\./g, "-"),
          properties: { privateDnsZoneId: zoneIds[i] },
        })),
      },
    },
  });
  return calls;
}

async function deploy(
  calls: ProposedCall[],
  button: HTMLButtonElement,
  validation: HTMLElement,
  progress: HTMLElement,
): Promise<void> {
  button.disabled = true;
  clear(progress);
  const results = new Map<string, any>();
  const items = calls.map((st) => {
    const li = h("li", { class: "step pending" }, st.label, h("span", { class: "state" }, " — waiting"));
    progress.append(li);
    return li;
  });
  for (let i = 0; i < calls.length; i++) {
    const li = items[i];
    const c = calls[i];
    li.className = "step running";
    li.querySelector(".state")!.textContent = " — in progress";
    try {
      results.set(c.id, await arm(c.method, encodeId(c.id), c.apiVersion, c.body));
      li.className = "step done";
      li.querySelector(".state")!.textContent = " — succeeded";
    } catch (err) {
      li.className = "step failed";
      li.querySelector(".state")!.textContent = " — failed";
      clear(validation);
      validation.append(
        errorBox(err, `Validation failed: the API refused step ${i + 1} of ${calls.length} (${c.label})`),
      );
      button.disabled = false;
      return;
    }
  }
  const scope = [...results.values()].find((x) => /\/privateLinkScopes\/[^/]+$/i.test(String(x?.id)));
  const pe = [...results.values()].find((x) => /\/privateEndpoints\/[^/]+$/i.test(String(x?.id)));
  clear(validation);
  validation.append(
    h(
      "div",
      { class: "notice success", role: "status" },
      "Your deployment is complete. ",
      scope ? link(idRoute("scope", scope.id), `Go to ${scope.name}`) : null,
      pe ? [" · ", link(idRoute("endpoint", pe.id, "dns"), `DNS configuration of ${pe.name}`)] : null,
    ),
  );
}
