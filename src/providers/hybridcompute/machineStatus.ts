// What Arc's services record on a machine when its agent checks in (onboarding or a heartbeat):
// status Connected (lastStatusChange only when it changes), agent facts, and the internal
// heartbeat time that the live status (Disconnected after 15 minutes) is computed from.
//
// Stored bodies are never changed in place, so a check-in copies only the objects it changes (the
// body, its properties and its internal record) and shares everything else with the previous
// version: a heartbeat makes little garbage, and every machine keeps sharing the strings it
// shared before (its scope id, systemData, times written in the same batch). The three new
// objects hold their properties in place (compactObject), and check-ins with the same time text
// share one string. A check-in that changes nothing but the heartbeat time (a Connected machine
// reporting what it reported before) copies only the body and its internal record, and says so
// (WriteTx.putHeartbeat): the store then records just the time, not the machine's whole body.
import { compactObject } from "../../world/compactBody.js";
import { WriteTx } from "../../world/writeTx.js";

/** The time text of the last check-in: check-ins of one batch share one string instead of a copy each. */
let lastTime = "";

function sharedTime(t: string): string {
  if (t !== lastTime) lastTime = t;
  return lastTime;
}

export function recordCheckIn(
  tx: WriteTx,
  machineId: string,
  now: string,
  properties: Record<string, unknown> = {},
  internal: Record<string, unknown> = {},
): void {
  const cur = tx.get(machineId);
  if (!cur) return;
  now = sharedTime(now);
  const old = cur.body;
  const was = old.properties?.status;
  if (was === "Connected" && Object.keys(internal).length === 0 && onlyHeartbeat(old, properties)) {
    // Only the heartbeat time changes: the new version shares its properties with the previous
    // one, and the store need not write the whole body again.
    const b: Record<string, any> = { ...old };
    b._arclink = { ...old._arclink, lastHeartbeat: now };
    tx.putHeartbeat(cur.id, cur.type, b, now);
    return;
  }
  const props: Record<string, unknown> = { ...old.properties };
  for (const k of Object.keys(properties)) if (properties[k] !== undefined) props[k] = properties[k];
  props.status = "Connected";
  if (was !== "Connected") props.lastStatusChange = now;
  const b: Record<string, any> = { ...old };
  const rec: Record<string, unknown> = { ...old._arclink, ...internal, lastHeartbeat: now };
  for (const k of Object.keys(internal)) if (rec[k] === now) rec[k] = now;
  // A heartbeat sets properties the machine already has: its copies keep the compact layout of
  // the previous version. A first check-in adds some: its objects are laid out again.
  const adds = was !== "Connected" || Object.keys(internal).length > 0;
  b.properties = adds ? compactObject(props) : props;
  b._arclink = adds ? compactObject(rec) : rec;
  tx.put(cur.id, cur.type, adds ? compactObject(b) : b);
}

/** Whether a check-in of a Connected machine that reports `properties` changes only its heartbeat time. */
function onlyHeartbeat(old: Record<string, any>, properties: Record<string, unknown>): boolean {
  if (typeof old._arclink?.lastHeartbeat !== "string") return false;
  for (const k of Object.keys(properties))
    if (properties[k] !== undefined && properties[k] !== old.properties?.[k]) return false;
  return true;
}
