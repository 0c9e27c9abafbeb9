// Hosts that reach every Arc endpoint the same way: the same verdict for the same reason on each
// endpoint. At a few thousand hosts a listing host by host cannot be read; these groups can (the
// start-up summary of `arclink serve --topology` prints one host's table per group). Hosts are added
// one at a time and only each group's first check, count and first names are kept, so the memory
// is that of the groups, not of the hosts (100,000 checks held at once do not fit the heap).
import { HostCheck } from "./check.js";
import { worstOf, WORST_ORDER } from "./hostGroups.js";

export interface SameOutcomeGroup {
  /** The endpoints' verdicts and reasons, e.g. `gbl.his.arc.azure.com=refused:Blocked;…`. */
  key: string;
  /** The group's first host's check: its table stands for the group. */
  first: HostCheck;
  /** How many hosts the group has. */
  count: number;
  /** The names of its first hosts, in the order added (at most `namesKept`). */
  names: string[];
}

function outcomeKey(c: HostCheck): string {
  const k = c.endpoints.map((e) => `${e.endpoint}=${e.verdict}:${e.reason ?? ""}`).join(";");
  return c.machine ? k : `no machine|${k}`;
}

export class SameOutcomeGroups {
  private readonly byKey = new Map<string, SameOutcomeGroup>();

  constructor(private readonly namesKept = 3) {}

  add(c: HostCheck): void {
    const k = outcomeKey(c);
    const g = this.byKey.get(k);
    if (!g) {
      this.byKey.set(k, { key: k, first: c, count: 1, names: [c.host] });
      return;
    }
    g.count++;
    if (g.names.length < this.namesKept) g.names.push(c.host);
  }

  /** The groups: worst verdict first (refused, undetermined, public, private), then larger groups. */
  groups(): SameOutcomeGroup[] {
    const rank = (g: SameOutcomeGroup) => WORST_ORDER.indexOf(worstOf(g.first.endpoints));
    return [...this.byKey.values()].sort((a, b) => rank(a) - rank(b) || b.count - a.count);
  }
}
