// ArcLink.Lab/firewalls: the on-premises firewall of a site (one per site). Rules are evaluated
// by priority, lowest first; the default action applies when none matches. Destinations may be
// service tags (AzureActiveDirectory, AzureResourceManager, AzureArcInfrastructure[.Region]) as
// firewalls import them from the service tag file. `tlsInspection` makes the firewall break and
// re-sign TLS with its own certificate authority (a TLS-inspecting firewall): hosts that do not
// trust that CA fail the handshake, except for the destinations excluded from inspection.
import { ArmError, errors } from "../../core/armError.js";
import { hasHostBits, parseCidr } from "../../core/ip.js";
import { sameId } from "../../core/resourceId.js";
import { ResourceType } from "../contract.js";
import { asArray, asObject, optEnum, optInt, reqString, ref } from "../validate.js";
import { FIREWALL_TYPE, invalid, LAB_COMMON, LAB_NAME, SITE_TYPE } from "./common.js";

export const FIREWALL_ACTIONS = ["Allow", "Deny"] as const;
export const FIREWALL_PROTOCOLS = ["Tcp", "Udp", "Any"] as const;

export interface FirewallRule {
  name: string;
  priority: number;
  action: (typeof FIREWALL_ACTIONS)[number];
  protocol: (typeof FIREWALL_PROTOCOLS)[number];
  destinationAddresses: string[];
  destinationPorts: string[];
  sourceAddresses?: string[];
}

const SERVICE_TAG = /^[A-Za-z][A-Za-z0-9]*(\.[A-Za-z0-9]+)*$/;

export const firewalls: ResourceType = {
  ...LAB_COMMON,
  type: FIREWALL_TYPE,
  model: { section: "sites" },
  topology: { section: "firewalls" },
  write(ctx, req) {
    const props = asObject(req.body.properties, "properties");
    const site = ref(props.siteId, "properties.siteId", SITE_TYPE, ctx.tx, "site");
    const other = ctx.tx
      .ofType(FIREWALL_TYPE)
      .find((e) => !sameId(e.id, req.id.id) && sameId(e.body.properties?.siteId, site.id));
    if (other) {
      throw new ArmError(
        409,
        "SiteAlreadyHasFirewall",
        `Site ${site.body.name} already has a firewall, ${other.id}. A site has one firewall: add rules to that one instead.`,
        { target: "properties.siteId" },
      );
    }
    const defaultAction = optEnum(props.defaultAction, "properties.defaultAction", FIREWALL_ACTIONS);
    if (!defaultAction) {
      throw errors.missingProperty(
        "properties.defaultAction",
        "Use 'Allow' or 'Deny' (what happens when no rule matches).",
      );
    }
    const tlsInspection = tlsInspectionOf(props.tlsInspection, "properties.tlsInspection");
    return {
      siteId: site.id,
      defaultAction,
      rules: rulesOf(props.rules),
      ...(tlsInspection ? { tlsInspection } : {}),
    };
  },
};

export interface TlsInspection {
  /** The name (subject) of the CA the device re-signs intercepted TLS with. */
  certificateAuthority: string;
  /** Server names not inspected: exact names or "*.suffix" patterns. */
  excludedFqdns?: string[];
}

const FQDN_PATTERN = /^(\*\.)?([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/i;

/** Validates a firewall's or proxy's `tlsInspection` (shared by both device types). */
export function tlsInspectionOf(v: unknown, path: string): TlsInspection | undefined {
  if (v === undefined || v === null) return undefined;
  const o = asObject(v, path);
  const certificateAuthority = o.certificateAuthority;
  if (certificateAuthority === undefined || certificateAuthority === null || certificateAuthority === "")
    throw errors.missingProperty(
      `${path}.certificateAuthority`,
      "Name the CA the device signs intercepted connections with, e.g. 'Contoso TLS Inspection CA'.",
    );
  const ca = reqString(certificateAuthority, `${path}.certificateAuthority`, 256);
  const out: TlsInspection = { certificateAuthority: ca };
  if (o.excludedFqdns !== undefined && o.excludedFqdns !== null) {
    out.excludedFqdns = asArray(o.excludedFqdns, `${path}.excludedFqdns`).map((x, i) => {
      const p = `${path}.excludedFqdns[${i}]`;
      if (typeof x !== "string" || !FQDN_PATTERN.test(x))
        throw invalid(
          p,
          `'${String(x)}' is not a server name: use a name such as gbl.his.arc.azure.com or a pattern such as *.his.arc.azure.com.`,
        );
      return x.toLowerCase();
    });
  }
  return out;
}

function rulesOf(v: unknown): FirewallRule[] {
  const names = new Map<string, number>();
  const priorities = new Map<number, number>();
  return asArray(v, "properties.rules").map((r, i) => {
    const path = `properties.rules[${i}]`;
    const o = asObject(r, path);
    const name = reqString(o.name, `${path}.name`, LAB_NAME.max);
    if (!LAB_NAME.pattern.test(name))
      throw invalid(`${path}.name`, `'${name}' is not a valid rule name: ${LAB_NAME.describe}.`);
    const dupName = names.get(name.toLowerCase());
    if (dupName !== undefined)
      throw invalid(`${path}.name`, `rule name '${name}' is also used by properties.rules[${dupName}].`);
    names.set(name.toLowerCase(), i);
    const priority = optInt(o.priority, `${path}.priority`, 100, 4096);
    if (priority === undefined)
      throw errors.missingProperty(`${path}.priority`, "Use a number from 100 to 4096; lower runs first.");
    const dupPrio = priorities.get(priority);
    if (dupPrio !== undefined) {
      throw new ArmError(
        400,
        "SecurityRuleConflict",
        `Rules '${name}' (${path}) and properties.rules[${dupPrio}] have the same priority ${priority}. Priorities must be unique: change one.`,
        { target: `${path}.priority` },
      );
    }
    priorities.set(priority, i);
    const action = optEnum(o.action, `${path}.action`, FIREWALL_ACTIONS);
    if (!action) throw errors.missingProperty(`${path}.action`, "Use 'Allow' or 'Deny'.");
    const protocol = optEnum(o.protocol, `${path}.protocol`, FIREWALL_PROTOCOLS) ?? "Any";
    const destinationAddresses = addresses(o.destinationAddresses, `${path}.destinationAddresses`, true)!;
    const destinationPorts = ports(o.destinationPorts, `${path}.destinationPorts`);
    const sourceAddresses = addresses(o.sourceAddresses, `${path}.sourceAddresses`, false);
    const rule: FirewallRule = { name, priority, action, protocol, destinationAddresses, destinationPorts };
    if (sourceAddresses) rule.sourceAddresses = sourceAddresses;
    return rule;
  });
}

function addresses(v: unknown, path: string, required: boolean): string[] | undefined {
  if (v === undefined || v === null) {
    if (required)
      throw errors.missingProperty(
        path,
        "List CIDRs, IPs, '*' or service tags such as AzureActiveDirectory.",
      );
    return undefined;
  }
  if (!Array.isArray(v) || v.length === 0) throw invalid(path, "must be a non-empty array.");
  return v.map((x, i) => {
    const p = `${path}[${i}]`;
    if (typeof x !== "string" || x === "")
      throw errors.invalidRequestContent(`'${p}' must be a non-empty string.`, p);
    if (x === "*") return x;
    if (/^[\d./]+$/.test(x)) {
      const c = parseCidr(x);
      if (!c) throw invalid(p, `'${x}' is not an IPv4 address or CIDR.`);
      if (hasHostBits(c))
        throw invalid(p, `${x} has host bits set; write the network address of the prefix.`);
      return x;
    }
    if (!SERVICE_TAG.test(x)) {
      throw invalid(
        p,
        `'${x}' is neither an IPv4 address, a CIDR, '*' nor a service tag name (such as AzureActiveDirectory, AzureResourceManager or AzureArcInfrastructure.EastUS).`,
      );
    }
    return x;
  });
}

function ports(v: unknown, path: string): string[] {
  if (v === undefined || v === null)
    throw errors.missingProperty(path, "Use '*', a port such as '443', or a range such as '1024-65535'.");
  if (!Array.isArray(v) || v.length === 0) throw invalid(path, "must be a non-empty array of ports.");
  return v.map((x, i) => {
    const p = `${path}[${i}]`;
    const s = typeof x === "number" ? String(x) : x;
    if (typeof s !== "string")
      throw errors.invalidRequestContent(`'${p}' must be a string such as '443'.`, p);
    if (s === "*") return s;
    const m = /^(\d{1,5})(?:-(\d{1,5}))?$/.exec(s);
    const lo = m ? Number(m[1]) : NaN;
    const hi = m?.[2] !== undefined ? Number(m[2]) : lo;
    if (!m || lo > 65535 || hi > 65535 || lo > hi) {
      throw invalid(
        p,
        `'${s}' is not a port: use '*', a number from 0 to 65535, or a range 'N-M' with N <= M.`,
      );
    }
    return s;
  });
}
