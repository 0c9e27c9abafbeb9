// The on-premises facts file's schema (lint --onprem): the topology file's on-premises sections,
// and the keys that point at the servers' own files instead of restating them (onprem.ts reads
// those files into the entries, then the whole is checked as a topology). Published as a JSON
// Schema by `arclink schema onprem`.
import {
  DNS_SERVER,
  FIREWALL,
  HOST,
  list,
  map,
  NOT_EMPTY,
  obj,
  PROXY,
  RESOURCE_GROUP,
  SITE,
  SITE_CONNECTION,
  str,
} from "../../topology/schema.js";

/** A path to one of the server's own files, relative to the on-premises facts file. */
const FILE = str({
  invalid: NOT_EMPTY,
  check: (s) => (s.length > 0 ? undefined : NOT_EMPTY),
  description: "a file path, relative to this file",
  pattern: "^.",
});

/** Where a DNS server's zones and forwarders come from, when its own files say them. */
export const DNS_SERVER_FILES = {
  bind: str({ ...FILE, description: "named.conf of a BIND server (zones, forwarders, recursion)" }),
  unbound: str({ ...FILE, description: "unbound.conf of an Unbound server (zones, forwarders)" }),
  windowsDns: obj(
    {
      zones: str({ ...FILE, description: "Get-DnsServerZone | ConvertTo-Json" }),
      forwarders: str({ ...FILE, description: "Get-DnsServerForwarder | ConvertTo-Json" }),
      records: map(FILE, "zone name: its Get-DnsServerResourceRecord | ConvertTo-Json file"),
    },
    [],
    "a Windows DNS server's exports (PowerShell, as JSON)",
  ),
};

/** Where a host's facts come from, when its own files say them. */
export const HOST_FILES = {
  hostsFilePath: str({ ...FILE, description: "the host's hosts file (instead of hostsFile)" }),
  agentShow: str({ ...FILE, description: "azcmagent show -j, run on the host" }),
  agentCheck: str({ ...FILE, description: "azcmagent check -j, run on the host" }),
};

export const ONPREM_SCHEMA = obj({
  description: str(),
  resourceGroups: list(RESOURCE_GROUP, {
    description: "resource groups for the on-premises resources (default: the export's, else 'onprem')",
  }),
  sites: list(SITE),
  siteConnections: list(SITE_CONNECTION),
  dnsServers: list(
    obj(
      {
        ...DNS_SERVER.properties,
        ...DNS_SERVER_FILES,
      },
      DNS_SERVER.required,
    ),
  ),
  hosts: list(obj({ ...HOST.properties, ...HOST_FILES }, HOST.required)),
  firewalls: list(FIREWALL),
  proxies: list(PROXY),
});

/** The sections of resources the on-premises file declares (the others come from the export). */
export const ONPREM_SECTIONS = Object.keys(ONPREM_SCHEMA.properties).filter(
  (k) => k !== "description" && k !== "resourceGroups",
);
