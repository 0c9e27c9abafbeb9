// What Arc's services record on a machine when its agent checks in (onboarding or a heartbeat):
// status Connected (lastStatusChange only when it changes), agent facts, and the internal
// heartbeat time that the live status (Disconnected after 15 minutes) is computed from.
import { WriteTx } from "../../world/writeTx.js";

export function recordCheckIn(
  tx: WriteTx,
  machineId: string,
  now: string,
  properties: Record<string, unknown> = {},
  internal: Record<string, unknown> = {},
): void {
  const cur = tx.get(machineId);
  if (!cur) return;
  const b = structuredClone(cur.body);
  const was = b.properties?.status;
  const defined = Object.fromEntries(Object.entries(properties).filter(([, v]) => v !== undefined));
  b.properties = { ...b.properties, ...defined, status: "Connected" };
  if (was !== "Connected") b.properties.lastStatusChange = now;
  b._arclink = { ...(b._arclink ?? {}), ...internal, lastHeartbeat: now };
  tx.put(cur.id, cur.type, b);
}
