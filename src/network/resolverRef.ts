// Resolver references as users write them: "public", "azure:<vnet>", or the name (or id) of an
// inbound endpoint or DNS server. Also the list of every resolver the model has.
import { keyOf } from "../core/resourceId.js";
import { NetworkModel } from "./model.js";
import { ResolverRef, resolverName } from "./resolve.js";

export type ResolverKind = "public" | "azure-provided" | "inbound-endpoint" | "forwarder" | "on-premises";

export interface NamedResolver {
  /** Stable id used in the ready file and on the command line. */
  id: string;
  kind: ResolverKind;
  ref: ResolverRef;
  /** Simulated address it answers at. */
  address: string;
  description: string;
}

export function allResolvers(m: NetworkModel): NamedResolver[] {
  const out: NamedResolver[] = [
    { id: "public", kind: "public", ref: { kind: "public" }, address: "8.8.8.8", description: "public DNS" },
  ];
  for (const v of m.vnets.values()) {
    const ref: ResolverRef = { kind: "azure", vnet: v.key };
    out.push({
      id: `azure:${v.name}`,
      kind: "azure-provided",
      ref,
      address: "168.63.129.16",
      description: resolverName(m, ref),
    });
  }
  for (const ie of m.inboundEndpoints.values()) {
    const ref: ResolverRef = { kind: "inbound", key: ie.key };
    out.push({
      id: ie.name,
      kind: "inbound-endpoint",
      ref,
      address: ie.ip,
      description: resolverName(m, ref),
    });
  }
  for (const d of m.dnsServers.values()) {
    const ref: ResolverRef = { kind: "server", key: d.key };
    out.push({
      id: d.name,
      kind: d.pos.kind === "vnet" ? "forwarder" : "on-premises",
      ref,
      address: d.ip,
      description: resolverName(m, ref),
    });
  }
  return out;
}

export function findResolver(m: NetworkModel, spec: string): NamedResolver | undefined {
  const s = spec.toLowerCase();
  const all = allResolvers(m);
  return (
    all.find((r) => r.id.toLowerCase() === s) ??
    all.find(
      (r) => r.ref.kind !== "public" && r.ref.kind !== "azure" && "key" in r.ref && r.ref.key === keyOf(spec),
    ) ??
    all.find(
      (r) =>
        r.kind === "azure-provided" &&
        "vnet" in r.ref &&
        (r.ref as any).vnet === keyOf(spec.replace(/^azure:/i, "")),
    )
  );
}
