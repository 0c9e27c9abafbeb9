// The registry of lint rules, in the order they are documented.
import { Rule } from "./types.js";
import { twoScopesOneVnet } from "./rules/twoScopesOneVnet.js";
import { machineScopeRegion } from "./rules/machineScopeRegion.js";
import { endpointVnetRegion } from "./rules/endpointVnetRegion.js";
import { arcDnsPublic } from "./rules/arcDnsPublic.js";
import { forwarderNoPath } from "./rules/forwarderNoPath.js";
import { zoneNotLinked } from "./rules/zoneNotLinked.js";
import { zoneMissingRecords } from "./rules/zoneMissingRecords.js";
import { missingRegionalRecords } from "./rules/missingRegionalRecords.js";
import { staleAddress } from "./rules/staleAddress.js";
import { publicAccessDisabled } from "./rules/publicAccessDisabled.js";
import { entraArmBlocked } from "./rules/entraArmBlocked.js";
import { proxyWithoutBypass } from "./rules/proxyWithoutBypass.js";
import { agentTooOld } from "./rules/agentTooOld.js";
import { associationPropagating } from "./rules/associationPropagating.js";
import { machineNotAssociated } from "./rules/machineNotAssociated.js";
import { extensionServices } from "./rules/extensionServices.js";
import { remoteAccess } from "./rules/remoteAccess.js";
import { connectionPending } from "./rules/connectionPending.js";
import { danglingScope } from "./rules/danglingScope.js";
import { arcEndpointUnreachable } from "./rules/arcEndpointUnreachable.js";
import { inconsistentDnsView } from "./rules/inconsistentDnsView.js";
import { agentEvidence } from "./rules/agentEvidence.js";
import { unknownFacts } from "./rules/unknownFacts.js";

export const RULES: readonly Rule[] = [
  twoScopesOneVnet,
  machineScopeRegion,
  endpointVnetRegion,
  arcDnsPublic,
  forwarderNoPath,
  zoneNotLinked,
  zoneMissingRecords,
  missingRegionalRecords,
  staleAddress,
  publicAccessDisabled,
  entraArmBlocked,
  proxyWithoutBypass,
  agentTooOld,
  associationPropagating,
  machineNotAssociated,
  extensionServices,
  remoteAccess,
  connectionPending,
  danglingScope,
  arcEndpointUnreachable,
  inconsistentDnsView,
  agentEvidence,
  unknownFacts,
];

export function ruleById(id: string): Rule | undefined {
  return RULES.find((r) => r.id === id);
}
