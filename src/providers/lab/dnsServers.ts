// ArcLink.Lab/dnsServers: a DNS server on-premises (a domain controller, BIND, Infoblox) or a
// forwarder VM in a VNet: its own zones, conditional forwarders, default forwarders and whether it
// recurses to the internet (default true, as Windows DNS and BIND do out of the box). `external`
// lets a real DNS server on loopback stand in for it.
import { isIPv6 } from "node:net";
import { ArmError, errors } from "../../core/armError.js";
import { parseIpv4 } from "../../core/ip.js";
import { ResourceType } from "../contract.js";
import { asArray, asObject, optBool, optEnum, optInt } from "../validate.js";
import {
  checkAddress,
  compact,
  DNS_SERVER_TYPE,
  domainName,
  invalid,
  ipList,
  ipv4,
  LAB_COMMON,
  placement,
} from "./common.js";

export const DNS_RECORD_TYPES = ["A", "AAAA", "CNAME", "TXT"] as const;
export type LabRecordType = (typeof DNS_RECORD_TYPES)[number];
export const LOOPBACK_HOSTS = ["127.0.0.1", "::1", "localhost"] as const;

export interface LabDnsRecord {
  name: string;
  type: LabRecordType;
  ttl?: number;
  values: string[];
}

export interface LabDnsZone {
  name: string;
  records: LabDnsRecord[];
}

export const dnsServers: ResourceType = {
  ...LAB_COMMON,
  type: DNS_SERVER_TYPE,
  model: { section: "dnsServers" },
  topology: { section: "dnsServers" },
  write(ctx, req) {
    const props = asObject(req.body.properties, "properties");
    const where = placement(ctx.tx, props);
    const ipAddress = ipv4(props.ipAddress, "properties.ipAddress");
    checkAddress(ctx.tx, where, ipAddress, req.id.id, "properties.ipAddress");
    const zones = zonesOf(props.zones);
    const conditionalForwarders = forwardersOf(props.conditionalForwarders, zones);
    const forwarders = ipList(props.forwarders, "properties.forwarders");
    const recursion = optBool(props.recursion, "properties.recursion") ?? true;
    const external = externalOf(props.external);
    return compact({
      siteId: where.kind === "site" ? where.id : undefined,
      subnetId: where.kind === "subnet" ? where.id : undefined,
      ipAddress,
      zones,
      conditionalForwarders,
      forwarders,
      recursion,
      external,
    });
  },
};

function zonesOf(v: unknown): LabDnsZone[] {
  const seen = new Map<string, number>();
  return asArray(v, "properties.zones").map((z, i) => {
    const path = `properties.zones[${i}]`;
    const o = asObject(z, path);
    const name = domainName(o.name, `${path}.name`);
    const prev = seen.get(name);
    if (prev !== undefined) {
      throw invalid(
        `${path}.name`,
        `zone ${name} is already defined at properties.zones[${prev}]; merge them.`,
      );
    }
    seen.set(name, i);
    return { name, records: recordsOf(o.records, name, `${path}.records`) };
  });
}

function recordsOf(v: unknown, zone: string, base: string): LabDnsRecord[] {
  const out: LabDnsRecord[] = [];
  const at = new Map<string, { type: string; index: number }[]>();
  asArray(v, base).forEach((r, i) => {
    const path = `${base}[${i}]`;
    const o = asObject(r, path);
    const name = recordName(o.name, zone, `${path}.name`);
    const type = optEnum(o.type, `${path}.type`, DNS_RECORD_TYPES);
    if (!type) throw errors.missingProperty(`${path}.type`, "Use A, AAAA, CNAME or TXT.");
    const ttl = optInt(o.ttl, `${path}.ttl`, 0, 2147483647);
    const values = valuesOf(o.values, type, `${path}.values`);
    const others = at.get(name) ?? [];
    const same = others.find((x) => x.type === type);
    if (same) {
      throw invalid(
        path,
        `there is already a ${type} record set '${name}' at ${base}[${same.index}]; put all values in one entry's 'values'.`,
      );
    }
    const clash = others.find((x) => x.type === "CNAME" || type === "CNAME");
    if (clash) {
      throw new ArmError(
        400,
        "CNAMEConflict",
        `The name '${name}' in zone ${zone} has a CNAME and another record (${base}[${clash.index}] and ${path}). A CNAME cannot coexist with other records at the same name: keep one.`,
        { target: path },
      );
    }
    if (type === "CNAME" && name === "@") {
      throw new ArmError(
        400,
        "CNAMEConflict",
        `A CNAME cannot be at the apex of zone ${zone} (${path}): the apex holds the zone's SOA and NS records. Use a relative name.`,
        { target: `${path}.name` },
      );
    }
    others.push({ type, index: i });
    at.set(name, others);
    out.push(compact({ name, type, ttl, values }));
  });
  return out;
}

const RELATIVE_LABEL = /^(\*|[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?)$/i;

function recordName(v: unknown, zone: string, path: string): string {
  if (v === undefined || v === null || v === "")
    throw errors.missingProperty(path, "Use '@' for the zone apex.");
  if (typeof v !== "string") throw errors.invalidRequestContent(`'${path}' must be a string.`, path);
  if (v === "@") return "@";
  const n = v.toLowerCase();
  if (n === zone || n === zone + "." || n.endsWith("." + zone) || n.endsWith("." + zone + ".")) {
    const rel = n.replace(/\.$/, "").slice(0, -(zone.length + 1)) || "@";
    throw invalid(
      path,
      `record names are relative to the zone: write '${rel}' instead of '${v}' (it would become '${n}.${zone}').`,
    );
  }
  const labels = n.split(".");
  if (n.length > 253 || !labels.every((l, i) => RELATIVE_LABEL.test(l) && (l !== "*" || i === 0))) {
    throw invalid(
      path,
      `'${v}' is not a relative record name: use '@' for the apex or dot-separated labels such as 'gbl' or 'eastus-gas' ('*' only as the first label).`,
    );
  }
  return n;
}

function valuesOf(v: unknown, type: LabRecordType, path: string): string[] {
  if (v === undefined || v === null) throw errors.missingProperty(path);
  if (!Array.isArray(v) || v.length === 0) throw invalid(path, "must be a non-empty array of record values.");
  if (type === "CNAME" && v.length !== 1) {
    throw invalid(path, `a CNAME has exactly one target name (got ${v.length}).`);
  }
  return v.map((x, i) => {
    const p = `${path}[${i}]`;
    if (typeof x !== "string") throw errors.invalidRequestContent(`'${p}' must be a string.`, p);
    switch (type) {
      case "A":
        if (parseIpv4(x) === undefined)
          throw invalid(p, `'${x}' is not an IPv4 address; an A record holds one.`);
        return x;
      case "AAAA":
        if (!isIPv6(x)) throw invalid(p, `'${x}' is not an IPv6 address; an AAAA record holds one.`);
        return x;
      case "CNAME":
        return domainName(x, p);
      case "TXT":
        if (x.length > 255) {
          throw invalid(
            p,
            `a TXT string holds at most 255 characters (got ${x.length}); split it into several values.`,
          );
        }
        return x;
    }
  });
}

function forwardersOf(v: unknown, zones: LabDnsZone[]): { domain: string; targets: string[] }[] {
  const seen = new Map<string, number>();
  return asArray(v, "properties.conditionalForwarders").map((f, i) => {
    const path = `properties.conditionalForwarders[${i}]`;
    const o = asObject(f, path);
    const domain = domainName(o.domain, `${path}.domain`);
    const prev = seen.get(domain);
    if (prev !== undefined) {
      throw invalid(
        `${path}.domain`,
        `${domain} already has a conditional forwarder at properties.conditionalForwarders[${prev}]; list all its targets there.`,
      );
    }
    seen.set(domain, i);
    const zi = zones.findIndex((z) => z.name === domain);
    if (zi >= 0) {
      throw new ArmError(
        400,
        "ZoneAlreadyExists",
        `${domain} is both a zone of this server (properties.zones[${zi}]) and a conditional forwarder (${path}). A DNS server answers a domain one way: remove the zone or the forwarder.`,
        { target: `${path}.domain` },
      );
    }
    return { domain, targets: ipList(o.targets, `${path}.targets`, { min: 1 }) };
  });
}

function externalOf(v: unknown): { host: (typeof LOOPBACK_HOSTS)[number]; port: number } | undefined {
  if (v === undefined || v === null) return undefined;
  const o = asObject(v, "properties.external");
  if (o.host === undefined || o.host === null || o.host === "") {
    throw errors.missingProperty("properties.external.host", "Use 127.0.0.1, ::1 or localhost.");
  }
  const host = LOOPBACK_HOSTS.find((h) => h === String(o.host).toLowerCase());
  if (!host) {
    throw new ArmError(
      400,
      "ExternalResolverNotLoopback",
      `'properties.external.host' is '${o.host}', but a stand-in DNS server must listen on this machine's loopback (127.0.0.1, ::1 or localhost): ArcLink never sends traffic off this machine. Run the server (BIND, Unbound) locally and point 'external' at it.`,
      { target: "properties.external.host" },
    );
  }
  const port = optInt(o.port, "properties.external.port", 1, 65535);
  if (port === undefined)
    throw errors.missingProperty(
      "properties.external.port",
      "The UDP/TCP port the local DNS server listens on.",
    );
  return { host, port };
}
