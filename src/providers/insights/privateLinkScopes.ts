// Microsoft.Insights/privateLinkScopes: an Azure Monitor Private Link Scope (AMPLS). Its location
// is always "global"; PUT is synchronous, PATCH changes only tags, DELETE is long-running.
// accessModeSettings says whether clients on networks connected to the scope's endpoints may
// also query and send data to resources outside the scope (Open) or only to its scoped
// resources (PrivateOnly); ArcLink stores the modes but models no workspace traffic they decide.
// Scoped resources and private endpoint connections are separate children; GET inlines the
// connections, as for an Arc scope.
import { errors } from "../../core/armError.js";
import { ResourceType } from "../contract.js";
import { asArray, asObject, optEnum, reqString } from "../validate.js";
import { monitorPrivateLinkResources } from "./privateLinkResources.js";
import { AMPLS_API_VERSIONS, AMPLS_CONNECTION_TYPE, AMPLS_TYPE, definesAccessModes } from "./versions.js";

const MODES = ["Open", "PrivateOnly"] as const;

function accessModes(v: unknown): Record<string, any> {
  const path = "properties.accessModeSettings";
  // Not sent: both modes Open, what a scope made before the setting existed has.
  if (v === undefined || v === null)
    return { queryAccessMode: "Open", ingestionAccessMode: "Open", exclusions: [] };
  const o = asObject(v, path);
  const mode = (x: unknown, p: string) => {
    const m = optEnum(x, p, MODES);
    if (!m) throw errors.missingProperty(p, `Use ${MODES.join(" or ")}.`);
    return m;
  };
  const exclusions =
    o.exclusions === undefined || o.exclusions === null ? [] : asArray(o.exclusions, `${path}.exclusions`);
  return {
    queryAccessMode: mode(o.queryAccessMode, `${path}.queryAccessMode`),
    ingestionAccessMode: mode(o.ingestionAccessMode, `${path}.ingestionAccessMode`),
    exclusions: exclusions.map((x, i) => {
      const p = `${path}.exclusions[${i}]`;
      const e = asObject(x, p);
      const out: Record<string, string> = {
        privateEndpointConnectionName: reqString(
          e.privateEndpointConnectionName,
          `${p}.privateEndpointConnectionName`,
          260,
        ),
      };
      const q = optEnum(e.queryAccessMode, `${p}.queryAccessMode`, MODES);
      const g = optEnum(e.ingestionAccessMode, `${p}.ingestionAccessMode`, MODES);
      if (q) out.queryAccessMode = q;
      if (g) out.ingestionAccessMode = g;
      return out;
    }),
  };
}

export const monitorPrivateLinkScopes: ResourceType = {
  type: AMPLS_TYPE,
  apiVersions: AMPLS_API_VERSIONS,
  kind: "tracked",
  globalLocation: true,
  name: {
    min: 1,
    max: 255,
    pattern: /^[a-zA-Z0-9\-_.()]+$/,
    describe: "letters, digits, hyphens, underscores, periods and parentheses",
  },
  lro: { put: "sync", delete: "location" },
  etag: "none",
  listBy: { subscription: true, resourceGroup: true },
  patch: "tags",
  write(ctx, req) {
    const p = req.body.properties === undefined ? {} : asObject(req.body.properties, "properties");
    if (!definesAccessModes(ctx.apiVersion)) return {};
    return { accessModeSettings: accessModes(p.accessModeSettings) };
  },
  projectReadsWorldOnly: true,
  project(body, view, _now, entry) {
    const connections = view
      .children(entry.id, AMPLS_CONNECTION_TYPE)
      .sort((a, b) => String(a.body.name).localeCompare(String(b.body.name)))
      .map((c) => ({
        id: c.body.id ?? c.id,
        name: c.body.name,
        type: c.body.type,
        properties: c.body.properties,
      }));
    return { ...body, properties: { ...body.properties, privateEndpointConnections: connections } };
  },
  virtualChildren: { privatelinkresources: monitorPrivateLinkResources },
};
