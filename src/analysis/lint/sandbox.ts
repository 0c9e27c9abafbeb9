// A sandbox: ArcLink's ARM handler over an in-memory world (MemoryStore, no files, no sockets),
// so a topology file's plan, the on-premises facts of an export, or a proposed change are applied
// by the real providers with their real side effects (private endpoint addresses, DNS records,
// connections) without touching a server.
import { ArmError } from "../../core/armError.js";
import { CLOCK_ID } from "../../core/clock.js";
import { parseResourceId } from "../../core/resourceId.js";
import { ArmResponse, ArmServices } from "../../engine/context.js";
import { handleArm } from "../../engine/armHandler.js";
import { plainResourcePut, putWithoutAnswer } from "../../engine/directPut.js";
import { createServices } from "../../engine/services.js";
import { PRINCIPAL_TYPE, SUBSCRIPTION_TYPE, subscriptionBody } from "../../identity/directory.js";
import { Principal } from "../../providers/contract.js";
import { createRegistry } from "../../providers/index.js";
import { Registry } from "../../providers/registry.js";
import { ServiceTags } from "../../network/serviceTags.js";
import { StoredResource } from "../../store/store.js";
import { Entry, World } from "../../world/world.js";
import { Writer } from "../../world/writer.js";
import { WriteTx } from "../../world/writeTx.js";
import { PlanStep } from "../../topology/plan.js";
import { OverlayWorld } from "./overlay.js";
import { WorldStore } from "./worldStore.js";

const SANDBOX_APP = "00000000-0000-0000-0000-00000000a11c";
const SANDBOX_TENANT = "00000000-0000-0000-0000-00000000a11d";

let registry: Registry | undefined;

/** The query of a call with this api-version: one per version (the handler only reads it). */
const queries = new Map<string, URLSearchParams>();
function queryOf(apiVersion: string): URLSearchParams {
  let q = queries.get(apiVersion);
  if (!q) queries.set(apiVersion, (q = new URLSearchParams({ "api-version": apiVersion })));
  return q;
}

/** `/subscriptions/{s}/…`, any case. */
const SUBSCRIPTION_OF = /^\/subscriptions\/([^/]+)/i;

export interface SandboxOptions {
  /** Resources to start from (a copy of a world, an export's bodies). */
  resources?: Iterable<StoredResource>;
  /** A world to write over without copying it (what-if): reads see it, writes stay in the sandbox. */
  over?: World;
  tags?: ServiceTags;
  /** Subscriptions the sandbox principal may write to (created when missing). */
  subscriptions?: string[];
  /** The lab clock's offset (ms), e.g. the server's. */
  clockOffsetMs?: number;
}

export class Sandbox {
  readonly world: World;
  readonly services: ArmServices;
  private readonly principal: Principal;
  private readonly store: WorldStore;

  constructor(opts: SandboxOptions = {}) {
    this.world = opts.over ? new OverlayWorld(opts.over) : new World();
    const resources = [...(opts.resources ?? [])];
    if (!opts.over) this.world.load(resources, 1);
    const store = (this.store = new WorldStore(this.world, this.world.seq));
    const offset = opts.clockOffsetMs ?? Number(this.world.get(CLOCK_ID)?.body.offsetMs ?? 0);
    this.services = createServices({
      world: this.world,
      writer: new Writer(store, this.world),
      registry: (registry ??= createRegistry()),
      clockOffsetMs: offset,
      tags: opts.tags,
    });
    this.principal = {
      oid: SANDBOX_APP,
      tenantId: SANDBOX_TENANT,
      appId: SANDBOX_APP,
      kind: "servicePrincipal",
    };
    const subs = new Set((opts.subscriptions ?? []).map((s) => s.toLowerCase()));
    for (const e of this.world.ofType(SUBSCRIPTION_TYPE))
      subs.add(String(e.body.subscriptionId ?? e.id.split("/")[2]).toLowerCase());
    this.seedDirectory([...subs]);
  }

  /** The sandbox principal and the subscriptions, written straight into the world (no key, no token). */
  private seedDirectory(subs: string[]): void {
    const puts: StoredResource[] = [];
    for (const s of subs)
      if (!this.world.get(`/subscriptions/${s}`))
        puts.push({
          id: `/subscriptions/${s}`,
          type: SUBSCRIPTION_TYPE,
          body: subscriptionBody(s, SANDBOX_TENANT, "sandbox"),
          rev: 1,
        });
    puts.push({
      id: `/providers/ArcLink.Identity/servicePrincipals/${SANDBOX_APP}`,
      type: PRINCIPAL_TYPE,
      body: {
        appId: SANDBOX_APP,
        oid: SANDBOX_APP,
        tenantId: SANDBOX_TENANT,
        secret: "",
        displayName: "arclink-sandbox",
        subscriptions: subs,
      },
      rev: 1,
    });
    // Straight into memory (the store never holds them; nothing reads the directory from it).
    if (this.world instanceof OverlayWorld) this.world.inject(puts);
    else this.world.load(puts, this.world.seq);
  }

  /** Lets the sandbox principal write to another subscription. */
  addSubscription(sub: string): void {
    const p = this.world.get(`/providers/ArcLink.Identity/servicePrincipals/${SANDBOX_APP}`)!;
    if ((p.body.subscriptions as string[]).includes(sub.toLowerCase())) return;
    this.seedDirectory([...(p.body.subscriptions as string[]), sub.toLowerCase()]);
  }

  async call(method: string, id: string, apiVersion: string, body?: unknown): Promise<ArmResponse> {
    return handleArm(this.services, this.request(method, id, apiVersion, body));
  }

  private request(method: string, id: string, apiVersion: string, body?: unknown) {
    return {
      method,
      path: id,
      query: queryOf(apiVersion),
      headers: {},
      body,
      principal: this.principal,
      apiVersion,
      baseUrl: "https://sandbox.arclink.local",
    };
  }

  /**
   * A PUT of a resource written and committed as the ARM handler and the writer would (the same
   * checks, provider write, revisions and sequence number, the same change applied to the world),
   * without routing its path, waiting a turn of the event loop for the writer, or projecting an
   * answer nobody reads. Anything but a plain resource PUT goes through call().
   */
  async put(method: string, path: string, apiVersion: string, body?: unknown): Promise<void> {
    if (!this.putNow(method, path, apiVersion, body)) await this.call(method, path, apiVersion, body);
  }

  /** put() of a plain resource PUT, at once (throws its refusal); false for any other request. */
  private putNow(method: string, path: string, apiVersion: string, body?: unknown): boolean {
    const id = plainResourcePut(method, path);
    if (!id) return false;
    // As Writer.attempt, with nothing else writing: a transaction over the world (its reads need no
    // recording: no other process commits here), committed, then applied to the world.
    const tx = new WriteTx(this.world);
    tx.untracked(() => putWithoutAnswer(this.services, this.request(method, path, apiVersion, body), id, tx));
    if (tx.empty) return true;
    const committed = this.store.commitNow(tx.toWriteSet());
    this.world.apply(committed.changes, committed.seq);
    return true;
  }

  /**
   * Applies plan steps in order; a refusal names the step. `answered`: every step through the ARM
   * handler with its answer (call()), the way put() is checked against.
   */
  async applySteps(steps: PlanStep[], label = "topology", opts: { answered?: boolean } = {}): Promise<void> {
    let last: string | undefined;
    let lastPrefix: string | undefined;
    for (const step of steps) {
      // The id's subscription as parseResourceId reads it; a run of steps in one subscription adds it
      // once (an id that starts as the last one did is in it: no need to read it again).
      if (lastPrefix === undefined || !step.id.startsWith(lastPrefix)) {
        const sub = SUBSCRIPTION_OF.exec(step.id)?.[1];
        if (sub && sub !== last) this.addSubscription((last = sub));
        if (sub) lastPrefix = `/subscriptions/${sub}/`;
      }
      try {
        if (opts.answered || !this.putNow(step.method, step.id, step.apiVersion, step.body))
          await this.call(step.method, step.id, step.apiVersion, step.body);
      } catch (e) {
        if (e instanceof ArmError)
          throw new Error(`${label}: ${step.type} ${step.name} was refused: ${e.code}: ${e.message}`);
        throw e;
      }
    }
  }

  /** The newest api-version the type accepts (for PUT/DELETE of a given id). */
  apiVersionFor(id: string): string {
    const p = parseResourceId(id);
    if (!p) throw new Error(`'${id}' is not an ARM resource id.`);
    if (!p.namespace) return "2025-04-01";
    const type = `${p.namespace}/${p.types.join("/")}`;
    const def = this.services.registry.type(type);
    if (!def) throw new Error(`ArcLink has no provider for ${type}.`);
    return [...def.apiVersions].sort().at(-1)!;
  }
}

/** Every resource of a world, as stored resources (for a copy). */
export function resourcesOf(world: World): StoredResource[] {
  return [...world.entries()].map((e: Entry) => ({ id: e.id, type: e.type, body: e.body, rev: e.rev }));
}
