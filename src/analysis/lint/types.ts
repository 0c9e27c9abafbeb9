// What a lint rule is and what it finds. Rules are pure: they read the LintContext (the world, the
// compiled network model, and check()'s verdict for every host) and return findings. Verdicts come
// from check(); rules render them (and their traces), they never recompute a path.
import { TraceStep } from "../../network/trace.js";
import type { LintContext } from "./context.js";

export type Severity = "error" | "warning" | "note";

/** One change that would fix a finding: an ARM call, or a change on-premises (DNS, firewall, hosts). */
export type FixStep =
  | { kind: "arm"; method: "PUT" | "PATCH" | "DELETE" | "POST"; id: string; body?: unknown; why: string }
  | {
      kind: "onprem";
      target: string;
      change: string;
      why: string;
      /**
       * The same change on ArcLink's model of the on-premises side (a PUT of the lab host, DNS
       * server or firewall), so a plan can be tried in the what-if sandbox before it is printed.
       */
      model?: { method: "PUT"; id: string; body: unknown };
    };

export interface AffectedMachine {
  /** The Arc machine's name (the host's name when it has no machine). */
  name: string;
  /** ARM id of the machine, when there is one. */
  machineId?: string;
  /** ARM id of the lab host it runs on. */
  hostId?: string;
}

export interface Finding {
  /**
   * The finding's identity apart from its text: `<ruleId>|<primary resource id, lower case>|<endpoint
   * or empty>` (see findingKey.ts). Stable across runs while the problem stays the same.
   */
  key: string;
  ruleId: string;
  severity: Severity;
  /** What is wrong and where, in one or two sentences. */
  message: string;
  /** ARM ids of the resources the finding concerns; the first is the primary location. */
  resources: string[];
  machines: AffectedMachine[];
  /** When `machines` holds only the first ones (the lint API's machinesTop): how many there are. */
  machinesTotal?: number;
  fix: string;
  fixPlan: FixStep[];
  /** When the finding comes from check(): the endpoint, the host it was checked from, and the trace. */
  endpoint?: string;
  host?: string;
  reason?: string;
  trace?: TraceStep[];
}

export interface Rule {
  id: string;
  severity: Severity;
  title: string;
  /** The seed's reason (or the fact sheet's failure mode) this rule enforces. */
  why: string;
  fix: string;
  run(ctx: LintContext): Finding[];
}
