// Microsoft.Authorization as ArcLink serves it: role assignments at a resource group or
// subscription, stored and validated (name a GUID, a well-formed role definition id, a principal
// id, one assignment per principal, role and scope). ArcLink has no catalogue of role
// definitions: any well-formed roleDefinitionId is accepted, and access checks do not read them yet.
import { ArmError, errors } from "../../core/armError.js";
import { ResourceType } from "../contract.js";
import { ProviderNamespace } from "../registry.js";
import { asObject, optEnum, reqString } from "../validate.js";

const VERSIONS = [
  "2015-07-01",
  "2018-01-01-preview",
  "2018-09-01-preview",
  "2020-04-01-preview",
  "2020-10-01-preview",
  "2022-04-01",
] as const;
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const ROLE_DEFINITION =
  /^(\/subscriptions\/[^/]+)?\/providers\/Microsoft\.Authorization\/roleDefinitions\/([0-9a-f-]{36})$/i;
const PRINCIPAL_TYPES = ["User", "Group", "ServicePrincipal", "ForeignGroup", "Device"] as const;
const TYPE = "Microsoft.Authorization/roleAssignments";

export const roleAssignments: ResourceType = {
  type: TYPE,
  apiVersions: VERSIONS,
  kind: "proxy",
  name: { min: 36, max: 36, pattern: GUID, describe: "a GUID" },
  lro: { put: "sync", delete: "sync" },
  etag: "none",
  write(ctx, req) {
    if (req.existing) {
      throw new ArmError(
        409,
        "RoleAssignmentUpdateNotPermitted",
        `Role assignment ${req.id.id} already exists; its role, principal and scope cannot be changed. Delete it and create a new one.`,
      );
    }
    const p = asObject(req.body.properties, "properties");
    const roleDefinitionId = reqString(p.roleDefinitionId, "properties.roleDefinitionId", 512);
    const m = ROLE_DEFINITION.exec(roleDefinitionId);
    if (!m || !GUID.test(m[2])) {
      throw errors.invalidProperty(
        "properties.roleDefinitionId",
        `'${roleDefinitionId}' is not a role definition id. Use /subscriptions/{subscriptionId}/providers/Microsoft.Authorization/roleDefinitions/{roleDefinitionGuid}.`,
      );
    }
    const principalId = reqString(p.principalId, "properties.principalId", 64);
    if (!GUID.test(principalId)) {
      throw new ArmError(
        400,
        "InvalidPrincipalId",
        `A valid principal ID must be provided for role assignment: '${principalId}' is not a GUID. Use the object id of the user, group or service principal.`,
        { target: "properties.principalId" },
      );
    }
    const principalType = optEnum(p.principalType, "properties.principalType", PRINCIPAL_TYPES);
    const scope = req.id.id.slice(
      0,
      req.id.id.toLowerCase().lastIndexOf("/providers/microsoft.authorization/"),
    );
    const twin = ctx.tx
      .ofType(TYPE)
      .find(
        (e) =>
          e.body.properties?.scope?.toLowerCase() === scope.toLowerCase() &&
          String(e.body.properties?.principalId).toLowerCase() === principalId.toLowerCase() &&
          String(e.body.properties?.roleDefinitionId).split("/").pop()!.toLowerCase() === m[2].toLowerCase(),
      );
    if (twin) {
      throw new ArmError(409, "RoleAssignmentExists", `The role assignment already exists (${twin.id}).`);
    }
    return {
      roleDefinitionId,
      principalId,
      ...(principalType ? { principalType } : {}),
      scope,
      createdOn: ctx.now.toISOString(),
      updatedOn: ctx.now.toISOString(),
    };
  },
};

export const authorizationNamespace: ProviderNamespace = {
  namespace: "Microsoft.Authorization",
  types: [roleAssignments],
};
