// On-premises changes as the lines an operator types on the server named: a conditional forwarder
// for BIND (named.conf), Unbound (unbound.conf) and Windows DNS Server (PowerShell), hosts-file
// lines, and a firewall rule by service tag.

/** A conditional forwarder for each domain, for BIND, Unbound and Windows DNS Server. */
export function forwarderLines(domains: string[], targets: string[]): string[] {
  const t = targets.join("; ");
  return [
    "  BIND (named.conf):",
    ...domains.map((d) => `    zone "${d}" { type forward; forward only; forwarders { ${t}; }; };`),
    "  Unbound (unbound.conf):",
    ...domains.flatMap((d) => [
      `    forward-zone:`,
      `      name: "${d}."`,
      ...targets.map((x) => `      forward-addr: ${x}`),
    ]),
    "  Windows DNS Server (PowerShell):",
    ...domains.map(
      (d) =>
        `    Add-DnsServerConditionalForwarderZone -Name "${d}" -MasterServers ${targets.join(",")} -ReplicationScope Forest`,
    ),
  ];
}

/** Hosts-file lines (the same on Linux /etc/hosts and Windows ...\drivers\etc\hosts). */
export function hostsFileLines(entries: Array<{ fqdn: string; address: string }>): string[] {
  return entries.map((e) => `${e.address} ${e.fqdn}`);
}

/** A firewall rule allowing TCP 443 to a service tag, as a generic rule line. */
export function firewallRuleLine(firewall: string, serviceTag: string): string {
  return `${firewall}: allow TCP 443 from the site to service tag ${serviceTag}`;
}
