// The state of a private endpoint's connection to its Arc Private Link Scope, read from both sides:
// the scope's `privateEndpointConnections` (the resource owner's decision) and the endpoint's own
// `privateLinkServiceConnections` / `manualPrivateLinkServiceConnections` entry (what Azure showed
// on the endpoint when it was read). In ArcLink's own world both sides are one fact: the endpoint
// reads its state from the scope's connection, so only the scope side is read. In an export each
// side is what the file holds: a side it does not hold is unknown, never assumed.
import { keyOf, sameId } from "../core/resourceId.js";
import { Entry, WorldView } from "../world/world.js";
import { isExported } from "./provenance.js";

export const SCOPE_CONNECTION_TYPE = "Microsoft.HybridCompute/privateLinkScopes/privateEndpointConnections";

/** A side's state: Azure's status, or "unknown" when the input does not hold it. */
export type SideState = string;

export interface ConnectionState {
  /** The state admission acts on; "unknown" when no side holds one, or when the sides disagree. */
  status: string;
  /** What the scope's list says ("unknown": the export left the list out). */
  scopeSide: SideState;
  /** What the endpoint's own connection entry says ("unknown": not in the input). */
  endpointSide: SideState;
  /** Both sides are known and say different things. */
  disagree: boolean;
  /** The scope-side connection, when the input has it. */
  connection?: Entry;
}

/** Whether the export left a scope's connection list out (the scope was exported without it). */
export function scopeListUnknown(scope: Entry): boolean {
  return isExported(scope) && scope.body._arclink?.privateEndpointConnectionsListed === false;
}

function endpointEntryState(pe: Entry, scopeId: string): string {
  const p = pe.body.properties ?? {};
  const conns = [
    ...(Array.isArray(p.privateLinkServiceConnections) ? p.privateLinkServiceConnections : []),
    ...(Array.isArray(p.manualPrivateLinkServiceConnections) ? p.manualPrivateLinkServiceConnections : []),
  ];
  const c = conns.find((x: any) => sameId(x?.properties?.privateLinkServiceId, scopeId)) ?? conns[0];
  const s = c?.properties?.privateLinkServiceConnectionState?.status;
  return typeof s === "string" && s ? s : "unknown";
}

export function connectionStateOf(view: WorldView, peId: string, scope: Entry): ConnectionState {
  const connection = view
    .children(scope.id, SCOPE_CONNECTION_TYPE)
    .find((c) => sameId(c.body.properties?.privateEndpoint?.id, peId));
  let scopeSide: string;
  if (connection) {
    const s = connection.body.properties?.privateLinkServiceConnectionState?.status;
    scopeSide = typeof s === "string" && s ? s : "unknown";
  } else scopeSide = scopeListUnknown(scope) ? "unknown" : "Disconnected";
  const pe = view.get(peId);
  // ArcLink's own endpoint reads its state from the scope: one fact, not two.
  const endpointSide = pe && isExported(pe) ? endpointEntryState(pe, scope.id) : scopeSide;
  const disagree = scopeSide !== "unknown" && endpointSide !== "unknown" && scopeSide !== endpointSide;
  const status = disagree ? "unknown" : scopeSide !== "unknown" ? scopeSide : endpointSide;
  return { status, scopeSide, endpointSide, disagree, ...(connection ? { connection } : {}) };
}

/** The commands that collect both sides of a connection's state from Azure. */
export function collectConnectionState(peId: string, scopeId: string): string[] {
  return [
    `az resource show --ids ${peId} --query "properties.[privateLinkServiceConnections, manualPrivateLinkServiceConnections][][].properties.privateLinkServiceConnectionState.status"`,
    `az rest --method get --url "https://management.azure.com${scopeId}/privateEndpointConnections?api-version=2024-07-10" --query "value[].{endpoint: properties.privateEndpoint.id, status: properties.privateLinkServiceConnectionState.status}"`,
    `az graph query -q "resources | where type =~ 'microsoft.network/privateendpoints' and id =~ '${keyOf(peId)}' | project id, properties.privateLinkServiceConnections, properties.manualPrivateLinkServiceConnections"`,
  ];
}
