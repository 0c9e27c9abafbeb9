// Microsoft.HybridCompute/machines/extensions: a VM extension on an Arc-enabled server, a tracked
// child of its machine (MachineExtensions_CreateOrUpdate / Update / Delete / Get / List). PUT is
// long-running (200 with Azure-AsyncOperation), DELETE answers 202 with Location. ARM records the goal; the
// machine's extension service (azcmagent's) reads it from guest configuration, installs it on the
// host, and reports the outcome back, which ARM shows as `properties.instanceView`. Until the
// agent has reported, there is no instanceView: ArcLink does not claim an install it has not seen.
import { ArmError, errors } from "../../core/armError.js";
import { ResourceType } from "../contract.js";
import { asObject, optBool, optString, reqString } from "../validate.js";
import { HYBRIDCOMPUTE_API_VERSIONS, MACHINE_TYPE } from "./versions.js";

export const EXTENSION_TYPE = "Microsoft.HybridCompute/machines/extensions";

/** What the agent reported for an extension (kept internal, shown as instanceView). */
export interface ExtensionReport {
  status: "Succeeded" | "Failed";
  message: string;
  time: string;
}

export const machineExtensions: ResourceType = {
  type: EXTENSION_TYPE,
  apiVersions: HYBRIDCOMPUTE_API_VERSIONS,
  kind: "tracked",
  name: {
    min: 1,
    max: 128,
    pattern: /^[a-zA-Z0-9][a-zA-Z0-9\-_.]{0,127}$/,
    describe: "letters, digits, hyphens, underscores and periods, starting with a letter or digit",
  },
  lro: { put: "asyncOperation", delete: "location" },
  // MachineExtensions_CreateOrUpdate declares 200 and 202: a create answers 200 too.
  createdStatus: 200,
  etag: "none",
  patch: "merge",
  write(ctx, req) {
    const p = asObject(req.body.properties, "properties");
    const prev: Record<string, any> = req.existing?.body.properties ?? {};
    const machineId = req.id.id.split("/").slice(0, -2).join("/");
    const machine = ctx.tx.get(machineId);
    if (!machine || machine.type.toLowerCase() !== MACHINE_TYPE.toLowerCase())
      throw errors.resourceNotFound(`${MACHINE_TYPE}/${machineId.split("/").pop()}`, req.id.resourceGroup);
    const location = String(req.body.location ?? "")
      .toLowerCase()
      .replace(/\s/g, "");
    if (location && machine.body.location && location !== String(machine.body.location).toLowerCase()) {
      throw new ArmError(
        400,
        "InvalidLocation",
        `Extension '${req.id.names.at(-1)}' must be in its machine's location '${machine.body.location}', not '${req.body.location}'. Set "location" to '${machine.body.location}'.`,
        { target: "location" },
      );
    }
    const publisher = reqString(p.publisher, "properties.publisher", 256);
    const type = reqString(p.type, "properties.type", 256);
    for (const [k, v] of [
      ["publisher", publisher],
      ["type", type],
    ] as const) {
      if (prev[k] !== undefined && String(prev[k]).toLowerCase() !== v.toLowerCase()) {
        throw new ArmError(
          400,
          "PropertyChangeNotAllowed",
          `Changing property 'properties.${k}' is not allowed: extension '${req.id.names.at(-1)}' is ${prev.publisher}/${prev.type}. Delete it and create a new one to install ${publisher}/${type}.`,
          { target: `properties.${k}` },
        );
      }
    }
    const out: Record<string, any> = { publisher, type };
    const version = optString(p.typeHandlerVersion, "properties.typeHandlerVersion", 64);
    if (version !== undefined) out.typeHandlerVersion = version;
    const tag = optString(p.forceUpdateTag, "properties.forceUpdateTag", 256);
    if (tag !== undefined) out.forceUpdateTag = tag;
    for (const k of ["autoUpgradeMinorVersion", "enableAutomaticUpgrade"] as const) {
      const b = optBool(p[k], `properties.${k}`);
      if (b !== undefined) out[k] = b;
    }
    if (p.settings !== undefined && p.settings !== null)
      out.settings = asObject(p.settings, "properties.settings");
    // Protected settings are write-only: stored for the agent, never returned.
    const secret =
      p.protectedSettings !== undefined && p.protectedSettings !== null
        ? asObject(p.protectedSettings, "properties.protectedSettings")
        : req.existing?.body._arclink?.protectedSettings;
    out.provisioningState = "Succeeded";
    // A changed goal waits for the agent again.
    const same =
      req.existing &&
      JSON.stringify([prev.typeHandlerVersion, prev.settings, prev.forceUpdateTag]) ===
        JSON.stringify([out.typeHandlerVersion, out.settings, out.forceUpdateTag]);
    const report = same ? req.existing?.body._arclink?.report : undefined;
    const internal: Record<string, unknown> = {};
    if (secret) internal.protectedSettings = secret;
    if (report) internal.report = report;
    if (Object.keys(internal).length) out._arclink = internal;
    return out;
  },
  project(body) {
    const report: ExtensionReport | undefined = body._arclink?.report;
    const p = body.properties ?? {};
    const properties: Record<string, any> = { ...p, protectedSettings: {} };
    if (report) {
      properties.instanceView = {
        name: body.name,
        type: p.type,
        typeHandlerVersion: p.typeHandlerVersion ?? null,
        status: {
          code: report.status === "Succeeded" ? "success" : "failed",
          level: report.status === "Succeeded" ? "Information" : "Error",
          displayStatus: report.status === "Succeeded" ? "Provisioning succeeded" : "Provisioning failed",
          message: report.message,
          time: report.time,
        },
      };
    }
    return { ...body, properties };
  },
};
