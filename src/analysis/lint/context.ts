// What every lint rule reads: the world, its compiled network model, and check()'s verdict for
// every host (computed once per lint run by the engine, with DNS answers shared between hosts that
// ask the same resolvers). Hosts with equal inputs share one evaluation (the same endpoint rows):
// rules compute what they need from a check once per evaluation (evalValues) and go back to the
// hosts only where that finds something (hostsWhere), so a rule costs one pass over the hosts at
// most, with no per-host strings or closures.
import { ARC_ZONES } from "../../core/arcEndpoints.js";
import { keyOf } from "../../core/resourceId.js";
import { HostModel, NetworkModel, PrivateEndpointModel } from "../../network/model.js";
import { Resolver } from "../../network/resolve.js";
import { Entry, WorldView } from "../../world/world.js";
import { EndpointCheck, HostCheck } from "../check.js";
import { MACHINE_TYPE } from "../hostMachine.js";
import { AffectedMachine } from "./types.js";
import type { HostEvidence } from "../export/onprem.js";

export const SCOPE_TYPE = "Microsoft.HybridCompute/privateLinkScopes";
export const CONNECTION_TYPE = "Microsoft.HybridCompute/privateLinkScopes/privateEndpointConnections";

export interface HostInfo {
  host: HostModel;
  machine?: Entry;
  /** The scope the machine is associated with, when it exists. */
  scope?: Entry;
  check: HostCheck;
}

/** Where the linted world came from, for locations in the output. */
export interface LintSource {
  kind: "world" | "topology" | "export";
  /** The file(s) read. */
  files?: string[];
  /** Maps an ARM id to a file and line, when the source can (a topology file, an export). */
  locate?(id: string): { file: string; line: number } | undefined;
  /** What each server's agent reported (azcmagent show -j / check -j), by lower-cased host name. */
  evidence?: Map<string, HostEvidence>;
  /** What the input files left unknown or partial. */
  notes?: Array<{ file: string; line?: number; message: string }>;
}

export class LintContext {
  readonly hosts: HostInfo[];

  constructor(
    readonly view: WorldView,
    readonly model: NetworkModel,
    readonly resolver: Resolver,
    readonly now: Date,
    readonly propagationDelayMs: number,
    hosts: HostInfo[],
    readonly source: LintSource = { kind: "world" },
    /** view.ofType(machines), when the caller has it already. */
    machines?: Entry[],
    /** evaluations() of `hosts`, when the caller has them already (lint's checks made them). */
    evaluations?: { first: HostInfo[]; of: Int32Array },
  ) {
    this.hosts = hosts;
    this.machineList = machines;
    this.evalIndex = evaluations;
  }

  // Indexes built once, on first use: most rules never need them, and a 100,000-host world makes
  // each one cost.
  private byHostKey?: Map<string, HostInfo>;
  private byMachineKey?: Map<string, HostInfo>;
  private at?: Map<HostInfo, number>;
  private evalIndex?: { first: HostInfo[]; of: Int32Array };
  private evalValueMemo = new Map<string, unknown[]>();

  hostInfo(key: string): HostInfo | undefined {
    if (!this.byHostKey) {
      this.byHostKey = new Map();
      for (const h of this.hosts) this.byHostKey.set(h.host.key, h);
    }
    return this.byHostKey.get(keyOf(key));
  }

  private machineIndex(): Map<string, HostInfo> {
    if (!this.byMachineKey) {
      const m = new Map<string, HostInfo>();
      for (const h of this.hosts) {
        if (h.machine && !m.has(h.machine.key)) m.set(h.machine.key, h);
      }
      this.byMachineKey = m;
    }
    return this.byMachineKey;
  }

  /** The (first) host a machine runs on. */
  hostOfMachine(m: Entry): HostInfo | undefined {
    return this.machineIndex().get(m.key);
  }

  /** A host's place in `hosts` (undefined for a host that is not one of them). */
  indexOf(h: HostInfo): number | undefined {
    if (!this.at) {
      this.at = new Map();
      for (let i = 0; i < this.hosts.length; i++) this.at.set(this.hosts[i], i);
    }
    return this.at.get(h);
  }

  /**
   * The check() evaluations of the hosts: hosts with equal inputs share one (the same endpoint
   * rows). `first[e]` is the first host of evaluation `e`, `of[i]` the evaluation of `hosts[i]`.
   */
  evaluations(): { first: HostInfo[]; of: Int32Array } {
    if (!this.evalIndex) {
      const ids = new Map<EndpointCheck[], number>();
      const first: HostInfo[] = [];
      const of = new Int32Array(this.hosts.length);
      for (let i = 0; i < this.hosts.length; i++) {
        const h = this.hosts[i];
        let e = ids.get(h.check.endpoints);
        if (e === undefined) {
          e = first.length;
          ids.set(h.check.endpoints, e);
          first.push(h);
        }
        of[i] = e;
      }
      this.evalIndex = { first, of };
    }
    return this.evalIndex;
  }

  /**
   * A value computed once per evaluation from its first host's check (`fn` must read only the
   * check's rows), remembered under `key` for the whole run: index it with `evaluations().of[i]`.
   */
  evalValues<T>(key: string, fn: (h: HostInfo) => T): T[] {
    let v = this.evalValueMemo.get(key) as T[] | undefined;
    if (!v) {
      const { first } = this.evaluations();
      v = new Array<T>(first.length);
      for (let e = 0; e < first.length; e++) v[e] = fn(first[e]);
      this.evalValueMemo.set(key, v);
    }
    return v;
  }

  /** The hosts (in `hosts` order) whose evaluation's value is truthy; none scanned when no value is. */
  hostsWhere(values: ArrayLike<unknown>): HostInfo[] {
    const out: HostInfo[] = [];
    let any = false;
    for (let e = 0; e < values.length; e++)
      if (values[e]) {
        any = true;
        break;
      }
    if (!any) return out;
    const { of } = this.evaluations();
    const hs = this.hosts;
    for (let i = 0; i < hs.length; i++) if (values[of[i]]) out.push(hs[i]);
    return out;
  }

  private machineList?: Entry[];

  machines(): Entry[] {
    return (this.machineList ??= this.view.ofType(MACHINE_TYPE));
  }

  scopes(): Entry[] {
    return this.view.ofType(SCOPE_TYPE);
  }

  private arcEndpointList?: PrivateEndpointModel[];

  /** Private endpoints whose target is an Arc Private Link Scope (existing or not). */
  arcEndpoints(): PrivateEndpointModel[] {
    this.arcEndpointList ??= [...this.model.privateEndpoints.values()].filter((p) =>
      p.targetId.toLowerCase().includes("/providers/microsoft.hybridcompute/privatelinkscopes/"),
    );
    return [...this.arcEndpointList];
  }

  private arcRowsMemo = new WeakMap<EndpointCheck[], EndpointCheck[]>();
  private evalMemo = new WeakMap<EndpointCheck[], Map<string, unknown>>();
  private byId = new Map<string, Entry | undefined>();

  /**
   * A value computed from a host's check, remembered per evaluation: hosts that share one check()
   * evaluation (equal inputs) share it too.
   */
  perEval<T>(h: HostInfo, key: string, fn: () => T): T {
    let m = this.evalMemo.get(h.check.endpoints);
    if (!m) this.evalMemo.set(h.check.endpoints, (m = new Map()));
    if (m.has(key)) return m.get(key) as T;
    const v = fn();
    m.set(key, v);
    return v;
  }

  /** view.get, remembered by the id as written (machines repeat their scope's id). */
  get(id: string): Entry | undefined {
    if (id === this.lastId) return this.lastEntry;
    let e = this.byId.get(id);
    if (e === undefined && !this.byId.has(id)) this.byId.set(id, (e = this.view.get(id)));
    this.lastId = id;
    this.lastEntry = e;
    return e;
  }

  private lastId?: string;
  private lastEntry?: Entry;

  /** The Arc endpoint rows of a host's check (Entra ID / ARM rows left out). */
  arcRows(h: HostInfo): EndpointCheck[] {
    let r = this.arcRowsMemo.get(h.check.endpoints);
    if (!r)
      this.arcRowsMemo.set(h.check.endpoints, (r = h.check.endpoints.filter((e) => isArcName(e.endpoint))));
    return r;
  }

  affected(h: HostInfo): AffectedMachine {
    return affectedAs(h, h.machine?.body.name ?? h.host.name);
  }

  /**
   * Affected machines of a list of hosts, sorted by name (ties in list order) and without repeats
   * (the first of each machine kept). Reads each host once; lists already in name order (the rules'
   * lists follow the hosts, sorted by name) are not sorted again.
   */
  affectedAll(hs: HostInfo[]): AffectedMachine[] {
    const k = hs.length;
    const names = new Array<string>(k);
    let sorted = true;
    for (let j = 0; j < k; j++) {
      const h = hs[j];
      names[j] = h.machine?.body.name ?? h.host.name;
      if (j && names[j] < names[j - 1]) sorted = false;
    }
    let order: Int32Array | undefined;
    if (!sorted) {
      order = new Int32Array(k);
      for (let j = 0; j < k; j++) order[j] = j;
      order.sort((a, b) => (names[a] < names[b] ? -1 : names[a] > names[b] ? 1 : a - b));
    }
    // Repeats (one machine on several hosts) share the machine's name, so they fall in one run of
    // equal names, in list order: the first of each is kept.
    const out: AffectedMachine[] = [];
    let run: Set<string> | undefined;
    let runStart = -1;
    for (let r = 0; r < k; r++) {
      const j = order ? order[r] : r;
      const h = hs[j];
      if (r > 0 && names[j] === names[order ? order[r - 1] : r - 1]) {
        if (!run) run = new Set([affectedKey(hs[runStart])]);
        const key = affectedKey(h);
        if (run.has(key)) continue;
        run.add(key);
      } else {
        run = undefined;
        runStart = j;
      }
      out.push(affectedAs(h, names[j]));
    }
    return out;
  }
}

function affectedAs(h: HostInfo, name: string): AffectedMachine {
  const m = h.machine;
  return m ? { name, machineId: m.id, hostId: h.host.id } : { name, hostId: h.host.id };
}

/** What affectedAll tells repeats apart by: the machine, else the host. */
function affectedKey(h: HostInfo): string {
  return h.machine?.id ?? h.host.id ?? h.machine?.body.name ?? h.host.name;
}

export function isArcName(fqdn: string): boolean {
  const n = fqdn.toLowerCase();
  return ARC_ZONES.some((z) => n.endsWith("." + z.replace(/^privatelink\./, "")));
}

export function nameOf(id: string): string {
  return id.split("/").pop() ?? id;
}

/** "a, b, c and 12 more" for messages. */
export function listNames(names: string[], max = 5): string {
  // Names in strictly increasing order (hosts come sorted) are distinct: no set needed.
  let increasing = true;
  for (let i = 1; i < names.length && increasing; i++) if (!(names[i - 1] < names[i])) increasing = false;
  const u = increasing ? names : [...new Set(names)];
  if (u.length <= max) return u.join(", ");
  return `${u.slice(0, max).join(", ")} and ${u.length - max} more`;
}

/**
 * listNames() of the hosts' names (the same text), without an array of every name: hosts come
 * sorted by name, and when their names strictly increase only the first `max` are read again.
 */
export function listHostNames(hs: readonly HostInfo[], max = 5): string {
  let increasing = true;
  for (let i = 1; i < hs.length && increasing; i++)
    if (!(hs[i - 1].host.name < hs[i].host.name)) increasing = false;
  if (!increasing)
    return listNames(
      hs.map((h) => h.host.name),
      max,
    );
  const first: string[] = [];
  for (let i = 0; i < hs.length && i < max; i++) first.push(hs[i].host.name);
  if (hs.length <= max) return first.join(", ");
  return `${first.join(", ")} and ${hs.length - max} more`;
}

/** Groups items by a key, keeping first-seen order. */
export function groupBy<T>(items: T[], key: (t: T) => string): Map<string, T[]> {
  const m = new Map<string, T[]>();
  for (const it of items) {
    const k = key(it);
    const l = m.get(k);
    if (l) l.push(it);
    else m.set(k, [it]);
  }
  return m;
}
