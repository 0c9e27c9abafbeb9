// Fleet runs are kept in the store: a finished run reads the same after a restart, a run the
// server was killed in the middle of reads as Failed (FleetInterruptedByRestart) with its last
// saved counts while what it wrote stays stored, `arclink fleet --operation ID` shows either, only
// the last 20 runs are kept, and replicas sharing PostgreSQL answer for each other's runs.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { cpSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ensurePki } from "../src/core/pki.js";
import { raw, RawResponse, token } from "./helpers/arm.js";
import { createDatabase, TestDatabase } from "./helpers/postgres.js";
import { arclink, ROOT, startServer, TestServer } from "./helpers/server.js";

const T = { timeout: 180_000 };
const RG = "rg-arc-private-link";
const LAB = "2025-01-01";
const HC = "2024-07-10";
const TOPOLOGY = ["--dns", "none", "--topology", join(ROOT, "examples/reference.yaml")];
/** A restart: the topology is already in the store. */
const AGAIN = ["--dns", "none"];

/** `arclink fleet` against a server. */
const cli = (srv: TestServer, args: string[]) => arclink(["fleet", "--ready-file", srv.readyFile, ...args]);

/** ARM calls on one server with one token (fetched again after a restart). */
class Api {
  private bearer = "";
  constructor(private srv: TestServer) {}
  async call(method: string, path: string, body?: object): Promise<RawResponse> {
    if (!this.bearer) this.bearer = await token(this.srv.info);
    return raw(this.srv.info, method, path, body, { authorization: `Bearer ${this.bearer}` });
  }
  get sub(): string {
    return `/subscriptions/${this.srv.info.subscriptionId}`;
  }
  operation(id: string): Promise<RawResponse> {
    return this.call("GET", `${this.sub}/providers/ArcLink.Lab/fleetOperations?id=${id}&api-version=${LAB}`);
  }
  operations(): Promise<RawResponse> {
    return this.call("GET", `${this.sub}/providers/ArcLink.Lab/fleetOperations?api-version=${LAB}`);
  }
  start(body: object): Promise<RawResponse> {
    return this.call("POST", `${this.sub}/providers/ArcLink.Lab/fleet?api-version=${LAB}`, body);
  }
  /** Polls the operation until `done` says so; fails after `ms` with the last status. */
  async until(id: string, ms: number, done: (s: any) => boolean): Promise<any> {
    const t0 = Date.now();
    for (;;) {
      const r = await this.operation(id);
      // A replica may not have caught up with the run's first save yet.
      if (r.status !== 404 || Date.now() - t0 > 2_000) assert.equal(r.status, 200, r.text);
      if (r.status === 200 && done(r.json)) return r.json;
      if (Date.now() - t0 > ms) assert.fail(`operation ${id}: not there within ${ms} ms; last: ${r.text}`);
      await new Promise((res) => setTimeout(res, 50));
    }
  }
  /** Names of the machines of a resource group whose names start with `prefix`. */
  async machines(prefix: string): Promise<string[]> {
    const out: string[] = [];
    let next: string | undefined =
      `${this.sub}/resourceGroups/${RG}/providers/Microsoft.HybridCompute/machines?api-version=${HC}`;
    while (next) {
      const r = await this.call("GET", next);
      assert.equal(r.status, 200, r.text);
      out.push(...(r.json.value as Array<{ name: string }>).map((m) => m.name));
      next = r.json.nextLink
        ? new URL(r.json.nextLink).pathname + new URL(r.json.nextLink).search
        : undefined;
    }
    return out.filter((n) => n.startsWith(`${prefix}-`));
  }
}

/** Past creation and with a heartbeat round still to go: a kill now interrupts the run. */
function midway(s: any): boolean {
  const p = s.properties;
  return p.phase === "onboarding" || (p.phase === "heartbeats" && p.heartbeatRound < p.heartbeatRounds);
}

describe("fleet runs across a restart", T, () => {
  let srv: TestServer;
  let api: Api;
  before(async () => {
    srv = await startServer({ args: TOPOLOGY });
    api = new Api(srv);
  });
  after(async () => {
    await srv?.stop();
    if (srv) rmSync(srv.dataDir, { recursive: true, force: true });
  });

  let finishedId = "";
  let finishedStatus: any;
  let finishedSummary: any;

  it(
    "a finished run reads the same after a restart, through ARM and arclink fleet --operation",
    T,
    async () => {
      const r = await cli(srv, ["--machines", "200", "--heartbeats", "1", "--name-prefix", "ra", "--json"]);
      assert.equal(r.code, 0, r.stderr);
      finishedSummary = JSON.parse(r.stdout);
      finishedId = finishedSummary.id;
      assert.equal(finishedSummary.status, "Succeeded");
      assert.equal(finishedSummary.connected, 200);
      const before = await api.operation(finishedId);
      assert.equal(before.status, 200, before.text);
      finishedStatus = before.json;
      assert.equal(finishedStatus.status, "Succeeded");
      assert.equal(finishedStatus.properties.phase, "done");
      assert.equal(finishedStatus.properties.heartbeatsAdmitted, 200);
      assert.ok(finishedStatus.endTime);

      await srv.stop();
      srv = await startServer({ dataDir: srv.dataDir, args: AGAIN });
      api = new Api(srv);
      const afterRestart = await api.operation(finishedId);
      assert.equal(afterRestart.status, 200, afterRestart.text);
      assert.deepEqual(afterRestart.json, finishedStatus, "the same status as before the restart");

      const shown = await cli(srv, ["--operation", finishedId, "--json"]);
      assert.equal(shown.code, 0, shown.stderr);
      assert.deepEqual(JSON.parse(shown.stdout), finishedSummary, "the CLI prints the same summary");
      const text = await cli(srv, ["--operation", finishedId]);
      assert.equal(text.code, 0, text.stderr);
      assert.match(text.stdout, new RegExp(`Fleet ${finishedId}: Succeeded`));
      assert.match(text.stdout, /connected {2}200/);
    },
  );

  it(
    "a run killed in the middle reads as interrupted with its last saved counts; what it wrote stays",
    T,
    async () => {
      const N = 3000;
      const started = await api.start({ machines: N, heartbeatRounds: 2, namePrefix: "rb" });
      assert.equal(started.status, 202, started.text);
      const id = String(started.json.name);
      assert.equal(started.json.status, "InProgress");

      // One fleet at a time: a second one is refused, and creates nothing.
      const second = await api.start({ machines: 5, namePrefix: "rz" });
      assert.equal(second.status, 409, second.text);
      assert.equal(second.json.error.code, "FleetAlreadyRunning");
      assert.match(second.json.error.message, new RegExp(id));

      // Past creation (the phase change is saved before the run enters the next phase), not finished.
      const seen = await api.until(id, 90_000, (s) => s.status !== "InProgress" || midway(s));
      assert.equal(
        seen.status,
        "InProgress",
        `the run ended before it could be interrupted: ${JSON.stringify(seen)}`,
      );
      await srv.kill9();
      srv = await startServer({ dataDir: srv.dataDir, args: AGAIN });
      api = new Api(srv);

      const r = await api.operation(id);
      assert.equal(r.status, 200, r.text);
      const s = r.json;
      assert.equal(s.status, "Failed", r.text);
      assert.equal(s.name, id);
      assert.equal(s.error.code, "FleetInterruptedByRestart");
      assert.match(s.error.message, /stay stored/);
      assert.match(s.error.message, /--name-prefix/);
      assert.match(s.error.message, /rb-000000/);
      assert.ok(s.endTime, "an interrupted run has an end time (its last save)");
      const p = s.properties;
      assert.ok(["onboarding", "heartbeats"].includes(p.phase), p.phase);
      assert.equal(p.machines, N);
      assert.equal(p.created, N, "creation had finished and was saved");
      assert.ok(p.evaluated <= N, `evaluated ${p.evaluated}`);
      assert.equal(p.connected + p.refused, p.evaluated, "a saved state is consistent");
      assert.ok(p.heartbeatsAdmitted + p.heartbeatsRefused <= p.connected * 2);
      assert.equal((await api.machines("rb")).length, N, "every machine written is still stored");
      // The same answer on every read, and in the list.
      assert.deepEqual((await api.operation(id)).json, s);
      const list = await api.operations();
      assert.equal(list.status, 200, list.text);
      const ids = (list.json.value as Array<{ name: string }>).map((x) => x.name);
      assert.ok(ids.includes(id) && ids.includes(finishedId), ids.join(", "));
      assert.deepEqual(
        (list.json.value as any[]).find((x) => x.name === finishedId),
        finishedStatus,
        "the finished run is listed as it reads",
      );

      // The CLI shows it: exit 1 with the code, the summary with the saved counts.
      const shown = await cli(srv, ["--operation", id]);
      assert.equal(shown.code, 1, shown.stderr);
      assert.match(shown.stdout, new RegExp(`Fleet ${id}: Failed`));
      assert.match(shown.stderr, /FleetInterruptedByRestart: /);
      const json = await cli(srv, ["--operation", id, "--json"]);
      assert.equal(json.code, 1, json.stderr);
      const summary = JSON.parse(json.stdout);
      assert.equal(summary.error.code, "FleetInterruptedByRestart");
      assert.equal(summary.created, N);
      const listed = await cli(srv, ["--list"]);
      assert.equal(listed.code, 0, listed.stderr);
      assert.match(listed.stdout, new RegExp(`${id} .*Failed \\(FleetInterruptedByRestart\\)`));

      // An interrupted run does not block the next one.
      const next = await cli(srv, ["--machines", "10", "--heartbeats", "0", "--name-prefix", "rc", "--json"]);
      assert.equal(next.code, 0, next.stderr);
      assert.equal(JSON.parse(next.stdout).connected, 10);
    },
  );

  it("unknown operations and bad flags are refused and nothing is stored", T, async () => {
    const missing = await api.operation("00000000-0000-0000-0000-000000000000");
    assert.equal(missing.status, 404, missing.text);
    assert.equal(missing.json.error.code, "OperationNotFound");
    assert.match(missing.json.error.message, /last 20 runs are kept/);
    // The stored record of a run is internal: ARM does not serve it as a resource.
    const internal = await api.call(
      "GET",
      `/providers/ArcLink.Lab/fleetRuns/${finishedId}?api-version=${LAB}`,
    );
    assert.ok([400, 404].includes(internal.status), `${internal.status} ${internal.text}`);
    const before = (await api.operations()).json.value.length;
    const cases: Array<[string[], number, RegExp]> = [
      [["--operation", "00000000-0000-0000-0000-000000000000"], 3, /OperationNotFound/],
      [["--operation", "a/b"], 2, /--operation takes a fleet operation id/],
      [["--operation", finishedId, "--machines", "5"], 2, /does not go with --operation/],
      [["--list", "--bogus", "1"], 2, /Unknown flag: --bogus/],
    ];
    for (const [args, code, message] of cases) {
      const r = await cli(srv, args);
      assert.equal(r.code, code, `${args.join(" ")}: ${r.stderr}`);
      assert.match(r.stderr, message, args.join(" "));
    }
    assert.equal((await api.operations()).json.value.length, before, "no run was started");
    assert.equal((await api.machines("rz")).length, 0, "the refused fleet created nothing");
  });

  it("only the last 20 runs are kept", T, async () => {
    const have = (await api.operations()).json.value as Array<{ name: string; startTime: string }>;
    assert.equal(have.length, 3);
    const ids: string[] = [];
    for (let i = 0; i < 17; i++) {
      const r = await api.start({ machines: 1, heartbeatRounds: 0, namePrefix: `rk${i}` });
      assert.equal(r.status, 202, r.text);
      ids.push(String(r.json.name));
      await api.until(ids[i], 30_000, (s) => s.status !== "InProgress");
    }
    const list = (await api.operations()).json.value as Array<{ name: string }>;
    assert.equal(list.length, 20);
    const oldest = list[0].name;
    assert.equal(oldest, finishedId, "listed oldest first");
    assert.equal((await api.operation(finishedId)).status, 200);
    // One more: the oldest is forgotten, the rest stay.
    const last = await api.start({ machines: 1, heartbeatRounds: 0, namePrefix: "rk-last" });
    assert.equal(last.status, 202, last.text);
    await api.until(String(last.json.name), 30_000, (s) => s.status !== "InProgress");
    const now = (await api.operations()).json.value as Array<{ name: string }>;
    assert.equal(now.length, 20);
    assert.ok(!now.some((x) => x.name === finishedId));
    assert.equal((await api.operation(finishedId)).status, 404);
    assert.deepEqual(
      now.map((x) => x.name),
      [...list.slice(1).map((x) => x.name), String(last.json.name)],
    );
    // What the forgotten run wrote is not touched.
    assert.equal((await api.machines("ra")).length, 200);
  });
});

describe("fleet runs on replicas sharing PostgreSQL", T, () => {
  let db: TestDatabase | undefined;
  const dirs: string[] = [];
  let a: TestServer | undefined;
  let b: TestServer | undefined;
  let aKilled = false;
  before(async () => {
    db = await createDatabase("fleet");
    for (const n of ["a", "b"]) dirs.push(mkdtempSync(join(tmpdir(), `arclink-fleet-${n}-`)));
    ensurePki(dirs[0]);
    cpSync(join(dirs[0], "tls"), join(dirs[1], "tls"), { recursive: true });
    const pgArgs = ["--store", "postgres", "--postgres-url", db.url];
    a = await startServer({ dataDir: dirs[0], args: [...pgArgs, ...TOPOLOGY] });
    b = await startServer({ dataDir: dirs[1], args: [...pgArgs, "--dns", "none"] });
  });
  after(async () => {
    // A server stopped by kill9() has already exited (stop() would wait for an exit already seen).
    await Promise.all([aKilled ? undefined : a?.stop(), b?.stop()]);
    await db?.drop();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it(
    "a run started on one replica is polled through the other, and read as interrupted when its replica dies",
    T,
    async () => {
      const onA = new Api(a!);
      const onB = new Api(b!);
      const started = await onA.start({ machines: 300, heartbeatRounds: 1, namePrefix: "pa" });
      assert.equal(started.status, 202, started.text);
      const id = String(started.json.name);
      // B follows the store: it knows the run at once and sees it end.
      const seenOnB = await onB.until(id, 60_000, (s) => s.status !== "InProgress");
      const final = await onA.until(id, 60_000, (s) => s.status !== "InProgress");
      assert.equal(final.status, "Succeeded", JSON.stringify(final));
      assert.equal(final.properties.connected, 300);
      const fromB = await onB.until(id, 10_000, (s) => s.status === "Succeeded");
      assert.deepEqual(fromB, final, "B answers what A answers");
      assert.equal(seenOnB.status, "Succeeded");
      const shown = await cli(b!, ["--operation", id, "--json"]);
      assert.equal(shown.code, 0, shown.stderr);
      assert.equal(JSON.parse(shown.stdout).connected, 300);

      // A second run on A; B refuses to start another meanwhile; A dies; B reports it interrupted.
      const big = await onA.start({ machines: 1500, heartbeatRounds: 2, namePrefix: "pb" });
      assert.equal(big.status, 202, big.text);
      const bigId = String(big.json.name);
      const busy = await onB.start({ machines: 5, namePrefix: "pz" });
      assert.equal(busy.status, 409, busy.text);
      assert.equal(busy.json.error.code, "FleetAlreadyRunning");
      const running = await onB.until(bigId, 90_000, (s) => s.status !== "InProgress" || midway(s));
      assert.equal(running.status, "InProgress", JSON.stringify(running));
      await a!.kill9();
      aKilled = true;
      const failed = await onB.until(bigId, 10_000, (s) => s.status !== "InProgress");
      assert.equal(failed.status, "Failed");
      assert.equal(failed.error.code, "FleetInterruptedByRestart");
      assert.equal(failed.properties.created, 1500);
      assert.equal((await onB.machines("pb")).length, 1500);
      assert.equal((await onB.machines("pz")).length, 0, "the refused fleet created nothing");
    },
  );
});
