// The network service: compiles the World into a NetworkModel once, patches it as the world
// changes, and hands out evaluators over the current model. Front ends (DNS listeners, ARM
// evaluator routes, the portal) ask here; nothing here writes.
import { World } from "../world/world.js";
import { fullType, parseResourceId } from "../core/resourceId.js";
import { compileModel, NetworkModel, patchModel, PATCH_LIMIT, sectionOfType } from "./model.js";
import { newResolveMemo, Resolver } from "./resolve.js";
import { ServiceTags } from "./serviceTags.js";
import { ExternalDnsCache } from "./externalDns.js";

export class NetworkService {
  private cached?: { seq: number; model: NetworkModel; resolver: Resolver };
  private generation = 0;
  /** Changes to model types since the cached model was compiled (patched in on the next read). */
  private pending: Array<{ key: string; type?: string }> = [];
  private overflow = false;
  private readonly external = new ExternalDnsCache();
  private readonly versionListeners: Array<(version: number) => void> = [];

  constructor(
    private readonly world: World,
    readonly tags: ServiceTags = ServiceTags.default(),
  ) {
    // Only changes to what the model compiles invalidate it (and the DNS answer caches keyed on
    // its version): a machine's heartbeat or the clock moving must not.
    world.onChange((changes) => {
      let hit = false;
      for (const c of changes) {
        const type = c.resource?.type ?? typeOfKey(c.key);
        if (!affectsModel(type)) continue;
        hit = true;
        if (this.pending.length < PATCH_LIMIT) this.pending.push({ key: c.key, type });
        else this.overflow = true;
      }
      if (hit) {
        this.generation++;
        for (const l of this.versionListeners) l(this.generation);
      }
    });
  }

  /** Called, synchronously within the commit, each time `version` bumps. Returns an unsubscribe. */
  onVersion(l: (version: number) => void): () => void {
    this.versionListeners.push(l);
    return () => {
      const i = this.versionListeners.indexOf(l);
      if (i >= 0) this.versionListeners.splice(i, 1);
    };
  }

  /** Bumps on every change to what the model compiles: DNS answer caches key on it. */
  get version(): number {
    return this.generation;
  }

  model(): NetworkModel {
    return this.current().model;
  }

  resolver(): Resolver {
    return this.current().resolver;
  }

  /**
   * A resolver over the current model that remembers, for as long as the caller keeps it, what a DNS
   * server answers for a name and what answers DNS at an address from a place: the same for every
   * host that asks (a fleet's check-ins decided against one state of the world ask them once, not
   * once per host). The answers are the model's own, as resolver() gives them.
   */
  memoResolver(): Resolver {
    return new Resolver(this.current().model, this.external, newResolveMemo());
  }

  /**
   * Runs an evaluation that may involve real DNS servers standing in for modelled ones: when the
   * engine needed an answer it did not have, ask the real servers and evaluate again.
   */
  async live<T>(evaluate: (r: Resolver) => T): Promise<T> {
    let out = evaluate(this.resolver());
    for (let round = 0; round < 4; round++) {
      const missing = this.external.take();
      if (!missing.length) return out;
      await Promise.all(missing.map((q) => this.external.fetch(q)));
      out = evaluate(this.resolver());
    }
    return out;
  }

  private current() {
    if (!this.cached || this.cached.seq !== this.generation) {
      // One host's change (or a firewall's, a zone's...) patches the model instead of compiling
      // every host again; a batch too big to track compiles it from scratch.
      const model =
        this.cached && !this.overflow
          ? patchModel(this.cached.model, this.world, this.pending).model
          : compileModel(this.world, this.tags);
      this.pending = [];
      this.overflow = false;
      this.cached = { seq: this.generation, model, resolver: new Resolver(model, this.external) };
    }
    return this.cached;
  }
}

/**
 * Resource types whose changes bump the version: the types that declare a model section
 * (ResourceType.model, sectionOfType), and their child types. What the model does not compile (a
 * machine, a network interface, the clock) changes no answer the model gives.
 */
export function affectsModel(type: string): boolean {
  return sectionOfType(type) !== undefined;
}

function typeOfKey(key: string): string {
  const p = parseResourceId(key);
  return p ? fullType(p) : "";
}
