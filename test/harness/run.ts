// `npm test`'s runner: checks that the system tools the tests drive are installed (one line naming
// the Debian package for each missing one), starts a throwaway PostgreSQL cluster when
// ARCLINK_TEST_POSTGRES_URL is not set, runs every compiled test file with node's test runner,
// and stops and removes the cluster at the end, whatever the outcome.
import { spawn } from "node:child_process";
import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { POSTGRES_ENV } from "../helpers/postgres.js";
import { missingTools } from "./tools.js";
import { startThrowawayPostgres, type ThrowawayPostgres } from "./throwawayPostgres.js";

function testFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...testFiles(p));
    else if (name.endsWith(".test.js")) out.push(p);
  }
  return out.sort();
}

async function main(): Promise<number> {
  const needPostgres = !process.env[POSTGRES_ENV];
  const missing = missingTools({ postgresServer: needPostgres });
  if (missing.length > 0) {
    for (const m of missing) console.error(`missing: ${m.what} (${m.path}): apt-get install ${m.pkg}`);
    console.error(
      `The tests drive these real tools. 'bash .ci/run' installs them all (as root), then runs npm test.`,
    );
    return 2;
  }
  let pg: ThrowawayPostgres | undefined;
  if (needPostgres) {
    pg = await startThrowawayPostgres();
    process.env[POSTGRES_ENV] = pg.url;
    console.log(`PostgreSQL: a throwaway cluster on 127.0.0.1:${pg.port} (${POSTGRES_ENV} was not set)`);
  }
  const stop = () => pg?.stop();
  process.on("SIGINT", () => {
    stop();
    process.exit(130);
  });
  process.on("SIGTERM", () => {
    stop();
    process.exit(143);
  });
  try {
    // Arguments that name test files run those alone; any other argument goes to node's runner.
    const args = process.argv.slice(2);
    const named = args.filter((a) => a.endsWith(".test.js"));
    const extra = args.filter((a) => !a.endsWith(".test.js"));
    const files = named.length > 0 ? named : testFiles(join("dist", "test"));
    // A server a test starts stops with that test's process, even when the run is killed outright.
    const child = spawn(process.execPath, ["--test", "--test-concurrency=2", ...extra, ...files], {
      stdio: "inherit",
      env: { ...process.env, ARCLINK_EXIT_WITH_PARENT: "1" },
    });
    return await new Promise<number>((resolve) => {
      child.on("exit", (code, signal) => resolve(code ?? (signal ? 1 : 0)));
    });
  } finally {
    stop();
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(`npm test could not start: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(2);
  },
);
