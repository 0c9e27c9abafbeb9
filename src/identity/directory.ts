// The directory: tenants, subscriptions and service principals as resources in the World.
// First start creates a default tenant, subscription and service principal.
import { randomBytes } from "node:crypto";
import { exportJWK, generateKeyPair, JWK } from "jose";
import { newGuid } from "../core/guid.js";
import { WorldView } from "../world/world.js";
import { Writer } from "../world/writer.js";

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

/**
 * Ensures the default tenant, subscription, principal and token signing key exist. Replicas that
 * start together on an empty shared store race here: each write also writes the signing key, so
 * the store lets one of them commit and the others conflict, catch up, and adopt its directory.
 */
export async function ensureDirectory(writer: Writer, world: WorldView): Promise<Defaults> {
  const found = defaultsIn(world);
  if (found && world.get(SIGNING_KEY_ID)) return found;
  let jwk: JWK | undefined;
  if (!world.get(SIGNING_KEY_ID)) {
    const { privateKey } = await generateKeyPair("RS256", { extractable: true });
    jwk = await exportJWK(privateKey);
    jwk.kid = newGuid();
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
  return writer.run((tx) => {
    const existing = defaultsIn(tx);
    const key = tx.get(SIGNING_KEY_ID);
    if (existing && key) return existing;
    if (!key && !jwk) throw new Error("The token signing key disappeared while the directory was created");
    // Written even when unchanged: the key every concurrent first start conflicts on.
    tx.put(SIGNING_KEY_ID, SIGNING_KEY_TYPE, key ? key.body : { jwk });
    if (existing) return existing;
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
    return { tenantId: tid, subscriptionId: sub, clientId: sp.appId, clientSecret: sp.secret };
  });
}

function defaultsIn(view: WorldView): Defaults | undefined {
  const p = view.ofType(PRINCIPAL_TYPE).find((e) => e.body.isDefault);
  if (!p) return undefined;
  const sp = p.body as ServicePrincipal;
  return {
    tenantId: sp.tenantId,
    subscriptionId: sp.subscriptions[0],
    clientId: sp.appId,
    clientSecret: sp.secret,
  };
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
