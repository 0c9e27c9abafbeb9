// At a server's start: deployments the store shows Accepted or Running that no server runs any
// more (their server stopped mid-way) are marked Failed, saying why, so none stays Running forever.
import { runnerGone, Runner } from "../../core/background.js";
import { Clock } from "../../core/clock.js";
import { World } from "../../world/world.js";
import { Writer } from "../../world/writer.js";
import { DEPLOYMENT_TYPE } from "./deploymentEngine.js";

/**
 * Marks abandoned deployments Failed; returns how many. With a store of its own (`shared` false)
 * every active deployment is abandoned; with a store shared by replicas, only those whose runner is
 * known to be gone (another replica may be running the rest).
 */
export async function failAbandonedDeployments(
  s: { world: World; writer: Writer; clock: Clock },
  shared: boolean,
): Promise<number> {
  const now = s.clock.now().toISOString();
  return s.writer.run((tx) => {
    let n = 0;
    for (const e of s.world.ofType(DEPLOYMENT_TYPE)) {
      const cur = tx.get(e.id);
      const state = String(cur?.body.properties?.provisioningState ?? "");
      if (!cur || !["accepted", "running"].includes(state.toLowerCase())) continue;
      if (shared && !runnerGone(cur.body._runner as Runner | undefined)) continue;
      tx.put(e.id, DEPLOYMENT_TYPE, {
        ...cur.body,
        properties: {
          ...cur.body.properties,
          provisioningState: "Failed",
          timestamp: now,
          error: {
            code: "DeploymentInterrupted",
            message: `The deployment '${cur.body.name}' was ${state} when the server running it stopped, and no server runs it any more: it did not finish. The resources it wrote so far are kept: deploy it again to finish it.`,
          },
        },
      });
      n++;
    }
    return n;
  });
}
