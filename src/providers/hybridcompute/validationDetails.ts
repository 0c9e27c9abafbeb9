// PrivateLinkScopeValidationDetails, the answer of both validation GETs (by scope GUID and by
// machine): the scope's id, its publicNetworkAccess, and one connection detail per private IP of
// every Approved private endpoint connection. The agent checks its private path against this.
import { createHash } from "node:crypto";
import { arcEndpointNames } from "../../core/arcEndpoints.js";
import { Entry, WorldView } from "../../world/world.js";
import { CONNECTION_TYPE } from "./connectionBody.js";
import { GROUP_ID } from "./versions.js";

export interface ConnectionDetail {
  id: string;
  privateIpAddress: string;
  linkIdentifier: string;
  groupId: string;
  memberName: string;
}

/** The connection children of a scope, by name. */
export function connectionsOf(scopeId: string, view: WorldView): Entry[] {
  return view
    .children(scopeId, CONNECTION_TYPE)
    .sort((a, b) => String(a.body.name).localeCompare(String(b.body.name)));
}

export function isApproved(connection: Record<string, any>): boolean {
  const s = connection.properties?.privateLinkServiceConnectionState?.status;
  return typeof s === "string" && s.toLowerCase() === "approved";
}

/** A stable opaque id for a connection: a 32-bit number, like Private Link's own link identifiers. */
export function linkIdentifierOf(connectionId: string): string {
  const h = createHash("sha256").update(connectionId.toLowerCase()).digest();
  return String(h.readUInt32BE(0));
}

export function validationDetails(scope: Entry, view: WorldView): Record<string, any> {
  const details: ConnectionDetail[] = [];
  for (const c of connectionsOf(scope.id, view)) {
    if (!isApproved(c.body)) continue;
    const peId = c.body.properties?.privateEndpoint?.id;
    const pe = typeof peId === "string" ? view.get(peId) : undefined;
    if (!pe) continue;
    const linkIdentifier = linkIdentifierOf(c.id);
    for (const ip of endpointIps(pe.body, scope.body.location)) {
      details.push({
        id: pe.body.id ?? pe.id,
        privateIpAddress: ip.address,
        linkIdentifier,
        groupId: GROUP_ID,
        memberName: ip.memberName,
      });
    }
  }
  return {
    id: scope.body.id ?? scope.id,
    publicNetworkAccess: scope.body.properties?.publicNetworkAccess ?? "Disabled",
    connectionDetails: details,
  };
}

/**
 * The private IPs of an endpoint, each with its member: from `ipConfigurations` (which carry
 * `memberName`), then any further address in `customDnsConfigs` (member found from the FQDN).
 */
function endpointIps(
  pe: Record<string, any>,
  scopeLocation: string,
): { address: string; memberName: string }[] {
  const out: { address: string; memberName: string }[] = [];
  const seen = new Set<string>();
  const props = pe.properties ?? {};
  for (const cfg of Array.isArray(props.ipConfigurations) ? props.ipConfigurations : []) {
    const p = cfg?.properties ?? {};
    if (p.groupId && String(p.groupId).toLowerCase() !== GROUP_ID) continue;
    const address = p.privateIPAddress;
    if (typeof address !== "string" || seen.has(address)) continue;
    seen.add(address);
    out.push({ address, memberName: String(p.memberName ?? "") });
  }
  const names = arcEndpointNames(String(scopeLocation ?? ""));
  for (const dns of Array.isArray(props.customDnsConfigs) ? props.customDnsConfigs : []) {
    const fqdn = String(dns?.fqdn ?? "").toLowerCase();
    const member = names.find((n) => n.fqdn === fqdn)?.memberName ?? "";
    for (const address of Array.isArray(dns?.ipAddresses) ? dns.ipAddresses : []) {
      if (typeof address !== "string" || seen.has(address)) continue;
      seen.add(address);
      out.push({ address, memberName: member });
    }
  }
  return out;
}
