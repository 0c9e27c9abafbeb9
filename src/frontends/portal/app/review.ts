/// <reference lib="dom" />
// The Review step every create, update and delete goes through: ArcLink's what-if runs the proposed
// ARM calls over a copy of the world (nothing is written) and the page shows, before the button,
// the machines whose verdicts change (before → after, with the reason) and the lint findings the
// change adds or resolves. A change that refuses machines admitted today needs an explicit
// confirmation naming them; until then the button stays disabled.
import { ApiError } from "./api.js";
import { errorBox, h, loading, notice, uid } from "./dom.js";
import { Finding, ProposedCall, VerdictChange, whatIf, WhatIfReport } from "./data.js";
import { verdictBadge } from "./checkView.js";

/** How many machines' rows a review lists before it says "and N more" (the counts stay exact). */
const SHOWN = 50;

export interface Review {
  /** The review's element, to place before the action's button. */
  el: HTMLElement;
  /** Settles when what-if has answered (or failed). */
  ready: Promise<void>;
  /** True once what-if has answered and every machine it would cut off is confirmed. */
  ok(): boolean;
  /** Machines (by host name) the change refuses that are admitted today. */
  cutOff(): string[];
  /** Runs when ok() may have changed. */
  onChange(fn: () => void): void;
}

/** One host's changes: the worst verdict before and after, and the reason that decided it. */
interface HostChange {
  host: string;
  machine?: string;
  before: string;
  after: string;
  reason?: string;
  message: string;
  endpoints: string[];
}

const RANK: Record<string, number> = { private: 0, public: 1, undetermined: 2, refused: 3, none: -1 };

function worst(sides: Array<{ verdict: string } | undefined>): string {
  return sides.reduce((a, s) => ((RANK[s?.verdict ?? "none"] ?? -1) > RANK[a] ? s!.verdict : a), "none");
}

export function byHost(changes: VerdictChange[]): HostChange[] {
  const m = new Map<string, VerdictChange[]>();
  for (const c of changes) m.set(c.hostId, [...(m.get(c.hostId) ?? []), c]);
  return [...m.values()].map((cs) => {
    const after = worst(cs.map((c) => c.after));
    const decisive = cs.find((c) => c.after?.verdict === after) ?? cs[0];
    return {
      host: cs[0].host,
      machine: cs[0].machine,
      before: worst(cs.map((c) => c.before)),
      after,
      reason: decisive.after?.reason,
      message: decisive.after?.message ?? "No longer checked (the host or its machine goes away).",
      endpoints: cs.map((c) => c.endpoint),
    };
  });
}

/** Admitted before (private or public), refused after. */
export function cutOffOf(hosts: HostChange[]): string[] {
  return hosts
    .filter((x) => (x.before === "private" || x.before === "public") && x.after === "refused")
    .map((x) => x.machine ?? x.host);
}

function nameList(names: string[]): string {
  if (names.length <= 12) return names.join(", ");
  return `${names.slice(0, 12).join(", ")} and ${names.length - 12} more`;
}

function findingItem(f: Finding): HTMLElement {
  return h(
    "li",
    { class: `finding ${f.severity}`, dataset: { rule: f.ruleId } },
    h("span", { class: `severity ${f.severity}` }, f.severity),
    " ",
    h("code", null, f.ruleId),
    " ",
    f.message,
    f.fix ? h("div", { class: "fix" }, "Fix: ", f.fix) : null,
  );
}

function renderReport(r: WhatIfReport, hosts: HostChange[]): HTMLElement[] {
  const out: HTMLElement[] = [];
  const cut = cutOffOf(hosts);
  out.push(
    h(
      "p",
      { class: "summary", dataset: { changed: String(hosts.length) } },
      `${hosts.length} machine${hosts.length === 1 ? "" : "s"} change verdict · ${r.findings.added.length} finding${
        r.findings.added.length === 1 ? "" : "s"
      } added · ${r.findings.resolved.length} resolved (of ${r.hosts.before} hosts checked).`,
    ),
  );
  if (cut.length)
    out.push(
      h(
        "div",
        { class: "error", role: "alert" },
        h(
          "div",
          { class: "error-title" },
          `This change cuts off ${cut.length} machine${cut.length === 1 ? "" : "s"} admitted today: ${nameList(cut)}`,
        ),
      ),
    );
  if (hosts.length) {
    out.push(
      h(
        "table",
        { class: "review-changes", "aria-label": "Machines whose verdicts change" },
        h(
          "thead",
          null,
          h(
            "tr",
            null,
            ["Machine", "Before", "After", "Why", "Endpoints"].map((x) => h("th", { scope: "col" }, x)),
          ),
        ),
        h(
          "tbody",
          null,
          hosts
            .slice(0, SHOWN)
            .map((x) =>
              h(
                "tr",
                { dataset: { host: x.host, before: x.before, after: x.after } },
                h("td", null, x.machine ?? x.host),
                h("td", null, x.before === "none" ? "—" : verdictBadge(x.before)),
                h("td", null, x.after === "none" ? "—" : verdictBadge(x.after)),
                h("td", { class: "wrap" }, x.reason ? [h("code", null, x.reason), ": "] : null, x.message),
                h("td", { class: "wrap" }, x.endpoints.join(", ")),
              ),
            ),
        ),
      ),
    );
    if (hosts.length > SHOWN)
      out.push(h("p", { class: "hint" }, `and ${hosts.length - SHOWN} more machines.`));
  }
  const list = (title: string, fs: Finding[], cls: string) =>
    fs.length
      ? [
          h("h4", null, `${title} (${fs.length})`),
          h("ul", { class: `finding-list ${cls}`, "aria-label": title }, fs.slice(0, SHOWN).map(findingItem)),
        ]
      : [];
  out.push(
    ...(list("Findings added", r.findings.added, "added") as HTMLElement[]),
    ...(list("Findings resolved", r.findings.resolved, "resolved") as HTMLElement[]),
  );
  if (!hosts.length && !r.findings.added.length && !r.findings.resolved.length)
    out.push(notice("No machine's verdict changes and no lint finding appears or goes.", "success"));
  return out;
}

/** Runs what-if on `calls` and renders the review; `ok()` gates the action's button. */
export function reviewChange(subscription: string, calls: ProposedCall[], action: string): Review {
  return reviewOf(() => whatIf(subscription, calls), action);
}

/** Error codes that mean Resource Manager would refuse the change itself (not that what-if failed). */
const REFUSED = new Set([
  "ChangeRefused",
  "DeploymentFailed",
  "InvalidTemplate",
  "InvalidTemplateDeployment",
  "InvalidRequestContent",
]);

/**
 * The review of a change whose what-if report comes from `load` (ArcLink's whatIf on proposed
 * calls, or the `arclink` part of a deployment's what-if); `ok()` gates the action's button.
 */
export function reviewOf(load: () => Promise<WhatIfReport>, action: string): Review {
  const el = h("section", { class: "review", "aria-label": "What-if review" });
  el.append(h("h3", null, "What this change does (what-if)"), loading("Running what-if on the change…"));
  let answered = false;
  let confirmed = true;
  let cut: string[] = [];
  const listeners: Array<() => void> = [];
  const changed = () => listeners.forEach((f) => f());
  const ready = (async () => {
    try {
      const r = await load();
      const hosts = byHost(r.changes);
      cut = cutOffOf(hosts);
      el.lastChild?.remove();
      el.append(...renderReport(r, hosts));
      if (cut.length) {
        confirmed = false;
        const box = h("input", { type: "checkbox", id: uid("confirm"), class: "confirm-cutoff" });
        box.addEventListener("change", () => {
          confirmed = box.checked;
          changed();
        });
        el.append(
          h(
            "div",
            { class: "check-field confirm-field" },
            box,
            h(
              "label",
              { for: box.id },
              `I understand that ${action} refuses ${nameList(cut)}, admitted today.`,
            ),
          ),
        );
      }
    } catch (e) {
      el.lastChild?.remove();
      const refused = e instanceof ApiError && REFUSED.has(e.code);
      el.append(
        errorBox(
          e,
          refused
            ? "What-if: Azure Resource Manager would refuse this change"
            : "What-if could not evaluate this change",
        ),
        h(
          "p",
          { class: "hint" },
          refused
            ? "The deployment will stop at the refused call; fix what the message names first."
            : "The change was not evaluated: nothing is known about its effect on machines.",
        ),
      );
    } finally {
      answered = true;
      changed();
    }
  })();
  return {
    el,
    ready,
    ok: () => answered && confirmed,
    cutOff: () => cut,
    onChange: (fn) => listeners.push(fn),
  };
}

/** Keeps `button` disabled until the review allows the action (and while `extra()` is false). */
export function gate(review: Review, button: HTMLButtonElement, extra: () => boolean = () => true): void {
  const sync = () => (button.disabled = !(review.ok() && extra()));
  review.onChange(sync);
  sync();
}
