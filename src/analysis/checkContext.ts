// The context a running ArcLink checks a host's endpoints in: its world as it stands, its DNS as
// it answers now, its virtual clock and its propagation delay. Built once per batch of checks, so
// every check of the batch sees one state of the world.
import { ArmServices } from "../engine/context.js";
import { Resolver } from "../network/resolve.js";
import { CheckContext } from "./check.js";

/** `resolver`: another resolver over the same DNS (a fleet's chunk remembers answers: memoResolver()). */
export function checkContextOf(s: ArmServices, resolver: Resolver = s.network.resolver()): CheckContext {
  return {
    view: s.world,
    resolver,
    now: s.clock.now(),
    propagationDelayMs: s.settings().propagationDelayMs,
  };
}
