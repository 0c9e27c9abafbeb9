// A private endpoint and its virtual network must be in the same region.
import { Rule } from "../types.js";
import { finding } from "./util.js";

export const endpointVnetRegion: Rule = {
  id: "endpoint-vnet-region",
  severity: "error",
  title: "Private endpoint and its virtual network in different regions",
  why: "The Private Endpoint and the virtual network must also be in the same Azure region (this region can differ from the scope's).",
  fix: "Recreate the private endpoint in the virtual network's region.",
  run(ctx) {
    const out = [];
    for (const pe of ctx.model.privateEndpoints.values()) {
      const body = ctx.view.get(pe.id)?.body;
      const vnet = ctx.model.vnets.get(pe.vnet);
      const pr = String(body?.location ?? "").toLowerCase();
      const vr = String(vnet?.location ?? "").toLowerCase();
      if (!pr || !vr || pr === vr) continue;
      out.push(
        finding(this, {
          message: `Private endpoint ${pe.name} is in ${pr} but its virtual network ${vnet?.name} is in ${vr}.`,
          resources: [pe.id, vnet!.id],
          fixPlan: [
            { kind: "arm", method: "DELETE", id: pe.id, why: "remove the endpoint in the wrong region" },
            {
              kind: "arm",
              method: "PUT",
              id: pe.id,
              body: {
                location: vr,
                properties: {
                  subnet: body?.properties?.subnet,
                  privateLinkServiceConnections: body?.properties?.privateLinkServiceConnections ?? [],
                },
              },
              why: `recreate it in ${vr}, the virtual network's region`,
            },
          ],
        }),
      );
    }
    return out;
  },
};
