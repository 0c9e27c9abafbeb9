// What a private endpoint can connect to: per target resource type, its group ids, the names
// it serves and their private DNS zones, and how the target records the connection. Only Azure
// Arc Private Link Scopes and Azure Monitor Private Link Scopes are modelled; the other services the Arc article names are listed so
// the refusal can say what they would need, and so adding one is adding a row.
import { ArmError, errors } from "../../core/armError.js";
import { arcEndpointNames } from "../../core/arcEndpoints.js";
import { fullType, parseResourceId } from "../../core/resourceId.js";
import { Entry, WorldView } from "../../world/world.js";
import { ProviderContext } from "../contract.js";
import { CONNECTION_TYPE, ConnectionStatus, connectionBody } from "../hybridcompute/connectionBody.js";
import { AMPLS_CONNECTION_TYPE, AMPLS_GROUP_ID, AMPLS_TYPE, AMPLS_ZONES } from "../insights/versions.js";
import { monitorEndpointNames, monitorWorkspaceNames } from "../insights/monitorEndpoints.js";
import { ref, reqString } from "../validate.js";
import { idOf, sameKey } from "./common.js";

export interface TargetName {
  /** Public FQDN clients dial, e.g. "gbl.his.arc.azure.com". */
  fqdn: string;
  memberName: string;
  /** Names with the same key share one private address (Azure Monitor's endpoint compression). */
  shareKey?: string;
}

export interface TargetModel {
  /** Full type of the target's connection children. */
  connectionType: string;
  /** The names one endpoint serves for this target and group, one private IP each. */
  names(target: Entry, groupId: string, endpoint: { location: string }, view: WorldView): TargetName[];
  /** Writes the target-side connection; returns its id. */
  connect(
    ctx: ProviderContext,
    a: {
      target: Entry;
      peId: string;
      peName: string;
      guid: string;
      status: ConnectionStatus;
      description: string;
    },
  ): string;
}

export interface PrivateLinkTarget {
  type: string;
  /** Azure's name of the service, for messages. */
  service: string;
  groupIds: readonly string[];
  zones: readonly string[];
  /** Absent: ArcLink does not model this target yet. */
  model?: TargetModel;
}

const ARC_SCOPE_TYPE = "Microsoft.HybridCompute/privateLinkScopes";

/** A private link scope whose connections are its children named `<endpoint>.<guid>`. */
function scopeTarget(connectionType: string, groupId: string, names: TargetModel["names"]): TargetModel {
  return {
    connectionType,
    names,
    connect(ctx, a) {
      const name = `${a.peName}.${a.guid}`;
      const scopeId = idOf(a.target);
      const id = `${scopeId}/privateEndpointConnections/${name}`;
      ctx.tx.put(
        id,
        connectionType,
        connectionBody({
          scopeId,
          name,
          privateEndpointId: a.peId,
          status: a.status,
          description: a.description,
          type: connectionType,
          groupId,
        }),
      );
      return id;
    },
  };
}

const arcScope = scopeTarget(CONNECTION_TYPE, "hybridcompute", (target) =>
  arcEndpointNames(String(target.body.location)).map((n) => ({ fqdn: n.fqdn, memberName: n.memberName })),
);

// An Azure Monitor scope is global: the regional names are those of the endpoint's own region;
// its workspaces add theirs.
const monitorScope = scopeTarget(AMPLS_CONNECTION_TYPE, AMPLS_GROUP_ID, (target, _group, endpoint, view) =>
  [...monitorEndpointNames(endpoint.location), ...monitorWorkspaceNames(view, target.id)].map((n) => ({
    fqdn: n.fqdn,
    memberName: n.memberName,
    ...(n.shareKey ? { shareKey: n.shareKey } : {}),
  })),
);

export const PRIVATE_LINK_TARGETS: readonly PrivateLinkTarget[] = [
  {
    type: ARC_SCOPE_TYPE,
    service: "Azure Arc Private Link Scope",
    groupIds: ["hybridcompute"],
    zones: [
      "privatelink.his.arc.azure.com",
      "privatelink.guestconfiguration.azure.com",
      "privatelink.dp.kubernetesconfiguration.azure.com",
    ],
    model: arcScope,
  },
  {
    type: AMPLS_TYPE,
    service: "Azure Monitor Private Link Scope",
    groupIds: [AMPLS_GROUP_ID],
    zones: AMPLS_ZONES,
    model: monitorScope,
  },
  {
    type: "Microsoft.Automation/automationAccounts",
    service: "Azure Automation account",
    groupIds: ["Webhook", "DSCAndHybridWorker"],
    zones: ["privatelink.azure-automation.net"],
  },
  {
    type: "Microsoft.KeyVault/vaults",
    service: "Azure Key Vault",
    groupIds: ["vault"],
    zones: ["privatelink.vaultcore.azure.net"],
  },
  {
    type: "Microsoft.Storage/storageAccounts",
    service: "Azure Storage account",
    groupIds: ["blob", "blob_secondary", "file", "queue", "table", "web", "dfs"],
    zones: [
      "privatelink.blob.core.windows.net",
      "privatelink.file.core.windows.net",
      "privatelink.queue.core.windows.net",
      "privatelink.table.core.windows.net",
      "privatelink.web.core.windows.net",
      "privatelink.dfs.core.windows.net",
    ],
  },
  {
    type: "Microsoft.Authorization/resourceManagementPrivateLinks",
    service: "Resource Management Private Link",
    groupIds: ["ResourceManagement"],
    zones: ["privatelink.azure.com"],
  },
];

export function targetRow(type: string): PrivateLinkTarget | undefined {
  return PRIVATE_LINK_TARGETS.find((t) => t.type.toLowerCase() === type.toLowerCase());
}

export interface ResolvedTarget {
  row: PrivateLinkTarget;
  model: TargetModel;
  entry: Entry;
  /** The target's group id in its own casing (matching is case-insensitive). */
  groupId: string;
  /** The group id as the caller spelled it: Azure stores and echoes what was sent. */
  sentGroupId: string;
}

/** Resolves privateLinkServiceId + groupIds to a modelled, existing target. */
export function resolveTarget(view: WorldView, id: unknown, groupIds: unknown, path: string): ResolvedTarget {
  const s = reqString(id, `${path}.privateLinkServiceId`, 2048);
  const parsed = parseResourceId(s);
  if (!parsed) throw errors.linkedInvalidPropertyId(s, `${path}.privateLinkServiceId`);
  const row = targetRow(fullType(parsed));
  if (row && !row.model) {
    throw new ArmError(
      400,
      "PrivateLinkTargetNotModelled",
      `Private endpoints to a ${row.service} (${row.type}) are not modelled by ArcLink yet; only ${PRIVATE_LINK_TARGETS.filter(
        (t) => t.model,
      )
        .map((t) => `${t.service}s (${t.type})`)
        .join(
          ", ",
        )} can be targets. In Azure this service needs its own private endpoint (group ids ${row.groupIds.map((g) => `'${g}'`).join(", ")}) and private DNS zones ${row.zones.join(", ")}.`,
      { target: `${path}.privateLinkServiceId` },
    );
  }
  const type = row?.type ?? ARC_SCOPE_TYPE;
  const entry = ref(
    s,
    `${path}.privateLinkServiceId`,
    type,
    view,
    row?.service ?? "Azure Arc Private Link Scope",
  );
  const r = row ?? targetRow(ARC_SCOPE_TYPE)!;
  const list = Array.isArray(groupIds)
    ? groupIds
    : groupIds === undefined || groupIds === null
      ? []
      : [groupIds];
  if (list.length !== 1 || typeof list[0] !== "string") {
    throw new ArmError(
      400,
      "PrivateEndpointBadRequest",
      `'${path}.groupIds' must list exactly one group id of the ${r.service}: ${r.groupIds.map((g) => `'${g}'`).join(", ")}.`,
      { target: `${path}.groupIds` },
    );
  }
  const groupId = r.groupIds.find((g) => g.toLowerCase() === String(list[0]).toLowerCase());
  if (!groupId) {
    throw new ArmError(
      400,
      "PrivateEndpointBadRequest",
      `Call to ${r.type} failed. The group id '${list[0]}' at '${path}.groupIds[0]' is not valid for ${idOf(entry)}. The valid group id${r.groupIds.length > 1 ? "s are" : " is"} ${r.groupIds.map((g) => `'${g}'`).join(", ")}.`,
      { target: `${path}.groupIds` },
    );
  }
  return { row: r, model: r.model!, entry, groupId, sentGroupId: list[0] };
}

/** The target-side connection of an endpoint: the child of the target that names it. */
export function liveConnection(view: WorldView, targetId: string, peId: string): Entry | undefined {
  const row = parseResourceId(targetId);
  const model = row ? targetRow(fullType(row))?.model : undefined;
  if (!model) return undefined;
  return view
    .children(targetId, model.connectionType)
    .find((c) => sameKey(c.body.properties?.privateEndpoint?.id, peId));
}
