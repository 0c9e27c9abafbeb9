// One Arc Private Link Scope per VNet: two scopes' private endpoints in one VNet write the same
// names into the shared privatelink zones, so one overwrites the other and the other scope's
// machines reach the wrong endpoint and are refused.
import { keyOf } from "../../../core/resourceId.js";
import { groupBy, listNames, nameOf } from "../context.js";
import { Rule } from "../types.js";
import { finding, refusedHosts } from "./util.js";

export const twoScopesOneVnet: Rule = {
  id: "two-scopes-one-vnet",
  severity: "error",
  title: "Private endpoints of two Arc Private Link Scopes in one virtual network",
  why: "You can associate at most one Azure Arc Private Link Scope with a virtual network. Two scopes' endpoints write the same names (gbl.his.arc.azure.com, ...) into the same privatelink zones: one overwrites the other, and every machine that resolves the other scope's endpoint is refused.",
  fix: "Keep one scope per virtual network: put the other scope's private endpoint in its own VNet with its own DNS view, or associate every machine with one scope and delete the extra endpoint.",
  run(ctx) {
    const out = [];
    for (const [vnetKey, pes] of groupBy(ctx.arcEndpoints(), (p) => p.vnet)) {
      const scopes = groupBy(pes, (p) => keyOf(p.targetId));
      if (scopes.size < 2) continue;
      const vnet = ctx.model.vnets.get(vnetKey);
      const scopeIds = [...scopes.values()].map((l) => l[0].targetId);
      const scopeKeys = new Set(scopes.keys());
      const refused = refusedHosts(ctx, ["MachineAssociatedWithAnotherScope"]).filter(
        (x) => x.h.scope && scopeKeys.has(x.h.scope.key),
      );
      const keep = scopeIds[0];
      const extra = pes.filter((p) => keyOf(p.targetId) !== keyOf(keep));
      out.push(
        finding(this, {
          message: `VNet ${vnet?.name ?? nameOf(vnetKey)} holds private endpoints of ${scopes.size} Arc Private Link Scopes (${scopeIds.map(nameOf).join(", ")}): ${pes.map((p) => p.name).join(", ")}. Their records overwrite each other${refused.length ? `; ${refused.length} machine(s) reach the other scope's endpoint and are refused (${listNames(refused.map((x) => x.h.machine?.body.name ?? x.h.host.name))})` : ""}.`,
          resources: [vnet?.id ?? vnetKey, ...pes.map((p) => p.id), ...scopeIds],
          keyEndpoint: null,
          machines: ctx.affectedAll(refused.map((x) => x.h)),
          ...(refused[0]
            ? {
                host: refused[0].h.host.name,
                endpoint: refused[0].row.endpoint,
                reason: refused[0].row.reason,
                trace: refused[0].row.trace,
              }
            : {}),
          fixPlan: extra.map((p) => ({
            kind: "arm" as const,
            method: "DELETE" as const,
            id: p.id,
            why: `keep only scope ${nameOf(keep)}'s endpoint in ${vnet?.name}; recreate ${p.name} in a VNet of its own (with its own privatelink zones) for scope ${nameOf(p.targetId)}`,
          })),
        }),
      );
    }
    return out;
  },
};
