// A fleet's plan: the request checked against the world before anything is written — how many
// machines and rounds, which site, scope, region and resource group, the machines' names, and the
// site's free addresses they take. Running it is fleet.ts's.
import { ArmError } from "../core/armError.js";
import { newGuid } from "../core/guid.js";
import { formatIpv4 } from "../core/ip.js";
import { normalizeRegion } from "../core/regions.js";
import { parseResourceId, sameId } from "../core/resourceId.js";
import { ArmServices } from "../engine/context.js";
import { addressesIn, DNS_SERVER_TYPE, HOST_TYPE, SITE_TYPE, sitePrefixes } from "../providers/lab/common.js";
import { MACHINE_TYPE, SCOPE_TYPE } from "../providers/hybridcompute/versions.js";
import { asObject, optString } from "../providers/validate.js";
import { Entry, World } from "../world/world.js";

export const MAX_MACHINES = 1_000_000;
export const DEFAULT_TIME_LIMIT_S = 600;
export const MAX_TIME_LIMIT_S = 3600;
export const MAX_HEARTBEAT_ROUNDS = 10;

export interface FleetPlan {
  subscription: string;
  machines: number;
  siteId: string;
  siteName: string;
  scopeId?: string;
  location: string;
  resourceGroup: string;
  /** The last `unassociated` machines are created without the scope. */
  unassociated: number;
  heartbeatRounds: number;
  timeLimitSeconds: number;
  namePrefix: string;
  addresses: string[];
  dnsServers: string[];
  agentVersion: string;
}

function bad(message: string, target?: string): ArmError {
  return new ArmError(400, "InvalidParameter", message, target ? { target } : undefined);
}

function wholeNumber(v: unknown, path: string, min: number, max: number, dflt?: number): number {
  if (v === undefined || v === null) {
    if (dflt !== undefined) return dflt;
    throw bad(`'${path}' is required: a whole number from ${min} to ${max}.`, path);
  }
  if (typeof v !== "number" || !Number.isInteger(v) || v < min || v > max)
    throw bad(`'${path}' must be a whole number from ${min} to ${max}, got ${JSON.stringify(v)}.`, path);
  return v;
}

function inSubscription(id: string, sub: string): boolean {
  return parseResourceId(id)?.subscription?.toLowerCase() === sub.toLowerCase();
}

export function nameOf(prefix: string, i: number): string {
  return `${prefix}-${String(i).padStart(6, "0")}`;
}

/** Validates a fleet request against the world: which site, scope, group, region and addresses. */
export function planFleet(s: ArmServices, sub: string, input: unknown): FleetPlan {
  const body = asObject(input ?? {}, "body");
  const sizes = fleetSizes(body);
  const site = siteOf(s.world, sub, optString(body.site, "site", 2048));
  const scope = scopeOf(s.world, sub, optString(body.scope, "scope", 2048));
  const locationSpec = optString(body.location, "location", 64);
  const location = locationSpec
    ? normalizeRegion(locationSpec)
    : (normalizeRegion(scope?.body.location) ?? "eastus");
  if (!location) throw bad(`'${locationSpec}' is not an Azure region such as eastus.`, "location");
  const resourceGroup =
    optString(body.resourceGroup, "resourceGroup", 90) ?? parseResourceId((scope ?? site).id)!.resourceGroup!;
  if (!s.world.get(`/subscriptions/${sub}/resourceGroups/${resourceGroup}`))
    throw new ArmError(
      404,
      "ResourceGroupNotFound",
      `Resource group '${resourceGroup}' could not be found.`,
      {
        target: "resourceGroup",
      },
    );
  const namePrefix = freeNamePrefix(s.world, sub, resourceGroup, body.namePrefix, sizes.machines);
  return {
    subscription: sub,
    machines: sizes.machines,
    siteId: site.id,
    siteName: String(site.body.name),
    scopeId: scope?.id,
    location,
    resourceGroup,
    unassociated: sizes.unassociated,
    heartbeatRounds: sizes.heartbeatRounds,
    timeLimitSeconds: sizes.timeLimitSeconds,
    namePrefix,
    addresses: freeAddresses(s.world, site, sizes.machines),
    dnsServers: dnsServersOf(s.world, site),
    agentVersion: sizes.agentVersion,
  };
}

/** The request's numbers and the agents' version, each within its bounds. */
function fleetSizes(body: Record<string, any>) {
  const machines = wholeNumber(body.machines, "machines", 1, MAX_MACHINES);
  const heartbeatRounds = wholeNumber(body.heartbeatRounds, "heartbeatRounds", 0, MAX_HEARTBEAT_ROUNDS, 1);
  const timeLimitSeconds = wholeNumber(
    body.timeLimitSeconds,
    "timeLimitSeconds",
    1,
    MAX_TIME_LIMIT_S,
    DEFAULT_TIME_LIMIT_S,
  );
  const unassociated = wholeNumber(body.unassociated, "unassociated", 0, machines, 0);
  // The version of the fleet's agents: admission and the TLS checks depend on it, as for one agent.
  const agentVersion = optString(body.agentVersion, "agentVersion", 64) ?? "1.45";
  if (!/^\d+\.\d+(\.\d+\.\d+)?$/.test(agentVersion))
    throw bad(
      `'agentVersion' must be an agent version such as 1.45 or 1.45.02983.1834, got '${agentVersion}'.`,
      "agentVersion",
    );
  return { machines, heartbeatRounds, timeLimitSeconds, unassociated, agentVersion };
}

/** The site by id or name; without one, the subscription's first by name. */
function siteOf(world: World, sub: string, siteSpec: string | undefined): Entry {
  const sites = world.ofType(SITE_TYPE).filter((e) => inSubscription(e.id, sub));
  const site = siteSpec
    ? sites.find(
        (e) => sameId(e.id, siteSpec) || String(e.body.name).toLowerCase() === siteSpec.toLowerCase(),
      )
    : [...sites].sort((a, b) => String(a.body.name).localeCompare(String(b.body.name)))[0];
  if (!site) {
    const names = sites.map((e) => e.body.name).join(", ") || "(none)";
    throw new ArmError(
      siteSpec ? 404 : 400,
      siteSpec ? "SiteNotFound" : "NoSite",
      siteSpec
        ? `No site '${siteSpec}' in subscription ${sub}. Sites: ${names}.`
        : `The fleet needs an on-premises site to place its hosts in, and subscription ${sub} has none. Create an ArcLink.Lab/sites resource or apply a topology first.`,
      { target: "site" },
    );
  }
  return site;
}

/** The scope: named, "none" (undefined), or the subscription's only one. */
function scopeOf(world: World, sub: string, scopeSpec: string | undefined): Entry | undefined {
  const scopes = world.ofType(SCOPE_TYPE).filter((e) => inSubscription(e.id, sub));
  if (scopeSpec && scopeSpec.toLowerCase() !== "none") {
    const scope = scopes.find(
      (e) => sameId(e.id, scopeSpec) || String(e.body.name).toLowerCase() === scopeSpec.toLowerCase(),
    );
    if (!scope)
      throw new ArmError(
        404,
        "PrivateLinkScopeNotFound",
        `No Azure Arc Private Link Scope '${scopeSpec}' in subscription ${sub}. Scopes: ${scopes.map((e) => e.body.name).join(", ") || "(none)"}; or use 'none' for machines without one.`,
        { target: "scope" },
      );
    return scope;
  }
  if (!scopeSpec && scopes.length > 1) {
    throw bad(
      `Subscription ${sub} has ${scopes.length} Private Link Scopes (${scopes.map((e) => e.body.name).join(", ")}): name the one the fleet's machines are associated with, or 'none'.`,
      "scope",
    );
  }
  return scopeSpec ? undefined : scopes[0];
}

/** The machines' name prefix (given, or a new one), refused when any host or machine name it makes is taken. */
function freeNamePrefix(
  world: World,
  sub: string,
  resourceGroup: string,
  spec: unknown,
  machines: number,
): string {
  const namePrefix = optString(spec, "namePrefix", 40) ?? `fleet-${newGuid().slice(0, 6)}`;
  if (!/^[A-Za-z0-9][-A-Za-z0-9]*$/.test(namePrefix))
    throw bad(
      `'namePrefix' must be letters, digits and hyphens, starting with a letter or digit.`,
      "namePrefix",
    );
  const rgPath = `/subscriptions/${sub}/resourceGroups/${resourceGroup}/providers`;
  for (let i = 0; i < machines; i++) {
    const n = nameOf(namePrefix, i);
    if (world.get(`${rgPath}/${HOST_TYPE}/${n}`) || world.get(`${rgPath}/${MACHINE_TYPE}/${n}`))
      throw new ArmError(
        409,
        "FleetNameInUse",
        `A host or machine named ${n} already exists in resource group ${resourceGroup}. Use another 'namePrefix'.`,
        { target: "namePrefix" },
      );
  }
  return namePrefix;
}

/** Free addresses of the site, in order, skipping .0 and .255 and every address already claimed. */
function freeAddresses(world: World, site: Entry, machines: number): string[] {
  const prefixes = sitePrefixes(site.body);
  const taken = new Set(
    addressesIn(world, { kind: "site", id: site.id, prop: "siteId", prefixes }).map((t) => t.ip),
  );
  const addresses: string[] = [];
  for (const c of prefixes) {
    for (let n = c.first + 1; n < c.last && addresses.length < machines; n++) {
      const last = n & 255;
      if (last === 0 || last === 255) continue;
      const ip = formatIpv4(n);
      if (!taken.has(ip)) addresses.push(ip);
    }
  }
  if (addresses.length < machines)
    throw new ArmError(
      400,
      "SiteAddressSpaceExhausted",
      `Site ${site.body.name} (${prefixes.map((c) => c.text).join(", ") || "no prefixes"}) has ${addresses.length} free addresses; the fleet needs ${machines}. Add a prefix to the site, pick a larger site, or ask for fewer machines.`,
      { target: "machines" },
    );
  return addresses;
}

/** The site's DNS servers' addresses, by server name: the fleet's hosts ask them. */
function dnsServersOf(world: World, site: Entry): string[] {
  return world
    .ofType(DNS_SERVER_TYPE)
    .filter((e) => sameId(e.body.properties?.siteId, site.id))
    .sort((a, b) => String(a.body.name).localeCompare(String(b.body.name)))
    .map((e) => String(e.body.properties.ipAddress));
}
