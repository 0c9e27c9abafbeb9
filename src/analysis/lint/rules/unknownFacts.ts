// What the input did not say. An export may leave facts out (a scope's privateEndpointConnections,
// a machine's agentVersion); a verdict that needs one is undetermined, never guessed. This note
// lists every unknown the input left, each with the command that collects it, so the next export
// can answer them.
import { MissingFact } from "../../../network/admit.js";
import {
  connectionStateOf,
  collectConnectionState,
  scopeListUnknown,
} from "../../../network/connectionState.js";
import { Finding, Rule } from "../types.js";
import { finding } from "./util.js";

export const unknownFacts: Rule = {
  id: "unknown-facts",
  severity: "note",
  title: "Facts the input does not hold",
  why: "A verdict is only as good as the facts behind it: what the export or the on-premises files leave out is unknown, and every verdict that needs it is undetermined until it is collected.",
  fix: "Collect each missing fact with the command listed, add it to the export, and lint again.",
  run(ctx) {
    const facts = new Map<string, MissingFact & { hosts: Set<string> }>();
    const add = (m: MissingFact, host?: string) => {
      const k = `${m.code}|${m.resources.join(",").toLowerCase()}`;
      let f = facts.get(k);
      if (!f) facts.set(k, (f = { ...m, hosts: new Set() }));
      if (host) f.hosts.add(host);
    };
    const rows = ctx.evalValues("missing-facts", (h) =>
      h.check.endpoints.map((e) => e.missing).filter((m): m is MissingFact => !!m),
    );
    const { of } = ctx.evaluations();
    for (let i = 0; i < ctx.hosts.length; i++)
      for (const m of rows[of[i]]) add(m, ctx.hosts[i].machine?.body.name ?? ctx.hosts[i].host.name);
    // A scope exported without its connection list: unknown even where the endpoint's side answered.
    for (const pe of ctx.arcEndpoints()) {
      const scope = ctx.get(pe.targetId);
      if (!scope || !scopeListUnknown(scope)) continue;
      const cs = connectionStateOf(ctx.view, pe.id, scope);
      if (cs.status === "unknown") continue; // already listed through the hosts, or below
      add({
        code: "ScopeConnectionListMissing",
        fact: `scope ${scope.body.name}'s privateEndpointConnections (not in the export; ${pe.name}'s own entry says ${cs.endpointSide}, which was used).`,
        collect: collectConnectionState(pe.id, scope.id).slice(1, 2),
        resources: [scope.id, pe.id],
      });
    }
    for (const pe of ctx.arcEndpoints()) {
      const scope = ctx.get(pe.targetId);
      if (!scope) continue;
      const cs = connectionStateOf(ctx.view, pe.id, scope);
      if (cs.status === "unknown" && ![...facts.values()].some((f) => f.resources.includes(pe.id)))
        add({
          code: cs.disagree ? "ConnectionStatesDisagree" : "ConnectionStateUnknown",
          fact: `the state of ${pe.name}'s connection to ${scope.body.name} (scope says ${cs.scopeSide}, endpoint says ${cs.endpointSide}).`,
          collect: collectConnectionState(pe.id, scope.id),
          resources: [pe.id, scope.id],
        });
    }
    if (!facts.size) return [];
    const list = [...facts.values()];
    const out: Finding[] = [
      finding(this, {
        message: `The input leaves ${list.length} fact(s) unknown; verdicts that need them are undetermined, and no fix is proposed on them: ${list
          .map(
            (f) =>
              `${f.fact}${f.hosts.size ? ` [undetermined for ${[...f.hosts].sort().join(", ")}]` : ""} Collect: ${f.collect[0]}`,
          )
          .join(" | ")}`,
        resources: list.flatMap((f) => f.resources),
        // One summary per input: keyed by its rule alone.
        keyResource: "",
        keyEndpoint: null,
        fix: list.map((f) => f.collect.join("\n")).join("\n"),
      }),
    ];
    return out;
  },
};
