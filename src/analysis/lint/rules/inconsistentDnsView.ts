// The machines of one scope should all see the same private endpoint: some resolving it privately
// and others publicly (or to different endpoints) means they use different DNS views.
import { groupBy, HostInfo, listNames } from "../context.js";
import { Finding, Rule } from "../types.js";
import { finding } from "./util.js";

export const inconsistentDnsView: Rule = {
  id: "inconsistent-dns-view",
  severity: "warning",
  title: "Machines of one scope resolve the Arc names differently",
  why: "All on-premises machines need to use the same private endpoint by resolving the correct private endpoint information (FQDN record name and private IP address) using the same DNS forwarder.",
  fix: "Point every machine of the scope at the same DNS forwarder (or the same manual records).",
  run(ctx) {
    const out: Finding[] = [];
    const withScope = ctx.hosts.filter((h) => h.scope);
    for (const list of groupBy(withScope, (h) => h.scope!.key).values()) {
      const gbl = (h: HostInfo) =>
        h.check.endpoints.find((e) => e.endpoint === "gbl.his.arc.azure.com")?.address ?? "unresolved";
      const views = groupBy(list, gbl);
      if (views.size < 2) continue;
      const parts = [...views].map(
        ([addr, hs]) =>
          `${hs.length} → ${addr} (${listNames(
            hs.map((h) => h.host.name),
            3,
          )})`,
      );
      out.push(
        finding(this, {
          message: `The ${list.length} machines of scope ${list[0].scope!.body.name} resolve gbl.his.arc.azure.com to ${views.size} different answers: ${parts.join("; ")}.`,
          resources: [list[0].scope!.id],
          machines: ctx.affectedAll(list),
        }),
      );
    }
    return out;
  },
};
