// The Azure Monitor names an azuremonitor private endpoint gives addresses to, and the privatelink
// zone record that answers each privately: the data collection control plane the Azure Monitor
// agent asks first (global.handler.control.monitor.azure.com, then its region's handler).
//
// The workspace names (<workspace GUID>.ods/.oms.opinsights.azure.com,
// <workspace GUID>.agentsvc.azure-automation.net) need the workspace's GUID, which only the
// Log Analytics workspace resource knows; ArcLink does not model workspaces, so an endpoint gives
// no addresses for them and an agent sending to a workspace still goes to its public names.
// Azure's member names for these addresses are not in the specification: each member is named
// after its record.
import { AMPLS_ZONES } from "./versions.js";

export interface MonitorEndpointName {
  fqdn: string;
  zone: string;
  record: string;
  memberName: string;
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
