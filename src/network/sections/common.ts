// What several sections share: address prefixes, and where a thing sits (a site, or a VNet's subnet).
import { Cidr, parseCidr } from "../../core/ip.js";
import { keyOf, parseResourceId } from "../../core/resourceId.js";
import type { Position } from "../model.js";

export function prefixesOf(list: unknown): Cidr[] {
  return (Array.isArray(list) ? list : []).map((p) => parseCidr(p)).filter((c): c is Cidr => !!c);
}

export function vnetOfSubnet(subnetId: string | undefined): string | undefined {
  if (!subnetId) return undefined;
  const p = parseResourceId(subnetId);
  if (!p || p.types.length < 2) return undefined;
  return keyOf(subnetId.split("/").slice(0, -2).join("/"));
}

export function positionOf(body: Record<string, any>): { pos?: Position; subnet?: string } {
  const p = body.properties ?? {};
  if (p.siteId) return { pos: { kind: "site", site: keyOf(p.siteId) } };
  const v = vnetOfSubnet(p.subnetId);
  if (v) return { pos: { kind: "vnet", vnet: v }, subnet: keyOf(p.subnetId) };
  return {};
}
