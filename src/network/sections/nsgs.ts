// The network security groups: each one's rules (its own and Azure's defaults), outbound and
// inbound, in priority order.
import { defaultSecurityRules } from "../../providers/network/networkSecurityGroups.js";
import { WorldView } from "../../world/world.js";
import type { NsgModel, NsgRuleModel } from "../model.js";
import { modelSection } from "./section.js";

export const nsgs = modelSection({
  name: "nsgs",
  compile: (view) => buildNsgs(view),
});

function buildNsgs(view: WorldView): Map<string, NsgModel> {
  const out = new Map<string, NsgModel>();
  for (const n of view.ofType("Microsoft.Network/networkSecurityGroups")) {
    const rules = [
      ...view
        .children(n.id, "Microsoft.Network/networkSecurityGroups/securityRules")
        .map((r) => ruleModel(r.body, false)),
      ...defaultSecurityRules(n.body).map((r) => ruleModel(r, true)),
    ].sort((a, b) => a.priority - b.priority);
    out.set(n.key, {
      key: n.key,
      id: n.id,
      name: n.body.name,
      outbound: rules.filter((r) => r.direction === "Outbound"),
      inbound: rules.filter((r) => r.direction === "Inbound"),
    });
  }
  return out;
}

function list(one: unknown, many: unknown): string[] {
  if (Array.isArray(many) && many.length) return many.map(String);
  return one === undefined || one === null || one === "" ? [] : [String(one)];
}

function ruleModel(body: Record<string, any>, isDefault: boolean): NsgRuleModel {
  const p = body.properties ?? {};
  return {
    name: body.name,
    priority: Number(p.priority),
    direction: p.direction === "Inbound" ? "Inbound" : "Outbound",
    access: p.access === "Deny" ? "Deny" : "Allow",
    protocol: p.protocol ?? "*",
    sources: list(p.sourceAddressPrefix, p.sourceAddressPrefixes),
    destinations: list(p.destinationAddressPrefix, p.destinationAddressPrefixes),
    destinationPorts: list(p.destinationPortRange, p.destinationPortRanges),
    isDefault,
  };
}
