// The ARM engine as a provider that drives it sees it. One provider does: deployments writes each
// resource of a template through the engine, as a client's PUT would, lists and pages like ARM,
// and runs its what-if in a sandbox. The engine sits above the providers, so this contract sits
// here: the engine implements it (engine/providerEngine.ts) and the composition root adds what-if.
import { BackgroundWork } from "../core/background.js";
import { Clock } from "../core/clock.js";
import { PlanStep } from "../topology/plan.js";
import { Entry, World } from "../world/world.js";
import { Writer } from "../world/writer.js";
import { Principal } from "./contract.js";
import { Registry } from "./registry.js";

/** An authenticated ARM request, as the engine handles it. */
export interface ArmRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: Record<string, string | string[] | undefined>;
  body: unknown;
  principal: Principal;
  apiVersion: string;
  /** https origin the client used. */
  baseUrl: string;
}

export interface ArmResponse {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export function header(r: ArmRequest, name: string): string | undefined {
  const v = r.headers[name.toLowerCase()];
  return Array.isArray(v) ? v[0] : v;
}

export interface ArmEngine {
  readonly world: World;
  readonly writer: Writer;
  readonly registry: Registry;
  readonly clock: Clock;
  /** Work that runs on after its request is answered; absent: none may be started (a sandbox). */
  readonly background?: BackgroundWork;
  /** One request through the whole engine (routing, ARM's checks, the type's provider). */
  handle(r: ArmRequest): Promise<ArmResponse>;
  /** A stored resource as GET returns it: its type's projection, internal ("_") keys left out. */
  project(e: Entry): Record<string, any>;
  /** A body without its internal ("_") keys. */
  stripInternal(body: Record<string, any>): Record<string, any>;
  /** ARM's refusal of a subscription that does not exist or that the caller may not use. */
  checkSubscription(r: ArmRequest, sub: string): void;
  /** ARM's refusal of an api-version not in the list. */
  checkApiVersion(apiVersion: string, supported: readonly string[]): void;
  /** A list, paged as ARM pages it ($top, $skipToken, nextLink). */
  page(r: ArmRequest, items: unknown[]): ArmResponse;
  /** What what-if needs beyond the providers, from the composition root; absent: no what-if here. */
  readonly whatIf?: WhatIfSupport;
}

/** One ARM call as a given principal (a request's, or a what-if sandbox's). */
export type Call = (method: string, path: string, apiVersion: string, body?: unknown) => Promise<ArmResponse>;

export interface WhatIfSupport {
  /** An engine over a sandbox of this world (reads see the world, writes stay in the sandbox), and its caller. */
  sandbox(): { engine: ArmEngine; call: Call };
  /** ArcLink's verdicts: what the writes and deletes would change for the machines (analysis/whatIf.ts). */
  verdicts(steps: PlanStep[], deletes: string[]): Promise<VerdictChanges>;
}

/** The machines whose verdicts a change would change, and the findings it adds and resolves. */
export interface VerdictChanges {
  hosts: { before: number; after: number; changed: number };
  changes: unknown[];
  findings: { added: unknown[]; resolved: unknown[]; changed: unknown[] };
}
