// Machines that reach a scope's private endpoint without belonging to that scope: refused.
import { groupBy, listNames, nameOf } from "../context.js";
import { EndpointCheck } from "../../check.js";
import { Finding, Rule } from "../types.js";
import { finding, hostsAnchor, matchedReason, patch, refusedHosts } from "./util.js";

export const machineNotAssociated: Rule = {
  id: "machine-not-associated",
  severity: "error",
  title: "Machine reaches a scope's private endpoint without being associated with that scope",
  why: "Every machine or server that uses this DNS server now resolves the private endpoint IP addresses and must be associated with the Azure Arc Private Link Scope, or the connection will be refused.",
  fix: "Associate the machine with the scope whose endpoint its DNS resolves (Azure Arc resources → Add), or give it DNS that resolves its own scope's endpoint (or the public addresses).",
  run(ctx) {
    const out: Finding[] = [];
    const REASONS = ["MachineNotAssociatedWithScope", "MachineAssociatedWithAnotherScope"];
    const hits = refusedHosts(ctx, REASONS);
    const why = (row: EndpointCheck) => matchedReason(row, REASONS) ?? row.reason;
    const peOf = (trace: unknown) => /private endpoint (\S+)\)/.exec(JSON.stringify(trace))?.[1];
    // Hosts of one evaluation share their row: its group key is computed once.
    const keys = new Map<EndpointCheck, string>();
    const keyOfRow = (row: EndpointCheck): string => {
      let k = keys.get(row);
      if (k === undefined) keys.set(row, (k = `${why(row)}|${peOf(row.trace)}`));
      return k;
    };
    for (const list of groupBy(hits, (x) => keyOfRow(x.row)).values()) {
      const { h, row } = list[0];
      const peName = peOf(row.trace);
      const pe = [...ctx.model.privateEndpoints.values()].find((p) => p.name === peName);
      const other = why(row) === "MachineAssociatedWithAnotherScope";
      out.push(
        finding(this, {
          message: `${list.length} machine(s) (${listNames(list.map((x) => x.h.machine?.body.name ?? x.h.host.name))}) resolve the Arc names to private endpoint ${peName ?? "?"}${pe ? ` of scope ${nameOf(pe.targetId)}` : ""} but ${other ? "belong to another scope" : "are not associated with any scope"}: refused (${why(row)}).`,
          resources: [
            ...(pe ? [pe.id, pe.targetId] : []),
            ...list.slice(0, 20).map((x) => x.h.machine?.id ?? x.h.host.id),
          ],
          // The endpoint they reach (or the place they share) and why they are refused: not the
          // first host's name or endpoint, which only illustrate the group.
          keyResource: pe ? pe.id : hostsAnchor(list.map((x) => x.h)),
          keyEndpoint: why(row) ?? null,
          machines: ctx.affectedAll(list.map((x) => x.h)),
          host: h.host.name,
          endpoint: row.endpoint,
          reason: why(row),
          trace: row.trace,
          fixPlan: pe
            ? list
                .filter((x) => x.h.machine)
                .map((x) =>
                  patch(
                    x.h.machine!.id,
                    { properties: { privateLinkScopeResourceId: pe.targetId } },
                    `associate ${x.h.machine!.body.name} with ${nameOf(pe.targetId)} (accepted after the propagation delay)`,
                  ),
                )
            : [],
        }),
      );
    }
    return out;
  },
};
