// Deployment functions: parameters, variables, copyIndex, deployment, environment, utcNow.
import { TemplateError } from "../context.js";
import { arity, int, str, TemplateFunction } from "./args.js";

/** environment(): Azure's public cloud, as templates read it (suffixes of service host names). */
const ENVIRONMENT = {
  name: "AzureCloud",
  gallery: "https://gallery.azure.com/",
  graph: "https://graph.windows.net/",
  portal: "https://portal.azure.com",
  graphAudience: "https://graph.windows.net/",
  activeDirectoryDataLake: "https://datalake.azure.net/",
  batch: "https://batch.core.windows.net/",
  media: "https://rest.media.azure.net",
  sqlManagement: "https://management.core.windows.net:8443/",
  vmImageAliasDoc:
    "https://raw.githubusercontent.com/Azure/azure-rest-api-specs/master/arm-compute/quickstart-templates/aliases.json",
  resourceManager: "https://management.azure.com/",
  authentication: {
    loginEndpoint: "https://login.microsoftonline.com/",
    audiences: ["https://management.core.windows.net/", "https://management.azure.com/"],
    tenant: "common",
    identityProvider: "AAD",
  },
  suffixes: {
    acrLoginServer: ".azurecr.io",
    azureDatalakeAnalyticsCatalogAndJob: "azuredatalakeanalytics.net",
    azureDatalakeStoreFileSystem: "azuredatalakestore.net",
    azureFrontDoorEndpointSuffix: "azurefd.net",
    keyvaultDns: ".vault.azure.net",
    sqlServerHostname: ".database.windows.net",
    storage: "core.windows.net",
  },
};

export const deploymentFunctions: Record<string, TemplateFunction> = {
  parameters: (c, a, n) => (arity(n, a, 1), c.parameter(str(n, a[0]))),
  variables: (c, a, n) => (arity(n, a, 1), c.variable(str(n, a[0]))),
  copyindex: (c, a, n) => {
    arity(n, a, 0, 2);
    let loop: string | undefined;
    let offset = 0;
    if (typeof a[0] === "string") {
      loop = a[0];
      if (a.length > 1) offset = int(n, a[1]);
    } else if (a.length === 1) offset = int(n, a[0]);
    else if (a.length > 1)
      throw new TemplateError(`The template function 'copyIndex' takes a loop name and an offset.`);
    return c.copyIndex(loop) + offset;
  },
  deployment: (c, a, n) => {
    arity(n, a, 0);
    return {
      name: c.deploymentName,
      properties: {
        template: { contentVersion: c.contentVersion },
        templateLink: undefined,
        mode: "Incremental",
      },
      location: c.scope.resourceGroup ? undefined : c.scope.location,
    };
  },
  environment: (_c, a, n) => (arity(n, a, 0), ENVIRONMENT),
  utcnow: (_c, a, n) => {
    arity(n, a, 0, 1);
    const iso = new Date().toISOString();
    if (!a.length) return iso.replace(/[-:]/g, "").replace(/\.\d+Z$/, "Z");
    const f = str(n, a[0]);
    if (f === "u") return iso.replace("T", " ").replace(/\.\d+Z$/, "Z");
    if (f === "d") return iso.slice(0, 10);
    return iso;
  },
};
