// `arclink serve --topology FILE`: apply a topology in-process through the same ARM handler
// the API uses (same validation, same side effects), as the default service principal.
import { keyOf } from "../core/resourceId.js";
import { readFileSync } from "node:fs";
import { ArmError } from "../core/armError.js";
import { handleArm } from "../engine/armHandler.js";
import { plainResourcePut, putThroughWriter } from "../engine/directPut.js";
import { ArmServices } from "../engine/context.js";
import { Defaults, findPrincipal } from "../identity/directory.js";
import { ListenerSpec } from "../frontends/dns/resolverListeners.js";
import { loadTopology } from "../topology/parse.js";
import { plan, PlannedListener } from "../topology/plan.js";
import { MAX_GROUP } from "../world/writer.js";
import { boundHeapGrowth, heapGrowth } from "./heapGrowth.js";

export interface AppliedTopology {
  created: number;
  updated: number;
  listeners: ListenerSpec[];
  /** Keys (lower-cased ids) of the hosts the file declares: the machines onboarded at start. */
  hostKeys: Set<string>;
}

/** A resource of the topology file that its provider refused (the file itself is valid). */
export class TopologyRefusedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "TopologyRefusedError";
  }
}

export function listenerSpecs(listeners: PlannedListener[]): ListenerSpec[] {
  return listeners.map((l) => {
    if (l.kind === "public") return { resolver: "public", port: l.port };
    if (l.kind === "azure") return { resolver: `azure:${l.name}`, port: l.port };
    if (l.kind === "inboundEndpoint") return { resolver: String(l.name).split("/").pop()!, port: l.port };
    return { resolver: String(l.name), port: l.port };
  });
}

export function readPlan(file: string, subscriptionId: string) {
  return plan(loadTopology(readFileSync(file, "utf8"), file), { subscriptionId });
}

/**
 * Steps handed to the writer together: it commits them as one transaction (one fsync), as many as
 * it commits together at most. Measured at 100,000 hosts: ready after 33 s with windows of 2,000,
 * 50-58 s with windows of 250 (eight times the commits), the same CPU time.
 */
const STEP_WINDOW = MAX_GROUP;

/** The query of a step with this api-version: one per version (the handler only reads it). */
const queries = new Map<string, URLSearchParams>();
function queryOf(apiVersion: string): URLSearchParams {
  let q = queries.get(apiVersion);
  if (!q) queries.set(apiVersion, (q = new URLSearchParams({ "api-version": apiVersion })));
  return q;
}

export async function applyTopology(
  s: ArmServices,
  defaults: Defaults,
  file: string,
  baseUrl: string,
  /** Every step through the ARM handler with its answer (what the direct writes are checked against). */
  answered = false,
): Promise<AppliedTopology> {
  const p = readPlan(file, defaults.subscriptionId);
  const sp = findPrincipal(s.world, defaults.clientId)!;
  const principal = {
    oid: sp.oid,
    tenantId: sp.tenantId,
    appId: sp.appId,
    kind: "servicePrincipal" as const,
  };
  // Each step's key, lower-cased once: what was there before, what the plan wrote, its hosts.
  const keys = p.steps.map((st) => keyOf(st.id));
  const existedBefore = new Set(keys.filter((k) => s.world.getKeyed(k) !== undefined));
  let created = 0;
  let updated = 0;
  // Keys the plan wrote already: a step that writes one again updates it.
  const planned = new Set<string>();
  // The steps go to the ARM handler a window at a time without waiting for each other, so the
  // writer commits each window as one store transaction (group commit: one fsync, not one per
  // step). Each write still runs in plan order and sees the writes before it, parents included.
  for (let i = 0; i < p.steps.length; i += STEP_WINDOW) {
    const window = p.steps.slice(i, i + STEP_WINDOW);
    // A plain resource PUT is written as the handler writes it but without its answer (nothing
    // reads it): no routing, no projection of the stored body.
    const results = await Promise.allSettled(
      window.map((step) => {
        const r = {
          method: step.method,
          path: step.id,
          query: queryOf(step.apiVersion),
          headers: {},
          body: step.body,
          principal,
          apiVersion: step.apiVersion,
          baseUrl,
        };
        const id = answered ? undefined : plainResourcePut(step.method, step.id);
        return id ? putThroughWriter(s, r, id) : handleArm(s, r);
      }),
    );
    window.forEach((step, j) => {
      const r = results[j];
      if (r.status === "rejected") {
        const e = r.reason;
        if (e instanceof ArmError)
          throw new TopologyRefusedError(
            `${file}: ${step.type} ${step.name} was refused: ${e.code}: ${e.message}`,
          );
        throw e;
      }
      // Some PUTs answer 200 when they create (Machines_CreateOrUpdate): count by what was there.
      const k = keys[i + j];
      if (planned.has(k) || existedBefore.has(k)) updated++;
      else created++;
      planned.add(k);
    });
  }
  const hostKeys = new Set(keys.filter((_, i) => p.steps[i].type.toLowerCase() === "arclink.lab/hosts"));
  return { created, updated, listeners: listenerSpecs(p.listeners), hostKeys };
}

/**
 * Lifts ArcLink's cap on heap growth (heapGrowth.ts) while a topology file is applied at start and
 * its hosts onboarded, and returns what puts the cap back. That start is one burst of writes (every
 * resource of the file, then every admitted machine again), and under the cap its full collections
 * cost more than a quarter of it: 100,000 hosts were ready after 31-33 s of CPU capped, 23-25 s
 * with V8's own growth (peak RSS 1.23-1.35 GiB capped, 1.35-1.36 GiB not). A growth given to node
 * itself (on its command line or in NODE_OPTIONS) is left alone.
 */
export function uncapHeapWhileApplying(): () => void {
  const before = heapGrowth();
  if (before.by !== "arclink") return () => undefined;
  boundHeapGrowth(0);
  return () => void boundHeapGrowth(before.percent);
}
