// Every resource provider ArcLink serves, in one registry.
import { authorizationNamespace } from "./authorization/index.js";
import { hybridComputeNamespace } from "./hybridcompute/index.js";
import { insightsNamespace } from "./insights/index.js";
import { labNamespace } from "./lab/index.js";
import { managedIdentityNamespace } from "./managedidentity/index.js";
import { networkNamespace } from "./network/index.js";
import { operationalInsightsNamespace } from "./operationalinsights/index.js";
import { privateDnsNamespace } from "./privatedns/index.js";
import { Registry } from "./registry.js";
import { resourcesNamespace } from "./resources/index.js";

export function createRegistry(): Registry {
  const r = new Registry();
  r.add(resourcesNamespace);
  r.add(hybridComputeNamespace);
  r.add(labNamespace);
  r.add(privateDnsNamespace);
  r.add(networkNamespace);
  r.add(insightsNamespace);
  r.add(operationalInsightsNamespace);
  r.add(managedIdentityNamespace);
  r.add(authorizationNamespace);
  return r;
}
