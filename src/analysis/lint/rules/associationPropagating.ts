// An association younger than the propagation delay: the scope does not accept the machine yet.
import { associationOf } from "../../../providers/hybridcompute/association.js";
import { listNames } from "../context.js";
import { Finding, Rule } from "../types.js";
import { finding, groupAnchor, refusedHosts } from "./util.js";

export const associationPropagating: Rule = {
  id: "association-propagating",
  severity: "warning",
  title: "Association with the scope not yet propagated",
  why: "It might take up to 15 minutes for the Private Link Scope to accept connections from recently associated servers.",
  fix: "Wait for the association to propagate (arclink time advance 15m in the lab), then retry.",
  run(ctx) {
    const out: Finding[] = [];
    const hits = refusedHosts(ctx, ["AssociationNotYetPropagated"]);
    if (hits.length) {
      const left = (x: (typeof hits)[number]) => {
        const at = Date.parse(associationOf(x.h.machine?.body).associatedAt ?? "");
        return Number.isFinite(at)
          ? Math.max(0, Math.ceil((at + ctx.propagationDelayMs - ctx.now.getTime()) / 60_000))
          : undefined;
      };
      const maxLeft = Math.max(...hits.map((x) => left(x) ?? 0));
      out.push(
        finding(this, {
          message: `${hits.length} machine(s) (${listNames(hits.map((x) => x.h.machine?.body.name ?? x.h.host.name))}) were associated with their scope less than ${Math.round(ctx.propagationDelayMs / 60_000)} minutes ago and are refused at the private endpoint until it propagates (up to ${maxLeft} minute(s) left).`,
          resources: hits.slice(0, 50).map((x) => x.h.machine?.id ?? x.h.host.id),
          keyResource: groupAnchor(hits.map((x) => x.h.machine?.id ?? x.h.host.id)),
          keyEndpoint: null,
          machines: ctx.affectedAll(hits.map((x) => x.h)),
          host: hits[0].h.host.name,
          endpoint: hits[0].row.endpoint,
          reason: "AssociationNotYetPropagated",
          trace: hits[0].row.trace,
          fixPlan: [
            {
              kind: "onprem",
              target: "(time)",
              change: `wait ${maxLeft} minute(s) (arclink time advance ${maxLeft}m in the lab)`,
              why: "the association propagates",
            },
          ],
        }),
      );
    }
    return out;
  },
};
