// GET / PUT / PATCH / DELETE / list / POST for every registered resource type: ARM's
// conventions in one place, with the type's provider supplying the rules.
import { ArmError, errors } from "../core/armError.js";
import { normalizeRegion, regionNames } from "../core/regions.js";
import {
  fullType,
  keyOf,
  name as nameOf,
  parentId,
  parseResourceId,
  ResourceId,
} from "../core/resourceId.js";
import { ProviderContext, ResourceType } from "../providers/contract.js";
import { asObject, tagsOf } from "../providers/validate.js";
import { Entry, World, WorldView } from "../world/world.js";
import { JsonText } from "../core/jsonText.js";
import { WriteTx } from "../world/writeTx.js";
import { checkProvider } from "./apiVersion.js";
import { checkConditions } from "./conditional.js";
import { ArmRequest, ArmResponse, ArmServices, header, providerContext } from "./context.js";
import { compose, typeAndName } from "./envelope.js";
import { pollHeaders } from "./lro.js";
import { mergePatch } from "./mergePatch.js";
import { page } from "./paging.js";
import { checkPrincipal } from "./principalCheck.js";

export function typeOf(s: ArmServices, id: ResourceId, apiVersion: string): ResourceType {
  const t = fullType(id);
  const def = s.registry.type(t);
  if (!def) {
    const ns = id.namespace ? s.registry.namespace(id.namespace) : undefined;
    if (!ns) {
      throw new ArmError(
        400,
        "InvalidResourceNamespace",
        `The resource namespace '${id.namespace}' is invalid. The namespaces served here are: ${s.registry
          .allNamespaces()
          .map((n) => n.namespace)
          .join(", ")}.`,
      );
    }
    throw new ArmError(
      400,
      "InvalidResourceType",
      `The resource type '${t.split("/").slice(1).join("/")}' could not be found in the namespace '${ns.namespace}' for api version '${apiVersion}'. The types it serves are: ${ns.types
        .map((x) => x.type.split("/").slice(1).join("/"))
        .join(", ")}.`,
    );
  }
  return def;
}

function locationsOf(s: ArmServices, def: ResourceType): readonly string[] {
  const ns = s.registry.namespace(def.type.split("/")[0]);
  return ns?.locations ?? regionNames();
}

export function checkVersion(s: ArmServices, r: ArmRequest, def: ResourceType, location?: string): void {
  checkProvider(r.apiVersion, def.type, location, def.apiVersions, () => locationsOf(s, def));
}

/** The subscription must exist and the caller must have access to it. */
export function checkSubscription(s: ArmServices, r: ArmRequest, sub: string | undefined): void {
  if (!sub) return;
  const e = s.world.get(`/subscriptions/${sub}`);
  if (!e) throw errors.subscriptionNotFound(sub);
  checkPrincipal(r);
  const sp = s.world.get(`/providers/ArcLink.Identity/servicePrincipals/${r.principal.appId}`)?.body;
  const allowed: string[] = sp?.subscriptions ?? [];
  if (!allowed.some((x) => x.toLowerCase() === sub.toLowerCase())) {
    throw new ArmError(
      403,
      "AuthorizationFailed",
      `The client '${r.principal.appId}' with object id '${r.principal.oid}' does not have authorization to perform action '${r.method}' over scope '/subscriptions/${sub}' or the scope is invalid. ${
        sp
          ? "Grant the principal access to the subscription."
          : `No service principal with application id '${r.principal.appId}' exists here: sign in with the client id printed by 'arclink serve'.`
      }`,
    );
  }
}

/** Resource group and parent must exist: 404 with ARM's codes otherwise. */
export function checkParents(view: WorldView, id: ResourceId): void {
  if (id.resourceGroup && id.types.length > 0) {
    if (!view.get(`/subscriptions/${id.subscription}/resourceGroups/${id.resourceGroup}`)) {
      throw errors.resourceGroupNotFound(id.resourceGroup);
    }
  }
  if (id.types.length > 1) {
    const p = parentId(id)!;
    if (!view.get(p)) {
      const pp = parseResourceId(p)!;
      throw new ArmError(
        404,
        "ParentResourceNotFound",
        `Can not perform requested operation on nested resource. Parent resource '${pp.names.join("/")}' not found.`,
      );
    }
  }
}

function checkName(def: ResourceType, id: ResourceId): void {
  const n = nameOf(id);
  const rule = def.name;
  if (n.length < rule.min || n.length > rule.max || !rule.pattern.test(n)) {
    throw new ArmError(
      400,
      "InvalidResourceName",
      `Resource name '${n}' is invalid for type ${def.type}: ${rule.describe} (${rule.min}-${rule.max} characters).`,
    );
  }
}

/** The resource as GET returns it: the provider's read-time projection, without internal ("_") keys. */
export function project(s: ArmServices, e: Entry, view: WorldView = s.world): Record<string, any> {
  const def = s.registry.type(e.type);
  const body = def?.project ? def.project(e.body, view, s.clock.now(), e) : e.body;
  return stripInternal(body);
}

/** Callers may not set internal ("_") keys, at the top or inside properties. */
function withoutInternal(input: Record<string, any>): Record<string, any> {
  const out = stripInternal(input);
  if (out.properties && typeof out.properties === "object" && !Array.isArray(out.properties)) {
    return { ...out, properties: stripInternal(out.properties) };
  }
  return out;
}

export function stripInternal(body: Record<string, any>): Record<string, any> {
  if (!Object.keys(body).some((k) => k.startsWith("_"))) return body;
  const out: Record<string, any> = {};
  for (const [k, v] of Object.entries(body)) if (!k.startsWith("_")) out[k] = v;
  return out;
}

function etagHeaders(body: Record<string, any>): Record<string, string> {
  return typeof body.etag === "string" ? { ETag: body.etag } : {};
}

export function getResource(s: ArmServices, r: ArmRequest, id: ResourceId): ArmResponse {
  const virtual = virtualChild(s, id);
  if (virtual) return virtual(r);
  const def = typeOf(s, id, r.apiVersion);
  checkVersion(s, r, def);
  checkSubscription(s, r, id.subscription);
  checkParents(s.world, id);
  const e = s.world.get(id.id);
  if (!e || e.type.toLowerCase() !== def.type.toLowerCase()) {
    throw errors.resourceNotFound(typeAndName(id), id.resourceGroup);
  }
  return readAnswer(s, e, def);
}

/**
 * GET's answer for an entry, kept as the bytes the client receives when they can only change with
 * the world: a type without a projection (a new entry, hence a new answer, on every committed
 * write), or one whose projection reads only the body, the entry and the world
 * (`projectReadsWorldOnly`), kept until the world's next change of any entry. A projection that
 * reads the clock (a machine's status) is made per request.
 */
const answers = new WeakMap<Entry, { world: World; version: number; rev: unknown; answer: ArmResponse }>();

/** The answers readAnswer keeps: one object for every request that reads them, frozen. */
const keptAnswers = new WeakSet<ArmResponse>();

/**
 * Whether a GET's answer is one readAnswer keeps: the same bytes for as long as the world is
 * unchanged (no projection reads the clock for it).
 */
export function isKeptAnswer(answer: ArmResponse): boolean {
  return keptAnswers.has(answer);
}

function readAnswer(s: ArmServices, e: Entry, def: ResourceType): ArmResponse {
  if (def.project && !def.projectReadsWorldOnly) {
    const body = project(s, e);
    return { status: 200, body, headers: etagHeaders(body) };
  }
  // Without a projection the answer is the entry's alone: any world version will do.
  const version = def.project ? s.world.version : -1;
  let hit = answers.get(e);
  if (!hit || hit.world !== s.world || hit.version !== version || hit.rev !== e.rev) {
    const body = project(s, e);
    const answer: ArmResponse = Object.freeze({
      status: 200,
      body: new JsonText(Buffer.from(JSON.stringify(body), "utf8")),
      headers: Object.freeze(etagHeaders(body)),
    });
    keptAnswers.add(answer);
    hit = { world: s.world, version, rev: e.rev, answer };
    answers.set(e, hit);
  }
  return hit.answer;
}

/** Read-only computed children (privateLinkResources, defaultSecurityRules, ...). */
function virtualChild(s: ArmServices, id: ResourceId): ((r: ArmRequest) => ArmResponse) | undefined {
  if (id.types.length < 2) return undefined;
  const pid = parentId(id)!;
  const parsedParent = parseResourceId(pid)!;
  const pdef = s.registry.type(fullType(parsedParent));
  const vc = pdef?.virtualChildren?.[id.types[id.types.length - 1].toLowerCase()];
  if (!pdef || !vc) return undefined;
  return (r) => {
    checkVersion(s, r, pdef);
    checkSubscription(s, r, id.subscription);
    checkParents(s.world, parsedParent);
    const parent = s.world.get(pid);
    if (!parent) throw errors.resourceNotFound(typeAndName(parsedParent), id.resourceGroup);
    if (r.method !== "GET") {
      throw new ArmError(405, "MethodNotAllowed", `${vc.type} is read-only; only GET is supported.`);
    }
    const n = nameOf(id).toLowerCase();
    const hit = vc.get
      ? vc.get(parent, nameOf(id), s.world, s.clock.now())
      : vc.list(parent, s.world, s.clock.now()).find((x) => String(x.name).toLowerCase() === n);
    if (!hit) throw errors.resourceNotFound(typeAndName(id), id.resourceGroup);
    return { status: 200, body: hit };
  };
}

export async function putResource(s: ArmServices, r: ArmRequest, id: ResourceId): Promise<ArmResponse> {
  const { def, input } = preparePut(s, r, id);
  return s.writer.run((tx) => {
    const existing = putInTx(s, r, id, def, input, tx);
    return writeResponse(
      s,
      r,
      def,
      id,
      tx.get(id.id)!,
      tx,
      existing ? 200 : (def.createdStatus ?? 201),
      "PUT",
    );
  });
}

/**
 * What a PUT checks before its write runs (type, api-version, subscription, name) and the body it
 * writes from. With putInTx, the whole of a PUT but its answer: a sandbox that needs the resulting
 * world and not the answers runs the two (putResource runs exactly these).
 */
export function preparePut(
  s: ArmServices,
  r: ArmRequest,
  id: ResourceId,
): { def: ResourceType; input: Record<string, any> } {
  const def = typeOf(s, id, r.apiVersion);
  const input = withoutInternal(asObject(r.body, "body"));
  const requestedLocation = def.kind === "tracked" ? input.location : undefined;
  checkVersion(s, r, def, typeof requestedLocation === "string" ? requestedLocation : undefined);
  checkSubscription(s, r, id.subscription);
  checkName(def, id);
  return { def, input };
}

/** A PUT's write in its transaction (after preparePut); returns the entry it replaced, if any. */
export function putInTx(
  s: ArmServices,
  r: ArmRequest,
  id: ResourceId,
  def: ResourceType,
  input: Record<string, any>,
  tx: WriteTx,
): Entry | undefined {
  checkParents(tx, id);
  // The id lower-cased once for this write's reads and its put.
  const key = keyOf(id.id);
  const existing = tx.getKeyed(key, id.id);
  if (existing && existing.type.toLowerCase() !== def.type.toLowerCase()) {
    throw errors.conflict("Conflict", `A resource of type ${existing.type} already has the id ${id.id}.`);
  }
  checkConditions("PUT", header(r, "if-match"), header(r, "if-none-match"), existing);
  const ctx = providerContext(s, r, tx);
  const body = writeBody(s, ctx, def, id, input, existing);
  tx.put(id.id, def.type, body, id, key);
  return existing;
}

function writeBody(
  s: ArmServices,
  ctx: ProviderContext,
  def: ResourceType,
  id: ResourceId,
  input: Record<string, any>,
  existing: Entry | undefined,
): Record<string, any> {
  let location: string | undefined;
  let tags: Record<string, string> | undefined;
  if (def.kind === "tracked") {
    location = trackedLocation(def, input.location, existing);
    tags = tagsOf(input.tags);
  }
  asObject(input.properties, "properties");
  const properties = def.write(ctx, { id, body: input, existing });
  const top: Record<string, any> = {};
  for (const k of ["kind", "identity", "extendedLocation", "sku", "zones", "managedBy"]) {
    if (input[k] !== undefined) top[k] = input[k];
  }
  // Internal ("_") keys the provider returned live at the top level; project() strips them.
  for (const k of Object.keys(properties)) {
    if (k.startsWith("_")) {
      top[k] = properties[k];
      delete properties[k];
    }
  }
  return compose({
    def,
    id,
    existing,
    location,
    tags,
    properties,
    top,
    principal: ctx.principal,
    now: ctx.now,
  });
}

function trackedLocation(def: ResourceType, requested: unknown, existing: Entry | undefined): string {
  if (def.globalLocation) {
    if (requested !== undefined && String(requested).toLowerCase() !== "global") {
      throw new ArmError(
        400,
        "InvalidLocation",
        `The location of a ${def.type} must be 'global', not '${requested}'.`,
      );
    }
    return "global";
  }
  if (requested === undefined || requested === null || requested === "") {
    if (existing) return existing.body.location;
    throw new ArmError(
      400,
      "LocationRequired",
      `The location property is required for this definition. Set "location" to a region such as "eastus".`,
      { target: "location" },
    );
  }
  if (typeof requested !== "string") {
    throw errors.invalidRequestContent(
      `'location' must be a string naming a region such as "eastus", got ${JSON.stringify(requested)}.`,
      "location",
    );
  }
  const loc = normalizeRegion(requested);
  if (!loc) {
    throw new ArmError(
      400,
      "LocationNotAvailableForResourceType",
      `The provided location '${requested}' is not available for resource type '${def.type}'. List of available regions for the resource type is '${regionNames().join(",")}'.`,
      { target: "location" },
    );
  }
  if (existing && existing.body.location && existing.body.location !== loc) {
    throw new ArmError(
      400,
      "InvalidResourceLocation",
      `The resource '${existing.body.name}' already exists in location '${existing.body.location}'. A resource with the same name cannot be created in location '${loc}'. Delete it first or choose another name.`,
    );
  }
  return loc;
}

function writeResponse(
  s: ArmServices,
  r: ArmRequest,
  def: ResourceType,
  id: ResourceId,
  entry: Entry,
  view: WorldView,
  status: number,
  method: "PUT" | "PATCH",
): ArmResponse {
  const stored = entry.body;
  const style = method === "PATCH" ? "sync" : def.lro.put;
  // A synchronous write has no poll URL: its operation token would be signed and thrown away.
  const headers = {
    ...etagHeaders(stored),
    ...(style === "sync"
      ? {}
      : pollHeaders(
          style,
          r.baseUrl,
          id.subscription!,
          id.resourceGroup,
          def.type,
          lroLocation(view, id, stored),
          s.operations.token({ method, resourceId: id.id, startTime: s.clock.now().toISOString() }),
          r.apiVersion,
        )),
  };
  // The answer reflects the world after this write, read through the same transaction; what the
  // projection reads is not part of what the write decided on (not in its read set).
  const body =
    view instanceof WriteTx ? view.untracked(() => project(s, entry, view)) : project(s, entry, view);
  return { status, body, headers };
}

/** The region in poll URLs: the resource's own location, else its nearest parent's. */
function lroLocation(view: WorldView, id: ResourceId, body: Record<string, any>): string {
  if (typeof body.location === "string") return body.location;
  let p: ResourceId | undefined = id;
  while (p && p.types.length > 1) {
    const pid = parentId(p)!;
    const loc = view.get(pid)?.body.location;
    if (typeof loc === "string") return loc;
    p = parseResourceId(pid);
  }
  return "global";
}

export async function patchResource(s: ArmServices, r: ArmRequest, id: ResourceId): Promise<ArmResponse> {
  const def = typeOf(s, id, r.apiVersion);
  checkVersion(s, r, def);
  checkSubscription(s, r, id.subscription);
  const input = withoutInternal(asObject(r.body, "body"));
  if (!def.patch) {
    throw new ArmError(
      405,
      "MethodNotAllowed",
      `PATCH is not supported for ${def.type}; use PUT with the whole resource.`,
    );
  }
  return s.writer.run((tx) => {
    checkParents(tx, id);
    const existing = tx.get(id.id);
    if (!existing) throw errors.resourceNotFound(typeAndName(id), id.resourceGroup);
    checkConditions("PATCH", header(r, "if-match"), undefined, existing);
    let merged: Record<string, any>;
    if (def.patch === "tags") {
      const extra = Object.keys(input).filter((k) => k !== "tags");
      if (extra.length) {
        throw new ArmError(
          400,
          "InvalidRequestContent",
          `Only 'tags' can be updated with PATCH on ${def.type}; found ${extra.map((k) => `'${k}'`).join(", ")}. Use PUT to change other properties.`,
        );
      }
      merged = { ...existing.body, tags: input.tags ?? existing.body.tags };
    } else {
      merged = { ...existing.body };
      if (input.tags !== undefined) merged.tags = input.tags;
      if (input.properties !== undefined) {
        merged.properties = mergePatch(existing.body.properties, asObject(input.properties, "properties"));
      }
      for (const k of ["kind", "identity"]) if (input[k] !== undefined) merged[k] = input[k];
    }
    const ctx = providerContext(s, r, tx);
    const body = writeBody(s, ctx, def, id, merged, existing);
    tx.put(id.id, def.type, body);
    return writeResponse(s, r, def, id, tx.get(id.id)!, tx, 200, "PATCH");
  });
}

export async function deleteResource(s: ArmServices, r: ArmRequest, id: ResourceId): Promise<ArmResponse> {
  const def = typeOf(s, id, r.apiVersion);
  checkVersion(s, r, def);
  checkSubscription(s, r, id.subscription);
  return s.writer.run((tx) => {
    if (id.resourceGroup && !tx.get(`/subscriptions/${id.subscription}/resourceGroups/${id.resourceGroup}`)) {
      throw errors.resourceGroupNotFound(id.resourceGroup);
    }
    const existing = tx.get(id.id);
    if (!existing || existing.type.toLowerCase() !== def.type.toLowerCase()) return { status: 204 };
    checkConditions("DELETE", header(r, "if-match"), undefined, existing);
    const ctx = providerContext(s, r, tx);
    deleteWithHooks(s, ctx, existing, false);
    const style = def.deleteStyle?.(r.apiVersion) ?? def.lro.delete;
    if (style === "sync") return { status: 200 };
    const token = s.operations.token({
      method: "DELETE",
      resourceId: id.id,
      startTime: ctx.now.toISOString(),
    });
    return {
      status: 202,
      headers: pollHeaders(
        style,
        r.baseUrl,
        id.subscription!,
        id.resourceGroup,
        def.type,
        lroLocation(ctx.tx, id, existing.body),
        token,
        r.apiVersion,
      ),
    };
  });
}

/** Deletes a resource and its subtree, letting each provider clean up or refuse. */
export function deleteWithHooks(s: ArmServices, ctx: ProviderContext, e: Entry, cascade: boolean): void {
  const def = s.registry.type(e.type);
  def?.beforeDelete?.(ctx, e, { cascade });
  for (const c of ctx.tx.children(e.id)) deleteWithHooks(s, ctx, c, true);
  if (ctx.tx.get(e.id)) ctx.tx.delete(e.id);
}

export function listCollection(
  s: ArmServices,
  r: ArmRequest,
  rt: {
    sub: string;
    rg?: string;
    ns: string;
    parent?: ResourceId;
    types: string[];
    last: string;
  },
): ArmResponse {
  const t = [rt.ns, ...rt.types].join("/");
  checkSubscription(s, r, rt.sub);
  if (rt.rg && !s.world.get(`/subscriptions/${rt.sub}/resourceGroups/${rt.rg}`)) {
    throw errors.resourceGroupNotFound(rt.rg);
  }
  const def = s.registry.type(t);
  if (rt.parent) {
    const parent = s.world.get(rt.parent.id);
    const pdef = s.registry.type(fullType(rt.parent));
    const vc = pdef?.virtualChildren?.[rt.last.toLowerCase()];
    if (pdef) checkVersion(s, r, pdef);
    if (!parent) {
      checkParents(s.world, parseResourceId(`${rt.parent.id}/${rt.last}/x`)!);
      throw errors.resourceNotFound(typeAndName(rt.parent), rt.rg);
    }
    if (vc) return page(r, vc.list(parent, s.world, s.clock.now(), r.query));
    if (!def)
      throw typeOf(
        s,
        {
          ...rt.parent,
          types: [...rt.parent.types, rt.last],
          names: [...rt.parent.names, "x"],
        },
        r.apiVersion,
      );
    const items = s.world.children(parent.id, def.type).map((e) => project(s, e));
    return page(r, def.listFilter ? def.listFilter(items, r.query) : items);
  }
  if (!def) {
    throw typeOf(
      s,
      parseResourceId(`/subscriptions/${rt.sub}/providers/${rt.ns}/${rt.last}/x`)!,
      r.apiVersion,
    );
  }
  checkVersion(s, r, def);
  // A resource group's top-level resources are its children in the World's index: no scan of
  // the subscription. A subscription-wide list walks the type.
  const entries = rt.rg
    ? s.world.children(`/subscriptions/${rt.sub}/resourceGroups/${rt.rg}`, def.type)
    : s.world.ofType(def.type).filter((e) => e.key.startsWith(keyOf(`/subscriptions/${rt.sub}`) + "/"));
  return page(
    r,
    entries.map((e) => project(s, e)),
  );
}

export async function postAction(
  s: ArmServices,
  r: ArmRequest,
  parent: ResourceId,
  action: string,
): Promise<ArmResponse> {
  const def = typeOf(s, parent, r.apiVersion);
  checkVersion(s, r, def);
  checkSubscription(s, r, parent.subscription);
  const fn = def.actions?.[action.toLowerCase()];
  if (!fn) {
    throw new ArmError(404, "ActionNotFound", `The action '${action}' is not supported on ${def.type}.`);
  }
  return s.writer.run((tx) => {
    checkParents(tx, parent);
    const existing = tx.get(parent.id);
    if (!existing) throw errors.resourceNotFound(typeAndName(parent), parent.resourceGroup);
    const out = fn(providerContext(s, r, tx), existing, r.body);
    return { status: out.status, body: out.body };
  });
}
