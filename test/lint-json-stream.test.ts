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
import { arclink, ROOT } from "./helpers/server.js";

const tmp = mkdtempSync(join(tmpdir(), "arclink-json-stream-"));
after(() => rmSync(tmp, { recursive: true, force: true }));

/** The reference estate with 40 more servers: most share an evaluation, one in ten asks 8.8.8.8. */
function estate(): string {
  const ref = readFileSync(join(ROOT, "examples/reference.yaml"), "utf8");
  const hosts: string[] = [];
  const machines: string[] = [];
  for (let i = 0; i < 40; i++) {
    const name = `srv-${String(i).padStart(3, "0")}`;
    hosts.push(
      `  - { name: ${name}, site: onprem, ipAddress: 192.168.7.${i + 10}, os: Linux, dnsServers: [${i % 10 === 7 ? "8.8.8.8" : "dc01"}] }`,
    );
    machines.push(`  - { name: ${name}, location: eastus, privateLinkScope: pls-arc }`);
  }
  return ref
    .replace(/\nhosts:\n/, `\nhosts:\n${hosts.join("\n")}\n`)
    .replace(/\nmachines:\n/, `\nmachines:\n${machines.join("\n")}\n`);
}

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
    writeFileSync(file, estate());
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
