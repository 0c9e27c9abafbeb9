// Which Arc machine resource a lab host is: the one its agent onboarded (recorded by HIS), else
// a machine with the host's name. A fleet has one lookup per host, so the World keeps an index
// (built once, then kept from its change feed); other views (a pending write, a filtered view)
// are indexed per call.
import { HostModel } from "../network/model.js";
import { Change } from "../store/store.js";
import { Entry, World, WorldView } from "../world/world.js";

export const MACHINE_TYPE = "Microsoft.HybridCompute/machines";
const MACHINE_TYPE_KEY = MACHINE_TYPE.toLowerCase();

const hostOf = (body: Record<string, any>): string => String(body._arclink?.hostId ?? "").toLowerCase();
const nameOf = (body: Record<string, any>): string => String(body.name).toLowerCase();

/** One key, or several in a Set (rare: most hosts and names have one machine). */
type Keys = string | Set<string>;

/** Machine keys by the host id they recorded and by name, kept from a World's change feed. */
class WorldMachineIndex {
  private byHost = new Map<string, Keys>();
  private byName = new Map<string, Keys>();
  /**
   * Per machine key: the host key it is indexed under ("" for none), or, when its name is not the
   * last segment of its key, the host and the name.
   */
  private of = new Map<string, string | { host: string; name: string }>();
  /** The World sequence number this index reflects (a reload without changes makes it stale). */
  private seq = NaN;

  constructor(private readonly world: World) {
    world.onChange((changes, seq) => this.applyChanges(changes, seq));
  }

  machineOf(h: HostModel): Entry | undefined {
    if (this.seq !== this.world.seq) this.rebuild();
    return this.first(this.byHost.get(h.key)) ?? this.first(this.byName.get(h.name.toLowerCase()));
  }

  private rebuild(): void {
    this.byHost.clear();
    this.byName.clear();
    this.of.clear();
    for (const m of this.world.ofType(MACHINE_TYPE)) this.add(m.key, m.body);
    this.seq = this.world.seq;
  }

  private applyChanges(changes: Change[], seq: number): void {
    // Not built yet (or stale): the next lookup builds it from the World as it is then.
    if (Number.isNaN(this.seq)) return;
    for (const c of changes) {
      this.remove(c.key);
      if (c.resource && c.resource.type.toLowerCase() === MACHINE_TYPE_KEY) {
        // The World's key string for it (one string per resource, however many indexes hold it).
        this.add(this.world.get(c.key)?.key ?? c.key, c.resource.body);
      }
    }
    this.seq = seq;
  }

  private add(key: string, body: Record<string, any>): void {
    let host = hostOf(body);
    // The host's own key string when it exists (shared rather than one more copy per machine).
    if (host) {
      const e = this.world.get(host);
      if (e?.key === host) host = e.key;
    }
    const name = nameOf(body);
    this.of.set(key, name === lastSegment(key) ? host : { host, name });
    if (host) addTo(this.byHost, host, key);
    addTo(this.byName, name, key);
  }

  private remove(key: string): void {
    const was = this.of.get(key);
    if (was === undefined) return;
    this.of.delete(key);
    const host = typeof was === "string" ? was : was.host;
    if (host) removeFrom(this.byHost, host, key);
    removeFrom(this.byName, typeof was === "string" ? lastSegment(key) : was.name, key);
  }

  /** The first of `keys` in the World's order of machines (the order a full scan would meet them). */
  private first(keys: Keys | undefined): Entry | undefined {
    if (keys === undefined) return undefined;
    if (typeof keys === "string") return this.world.get(keys);
    if (keys.size === 0) return undefined;
    // Several machines claim the same host or name (rare): the World's order decides, as it did
    // when every lookup scanned the machines.
    for (const m of this.world.ofType(MACHINE_TYPE)) if (keys.has(m.key)) return m;
    return undefined;
  }
}

function lastSegment(key: string): string {
  return key.slice(key.lastIndexOf("/") + 1);
}

function addTo(m: Map<string, Keys>, k: string, v: string): void {
  const s = m.get(k);
  if (s === undefined) m.set(k, v);
  else if (typeof s === "string") {
    if (s !== v) m.set(k, new Set([s, v]));
  } else s.add(v);
}

function removeFrom(m: Map<string, Keys>, k: string, v: string): void {
  const s = m.get(k);
  if (s === undefined) return;
  if (typeof s === "string") {
    if (s === v) m.delete(k);
    return;
  }
  s.delete(v);
  if (s.size === 1) for (const x of s) m.set(k, x);
  else if (s.size === 0) m.delete(k);
}

const indexes = new WeakMap<World, WorldMachineIndex>();

/** The first machine of a view (in its order) that recorded host `h`, else the first named as `h`. */
function scan(view: WorldView, h: HostModel): Entry | undefined {
  let byName: Entry | undefined;
  const name = h.name.toLowerCase();
  for (const m of view.ofType(MACHINE_TYPE)) {
    if (hostOf(m.body) === h.key) return m;
    if (!byName && nameOf(m.body) === name) byName = m;
  }
  return byName;
}

export function machineOfHost(view: WorldView, h: HostModel): Entry | undefined {
  if (!(view instanceof World)) return scan(view, h);
  let i = indexes.get(view);
  if (!i) indexes.set(view, (i = new WorldMachineIndex(view)));
  return i.machineOf(h);
}
