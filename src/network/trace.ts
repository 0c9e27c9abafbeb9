// A trace: the hop-by-hop story behind a verdict. Every evaluator returns one; the CLI,
// the portal and lint render traces, they never recompute them.

export interface TraceStep {
  /** Where the step happened: a host, a resolver, a route, a filter, an endpoint. */
  at: string;
  /** What happened there, in one line a network engineer would write. */
  what: string;
  /** Optional outcome tag for renderers: ok | fail | info. */
  outcome?: "ok" | "fail" | "info";
  /** Nested steps (e.g. a forwarded query's own resolution). */
  steps?: TraceStep[];
}

export class Trace {
  readonly steps: TraceStep[] = [];

  add(at: string, what: string, outcome: TraceStep["outcome"] = "info", steps?: TraceStep[]): this {
    const s: TraceStep = { at, what, outcome };
    if (steps?.length) s.steps = steps;
    this.steps.push(s);
    return this;
  }

  ok(at: string, what: string, steps?: TraceStep[]): this {
    return this.add(at, what, "ok", steps);
  }

  fail(at: string, what: string, steps?: TraceStep[]): this {
    return this.add(at, what, "fail", steps);
  }
}

/** Renders steps as indented lines (for the CLI's --trace). */
export function renderTrace(steps: TraceStep[], indent = ""): string {
  const mark = { ok: "✓", fail: "✗", info: "·" } as const;
  return steps
    .map((s) => {
      const line = `${indent}${mark[s.outcome ?? "info"]} [${s.at}] ${s.what}`;
      return s.steps?.length ? `${line}\n${renderTrace(s.steps, indent + "    ")}` : line;
    })
    .join("\n");
}
