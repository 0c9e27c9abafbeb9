// Extensions whose own services need their own private endpoints: the Arc scope covers only the
// Arc services (HIS, guest configuration); Azure Monitor, Automation, Key Vault and Blob storage
// each need a private endpoint and a privatelink zone of their own.
//
// A machine's extensions are read from (1) its child resources of type
// Microsoft.HybridCompute/machines/extensions (as exports list them), (2) the `resources` array a
// machine GET with $expand returns, and (3) the tag `arclink:extensions` (comma-separated service
// names: AzureMonitor, Automation, KeyVault, Blob) for worlds that hold no extension resources.
import { Entry } from "../../../world/world.js";
import { listNames } from "../context.js";
import { AffectedMachine, Finding, Rule } from "../types.js";
import { finding, groupAnchor, onprem } from "./util.js";

export interface ServiceNeed {
  service: "AzureMonitor" | "Automation" | "KeyVault" | "Blob";
  label: string;
  targetType: string;
  zone: string;
  /** What to create, in Azure's words (the private link target and its group). */
  resource: string;
}

export const SERVICES: ServiceNeed[] = [
  {
    service: "AzureMonitor",
    label: "Azure Monitor",
    targetType: "microsoft.insights/privatelinkscopes",
    zone: "privatelink.monitor.azure.com",
    resource:
      "an Azure Monitor Private Link Scope (Microsoft.Insights/privateLinkScopes) with its workspaces or data collection endpoints as scoped resources, and a private endpoint to it with group 'azuremonitor'",
  },
  {
    service: "Automation",
    label: "Azure Automation",
    targetType: "microsoft.automation/automationaccounts",
    zone: "privatelink.azure-automation.net",
    resource: "a private endpoint to the Azure Automation account (Microsoft.Automation/automationAccounts)",
  },
  {
    service: "KeyVault",
    label: "Azure Key Vault",
    targetType: "microsoft.keyvault/vaults",
    zone: "privatelink.vaultcore.azure.net",
    resource: "a private endpoint to the key vault (Microsoft.KeyVault/vaults) with group 'vault'",
  },
  {
    service: "Blob",
    label: "Azure Blob storage",
    targetType: "microsoft.storage/storageaccounts",
    zone: "privatelink.blob.core.windows.net",
    resource:
      "a private endpoint to the storage account (Microsoft.Storage/storageAccounts) with group 'blob'",
  },
];

/** Which service an extension (publisher, type) needs, if any. */
export function serviceOfExtension(publisher: string, type: string): ServiceNeed["service"] | undefined {
  const p = publisher.toLowerCase();
  const t = type.toLowerCase();
  if (
    p === "microsoft.azure.monitor" ||
    p === "microsoft.enterprisecloud.monitoring" ||
    p.startsWith("microsoft.azure.monitoring")
  )
    return "AzureMonitor";
  if (p.startsWith("microsoft.azure.automation") || p === "microsoft.azure.changetrackingandinventory")
    return "Automation";
  if (p === "microsoft.azure.keyvault") return "KeyVault";
  if (
    (p === "microsoft.compute" && t === "customscriptextension") ||
    (p === "microsoft.azure.extensions" && t === "customscript")
  )
    return "Blob";
  return undefined;
}

/**
 * The privatelink zones beyond the service's own that a machine's extensions need: an Azure
 * Monitor extension that sends to a workspace (settings.workspaceId) needs the workspace's
 * ingestion zone too.
 */
function workspaceZones(view: { children(id: string, type?: string): Entry[] }, m: Entry): string[] {
  const exts = [
    ...view.children(m.id, "Microsoft.HybridCompute/machines/extensions").map((e) => e.body),
    ...(Array.isArray(m.body.resources) ? m.body.resources : []),
  ];
  const sends = exts.some((e) => {
    const p = e?.properties ?? {};
    return (
      serviceOfExtension(String(p.publisher ?? ""), String(p.type ?? "")) === "AzureMonitor" &&
      typeof p.settings?.workspaceId === "string" &&
      p.settings.workspaceId !== ""
    );
  });
  return sends ? ["privatelink.ods.opinsights.azure.com"] : [];
}

export function extensionNeeds(
  view: { children(id: string, type?: string): Entry[] },
  m: Entry,
): Set<ServiceNeed["service"]> {
  const out = new Set<ServiceNeed["service"]>();
  const exts = [
    ...view.children(m.id, "Microsoft.HybridCompute/machines/extensions").map((e) => e.body),
    ...(Array.isArray(m.body.resources) ? m.body.resources : []),
  ];
  for (const e of exts) {
    const p = e?.properties ?? {};
    const s = serviceOfExtension(String(p.publisher ?? ""), String(p.type ?? ""));
    if (s) out.add(s);
  }
  const tag = m.body.tags?.["arclink:extensions"];
  if (typeof tag === "string")
    for (const x of tag.split(",")) {
      const s = SERVICES.find((y) => y.service.toLowerCase() === x.trim().toLowerCase());
      if (s) out.add(s.service);
    }
  return out;
}

export const extensionServices: Rule = {
  id: "extension-service-no-private-endpoint",
  severity: "warning",
  title: "Extension whose service has no private endpoint or privatelink zone",
  why: "Connectivity to any other Azure resource from an Azure Arc-enabled server requires configuring Private Link for each service: Azure Monitor, Azure Automation, Azure Key Vault and Azure Blob storage each need their own private endpoints in your virtual network.",
  fix: "Create a private endpoint for the service (for Azure Monitor: an Azure Monitor Private Link Scope and an endpoint to it with group 'azuremonitor'), with its privatelink zones linked where your resolver answers, or allow the service's public endpoints.",
  run(ctx) {
    const out: Finding[] = [];
    const pes = ctx.view.ofType("Microsoft.Network/privateEndpoints");
    const targets = new Set<string>();
    for (const p of pes)
      for (const c of [
        ...(p.body.properties?.privateLinkServiceConnections ?? []),
        ...(p.body.properties?.manualPrivateLinkServiceConnections ?? []),
      ]) {
        const id = String(c?.properties?.privateLinkServiceId ?? "").toLowerCase();
        const m = /\/providers\/([^/]+\/[^/]+)\//.exec(id + "/");
        if (m) targets.add(m[1]);
      }
    const zones = new Set([...ctx.model.zones.values()].map((z) => z.name));
    const byService = new Map<string, AffectedMachine[]>();
    const missingExtra = new Set<string>();
    const withExtensions = new Set(
      ctx.view.ofType("Microsoft.HybridCompute/machines/extensions").map((e) => e.parentKey),
    );
    const machines = ctx.machines();
    for (let mi = 0; mi < machines.length; mi++) {
      const m = machines[mi];
      if (!m.body.properties?.privateLinkScopeResourceId) continue;
      if (
        !withExtensions.has(m.key) &&
        !Array.isArray(m.body.resources) &&
        !m.body.tags?.["arclink:extensions"]
      )
        continue;
      for (const s of extensionNeeds(ctx.view, m)) {
        const need = SERVICES.find((x) => x.service === s)!;
        const extra = s === "AzureMonitor" ? workspaceZones(ctx.view, m) : [];
        if (targets.has(need.targetType) && [need.zone, ...extra].every((z) => zones.has(z))) continue;
        for (const z of extra) if (!zones.has(z)) missingExtra.add(z);
        const h = ctx.hostOfMachine(m);
        const l = byService.get(s) ?? [];
        l.push({ name: m.body.name, machineId: m.id, ...(h ? { hostId: h.host.id } : {}) });
        byService.set(s, l);
      }
    }
    for (const [s, machines] of byService) {
      const need = SERVICES.find((x) => x.service === s)!;
      const lacks = [
        !targets.has(need.targetType) ? `no private endpoint to a ${need.targetType} resource` : "",
        !zones.has(need.zone) ? `no ${need.zone} zone` : "",
        s === "AzureMonitor" && missingExtra.size
          ? `no ${[...missingExtra].join(", ")} zone for the workspace the agent sends to`
          : "",
      ]
        .filter(Boolean)
        .join(" and ");
      out.push(
        finding(this, {
          message: `${machines.length} machine(s) using Private Link (${listNames(machines.map((m) => m.name))}) run extensions that need ${need.label}, but there is ${lacks}: the extension's traffic goes to public endpoints (or fails when they are blocked).`,
          resources: machines.slice(0, 50).map((m) => m.machineId!),
          keyResource: groupAnchor(machines.map((m) => m.machineId!)),
          keyEndpoint: s,
          machines: machines.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)),
          fixPlan: [
            onprem(
              "(Azure)",
              `create ${need.resource} in the hub VNet, with a private DNS zone group writing ${need.zone}, linked to the resolver's VNet (and forward its public zone there from on-premises DNS)`,
              need.label,
            ),
          ],
        }),
      );
    }
    return out;
  },
};
