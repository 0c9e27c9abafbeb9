// The lint API's answer is written in pieces (chunked, never one string in the server: a million
// hosts' report is about 2 GB of JSON) with the bytes of the one JSON.stringify it used to be; the
// CLI indents a streamed answer as it arrives (--format json) and asks for the first hosts only
// for its table (hostsTop); a client that goes away mid-answer leaves the server up.
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { request } from "node:https";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { ownMemberValue, toJson, writeJson } from "../src/analysis/lint/format/json.js";
import { renderTable } from "../src/analysis/lint/format/table.js";
import { RULES } from "../src/analysis/lint/index.js";
import { lint, LintReport } from "../src/analysis/lint/lint.js";
import { sandboxFromTopology } from "../src/analysis/lint/sources.js";
import { JsonIndenter } from "../src/core/jsonIndent.js";
import { JsonStream } from "../src/core/jsonStream.js";
import { arm, token } from "./helpers/arm.js";
import { referenceEstateWith } from "./helpers/estate.js";
import { arclink, ROOT, startServer, TestServer } from "./helpers/server.js";

const T = { timeout: 180_000 };
const REF = join(ROOT, "examples/reference.yaml");

async function written(report: LintReport, opts: Parameters<typeof writeJson>[2]): Promise<string> {
  const parts: Buffer[] = [];
  await writeJson(report, (c) => void parts.push(c), opts);
  return Buffer.concat(parts).toString("utf8");
}

/** `text` indented by a JsonIndenter fed `size` bytes at a time; the severities it saw. */
function indented(text: string, size: number): { text: string; seen: string[]; complete: boolean } {
  const seen: string[] = [];
  const ind = new JsonIndenter({ watch: ["findings", "*", "severity"], onValue: (v) => seen.push(v) });
  const bytes = Buffer.from(text, "utf8");
  const out: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += size) out.push(ind.push(bytes.subarray(i, i + size)));
  return { text: Buffer.concat(out).toString("utf8"), seen, complete: ind.complete };
}

describe("lint's compact JSON, written in pieces", () => {
  let report: LintReport;
  before(async () => {
    const { sandbox, source } = await sandboxFromTopology(referenceEstateWith(30), "estate.yaml");
    report = lint({
      view: sandbox.world,
      now: sandbox.services.clock.now(),
      propagationDelayMs: 900_000,
      source,
    });
    assert.ok(report.hosts.filter((h) => h.evaluatedAs).length > 20, "hosts share evaluations");
    assert.ok(report.findings.length > 0);
  });

  for (const hostTraces of [false, true])
    for (const chunkBytes of [undefined, 64])
      it(`equals the API's one-string answer (host traces ${hostTraces}, chunks of ${chunkBytes ?? "4 MiB"})`, async () => {
        const want = JSON.stringify(toJson(report, { hostTraces }));
        assert.equal(await written(report, { indent: 0, hostTraces, chunkBytes }), want);
      });

  it("a fix plan goes after the rules, as the API answered it", async () => {
    const fixPlan = { steps: [{ id: "x", 'odd "key"': [] }], choices: [] };
    const want = JSON.stringify({ ...(toJson(report) as object), fixPlan });
    assert.equal(await written(report, { indent: 0, extra: [["fixPlan", fixPlan]] }), want);
    assert.equal(
      await written(report, { extra: [["fixPlan", fixPlan]] }),
      JSON.stringify({ ...(toJson(report) as object), fixPlan }, null, 2) + "\n",
    );
  });

  it("a host's own endpoints member is found, not a nested one or a string that spells it", () => {
    const host = {
      host: 'a "endpoints":0 b',
      nested: { endpoints: 0 },
      list: [{ endpoints: 0 }],
      endpoints: 0,
      after: 1,
    };
    for (const text of [JSON.stringify(host), JSON.stringify(host, null, 2)]) {
      const at = ownMemberValue(text, "endpoints");
      const filled = text.slice(0, at) + '["rows"]' + text.slice(at + 1);
      assert.deepEqual(JSON.parse(filled), { ...host, endpoints: ["rows"] });
    }
    assert.equal(ownMemberValue(JSON.stringify({ nested: { endpoints: 0 } }), "endpoints"), -1);
  });

  it("a finding with thousands of machines, written one machine at a time, has the same bytes", async () => {
    const f = report.findings[0];
    const machines = Array.from({ length: 2500 }, (_, i) => ({
      name: `m-${i}`,
      ...(i % 3 ? { machineId: `/x/machines/m-${i}` } : {}),
      hostId: `/x/hosts/h "${i}"`,
    }));
    const big = {
      ...report,
      findings: [{ ...f, machines }, { ...f, key: "k2", machines: [] }, ...report.findings],
    };
    for (const chunkBytes of [undefined, 100]) {
      assert.equal(await written(big, { indent: 0, chunkBytes }), JSON.stringify(toJson(big)));
      assert.equal(await written(big, { chunkBytes }), JSON.stringify(toJson(big), null, 2) + "\n");
    }
  });

  it("hosts and machines of any shape, written member by member, have renderJson's bytes", async () => {
    const h = report.hosts[0];
    const odd = [
      { ...h, host: 'a "quoted"\n\u2028 name \ud800', extra: undefined, fn: () => 1, n: NaN, neg: -0 },
      { endpoints: h.endpoints },
      { ...h, nested: { a: [1, { b: null }], when: new Date(0), empty: {}, none: [] }, flag: false, x: null },
      { 'odd "key"\t': 1, endpoints: h.endpoints, "": "", after: [[]] },
    ];
    const machines = Array.from({ length: 1200 }, (_, i) =>
      i % 4 === 0
        ? { name: `m-${i}`, nested: { deep: [i, "x"] }, none: undefined }
        : i % 4 === 1
          ? { toJSON: () => `m-${i}` }
          : i % 4 === 2
            ? {}
            : { name: `m "${i}"`, at: new Date(i), list: [] },
    );
    const big = {
      ...report,
      hosts: [...odd, ...report.hosts] as LintReport["hosts"],
      findings: [{ ...report.findings[0], machines }, ...report.findings] as LintReport["findings"],
    };
    for (const chunkBytes of [undefined, 50]) {
      assert.equal(await written(big, { chunkBytes }), JSON.stringify(toJson(big), null, 2) + "\n");
      assert.equal(await written(big, { indent: 0, chunkBytes }), JSON.stringify(toJson(big)));
    }
  });

  it("a JsonStream gives the same text whole", async () => {
    const s = new JsonStream((sink) => writeJson(report, sink, { indent: 0, chunkBytes: 100 }));
    assert.equal(await s.text(), JSON.stringify(toJson(report)));
  });

  for (const size of [1, 7, 4096])
    it(`indenting the compact text as it arrives (${size} bytes at a time) gives renderJson's bytes`, async () => {
      const compact = JSON.stringify(toJson(report));
      const got = indented(compact, size);
      assert.equal(got.text + "\n", await written(report, {}));
      assert.ok(got.complete);
      assert.deepEqual(
        got.seen,
        report.findings.map((f) => f.severity),
      );
    });

  it("indents any JSON value as JSON.stringify(v, null, 2) does, empty containers included", () => {
    const values = [
      { a: [], b: {}, c: [[], [{}], { d: 'x"}],{\\' }], "k,{": "v:[]", é: "😀" },
      [],
      {},
      "s",
      0,
      null,
      [1, [2, [3, { e: [] }]]],
    ];
    for (const v of values)
      for (const size of [1, 3, 1000]) {
        const got = indented(JSON.stringify(v), size);
        assert.equal(got.text, JSON.stringify(v, null, 2));
        assert.ok(got.complete);
      }
    assert.equal(indented('{"a":[1,', 4).complete, false, "an unfinished document is not complete");
  });
});

/** POST lint and read the raw answer: status, headers, text. */
function postLint(
  srv: TestServer,
  bearer: string,
  body: object,
  onResponse?: (res: import("node:http").IncomingMessage) => void,
): Promise<{ status: number; headers: Record<string, unknown>; text: string }> {
  const u = new URL(srv.info.arm);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: u.hostname,
        port: u.port,
        method: "POST",
        path: `/subscriptions/${srv.info.subscriptionId}/providers/ArcLink.Lab/lint?api-version=2025-01-01`,
        ca: readFileSync(srv.info.caCert),
        headers: { authorization: `Bearer ${bearer}`, "content-type": "application/json" },
      },
      (res) => {
        if (onResponse) return onResponse(res);
        const parts: Buffer[] = [];
        res.on("data", (c: Buffer) => parts.push(c));
        res.on("error", reject);
        res.on("end", () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            text: Buffer.concat(parts).toString("utf8"),
          }),
        );
      },
    );
    req.on("error", onResponse ? () => {} : reject);
    req.end(JSON.stringify(body));
  });
}

describe("the lint API and arclink lint against a server", T, () => {
  let srv: TestServer;
  let bearer: string;
  before(async () => {
    srv = await startServer({ args: ["--dns", "none", "--topology", REF] });
    bearer = await token(srv.info);
    // Enough hosts that the answer is more than one of the writer's 4 MiB pieces.
    const f = await arclink([
      "fleet",
      "--ready-file",
      srv.readyFile,
      "--machines",
      "2500",
      "--heartbeats",
      "0",
    ]);
    assert.equal(f.code, 0, f.stderr);
  });
  after(async () => {
    await srv?.stop();
  });

  it("answers chunked, with no Content-Length, the compact JSON of the report", T, async () => {
    const r = await postLint(srv, bearer, {});
    assert.equal(r.status, 200, r.text.slice(0, 500));
    assert.equal(r.headers["transfer-encoding"], "chunked");
    assert.equal(r.headers["content-length"], undefined);
    assert.match(String(r.headers["content-type"]), /^application\/json/);
    assert.ok(r.headers["x-ms-request-id"], "the request's own headers are there too");
    assert.ok(r.text.length > 4 << 20, `more than one piece (${r.text.length} bytes)`);
    const json = JSON.parse(r.text);
    assert.equal(json.hosts.length, 2503);
    assert.equal(json.summary.hosts, 2503);
    // The bytes JSON.stringify makes of the same value: compact, members in the same order.
    assert.equal(JSON.stringify(json), r.text);
    assert.deepEqual(Object.keys(json), ["source", "generatedAt", "summary", "findings", "hosts", "rules"]);
  });

  it(
    "hostsTop: the first N hosts' verdicts; the summary counts them all; bad values are 400",
    T,
    async () => {
      const all = JSON.parse((await postLint(srv, bearer, {})).text);
      const top = await postLint(srv, bearer, { hostsTop: 3 });
      const json = JSON.parse(top.text);
      assert.deepEqual(json.hosts, all.hosts.slice(0, 3));
      assert.equal(json.summary.hosts, 2503);
      assert.deepEqual(json.findings, all.findings);
      assert.equal(JSON.parse((await postLint(srv, bearer, { hostsTop: 0 })).text).hosts.length, 0);
      // machinesTop: each finding's first machines, and how many it has when cut short.
      assert.ok(
        all.findings.some((f: any) => f.machines.length > 3),
        "a finding lists more than 3 machines",
      );
      const cut = JSON.parse((await postLint(srv, bearer, { machinesTop: 3, hostsTop: 0 })).text);
      for (const [i, f] of cut.findings.entries()) {
        const whole = all.findings[i];
        assert.deepEqual(f.machines, whole.machines.slice(0, 3));
        assert.equal(f.machinesTotal, whole.machines.length > 3 ? whole.machines.length : undefined);
      }
      for (const name of ["hostsTop", "machinesTop"])
        for (const bad of [-1, 1.5, "3"]) {
          const r = await postLint(srv, bearer, { [name]: bad });
          assert.equal(r.status, 400, r.text);
          assert.match(JSON.parse(r.text).error.message, new RegExp(name));
        }
    },
  );

  it("a client that leaves in the middle of the answer leaves the server up", T, async () => {
    let got = 0;
    await new Promise<void>((done) =>
      postLint(srv, bearer, {}, (res) => {
        res.once("data", (c: Buffer) => {
          got += c.length;
          res.destroy();
          done();
        });
      }),
    );
    assert.ok(got > 0);
    await new Promise((r) => setTimeout(r, 300));
    const r = await arm(srv.info, "GET", `/subscriptions/${srv.info.subscriptionId}?api-version=2022-12-01`);
    assert.equal(r.status, 200);
    assert.equal(srv.proc.exitCode, null);
    const again = await postLint(srv, bearer, { hostsTop: 1 });
    assert.equal(again.status, 200);
  });

  it(
    "arclink lint --format json: the streamed answer indented, the same bytes; exit 1 on findings",
    T,
    async () => {
      const c = await arclink(["lint", "--ready-file", srv.readyFile, "--format", "json"]);
      assert.equal(c.code, 1, c.stderr);
      const api = JSON.parse((await postLint(srv, bearer, {})).text);
      // generatedAt is the lint's own time: the two answers may come from two lints.
      const out = JSON.parse(c.stdout);
      assert.equal(c.stdout, JSON.stringify({ ...api, generatedAt: out.generatedAt }, null, 2) + "\n");
      assert.equal(out.hosts.length, 2503);
    },
  );

  it("arclink lint (the table) asks for the hosts it shows and still counts every host", T, async () => {
    const c = await arclink(["lint", "--ready-file", srv.readyFile, "--hosts", "5"], {
      env: { ...process.env, NO_COLOR: "1" },
    });
    assert.equal(c.code, 1, c.stderr);
    const api = JSON.parse((await postLint(srv, bearer, {})).text);
    const want = renderTable({ ...api, rules: RULES }, { color: false, maxHosts: 5 });
    assert.equal(c.stdout, want);
    assert.match(c.stdout, /\.\.\. and 2498 more/);
  });

  it(
    "arclink lint --rules: exit status from the chosen rules' findings alone (json and table)",
    T,
    async () => {
      const api = JSON.parse((await postLint(srv, bearer, {})).text);
      const quiet = RULES.find((r) => !api.findings.some((f: any) => f.ruleId === r.id))!;
      for (const format of ["json", "table"]) {
        const c = await arclink([
          "lint",
          "--ready-file",
          srv.readyFile,
          "--format",
          format,
          "--rules",
          quiet.id,
        ]);
        assert.equal(c.code, 0, `${format}: ${c.stderr}`);
      }
    },
  );

  it(
    "a lint that no time can change is reused until the world changes; one that time can change is not",
    T,
    async () => {
      const generated = async () => JSON.parse((await postLint(srv, bearer, { hostsTop: 1 })).text);
      const first = await generated();
      assert.ok(!first.findings.some((f: any) => f.ruleId === "association-propagating"));
      // Past the few seconds a lint is kept for when the propagation delay may change it.
      await new Promise((r) => setTimeout(r, 2200));
      assert.equal((await generated()).generatedAt, first.generatedAt, "the same report, not a new lint");
      // A fleet machine leaves its scope and joins it again: its association now propagates.
      const id = first.hosts[0].machineId as string;
      const path = `${id}?api-version=2024-07-10`;
      const m = (await arm(srv.info, "GET", path)).json;
      const scope = m.properties.privateLinkScopeResourceId;
      assert.ok(scope, "the fleet's machines have a scope");
      for (const properties of [{ ...m.properties, privateLinkScopeResourceId: null }, m.properties]) {
        const r = await arm(srv.info, "PUT", path, { location: m.location, properties });
        assert.ok(r.status < 300, r.text);
      }
      const young = await generated();
      assert.ok(young.findings.some((f: any) => f.ruleId === "association-propagating"));
      await new Promise((r) => setTimeout(r, 2200));
      assert.notEqual((await generated()).generatedAt, young.generatedAt, "linted again: time counts now");
    },
  );

  it("SARIF's findings name at most 1000 machines each unless machinesTop says otherwise", T, async () => {
    const all = JSON.parse((await postLint(srv, bearer, { hostsTop: 0 })).text);
    const wide = all.findings.find((f: any) => f.machines.length > 1000);
    assert.ok(wide, "a fleet-wide finding");
    const props = async (body: object) => {
      const r = await postLint(srv, bearer, { format: "sarif", ...body });
      assert.equal(r.status, 200, r.text.slice(0, 300));
      const run = JSON.parse(r.text).runs[0];
      return run.results.map((x: any) => x.properties);
    };
    const cut = (await props({})).find((p: any) => p.machinesTotal !== undefined);
    assert.equal(cut.machinesTotal, wide.machines.length);
    assert.deepEqual(cut.machines, wide.machines.slice(0, 1000));
    const whole = await props({ machinesTop: wide.machines.length });
    assert.ok(
      whole.some((p: any) => p.machines.length === wide.machines.length && p.machinesTotal === undefined),
    );
  });

  it(
    "a what-if's findings list at most 1000 machines each by default (machinesTop), and count them all",
    T,
    async () => {
      const lint = JSON.parse((await postLint(srv, bearer, { hostsTop: 1 })).text);
      const hostId = lint.hosts[0].hostId as string;
      const h = (await arm(srv.info, "GET", `${hostId}?api-version=2025-01-01`)).json;
      const put = {
        id: hostId,
        body: { location: h.location, properties: { ...h.properties, dnsServers: ["8.8.8.8"] } },
      };
      const path = `/subscriptions/${srv.info.subscriptionId}/providers/ArcLink.Lab/whatif?api-version=2025-01-01`;
      const all = [] as any[];
      for (const machinesTop of [undefined, 5]) {
        const r = await arm(srv.info, "POST", path, { put, machinesTop });
        assert.equal(r.status, 200, r.text);
        const f = r.json.findings;
        const listed = [...f.added, ...f.resolved, ...f.changed.flatMap((c: any) => [c.before, c.after])];
        assert.ok(
          listed.some((x: any) => x.machinesTotal > 2500),
          "a fleet-wide finding is in the answer",
        );
        for (const x of listed) {
          assert.ok(x.machines.length <= (machinesTop ?? 1000));
          if (x.machinesTotal !== undefined) assert.equal(x.machines.length, machinesTop ?? 1000);
        }
        all.push(listed);
      }
      // findings: false: the same verdict changes, no rule run again.
      const verdicts = await arm(srv.info, "POST", path, { put, findings: false });
      assert.equal(verdicts.status, 200, verdicts.text);
      assert.deepEqual(verdicts.json.findings, { added: [], resolved: [], changed: [] });
      assert.ok(verdicts.json.changes.length > 0);
      const full = await arm(srv.info, "POST", path, { put });
      assert.deepEqual(
        verdicts.json.changes.map((c: any) => [c.hostId, c.endpoint, c.after?.verdict]),
        full.json.changes.map((c: any) => [c.hostId, c.endpoint, c.after?.verdict]),
      );
      assert.equal((await arm(srv.info, "POST", path, { put, findings: "no" })).status, 400);
      // The same findings, the first machines of each the same.
      assert.deepEqual(
        all[1].map((x: any) => [x.key, x.machinesTotal ?? x.machines.length, x.machines]),
        all[0].map((x: any) => [x.key, x.machinesTotal ?? x.machines.length, x.machines.slice(0, 5)]),
      );
    },
  );

  it("an error answer to the streaming CLI is ARM's, read whole: its code and exit status", T, async () => {
    const ready = JSON.parse(readFileSync(srv.readyFile, "utf8"));
    const other = join(srv.dataDir, "other-subscription.json");
    writeFileSync(
      other,
      JSON.stringify({ ...ready, subscriptionId: "00000000-0000-0000-0000-00000000abcd" }),
    );
    const c = await arclink(["lint", "--ready-file", other, "--format", "json"]);
    assert.equal(c.code, 3, c.stderr);
    assert.match(c.stderr, /SubscriptionNotFound/);
    assert.equal(c.stdout, "");
  });
});
