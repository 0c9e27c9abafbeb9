#!/usr/bin/env node
// azcmagent: the Azure Connected Machine agent as ArcLink models it. A separate process that runs
// as one simulated host ($ARCLINK_HOST_CREDENTIAL) and talks to ArcLink only over the wire: real
// DNS queries to its DNS servers' loopback listeners and HTTPS through the gateway.
import { main } from "./main.js";

const write = (stream: NodeJS.WriteStream) => (text: string) =>
  stream.write(text.endsWith("\n") ? text : text + "\n");

main(process.argv.slice(2), process.env, { out: write(process.stdout), err: write(process.stderr) }).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`azcmagent: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exitCode = 2;
  },
);
