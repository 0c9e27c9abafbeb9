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

/**
 * Machine keys by name, and by the host they recorded, kept from a World's change feed. A machine
 * is held once, under its name; under its host too only when the host's name (the last segment of
 * its key) is not the machine's name. A change adds a machine's keys and removes none: what a key
 * no longer holds (a machine renamed, moved to another host or deleted) is checked against the World
 * at lookup and dropped then. So the index keeps no record of each machine's past, and a check-in
 * (which changes neither) costs one lookup.
 */
class WorldMachineIndex {
  private byName = new Map<string, Keys>();
  private byHost = new Map<string, Keys>();
  /** Keys held in both maps, stale ones included (bounded: past twice the machines, rebuilt). */
  private held = 0;
  /** The World sequence number this index reflects (a reload without changes makes it stale). */
  private seq = NaN;

  constructor(private readonly world: World) {
    world.onChange((changes, seq) => this.applyChanges(changes, seq));
  }

  machineOf(h: HostModel): Entry | undefined {
    if (this.seq !== this.world.seq) this.rebuild();
    const seg = lastSegment(h.key);
    const named = this.byName.get(seg);
    // The usual case, without a list: one machine under the host's name, which recorded the host,
    // and none under the host itself.
    if (typeof named === "string" && !this.byHost.has(h.key)) {
      const e = this.world.getKeyed(named);
      if (e && recorded(e.body, h.key)) return e;
    }
    // The machines that recorded the host: under its name, or (another name) under the host itself.
    const viaHost = this.live(this.byHost, h.key, (e) => recorded(e.body, h.key));
    const viaName = this.live(this.byName, seg, (e) => recorded(e.body, h.key) && !viaHost.includes(e));
    const found = this.first(viaName.length ? [...viaHost, ...viaName] : viaHost);
    if (found) return found;
    const name = h.name.toLowerCase();
    return this.first(this.live(this.byName, name, (e) => nameOf(e.body) === name));
  }

  private rebuild(): void {
    this.byName.clear();
    this.byHost.clear();
    this.held = 0;
    for (const m of this.world.ofType(MACHINE_TYPE)) this.add(m.key, m.body);
    this.seq = this.world.seq;
  }

  private applyChanges(changes: Change[], seq: number): void {
    // Not built yet (or stale): the next lookup builds it from the World as it is then.
    if (Number.isNaN(this.seq)) return;
    for (const c of changes) {
      if (!c.resource) {
        // A deleted machine under its key's last segment (its name, nearly always): dropped now.
        if (removeFrom(this.byName, lastSegment(c.key), c.key)) this.held--;
      } else if (isMachineType(c.resource.type)) {
        // The World's key string for it (one string per resource, however many indexes hold it).
        this.add(this.world.getKeyed(c.key)?.key ?? c.key, c.resource.body);
      }
    }
    this.seq = seq;
    // Stale keys past what the machines hold themselves (at most two each): built again when next asked.
    if (this.held > 2 * this.world.countOfType(MACHINE_TYPE) + 1024) this.seq = NaN;
  }

  private add(key: string, body: Record<string, any>): void {
    const name = nameOf(body);
    if (addTo(this.byName, name, key)) this.held++;
    // Under the host too only when its name is another (a check-in's host, its own name: no copy).
    const recordedId = body._arclink?.hostId;
    if (recordedId === undefined || recordedId === null || recordedId === "") return;
    if (typeof recordedId === "string" && lastSegmentIs(recordedId, name)) return;
    let host = hostOf(body);
    if (lastSegment(host) === name) return;
    // The host's own key string when it exists (shared rather than one more copy per machine).
    const e = this.world.getKeyed(host);
    if (e?.key === host) host = e.key;
    if (addTo(this.byHost, host, key)) this.held++;
  }

  /**
   * The live machines among those `m` holds under `k` for which `ok` holds; the keys that no
   * longer qualify (the machine gone, renamed, or moved to another host) are dropped.
   */
  private live(m: Map<string, Keys>, k: string, ok: (e: Entry) => boolean): Entry[] {
    const keys = m.get(k);
    if (keys === undefined) return NONE;
    const out: Entry[] = [];
    for (const key of typeof keys === "string" ? [keys] : [...keys]) {
      const e = this.world.getKeyed(key);
      if (e && ok(e)) out.push(e);
      else if (!e || !this.holds(m, k, e)) {
        if (removeFrom(m, k, key)) this.held--;
      }
    }
    return out;
  }

  /** Whether machine `e` belongs under `k` in `m` as it is now (`ok` may ask for more than that). */
  private holds(m: Map<string, Keys>, k: string, e: Entry): boolean {
    const name = nameOf(e.body);
    if (m === this.byName) return name === k;
    return hostOf(e.body) === k && lastSegment(k) !== name;
  }

  /** The first of `found` in the World's order of machines (the order a full scan would meet them). */
  private first(found: Entry[]): Entry | undefined {
    if (found.length <= 1) return found[0];
    // Several machines claim the same host or name (rare): the World's order decides, as it did
    // when every lookup scanned the machines.
    const keys = new Set(found.map((e) => e.key));
    for (const m of this.world.ofType(MACHINE_TYPE)) if (keys.has(m.key)) return m;
    return undefined;
  }
}

const NONE: Entry[] = [];

/** Whether `body` recorded the host whose key is `hostKey` (as hostOf(body) === hostKey, without a copy). */
function recorded(body: Record<string, any>, hostKey: string): boolean {
  const id = body._arclink?.hostId;
  if (typeof id !== "string") return hostOf(body) === hostKey;
  if (id.length !== hostKey.length) return id.toLowerCase() === hostKey;
  for (let i = 0; i < id.length; i++) {
    let c = id.charCodeAt(i);
    if (c >= 128) return id.toLowerCase() === hostKey;
    if (c >= 65 && c <= 90) c += 32;
    if (c !== hostKey.charCodeAt(i)) return false;
  }
  return true;
}

/** Whether lastSegment(id.toLowerCase()) is `lower`, without a copy (ASCII; others by a copy). */
function lastSegmentIs(id: string, lower: string): boolean {
  const start = id.lastIndexOf("/") + 1;
  if (id.length - start !== lower.length) return lastSegment(id.toLowerCase()) === lower;
  for (let i = 0; i < lower.length; i++) {
    let c = id.charCodeAt(start + i);
    if (c >= 128) return lastSegment(id.toLowerCase()) === lower;
    if (c >= 65 && c <= 90) c += 32;
    if (c !== lower.charCodeAt(i)) return false;
  }
  return true;
}

function isMachineType(t: string): boolean {
  return t.length === MACHINE_TYPE.length && (t === MACHINE_TYPE || t.toLowerCase() === MACHINE_TYPE_KEY);
}

function lastSegment(key: string): string {
  return key.slice(key.lastIndexOf("/") + 1);
}

/** Adds `v` under `k`; whether it was not there yet. */
function addTo(m: Map<string, Keys>, k: string, v: string): boolean {
  const s = m.get(k);
  if (s === undefined) m.set(k, v);
  else if (typeof s === "string") {
    if (s === v) return false;
    m.set(k, new Set([s, v]));
  } else {
    if (s.has(v)) return false;
    s.add(v);
  }
  return true;
}

/** Removes `v` from under `k`; whether it was there. */
function removeFrom(m: Map<string, Keys>, k: string, v: string): boolean {
  const s = m.get(k);
  if (s === undefined) return false;
  if (typeof s === "string") {
    if (s !== v) return false;
    m.delete(k);
    return true;
  }
  if (!s.delete(v)) return false;
  if (s.size === 1) for (const x of s) m.set(k, x);
  else if (s.size === 0) m.delete(k);
  return true;
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
