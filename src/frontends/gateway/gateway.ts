// The gateway simulated hosts dial through (docs/GATEWAY.md): the host credential says who is
// dialling, the network model decides the path, admit() decides entry, and the request is
// relayed to the service that lives at the dialled address — or refused with the reason.
import { IncomingMessage, ServerResponse } from "node:http";
import { ArmError, isArmError } from "../../core/armError.js";
import { admit, serviceOf, Purpose } from "../../network/admit.js";
import { connect, ConnectResult } from "../../network/connect.js";
import { HostModel, NetworkModel } from "../../network/model.js";
import { cidrContainsIp, parseIpv4 } from "../../core/ip.js";
import { TraceStep } from "../../network/trace.js";
import { handleIdentity } from "../identity/endpoints.js";
import { readBody, sendJson, splitTarget } from "../http.js";
import { PipelineDeps, requestHeaders, sendError, serveArm } from "../pipeline.js";
import { ArcServices } from "./arcServices.js";
import { SignInThrottle } from "../identity/signInThrottle.js";
import { HostDnsViews } from "./hostDnsViews.js";

const GATEWAY_PREFIX = "/.gateway/";
const PURPOSES: Purpose[] = ["onboard", "heartbeat", "extension", "check", "remote-access"];

export interface Decision {
  at: string;
  host: string;
  serverName: string;
  address: string;
  outcome: "relayed" | "network" | "refused";
  code?: string;
  path?: "private" | "public";
  trace: TraceStep[];
}

export class Gateway {
  private readonly services: ArcServices;
  /** The latest decisions, newest last (kept for `arclink check` and the portal). */
  readonly decisions: Decision[] = [];

  constructor(
    private readonly deps: PipelineDeps,
    readonly dns: HostDnsViews,
  ) {
    this.services = new ArcServices(deps.services, deps.tokens);
  }

  /** Answers the gateway's paths (/.gateway/…); false at once for any other path. */
  handle(req: IncomingMessage, res: ServerResponse, path: string, origin: string): false | Promise<boolean> {
    if (path.slice(0, GATEWAY_PREFIX.length).toLowerCase() !== GATEWAY_PREFIX) return false;
    return this.serve(req, res, path, origin);
  }

  private async serve(
    req: IncomingMessage,
    res: ServerResponse,
    path: string,
    origin: string,
  ): Promise<boolean> {
    const base = requestHeaders(req);
    try {
      const host = await this.hostOf(req.headers.authorization);
      if (path.toLowerCase() === "/.gateway/host") {
        sendJson(res, 200, await this.view(host), base);
        return true;
      }
      if (path.toLowerCase().startsWith("/.gateway/dial/") || path.toLowerCase() === "/.gateway/dial") {
        await this.dial(req, res, host, path.slice("/.gateway/dial".length) || "/", origin, base);
        return true;
      }
      sendJson(res, 404, { error: { code: "NotFound", message: `No gateway route ${path}.` } }, base);
    } catch (e) {
      sendError(res, e, base, this.deps.log);
    }
    return true;
  }

  private async hostOf(authorization: string | undefined): Promise<HostModel> {
    const refuse = (why: string) =>
      new ArmError(
        401,
        "InvalidHostCredential",
        `The gateway needs a host credential (arclink host credential --host NAME): ${why}`,
      );
    let p;
    try {
      p = await this.deps.tokens.verifyHost(authorization);
    } catch (e) {
      // Whatever was wrong (a service principal's or a machine's token, a forged or expired one), say it.
      if (isArmError(e) && e.status === 401) throw refuse(e.message);
      throw e;
    }
    if (!p.actsAs) throw refuse("this credential names no host.");
    const h = this.deps.services.network.model().hosts.get(p.actsAs.toLowerCase());
    if (!h)
      throw new ArmError(
        404,
        "HostNotFound",
        `The host ${p.actsAs} this credential was issued for no longer exists.`,
      );
    return h;
  }

  private async view(h: HostModel) {
    const resolver = this.deps.services.network.resolver();
    const servers = resolver.serversOf(h);
    const dnsServers = [];
    for (const ip of servers) {
      const l = await this.dns.listenerFor(h.key, ip);
      dnsServers.push({ address: ip, host: l.host, port: l.port });
    }
    return {
      hostId: h.id,
      hostName: h.name,
      tenantId: this.deps.services.world.ofType("ArcLink.Identity/tenants")[0]?.body.tenantId,
      osType: h.os,
      address: h.ip,
      dnsServers,
      hostsFile: typeof h.raw.properties?.hostsFile === "string" ? h.raw.properties.hostsFile : "",
      now: this.deps.services.clock.now().toISOString(),
      ...(typeof h.raw.properties?.proxyUrl === "string" ? { proxyUrl: h.raw.properties.proxyUrl } : {}),
      ...Object.fromEntries(
        (["osVersion", "osSku", "osEdition"] as const)
          .filter((k) => typeof h.raw.properties?.[k] === "string")
          .map((k) => [k, h.raw.properties[k]]),
      ),
      ...hostNetwork(this.deps.services.network.model(), h),
    };
  }

  private record(d: Decision): void {
    this.decisions.push(d);
    if (this.decisions.length > 1000) this.decisions.splice(0, this.decisions.length - 1000);
  }

  private async dial(
    req: IncomingMessage,
    res: ServerResponse,
    h: HostModel,
    rawPath: string,
    origin: string,
    base: Record<string, string>,
  ): Promise<void> {
    const hdr = (n: string) => {
      const v = req.headers[n];
      return Array.isArray(v) ? v[0] : v;
    };
    const serverName = (hdr("x-arclink-server-name") ?? "").toLowerCase();
    const dialTo = hdr("x-arclink-dial") ?? "";
    const viaProxy = hdr("x-arclink-via-proxy");
    const purposeText = (hdr("x-arclink-purpose") ?? "check").toLowerCase() as Purpose;
    const purpose: Purpose = PURPOSES.includes(purposeText) ? purposeText : "check";
    const agentVersion = hdr("x-arclink-agent-version");
    const parse = (t: string) => {
      const m = /^(\d{1,3}(?:\.\d{1,3}){3}):(\d{1,5})$/.exec(t);
      return m ? { ip: m[1], port: Number(m[2]) } : undefined;
    };
    const target = parse(dialTo);
    const proxy = viaProxy ? parse(viaProxy) : undefined;
    if (!serverName || (!target && !proxy) || (viaProxy && !proxy)) {
      sendJson(
        res,
        400,
        {
          error: {
            code: "BadDial",
            message:
              "X-ArcLink-Server-Name and X-ArcLink-Dial (ip:port) — or X-ArcLink-Via-Proxy — are required (docs/GATEWAY.md).",
          },
        },
        base,
      );
      return;
    }
    const net = this.deps.services.network;
    const c: ConnectResult = connect(
      net.model(),
      net.resolver(),
      h,
      // Through a proxy the proxy resolves and dials the target itself, on 443.
      proxy ? "0.0.0.0" : target!.ip,
      proxy ? 443 : target!.port,
      { serverName, proxy, agentVersion },
    );
    const when = this.deps.services.clock.now().toISOString();
    if (!c.ok) {
      this.record({
        at: when,
        host: h.name,
        serverName,
        address: c.address ?? dialTo,
        outcome: "network",
        code: c.failure,
        trace: c.trace,
      });
      sendJson(
        res,
        502,
        { error: { code: c.failure, message: c.message }, trace: c.trace },
        {
          ...base,
          "X-ArcLink-Network": c.failure ?? "NoRoute",
          // The address a proxy resolved the name to (what the agent cannot see for itself).
          ...(proxy && c.failure === "ProxyFailed" && c.address ? { "X-ArcLink-Address": c.address } : {}),
        },
      );
      return;
    }
    const endpoint = c.endpoint!;
    const headers = {
      ...base,
      "X-ArcLink-Path": c.path!,
      ...(c.address ? { "X-ArcLink-Address": c.address } : {}),
      "X-ArcLink-Endpoint": endpoint.kind === "private-endpoint" ? endpoint.pe.id : endpoint.tags[0],
    };
    const { path, query } = splitTarget(
      rawPath + (req.url?.includes("?") ? req.url.slice(req.url.indexOf("?")) : ""),
    );
    const service = serviceOf(serverName);
    const authorization = hdr("x-arclink-authorization");
    if (service === "entra" || service === "arm") {
      const a = admit(this.deps.services.world, {
        serverName,
        endpoint,
        purpose,
        agentVersion,
        now: this.deps.services.clock.now(),
        propagationDelayMs: this.deps.services.settings().propagationDelayMs,
      });
      if (!a.admitted) {
        this.record({
          at: when,
          host: h.name,
          serverName,
          address: c.address!,
          outcome: "refused",
          code: a.code,
          path: c.path,
          trace: [...c.trace, ...a.trace],
        });
        sendJson(
          res,
          403,
          { error: { code: a.code, message: a.message }, trace: [...c.trace, ...a.trace] },
          { ...headers, "X-ArcLink-Refusal": a.code ?? "Refused" },
        );
        return;
      }
      this.record({
        at: when,
        host: h.name,
        serverName,
        address: c.address!,
        outcome: "relayed",
        path: c.path,
        trace: c.trace,
      });
      for (const [k, v] of Object.entries(headers)) res.setHeader(k, v);
      if (service === "entra") {
        if (
          serverName === "pas.windows.net" ||
          !(await handleIdentity(req, res, path, query, {
            world: this.deps.services.world,
            tokens: this.deps.tokens,
            origin,
            signIns: (this.deps.signIns ??= new SignInThrottle()),
            // Sign-in attempts count against the simulated host's address, not the gateway's client.
            source: h.ip,
          }))
        ) {
          sendJson(res, 200, { service: "entra" }, headers);
        }
        return;
      }
      await serveArm(this.deps, req, res, path, query, authorization, origin, headers);
      return;
    }
    let body: unknown;
    const raw = await readBody(req, 1024 * 1024);
    if (raw.length) {
      try {
        body = JSON.parse(raw.toString("utf8"));
      } catch {
        sendJson(
          res,
          400,
          { error: { code: "InvalidRequestContent", message: "The request body is not JSON." } },
          headers,
        );
        return;
      }
    }
    try {
      const out = await this.services.handle({
        method: (req.method ?? "GET").toUpperCase(),
        serverName,
        path,
        query,
        body,
        authorization,
        endpoint,
        purpose,
        agentVersion,
        hostId: h.id,
        req,
      });
      const trace = [...c.trace, ...(out.refusal?.trace ?? [])];
      this.record({
        at: when,
        host: h.name,
        serverName,
        address: c.address!,
        outcome: out.refusal ? "refused" : "relayed",
        code: out.refusal?.code,
        path: c.path,
        trace,
      });
      sendJson(
        res,
        out.status,
        out.body,
        out.refusal ? { ...headers, "X-ArcLink-Refusal": out.refusal.code ?? "Refused" } : headers,
      );
    } catch (e) {
      if (isArmError(e)) sendJson(res, e.status, e.toBody(), headers);
      else throw e;
    }
  }
}

/** The prefix of a host's network and whether it is in Azure, as its agent detects them. */
function hostNetwork(m: NetworkModel, h: HostModel): { addressPrefix?: string; cloudProvider: string } {
  const ip = parseIpv4(h.ip);
  if (h.pos.kind === "vnet") {
    const subnet = m.vnets.get(h.pos.vnet)?.subnets.find((s) => s.key === h.subnet);
    return { ...(subnet ? { addressPrefix: subnet.prefix.text } : {}), cloudProvider: "Azure" };
  }
  const site = m.sites.get(h.pos.site);
  const prefix = ip === undefined ? undefined : site?.prefixes.find((c) => cidrContainsIp(c, ip));
  return { ...(prefix ? { addressPrefix: prefix.text } : {}), cloudProvider: "N/A" };
}
