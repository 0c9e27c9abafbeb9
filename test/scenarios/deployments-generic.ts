// @azure/arm-resources 7 has no Deployments operation group (it moved to another package); its
// generic resource operations still deploy a template: PUT/GET/DELETE by id with the deployments
// api-version. The symbolic rollout, then a failing template (the poller's error).
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { clients, scenario } from "./clients.js";

const dir = process.env.ARCLINK_TEMPLATES!;
const read = (name: string) => JSON.parse(readFileSync(join(dir, name), "utf8").replace(/^\s*\/\/.*$/gm, ""));

scenario(async () => {
  const { resources, info } = clients();
  const out: Record<string, unknown> = {};
  await resources.resourceGroups.createOrUpdate("rg-js", { location: "eastus" });
  const id = (name: string) =>
    `/subscriptions/${info.subscriptionId}/resourceGroups/rg-js/providers/Microsoft.Resources/deployments/${name}`;
  const d = await resources.resources.beginCreateOrUpdateByIdAndWait(id("sym"), "2025-04-01", {
    properties: { mode: "Incremental", template: read("rollout-symbolic.json") },
  });
  out.created = { state: d.properties?.provisioningState, outputs: d.properties?.outputs };
  const got = await resources.resources.getById(id("sym"), "2025-04-01");
  out.got = (got.properties as any)?.outputResources?.length;
  try {
    await resources.resources.beginCreateOrUpdateByIdAndWait(id("bad"), "2025-04-01", {
      properties: { mode: "Incremental", template: read("refused.json") },
    });
    out.refused = "no error";
  } catch (e: any) {
    out.refused = { code: e.code, message: String(e.message).slice(0, 300) };
  }
  await resources.resources.beginDeleteByIdAndWait(id("sym"), "2025-04-01");
  try {
    await resources.resources.getById(id("sym"), "2025-04-01");
    out.afterDelete = "still there";
  } catch (e: any) {
    out.afterDelete = { status: e.statusCode, code: e.code };
  }
  return out;
});
