// What the Microsoft.HybridCompute api-versions declare differently, read from each version's
// x-ms-examples and operations in azure-rest-api-specs:
// - Machines_Delete: 200 or 204, synchronous, up to 2024-11-10-preview; from 2025-01-13 on it is
//   long-running: 202 with Location and Azure-AsyncOperation (then 204), or 204 at once.
// - Machines_CreateOrUpdate: 200 only, in every version that has it (a new machine too).
// - PublicNetworkAccessType lists SecuredByPerimeter from 2024-03-31-preview (absent in
//   2023-10-03-preview and the stable versions before 2024-07-10); 2026-09-01 removes it again.
import { LroStyle } from "../contract.js";

/** The first version whose Machines_Delete is long-running. */
export const MACHINE_DELETE_LRO_SINCE = "2025-01-13";

/** The date part of an api-version ("2025-02-19-preview" → "2025-02-19"). */
function dateOf(apiVersion: string): string {
  return apiVersion.slice(0, 10);
}

export function machineDeleteStyle(apiVersion: string): LroStyle {
  return dateOf(apiVersion) >= MACHINE_DELETE_LRO_SINCE ? "location" : "sync";
}

export const SECURED_BY_PERIMETER_SINCE = "2024-03-31";
export const SECURED_BY_PERIMETER_UNTIL = "2026-09-01";

/** Whether the version's PublicNetworkAccessType lists SecuredByPerimeter. */
export function definesSecuredByPerimeter(apiVersion: string): boolean {
  const d = dateOf(apiVersion);
  return d >= SECURED_BY_PERIMETER_SINCE && d < SECURED_BY_PERIMETER_UNTIL;
}
