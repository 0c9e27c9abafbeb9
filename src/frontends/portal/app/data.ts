/// <reference lib="dom" />
// The ARM lists and evaluator calls the views share. Every one is a normal ARM call.
import { ApiError, arm, errorOf, JsonText, list, listPages, V } from "./api.js";

export const SCOPES = "Microsoft.HybridCompute/privateLinkScopes";
export const MACHINES = "Microsoft.HybridCompute/machines";
export const ENDPOINTS = "Microsoft.Network/privateEndpoints";
export const VNETS = "Microsoft.Network/virtualNetworks";
export const ZONES = "Microsoft.Network/privateDnsZones";
export const RESOLVERS = "Microsoft.Network/dnsResolvers";

/** The three zones the portal creates for an Arc private endpoint ("Integrate with private DNS zone"). */
export const ARC_ZONES = [
  "privatelink.his.arc.azure.com",
  "privatelink.guestconfiguration.azure.com",
  "privatelink.dp.kubernetesconfiguration.azure.com",
];

export const sub = (s: string) => `/subscriptions/${encodeURIComponent(s)}`;

export function subscriptions(): Promise<any[]> {
  return list("/subscriptions", V.resources);
}

export async function resourceGroups(s: string): Promise<any[]> {
  const rgs = await list(`${sub(s)}/resourceGroups`, V.resources);
  return rgs.sort((a, b) => String(a.name).localeCompare(String(b.name)));
}

export async function locations(s: string): Promise<any[]> {
  const l = await list(`${sub(s)}/locations`, V.resources);
  return l.filter((x) => x.metadata?.regionType !== "Logical");
}

/** Every resource of a type in a subscription, by name. */
export async function ofType(s: string, type: string, apiVersion: string): Promise<any[]> {
  // Pages of 1,000 (ARM's largest $top): a fleet of 10,000 machines is ten requests, not a hundred.
  const items: any[] = [];
  for await (const page of listPages(`${sub(s)}/providers/${type}`, apiVersion, 1000)) items.push(...page);
  return items.sort((a, b) => String(a.name).localeCompare(String(b.name)));
}

export const scopes = (s: string) => ofType(s, SCOPES, V.hybridCompute);
export const machines = (s: string) => ofType(s, MACHINES, V.hybridCompute);
export const endpoints = (s: string) => ofType(s, ENDPOINTS, V.network);
export const vnets = (s: string) => ofType(s, VNETS, V.network);
export const zones = (s: string) => ofType(s, ZONES, V.privateDns);
export const labType = (s: string, t: string) => ofType(s, `ArcLink.Lab/${t}`, V.lab);

export function get(id: string, apiVersion: string): Promise<any> {
  return arm("GET", encodeId(id), apiVersion);
}

/** A resource id as a request path (each segment encoded). */
export function encodeId(id: string): string {
  return id
    .split("/")
    .map((x) => encodeURIComponent(x))
    .join("/");
}

// ── The evaluators ─────────────────────────────────────────────────────────────────────────────

export interface TraceStep {
  at: string;
  what: string;
  outcome?: "ok" | "fail" | "info";
  steps?: TraceStep[];
}

/**
 * The server's verdicts. "undetermined": the verdict needs a fact the input lacks (`missing` says
 * which and how to collect it); it is neither refused nor private, and the portal shows it as such.
 */
export type Verdict = "private" | "public" | "refused" | "undetermined";

/** A fact the input lacks, which an undetermined verdict needs. */
export interface MissingFact {
  code: string;
  fact: string;
  collect: string[];
  resources: string[];
}

export interface EndpointCheck {
  endpoint: string;
  address?: string;
  verdict: Verdict;
  reason?: string;
  message: string;
  fix?: string;
  trace: TraceStep[];
  /** With an undetermined verdict: the missing fact. */
  missing?: MissingFact;
}

export interface HostCheck {
  host: string;
  hostId: string;
  address: string;
  machine?: string;
  machineId?: string;
  scope?: string;
  region: string;
  endpoints: EndpointCheck[];
}

/** POST …/ArcLink.Lab/check: every endpoint the agent needs, per host, as the server decides it. */
export async function check(s: string, host?: string): Promise<HostCheck[]> {
  const r = await arm("POST", `${sub(s)}/providers/ArcLink.Lab/check`, V.lab, host ? { host } : {});
  return Array.isArray(r?.value) ? r.value : [];
}

export interface Finding {
  ruleId: string;
  severity: "error" | "warning" | "note";
  message: string;
  resources: string[];
  machines?: Array<{ name: string; machineId?: string; hostId?: string }>;
  fix?: string;
  endpoint?: string;
  host?: string;
  reason?: string;
  trace?: TraceStep[];
}

export interface LintRule {
  id: string;
  severity: string;
  title: string;
  why?: string;
  fix?: string;
}

export type LintResult =
  | { available: true; findings: Finding[]; rules: LintRule[]; hosts: HostCheck[] }
  | { available: false; why: ApiError };

/**
 * The lint evaluator (POST, or GET where POST is refused), when this server has one. With
 * `hosts: false` the answer leaves out every host's verdicts (the findings alone).
 */
export async function lint(s: string, opts: { hosts?: boolean } = {}): Promise<LintResult> {
  const path = `${sub(s)}/providers/ArcLink.Lab/lint`;
  let r: any;
  try {
    r = await arm("POST", path, V.lab, opts.hosts === false ? { hosts: false } : {});
  } catch (e) {
    if (!(e instanceof ApiError)) throw e;
    if (e.status === 405) {
      r = await arm("GET", path, V.lab);
    } else if (e.status === 404 || e.code === "InvalidResourceType") {
      return { available: false, why: e };
    } else throw e;
  }
  const findings = Array.isArray(r?.findings) ? r.findings : Array.isArray(r?.value) ? r.value : [];
  return {
    available: true,
    findings,
    rules: Array.isArray(r?.rules) ? r.rules : [],
    hosts: Array.isArray(r?.hosts) ? r.hosts : [],
  };
}

export function isArcEndpoint(name: string): boolean {
  return /\.arc\.azure\.com$|\.guestconfiguration\.azure\.com$/i.test(name);
}

export type AssociationState =
  "accepted" | "propagating" | "refused" | "undetermined" | "public" | "unchecked";

/**
 * A machine's Private Link state as the check evaluator reports it for the host that runs it:
 * propagating while admission refuses with AssociationNotYetPropagated (the message says how long
 * is left), accepted when its Arc endpoints are private. Nothing is computed here.
 */
export function associationState(hc: HostCheck | undefined): { state: AssociationState; text: string } {
  if (!hc) return { state: "unchecked", text: "Not checked: no lab host runs this machine" };
  const arc = hc.endpoints.filter((e) => isArcEndpoint(e.endpoint));
  const waiting = arc.find((e) => e.reason === "AssociationNotYetPropagated");
  if (waiting) return { state: "propagating", text: `Propagating — ${waiting.message}` };
  if (arc.length && arc.every((e) => e.verdict === "private"))
    return { state: "accepted", text: "Accepted — connections over Private Link are accepted" };
  const refused = arc.find((e) => e.verdict === "refused");
  if (refused)
    return { state: "refused", text: `Refused — ${refused.reason ?? "refused"}: ${refused.message}` };
  const unknown = arc.find((e) => e.verdict === "undetermined");
  if (unknown)
    return {
      state: "undetermined",
      text: `Undetermined — ${unknown.missing?.fact ?? unknown.reason ?? "a fact the input lacks"}: ${unknown.message}`,
    };
  return { state: "public", text: "Public — its Arc traffic does not use a private endpoint" };
}

// ── What-if ────────────────────────────────────────────────────────────────────────────────────

/** One ARM call the portal proposes (a PUT or a DELETE), as what-if and the deployment both take it. */
export interface ProposedCall {
  method: "PUT" | "DELETE";
  /** The resource id (not encoded). */
  id: string;
  apiVersion: string;
  body?: unknown;
  /** What the deployment's progress list calls it, e.g. "Private endpoint pe-arc". */
  label: string;
}

export interface EndpointSide {
  verdict: Verdict;
  reason?: string;
  address?: string;
  message: string;
  trace?: TraceStep[];
}

export interface VerdictChange {
  host: string;
  hostId: string;
  machine?: string;
  endpoint: string;
  before?: EndpointSide;
  after?: EndpointSide;
}

export interface WhatIfReport {
  hosts: { before: number; after: number; changed: number };
  changes: VerdictChange[];
  findings: { added: Finding[]; resolved: Finding[] };
}

/** POST …/ArcLink.Lab/whatIf: the calls applied to a copy of the world; nothing is written. */
export async function whatIf(s: string, calls: ProposedCall[]): Promise<WhatIfReport> {
  const puts = calls.filter((c) => c.method === "PUT");
  const deletes = calls.filter((c) => c.method === "DELETE");
  let body: unknown;
  if (calls.length === 1 && puts.length === 1)
    body = { put: { id: puts[0].id, body: puts[0].body ?? {}, apiVersion: puts[0].apiVersion } };
  else if (calls.length === 1) body = { delete: { id: deletes[0].id, apiVersion: deletes[0].apiVersion } };
  else
    body = {
      steps: puts.map((c) => ({ id: c.id, body: c.body ?? {}, apiVersion: c.apiVersion })),
      deletes: deletes.map((c) => c.id),
    };
  const r = await arm("POST", `${sub(s)}/providers/ArcLink.Lab/whatIf`, V.lab, body);
  return {
    hosts: r?.hosts ?? { before: 0, after: 0, changed: 0 },
    changes: Array.isArray(r?.changes) ? r.changes : [],
    findings: {
      added: Array.isArray(r?.findings?.added) ? r.findings.added : [],
      resolved: Array.isArray(r?.findings?.resolved) ? r.findings.resolved : [],
    },
  };
}

/**
 * The fix for a refused or public endpoint of a host: the check's own, else the fix of the lint
 * finding about that host (or its machine) and that endpoint or reason; undefined when neither
 * has one.
 */
export function fixFor(findings: Finding[], hc: HostCheck, e: EndpointCheck): string | undefined {
  if (e.fix) return e.fix;
  const same = (a?: string, b?: string) => !!a && !!b && a.toLowerCase() === b.toLowerCase();
  const about = (f: Finding) =>
    same(f.host, hc.host) ||
    (f.machines ?? []).some(
      (m) => same(m.hostId, hc.hostId) || same(m.machineId, hc.machineId) || same(m.name, hc.host),
    ) ||
    (f.resources ?? []).some((r) => same(r, hc.hostId) || same(r, hc.machineId));
  const hit = findings.find(
    (f) =>
      f.fix &&
      about(f) &&
      (f.endpoint ? f.endpoint === e.endpoint : true) &&
      (f.reason && e.reason ? f.reason === e.reason : true),
  );
  return hit?.fix;
}

// ── Deployments ────────────────────────────────────────────────────────────────────────────────

/** One property change of a what-if resource change (Azure's `delta[]`). */
export interface PropertyChange {
  path: string;
  propertyChangeType: "Create" | "Delete" | "Modify" | "Array" | "NoEffect";
  before?: unknown;
  after?: unknown;
  children?: PropertyChange[];
}

/** One resource of a deployment's what-if (Azure's `changes[]`). */
export interface ResourceChange {
  resourceId: string;
  changeType: "Create" | "Delete" | "Modify" | "NoChange" | "Ignore" | "Deploy" | "Unsupported";
  before?: any;
  after?: any;
  delta?: PropertyChange[];
}

export interface DeploymentWhatIf {
  /** Azure's resource changes. */
  changes: ResourceChange[];
  /** ArcLink's addition: the machines whose verdicts change, and the findings added or resolved. */
  report: WhatIfReport;
}

/**
 * POST …/deployments/{name}/whatIf with the deployment's body (sent as written): Azure's resource
 * changes and ArcLink's machines. A failed what-if (the template or a resource refused) throws
 * its ARM error.
 */
export async function deploymentWhatIf(deploymentId: string, body: JsonText): Promise<DeploymentWhatIf> {
  const r = await arm("POST", `${encodeId(deploymentId)}/whatIf`, V.resources, body);
  if (String(r?.status) === "Failed" || r?.error)
    throw errorOf(
      400,
      r?.error
        ? r
        : {
            error: {
              code: "DeploymentWhatIfFailed",
              message:
                "The deployment's what-if failed without saying why: nothing is known about this change.",
            },
          },
      "What-if",
    );
  const a = r?.arclink ?? {};
  return {
    changes: Array.isArray(r?.properties?.changes) ? r.properties.changes : [],
    report: {
      hosts: a.hosts ?? { before: 0, after: 0, changed: 0 },
      changes: Array.isArray(a.verdictChanges) ? a.verdictChanges : [],
      findings: {
        added: Array.isArray(a.findings?.added) ? a.findings.added : [],
        resolved: Array.isArray(a.findings?.resolved) ? a.findings.resolved : [],
      },
    },
  };
}

// ── The topology's hosts at fleet scale ───────────────────────────────────────────────────────

export type Worst = "private" | "public" | "refused" | "undetermined" | "unchecked";

/** One host as the diagram draws it (ArcLink.Lab/hostGroups): its facts and its verdict per endpoint. */
export interface HostEntry {
  id: string;
  name: string;
  address: string;
  osType: string;
  machineId?: string;
  endpoints: Array<Pick<EndpointCheck, "endpoint" | "address" | "verdict" | "reason" | "message">>;
}

/** A closed group's lines, summed: `hosts` of its hosts reach `endpoint` (at `address`) with `verdict`. */
export interface GroupPath {
  endpoint: string;
  address?: string;
  verdict: EndpointCheck["verdict"];
  hosts: number;
}

export interface HostGroup {
  key: string;
  verdict: Worst;
  count: number;
  hosts: HostEntry[];
  paths: GroupPath[];
}

export interface HostGroups {
  totals: Record<Worst, number> & { hosts: number };
  /** Per site or subnet (its id, lower case): every host when few, else its groups. */
  containers: Array<{ id: string; count: number; hosts?: HostEntry[]; groups?: HostGroup[] }>;
  scopes: Array<{ id: string; machines: number; listed: Array<{ name: string; location: string }> }>;
  found?: string;
}

/**
 * POST …/ArcLink.Lab/hostGroups: the hosts grouped by site or subnet and worst verdict (with counts,
 * each closed group's lines summed), the hosts of the open groups, each scope's machine count; the
 * server computes every host's verdicts once per world revision, so the answer stays small.
 */
export async function hostGroups(
  s: string,
  q: { groupAt: number; open: Record<string, number>; pinned?: string; scopeMachines: number; find?: string },
): Promise<HostGroups> {
  return (await arm("POST", `${sub(s)}/providers/ArcLink.Lab/hostGroups`, V.lab, q)) as HostGroups;
}
