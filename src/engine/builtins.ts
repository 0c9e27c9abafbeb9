// ARM's own routes: subscriptions, tenants, locations, resource providers, resource groups
// and the generic resource list.
import { ArmError, errors } from "../core/armError.js";
import { REGIONS } from "../core/regions.js";
import { keyOf, parseResourceId } from "../core/resourceId.js";
import { ResourceType } from "../providers/contract.js";
import { checkArmOwned, RESOURCES_API_VERSIONS } from "./apiVersion.js";
import { ArmRequest, ArmResponse, ArmServices } from "./context.js";
import {
  checkSubscription,
  deleteResource,
  getResource,
  patchResource,
  project,
  putResource,
} from "./resourceOps.js";
import { page } from "./paging.js";
import { pageStored } from "./storedJson.js";
import { PRINCIPAL_TYPE, SUBSCRIPTION_TYPE, TENANT_TYPE } from "../identity/directory.js";

function visibleSubscriptions(s: ArmServices, r: ArmRequest): string[] {
  const sp = s.world.get(`/providers/ArcLink.Identity/servicePrincipals/${r.principal.appId}`)?.body;
  return (sp?.subscriptions as string[] | undefined) ?? [];
}

export function listSubscriptions(s: ArmServices, r: ArmRequest): ArmResponse {
  checkArmOwned(r.apiVersion, RESOURCES_API_VERSIONS);
  const mine = new Set(visibleSubscriptions(s, r).map((x) => x.toLowerCase()));
  const subs = s.world
    .ofType(SUBSCRIPTION_TYPE)
    .filter((e) => mine.has(String(e.body.subscriptionId).toLowerCase()));
  return page(
    r,
    subs.map((e) => e.body),
  );
}

export function getSubscription(s: ArmServices, r: ArmRequest, sub: string): ArmResponse {
  checkArmOwned(r.apiVersion, RESOURCES_API_VERSIONS);
  checkSubscription(s, r, sub);
  return { status: 200, body: s.world.get(`/subscriptions/${sub}`)!.body };
}

export function listTenants(s: ArmServices, r: ArmRequest): ArmResponse {
  checkArmOwned(r.apiVersion, RESOURCES_API_VERSIONS);
  return page(
    r,
    s.world
      .ofType(TENANT_TYPE)
      .filter((t) => t.body.tenantId === r.principal.tenantId)
      .map((t) => t.body),
  );
}

export function listLocations(s: ArmServices, r: ArmRequest, sub: string): ArmResponse {
  checkArmOwned(r.apiVersion, RESOURCES_API_VERSIONS);
  checkSubscription(s, r, sub);
  return {
    status: 200,
    body: {
      value: REGIONS.map((x) => ({
        id: `/subscriptions/${sub}/locations/${x.name}`,
        name: x.name,
        type: "Region",
        displayName: x.displayName,
        regionalDisplayName: `(${x.geography}) ${x.displayName}`,
        metadata: { regionType: "Physical", regionCategory: "Recommended", geography: x.geography },
      })),
    },
  };
}

function providerBody(s: ArmServices, sub: string, ns: string): Record<string, any> | undefined {
  const p = s.registry.namespace(ns);
  if (!p) return undefined;
  const locs = (p.locations ?? REGIONS.map((x) => x.name)).map(
    (n) => REGIONS.find((x) => x.name === n)?.displayName ?? n,
  );
  const typeEntry = (t: ResourceType) => ({
    resourceType: t.type.split("/").slice(1).join("/"),
    locations: t.globalLocation ? ["global"] : locs,
    apiVersions: [...t.apiVersions].sort().reverse(),
    defaultApiVersion: [...t.apiVersions]
      .filter((v) => !v.includes("preview"))
      .sort()
      .reverse()[0],
    capabilities: "None",
  });
  return {
    id: `/subscriptions/${sub}/providers/${p.namespace}`,
    namespace: p.namespace,
    registrationState: "Registered",
    registrationPolicy: "RegistrationRequired",
    resourceTypes: p.types.filter((t) => !t.type.startsWith("Microsoft.Resources/")).map(typeEntry),
  };
}

export function listProviders(s: ArmServices, r: ArmRequest, sub: string): ArmResponse {
  checkArmOwned(r.apiVersion, RESOURCES_API_VERSIONS);
  checkSubscription(s, r, sub);
  return page(
    r,
    s.registry
      .allNamespaces()
      .filter((n) => !n.namespace.startsWith("ArcLink.Identity"))
      .map((n) => providerBody(s, sub, n.namespace)!),
  );
}

export function getProvider(s: ArmServices, r: ArmRequest, sub: string, ns: string): ArmResponse {
  checkArmOwned(r.apiVersion, RESOURCES_API_VERSIONS);
  checkSubscription(s, r, sub);
  const body = providerBody(s, sub, ns);
  if (!body) {
    throw new ArmError(
      404,
      "ProviderNotFound",
      `The resource provider '${ns}' is not known here. Known: ${s.registry
        .allNamespaces()
        .map((n) => n.namespace)
        .join(", ")}.`,
    );
  }
  return { status: 200, body };
}

export function resourceGroupRoute(
  s: ArmServices,
  r: ArmRequest,
  sub: string,
  rg: string,
): Promise<ArmResponse> | ArmResponse {
  checkArmOwned(r.apiVersion, RESOURCES_API_VERSIONS);
  const id = parseResourceId(`/subscriptions/${sub}/resourceGroups/${rg}`)!;
  switch (r.method) {
    case "GET":
      checkSubscription(s, r, sub);
      if (!s.world.get(id.id)) throw errors.resourceGroupNotFound(rg);
      return getResource(s, r, id);
    case "HEAD":
      checkSubscription(s, r, sub);
      return { status: s.world.get(id.id) ? 204 : 404 };
    case "PUT":
      return putResource(s, r, id);
    case "PATCH":
      return patchResource(s, r, id);
    case "DELETE":
      return deleteResource(s, r, id).then((res) => {
        if (res.status === 204) throw errors.resourceGroupNotFound(rg);
        return res;
      });
    default:
      throw new ArmError(405, "MethodNotAllowed", `${r.method} is not supported on resource groups.`);
  }
}

export function listResourceGroups(s: ArmServices, r: ArmRequest, sub: string): ArmResponse {
  checkArmOwned(r.apiVersion, RESOURCES_API_VERSIONS);
  checkSubscription(s, r, sub);
  // Resource groups are returned as stored: each revision's JSON text is made once.
  return pageStored(r, s.world.children(`/subscriptions/${sub}`, "Microsoft.Resources/resourceGroups"));
}

/** GET /subscriptions/{s}[/resourceGroups/{rg}]/resources: every tracked resource, generic shape. */
export function genericList(s: ArmServices, r: ArmRequest, sub: string, rg?: string): ArmResponse {
  checkArmOwned(r.apiVersion, RESOURCES_API_VERSIONS);
  checkSubscription(s, r, sub);
  if (rg && !s.world.get(`/subscriptions/${sub}/resourceGroups/${rg}`))
    throw errors.resourceGroupNotFound(rg);
  const expand = (r.query.get("$expand") ?? "").toLowerCase();
  const filter = parseFilter(r.query.get("$filter"));
  // az resource list -g sends the resource group as a $filter on the subscription-wide list.
  const group = rg ?? filter.resourceGroup;
  const scope =
    keyOf(group ? `/subscriptions/${sub}/resourceGroups/${group}` : `/subscriptions/${sub}`) + "/";
  const out: Record<string, any>[] = [];
  for (const def of s.registry.allTypes()) {
    if (
      def.kind !== "tracked" ||
      def.type.startsWith("Microsoft.Resources/") ||
      def.type.startsWith("ArcLink.Identity")
    )
      continue;
    if (filter.resourceType && filter.resourceType !== def.type.toLowerCase()) continue;
    for (const e of s.world.ofType(def.type)) {
      if (!e.key.startsWith(scope) || !e.key.includes("/providers/")) continue;
      const b = expand.includes("properties") ? project(s, e) : e.body;
      const item: Record<string, any> = {
        id: b.id,
        name: b.name,
        type: b.type,
        location: b.location,
        tags: b.tags ?? {},
      };
      for (const k of ["kind", "identity", "sku", "managedBy", "etag"])
        if (b[k] !== undefined) item[k] = b[k];
      if (expand.includes("properties")) item.properties = b.properties;
      if (expand.includes("createdtime")) item.createdTime = b.systemData?.createdAt;
      if (expand.includes("changedtime")) item.changedTime = b.systemData?.lastModifiedAt;
      if (expand.includes("provisioningstate")) item.provisioningState = b.properties?.provisioningState;
      if (filter.name && String(b.name).toLowerCase() !== filter.name) continue;
      out.push(item);
    }
  }
  return page(r, out);
}

function parseFilter(f: string | null): { resourceType?: string; name?: string; resourceGroup?: string } {
  if (!f) return {};
  const out: { resourceType?: string; name?: string; resourceGroup?: string } = {};
  const g = /resourceGroup\s+eq\s+'([^']+)'/i.exec(f);
  if (g) out.resourceGroup = g[1];
  const rt = /resourceType\s+eq\s+'([^']+)'/i.exec(f);
  if (rt) out.resourceType = rt[1].toLowerCase();
  const n = /\bname\s+eq\s+'([^']+)'/i.exec(f);
  if (n) out.name = n[1].toLowerCase();
  return out;
}

export { PRINCIPAL_TYPE };
