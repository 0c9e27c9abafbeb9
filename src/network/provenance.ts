// Where a resource's body came from. ArcLink's own resources are facts: the world is the truth.
// A resource read from an export of a real environment holds only what the file held: what it
// left out is unknown, and evaluators say so instead of assuming a default. The mark lives in
// the body's `_arclink` section (never returned by ARM).
import { StoredResource } from "../store/store.js";
import { Entry } from "../world/world.js";

export function isExported(e: Entry | { body: Record<string, any> }): boolean {
  return e.body?._arclink?.exported === true;
}

const SCOPE_TYPE_LC = "microsoft.hybridcompute/privatelinkscopes";

/**
 * Marks resources read from an export; a scope also records whether the export listed its
 * private endpoint connections (many Resource Graph exports leave the list out).
 */
export function markExported(resources: StoredResource[]): StoredResource[] {
  for (const r of resources) {
    const mark: Record<string, any> = { ...(r.body._arclink ?? {}), exported: true };
    if (r.type.toLowerCase() === SCOPE_TYPE_LC)
      mark.privateEndpointConnectionsListed = Array.isArray(r.body.properties?.privateEndpointConnections);
    r.body = { ...r.body, _arclink: mark };
  }
  return resources;
}
