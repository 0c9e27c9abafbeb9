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

/**
 * Positions and subnet keys by the id text they come from: the hosts of a site (100,000 in a fleet)
 * share one frozen position and one key string instead of a copy each. Bounded: forgetting only
 * costs sharing.
 */
const sitePositions = new Map<string, Position>();
const vnetPositions = new Map<string, { pos: Position; subnet: string }>();

export function positionOf(body: Record<string, any>): { pos?: Position; subnet?: string } {
  const p = body.properties ?? {};
  if (p.siteId) {
    const siteId = String(p.siteId);
    let pos = sitePositions.get(siteId);
    if (!pos) {
      if (sitePositions.size >= 10_000) sitePositions.clear();
      sitePositions.set(siteId, (pos = Object.freeze({ kind: "site", site: keyOf(siteId) } as const)));
    }
    return { pos };
  }
  if (typeof p.subnetId !== "string") return {};
  let at = vnetPositions.get(p.subnetId);
  if (!at) {
    const v = vnetOfSubnet(p.subnetId);
    if (!v) return {};
    if (vnetPositions.size >= 10_000) vnetPositions.clear();
    vnetPositions.set(
      p.subnetId,
      (at = { pos: Object.freeze({ kind: "vnet", vnet: v } as const), subnet: keyOf(p.subnetId) }),
    );
  }
  return { pos: at.pos, subnet: at.subnet };
}
