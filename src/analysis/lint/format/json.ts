// lint's JSON: the findings (with traces and fix plans), the rules, and every host's verdicts.
// Host traces are left out unless asked for (they are in `arclink check --json`).
import { LintReport } from "../lint.js";

export function toJson(r: LintReport, opts: { hostTraces?: boolean } = {}): unknown {
  return {
    source: r.source,
    ...(r.files ? { files: r.files } : {}),
    generatedAt: r.generatedAt,
    summary: r.summary,
    findings: r.findings,
    hosts: r.hosts.map((h) => ({
      ...h,
      endpoints: h.endpoints.map((e) => (opts.hostTraces ? e : { ...e, trace: undefined })),
    })),
    rules: r.rules.map((x) => ({ id: x.id, severity: x.severity, title: x.title, why: x.why, fix: x.fix })),
  };
}

export function renderJson(r: LintReport, opts: { hostTraces?: boolean } = {}): string {
  return JSON.stringify(toJson(r, opts), null, 2) + "\n";
}
