// The contract every resource type implements. The ARM front end owns the conventions
// (api-version, names, parents, ETags, LROs, envelopes, systemData); a provider owns its
// schema, defaults, validation, side effects and read-time projection.
import { ResourceId } from "../core/resourceId.js";
import { Entry, WorldView } from "../world/world.js";
import { WriteTx } from "../world/writeTx.js";

/** How the first response of a write looks (what Azure does for that type). */
export type LroStyle =
  /** 200/201 with the final body; no poll headers. */
  | "sync"
  /** 200/201 with the body plus Azure-AsyncOperation; the poll says Succeeded, then a final GET. */
  | "asyncOperation"
  /** 202 with Location (and Azure-AsyncOperation); the Location poll returns the result. */
  | "location";

export interface Principal {
  /** Object id of the caller. */
  oid: string;
  tenantId: string;
  /** Application (client) id for service principals. */
  appId?: string;
  kind: "servicePrincipal" | "machine" | "host";
  /** For machine and host credentials: the resource they act as. */
  actsAs?: string;
}

export interface ProviderContext {
  tx: WriteTx;
  now: Date;
  principal: Principal;
  apiVersion: string;
  /** https origin of the ARM endpoint, e.g. https://127.0.0.1:8443 */
  baseUrl: string;
  /** Lab settings that rules depend on (e.g. the propagation delay). */
  settings: Settings;
}

export interface Settings {
  /** How long after association a machine is accepted at a private endpoint. */
  propagationDelayMs: number;
}

export interface WriteRequest {
  id: ResourceId;
  /** The request body (validated to be a JSON object). For PATCH, already merged onto the stored resource. */
  body: Record<string, any>;
  existing?: Entry;
}

export interface NameRule {
  min: number;
  max: number;
  pattern: RegExp;
  /** Human description of the pattern for the error message. */
  describe: string;
}

export interface ActionResult {
  status: number;
  body?: unknown;
}

export interface ResourceType {
  /** Full ARM type in Azure's casing, e.g. "Microsoft.Network/virtualNetworks". */
  type: string;
  apiVersions: readonly string[];
  /** tracked: location + tags; proxy: child or extension resource without location. */
  kind: "tracked" | "proxy";
  /** Tracked resources whose location is always "global" (private DNS zones). */
  globalLocation?: boolean;
  name: NameRule;
  lro: { put: LroStyle; delete: LroStyle };
  /**
   * When the api-version asked decides how a DELETE answers (the spec changed it between
   * versions), the style for that version; absent: `lro.delete` for every version.
   */
  deleteStyle?(apiVersion: string): LroStyle;
  /** The status of a PUT that creates: 201 unless the spec declares only 200 for the operation. */
  createdStatus?: 200 | 201;
  /** Network RP uses W/"guid"; Private DNS a bare guid; HybridCompute none. */
  etag: "weak" | "guid" | "none";
  /** Where lists of this type are served besides its parent's collection path. */
  listBy?: { subscription?: boolean; resourceGroup?: boolean };
  /** PATCH semantics: "tags" accepts only tags (updateTags); "merge" merge-patches properties. Absent: no PATCH. */
  patch?: "tags" | "merge";
  /**
   * Validates the request and returns the properties to store (provisioningState is added if absent).
   * Keys of the result starting with "_" are internal: the front end stores them at the top level of
   * the resource (never inside properties) and strips them from every response.
   * Throws ArmError to refuse. May read and write other resources through ctx.tx.
   */
  write(ctx: ProviderContext, req: WriteRequest): Record<string, any>;
  /**
   * Called before a resource (and its subtree) is deleted: refuse (throw) or clean up elsewhere.
   * In a cascade (its parent or resource group is going too) it must not refuse.
   */
  beforeDelete?(ctx: ProviderContext, existing: Entry, opts: { cascade: boolean }): void;
  /** Read-time projection: derived and back-reference fields. Must not write. */
  project?(body: Record<string, any>, view: WorldView, now: Date, entry: Entry): Record<string, any>;
  /**
   * `project` reads only the stored body, the entry and the world (never `now`, settings or
   * anything else): GET may then keep a projection's bytes until the world next changes. Leave
   * unset when the projection depends on the clock (a machine's status).
   */
  projectReadsWorldOnly?: boolean;
  /** POST actions on a resource, by lower-cased action name. */
  actions?: Record<string, (ctx: ProviderContext, existing: Entry, body: unknown) => ActionResult>;
  /** Read-only children computed from the parent, e.g. privateLinkResources, defaultSecurityRules. */
  virtualChildren?: Record<string, VirtualChildren>;
  /** Narrows a list of this type below its parent by the request's query (e.g. Private DNS $recordsetnamesuffix). */
  listFilter?(items: Record<string, any>[], query: URLSearchParams): Record<string, any>[];
  /**
   * The network model reads resources of this type (and of its child types, unless one declares
   * its own): the section of the model compiled from them (src/network/sections/). A change to
   * such a resource patches that section, and what-if records every read of it. Absent: the
   * network model never reads this type.
   */
  model?: { section: string };
  /**
   * Where a topology file declares resources of this type: the file's top-level list (e.g.
   * "virtualNetworks"). Lint points a finding about such a resource at its entry there.
   */
  topology?: { section: string };
  /**
   * For a child type, where its parent's entry in a topology file declares it: the entry's key
   * that holds it (e.g. "subnets" in a virtualNetworks entry), a list matched by name (and by its
   * entries' `type` too when `typed`: one list of records of several types) or a single object (a
   * private endpoint's "privateDnsZoneGroup"). Lint points a finding about such a resource there.
   */
  topologyEntry?: { key: string; typed?: boolean };
}

export interface VirtualChildren {
  /** Full type of the children in Azure's casing. */
  type: string;
  /** `query` is the list request's query string (absent when a single child is looked up). */
  list(parent: Entry, view: WorldView, now: Date, query?: URLSearchParams): Record<string, any>[];
  /**
   * One child by name, for children that are not in `list` (e.g. machines/{m}/privateLinkScopes/current).
   * Return undefined for a 404, or throw an ArmError with a more precise answer. Absent: found in `list`.
   */
  get?(parent: Entry, name: string, view: WorldView, now: Date): Record<string, any> | undefined;
}
