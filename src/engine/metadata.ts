// The cloud metadata document `az cloud register` reads: the 2015-01-01 object form and the
// newer array-of-clouds form.
export function cloudMetadata(origin: string, apiVersion: string | undefined): unknown {
  const login = `${origin}/adfs`;
  const audience = "https://management.core.windows.net/";
  if (!apiVersion || apiVersion === "2015-01-01") {
    return {
      galleryEndpoint: `${origin}/`,
      graphEndpoint: "https://graph.windows.net/",
      portalEndpoint: `${origin}/portal/`,
      authentication: { loginEndpoint: login, audiences: [audience, "https://management.azure.com/"] },
    };
  }
  return [
    {
      name: "ArcLinkLocal",
      resourceManager: `${origin}/`,
      portal: `${origin}/portal/`,
      graph: "https://graph.windows.net/",
      graphAudience: "https://graph.windows.net/",
      microsoftGraphResourceId: "https://graph.microsoft.com/",
      gallery: `${origin}/`,
      batch: "https://batch.core.windows.net/",
      media: "https://rest.media.azure.net",
      sqlManagement: "https://management.core.windows.net:8443/",
      activeDirectoryDataLake: "https://datalake.azure.net/",
      vmImageAliasDoc: `${origin}/vmImageAliasDoc`,
      authentication: {
        loginEndpoint: login,
        audiences: [audience, "https://management.azure.com/"],
        tenant: "common",
        identityProvider: "ADFS",
      },
      suffixes: {
        storage: "core.windows.net",
        keyVaultDns: "vault.azure.net",
        sqlServerHostname: "database.windows.net",
        acrLoginServer: "azurecr.io",
        azureDatalakeStoreFileSystem: "azuredatalakestore.net",
        azureDatalakeAnalyticsCatalogAndJob: "azuredatalakeanalytics.net",
      },
    },
  ];
}
