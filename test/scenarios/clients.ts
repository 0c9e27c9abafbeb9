// Builds the official Azure SDK clients against the ArcLink described by ARCLINK_READY,
// exactly as a user would: ClientSecretCredential with authorityHost and no instance discovery.
import { ClientSecretCredential } from "@azure/identity";
import { ResourceManagementClient } from "@azure/arm-resources";
import { NetworkManagementClient } from "@azure/arm-network";
import { PrivateDnsManagementClient } from "@azure/arm-privatedns";
import { HybridComputeManagementClient } from "@azure/arm-hybridcompute";

export interface Ready {
  arm: string;
  authorityHost: string;
  tenantId: string;
  subscriptionId: string;
  clientId: string;
  clientSecret: string;
  caCert: string;
  [k: string]: any;
}

export function ready(): Ready {
  const text = process.env.ARCLINK_READY;
  if (!text) throw new Error("ARCLINK_READY is not set: run this scenario through test/helpers/sdk.ts");
  return JSON.parse(text) as Ready;
}

export function clients(i: Ready = ready()) {
  const credential = new ClientSecretCredential(i.tenantId, i.clientId, i.clientSecret, {
    authorityHost: i.authorityHost,
    disableInstanceDiscovery: true,
  });
  const scopes = ["https://management.azure.com/.default"];
  return {
    info: i,
    credential,
    resources: new ResourceManagementClient(credential, i.subscriptionId, {
      endpoint: i.arm,
      credentialScopes: scopes,
    }),
    network: new NetworkManagementClient(credential, i.subscriptionId, {
      endpoint: i.arm,
      credentialScopes: scopes,
    }),
    privateDns: new PrivateDnsManagementClient(credential, i.subscriptionId, {
      endpoint: i.arm,
      credentialScopes: scopes,
    }),
    hybridCompute: new HybridComputeManagementClient(credential, i.subscriptionId, {
      endpoint: i.arm,
      credentialScopes: scopes,
    }),
  };
}

/** Runs a scenario body; prints its JSON result as the last line; exits 1 with the error otherwise. */
export function scenario(body: () => Promise<unknown>): void {
  body().then(
    (r) => {
      process.stdout.write(JSON.stringify(r ?? { ok: true }) + "\n");
      process.exit(0);
    },
    (e) => {
      process.stderr.write(`${e?.stack ?? e}\n${e?.response?.bodyAsText ?? ""}\n`);
      process.exit(1);
    },
  );
}
