// Which Arc machine resource a lab host is: the one its agent onboarded (recorded by HIS), else
// a machine with the host's name. Indexed per world state: a fleet has one lookup per host.
import { HostModel } from "../network/model.js";
import { Entry, World, WorldView } from "../world/world.js";

export const MACHINE_TYPE = "Microsoft.HybridCompute/machines";

interface MachineIndex {
  byHost: Map<string, Entry>;
  byName: Map<string, Entry>;
}

let cached: { view: WorldView; seq: number; index: MachineIndex } | undefined;

function indexOf(view: WorldView): MachineIndex {
  const seq = view instanceof World ? view.seq : NaN;
  if (cached && cached.view === view && cached.seq === seq) return cached.index;
  const index: MachineIndex = { byHost: new Map(), byName: new Map() };
  for (const m of view.ofType(MACHINE_TYPE)) {
    const host = String(m.body._arclink?.hostId ?? "").toLowerCase();
    if (host && !index.byHost.has(host)) index.byHost.set(host, m);
    const name = String(m.body.name).toLowerCase();
    if (!index.byName.has(name)) index.byName.set(name, m);
  }
  // Only a World has a sequence number that says when the index goes stale.
  if (view instanceof World) cached = { view, seq, index };
  return index;
}

export function machineOfHost(view: WorldView, h: HostModel): Entry | undefined {
  const i = indexOf(view);
  return i.byHost.get(h.key) ?? i.byName.get(h.name.toLowerCase());
}
