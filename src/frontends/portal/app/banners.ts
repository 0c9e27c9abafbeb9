/// <reference lib="dom" />
// Lint findings as banners on the page of each resource they concern (scope, endpoint, zone,
// machine, host): the rule, what is wrong, the fix, and the trace it was decided on. The findings
// are the lint evaluator's, read once per page; nothing is recomputed here.
import { sameId } from "./api.js";
import { h } from "./dom.js";
import { Finding, lint, LintResult } from "./data.js";
import { renderTrace } from "./checkView.js";

/** The findings that concern `id` (it is one of their resources, or the machine/host they name). */
export function concerning(findings: Finding[], id: string): Finding[] {
  return findings.filter(
    (f) =>
      (f.resources ?? []).some((r) => sameId(r, id)) ||
      (f.machines ?? []).some((m) => sameId(m.machineId, id) || sameId((m as any).hostId, id)),
  );
}

export function banner(f: Finding): HTMLElement {
  const role = f.severity === "error" ? "alert" : "status";
  return h(
    "div",
    { class: `banner ${f.severity}`, role, dataset: { rule: f.ruleId } },
    h(
      "div",
      { class: "banner-head" },
      h("span", { class: `severity ${f.severity}` }, f.severity),
      " ",
      h("code", null, f.ruleId),
    ),
    h("div", { class: "message" }, f.message),
    f.fix ? h("div", { class: "fix" }, h("strong", null, "Fix: "), f.fix) : null,
    f.trace?.length
      ? h(
          "details",
          { class: "trace-box" },
          h(
            "summary",
            null,
            "Trace",
            f.endpoint ? ` of ${f.endpoint}` : "",
            f.host ? ` from ${f.host}` : "",
            f.reason ? ` (${f.reason})` : "",
          ),
          renderTrace(f.trace),
        )
      : null,
  );
}

/** A section of banners for `id` (empty when lint finds nothing there or the server has no lint). */
export async function bannersFor(
  subscription: string,
  id: string,
  result?: LintResult,
): Promise<HTMLElement> {
  const box = h("section", { class: "banners", "aria-label": "Lint findings for this resource" });
  let r = result;
  try {
    r ??= await lint(subscription, { hosts: false });
  } catch {
    return box;
  }
  if (!r.available) return box;
  const mine = concerning(r.findings, id);
  if (!mine.length) return box;
  box.append(...mine.map(banner));
  return box;
}
