// ARCLINK_EXIT_WITH_PARENT=1: `arclink serve` stops cleanly (ready file removed, data folder free
// for the next server) once the process that started it is killed outright; without the variable
// it runs on. The starter is a real process killed with SIGKILL, as a killed test runner would be.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { ARCLINK, removeDataDir, startServer } from "./helpers/server.js";

const T = { timeout: 120_000 };

/** Whether the process runs (an exited orphan its new parent has not yet reaped counts as gone). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    return readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.[0] !== "Z";
  } catch {
    return true;
  }
}

/** Polls `ok` every 100 ms until it holds or `ms` pass; returns whether it held. */
async function until(ok: () => boolean, ms: number): Promise<boolean> {
  for (const end = Date.now() + ms; Date.now() < end;) {
    if (ok()) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return ok();
}

/**
 * A starter process that runs `arclink serve` as its child and waits; resolves once the server is
 * ready, with both pids. `watch` sets ARCLINK_EXIT_WITH_PARENT=1 for the server.
 */
async function starter(
  dir: string,
  watch: boolean,
): Promise<{ starterPid: number; serverPid: number; readyFile: string }> {
  const readyFile = join(dir, "ready-parent.json");
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env.ARCLINK_EXIT_WITH_PARENT;
  if (watch) env.ARCLINK_EXIT_WITH_PARENT = "1";
  const script = `
    const { spawn } = require("node:child_process");
    const c = spawn(process.execPath, ${JSON.stringify([ARCLINK, "serve", "--port", "0", "--data", dir, "--ready-file", readyFile])}, { stdio: "ignore" });
    process.stdout.write(String(c.pid) + "\\n");
    setInterval(() => {}, 1000);
  `;
  const proc = spawn(process.execPath, ["-e", script], { stdio: ["ignore", "pipe", "inherit"], env });
  const serverPid = await new Promise<number>((resolve, reject) => {
    let out = "";
    proc.stdout!.on("data", (d) => {
      out += d;
      if (out.includes("\n")) resolve(Number(out.trim()));
    });
    proc.once("exit", (c) => reject(new Error(`the starter exited with ${c}`)));
  });
  assert.ok(
    await until(() => existsSync(readyFile), 60_000),
    "the server did not write its ready file in 60 s",
  );
  assert.equal((JSON.parse(readFileSync(readyFile, "utf8")) as { pid: number }).pid, serverPid);
  return { starterPid: proc.pid!, serverPid, readyFile };
}

describe("arclink serve and the process that started it", T, () => {
  const dirs: string[] = [];
  const pids: number[] = [];
  after(() => {
    for (const p of pids) if (alive(p)) process.kill(p, "SIGKILL");
    for (const d of dirs) removeDataDir(d);
  });

  it("with ARCLINK_EXIT_WITH_PARENT=1 stops cleanly once its starter is killed, leaving the folder free", async () => {
    const dir = mkdtempSync(join(tmpdir(), "arclink-parent-"));
    dirs.push(dir);
    const s = await starter(dir, true);
    pids.push(s.serverPid, s.starterPid);
    process.kill(s.starterPid, "SIGKILL");
    assert.ok(
      await until(() => !alive(s.serverPid), 30_000),
      "the server still runs 30 s after its starter was killed",
    );
    // A clean stop, as on SIGTERM: the ready file is removed and the next server opens the folder.
    assert.equal(existsSync(s.readyFile), false, "the ready file was left behind");
    const next = await startServer({ dataDir: dir });
    await next.stop();
  });

  it("without it, runs on after its starter is killed", async () => {
    const dir = mkdtempSync(join(tmpdir(), "arclink-parent-"));
    dirs.push(dir);
    const s = await starter(dir, false);
    pids.push(s.serverPid, s.starterPid);
    process.kill(s.starterPid, "SIGKILL");
    // Three of the watcher's one-second checks would have seen the change.
    await new Promise((r) => setTimeout(r, 3500));
    assert.equal(
      alive(s.serverPid),
      true,
      "the server stopped although ARCLINK_EXIT_WITH_PARENT was not set",
    );
    process.kill(s.serverPid, "SIGTERM");
    assert.ok(await until(() => !alive(s.serverPid), 30_000));
  });
});
