// A topology file for tests: the reference estate with `servers` more on-premises servers and their
// machines. By default most share an evaluation: one in ten asks 8.8.8.8 instead of the domain's DNS,
// addresses from 192.168.7.10 on, every machine associated with pls-arc.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { ROOT } from "./server.js";

export interface EstateShape {
  /** The i-th server's address. */
  address?: (i: number) => string;
  /** The i-th server's DNS server. */
  dnsServer?: (i: number) => string;
  /** Whether the i-th machine names the scope. */
  associated?: (i: number) => boolean;
}

export function referenceEstateWith(servers: number, shape: EstateShape = {}): string {
  const address = shape.address ?? ((i) => `192.168.7.${i + 10}`);
  const dnsServer = shape.dnsServer ?? ((i) => (i % 10 === 7 ? "8.8.8.8" : "dc01"));
  const associated = shape.associated ?? (() => true);
  const ref = readFileSync(join(ROOT, "examples/reference.yaml"), "utf8");
  const hosts: string[] = [];
  const machines: string[] = [];
  for (let i = 0; i < servers; i++) {
    const name = `srv-${String(i).padStart(3, "0")}`;
    hosts.push(
      `  - { name: ${name}, site: onprem, ipAddress: ${address(i)}, os: Linux, dnsServers: [${dnsServer(i)}] }`,
    );
    machines.push(
      associated(i)
        ? `  - { name: ${name}, location: eastus, privateLinkScope: pls-arc }`
        : `  - { name: ${name}, location: eastus }`,
    );
  }
  return ref
    .replace(/\nhosts:\n/, `\nhosts:\n${hosts.join("\n")}\n`)
    .replace(/\nmachines:\n/, `\nmachines:\n${machines.join("\n")}\n`);
}
