// Microsoft.Network/privateDnsZones: a global tracked resource. Creating one writes its SOA record
// set at `@` in the same transaction; GET reports the record-set and link counts; `…/{zone}/ALL`
// lists every record set of every type. A zone with virtual network links refuses deletion
// (unless its resource group goes with it).
import { ArmError } from "../../core/armError.js";
import { newGuid } from "../../core/guid.js";
import { keyOf, name as nameOf } from "../../core/resourceId.js";
import { ResourceType } from "../contract.js";
import { RECORD_TYPES, recordSetId, recordSetType, recordTypeOf, soaRecordSetBody } from "./recordSetBody.js";
import { filterByNameSuffix, projectRecordSet, recordSetsOf } from "./recordSets.js";
import { LIMITS, LINK_TYPE, PRIVATE_DNS_API_VERSIONS, ZONE_TYPE } from "./versions.js";

const LABEL = "[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?";
const TOP_LABEL = "[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?";
const ZONE_NAME = new RegExp(`^(?:${LABEL}\\.)+${TOP_LABEL}$`);

/** Azure's opaque zone identity: base64 of "ImmutableZoneIdentity|{guid}|{ticks}". */
function newInternalId(now: Date): string {
  const ticks = BigInt(now.getTime()) * 10000n + 621355968000000000n;
  return Buffer.from(`ImmutableZoneIdentity|${newGuid()}|${ticks}`).toString("base64");
}

/** Order within one name in `…/ALL`: the SOA first, then Azure's order of record types. */
function typeRank(type: string): number {
  const t = recordTypeOf(type);
  if (t === "SOA") return -1;
  return t ? RECORD_TYPES.indexOf(t) : RECORD_TYPES.length;
}

export const privateDnsZones: ResourceType = {
  type: ZONE_TYPE,
  model: { section: "zones" },
  topology: { section: "privateDnsZones" },
  apiVersions: PRIVATE_DNS_API_VERSIONS,
  kind: "tracked",
  globalLocation: true,
  name: {
    min: 1,
    max: 253,
    pattern: ZONE_NAME,
    describe:
      "a DNS name of at least two labels separated by dots, such as 'privatelink.his.arc.azure.com' (letters, digits and hyphens, 1-63 characters per label, 253 in all)",
  },
  lro: { put: "location", delete: "location" },
  etag: "guid",
  listBy: { subscription: true, resourceGroup: true },
  patch: "merge",
  write(ctx, req) {
    const zoneName = nameOf(req.id);
    const soaId = recordSetId(req.id.id, "SOA", "@");
    if (!req.existing) {
      const scope = keyOf(`/subscriptions/${req.id.subscription}`) + "/";
      const count = ctx.tx.ofType(ZONE_TYPE).filter((e) => e.key.startsWith(scope)).length;
      if (count >= LIMITS.zonesPerSubscription) {
        throw new ArmError(
          409,
          "ZoneLimitExceeded",
          `The subscription already has ${count} private DNS zones, the most it can hold (${LIMITS.zonesPerSubscription}). Delete zones you no longer need.`,
        );
      }
    }
    if (!ctx.tx.get(soaId)) {
      ctx.tx.put(
        soaId,
        recordSetType("SOA"),
        soaRecordSetBody({
          zoneId: req.id.id,
          zoneName: String(req.existing?.body.name ?? zoneName),
          createdAt: ctx.now.toISOString(),
          createdBy: ctx.principal.appId ?? ctx.principal.oid,
        }),
      );
    }
    const prev = req.existing?.body.properties?.internalId as string | undefined;
    return { internalId: prev ?? newInternalId(ctx.now) };
  },
  beforeDelete(ctx, existing, { cascade }) {
    if (cascade) return;
    const links = ctx.tx.children(existing.id, LINK_TYPE);
    if (links.length) {
      throw new ArmError(
        409,
        "CannotDeleteZoneWithVirtualNetworkLinks",
        `The private DNS zone '${existing.body.name}' cannot be deleted because it has ${links.length} virtual network link(s): ${links
          .map((l) => `'${l.body.name}'`)
          .join(", ")}. Delete the virtual network links first, then delete the zone.`,
      );
    }
  },
  projectReadsWorldOnly: true,
  project(body, view, _now, entry) {
    let recordSets = 0;
    let links = 0;
    let registration = 0;
    const linkType = LINK_TYPE.toLowerCase();
    for (const c of view.children(entry.id)) {
      if (recordTypeOf(c.type)) recordSets++;
      else if (c.type.toLowerCase() === linkType) {
        links++;
        if (c.body.properties?.registrationEnabled === true) registration++;
      }
    }
    const { provisioningState, internalId, ...rest } = (body.properties ?? {}) as Record<string, any>;
    return {
      ...body,
      properties: {
        ...rest,
        maxNumberOfRecordSets: LIMITS.recordSetsPerZone,
        numberOfRecordSets: recordSets,
        maxNumberOfVirtualNetworkLinks: LIMITS.linksPerZone,
        numberOfVirtualNetworkLinks: links,
        maxNumberOfVirtualNetworkLinksWithRegistration: LIMITS.registrationLinksPerZone,
        numberOfVirtualNetworkLinksWithRegistration: registration,
        provisioningState: provisioningState ?? "Succeeded",
        internalId,
      },
    };
  },
  virtualChildren: {
    all: {
      type: "Microsoft.Network/privateDnsZones/ALL",
      list(parent, view, _now, query) {
        const items = recordSetsOf(view, parent.id)
          .sort((a, b) => {
            const na = String(a.body.name).toLowerCase();
            const nb = String(b.body.name).toLowerCase();
            if (na !== nb) return na === "@" ? -1 : nb === "@" ? 1 : na < nb ? -1 : 1;
            return typeRank(a.type) - typeRank(b.type);
          })
          .map((e) => projectRecordSet(e.body, view, e));
        return filterByNameSuffix(items, query);
      },
    },
  },
};
