// Builds a resource's ARM envelope (id, name, type, location, tags, etag, properties,
// systemData) around the properties a provider returns.
import { newGuid } from "../core/guid.js";
import { fullType, name as nameOf, ResourceId } from "../core/resourceId.js";
import { Principal, ResourceType } from "../providers/contract.js";
import { Entry } from "../world/world.js";

export function newEtag(def: ResourceType): string | undefined {
  if (def.etag === "weak") return `W/"${newGuid()}"`;
  if (def.etag === "guid") return newGuid();
  return undefined;
}

export function compose(args: {
  def: ResourceType;
  id: ResourceId;
  existing?: Entry;
  location?: string;
  tags?: Record<string, string>;
  properties: Record<string, any>;
  top?: Record<string, any>;
  principal: Principal;
  now: Date;
}): Record<string, any> {
  const { def, id, existing } = args;
  const at = args.now.toISOString();
  const who = args.principal.appId ?? args.principal.oid;
  const prev = existing?.body.systemData as Record<string, any> | undefined;
  const body: Record<string, any> = {
    id: existing?.body.id ?? id.id,
    name: existing?.body.name ?? nameOf(id),
    type: def.type,
  };
  if (def.kind === "tracked") {
    body.location = args.location;
    body.tags = args.tags ?? {};
  }
  Object.assign(body, args.top ?? {});
  const etag = newEtag(def);
  if (etag) body.etag = etag;
  body.properties = { ...args.properties };
  if (body.properties.provisioningState === undefined) body.properties.provisioningState = "Succeeded";
  body.systemData = {
    createdBy: prev?.createdBy ?? who,
    createdByType: prev?.createdByType ?? "Application",
    createdAt: prev?.createdAt ?? at,
    lastModifiedBy: who,
    lastModifiedByType: "Application",
    lastModifiedAt: at,
  };
  return body;
}

/** The "Namespace/type/name" text ARM uses in not-found messages. */
export function typeAndName(id: ResourceId): string {
  return `${fullType(id)}/${id.names.join("/")}`;
}
