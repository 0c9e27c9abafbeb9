// A topology file for lint's tests: the reference estate with `servers` more on-premises servers
// and their machines. Most share an evaluation; one in ten asks 8.8.8.8 instead of the domain's DNS.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { ROOT } from "./server.js";

export function referenceEstateWith(servers: number): string {
  const ref = readFileSync(join(ROOT, "examples/reference.yaml"), "utf8");
  const hosts: string[] = [];
  const machines: string[] = [];
  for (let i = 0; i < servers; i++) {
    const name = `srv-${String(i).padStart(3, "0")}`;
    hosts.push(
      `  - { name: ${name}, site: onprem, ipAddress: 192.168.7.${i + 10}, os: Linux, dnsServers: [${i % 10 === 7 ? "8.8.8.8" : "dc01"}] }`,
    );
    machines.push(`  - { name: ${name}, location: eastus, privateLinkScope: pls-arc }`);
  }
  return ref
    .replace(/\nhosts:\n/, `\nhosts:\n${hosts.join("\n")}\n`)
    .replace(/\nmachines:\n/, `\nmachines:\n${machines.join("\n")}\n`);
}
