// The lint engine: compile the world, run check() for every host once, then every rule over the
// result. Input is any WorldView (ArcLink's world, a sandbox built from a topology file or from an
// export of a real environment); output is the findings plus each host's check, so a renderer can
// explain every machine's paths.
import {
  compileModel,
  HostModel,
  isPublicAddress,
  modelSections,
  NetworkModel,
} from "../../network/model.js";
import { addressMatches, virtualNetworkSpace } from "../../network/filter.js";
import { associationOf } from "../../providers/hybridcompute/association.js";
import { newResolveMemo, Resolver } from "../../network/resolve.js";
import { ServiceTags } from "../../network/serviceTags.js";
import { needsGcmSuites } from "../../network/connect.js";
import { keyOf } from "../../core/resourceId.js";
import { Entry, World, WorldView } from "../../world/world.js";
import { checkHost, CheckContext, HostCheck } from "../check.js";
import { MACHINE_TYPE } from "../hostMachine.js";
import { LintContext, HostInfo, LintSource } from "./context.js";
import { RULES } from "./index.js";
import { findingKey } from "./findingKey.js";
import { Finding, Rule, Severity } from "./types.js";

export interface LintInput {
  view: WorldView;
  now: Date;
  propagationDelayMs: number;
  tags?: ServiceTags;
  /** A model already compiled from `view` (the server's). */
  model?: NetworkModel;
  source?: LintSource;
}

export interface LintOptions {
  /** Run only these rule ids. */
  rules?: string[];
  /** Per-host checks to reuse (e.g. from a previous run), by host key; recomputed when absent. */
  checks?: Map<string, HostCheck>;
  /** Record what each evaluation reads, for what-if (default true); see lintIndexOf. */
  index?: boolean;
}

export interface LintReport {
  source: LintSource["kind"];
  files?: string[];
  generatedAt: string;
  findings: Finding[];
  /** check() for every host, sorted by host name: every machine's paths. */
  hosts: LintHostCheck[];
  summary: { errors: number; warnings: number; notes: number; hosts: number; machines: number };
  rules: readonly Rule[];
}

const ORDER: Record<Severity, number> = { error: 0, warning: 1, note: 2 };

/**
 * Each host's machine, as machineOfHost() finds it (the first machine in the world's order that
 * recorded the host, else the first with its name), without a scan of every machine per host. A
 * host's check is given a view whose only machine is that one, so its lookup (and so its verdict)
 * is the same at a fraction of the cost. Every other read goes to the world.
 *
 * Machines by name are only asked for hosts no machine recorded: a few are scanned for, and the
 * index by name is built only for more (a million-machine fleet, whose machines all recorded
 * their host, never builds it; each index costs seconds there).
 */
export class MachineIndex {
  private byHost = new MultiMap<Entry>();
  private byNameIndex?: MultiMap<Entry>;
  private scans = 0;

  constructor(
    private readonly view: WorldView,
    /** The view's machines, in its order. */
    readonly machines: Entry[] = view.ofType(MACHINE_TYPE),
  ) {
    for (const m of machines) {
      const hid = String(m.body._arclink?.hostId ?? "").toLowerCase();
      if (hid) this.byHost.add(hid, m);
    }
  }

  private byName(): MultiMap<Entry> {
    if (!this.byNameIndex) {
      this.byNameIndex = new MultiMap<Entry>();
      for (const m of this.machines) this.byNameIndex.add(String(m.body.name).toLowerCase(), m);
    }
    return this.byNameIndex;
  }

  private firstByName(name: string): Entry | undefined {
    if (this.byNameIndex || ++this.scans > NAME_SCANS) return this.byName().first(name);
    for (const m of this.machines) if (String(m.body.name).toLowerCase() === name) return m;
    return undefined;
  }

  /** The machines that may be `h`'s, in the world's order: by the host id they recorded, then by name. */
  candidates(h: HostModel): Entry[] {
    const name = h.name.toLowerCase();
    if (this.byNameIndex || ++this.scans > NAME_SCANS)
      return [...this.byHost.all(h.key), ...this.byName().all(name)];
    const named: Entry[] = [];
    for (const m of this.machines) if (String(m.body.name).toLowerCase() === name) named.push(m);
    return [...this.byHost.all(h.key), ...named];
  }

  /** The view `h`'s check reads: its machine (machineOf(h), given) is the only machine in it. */
  viewFor(h: HostModel, machine: Entry | undefined, rec?: DepRecorder): WorldView {
    return machineView(rec ? recordingView(this.view, rec) : this.view, machine ? [machine] : []);
  }

  machineOf(h: HostModel): Entry | undefined {
    return this.byHost.first(h.key) ?? this.firstByName(h.name.toLowerCase());
  }

  /** The last machinesOf() answer, with the hosts (keys and names) it was for. */
  private memo?: { keys: string[]; names: string[]; machines: Array<Entry | undefined> };

  /**
   * machineOf() of each of `hosts`. The answer is remembered with this index: asked again for the
   * same hosts in the same order (the same world linted again while its index is kept), each host
   * whose key and name are the ones remembered at its place gets the machine remembered there.
   */
  machinesOf(hosts: readonly HostModel[]): Array<Entry | undefined> {
    const memo = this.memo;
    let i = 0;
    if (memo && memo.keys.length === hosts.length)
      while (i < hosts.length && memo.keys[i] === hosts[i].key && memo.names[i] === hosts[i].name) i++;
    if (memo && i === hosts.length) return memo.machines;
    const keys = new Array<string>(hosts.length);
    const names = new Array<string>(hosts.length);
    const machines = new Array<Entry | undefined>(hosts.length);
    for (let j = 0; j < hosts.length; j++) {
      const h = hosts[j];
      keys[j] = h.key;
      names[j] = h.name;
      machines[j] =
        memo && j < memo.keys.length && memo.keys[j] === h.key && memo.names[j] === h.name
          ? memo.machines[j]
          : this.machineOf(h);
    }
    this.memo = { keys, names, machines };
    return machines;
  }
}

/** Machine indexes of plain Worlds, each kept while its World's version holds (no entry changed). */
const worldIndexes = new WeakMap<World, { version: number; index: MachineIndex }>();

/**
 * The machine index of `view`: a World's is kept from one lint to the next while none of its
 * entries changes (its version), so linting an unchanged world again does not index every machine
 * again. Other views (an overlay, whose base may change under it; a filtered view) get a new one.
 */
export function machineIndexFor(view: WorldView): MachineIndex {
  if (!(view instanceof World) || Object.getPrototypeOf(view) !== World.prototype)
    return new MachineIndex(view);
  const kept = worldIndexes.get(view);
  if (kept && kept.version === view.version) return kept.index;
  const index = new MachineIndex(view);
  worldIndexes.set(view, { version: view.version, index });
  return index;
}

/** Hosts no machine recorded that are looked for by a scan of the machines before an index is built. */
const NAME_SCANS = 4;

/** `view` with the machines narrowed to `candidates` (one host's). */
export function machineView(view: WorldView, candidates: Entry[]): WorldView {
  return {
    get: (id) => view.get(id),
    children: (id, type) => view.children(id, type),
    ofType: (type) => (type.toLowerCase() === MACHINE_TYPE_LC ? candidates : view.ofType(type)),
  };
}

const MACHINE_TYPE_LC = MACHINE_TYPE.toLowerCase();

/**
 * What one check() evaluation reads, recorded while it runs: model entries ("<section>:<key>", or
 * "<section>:*" for a walk over a whole section) and world resources ("w:<key>", "c:<parent>|<type>",
 * "t:<type>"). DNS answers remembered for later hosts carry what computing them read, so a host
 * served from the memo depends on the same things as the host that computed the answer.
 */
export class DepRecorder {
  private frames: Array<{ key?: string; deps: Set<string> }> = [];
  private memoDeps = new Map<string, Set<string>>();

  note(d: string): void {
    const f = this.frames[this.frames.length - 1];
    if (f) f.deps.add(d);
  }

  begin(): void {
    this.frames.push({ deps: new Set() });
  }

  end(): Set<string> {
    return this.frames.pop()?.deps ?? new Set();
  }

  /** A memo lookup: a hit brings the answer's dependencies; a miss starts recording them. */
  memoGet(key: string, hit: boolean): void {
    if (hit) {
      const d = this.memoDeps.get(key);
      const f = this.frames[this.frames.length - 1];
      if (d && f) for (const x of d) f.deps.add(x);
    } else this.frames.push({ key, deps: new Set() });
  }

  memoSet(key: string): void {
    for (let i = this.frames.length - 1; i >= 0; i--) {
      if (this.frames[i].key !== key) continue;
      const f = this.frames[i];
      for (let j = this.frames.length - 1; j > i; j--) for (const x of this.frames[j].deps) f.deps.add(x);
      this.frames.length = i;
      this.memoDeps.set(key, f.deps);
      const up = this.frames[this.frames.length - 1];
      if (up) for (const x of f.deps) up.deps.add(x);
      return;
    }
  }
}

class RecordingMemoMap<V> extends Map<string, V> {
  constructor(
    private readonly rec: DepRecorder,
    private readonly tag: string,
  ) {
    super();
  }

  override get(k: string): V | undefined {
    const v = super.get(k);
    this.rec.memoGet(this.tag + k, v !== undefined);
    return v;
  }

  override set(k: string, v: V): this {
    this.rec.memoSet(this.tag + k);
    return super.set(k, v);
  }
}

const WALKS = new Set<PropertyKey>(["values", "keys", "entries", "forEach", Symbol.iterator]);

function recordingMap<V>(m: Map<string, V>, section: string, rec: DepRecorder): Map<string, V> {
  return new Proxy(m, {
    get(target, prop) {
      if (prop === "get" || prop === "has")
        return (k: string) => {
          rec.note(`${section}:${k}`);
          return prop === "get" ? target.get(k) : target.has(k);
        };
      if (prop === "size") {
        rec.note(`${section}:*`);
        return target.size;
      }
      const v = Reflect.get(target, prop, target);
      if (typeof v !== "function") return v;
      return (...a: unknown[]) => {
        if (WALKS.has(prop)) rec.note(`${section}:*`);
        return v.apply(target, a);
      };
    },
  });
}

/** `m` with every section's reads recorded: a section's entries are its dependencies ("<section>:<key>"). */
export function recordingModel(m: NetworkModel, rec: DepRecorder, sections = modelSections()): NetworkModel {
  const out: Record<string, unknown> = { ...m };
  for (const s of sections.names)
    out[s] = recordingMap((m as unknown as Record<string, Map<string, unknown>>)[s], s, rec);
  return out as NetworkModel;
}

function recordingView(v: WorldView, rec: DepRecorder): WorldView {
  return {
    get: (id) => {
      rec.note(`w:${keyOf(id)}`);
      return v.get(id);
    },
    children: (id, type) => {
      rec.note(`c:${keyOf(id)}|${type ? type.toLowerCase() : "*"}`);
      return v.children(id, type);
    },
    ofType: (type) => {
      rec.note(`t:${type.toLowerCase()}`);
      return v.ofType(type);
    },
  };
}

/**
 * What a lint run knows that lets a what-if evaluate again only what a change can affect: the
 * model and hosts it evaluated, which hosts shared each check() evaluation, and what each
 * evaluation read (an index from every model entry and world resource to the evaluations that
 * read it).
 */
export interface LintIndex {
  model: NetworkModel;
  view: WorldView;
  now: Date;
  propagationDelayMs: number;
  /** Sorted by host name, as the report's hosts. */
  infos: HostInfo[];
  /** Host key → its place in `infos` (a map of every host: positionOf finds one without it). */
  at: Map<string, number>;
  /** The place in `infos` of the host with this key, if it is one of them. */
  positionOf(key: string): number | undefined;
  /** Place in `infos` → the evaluation it shares. */
  evalOf: Int32Array;
  /** Evaluation → places in `infos`. */
  members: number[][];
  /** Dependency → evaluations that read it. */
  byDep: Map<string, number[]>;
  /** Machine key → host keys it belonged to; lower-case host name → host keys. */
  hostsOfMachine: MultiMap<string>;
  hostsByName: MultiMap<string>;
  machines: MachineIndex;
}

const indexes = new WeakMap<object, LintIndex>();

/** The index a lint run left for its report (absent for reports read back from JSON). */
export function lintIndexOf(report: LintReport): LintIndex | undefined {
  return indexes.get(report);
}

/** Key → values, without an array for the (usual) single value. */
export class MultiMap<T extends object | string> {
  private m = new Map<string, T | T[]>();

  add(k: string, v: T): void {
    const l = this.m.get(k);
    if (l === undefined) this.m.set(k, v);
    else if (Array.isArray(l)) l.push(v);
    else this.m.set(k, [l, v]);
  }

  first(k: string): T | undefined {
    const l = this.m.get(k);
    return Array.isArray(l) ? l[0] : l;
  }

  all(k: string): T[] {
    const l = this.m.get(k);
    return l === undefined ? [] : Array.isArray(l) ? l : [l];
  }
}

function push<T>(m: Map<string, T[]>, k: string, v: T): void {
  const l = m.get(k);
  if (l) l.push(v);
  else m.set(k, [v]);
}

/** A host's check as lint reports it: check()'s own result, or an identical-input host's. */
export type LintHostCheck = HostCheck & {
  /** Set when this host's inputs equal another host's: its endpoints are that host's evaluation (traces name it). */
  evaluatedAs?: string;
};

const KEYWORDS = new Set(["*", "any", "virtualnetwork", "internet", "azureloadbalancer"]);

/** Suffixes of every name check() asks (arcEndpointsFor), and more: Azure's service domains. */
const CHECKED_SUFFIXES = ["azure.com", "azure.net", "windows.net", "microsoftonline.com", "microsoft.com"];

/**
 * What of a host's hosts file check() can read: the entries (with their lines, which traces name)
 * that hold an Azure service name. Servers' hosts files differ in their own names (127.0.1.1
 * srv-0042); those entries never answer a name check() asks, so they do not split evaluations.
 */
export function hostsSignature(h: HostModel): string {
  let out = "";
  for (let i = 0; i < h.hostsEntries.length; i++) {
    const e = h.hostsEntries[i];
    if (e.names.some((n) => CHECKED_SUFFIXES.some((s) => n === s || n.endsWith("." + s))))
      out += `${e.line}\u0003${e.address}\u0003${e.names.join(" ")}\u0002`;
  }
  return out;
}

/**
 * What check() reads of a host besides its name: position, DNS configuration, hosts file, proxy,
 * trusted CAs and TLS settings, which source-address filters its address matches, and its
 * machine's association, region, agent version and association age. Hosts with equal signatures
 * get equal verdicts.
 */
export class Signer {
  private exprs: string[] = [];
  private spaces: Array<(ip: string) => boolean> = [];

  constructor(
    private readonly model: NetworkModel,
    private readonly now: Date,
    private readonly delayMs: number,
  ) {
    const ex = new Set<string>();
    for (const s of model.sites.values())
      for (const r of s.firewall?.rules ?? [])
        for (const a of r.sourceAddresses ?? []) ex.add(String(a).trim());
    const nsgVnets = new Set<string>();
    for (const n of model.nsgs.values())
      for (const r of [...n.outbound, ...n.inbound]) for (const a of r.sources) ex.add(String(a).trim());
    for (const v of model.vnets.values()) if (v.subnets.some((x) => x.nsg)) nsgVnets.add(v.key);
    this.exprs = [...ex].filter((e) => !KEYWORDS.has(e.toLowerCase()));
    this.spaces = [...nsgVnets].map((v) => virtualNetworkSpace(model, v));
  }

  private lowered = new Map<string, string>();
  private versionClass = new Map<string, string>();
  private tokens = new Map<string, string>();

  /** A short stand-in for `x`, the same for equal strings (in this signer's signatures only). */
  private token(x: string): string {
    let t = this.tokens.get(x);
    if (t === undefined) this.tokens.set(x, (t = this.tokens.size.toString(36)));
    return t;
  }

  /** token() of x in lower case; remembered by x as written (machines repeat their scope's id). */
  private lowerToken(x: string): string {
    let t = this.lowered.get(x);
    if (t === undefined) this.lowered.set(x, (t = this.token(x.toLowerCase())));
    return t;
  }

  /**
   * Whether a host signed so far has a machine associated after it was created: its verdict, trace
   * and findings depend on the time (the propagation delay); no other input of check() does.
   */
  timeSensitive = false;

  sign(h: HostModel, machine: Entry | undefined): string {
    const p = h.raw.properties ?? {};
    let bits = "";
    for (let i = 0; i < this.exprs.length; i++)
      bits += addressMatches(this.model, [this.exprs[i]], h.ip, () => false) ? "1" : "0";
    let vbits = "";
    for (let i = 0; i < this.spaces.length; i++) vbits += this.spaces[i](h.ip) ? "1" : "0";
    const mp = machine?.body.properties ?? {};
    const assoc = associationOf(machine?.body);
    let age = "";
    if (assoc.associatedAt && !assoc.associatedAtCreation) this.timeSensitive = true;
    if (assoc.associatedAt) {
      const a = Date.parse(assoc.associatedAt);
      if (Number.isFinite(a) && !assoc.associatedAtCreation)
        age = this.now.getTime() - a < this.delayMs ? `young:${assoc.associatedAt}` : "propagated";
    }
    const v = typeof mp.agentVersion === "string" ? mp.agentVersion : "";
    // Below 1.4 (no private endpoints) and 1.56 to 1.63 (GCM suites only on Windows) behave apart.
    // A fleet runs a few versions: each is classed once.
    let old = this.versionClass.get(v);
    if (old === undefined)
      this.versionClass.set(
        v,
        (old = /^(0\.|1\.[0-3](\.|$))/.test(v) ? v : needsGcmSuites(v) ? "gcm" : v ? "ok" : ""),
      );
    // What most hosts leave empty (no hosts file entries for Azure names, no proxy, no CAs or TLS
    // settings, no filter matches) is one part, "" when all of it is empty: shorter signatures.
    const hostsSig = hostsSignature(h);
    const proxyUrl = typeof p.proxyUrl === "string" ? p.proxyUrl : "";
    const bypass = Array.isArray(p.proxyBypass) ? p.proxyBypass.join(",") : "";
    const cas = Array.isArray(p.trustedCertificateAuthorities)
      ? p.trustedCertificateAuthorities.join("\u0002")
      : "";
    const tls = typeof p.maxTlsVersion === "string" ? p.maxTlsVersion : "";
    const gcm = p.gcmCipherSuitesEnabled === false ? "nogcm" : "";
    const rare =
      bits || vbits || hostsSig || proxyUrl || bypass || cas || tls || gcm
        ? [bits, vbits, hostsSig, proxyUrl, bypass, cas, tls, gcm].join("\u0004")
        : "";
    // Long ids (the site or VNet, the scope) as short tokens: a million signatures are hashed.
    return [
      this.token(h.pos.kind === "site" ? h.pos.site : h.pos.vnet),
      h.subnet ?? "",
      h.os,
      isPublicAddress(h.ip) ? "pub" : "priv",
      h.dnsServers.length === 1 ? h.dnsServers[0] : h.dnsServers.join(","),
      machine ? "m" : "-",
      this.lowerToken(String(assoc.scopeId ?? "")),
      this.lowerToken(String(machine?.body.location ?? "")),
      old,
      age,
      rare,
    ].join("\u0001");
  }
}

/**
 * check() for every host of a model. DNS answers are shared between hosts (a resolve memo), and
 * hosts whose inputs are equal (same signature) share one check() evaluation. With `record`, what
 * each evaluation reads is recorded into a LintIndex.
 */
export function checkAll(
  input: { view: WorldView; model: NetworkModel; now: Date; propagationDelayMs: number },
  opts: { only?: (h: HostModel) => boolean; shareEqualHosts?: boolean; record?: boolean } = {},
): { infos: HostInfo[]; resolver: Resolver; index?: LintIndex; timeSensitive: boolean; machines: Entry[] } {
  const rec = opts.record ? new DepRecorder() : undefined;
  const memo = newResolveMemo();
  if (rec) {
    memo.answers = new RecordingMemoMap(rec, "a|");
    memo.at = new RecordingMemoMap(rec, "@|");
  }
  const resolver = new Resolver(input.model, undefined, memo);
  const evalResolver = rec ? new Resolver(recordingModel(input.model, rec), undefined, memo) : resolver;
  const index = machineIndexFor(input.view);
  const signer =
    opts.shareEqualHosts === false ? undefined : new Signer(input.model, input.now, input.propagationDelayMs);
  const scopes = new Map<string, Entry | undefined>();
  const evals: HostCheck[] = [];
  const evalDeps: Array<Set<string>> = [];
  const infos: HostInfo[] = [];
  const evalOfInfo: number[] = [];
  // Each host's machine and class of equal signatures, in the model's order; then the hosts in name
  // order for the checks (the first host of each class is evaluated, the others share its check).
  // A signature is numbered as soon as it is made: the strings do not outlive the host.
  const all = [...input.model.hosts.values()];
  const hosts = opts.only ? all.filter((h) => opts.only!(h)) : all;
  const machineAt = index.machinesOf(hosts);
  const classes = new Map<string, number>();
  const classOf: number[] = [];
  for (let at = 0; signer && at < hosts.length; at++) {
    const h = hosts[at];
    const machine = machineAt[at];
    const sig = signer.sign(h, machine);
    let c = classes.get(sig);
    if (c === undefined) classes.set(sig, (c = classes.size));
    classOf.push(c);
  }
  const evalOfClass = new Int32Array(classes.size).fill(-1);
  const order: number[] = new Array<number>(hosts.length);
  for (let i = 0; i < order.length; i++) order[i] = i;
  order.sort((a, b) => compareHosts(hosts[a], hosts[b]));
  for (let o = 0; o < order.length; o++) {
    const at = order[o];
    const h = hosts[at];
    const machine = machineAt[at];
    const scopeId = machine?.body.properties?.privateLinkScopeResourceId;
    let scope: Entry | undefined;
    if (typeof scopeId === "string" && scopeId) {
      // Machines repeat their scope's id: look each id up once.
      scope = scopes.get(scopeId);
      if (scope === undefined && !scopes.has(scopeId)) scopes.set(scopeId, (scope = input.view.get(scopeId)));
    }
    const cls = signer ? classOf[at] : -1;
    const e = cls >= 0 ? evalOfClass[cls] : -1;
    let check: LintHostCheck;
    if (e >= 0) {
      check = sharedCheck(h, machine, evals[e]);
      evalOfInfo.push(e);
    } else {
      rec?.begin();
      const ctx: CheckContext = {
        view: index.viewFor(h, machine, rec),
        resolver: evalResolver,
        now: input.now,
        propagationDelayMs: input.propagationDelayMs,
      };
      check = checkHost(ctx, h);
      const n = evals.length;
      evals.push(check);
      if (rec) {
        const deps = rec.end();
        // The host's own entries are its own input, not shared: a change to them is found per host.
        deps.delete(`hosts:${h.key}`);
        deps.delete(`w:${h.key}`);
        if (machine) deps.delete(`w:${machine.key}`);
        evalDeps.push(deps);
      }
      if (cls >= 0) evalOfClass[cls] = n;
      evalOfInfo.push(n);
    }
    infos.push({ host: h, machine, scope, check });
  }
  // Without a signer, nothing tells whether the time matters: it may.
  const timeSensitive = signer?.timeSensitive ?? true;
  if (!rec) return { infos, resolver, timeSensitive, machines: index.machines };
  const members: number[][] = evals.map(() => []);
  for (let i = 0; i < infos.length; i++) members[evalOfInfo[i]].push(i);
  const byDep = new Map<string, number[]>();
  evalDeps.forEach((deps, n) => {
    for (const d of deps) push(byDep, d, n);
  });
  // What only a what-if reads, by host key and by machine: made when it first asks (a Map entry
  // per host costs about a microsecond, seconds for a million hosts a lint would not use).
  let byKey: { at: Map<string, number>; ofMachine: MultiMap<string>; byName: MultiMap<string> } | undefined;
  const hostKeys = () => {
    if (!byKey) {
      byKey = { at: new Map(), ofMachine: new MultiMap(), byName: new MultiMap() };
      for (let i = 0; i < infos.length; i++) {
        const info = infos[i];
        byKey.at.set(info.host.key, i);
        if (info.machine) byKey.ofMachine.add(info.machine.key, info.host.key);
        byKey.byName.add(info.host.name.toLowerCase(), info.host.key);
      }
    }
    return byKey;
  };
  return {
    infos,
    resolver,
    timeSensitive,
    machines: index.machines,
    index: {
      model: input.model,
      view: input.view,
      now: input.now,
      propagationDelayMs: input.propagationDelayMs,
      infos,
      get at() {
        return hostKeys().at;
      },
      positionOf: (key: string) => {
        if (byKey) return byKey.at.get(key);
        // infos are sorted by host name, then key: a binary search finds the host.
        const h = input.model.hosts.get(key);
        if (!h) return undefined;
        let lo = 0;
        let hi = infos.length - 1;
        while (lo <= hi) {
          const mid = (lo + hi) >> 1;
          const c = compareHosts(infos[mid].host, h);
          if (c === 0) return infos[mid].host.key === key ? mid : undefined;
          if (c < 0) lo = mid + 1;
          else hi = mid - 1;
        }
        return undefined;
      },
      evalOf: Int32Array.from(evalOfInfo),
      members,
      byDep,
      get hostsOfMachine() {
        return hostKeys().ofMachine;
      },
      get hostsByName() {
        return hostKeys().byName;
      },
      machines: index,
    },
  };
}

/**
 * The check of a host that shares `same`'s evaluation: its own name, id, address and machine, the
 * evaluation's rows. Made whole in one literal per shape (the keys in the order JSON prints them).
 */
function sharedCheck(h: HostModel, machine: Entry | undefined, same: HostCheck): LintHostCheck {
  if (machine) {
    if (same.scope)
      return {
        host: h.name,
        hostId: h.id,
        address: h.ip,
        machine: machine.body.name,
        machineId: machine.id,
        scope: same.scope,
        region: same.region,
        endpoints: same.endpoints,
        evaluatedAs: same.host,
      };
    return {
      host: h.name,
      hostId: h.id,
      address: h.ip,
      machine: machine.body.name,
      machineId: machine.id,
      region: same.region,
      endpoints: same.endpoints,
      evaluatedAs: same.host,
    };
  }
  if (same.scope)
    return {
      host: h.name,
      hostId: h.id,
      address: h.ip,
      scope: same.scope,
      region: same.region,
      endpoints: same.endpoints,
      evaluatedAs: same.host,
    };
  return {
    host: h.name,
    hostId: h.id,
    address: h.ip,
    region: same.region,
    endpoints: same.endpoints,
    evaluatedAs: same.host,
  };
}

/** The order of lint's hosts: by name, then key. */
function compareHosts(a: HostModel, b: HostModel): number {
  return a.name < b.name ? -1 : a.name > b.name ? 1 : a.key < b.key ? -1 : a.key > b.key ? 1 : 0;
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Every host checked, before any rule runs: what lint() starts from. */
export interface CheckedWorld {
  model: NetworkModel;
  infos: HostInfo[];
  resolver: Resolver;
  index?: LintIndex;
  /** false when nothing checked depends on the time: the result holds until the world changes. */
  timeSensitive: boolean;
  /** The view's machines, in its order (the rules read them too). */
  machines?: Entry[];
}

/**
 * lint()'s first half: the model, and check() for every host. A caller that needs the verdicts
 * first (a diagram) can hand the result to lint() afterwards, which then runs only the rules.
 */
export function checkWorld(input: LintInput, opts: { index?: boolean } = {}): CheckedWorld {
  const model = input.model ?? compileModel(input.view, input.tags ?? ServiceTags.default());
  const { infos, resolver, index, timeSensitive, machines } = checkAll(
    { ...input, model },
    { record: opts.index !== false },
  );
  return { model, infos, resolver, index, timeSensitive, machines };
}

/** `checked`: checkWorld() of the same input (and index option), used once. */
export function lint(input: LintInput, opts: LintOptions = {}, checked?: CheckedWorld): LintReport {
  const { model, infos, resolver, index, timeSensitive, machines } = checked ?? checkWorld(input, opts);
  // The evaluations check() made, numbered as LintContext would number them (first host order).
  const evaluations = index && { first: index.members.map((m) => infos[m[0]]), of: index.evalOf };
  const report = reportOf(input, model, resolver, infos, opts, machines, evaluations);
  if (index) indexes.set(report, index);
  if (!timeSensitive) timeless.add(report);
  return report;
}

const timeless = new WeakSet<LintReport>();

/**
 * Whether a lint report holds at any time for its world (no machine was associated after its
 * creation, so no verdict, trace or finding depends on the propagation delay): it may be reused
 * until the world changes.
 */
export function isTimeIndependent(report: LintReport): boolean {
  return timeless.has(report);
}

/** Every rule over hosts already checked (a lint run's own, or a what-if's patched list). */
export function reportOf(
  input: { view: WorldView; now: Date; propagationDelayMs: number; source?: LintSource },
  model: NetworkModel,
  resolver: Resolver,
  infos: HostInfo[],
  opts: LintOptions = {},
  /** input.view's machines, when already listed. */
  machines?: Entry[],
  /** The hosts' evaluations (LintContext.evaluations()), when already known. */
  evaluations?: { first: HostInfo[]; of: Int32Array },
): LintReport {
  const ctx = new LintContext(
    input.view,
    model,
    resolver,
    input.now,
    input.propagationDelayMs,
    infos,
    input.source,
    machines,
    evaluations,
  );
  const rules = opts.rules?.length
    ? RULES.filter((r) => opts.rules!.some((x) => x.toLowerCase() === r.id.toLowerCase()))
    : RULES;
  const findings: Finding[] = [];
  for (const r of rules) findings.push(...r.run(ctx));
  uniqueKeys(findings);
  findings.sort(
    (a, b) =>
      ORDER[a.severity] - ORDER[b.severity] ||
      cmp(a.ruleId, b.ruleId) ||
      cmp(a.resources[0] ?? "", b.resources[0] ?? "") ||
      cmp(a.message, b.message),
  );
  let errors = 0;
  let warnings = 0;
  let notes = 0;
  for (const f of findings)
    if (f.severity === "error") errors++;
    else if (f.severity === "warning") warnings++;
    else notes++;
  return {
    source: input.source?.kind ?? "world",
    ...(input.source?.files ? { files: input.source.files } : {}),
    generatedAt: input.now.toISOString(),
    findings,
    hosts: infos.map((i) => i.check),
    summary: { errors, warnings, notes, hosts: infos.length, machines: ctx.machines().length },
    rules: RULES,
  };
}

/**
 * Every finding's key is unique in a report. Rules key what tells their findings apart; should two
 * still meet, the later ones get `#2`, `#3` in rule order (stable for equal inputs).
 */
function uniqueKeys(findings: Finding[]): void {
  const seen = new Map<string, number>();
  for (const f of findings) {
    f.key ??= findingKey(f);
    const n = (seen.get(f.key) ?? 0) + 1;
    seen.set(f.key, n);
    if (n > 1) f.key = `${f.key}#${n}`;
  }
}

/** 2 when there are errors, 1 for warnings only, 0 otherwise (notes do not count). */
export function exitCodeOf(r: { findings: Array<{ severity: Severity }> }): number {
  if (r.findings.some((f) => f.severity === "error")) return 2;
  if (r.findings.some((f) => f.severity === "warning")) return 1;
  return 0;
}
