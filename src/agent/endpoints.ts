// The endpoints the agent needs for a region (fact sheet §2, the rows `azcmagent check` prints),
// and the regional HIS short code (eastus → eus). Regional discovery gives the real HIS name at
// connect; the code map is for `check` before that and a fallback.
import { normalizeRegion, region } from "../core/regions.js";

export interface Endpoint {
  url: string;
  host: string;
  /** Arc endpoints are the ones a Private Link Scope serves privately. */
  arc: boolean;
}

/** The regional HIS code of a region: the known code, else the region name itself. */
export function regionCode(location: string): string {
  return region(location.toLowerCase())?.hisCode ?? location.toLowerCase();
}

/** "East US" / "eastus" → "eastus"; undefined for a region Azure does not have. */
export function normalizeLocation(text: string): string | undefined {
  return normalizeRegion(text);
}

export const GBL_HIS = "gbl.his.arc.azure.com";
export const AGENT_SERVICE = "agentserviceapi.guestconfiguration.azure.com";
export const LOGIN = "login.microsoftonline.com";
export const ARM = "management.azure.com";

/** The endpoints in the order `check` prints them. */
export function requiredEndpoints(location: string): Endpoint[] {
  const r = location.toLowerCase();
  const hosts: [string, boolean][] = [
    [AGENT_SERVICE, true],
    [GBL_HIS, true],
    [`${regionCode(r)}.his.arc.azure.com`, true],
    [LOGIN, false],
    ["login.windows.net", false],
    [ARM, false],
    ["pas.windows.net", false],
    [`${r}-gas.guestconfiguration.azure.com`, true],
  ];
  return hosts.map(([host, arc]) => ({ url: `https://${host}`, host, arc }));
}

/** The Arc names a private endpoint serves for a region (what the private-link pre-check verifies). */
export function arcNames(location: string): string[] {
  return requiredEndpoints(location)
    .filter((e) => e.arc)
    .map((e) => e.host);
}
