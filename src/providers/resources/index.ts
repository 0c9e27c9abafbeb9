import { ProviderNamespace } from "../registry.js";
import { resourceGroups } from "./resourceGroups.js";

export const resourcesNamespace: ProviderNamespace = {
  namespace: "Microsoft.Resources",
  types: [resourceGroups],
};
