// azcmagent connect: validate the flags, refuse a second connect, check the network (and the
// private endpoint DNS when a Private Link Scope is given; stop when Arc names resolve privately
// but no scope was given), get a token from Entra ID, discover the regional HIS, create the
// machine through ARM, register at the regional HIS for the machine credential, write the state.
// Every call goes over the host's own network through the gateway.
import { createHash, generateKeyPairSync, randomUUID } from "node:crypto";
import { acquireToken, checkAccessToken, jwtClaims, machineAuthorization } from "../auth.js";
import type { AgentContext } from "../context.js";
import type { HostView } from "../gateway.js";
import { DialError, RefusalError, type Dialer, type DialResponse } from "../dial.js";
import {
  AGENT_SERVICE,
  ARM,
  arcNames,
  GBL_HIS,
  normalizeLocation,
  regionCode,
  requiredEndpoints,
} from "../endpoints.js";
import { AgentError, AZCM } from "../errors.js";
import { bool, parseTags, SIGN_IN_FLAGS, str, type ParsedFlags } from "../flags.js";
import { probeAll, type ProbeResult } from "../probe.js";
import { isPrivateAddress, type Resolver } from "../resolver.js";
import { machineReport } from "../report.js";
import { isConnected, writeState, type AgentState } from "../state.js";
import { RELEASES } from "../releases.js";
import { atLeast } from "../version.js";
import type { Command } from "./command.js";

export const MACHINE_API_VERSION = "2024-07-10";
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const DOMAIN = /^[a-z0-9-]+(\.[a-z0-9-]+)+$/i;
const SCOPE_ID =
  /^\/subscriptions\/[^/]+\/resourceGroups\/[^/]+\/providers\/Microsoft\.HybridCompute\/privateLinkScopes\/[^/]+$/i;
const MACHINE_NAME = /^[a-zA-Z0-9\-_.]{1,54}$/;

export interface ConnectRequest {
  subscription: string;
  resourceGroup: string;
  location: string;
  tenantId?: string;
  resourceName?: string;
  tags?: Record<string, string>;
  cloud: string;
  correlationId: string;
  privateLinkScope?: string;
  auth: { kind: "sp"; clientId: string; secret: string } | { kind: "token"; token: string };
  ignoreNetworkCheck: boolean;
}

function missing(flag: string, why: string): AgentError {
  return new AgentError(AZCM.MissingParameter, `Missing mandatory parameter: ${flag}. ${why}`);
}

function invalid(flag: string, value: string, why: string): AgentError {
  return new AgentError(AZCM.InvalidArgument, `Invalid value for ${flag}: '${value}'. ${why}`);
}

function unsupported(flag: string, why: string): AgentError {
  return new AgentError(AZCM.NotSupported, `${flag} is not supported by ArcLink's agent: ${why}`);
}

/** Validates connect's flags (pure): AZCM0016 for a missing one, AZCM0023 for a bad value, AZCM0020 for a region. */
export function validateConnectFlags(p: ParsedFlags): ConnectRequest {
  for (const f of ["use-device-code", "use-azcli"]) {
    if (bool(p, f))
      throw unsupported(
        `--${f}`,
        "there is no interactive sign-in; use --service-principal-id with --service-principal-secret, or --access-token",
      );
  }
  if (str(p, "service-principal-cert") !== undefined) {
    throw unsupported("--service-principal-cert", "use --service-principal-secret");
  }
  if (str(p, "gateway-id") !== undefined) {
    throw unsupported(
      "--gateway-id",
      "Arc gateway is not modelled; connect through public or private endpoints",
    );
  }
  const cloudText = str(p, "cloud");
  if (cloudText !== undefined && cloudText.toLowerCase() !== "azurecloud") {
    throw invalid(
      "--cloud",
      cloudText,
      ["azureusgovernment", "azurechinacloud"].includes(cloudText.toLowerCase())
        ? "ArcLink emulates AzureCloud only."
        : "Use AzureCloud.",
    );
  }
  const locationText = str(p, "location");
  if (cloudText !== undefined && locationText === undefined) {
    throw missing("--location (-l)", "--cloud needs --location.");
  }
  const subscription = str(p, "subscription-id");
  const resourceGroup = str(p, "resource-group");
  if (!subscription)
    throw missing(
      "--subscription-id (-s)",
      "The subscription (id or name) to create the machine resource in.",
    );
  if (!resourceGroup)
    throw missing("--resource-group (-g)", "The resource group to create the machine resource in.");
  if (!locationText)
    throw missing("--location (-l)", "The Azure region of the machine resource, e.g. eastus.");
  const location = normalizeLocation(locationText);
  if (!location) {
    throw new AgentError(
      AZCM.UnknownRegion,
      `Unknown location '${locationText}'. Use an Azure region name such as eastus or westeurope.`,
    );
  }
  if (!/^[-\w._()]{1,90}$/.test(resourceGroup) || resourceGroup.endsWith(".")) {
    throw invalid(
      "--resource-group",
      resourceGroup,
      "A resource group name has 1-90 letters, digits, underscores, hyphens, periods and parentheses, and does not end in a period.",
    );
  }
  const tenantId = str(p, "tenant-id");
  if (tenantId !== undefined && !GUID.test(tenantId) && !DOMAIN.test(tenantId)) {
    throw invalid("--tenant-id", tenantId, "Use the tenant's GUID or its domain name.");
  }
  const spId = str(p, "service-principal-id");
  const secret = str(p, "service-principal-secret");
  const token = str(p, "access-token");
  let auth: ConnectRequest["auth"];
  if (token !== undefined && (spId !== undefined || secret !== undefined)) {
    throw new AgentError(
      AZCM.InvalidArgument,
      "Use either --access-token or --service-principal-id with --service-principal-secret, not both.",
    );
  }
  if (token !== undefined) {
    if (token === "") throw invalid("--access-token", token, "The token is empty.");
    auth = { kind: "token", token };
  } else if (spId !== undefined || secret !== undefined) {
    if (!spId)
      throw missing(
        "--service-principal-id (-i)",
        "--service-principal-secret needs the service principal's application (client) id.",
      );
    if (!secret)
      throw missing(
        "--service-principal-secret (-p)",
        "--service-principal-id needs the service principal's secret (pass it in a --config file to keep it out of the process list).",
      );
    if (!GUID.test(spId))
      throw invalid("--service-principal-id", spId, "Use the application (client) id, a GUID.");
    if (!tenantId)
      throw missing("--tenant-id (-t)", "A service principal signs in to its tenant: give the tenant id.");
    auth = { kind: "sp", clientId: spId, secret };
  } else {
    throw missing(
      "--service-principal-id and --service-principal-secret, or --access-token",
      "ArcLink's agent has no interactive or device code sign-in.",
    );
  }
  const tagsText = str(p, "tags");
  const tags = tagsText !== undefined && tagsText.trim() !== "" ? parseTags(tagsText) : undefined;
  const correlationId = str(p, "correlation-id") ?? randomUUID();
  if (!GUID.test(correlationId)) throw invalid("--correlation-id", correlationId, "Use a GUID.");
  const scope = str(p, "private-link-scope");
  if (scope !== undefined && !SCOPE_ID.test(scope)) {
    throw invalid(
      "--private-link-scope",
      scope,
      "Use the scope's full ARM id: /subscriptions/<sub>/resourceGroups/<rg>/providers/Microsoft.HybridCompute/privateLinkScopes/<name>.",
    );
  }
  const resourceName = str(p, "resource-name");
  if (resourceName !== undefined) checkMachineName(resourceName, "--resource-name");
  return {
    subscription,
    resourceGroup,
    location,
    tenantId,
    resourceName,
    tags,
    cloud: "AzureCloud",
    correlationId,
    privateLinkScope: scope,
    auth,
    ignoreNetworkCheck: bool(p, "ignore-network-check"),
  };
}

function checkMachineName(name: string, from: string): void {
  if (!MACHINE_NAME.test(name)) {
    throw invalid(
      from,
      name,
      "A machine resource name has 1-54 letters, digits, hyphens, underscores and periods.",
    );
  }
}

/**
 * The private endpoint checks that run before anything else (pure over resolutions): Arc names
 * that resolve privately need --private-link-scope (the two messages the real agent prints).
 */
export function privateLinkMessage(
  scopeGiven: boolean,
  gbl: string[] | undefined,
  agentService: string[] | undefined,
): string | undefined {
  if (scopeGiven) return undefined;
  if (gbl && gbl.length > 0 && isPrivateAddress(gbl[0])) {
    return `Private Link Scope resource ID must be provided as endpoint ${GBL_HIS} is configured private`;
  }
  if (agentService && agentService.length > 0 && isPrivateAddress(agentService[0])) {
    return `No indication of Private Link Scope but found private endpoint ${AGENT_SERVICE}: ${agentService[0]}`;
  }
  return undefined;
}

async function networkCheck(
  ctx: AgentContext,
  dialer: Dialer,
  resolver: Resolver,
  req: ConnectRequest,
): Promise<void> {
  ctx.log.info(
    "Testing connectivity to endpoints that are needed to connect to Azure... This might take a few minutes.",
  );
  const rows = await probeAll(dialer, resolver, requiredEndpoints(req.location), "check");
  const failures: string[] = [];
  for (const r of rows) {
    if (!r.reachable && !r.refused) failures.push(`Failed to reach ${r.endpoint}: ${r.error}`);
    if (r.refused) failures.push(`${r.endpoint} refused this machine: ${r.error}`);
    if (r.reachable && r.reason) ctx.log.debug(`${r.endpoint}: ${r.reason}`);
  }
  if (req.privateLinkScope && atLeast(ctx.version, ...RELEASES.privateEndpointCheck)) {
    // With a scope, the Arc names must resolve to the private endpoint (1.17+).
    const arc = new Set(arcNames(req.location));
    for (const r of rows) {
      if (!arc.has(r.host) || r.private) continue;
      failures.push(
        r.addresses.length > 0
          ? `Private Link Scope is in use but endpoint ${r.host} resolves to public address ${r.addresses[0]}: configure DNS to answer it with the private endpoint's address`
          : `Private Link Scope is in use but endpoint ${r.host} does not resolve: configure DNS to answer it with the private endpoint's address`,
      );
    }
  }
  // 1.15+: the TLS 1.2 check aborts connect on its own, naming the endpoints and the version.
  const tls = tlsCheckFailure(rows);
  if (tls) throw new AgentError(AZCM.Network, tls.message, { details: failures, fields: tls.fields });
  if (failures.length > 0) {
    throw new AgentError(
      AZCM.Network,
      `Network connectivity check failed for ${failures.length} endpoint check${failures.length > 1 ? "s" : ""}. Fix the network path (azcmagent check shows it), or connect with --ignore-network-check to continue anyway`,
      { details: failures },
    );
  }
  ctx.log.info("All endpoints are reachable");
}

/**
 * The TLS check's verdict over the probe rows: endpoints that refused TLS 1.2 and later from this
 * machine, or that found no cipher suite in common with it. Pure.
 */
export function tlsCheckFailure(
  rows: readonly ProbeResult[],
): { message: string; fields?: Record<string, string> } | undefined {
  const names = (kind: string) => rows.filter((r) => !r.reachable && r.failure === kind);
  const list = (rs: ProbeResult[]) =>
    rs.length > 2
      ? `${rs[0].host}, ${rs[1].host} and ${rs.length - 2} more`
      : rs.map((r) => r.host).join(" and ");
  const version = names("TlsVersionUnsupported");
  if (version.length > 0) {
    return {
      message: `TLS 1.2 check failed: this machine could not negotiate TLS 1.2 or later with ${list(version)} (remote error: tls: protocol version not supported). Azure endpoints accept TLS 1.2 and TLS 1.3 only: enable TLS 1.2 in the operating system (SChannel on Windows) and run connect again`,
      ...(version[0].reason ? { fields: { Reason: version[0].reason } } : {}),
    };
  }
  const suites = names("TlsCipherSuiteMismatch");
  if (suites.length > 0) {
    return {
      message: `TLS check failed: no cipher suite in common with ${list(suites)} (remote error: tls: handshake failure). This agent needs the ECDHE AES-GCM cipher suites on Windows: enable them in the operating system's cipher suite order, or upgrade the agent to 1.64 or later`,
      ...(suites[0].reason ? { fields: { Reason: suites[0].reason } } : {}),
    };
  }
  return undefined;
}

/** Network and refusal failures of one step, as AZCM0026 with the step named. */
function networkFailure(step: string, e: unknown): never {
  if (e instanceof DialError) {
    throw new AgentError(AZCM.Network, `${step}: ${e.message}`, {
      fields: e.extra.gatewayMessage ? { Reason: e.extra.gatewayMessage } : undefined,
    });
  }
  if (e instanceof RefusalError) throw new AgentError(AZCM.Network, `${step}: ${e.code}: ${e.message}`);
  throw e;
}

async function step<T>(name: string, f: () => Promise<T>): Promise<T> {
  try {
    return await f();
  } catch (e) {
    networkFailure(name, e);
  }
}

function armError(r: DialResponse): { code: string; message: string } {
  return {
    code: r.json?.error?.code ?? `HTTP${r.status}`,
    message: r.json?.error?.message ?? r.text.slice(0, 500),
  };
}

/** A stable SMBIOS-like UUID for a simulated host. */
function vmUuidOf(hostKey: string): string {
  const h = createHash("sha1").update(`arclink-host:${hostKey}`).digest("hex");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`.toUpperCase();
}

async function resolveSubscription(dialer: Dialer, token: string, text: string): Promise<string> {
  if (GUID.test(text)) return text;
  const r = await step("Failed to look up the subscription", () =>
    dialer.dial("GET", `https://${ARM}/subscriptions?api-version=2022-12-01`, {
      purpose: "onboard",
      authorization: `Bearer ${token}`,
    }),
  );
  const list: any[] = Array.isArray(r.json?.value) ? r.json.value : [];
  const hit = list.find((s) => String(s.displayName ?? "").toLowerCase() === text.toLowerCase());
  if (r.status !== 200 || !hit?.subscriptionId) {
    throw new AgentError(
      AZCM.SubscriptionLookup,
      `Cannot find a subscription named '${text}' that the signed-in account can see${r.status !== 200 ? ` (ARM answered ${r.status})` : ""}. Pass the subscription id (a GUID) with --subscription-id.`,
    );
  }
  return String(hit.subscriptionId);
}

/** Before anything is asked of Azure: the local config, a second connect, the machine's name. */
async function beforeConnecting(
  ctx: AgentContext,
  req: ConnectRequest,
): Promise<{ view: HostView; resourceName: string }> {
  ctx.config(); // a broken local config stops here (AZCM0070), before anything changes
  const existing = ctx.state();
  if (isConnected(existing)) {
    throw new AgentError(
      AZCM.AlreadyConnected,
      `The machine is already connected to Azure as ${existing.resourceId}. Run azcmagent disconnect first to connect it again.`,
      { fields: { "Resource ID": existing.resourceId! } },
    );
  }
  const view = await ctx.view();
  const resourceName = req.resourceName ?? view.hostName;
  checkMachineName(resourceName, "the resource name (the host name; pass --resource-name)");
  ctx.log.info(
    "Onboarding Machine. It usually takes a few minutes to complete. Sometimes it may take longer depending on network and server load status.",
  );
  ctx.log.info("Connecting machine to Azure... This might take a few minutes.", {
    "Correlation ID": req.correlationId,
    Location: req.location,
  });
  return { view, resourceName };
}

/** Private endpoint DNS without a scope stops connect; then the network check, as the version runs it. */
async function checkNetwork(
  ctx: AgentContext,
  dialer: Dialer,
  resolver: Resolver,
  req: ConnectRequest,
): Promise<void> {
  const [gbl, agentService] = await Promise.all([resolver.resolve(GBL_HIS), resolver.resolve(AGENT_SERVICE)]);
  const plMessage = privateLinkMessage(!!req.privateLinkScope, gbl.addresses, agentService.addresses);
  if (plMessage) throw new AgentError(AZCM.Network, plMessage);
  // Before 1.15 connect did not stop on a failed network check (it had none to stop on).
  if (!atLeast(ctx.version, ...RELEASES.checkCommand))
    ctx.log.debug(`Agent ${ctx.version.short} runs no network check before connecting`);
  else if (req.ignoreNetworkCheck) ctx.log.warn("Skipping the network check (--ignore-network-check)");
  else await networkCheck(ctx, dialer, resolver, req);
}

/** The ARM token (the given access token, or the service principal's from Entra ID) and the tenant. */
async function signIn(
  ctx: AgentContext,
  dialer: Dialer,
  req: ConnectRequest,
  view: HostView,
): Promise<{ token: string; tenantId: string | undefined }> {
  let tenantId = req.tenantId;
  if (req.auth.kind === "token") {
    const claims = checkAccessToken(req.auth.token, await ctx.now());
    tenantId ??= typeof claims.tid === "string" ? claims.tid : view.tenantId;
    ctx.log.info("Using the access token given with --access-token");
    return { token: req.auth.token, tenantId };
  }
  ctx.log.info("Using service principal for authentication", { "Service Principal": req.auth.clientId });
  const token = await acquireToken(dialer, {
    tenantId: tenantId!,
    clientId: req.auth.clientId,
    secret: req.auth.secret,
  });
  tenantId = tenantId && GUID.test(tenantId) ? tenantId : (jwtClaims(token)?.tid ?? tenantId);
  return { token, tenantId };
}

interface Discovery {
  hisEndpoint: string;
  guestConfigurationEndpoint?: string;
  agentServiceEndpoint?: string;
}

/** Regional service discovery at the global HIS: the region's HIS and its other endpoints. */
async function discoverRegion(ctx: AgentContext, dialer: Dialer, location: string): Promise<Discovery> {
  const disc = await step("Regional service discovery failed", () =>
    dialer.dial(
      "GET",
      `https://${GBL_HIS}/discovery?location=${encodeURIComponent(location)}&api-version=2.1`,
      {
        purpose: "onboard",
      },
    ),
  );
  if (disc.status !== 200) {
    throw new AgentError(
      AZCM.Network,
      `Regional service discovery failed: ${GBL_HIS} answered ${disc.status}: ${disc.text.slice(0, 300)}`,
    );
  }
  const hisEndpoint = String(
    disc.json?.hisEndpoint ?? `https://${regionCode(location)}.his.arc.azure.com`,
  ).replace(/\/+$/, "");
  ctx.log.debug("Regional service discovery", { Location: location, HIS: hisEndpoint });
  return {
    hisEndpoint,
    guestConfigurationEndpoint: disc.json?.guestConfigurationEndpoint,
    agentServiceEndpoint: disc.json?.agentServiceEndpoint,
  };
}

interface CreatedMachine {
  /** The machine's id as ARM answered it. */
  armId: string;
  /** ARM's answer to the PUT. */
  machine: Record<string, any>;
  /** The vmId ARM kept, else the one sent. */
  vmId: string;
  osType: "windows" | "linux";
}

/** Creates (or updates) the machine resource through ARM, keeping the tags of one made beforehand. */
async function createMachine(
  ctx: AgentContext,
  dialer: Dialer,
  token: string,
  req: ConnectRequest,
  target: { resourceId: string; osType: "windows" | "linux" },
): Promise<CreatedMachine> {
  const { resourceId, osType } = target;
  const { publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const properties: Record<string, unknown> = {
    osType,
    clientPublicKey: publicKey.export({ type: "spki", format: "der" }).toString("base64"),
    vmId: randomUUID(),
  };
  if (req.privateLinkScope) properties.privateLinkScopeResourceId = req.privateLinkScope;
  const body: Record<string, unknown> = {
    location: req.location,
    identity: { type: "SystemAssigned" },
    properties,
  };
  const url = `https://${ARM}${resourceId}?api-version=${MACHINE_API_VERSION}`;
  const headers = { "x-ms-correlation-request-id": req.correlationId };
  // A machine resource created beforehand (by a user or a template) keeps its tags: --tags adds
  // to them and wins on a name both give; a PUT without them would replace them all.
  const current = await step(`Failed to read the resource ${resourceId} in Azure`, () =>
    dialer.dial("GET", url, { purpose: "onboard", authorization: `Bearer ${token}`, headers }),
  );
  const kept = current.status === 200 && current.json?.tags && typeof current.json.tags === "object";
  const tags = { ...(kept ? current.json.tags : {}), ...(req.tags ?? {}) };
  if (Object.keys(tags).length > 0) body.tags = tags;
  ctx.log.info("Creating resource in Azure...", {
    "Correlation ID": req.correlationId,
    "Resource ID": resourceId,
  });
  const put = await step(`Failed to create the resource ${resourceId} in Azure`, () =>
    dialer.dial("PUT", url, { purpose: "onboard", authorization: `Bearer ${token}`, body, headers }),
  );
  if (put.status === 401) {
    const e = armError(put);
    throw new AgentError(
      req.auth.kind === "token" ? AZCM.InvalidAccessToken : AZCM.Credentials,
      `ARM did not accept the credentials: ${e.code}: ${e.message}`,
    );
  }
  if (put.status !== 200 && put.status !== 201) {
    const e = armError(put);
    throw new AgentError(
      AZCM.CreateResource,
      `Failed to create the resource ${resourceId} in Azure: ${e.code}: ${e.message}`,
      { fields: { Code: e.code, Status: String(put.status) } },
    );
  }
  const machine = put.json ?? {};
  return {
    armId: typeof machine.id === "string" ? machine.id : resourceId,
    machine,
    vmId: machine.properties?.vmId ?? (properties.vmId as string),
    osType,
  };
}

/** Registers at the regional HIS with the agent's first report: the machine credential (and the HIS's vmId). */
async function register(
  ctx: AgentContext,
  dialer: Dialer,
  token: string,
  req: ConnectRequest,
  view: HostView,
  hisEndpoint: string,
  created: CreatedMachine,
  report: unknown,
): Promise<{ machineCredential: string; vmId: string }> {
  const reg = await step(`Failed to register the machine with Azure Arc at ${hisEndpoint}`, () =>
    dialer.dial("POST", `${hisEndpoint}/machines/register`, {
      purpose: "onboard",
      authorization: `Bearer ${token}`,
      body: {
        resourceId: created.armId,
        agentVersion: ctx.version.full,
        osType: created.osType,
        osName: created.osType === "windows" ? "Windows Server" : "Linux",
        machineFqdn: view.hostName,
        vmId: created.vmId,
        correlationId: req.correlationId,
        report,
      },
    }),
  );
  if (reg.status !== 200 && reg.status !== 201) {
    const e = armError(reg);
    throw new AgentError(
      AZCM.CertificateDownload,
      `Failed to register the machine with Azure Arc at ${hisEndpoint}: ${reg.status} ${e.code}: ${e.message}`,
    );
  }
  const machineCredential = reg.json?.machineCredential;
  if (typeof machineCredential !== "string" || machineCredential === "") {
    throw new AgentError(
      AZCM.CertificateDownload,
      `Azure Arc (${hisEndpoint}) did not return a machine credential.`,
    );
  }
  return { machineCredential, vmId: typeof reg.json?.vmId === "string" ? reg.json.vmId : created.vmId };
}

/**
 * The himds service starts and sends its first heartbeat with the machine credential. Returns when
 * it was admitted; a refused or failed one is a warning (connect has succeeded), undefined.
 */
async function firstHeartbeat(
  ctx: AgentContext,
  dialer: Dialer,
  hisEndpoint: string,
  machineCredential: string,
  body: { resourceId: string; vmId: string; agentVersion: string; report: unknown },
): Promise<string | undefined> {
  try {
    const hb = await dialer.dial("POST", `${hisEndpoint}/machines/heartbeat`, {
      purpose: "heartbeat",
      authorization: machineAuthorization(machineCredential),
      body,
    });
    if (hb.status === 200) return (await ctx.now()).toISOString().replace(/\.\d{3}Z$/, "Z");
    ctx.log.warn(`The first heartbeat was answered with ${hb.status}: ${hb.text.slice(0, 200)}`);
  } catch (e) {
    if (!(e instanceof DialError || e instanceof RefusalError)) throw e;
    ctx.log.warn(`The first heartbeat failed: ${e instanceof RefusalError ? `${e.code}: ` : ""}${e.message}`);
  }
  return undefined;
}

export const connect: Command = {
  name: "connect",
  summary: "Connects this machine to Azure",
  description:
    "Creates a Microsoft.HybridCompute/machines resource in Azure and binds this machine to it. Behind a Private Link Scope pass --private-link-scope.",
  usage: "azcmagent connect [flags]",
  examples: [
    "azcmagent connect --resource-group rg --tenant-id <tenant> --location eastus --subscription-id <sub> --service-principal-id <app> --service-principal-secret <secret>",
    "azcmagent connect -g rg -t <tenant> -l eastus -s <sub> -i <app> -p <secret> --private-link-scope /subscriptions/<sub>/resourceGroups/rg/providers/Microsoft.HybridCompute/privateLinkScopes/pls",
  ],
  flags: [
    {
      name: "subscription-id",
      short: "s",
      type: "string",
      usage: "Subscription name or id the machine resource is created in",
    },
    {
      name: "resource-group",
      short: "g",
      type: "string",
      usage: "Resource group the machine resource is created in",
    },
    { name: "location", short: "l", type: "string", usage: "Azure region of the machine resource" },
    {
      name: "tenant-id",
      short: "t",
      type: "string",
      usage: "Tenant id of the subscription (required with a service principal)",
    },
    { name: "user-tenant-id", type: "string", usage: "Tenant of the signing-in account when it differs" },
    {
      name: "resource-name",
      short: "n",
      type: "string",
      usage: "Name of the machine resource (default: the host name)",
    },
    { name: "tags", type: "string", usage: "Tags: Name=Value,Name2='Value with space'" },
    { name: "cloud", type: "string", usage: "Azure cloud: AzureCloud (needs --location)" },
    { name: "correlation-id", type: "string", usage: "A GUID that identifies this onboarding in telemetry" },
    {
      name: "private-link-scope",
      type: "string",
      usage: "ARM id of the Azure Arc Private Link Scope to associate (required with private endpoints)",
    },
    { name: "gateway-id", type: "string", usage: "ARM id of an Arc gateway (not supported by ArcLink)" },
    ...SIGN_IN_FLAGS,
    { name: "ignore-network-check", type: "bool", usage: "Continue even if the network check fails" },
  ],
  async run(ctx) {
    const req = validateConnectFlags(ctx.flags);
    const { view, resourceName } = await beforeConnecting(ctx, req);
    const dialer = await ctx.dialer();
    await checkNetwork(ctx, dialer, await ctx.resolver(), req);
    const { token, tenantId } = await signIn(ctx, dialer, req, view);
    const subscriptionId = await resolveSubscription(dialer, token, req.subscription);
    const discovery = await discoverRegion(ctx, dialer, req.location);
    const created = await createMachine(ctx, dialer, token, req, {
      resourceId: `/subscriptions/${subscriptionId}/resourceGroups/${req.resourceGroup}/providers/Microsoft.HybridCompute/machines/${resourceName}`,
      osType: String(view.osType).toLowerCase() === "windows" ? "windows" : "linux",
    });
    const report = machineReport({ config: ctx.config(), view, version: ctx.version });
    const registered = await register(ctx, dialer, token, req, view, discovery.hisEndpoint, created, report);
    const { armId, machine } = created;
    const { machineCredential, vmId } = registered;
    const now = (await ctx.now()).toISOString().replace(/\.\d{3}Z$/, "Z");
    const state: AgentState = {
      resourceId: armId,
      resourceName: machine.name ?? resourceName,
      resourceGroup: req.resourceGroup,
      subscriptionId,
      tenantId,
      location: req.location,
      vmId,
      vmUuid: vmUuidOf(view.hostId ?? ctx.credential().hostId ?? view.hostName),
      correlationId: req.correlationId,
      cloud: req.cloud,
      machineCredential,
      privateLinkScopeId: machine.properties?.privateLinkScopeResourceId ?? req.privateLinkScope,
      hisEndpoint: discovery.hisEndpoint,
      guestConfigurationEndpoint: discovery.guestConfigurationEndpoint,
      agentServiceEndpoint: discovery.agentServiceEndpoint,
      hostId: view.hostId ?? (ctx.credential().hostId || undefined),
      hostName: view.hostName,
      status: "Connected",
      connectedAt: now,
      lastHeartbeat: now,
    };
    state.lastHeartbeat =
      (await firstHeartbeat(ctx, dialer, discovery.hisEndpoint, machineCredential, {
        resourceId: armId,
        vmId,
        agentVersion: ctx.version.full,
        report,
      })) ?? state.lastHeartbeat;
    writeState(ctx.home, state);
    ctx.log.info("Successfully Onboarded Resource to Azure", { "VM Id": vmId });
    ctx.log.info("Connected machine to Azure");
    ctx.log.info(`Machine overview page: https://portal.azure.com/#@${tenantId}/resource${armId}/overview`);
    if (ctx.json) {
      ctx.print(
        JSON.stringify(
          { status: "Connected", resourceId: armId, vmId, correlationId: req.correlationId },
          null,
          2,
        ),
      );
    }
  },
};
