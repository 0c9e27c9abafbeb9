// Cancelling a deployment through the JS SDK (@azure/arm-resources 6.1's Deployments client): a
// long deployment (copy loops of private DNS zones) is started, observed Running with GET, and
// cancelled with POST …/cancel (204); it ends Canceled with what it wrote so far kept. Cancelling
// it again, or a deployment that has finished, is 409 DeploymentCannotBeCancelled.
import { ResourceManagementClient } from "@azure/arm-resources-deployments";
import { clients, scenario } from "./clients.js";

const LOOPS = Number(process.env.ARCLINK_CANCEL_LOOPS ?? "3");

const template = {
  $schema: "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
  contentVersion: "1.0.0.0",
  resources: Array.from({ length: LOOPS }, (_, l) => ({
    type: "Microsoft.Network/privateDnsZones",
    apiVersion: "2020-06-01",
    name: `[format('z{0}-${l}.cancel.internal', copyIndex())]`,
    location: "global",
    copy: { name: `zones${l}`, count: 800 },
  })),
};

const code = async (p: Promise<unknown>) => {
  try {
    await p;
    return { ok: true };
  } catch (e: any) {
    return { status: e.statusCode, code: e.code, message: String(e.message) };
  }
};

scenario(async () => {
  const { credential, info } = clients();
  const rm = new ResourceManagementClient(credential, info.subscriptionId, {
    endpoint: info.arm,
    credentialScopes: ["https://management.azure.com/.default"],
  });
  const rg = "rg-cancel";
  await rm.resourceGroups.createOrUpdate(rg, { location: "eastus" });
  const out: Record<string, any> = { total: LOOPS * 800 };

  const created = code(
    rm.deployments.beginCreateOrUpdateAndWait(rg, "long", { properties: { mode: "Incremental", template } }),
  );
  // Wait (by condition, not by time) until the deployment is visible and Running.
  let seen: string | undefined;
  for (;;) {
    const got = await rm.deployments.get(rg, "long").catch((e) => ({ missing: e.statusCode }));
    seen = "properties" in got ? got.properties?.provisioningState : undefined;
    if (seen && seen !== "Accepted") break;
  }
  out.seen = seen;
  out.cancel = await code(rm.deployments.cancel(rg, "long"));
  out.created = await created;
  const d = await rm.deployments.get(rg, "long");
  out.state = d.properties?.provisioningState;
  out.outputResources = d.properties?.outputResources?.length;
  const ops: any[] = [];
  for await (const op of rm.deploymentOperations.list(rg, "long")) ops.push(op);
  out.operations = ops.length;
  let zones = 0;
  for await (const r of rm.resources.listByResourceGroup(rg))
    if (r.type === "Microsoft.Network/privateDnsZones") zones++;
  out.zones = zones;
  out.cancelAgain = await code(rm.deployments.cancel(rg, "long"));
  // The name is free again: a short deployment under it runs to Succeeded, and cannot be cancelled then.
  const short = await rm.deployments.beginCreateOrUpdateAndWait(rg, "long", {
    properties: { mode: "Incremental", template: { ...template, resources: [] } },
  });
  out.again = short.properties?.provisioningState;
  out.cancelFinished = await code(rm.deployments.cancel(rg, "long"));
  out.cancelMissing = await code(rm.deployments.cancel(rg, "nope"));
  return out;
});
