/// <reference lib="dom" />
// "Deploy a custom template", as Azure's portal has it: Template (paste it or upload a file; it is
// read as the deployment will read it, and a template that cannot be read says where), Basics
// (subscription, resource group, deployment name, and the parameters form generated from the
// template), Review + create (the deployment's what-if: Azure's resource changes, and the machines
// whose verdicts change, through the shared Review step), then Create: the deployment's PUT, and
// its result page.
import { arm, ApiError, armStart, JsonText, V } from "./api.js";
import { clear, errorBox, field, h, idRoute, link, loading, notice, select } from "./dom.js";
import { deploymentWhatIf, encodeId, resourceGroups, subscriptions } from "./data.js";
import { parametersFileField, parametersForm, ParametersForm } from "./templateParameters.js";
import { deploymentBody, Read, readTemplate } from "./templateText.js";
import { renderResourceChanges } from "./resourceChanges.js";
import { gate, reviewOf } from "./review.js";
import type { View } from "./main.js";
import { wizard } from "./wizard.js";

type Tab = "template" | "basics" | "review";

function defaultName(): string {
  const d = new Date();
  const p = (n: number) => String(n).padStart(2, "0");
  return `Microsoft.Template-${d.getUTCFullYear()}${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())}${p(
    d.getUTCHours(),
  )}${p(d.getUTCMinutes())}${p(d.getUTCSeconds())}`;
}

const NAME = /^[-\w._()]{1,64}$/;

export async function renderDeployTemplate(v: View): Promise<void> {
  const { root } = v;
  root.append(loading());
  const subs = await subscriptions();
  clear(root);

  // ── Template ──
  const text = h("textarea", {
    id: "template-text",
    class: "mono template-editor",
    "aria-describedby": "template-text-hint",
    rows: "22",
    spellcheck: "false",
    placeholder:
      '{\n  "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",\n  "contentVersion": "1.0.0.0",\n  "resources": []\n}',
  });
  const file = h("input", { type: "file", id: "template-file", accept: ".json,.jsonc,application/json" });
  const status = h("div", { class: "template-status", "aria-live": "polite" });
  let read: Read = readTemplate("");
  const check = () => {
    read = readTemplate(text.value);
    clear(status);
    if (read.ok) {
      const t = read.template;
      const n = (x: unknown) =>
        Array.isArray(x) ? x.length : x && typeof x === "object" ? Object.keys(x).length : 0;
      status.append(
        notice(
          `Template read: ${n(t.parameters)} parameter${n(t.parameters) === 1 ? "" : "s"}, ${n(t.resources)} resource${
            n(t.resources) === 1 ? "" : "s"
          }${t.outputs ? `, ${n(t.outputs)} output${n(t.outputs) === 1 ? "" : "s"}` : ""}.`,
          "success",
        ),
      );
    } else if (text.value.trim()) {
      status.append(errorBox(read.error, "The template cannot be read"));
      const at = read.at;
      if (at !== undefined)
        status.append(
          h(
            "button",
            {
              type: "button",
              class: "link",
              onclick: () => {
                text.focus();
                text.setSelectionRange(at, at + 1);
              },
            },
            "Go to the error in the template",
          ),
        );
    }
  };
  text.addEventListener("input", check);
  file.addEventListener("change", async () => {
    const f = file.files?.[0];
    if (!f) return;
    text.value = await f.text();
    check();
  });
  const templateTab = h(
    "div",
    null,
    h("h2", null, "Template"),
    h(
      "p",
      { class: "hint" },
      "Paste an Azure Resource Manager template, or upload a template file. Comments are kept: the deployment reads the template as written, so an error's line and position are those of your text.",
    ),
    field("Upload a template file", file),
    h(
      "div",
      { class: "editor" },
      h("label", { for: text.id }, "Template (JSON)"),
      text,
      h(
        "div",
        { class: "hint", id: "template-text-hint" },
        "Its parameters become the form on the Basics tab.",
      ),
    ),
    status,
  );

  // ── Basics ──
  const subSel = select(
    subs.map((s) => ({ value: s.subscriptionId, label: `${s.displayName} (${s.subscriptionId})` })),
    v.cfg.subscriptionId,
  );
  const rgSel = h("select");
  const region = h("input", { type: "text", readonly: true, value: "" });
  const nameIn = h("input", { type: "text", value: defaultName() });
  let groups: any[] = [];
  const basicsOut = h("div", { class: "out" });
  const loadGroups = async () => {
    clear(rgSel);
    rgSel.append(h("option", { value: "" }, "Loading…"));
    try {
      groups = await resourceGroups(subSel.value);
      clear(rgSel);
      rgSel.append(h("option", { value: "" }, "Select a resource group"));
      for (const g of groups) rgSel.append(h("option", { value: g.name }, g.name));
    } catch (e) {
      clear(rgSel);
      rgSel.append(h("option", { value: "" }, "Could not list resource groups"));
      basicsOut.append(errorBox(e, "The resource groups could not be listed"));
    }
    region.value = "";
  };
  subSel.addEventListener("change", () => void loadGroups());
  rgSel.addEventListener("change", () => {
    region.value = groups.find((g) => g.name === rgSel.value)?.location ?? "";
  });
  const paramsBox = h("div");
  let form: ParametersForm | undefined;
  let formFor: string | undefined;
  const renderParams = () => {
    if (formFor === text.value && form) return;
    clear(paramsBox);
    formFor = text.value;
    form = undefined;
    if (!read.ok) {
      paramsBox.append(
        errorBox(read.error, "The template cannot be read"),
        h("p", { class: "hint" }, "Fix the template on the Template tab: its parameters are read from it."),
      );
      return;
    }
    form = parametersForm(read.template.parameters);
    paramsBox.append(...parametersFileField(form), form.el);
  };
  const basics = h(
    "div",
    null,
    h("h2", null, "Project details"),
    h("p", { class: "hint" }, "Select the subscription and the resource group the template deploys into."),
    field("Subscription", subSel),
    field("Resource group", rgSel),
    field(
      "Region",
      region,
      "The resource group's region (resource group deployments keep their metadata there).",
    ),
    field("Deployment name", nameIn, "1–64 letters, digits, '-', '.', '_', '(' or ')'."),
    h("h2", null, "Instance details"),
    paramsBox,
    basicsOut,
  );

  // ── Review + create ──
  const review = h("div");
  let reviews = 0;
  const renderReview = () => {
    clear(review);
    const mine = ++reviews;
    const problems: string[] = [];
    if (!read.ok) problems.push(`The template cannot be read (Template): ${read.error.message}`);
    if (!subSel.value) problems.push("Select a subscription (Basics).");
    if (!rgSel.value) problems.push("Select a resource group (Basics).");
    const name = nameIn.value.trim();
    if (!NAME.test(name))
      problems.push(
        `The deployment name '${name}' is invalid: use 1-64 letters, digits, '-', '.', '_', '(' or ')' (Basics).`,
      );
    renderParams();
    const values = form?.read() ?? { parameters: {}, problems: [] };
    problems.push(...values.problems.map((p) => `${p} (Basics)`));
    const validation = h("div", { class: "validation", "aria-live": "polite" });
    review.append(validation);
    if (problems.length) {
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
      return;
    }
    const rgId = `/subscriptions/${subSel.value}/resourceGroups/${rgSel.value}`;
    const id = `${rgId}/providers/Microsoft.Resources/deployments/${name}`;
    const body = deploymentBody(text.value, values.parameters);
    review.append(
      h("h2", null, "Basics"),
      h(
        "dl",
        { class: "props" },
        [
          ["Subscription", subSel.value],
          ["Resource group", rgSel.value],
          ["Region", region.value || "—"],
          ["Deployment name", name],
          ["Deployment mode", "Incremental"],
        ].map(([k, val]) => [h("dt", null, k), h("dd", null, val)]),
      ),
      h("h2", null, "Parameters"),
      form && form.summary().length
        ? h(
            "dl",
            { class: "props" },
            form
              .summary()
              .map(([k, val]) => [h("dt", null, k), h("dd", null, h("code", { class: "wrap" }, val))]),
          )
        : h("p", null, "None"),
    );
    const changesBox = h("div", null, loading("Running the deployment's what-if…"));
    let whatIfOk = false;
    // One what-if answers both: Azure's resource changes here, ArcLink's machines in the review.
    const r = reviewOf(async () => {
      try {
        const x = await deploymentWhatIf(id, body);
        if (mine === reviews) {
          whatIfOk = true;
          clear(changesBox);
          changesBox.append(renderResourceChanges(x.changes));
          validation.append(notice("Validation passed: the deployment's what-if ran.", "success"));
        }
        return x.report;
      } catch (e) {
        clear(changesBox);
        validation.append(
          h(
            "div",
            { class: "error", role: "alert" },
            h(
              "div",
              { class: "error-title" },
              "Validation failed: Resource Manager refuses this deployment (see below).",
            ),
          ),
        );
        throw e;
      }
    }, `deploying ${name}`);
    const create = h("button", { type: "button", class: "primary", disabled: true }, "Create");
    const out = h("div", { class: "out" });
    review.append(changesBox, r.el, h("div", { class: "buttons" }, create), out);
    gate(r, create, () => whatIfOk);
    create.addEventListener("click", () => void runDeployment(id, name, body, create, out));
  };

  const { tabList, nav, show } = wizard<Tab>(
    "Custom deployment steps",
    [
      ["template", "Template", templateTab],
      ["basics", "Basics", basics],
      ["review", "Review + create", review],
    ],
    (t) => {
      if (t === "basics") renderParams();
      if (t === "review") renderReview();
    },
  );
  root.append(
    h("h1", null, "Custom deployment", h("span", { class: "subtitle" }, " Deploy from a custom template")),
    h("div", { class: "toolbar" }, link("/deployments", "Deployments of a resource group")),
    tabList,
    templateTab,
    basics,
    review,
    nav,
  );
  show("template");
  await loadGroups();
}

/**
 * The deployment's PUT, which Resource Manager answers at once (Accepted) while the deployment runs
 * on; its record is then read until it has ended (showing its state meanwhile), and its result
 * page opened.
 */
async function runDeployment(
  id: string,
  name: string,
  body: JsonText,
  button: HTMLButtonElement,
  out: HTMLElement,
): Promise<void> {
  button.disabled = true;
  clear(out);
  out.append(loading(`Deployment ${name} is being submitted…`));
  let failure: unknown;
  try {
    const accepted = await armStart("PUT", encodeId(id), V.resources, body);
    let state = String(accepted?.properties?.provisioningState ?? "");
    for (let i = 0; ["Accepted", "Running"].includes(state); i++) {
      clear(out);
      out.append(
        h("p", { class: "deploy-progress", role: "status" }, `Deployment ${name} is in progress: ${state}.`),
      );
      await new Promise((res) => setTimeout(res, Math.min(250 * (i + 1), 2000)));
      const now = await arm("GET", encodeId(id), V.resources);
      state = String(now?.properties?.provisioningState ?? "");
    }
  } catch (e) {
    failure = e;
  }
  // A deployment that ran (succeeded or failed) has its record: its page says what happened.
  const record = await arm("GET", encodeId(id), V.resources).catch(() => undefined);
  if (record?.id) {
    location.hash = `#${idRoute("deployment", record.id)}`;
    return;
  }
  clear(out);
  out.append(
    errorBox(
      failure ?? new ApiError(500, "DeploymentNotFound", "The deployment's record could not be read."),
      "The deployment was refused",
    ),
    h(
      "p",
      { class: "hint" },
      "Nothing was deployed. ",
      link("/deploy", "Start again"),
      " or fix the template and select Create again.",
    ),
  );
  button.disabled = false;
}
