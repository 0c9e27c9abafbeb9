// A private endpoint whose connection to the scope is not Approved (manual approval pending,
// rejected, disconnected): the endpoint carries nothing.
import { keyOf, sameId } from "../../../core/resourceId.js";
import { CONNECTION_TYPE, listNames } from "../context.js";
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
      const conn = ctx.view
        .children(scope.id, CONNECTION_TYPE)
        .find((c) => sameId(c.body.properties?.privateEndpoint?.id, pe.id));
      const status = conn?.body.properties?.privateLinkServiceConnectionState?.status ?? "Disconnected";
      if (status === "Approved") continue;
      const hs = refused.filter(
        (x) => x.row.trace.length && JSON.stringify(x.row.trace).includes(`private endpoint ${pe.name}`),
      );
      out.push(
        finding(this, {
          message: `Private endpoint ${pe.name}'s connection to scope ${scope.body.name} is ${status}${hs.length ? `; ${hs.length} machine(s) (${listNames(hs.map((x) => x.h.machine?.body.name ?? x.h.host.name))}) are refused there` : ""}.`,
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
          fixPlan: conn
            ? [
                put(
                  conn.id,
                  {
                    properties: {
                      privateLinkServiceConnectionState: { status: "Approved", description: "Approved" },
                    },
                  },
                  `approve ${pe.name} on ${scope.body.name}`,
                ),
              ]
            : [
                {
                  kind: "arm",
                  method: "DELETE",
                  id: pe.id,
                  why: `the connection is gone: recreate ${pe.name} (its scope ${keyOf(scope.id) ? scope.body.name : ""} will record a new one)`,
                },
              ],
        }),
      );
    }
    return out;
  },
};
