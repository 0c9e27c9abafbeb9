// One server per data folder, and a folder only its owner can read: a second `arclink serve` on
// a folder in use exits non-zero naming the running server (pid and address) and leaves its ready
// file alone; kill -9 leaves no lock behind (the next start works at once and keeps the data); a
// clean stop removes the ready files; the folder is 0700 and the database, its WAL and SHM, the
// ready files and the lock files 0600 even with a umask of 000.
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { raw, token } from "./helpers/arm.js";
import { arclink, removeDataDir, startServer, TestServer } from "./helpers/server.js";

const T = { timeout: 180_000 };
const RGV = "api-version=2021-04-01";

const mode = (p: string) => (statSync(p).mode & 0o777).toString(8);

describe("the data folder", T, () => {
  const dir = mkdtempSync(join(tmpdir(), "arclink-folder-"));
  let srv: TestServer | undefined;
  // Every server this file starts inherits the most permissive umask.
  const oldUmask = process.umask(0o000);
  after(async () => {
    process.umask(oldUmask);
    await srv?.stop();
    removeDataDir(dir);
  });

  it("is private: folder 0700, database with WAL and SHM, ready files and lock files 0600", async () => {
    srv = await startServer({ dataDir: dir });
    const rg = `/subscriptions/${srv.info.subscriptionId}/resourcegroups/rg-kept?${RGV}`;
    const bearer = await token(srv.info);
    const put = await raw(srv.info, "PUT", rg, { location: "eastus" }, { authorization: `Bearer ${bearer}` });
    assert.equal(put.status, 201, put.text);
    assert.equal(mode(dir), "700");
    for (const f of [
      "arclink.db",
      "arclink.db-wal",
      "arclink.db-shm",
      "ready.json",
      "serve.lock",
      "serve.pid",
    ])
      assert.equal(mode(join(dir, f)), "600", f);
    assert.equal(mode(srv.readyFile), "600", "the --ready-file");
    for (const f of ["server-key.pem", "ca-key.pem"]) assert.equal(mode(join(dir, "tls", f)), "600", f);
  });

  it("refuses a second server on it with the first one's pid and address, and a non-zero exit", async () => {
    const before = readFileSync(join(dir, "ready.json"), "utf8");
    const second = await arclink(["serve", "--port", "0", "--data", dir, "--dns", "none"], {
      timeoutMs: 60_000,
    });
    assert.notEqual(second.code, 0, second.stdout);
    const pid = srv!.info.pid;
    assert.ok(
      second.stderr.includes(`already running on data folder ${dir} (pid ${pid}, ${srv!.info.arm})`),
      second.stderr,
    );
    assert.equal(
      readFileSync(join(dir, "ready.json"), "utf8"),
      before,
      "the first server's ready file is untouched",
    );
    // The first server still answers.
    const bearer = await token(srv!.info);
    const get = await raw(
      srv!.info,
      "GET",
      `/subscriptions/${srv!.info.subscriptionId}/resourcegroups/rg-kept?${RGV}`,
      undefined,
      {
        authorization: `Bearer ${bearer}`,
      },
    );
    assert.equal(get.status, 200, get.text);
  });

  it("is free again after kill -9 (nothing to clean up), with the data kept", async () => {
    await srv!.kill9();
    srv = await startServer({ dataDir: dir });
    const bearer = await token(srv.info);
    const get = await raw(
      srv.info,
      "GET",
      `/subscriptions/${srv.info.subscriptionId}/resourcegroups/rg-kept?${RGV}`,
      undefined,
      {
        authorization: `Bearer ${bearer}`,
      },
    );
    assert.equal(get.status, 200, get.text);
    assert.equal(JSON.parse(readFileSync(join(dir, "ready.json"), "utf8")).pid, srv.info.pid);
  });

  it("loses its ready files on a clean stop, and the next server starts", async () => {
    const readyFile = srv!.readyFile;
    await srv!.stop();
    srv = undefined;
    assert.equal(existsSync(join(dir, "ready.json")), false, "ready.json removed");
    assert.equal(existsSync(readyFile), false, "--ready-file removed");
    assert.equal(existsSync(join(dir, "serve.pid")), false, "serve.pid removed");
    srv = await startServer({ dataDir: dir });
    assert.equal(mode(join(dir, "arclink.db")), "600");
  });
});
