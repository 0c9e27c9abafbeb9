// The Azure Policy built-in definitions that govern what a lint rule checks, so a finding maps onto
// what compliance teams already track. Display names and definition ids as Azure publishes them
// (built-in policies, category "Azure Arc"); `relation` says how the policy and the rule meet.
export interface PolicyDefinitionRef {
  displayName: string;
  /** /providers/Microsoft.Authorization/policyDefinitions/<guid> */
  definitionId: string;
  /** The effects the definition allows. */
  effects: string[];
  relation: string;
}

const def = (guid: string) => `/providers/Microsoft.Authorization/policyDefinitions/${guid}`;

const SCOPE_HAS_ENDPOINT: PolicyDefinitionRef = {
  displayName: "Azure Arc Private Link Scopes should be configured with a private endpoint",
  definitionId: def("7eab1da3-2bf0-4ff0-8303-1a4277c380e8"),
  effects: ["Audit", "Disabled"],
  relation:
    "the policy counts a scope's private endpoint connections in state Approved; this rule finds the ones that are not",
};

const MACHINE_USES_SCOPE: PolicyDefinitionRef = {
  displayName: "Azure Arc-enabled servers should be configured with an Azure Arc Private Link Scope",
  definitionId: def("efa3f296-ff2b-4f38-bc0d-5ef12c965b68"),
  effects: ["Audit", "Deny", "Disabled"],
  relation:
    "the policy flags (or denies) machines without privateLinkScopeResourceId; this rule finds such machines that already reach a scope's private endpoint",
};

const SCOPE_PUBLIC_ACCESS_DENY: PolicyDefinitionRef = {
  displayName: "Azure Arc Private Link Scopes should disable public network access",
  definitionId: def("898f2439-3333-4713-af25-f1d78bc50556"),
  effects: ["Audit", "Deny", "Disabled"],
  relation:
    "the policy requires publicNetworkAccess Disabled; this rule finds the machines that setting cuts off because their DNS still answers publicly",
};

const SCOPE_PUBLIC_ACCESS_MODIFY: PolicyDefinitionRef = {
  displayName: "Configure Azure Arc Private Link Scopes to disable public network access",
  definitionId: def("de0bc8ea-76e2-4fe2-a288-a07556d0e9c4"),
  effects: ["Modify", "Disabled"],
  relation:
    "the policy sets publicNetworkAccess to Disabled; this rule finds the machines that change would cut off",
};

const SCOPE_DNS_ZONES: PolicyDefinitionRef = {
  displayName: "Configure Azure Arc Private Link Scopes to use private DNS zones",
  definitionId: def("55c4db33-97b0-437b-8469-c4f4498f5df9"),
  effects: ["DeployIfNotExists", "Disabled"],
  relation:
    "the policy deploys the endpoint's private DNS zone group, which keeps the privatelink zones' records; this rule finds zones without them",
};

/** Rule id → the built-in policy definitions that govern it. */
export const RULE_POLICIES: Readonly<Record<string, readonly PolicyDefinitionRef[]>> = {
  "endpoint-connection-not-approved": [SCOPE_HAS_ENDPOINT],
  "machine-not-associated": [MACHINE_USES_SCOPE],
  "public-access-disabled": [SCOPE_PUBLIC_ACCESS_DENY, SCOPE_PUBLIC_ACCESS_MODIFY],
  "zone-missing-records": [SCOPE_DNS_ZONES],
};

export function policiesOf(ruleId: string): readonly PolicyDefinitionRef[] {
  return RULE_POLICIES[ruleId] ?? [];
}

/** "Azure Policy: <name> (<id>); …" for a rule's help, or "" when no built-in governs it. */
export function policyHelp(ruleId: string): string {
  const ps = policiesOf(ruleId);
  if (!ps.length) return "";
  return `Azure Policy: ${ps.map((p) => `"${p.displayName}" (${p.definitionId}, ${p.effects.join("/")}): ${p.relation}`).join("; ")}.`;
}
