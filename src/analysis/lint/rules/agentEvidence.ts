// What the real agent on a server reported (azcmagent show -j / check -j, given with the
// on-premises facts) against ArcLink's own verdict for that server: where they disagree, one of
// the two is working from a wrong fact, and the operator must know before trusting either.
import { HostInfo } from "../context.js";
import { Finding, Rule } from "../types.js";
import { finding } from "./util.js";

/** What the model's verdict says the agent should have seen. */
function disagreement(
  verdict: string,
  address: string | undefined,
  row: { reachable: boolean; private?: boolean; addresses?: string[]; error?: string },
): string | undefined {
  if (verdict === "refused" && row.reachable)
    return "the agent reached it; ArcLink's model says it is refused";
  if (verdict !== "refused" && !row.reachable)
    return `the agent could not reach it${row.error ? ` (${row.error})` : ""}; ArcLink's model says it goes ${verdict}`;
  if (verdict === "private" && row.private === false)
    return "the agent resolved it to a public address; ArcLink's model says it goes private";
  if (verdict === "public" && row.private === true)
    return "the agent resolved it to a private address; ArcLink's model says it goes public";
  // Public services answer on many addresses: only a private answer is compared address by address.
  if (verdict === "private" && address && row.addresses?.length && !row.addresses.includes(address))
    return `the agent resolved it to ${row.addresses.join(", ")}; ArcLink's model says ${address}`;
  return undefined;
}

export const agentEvidence: Rule = {
  id: "agent-evidence-disagrees",
  severity: "warning",
  title: "What the server's agent reported differs from ArcLink's verdict",
  why: "azcmagent check and azcmagent show report what the agent on the server really saw; where that differs from the model, a fact in the export or the on-premises files is wrong or out of date, and the model's other verdicts for that server cannot be trusted until it is found.",
  fix: "Find the fact that differs (the server's DNS servers, hosts file, proxy, the zone records, the agent version), correct the input or the server, and run azcmagent check -j again.",
  run(ctx) {
    const ev = ctx.source.evidence;
    const out: Finding[] = [];
    if (!ev?.size) return out;
    for (const h of ctx.hosts as HostInfo[]) {
      const e = ev.get(h.host.name.toLowerCase());
      if (!e) continue;
      const resource = h.machine?.id ?? h.host.id;
      const affected = [ctx.affected(h)];
      const show = e.show;
      if (show?.agentVersion && e.armAgentVersion && show.agentVersion !== e.armAgentVersion)
        out.push(
          finding(agentEvidence, {
            message: `${h.host.name}: Azure Resource Manager reports agent ${e.armAgentVersion}, the agent itself (${show.file}:${show.line}) says ${show.agentVersion}; lint used ${show.agentVersion}.`,
            resources: [resource],
            machines: affected,
            host: h.host.name,
            endpoint: "agentVersion",
            fix: "ARM's copy is refreshed by the agent's heartbeat: if the machine is Disconnected, reconnect it; otherwise wait for the next heartbeat and export again.",
          }),
        );
      // The agent says it lost touch while every Arc endpoint is open to it in the model.
      const arc = ctx.arcRows(h);
      if (
        show?.status &&
        /^(disconnected|expired)$/i.test(show.status) &&
        arc.length &&
        arc.every((r) => r.verdict !== "refused")
      )
        out.push(
          finding(agentEvidence, {
            message: `${h.host.name}: the agent reports status ${show.status}${show.errorCode ? ` (${show.errorCode})` : ""} (${show.file}:${show.line}); ArcLink's model says it reaches every Arc endpoint.`,
            resources: [resource],
            machines: affected,
            host: h.host.name,
            endpoint: "status",
          }),
        );
      for (const row of e.check?.rows ?? []) {
        const mine = h.check.endpoints.find((x) => x.endpoint.toLowerCase() === row.endpoint);
        if (!mine) continue;
        const why = disagreement(mine.verdict, mine.address, row);
        if (!why) continue;
        out.push(
          finding(agentEvidence, {
            message: `${h.host.name} → ${row.endpoint}: ${why}${mine.reason ? ` (${mine.reason})` : ""}. Evidence: ${e.check!.file}:${row.line}.`,
            resources: [resource],
            machines: affected,
            host: h.host.name,
            endpoint: row.endpoint,
            ...(mine.reason ? { reason: mine.reason } : {}),
            trace: mine.trace,
          }),
        );
      }
    }
    return out;
  },
};
