// Agents older than 1.4 cannot use a private endpoint.
import { HostInfo, listNames } from "../context.js";
import { Finding, Rule } from "../types.js";
import { agentUpgradeModel, finding, groupAnchor, LATEST_AGENT, onprem } from "./util.js";

/** Minimum (a * 65536 + b) → version → verdict (machines repeat a handful of versions). */
const below = new Map<number, Map<string, boolean>>();
/** The last answer: machines mostly run one version. */
const last = { v: "", mk: -1, r: false };

export function versionBelow(v: unknown, min: [number, number]): boolean {
  if (typeof v !== "string" || !v) return false;
  const mk = min[0] * 65536 + min[1];
  if (v === last.v && mk === last.mk) return last.r;
  let m = below.get(mk);
  if (!m) below.set(mk, (m = new Map()));
  let r = m.get(v);
  if (r === undefined) m.set(v, (r = versionBelowUncached(v, min)));
  last.v = v;
  last.mk = mk;
  last.r = r;
  return r;
}

function versionBelowUncached(v: string, min: [number, number]): boolean {
  const [a, b] = v.split(".").map((x) => Number(x));
  if (!Number.isFinite(a)) return false;
  return a < min[0] || (a === min[0] && (b || 0) < min[1]);
}

const MIN: [number, number] = [1, 4];

export const agentTooOld: Rule = {
  id: "agent-too-old",
  severity: "error",
  title: "Connected Machine agent older than 1.4 on a machine that uses Private Link",
  why: "The minimum supported version of the Azure Arc-connected machine agent with private endpoint is version 1.4.",
  fix: "Upgrade the Connected Machine agent to the latest version.",
  run(ctx) {
    const tooOld = ctx.evalValues("agent-too-old", (h) =>
      h.check.endpoints.some((e) => e.reason === "AgentVersionTooOld"),
    );
    const { of } = ctx.evaluations();
    const hits: HostInfo[] = [];
    for (let i = 0; i < ctx.hosts.length; i++) {
      const h = ctx.hosts[i];
      if (
        h.machine &&
        versionBelow(h.machine.body.properties?.agentVersion, MIN) &&
        (h.scope || tooOld[of[i]])
      )
        hits.push(h);
    }
    const seen = new Set(hits.map((h) => h.machine!.key));
    const out: Finding[] = [];
    if (hits.length) {
      const ex =
        hits.find((h) => h.check.endpoints.some((e) => e.reason === "AgentVersionTooOld")) ?? hits[0];
      const row = ex.check.endpoints.find((e) => e.reason === "AgentVersionTooOld");
      out.push(
        finding(this, {
          message: `${hits.length} machine(s) run an agent older than 1.4 (${listNames(hits.map((h) => `${h.machine!.body.name} ${h.machine!.body.properties?.agentVersion}`))}) and cannot use the private endpoint.`,
          resources: hits.slice(0, 50).map((h) => h.machine!.id),
          keyResource: groupAnchor(hits.map((h) => h.machine!.id)),
          keyEndpoint: null,
          machines: ctx.affectedAll(hits),
          ...(row
            ? { host: ex.host.name, endpoint: row.endpoint, reason: row.reason, trace: row.trace }
            : {}),
          // Every machine: the finding is resolved only when none is left below 1.4.
          fixPlan: hits.map((h) =>
            onprem(
              h.host.name,
              `install the latest Connected Machine agent (azcmagent 1.4 or later; ${LATEST_AGENT} today)`,
              `agent ${h.machine!.body.properties?.agentVersion} predates private endpoint support`,
              agentUpgradeModel(h.machine!),
            ),
          ),
        }),
      );
    }
    // Machines without a lab host (e.g. from an export) are judged on their properties alone.
    const loose = ctx
      .machines()
      .filter(
        (m) =>
          versionBelow(m.body.properties?.agentVersion, MIN) &&
          !seen.has(m.key) &&
          m.body.properties?.privateLinkScopeResourceId,
      )
      .filter((m) => !ctx.hostOfMachine(m));
    if (loose.length)
      out.push(
        finding(this, {
          message: `${loose.length} machine(s) associated with a scope run an agent older than 1.4 (${listNames(loose.map((m) => `${m.body.name} ${m.body.properties?.agentVersion}`))}).`,
          resources: loose.map((m) => m.id),
          keyResource: groupAnchor(loose.map((m) => m.id)),
          keyEndpoint: "without-host",
          machines: loose.map((m) => ({ name: m.body.name, machineId: m.id })),
          fixPlan: loose.map((m) =>
            onprem(
              m.body.name,
              `install the latest Connected Machine agent (${LATEST_AGENT} today)`,
              "private endpoints need 1.4 or later",
              agentUpgradeModel(m),
            ),
          ),
        }),
      );
    return out;
  },
};
