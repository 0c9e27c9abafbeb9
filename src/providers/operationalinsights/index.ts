// Microsoft.OperationalInsights: Log Analytics workspaces, which an Azure Monitor Private Link
// Scope scopes and whose ingestion names its private endpoints serve.
import { ProviderNamespace } from "../registry.js";
import { workspaces } from "./workspaces.js";

export const operationalInsightsNamespace: ProviderNamespace = {
  namespace: "Microsoft.OperationalInsights",
  types: [workspaces],
};
