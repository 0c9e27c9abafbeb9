// The Arc services a machine reaches (through the gateway, after the network allowed the path):
// HIS global discovery, HIS regional registration and heartbeats, guest configuration. Each
// call that names a machine is admitted or refused by admit() first.
//
// Guest configuration's /extensions gives the extension service the machine's extensions and the
// endpoints of each extension's own service (Azure Monitor, Key Vault, Blob storage, Automation):
// the extensions reach those themselves, from the host, and fail there when the service has no
// private endpoint or is blocked — while the agent stays Connected. The extensions are read as
// the lint rule reads them (extensionNeeds): child resources, a $expand `resources` array, or the
// `arclink:extensions` tag.
import { IncomingMessage } from "node:http";
import { ArmError } from "../../core/armError.js";
import { hisCode } from "../../core/arcEndpoints.js";
import { normalizeRegion } from "../../core/regions.js";
import { parseResourceId } from "../../core/resourceId.js";
import { admit, AdmitResult, Purpose, serviceOf } from "../../network/admit.js";
import { Endpoint } from "../../network/connect.js";
import { ArmServices } from "../../engine/context.js";
import { MACHINE_AUDIENCE, MACHINE_ISSUER, TokenService } from "../../identity/tokens.js";
import { Entry } from "../../world/world.js";
import { recordCheckIn } from "../../providers/hybridcompute/machineStatus.js";
import { EXTENSION_TYPE } from "../../providers/hybridcompute/machineExtensions.js";
import { agentReportProperties, withComputerName } from "../../providers/hybridcompute/agentReport.js";
import { workspaceEndpointNames } from "../../providers/operationalinsights/versions.js";
import {
  extensionNeeds,
  serviceOfExtension,
  type ServiceNeed,
} from "../../analysis/lint/rules/extensionServices.js";

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
    if (
      (service === "guestconfig" || service === "guestconfig-regional") &&
      p === "/extensions/status" &&
      c.method === "POST"
    )
      return this.extensionStatus(c);
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
      principal = await this.tokens.verifyArm(c.authorization);
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
    const ownerOf = (m: Entry) => m.body._arclink?.hostId as string | undefined;
    const takenBy = (owner: string | undefined) => !!owner && owner.toLowerCase() !== c.hostId.toLowerCase();
    const anotherHost = (owner: string): ServiceReply => ({
      status: 409,
      body: {
        error: {
          code: "MachineOnboardedByAnotherHost",
          message: `Machine ${machine.body.name} is already onboarded by host ${owner.split("/").pop()}; a host cannot take another host's place. Use another --resource-name, or disconnect it first.`,
        },
      },
    });
    if (takenBy(ownerOf(machine))) return anotherHost(ownerOf(machine)!);
    const a = this.admit({ ...c, purpose: "onboard" }, machine);
    if (!a.admitted) return refused(a);
    const now = this.s.clock.now().toISOString();
    // The owner is decided again in the write: two hosts onboarding the same machine through two
    // replicas at once get one success and one refusal (the store checks what the write read).
    const owner = await this.s.writer.run((tx) => {
      const cur = tx.get(resourceId);
      if (cur && takenBy(ownerOf(cur))) return ownerOf(cur);
      recordCheckIn(
        tx,
        resourceId,
        now,
        reported(machine, c, {
          agentVersion: c.agentVersion,
          osName: c.body?.osName,
          osType: c.body?.osType,
          machineFqdn: c.body?.machineFqdn,
        }),
        {
          onboardedAt: now,
          onboardedVia: c.endpoint.kind === "private-endpoint" ? "private" : "public",
          onboardedBy: principal.appId,
          hostId: c.hostId,
        },
      );
      return undefined;
    });
    if (owner) return anotherHost(owner);
    const credential = await this.tokens.issue({
      issuer: MACHINE_ISSUER,
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
      const p = await this.tokens.verifyMachine(c.authorization);
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
      // A machine credential acts for its machine from the host that onboarded it, never from
      // another host's place in the network.
      const owner = m.body._arclink?.hostId as string | undefined;
      if (owner && owner.toLowerCase() !== c.hostId.toLowerCase())
        return {
          status: 403,
          body: {
            error: {
              code: "MachineCredentialOfAnotherHost",
              message: `This machine credential is for machine ${m.body.name}, onboarded by host ${owner.split("/").pop()}; host ${c.hostId.split("/").pop()} cannot use it. Run the agent on the host that onboarded the machine.`,
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
    await this.s.writer.run((tx) =>
      recordCheckIn(tx, m.id, now, reported(tx.get(m.id) ?? m, c, { agentVersion: c.agentVersion })),
    );
    return { status: 200, body: { status: "Connected", time: now } };
  }

  /**
   * The extension service's outcome per extension: kept on the machine's extension resources
   * (ARM shows it as instanceView). Names that are not extensions of this machine are ignored.
   */
  private async extensionStatus(c: ServiceCall): Promise<ServiceReply> {
    const m = await this.machineOf(c);
    if (!("type" in m)) return m;
    const a = this.admit({ ...c, purpose: "extension" }, m);
    if (!a.admitted) return refused(a);
    const list: any[] = Array.isArray(c.body?.value) ? c.body.value.slice(0, 256) : [];
    const time = this.s.clock.now().toISOString();
    let recorded = 0;
    await this.s.writer.run((tx) => {
      for (const x of list) {
        if (!x || typeof x.name !== "string" || !EXTENSION_STATUSES.has(x.status)) continue;
        const e = tx.get(`${m.id}/extensions/${x.name}`);
        if (!e || e.type.toLowerCase() !== EXTENSION_TYPE.toLowerCase()) continue;
        const report = { status: x.status, message: String(x.message ?? "").slice(0, 4096), time };
        tx.put(e.id, e.type, { ...e.body, _arclink: { ...e.body._arclink, report } });
        recorded++;
      }
    });
    return { status: 200, body: { recorded } };
  }

  private async extensions(c: ServiceCall): Promise<ServiceReply> {
    const m = await this.machineOf(c);
    if (!("type" in m)) return m;
    const a = this.admit({ ...c, purpose: "extension" }, m);
    if (!a.admitted) return refused(a);
    return { status: 200, body: { value: machineExtensions(this.s.world, m) } };
  }
}

/**
 * The properties a check-in writes: what the agent reported (`report`, in the machine's shapes),
 * over the facts HIS knows from the call itself.
 */
function reported(machine: Entry, c: ServiceCall, base: Record<string, unknown>): Record<string, unknown> {
  const report = c.body?.report;
  const out: Record<string, unknown> = { ...base, ...agentReportProperties(report) };
  const osProfile = withComputerName(machine.body.properties?.osProfile, report);
  if (osProfile) out.osProfile = osProfile;
  return out;
}

const EXTENSION_STATUSES = new Set(["Succeeded", "Failed"]);

type Service = ServiceNeed["service"];

export interface ExtensionGoal {
  name: string;
  publisher: string;
  type: string;
  /** The service the extension needs besides Arc. */
  service: Service;
  /** Host names the extension connects to (HTTPS, 443). */
  endpoints: string[];
}

/** The extension Azure installs for a service when only the service is named (the tag form). */
const DEFAULT_EXTENSION: Record<Service, { linux: [string, string]; windows: [string, string] }> = {
  AzureMonitor: {
    linux: ["Microsoft.Azure.Monitor", "AzureMonitorLinuxAgent"],
    windows: ["Microsoft.Azure.Monitor", "AzureMonitorWindowsAgent"],
  },
  KeyVault: {
    linux: ["Microsoft.Azure.KeyVault", "KeyVaultForLinux"],
    windows: ["Microsoft.Azure.KeyVault", "KeyVaultForWindows"],
  },
  Blob: {
    linux: ["Microsoft.Azure.Extensions", "CustomScript"],
    windows: ["Microsoft.Compute", "CustomScriptExtension"],
  },
  Automation: {
    linux: ["Microsoft.Azure.ChangeTrackingAndInventory", "ChangeTracking-Linux"],
    windows: ["Microsoft.Azure.ChangeTrackingAndInventory", "ChangeTracking-Windows"],
  },
};

function hostsOfUrls(v: unknown): string[] {
  const out: string[] = [];
  for (const x of Array.isArray(v) ? v : typeof v === "string" ? [v] : []) {
    try {
      out.push(new URL(String(x)).hostname.toLowerCase());
    } catch {
      // not a URL: nothing to dial
    }
  }
  return out;
}

/** The host names an extension of `service` dials, from its settings where they name them. */
export function extensionEndpoints(
  service: Service,
  region: string,
  settings: any,
  legacy = false,
): string[] {
  const s = settings && typeof settings === "object" ? settings : {};
  switch (service) {
    case "AzureMonitor": {
      const out = ["global.handler.control.monitor.azure.com", `${region}.handler.control.monitor.azure.com`];
      // The Azure Monitor agent sends a workspace's data to its ingestion name (.ods); the legacy
      // Log Analytics agent (publisher Microsoft.EnterpriseCloud.Monitoring) also to its .oms and
      // agent service names.
      if (typeof s.workspaceId === "string" && s.workspaceId) {
        const names = workspaceEndpointNames(s.workspaceId);
        out.push(...(legacy ? names.map((n) => n.fqdn) : [names[1].fqdn]));
      }
      return out;
    }
    case "KeyVault":
      return hostsOfUrls(s.secretsManagementSettings?.observedCertificates);
    case "Blob":
      return hostsOfUrls(s.fileUris);
    case "Automation":
      return typeof s.automationAccountUrl === "string" ? hostsOfUrls(s.automationAccountUrl) : [];
  }
}

/** The extensions a machine has, with the endpoints each one's service needs (deduplicated). */
export function machineExtensions(
  view: { children(id: string, type?: string): Entry[] },
  m: Entry,
): ExtensionGoal[] {
  const region = normalizeRegion(String(m.body.location ?? "")) ?? String(m.body.location ?? "eastus");
  const os = String(m.body.properties?.osType ?? "").toLowerCase() === "windows" ? "windows" : "linux";
  const out: ExtensionGoal[] = [];
  const seen = new Set<Service>();
  const explicit = [
    ...view.children(m.id, "Microsoft.HybridCompute/machines/extensions").map((e) => e.body),
    ...(Array.isArray(m.body.resources) ? m.body.resources : []),
  ];
  for (const e of explicit) {
    const p = e?.properties ?? {};
    const publisher = String(p.publisher ?? "");
    const type = String(p.type ?? "");
    const service = serviceOfExtension(publisher, type);
    if (!service) continue;
    seen.add(service);
    out.push({
      name: String(e?.name ?? type),
      publisher,
      type,
      service,
      endpoints: extensionEndpoints(
        service,
        region,
        p.settings,
        publisher.toLowerCase() === "microsoft.enterprisecloud.monitoring",
      ),
    });
  }
  for (const service of extensionNeeds(view, m)) {
    if (seen.has(service)) continue;
    const [publisher, type] = DEFAULT_EXTENSION[service][os];
    out.push({ name: type, publisher, type, service, endpoints: extensionEndpoints(service, region, {}) });
  }
  return out;
}
