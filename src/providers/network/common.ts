// Shared pieces of the Microsoft.Network providers: type names, the name rule, envelopes for
// the entries a write creates besides its own resource, and small reference helpers.
import { newGuid } from "../../core/guid.js";
import { normalizeRegion } from "../../core/regions.js";
import { keyOf, parentId, parseResourceId } from "../../core/resourceId.js";
import { Entry, WorldView } from "../../world/world.js";
import { NameRule, ProviderContext, ResourceType, WriteRequest } from "../contract.js";
import { asObject } from "../validate.js";

export const VNET_TYPE = "Microsoft.Network/virtualNetworks";
export const SUBNET_TYPE = "Microsoft.Network/virtualNetworks/subnets";
export const PEERING_TYPE = "Microsoft.Network/virtualNetworks/virtualNetworkPeerings";
export const NSG_TYPE = "Microsoft.Network/networkSecurityGroups";
export const RULE_TYPE = "Microsoft.Network/networkSecurityGroups/securityRules";
export const DEFAULT_RULE_TYPE = "Microsoft.Network/networkSecurityGroups/defaultSecurityRules";
export const NIC_TYPE = "Microsoft.Network/networkInterfaces";
export const NIC_IPCONFIG_TYPE = "Microsoft.Network/networkInterfaces/ipConfigurations";
export const PE_TYPE = "Microsoft.Network/privateEndpoints";
export const ZONE_GROUP_TYPE = "Microsoft.Network/privateEndpoints/privateDnsZoneGroups";
export const RESOLVER_TYPE = "Microsoft.Network/dnsResolvers";
export const INBOUND_TYPE = "Microsoft.Network/dnsResolvers/inboundEndpoints";
export const PRIVATE_DNS_ZONE_TYPE = "Microsoft.Network/privateDnsZones";
/** Lab resources that may hold an address in a subnet (properties.subnetId), and its field. */
export const LAB_ADDRESS_HOLDERS: readonly { type: string; field: string; what: string }[] = [
  { type: "ArcLink.Lab/hosts", field: "privateIPAddress", what: "host" },
  { type: "ArcLink.Lab/dnsServers", field: "ipAddress", what: "DNS server" },
];

/** Azure's rule for most Network resource names. */
export const NETWORK_NAME: NameRule = {
  min: 1,
  max: 80,
  pattern: /^[a-zA-Z0-9](?:[a-zA-Z0-9_.-]*[a-zA-Z0-9_])?$/,
  describe:
    "letters, digits, underscores, periods and hyphens; it must start with a letter or digit and end with a letter, digit or underscore",
};

/** How Microsoft.Network answers writes: PUT with Azure-AsyncOperation, DELETE with 202 and Location. */
const NETWORK_LRO: ResourceType["lro"] = { put: "asyncOperation", delete: "location" };

/** What a Network type declares itself; the Network conventions fill in the rest. */
type NetworkTypeSpec = Omit<ResourceType, "kind" | "name" | "lro" | "etag" | "listBy" | "patch" | "write"> &
  Partial<Pick<ResourceType, "name" | "etag">>;

/**
 * A top-level (tracked) Network type: Azure's name rule and W/"…" ETags unless the spec says
 * otherwise, listed by subscription and by resource group, and PATCH updates tags only. `write`
 * gets the request's `properties` object; a tags PATCH keeps the stored properties without it.
 */
export function trackedNetworkType(
  spec: NetworkTypeSpec & {
    write(ctx: ProviderContext, req: WriteRequest, properties: Record<string, any>): Record<string, any>;
  },
): ResourceType {
  return {
    kind: "tracked",
    name: NETWORK_NAME,
    lro: NETWORK_LRO,
    etag: "weak",
    listBy: { subscription: true, resourceGroup: true },
    patch: "tags",
    ...spec,
    write(ctx, req) {
      if (isTagsPatch(req)) return unchanged(req.existing!);
      return spec.write(ctx, req, asObject(req.body.properties, "properties"));
    },
  };
}

/** A Network child type (subnets, security rules, …): Azure's name rule, W/"…" ETags, no PATCH. */
export function childNetworkType(spec: Omit<ResourceType, "kind" | "name" | "lro" | "etag">): ResourceType {
  return { kind: "proxy", name: NETWORK_NAME, lro: NETWORK_LRO, etag: "weak", ...spec };
}

/** A PATCH of tags hands the provider the stored properties object itself. */
export function isTagsPatch(req: WriteRequest): boolean {
  return !!req.existing && req.body.properties === req.existing.body.properties;
}

/** The internal ("_") keys kept at the top level of a stored resource, to return from write again. */
export function internalOf(existing: Entry | undefined): Record<string, any> {
  const out: Record<string, any> = {};
  if (!existing) return out;
  for (const [k, v] of Object.entries(existing.body)) if (k.startsWith("_")) out[k] = v;
  return out;
}

/** The stored properties plus internal keys: what a tags-only PATCH writes back. */
export function unchanged(existing: Entry): Record<string, any> {
  return { ...existing.body.properties, ...internalOf(existing) };
}

export function weakEtag(): string {
  return `W/"${newGuid()}"`;
}

export function idOf(e: Entry): string {
  return typeof e.body.id === "string" ? e.body.id : e.id;
}

export function sameKey(a: unknown, b: unknown): boolean {
  return typeof a === "string" && typeof b === "string" && keyOf(a) === keyOf(b);
}

export function parentOf(id: string): string {
  return parentId(parseResourceId(id)!)!;
}

/** The stored parent of the child being written (the front end has checked that it exists). */
export function parentEntry(ctx: ProviderContext, req: WriteRequest): Entry {
  return ctx.tx.get(parentOf(req.id.id))!;
}

export function lastName(id: string): string {
  const segs = id.split("/");
  return segs[segs.length - 1];
}

/** The region a tracked resource lands in (the front end already checked it). */
export function regionOf(req: WriteRequest): string {
  return normalizeRegion(req.body.location) ?? String(req.existing?.body.location ?? "");
}

function systemData(ctx: ProviderContext, prev?: Record<string, any>): Record<string, any> {
  const at = ctx.now.toISOString();
  const who = ctx.principal.appId ?? ctx.principal.oid;
  return {
    createdBy: prev?.createdBy ?? who,
    createdByType: prev?.createdByType ?? "Application",
    createdAt: prev?.createdAt ?? at,
    lastModifiedBy: who,
    lastModifiedByType: "Application",
    lastModifiedAt: at,
  };
}

/** The stored body of a child entry a parent's PUT writes (inline subnets, security rules). */
export function childBody(
  ctx: ProviderContext,
  args: { id: string; type: string; properties: Record<string, any>; existing?: Entry },
): Record<string, any> {
  return {
    id: args.existing?.body.id ?? args.id,
    name: args.existing?.body.name ?? lastName(args.id),
    type: args.type,
    etag: weakEtag(),
    properties: { ...args.properties, provisioningState: "Succeeded" },
    systemData: systemData(ctx, args.existing?.body.systemData),
  };
}

/** The stored body of a tracked resource another write creates (a private endpoint's NIC). */
export function trackedBody(
  ctx: ProviderContext,
  args: { id: string; type: string; location: string; properties: Record<string, any>; existing?: Entry },
): Record<string, any> {
  return {
    id: args.existing?.body.id ?? args.id,
    name: args.existing?.body.name ?? lastName(args.id),
    type: args.type,
    location: args.location,
    tags: args.existing?.body.tags ?? {},
    etag: weakEtag(),
    properties: { ...args.properties, provisioningState: "Succeeded" },
    systemData: systemData(ctx, args.existing?.body.systemData),
  };
}

/** Children of a parent in a stable order: creation time, then name. */
export function orderedChildren(view: WorldView, parent: string, type: string): Entry[] {
  return view.children(parent, type).sort((a, b) => {
    const ta = String(a.body.systemData?.createdAt ?? "");
    const tb = String(b.body.systemData?.createdAt ?? "");
    return ta < tb ? -1 : ta > tb ? 1 : String(a.body.name).localeCompare(String(b.body.name));
  });
}

/** A child body as GET shows it: no internal keys. */
export function publicBody(body: Record<string, any>): Record<string, any> {
  const out: Record<string, any> = {};
  for (const [k, v] of Object.entries(body)) if (!k.startsWith("_")) out[k] = v;
  return out;
}
