// ArcLink.Lab/agentReports: what Azure already knows about a machine from its agent, stated by a
// topology file rather than by a running agent — the agent version and the settings it reported
// (proxy.bypass, incomingconnections.ports), and when the machine was associated with its scope
// (`associatedAt`, or `associatedMinutesAgo` on the virtual clock). Writing one records those facts
// on the machine exactly where an agent's check-in would (properties.agentVersion,
// properties.agentConfiguration, the association time), so check, lint, admission and the fleet
// read them as they read a live agent's. A later check-in of a real agent replaces them.
import { ArmError, errors } from "../../core/armError.js";
import { MACHINE_TYPE } from "../hybridcompute/versions.js";
import { ResourceType } from "../contract.js";
import { asObject, optInt, optString, ref } from "../validate.js";
import { compact, invalid, LAB_COMMON } from "./common.js";

export const AGENT_REPORT_TYPE = "ArcLink.Lab/agentReports";
const BYPASS = ["AAD", "ARM", "Arc", "AMA", "ArcData"] as const;
const VERSION = /^\d+\.\d+(\.\d+\.\d+)?$/;

function stringList(v: unknown, path: string, item: (x: unknown, p: string) => string): string[] | undefined {
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v)) throw errors.invalidRequestContent(`'${path}' must be an array.`, path);
  return v.map((x, i) => item(x, `${path}[${i}]`));
}

export const agentReports: ResourceType = {
  ...LAB_COMMON,
  type: AGENT_REPORT_TYPE,
  topology: { section: "machines" },
  write(ctx, req) {
    const props = asObject(req.body.properties, "properties");
    const machine = ref(props.machineId, "properties.machineId", MACHINE_TYPE, ctx.tx, "Arc machine");
    const agentVersion = optString(props.agentVersion, "properties.agentVersion", 64);
    if (agentVersion !== undefined && !VERSION.test(agentVersion))
      throw invalid(
        "properties.agentVersion",
        `'${agentVersion}' is not an agent version: write major.minor (e.g. 1.45) or the full form azcmagent version prints (e.g. 1.45.02983.1834).`,
      );
    const proxyBypass = stringList(props.proxyBypass, "properties.proxyBypass", (x, p) => {
      const hit = BYPASS.find((b) => typeof x === "string" && b.toLowerCase() === x.toLowerCase());
      if (!hit) throw invalid(p, `'${String(x)}' is not a proxy.bypass keyword; use ${BYPASS.join(", ")}.`);
      return hit;
    });
    const incomingConnectionsPorts = stringList(
      props.incomingConnectionsPorts,
      "properties.incomingConnectionsPorts",
      (x, p) => {
        const s = String(x);
        if (!/^\d{1,5}$/.test(s) || Number(s) < 1 || Number(s) > 65535)
          throw invalid(
            p,
            `'${s}' is not a TCP port (1-65535), e.g. 22 for SSH or 6516 for Windows Admin Center.`,
          );
        return String(Number(s));
      },
    );
    const minutesAgo = optInt(props.associatedMinutesAgo, "properties.associatedMinutesAgo", 0, 525_600);
    const at = optString(props.associatedAt, "properties.associatedAt", 64);
    if (minutesAgo !== undefined && at !== undefined)
      throw invalid("properties.associatedAt", "Give associatedAt or associatedMinutesAgo, not both.");
    let associatedAt: string | undefined;
    if (at !== undefined) {
      const t = Date.parse(at);
      if (!Number.isFinite(t))
        throw invalid(
          "properties.associatedAt",
          `'${at}' is not a time: write ISO 8601, e.g. 2026-01-01T09:00:00Z.`,
        );
      associatedAt = new Date(t).toISOString();
    } else if (minutesAgo !== undefined) {
      associatedAt = new Date(ctx.now.getTime() - minutesAgo * 60_000).toISOString();
    }
    if (associatedAt && !machine.body.properties?.privateLinkScopeResourceId)
      throw new ArmError(
        400,
        "MachineNotAssociated",
        `Machine '${machine.body.name}' has no privateLinkScopeResourceId, so it has no association time. Associate it with a scope first (privateLinkScope in the topology), or drop the association time.`,
        { target: "properties.associatedAt" },
      );

    // Recorded on the machine where an agent's check-in puts them.
    const mp: Record<string, any> = { ...machine.body.properties };
    if (agentVersion !== undefined) mp.agentVersion = agentVersion;
    if (proxyBypass !== undefined || incomingConnectionsPorts !== undefined) {
      mp.agentConfiguration = {
        ...mp.agentConfiguration,
        ...(proxyBypass !== undefined ? { proxyBypass } : {}),
        ...(incomingConnectionsPorts !== undefined ? { incomingConnectionsPorts } : {}),
      };
    }
    const internal: Record<string, any> = { ...machine.body._arclink };
    if (associatedAt) {
      internal.associatedAt = associatedAt;
      delete internal.associatedAtCreation;
    }
    ctx.tx.put(machine.id, machine.type, { ...machine.body, properties: mp, _arclink: internal });
    return compact({
      machineId: machine.id,
      agentVersion,
      proxyBypass,
      incomingConnectionsPorts,
      associatedMinutesAgo: minutesAgo,
      associatedAt,
    });
  },
};
