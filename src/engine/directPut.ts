// A PUT of one resource applied straight to a write transaction: the checks and the write of
// putResource, without routing the path, queueing on the writer or projecting an answer. For a
// caller that applies many PUTs it built itself (a topology's plan) and needs the world they
// leave, not their answers. A path the ARM handler routes anywhere but putResource is not one.
import { parseResourceId, ResourceId } from "../core/resourceId.js";
import { isDeploymentPath } from "../providers/resources/deployments.js";
import { WriteTx } from "../world/writeTx.js";
import { ArmRequest, ArmServices } from "./context.js";
import { checkPrincipal } from "./principalCheck.js";
import { preparePut, putInTx } from "./resourceOps.js";
import { OPERATION_SEGMENTS } from "./route.js";

/**
 * The id a PUT of `path` writes when handleArm would hand it to putResource (a resource below a
 * provider namespace in a subscription); undefined for anything else (resource groups, the lab's
 * clock and snapshots, deployments, location-scoped routes, operations, ill-formed paths), which
 * must go through handleArm.
 */
export function plainResourcePut(method: string, path: string): ResourceId | undefined {
  if (method !== "PUT") return undefined;
  const id = parseResourceId(path);
  if (!id || !id.subscription || !id.namespace || id.types.length === 0) return undefined;
  // handleArm's route drops empty segments; parseResourceId refuses them, but not a trailing slash.
  if (path.endsWith("/")) return undefined;
  const lastType = id.types[id.types.length - 1].toLowerCase();
  if (OPERATION_SEGMENTS.has(lastType) && id.names[id.names.length - 1].includes(".")) return undefined;
  if (!id.resourceGroup && id.types[0].toLowerCase() === "locations") return undefined;
  if (isDeploymentPath(path)) return undefined;
  return id;
}

/** The PUT `r` of the resource `id` (from plainResourcePut) written in `tx`, as putResource writes it. */
export function putWithoutAnswer(s: ArmServices, r: ArmRequest, id: ResourceId, tx: WriteTx): void {
  checkPrincipal(r);
  const { def, input } = preparePut(s, r, id);
  putInTx(s, r, id, def, input, tx);
}

/**
 * The PUT `r` of `id` (from plainResourcePut) through the writer, as putResource runs it (checks
 * first, then the write queued with the writer's other writes, committed to its store), without
 * the answer: resolves once the write is committed and applied; rejects with what putResource would.
 */
export async function putThroughWriter(s: ArmServices, r: ArmRequest, id: ResourceId): Promise<void> {
  checkPrincipal(r);
  const { def, input } = preparePut(s, r, id);
  await s.writer.run((tx) => {
    putInTx(s, r, id, def, input, tx);
  });
}
