// Restoring the reference world (examples/reference.yaml) from a snapshot, through ARM, on SQLite
// and on PostgreSQL (two replicas: the time until the other replica answers from the restored
// world too).
//
//   [ARCLINK_TEST_POSTGRES_URL=postgres://USER:PASSWORD@127.0.0.1:5432/postgres] \
//   node dist/bench/snapshots.js [--rounds 30]
//
// Each round changes the world (a resource group created, the clock advanced an hour), then times
// `POST /providers/ArcLink.Lab/snapshots/reference/restore` from the client's side (request sent to
// answer read: the store's restore and the World's reload included). Figures are the median, the
// 90th percentile and the extremes over the rounds, with the load average before and after.
// Without ARCLINK_TEST_POSTGRES_URL only SQLite is measured.
import { cpSync, mkdtempSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { ensurePki } from "../src/core/pki.js";
import { raw, token } from "../test/helpers/arm.js";
import { createDatabase, POSTGRES_ENV } from "../test/helpers/postgres.js";
import { ROOT, startServer, TestServer } from "../test/helpers/server.js";

const RGV = "api-version=2021-04-01";
const LAB = "api-version=2025-01-01";
const SNAP = "/providers/ArcLink.Lab/snapshots/reference";

const i = process.argv.indexOf("--rounds");
const ROUNDS = i < 0 ? 30 : Number(process.argv[i + 1]);
if (!Number.isInteger(ROUNDS) || ROUNDS < 1 || ROUNDS > 10_000)
  throw new Error("--rounds needs a whole number between 1 and 10000");

interface Figures {
  store: string;
  resources: number;
  restoreMs: number[];
  /** PostgreSQL: from sending the restore to the other replica answering from the restored world. */
  otherReplicaMs?: number[];
}

const q = (xs: number[], p: number) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(p * xs.length))];
const fmt = (xs: number[]) =>
  `median ${q(xs, 0.5).toFixed(1)} ms, p90 ${q(xs, 0.9).toFixed(1)} ms, min ${Math.min(...xs).toFixed(1)} ms, max ${Math.max(...xs).toFixed(1)} ms`;

async function rounds(a: TestServer, b: TestServer | undefined, store: string): Promise<Figures> {
  const bearer = await token(a.info);
  const auth = { authorization: `Bearer ${bearer}` };
  const saved = await raw(a.info, "PUT", `${SNAP}?${LAB}`, undefined, auth);
  if (saved.status !== 201) throw new Error(`save: ${saved.status} ${saved.text}`);
  const out: Figures = { store, resources: saved.json.properties.resources, restoreMs: [] };
  if (b) out.otherReplicaMs = [];
  for (let n = 0; n < ROUNDS; n++) {
    const rg = `/subscriptions/${a.info.subscriptionId}/resourcegroups/rg-bench-${n}?${RGV}`;
    if ((await raw(a.info, "PUT", rg, { location: "eastus" }, auth)).status !== 201)
      throw new Error("PUT rg");
    const adv = await raw(
      a.info,
      "POST",
      `/providers/ArcLink.Lab/clock/advance?${LAB}`,
      { milliseconds: 3_600_000 },
      auth,
    );
    if (adv.status !== 200) throw new Error(`advance: ${adv.status} ${adv.text}`);
    if (b) while ((await raw(b.info, "GET", rg, undefined, auth)).status !== 200);
    const t0 = performance.now();
    const r = await raw(a.info, "POST", `${SNAP}/restore?${LAB}`, undefined, auth);
    out.restoreMs.push(performance.now() - t0);
    if (r.status !== 200) throw new Error(`restore: ${r.status} ${r.text}`);
    if ((await raw(a.info, "GET", rg, undefined, auth)).status !== 404) throw new Error("not restored");
    if (b) {
      while ((await raw(b.info, "GET", rg, undefined, auth)).status !== 404);
      out.otherReplicaMs!.push(performance.now() - t0);
    }
  }
  return out;
}

async function main(): Promise<void> {
  const load0 = loadavg();
  const results: Figures[] = [];
  const topology = ["--dns", "none", "--topology", join(ROOT, "examples/reference.yaml")];
  const srv = await startServer({ args: topology });
  try {
    results.push(await rounds(srv, undefined, "SQLite"));
  } finally {
    await srv.stop();
    rmSync(srv.dataDir, { recursive: true, force: true });
  }
  if (process.env[POSTGRES_ENV]) {
    const db = await createDatabase("bench_snapshots");
    const dirs = ["a", "b"].map((n) => mkdtempSync(join(tmpdir(), `arclink-bench-snap-${n}-`)));
    ensurePki(dirs[0]);
    cpSync(join(dirs[0], "tls"), join(dirs[1], "tls"), { recursive: true });
    const pg = ["--store", "postgres", "--postgres-url", db.url];
    const reps: TestServer[] = [];
    try {
      reps.push(await startServer({ dataDir: dirs[0], args: [...pg, ...topology] }));
      reps.push(await startServer({ dataDir: dirs[1], args: [...pg, "--dns", "none"] }));
      results.push(await rounds(reps[0], reps[1], "PostgreSQL (2 replicas)"));
    } finally {
      await Promise.all(reps.map((r) => r.stop()));
      await db.drop();
      for (const d of dirs) rmSync(d, { recursive: true, force: true });
    }
  }
  const load1 = loadavg();
  for (const r of results) {
    console.log(
      `${r.store}: restore of the reference world (${r.resources} resources) through ARM: ${fmt(r.restoreMs)}`,
    );
    if (r.otherReplicaMs)
      console.log(`${r.store}: until the other replica answers from it: ${fmt(r.otherReplicaMs)}`);
  }
  const la = (l: number[]) => l.map((x) => x.toFixed(2)).join(" ");
  console.log(`rounds ${ROUNDS}; load average ${la(load0)} before, ${la(load1)} after`);
  console.log(
    JSON.stringify({
      bench: "snapshots",
      rounds: ROUNDS,
      loadBefore: load0,
      loadAfter: load1,
      results: results.map((r) => ({
        store: r.store,
        resources: r.resources,
        restoreMedianMs: q(r.restoreMs, 0.5),
        restoreP90Ms: q(r.restoreMs, 0.9),
        otherReplicaMedianMs: r.otherReplicaMs && q(r.otherReplicaMs, 0.5),
      })),
    }),
  );
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
