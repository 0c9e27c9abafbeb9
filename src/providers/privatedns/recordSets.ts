// Microsoft.Network/privateDnsZones/{A|AAAA|CNAME|MX|PTR|SOA|SRV|TXT}: one ResourceType per
// record type, proxy children of the zone, written synchronously. Names are stored and answered
// lower-cased as Azure does; `@` is the apex; a CNAME stands alone at its name; the SOA lives at `@`
// only and goes away only with its zone.
import { isIPv6 } from "node:net";
import { ArmError, errors } from "../../core/armError.js";
import { parseIpv4 } from "../../core/ip.js";
import { keyOf, name as nameOf, parentId, parseResourceId } from "../../core/resourceId.js";
import { Entry, WorldView } from "../../world/world.js";
import { ResourceType } from "../contract.js";
import { asArray, asObject, optInt, optString } from "../validate.js";
import {
  DEFAULT_SOA,
  DEFAULT_TTL,
  RECORD_PROPERTY,
  RECORD_TYPES,
  RecordType,
  recordFqdn,
  recordSetId,
  recordSetType,
  recordTypeOf,
} from "./recordSetBody.js";
import { LIMITS, PRIVATE_DNS_API_VERSIONS } from "./versions.js";

const LABEL = "[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?";
const RELATIVE_NAME = new RegExp(`^(?:@|(?:\\*|${LABEL})(?:\\.${LABEL})*)$`);
/** A host name a record points at (CNAME target, MX exchange, PTR name, SRV target); a trailing dot is allowed. */
const HOST_NAME = new RegExp(`^(?:\\*\\.)?${LABEL}(?:\\.${LABEL})*\\.?$`);
const MAX_INT32 = 2147483647;
const MAX_UINT32 = 4294967295;

function bad(path: string, message: string): ArmError {
  return new ArmError(400, "InvalidParameter", `Invalid value for '${path}': ${message}`, { target: path });
}

function hostName(v: unknown, path: string, allowRoot = false): string {
  const s = optString(v, path, 254);
  if (s === undefined || s === "") throw errors.missingProperty(path);
  if (allowRoot && s === ".") return s;
  if (s.replace(/\.$/, "").length > 253 || !HOST_NAME.test(s)) {
    throw bad(
      path,
      `'${s}' is not a valid DNS name. Use labels of letters, digits, hyphens and underscores (1-63 characters each) separated by dots, such as 'host.contoso.com'.`,
    );
  }
  return s;
}

function reqInt(v: unknown, path: string, min: number, max: number): number {
  const n = optInt(v, path, min, max);
  if (n === undefined) throw errors.missingProperty(path);
  return n;
}

function recordList(v: unknown, path: string): Record<string, any>[] {
  const list = asArray(v, path);
  if (list.length > LIMITS.recordsPerRecordSet) {
    throw new ArmError(
      400,
      "RecordLimitExceeded",
      `'${path}' has ${list.length} records; a private DNS record set holds at most ${LIMITS.recordsPerRecordSet}. Split them across record sets with different names.`,
      { target: path },
    );
  }
  return list.map((x, i) => asObject(x, `${path}[${i}]`));
}

function metadataOf(v: unknown): Record<string, string> {
  const o = asObject(v, "properties.metadata");
  for (const [k, val] of Object.entries(o)) {
    if (typeof val !== "string") {
      throw errors.invalidRequestContent(
        `Metadata '${k}' must have a string value; got ${val === null ? "null" : typeof val}.`,
        `properties.metadata.${k}`,
      );
    }
  }
  return o as Record<string, string>;
}

/** Validates the records of one type; returns the `properties` entries to store. */
function recordsOf(t: RecordType, p: Record<string, any>, existing?: Entry): Record<string, any> {
  const key = RECORD_PROPERTY[t];
  const path = `properties.${key}`;
  switch (t) {
    case "A":
      return {
        aRecords: recordList(p.aRecords, path).map((r, i) => {
          const ip = optString(r.ipv4Address, `${path}[${i}].ipv4Address`, 64);
          if (ip === undefined) throw errors.missingProperty(`${path}[${i}].ipv4Address`);
          if (parseIpv4(ip) === undefined) {
            throw bad(`${path}[${i}].ipv4Address`, `'${ip}' is not an IPv4 address such as 10.0.0.4.`);
          }
          return { ipv4Address: ip };
        }),
      };
    case "AAAA":
      return {
        aaaaRecords: recordList(p.aaaaRecords, path).map((r, i) => {
          const ip = optString(r.ipv6Address, `${path}[${i}].ipv6Address`, 64);
          if (ip === undefined) throw errors.missingProperty(`${path}[${i}].ipv6Address`);
          if (!isIPv6(ip)) {
            throw bad(`${path}[${i}].ipv6Address`, `'${ip}' is not an IPv6 address such as fd00::4.`);
          }
          return { ipv6Address: ip };
        }),
      };
    case "CNAME": {
      if (p.cnameRecord === undefined || p.cnameRecord === null) return {};
      if (Array.isArray(p.cnameRecord)) {
        throw bad(path, 'a CNAME record set holds exactly one value: send an object { "cname": "..." }.');
      }
      const r = asObject(p.cnameRecord, path);
      return { cnameRecord: { cname: hostName(r.cname, `${path}.cname`) } };
    }
    case "MX":
      return {
        mxRecords: recordList(p.mxRecords, path).map((r, i) => ({
          preference: reqInt(r.preference, `${path}[${i}].preference`, 0, 65535),
          exchange: hostName(r.exchange, `${path}[${i}].exchange`, true),
        })),
      };
    case "PTR":
      return {
        ptrRecords: recordList(p.ptrRecords, path).map((r, i) => ({
          ptrdname: hostName(r.ptrdname, `${path}[${i}].ptrdname`),
        })),
      };
    case "SRV":
      return {
        srvRecords: recordList(p.srvRecords, path).map((r, i) => ({
          priority: reqInt(r.priority, `${path}[${i}].priority`, 0, 65535),
          weight: reqInt(r.weight, `${path}[${i}].weight`, 0, 65535),
          port: reqInt(r.port, `${path}[${i}].port`, 0, 65535),
          target: hostName(r.target, `${path}[${i}].target`, true),
        })),
      };
    case "TXT":
      return {
        txtRecords: recordList(p.txtRecords, path).map((r, i) => {
          const vp = `${path}[${i}].value`;
          const values = asArray(r.value, vp);
          if (values.length === 0)
            throw errors.missingProperty(vp, "A TXT record needs at least one string.");
          return {
            value: values.map((s, j) => {
              if (typeof s !== "string") {
                throw errors.invalidRequestContent(`'${vp}[${j}]' must be a string.`, `${vp}[${j}]`);
              }
              if (s.length > 255) {
                throw bad(
                  `${vp}[${j}]`,
                  `a TXT string holds at most 255 characters (got ${s.length}). Split longer text into several strings of the same record.`,
                );
              }
              return s;
            }),
          };
        }),
      };
    case "SOA": {
      const prev: Record<string, any> =
        (existing?.body.properties?.soaRecord as Record<string, any> | undefined) ?? DEFAULT_SOA;
      if (p.soaRecord === undefined || p.soaRecord === null) return { soaRecord: { ...prev } };
      const r = asObject(p.soaRecord, path);
      const host = optString(r.host, `${path}.host`, 254);
      if (host !== undefined && host.replace(/\.$/, "").toLowerCase() !== DEFAULT_SOA.host) {
        throw bad(
          `${path}.host`,
          `the SOA host of a private zone is always '${DEFAULT_SOA.host}'. Leave 'host' out or send that value.`,
        );
      }
      const num = (k: string, max: number) => optInt(r[k], `${path}.${k}`, 0, max) ?? prev[k];
      const email =
        r.email === undefined || r.email === null ? prev.email : hostName(r.email, `${path}.email`);
      return {
        soaRecord: {
          host: DEFAULT_SOA.host,
          email,
          serialNumber: num("serialNumber", MAX_UINT32),
          refreshTime: num("refreshTime", MAX_UINT32),
          retryTime: num("retryTime", MAX_UINT32),
          expireTime: num("expireTime", MAX_UINT32),
          minimumTtl: num("minimumTtl", MAX_UINT32),
        },
      };
    }
  }
}

function hasRecords(v: unknown): boolean {
  if (v === undefined || v === null) return false;
  if (Array.isArray(v)) return v.length > 0;
  return typeof v !== "object" || Object.keys(v as object).length > 0;
}

/** Record sets of a zone (every type), as stored. */
export function recordSetsOf(view: WorldView, zoneId: string): Entry[] {
  return view.children(zoneId).filter((e) => recordTypeOf(e.type) !== undefined);
}

/** The record set as GET returns it: lower-cased name, the zone's id spelling, the type in Azure's casing. */
export function projectRecordSet(
  body: Record<string, any>,
  view: WorldView,
  entry: Entry,
): Record<string, any> {
  const t = recordTypeOf(entry.type);
  const parsed = parseResourceId(entry.id);
  if (!t || !parsed) return body;
  const zid = parentId(parsed)!;
  const zoneIdText = (view.get(zid)?.body.id as string | undefined) ?? zid;
  const name = String(body.name ?? nameOf(parsed)).toLowerCase();
  return { ...body, id: recordSetId(zoneIdText, t, name), name, type: recordSetType(t) };
}

/** `$recordsetnamesuffix`: only record sets whose name ends with ".{suffix}" (or equals it). */
export function filterByNameSuffix(
  items: Record<string, any>[],
  query: URLSearchParams | undefined,
): Record<string, any>[] {
  if (!query) return items;
  let suffix: string | undefined;
  for (const [k, v] of query) if (k.toLowerCase() === "$recordsetnamesuffix") suffix = v;
  if (!suffix) return items;
  const s = suffix.toLowerCase().replace(/^\.+/, "");
  if (!s || s === "@") return items;
  return items.filter((x) => {
    const n = String(x.name).toLowerCase();
    return n === s || n.endsWith(`.${s}`);
  });
}

/** The record types a topology file's zone entry lists under `records:`. */
const TOPOLOGY_RECORD_TYPES: readonly RecordType[] = ["A", "AAAA", "CNAME", "TXT"];

function makeRecordSetType(t: RecordType): ResourceType {
  return {
    type: recordSetType(t),
    ...(TOPOLOGY_RECORD_TYPES.includes(t) ? { topologyEntry: { key: "records", typed: true } } : {}),
    apiVersions: PRIVATE_DNS_API_VERSIONS,
    kind: "proxy",
    globalLocation: true,
    name:
      t === "SOA"
        ? { min: 1, max: 1, pattern: /^@$/, describe: "the SOA record set exists only at the apex: use '@'" }
        : {
            min: 1,
            max: 253,
            pattern: RELATIVE_NAME,
            describe:
              "'@' for the apex, or DNS labels separated by dots (letters, digits, hyphens and underscores, 1-63 characters each); '*' may be the first label",
          },
    lro: { put: "sync", delete: "sync" },
    etag: "guid",
    patch: "merge",
    write(ctx, req) {
      const zoneId = parentId(req.id)!;
      const zone = ctx.tx.get(zoneId)!;
      const zoneName = String(zone.body.name ?? nameOf(parseResourceId(zoneId)!));
      const name = nameOf(req.id).toLowerCase();
      const fqdn = recordFqdn(zoneName, name);
      if (fqdn.length - 1 > 253) {
        throw new ArmError(
          400,
          "InvalidResourceName",
          `The record set name '${name}' makes the name '${fqdn}' longer than 253 characters. Use a shorter name.`,
        );
      }
      const p = asObject(req.body.properties, "properties");
      for (const other of RECORD_TYPES) {
        const k = RECORD_PROPERTY[other];
        if (other !== t && hasRecords(p[k])) {
          throw new ArmError(
            400,
            "InvalidRequestContent",
            `A record set of type ${t} cannot hold '${k}' (${other} records). Put them in the ${other} record set at .../${other}/${name}.`,
            { target: `properties.${k}` },
          );
        }
      }
      const ttl = optInt(p.ttl, "properties.ttl", 0, MAX_INT32) ?? DEFAULT_TTL;
      const metadata = metadataOf(p.metadata);
      const records = recordsOf(t, p, req.existing);

      const self = keyOf(req.id.id);
      const siblings = recordSetsOf(ctx.tx, zoneId).filter((e) => e.key !== self);
      const sameName = siblings.filter((e) => String(e.body.name).toLowerCase() === name);
      if (t === "CNAME" && sameName.length) {
        const types = [...new Set(sameName.map((e) => recordTypeOf(e.type)))].join(", ");
        throw new ArmError(
          409,
          "Conflict",
          `The CNAME record set '${name}' cannot be created: record sets of type ${types} already exist at '${fqdn}', and a CNAME must be the only record set at its name. Delete them first or pick another name.`,
        );
      }
      if (t !== "CNAME" && sameName.some((e) => recordTypeOf(e.type) === "CNAME")) {
        throw new ArmError(
          409,
          "Conflict",
          `The ${t} record set '${name}' cannot be created: a CNAME record set already exists at '${fqdn}', and a CNAME must be the only record set at its name. Delete the CNAME record set first or pick another name.`,
        );
      }
      if (!req.existing && siblings.length >= LIMITS.recordSetsPerZone) {
        throw new ArmError(
          409,
          "RecordSetLimitExceeded",
          `The private DNS zone '${zoneName}' already holds ${siblings.length} record sets, the most a zone can hold (${LIMITS.recordSetsPerZone}). Delete record sets you no longer need or use another zone.`,
        );
      }
      return { metadata, ttl, fqdn, isAutoRegistered: false, ...records };
    },
    beforeDelete(_ctx, existing, { cascade }) {
      if (t === "SOA" && !cascade) {
        throw new ArmError(
          400,
          "CannotDeleteSoaRecordSet",
          `The SOA record set of zone '${existing.id.split("/").slice(-3, -2)[0]}' cannot be deleted: every zone has one at '@'. It goes away when the zone is deleted.`,
        );
      }
    },
    project(body, view, _now, entry) {
      return projectRecordSet(body, view, entry);
    },
    listFilter: filterByNameSuffix,
  };
}

export const recordSetTypes: ResourceType[] = RECORD_TYPES.map(makeRecordSetType);
