// Microsoft.HybridCompute/machines: an Azure Arc-enabled server. PUT is synchronous and answers 200
// (also when it creates), DELETE is synchronous or long-running by api-version (versionBehaviour.ts),
// PATCH merges. The association with a Private Link Scope is `properties.privateLinkScopeResourceId`;
// the machine and its scope must be in the same region. When the association changes to a new
// scope, the internal `_arclink.associatedAt` restarts (the lab's propagation delay counts from it;
// see association.ts). Server-set fields (status, agentVersion, osName, ...) are never taken from
// the request: they are kept from the stored machine, which the agent's onboarding updates.
import { ArmError, errors } from "../../core/armError.js";
import { isoText } from "../../core/clock.js";
import { newGuid } from "../../core/guid.js";
import { normalizeRegion } from "../../core/regions.js";
import { name as nameOf, parseResourceId, sameId } from "../../core/resourceId.js";
import { ResourceType, VirtualChildren } from "../contract.js";
import { WorldView } from "../../world/world.js";
import { asObject, optBool, optEnum, optString, ref, reqString } from "../validate.js";
import { ArcLinkMachineState } from "./association.js";
import { validationDetails } from "./validationDetails.js";
import { EXTENSION_TYPE, machineExtensions } from "./machineExtensions.js";
import { machineDeleteStyle } from "./versionBehaviour.js";
import { HYBRIDCOMPUTE_API_VERSIONS, MACHINE_TYPE, SCOPE_TYPE } from "./versions.js";

const SCOPE_PATH = "properties.privateLinkScopeResourceId";
const UUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
const KINDS = ["AVS", "HCI", "SCVMM", "VMware", "EPS", "GCP", "AWS"] as const;

/** Read-only properties the service (and the agent) set; a PUT or PATCH never changes them. */
const SERVER_FIELDS = [
  "status",
  "statusReason",
  "lastStatusChange",
  "agentVersion",
  "osName",
  "osVersion",
  "osSku",
  "osEdition",
  "domainName",
  "adFqdn",
  "dnsFqdn",
  "machineFqdn",
  "vmUuid",
  "detectedProperties",
  "agentConfiguration",
  "networkProfile",
  "cloudMetadata",
  "mssqlDiscovered",
  "errorDetails",
  "serviceStatuses",
  "hardwareProfile",
  "storageProfile",
  "firmwareProfile",
  "licenseProfile",
] as const;

export const machines: ResourceType = {
  type: MACHINE_TYPE,
  topology: { section: "machines" },
  apiVersions: HYBRIDCOMPUTE_API_VERSIONS,
  kind: "tracked",
  name: {
    min: 1,
    max: 54,
    pattern: /^[a-zA-Z0-9\-_.]{1,54}$/,
    describe: "letters, digits, hyphens, underscores and periods",
  },
  lro: { put: "sync", delete: "sync" },
  deleteStyle: machineDeleteStyle,
  createdStatus: 200,
  etag: "none",
  listBy: { subscription: true, resourceGroup: true },
  patch: "merge",
  write(ctx, req) {
    const p = asObject(req.body.properties, "properties");
    const prev: Record<string, any> = req.existing?.body.properties ?? {};
    const out: Record<string, any> = {};

    topLevel(req.body, req.existing?.body, ctx.principal.tenantId);

    // The association, validated only when it changes (a scope deleted since stays as it was).
    const location = normalizeRegion(req.body.location) ?? req.existing?.body.location;
    const prevScope: string | undefined = prev.privateLinkScopeResourceId || undefined;
    const requested = p.privateLinkScopeResourceId;
    let scopeId: string | undefined;
    if (requested !== undefined && requested !== null && requested !== "") {
      if (typeof requested === "string" && sameId(requested, prevScope)) {
        scopeId = prevScope;
      } else {
        const scope = ref(requested, SCOPE_PATH, SCOPE_TYPE, ctx.tx, "Azure Arc Private Link Scope");
        checkSameRegion(nameOf(req.id), location, scope.body);
        scopeId = scope.body.id ?? scope.id;
      }
    }
    if (scopeId) out.privateLinkScopeResourceId = scopeId;

    if (p.locationData !== undefined && p.locationData !== null) {
      const l = asObject(p.locationData, "properties.locationData");
      const ld: Record<string, string> = { name: reqString(l.name, "properties.locationData.name", 256) };
      for (const k of ["city", "district", "countryOrRegion"]) {
        const v = optString(l[k], `properties.locationData.${k}`, 256);
        if (v !== undefined) ld[k] = v;
      }
      out.locationData = ld;
    }
    const osType = optEnum(p.osType, "properties.osType", ["windows", "linux"] as const);
    if (osType) out.osType = osType;
    const key = optString(p.clientPublicKey, "properties.clientPublicKey", 8192);
    if (key !== undefined) out.clientPublicKey = key;
    const parent = optString(p.parentClusterResourceId, "properties.parentClusterResourceId", 2048);
    if (parent) {
      if (!parseResourceId(parent))
        throw errors.linkedInvalidPropertyId(parent, "properties.parentClusterResourceId");
      out.parentClusterResourceId = parent;
    }
    const keyStore = optEnum(p.identityKeyStore, "properties.identityKeyStore", ["TPM", "Default"] as const);
    if (keyStore) out.identityKeyStore = keyStore;
    const ek = optString(p.tpmEkCertificate, "properties.tpmEkCertificate", 16384);
    if (ek !== undefined) out.tpmEkCertificate = ek;
    out.osProfile = osProfile(p.osProfile, prev.osProfile);
    const upgrade = agentUpgrade(p.agentUpgrade, prev.agentUpgrade);
    if (upgrade) out.agentUpgrade = upgrade;

    // Set once at creation: vmId from the request or a new GUID.
    if (prev.vmId) out.vmId = prev.vmId;
    else {
      const vmId = optString(p.vmId, "properties.vmId", 64);
      if (vmId !== undefined && !UUID.test(vmId)) {
        throw errors.invalidProperty("properties.vmId", `'${vmId}' is not a GUID such as ${newGuid()}.`);
      }
      out.vmId = vmId ?? newGuid();
    }

    for (const k of SERVER_FIELDS) if (prev[k] !== undefined) out[k] = prev[k];
    // The request's time as text, made once: a new machine's status change and association share it.
    let at: string | undefined;
    const nowText = () => (at ??= isoText(ctx.now));
    if (!req.existing) {
      out.status = "Disconnected";
      out.lastStatusChange = nowText();
    }
    out.displayName = prev.displayName ?? nameOf(req.id);

    const state = associationState(req.existing?.body, prevScope, scopeId, nowText);
    if (Object.keys(state).length) out._arclink = state;
    return out;
  },
  project(body, view, now, entry) {
    return { ...withLiveStatus(body, now), resources: machineResources(body, view, now, entry.id) };
  },
  virtualChildren: {
    privatelinkscopes: {
      type: "Microsoft.HybridCompute/machines/privateLinkScopes",
      list: () => [],
      get(parent, name, view) {
        if (name.toLowerCase() !== "current") return undefined;
        const scopeId: unknown = parent.body.properties?.privateLinkScopeResourceId;
        if (typeof scopeId !== "string" || scopeId === "") {
          throw new ArmError(
            404,
            "PrivateLinkScopeNotAssociated",
            `Machine '${parent.body.name}' is not associated with an Azure Arc Private Link Scope: its ${SCOPE_PATH} is empty. ` +
              `Set it to the scope's id with PUT or PATCH on the machine (or azcmagent connect --private-link-scope).`,
          );
        }
        const scope = view.get(scopeId);
        if (!scope || scope.type.toLowerCase() !== SCOPE_TYPE.toLowerCase()) {
          throw new ArmError(
            404,
            "PrivateLinkScopeNotFound",
            `Machine '${parent.body.name}' names private link scope ${scopeId}, which does not exist (was it deleted?). ` +
              `Create the scope again, or point ${SCOPE_PATH} at an existing scope.`,
          );
        }
        return validationDetails(scope, view);
      },
    } satisfies VirtualChildren,
  },
};

/**
 * The machine's extensions as Machines_Get shows them in `resources` (an empty array without any),
 * each as its own GET answers it (settings shown, protected settings never). Extensions a stored
 * machine carries in `resources` itself (an export of a real estate) are kept beside its children.
 */
function machineResources(
  body: Record<string, any>,
  view: WorldView,
  now: Date,
  id: string,
): Record<string, any>[] {
  const children = view
    .children(id, EXTENSION_TYPE)
    .map((c) => {
      const shown = machineExtensions.project!(c.body, view, now, c);
      return Object.fromEntries(Object.entries(shown).filter(([k]) => !k.startsWith("_")));
    })
    .sort((a, b) => String(a.name).localeCompare(String(b.name)));
  const names = new Set(children.map((c) => String(c.name).toLowerCase()));
  const stored = (Array.isArray(body.resources) ? body.resources : []).filter(
    (r: any) => !names.has(String(r?.name).toLowerCase()),
  );
  return [...children, ...stored];
}

/** The last attempt's outcome is the agent's to report; a request never sets it. */
const UPGRADE_ATTEMPT = [
  "lastAttemptDesiredVersion",
  "lastAttemptStatus",
  "lastAttemptMessage",
  "lastAttemptTimestamp",
] as const;

/**
 * properties.agentUpgrade: what the user asks of the agent's automatic upgrade (desiredVersion,
 * correlationId, enableAutomaticUpgrade); the last attempt's outcome is kept from the stored
 * machine. Absent in the request: kept as it was.
 */
function agentUpgrade(v: unknown, prev: any): Record<string, unknown> | undefined {
  if (v === undefined || v === null) return prev && typeof prev === "object" ? prev : undefined;
  const path = "properties.agentUpgrade";
  const o = asObject(v, path);
  const out: Record<string, unknown> = {};
  const desired = optString(o.desiredVersion, `${path}.desiredVersion`, 64);
  if (desired !== undefined) {
    if (!/^\d+\.\d+(\.\d+){0,2}$/.test(desired))
      throw errors.invalidProperty(
        `${path}.desiredVersion`,
        `'${desired}' is not an agent version such as 1.45 or 1.45.02983.1834.`,
      );
    out.desiredVersion = desired;
  }
  const correlationId = optString(o.correlationId, `${path}.correlationId`, 64);
  if (correlationId !== undefined) {
    if (!UUID.test(correlationId))
      throw errors.invalidProperty(
        `${path}.correlationId`,
        `'${correlationId}' is not a GUID such as ${newGuid()}.`,
      );
    out.correlationId = correlationId;
  }
  const auto = optBool(o.enableAutomaticUpgrade, `${path}.enableAutomaticUpgrade`);
  if (auto !== undefined) out.enableAutomaticUpgrade = auto;
  for (const k of UPGRADE_ATTEMPT) if (prev?.[k] !== undefined) out[k] = prev[k];
  return out;
}

function checkSameRegion(machine: string, location: string | undefined, scope: Record<string, any>): void {
  if (!location || !scope.location || location === scope.location) return;
  throw new ArmError(
    400,
    "PrivateLinkScopeLocationMismatch",
    `Machine '${machine}' is in '${location}' but Azure Arc Private Link Scope '${scope.name}' is in '${scope.location}'. ` +
      `An Arc-enabled server and its Private Link Scope must be in the same region: use a scope in '${location}' ` +
      `(create one there if needed), or create the machine in '${scope.location}'.`,
    { target: SCOPE_PATH },
  );
}

/** Internal association timing: restarts when the machine moves to a new scope, cleared when it leaves. */
function associationState(
  existing: Record<string, any> | undefined,
  prevScope: string | undefined,
  scopeId: string | undefined,
  now: () => string,
): ArcLinkMachineState {
  const before: ArcLinkMachineState & Record<string, unknown> = existing?._arclink ?? {};
  // Keep what other parts of ArcLink record here (heartbeats, onboarding); redo the association.
  let state: ArcLinkMachineState & Record<string, unknown> = {};
  if (existing?._arclink !== undefined) {
    const { associatedAt: _a, previousScopeId: _p, associatedAtCreation: _c, ...others } = before;
    state = { ...others };
  }
  const changed = !(scopeId === undefined ? prevScope === undefined : sameId(scopeId, prevScope));
  if (scopeId) {
    state.associatedAt = !changed && before.associatedAt ? before.associatedAt : now();
    // Created already associated (the agent's connect --private-link-scope): accepted at once.
    // An association made later to an existing machine waits for the propagation delay.
    if (changed ? existing === undefined : before.associatedAtCreation === true)
      state.associatedAtCreation = true;
  }
  const previous = changed && prevScope ? prevScope : before.previousScopeId;
  if (previous) state.previousScopeId = previous;
  return state;
}

/** identity (SystemAssigned gets a principal in the caller's tenant, kept across updates) and kind. */
function topLevel(
  body: Record<string, any>,
  existing: Record<string, any> | undefined,
  tenantId: string,
): void {
  if (body.identity !== undefined && body.identity !== null) {
    const o = asObject(body.identity, "identity");
    const type = optEnum(o.type, "identity.type", ["SystemAssigned", "None"] as const);
    if (!type) throw errors.missingProperty("identity.type", "Use 'SystemAssigned' or 'None'.");
    const prev = existing?.identity;
    body.identity =
      type === "None"
        ? { type }
        : {
            type,
            principalId: prev?.type === "SystemAssigned" && prev.principalId ? prev.principalId : newGuid(),
            tenantId: prev?.type === "SystemAssigned" && prev.tenantId ? prev.tenantId : tenantId,
          };
  }
  if (body.kind !== undefined && body.kind !== null) body.kind = optEnum(body.kind, "kind", KINDS);
}

function osProfile(input: unknown, prev: Record<string, any> | undefined): Record<string, any> {
  const o = asObject(input, "properties.osProfile");
  const out: Record<string, any> = { computerName: prev?.computerName ?? null };
  const windows = asObject(o.windowsConfiguration, "properties.osProfile.windowsConfiguration");
  const linux = asObject(o.linuxConfiguration, "properties.osProfile.linuxConfiguration");
  if (o.windowsConfiguration) {
    out.windowsConfiguration = {
      patchSettings: patchSettings(windows.patchSettings, "windowsConfiguration", true),
    };
  }
  if (o.linuxConfiguration) {
    out.linuxConfiguration = {
      patchSettings: patchSettings(linux.patchSettings, "linuxConfiguration", false),
    };
  }
  return out;
}

function patchSettings(input: unknown, os: string, windows: boolean): Record<string, any> {
  const path = `properties.osProfile.${os}.patchSettings`;
  const o = asObject(input, path);
  const out: Record<string, any> = {};
  const assessmentMode = optEnum(o.assessmentMode, `${path}.assessmentMode`, [
    "ImageDefault",
    "AutomaticByPlatform",
  ] as const);
  if (assessmentMode) out.assessmentMode = assessmentMode;
  const patchMode = optEnum(o.patchMode, `${path}.patchMode`, [
    "ImageDefault",
    "AutomaticByPlatform",
    "AutomaticByOS",
    "Manual",
  ] as const);
  if (patchMode) out.patchMode = patchMode;
  if (windows) {
    const hot = optBool(o.enableHotpatching, `${path}.enableHotpatching`);
    if (hot !== undefined) out.enableHotpatching = hot;
  }
  return out;
}

const DISCONNECTED_AFTER_MS = 15 * 60_000;
const EXPIRED_AFTER_MS = 45 * 86_400_000;

/**
 * The status Azure shows: Connected while heartbeats (every 5 minutes) keep coming, Disconnected
 * 15 minutes after the last one, Expired after 45 days offline. Computed on the virtual clock.
 */
export function withLiveStatus(body: Record<string, any>, now: Date): Record<string, any> {
  const last = Date.parse(body._arclink?.lastHeartbeat ?? "");
  if (!Number.isFinite(last)) return body;
  const age = now.getTime() - last;
  let status = "Connected";
  let since = body.properties?.lastStatusChange;
  if (age > EXPIRED_AFTER_MS) {
    status = "Expired";
    since = new Date(last + EXPIRED_AFTER_MS).toISOString();
  } else if (age > DISCONNECTED_AFTER_MS) {
    status = "Disconnected";
    since = new Date(last + DISCONNECTED_AFTER_MS).toISOString();
  }
  if (status === body.properties?.status && since === body.properties?.lastStatusChange) return body;
  return { ...body, properties: { ...body.properties, status, lastStatusChange: since } };
}
