// On-premises facts for an export: a YAML file in the topology file's format holding only what
// Azure cannot export (sites, siteConnections, dnsServers, hosts, firewalls, proxies). Its
// references to Azure resources (a site connection's virtualNetwork, a forwarder's
// 'resolver/inbound' target) name the exported resources: the exported VNets and DNS resolvers
// are added to the file as declarations before it is validated and planned, and only the
// on-premises resources' writes are applied (through the real providers).
import { parseResourceId } from "../../core/resourceId.js";
import { StoredResource } from "../../store/store.js";
import { TopologyError, checkTopology } from "../../topology/parse.js";
import { plan, PlanStep } from "../../topology/plan.js";
import { yamlLines } from "../lint/yamlLines.js";

const ONPREM_SECTIONS = ["sites", "siteConnections", "dnsServers", "hosts", "firewalls", "proxies"];

export function onpremSteps(
  text: string,
  file: string,
  exported: StoredResource[],
): { steps: PlanStep[]; subscriptionId: string } {
  const y = yamlLines(text);
  if (y.value === undefined || typeof y.value !== "object" || Array.isArray(y.value))
    throw new TopologyError(
      [
        {
          path: [],
          message: "the on-premises facts must be a YAML mapping (sites, dnsServers, hosts, ...).",
        },
      ],
      file,
    );
  const raw = structuredClone(y.value) as Record<string, any>;
  const unknown = Object.keys(raw).filter(
    (k) => !ONPREM_SECTIONS.includes(k) && k !== "description" && k !== "resourceGroups",
  );
  if (unknown.length)
    throw new TopologyError(
      unknown.map((k) => ({
        path: [k],
        line: y.lineOf([k]),
        message: `is not an on-premises section; Azure resources come from the export (allowed: ${ONPREM_SECTIONS.join(", ")}, resourceGroups).`,
      })),
      file,
    );
  const vnets = exported.filter((r) => r.type.toLowerCase() === "microsoft.network/virtualnetworks");
  const sub =
    parseResourceId(vnets[0]?.id ?? exported[0]?.id ?? "")?.subscription ??
    "00000000-0000-0000-0000-000000000000";
  const groups = exported.filter((r) => r.type === "Microsoft.Resources/resourceGroups");
  raw.resourceGroups = [
    ...(Array.isArray(raw.resourceGroups) ? raw.resourceGroups : []),
    ...groups
      .filter(
        (g) =>
          !(raw.resourceGroups ?? []).some(
            (x: any) => String(x?.name).toLowerCase() === g.body.name.toLowerCase(),
          ),
      )
      .map((g) => ({ name: g.body.name, location: g.body.location ?? "eastus" })),
  ];
  if (!raw.resourceGroups.length) raw.resourceGroups = [{ name: "onprem", location: "eastus" }];
  const children = (id: string, type: string) =>
    exported.filter(
      (r) =>
        r.type.toLowerCase() === type.toLowerCase() && r.id.toLowerCase().startsWith(id.toLowerCase() + "/"),
    );
  raw.virtualNetworks = vnets.map((v) => ({
    name: v.body.name,
    resourceGroup: parseResourceId(v.id)!.resourceGroup,
    location: v.body.location,
    addressPrefixes: v.body.properties?.addressSpace?.addressPrefixes ?? [],
    subnets: children(v.id, "Microsoft.Network/virtualNetworks/subnets").map((s) => ({
      name: s.body.name,
      addressPrefix: s.body.properties?.addressPrefix ?? s.body.properties?.addressPrefixes?.[0],
    })),
  }));
  raw.dnsResolvers = exported
    .filter((r) => r.type.toLowerCase() === "microsoft.network/dnsresolvers")
    .flatMap((d) => {
      const vnet = vnets.find(
        (v) => v.id.toLowerCase() === String(d.body.properties?.virtualNetwork?.id).toLowerCase(),
      );
      if (!vnet) return [];
      return [
        {
          name: d.body.name,
          resourceGroup: parseResourceId(d.id)!.resourceGroup,
          location: d.body.location,
          virtualNetwork: vnet.body.name,
          inboundEndpoints: children(d.id, "Microsoft.Network/dnsResolvers/inboundEndpoints").flatMap((e) => {
            const ipc = e.body.properties?.ipConfigurations?.[0];
            const subnet = String(ipc?.subnet?.id ?? "")
              .split("/")
              .pop();
            return subnet
              ? [
                  {
                    name: e.body.name,
                    subnet: `${vnet.body.name}/${subnet}`,
                    ...(ipc?.privateIpAddress ? { privateIPAddress: ipc.privateIpAddress } : {}),
                  },
                ]
              : [];
          }),
        },
      ];
    });
  const r = checkTopology(raw, (p) => y.lineOf(p));
  if (!r.topology) throw new TopologyError(r.issues, file);
  const p = plan(r.topology, { subscriptionId: sub });
  const have = new Set(exported.map((x) => x.id.toLowerCase()));
  const steps = p.steps.filter(
    (s) =>
      s.type.startsWith("ArcLink.Lab/") ||
      (s.type === "Microsoft.Resources/resourceGroups" && !have.has(s.id.toLowerCase())),
  );
  return { steps, subscriptionId: sub };
}
