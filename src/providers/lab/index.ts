// ArcLink.Lab: the on-premises and lab things Azure has no type for (sites, hosts, DNS servers,
// site connections, firewalls, proxies) and what Azure knows from agents that are not running
// (agent reports), served through the same ARM API and store.
import { ProviderNamespace } from "../registry.js";
import { LAB_NAMESPACE } from "./common.js";
import { agentReports } from "./agentReports.js";
import { dnsServers } from "./dnsServers.js";
import { firewalls } from "./firewalls.js";
import { hosts } from "./hosts.js";
import { proxies } from "./proxies.js";
import { siteConnections } from "./siteConnections.js";
import { sites } from "./sites.js";

export const labNamespace: ProviderNamespace = {
  namespace: LAB_NAMESPACE,
  types: [sites, hosts, dnsServers, siteConnections, firewalls, proxies, agentReports],
  locations: ["global"],
};
