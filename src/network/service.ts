// The network service: compiles the World into a NetworkModel when it changes and hands out
// evaluators over the current model. Front ends (DNS listeners, ARM evaluator routes, the
// portal) ask here; nothing here writes.
import { World } from "../world/world.js";
import { compileModel, NetworkModel } from "./model.js";
import { Resolver } from "./resolve.js";
import { ServiceTags } from "./serviceTags.js";

export class NetworkService {
  private cached?: { seq: number; model: NetworkModel; resolver: Resolver };
  private generation = 0;

  constructor(
    private readonly world: World,
    readonly tags: ServiceTags = ServiceTags.default(),
  ) {
    world.onChange(() => {
      this.generation++;
    });
  }

  /** Bumps on every world change: DNS answer caches key on it. */
  get version(): number {
    return this.generation;
  }

  model(): NetworkModel {
    return this.current().model;
  }

  resolver(): Resolver {
    return this.current().resolver;
  }

  private current() {
    if (!this.cached || this.cached.seq !== this.generation) {
      const model = compileModel(this.world, this.tags);
      this.cached = { seq: this.generation, model, resolver: new Resolver(model) };
    }
    return this.cached;
  }
}
