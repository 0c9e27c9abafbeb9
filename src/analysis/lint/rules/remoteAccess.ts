// SSH / Windows Admin Center over Private Link is not supported: a machine that uses a scope and
// expects incoming connections (ports 22 or 6516) cannot be reached that way.
//
// Ports are read from the machine's agentConfiguration.incomingConnectionsPorts (as Azure reports
// the agent's incomingconnections.ports), the host's properties.incomingConnectionsPorts, or the
// tag `arclink:incomingconnections.ports` ("22,6516").
import { Entry } from "../../../world/world.js";
import { listNames } from "../context.js";
import { AffectedMachine, Finding, Rule } from "../types.js";
import { finding, groupAnchor, onprem } from "./util.js";

const REMOTE = ["22", "6516"];

export function incomingPorts(m: Entry | undefined, hostProps: Record<string, any> | undefined): string[] {
  const ports = [
    ...(Array.isArray(m?.body.properties?.agentConfiguration?.incomingConnectionsPorts)
      ? m!.body.properties.agentConfiguration.incomingConnectionsPorts
      : []),
    ...(Array.isArray(hostProps?.incomingConnectionsPorts) ? hostProps!.incomingConnectionsPorts : []),
    ...String(m?.body.tags?.["arclink:incomingconnections.ports"] ?? "").split(","),
  ];
  return [...new Set(ports.map((p) => String(p).trim()).filter(Boolean))];
}

export const remoteAccess: Rule = {
  id: "remote-access-over-private-link",
  severity: "warning",
  title: "Remote access (SSH / Windows Admin Center) expected over Private Link",
  why: "Remote access to the server using Windows Admin Center or SSH is not supported over private link at this time.",
  fix: "Use the public endpoints (or your own network) for SSH and Windows Admin Center, or remove ports 22/6516 from incomingconnections.ports.",
  run(ctx) {
    const hits: AffectedMachine[] = [];
    const ports = new Set<string>();
    // Whether any host lists ports itself: when none does, a machine without ports of its own is
    // skipped without looking its host up.
    let hostPorts = false;
    for (let hi = 0; hi < ctx.hosts.length; hi++)
      if (ctx.hosts[hi].host.raw.properties?.incomingConnectionsPorts?.length) {
        hostPorts = true;
        break;
      }
    const machines = ctx.machines();
    for (let mi = 0; mi < machines.length; mi++) {
      const m = machines[mi];
      if (!m.body.properties?.privateLinkScopeResourceId) continue;
      const own =
        m.body.properties?.agentConfiguration?.incomingConnectionsPorts?.length ||
        m.body.tags?.["arclink:incomingconnections.ports"];
      if (!own && !hostPorts) continue;
      const h = ctx.hostOfMachine(m);
      if (!own && !h?.host.raw.properties?.incomingConnectionsPorts?.length) continue;
      const p = incomingPorts(m, h?.host.raw.properties).filter((x) => REMOTE.includes(x));
      if (!p.length) continue;
      p.forEach((x) => ports.add(x));
      hits.push({ name: m.body.name, machineId: m.id, ...(h ? { hostId: h.host.id } : {}) });
    }
    const out: Finding[] = [];
    if (hits.length)
      out.push(
        finding(this, {
          message: `${hits.length} machine(s) using Private Link (${listNames(hits.map((m) => m.name))}) accept incoming connections on port(s) ${[...ports].join(", ")} (${[...ports].map((p) => (p === "22" ? "SSH" : "Windows Admin Center")).join(", ")}), which Private Link does not carry.`,
          resources: hits.slice(0, 50).map((m) => m.machineId!),
          keyResource: groupAnchor(hits.map((m) => m.machineId!)),
          machines: hits.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)),
          fixPlan: hits.map((m) =>
            onprem(
              m.name,
              `azcmagent config set incomingconnections.ports ${[...ports].filter((p) => !REMOTE.includes(p)).join(",") || '""'} (or plan remote access over the public endpoints)`,
              "SSH/WAC are not supported over Private Link",
            ),
          ),
        }),
      );
    return out;
  },
};
