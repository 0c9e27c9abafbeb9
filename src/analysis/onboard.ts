// Onboarding and heartbeats through the real admission path, in-process: for a host with an
// Arc machine, the agent's call to its regional HIS is resolved with the host's DNS, routed,
// filtered and admitted exactly as the gateway would; only an admitted call marks the machine
// Connected. Used by the first-run experience and by `arclink fleet`.
import { hisCode } from "../core/arcEndpoints.js";
import { HostModel } from "../network/model.js";
import { Writer } from "../world/writer.js";
import { CheckContext, checkEndpoint, EndpointCheck } from "./check.js";
import { machineOfHost } from "./hostMachine.js";

export interface OnboardResult {
  host: string;
  machine?: string;
  connected: boolean;
  check?: EndpointCheck;
}

export async function onboardHost(
  ctx: CheckContext,
  writer: Writer,
  h: HostModel,
  agentVersion = "1.45",
): Promise<OnboardResult> {
  const machine = machineOfHost(ctx.view, h);
  if (!machine) return { host: h.name, connected: false };
  const region = String(machine.body.location);
  const c = checkEndpoint(ctx, h, `${hisCode(region)}.his.arc.azure.com`);
  if (c.verdict === "refused")
    return { host: h.name, machine: machine.body.name, connected: false, check: c };
  const now = ctx.now.toISOString();
  await writer.run((tx) => {
    const cur = tx.get(machine.id);
    if (!cur) return;
    const b = structuredClone(cur.body);
    const was = b.properties?.status;
    b.properties = {
      ...b.properties,
      status: "Connected",
      agentVersion: b.properties?.agentVersion ?? agentVersion,
    };
    if (was !== "Connected") b.properties.lastStatusChange = now;
    b._arclink = { ...(b._arclink ?? {}), lastHeartbeat: now, hostId: h.id, onboardedVia: c.verdict };
    tx.put(cur.id, cur.type, b);
  });
  return { host: h.name, machine: machine.body.name, connected: true, check: c };
}
