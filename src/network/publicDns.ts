// Public DNS as the internet answers Azure's names: Arc and other Private Link capable names
// CNAME through their privatelink name (present for everyone) to a public address taken from
// the service tag data. One step at a time, so a recursive resolver can intercept the
// privatelink name with a private zone, as real resolvers do.
import { region as regionOf, REGIONS } from "../core/regions.js";
import { ServiceTags } from "./serviceTags.js";

export type PublicStep =
  | { kind: "cname"; target: string; ttl: number }
  | { kind: "a"; ips: string[]; ttl: number; tag: string }
  | { kind: "nxdomain"; zone: string };

interface Rule {
  /** Public zone, e.g. "his.arc.azure.com". */
  zone: string;
  /** Its privatelink zone (every rule here supports Private Link). */
  privatelink: string;
  /** The privatelink name points publicly at `<label>.<edge>` (a traffic manager style name). */
  edge: string;
  /** Service tag whose addresses answer that edge name. */
  tag: (label: string, tags: ServiceTags) => string;
}

const arcTag = (label: string, tags: ServiceTags): string => {
  const code = label.toLowerCase();
  if (code === "gbl" || code === "agentserviceapi") return "AzureArcInfrastructure";
  const r = REGIONS.find((x) => x.hisCode === code || x.name === code || `${x.name}-gas` === code);
  const regional = r ? `AzureArcInfrastructure.${displayTag(r.name)}` : undefined;
  return regional && tags.tag(regional) ? tags.tag(regional)!.name : "AzureArcInfrastructure";
};

function displayTag(name: string): string {
  return (regionOf(name)?.displayName ?? name).replace(/\s+/g, "");
}

const RULES: Rule[] = [
  {
    zone: "his.arc.azure.com",
    privatelink: "privatelink.his.arc.azure.com",
    edge: "his.hybridcompute.trafficmanager.net",
    tag: arcTag,
  },
  {
    zone: "guestconfiguration.azure.com",
    privatelink: "privatelink.guestconfiguration.azure.com",
    edge: "guestconfiguration.trafficmanager.net",
    tag: (l, t) => (l.endsWith("-gas") ? "GuestAndHybridManagement" : arcTag(l, t)),
  },
  {
    zone: "dp.kubernetesconfiguration.azure.com",
    privatelink: "privatelink.dp.kubernetesconfiguration.azure.com",
    edge: "dp.kubernetesconfiguration.trafficmanager.net",
    tag: () => "AzureArcInfrastructure",
  },
  {
    zone: "azure.com",
    privatelink: "privatelink.azure.com",
    edge: "arm.trafficmanager.net",
    tag: () => "AzureResourceManager",
  },
  {
    zone: "blob.core.windows.net",
    privatelink: "privatelink.blob.core.windows.net",
    edge: "blob.store.core.windows.net",
    tag: () => "Storage",
  },
  {
    zone: "vault.azure.net",
    privatelink: "privatelink.vaultcore.azure.net",
    edge: "vault.trafficmanager.net",
    tag: () => "AzureKeyVault",
  },
  {
    zone: "monitor.azure.com",
    privatelink: "privatelink.monitor.azure.com",
    edge: "monitor.trafficmanager.net",
    tag: () => "AzureMonitor",
  },
  {
    zone: "ods.opinsights.azure.com",
    privatelink: "privatelink.ods.opinsights.azure.com",
    edge: "ods.trafficmanager.net",
    tag: () => "AzureMonitor",
  },
  {
    zone: "oms.opinsights.azure.com",
    privatelink: "privatelink.oms.opinsights.azure.com",
    edge: "oms.trafficmanager.net",
    tag: () => "AzureMonitor",
  },
  // A workspace's agent service name has a privatelink zone of its own (an Azure Monitor Private
  // Link Scope's); it must come before the rest of azure-automation.net.
  {
    zone: "agentsvc.azure-automation.net",
    privatelink: "privatelink.agentsvc.azure-automation.net",
    edge: "agentsvc.trafficmanager.net",
    tag: () => "AzureAutomation",
  },
  {
    zone: "azure-automation.net",
    privatelink: "privatelink.azure-automation.net",
    edge: "automation.trafficmanager.net",
    tag: () => "AzureAutomation",
  },
];

/** Names answered directly with an address (no Private Link): host → tag. */
const DIRECT: Array<[RegExp, string]> = [
  [/^login\.microsoftonline\.com$/, "AzureActiveDirectory"],
  [/^login\.windows\.net$/, "AzureActiveDirectory"],
  [/^([a-z0-9-]+\.)*login\.microsoft\.com$/, "AzureActiveDirectory"],
  [/^pas\.windows\.net$/, "AzureActiveDirectory"],
  [/^([a-z0-9-]+\.)*guestnotificationservice\.azure\.com$/, "AzureArcInfrastructure"],
  [/^[a-z0-9-]+\.servicebus\.windows\.net$/, "EventHub"],
  [/^([a-z0-9-]+\.)*waconazure\.com$/, "WindowsAdminCenter"],
  [/^(packages|download)\.microsoft\.com$/, "AzureFrontDoor.Frontend"],
  [/^aka\.ms$/, "AzureFrontDoor.Frontend"],
];

const CNAME_TTL = 300;
const A_TTL = 60;

export class PublicDns {
  constructor(private readonly tags: ServiceTags) {}

  /** One resolution step for `name` on the public internet. */
  step(name: string): PublicStep {
    const n = name.toLowerCase().replace(/\.$/, "");
    for (const [re, tag] of DIRECT) {
      if (re.test(n)) return this.address(tag, n);
    }
    for (const r of RULES) {
      if (n.endsWith("." + r.edge))
        return this.address(r.tag(n.slice(0, -(r.edge.length + 1)), this.tags), n);
    }
    for (const r of RULES) {
      if (n.endsWith("." + r.privatelink)) {
        return {
          kind: "cname",
          target: `${n.slice(0, -(r.privatelink.length + 1))}.${r.edge}`,
          ttl: CNAME_TTL,
        };
      }
    }
    for (const r of RULES) {
      if (!n.endsWith("." + r.zone)) continue;
      const label = n.slice(0, -(r.zone.length + 1));
      // Only management.azure.com goes through privatelink.azure.com; other *.azure.com names
      // (monitor.azure.com, ods.opinsights.azure.com, …) belong to the rules after this one.
      if (r.zone === "azure.com" && label !== "management") continue;
      return { kind: "cname", target: `${label}.${r.privatelink}`, ttl: CNAME_TTL };
    }
    return { kind: "nxdomain", zone: n.split(".").slice(-2).join(".") };
  }

  private address(tag: string, name: string): PublicStep {
    const ip = this.tags.addressFor(tag, name);
    return ip
      ? { kind: "a", ips: [ip], ttl: A_TTL, tag }
      : { kind: "nxdomain", zone: name.split(".").slice(-2).join(".") };
  }
}

/** Privatelink zone of a public name, if the service supports Private Link (e.g. for lint). */
export function privatelinkZoneOf(name: string): string | undefined {
  const n = name.toLowerCase().replace(/\.$/, "");
  for (const r of RULES) {
    if (r.zone === "azure.com" && n !== "management.azure.com") continue;
    if (n.endsWith("." + r.zone)) return r.privatelink;
  }
  return undefined;
}
