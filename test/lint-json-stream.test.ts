// lint --format json writes its report a few MiB at a time (a 100,000-host estate's report is
// hundreds of MB): the bytes are those of the report as one JSON.stringify, including where hosts
// share one evaluation's endpoint rows, with and without host traces, whatever the chunk size.
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { renderJson, writeJson } from "../src/analysis/lint/format/json.js";
import { lint, LintReport } from "../src/analysis/lint/lint.js";
import { sandboxFromTopology } from "../src/analysis/lint/sources.js";
import { referenceEstateWith } from "./helpers/estate.js";
import { arclink } from "./helpers/server.js";

const tmp = mkdtempSync(join(tmpdir(), "arclink-json-stream-"));
after(() => rmSync(tmp, { recursive: true, force: true }));

async function streamed(
  report: LintReport,
  opts: { hostTraces?: boolean; chunkBytes?: number },
): Promise<{ text: string; chunks: number }> {
  const chunks: Buffer[] = [];
  // The chunks are kept as handed over: a chunk written to after it was handed over shows here.
  await writeJson(report, (c) => void chunks.push(c), opts);
  return { text: Buffer.concat(chunks).toString("utf8"), chunks: chunks.length };
}

describe("lint's JSON report, streamed", () => {
  let report: LintReport;
  const file = join(tmp, "estate.yaml");

  it("lints an estate whose hosts share evaluations", async () => {
    writeFileSync(file, referenceEstateWith(40));
    const { sandbox, source } = await sandboxFromTopology(readFileSync(file, "utf8"), file);
    report = lint({
      view: sandbox.world,
      now: sandbox.services.clock.now(),
      propagationDelayMs: 900_000,
      source,
    });
    assert.ok(report.hosts.length > 40);
    assert.ok(report.findings.length > 0, "the estate has findings");
    const shared = report.hosts.filter((h) => h.evaluatedAs);
    assert.ok(shared.length > 30, `hosts share evaluations (${shared.length})`);
    assert.ok(
      report.hosts.some((h) => h.endpoints.some((e) => e.trace)),
      "the checks have traces",
    );
  });

  for (const hostTraces of [false, true])
    for (const chunkBytes of [undefined, 64, 4096])
      it(`equals renderJson (host traces ${hostTraces}, chunks of ${chunkBytes ?? "4 MiB"})`, async () => {
        const want = renderJson(report, { hostTraces });
        const got = await streamed(report, { hostTraces, chunkBytes });
        assert.equal(got.text, want);
        if (chunkBytes) assert.ok(got.chunks > 1, "written in more than one chunk");
        const hosts = JSON.parse(got.text).hosts as LintReport["hosts"];
        assert.equal(
          hosts.some((h) => h.endpoints.some((e) => e.trace)),
          hostTraces,
        );
      });

  it("waits for a sink that takes its time, and keeps the bytes in order", async () => {
    const parts: Buffer[] = [];
    await writeJson(
      report,
      async (c) => {
        await new Promise((r) => setTimeout(r, 1));
        parts.push(c);
      },
      { chunkBytes: 8192 },
    );
    assert.equal(Buffer.concat(parts).toString("utf8"), renderJson(report));
  });

  it("arclink lint --format json prints the same report", async () => {
    const r = await arclink(["lint", "--topology", file, "--format", "json"]);
    assert.equal(r.code, 1, r.stderr);
    const printed = JSON.parse(r.stdout);
    const want = renderJson({ ...report, generatedAt: printed.generatedAt });
    assert.equal(r.stdout, want);
  });
});
