// Microsoft.Network/networkSecurityGroups/securityRules: one allow/deny rule. Written by its own
// PUT or inline by the NSG's PUT (both through securityRuleProperties): priority 100-4096 unique
// per direction, address prefixes (CIDR, IP, '*' or a service tag), ports '*', 'N' or 'N-M'.
import { ArmError, errors } from "../../core/armError.js";
import { parseCidr, parseIpv4 } from "../../core/ip.js";
import { WorldView } from "../../world/world.js";
import { ResourceType } from "../contract.js";
import { asArray, asObject, optEnum, optString } from "../validate.js";
import { NETWORK_API_VERSIONS } from "./apiVersions.js";
import { childNetworkType, orderedChildren, parentOf, publicBody, RULE_TYPE, sameKey } from "./common.js";
import { isServiceTag } from "./serviceTagNames.js";

export const PROTOCOLS = ["Tcp", "Udp", "Icmp", "Esp", "Ah", "*"] as const;
export const ACCESS = ["Allow", "Deny"] as const;
export const DIRECTIONS = ["Inbound", "Outbound"] as const;

export interface RuleSibling {
  name: string;
  priority: number;
  direction: string;
}

function required<T extends string>(v: unknown, path: string, values: readonly T[], example: string): T {
  const r = optEnum(v, path, values);
  if (!r)
    throw errors.missingProperty(
      path,
      `Allowed values: ${values.map((x) => `'${x}'`).join(", ")} (e.g. ${example}).`,
    );
  return r;
}

function checkPort(v: unknown, path: string, rule: string): string {
  const s = typeof v === "number" ? String(v) : v;
  const bad = () =>
    new ArmError(
      400,
      "SecurityRuleInvalidPortRange",
      `Security rule ${rule} has invalid Port range at '${path}'. Value provided: ${String(v)}. Value should be '*', an integer, or an integer range with '-' delimiter. Valid range 0-65535.`,
      { target: path },
    );
  if (typeof s !== "string") throw bad();
  if (s === "*") return s;
  const m = /^(\d{1,5})(?:-(\d{1,5}))?$/.exec(s);
  if (!m) throw bad();
  const lo = Number(m[1]);
  const hi = m[2] === undefined ? lo : Number(m[2]);
  if (lo > 65535 || hi > 65535 || lo > hi) throw bad();
  return s;
}

function checkAddress(v: unknown, path: string, rule: string): string {
  const ok =
    typeof v === "string" &&
    (v === "*" ||
      parseIpv4(v) !== undefined ||
      (v.includes("/") && parseCidr(v) !== undefined) ||
      isServiceTag(v));
  if (!ok) {
    throw new ArmError(
      400,
      "SecurityRuleInvalidAddressPrefix",
      `Security rule ${rule} has invalid Address prefix at '${path}'. Value provided: ${String(v)}. Use '*', an IPv4 address or CIDR (e.g. 10.0.0.0/24), or a service tag such as VirtualNetwork, Internet, AzureActiveDirectory or AzureResourceManager.`,
      { target: path },
    );
  }
  return v as string;
}

/** One side (source/destination) of ports or prefixes: the singular or the plural form. */
function pair(
  p: Record<string, any>,
  out: Record<string, any>,
  path: string,
  rule: string,
  single: string,
  plural: string,
  check: (v: unknown, path: string, rule: string) => string,
  alsoEnough = false,
): void {
  const one = p[single];
  const many = asArray(p[plural], `${path}.${plural}`);
  const hasOne = one !== undefined && one !== null && one !== "";
  if (hasOne && many.length) {
    throw errors.invalidProperty(
      `${path}.${plural}`,
      `security rule ${rule} sets both '${single}' and '${plural}'; use only one of them.`,
    );
  }
  if (!hasOne && !many.length && !alsoEnough) {
    throw errors.missingProperty(`${path}.${single}`, `Set '${single}' (or '${plural}'), e.g. "*".`);
  }
  if (hasOne) out[single] = check(one, `${path}.${single}`, rule);
  out[plural] = many.map((x, i) => check(x, `${path}.${plural}[${i}]`, rule));
}

/** Validates a security rule; `siblings` are the NSG's other rules (as they will be). */
export function securityRuleProperties(
  input: Record<string, any>,
  path: string,
  rule: string,
  siblings: RuleSibling[],
): Record<string, any> {
  const p = input;
  const out: Record<string, any> = {};
  const description = optString(p.description, `${path}.description`, 140);
  if (description !== undefined) out.description = description;
  out.protocol = required(p.protocol, `${path}.protocol`, PROTOCOLS, "'Tcp'");
  pair(p, out, path, rule, "sourcePortRange", "sourcePortRanges", checkPort);
  pair(p, out, path, rule, "destinationPortRange", "destinationPortRanges", checkPort);
  const asgs = (k: string) =>
    asArray(p[k], `${path}.${k}`).map((x, i) => {
      const id = optString(asObject(x, `${path}.${k}[${i}]`).id, `${path}.${k}[${i}].id`, 2048);
      if (!id) throw errors.missingProperty(`${path}.${k}[${i}].id`);
      return { id };
    });
  const srcAsgs = asgs("sourceApplicationSecurityGroups");
  const dstAsgs = asgs("destinationApplicationSecurityGroups");
  pair(p, out, path, rule, "sourceAddressPrefix", "sourceAddressPrefixes", checkAddress, srcAsgs.length > 0);
  pair(
    p,
    out,
    path,
    rule,
    "destinationAddressPrefix",
    "destinationAddressPrefixes",
    checkAddress,
    dstAsgs.length > 0,
  );
  if (srcAsgs.length) out.sourceApplicationSecurityGroups = srcAsgs;
  if (dstAsgs.length) out.destinationApplicationSecurityGroups = dstAsgs;
  out.access = required(p.access, `${path}.access`, ACCESS, "'Allow'");
  if (p.priority === undefined || p.priority === null) {
    throw errors.missingProperty(
      `${path}.priority`,
      "Give a number from 100 to 4096; lower numbers are evaluated first.",
    );
  }
  if (
    typeof p.priority !== "number" ||
    !Number.isInteger(p.priority) ||
    p.priority < 100 ||
    p.priority > 4096
  ) {
    throw new ArmError(
      400,
      "SecurityRuleInvalidPriority",
      `Security rule ${rule} has invalid Priority at '${path}.priority'. Value provided: ${String(p.priority)}. Allowed range 100-4096.`,
      { target: `${path}.priority` },
    );
  }
  out.priority = p.priority;
  out.direction = required(p.direction, `${path}.direction`, DIRECTIONS, "'Inbound'");
  const clash = siblings.find((s) => s.priority === out.priority && s.direction === out.direction);
  if (clash) {
    throw new ArmError(
      400,
      "SecurityRuleConflict",
      `Security rule ${rule} conflicts with rule ${clash.name}. Rules cannot have the same Priority and Direction (${out.priority}, ${out.direction}). Give one of them another priority.`,
      { target: `${path}.priority` },
    );
  }
  return out;
}

export function ruleSiblings(view: WorldView, nsgId: string, except?: string): RuleSibling[] {
  return view
    .children(nsgId, RULE_TYPE)
    .filter((e) => !except || !sameKey(e.id, except))
    .map((e) => ({
      name: String(e.body.name),
      priority: Number(e.body.properties?.priority),
      direction: String(e.body.properties?.direction),
    }));
}

export function inlineRules(view: WorldView, nsgId: string): Record<string, any>[] {
  return orderedChildren(view, nsgId, RULE_TYPE).map((e) => publicBody(e.body));
}

export const securityRules: ResourceType = childNetworkType({
  type: RULE_TYPE,
  apiVersions: NETWORK_API_VERSIONS,
  write(ctx, req) {
    const nsgId = parentOf(req.id.id);
    const name = String(req.existing?.body.name ?? req.id.names[req.id.names.length - 1]);
    return securityRuleProperties(
      asObject(req.body.properties, "properties"),
      "properties",
      name,
      ruleSiblings(ctx.tx, nsgId, req.id.id),
    );
  },
});
