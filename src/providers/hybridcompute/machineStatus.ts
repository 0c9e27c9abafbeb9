// What Arc's services record on a machine when its agent checks in (onboarding or a heartbeat):
// status Connected (lastStatusChange only when it changes), agent facts, and the internal
// heartbeat time that the live status (Disconnected after 15 minutes) is computed from.
//
// Stored bodies are never changed in place, so a check-in copies only the objects it changes (the
// body, its properties and its internal record) and shares everything else with the previous
// version: a heartbeat makes little garbage, and every machine keeps sharing the strings it
// shared before (its scope id, systemData, times written in the same batch).
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
  const old = cur.body;
  const was = old.properties?.status;
  const props: Record<string, unknown> = { ...old.properties };
  for (const k of Object.keys(properties)) if (properties[k] !== undefined) props[k] = properties[k];
  props.status = "Connected";
  if (was !== "Connected") props.lastStatusChange = now;
  const b: Record<string, any> = { ...old };
  b.properties = props;
  b._arclink = { ...old._arclink, ...internal, lastHeartbeat: now };
  tx.put(cur.id, cur.type, b);
}
