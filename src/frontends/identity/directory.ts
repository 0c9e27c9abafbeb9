// The directory: tenants, subscriptions and service principals as resources in the World.
// First start creates a default tenant, subscription and service principal.
import { randomBytes } from "node:crypto";
import { exportJWK, generateKeyPair } from "jose";
import { newGuid } from "../../core/guid.js";
import { WorldView } from "../../world/world.js";
import { Writer } from "../../world/writer.js";

export const TENANT_TYPE = "ArcLink.Identity/tenants";
export const PRINCIPAL_TYPE = "ArcLink.Identity/servicePrincipals";
export const SIGNING_KEY_ID = "/providers/ArcLink.Identity/signingKeys/default";
export const SIGNING_KEY_TYPE = "ArcLink.Identity/signingKeys";
export const SUBSCRIPTION_TYPE = "Microsoft.Resources/subscriptions";

export interface ServicePrincipal {
  appId: string;
  oid: string;
  tenantId: string;
  secret: string;
  displayName: string;
  /** Subscriptions this principal may act on (Contributor in Azure's terms). */
  subscriptions: string[];
}

export const tenantId = (tid: string) => `/providers/ArcLink.Identity/tenants/${tid}`;
export const principalId = (appId: string) => `/providers/ArcLink.Identity/servicePrincipals/${appId}`;

export interface Defaults {
  tenantId: string;
  subscriptionId: string;
  clientId: string;
  clientSecret: string;
}

/** Ensures the default tenant, subscription, principal and token signing key exist. */
export async function ensureDirectory(writer: Writer, world: WorldView): Promise<Defaults> {
  if (!world.get(SIGNING_KEY_ID)) {
    const { privateKey } = await generateKeyPair("RS256", { extractable: true });
    const jwk = await exportJWK(privateKey);
    jwk.kid = newGuid();
    await writer.run((tx) => {
      if (!tx.get(SIGNING_KEY_ID)) tx.put(SIGNING_KEY_ID, SIGNING_KEY_TYPE, { jwk });
    });
  }
  const existing = world.ofType(PRINCIPAL_TYPE).find((p) => p.body.isDefault);
  if (existing) {
    const sp = existing.body as ServicePrincipal;
    return {
      tenantId: sp.tenantId,
      subscriptionId: sp.subscriptions[0],
      clientId: sp.appId,
      clientSecret: sp.secret,
    };
  }
  const tid = newGuid();
  const sub = newGuid();
  const sp: ServicePrincipal & { isDefault: boolean } = {
    appId: newGuid(),
    oid: newGuid(),
    tenantId: tid,
    secret: randomBytes(24).toString("base64url"),
    displayName: "arclink-default",
    subscriptions: [sub],
    isDefault: true,
  };
  await writer.run((tx) => {
    tx.put(tenantId(tid), TENANT_TYPE, {
      id: `/tenants/${tid}`,
      tenantId: tid,
      tenantCategory: "Home",
      displayName: "ArcLink",
      defaultDomain: "arclink.local",
      domains: ["arclink.local"],
      countryCode: "US",
      tenantType: "AAD",
    });
    tx.put(`/subscriptions/${sub}`, SUBSCRIPTION_TYPE, subscriptionBody(sub, tid, "ArcLink Subscription"));
    tx.put(principalId(sp.appId), PRINCIPAL_TYPE, sp);
  });
  return { tenantId: tid, subscriptionId: sub, clientId: sp.appId, clientSecret: sp.secret };
}

export function subscriptionBody(sub: string, tid: string, displayName: string): Record<string, any> {
  return {
    id: `/subscriptions/${sub}`,
    subscriptionId: sub,
    tenantId: tid,
    displayName,
    state: "Enabled",
    subscriptionPolicies: {
      locationPlacementId: "Public_2014-09-01",
      quotaId: "PayAsYouGo_2014-09-01",
      spendingLimit: "Off",
    },
    authorizationSource: "RoleBased",
    managedByTenants: [],
    tags: {},
  };
}

export function findPrincipal(world: WorldView, appId: string): ServicePrincipal | undefined {
  return world.get(principalId(appId))?.body as ServicePrincipal | undefined;
}

export function tenantExists(world: WorldView, tid: string): boolean {
  return !!world.get(tenantId(tid));
}
