// A private endpoint whose connection to the scope is not Approved (manual approval pending,
// rejected, disconnected): the endpoint carries nothing. The state is read from both sides (the
// scope's list and the endpoint's own entry): when they disagree that is a finding of its own, and
// when the input holds neither, nothing is assumed (the unknown-facts note lists it).
import { connectionStateOf } from "../../../network/connectionState.js";
import { listNames } from "../context.js";
import { Finding, Rule } from "../types.js";
import { finding, put, refusedHosts } from "./util.js";

export const connectionPending: Rule = {
  id: "endpoint-connection-not-approved",
  severity: "error",
  title: "Private endpoint connection to the scope not approved",
  why: "The Private Link Scope controls which private endpoints may connect to it: a connection awaiting manual approval (or rejected) carries no traffic, so machines that resolve that endpoint are refused.",
  fix: "Approve the private endpoint connection on the scope (Private endpoint connections → Approve).",
  run(ctx) {
    const out: Finding[] = [];
    const refused = refusedHosts(ctx, ["PrivateEndpointConnectionNotApproved"]);
    for (const pe of ctx.arcEndpoints()) {
      const scope = ctx.view.get(pe.targetId);
      if (!scope) continue;
      const cs = connectionStateOf(ctx.view, pe.id, scope);
      const conn = cs.connection;
      if (cs.disagree) {
        out.push(
          finding(this, {
            severity: "warning",
            message: `Private endpoint ${pe.name}'s connection to scope ${scope.body.name} reads ${cs.scopeSide} on the scope but ${cs.endpointSide} on the endpoint: the input's two sides disagree (read at different times?), so machines that reach it are undetermined until both are read again.`,
            resources: [pe.id, ...(conn ? [conn.id] : []), scope.id],
            keyEndpoint: "sides-disagree",
            fix: `Read both sides again (az resource show --ids ${pe.id}; the scope's privateEndpointConnections) and lint the fresh export.`,
          }),
        );
        continue;
      }
      // Approved, or unknown: nothing to fix (an unknown is listed by unknown-facts, never acted on).
      if (cs.status === "Approved" || cs.status === "unknown") continue;
      const status = cs.status;
      const hs = refused.filter(
        (x) => x.row.trace.length && JSON.stringify(x.row.trace).includes(`private endpoint ${pe.name}`),
      );
      out.push(
        finding(this, {
          message: `Private endpoint ${pe.name}'s connection to scope ${scope.body.name} is ${status}${cs.scopeSide === "unknown" ? " (as the endpoint records it)" : ""}${hs.length ? `; ${hs.length} machine(s) (${listNames(hs.map((x) => x.h.machine?.body.name ?? x.h.host.name))}) are refused there` : ""}.`,
          resources: [pe.id, ...(conn ? [conn.id] : []), scope.id],
          keyEndpoint: null,
          machines: ctx.affectedAll(hs.map((x) => x.h)),
          ...(hs[0]
            ? {
                host: hs[0].h.host.name,
                endpoint: hs[0].row.endpoint,
                reason: hs[0].row.reason,
                trace: hs[0].row.trace,
              }
            : {}),
          // Approving is the fix when the scope holds the connection. Without one (Disconnected,
          // the connection removed from the scope) the endpoint must be recreated: that is a
          // choice for its owner, printed as advice, never as a plan step that deletes it.
          ...(conn
            ? {
                fixPlan: [
                  put(
                    conn.id,
                    {
                      properties: {
                        privateLinkServiceConnectionState: { status: "Approved", description: "Approved" },
                      },
                    },
                    `approve ${pe.name} on ${scope.body.name}`,
                  ),
                ],
              }
            : {
                fix: `The connection was removed from scope ${scope.body.name}: recreate private endpoint ${pe.name} (delete it and create it again with the same subnet and the scope as its target) once nothing depends on it, or approve a new connection.`,
              }),
        }),
      );
    }
    return out;
  },
};
