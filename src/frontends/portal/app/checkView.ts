/// <reference lib="dom" />
// Renders what the check evaluator decided for a host: the endpoint table (verdict, address, why,
// fix) and each endpoint's trace, step by step as the server wrote it (never recomputed here).
import { h } from "./dom.js";
import { EndpointCheck, HostCheck, TraceStep } from "./data.js";

const MARK = { ok: "✓", fail: "✗", info: "·" } as const;

export function verdictBadge(v: string): HTMLElement {
  return h("span", { class: `verdict ${v}` }, v);
}

/** Why: the reason and message; an undetermined row also names the missing fact and how to collect it. */
export function whyCell(e: Pick<EndpointCheck, "verdict" | "reason" | "message" | "missing">): HTMLElement {
  return h(
    "span",
    { class: "why" },
    e.reason ? [h("code", null, e.reason), ": "] : null,
    e.message,
    e.verdict === "undetermined" && e.missing
      ? h(
          "span",
          { class: "missing" },
          ` Missing fact: ${e.missing.fact}`,
          e.missing.collect.length ? [" Collect it: ", h("code", null, e.missing.collect[0])] : null,
        )
      : null,
  );
}

export function renderTrace(steps: TraceStep[]): HTMLElement {
  return h(
    "ul",
    { class: "trace" },
    steps.map((st) =>
      h(
        "li",
        { class: `step ${st.outcome ?? "info"}` },
        h("span", { class: "mark", "aria-hidden": "true" }, MARK[st.outcome ?? "info"]),
        " ",
        h("span", { class: "at" }, `[${st.at}]`),
        " ",
        h("span", { class: "what" }, st.what),
        st.steps?.length ? renderTrace(st.steps) : null,
      ),
    ),
  );
}

/** `fixOf` supplies a fix the check itself does not carry (from lint's findings about the host). */
export function renderHostCheck(
  hc: HostCheck,
  fixOf: (e: HostCheck["endpoints"][number]) => string | undefined = (e) => e.fix,
): HTMLElement {
  const counts = { private: 0, public: 0, refused: 0, undetermined: 0 } as Record<string, number>;
  for (const e of hc.endpoints) counts[e.verdict] = (counts[e.verdict] ?? 0) + 1;
  const head = `${hc.host} (${hc.address})${hc.machine ? ` — machine ${hc.machine}` : " — no Arc machine"}${
    hc.scope ? `, scope ${hc.scope}` : ""
  }, region ${hc.region}`;
  return h(
    "section",
    { class: "host-check", "aria-label": `Check of ${hc.host}` },
    h("h3", null, head),
    h(
      "p",
      { class: "summary" },
      `${counts.private} private · ${counts.public} public · ${counts.refused} refused${
        counts.undetermined ? ` · ${counts.undetermined} undetermined (a fact is missing)` : ""
      }`,
    ),
    h(
      "table",
      { class: "check" },
      h(
        "thead",
        null,
        h(
          "tr",
          null,
          ["Endpoint", "Verdict", "Address", "Why", "Fix"].map((x) => h("th", { scope: "col" }, x)),
        ),
      ),
      h(
        "tbody",
        null,
        hc.endpoints.map((e) =>
          h(
            "tr",
            { class: `row-${e.verdict}`, dataset: { endpoint: e.endpoint } },
            h("td", null, h("code", null, e.endpoint)),
            h("td", null, verdictBadge(e.verdict)),
            h("td", null, e.address ?? "—"),
            h("td", null, whyCell(e)),
            h(
              "td",
              null,
              fixOf(e) ??
                (e.verdict === "private"
                  ? ""
                  : "No fix is known for this: follow the trace to the failing step."),
            ),
          ),
        ),
      ),
    ),
    h("h4", null, "Traces"),
    hc.endpoints.map((e) =>
      h(
        "details",
        { class: "trace-box", dataset: { endpoint: e.endpoint } },
        h("summary", null, verdictBadge(e.verdict), " ", e.endpoint),
        renderTrace(e.trace),
      ),
    ),
  );
}
