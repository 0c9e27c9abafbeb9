// References to an Arc Private Link Scope that does not exist: a machine's
// privateLinkScopeResourceId, or a private endpoint's target.
import { Finding, Rule } from "../types.js";
import { finding, patch } from "./util.js";

export const danglingScope: Rule = {
  id: "dangling-scope-reference",
  severity: "error",
  title: "Reference to an Arc Private Link Scope that does not exist",
  why: "An Azure Arc-enabled machine can only connect to one Azure Arc-enabled servers Private Link Scope, and that scope must exist: a machine associated with a deleted scope (or an endpoint whose scope is gone) cannot use Private Link.",
  fix: "Associate the machine with an existing scope (or clear privateLinkScopeResourceId); recreate or delete the orphaned private endpoint.",
  run(ctx) {
    const out: Finding[] = [];
    const machines = ctx.machines();
    for (let mi = 0; mi < machines.length; mi++) {
      const m = machines[mi];
      const id = m.body.properties?.privateLinkScopeResourceId;
      if (typeof id !== "string" || !id || ctx.get(id)) continue;
      const h = ctx.hostOfMachine(m);
      out.push(
        finding(this, {
          message: `Machine ${m.body.name} is associated with scope ${id}, which does not exist.`,
          resources: [m.id],
          keyEndpoint: null,
          machines: [{ name: m.body.name, machineId: m.id, ...(h ? { hostId: h.host.id } : {}) }],
          fixPlan: [
            patch(
              m.id,
              { properties: { privateLinkScopeResourceId: null } },
              "clear the dangling association (or set it to an existing scope in the machine's region)",
            ),
          ],
        }),
      );
    }
    for (const pe of ctx.arcEndpoints()) {
      if (ctx.view.get(pe.targetId)) continue;
      const hs = ctx.hostsWhere(
        ctx.evalValues("scope-not-found", (h) =>
          h.check.endpoints.some((e) => e.reason === "PrivateLinkScopeNotFound"),
        ),
      );
      const row = hs[0]?.check.endpoints.find((e) => e.reason === "PrivateLinkScopeNotFound");
      out.push(
        finding(this, {
          message: `Private endpoint ${pe.name} connects to scope ${pe.targetId}, which does not exist${hs.length ? `; ${hs.length} host(s) reach it and are refused` : ""}.`,
          resources: [pe.id],
          keyEndpoint: null,
          machines: ctx.affectedAll(hs),
          ...(row
            ? { host: hs[0].host.name, endpoint: row.endpoint, reason: row.reason, trace: row.trace }
            : {}),
          fixPlan: [{ kind: "arm", method: "DELETE", id: pe.id, why: "the endpoint's scope is gone" }],
        }),
      );
    }
    return out;
  },
};
