/// <reference lib="dom" />
// Machines – Azure Arc: the list (paged through ARM's $top/nextLink, with a count, search by name
// and filters by status, verdict and reason; each machine's verdict and fix from lint's host
// checks), a machine's page (its properties, banners, and its host's check with traces), and
// "Add servers with Azure Arc" (a single server or multiple servers, each leading to Generate script).
import { groupOf, nameOf, V } from "./api.js";
import { h, idRoute, idWithCopy, link, loading, notice } from "./dom.js";
import { check, fixFor, HostCheck, lint, MACHINES, sub, Verdict } from "./data.js";
import { pagedList } from "./pagedList.js";
import { renderHostCheck, verdictBadge } from "./checkView.js";
import { resourcePage } from "./resourcePage.js";
import type { View } from "./main.js";

/** A machine's verdict as lint's host check decided it: the worst endpoint, its reason and fix. */
export interface MachineVerdict {
  host: string;
  verdict: Verdict;
  /** Why (refused, public) or, undetermined, the code of the missing fact. */
  reason: string;
  /** Undetermined: the missing fact, in words. */
  missing?: string;
  fix: string;
}

/** Worst first: a known refusal, then an unknown (undetermined), then public. */
const RANK: Record<Verdict, number> = { private: 0, public: 1, undetermined: 2, refused: 3 };

/** machine id (lower case) → verdict, from lint's hosts (no traces: one answer for the fleet). */
export async function machineVerdicts(subscription: string): Promise<Map<string, MachineVerdict>> {
  const out = new Map<string, MachineVerdict>();
  const r = await lint(subscription);
  if (!r.available) return out;
  for (const hc of r.hosts as HostCheck[]) {
    if (!hc.machineId) continue;
    let w = hc.endpoints[0];
    for (const e of hc.endpoints) if (RANK[e.verdict] > RANK[w.verdict]) w = e;
    if (!w) continue;
    out.set(hc.machineId.toLowerCase(), {
      host: hc.host,
      verdict: w.verdict,
      reason: w.verdict === "private" ? "" : (w.reason ?? (w.verdict === "public" ? "PublicPath" : "")),
      ...(w.verdict === "undetermined" && w.missing ? { missing: w.missing.fact } : {}),
      fix: w.verdict === "private" ? "" : (fixFor(r.findings, hc, w) ?? ""),
    });
  }
  return out;
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

export function fixCell(v: MachineVerdict | undefined): HTMLElement | string {
  if (!v || !v.fix)
    return v && v.verdict !== "private"
      ? "No fix is known for this: open the machine to follow its trace."
      : "";
  return h("span", { class: "fix clamp", title: v.fix }, v.fix);
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
  let verdicts = new Map<string, MachineVerdict>();
  let loaded = false;
  const vOf = (m: any) => verdicts.get(String(m.id).toLowerCase());
  const list = pagedList<any>({
    label: "Machines",
    path: `${sub(v.cfg.subscriptionId)}/providers/${MACHINES}`,
    apiVersion: V.hybridCompute,
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
        verdictCell(vOf(m), loaded),
        fixCell(vOf(m)),
      ];
    },
    filters: [
      { label: "Status", value: (m) => String(m.properties?.status ?? "") },
      { label: "Verdict", value: (m) => vOf(m)?.verdict ?? "" },
      { label: "Reason", value: (m) => vOf(m)?.reason ?? "" },
    ],
  });
  root.append(list.el);
  void machineVerdicts(v.cfg.subscriptionId)
    .then((m) => (verdicts = m))
    .catch(() => undefined)
    .finally(() => {
      loaded = true;
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
  const verdicts = await machineVerdicts(subscription).catch(() => new Map<string, MachineVerdict>());
  const host = verdicts.get(String(m.id).toLowerCase())?.host;
  box.lastChild?.remove();
  if (!host) {
    box.append(notice("No lab host runs this machine: ArcLink cannot say how it connects.", "info"));
    return;
  }
  const [hc] = await check(subscription, host);
  const r = await lint(subscription).catch(() => undefined);
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
