// The Azure Monitor names an azuremonitor private endpoint gives addresses to, and the privatelink
// zone record that answers each privately: the data collection control plane the Azure Monitor
// agent asks first (global.handler.control.monitor.azure.com, then its region's handler).
//
// Each Log Analytics workspace the scope holds (a scoped resource linking an existing workspace)
// adds its own names: <customerId>.oms/.ods.opinsights.azure.com and
// <customerId>.agentsvc.azure-automation.net, in their privatelink zones. Since endpoint
// compression (December 2021) the workspaces of one region share one address per kind of name, so
// an endpoint spends one address per kind and workspace region, not per workspace. The endpoint
// takes the workspaces scoped when it is created (Azure's guide connects the resources first,
// then the endpoint).
//
// A workspace's members are named as the specification's PrivateLinkScopePrivateLinkResourceGet
// example shows them: oms-<customerId>, ods-<customerId>, agent-<customerId>; a shared address
// carries the member name of the first workspace (by name) that uses it. Azure's member names for
// the control plane addresses are not in the specification: each is named after its record.
import { WorldView } from "../../world/world.js";
import { WORKSPACE_TYPE, workspaceEndpointNames } from "../operationalinsights/versions.js";
import { AMPLS_SCOPED_RESOURCE_TYPE, AMPLS_ZONES } from "./versions.js";

export interface MonitorEndpointName {
  fqdn: string;
  zone: string;
  record: string;
  memberName: string;
  /** Names with the same key share one address (endpoint compression). */
  shareKey?: string;
}

export function monitorEndpointNames(regionName: string): MonitorEndpointName[] {
  const r = regionName.toLowerCase();
  return ["global.handler.control", `${r}.handler.control`].map((record) => ({
    fqdn: `${record}.monitor.azure.com`,
    zone: AMPLS_ZONES[0],
    record,
    memberName: record,
  }));
}

/** The names of the workspaces a scope holds, one shared address per kind and region. */
export function monitorWorkspaceNames(view: WorldView, scopeId: string): MonitorEndpointName[] {
  const out: MonitorEndpointName[] = [];
  for (const s of view.children(scopeId, AMPLS_SCOPED_RESOURCE_TYPE)) {
    const linked = s.body.properties?.linkedResourceId;
    const ws = typeof linked === "string" ? view.get(linked) : undefined;
    if (!ws || ws.type.toLowerCase() !== WORKSPACE_TYPE.toLowerCase()) continue;
    const customerId = ws.body.properties?.customerId;
    if (typeof customerId !== "string") continue;
    const region = String(ws.body.location ?? "").toLowerCase();
    for (const n of workspaceEndpointNames(customerId)) {
      const kind = n.zone.split(".")[1];
      out.push({ ...n, memberName: workspaceMemberName(kind, customerId), shareKey: `${kind}-${region}` });
    }
  }
  return out.sort((a, b) => (a.fqdn < b.fqdn ? -1 : a.fqdn > b.fqdn ? 1 : 0));
}

/** The member name of one of a workspace's names: "oms-", "ods-" or "agent-" and its customerId. */
export function workspaceMemberName(kind: string, customerId: string): string {
  return `${kind === "agentsvc" ? "agent" : kind}-${customerId.toLowerCase()}`;
}
