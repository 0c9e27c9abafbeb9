// The Arc service names a scope's private endpoint serves, per region, and the private DNS
// zone each belongs to (fact sheet §3). Public name "gbl.his.arc.azure.com" is answered
// privately by record "gbl" in zone "privatelink.his.arc.azure.com".
import { region } from "./regions.js";

export interface ArcEndpointName {
  /** Public FQDN the agent dials, e.g. "gbl.his.arc.azure.com". */
  fqdn: string;
  /** Private DNS zone that answers it, e.g. "privatelink.his.arc.azure.com". */
  zone: string;
  /** Record name inside that zone, e.g. "gbl". */
  record: string;
  /** Private link member this name is served by. */
  memberName: string;
  /** Which Arc service answers there. */
  service: "his-global" | "his-regional" | "guestconfig" | "guestconfig-regional" | "kubernetes-dp";
}

export const ARC_ZONES = [
  "privatelink.his.arc.azure.com",
  "privatelink.guestconfiguration.azure.com",
  "privatelink.dp.kubernetesconfiguration.azure.com",
] as const;

/** The public zone forwarded on-premises for each privatelink zone. */
export const PUBLIC_ZONE_OF: Record<string, string> = {
  "privatelink.his.arc.azure.com": "his.arc.azure.com",
  "privatelink.guestconfiguration.azure.com": "guestconfiguration.azure.com",
  "privatelink.dp.kubernetesconfiguration.azure.com": "dp.kubernetesconfiguration.azure.com",
};

export function hisCode(regionName: string): string {
  return region(regionName)?.hisCode ?? regionName;
}

/** Every name a hybridcompute private endpoint covers for a scope in `regionName`, in Azure's order. */
export function arcEndpointNames(regionName: string): ArcEndpointName[] {
  const r = regionName.toLowerCase();
  const code = hisCode(r);
  return [
    {
      fqdn: "gbl.his.arc.azure.com",
      zone: ARC_ZONES[0],
      record: "gbl",
      memberName: "HybridCompute.Server",
      service: "his-global",
    },
    {
      fqdn: `${code}.his.arc.azure.com`,
      zone: ARC_ZONES[0],
      record: code,
      memberName: "HybridCompute.Server",
      service: "his-regional",
    },
    {
      fqdn: "agentserviceapi.guestconfiguration.azure.com",
      zone: ARC_ZONES[1],
      record: "agentserviceapi",
      memberName: "GuestConfig.DP",
      service: "guestconfig",
    },
    {
      fqdn: `${r}-gas.guestconfiguration.azure.com`,
      zone: ARC_ZONES[1],
      record: `${r}-gas`,
      memberName: "GuestConfig.DP",
      service: "guestconfig-regional",
    },
    {
      fqdn: `${r}.dp.kubernetesconfiguration.azure.com`,
      zone: ARC_ZONES[2],
      record: r,
      memberName: "HybridCompute.K8sConfiguration",
      service: "kubernetes-dp",
    },
  ];
}

/** Maps a public FQDN to its privatelink zone and record, for any privatelink-style zone list. */
export function privatelinkRecordFor(
  fqdn: string,
  zones: readonly string[],
): { zone: string; record: string } | undefined {
  const name = fqdn.toLowerCase().replace(/\.$/, "");
  for (const z of zones) {
    const pub = z.toLowerCase().replace(/^privatelink\./, "");
    if (name.endsWith("." + pub)) return { zone: z.toLowerCase(), record: name.slice(0, -(pub.length + 1)) };
  }
  return undefined;
}
