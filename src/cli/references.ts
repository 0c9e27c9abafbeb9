// References on the command line by name: `--private-link-scope pls-arc` instead of the full
// resource id, when the running ArcLink has exactly one resource of that type with that name.
// An unknown or ambiguous name is an input error listing the candidates.
import { ArmClient } from "./client.js";
import { CliError, EXIT } from "./flags.js";

export interface ReferenceKind {
  /** The flag that names it, for the message (--private-link-scope). */
  flag: string;
  /** What it is, in Azure's words (Azure Arc Private Link Scope). */
  noun: string;
  /** The subscription-level list: /providers/Microsoft.HybridCompute/privateLinkScopes. */
  listPath: string;
  apiVersion: string;
}

export const PRIVATE_LINK_SCOPE: ReferenceKind = {
  flag: "--private-link-scope",
  noun: "Azure Arc Private Link Scope",
  listPath: "/providers/Microsoft.HybridCompute/privateLinkScopes",
  apiVersion: "2024-07-10",
};

/** A resource id as given, or the id of the one resource of `kind` named `ref` in the subscription. */
export async function resolveReference(
  client: ArmClient,
  kind: ReferenceKind,
  ref: string,
  subscriptionId: string,
): Promise<string> {
  if (ref.startsWith("/")) return ref;
  const ids: string[] = [];
  for (let page: string | undefined = `/subscriptions/${subscriptionId}${kind.listPath}`; page;) {
    const r = await client.call("GET", page, undefined, kind.apiVersion);
    ids.push(...(r.value as any[]).map((x) => String(x.id)));
    page = r.nextLink ? new URL(r.nextLink).pathname + new URL(r.nextLink).search : undefined;
  }
  const nameOf = (id: string) => id.split("/").pop()!;
  const matches = ids.filter((id) => nameOf(id).toLowerCase() === ref.toLowerCase());
  if (matches.length === 1) return matches[0];
  if (matches.length > 1)
    throw new CliError(
      `${kind.flag}: ${matches.length} ${kind.noun}s are named '${ref}' in subscription ${subscriptionId}; give the id of one: ${matches.join(", ")}.`,
      EXIT.input,
    );
  throw new CliError(
    `${kind.flag}: no ${kind.noun} named '${ref}' in subscription ${subscriptionId}. ` +
      (ids.length ? `There are: ${ids.map(nameOf).join(", ")}.` : `There are none: create one first.`),
    EXIT.input,
  );
}
