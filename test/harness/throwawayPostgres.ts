// A PostgreSQL cluster that lives only for one test run: initdb in a temporary folder, pg_ctl start
// on a free loopback port, a password for the postgres role, and stop + remove at the end. As root
// (initdb refuses root) it runs the server as the postgres user that Debian's package creates.
import { execFileSync } from "node:child_process";
import { chownSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir, userInfo } from "node:os";
import { join } from "node:path";
import { postgresBin } from "./tools.js";

export interface ThrowawayPostgres {
  url: string;
  port: number;
  stop(): void;
}

const PASSWORD = "arclink-test";

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

/** Debian's postgres user when running as root, else undefined (run as ourselves). */
function serverUser(): { uid: number; gid: number } | undefined {
  if (userInfo().uid !== 0) return undefined;
  try {
    const uid = Number(execFileSync("id", ["-u", "postgres"], { encoding: "utf8" }).trim());
    const gid = Number(execFileSync("id", ["-g", "postgres"], { encoding: "utf8" }).trim());
    return { uid, gid };
  } catch {
    throw new Error(
      "running as root, and there is no 'postgres' user to run a throwaway PostgreSQL as " +
        "(apt-get install postgresql creates it), or set ARCLINK_TEST_POSTGRES_URL to a server you run",
    );
  }
}

export async function startThrowawayPostgres(): Promise<ThrowawayPostgres> {
  const bin = postgresBin();
  if (!bin) throw new Error("no PostgreSQL server is installed: apt-get install postgresql");
  const user = serverUser();
  const dir = mkdtempSync(join(tmpdir(), "arclink-pg-"));
  const data = join(dir, "data");
  const pwfile = join(dir, "pw");
  writeFileSync(pwfile, PASSWORD + "\n");
  if (user) {
    chownSync(dir, user.uid, user.gid);
    chownSync(pwfile, user.uid, user.gid);
  }
  const run = (cmd: string, args: string[]) =>
    execFileSync(join(bin, cmd), args, {
      stdio: ["ignore", "pipe", "pipe"],
      ...(user ? { uid: user.uid, gid: user.gid } : {}),
      cwd: dir,
      timeout: 120_000,
    });
  const port = await freePort();
  try {
    run("initdb", ["-D", data, "-U", "postgres", "--pwfile", pwfile, "-A", "scram-sha-256", "--no-sync"]);
    run("pg_ctl", [
      "-D",
      data,
      "-l",
      join(dir, "server.log"),
      "-w",
      "-t",
      "60",
      "-o",
      `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=300`,
      "start",
    ]);
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    const e = err as { stderr?: Buffer; message: string };
    throw new Error(`the throwaway PostgreSQL did not start: ${e.stderr?.toString().trim() || e.message}`);
  }
  let stopped = false;
  return {
    url: `postgres://postgres:${PASSWORD}@127.0.0.1:${port}/postgres`,
    port,
    stop() {
      if (stopped) return;
      stopped = true;
      try {
        run("pg_ctl", ["-D", data, "-m", "immediate", "-w", "stop"]);
      } catch {
        // already gone: the folder is removed all the same
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
