// Deployments through the JS SDK's Deployments operation group: @azure/arm-resources 6.1 (the last
// release that carries it on Node 20), installed as @azure/arm-resources-deployments. Validate,
// what-if (ArcLink's extra field present in the raw body, ignored by the SDK), create with outputs,
// operations, export, get/list, a failing template's DeploymentFailed, delete.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { ResourceManagementClient } from "@azure/arm-resources-deployments";
import { clients, scenario } from "./clients.js";

const dir = process.env.ARCLINK_TEMPLATES!;
const read = (name: string) => JSON.parse(readFileSync(join(dir, name), "utf8").replace(/^\s*\/\/.*$/gm, ""));

scenario(async () => {
  const { credential, info } = clients();
  const rm = new ResourceManagementClient(credential, info.subscriptionId, {
    endpoint: info.arm,
    credentialScopes: ["https://management.azure.com/.default"],
  });
  const out: Record<string, any> = {};
  const rg = "rg-sdk";
  await rm.resourceGroups.createOrUpdate(rg, { location: "eastus" });
  const rollout = { properties: { mode: "Incremental" as const, template: read("rollout.json") } };

  const v = await rm.deployments.beginValidateAndWait(rg, "roll", rollout);
  out.validated = {
    state: v.properties?.provisioningState,
    resources: v.properties?.validatedResources?.length,
    error: v.error ?? null,
  };

  let raw: any;
  const wi = await rm.deployments.beginWhatIfAndWait(rg, "roll", rollout, {
    onResponse: (r) => {
      if (r.bodyAsText && /"changes"/.test(r.bodyAsText)) raw = JSON.parse(r.bodyAsText);
    },
  });
  out.whatIf = {
    status: wi.status,
    creates: (wi.changes ?? []).filter((c) => c.changeType === "Create").length,
    rawHasArclink: !!raw && typeof raw.arclink === "object",
  };

  const d = await rm.deployments.beginCreateOrUpdateAndWait(rg, "roll", rollout);
  out.created = {
    state: d.properties?.provisioningState,
    outputs: d.properties?.outputs,
    resources: d.properties?.outputResources?.length,
    correlationId: !!d.properties?.correlationId,
    duration: d.properties?.duration,
    mode: d.properties?.mode,
  };

  const ops: any[] = [];
  for await (const op of rm.deploymentOperations.list(rg, "roll")) ops.push(op);
  out.operations = {
    count: ops.length,
    states: [...new Set(ops.map((o) => o.properties?.provisioningState))],
    statusCodes: [...new Set(ops.map((o) => o.properties?.statusCode))],
    targets: ops.every((o) => !!o.properties?.targetResource?.id),
  };
  const one = await rm.deploymentOperations.get(rg, "roll", ops[0].operationId);
  out.operation = { same: one.operationId === ops[0].operationId, state: one.properties?.provisioningState };

  const ex = await rm.deployments.exportTemplate(rg, "roll");
  out.exported = {
    resources: ((ex.template as any)?.resources ?? []).length,
    schema: (ex.template as any)?.$schema,
  };

  const got = await rm.deployments.get(rg, "roll");
  out.got = { name: got.name, state: got.properties?.provisioningState };
  const listed: string[] = [];
  for await (const x of rm.deployments.listByResourceGroup(rg)) listed.push(x.name!);
  out.listed = listed.sort();
  out.exists = (await rm.deployments.checkExistence(rg, "roll")).body;

  try {
    await rm.deployments.beginCreateOrUpdateAndWait(rg, "bad", {
      properties: { mode: "Incremental", template: read("refused.json") },
    });
    out.refused = "no error";
  } catch (e: any) {
    out.refused = { message: String(e.message).slice(0, 400) };
  }
  const bad = await rm.deployments.get(rg, "bad");
  out.failed = {
    state: bad.properties?.provisioningState,
    code: bad.properties?.error?.code,
    inner: (bad.properties?.error?.details ?? []).map((x) => x.code),
  };
  const badOps: any[] = [];
  for await (const op of rm.deploymentOperations.list(rg, "bad")) badOps.push(op);
  out.failedOperation = badOps
    .filter((o) => o.properties?.provisioningState === "Failed")
    .map((o) => ({
      code: o.properties?.statusMessage?.error?.code ?? null,
      status: o.properties?.statusCode,
    }));

  await rm.deployments.beginDeleteAndWait(rg, "roll");
  out.afterDelete = (await rm.deployments.checkExistence(rg, "roll")).body;
  try {
    await rm.deployments.get(rg, "roll");
    out.getAfterDelete = "still there";
  } catch (e: any) {
    out.getAfterDelete = { status: e.statusCode, code: e.code };
  }
  return out;
});
