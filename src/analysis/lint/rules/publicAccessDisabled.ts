// A scope whose public network access is Disabled while some of its machines resolve the Arc
// names to public addresses: admission refuses them (PublicNetworkAccessDisabled), so they go
// Disconnected.
import { groupBy, listNames } from "../context.js";
import { Finding, Rule } from "../types.js";
import { throughProxy } from "../../check.js";
import { bypassArcModel, finding, onprem, patch, refusedHosts } from "./util.js";

export const publicAccessDisabled: Rule = {
  id: "public-access-disabled",
  severity: "error",
  title: "Public network access Disabled while machines resolve public addresses",
  why: "A scope can require every associated machine to use the private endpoint (public network access Disabled); a machine whose DNS gives it Arc's public addresses is then refused and goes Disconnected.",
  fix: "Fix the machines' DNS so the Arc names resolve to the private endpoint (see arc-dns-public), or allow public network access on the scope.",
  run(ctx) {
    const out: Finding[] = [];
    const hits = refusedHosts(ctx, ["PublicNetworkAccessDisabled"]).filter((x) => x.h.scope);
    const proxied = (x: (typeof hits)[number]) => throughProxy(x.h.host, x.row.endpoint, x.h.machine);
    for (const list of groupBy(hits, (x) => `${x.h.scope!.key}|${proxied(x)}`).values()) {
      const scope = list[0].h.scope!;
      // Through a proxy, the proxy resolved the name publicly: the component to fix is the agent's
      // proxy bypass, not the machines' DNS.
      if (proxied(list[0])) {
        out.push(
          finding(this, {
            message: `Scope ${scope.body.name} has public network access Disabled, but ${list.length} of its machine(s) (${listNames(list.map((x) => x.h.machine?.body.name ?? x.h.host.name))}) send their Arc calls through a proxy, which resolves the Arc names publicly: refused (${list[0].row.endpoint} → ${list[0].row.address}).`,
            resources: [scope.id, ...list.slice(0, 20).map((x) => x.h.machine?.id ?? x.h.host.id)],
            keyEndpoint: "through-proxy",
            machines: ctx.affectedAll(list.map((x) => x.h)),
            host: list[0].h.host.name,
            endpoint: list[0].row.endpoint,
            reason: "PublicNetworkAccessDisabled",
            trace: list[0].row.trace,
            fix: "Set the agent's proxy bypass for the Arc services on these machines (azcmagent config set proxy.bypass Arc), so their own DNS (which resolves the private endpoint) is used; see proxy-without-bypass.",
            fixPlan: list.map((x) =>
              onprem(
                x.h.host.name,
                "azcmagent config set proxy.bypass Arc",
                "the proxy resolves the Arc names publicly; the host's DNS resolves the private endpoint",
                bypassArcModel(x.h),
              ),
            ),
          }),
        );
        continue;
      }
      out.push(
        finding(this, {
          message: `Scope ${scope.body.name} has public network access Disabled, but ${list.length} of its machine(s) (${listNames(list.map((x) => x.h.machine?.body.name ?? x.h.host.name))}) reach the Arc services on public addresses and are refused (${list[0].row.endpoint} → ${list[0].row.address}).`,
          resources: [scope.id, ...list.slice(0, 20).map((x) => x.h.machine?.id ?? x.h.host.id)],
          keyEndpoint: null,
          machines: ctx.affectedAll(list.map((x) => x.h)),
          host: list[0].h.host.name,
          endpoint: list[0].row.endpoint,
          reason: "PublicNetworkAccessDisabled",
          trace: list[0].row.trace,
          fixPlan: [
            patch(
              scope.id,
              { properties: { publicNetworkAccess: "Enabled" } },
              "only if private DNS cannot be fixed now: accept the machines on the public endpoints too",
            ),
          ],
        }),
      );
    }
    return out;
  },
};
