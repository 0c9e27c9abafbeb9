// The machines of one scope should all see the same private endpoint: some resolving it privately
// and others publicly (or to different endpoints) means they use different DNS views.
import { Entry } from "../../../world/world.js";
import { HostInfo, listHostNames } from "../context.js";
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
    // The gbl answer per evaluation; per scope, how many of its hosts share each evaluation and
    // the first of them. Hosts are read again only for a scope with two answers or more.
    const gbl = ctx.evalValues(
      "gbl-address",
      (h) => h.check.endpoints.find((e) => e.endpoint === "gbl.his.arc.azure.com")?.address ?? "unresolved",
    );
    const { of } = ctx.evaluations();
    const hosts = ctx.hosts;
    type PerScope = { scope: Entry; count: Int32Array; first: Int32Array };
    const scopes = new Map<string, PerScope>();
    let lastScope: Entry | undefined;
    let last: PerScope | undefined;
    for (let i = 0; i < hosts.length; i++) {
      const s = hosts[i].scope;
      if (!s) continue;
      if (s !== lastScope) {
        last = scopes.get(s.key);
        if (!last) {
          last = { scope: s, count: new Int32Array(gbl.length), first: new Int32Array(gbl.length).fill(-1) };
          scopes.set(s.key, last);
        }
        lastScope = s;
      }
      const e = of[i];
      if (last!.count[e]++ === 0) last!.first[e] = i;
    }
    for (const [key, { scope, count, first }] of scopes) {
      // The answers in the order their first host comes.
      const firstOf = new Map<string, number>();
      for (let e = 0; e < gbl.length; e++) {
        if (!count[e]) continue;
        const f = firstOf.get(gbl[e]);
        if (f === undefined || first[e] < f) firstOf.set(gbl[e], first[e]);
      }
      if (firstOf.size < 2) continue;
      const views = new Map<string, HostInfo[]>();
      for (const [a] of [...firstOf].sort((x, y) => x[1] - y[1])) views.set(a, []);
      // Each evaluation's list, looked up once per evaluation rather than once per host.
      const viewOf: HostInfo[][] = gbl.map((a) => views.get(a)!);
      const list: HostInfo[] = [];
      for (let i = 0; i < hosts.length; i++) {
        const h = hosts[i];
        if (!h.scope || (h.scope !== scope && h.scope.key !== key)) continue;
        list.push(h);
        viewOf[of[i]].push(h);
      }
      const parts = [...views].map(([addr, hs]) => `${hs.length} → ${addr} (${listHostNames(hs, 3)})`);
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
