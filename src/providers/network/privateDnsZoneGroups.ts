// Microsoft.Network/privateEndpoints/privateDnsZoneGroups: ties an endpoint to private DNS zones.
// Writing one writes, for every name of the endpoint that falls in a listed zone, an A record set
// with the endpoint's address, overwriting whatever was there: that is how a second scope's
// endpoint in the same zones takes the names over from the first, as in Azure. Deleting it removes
// the records it wrote, unless another endpoint has overwritten them since.
import { ArmError, errors } from "../../core/armError.js";
import { privatelinkRecordFor } from "../../core/arcEndpoints.js";
import { Entry, WorldView } from "../../world/world.js";
import { ProviderContext, ResourceType } from "../contract.js";
import { aRecordSetBody, recordSetId } from "../privatedns/recordSetBody.js";
import { asArray, asObject, optString, ref } from "../validate.js";
import { arr } from "./addressing.js";
import { NETWORK_API_VERSIONS } from "./apiVersions.js";
import {
  childNetworkType,
  idOf,
  lastName,
  parentEntry,
  parentOf,
  PRIVATE_DNS_ZONE_TYPE,
  sameKey,
  ZONE_GROUP_TYPE,
} from "./common.js";
import { resourceGuidOf } from "./privateEndpoints.js";

const MAX_ZONES = 5;

interface Mapping {
  recordId: string;
  record: string;
  fqdn: string;
  ips: string[];
}

/** The A records an endpoint's names need in one zone. */
function mappings(pe: Entry, zoneId: string, zoneName: string): Mapping[] {
  const out: Mapping[] = [];
  for (const cfg of arr(pe.body.properties?.customDnsConfigs)) {
    const hit = typeof cfg?.fqdn === "string" ? privatelinkRecordFor(cfg.fqdn, [zoneName]) : undefined;
    if (!hit) continue;
    out.push({
      recordId: recordSetId(zoneId, "A", hit.record),
      record: hit.record,
      fqdn: `${hit.record}.${zoneName.toLowerCase()}`,
      ips: arr(cfg.ipAddresses).map(String),
    });
  }
  return out;
}

function zoneNameOf(zoneId: string, view: WorldView): string {
  return String(view.get(zoneId)?.body.name ?? lastName(zoneId)).toLowerCase();
}

function sameIps(a: string[], b: string[]): boolean {
  return a.length === b.length && [...a].sort().join(",") === [...b].sort().join(",");
}

function recordIps(e: Entry | undefined): string[] {
  return arr(e?.body.properties?.aRecords).map((r) => String(r?.ipv4Address));
}

/** Removes the records of `pe` in a zone that still hold exactly its addresses. */
function removeRecords(ctx: ProviderContext, pe: Entry, zoneId: string): void {
  const zoneName = zoneNameOf(zoneId, ctx.tx);
  for (const m of mappings(pe, zoneId, zoneName)) {
    const e = ctx.tx.get(m.recordId);
    if (e && sameIps(recordIps(e), m.ips)) ctx.tx.delete(e.id);
  }
}

function zonesOf(body: Record<string, any> | undefined): string[] {
  return arr(body?.properties?.privateDnsZoneConfigs)
    .map((c) => c?.properties?.privateDnsZoneId)
    .filter((z): z is string => typeof z === "string");
}

export const privateDnsZoneGroups: ResourceType = childNetworkType({
  type: ZONE_GROUP_TYPE,
  topologyEntry: { key: "privateDnsZoneGroup" },
  apiVersions: NETWORK_API_VERSIONS,
  write(ctx, req) {
    const pe = parentEntry(ctx, req);
    const other = ctx.tx.children(pe.id, ZONE_GROUP_TYPE).find((g) => !sameKey(g.id, req.id.id));
    if (other) {
      throw new ArmError(
        400,
        "OnlyOnePrivateDnsZoneGroupPerPrivateEndpoint",
        `Private endpoint ${pe.body.name} already has the private DNS zone group '${other.body.name}'; an endpoint can have only one. Add the zone to '${other.body.name}' (up to ${MAX_ZONES} zones) instead of creating another group.`,
      );
    }
    const p = asObject(req.body.properties, "properties");
    const inputs = asArray(p.privateDnsZoneConfigs, "properties.privateDnsZoneConfigs");
    if (!inputs.length) {
      throw errors.missingProperty(
        "properties.privateDnsZoneConfigs",
        'List the zones, e.g. [{"name":"his","properties":{"privateDnsZoneId":"<zone id>"}}].',
      );
    }
    if (inputs.length > MAX_ZONES) {
      throw errors.invalidProperty(
        "properties.privateDnsZoneConfigs",
        `at most ${MAX_ZONES} zones are allowed in a zone group (got ${inputs.length}).`,
      );
    }
    const configs: { name: string; zone: Entry }[] = [];
    inputs.forEach((x, i) => {
      const path = `properties.privateDnsZoneConfigs[${i}]`;
      const o = asObject(x, path);
      const cp = asObject(o.properties, `${path}.properties`);
      if (cp.privateDnsZoneId === undefined || cp.privateDnsZoneId === null) {
        throw errors.missingProperty(
          `${path}.properties.privateDnsZoneId`,
          "Set it to the id of a Microsoft.Network/privateDnsZones zone.",
        );
      }
      const zone = ref(
        cp.privateDnsZoneId,
        `${path}.properties.privateDnsZoneId`,
        PRIVATE_DNS_ZONE_TYPE,
        ctx.tx,
        "private DNS zone",
      );
      const name = optString(o.name, `${path}.name`, 80) ?? String(zone.body.name).replace(/\./g, "-");
      if (configs.some((c) => sameKey(c.zone.id, zone.id))) {
        throw errors.invalidProperty(
          `${path}.properties.privateDnsZoneId`,
          `zone ${zone.body.name} is listed twice.`,
        );
      }
      if (configs.some((c) => c.name.toLowerCase() === name.toLowerCase())) {
        throw errors.invalidProperty(
          `${path}.name`,
          `two zone configs are named '${name}'; names must be unique.`,
        );
      }
      configs.push({ name, zone });
    });

    for (const old of zonesOf(req.existing?.body)) {
      if (!configs.some((c) => sameKey(c.zone.id, old))) removeRecords(ctx, pe, old);
    }
    const guid = resourceGuidOf(pe);
    const createdBy = ctx.principal.appId ?? ctx.principal.oid;
    for (const c of configs) {
      const zoneId = idOf(c.zone);
      const zoneName = String(c.zone.body.name).toLowerCase();
      for (const m of mappings(pe, zoneId, zoneName)) {
        const body = aRecordSetBody({
          zoneId,
          zoneName,
          name: m.record,
          ips: m.ips,
          ttl: 10,
          metadata: { creator: `created by private endpoint ${pe.body.name} with resource guid ${guid}` },
          createdAt: ctx.now.toISOString(),
          createdBy,
        });
        ctx.tx.put(m.recordId, body.type, body);
      }
    }
    return {
      privateDnsZoneConfigs: configs.map((c) => ({
        name: c.name,
        properties: { privateDnsZoneId: idOf(c.zone) },
      })),
    };
  },
  beforeDelete(ctx, existing) {
    const pe = ctx.tx.get(parentOf(existing.id));
    if (!pe) return;
    for (const zoneId of zonesOf(existing.body)) removeRecords(ctx, pe, zoneId);
  },
  project(body, view) {
    const pe = view.get(parentOf(String(body.id)));
    const configs = arr(body.properties?.privateDnsZoneConfigs).map((c) => {
      const zoneId = String(c?.properties?.privateDnsZoneId ?? "");
      const zoneName = zoneNameOf(zoneId, view);
      const recordSets = pe
        ? mappings(pe, zoneId, zoneName).flatMap((m) => {
            const e = view.get(m.recordId);
            if (!e) return [];
            return [
              {
                recordType: "A",
                recordSetName: m.record,
                fqdn: m.fqdn,
                ttl: e.body.properties?.ttl,
                ipAddresses: recordIps(e),
                provisioningState: "Succeeded",
              },
            ];
          })
        : [];
      return { ...c, properties: { ...c.properties, recordSets } };
    });
    return { ...body, properties: { ...body.properties, privateDnsZoneConfigs: configs } };
  },
});
