// The machine and its Arc Private Link Scope must be in the same region.
import { Rule } from "../types.js";
import { finding, put } from "./util.js";

export const machineScopeRegion: Rule = {
  id: "machine-scope-region",
  severity: "error",
  title: "Machine and its Arc Private Link Scope in different regions",
  why: "The Azure Arc-enabled server and Azure Arc Private Link Scope must be in the same Azure region.",
  fix: "Associate the machine with a scope in its own region, or re-onboard it in the scope's region.",
  run(ctx) {
    const out = [];
    const scopes = ctx.scopes();
    // Machines repeat a handful of regions: lower-case each once.
    const lowered = new Map<string, string>();
    const lower = (x: string): string => {
      let l = lowered.get(x);
      if (l === undefined) lowered.set(x, (l = x.toLowerCase()));
      return l;
    };
    const machines = ctx.machines();
    for (let mi = 0; mi < machines.length; mi++) {
      const m = machines[mi];
      const id = m.body.properties?.privateLinkScopeResourceId;
      const scope = typeof id === "string" && id ? ctx.get(id) : undefined;
      if (!scope) continue;
      const mr = lower(String(m.body.location ?? ""));
      const sr = lower(String(scope.body.location ?? ""));
      if (!mr || !sr || mr === sr) continue;
      const h = ctx.hostOfMachine(m);
      const row = h?.check.endpoints.find((e) => e.reason === "ScopeRegionMismatch");
      const local = scopes.find((s) => String(s.body.location).toLowerCase() === mr);
      out.push(
        finding(this, {
          message: `Machine ${m.body.name} is in ${mr} but its scope ${scope.body.name} is in ${sr}.`,
          resources: [m.id, scope.id],
          keyEndpoint: null,
          machines: [{ name: m.body.name, machineId: m.id, ...(h ? { hostId: h.host.id } : {}) }],
          ...(row && h
            ? { host: h.host.name, endpoint: row.endpoint, reason: row.reason, trace: row.trace }
            : {}),
          fixPlan: local
            ? [
                put(
                  m.id,
                  { location: m.body.location, properties: { privateLinkScopeResourceId: local.id } },
                  `associate ${m.body.name} with ${local.body.name}, a scope in ${mr}`,
                ),
              ]
            : [
                {
                  kind: "onprem",
                  target: h?.host.name ?? m.body.name,
                  change: `azcmagent disconnect; azcmagent connect --location ${sr} --private-link-scope ${scope.id} ...`,
                  why: `re-onboard ${m.body.name} in ${sr}, the scope's region`,
                },
              ],
        }),
      );
    }
    return out;
  },
};
