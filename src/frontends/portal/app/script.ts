/// <reference lib="dom" />
// Machines – Azure Arc → Add → Generate script: Basics (subscription, resource group, region,
// operating system, connectivity method — public endpoint, proxy server, or private endpoint with
// an Arc Private Link Scope), Authentication (multiple servers: a service principal), Tags (the
// physical-location defaults and custom tags), Download and run script. The script comes from the
// API (POST …/ArcLink.Lab/onboardingScripts); its refusals are shown as they come.
import { arm, V } from "./api.js";
import { busy, clear, copyButton, field, h, link, loading, notice, select, uid } from "./dom.js";
import { locations, resourceGroups, scopes, sub, subscriptions } from "./data.js";
import type { View } from "./main.js";
import { wizard } from "./wizard.js";

type Tab = "basics" | "auth" | "tags" | "download";

const CONNECTIVITY_LABEL: Record<string, string> = {
  public: "Public endpoint",
  proxy: "Proxy server",
  privateEndpoint: "Private endpoint",
};

const PHYSICAL: Array<[string, string]> = [
  ["datacenter", "Datacenter"],
  ["city", "City"],
  ["stateOrDistrict", "StateOrDistrict"],
  ["countryOrRegion", "CountryOrRegion"],
];

export async function renderGenerateScript(v: View, mode: "single" | "multiple"): Promise<void> {
  const { root } = v;
  root.append(loading());
  const [subs, locs] = await Promise.all([subscriptions(), locations(v.cfg.subscriptionId)]);
  clear(root);

  // ── Basics ──
  const subSel = select(
    subs.map((s) => ({ value: s.subscriptionId, label: `${s.displayName} (${s.subscriptionId})` })),
    v.cfg.subscriptionId,
  );
  const rgSel = h("select");
  const regionSel = select(
    locs.map((l) => ({ value: l.name, label: l.displayName ?? l.name })),
    "eastus",
  );
  const osSel = select(
    [
      { value: "windows", label: "Windows" },
      { value: "linux", label: "Linux" },
    ],
    "windows",
  );
  const connName = uid("conn");
  const radios = (
    [
      ["public", "Public endpoint"],
      ["proxy", "Proxy server"],
      ["privateEndpoint", "Private endpoint"],
    ] as const
  ).map(([value, label]) => {
    const r = h("input", {
      type: "radio",
      name: connName,
      id: uid("conn"),
      value,
      checked: value === "public",
    });
    return { value, r, row: h("div", { class: "radio" }, r, h("label", { for: r.id }, label)) };
  });
  const proxyIn = h("input", { type: "text", placeholder: "http://proxy.contoso.com:3128" });
  const proxyField = field("Proxy URL", proxyIn);
  const scopeSel = h("select");
  const scopeField = field(
    "Private Link Scope",
    scopeSel,
    "The Azure Arc Private Link Scope the machines connect through; it must be in the region selected above.",
  );
  const connectivity = () => radios.find((x) => x.r.checked)?.value ?? "public";
  const syncConn = () => {
    proxyField.hidden = connectivity() !== "proxy";
    scopeField.hidden = connectivity() !== "privateEndpoint";
  };
  for (const x of radios) x.r.addEventListener("change", syncConn);
  syncConn();
  const basicsOut = h("div", { class: "out" });
  const loadLists = async () => {
    clear(rgSel);
    clear(scopeSel);
    rgSel.append(h("option", { value: "" }, "Loading…"));
    try {
      const [rgs, pls] = await Promise.all([resourceGroups(subSel.value), scopes(subSel.value)]);
      clear(rgSel);
      rgSel.append(h("option", { value: "" }, "Select a resource group"));
      for (const g of rgs) rgSel.append(h("option", { value: g.name }, g.name));
      scopeSel.append(
        h(
          "option",
          { value: "" },
          pls.length ? "Select a Private Link Scope" : "No scopes in this subscription",
        ),
      );
      for (const p of pls) scopeSel.append(h("option", { value: p.id }, `${p.name} (${p.location})`));
    } catch (e) {
      basicsOut.append(notice(`The lists could not be loaded: ${(e as Error).message}`, "warning"));
    }
  };
  subSel.addEventListener("change", () => void loadLists());
  const basics = h(
    "div",
    null,
    h("h2", null, "Project details"),
    field("Subscription", subSel),
    field("Resource group", rgSel, "The machines are created in this resource group."),
    h("h2", null, "Server details"),
    field("Region", regionSel, "Where the machines' metadata is stored."),
    field("Operating system", osSel),
    h(
      "fieldset",
      null,
      h("legend", null, "Connectivity method"),
      radios.map((x) => x.row),
      proxyField,
      scopeField,
    ),
    basicsOut,
  );

  // ── Authentication ──
  const spId = h("input", {
    type: "text",
    autocomplete: "off",
    placeholder: "00000000-0000-0000-0000-000000000000",
  });
  const spSecret = h("input", { type: "password", autocomplete: "new-password" });
  const auth = h(
    "div",
    null,
    h("h2", null, "Authentication"),
    h(
      "p",
      { class: "hint" },
      "The service principal created for Azure Arc-enabled servers (role Azure Connected Machine Onboarding). The script uses it to onboard every server unattended.",
    ),
    field("Service principal client (application) ID", spId),
    field("Service principal secret", spSecret),
  );

  // ── Tags ──
  const physical = PHYSICAL.map(([key, label]) => ({ key, input: h("input", { type: "text" }), label }));
  const custom = h("div", { class: "custom-tags" });
  const addTag = () => {
    const n = h("input", { type: "text", "aria-label": "Tag name" });
    const val = h("input", { type: "text", "aria-label": "Tag value" });
    const row = h(
      "div",
      { class: "tag-row" },
      n,
      val,
      h(
        "button",
        { type: "button", class: "link", "aria-label": "Remove tag", onclick: () => row.remove() },
        "Remove",
      ),
    );
    custom.append(row);
    n.focus();
  };
  const tags = h(
    "div",
    null,
    h("h2", null, "Physical location tags"),
    h("p", { class: "hint" }, "Suggested tags that say where the servers are; leave empty to skip one."),
    physical.map((p) => field(p.label, p.input)),
    h("h2", null, "Custom tags"),
    custom,
    h("button", { type: "button", onclick: addTag }, "+ Add tag"),
  );

  // ── Download and run script ──
  const download = h("div");
  const gather = () => {
    const physicalLocation: Record<string, string> = {};
    for (const p of physical) if (p.input.value.trim()) physicalLocation[p.key] = p.input.value.trim();
    const customTags: Record<string, string> = {};
    for (const row of Array.from(custom.querySelectorAll(".tag-row"))) {
      const [n, val] = Array.from(row.querySelectorAll("input")) as HTMLInputElement[];
      if (n.value.trim()) customTags[n.value.trim()] = val.value;
    }
    const body: Record<string, unknown> = {
      os: osSel.value,
      resourceGroup: rgSel.value,
      location: regionSel.value,
      authType: mode === "multiple" ? "servicePrincipal" : "interactive",
      connectivity: connectivity(),
    };
    if (mode === "multiple") {
      body.servicePrincipalClientId = spId.value.trim();
      body.servicePrincipalSecret = spSecret.value;
    }
    if (connectivity() === "proxy") body.proxyUrl = proxyIn.value.trim();
    if (connectivity() === "privateEndpoint") body.privateLinkScopeId = scopeSel.value;
    if (Object.keys(physicalLocation).length) body.physicalLocation = physicalLocation;
    if (Object.keys(customTags).length) body.tags = customTags;
    return body;
  };
  const renderDownload = () => {
    clear(download);
    const body = gather();
    const out = h("div", { class: "out" });
    const result = h("div");
    const gen = h("button", { type: "button", class: "primary" }, "Generate script");
    gen.addEventListener("click", async () => {
      clear(result);
      const r = await busy(gen, out, "Generating…", () =>
        arm("POST", `${sub(subSel.value)}/providers/ArcLink.Lab/onboardingScripts`, V.lab, body),
      );
      if (!r) return;
      const text = h("textarea", {
        readonly: true,
        rows: "18",
        class: "mono",
        "aria-label": "Onboarding script",
      });
      text.value = String(r.text ?? "");
      const dl = h("button", { type: "button", class: "primary" }, `Download ${r.fileName}`);
      dl.addEventListener("click", () => {
        const blob = new Blob([String(r.text ?? "")], { type: "text/plain" });
        const url = URL.createObjectURL(blob);
        const a = h("a", { href: url, download: String(r.fileName ?? "OnboardingScript.txt") });
        document.body.append(a);
        a.click();
        a.remove();
        setTimeout(() => URL.revokeObjectURL(url), 10_000);
      });
      const run =
        r.os === "windows"
          ? `Run it in PowerShell as an administrator: .\\${r.fileName}`
          : `Run it as root: sudo bash ${r.fileName}`;
      result.append(
        notice(
          `Script ${r.fileName} generated (${CONNECTIVITY_LABEL[String(r.connectivity)] ?? r.connectivity}).`,
          "success",
        ),
        h("p", null, run),
        h(
          "div",
          { class: "buttons" },
          dl,
          copyButton(() => text.value, "script"),
        ),
        text,
      );
    });
    const rows: Array<[string, string]> = [
      ["Subscription", subSel.value],
      ["Resource group", String(body.resourceGroup || "—")],
      ["Region", String(body.location)],
      ["Operating system", String(body.os)],
      [
        "Authentication",
        mode === "multiple"
          ? `Service principal ${body.servicePrincipalClientId || "—"}`
          : "Interactive sign-in",
      ],
      [
        "Connectivity method",
        body.connectivity === "privateEndpoint"
          ? `Private endpoint (${String(body.privateLinkScopeId || "no scope selected")
              .split("/")
              .pop()})`
          : body.connectivity === "proxy"
            ? `Proxy server ${String(body.proxyUrl || "—")}`
            : "Public endpoint",
      ],
      [
        "Tags",
        [
          ...Object.entries((body.physicalLocation as Record<string, string>) ?? {}).map(
            ([k, val]) => `${PHYSICAL.find(([key]) => key === k)?.[1] ?? k}=${val}`,
          ),
          ...Object.entries((body.tags as Record<string, string>) ?? {}).map(([k, val]) => `${k}=${val}`),
        ].join(", ") || "—",
      ],
    ];
    download.append(
      h("h2", null, "Review"),
      h(
        "dl",
        { class: "props" },
        rows.map(([k, val]) => [h("dt", null, k), h("dd", null, val)]),
      ),
      h(
        "p",
        { class: "hint" },
        "Run the script on each server with an administrator (root) account. If a server has no internet access, download the agent elsewhere and change the script to use its path.",
      ),
      h("div", { class: "buttons" }, gen),
      out,
      result,
    );
  };

  // ── Tabs ──
  const steps: Array<[Tab, string, HTMLElement]> = [
    ["basics", "Basics", basics],
    ...(mode === "multiple" ? [["auth", "Authentication", auth] as [Tab, string, HTMLElement]] : []),
    ["tags", "Tags", tags],
    ["download", "Download and run script", download],
  ];
  const { tabList, nav, show } = wizard<Tab>("Generate script steps", steps, (t) => {
    if (t === "download") renderDownload();
  });
  root.append(
    h(
      "p",
      { class: "crumbs" },
      link("/machines", "Machines – Azure Arc"),
      " › ",
      link("/machines/add", "Add servers with Azure Arc"),
      " › Generate script",
    ),
    h("h1", null, `Add ${mode === "multiple" ? "multiple servers" : "a single server"} with Azure Arc`),
    tabList,
    ...steps.map(([, , panel]) => panel),
    nav,
  );
  show("basics");
  await loadLists();
}
