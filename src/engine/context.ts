// What the ARM handlers share: the world, the writer, the registry, time and settings.
import { BackgroundWork } from "../core/background.js";
import { Clock } from "../core/clock.js";
import { ProviderContext, Settings } from "../providers/contract.js";
import { ArmRequest, ArmResponse, WhatIfSupport } from "../providers/engine.js";
import { Registry } from "../providers/registry.js";
import { World } from "../world/world.js";
import { Writer } from "../world/writer.js";
import { WriteTx } from "../world/writeTx.js";
import { Operations } from "./lro.js";
import { NetworkService } from "../network/service.js";
import { TokenService } from "../identity/tokens.js";

import { Snapshots } from "../store/store.js";

// The request and response are declared below the engine, for the provider that drives it.
export { header } from "../providers/engine.js";
export type { ArmRequest, ArmResponse } from "../providers/engine.js";

export interface ArmServices {
  world: World;
  writer: Writer;
  registry: Registry;
  clock: Clock;
  settings: () => Settings;
  operations: Operations;
  network: NetworkService;
  tokens: TokenService;
  /** Absolute path of the CA certificate clients trust. */
  caCertPath: string;
  /** Named copies of the world (absent: the store keeps none); restore returns once this World shows it. */
  snapshots?: Snapshots;
  /**
   * The subscription-level actions that evaluate rather than store (check, lint, what-if, fleet…),
   * given by the composition root so the engine imports no analysis (absent: none answer).
   */
  evaluators?: EvaluatorLookup;
  /** Work that runs on after its request is answered (deployments); absent: none may be started. */
  background?: BackgroundWork;
  /**
   * Deployment what-if's sandbox and verdicts over these services, given by the composition root
   * so neither the engine nor the providers import analysis (absent: deployments answer no what-if).
   */
  whatIf?: (s: ArmServices) => WhatIfSupport;
}

/** Answers /subscriptions/{sub}/providers/{ns}/{name} when it names an evaluator; undefined otherwise. */
export type EvaluatorLookup = (
  s: ArmServices,
  r: ArmRequest,
  sub: string,
  ns: string,
  name: string,
) => ArmResponse | Promise<ArmResponse> | undefined;

export function providerContext(s: ArmServices, r: ArmRequest, tx: WriteTx): ProviderContext {
  return {
    tx,
    now: s.clock.now(),
    principal: r.principal,
    apiVersion: r.apiVersion,
    baseUrl: r.baseUrl,
    settings: s.settings(),
  };
}
