/// <reference lib="dom" />
// Deployments: a resource group's list (paged through ARM's $top/nextLink, searched, filtered by
// status), and a deployment's page, as the portal shows one after Create: Overview (its status, the error with
// its inner errors when it failed, the deployment details: each operation from
// …/deployments/{name}/operations with its resource, status and message), Outputs, Inputs and
// Template (exportTemplate).
import { arm, groupOf, nameOf, V } from "./api.js";
import {
  Child,
  clear,
  errorBox,
  field,
  h,
  idRoute,
  idWithCopy,
  link,
  loading,
  notice,
  table,
} from "./dom.js";
import { encodeId, resourceGroups, sub } from "./data.js";
import { pagedList } from "./pagedList.js";
import { resourcePage } from "./resourcePage.js";
import type { View } from "./main.js";

/** The deployments of one resource group (chosen here; ARM lists them per group). */
export async function renderDeployments(v: View): Promise<void> {
  const { root } = v;
  const groups = await resourceGroups(v.cfg.subscriptionId);
  const rgSel = h(
    "select",
    null,
    groups.map((g) => h("option", { value: g.name }, g.name)),
  );
  const wanted = new URLSearchParams(location.hash.split("?")[1] ?? "").get("group");
  if (wanted && groups.some((g) => g.name === wanted)) rgSel.value = wanted;
  const box = h("div");
  const show = () => {
    clear(box);
    if (!rgSel.value) return box.append(notice("The subscription has no resource group.", "info"));
    const list = pagedList<any>({
      label: "Deployments",
      path: `${sub(v.cfg.subscriptionId)}/resourceGroups/${encodeURIComponent(rgSel.value)}/providers/Microsoft.Resources/deployments`,
      apiVersion: V.resources,
      top: 100,
      columns: ["Deployment name", "Status", "Time", "Duration"],
      name: (d) => String(d.name),
      rowAttrs: (d) => ({ deployment: String(d.name), state: String(d.properties?.provisioningState ?? "") }),
      row: (d) => [
        link(idRoute("deployment", d.id), d.name),
        h(
          "span",
          { class: `deploy-state ${String(d.properties?.provisioningState ?? "").toLowerCase()}` },
          d.properties?.provisioningState ?? "—",
        ),
        d.properties?.timestamp ?? "—",
        d.properties?.duration ?? "—",
      ],
      filters: [{ label: "Status", value: (d) => String(d.properties?.provisioningState ?? "") }],
    });
    box.append(list.el);
  };
  rgSel.addEventListener("change", show);
  root.append(
    h("p", { class: "crumbs" }, link("/deploy", "Deploy a custom template"), " › Deployments"),
    h("h1", null, "Deployments"),
    field("Resource group", rgSel),
    box,
  );
  show();
}

export function renderDeployment(v: View, id: string, tab = "overview"): Promise<void> {
  return resourcePage(v, {
    id,
    apiVersion: V.resources,
    kind: "Deployment",
    list: [`/deployments?group=${encodeURIComponent(groupOf(id))}`, "Deployments"],
    route: "deployment",
    tabs: [
      ["overview", "Overview", overviewTab],
      ["outputs", "Outputs", outputsTab],
      ["inputs", "Inputs", inputsTab],
      ["template", "Template", templateTab],
    ],
    tab,
    navLabel: "Deployment pages",
  });
}

/** The portal's page of a resource, where it has one. */
function resourceLink(id: string): Child {
  const routes: Array<[RegExp, string]> = [
    [/\/privateLinkScopes\/[^/]+$/i, "scope"],
    [/\/privateEndpoints\/[^/]+$/i, "endpoint"],
    [/\/privateDnsZones\/[^/]+$/i, "zone"],
    [/\/machines\/[^/]+$/i, "machine"],
    [/\/deployments\/[^/]+$/i, "deployment"],
  ];
  const hit = routes.find(([re]) => re.test(id));
  return hit ? link(idRoute(hit[1], id), nameOf(id)) : nameOf(id);
}

/** An ARM error and its inner errors, at every depth (a nested deployment's error holds its own). */
function errorTree(e: any): HTMLElement {
  return h(
    "li",
    { dataset: { code: String(e?.code ?? "") } },
    h("code", { class: "error-code" }, String(e?.code ?? "Error")),
    " ",
    String(e?.message ?? ""),
    e?.target ? h("div", { class: "error-target" }, `Target: ${e.target}`) : null,
    Array.isArray(e?.details) && e.details.length
      ? h("ul", { class: "inner-errors" }, e.details.map(errorTree))
      : null,
  );
}

async function overviewTab(pane: HTMLElement, d: any): Promise<void> {
  const p = d.properties ?? {};
  const state = String(p.provisioningState ?? "");
  if (state === "Succeeded")
    pane.append(notice(`Your deployment is complete: ${d.name} succeeded.`, "success"));
  else if (state === "Failed")
    pane.append(
      h(
        "div",
        { class: "error deployment-error", role: "alert" },
        h("div", { class: "error-title" }, `Your deployment failed: ${d.name}`),
        p.error ? h("ul", { class: "inner-errors outermost" }, errorTree(p.error)) : null,
      ),
    );
  else pane.append(notice(`Deployment ${d.name}: ${state || "state unknown"}.`, "info"));
  pane.append(
    h(
      "dl",
      { class: "props" },
      (
        [
          ["Deployment name", d.name],
          ["Status", h("span", { class: `deploy-state ${state.toLowerCase()}` }, state || "—")],
          ["Subscription", String(d.id).split("/")[2]],
          ["Resource group", groupOf(d.id) || "—"],
          ["Mode", p.mode ?? "—"],
          ["Time", p.timestamp ?? "—"],
          ["Duration", p.duration ?? "—"],
          ["Correlation id", p.correlationId ? idWithCopy(p.correlationId, "correlation id") : "—"],
        ] as Array<[string, Child]>
      ).map(([k, val]) => [h("dt", null, k), h("dd", null, val)]),
    ),
  );
  const details = h("div", null, loading("Reading the deployment's operations…"));
  pane.append(h("h2", null, "Deployment details"), details);
  try {
    const r = await arm("GET", `${encodeId(d.id)}/operations`, V.resources);
    const ops: any[] = Array.isArray(r?.value) ? r.value : [];
    clear(details);
    details.append(
      table(
        ["Resource", "Type", "Operation", "Status", "Status code", "Operation details"],
        ops.map((o) => {
          const op = o.properties ?? {};
          const target = op.targetResource ?? {};
          const msg = op.statusMessage;
          const err = msg?.error ?? (msg?.status === "Failed" ? msg : undefined);
          return [
            target.id ? resourceLink(target.id) : (target.resourceName ?? "—"),
            target.resourceType ?? "—",
            op.provisioningOperation ?? "—",
            h(
              "span",
              { class: `deploy-state ${String(op.provisioningState ?? "").toLowerCase()}` },
              op.provisioningState ?? "—",
            ),
            op.statusCode ?? "—",
            err ? h("ul", { class: "inner-errors" }, errorTree(err)) : "",
          ];
        }),
        { "aria-label": "Deployment operations" },
      ),
    );
  } catch (e) {
    clear(details);
    details.append(errorBox(e, "The deployment's operations could not be read"));
  }
  const made: any[] = Array.isArray(p.outputResources) ? p.outputResources : [];
  if (made.length)
    pane.append(
      h("h2", null, "Resources deployed"),
      h(
        "ul",
        { class: "output-resources", "aria-label": "Resources deployed" },
        made.map((x) =>
          h("li", null, resourceLink(String(x.id)), " ", h("span", { class: "hint" }, String(x.id))),
        ),
      ),
    );
}

function valueText(v: unknown): string {
  return typeof v === "string" ? v : JSON.stringify(v, null, 2);
}

function outputsTab(pane: HTMLElement, d: any): void {
  const outputs = d.properties?.outputs ?? {};
  pane.append(
    table(
      ["Name", "Type", "Value"],
      Object.entries(outputs).map(([k, o]: [string, any]) => [
        k,
        String(o?.type ?? ""),
        h("code", { class: "wrap" }, valueText(o?.value)),
      ]),
      { "aria-label": "Outputs" },
    ),
  );
  if (d.properties?.provisioningState === "Failed")
    pane.append(h("p", { class: "hint" }, "A failed deployment has no outputs."));
}

function inputsTab(pane: HTMLElement, d: any): void {
  const params = d.properties?.parameters ?? {};
  pane.append(
    table(
      ["Name", "Type", "Value"],
      Object.entries(params).map(([k, o]: [string, any]) => {
        const secure = /^secure/i.test(String(o?.type ?? ""));
        return [
          k,
          String(o?.type ?? ""),
          secure ? "••••••••" : h("code", { class: "wrap" }, valueText(o?.value)),
        ];
      }),
      { "aria-label": "Inputs" },
    ),
  );
}

async function templateTab(pane: HTMLElement, d: any): Promise<void> {
  const box = h("div", null, loading("Reading the template…"));
  pane.append(box);
  try {
    const r = await arm("POST", `${encodeId(d.id)}/exportTemplate`, V.resources, {});
    clear(box);
    const ta = h("textarea", {
      readonly: true,
      rows: "24",
      class: "mono",
      "aria-label": "Template",
    });
    ta.value = JSON.stringify(r?.template ?? {}, null, 2);
    box.append(ta);
  } catch (e) {
    clear(box);
    box.append(errorBox(e, "The template could not be read"));
  }
}
