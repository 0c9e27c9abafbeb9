// The virtual clock's API: GET /providers/ArcLink.Lab/clock, POST …/clock/advance {milliseconds}.
import { ArmError } from "../core/armError.js";
import { CLOCK_ID, CLOCK_TYPE } from "../core/clock.js";
import { asObject } from "../providers/validate.js";
import { ArmRequest, ArmResponse, ArmServices } from "./context.js";
import { checkDirectoryPrincipal } from "./principalCheck.js";

const MAX_ADVANCE_MS = 10 * 365 * 86_400_000;

export async function clockRoute(s: ArmServices, r: ArmRequest): Promise<ArmResponse | undefined> {
  const p = r.path.toLowerCase();
  if (p === "/providers/arclink.lab/clock") {
    if (r.method !== "GET")
      throw new ArmError(
        405,
        "MethodNotAllowed",
        "Use GET to read the clock, POST …/clock/advance to move it.",
      );
    return { status: 200, body: body(s) };
  }
  if (p === "/providers/arclink.lab/clock/advance") {
    if (r.method !== "POST")
      throw new ArmError(405, "MethodNotAllowed", 'Use POST with {"milliseconds": N} to advance the clock.');
    checkDirectoryPrincipal(s, r);
    const ms = asObject(r.body, "body").milliseconds;
    if (typeof ms !== "number" || !Number.isFinite(ms) || ms <= 0 || ms > MAX_ADVANCE_MS) {
      throw new ArmError(
        400,
        "InvalidParameter",
        `'milliseconds' must be a positive number up to ${MAX_ADVANCE_MS} (ten years); the clock only moves forward.`,
      );
    }
    await s.writer.run((tx) => {
      const cur = Number(tx.get(CLOCK_ID)?.body.offsetMs ?? 0);
      tx.put(CLOCK_ID, CLOCK_TYPE, { offsetMs: cur + ms });
    });
    return { status: 200, body: body(s) };
  }
  return undefined;
}

function body(s: ArmServices) {
  return { now: s.clock.now().toISOString(), offsetMs: Number(s.world.get(CLOCK_ID)?.body.offsetMs ?? 0) };
}
