// `arclink serve`: start ArcLink and say how to connect to it.
import { startArcLink } from "../server/app.js";
import { DataFolderInUseError } from "../server/dataFolder.js";
import { StoreTooNewError } from "../store/schema.js";
import { join } from "node:path";
import { TopologyRefusedError } from "../server/topologyAtStart.js";
import { CliError, EXIT, Flags } from "./flags.js";
import { CommandSpec } from "./grammar.js";
import { userError } from "./errors.js";
import { checkHost } from "../analysis/check.js";
import { checkContextOf } from "../analysis/checkContext.js";
import { checkAll } from "../analysis/lint/lint.js";
import { renderHostCheck } from "./check.js";
import { SameOutcomeGroups } from "../analysis/sameOutcome.js";
import { ListenerSpec } from "../frontends/dns/resolverListeners.js";
import { PostgresStore, redact } from "../store/postgres.js";

/** Above this many hosts, the start-up summary prints groups of hosts instead of every host. */
const HOSTS_PRINTED_ONE_BY_ONE = 25;

export const SERVE: CommandSpec = {
  name: "serve",
  summary: "Start ArcLink: the ARM API over HTTPS, its token service, DNS listeners and the portal.",
  usage: [
    "[--data DIR] [--host H] [--port N] [--ready-file F] [--topology FILE] [--dns all|none|id[=port],...]",
    "    [--service-tags FILE] [--throttling azure|off] [--heap-growth PERCENT] [--dns-workers N]",
    "--store postgres --postgres-url URL [...]   (replicas sharing one database)",
  ],
  flags: [
    {
      name: "data",
      kind: "string",
      value: "DIR",
      complete: "dir",
      help: "the data folder (default ./.arclink)",
    },
    { name: "host", kind: "string", value: "H", help: "the address to listen on (default 127.0.0.1)" },
    { name: "port", kind: "string", value: "N", help: "the HTTPS port (default 0: any free port)" },
    {
      name: "ready-file",
      kind: "string",
      value: "F",
      complete: "file",
      help: "also write the ready file (how to reach this ArcLink) to F",
    },
    {
      name: "topology",
      kind: "string",
      value: "FILE",
      complete: "file",
      help: "apply this topology file at start and onboard its machines",
    },
    {
      name: "dns",
      kind: "string",
      value: "SPEC",
      help: "which resolvers get a DNS listener: all (default), none, or id[=port],...",
    },
    {
      name: "dns-workers",
      kind: "string",
      value: "N",
      help: "processes answering every DNS listener's port, 1 to 64 (default 1: the server alone)",
    },
    {
      name: "service-tags",
      kind: "string",
      value: "FILE",
      complete: "file",
      help: "Azure's service tags JSON (ServiceTags_Public_*.json)",
    },
    {
      name: "throttling",
      kind: "string",
      value: "MODE",
      choices: ["azure", "off"],
      help: "ARM's request limits (default off)",
    },
    {
      name: "store",
      kind: "string",
      value: "KIND",
      choices: ["sqlite", "postgres"],
      help: "the store (default sqlite)",
    },
    {
      name: "postgres-url",
      kind: "string",
      value: "URL",
      help: "the PostgreSQL database (or ARCLINK_POSTGRES_URL) for --store postgres",
    },
    {
      name: "heap-growth",
      kind: "string",
      value: "PERCENT",
      help: "how far the heap may grow past what is live (default 50; 0 = V8's own)",
    },
  ],
  exits:
    "0 stopped by Ctrl+C or SIGTERM, 1 refused (a resource of the topology, a folder in use, a store from a newer build, PostgreSQL that cannot be opened), 2 usage, 3 the data folder, database or topology file cannot be used.",
  run: serve,
};

function throttlingOf(v: string | undefined): "azure" | "off" {
  if (v === undefined || v === "off") return "off";
  if (v === "azure") return "azure";
  throw new CliError(`--throttling must be 'azure' or 'off', got '${v}'.`, 2);
}

/** --heap-growth PERCENT: how far V8's heap may grow past what is live (0 = V8's own heuristic). */
function heapGrowthOf(v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  if (!/^\d{1,4}$/.test(v) || Number(v) > 1000)
    throw new CliError(
      `--heap-growth must be a whole percent from 0 to 1000 (0 = V8's own heuristic), got '${v}'.`,
      2,
    );
  return Number(v);
}

/** --dns-workers N: processes answering on every DNS listener's port (1: this one alone). */
function dnsWorkersOf(v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  if (!/^\d{1,3}$/.test(v) || Number(v) < 1 || Number(v) > 64)
    throw new CliError(
      `--dns-workers must be a whole number of processes from 1 to 64 (1 = the server process alone, the default), got '${v}'.`,
      EXIT.usage,
    );
  return Number(v);
}

/** --dns all (default) | none | id[=port],id[=port] */
function dnsSpecs(text: string | undefined): ListenerSpec[] | undefined {
  if (!text || text === "all") return undefined;
  if (text === "none") return [];
  return text.split(",").map((p) => {
    const [resolver, port] = p.split("=");
    if (port !== undefined && !/^\d+$/.test(port))
      throw new CliError(`--dns: '${p}' is not resolver[=port].`, 2);
    return { resolver, port: port === undefined ? 0 : Number(port) };
  });
}

/**
 * --store sqlite (default: <data>/arclink.db) | postgres (--postgres-url URL, or ARCLINK_POSTGRES_URL).
 * Replicas on one PostgreSQL database share every resource, the token signing key and the default
 * principal; each needs the same TLS material: give them the same --data folder (start one first,
 * it creates tls/), or copy the first one's tls/ folder into the others' before they start.
 */
async function openStore(flags: Flags, log: (l: string) => void): Promise<PostgresStore | undefined> {
  const url = flags.optString("postgres-url") ?? process.env.ARCLINK_POSTGRES_URL;
  const kind = flags.optString("store") ?? (flags.has("postgres-url") ? "postgres" : "sqlite");
  if (kind === "sqlite") {
    if (flags.has("postgres-url"))
      throw new CliError(`--postgres-url is for --store postgres; remove it or use --store postgres.`, 2);
    return undefined;
  }
  if (kind !== "postgres") throw new CliError(`--store must be sqlite or postgres, got '${kind}'.`, 2);
  if (!url)
    throw new CliError(
      `--store postgres needs a database: --postgres-url postgres://USER:PASSWORD@HOST:5432/DB (or set ARCLINK_POSTGRES_URL).`,
      2,
    );
  try {
    return await PostgresStore.open(url, { log });
  } catch (e) {
    if (e instanceof StoreTooNewError) throw new CliError(e.message, 1);
    throw new CliError(
      `${(e as Error).message}. Check that PostgreSQL runs and the URL is right.`,
      EXIT.refused,
    );
  }
}

export async function serve(flags: Flags): Promise<void> {
  const port = flags.int("port", 0);
  if (port < 0 || port > 65535) throw new CliError(`--port must be between 0 and 65535, got ${port}.`, 2);
  const log = (l: string) => process.stderr.write(l + "\n");
  const dataDir = flags.string("data", "./.arclink");
  const store = await openStore(flags, log);
  const running = await startArcLink({
    store,
    dataDir,
    host: flags.string("host", "127.0.0.1"),
    port,
    readyFile: flags.optString("ready-file"),
    topology: flags.optString("topology"),
    serviceTagsFile: flags.optString("service-tags"),
    throttling: throttlingOf(flags.optString("throttling")),
    dnsListeners: dnsSpecs(flags.optString("dns")),
    dnsWorkers: dnsWorkersOf(flags.optString("dns-workers")),
    heapGrowthPercent: heapGrowthOf(flags.optString("heap-growth")),
    log,
  }).catch(async (e: unknown) => {
    await store?.close();
    // Another server holds the data folder: say which, and exit non-zero without touching it.
    if (
      e instanceof DataFolderInUseError ||
      e instanceof StoreTooNewError ||
      e instanceof TopologyRefusedError
    )
      throw new CliError(e.message, EXIT.refused);
    throw userError(e, { database: store ? "the PostgreSQL store" : join(dataDir, "arclink.db") }) ?? e;
  });
  const i = running.info;
  // Stop cleanly from here on, also while the summary below is still being written.
  let stopping = false;
  const stop = async (sig: string) => {
    if (stopping) return;
    stopping = true;
    process.stderr.write(`\n${sig}: shutting down\n`);
    await running.close();
    process.exit(0);
  };
  process.on("SIGINT", () => void stop("SIGINT"));
  process.on("SIGTERM", () => void stop("SIGTERM"));
  const out = process.stdout;
  out.write(`ArcLink is running.\n\n`);
  out.write(
    `  Portal           ${String(i.portal ?? `${i.arm}/portal/`)}\n  ARM (HTTPS)      ${i.arm}\n  Authority host   ${i.authorityHost}\n  CA certificate   ${i.caCert}\n`,
  );
  out.write(`  Tenant           ${i.tenantId}\n  Subscription     ${i.subscriptionId}\n`);
  out.write(`  Client id        ${i.clientId}\n  Client secret    ${i.clientSecret}\n\n`);
  out.write(`Azure SDK for JS (run with NODE_EXTRA_CA_CERTS=${i.caCert}):\n`);
  out.write(
    `  const cred = new ClientSecretCredential("${i.tenantId}", "${i.clientId}", "<secret>", { authorityHost: "${i.arm}", disableInstanceDiscovery: true });\n`,
  );
  out.write(
    `  const client = new ResourceManagementClient(cred, "${i.subscriptionId}", { endpoint: "${i.arm}", credentialScopes: ["https://management.azure.com/.default"] });\n\n`,
  );
  out.write(`az CLI (export REQUESTS_CA_BUNDLE=${i.caCert}):\n`);
  out.write(
    `  az cloud register -n ArcLinkLocal --endpoint-resource-manager ${i.arm}/ --endpoint-active-directory ${i.arm}/adfs --endpoint-active-directory-resource-id https://management.core.windows.net/ --endpoint-active-directory-graph-resource-id https://graph.windows.net/\n`,
  );
  out.write(`  az cloud set -n ArcLinkLocal\n`);
  out.write(`  az login --service-principal -u ${i.clientId} -p <secret> --tenant ${i.tenantId}\n\n`);
  const dns = Object.entries(
    (i.dns ?? {}) as Record<string, { host: string; port: number; kind: string; address: string }>,
  );
  if (dns.length) {
    out.write(`DNS listeners (dig @HOST -p PORT NAME):\n`);
    for (const [id, d] of dns)
      out.write(`  ${id.padEnd(24)} ${d.kind.padEnd(17)} ${d.address.padEnd(15)} ${d.host}:${d.port}\n`);
    out.write("\n");
  }
  if (running.onboarded.length) {
    const s = running.services;
    const ctx = checkContextOf(s);
    out.write(`What each machine can reach (arclink check --all --trace explains every line):\n\n`);
    // The file's hosts (not every host the world has gained since, e.g. from `arclink fleet`).
    const hosts = [...s.network.model().hosts.values()].filter((h) => running.topologyHostKeys.has(h.key));
    hosts.sort((a, b) => a.name.localeCompare(b.name));
    if (hosts.length <= HOSTS_PRINTED_ONE_BY_ONE) {
      for (const h of hosts) out.write(renderHostCheck(checkHost(ctx, h), false) + "\n\n");
    } else {
      // Too many to read one by one: hosts whose endpoints have the same verdicts for the same
      // reasons are one group, printed once with its count, a few names and one host's table.
      // Checked as lint checks them: hosts with equal inputs share one evaluation.
      const { infos } = checkAll(
        { view: s.world, model: s.network.model(), now: ctx.now, propagationDelayMs: ctx.propagationDelayMs },
        { only: (h) => running.topologyHostKeys.has(h.key) },
      );
      const checks = new Map(infos.map((i) => [i.host.key, i.check]));
      const byId = new Map(hosts.map((h) => [h.id, h]));
      const same = new SameOutcomeGroups();
      for (const h of hosts) same.add(checks.get(h.key) ?? checkHost(ctx, h));
      const groups = same.groups();
      out.write(
        `${hosts.length} hosts in ${groups.length} groups of hosts with the same verdicts and reasons (arclink check --all prints every host):\n\n`,
      );
      for (const g of groups) {
        out.write(
          `${g.count} host${g.count === 1 ? "" : "s"} like ${g.first.host}: ${g.names.join(", ")}${g.count > g.names.length ? ", …" : ""}\n`,
        );
        // The group's first host checked on its own: a shared evaluation's texts name the host
        // that was evaluated (its machine, in the admission's message).
        const own = byId.get(g.first.hostId);
        out.write(renderHostCheck(own ? checkHost(ctx, own) : g.first, false) + "\n\n");
      }
    }
    const ok = running.onboarded.filter((o) => o.connected).length;
    out.write(
      `Onboarded ${ok} of ${running.onboarded.length} machines; the others are refused for the reasons above.\n\n`,
    );
  }
  if (store) out.write(`Store: PostgreSQL at ${redact(store.url)} (shared with every replica on it).\n`);
  out.write(`Ready file: ${i.dataDir}/ready.json. Stop with Ctrl+C.\n`);
}
