// `arclink serve`: start ArcLink and say how to connect to it.
import { startArcLink } from "../server/app.js";
import { CliError, Flags } from "./flags.js";

export async function serve(flags: Flags): Promise<void> {
  const port = flags.int("port", 0);
  if (port < 0 || port > 65535) throw new CliError(`--port must be between 0 and 65535, got ${port}.`, 2);
  const running = await startArcLink({
    dataDir: flags.string("data", "./.arclink"),
    host: flags.string("host", "127.0.0.1"),
    port,
    readyFile: flags.optString("ready-file"),
    log: (l) => process.stderr.write(l + "\n"),
  });
  const i = running.info;
  const out = process.stdout;
  out.write(`ArcLink is running.\n\n`);
  out.write(
    `  ARM (HTTPS)      ${i.arm}\n  Authority host   ${i.authorityHost}\n  CA certificate   ${i.caCert}\n`,
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
}
