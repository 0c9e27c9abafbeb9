// Hosts that reach every Arc endpoint the same way: the same verdict for the same reason on each
// endpoint. At a few thousand hosts a listing host by host cannot be read; these groups can (the
// start-up summary of `arclink serve --topology` prints one host's table per group). Pure.
import { HostCheck } from "./check.js";
import { worstOf, WORST_ORDER } from "./hostGroups.js";

export interface SameOutcomeGroup {
  /** The endpoints' verdicts and reasons, e.g. `gbl.his.arc.azure.com=refused:Blocked;…`. */
  key: string;
  /** The group's hosts, in the order given. */
  checks: HostCheck[];
}

function outcomeKey(c: HostCheck): string {
  return c.endpoints.map((e) => `${e.endpoint}=${e.verdict}:${e.reason ?? ""}`).join(";");
}

/** Groups hosts by outcome: worst verdict first (refused, undetermined, public, private), then larger groups. */
export function groupBySameOutcome(checks: readonly HostCheck[]): SameOutcomeGroup[] {
  const byKey = new Map<string, SameOutcomeGroup>();
  for (const c of checks) {
    const k = `${c.machine ? "" : "no machine|"}${outcomeKey(c)}`;
    let g = byKey.get(k);
    if (!g) byKey.set(k, (g = { key: k, checks: [] }));
    g.checks.push(c);
  }
  const rank = (g: SameOutcomeGroup) => WORST_ORDER.indexOf(worstOf(g.checks[0].endpoints));
  return [...byKey.values()].sort((a, b) => rank(a) - rank(b) || b.checks.length - a.checks.length);
}
