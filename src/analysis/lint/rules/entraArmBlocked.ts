// Entra ID and Azure Resource Manager never cross the scope's private endpoint: the agent reaches
// them on their public addresses, so the firewall (or, with forced tunnelling, the VNet's NSG) must
// allow them.
import { EndpointCheck } from "../../check.js";
import { groupBy, listNames } from "../context.js";
import { Finding, FixStep, Rule } from "../types.js";
import { finding, firewallAllowStep, hostsAnchor, onprem, put, withRows } from "./util.js";

const NAMES = ["login.microsoftonline.com", "login.windows.net", "management.azure.com", "pas.windows.net"];

export const entraArmBlocked: Rule = {
  id: "entra-arm-blocked",
  severity: "error",
  title: "Microsoft Entra ID or Azure Resource Manager not reachable",
  why: "Network traffic to Microsoft Entra ID and Azure Resource Manager does not traverse the Azure Arc Private Link Scope: configure your firewall (or the NSG, when internet traffic is tunnelled through Azure) to allow outbound TCP 443 to the AzureActiveDirectory and AzureResourceManager service tags.",
  fix: "Allow outbound TCP 443 to the service tags AzureActiveDirectory and AzureResourceManager (rules AllowAADOutboundAccess priority 150 and AllowAzOutboundAccess priority 151 on an NSG), and resolve these names publicly.",
  run(ctx) {
    const out: Finding[] = [];
    // The first refused Entra ID / ARM row of each evaluation, then the hosts that share it.
    const rows = ctx.evalValues("entra-arm-refused", (h) =>
      h.check.endpoints.find((row) => NAMES.includes(row.endpoint) && row.verdict === "refused"),
    );
    const hits = withRows(ctx, rows);
    const keys = new Map<EndpointCheck, string>();
    const keyOfRow = (row: EndpointCheck): string => {
      let k = keys.get(row);
      if (k === undefined) keys.set(row, (k = `${row.reason}|${row.endpoint}|${row.message.split(":")[0]}`));
      return k;
    };
    for (const list of groupBy(hits, (x) => keyOfRow(x.row)).values()) {
      const { h, row } = list[0];
      const blocker = row.message.split(":")[0];
      const fixPlan: FixStep[] = [];
      const fwName = /^firewall (\S+)/.exec(blocker)?.[1];
      const nsgName = /^NSG (\S+)/.exec(blocker)?.[1];
      const tag = row.endpoint === "management.azure.com" ? "AzureResourceManager" : "AzureActiveDirectory";
      if (fwName) {
        const site = [...ctx.model.sites.values()].find((s) => s.firewall?.name === fwName);
        const prio = /\(priority (\d+)\)/.exec(blocker)?.[1];
        const step = site?.firewall
          ? firewallAllowStep(
              ctx,
              site.firewall.id,
              [
                { name: "AllowEntraIdOutbound", destinations: ["AzureActiveDirectory"] },
                { name: "AllowArmOutbound", destinations: ["AzureResourceManager"] },
              ],
              `let ${fwName} pass TCP 443 to Entra ID and ARM`,
              prio !== undefined ? Number(prio) : undefined,
            )
          : undefined;
        if (step) fixPlan.push(step);
      } else if (nsgName) {
        const nsg = [...ctx.model.nsgs.values()].find((n) => n.name === nsgName);
        if (nsg) {
          fixPlan.push(
            put(
              `${nsg.id}/securityRules/AllowAADOutboundAccess`,
              {
                properties: {
                  priority: 150,
                  direction: "Outbound",
                  access: "Allow",
                  protocol: "Tcp",
                  sourceAddressPrefix: "VirtualNetwork",
                  sourcePortRange: "*",
                  destinationAddressPrefix: "AzureActiveDirectory",
                  destinationPortRange: "443",
                },
              },
              "the seed's Entra ID rule",
            ),
            put(
              `${nsg.id}/securityRules/AllowAzOutboundAccess`,
              {
                properties: {
                  priority: 151,
                  direction: "Outbound",
                  access: "Allow",
                  protocol: "Tcp",
                  sourceAddressPrefix: "VirtualNetwork",
                  sourcePortRange: "*",
                  destinationAddressPrefix: "AzureResourceManager",
                  destinationPortRange: "443",
                },
              },
              "the seed's Azure Resource Manager rule",
            ),
          );
        }
      } else if (row.reason === "ServiceNotServedByPrivateEndpoint") {
        fixPlan.push(
          onprem(
            h.host.name,
            `remove ${row.endpoint} from the hosts file / on-premises zones that map it to the private endpoint ${row.address}`,
            "Entra ID and ARM never cross the scope's endpoint",
          ),
        );
      } else {
        fixPlan.push(
          onprem(
            h.host.name,
            `let ${row.endpoint} resolve publicly and allow TCP 443 to service tag ${tag}`,
            row.message,
          ),
        );
      }
      out.push(
        finding(this, {
          message: `${list.length} host(s) (${listNames(list.map((x) => x.h.host.name))}) cannot use ${row.endpoint}: ${row.reason} — ${row.message}.`,
          resources: [
            ...(fwName
              ? [[...ctx.model.sites.values()].find((s) => s.firewall?.name === fwName)?.firewall?.id ?? ""]
              : []),
            ...(nsgName ? [[...ctx.model.nsgs.values()].find((n) => n.name === nsgName)?.id ?? ""] : []),
            ...list.slice(0, 20).map((x) => x.h.host.id),
          ],
          // The blocking filter (or, without one, the place the hosts share), the name and how it fails.
          keyResource:
            (fwName
              ? [...ctx.model.sites.values()].find((s) => s.firewall?.name === fwName)?.firewall?.id
              : undefined) ??
            (nsgName ? [...ctx.model.nsgs.values()].find((n) => n.name === nsgName)?.id : undefined) ??
            hostsAnchor(list.map((x) => x.h)),
          keyEndpoint: `${row.endpoint}: ${row.reason ?? ""}: ${blocker}`,
          machines: ctx.affectedAll(list.map((x) => x.h)),
          host: h.host.name,
          endpoint: row.endpoint,
          ...(row.reason ? { reason: row.reason } : {}),
          trace: row.trace,
          fixPlan,
        }),
      );
    }
    return out;
  },
};
