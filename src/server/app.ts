// The composition root: store → World → writer → providers → front ends, on one HTTPS port.
import { createServer, Server } from "node:https";
import { answerClientError, readRequestsThroughStream } from "../frontends/http.js";
import { AddressInfo } from "node:net";
import { join, resolve } from "node:path";
import { createHash } from "node:crypto";
import { BackgroundWork } from "../core/background.js";
import { ensurePki } from "../core/pki.js";
import { ArmServices } from "../engine/context.js";
import { evaluatorLookup, LAB_EVALUATORS } from "../analysis/evaluators.js";
import { FLEET_EVALUATORS } from "../fleet/api.js";
import { createServices } from "../engine/services.js";
import { Defaults, ensureDirectory, SIGNING_KEY_ID } from "../identity/directory.js";
import { TokenService } from "../identity/tokens.js";
import { failAbandonedDeployments } from "../providers/resources/deploymentRecovery.js";
import { SqliteStore } from "../store/sqlite.js";
import { Snapshots, Store } from "../store/store.js";
import { World } from "../world/world.js";
import { Writer } from "../world/writer.js";
import { createPipeline, PipelineDeps } from "../frontends/pipeline.js";
import { Throttle } from "../frontends/throttle.js";
import { SharedSignInThrottle, SignInThrottle } from "../frontends/identity/signInThrottle.js";
import { Gateway } from "../frontends/gateway/gateway.js";
import { applyTopology, uncapHeapWhileApplying } from "./topologyAtStart.js";
import { onboardHosts, OnboardResult } from "../analysis/onboard.js";
import { checkContextOf } from "../analysis/checkContext.js";
import { deploymentWhatIfSupport } from "../analysis/deploymentWhatIf.js";
import { HostDnsViews } from "../frontends/gateway/hostDnsViews.js";
import { NetworkService } from "../network/service.js";
import { ServiceTags } from "../network/serviceTags.js";
import { ListenerSpec, mayChangeResolvers, ResolverListeners } from "../frontends/dns/resolverListeners.js";
import { DnsWorkerPool } from "../frontends/dns/workers.js";
import { followStore, Following } from "./followStore.js";
import { portalHandler } from "../frontends/portal/portal.js";
import { boundHeapGrowth } from "./heapGrowth.js";
import { exitWithParent } from "./parentWatch.js";
import { DataFolderLock, lockDataFolder, removeOwnReadyFile } from "./dataFolder.js";
import { makePrivateDir, makePrivateFile, writePrivateAtomic } from "../core/privateFiles.js";

/** The ARM actions that evaluate rather than store: ArcLink.Lab's analysis and the fleet's runs. */
export const ARM_EVALUATORS = evaluatorLookup({ ...LAB_EVALUATORS, ...FLEET_EVALUATORS });

export interface ServeOptions {
  dataDir: string;
  host?: string;
  port?: number;
  readyFile?: string;
  store?: Store;
  log?: (line: string) => void;
  /** Which resolvers get loopback DNS listeners; default every resolver ("*"). */
  dnsListeners?: ListenerSpec[];
  /**
   * Processes answering on every DNS listener's port; default 1, this process alone. N > 1
   * starts N worker processes (src/frontends/dns/workers.ts); each write that changes the
   * network model is acknowledged only once every one of them has seen it.
   */
  dnsWorkers?: number;
  /** A topology file applied at start (idempotent), whose hosts' machines are then onboarded. */
  topology?: string;
  /** "azure": ARM's request limits per principal and subscription (429 when exceeded). Default off. */
  throttling?: "azure" | "off";
  /** A ServiceTags_Public file to use instead of the bundled tags. */
  serviceTagsFile?: string;
  /** How far V8's heap may grow past what is live, in percent (see heapGrowth.ts); 0 = V8's own. Default 50. */
  heapGrowthPercent?: number;
}

export interface ReadyInfo extends Defaults {
  arm: string;
  authorityHost: string;
  caCert: string;
  dataDir: string;
  pid: number;
  [k: string]: unknown;
}

export interface RunningArcLink {
  info: ReadyInfo;
  services: ArmServices;
  tokens: TokenService;
  server: Server;
  network: NetworkService;
  gateway: Gateway;
  /** Machines the start-up topology onboarded (or failed to): the outcome of each, without its check. */
  onboarded: OnboardResult[];
  /** The DNS worker processes (serve --dns-workers N > 1). */
  dnsWorkers?: DnsWorkerPool;
  /** Keys of the hosts the start-up topology declares (empty without one). */
  topologyHostKeys: Set<string>;
  close(): Promise<void>;
}

export async function startArcLink(opts: ServeOptions): Promise<RunningArcLink> {
  const dataDir = resolve(opts.dataDir);
  makePrivateDir(dataDir);
  // The folder holds the store (SQLite): one server writes it at a time. Replicas on PostgreSQL
  // may share a folder (it holds only their TLS material and ready files).
  const lock: DataFolderLock | undefined = opts.store ? undefined : lockDataFolder(dataDir);
  try {
    return await start(opts, dataDir, lock);
  } catch (e) {
    lock?.release();
    throw e;
  }
}

/**
 * The store's snapshots, with a restore queued behind the writes in flight, after which this World
 * reloads the restored state at once (the other replicas do on the change notification).
 */
function snapshotsReloading(snaps: Snapshots, writer: Writer): Snapshots {
  return {
    save: (name) => snaps.save(name),
    list: () => snaps.list(),
    delete: (name) => snaps.delete(name),
    restore: async (name) => {
      const info = await writer.run(() => undefined).then(() => snaps.restore(name));
      if (info) await writer.catchUp();
      return info;
    },
  };
}

async function start(
  opts: ServeOptions,
  dataDir: string,
  lock: DataFolderLock | undefined,
): Promise<RunningArcLink> {
  const log = opts.log ?? (() => undefined);
  const growth = boundHeapGrowth(opts.heapGrowthPercent);
  const stopWatchingParent = exitWithParent();
  const pki = ensurePki(dataDir);
  let store: Store;
  if (opts.store) store = opts.store;
  else {
    // The database holds the token-signing key and the principal's secret: 0600, and so are the
    // WAL and SHM files SQLite creates beside it (with the database file's mode).
    const file = join(dataDir, "arclink.db");
    const companions = [`${file}-wal`, `${file}-shm`];
    makePrivateFile(file, companions);
    store = new SqliteStore(file, { log });
    makePrivateFile(file, companions);
  }
  const world = new World();
  const loaded = await store.loadAll();
  world.load(loaded.resources, loaded.seq);
  const writer = new Writer(store, world);
  // Replicas sharing a store (PostgreSQL) follow each other's commits: on notification, and every 500 ms.
  const following: Following | undefined = store.onRemoteChange
    ? followStore(store, writer, { log })
    : undefined;
  const defaults = await ensureDirectory(writer, world);
  const services = createServices({
    world,
    writer,
    tags: opts.serviceTagsFile ? ServiceTags.fromFile(opts.serviceTagsFile) : ServiceTags.default(),
    operationsKey: createHash("sha256")
      .update(JSON.stringify(world.get(SIGNING_KEY_ID)!.body.jwk))
      .digest(),
    caCertPath: pki.caCertPath,
    snapshots: store.snapshots && snapshotsReloading(store.snapshots, writer),
    evaluators: ARM_EVALUATORS,
    whatIf: deploymentWhatIfSupport,
    background: new BackgroundWork(log),
  });
  const { network, tokens } = services;
  const abandoned = await failAbandonedDeployments(services, !!store.onRemoteChange);
  if (abandoned) log(`deployments: ${abandoned} left Running by a stopped server marked Failed`);
  const deps: PipelineDeps = {
    services,
    tokens,
    log,
    extra: [],
    throttle: new Throttle(opts.throttling === "azure"),
    // Failed sign-ins: in the store when replicas share it, so alternating between them gains
    // nothing; in this server's memory when it owns the store alone (SQLite).
    signIns: store.signInAttempts ? new SharedSignInThrottle(store.signInAttempts) : new SignInThrottle(),
  };
  const hostDns = new HostDnsViews(network);
  const gateway = new Gateway(deps, hostDns);
  deps.extra!.push((req, res, path, origin) => gateway.handle(req, res, path, origin));
  deps.extra!.push(portalHandler({ tenantId: defaults.tenantId, subscriptionId: defaults.subscriptionId }));
  const server = createServer(
    { key: pki.key, cert: pki.cert, keepAliveTimeout: 30_000 },
    createPipeline(deps),
  );
  readRequestsThroughStream(server);
  server.on("clientError", answerClientError);
  await new Promise<void>((res, rej) => {
    server.once("error", rej);
    server.listen(opts.port ?? 0, opts.host ?? "127.0.0.1", () => res());
  });
  const addr = server.address() as AddressInfo;
  const host = addr.family === "IPv6" ? `[${addr.address}]` : addr.address;
  const arm = `https://${host}:${addr.port}`;
  // The audiences ARM accepts besides Azure's own: the URL it listens on and, on loopback, the
  // other names its certificate carries at the same port. Fixed here; never a request's Host.
  const loopback = ["127.0.0.1", "::1", "localhost"].includes(addr.address);
  tokens.setArmOrigins(
    loopback ? [arm, ...["127.0.0.1", "localhost", "[::1]"].map((n) => `https://${n}:${addr.port}`)] : [arm],
  );
  const info: ReadyInfo = {
    arm,
    authorityHost: arm,
    portal: `${arm}/portal/`,
    ...defaults,
    caCert: pki.caCertPath,
    dataDir,
    pid: process.pid,
    heapGrowthPercent: growth.percent,
    dnsWorkers: opts.dnsWorkers ?? 1,
  };
  const readyFiles = [join(dataDir, "ready.json"), ...(opts.readyFile ? [resolve(opts.readyFile)] : [])];
  let specs = opts.dnsListeners ?? [{ resolver: "*" }];
  let onboarded: OnboardResult[] = [];
  let topologyHostKeys = new Set<string>();
  // The heap grows as V8 decides while the file is applied and its hosts onboarded, capped again after.
  const capHeapAgain = opts.topology ? uncapHeapWhileApplying() : undefined;
  if (opts.topology) {
    const applied = await applyTopology(services, defaults, opts.topology, arm);
    log(`topology ${opts.topology}: ${applied.created} created, ${applied.updated} updated`);
    specs = [
      ...applied.listeners,
      ...specs.filter((x) => !applied.listeners.some((l) => l.resolver === x.resolver)),
    ];
    const ctx = checkContextOf(services);
    // The file's own hosts only: a restart must not walk every host a fleet added since.
    topologyHostKeys = applied.hostKeys;
    const hosts = [...network.model().hosts.values()].filter((h) => topologyHostKeys.has(h.key));
    onboarded = await onboardHosts(ctx, writer, hosts);
    onboarded = onboarded.filter((o) => o.machine);
  }
  capHeapAgain?.();
  const dnsWorkers = opts.dnsWorkers ?? 1;
  if (!Number.isInteger(dnsWorkers) || dnsWorkers < 1)
    throw new Error(`dnsWorkers must be a positive whole number of processes, got ${dnsWorkers}`);
  const workerPool =
    dnsWorkers > 1
      ? new DnsWorkerPool({ processes: dnsWorkers, version: () => network.version, log })
      : undefined;
  const stopPublishing = workerPool && network.onVersion((v) => workerPool.publish(v));
  const stopSettling = workerPool && writer.beforeAcknowledge(() => workerPool.synced());
  await workerPool?.start();
  const listeners = new ResolverListeners(
    network,
    specs,
    "127.0.0.1",
    () => {
      info.dns = listeners.entries();
      if (ready) for (const f of readyFiles) writePrivateAtomic(f, JSON.stringify(info, null, 2) + "\n");
    },
    workerPool,
  );
  let ready = false;
  await listeners.sync();
  const unsubscribe = world.onChange((changes) => {
    if (mayChangeResolvers(changes)) void listeners.sync();
  });
  info.dns = listeners.entries();
  ready = true;
  for (const f of readyFiles) writePrivateAtomic(f, JSON.stringify(info, null, 2) + "\n");
  const compaction = store.compact ? compactTombstones(store, world, log) : undefined;
  const sockets = new Set<import("node:stream").Duplex>();
  server.on("connection", (s) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  return {
    info,
    services,
    tokens,
    server,
    network,
    gateway,
    onboarded,
    topologyHostKeys,
    dnsWorkers: workerPool,
    async close() {
      stopWatchingParent();
      // Deployments still running stop at their next resource and are recorded Failed.
      await services.background?.stop();
      unsubscribe();
      await listeners.close();
      stopPublishing?.();
      stopSettling?.();
      await workerPool?.close();
      await hostDns.close();
      await new Promise<void>((res) => {
        server.close(() => res());
        for (const s of sockets) s.destroy();
      });
      await following?.stop();
      await compaction?.stop();
      await writer.run(() => undefined);
      await store.close();
      // A clean stop leaves no ready file pointing at a server that is gone.
      for (const f of readyFiles) removeOwnReadyFile(f);
      lock?.release();
    },
  };
}

/** How often tombstones are compacted; each pass removes those older than the previous pass. */
export const COMPACT_EVERY_MS = 60_000;

/**
 * Compacts the store's tombstones every COMPACT_EVERY_MS, through the sequence number this World
 * had at the previous pass: a delete stays recorded for at least one interval, long enough for
 * every replica following the store to have seen it (one further behind reloads the whole world).
 */
function compactTombstones(
  store: Store,
  world: World,
  log: (line: string) => void,
): { stop(): Promise<void> } {
  let mark = world.seq;
  let running: Promise<void> | undefined;
  const timer = setInterval(() => {
    if (running) return;
    const through = mark;
    mark = world.seq;
    running = store.compact!(through)
      .then(
        (n) => (n ? log(`store: compacted ${n} tombstones through sequence ${through}`) : undefined),
        (e: Error) =>
          log(`store: compaction failed (tried again in ${COMPACT_EVERY_MS / 1000} s): ${e.message}`),
      )
      .finally(() => (running = undefined));
  }, COMPACT_EVERY_MS);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}
