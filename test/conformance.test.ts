// Conformance with the specification's own examples: every collected x-ms-examples request
// (test/fixtures/spec-examples) is replayed against a live ArcLink, after creating the world the
// example presumes under the example's own names, and the answer is compared with the example's
// response: the status code is one the example declares, the long-running headers it shows are
// there, and every property path of its body is in ArcLink's with the same JSON type.
// Deliberate differences are listed, with their reasons, in conformance/deviations.ts and
// docs/CONFORMANCE.md.
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { arm, raw, RawResponse, token } from "./helpers/arm.js";
import { connectArgs, hostEnv, LAB, machineId, rgPath, runAgent, scopeIdOf } from "./helpers/agent.js";
import { ROOT, Ready, removeDataDir, startServer, TestServer } from "./helpers/server.js";
import { agentMachineDeviations, DEVIATIONS, deviationIds, GAPS } from "./conformance/deviations.js";
import { shapeDifferences } from "./conformance/shape.js";

const FIXTURES = join(ROOT, "test/fixtures/spec-examples");
const NET = "2025-05-01";
const DNS = "2024-06-01";
const HC = "2026-07-15";

interface Example {
  parameters: Record<string, any>;
  responses: Record<string, { headers?: Record<string, unknown>; body?: unknown }>;
  operationId?: string;
}

const HCP =
  "/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/Microsoft.HybridCompute";
const NETP = "/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/Microsoft.Network";
const SCOPE = `${HCP}/privateLinkScopes/{scopeName}`;
const CONN = `${SCOPE}/privateEndpointConnections/{privateEndpointConnectionName}`;
const MACHINE = `${HCP}/machines/{machineName}`;
const PE = `${NETP}/privateEndpoints/{privateEndpointName}`;
const ZONE = `${NETP}/privateDnsZones/{privateZoneName}`;
const NSG = `${NETP}/networkSecurityGroups/{networkSecurityGroupName}`;
const RESOLVER = `${NETP}/dnsResolvers/{dnsResolverName}`;

interface Operation {
  method: string;
  path: string;
  body?: string;
}

/**
 * Method, path template and the name of the body parameter, by operationId, for the Arc, network
 * and private DNS examples. operationIds are unique within one specification only (Microsoft.Insights
 * has its own PrivateLinkScopes_Get), so each provider folder has its own table (OPERATIONS_BY_FOLDER).
 */
const OPERATIONS: Record<string, Operation> = {
  PrivateLinkScopes_CreateOrUpdate: { method: "PUT", path: SCOPE, body: "parameters" },
  PrivateLinkScopes_Get: { method: "GET", path: SCOPE },
  PrivateLinkScopes_UpdateTags: { method: "PATCH", path: SCOPE, body: "PrivateLinkScopeTags" },
  PrivateLinkScopes_Delete: { method: "DELETE", path: SCOPE },
  PrivateLinkScopes_ListByResourceGroup: { method: "GET", path: `${HCP}/privateLinkScopes` },
  PrivateLinkScopes_GetValidationDetails: {
    method: "GET",
    path: "/subscriptions/{subscriptionId}/providers/Microsoft.HybridCompute/locations/{location}/privateLinkScopes/{privateLinkScopeId}",
  },
  PrivateLinkScopes_GetValidationDetailsForMachine: {
    method: "GET",
    path: `${MACHINE}/privateLinkScopes/current`,
  },
  PrivateLinkResources_Get: { method: "GET", path: `${SCOPE}/privateLinkResources/{groupName}` },
  PrivateLinkResources_ListByPrivateLinkScope: { method: "GET", path: `${SCOPE}/privateLinkResources` },
  PrivateEndpointConnections_Get: { method: "GET", path: CONN },
  PrivateEndpointConnections_CreateOrUpdate: { method: "PUT", path: CONN, body: "parameters" },
  PrivateEndpointConnections_Delete: { method: "DELETE", path: CONN },
  PrivateEndpointConnections_ListByPrivateLinkScope: {
    method: "GET",
    path: `${SCOPE}/privateEndpointConnections`,
  },
  Machines_CreateOrUpdate: { method: "PUT", path: MACHINE, body: "parameters" },
  Machines_Update: { method: "PATCH", path: MACHINE, body: "parameters" },
  Machines_Get: { method: "GET", path: MACHINE },
  Machines_Delete: { method: "DELETE", path: MACHINE },
  Machines_ListByResourceGroup: { method: "GET", path: `${HCP}/machines` },
  PrivateEndpoints_CreateOrUpdate: { method: "PUT", path: PE, body: "parameters" },
  PrivateEndpoints_Get: { method: "GET", path: PE },
  VirtualNetworks_CreateOrUpdate: {
    method: "PUT",
    path: `${NETP}/virtualNetworks/{virtualNetworkName}`,
    body: "parameters",
  },
  Subnets_CreateOrUpdate: {
    method: "PUT",
    path: `${NETP}/virtualNetworks/{virtualNetworkName}/subnets/{subnetName}`,
    body: "subnetParameters",
  },
  PrivateDnsZoneGroups_CreateOrUpdate: {
    method: "PUT",
    path: `${PE}/privateDnsZoneGroups/{privateDnsZoneGroupName}`,
    body: "parameters",
  },
  DefaultSecurityRules_Get: {
    method: "GET",
    path: `${NETP}/networkSecurityGroups/{networkSecurityGroupName}/defaultSecurityRules/{defaultSecurityRuleName}`,
  },
  PrivateZones_CreateOrUpdate: { method: "PUT", path: ZONE, body: "parameters" },
  RecordSets_CreateOrUpdate: {
    method: "PUT",
    path: `${ZONE}/{recordType}/{relativeRecordSetName}`,
    body: "parameters",
  },
  RecordSets_Get: { method: "GET", path: `${ZONE}/{recordType}/{relativeRecordSetName}` },
  VirtualNetworkLinks_Delete: {
    method: "DELETE",
    path: `${ZONE}/virtualNetworkLinks/{virtualNetworkLinkName}`,
  },
  VirtualNetworkLinks_CreateOrUpdate: {
    method: "PUT",
    path: `${ZONE}/virtualNetworkLinks/{virtualNetworkLinkName}`,
    body: "parameters",
  },
  VirtualNetworkLinks_Get: { method: "GET", path: `${ZONE}/virtualNetworkLinks/{virtualNetworkLinkName}` },
  VirtualNetworkLinks_List: { method: "GET", path: `${ZONE}/virtualNetworkLinks` },
  NetworkSecurityGroups_CreateOrUpdate: { method: "PUT", path: NSG, body: "parameters" },
  NetworkSecurityGroups_Get: { method: "GET", path: NSG },
  SecurityRules_CreateOrUpdate: {
    method: "PUT",
    path: `${NSG}/securityRules/{securityRuleName}`,
    body: "securityRuleParameters",
  },
  SecurityRules_Get: { method: "GET", path: `${NSG}/securityRules/{securityRuleName}` },
  PrivateEndpoints_List: { method: "GET", path: `${NETP}/privateEndpoints` },
  PrivateEndpoints_Delete: { method: "DELETE", path: PE },
  PrivateDnsZoneGroups_Get: { method: "GET", path: `${PE}/privateDnsZoneGroups/{privateDnsZoneGroupName}` },
  PrivateDnsZoneGroups_Delete: {
    method: "DELETE",
    path: `${PE}/privateDnsZoneGroups/{privateDnsZoneGroupName}`,
  },
  PrivateZones_Get: { method: "GET", path: ZONE },
  PrivateZones_Delete: { method: "DELETE", path: ZONE },
  PrivateZones_ListByResourceGroup: { method: "GET", path: `${NETP}/privateDnsZones` },
  PrivateZones_List: {
    method: "GET",
    path: "/subscriptions/{subscriptionId}/providers/Microsoft.Network/privateDnsZones",
  },
  RecordSets_ListByType: { method: "GET", path: `${ZONE}/{recordType}` },
  RecordSets_Delete: { method: "DELETE", path: `${ZONE}/{recordType}/{relativeRecordSetName}` },
  PrivateLinkScopes_List: {
    method: "GET",
    path: "/subscriptions/{subscriptionId}/providers/Microsoft.HybridCompute/privateLinkScopes",
  },
  Machines_ListBySubscription: {
    method: "GET",
    path: "/subscriptions/{subscriptionId}/providers/Microsoft.HybridCompute/machines",
  },
  DnsResolvers_CreateOrUpdate: { method: "PUT", path: RESOLVER, body: "parameters" },
  InboundEndpoints_CreateOrUpdate: {
    method: "PUT",
    path: `${RESOLVER}/inboundEndpoints/{inboundEndpointName}`,
    body: "parameters",
  },
  InboundEndpoints_Get: { method: "GET", path: `${RESOLVER}/inboundEndpoints/{inboundEndpointName}` },
};

const INSP =
  "/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/Microsoft.Insights";
const AMPLS = `${INSP}/privateLinkScopes/{scopeName}`;
const AMPLS_CONN = `${AMPLS}/privateEndpointConnections/{privateEndpointConnectionName}`;

/** Microsoft.Insights (Azure Monitor Private Link Scopes), by operationId. */
const INSIGHTS_OPERATIONS: Record<string, Operation> = {
  PrivateLinkScopes_CreateOrUpdate: {
    method: "PUT",
    path: AMPLS,
    body: "AzureMonitorPrivateLinkScopePayload",
  },
  PrivateLinkScopes_Get: { method: "GET", path: AMPLS },
  PrivateLinkScopes_UpdateTags: { method: "PATCH", path: AMPLS, body: "PrivateLinkScopeTags" },
  PrivateLinkScopes_ListByResourceGroup: { method: "GET", path: `${INSP}/privateLinkScopes` },
  PrivateLinkScopedResources_CreateOrUpdate: {
    method: "PUT",
    path: `${AMPLS}/scopedResources/{name}`,
    body: "parameters",
  },
  PrivateLinkScopedResources_Get: { method: "GET", path: `${AMPLS}/scopedResources/{name}` },
  PrivateLinkScopedResources_Delete: { method: "DELETE", path: `${AMPLS}/scopedResources/{name}` },
  PrivateLinkScopedResources_ListByPrivateLinkScope: { method: "GET", path: `${AMPLS}/scopedResources` },
  PrivateLinkResources_Get: { method: "GET", path: `${AMPLS}/privateLinkResources/{groupName}` },
  PrivateEndpointConnections_Get: { method: "GET", path: AMPLS_CONN },
  PrivateEndpointConnections_CreateOrUpdate: { method: "PUT", path: AMPLS_CONN, body: "parameters" },
  PrivateEndpointConnections_Delete: { method: "DELETE", path: AMPLS_CONN },
  PrivateEndpointConnections_ListByPrivateLinkScope: {
    method: "GET",
    path: `${AMPLS}/privateEndpointConnections`,
  },
};

const WORKSPACE =
  "/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/Microsoft.OperationalInsights/workspaces";

/** Microsoft.OperationalInsights (Log Analytics workspaces), by operationId. */
const WORKSPACE_OPERATIONS: Record<string, Operation> = {
  Workspaces_CreateOrUpdate: { method: "PUT", path: `${WORKSPACE}/{workspaceName}`, body: "parameters" },
  Workspaces_Get: { method: "GET", path: `${WORKSPACE}/{workspaceName}` },
  Workspaces_Update: { method: "PATCH", path: `${WORKSPACE}/{workspaceName}`, body: "parameters" },
  Workspaces_Delete: { method: "DELETE", path: `${WORKSPACE}/{workspaceName}` },
  Workspaces_ListByResourceGroup: { method: "GET", path: WORKSPACE },
};

const OPERATIONS_BY_FOLDER: Record<string, Record<string, Operation>> = {
  hybridcompute: OPERATIONS,
  network: OPERATIONS,
  privatedns: OPERATIONS,
  insights: INSIGHTS_OPERATIONS,
  operationalinsights: WORKSPACE_OPERATIONS,
};

/** What a case's setup returns: parameters to use instead of the example's (generated names). */
type Given = (w: World, p: Record<string, any>) => Promise<Record<string, string> | void>;

interface Case {
  file: string;
  /** The operationId, where the example file does not name it. */
  operationId?: string;
  given?: Given;
  /** Adapts the request body (each adaptation is a listed deviation). */
  adapt?: (body: any) => any;
  /** The api-version to send where the example names one never published (a listed deviation). */
  apiVersion?: string;
}

let srv: TestServer;
let info: Ready;
let bearer: string;

function call(method: string, path: string, body?: unknown): Promise<RawResponse> {
  return raw(info, method, path, body === undefined ? undefined : (body as object), {
    authorization: `Bearer ${bearer}`,
  });
}

/** Creates, under the example's names, what an example presumes exists. */
class World {
  constructor(readonly sub: string) {}
  rgPath(rg: string): string {
    return `/subscriptions/${this.sub}/resourceGroups/${rg}`;
  }
  async put(path: string, version: string, body: unknown): Promise<any> {
    const r = await call("PUT", `${path}?api-version=${version}`, body);
    assert.ok(r.status >= 200 && r.status < 300, `setup PUT ${path}: ${r.status} ${r.text}`);
    return r.json;
  }
  async rg(rg: string, location = "eastus"): Promise<void> {
    await this.put(this.rgPath(rg), "2021-04-01", { location });
  }
  async scope(rg: string, name: string, location: string): Promise<any> {
    await this.rg(rg, location);
    return this.put(`${this.rgPath(rg)}/providers/Microsoft.HybridCompute/privateLinkScopes/${name}`, HC, {
      location,
      properties: { publicNetworkAccess: "Disabled" },
    });
  }
  async subnet(rg: string, vnet: string, subnet: string, location: string, prefix: string): Promise<string> {
    await this.rg(rg, location);
    const v = await this.put(`${this.rgPath(rg)}/providers/Microsoft.Network/virtualNetworks/${vnet}`, NET, {
      location,
      properties: {
        addressSpace: { addressPrefixes: [prefix] },
        subnets: [{ name: subnet, properties: { addressPrefix: prefix } }],
      },
    });
    return v.properties.subnets[0].id;
  }
  /** A private endpoint to a scope, with one static ip configuration as the network examples have. */
  async endpoint(
    rg: string,
    name: string,
    subnetId: string,
    scopeId: string,
    location: string,
    opts: { manual?: boolean; staticIp?: string; groupId?: string } = {},
  ): Promise<any> {
    const conn = {
      name: `${name}-conn`,
      properties: {
        privateLinkServiceId: scopeId,
        groupIds: [opts.groupId ?? "hybridcompute"],
        requestMessage: "please",
      },
    };
    return this.put(`${this.rgPath(rg)}/providers/Microsoft.Network/privateEndpoints/${name}`, NET, {
      location,
      properties: {
        subnet: { id: subnetId },
        [opts.manual ? "manualPrivateLinkServiceConnections" : "privateLinkServiceConnections"]: [conn],
        ...(opts.staticIp
          ? {
              ipConfigurations: [
                {
                  name: "pestaticconfig",
                  properties: {
                    groupId: "hybridcompute",
                    memberName: "HybridCompute.Server",
                    privateIPAddress: opts.staticIp,
                  },
                },
              ],
            }
          : {}),
      },
    });
  }
  /** A scope with one connected endpoint; returns the scope and the connection's name. */
  async connectedScope(
    rg: string,
    name: string,
    location: string,
    prefix = "10.1.0.0/24",
  ): Promise<{ scope: any; connection: string }> {
    const scope = await this.scope(rg, name, location);
    const subnetId = await this.subnet(rg, `vnet-${name}`, "snet", location, prefix);
    await this.endpoint(rg, `pe-${name}`, subnetId, scope.id, location);
    const list = await call("GET", `${scope.id}/privateEndpointConnections?api-version=${HC}`);
    return { scope, connection: list.json.value[0].name };
  }
  /** An Azure Monitor Private Link Scope (always global). */
  async monitorScope(rg: string, name: string): Promise<any> {
    await this.rg(rg);
    return this.put(
      `${this.rgPath(rg)}/providers/Microsoft.Insights/privateLinkScopes/${name}`,
      "2021-07-01-preview",
      { location: "global", properties: {} },
    );
  }
  /** A Log Analytics workspace; returns its id. */
  async workspace(rg: string, name: string, location = "eastus"): Promise<string> {
    await this.rg(rg, location);
    const id = `${this.rgPath(rg)}/providers/Microsoft.OperationalInsights/workspaces/${name}`;
    await this.put(id, "2022-10-01", {
      location,
      tags: { tag1: "val1" },
      properties: { sku: { name: "PerGB2018" }, retentionInDays: 30 },
    });
    return id;
  }
  /** A scoped resource of an Azure Monitor scope (long-running: waits until it is there). */
  async scoped(scopeId: string, name: string, linkedResourceId: string): Promise<void> {
    await this.put(`${scopeId}/scopedResources/${name}`, "2021-07-01-preview", {
      properties: { linkedResourceId },
    });
  }
  /** An Azure Monitor scope with endpoints (the second needing approval); returns the connections. */
  async connectedMonitorScope(rg: string, name: string, endpoints = 1): Promise<string[]> {
    const scope = await this.monitorScope(rg, name);
    const subnetId = await this.subnet(rg, `vnet-${name}`, "snet", "eastus", "10.2.0.0/24");
    for (let i = 0; i < endpoints; i++) {
      await this.endpoint(rg, `pe-${name}-${i}`, subnetId, scope.id, "eastus", {
        groupId: "azuremonitor",
        manual: i > 0,
      });
    }
    const list = await call("GET", `${scope.id}/privateEndpointConnections?api-version=2021-07-01-preview`);
    return list.json.value.map((c: any) => c.name);
  }
  async machine(rg: string, name: string, location: string, scopeId?: string): Promise<void> {
    await this.rg(rg, location);
    await this.put(`${this.rgPath(rg)}/providers/Microsoft.HybridCompute/machines/${name}`, HC, {
      location,
      properties: scopeId ? { privateLinkScopeResourceId: scopeId } : {},
    });
  }
  /** An NSG, with the rule the NSG and rule Get examples show when asked. */
  async nsg(rg: string, name: string, location: string, withRule: boolean): Promise<void> {
    await this.rg(rg, location);
    const nsg = `${this.rgPath(rg)}/providers/Microsoft.Network/networkSecurityGroups/${name}`;
    await this.put(nsg, NET, { location });
    if (withRule) {
      await this.put(`${nsg}/securityRules/rule1`, NET, {
        properties: {
          protocol: "*",
          sourcePortRange: "*",
          destinationPortRange: "80",
          sourceAddressPrefix: "*",
          destinationAddressPrefix: "*",
          access: "Allow",
          priority: 130,
          direction: "Inbound",
        },
      });
    }
  }
  /** A private DNS zone (by default at the version arm-privatedns sends); returns its id. */
  async zone(
    rg: string,
    name: string,
    tags?: Record<string, string>,
    version = "2020-06-01",
  ): Promise<string> {
    await this.rg(rg);
    const id = `${this.rgPath(rg)}/providers/Microsoft.Network/privateDnsZones/${name}`;
    await this.put(id, version, { location: "global", ...(tags ? { tags } : {}) });
    return id;
  }
  /** A zone with one link per name, each to its own VNet (the second with auto-registration). */
  async links(rg: string, zoneName: string, names: string[]): Promise<void> {
    const zone = await this.zone(rg, zoneName);
    for (const [i, name] of names.entries()) {
      const subnet = await this.subnet(rg, `vnet-${name}`, "default", "eastus", `10.${30 + i}.0.0/24`);
      await this.put(`${zone}/virtualNetworkLinks/${name}`, "2020-06-01", {
        location: "global",
        tags: { key1: "value1" },
        properties: { virtualNetwork: { id: subnet.split("/subnets/")[0] }, registrationEnabled: i > 0 },
      });
    }
  }
  /** An endpoint to an Arc scope with a zone group writing its records in the scope's zone. */
  async zoneGroup(rg: string, pe: string, group: string): Promise<void> {
    const subnetId = await this.subnet(rg, "myVnet", "mySubnet", "eastus", "10.0.0.0/24");
    const scope = await this.scope(rg, "testPls", "eastus");
    await this.endpoint(rg, pe, subnetId, scope.id, "eastus");
    const zone = `${this.rgPath(rg)}/providers/Microsoft.Network/privateDnsZones/privatelink.his.arc.azure.com`;
    await this.put(zone, DNS, { location: "global" });
    await this.put(
      `${this.rgPath(rg)}/providers/Microsoft.Network/privateEndpoints/${pe}/privateDnsZoneGroups/${group}`,
      NET,
      {
        properties: { privateDnsZoneConfigs: [{ name: "his", properties: { privateDnsZoneId: zone } }] },
      },
    );
  }
  /** A VNet with a /28 subnet delegated to DNS Private Resolver; returns the subnet's id. */
  async resolverVnet(rg: string, vnet: string): Promise<string> {
    await this.rg(rg, "westus2");
    const v = await this.put(`${this.rgPath(rg)}/providers/Microsoft.Network/virtualNetworks/${vnet}`, NET, {
      location: "westus2",
      properties: {
        addressSpace: { addressPrefixes: ["10.20.0.0/16"] },
        subnets: [
          {
            name: "sampleSubnet",
            properties: {
              addressPrefix: "10.20.1.0/28",
              delegations: [
                { name: "dnsResolvers", properties: { serviceName: "Microsoft.Network/dnsResolvers" } },
              ],
            },
          },
        ],
      },
    });
    return v.properties.subnets[0].id;
  }
  /** The resolver the inbound endpoint examples presume, in the VNet of their subnet. */
  async resolver(): Promise<string> {
    const subnet = await this.resolverVnet("sampleVnetResourceGroupName", "sampleVirtualNetwork");
    await this.rg("sampleResourceGroup", "westus2");
    await this.put(
      `${this.rgPath("sampleResourceGroup")}/providers/Microsoft.Network/dnsResolvers/sampleDnsResolver`,
      "2022-07-01",
      {
        location: "westus2",
        properties: { virtualNetwork: { id: subnet.split("/subnets/")[0] } },
      },
    );
    return subnet;
  }
  /** A machine written with the Machines_CreateOrUpdate example's own request (scope included). */
  async exampleMachine(rg: string, name: string): Promise<void> {
    const ex = JSON.parse(
      readFileSync(join(FIXTURES, "hybridcompute/Machines_CreateOrUpdate.json"), "utf8"),
    ) as Example;
    const body = resubscribe(ex.parameters.parameters, String(ex.parameters.subscriptionId), this.sub);
    await this.scope(rg, "privateLinkScopeName", "eastus");
    await this.put(`${this.rgPath(rg)}/providers/Microsoft.HybridCompute/machines/${name}`, HC, {
      ...body,
      location: "eastus",
    });
  }
}

const westus =
  (rg: string, scope: string): Given =>
  async (w) => {
    await w.connectedScope(rg, scope, "westus");
  };

const CASES: Case[] = [
  {
    file: "hybridcompute/PrivateLinkScopes_Create.json",
    given: async (w) => w.rg("my-resource-group", "westus"),
  },
  // The version Debian's python3-azure (azure-mgmt-hybridcompute 8.0.0b1) sends.
  {
    file: "hybridcompute/2022-08-11-preview_PrivateLinkScopesCreate.json",
    operationId: "PrivateLinkScopes_CreateOrUpdate",
    given: async (w) => w.rg("my-resource-group", "westus"),
  },
  {
    file: "hybridcompute/2022-08-11-preview_PrivateLinkScopesGetValidation.json",
    operationId: "PrivateLinkScopes_GetValidationDetails",
    given: async (w) => {
      const { scope } = await w.connectedScope("my-resource-group", "my-privatelinkscope", "westus");
      return { privateLinkScopeId: scope.properties.privateLinkScopeId };
    },
  },
  {
    file: "hybridcompute/2022-08-11-preview_PrivateEndpointConnectionGet.json",
    operationId: "PrivateEndpointConnections_Get",
    given: async (w) => {
      const { connection } = await w.connectedScope("myResourceGroup", "myPrivateLinkScope", "westus");
      return { privateEndpointConnectionName: connection };
    },
  },
  {
    file: "hybridcompute/2022-08-11-preview_Machines_Delete.json",
    operationId: "Machines_Delete",
    given: async (w) => w.machine("myResourceGroup", "myMachine", "eastus"),
  },
  {
    file: "hybridcompute/PrivateLinkScopes_Update.json",
    given: westus("my-resource-group", "my-privatelinkscope"),
  },
  {
    file: "hybridcompute/PrivateLinkScopes_Get.json",
    given: westus("my-resource-group", "my-privatelinkscope"),
  },
  {
    file: "hybridcompute/2021-05-20_PrivateLinkScopesGet.json",
    operationId: "PrivateLinkScopes_Get",
    given: westus("my-resource-group", "my-privatelinkscope"),
  },
  {
    file: "hybridcompute/PrivateLinkScopes_UpdateTagsOnly.json",
    given: westus("my-resource-group", "my-privatelinkscope"),
  },
  {
    file: "hybridcompute/PrivateLinkScopes_Delete.json",
    given: westus("my-resource-group", "my-privatelinkscope"),
  },
  {
    file: "hybridcompute/PrivateLinkScopes_ListByResourceGroup.json",
    given: westus("my-resource-group", "my-privatelinkscope"),
  },
  {
    file: "hybridcompute/PrivateLinkScopes_GetValidation.json",
    given: async (w) => {
      // As the examples have it: the scope is in westus (PrivateLinkScopes_Get), asked at wus2.
      const { scope } = await w.connectedScope("my-resource-group", "my-privatelinkscope", "westus");
      return { privateLinkScopeId: scope.properties.privateLinkScopeId };
    },
  },
  {
    file: "hybridcompute/PrivateLinkScopes_GetValidationForMachine.json",
    given: async (w) => {
      const { scope } = await w.connectedScope("my-resource-group", "my-privatelinkscope", "westus2");
      await w.machine("my-resource-group", "machineName", "westus2", scope.id);
    },
  },
  {
    file: "hybridcompute/PrivateLinkScopePrivateLinkResource_Get.json",
    given: westus("myResourceGroup", "myPrivateLinkScope"),
  },
  {
    file: "hybridcompute/PrivateLinkScopePrivateLinkResource_ListGet.json",
    given: westus("myResourceGroup", "myPrivateLinkScope"),
  },
  ...["Get", "Update", "Delete"].map((op): Case => ({
    file: `hybridcompute/PrivateEndpointConnection_${op}.json`,
    given: async (w) => {
      const { connection } = await w.connectedScope("myResourceGroup", "myPrivateLinkScope", "westus");
      return { privateEndpointConnectionName: connection };
    },
  })),
  {
    file: "hybridcompute/PrivateEndpointConnection_List.json",
    given: westus("myResourceGroup", "myPrivateLinkScope"),
  },
  {
    file: "hybridcompute/Machines_CreateOrUpdate.json",
    given: async (w) => {
      await w.scope("myResourceGroup", "privateLinkScopeName", "eastus");
    },
    adapt: (b) => ({ ...b, location: "eastus" }),
  },
  {
    file: "hybridcompute/Machines_Update.json",
    given: async (w) => {
      await w.scope("myResourceGroup", "privateLinkScopeName", "eastus");
      await w.machine("myResourceGroup", "myMachine", "eastus");
    },
  },
  {
    file: "hybridcompute/Machines_Get.json",
    given: async (w) => w.exampleMachine("myResourceGroup", "myMachine"),
  },
  {
    file: "hybridcompute/Machines_ListByResourceGroup.json",
    given: async (w) => w.exampleMachine("myResourceGroup", "myMachine"),
  },
  ...["2025-01-13", "2022-12-27"].map((v): Case => ({
    file: `hybridcompute/${v}_Machines_Delete.json`,
    operationId: "Machines_Delete",
    given: async (w) => w.machine("myResourceGroup", "myMachine", "eastus"),
  })),
  {
    file: "network/PrivateEndpointCreate.json",
    operationId: "PrivateEndpoints_CreateOrUpdate",
    given: async (w) => {
      await w.subnet("rg1", "myVnet", "mySubnet", "eastus", "192.168.0.0/24");
      await w.scope("rg1", "testPls", "eastus");
    },
    adapt: (b) => {
      const c = b.properties.privateLinkServiceConnections[0];
      c.properties.privateLinkServiceId = c.properties.privateLinkServiceId.replace(
        "Microsoft.Network/privateLinkServices/",
        "Microsoft.HybridCompute/privateLinkScopes/",
      );
      c.properties.groupIds = ["hybridcompute"];
      c.name = "plsconnection1";
      b.properties.ipConfigurations[0].properties.groupId = "hybridcompute";
      b.properties.ipConfigurations[0].properties.memberName = "HybridCompute.Server";
      return { ...b, location: "eastus" };
    },
  },
  ...[
    ["PrivateEndpointGet.json", false],
    ["PrivateEndpointGetForManualApproval.json", true],
  ].map(([file, manual]): Case => ({
    file: `network/${file}`,
    given: async (w) => {
      const subnetId = await w.subnet("rg1", "myVnet", "mySubnet", "eastus", "192.168.0.0/24");
      const scope = await w.scope("rg1", "testPls", "eastus");
      await w.endpoint("rg1", "testPe", subnetId, scope.id, "eastus", {
        manual: Boolean(manual),
        staticIp: "192.168.0.5",
      });
    },
  })),
  {
    file: "network/PrivateEndpointDnsZoneGroupCreate.json",
    given: async (w) => {
      const subnetId = await w.subnet("rg1", "myVnet", "mySubnet", "eastus", "10.0.0.0/24");
      const scope = await w.scope("rg1", "testPls", "eastus");
      await w.endpoint("rg1", "testPe", subnetId, scope.id, "eastus");
      await w.put(
        `${w.rgPath("rg1")}/providers/Microsoft.Network/privateDnsZones/privatelink.his.arc.azure.com`,
        DNS,
        { location: "global" },
      );
    },
    adapt: (b) => {
      const cfg = b.properties.privateDnsZoneConfigs[0].properties;
      cfg.privateDnsZoneId = cfg.privateDnsZoneId.replace("zone1.com", "privatelink.his.arc.azure.com");
      return b;
    },
  },
  // The version python3-azure (azure-mgmt-network 23.0.0b1) sends.
  {
    file: "network/2022-07-01_VirtualNetworkCreateSubnet.json",
    operationId: "VirtualNetworks_CreateOrUpdate",
    given: async (w) => w.rg("rg1"),
  },
  {
    file: "network/2022-07-01_SubnetCreate.json",
    operationId: "Subnets_CreateOrUpdate",
    given: async (w) => {
      await w.rg("subnet-test");
      await w.put(`${w.rgPath("subnet-test")}/providers/Microsoft.Network/virtualNetworks/vnetname`, NET, {
        location: "eastus",
        properties: { addressSpace: { addressPrefixes: ["10.0.0.0/16"] } },
      });
    },
  },
  {
    file: "network/DefaultSecurityRuleGet.json",
    given: async (w) => {
      await w.rg("testrg");
      await w.put(`${w.rgPath("testrg")}/providers/Microsoft.Network/networkSecurityGroups/nsg1`, NET, {
        location: "eastus",
      });
    },
  },
  {
    file: "privatedns/PrivateZonePut.json",
    operationId: "PrivateZones_CreateOrUpdate",
    given: async (w) => w.rg("resourceGroup1"),
  },
  // The version az CLI 2.45 and python3-azure (azure-mgmt-privatedns 1.1.0b1) send.
  {
    file: "privatedns/2020-06-01_PrivateZonePut.json",
    operationId: "PrivateZones_CreateOrUpdate",
    given: async (w) => w.rg("resourceGroup1"),
  },
  {
    file: "privatedns/2020-06-01_RecordSetAGet.json",
    operationId: "RecordSets_Get",
    given: async (w) => {
      const zone = await w.zone("resourceGroup1", "privatezone1.com");
      await w.put(`${zone}/A/recordA`, "2020-06-01", {
        properties: { metadata: { key1: "value1" }, ttl: 3600, aRecords: [{ ipv4Address: "1.2.3.4" }] },
      });
    },
  },
  {
    file: "privatedns/2020-06-01_VirtualNetworkLinkDelete.json",
    operationId: "VirtualNetworkLinks_Delete",
    given: async (w) => {
      const zone = await w.zone("resourceGroup1", "privatezone1.com");
      const subnet = await w.subnet("resourceGroup1", "vnet1", "default", "eastus", "10.8.0.0/24");
      await w.put(`${zone}/virtualNetworkLinks/virtualNetworkLink1`, "2020-06-01", {
        location: "global",
        properties: { virtualNetwork: { id: subnet.split("/subnets/")[0] }, registrationEnabled: false },
      });
    },
  },
  {
    file: "privatedns/RecordSetAPut.json",
    given: async (w) => {
      await w.zone("resourceGroup1", "privatezone1.com", undefined, DNS);
    },
  },
  {
    file: "privatedns/VirtualNetworkLinkPut.json",
    given: async (w) => {
      await w.zone("resourceGroup1", "privatezone1.com", undefined, DNS);
      await w.subnet("virtualNetworkResourceGroup", "virtualNetworkName", "default", "eastus", "10.9.0.0/24");
    },
    adapt: (b) => resubscribe(b, "virtualNetworkSubscriptionId", info.subscriptionId),
  },
  // Network security groups and rules at @azure/arm-network 36's version.
  {
    file: "network/NetworkSecurityGroupCreate.json",
    operationId: "NetworkSecurityGroups_CreateOrUpdate",
    given: async (w) => w.rg("rg1"),
  },
  {
    file: "network/NetworkSecurityGroupGet.json",
    operationId: "NetworkSecurityGroups_Get",
    given: async (w) => w.nsg("rg1", "testnsg", "westus", true),
  },
  {
    file: "network/NetworkSecurityGroupRuleCreate.json",
    operationId: "SecurityRules_CreateOrUpdate",
    given: async (w) => w.nsg("rg1", "testnsg", "eastus", false),
  },
  {
    file: "network/NetworkSecurityGroupRuleGet.json",
    operationId: "SecurityRules_Get",
    given: async (w) => w.nsg("rg1", "testnsg", "eastus", true),
  },
  {
    file: "network/PrivateEndpointList.json",
    operationId: "PrivateEndpoints_List",
    given: async (w) => {
      const subnetId = await w.subnet("rg1", "myVnet", "mySubnet", "eastus", "192.168.0.0/24");
      const scope = await w.scope("rg1", "testPls1", "eastus");
      await w.endpoint("rg1", "pe1", subnetId, scope.id, "eastus", { staticIp: "192.168.0.10" });
      await w.endpoint("rg1", "pe2", subnetId, scope.id, "eastus", {
        manual: true,
        staticIp: "192.168.0.20",
      });
    },
  },
  {
    file: "network/2025-03-01_PrivateEndpointDelete.json",
    given: async (w) => w.zoneGroup("rg1", "testPe", "default"),
  },
  ...["Get", "Delete"].map((op): Case => ({
    file: `network/PrivateEndpointDnsZoneGroup${op}.json`,
    operationId: `PrivateDnsZoneGroups_${op}`,
    given: async (w) => w.zoneGroup("rg1", "testPe", "testPdnsgroup"),
  })),
  // Private DNS zones at 2018-09-01 (the versions' Get, Delete and ListByResourceGroup examples are
  // only in that folder) and 2020-06-01 (@azure/arm-privatedns 3, az 2.45, python3-azure).
  {
    file: "privatedns/2018-09-01_PrivateZoneGet.json",
    operationId: "PrivateZones_Get",
    given: async (w) => {
      await w.zone("resourceGroup1", "privatezone1.com", { key1: "value1" });
    },
  },
  {
    file: "privatedns/2018-09-01_PrivateZoneDelete.json",
    operationId: "PrivateZones_Delete",
    given: async (w) => {
      await w.zone("resourceGroup1", "privatezone1.com");
    },
  },
  {
    file: "privatedns/2018-09-01_PrivateZoneListInResourceGroup.json",
    operationId: "PrivateZones_ListByResourceGroup",
    given: async (w) => {
      await w.zone("resourceGroup1", "privatezone1.com", { key1: "value1" });
      await w.zone("resourceGroup1", "privatezone2.com");
    },
  },
  {
    file: "privatedns/2020-06-01_PrivateZoneListInSubscription.json",
    operationId: "PrivateZones_List",
    given: async (w) => {
      await w.zone("resourceGroup1", "privatezone1.com", { key1: "value1" });
      await w.zone("resourceGroup2", "privatezone2.com");
    },
  },
  {
    file: "privatedns/2020-06-01_VirtualNetworkLinkGet.json",
    operationId: "VirtualNetworkLinks_Get",
    given: async (w) => w.links("resourceGroup1", "privatezone1.com", ["virtualNetworkLink1"]),
  },
  {
    file: "privatedns/2020-06-01_VirtualNetworkLinkList.json",
    operationId: "VirtualNetworkLinks_List",
    given: async (w) =>
      w.links("resourceGroup1", "privatezone1.com", ["virtualNetworkLink1", "virtualNetworkLink2"]),
  },
  {
    file: "privatedns/2020-06-01_RecordSetAList.json",
    operationId: "RecordSets_ListByType",
    given: async (w) => {
      const zone = await w.zone("resourceGroup1", "privatezone1.com");
      await w.put(`${zone}/A/recorda1`, "2020-06-01", {
        properties: { metadata: { key1: "value1" }, ttl: 3600, aRecords: [{ ipv4Address: "1.2.3.4" }] },
      });
      await w.put(`${zone}/A/recorda2`, "2020-06-01", {
        properties: { ttl: 3600, aRecords: [{ ipv4Address: "5.6.7.8" }] },
      });
    },
  },
  {
    file: "privatedns/2020-06-01_RecordSetPTRDelete.json",
    operationId: "RecordSets_Delete",
    given: async (w) => {
      const zone = await w.zone("resourceGroup1", "0.0.127.in-addr.arpa");
      await w.put(`${zone}/PTR/1`, "2020-06-01", {
        properties: { ttl: 3600, ptrRecords: [{ ptrdname: "localhost" }] },
      });
    },
  },
  // Scopes and machines by subscription and by group at @azure/arm-hybridcompute 3's 2021-05-20.
  {
    file: "hybridcompute/2021-05-20_PrivateLinkScopesList.json",
    operationId: "PrivateLinkScopes_List",
    apiVersion: "2021-05-20",
    given: async (w) => {
      await w.scope("my-resource-group", "my-privatelinkscope", "westus");
      await w.scope("my-resource-group", "my-other-privatelinkscope", "westus");
    },
  },
  {
    file: "hybridcompute/2021-05-20_PrivateLinkScopesListByResourceGroup.json",
    operationId: "PrivateLinkScopes_ListByResourceGroup",
    given: async (w) => {
      await w.scope("my-resource-group", "my-privatelinkscope", "westus");
      await w.scope("my-resource-group", "my-other-privatelinkscope", "westus");
    },
  },
  ...["ListBySubscription", "ListByResourceGroup"].map((op): Case => ({
    file: `hybridcompute/2021-05-20_Machines_${op}.json`,
    operationId: `Machines_${op}`,
    given: async (w) => {
      await w.exampleMachine("myResourceGroup", "myMachine");
      await w.machine("myResourceGroup", "myMachine2", "eastus");
    },
  })),
  // DNS Private Resolver at 2022-07-01 (python3-azure's azure-mgmt-dnsresolver).
  {
    file: "network/2022-07-01_DnsResolver_Put.json",
    operationId: "DnsResolvers_CreateOrUpdate",
    given: async (w) => {
      await w.rg("sampleResourceGroup", "westus2");
      await w.resolverVnet("virtualNetworkResourceGroup", "sampleVirtualNetwork");
    },
    adapt: (b) => resubscribe(b, "cbb1387e-4b03-44f2-ad41-58d4677b9873", info.subscriptionId),
  },
  {
    file: "network/2022-07-01_InboundEndpoint_Put.json",
    operationId: "InboundEndpoints_CreateOrUpdate",
    given: async (w) => {
      await w.resolver();
    },
    adapt: (b) => {
      const c = resubscribe(b, "0403cfa9-9659-4f33-9f30-1f191c51d111", info.subscriptionId);
      c.properties.ipConfigurations[0].privateIpAddress = "10.20.1.4";
      return c;
    },
  },
  {
    file: "network/2022-07-01_InboundEndpoint_Get.json",
    operationId: "InboundEndpoints_Get",
    given: async (w) => {
      const subnet = await w.resolver();
      await w.put(
        `${w.rgPath("sampleResourceGroup")}/providers/Microsoft.Network/dnsResolvers/sampleDnsResolver/inboundEndpoints/sampleInboundEndpoint`,
        "2022-07-01",
        {
          location: "westus2",
          tags: { key1: "value1" },
          properties: {
            ipConfigurations: [{ subnet: { id: subnet }, privateIpAllocationMethod: "Dynamic" }],
          },
        },
      );
    },
  },
  // Azure Monitor Private Link Scopes at 2021-07-01-preview (the version whose examples hold
  // scoped resources and access modes; az 2.45 and python3-azure send 2019-10-17-preview).
  {
    file: "insights/PrivateLinkScopesCreate.json",
    operationId: "PrivateLinkScopes_CreateOrUpdate",
    given: async (w) => w.rg("my-resource-group"),
  },
  ...["Get", "ListByResourceGroup"].map((op): Case => ({
    file: `insights/PrivateLinkScopes${op}.json`,
    operationId: `PrivateLinkScopes_${op}`,
    given: async (w) => {
      await w.monitorScope("my-resource-group", "my-privatelinkscope");
      await w.monitorScope("my-resource-group", "my-other-privatelinkscope");
    },
  })),
  {
    file: "insights/PrivateLinkScopesUpdateTagsOnly.json",
    operationId: "PrivateLinkScopes_UpdateTags",
    given: async (w) => w.monitorScope("my-resource-group", "my-privatelinkscope"),
  },
  {
    file: "insights/PrivateLinkScopedResourceUpdate.json",
    operationId: "PrivateLinkScopedResources_CreateOrUpdate",
    given: async (w) => w.monitorScope("MyResourceGroup", "MyPrivateLinkScope"),
  },
  ...[
    ["Get", "Get"],
    ["Delete", "Delete"],
    ["List", "ListByPrivateLinkScope"],
  ].map(([file, op]): Case => ({
    file: `insights/PrivateLinkScopedResource${file}.json`,
    operationId: `PrivateLinkScopedResources_${op}`,
    given: async (w) => {
      const scope = await w.monitorScope("MyResourceGroup", "MyPrivateLinkScope");
      const component = `${w.rgPath("MyResourceGroup")}/providers/Microsoft.Insights/components/my-component`;
      await w.scoped(scope.id, "scoped-resource-name", component);
      const ws = await w.workspace("MyWorkspaceResourceGroup", "my-workspace");
      await w.scoped(scope.id, "other-scoped-resource-name", ws);
    },
  })),
  {
    file: "insights/PrivateLinkScopePrivateLinkResourceGet.json",
    operationId: "PrivateLinkResources_Get",
    given: async (w) => {
      const scope = await w.monitorScope("MyResourceGroup", "MyPrivateLinkScope");
      await w.scoped(scope.id, "law", await w.workspace("MyResourceGroup", "my-workspace"));
    },
  },
  ...[
    ["Get", "Get"],
    ["Update", "CreateOrUpdate"],
    ["Delete", "Delete"],
  ].map(([file, op]): Case => ({
    file: `insights/PrivateEndpointConnection${file}.json`,
    operationId: `PrivateEndpointConnections_${op}`,
    given: async (w) => {
      const [connection] = await w.connectedMonitorScope("MyResourceGroup", "MyPrivateLinkScope");
      return { privateEndpointConnectionName: connection };
    },
  })),
  {
    file: "insights/PrivateEndpointConnectionList.json",
    operationId: "PrivateEndpointConnections_ListByPrivateLinkScope",
    given: async (w) => {
      await w.connectedMonitorScope("MyResourceGroup", "MyPrivateLinkScope", 2);
    },
  },
  // Log Analytics workspaces at 2025-07-01 (and the 2020-08-01 list example).
  {
    file: "operationalinsights/WorkspacesCreate.json",
    given: async (w) => w.rg("oiautorest6685", "australiasoutheast"),
  },
  ...["WorkspacesGet.json", "WorkspacesDelete.json", "2025-07-01_WorkspacesUpdate.json"].map(
    (file): Case => ({
      file: `operationalinsights/${file}`,
      operationId: file.includes("Update") ? "Workspaces_Update" : undefined,
      given: async (w) => {
        await w.workspace("oiautorest6685", "oiautorest6685", "australiasoutheast");
      },
    }),
  ),
  {
    file: "operationalinsights/2020-08-01_WorkspacesListByResourceGroup.json",
    operationId: "Workspaces_ListByResourceGroup",
    given: async (w) => {
      await w.workspace("oiautorest6685", "AzTest2170", "australiasoutheast");
    },
  },
];

/** Replaces the example's subscription id with ours in every string of a request value. */
function resubscribe(v: unknown, from: string, to: string): any {
  if (typeof v === "string") return v.split(from).join(to);
  if (Array.isArray(v)) return v.map((x) => resubscribe(x, from, to));
  if (v && typeof v === "object") {
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, resubscribe(x, from, to)]));
  }
  return v;
}

function header(r: RawResponse, name: string): string | undefined {
  const v = r.headers[name.toLowerCase()];
  return Array.isArray(v) ? v[0] : v;
}

before(async () => {
  srv = await startServer({ args: ["--dns", "none"] });
  info = srv.info;
  bearer = await token(info);
});
after(async () => {
  await srv.stop();
  removeDataDir(srv.dataDir);
});

describe("the specification's examples, replayed", () => {
  it("covers every example file collected", () => {
    const files = Object.keys(OPERATIONS_BY_FOLDER).flatMap((d) =>
      readdirSync(join(FIXTURES, d))
        .filter((f) => f.endsWith(".json"))
        .map((f) => `${d}/${f}`),
    );
    assert.deepEqual(CASES.map((c) => c.file).sort(), files.sort());
  });

  it("docs/CONFORMANCE.md lists every deliberate difference", () => {
    const doc = readFileSync(join(ROOT, "docs/CONFORMANCE.md"), "utf8");
    for (const d of [...DEVIATIONS, ...GAPS])
      assert.ok(doc.includes(`\`${d.id}\``), `docs/CONFORMANCE.md lacks ${d.id}`);
  });

  for (const c of CASES) {
    const ex = JSON.parse(readFileSync(join(FIXTURES, c.file), "utf8")) as Example;
    const opId = ex.operationId ?? c.operationId!;
    const folder = c.file.split("/")[0];
    it(`${opId} at ${ex.parameters["api-version"]} (${c.file})`, async () => {
      const op = OPERATIONS_BY_FOLDER[folder][opId];
      assert.ok(op, `no route for ${opId}`);
      const exampleSub = String(ex.parameters.subscriptionId);
      const w = new World(info.subscriptionId);
      const overrides = (await c.given?.(w, ex.parameters)) ?? {};
      const params: Record<string, any> = {
        ...ex.parameters,
        ...overrides,
        subscriptionId: info.subscriptionId,
      };
      if (params.location === "eastus2euap") params.location = "eastus";
      const path = op.path.replace(/\{([^}]+)\}/g, (_, k: string) => {
        assert.ok(params[k] !== undefined, `the example has no parameter ${k}`);
        return encodeURIComponent(String(params[k]));
      });
      let body = op.body
        ? resubscribe(structuredClone(ex.parameters[op.body]), exampleSub, info.subscriptionId)
        : undefined;
      if (body && c.adapt) body = c.adapt(body);
      const r = await call(
        op.method,
        `${path}?api-version=${encodeURIComponent(c.apiVersion ?? ex.parameters["api-version"])}`,
        body,
      );
      try {
        const declared = Object.keys(ex.responses);
        assert.ok(
          declared.includes(String(r.status)),
          `${opId}: ArcLink answered ${r.status}, the example declares ${declared.join(", ")}: ${r.text.slice(0, 600)}`,
        );
        const want = ex.responses[String(r.status)];
        for (const h of ["Location", "Azure-AsyncOperation"]) {
          if (want.headers && h in want.headers) {
            assert.ok(header(r, h), `${opId} ${r.status}: the example has a ${h} header, ArcLink sent none`);
          }
        }
        if (want.body !== undefined) {
          const covered = deviationIds(opId, folder).flatMap((d) => d.paths);
          // A list's items are compared like the resource they are (value[].properties... ).
          const skip = (p: string) => {
            const q = p.startsWith("value[].") ? p.slice("value[].".length) : p;
            return covered.some((c) => q === c || q.startsWith(`${c}.`) || q.startsWith(`${c}[`));
          };
          const diffs = shapeDifferences(want.body, r.json, skip);
          assert.deepEqual(
            diffs,
            [],
            `${opId}: the answer differs from the example:\n${r.text.slice(0, 2000)}`,
          );
        }
      } finally {
        // Each example starts from an empty subscription: remove the groups it used.
        const groups = await call(
          "GET",
          `/subscriptions/${info.subscriptionId}/resourcegroups?api-version=2021-04-01`,
        );
        for (const g of groups.json?.value ?? []) {
          await call(
            "DELETE",
            `/subscriptions/${info.subscriptionId}/resourcegroups/${g.name}?api-version=2021-04-01`,
          );
        }
      }
    });
  }
});

describe("what Azure stores as sent", () => {
  it("a private endpoint echoes groupIds and an ip configuration's groupId in the caller's casing, matched case-insensitively", async () => {
    const w = new World(info.subscriptionId);
    const subnetId = await w.subnet("rg-case", "vnet", "snet", "eastus", "10.40.0.0/24");
    const scope = await w.scope("rg-case", "pls-case", "eastus");
    const pe = `${w.rgPath("rg-case")}/providers/Microsoft.Network/privateEndpoints/pe-case`;
    const body = (groupId: string) => ({
      location: "eastus",
      properties: {
        subnet: { id: subnetId },
        privateLinkServiceConnections: [
          { name: "conn", properties: { privateLinkServiceId: scope.id, groupIds: [groupId] } },
        ],
        ipConfigurations: [
          {
            name: "static",
            properties: {
              groupId: "HybridCompute",
              memberName: "HybridCompute.Server",
              privateIPAddress: "10.40.0.10",
            },
          },
        ],
      },
    });
    try {
      const created = await call("PUT", `${pe}?api-version=${NET}`, body("hybridCompute"));
      assert.equal(created.status, 201, created.text);
      const read = await call("GET", `${pe}?api-version=${NET}`);
      const conn = read.json.properties.privateLinkServiceConnections[0].properties;
      assert.deepEqual(conn.groupIds, ["hybridCompute"], "groupIds as sent");
      assert.equal(conn.privateLinkServiceConnectionState.status, "Approved", "matched the scope's group");
      assert.deepEqual(
        read.json.properties.ipConfigurations.map((c: any) => c.properties.groupId),
        ["HybridCompute"],
        "the sent ip configuration's groupId as sent",
      );
      const scoped = await call("GET", `${scope.id}/privateEndpointConnections?api-version=${HC}`);
      assert.equal(scoped.json.value.length, 1, "the scope has the endpoint's connection");
      // The same group in another casing is no change of group: the update is accepted and echoed.
      const again = await call("PUT", `${pe}?api-version=${NET}`, body("HYBRIDCOMPUTE"));
      assert.equal(again.status, 200, again.text);
      assert.deepEqual(again.json.properties.privateLinkServiceConnections[0].properties.groupIds, [
        "HYBRIDCOMPUTE",
      ]);
      // A group the scope does not have is still refused, naming the valid one.
      const bad = await call("PUT", `${pe}-bad?api-version=${NET}`, body("hybridComputeX"));
      assert.equal(bad.status, 400, bad.text);
      assert.match(bad.json.error.message, /'hybridcompute'/);
    } finally {
      await call(
        "DELETE",
        `/subscriptions/${info.subscriptionId}/resourcegroups/rg-case?api-version=2021-04-01`,
      );
    }
  });
});

// The machine examples show a machine whose agent has connected. Here the project's azcmagent (a
// separate process acting as a host of the reference topology) onboards a machine through the
// gateway, and the machine ARM then shows is compared with the Machines_Get example's response in
// the api-versions the official clients send: the JS SDK (@azure/arm-hybridcompute 3.x,
// 2021-05-20), Python (azure-mgmt-hybridcompute 8.0.0b1, 2022-08-11-preview) and the example's own.
describe("the Machines_Get example against a machine its agent has reported", () => {
  let agentSrv: TestServer;
  let tmp: string;
  before(async () => {
    tmp = mkdtempSync(join(tmpdir(), "azcm-conformance-"));
    agentSrv = await startServer({ args: ["--topology", join(ROOT, "examples/reference.yaml")] });
  });
  after(async () => {
    await agentSrv?.stop();
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  for (const host of ["srv-win-01", "srv-lnx-01"]) {
    it(
      `${host}, onboarded by azcmagent, has the example's paths and types`,
      { timeout: 240_000 },
      async () => {
        // What the host's OS says of itself (the lab knows it only when told).
        const hostFacts = await arm(
          agentSrv.info,
          "PATCH",
          rgPath(agentSrv, `ArcLink.Lab/hosts/${host}?${LAB}`),
          {
            properties: host.includes("win")
              ? {
                  osVersion: "10.0.20348",
                  osSku: "Windows Server 2022 Standard",
                  osEdition: "ServerStandard",
                }
              : { osVersion: "22.04", osSku: "Ubuntu 22.04.4 LTS", osEdition: "ubuntu" },
          },
        );
        assert.equal(hostFacts.status, 200, hostFacts.text);
        const env = await hostEnv(agentSrv, tmp, host);
        const scope = scopeIdOf(agentSrv, "pls-arc");
        const agent = async (args: string[]) => {
          const r = await runAgent(args, env);
          assert.equal(r.code, 0, `azcmagent ${args.join(" ")}\n${r.all}`);
        };
        await agent(connectArgs(agentSrv, host, "eastus", ["--private-link-scope", scope]));
        // The example's agent has incoming ports and a proxy bypass configured locally; they reach
        // the resource with the next heartbeat.
        await agent(["config", "set", "incomingconnections.ports", "22,23"]);
        await agent(["config", "set", "proxy.bypass", "Arc"]);
        await agent(["__heartbeat"]);
        const ex = JSON.parse(
          readFileSync(join(FIXTURES, "hybridcompute/Machines_Get.json"), "utf8"),
        ) as Example;
        // What a user sets on a machine (the Machines_Update example's body, keeping the machine's
        // own scope): location, patch settings, its HCI cluster and key store.
        const update = JSON.parse(
          readFileSync(join(FIXTURES, "hybridcompute/Machines_Update.json"), "utf8"),
        ) as Example;
        const { privateLinkScopeResourceId: _, ...userProps } = update.parameters.parameters.properties;
        const patched = await arm(agentSrv.info, "PATCH", `${machineId(agentSrv, host)}?api-version=${HC}`, {
          properties: resubscribe(
            userProps,
            String(update.parameters.subscriptionId),
            agentSrv.info.subscriptionId,
          ),
        });
        assert.equal(patched.status, 200, patched.text);
        const covered = agentMachineDeviations(host.includes("win") ? "windows" : "linux").flatMap(
          (d) => d.paths,
        );
        const skip = (p: string) =>
          covered.some((c) => p === c || p.startsWith(`${c}.`) || p.startsWith(`${c}[`));
        for (const version of ["2021-05-20", "2022-08-11-preview", String(ex.parameters["api-version"])]) {
          const m = await arm(agentSrv.info, "GET", `${machineId(agentSrv, host)}?api-version=${version}`);
          assert.equal(m.status, 200, m.text);
          assert.equal(m.json.properties.status, "Connected");
          const diffs = shapeDifferences(ex.responses["200"].body, m.json, skip);
          assert.ok(
            diffs.length === 0,
            `${host} at ${version} differs from the example:\n${diffs.map((d) => `${d.path}: ${d.problem}`).join("\n")}\n${m.text.slice(0, 3000)}`,
          );
        }
      },
    );
  }
});
