// The engine as the deployments provider drives it (the contract of providers/engine.ts), over one
// set of services: made once per services and kept.
import { ArmEngine, ArmRequest, ArmResponse } from "../providers/engine.js";
import { checkArmOwned } from "./apiVersion.js";
import { ArmServices } from "./context.js";
import { page } from "./paging.js";
import { checkSubscription, project, stripInternal } from "./resourceOps.js";

const engines = new WeakMap<ArmServices, ArmEngine>();

/** The engine over `s`; `handle` is the engine's own entry point (armHandler.ts's handleArm). */
export function providerEngine(
  s: ArmServices,
  handle: (s: ArmServices, r: ArmRequest) => Promise<ArmResponse>,
): ArmEngine {
  let e = engines.get(s);
  if (!e) {
    e = {
      get world() {
        return s.world;
      },
      get writer() {
        return s.writer;
      },
      get registry() {
        return s.registry;
      },
      get clock() {
        return s.clock;
      },
      get background() {
        return s.background;
      },
      handle: (r) => handle(s, r),
      project: (x) => project(s, x),
      stripInternal,
      checkSubscription: (r, sub) => checkSubscription(s, r, sub),
      checkApiVersion: checkArmOwned,
      page,
      whatIf: s.whatIf?.(s),
    };
    engines.set(s, e);
  }
  return e;
}
