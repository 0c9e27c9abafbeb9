// The arclink command line, spawned as users run it (the built CLI): every command answers --help
// from its spec, refuses an unknown flag and a missing value with its nearest flag, resolves
// references by name or says which exist, reports an unwritable data folder and a read-only
// database in one line, and exits with the documented code (docs/CLI.md).
import assert from "node:assert/strict";
import { spawnSync, SpawnSyncOptions } from "node:child_process";
import { chmodSync, chownSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { after, before, describe, it } from "node:test";
import { colorEnabled, paintVerdict } from "../src/cli/terminal.js";
import { arm } from "./helpers/arm.js";
import { ARCLINK, ROOT, startServer, type TestServer } from "./helpers/server.js";

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function cli(args: string[], opts: SpawnSyncOptions = {}): Run {
  const r = spawnSync(process.execPath, [ARCLINK, ...args], {
    encoding: "utf8",
    timeout: 60_000,
    cwd: ROOT,
    ...opts,
  });
  if (r.error) throw r.error;
  return { code: r.status ?? -1, stdout: String(r.stdout), stderr: String(r.stderr) };
}

/** The one line a user error prints: "arclink: …", and nothing else (no stack). */
function oneLine(r: Run, what: string): string {
  const lines = r.stderr.trimEnd().split("\n");
  assert.equal(lines.length, 1, `${what}: expected one line, got:\n${r.stderr}`);
  assert.match(lines[0], /^arclink: /, what);
  return lines[0];
}

// The command list is read from `arclink help`, so a command added to the table is tested here too.
const COMMANDS = cli(["help"])
  .stdout.split("\n")
  .flatMap((l) => /^ {2}([a-z-]+) {2,}/.exec(l)?.[1] ?? []);

/** The first flag of the command's --help that takes a value, and its placeholder. */
function firstValueFlag(help: string): [string, string] | undefined {
  const m = /^ {2}(?:-\w, | {4})(--[\w-]+) (\S+)/m.exec(help);
  return m ? [m[1], m[2]] : undefined;
}

describe("every command × --help, an unknown flag, a missing value", () => {
  it("has the commands", () => {
    for (const c of [
      "serve",
      "apply",
      "resolve",
      "check",
      "lint",
      "what-if",
      "host",
      "time",
      "script",
      "fleet",
    ])
      assert.ok(COMMANDS.includes(c), `${c} in ${COMMANDS.join(", ")}`);
    assert.ok(COMMANDS.includes("snapshot") && COMMANDS.includes("completion") && COMMANDS.includes("help"));
    assert.ok(COMMANDS.includes("schema"), COMMANDS.join(", "));
  });

  for (const c of COMMANDS) {
    it(`${c}: --help (exit 0), = 'arclink help ${c}'; --no-such-flag and a missing value (exit 2, one line)`, () => {
      const help = cli([c, "--help"]);
      assert.equal(help.code, 0, help.stderr);
      assert.equal(help.stderr, "");
      assert.match(help.stdout, new RegExp(`^Usage: arclink ${c}\\b`));
      assert.match(help.stdout, /^Flags:$/m);
      assert.match(help.stdout, /^Exit status: 0 /m);
      assert.match(help.stdout, /-h, --help/);
      assert.equal(cli(["help", c]).stdout, help.stdout, "help COMMAND and COMMAND --help differ");
      // -h and --help wherever they are, even after a flag that wants a value.
      assert.equal(cli([c, "--data", "-h"]).stdout, help.stdout);

      const unknown = cli([c, "--no-such-flag"]);
      assert.equal(unknown.code, 2, unknown.stderr);
      assert.match(oneLine(unknown, `${c} --no-such-flag`), /^arclink: Unknown flag: --no-such-flag/);

      const valued = firstValueFlag(help.stdout);
      if (!valued) return;
      const [flag, placeholder] = valued;
      const missing = cli([c, flag]);
      assert.equal(missing.code, 2, missing.stderr);
      assert.equal(
        oneLine(missing, `${c} ${flag}`),
        `arclink: Flag ${flag} needs a value: ${flag} ${placeholder}.`,
      );
    });
  }

  const table: Array<[string[], number, RegExp]> = [
    [["serve", "--prot", "1234"], 2, /^arclink: Unknown flag: --prot\. Did you mean --port\?$/],
    [["check", "--al", "--data", "X"], 2, /^arclink: Unknown flag: --al\. Did you mean --all\?$/],
    [
      ["check", "--host", "--json"],
      2,
      /^arclink: Flag --host needs a value: --host HOST \(got the flag --json\)\.$/,
    ],
    [
      ["check", "--all", "--data", "/nonexistent-arclink"],
      4,
      /No running ArcLink found: \/nonexistent-arclink\/ready\.json/,
    ],
    [
      ["apply", "-f", "examples/reference.yaml", "--data", "/nonexistent-arclink"],
      4,
      /No running ArcLink found/,
    ],
    [["apply", "-f"], 2, /^arclink: Flag -f \(--file\) needs a value: -f FILE\.$/],
    [["apply", "-f", "no-such.yaml", "--dry-run"], 3, /^arclink: cannot read no-such\.yaml: /],
    [["chek"], 2, /^arclink: Unknown command 'chek'\. Did you mean 'check'\?/],
    [
      ["snapshot", "sav", "x"],
      2,
      /takes save \| restore \| list \| delete first, got 'sav'\. Did you mean 'save'\?/,
    ],
    [["check", "--all", "extra"], 2, /Unexpected argument 'extra'/],
    [
      ["lint", "--format", "xml", "--topology", "examples/reference.yaml"],
      2,
      /--format must be table, json or sarif/,
    ],
    [["lint", "--topology", "no-such.yaml"], 3, /^arclink: Cannot read no-such\.yaml: /],
    [["what-if", "--topology", "examples/reference.yaml"], 2, /Give exactly one change/],
    [["completion", "fish"], 2, /takes bash \| zsh first, got 'fish'/],
    [["schema"], 2, /^arclink: Say which schema: arclink schema topology \| onprem\.$/],
    [["schema", "topo"], 2, /takes topology \| onprem first, got 'topo'\. Did you mean 'topology'\?$/],
    [["schema", "topology", "extra"], 2, /Unexpected argument 'extra'/],
    [
      ["serve", "--dns-workers", "0"],
      2,
      /--dns-workers must be a whole number of processes from 1 to 64 .*got '0'/,
    ],
  ];
  // serve logs its start-up (store migrations) before the error: the error is its last line, no stack.
  it("arclink serve --topology no-such.yaml → exit 3", () => {
    const data = mkdtempSync(join(tmpdir(), "arclink-cli-serve-"));
    try {
      const r = cli(["serve", "--port", "0", "--dns", "none", "--data", data, "--topology", "no-such.yaml"]);
      assert.equal(r.code, 3, r.stderr);
      assert.equal(
        r.stderr.trimEnd().split("\n").pop(),
        "arclink: cannot open no-such.yaml: no such file or directory. Fix: check the path.",
      );
      assert.doesNotMatch(r.stderr, /^ {4}at /m);
    } finally {
      rmSync(data, { recursive: true, force: true });
    }
  });

  for (const [args, code, msg] of table)
    it(`arclink ${args.join(" ")} → exit ${code}`, () => {
      const r = cli(args);
      assert.equal(r.code, code, r.stderr);
      assert.match(oneLine(r, args.join(" ")), msg);
    });
});

describe("colour: only on a terminal, never with NO_COLOR", () => {
  it("colorEnabled and paintVerdict", () => {
    const saved = process.env.NO_COLOR;
    try {
      delete process.env.NO_COLOR;
      assert.equal(colorEnabled({ isTTY: true, write: () => true }), true);
      assert.equal(colorEnabled({ isTTY: false, write: () => true }), false);
      process.env.NO_COLOR = "1";
      assert.equal(colorEnabled({ isTTY: true, write: () => true }), false);
    } finally {
      if (saved === undefined) delete process.env.NO_COLOR;
      else process.env.NO_COLOR = saved;
    }
    assert.equal(paintVerdict("refused", false, 9), "refused  ");
    assert.match(paintVerdict("refused", true), /\x1b\[31mrefused\x1b\[39m/);
  });
});

describe("shell completion from the specs", () => {
  const complete = (line: string): string[] => {
    const script = cli(["completion", "bash"]).stdout;
    const words = line.split(" ");
    const r = spawnSync(
      "bash",
      [
        "-c",
        `${script}\nCOMP_WORDS=(${words.map((w) => `'${w}'`).join(" ")}); COMP_CWORD=${words.length - 1}; _arclink; printf '%s\\n' "\${COMPREPLY[@]}"`,
      ],
      { encoding: "utf8" },
    );
    assert.equal(r.status, 0, r.stderr);
    return r.stdout.split("\n").filter(Boolean).sort();
  };

  it("bash: commands, flags, choices and first words", () => {
    assert.deepEqual(complete("arclink se"), ["serve"]);
    assert.deepEqual(complete("arclink serve --po"), ["--port", "--postgres-url"]);
    assert.deepEqual(complete("arclink serve --throttling "), ["azure", "off"]);
    assert.deepEqual(complete("arclink check --a"), ["--all"]);
    assert.deepEqual(complete("arclink snapshot "), ["delete", "list", "restore", "save"]);
    assert.deepEqual(complete("arclink help wh"), ["what-if"]);
    assert.deepEqual(complete("arclink lint --format s"), ["sarif"]);
  });

  it("zsh: a #compdef script with every command and its flags (zsh itself is not installed here)", () => {
    const r = cli(["completion", "zsh"]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^#compdef arclink\n/);
    for (const c of COMMANDS) assert.match(r.stdout, new RegExp(`^ {4}${c}\\)$`, "m"), c);
    assert.ok(
      r.stdout.includes(`'--throttling[ARM'\\''s request limits (default off)]:MODE:(azure off)'`),
      "--throttling",
    );
    assert.match(r.stdout, /'\(-f --file\)'\{-f,--file\}'\[the topology file\]:FILE:_files'/);
  });
});

describe("against a running ArcLink", () => {
  let srv: TestServer;
  const T = { timeout: 120_000 };
  before(async () => {
    srv = await startServer({ args: ["--topology", join(ROOT, "examples/reference.yaml"), "--dns", "none"] });
  });
  after(async () => {
    await srv?.stop();
  });
  const withServer = (args: string[]) => cli([...args, "--ready-file", srv.readyFile]);

  it(
    "check: a refused host is 1, no such host is 3 (listing the hosts), --all ends with a summary",
    T,
    () => {
      const refused = withServer(["check", "--host", "srv-lnx-02"]);
      assert.equal(refused.code, 1, refused.stderr);
      const none = withServer(["check", "--host", "nope"]);
      assert.equal(none.code, 3, none.stderr);
      assert.match(
        oneLine(none, "check --host nope"),
        /HostNotFound: No host 'nope' in the world\. Hosts: .*srv-lnx-01/,
      );
      const all = withServer(["check", "--all"]);
      assert.equal(all.code, 1, all.stderr);
      assert.match(
        all.stdout.trimEnd().split("\n").pop()!,
        /^\d+ hosts checked: \d+ reach every endpoint, \d+ ha(s|ve) refused endpoints \(.*srv-lnx-02.*\)\.$/,
      );
      // --data finds the same ArcLink as --ready-file (serve writes DATA/ready.json).
      const viaData = cli(["check", "--host", "srv-lnx-01", "--data", srv.dataDir]);
      assert.equal(viaData.code, 0, viaData.stderr);
    },
  );

  it("apply takes --data", T, () => {
    const r = cli(["apply", "-f", "examples/reference.yaml", "--data", srv.dataDir, "--dry-run"]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /resources planned from examples\/reference\.yaml; nothing was sent/);
  });

  it(
    "script --private-link-scope by name; an unknown or ambiguous name is 3 with the candidates",
    T,
    async () => {
      const base = [
        "script",
        "--os",
        "linux",
        "--resource-group",
        "rg-arc-private-link",
        "--location",
        "eastus",
        "--auth",
        "serviceprincipal",
        "--connectivity",
        "privateendpoint",
      ];
      const sub = srv.info.subscriptionId;
      const id = `/subscriptions/${sub}/resourceGroups/rg-arc-private-link/providers/Microsoft.HybridCompute/privateLinkScopes/pls-arc`;
      const byName = withServer([...base, "--private-link-scope", "pls-arc"]);
      assert.equal(byName.code, 0, byName.stderr);
      assert.ok(
        byName.stdout.toLowerCase().includes(`--private-link-scope "${id}"`.toLowerCase()),
        byName.stdout,
      );

      const unknown = withServer([...base, "--private-link-scope", "pls-nope"]);
      assert.equal(unknown.code, 3, unknown.stderr);
      assert.match(
        oneLine(unknown, "unknown scope"),
        /--private-link-scope: no Azure Arc Private Link Scope named 'pls-nope' in subscription .*\. There are: .*pls-arc/,
      );

      // A second scope with the same name in another group makes the name ambiguous.
      const rg2 = `/subscriptions/${sub}/resourceGroups/rg-cli-second`;
      assert.equal(
        (await arm(srv.info, "PUT", `${rg2}?api-version=2021-04-01`, { location: "eastus" })).status,
        201,
      );
      const put = await arm(
        srv.info,
        "PUT",
        `${rg2}/providers/Microsoft.HybridCompute/privateLinkScopes/pls-arc?api-version=2024-07-10`,
        { location: "eastus", properties: { publicNetworkAccess: "Disabled" } },
      );
      assert.ok(put.status === 200 || put.status === 201, put.text);
      const ambiguous = withServer([...base, "--private-link-scope", "pls-arc"]);
      assert.equal(ambiguous.code, 3, ambiguous.stderr);
      assert.match(
        oneLine(ambiguous, "ambiguous scope"),
        /--private-link-scope: 2 Azure Arc Private Link Scopes are named 'pls-arc' .*rg-arc-private-link.*, .*rg-cli-second/,
      );
    },
  );
});

describe("data folder and database the server cannot use: one line, exit 3; --debug adds the stack", () => {
  // As root, the permission checks bypass file modes: run the command as 'nobody' then.
  const asUser: SpawnSyncOptions = process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : {};
  const nobody = process.getuid?.() === 0;
  let dir: string;
  /** Folders above the checkout that 'nobody' could not pass through, and their modes before. */
  const opened: Array<[string, number]> = [];
  before(() => {
    dir = mkdtempSync(join(tmpdir(), "arclink-cli-"));
    chmodSync(dir, 0o755);
    // 'nobody' runs the built CLI from this checkout: a clone inside a private folder (mktemp -d
    // makes it 0700) must let others pass through for the test's time, then gets its mode back.
    if (nobody)
      for (let d = dirname(ARCLINK); d !== dirname(d); d = dirname(d)) {
        const mode = statSync(d).mode & 0o7777;
        if (!(mode & 0o001)) {
          opened.push([d, mode]);
          chmodSync(d, mode | 0o001);
        }
      }
  });
  after(() => {
    rmSync(dir, { recursive: true, force: true });
    for (const [d, mode] of opened) chmodSync(d, mode);
  });

  it("an unwritable data folder", () => {
    const ro = join(dir, "read-only");
    mkdirSync(ro, { mode: 0o555 });
    chmodSync(ro, 0o555);
    const args = ["serve", "--port", "0", "--dns", "none", "--data", join(ro, "data")];
    const r = cli(args, asUser);
    assert.equal(r.code, 3, r.stderr);
    assert.equal(
      oneLine(r, "unwritable data folder"),
      `arclink: cannot mkdir ${join(ro, "data")}: permission denied. Fix: give the user running arclink write access to it, or choose another folder (--data DIR).`,
    );
    const debug = cli([...args, "--debug"], asUser);
    assert.equal(debug.code, 3);
    assert.match(
      debug.stderr,
      /^arclink: cannot mkdir .*\nError: EACCES: permission denied, mkdir .*\n {4}at /,
    );
  });

  it("a read-only database", { timeout: 120_000 }, async () => {
    const data = join(dir, "data");
    const first = await startServer({ dataDir: data, args: ["--dns", "none"] });
    await first.stop();
    const chownAll = (p: string) => {
      chownSync(p, 65534, 65534);
      if (statSync(p).isDirectory()) for (const f of readdirSync(p)) chownAll(join(p, f));
    };
    if (nobody) chownAll(data);
    chmodSync(join(data, "arclink.db"), 0o444);
    const r = cli(["serve", "--port", "0", "--dns", "none", "--data", data], asUser);
    assert.equal(r.code, 3, r.stderr);
    assert.match(
      oneLine(r, "read-only database"),
      new RegExp(`^arclink: cannot open ${join(data, "arclink.db")}: permission denied\\. Fix: `),
    );
  });
});

describe("a reader that closes the pipe early", () => {
  it("ends the command quietly (exit 0, no EPIPE trace): arclink schema topology | true", () => {
    // The shell's pipe: the reader has closed it before the command writes its first byte.
    const r = spawnSync(
      "bash",
      [
        "-c",
        `set -o pipefail; "${process.execPath}" "${ARCLINK}" schema topology 2>err.txt | true; echo "rc=$?"; cat err.txt`,
      ],
      { encoding: "utf8", cwd: mkdtempSync(join(tmpdir(), "arclink-pipe-")) },
    );
    assert.match(r.stdout, /^rc=0\n/);
    assert.doesNotMatch(r.stdout, /EPIPE|Error/);
  });
});
