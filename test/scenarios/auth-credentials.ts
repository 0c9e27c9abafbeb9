// @azure/identity's ClientSecretCredential against ArcLink: the tenant authority (JS style) and
// the /adfs authority (what az 2.45 uses offline); then an ARM call with the tenant credential.
import assert from "node:assert/strict";
import { ClientSecretCredential } from "@azure/identity";
import { clients, ready, scenario } from "./clients.js";

scenario(async () => {
  const i = ready();
  const scope = "https://management.azure.com/.default";
  const tenant = await new ClientSecretCredential(i.tenantId, i.clientId, i.clientSecret, {
    authorityHost: i.authorityHost,
    disableInstanceDiscovery: true,
  }).getToken(scope);
  assert.ok(tenant?.token, "a token from the tenant authority");
  assert.ok(tenant.expiresOnTimestamp > Date.now() + 30 * 60_000, "it is valid for most of an hour");
  const adfs = await new ClientSecretCredential("adfs", i.clientId, i.clientSecret, {
    authorityHost: i.authorityHost,
    disableInstanceDiscovery: true,
  }).getToken(scope);
  assert.ok(adfs?.token, "a token from the adfs authority");
  const { resources } = clients(i);
  const names: string[] = [];
  for await (const rg of resources.resourceGroups.list()) names.push(rg.name!);
  return { tenant: true, adfs: true, listed: Array.isArray(names) };
});
