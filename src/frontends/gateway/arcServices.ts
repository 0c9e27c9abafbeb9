// The Arc services a machine reaches (through the gateway, after the network allowed the path):
// HIS global discovery, HIS regional registration and heartbeats, guest configuration. Each
// call that names a machine is admitted or refused by admit() first.
import { IncomingMessage } from "node:http";
import { ArmError } from "../../core/armError.js";
import { hisCode } from "../../core/arcEndpoints.js";
import { normalizeRegion } from "../../core/regions.js";
import { parseResourceId } from "../../core/resourceId.js";
import { admit, AdmitResult, Purpose, serviceOf } from "../../network/admit.js";
import { Endpoint } from "../../network/connect.js";
import { ArmServices } from "../arm/context.js";
import { TokenService } from "../identity/tokens.js";
import { Entry } from "../../world/world.js";
import { recordCheckIn } from "../../providers/hybridcompute/machineStatus.js";

export const MACHINE_AUDIENCE = "https://his.arc.azure.com/arclink-machine";
const MACHINE_TYPE = "Microsoft.HybridCompute/machines";

export interface ServiceCall {
  method: string;
  serverName: string;
  path: string;
  query: URLSearchParams;
  body: any;
  authorization?: string;
  endpoint: Endpoint;
  purpose: Purpose;
  agentVersion?: string;
  /** The simulated host that made the call (from its host credential). */
  hostId: string;
  req: IncomingMessage;
}

export interface ServiceReply {
  status: number;
  body?: unknown;
  refusal?: AdmitResult;
}

function refused(a: AdmitResult): ServiceReply {
  return {
    status: 403,
    body: { error: { code: a.code, message: a.message + (a.fix ? ` Fix: ${a.fix}` : "") }, trace: a.trace },
    refusal: a,
  };
}

export class ArcServices {
  constructor(
    private readonly s: ArmServices,
    private readonly tokens: TokenService,
  ) {}

  private admit(c: ServiceCall, machine: Entry | undefined): AdmitResult {
    return admit(this.s.world, {
      serverName: c.serverName,
      endpoint: c.endpoint,
      purpose: c.purpose,
      machine,
      agentVersion: c.agentVersion,
      now: this.s.clock.now(),
      propagationDelayMs: this.s.settings().propagationDelayMs,
    });
  }

  async handle(c: ServiceCall): Promise<ServiceReply> {
    const service = serviceOf(c.serverName);
    const p = c.path.toLowerCase();
    if (service === "his-global" && p === "/discovery") return this.discovery(c);
    if (service === "his-regional" && p === "/machines/register" && c.method === "POST")
      return this.register(c);
    if (service === "his-regional" && p === "/machines/heartbeat" && c.method === "POST")
      return this.heartbeat(c);
    if ((service === "guestconfig" || service === "guestconfig-regional") && p === "/extensions")
      return this.extensions(c);
    // Anything else: a reachability probe (GET /, /health, remote access attempts).
    const a = this.admit(c, undefined);
    if (!a.admitted) return refused(a);
    return {
      status: 200,
      body: {
        service,
        serverName: c.serverName,
        path: c.endpoint.kind === "private-endpoint" ? "private" : "public",
      },
    };
  }

  private discovery(c: ServiceCall): ServiceReply {
    const a = this.admit(c, undefined);
    if (!a.admitted) return refused(a);
    const loc = normalizeRegion(c.query.get("location") ?? "");
    if (!loc)
      return {
        status: 400,
        body: {
          error: { code: "InvalidLocation", message: `Unknown location '${c.query.get("location") ?? ""}'.` },
        },
      };
    return {
      status: 200,
      body: {
        location: loc,
        hisEndpoint: `https://${hisCode(loc)}.his.arc.azure.com`,
        guestConfigurationEndpoint: `https://${loc}-gas.guestconfiguration.azure.com`,
        agentServiceEndpoint: "https://agentserviceapi.guestconfiguration.azure.com",
      },
    };
  }

  private async register(c: ServiceCall): Promise<ServiceReply> {
    let principal;
    try {
      principal = await this.tokens.verifyArm(c.authorization, []);
    } catch (e) {
      const err = e as ArmError;
      return { status: 401, body: err.toBody() };
    }
    const resourceId = String(c.body?.resourceId ?? "");
    const id = parseResourceId(resourceId);
    const machine = id ? this.s.world.get(resourceId) : undefined;
    if (!machine || machine.type !== MACHINE_TYPE) {
      return {
        status: 404,
        body: {
          error: {
            code: "MachineNotFound",
            message: `No machine resource '${resourceId}': create it through ARM first.`,
          },
        },
      };
    }
    const owner = machine.body._arclink?.hostId as string | undefined;
    if (owner && owner.toLowerCase() !== c.hostId.toLowerCase()) {
      return {
        status: 409,
        body: {
          error: {
            code: "MachineOnboardedByAnotherHost",
            message: `Machine ${machine.body.name} is already onboarded by host ${owner.split("/").pop()}; a host cannot take another host's place. Use another --resource-name, or disconnect it first.`,
          },
        },
      };
    }
    const a = this.admit({ ...c, purpose: "onboard" }, machine);
    if (!a.admitted) return refused(a);
    const now = this.s.clock.now().toISOString();
    await this.s.writer.run((tx) =>
      recordCheckIn(
        tx,
        resourceId,
        now,
        {
          agentVersion: c.agentVersion,
          osName: c.body?.osName,
          osType: c.body?.osType,
          machineFqdn: c.body?.machineFqdn,
        },
        {
          onboardedAt: now,
          onboardedVia: c.endpoint.kind === "private-endpoint" ? "private" : "public",
          onboardedBy: principal.appId,
          hostId: c.hostId,
        },
      ),
    );
    const credential = await this.tokens.issue({
      issuer: "https://his.arc.azure.com",
      audience: MACHINE_AUDIENCE,
      principal: {
        oid: machine.body.properties?.vmId ?? machine.key,
        tenantId: principal.tenantId,
        kind: "machine",
        actsAs: machine.id,
      },
      lifetimeSeconds: 90 * 86_400,
    });
    return {
      status: 200,
      body: { machineCredential: credential, vmId: machine.body.properties?.vmId, resourceId: machine.id },
    };
  }

  private async machineOf(c: ServiceCall): Promise<Entry | ServiceReply> {
    try {
      const p = await this.tokens.verifyArm(c.authorization, [MACHINE_AUDIENCE]);
      if (p.kind !== "machine" || !p.actsAs) throw new Error("not a machine credential");
      const m = this.s.world.get(p.actsAs);
      if (!m)
        return {
          status: 404,
          body: {
            error: {
              code: "MachineNotFound",
              message: `The machine ${p.actsAs} no longer exists: disconnect and connect again.`,
            },
          },
        };
      return m;
    } catch {
      return {
        status: 401,
        body: {
          error: {
            code: "InvalidMachineCredential",
            message: "The machine credential is missing or invalid: connect the agent again.",
          },
        },
      };
    }
  }

  private async heartbeat(c: ServiceCall): Promise<ServiceReply> {
    const m = await this.machineOf(c);
    if (!("type" in m)) return m;
    const a = this.admit({ ...c, purpose: "heartbeat" }, m);
    if (!a.admitted) return refused(a);
    const now = this.s.clock.now().toISOString();
    await this.s.writer.run((tx) => recordCheckIn(tx, m.id, now, { agentVersion: c.agentVersion }));
    return { status: 200, body: { status: "Connected", time: now } };
  }

  private async extensions(c: ServiceCall): Promise<ServiceReply> {
    const m = await this.machineOf(c);
    if (!("type" in m)) return m;
    const a = this.admit({ ...c, purpose: "extension" }, m);
    if (!a.admitted) return refused(a);
    return { status: 200, body: { value: [] } };
  }
}
