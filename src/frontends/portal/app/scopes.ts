/// <reference lib="dom" />
// Azure Arc Private Link Scopes: the list, and a scope's pages — Overview (delete), Azure Arc
// resources (+ Add: machines of the scope's subscription and region; each one's propagation state
// from the check evaluator), Private endpoint connections (approve, reject, remove) and Network
// isolation (Allow public network access).
import { arm, groupOf, nameOf, sameId, V } from "./api.js";
import {
  askDialog,
  busy,
  clear,
  confirmDialog,
  errorBox,
  idWithCopy,
  h,
  idRoute,
  link,
  loading,
  notice,
  table,
  takeFlash,
} from "./dom.js";
import {
  associationState,
  check,
  encodeId,
  HostCheck,
  lint,
  MACHINES,
  ProposedCall,
  scopes,
  sub,
} from "./data.js";
import { pagedList } from "./pagedList.js";
import { reviewChange } from "./review.js";
import type { View } from "./main.js";
import { deleteToolbar, resourcePage } from "./resourcePage.js";

export async function renderScopes(v: View): Promise<void> {
  const { root } = v;
  root.append(
    h("h1", null, "Azure Arc Private Link Scopes"),
    takeFlash(),
    h(
      "div",
      { class: "toolbar" },
      h("a", { class: "button primary", href: "#/scopes/create" }, "+ Create"),
      h("button", { type: "button", onclick: () => void refresh() }, "Refresh"),
    ),
  );
  const body = h("div");
  root.append(body);
  const refresh = async () => {
    clear(body);
    body.append(loading());
    try {
      const items = await scopes(v.cfg.subscriptionId);
      clear(body);
      body.append(
        table(
          ["Name", "Resource group", "Location", "Public network access", "Private endpoint connections"],
          items.map((s) => [
            link(idRoute("scope", s.id), s.name),
            groupOf(s.id),
            s.location,
            s.properties?.publicNetworkAccess ?? "",
            String(s.properties?.privateEndpointConnections?.length ?? 0),
          ]),
          { "aria-label": "Azure Arc Private Link Scopes" },
        ),
      );
    } catch (e) {
      clear(body);
      body.append(errorBox(e, "The scopes could not be listed"));
    }
  };
  await refresh();
}

export function renderScope(v: View, id: string, tab = "overview"): Promise<void> {
  return resourcePage(v, {
    id,
    apiVersion: V.hybridCompute,
    kind: "Azure Arc Private Link Scope",
    list: ["/scopes", "Azure Arc Private Link Scopes"],
    route: "scope",
    tabs: [
      ["overview", "Overview", overviewTab],
      ["resources", "Azure Arc resources", resourcesTab],
      ["connections", "Private endpoint connections", connectionsTab],
      ["network", "Network isolation", networkTab],
    ],
    tab,
    navLabel: "Scope pages",
  });
}

function props(rows: Array<[string, unknown]>): HTMLElement {
  return h(
    "dl",
    { class: "props" },
    rows.map(([k, val]) => [h("dt", null, k), h("dd", null, val instanceof Node ? val : String(val ?? "—"))]),
  );
}

function overviewTab(pane: HTMLElement, scope: any): void {
  pane.append(
    ...deleteToolbar(
      scope,
      V.hybridCompute,
      "/scopes",
      `The Azure Arc Private Link Scope ${scope.name} and its private endpoint connections will be deleted. Machines associated with it can no longer connect through its private endpoints.`,
    ),
    props([
      ["Resource group", groupOf(scope.id)],
      ["Location", scope.location],
      ["Subscription", scope.id.split("/")[2]],
      ["Private Link Scope id", scope.properties?.privateLinkScopeId],
      ["Public network access", scope.properties?.publicNetworkAccess],
      ["Provisioning state", scope.properties?.provisioningState],
      ["Private endpoint connections", String(scope.properties?.privateEndpointConnections?.length ?? 0)],
      ["Resource id", idWithCopy(scope.id)],
    ]),
  );
}

/** A row's checkbox that holds `key` in `set` while it is checked. */
function memberBox(set: Set<string>, key: string, label: string): HTMLInputElement {
  return h("input", {
    type: "checkbox",
    "aria-label": label,
    checked: set.has(key),
    onchange: (ev: Event) => {
      if ((ev.target as HTMLInputElement).checked) set.add(key);
      else set.delete(key);
    },
  });
}

function networkTab(pane: HTMLElement, scope: any): void {
  const box = h("input", {
    type: "checkbox",
    id: "allow-public",
    checked: scope.properties?.publicNetworkAccess !== "Disabled",
  });
  const out = h("div", { class: "out" });
  const save = h("button", { type: "button", class: "primary" }, "Save");
  save.addEventListener("click", async () => {
    const value = box.checked ? "Enabled" : "Disabled";
    const body = {
      location: scope.location,
      tags: scope.tags ?? {},
      properties: { publicNetworkAccess: value },
    };
    const review = reviewChange(
      subOf(scope.id),
      [{ method: "PUT", id: scope.id, apiVersion: V.hybridCompute, body, label: `Scope ${scope.name}` }],
      `setting public network access to ${value}`,
    );
    const asked = await askDialog({
      title: `Save public network access: ${value}?`,
      message: `Public network access of ${scope.name} becomes ${value}.`,
      confirmLabel: "Save",
      review,
    });
    if (!asked.ok) return;
    const r = await busy(save, out, "Saving…", () => arm("PUT", encodeId(scope.id), V.hybridCompute, body));
    if (r) {
      scope = r;
      out.append(notice(`Saved: public network access is ${r.properties?.publicNetworkAccess}.`, "success"));
    }
  });
  pane.append(
    h("h2", null, "Public network access"),
    h(
      "p",
      null,
      "When public network access is allowed, machines associated with this scope can reach Azure Arc over both private endpoints and public networks. When it is not, they must use a private endpoint.",
    ),
    h(
      "div",
      { class: "check-field" },
      box,
      h("label", { for: "allow-public" }, "Allow public network access"),
    ),
    h("div", { class: "buttons" }, save),
    out,
  );
}

function connectionsTab(pane: HTMLElement, scope: any): void {
  const out = h("div", { class: "out" });
  const body = h("div");
  const selected = new Set<string>();
  const approve = h("button", { type: "button" }, "Approve");
  const reject = h("button", { type: "button" }, "Reject");
  const remove = h("button", { type: "button", class: "danger" }, "Remove");
  const refreshBtn = h("button", { type: "button" }, "Refresh");
  const base = `${encodeId(scope.id)}/privateEndpointConnections`;
  let items: any[] = [];

  const refresh = async () => {
    clear(body);
    body.append(loading());
    try {
      const r = await arm("GET", base, V.hybridCompute);
      items = Array.isArray(r?.value) ? r.value : [];
      selected.clear();
      clear(body);
      body.append(
        table(
          ["", "Connection name", "Private endpoint", "Connection state", "Description"],
          items.map((c) => {
            const st = c.properties?.privateLinkServiceConnectionState ?? {};
            const pe = c.properties?.privateEndpoint?.id;
            const cb = h("input", {
              type: "checkbox",
              "aria-label": `Select ${c.name}`,
              onchange: (ev: Event) => {
                if ((ev.target as HTMLInputElement).checked) selected.add(c.name);
                else selected.delete(c.name);
              },
            });
            return [
              cb,
              c.name,
              pe ? link(idRoute("endpoint", pe), nameOf(pe)) : "—",
              h("span", { class: `state ${String(st.status ?? "").toLowerCase()}` }, st.status ?? ""),
              st.description ?? "",
            ];
          }),
          { "aria-label": "Private endpoint connections" },
        ),
      );
    } catch (e) {
      clear(body);
      body.append(errorBox(e, "The connections could not be listed"));
    }
  };

  const picked = (): any[] | undefined => {
    const list = items.filter((c) => selected.has(c.name));
    if (!list.length) {
      clear(out);
      out.append(notice("Select one or more connections first.", "warning"));
      return undefined;
    }
    return list;
  };

  const decide = async (button: HTMLButtonElement, status: "Approved" | "Rejected") => {
    const list = picked();
    if (!list) return;
    const verb = status === "Approved" ? "Approve" : "Reject";
    const review = reviewChange(
      subOf(scope.id),
      list.map((c) => ({
        method: "PUT" as const,
        id: `${scope.id}/privateEndpointConnections/${c.name}`,
        apiVersion: V.hybridCompute,
        body: { properties: { privateLinkServiceConnectionState: { status, description: `${status}` } } },
        label: `Connection ${c.name}`,
      })),
      `${verb.toLowerCase()}ing ${list.map((c) => c.name).join(", ")}`.replace("eing", "ing"),
    );
    const a = await askDialog({
      title: `${verb} connection${list.length > 1 ? "s" : ""}`,
      message: `${verb} ${list.map((c) => c.name).join(", ")}?`,
      confirmLabel: verb,
      input: { label: "Description", value: `${status} in the ArcLink portal` },
      review,
    });
    if (!a.ok) return;
    const ok = await busy(button, out, `${verb.replace(/e$/, "")}ing…`, async () => {
      for (const c of list) {
        await arm("PUT", `${base}/${encodeURIComponent(c.name)}`, V.hybridCompute, {
          properties: { privateLinkServiceConnectionState: { status, description: a.value } },
        });
      }
      return true;
    });
    if (ok) {
      await refresh();
      out.append(notice(`${status}: ${list.map((c) => c.name).join(", ")}.`, "success"));
    }
  };

  approve.addEventListener("click", () => void decide(approve, "Approved"));
  reject.addEventListener("click", () => void decide(reject, "Rejected"));
  remove.addEventListener("click", async () => {
    const list = picked();
    if (!list) return;
    const ok = await confirmDialog(
      "Remove connections?",
      `Remove ${list.map((c) => c.name).join(", ")}? Their private endpoints will show the connection as Disconnected.`,
      "Remove",
      reviewChange(
        subOf(scope.id),
        list.map((c) => ({
          method: "DELETE" as const,
          id: `${scope.id}/privateEndpointConnections/${c.name}`,
          apiVersion: V.hybridCompute,
          label: `Connection ${c.name}`,
        })),
        `removing ${list.map((c) => c.name).join(", ")}`,
      ),
    );
    if (!ok) return;
    const done = await busy(remove, out, "Removing…", async () => {
      for (const c of list) await arm("DELETE", `${base}/${encodeURIComponent(c.name)}`, V.hybridCompute);
      return true;
    });
    if (done) {
      await refresh();
      out.append(notice(`Removed: ${list.map((c) => c.name).join(", ")}.`, "success"));
    }
  });
  refreshBtn.addEventListener("click", () => void refresh());
  pane.append(h("div", { class: "toolbar" }, approve, reject, remove, refreshBtn), out, body);
  void refresh();
}

function resourcesTab(pane: HTMLElement, scope: any): void {
  const out = h("div", { class: "out" });
  const body = h("div");
  const addPanel = h("div");
  const selected = new Set<string>();
  const addBtn = h("button", { type: "button", class: "primary" }, "+ Add");
  const removeBtn = h("button", { type: "button", class: "danger" }, "Remove");
  const refreshBtn = h("button", { type: "button" }, "Refresh");
  const subId = scope.id.split("/")[2] as string;
  let members: any[] = [];

  // Verdicts of every host from one lint run (no traces), by machine id.
  const hostChecks = async (): Promise<Map<string, HostCheck>> => {
    const r = await lint(subId).catch(() => undefined);
    const hosts: HostCheck[] = r?.available ? r.hosts : await check(subId);
    return new Map(hosts.filter((x) => x.machineId).map((x) => [String(x.machineId).toLowerCase(), x]));
  };
  const machinesPath = `${sub(subId)}/providers/${MACHINES}`;

  const refresh = async () => {
    clear(body);
    body.append(loading("Loading machines and checking their connections…"));
    let checks = new Map<string, HostCheck>();
    const stateOf = (m: any) => associationState(checks.get(String(m.id).toLowerCase()));
    const list = pagedList<any>({
      label: "Azure Arc resources in this scope",
      path: machinesPath,
      apiVersion: V.hybridCompute,
      keep: (m) => sameId(m.properties?.privateLinkScopeResourceId, scope.id),
      columns: ["", "Name", "Resource group", "Location", "Status", "Private Link state"],
      name: (m) => String(m.name),
      rowAttrs: (m) => ({ machine: String(m.name) }),
      row: (m) => {
        const st = stateOf(m);
        return [
          memberBox(selected, m.id, `Select ${m.name}`),
          m.name,
          groupOf(m.id),
          m.location,
          m.properties?.status ?? "",
          h("span", { class: `assoc ${st.state}`, dataset: { machine: m.name, state: st.state } }, st.text),
        ];
      },
      filters: [
        { label: "Status", value: (m) => String(m.properties?.status ?? "") },
        { label: "Private Link state", value: (m) => stateOf(m).state },
      ],
    });
    try {
      checks = await hostChecks();
      await list.done;
      members = list.items().filter((m) => sameId(m.properties?.privateLinkScopeResourceId, scope.id));
      selected.clear();
      clear(body);
      body.append(
        h(
          "p",
          { class: "hint" },
          "A new association can take up to 15 minutes to be accepted. The state below is what ArcLink's check evaluator reports for the host that runs each machine; Refresh to check again.",
        ),
        list.el,
      );
      list.redraw();
    } catch (e) {
      clear(body);
      body.append(errorBox(e, "The Azure Arc resources could not be listed"));
    }
  };

  const openAdd = async () => {
    clear(addPanel);
    addPanel.append(loading("Loading machines…"));
    try {
      const picks = new Set<string>();
      const region = String(scope.location).toLowerCase();
      // Only servers in the same subscription and region as the scope (the list is by subscription).
      const offer = (m: any) =>
        String(m.location).toLowerCase() === region &&
        !sameId(m.properties?.privateLinkScopeResourceId, scope.id);
      const offered = pagedList<any>({
        label: "Servers that can be added",
        path: machinesPath,
        apiVersion: V.hybridCompute,
        keep: offer,
        columns: ["", "Name", "Resource group", "Location", "Status", "Current Private Link Scope"],
        name: (m) => String(m.name),
        row: (m) => [
          memberBox(picks, m.id, `Add ${m.name}`),
          m.name,
          groupOf(m.id),
          m.location,
          m.properties?.status ?? "",
          m.properties?.privateLinkScopeResourceId ? nameOf(m.properties.privateLinkScopeResourceId) : "—",
        ],
        filters: [
          { label: "Status", value: (m) => String(m.properties?.status ?? "") },
          {
            label: "Current scope",
            value: (m) =>
              m.properties?.privateLinkScopeResourceId
                ? nameOf(m.properties.privateLinkScopeResourceId)
                : "none",
          },
        ],
      });
      await offered.done;
      const candidates = offered.items().filter(offer);

      const select = h("button", { type: "button", class: "primary" }, "Select");
      const cancel = h("button", { type: "button", onclick: () => clear(addPanel) }, "Cancel");
      const panelOut = h("div", { class: "out" });
      select.addEventListener("click", async () => {
        const chosen = candidates.filter((m) => picks.has(m.id));
        if (!chosen.length) {
          clear(panelOut);
          panelOut.append(notice("Select one or more servers first.", "warning"));
          return;
        }
        const asked = await confirmDialog(
          `Associate ${chosen.length} machine${chosen.length === 1 ? "" : "s"} with ${scope.name}?`,
          `Associate ${chosen.map((m) => m.name).join(", ")} with ${scope.name}.`,
          "Associate",
          reviewChange(
            subId,
            chosen.map((m) => associationCall(m, scope.id)),
            `associating them with ${scope.name}`,
          ),
        );
        if (!asked) return;
        const ok = await busy(select, panelOut, "Associating…", async () => {
          for (const m of chosen) {
            await arm("PATCH", encodeId(m.id), V.hybridCompute, {
              properties: { privateLinkScopeResourceId: scope.id },
            });
          }
          return true;
        });
        if (ok) {
          clear(addPanel);
          await refresh();
          clear(out);
          out.append(
            notice(
              `Associated ${chosen.map((m) => m.name).join(", ")} with ${scope.name}. It can take up to 15 minutes for the scope to accept their connections.`,
              "success",
            ),
          );
        }
      });
      clear(addPanel);
      addPanel.append(
        h(
          "section",
          { class: "panel", "aria-label": "Add Azure Arc resources" },
          h("h2", null, "Add Azure Arc resources"),
          h(
            "p",
            { class: "hint" },
            `Only Azure Arc-enabled servers in the same subscription and region as this Private Link Scope (${scope.location}) are shown.`,
          ),
          offered.el,
          h("div", { class: "buttons" }, select, cancel),
          panelOut,
        ),
      );
    } catch (e) {
      clear(addPanel);
      addPanel.append(errorBox(e, "The servers could not be listed"));
    }
  };

  addBtn.addEventListener("click", () => void openAdd());
  refreshBtn.addEventListener("click", () => void refresh());
  removeBtn.addEventListener("click", async () => {
    const chosen = members.filter((m) => selected.has(m.id));
    if (!chosen.length) {
      clear(out);
      out.append(notice("Select one or more machines first.", "warning"));
      return;
    }
    const ok = await confirmDialog(
      "Remove from the scope?",
      `Remove ${chosen.map((m) => m.name).join(", ")} from ${scope.name}? They will no longer be accepted on its private endpoints.`,
      "Remove",
      reviewChange(
        subId,
        chosen.map((m) => associationCall(m, null)),
        `removing them from ${scope.name}`,
      ),
    );
    if (!ok) return;
    const done = await busy(removeBtn, out, "Removing…", async () => {
      for (const m of chosen)
        await arm("PATCH", encodeId(m.id), V.hybridCompute, {
          properties: { privateLinkScopeResourceId: null },
        });
      return true;
    });
    if (done) {
      await refresh();
      out.append(notice(`Removed ${chosen.map((m) => m.name).join(", ")} from ${scope.name}.`, "success"));
    }
  });
  pane.append(h("div", { class: "toolbar" }, addBtn, removeBtn, refreshBtn), addPanel, out, body);
  void refresh();
}

const subOf = (id: string) => String(id).split("/")[2];

/**
 * A machine's association (the portal PATCHes privateLinkScopeResourceId) as the PUT what-if takes:
 * the machine as it is, with the new scope (or none).
 */
function associationCall(m: any, scopeId: string | null): ProposedCall {
  const properties: Record<string, unknown> = { ...(m.properties ?? {}) };
  if (scopeId) properties.privateLinkScopeResourceId = scopeId;
  else delete properties.privateLinkScopeResourceId;
  return {
    method: "PUT",
    id: m.id,
    apiVersion: V.hybridCompute,
    body: { location: m.location, ...(m.tags ? { tags: m.tags } : {}), properties },
    label: `Machine ${m.name}`,
  };
}
