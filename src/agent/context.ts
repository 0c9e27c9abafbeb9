// What a command runs with: the agent home, the parsed flags, the log, and — loaded on first use —
// the local config, the state, the host credential, the host view and the dialer built from them.
import { getValue, readConfig, type LocalConfig } from "./config.js";
import { readCredential, type HostCredential } from "./credential.js";
import { Dialer } from "./dial.js";
import { agentHome } from "./files.js";
import { bool, type ParsedFlags } from "./flags.js";
import { GatewayClient, type HostView } from "./gateway.js";
import { Log } from "./log.js";
import { Resolver } from "./resolver.js";
import { readState, type AgentState } from "./state.js";
import { agentVersion, type AgentVersion } from "./version.js";

export interface Io {
  out(text: string): void;
  err(text: string): void;
}

export class AgentContext {
  readonly home: string;
  readonly version: AgentVersion;
  readonly log: Log;
  readonly json: boolean;
  private cfg?: LocalConfig;
  private st?: AgentState;
  private cred?: HostCredential;
  private gw?: GatewayClient;
  private hv?: { view: HostView; fetchedAt: number };
  private res?: Resolver;
  private dl?: Dialer;

  constructor(
    readonly env: NodeJS.ProcessEnv,
    readonly io: Io,
    readonly flags: ParsedFlags,
  ) {
    this.home = agentHome(env);
    this.version = agentVersion(env);
    this.json = bool(flags, "json");
    const toErr = this.json || bool(flags, "log-stderr");
    this.log = new Log((line) => (toErr ? io.err(line) : io.out(line)), bool(flags, "verbose"));
  }

  /** Prints command output (tables, JSON) on stdout. */
  print(text: string): void {
    this.io.out(text);
  }

  config(): LocalConfig {
    this.cfg ??= readConfig(this.home);
    return this.cfg;
  }

  state(): AgentState {
    this.st ??= readState(this.home);
    return this.st;
  }

  credential(): HostCredential {
    this.cred ??= readCredential(this.env);
    return this.cred;
  }

  gateway(): GatewayClient {
    this.gw ??= new GatewayClient(this.credential());
    return this.gw;
  }

  async view(): Promise<HostView> {
    if (!this.hv) {
      const view = await this.gateway().hostView();
      this.hv = { view, fetchedAt: Date.now() };
      const now = Date.parse(view.now);
      if (Number.isFinite(now)) this.log.setNow(new Date(now));
      this.log.debug("Host view", {
        Host: view.hostName,
        Address: view.address,
        DnsServers: view.dnsServers.map((s) => s.address).join(",") || "(none)",
      });
    }
    return this.hv.view;
  }

  /** The host's clock (ArcLink's virtual clock), advancing with real time since the view was read. */
  async now(): Promise<Date> {
    const view = await this.view();
    const base = Date.parse(view.now);
    return new Date((Number.isFinite(base) ? base : Date.now()) + (Date.now() - this.hv!.fetchedAt));
  }

  async resolver(): Promise<Resolver> {
    if (!this.res) {
      const view = await this.view();
      const ms = Number(this.env.AZCMAGENT_DNS_TIMEOUT_MS);
      this.res = new Resolver({
        hostsFile: view.hostsFile,
        servers: view.dnsServers,
        timeoutMs: Number.isFinite(ms) && ms > 0 ? ms : 1500,
      });
    }
    return this.res;
  }

  async dialer(): Promise<Dialer> {
    if (!this.dl) {
      const view = await this.view();
      const cfg = this.config();
      this.dl = new Dialer(this.gateway(), await this.resolver(), {
        proxyUrl: (getValue(cfg, "proxy.url") as string) || undefined,
        bypass: getValue(cfg, "proxy.bypass") as string[],
        hostEnvProxy: view.proxyUrl,
        agentVersion: this.version.short,
        fullVersion: this.version.full,
      });
    }
    return this.dl;
  }
}
