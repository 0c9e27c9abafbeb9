// Microsoft.OperationalInsights/workspaces: a Log Analytics workspace. Its customerId (the
// workspace id agents send to, e.g. <customerId>.ods.opinsights.azure.com) is a GUID Azure assigns
// when the workspace is created and keeps for its life. PUT is synchronous (201 when it creates,
// 200 when it updates; the spec also declares 202), PATCH merge-patches, DELETE answers 200.
// A workspace linked to an Azure Monitor Private Link Scope cannot be deleted until it is removed
// from the scope (Azure's AMPLS configuration guide); a resource group's deletion takes it anyway.
// The workspace's tables, data and queries are not modelled.
import { ArmError } from "../../core/armError.js";
import { newGuid } from "../../core/guid.js";
import { ResourceType } from "../contract.js";
import { asObject, optEnum, optInt } from "../validate.js";
import { AMPLS_SCOPED_RESOURCE_TYPE } from "../insights/versions.js";
import { OPERATIONAL_INSIGHTS_API_VERSIONS, WORKSPACE_TYPE } from "./versions.js";

const SKUS = [
  "Free",
  "Standard",
  "Premium",
  "PerNode",
  "PerGB2018",
  "Standalone",
  "CapacityReservation",
  "LACluster",
] as const;
const ACCESS = ["Enabled", "Disabled"] as const;

/** The scoped resources (of any Azure Monitor Private Link Scope) that link a workspace. */
export function scopesLinking(
  view: { ofType(type: string): { id: string; body: Record<string, any> }[] },
  workspaceId: string,
): { id: string; body: Record<string, any> }[] {
  const key = workspaceId.toLowerCase();
  return view
    .ofType(AMPLS_SCOPED_RESOURCE_TYPE)
    .filter((s) => String(s.body.properties?.linkedResourceId ?? "").toLowerCase() === key);
}

export const workspaces: ResourceType = {
  type: WORKSPACE_TYPE,
  apiVersions: OPERATIONAL_INSIGHTS_API_VERSIONS,
  kind: "tracked",
  name: {
    min: 4,
    max: 63,
    pattern: /^[A-Za-z0-9][A-Za-z0-9-]+[A-Za-z0-9]$/,
    describe: "letters, digits and hyphens, starting and ending with a letter or digit",
  },
  lro: { put: "sync", delete: "sync" },
  etag: "none",
  listBy: { subscription: true, resourceGroup: true },
  patch: "merge",
  write(ctx, req) {
    const p = req.body.properties === undefined ? {} : asObject(req.body.properties, "properties");
    const prev = req.existing?.body.properties ?? {};
    const now = ctx.now.toISOString();
    const skuIn = p.sku === undefined || p.sku === null ? undefined : asObject(p.sku, "properties.sku");
    const skuName = optEnum(skuIn?.name, "properties.sku.name", SKUS) ?? prev.sku?.name ?? "PerGB2018";
    const sku: Record<string, unknown> = { name: skuName };
    if (skuName === "CapacityReservation") {
      const level = optInt(
        skuIn?.capacityReservationLevel,
        "properties.sku.capacityReservationLevel",
        100,
        50000,
      );
      if (level === undefined) {
        throw new ArmError(
          400,
          "InvalidParameter",
          "'properties.sku.capacityReservationLevel' is required with sku 'CapacityReservation': set the daily commitment in GB (100, 200, 300, 400, 500, 1000, 2000, 5000, 10000, 25000 or 50000).",
          { target: "properties.sku.capacityReservationLevel" },
        );
      }
      sku.capacityReservationLevel = level;
    }
    sku.lastSkuUpdate = prev.sku?.name === skuName ? (prev.sku?.lastSkuUpdate ?? now) : now;
    // The Free tier keeps data 7 days and takes no other value; the others 30 to 730.
    const retention =
      skuName === "Free"
        ? (optInt(p.retentionInDays, "properties.retentionInDays", 7, 7) ?? 7)
        : (optInt(p.retentionInDays, "properties.retentionInDays", 30, 730) ??
          (typeof prev.retentionInDays === "number" && prev.retentionInDays >= 30
            ? prev.retentionInDays
            : 30));
    const cap =
      p.workspaceCapping === undefined || p.workspaceCapping === null
        ? {}
        : asObject(p.workspaceCapping, "properties.workspaceCapping");
    const dailyQuotaGb =
      cap.dailyQuotaGb === undefined || cap.dailyQuotaGb === null
        ? (prev.workspaceCapping?.dailyQuotaGb ?? -1)
        : cap.dailyQuotaGb;
    if (typeof dailyQuotaGb !== "number" || !(dailyQuotaGb === -1 || dailyQuotaGb > 0)) {
      throw new ArmError(
        400,
        "InvalidParameter",
        `'properties.workspaceCapping.dailyQuotaGb' must be a positive number of GB, or -1 for no cap (got ${JSON.stringify(dailyQuotaGb)}).`,
        { target: "properties.workspaceCapping.dailyQuotaGb" },
      );
    }
    const nextReset = new Date(ctx.now);
    nextReset.setUTCHours(24, 0, 0, 0);
    return {
      customerId: prev.customerId ?? newGuid(),
      provisioningState: "Succeeded",
      sku,
      retentionInDays: retention,
      workspaceCapping: {
        dailyQuotaGb,
        quotaNextResetTime: nextReset.toUTCString(),
        dataIngestionStatus: "RespectQuota",
      },
      publicNetworkAccessForIngestion:
        optEnum(p.publicNetworkAccessForIngestion, "properties.publicNetworkAccessForIngestion", ACCESS) ??
        prev.publicNetworkAccessForIngestion ??
        "Enabled",
      publicNetworkAccessForQuery:
        optEnum(p.publicNetworkAccessForQuery, "properties.publicNetworkAccessForQuery", ACCESS) ??
        prev.publicNetworkAccessForQuery ??
        "Enabled",
      features: {
        ...(prev.features ?? { legacy: 0, searchVersion: 1 }),
        enableLogAccessUsingOnlyResourcePermissions: true,
      },
      createdDate: prev.createdDate ?? now,
      modifiedDate: now,
    };
  },
  beforeDelete(ctx, existing, opts) {
    if (opts.cascade) return;
    const linked = scopesLinking(ctx.tx, existing.body.id ?? existing.id);
    if (!linked.length) return;
    // The code is ArcLink's: the specification does not name the one Azure answers with.
    throw new ArmError(
      409,
      "WorkspaceLinkedToPrivateLinkScope",
      `Workspace ${existing.body.name} is connected to an Azure Monitor Private Link Scope (${linked
        .map((s) => s.body.id ?? s.id)
        .join(
          ", ",
        )}) and cannot be deleted while it is. Remove it from the scope's Azure Monitor resources (delete the scoped resource) first.`,
    );
  },
};
