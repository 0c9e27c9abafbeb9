// Onboarding and heartbeats through the real admission path, in-process: for a host with an
// Arc machine, the agent's call to its regional HIS is resolved with the host's DNS, routed,
// filtered and admitted exactly as the gateway would; only an admitted call marks the machine
// Connected. Used by the first-run experience and by `arclink fleet`.
import { hisCode } from "../core/arcEndpoints.js";
import { HostModel } from "../network/model.js";
import { Writer } from "../world/writer.js";
import { recordCheckIn } from "../providers/hybridcompute/machineStatus.js";
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
  await writer.run((tx) =>
    recordCheckIn(
      tx,
      machine.id,
      now,
      { agentVersion: machine.body.properties?.agentVersion ?? agentVersion },
      { hostId: h.id, onboardedVia: c.verdict },
    ),
  );
  return { host: h.name, machine: machine.body.name, connected: true, check: c };
}
