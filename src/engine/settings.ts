// Lab settings that change rule outcomes, stored in the world so every replica agrees.
import { Settings } from "../providers/contract.js";
import { WorldView } from "../world/world.js";

export const SETTINGS_ID = "/providers/ArcLink.Lab/settings/default";
export const SETTINGS_TYPE = "ArcLink.Lab/settings";

export const DEFAULT_SETTINGS: Settings = { propagationDelayMs: 15 * 60_000 };

export function readSettings(view: WorldView): Settings {
  const b = view.get(SETTINGS_ID)?.body;
  return { ...DEFAULT_SETTINGS, ...(b ?? {}) };
}
