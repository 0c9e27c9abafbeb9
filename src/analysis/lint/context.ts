// What every lint rule reads: the world, its compiled network model, and check()'s verdict for
// every host (computed once per lint run by the engine, with DNS answers shared between hosts that
// ask the same resolvers).
import { ARC_ZONES } from "../../core/arcEndpoints.js";
import { keyOf } from "../../core/resourceId.js";
import { HostModel, NetworkModel, PrivateEndpointModel } from "../../network/model.js";
import { Resolver } from "../../network/resolve.js";
import { Entry, WorldView } from "../../world/world.js";
import { EndpointCheck, HostCheck } from "../check.js";
import { MACHINE_TYPE } from "../hostMachine.js";
import { AffectedMachine } from "./types.js";

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
  /** Maps an ARM id to a file and line, when the source can (a topology file). */
  locate?(id: string): { file: string; line: number } | undefined;
}

export class LintContext {
  readonly hosts: HostInfo[];
  private readonly byHostKey = new Map<string, HostInfo>();
  private readonly byMachineKey = new Map<string, HostInfo>();

  constructor(
    readonly view: WorldView,
    readonly model: NetworkModel,
    readonly resolver: Resolver,
    readonly now: Date,
    readonly propagationDelayMs: number,
    hosts: HostInfo[],
    readonly source: LintSource = { kind: "world" },
  ) {
    this.hosts = hosts;
    for (const h of hosts) {
      this.byHostKey.set(h.host.key, h);
      if (h.machine && !this.byMachineKey.has(h.machine.key)) this.byMachineKey.set(h.machine.key, h);
    }
  }

  hostInfo(key: string): HostInfo | undefined {
    return this.byHostKey.get(keyOf(key));
  }

  /** The (first) host a machine runs on. */
  hostOfMachine(m: Entry): HostInfo | undefined {
    return this.byMachineKey.get(m.key);
  }

  private machineList?: Entry[];

  machines(): Entry[] {
    return (this.machineList ??= this.view.ofType(MACHINE_TYPE));
  }

  scopes(): Entry[] {
    return this.view.ofType(SCOPE_TYPE);
  }

  /** Private endpoints whose target is an Arc Private Link Scope (existing or not). */
  arcEndpoints(): PrivateEndpointModel[] {
    return [...this.model.privateEndpoints.values()].filter((p) =>
      p.targetId.toLowerCase().includes("/providers/microsoft.hybridcompute/privatelinkscopes/"),
    );
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
    if (this.byId.has(id)) return this.byId.get(id);
    const e = this.view.get(id);
    this.byId.set(id, e);
    return e;
  }

  /** The Arc endpoint rows of a host's check (Entra ID / ARM rows left out). */
  arcRows(h: HostInfo): EndpointCheck[] {
    let r = this.arcRowsMemo.get(h.check.endpoints);
    if (!r)
      this.arcRowsMemo.set(h.check.endpoints, (r = h.check.endpoints.filter((e) => isArcName(e.endpoint))));
    return r;
  }

  affected(h: HostInfo): AffectedMachine {
    return {
      name: h.machine?.body.name ?? h.host.name,
      ...(h.machine ? { machineId: h.machine.id } : {}),
      hostId: h.host.id,
    };
  }

  /** Affected machines of a list of hosts, sorted and without repeats. */
  affectedAll(hs: HostInfo[]): AffectedMachine[] {
    const seen = new Set<string>();
    const out: AffectedMachine[] = [];
    for (const h of hs) {
      const a = this.affected(h);
      const k = a.machineId ?? a.hostId ?? a.name;
      if (seen.has(k)) continue;
      seen.add(k);
      out.push(a);
    }
    return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }
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
  const u = [...new Set(names)];
  if (u.length <= max) return u.join(", ");
  return `${u.slice(0, max).join(", ")} and ${u.length - max} more`;
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
