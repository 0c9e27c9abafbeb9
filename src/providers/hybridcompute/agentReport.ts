// The machine properties an agent reports to HIS (at registration and with every heartbeat), kept
// to the read-only properties Azure's machine resource shows for them and to their shapes in the
// HybridCompute specification. Anything else the agent sends is dropped: a machine credential
// never writes the association, tags or any property a user owns. Pure.

const str = (v: unknown, max = 2048): string | undefined =>
  typeof v === "string" && v.length <= max ? v : undefined;

const strList = (v: unknown, max = 64): string[] | undefined =>
  Array.isArray(v)
    ? v.slice(0, max).filter((x): x is string => typeof x === "string" && x.length <= 256)
    : undefined;

const boolText = (v: unknown): string | undefined => (v === "true" || v === "false" ? v : undefined);

function extensionList(v: unknown): Array<{ publisher: string; type: string }> | undefined {
  if (!Array.isArray(v)) return undefined;
  return v
    .slice(0, 256)
    .filter((x) => x && typeof x === "object")
    .map((x) => ({
      publisher: String(x.publisher ?? "").slice(0, 256),
      type: String(x.type ?? "").slice(0, 256),
    }));
}

function compact<T extends Record<string, unknown>>(o: T): Partial<T> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) if (v !== undefined) out[k] = v;
  return out as Partial<T>;
}

function serviceStatus(v: any): Record<string, string> | undefined {
  if (!v || typeof v !== "object") return undefined;
  return compact({ status: str(v.status, 64), startupType: str(v.startupType, 64) }) as Record<
    string,
    string
  >;
}

function stringMap(v: unknown): Record<string, string> | undefined {
  if (!v || typeof v !== "object" || Array.isArray(v)) return undefined;
  const out: Record<string, string> = {};
  for (const [k, x] of Object.entries(v).slice(0, 64))
    if (typeof x === "string" && x.length <= 1024) out[k] = x;
  return out;
}

function networkProfile(v: any): Record<string, unknown> | undefined {
  if (!v || typeof v !== "object" || !Array.isArray(v.networkInterfaces)) return undefined;
  return {
    networkInterfaces: v.networkInterfaces.slice(0, 16).map((n: any) =>
      compact({
        name: str(n?.name, 256),
        id: str(n?.id, 256),
        macAddress: str(n?.macAddress, 64),
        ipAddresses: Array.isArray(n?.ipAddresses)
          ? n.ipAddresses.slice(0, 16).map((a: any) =>
              compact({
                address: str(a?.address, 64),
                ipAddressVersion: a?.ipAddressVersion === "IPv6" ? "IPv6" : "IPv4",
                subnet:
                  typeof a?.subnet?.addressPrefix === "string"
                    ? { addressPrefix: str(a.subnet.addressPrefix, 64) }
                    : undefined,
              }),
            )
          : undefined,
      }),
    ),
  };
}

const oneOf = <T extends string>(v: unknown, values: readonly T[]): T | undefined =>
  values.includes(v as T) ? (v as T) : undefined;

/**
 * licenseProfile (LicenseProfileMachineInstanceView) from the agent's ESU report: server type,
 * eligibility, key state and keys. licenseAssignmentState is Azure's own: ArcLink serves no ESU
 * licences (Microsoft.HybridCompute/licenses), so none is ever assigned.
 */
function licenseProfile(v: any): Record<string, unknown> | undefined {
  const e = v?.esuProfile;
  if (!e || typeof e !== "object") return undefined;
  return {
    esuProfile: compact({
      serverType: oneOf(e.serverType, ["Standard", "Datacenter"] as const),
      esuEligibility: oneOf(e.esuEligibility, ["Eligible", "Ineligible", "Unknown"] as const) ?? "Unknown",
      esuKeyState: oneOf(e.esuKeyState, ["Inactive", "Active"] as const),
      esuKeys: Array.isArray(e.esuKeys)
        ? e.esuKeys
            .slice(0, 16)
            .filter((k: any) => k && typeof k === "object")
            .map((k: any) =>
              compact({
                sku: str(k.sku, 256),
                licenseStatus: Number.isInteger(k.licenseStatus) ? k.licenseStatus : undefined,
              }),
            )
        : [],
      licenseAssignmentState: "NotAssigned",
    }),
  };
}

/** The properties of a report that the machine resource takes, in the spec's shapes. */
export function agentReportProperties(report: unknown): Record<string, unknown> {
  if (!report || typeof report !== "object" || Array.isArray(report)) return {};
  const r = report as Record<string, any>;
  const ac =
    r.agentConfiguration && typeof r.agentConfiguration === "object" ? r.agentConfiguration : undefined;
  const osType = r.osType === "windows" || r.osType === "linux" ? r.osType : undefined;
  return compact({
    agentVersion: str(r.agentVersion, 64),
    agentConfiguration: ac
      ? compact({
          proxyUrl: ac.proxyUrl === null ? null : str(ac.proxyUrl),
          proxyBypass: strList(ac.proxyBypass),
          incomingConnectionsPorts: strList(ac.incomingConnectionsPorts),
          extensionsAllowList: extensionList(ac.extensionsAllowList),
          extensionsBlockList: extensionList(ac.extensionsBlockList),
          extensionsEnabled: boolText(ac.extensionsEnabled),
          guestConfigurationEnabled: boolText(ac.guestConfigurationEnabled),
          configMode: ac.configMode === "full" || ac.configMode === "monitor" ? ac.configMode : undefined,
        })
      : undefined,
    serviceStatuses:
      r.serviceStatuses && typeof r.serviceStatuses === "object"
        ? compact({
            extensionService: serviceStatus(r.serviceStatuses.extensionService),
            guestConfigurationService: serviceStatus(r.serviceStatuses.guestConfigurationService),
          })
        : undefined,
    osType,
    osName: str(r.osName, 256),
    osVersion: str(r.osVersion, 256),
    osSku: str(r.osSku, 256),
    osEdition: str(r.osEdition, 256),
    machineFqdn: str(r.machineFqdn, 256),
    dnsFqdn: str(r.dnsFqdn, 256),
    domainName: str(r.domainName, 256),
    detectedProperties: stringMap(r.detectedProperties),
    mssqlDiscovered: boolText(r.mssqlDiscovered),
    networkProfile: networkProfile(r.networkProfile),
    licenseProfile: licenseProfile(r.licenseProfile),
    errorDetails: Array.isArray(r.errorDetails)
      ? r.errorDetails
          .slice(0, 16)
          .filter((e: any) => e && typeof e === "object")
          .map((e: any) => compact({ code: str(e.code, 64), message: str(e.message, 4096) }))
      : undefined,
  });
}

/**
 * osProfile.computerName is read-only and reported by the agent; the rest of osProfile (patch
 * settings) belongs to the user. Returns the machine's osProfile with the reported name.
 */
export function withComputerName(osProfile: unknown, report: unknown): Record<string, unknown> | undefined {
  const name = (report as any)?.osProfile?.computerName;
  if (typeof name !== "string" || name.length > 256) return undefined;
  const base = osProfile && typeof osProfile === "object" ? (osProfile as Record<string, unknown>) : {};
  return { ...base, computerName: name };
}
