/// <reference lib="dom" />
// Machines – Azure Arc: the list (one screen at a time from ArcLink.Lab/machineList, which searches
// by name and filters by status, verdict and reason on the server, each row's fix from its check or
// lint's finding about its host), a machine's page (its properties, banners, and its host's check with traces), and
// "Add servers with Azure Arc" (a single server or multiple servers, each leading to Generate script).
import { arm, groupOf, nameOf, V } from "./api.js";
import { h, idRoute, idWithCopy, link, loading, notice } from "./dom.js";
import { check, fixFor, lint, sub, Verdict } from "./data.js";
import { pagedList } from "./pagedList.js";
import { renderHostCheck, verdictBadge } from "./checkView.js";
import { resourcePage } from "./resourcePage.js";
import type { View } from "./main.js";

/** A machine's verdict as the server's check decided it: the worst endpoint, its reason and fix. */
export interface MachineVerdict {
  host: string;
  hostId: string;
  verdict: Verdict;
  endpoint: string;
  /** Why (refused, public) or, undetermined, the code of the missing fact. */
  reason: string;
  message: string;
  /** Undetermined: the missing fact, in words. */
  missing?: string;
  fix?: string;
}

interface MachineRow {
  machine: any;
  verdict?: MachineVerdict;
}

interface MachineListAnswer {
  total: number;
  matching: number;
  value: MachineRow[];
  options: Record<"status" | "verdict" | "reason", Record<string, number>>;
}

/**
 * POST …/ArcLink.Lab/machineList: one screen of machines with their verdicts, searched and filtered
 * by the server (the list is never read whole, nor every host's checks).
 */
function machineList(
  s: string,
  q: {
    skip: number;
    top: number;
    name?: string;
    status?: string;
    verdict?: string;
    reason?: string;
    fixes?: boolean;
  },
): Promise<MachineListAnswer> {
  return arm("POST", `${sub(s)}/providers/ArcLink.Lab/machineList`, V.lab, q) as Promise<MachineListAnswer>;
}

export function verdictCell(v: MachineVerdict | undefined, loaded: boolean): HTMLElement {
  if (!v) return h("span", { class: "hint" }, loaded ? "not checked (no lab host runs it)" : "checking…");
  return h(
    "span",
    { class: "verdict-cell" },
    verdictBadge(v.verdict),
    v.reason ? [" ", h("code", { class: "reason", title: v.missing ?? v.reason }, v.reason)] : null,
  );
}

export function fixCell(v: MachineVerdict | undefined, fix: string): HTMLElement | string {
  if (!v || !fix)
    return v && v.verdict !== "private"
      ? "No fix is known for this: open the machine to follow its trace."
      : "";
  return h("span", { class: "fix clamp", title: fix }, fix);
}

export async function renderMachines(v: View): Promise<void> {
  const { root } = v;
  root.append(
    h("h1", null, "Machines – Azure Arc"),
    h(
      "div",
      { class: "toolbar" },
      h("a", { class: "button primary", href: "#/machines/add" }, "+ Add/Create"),
    ),
  );
  // A screen is asked first without lint's fixes (its first paint waits for the checks only), then
  // once more with them: two small answers, never lint's findings about the whole fleet.
  let withFixes = false;
  const verdictOf = new WeakMap<object, MachineVerdict>();
  const rows = (a: MachineListAnswer) =>
    a.value.map((r) => {
      if (r.verdict) verdictOf.set(r.machine, r.verdict);
      return r.machine;
    });
  const vOf = (m: any) => verdictOf.get(m);
  const subscription = v.cfg.subscriptionId;
  const list = pagedList<any>({
    label: "Machines",
    path: `${sub(subscription)}/providers/ArcLink.Lab/machineList`,
    apiVersion: V.lab,
    server: async (q) => {
      const a = await machineList(subscription, {
        skip: q.skip,
        top: q.top,
        ...(q.name ? { name: q.name } : {}),
        ...(q.filters.Status ? { status: q.filters.Status } : {}),
        ...(q.filters.Verdict ? { verdict: q.filters.Verdict } : {}),
        ...(q.filters.Reason ? { reason: q.filters.Reason } : {}),
        ...(withFixes ? { fixes: true } : {}),
      });
      return {
        items: rows(a),
        total: a.total,
        matching: a.matching,
        options: { Status: a.options.status, Verdict: a.options.verdict, Reason: a.options.reason },
      };
    },
    columns: ["Name", "Resource group", "Location", "Status", "Private Link Scope", "Verdict", "Fix"],
    name: (m) => String(m.name),
    rowAttrs: (m) => ({ machine: String(m.name), verdict: vOf(m)?.verdict ?? "" }),
    row: (m) => {
      const scopeId = m.properties?.privateLinkScopeResourceId as string | undefined;
      return [
        link(idRoute("machine", m.id), m.name),
        groupOf(m.id),
        m.location,
        m.properties?.status ?? "",
        scopeId ? link(idRoute("scope", scopeId, "resources"), nameOf(scopeId)) : "—",
        verdictCell(vOf(m), true),
        fixCell(vOf(m), vOf(m)?.fix ?? ""),
      ];
    },
    filters: [
      { label: "Status", value: (m) => String(m.properties?.status ?? "") },
      { label: "Verdict", value: (m) => vOf(m)?.verdict ?? "" },
      { label: "Reason", value: (m) => vOf(m)?.reason ?? "" },
    ],
  });
  root.append(list.el);
  void list.done.then(() => {
    withFixes = true;
    list.redraw();
  });
}

/** A machine's page: Overview (properties and its host's check, with traces). */
export function renderMachine(v: View, id: string): Promise<void> {
  return resourcePage(v, {
    id,
    apiVersion: V.hybridCompute,
    kind: "Machine – Azure Arc",
    list: ["/machines", "Machines – Azure Arc"],
    route: "machine",
    tabs: [["overview", "Overview", machineOverview]],
    tab: "overview",
    navLabel: "Machine pages",
  });
}

async function machineOverview(pane: HTMLElement, m: any): Promise<void> {
  const scopeId = m.properties?.privateLinkScopeResourceId as string | undefined;
  pane.append(
    h(
      "dl",
      { class: "props" },
      [
        ["Resource group", groupOf(m.id)],
        ["Location", m.location],
        ["Status", m.properties?.status ?? ""],
        ["Operating system", m.properties?.osType ?? ""],
        ["Agent version", m.properties?.agentVersion ?? "—"],
        ["Private Link Scope", scopeId ? link(idRoute("scope", scopeId), nameOf(scopeId)) : "—"],
        ["Resource id", idWithCopy(m.id)],
      ].map(([k, val]) => [h("dt", null, k as string), h("dd", null, val as any)]),
    ),
  );
  const box = h("div", null, loading("Checking the host that runs this machine…"));
  pane.append(box);
  const subscription = String(m.id).split("/")[2];
  const mine = await machineList(subscription, { skip: 0, top: 1000, name: String(m.name) }).catch(
    () => undefined,
  );
  const host = mine?.value.find((r) => String(r.machine.id).toLowerCase() === String(m.id).toLowerCase())
    ?.verdict?.host;
  box.lastChild?.remove();
  if (!host) {
    box.append(notice("No lab host runs this machine: ArcLink cannot say how it connects.", "info"));
    return;
  }
  const [hc] = await check(subscription, host);
  const r = await lint(subscription, { hosts: false }).catch(() => undefined);
  const findings = r?.available ? r.findings : [];
  if (hc) box.append(renderHostCheck(hc, (e) => fixFor(findings, hc, e)));
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
