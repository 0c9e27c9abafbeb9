// What a deployment's what-if needs beyond the providers (providers/engine.ts's WhatIfSupport): a
// sandbox over the world that the real engine runs in, and the verdict analysis of what-if.ts fed
// the deployment's writes. Handed to the engine by the composition root (ArmServices.whatIf).
import { handleArm } from "../engine/armHandler.js";
import { ArmServices } from "../engine/context.js";
import { lintWorld } from "./evaluators.js";
import { providerEngine } from "../engine/providerEngine.js";
import { WhatIfSupport } from "../providers/engine.js";
import { Sandbox } from "./lint/sandbox.js";
import { whatIf } from "./whatIf.js";

export function deploymentWhatIfSupport(s: ArmServices): WhatIfSupport {
  return {
    sandbox() {
      const sb = new Sandbox({ over: s.world, tags: s.network.tags });
      return {
        engine: providerEngine(sb.services, handleArm),
        call: (m, p, v, b) => sb.call(m, p, v, b),
      };
    },
    verdicts: (steps, deletes) =>
      whatIf(
        s.world,
        { kind: "steps", steps, deletes },
        {
          now: s.clock.now(),
          propagationDelayMs: s.settings().propagationDelayMs,
          tags: s.network.tags,
          before: lintWorld(s),
          beforeModel: s.network.model(),
        },
      ),
  };
}
