// The root causes of a host's refused (and undetermined) endpoints, ordered as the agent meets
// them: DNS → route → filter → admission. Each cause names the component that produced the bad
// answer — the proxy's resolver, the host's own DNS server choice, an on-premises forwarder, the
// private zone — and its fix; every refused row gets a fix. A row refused at the firewall on a
// public address, while the machine's scope has private endpoints, is a DNS problem first: that
// is what `check` leads with.
import { isTlsFailure } from "../core/networkFailure.js";
import { keyOf } from "../core/resourceId.js";
import { HostModel, isPublicAddress, NetworkModel } from "../network/model.js";
import { Resolver } from "../network/resolve.js";
import { Entry } from "../world/world.js";
import { EndpointCheck, HostCheck, throughProxy } from "./check.js";
import { forwarderLines } from "./onpremLines.js";

export type Stage = "dns" | "route" | "filter" | "admission" | "unknown";

export interface Cause {
  stage: Stage;
  /** The component that produced the bad answer, in words ("the host's DNS server choice (8.8.8.8)"). */
  component: string;
  code: string;
  message: string;
  fix: string;
  /** The endpoints it explains. */
  endpoints: string[];
}

const ORDER: Record<Stage, number> = { dns: 0, route: 1, filter: 2, admission: 3, unknown: 4 };
const ROUTE = new Set(["NoRoute", "Timeout"]);
const ARC = /\.(his\.arc|guestconfiguration)\.azure\.com$/i;

function scopeHasEndpoints(model: NetworkModel, scopeName: string | undefined, scopeId?: string): boolean {
  if (!scopeName && !scopeId) return false;
  for (const pe of model.privateEndpoints.values()) {
    const t = pe.targetId.toLowerCase();
    if (!t.includes("/providers/microsoft.hybridcompute/privatelinkscopes/")) continue;
    if (scopeId ? keyOf(scopeId) === t : t.endsWith(`/${String(scopeName).toLowerCase()}`)) return true;
  }
  return false;
}

/** Who gave the host a public answer for an Arc name, and how to fix it. */
function dnsCulprit(
  model: NetworkModel,
  resolver: Resolver,
  h: HostModel,
  row: EndpointCheck,
  machine?: Entry,
): { component: string; fix: string } {
  if (throughProxy(h, row.endpoint, machine))
    return {
      component: "the agent's proxy (it resolves the Arc names itself, publicly)",
      fix: `on ${h.name}: azcmagent config set proxy.bypass Arc (the host's own DNS then resolves the private endpoint)`,
    };
  const servers = resolver.serversOf(h);
  const first = servers[0];
  const modelled = [...model.dnsServers.values()].find((d) => d.ip === first);
  const good = [...model.dnsServers.values()].filter(
    (d) =>
      d.conditionalForwarders.some(
        (c) => ARC.test(`x.${c.domain}`) || /arc\.azure\.com$|guestconfiguration\.azure\.com$/.test(c.domain),
      ) &&
      (h.pos.kind !== "site" || d.pos.kind !== "site" || d.pos.site === h.pos.site),
  );
  if (!modelled || isPublicAddress(first ?? "")) {
    const to = good[0];
    return {
      component: `the host's DNS server choice (${servers.join(", ") || "none"})`,
      fix: to
        ? `point ${h.name} at ${to.name} (${to.ip}), which forwards the Arc zones: ${h.os === "Windows" ? `Set-DnsClientServerAddress -InterfaceAlias <nic> -ServerAddresses ${to.ip}` : `nameserver ${to.ip} in /etc/resolv.conf (or its netplan/NetworkManager source)`}`
        : `point ${h.name} at a DNS server that forwards his.arc.azure.com and guestconfiguration.azure.com to the DNS Private Resolver's inbound endpoint`,
    };
  }
  const forwards = modelled.conditionalForwarders.some((c) =>
    /(^|\.)(his\.arc|guestconfiguration)\.azure\.com$/.test(c.domain),
  );
  if (!forwards) {
    const inbound = [...model.inboundEndpoints.values()][0];
    const target = inbound?.ip ?? "<inbound endpoint address>";
    return {
      component: `DNS server ${modelled.name} (${modelled.ip}): no conditional forwarder for the Arc zones`,
      fix: `add conditional forwarders on ${modelled.name}:\n${forwarderLines(["his.arc.azure.com", "guestconfiguration.azure.com"], [target]).join("\n")}`,
    };
  }
  return {
    component: `the private DNS zones behind ${modelled.name}'s forwarder (they answer ${row.endpoint} publicly)`,
    fix: "link the privatelink zones to the resolver's VNet and give them the private endpoint's records (lint: zone-not-linked, zone-missing-records)",
  };
}

/** Every cause of the host's refused and undetermined rows, root cause first. */
export function diagnose(
  model: NetworkModel,
  resolver: Resolver,
  h: HostModel,
  check: HostCheck,
  machine?: Entry,
): Cause[] {
  const causes = new Map<string, Cause>();
  const add = (c: Omit<Cause, "endpoints">, endpoint: string) => {
    const k = `${c.stage}|${c.component}|${c.code}`;
    const had = causes.get(k);
    if (had) {
      if (!had.endpoints.includes(endpoint)) had.endpoints.push(endpoint);
    } else causes.set(k, { ...c, endpoints: [endpoint] });
  };
  const privateScope = scopeHasEndpoints(model, check.scope);
  for (const e of check.endpoints) {
    if (e.verdict === "undetermined") {
      add(
        {
          stage: "unknown",
          component: "the input",
          code: e.reason ?? "Undetermined",
          message: e.missing?.fact ?? e.message,
          fix: `collect it: ${e.missing?.collect.join("  |  ") ?? ""}`,
        },
        e.endpoint,
      );
      continue;
    }
    if (e.verdict !== "refused") continue;
    const reason = e.reason ?? "";
    if (reason.startsWith("Dns")) {
      add(
        {
          stage: "dns",
          component: `DNS as ${h.name} asks it (${resolver.serversOf(h).join(", ") || "no server"})`,
          code: reason,
          message: e.message,
          fix: "follow the DNS trace to the server that fails (lint: forwarder-no-path, zone-missing-records, missing-regional-records)",
        },
        e.endpoint,
      );
      continue;
    }
    // Refused on a public address although the machine's scope has private endpoints: the name
    // should not have resolved publicly. That is the cause to fix first.
    if (ARC.test(e.endpoint) && e.address && isPublicAddress(e.address) && privateScope) {
      const c = dnsCulprit(model, resolver, h, e, machine);
      add(
        {
          stage: "dns",
          component: c.component,
          code: "ArcNameResolvedPublicly",
          message: `${e.endpoint} resolved to the public address ${e.address}, but scope ${check.scope} serves it on a private endpoint${reason ? ` (then refused: ${reason})` : ""}.`,
          fix: c.fix,
        },
        e.endpoint,
      );
      continue;
    }
    if (ROUTE.has(reason) || reason === "NotListening")
      add(
        {
          stage: "route",
          component: "the network path",
          code: reason,
          message: e.message,
          fix:
            e.fix ??
            "add the missing route (a site connection, or a peering) or fix the forced tunnel (see the trace)",
        },
        e.endpoint,
      );
    else if (reason === "Blocked" || reason === "ProxyFailed" || isTlsFailure(reason))
      add(
        {
          stage: "filter",
          component:
            /firewall (\S+)/.exec(e.message)?.[0] ?? (reason === "ProxyFailed" ? "the proxy" : "a filter"),
          code: reason,
          message: e.message,
          fix:
            e.fix ??
            (reason === "Blocked" || reason === "ProxyFailed"
              ? `allow TCP 443 to ${e.address ?? e.endpoint} in ${/firewall (\S+)/.exec(e.message)?.[0] ?? "the firewall"} (by service tag: ${/guestconfiguration/.test(e.endpoint) ? "GuestAndHybridManagement" : /login|pas\.windows/.test(e.endpoint) ? "AzureActiveDirectory" : /management\.azure/.test(e.endpoint) ? "AzureResourceManager" : "AzureArcInfrastructure"}; or the private endpoint's subnet for private addresses)`
              : "see the trace"),
        },
        e.endpoint,
      );
    else
      for (const r of e.reasons ?? [{ code: reason, message: e.message, fix: e.fix }])
        add(
          {
            stage: "admission",
            component: "Arc admission",
            code: r.code,
            message: r.message,
            fix: r.fix ?? "see the trace",
          },
          e.endpoint,
        );
  }
  return [...causes.values()].sort((a, b) => ORDER[a.stage] - ORDER[b.stage]);
}

/** check() with its causes: root cause first, and a fix on every refused row (the cause's, when the row has none). */
export function withCauses(
  model: NetworkModel,
  resolver: Resolver,
  h: HostModel,
  check: HostCheck,
  machine?: Entry,
): HostCheck {
  const causes = diagnose(model, resolver, h, check, machine);
  // Each endpoint's root-most cause (causes are sorted): a DNS cause's fix replaces the row's own
  // (which fixes a symptom); otherwise the row keeps its fix, or gets the cause's.
  const first = new Map<string, Cause>();
  for (const c of causes) for (const e of c.endpoints) if (!first.has(e)) first.set(e, c);
  return {
    ...check,
    causes,
    endpoints: check.endpoints.map((e) => {
      const c = first.get(e.endpoint);
      if (!c || (e.verdict !== "refused" && e.verdict !== "undetermined")) return e;
      return { ...e, fix: c.stage === "dns" || !e.fix ? c.fix : e.fix };
    }),
  };
}
