// One page of a subscription's machines with each machine's verdict (its host's worst endpoint, as
// check() decided it), searched by name and filtered by status, verdict and reason on the server:
// a list page at fleet scale asks for one screen, never for every machine or every host's checks.
// Pure: machines (with their live status), host checks and the request in, the page out.
import { Entry } from "../world/world.js";
import { EndpointCheck, HostCheck, Verdict } from "./check.js";
import type { Finding } from "./lint/types.js";

export interface MachineListRequest {
  skip: number;
  top: number;
  /** Part of a machine's name (case-insensitive). */
  name?: string;
  status?: string;
  verdict?: string;
  reason?: string;
}

/** Lint's findings: a row without its check's own fix gets the fix of the finding about its host. */
export type FixSource = readonly Pick<
  Finding,
  "fix" | "host" | "machines" | "resources" | "endpoint" | "reason"
>[];

/** A machine's verdict: its host's worst endpoint, with the reason (or the missing fact's code). */
export interface MachineVerdict {
  host: string;
  hostId: string;
  verdict: Verdict;
  endpoint: string;
  reason: string;
  message: string;
  /** Undetermined: the missing fact, in words. */
  missing?: string;
  fix?: string;
}

export interface MachineListRow {
  machine: { id: string; name: string; location: string; properties: Record<string, unknown> };
  verdict?: MachineVerdict;
}

export interface MachineList {
  /** The subscription's machines, and those matching the search and filters. */
  total: number;
  matching: number;
  value: MachineListRow[];
  /** Each filter's values over every machine, with their counts (the filters' options). */
  options: {
    status: Record<string, number>;
    verdict: Record<string, number>;
    reason: Record<string, number>;
  };
}

/** Worst first: a known refusal, then an unknown (undetermined), then public. */
const RANK: Record<string, number> = { private: 0, public: 1, undetermined: 2, refused: 3 };

function verdictOf(c: HostCheck): MachineVerdict | undefined {
  let w: EndpointCheck | undefined;
  for (const e of c.endpoints) if (!w || (RANK[e.verdict] ?? 0) > (RANK[w.verdict] ?? 0)) w = e;
  if (!w) return undefined;
  const bad = w.verdict !== "private";
  return {
    host: c.host,
    hostId: c.hostId,
    verdict: w.verdict,
    endpoint: w.endpoint,
    reason: bad ? (w.reason ?? (w.verdict === "public" ? "PublicPath" : "")) : "",
    message: w.message,
    ...(w.verdict === "undetermined" && w.missing ? { missing: w.missing.fact } : {}),
    ...(bad && w.fix ? { fix: w.fix } : {}),
  };
}

const count = (m: Record<string, number>, v: string) => {
  if (v) m[v] = (m[v] ?? 0) + 1;
};

/** The fix of the finding about this host or machine, this endpoint and reason (the first one). */
function fixFrom(findings: FixSource, v: MachineVerdict, machineKey: string): string | undefined {
  const host = v.host.toLowerCase();
  const hostId = v.hostId.toLowerCase();
  const same = (a: string | undefined, b: string) => !!a && a.toLowerCase() === b;
  return findings.find(
    (f) =>
      f.fix &&
      (same(f.host, host) ||
        (f.machines ?? []).some(
          (m) => same(m.hostId, hostId) || same(m.machineId, machineKey) || same(m.name, host),
        ) ||
        (f.resources ?? []).some((x) => same(x, hostId) || same(x, machineKey))) &&
      (f.endpoint ? f.endpoint === v.endpoint : true) &&
      (f.reason && v.reason ? f.reason === v.reason : true),
  )?.fix;
}

/**
 * `machines` are the subscription's, in list order, with their live status; with `findings`, each
 * listed row's fix falls back to lint's (only the screen's rows are looked up).
 */
export function machineList(
  machines: readonly Entry[],
  checks: readonly HostCheck[],
  req: MachineListRequest,
  findings?: FixSource,
): MachineList {
  const byMachine = new Map<string, HostCheck>();
  for (const c of checks) if (c.machineId) byMachine.set(c.machineId.toLowerCase(), c);
  const q = (req.name ?? "").toLowerCase();
  const options = { status: {}, verdict: {}, reason: {} } as MachineList["options"];
  const value: MachineListRow[] = [];
  let matching = 0;
  for (const m of machines) {
    const p = (m.body.properties ?? {}) as Record<string, unknown>;
    const c = byMachine.get(m.key);
    const v = c ? verdictOf(c) : undefined;
    const status = String(p.status ?? "");
    count(options.status, status);
    count(options.verdict, v?.verdict ?? "");
    count(options.reason, v?.reason ?? "");
    const name = String(m.body.name ?? "");
    if (q && !name.toLowerCase().includes(q)) continue;
    if (req.status && status !== req.status) continue;
    if (req.verdict && (v?.verdict ?? "") !== req.verdict) continue;
    if (req.reason && (v?.reason ?? "") !== req.reason) continue;
    matching += 1;
    if (matching <= req.skip || value.length >= req.top) continue;
    const fix = v && v.verdict !== "private" && !v.fix && findings ? fixFrom(findings, v, m.key) : undefined;
    value.push({
      machine: {
        id: m.id,
        name,
        location: String(m.body.location ?? ""),
        properties: {
          status,
          ...(p.privateLinkScopeResourceId
            ? { privateLinkScopeResourceId: p.privateLinkScopeResourceId }
            : {}),
          ...(p.osType ? { osType: p.osType } : {}),
        },
      },
      ...(v ? { verdict: fix ? { ...v, fix } : v } : {}),
    });
  }
  return { total: machines.length, matching, value, options };
}
