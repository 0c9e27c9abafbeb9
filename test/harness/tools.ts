// The system tools the tests drive, where Debian installs them, and the package for each.
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";

export interface Tool {
  what: string;
  path: string;
  pkg: string;
}

export const TOOLS: Tool[] = [
  { what: "the az CLI", path: process.env.ARCLINK_AZ ?? "/usr/bin/az", pkg: "azure-cli" },
  { what: "dig", path: "/usr/bin/dig", pkg: "dnsutils" },
  { what: "BIND", path: "/usr/sbin/named", pkg: "bind9" },
  { what: "Unbound", path: "/usr/sbin/unbound", pkg: "unbound" },
  { what: "Chromium", path: "/usr/bin/chromium", pkg: "chromium" },
  { what: "ss (which process holds a socket)", path: "/usr/bin/ss", pkg: "iproute2" },
  {
    what: "the Azure SDK for Python",
    path: "/usr/lib/python3/dist-packages/azure/mgmt",
    pkg: "python3-azure",
  },
];

/** The newest installed PostgreSQL server's bin folder (Debian: /usr/lib/postgresql/N/bin). */
export function postgresBin(): string | undefined {
  const root = "/usr/lib/postgresql";
  if (!existsSync(root)) return undefined;
  const versions = readdirSync(root)
    .filter((v) => existsSync(join(root, v, "bin", "initdb")))
    .sort((a, b) => Number(b) - Number(a));
  return versions.length > 0 ? join(root, versions[0]!, "bin") : undefined;
}

/** Every tool that is not installed; the PostgreSQL server only when a throwaway cluster is needed. */
export function missingTools(opts: { postgresServer: boolean }): Tool[] {
  const missing = TOOLS.filter((t) => !existsSync(t.path));
  if (opts.postgresServer && !postgresBin()) {
    missing.push({
      what: "the PostgreSQL server (initdb, pg_ctl)",
      path: "/usr/lib/postgresql/*/bin",
      pkg: "postgresql",
    });
  }
  return missing;
}
