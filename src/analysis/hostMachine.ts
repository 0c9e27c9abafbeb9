// Which Arc machine resource a lab host is: the one its agent onboarded (recorded by HIS), else
// a machine with the host's name.
import { HostModel } from "../network/model.js";
import { Entry, WorldView } from "../world/world.js";

export const MACHINE_TYPE = "Microsoft.HybridCompute/machines";

export function machineOfHost(view: WorldView, h: HostModel): Entry | undefined {
  const all = view.ofType(MACHINE_TYPE);
  return (
    all.find((m) => String(m.body._arclink?.hostId ?? "").toLowerCase() === h.key) ??
    all.find((m) => String(m.body.name).toLowerCase() === h.name.toLowerCase())
  );
}
