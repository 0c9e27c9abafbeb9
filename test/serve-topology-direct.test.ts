// `arclink serve --topology` writes a plan's resource PUTs through the writer as putResource writes
// them but without their answers (putThroughWriter). The store must end as the answered path (every
// step through the ARM handler) leaves it: the same resources, bodies and revisions, in the same
// order of sequence numbers, committed in the same groups; and a refused step is named the same.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { createServices } from "../src/engine/services.js";
import { ensureDirectory } from "../src/identity/directory.js";
import { applyTopology } from "../src/server/topologyAtStart.js";
import { SqliteStore } from "../src/store/sqlite.js";
import { World } from "../src/world/world.js";
import { Writer } from "../src/world/writer.js";
import { referenceEstateWith } from "./helpers/estate.js";

const tmp = mkdtempSync(join(tmpdir(), "arclink-serve-direct-"));
after(() => rmSync(tmp, { recursive: true, force: true }));

/** Values that differ between any two runs: GUIDs (ids of the directory, ETags, vmIds), timestamps. */
const GUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi;
const TIME = /\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z/g;
const INTERNAL_ID = /"internalId":"[^"]*"/g;
const stable = (s: string) =>
  s.replace(GUID, "<guid>").replace(TIME, "<time>").replace(INTERNAL_ID, '"internalId":"<id>"');

/** The reference estate with `n` more hosts and machines (more than one window of steps). */
const estate = (n: number) =>
  referenceEstateWith(n, {
    address: (i) => `192.168.${8 + Math.floor(i / 250)}.${(i % 250) + 1}`,
    dnsServer: () => "dc01",
    associated: (i) => i % 20 !== 19,
  });

/** A fresh SQLite store with its directory, the file applied at start, and what the store then holds. */
async function applied(file: string, answered: boolean, name: string) {
  const dir = mkdtempSync(join(tmp, name));
  const store = new SqliteStore(join(dir, "arclink.db"));
  try {
    const world = new World();
    const loaded = await store.loadAll();
    world.load(loaded.resources, loaded.seq);
    // 250 writes to a commit at most: a few hundred hosts make several groups.
    const writer = new Writer(store, world, { maxGroup: 250 });
    const defaults = await ensureDirectory(writer, world);
    const s = createServices({ world, writer });
    const before = { ...writer.stats };
    let refusal: string | undefined;
    let result: Awaited<ReturnType<typeof applyTopology>> | undefined;
    try {
      result = await applyTopology(s, defaults, file, "https://127.0.0.1:8443", answered);
    } catch (e) {
      refusal = `${(e as Error).name}: ${(e as Error).message}`;
    }
    const all = await store.changesSince(0);
    // In order of sequence number: each row as stored (id, type, revision, body).
    // The directory's rows (written before the file, with a random key and secret) by id only.
    const rows = all.changes.map((c) =>
      c.resource?.type.startsWith("ArcLink.Identity/")
        ? stable(`${c.key} ${c.resource.type} rev ${c.resource.rev}`)
        : stable(
            `${c.key} ${c.resource?.id} ${c.resource?.type} rev ${c.resource?.rev} ${JSON.stringify(c.resource?.body)}`,
          ),
    );
    return {
      rows,
      seq: all.seq,
      worldSeq: world.seq,
      commits: writer.stats.commits - before.commits,
      writes: writer.stats.writes - before.writes,
      counts: result && { created: result.created, updated: result.updated, hosts: result.hostKeys.size },
      refusal: refusal && stable(refusal),
    };
  } finally {
    await store.close();
  }
}

describe("serve --topology's writes without answers leave the store the answered writes leave", () => {
  it("the reference estate with 600 hosts: the same rows, revisions, sequence numbers and groups", async () => {
    const file = join(tmp, "estate.yaml");
    writeFileSync(file, estate(600));
    const direct = await applied(file, false, "direct-");
    const answered = await applied(file, true, "answered-");
    // More than one window of steps, all of them written.
    assert.ok(direct.writes > 1200, `${direct.writes} writes`);
    assert.ok(direct.commits > 4, `${direct.commits} commits`);
    assert.equal(direct.refusal, undefined);
    assert.deepEqual(direct.counts, { created: direct.writes, updated: 0, hosts: 603 });
    assert.deepEqual(direct, answered);
  });

  it("a step the provider refuses: the same refusal, and the same rows committed before it", async () => {
    const file = join(tmp, "bad.yaml");
    const text = estate(300).replace(
      /\nhosts:\n/,
      "\nhosts:\n  - { name: srv-bad, site: onprem, ipAddress: 192.168.7.200, os: Linux, proxyUrl: not-a-url }\n",
    );
    writeFileSync(file, text);
    const direct = await applied(file, false, "direct-bad-");
    const answered = await applied(file, true, "answered-bad-");
    assert.match(
      direct.refusal ?? "",
      /^TopologyRefusedError: .*bad\.yaml: ArcLink\.Lab\/hosts srv-bad was refused: InvalidParameter: .*not-a-url/,
    );
    assert.deepEqual(direct, answered);
  });
});
