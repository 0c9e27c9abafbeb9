// The ARM engine's services, wired in one place: the server, the what-if sandbox and the tests build
// them here over a World and its Writer. What the engine must not import (the evaluators of
// analysis and the fleet, deployment what-if's sandbox and analysis, the background work) the
// caller hands over.
import { randomBytes } from "node:crypto";
import { BackgroundWork } from "../core/background.js";
import { Clock, CLOCK_ID } from "../core/clock.js";
import { TokenService } from "../identity/tokens.js";
import { NetworkService } from "../network/service.js";
import { ServiceTags } from "../network/serviceTags.js";
import { createRegistry } from "../providers/index.js";
import { Registry } from "../providers/registry.js";
import { Snapshots } from "../store/store.js";
import { World } from "../world/world.js";
import { Writer } from "../world/writer.js";
import { ArmServices, EvaluatorLookup } from "./context.js";
import { Operations } from "./lro.js";
import { readSettings } from "./settings.js";

export interface ServicesOptions {
  world: World;
  writer: Writer;
  /** Service tags for the network model; default the bundled ones. */
  tags?: ServiceTags;
  /** A fixed lab clock offset (ms); default the world's clock, read live (`arclink time advance`). */
  clockOffsetMs?: number;
  /** The key that signs long-running operations' tokens; default a random one (valid in this process only). */
  operationsKey?: Buffer;
  /** Default a new registry of every provider. */
  registry?: Registry;
  /** Default a token service over the world. */
  tokens?: TokenService;
  /** Absolute path of the CA certificate clients trust; default none (""). */
  caCertPath?: string;
  snapshots?: Snapshots;
  evaluators?: EvaluatorLookup;
  background?: BackgroundWork;
  whatIf?: ArmServices["whatIf"];
}

export function createServices(o: ServicesOptions): ArmServices {
  const { world, clockOffsetMs } = o;
  const offset =
    clockOffsetMs === undefined ? () => Number(world.get(CLOCK_ID)?.body.offsetMs ?? 0) : () => clockOffsetMs;
  return {
    world,
    writer: o.writer,
    registry: o.registry ?? createRegistry(),
    clock: new Clock(offset),
    settings: () => readSettings(world),
    operations: new Operations(o.operationsKey ?? randomBytes(32)),
    network: new NetworkService(world, o.tags ?? ServiceTags.default()),
    tokens: o.tokens ?? new TokenService(world),
    caCertPath: o.caCertPath ?? "",
    snapshots: o.snapshots,
    evaluators: o.evaluators,
    background: o.background,
    whatIf: o.whatIf,
  };
}
