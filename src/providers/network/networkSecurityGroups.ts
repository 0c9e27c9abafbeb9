// Microsoft.Network/networkSecurityGroups: security rules (child entries, also written inline by
// the NSG's PUT like a VNet's subnets), the six default rules every NSG has (read-only, inline and
// as defaultSecurityRules children), and back references to the subnets and NICs that use it.
import { ArmError } from "../../core/armError.js";
import { newGuid } from "../../core/guid.js";
import { WorldView } from "../../world/world.js";
import { ResourceType, VirtualChildren } from "../contract.js";
import { asArray, asObject, optBool, reqString } from "../validate.js";
import { NETWORK_API_VERSIONS } from "./apiVersions.js";
import {
  childBody,
  DEFAULT_RULE_TYPE,
  idOf,
  internalOf,
  NETWORK_NAME,
  NIC_TYPE,
  NSG_TYPE,
  RULE_TYPE,
  sameKey,
  SUBNET_TYPE,
  trackedNetworkType,
} from "./common.js";
import { inlineRules, RuleSibling, securityRuleProperties } from "./securityRules.js";

/** Azure's six default rules (fact sheet §4.4), lowest priority last in each direction. */
const DEFAULT_RULES: [string, string, "Inbound" | "Outbound", number, string, string, "Allow" | "Deny"][] = [
  [
    "AllowVnetInBound",
    "Allow inbound traffic from all VMs in VNET",
    "Inbound",
    65000,
    "VirtualNetwork",
    "VirtualNetwork",
    "Allow",
  ],
  [
    "AllowAzureLoadBalancerInBound",
    "Allow inbound traffic from azure load balancer",
    "Inbound",
    65001,
    "AzureLoadBalancer",
    "*",
    "Allow",
  ],
  ["DenyAllInBound", "Deny all inbound traffic", "Inbound", 65500, "*", "*", "Deny"],
  [
    "AllowVnetOutBound",
    "Allow outbound traffic from all VMs to all VMs in VNET",
    "Outbound",
    65000,
    "VirtualNetwork",
    "VirtualNetwork",
    "Allow",
  ],
  [
    "AllowInternetOutBound",
    "Allow outbound traffic from all VMs to Internet",
    "Outbound",
    65001,
    "*",
    "Internet",
    "Allow",
  ],
  ["DenyAllOutBound", "Deny all outbound traffic", "Outbound", 65500, "*", "*", "Deny"],
];

export function defaultSecurityRules(body: Record<string, any>): Record<string, any>[] {
  const nsgId = String(body.id);
  return DEFAULT_RULES.map(([name, description, direction, priority, source, destination, access]) => ({
    name,
    id: `${nsgId}/defaultSecurityRules/${name}`,
    etag: body.etag,
    type: DEFAULT_RULE_TYPE,
    properties: {
      description,
      protocol: "*",
      sourcePortRange: "*",
      destinationPortRange: "*",
      sourceAddressPrefix: source,
      destinationAddressPrefix: destination,
      access,
      priority,
      direction,
      provisioningState: "Succeeded",
      sourcePortRanges: [],
      destinationPortRanges: [],
      sourceAddressPrefixes: [],
      destinationAddressPrefixes: [],
    },
  }));
}

const defaultRulesChildren: VirtualChildren = {
  type: DEFAULT_RULE_TYPE,
  list(parent) {
    return defaultSecurityRules(parent.body);
  },
};

function users(view: WorldView, nsgId: string): { subnets: string[]; nics: string[] } {
  const subnets = view
    .ofType(SUBNET_TYPE)
    .filter((s) => sameKey(s.body.properties?.networkSecurityGroup?.id, nsgId))
    .map(idOf);
  const nics = view
    .ofType(NIC_TYPE)
    .filter((n) => sameKey(n.body.properties?.networkSecurityGroup?.id, nsgId))
    .map(idOf);
  return { subnets, nics };
}

export const networkSecurityGroups: ResourceType = trackedNetworkType({
  type: NSG_TYPE,
  model: { section: "nsgs" },
  topology: { section: "networkSecurityGroups" },
  apiVersions: NETWORK_API_VERSIONS,
  write(ctx, req, p) {
    const nsgId = req.existing?.body.id ?? req.id.id;
    const inputs = asArray(p.securityRules, "properties.securityRules");
    const written: (RuleSibling & { id: string; properties: Record<string, any> })[] = [];
    for (let i = 0; i < inputs.length; i++) {
      const path = `properties.securityRules[${i}]`;
      const o = asObject(inputs[i], path);
      const name = reqString(o.name, `${path}.name`, 80);
      if (!NETWORK_NAME.pattern.test(name)) {
        throw new ArmError(
          400,
          "InvalidResourceName",
          `Resource name '${name}' at '${path}.name' is invalid for type ${RULE_TYPE}: ${NETWORK_NAME.describe} (1-80 characters).`,
          { target: `${path}.name` },
        );
      }
      if (written.some((w) => w.name.toLowerCase() === name.toLowerCase())) {
        throw new ArmError(
          400,
          "DuplicateResourceName",
          `Network security group '${req.id.names[0]}' lists two security rules named '${name}'. Rule names must be unique within a network security group.`,
          { target: `${path}.name` },
        );
      }
      const existing = ctx.tx.get(`${nsgId}/securityRules/${name}`);
      const ruleName = String(existing?.body.name ?? name);
      const properties = securityRuleProperties(
        asObject(o.properties, `${path}.properties`),
        `${path}.properties`,
        ruleName,
        written,
      );
      written.push({
        id: existing?.body.id ?? `${nsgId}/securityRules/${name}`,
        name: ruleName,
        priority: properties.priority,
        direction: properties.direction,
        properties,
      });
    }
    for (const child of ctx.tx.children(nsgId, RULE_TYPE)) {
      if (!written.some((w) => sameKey(w.id, child.id))) ctx.tx.delete(child.id);
    }
    for (const w of written) {
      ctx.tx.put(
        w.id,
        RULE_TYPE,
        childBody(ctx, { id: w.id, type: RULE_TYPE, properties: w.properties, existing: ctx.tx.get(w.id) }),
      );
    }
    return {
      flushConnection: optBool(p.flushConnection, "properties.flushConnection") ?? false,
      resourceGuid: req.existing?.body.properties?.resourceGuid ?? newGuid(),
      ...internalOf(req.existing),
    };
  },
  beforeDelete(ctx, existing, opts) {
    if (opts.cascade) return;
    const u = users(ctx.tx, existing.id);
    const all = [...u.subnets, ...u.nics];
    if (all.length) {
      throw new ArmError(
        400,
        "InUseNetworkSecurityGroupCannotBeDeleted",
        `Network security group ${idOf(existing)} cannot be deleted because it is in use by the following resources: ${all.join(", ")}. In order to delete the network security group, remove its association with these resources first.`,
      );
    }
  },
  projectReadsWorldOnly: true,
  project(body, view, _now, entry) {
    const u = users(view, entry.id);
    const props: Record<string, any> = {
      ...body.properties,
      securityRules: inlineRules(view, entry.id),
      defaultSecurityRules: defaultSecurityRules(body),
    };
    if (u.subnets.length) props.subnets = u.subnets.map((id) => ({ id }));
    if (u.nics.length) props.networkInterfaces = u.nics.map((id) => ({ id }));
    return { ...body, properties: props };
  },
  virtualChildren: { defaultsecurityrules: defaultRulesChildren },
});
