// The portal's onboarding scripts as ArcLink generates them (src/scripts, `arclink script`, the
// ArcLink.Lab/onboardingScripts API): every variant's text, bash syntax, hostile tag values run
// through a real bash into a recording azcmagent, the download-failure report, option errors
// (CLI exit 2, API 400/404), and end to end: a new simulated host onboarded by running the
// generated script against ArcLink's own agent.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { parseTags } from "../src/agent/flags.js";
import { generateScript } from "../src/scripts/index.js";
import {
  formatTagsArgument,
  ScriptOptionError,
  validateScriptOptions,
  type ScriptOptionsInput,
} from "../src/scripts/options.js";
import { bashQuote, psQuote } from "../src/scripts/quote.js";
import { arm } from "./helpers/arm.js";
import { ARCLINK, ROOT, startServer, type TestServer } from "./helpers/server.js";

const SUB = "00000000-0000-0000-0000-0000000000aa";
const TENANT = "00000000-0000-0000-0000-0000000000bb";
const APP = "00000000-0000-0000-0000-0000000000cc";
const CORR = "00000000-0000-0000-0000-0000000000dd";
const SCOPE = `/subscriptions/${SUB}/resourceGroups/rg-arc/providers/Microsoft.HybridCompute/privateLinkScopes/pls-arc`;
const PROXY = "http://192.168.1.20:3128";
const AGENT = join(ROOT, "dist/src/agent/azcmagent.js");
const T = { timeout: 120_000 };

let tmp: string;
before(() => {
  tmp = mkdtempSync(join(tmpdir(), "arclink-scripts-"));
});
after(() => {
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
  all: string;
}

function run(
  cmd: string,
  args: string[],
  env: Record<string, string>,
  opts: { timeoutMs?: number; cwd?: string } = {},
): Promise<Run> {
  return new Promise((resolve, reject) => {
    const p = spawn(cmd, args, { env, cwd: opts.cwd ?? tmp, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    p.stdout.on("data", (d) => (stdout += d));
    p.stderr.on("data", (d) => (stderr += d));
    const timer = setTimeout(() => p.kill("SIGKILL"), opts.timeoutMs ?? 90_000);
    p.on("error", reject);
    p.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, all: stdout + stderr });
    });
  });
}

function base(over: Partial<ScriptOptionsInput> = {}): ScriptOptionsInput {
  return {
    os: "linux",
    subscriptionId: SUB,
    resourceGroup: "rg-arc",
    tenantId: TENANT,
    location: "eastus",
    authType: "interactive",
    connectivity: "public",
    correlationId: CORR,
    physicalLocation: { datacenter: "HQ-DC1", city: "Redmond", stateOrDistrict: "WA", countryOrRegion: "US" },
    tags: { Environment: "Lab" },
    ...over,
  };
}

function variant(os: string, auth: string, conn: string): ScriptOptionsInput {
  return base({
    os,
    authType: auth,
    connectivity: conn,
    ...(auth === "servicePrincipal"
      ? { servicePrincipalClientId: APP, servicePrincipalSecret: "s3cr3t~value" }
      : {}),
    ...(conn === "proxy" ? { proxyUrl: PROXY } : {}),
    ...(conn === "privateEndpoint" ? { privateLinkScopeId: SCOPE } : {}),
  });
}

/** The arguments after `azcmagent connect` in a generated script, joined into one logical line. */
function connectLine(text: string): string {
  const lines = text.split(/\r?\n/);
  const i = lines.findIndex((l) => /azcmagent(\.exe")? connect/.test(l));
  assert.ok(i >= 0, "no connect line");
  const out: string[] = [];
  for (let j = i; j < lines.length; j++) {
    out.push(lines[j].trim().replace(/ [\\`]$/, ""));
    if (!/ [\\`]$/.test(lines[j])) break;
  }
  return out.join(" ");
}

/** What a bash word evaluates to, by asking bash. */
async function bashEval(word: string): Promise<string> {
  const r = await run("/bin/bash", ["-c", `printf '%s' ${word}`], { PATH: "/usr/bin:/bin" });
  assert.equal(r.code, 0, r.stderr);
  return r.stdout;
}

/** What a PowerShell expandable string evaluates to, when it has no live $ or quote (psQuote's output). */
function psUnquote(s: string): string {
  assert.ok(s.startsWith('"') && s.endsWith('"'), s);
  const body = s.slice(1, -1);
  let out = "";
  for (let i = 0; i < body.length; i++) {
    const c = body[i];
    if (c === "`") {
      out += body[++i];
      continue;
    }
    assert.ok(!/[$"\u201c\u201d\u201e]/.test(c), `unescaped ${c} at ${i} in ${s}`);
    out += c;
  }
  return out;
}

const HOSTILE: Record<string, string> = {
  Quote: "O'Brien's",
  Double: 'say "hi"',
  Both: `it's "quoted"`,
  Comma: "a,b, c",
  Edge: "  padded  ",
  LeadQuote: "'x' marks",
  Subst: "$(touch INJECTED)`touch INJECTED2`${HOME}",
  Backslash: "C:\\path\\ends\\",
  Bang: "hello!world;|&<>*?~#",
  Smart: "\u2018curly\u2019 \u201cdouble\u201d",
  Unicode: "Zürich – 東京",
  Empty: "",
};

describe("generated scripts: every variant", () => {
  for (const os of ["linux", "windows"]) {
    for (const auth of ["interactive", "servicePrincipal"]) {
      for (const conn of ["public", "proxy", "privateEndpoint"]) {
        it(`${os} × ${auth} × ${conn}`, async () => {
          const o = validateScriptOptions(variant(os, auth, conn));
          const s = generateScript(o);
          const line = connectLine(s.text);
          const sp = auth === "servicePrincipal";
          if (os === "linux") {
            assert.equal(s.fileName, "OnboardingScript.sh");
            assert.ok(s.text.startsWith("#!/bin/bash\n"));
            for (const [k, v] of [
              ["subscriptionId", SUB],
              ["resourceGroup", "rg-arc"],
              ["tenantId", TENANT],
              ["location", "eastus"],
              ["authType", sp ? "principal" : "token"],
              ["correlationId", CORR],
              ["cloud", "AzureCloud"],
            ])
              assert.ok(s.text.includes(`\nexport ${k}="${v}"\n`), `export ${k}`);
            assert.equal(s.text.includes("export servicePrincipalClientId="), sp);
            assert.equal(s.text.includes("export servicePrincipalSecret="), sp);
            assert.match(s.text, /https:\/\/gbl\.his\.arc\.azure\.com\/azcmagent-linux/);
            assert.match(s.text, /\$HOME\/install_linux_azcmagent\.sh/);
            assert.match(s.text, /if command -v azcmagent >\/dev\/null 2>&1; then/);
            assert.match(s.text, /if \[ "\$\(id -u\)" -ne 0 \]; then SUDO=sudo; fi/);
            assert.match(s.text, /"messageType":"%s"/);
            // sudo only through $SUDO.
            const code = s.text
              .split("\n")
              .filter((l) => !/^\s*#/.test(l))
              .join("\n");
            assert.ok(!/(^|[\s;(])sudo\s/m.test(code.replace(/SUDO=sudo;/, "")), "a bare sudo call");
            assert.match(line, /^\$SUDO azcmagent connect /);
            for (const f of [
              "resource-group",
              "tenant-id",
              "location",
              "subscription-id",
              "cloud",
              "correlation-id",
            ])
              assert.ok(line.includes(`--${f} "$`), `--${f}`);
            assert.equal(line.includes('--service-principal-id "$servicePrincipalClientId"'), sp);
            assert.equal(line.includes('--service-principal-secret "$servicePrincipalSecret"'), sp);
            assert.equal(
              line.includes(
                `--tags "Datacenter='HQ-DC1',City='Redmond',StateOrDistrict='WA',CountryOrRegion='US',Environment='Lab'"`,
              ),
              true,
              line,
            );
            assert.equal(s.text.includes(`proxyUrl="${PROXY}"`), conn === "proxy");
            assert.equal(/curl [^\n]*--proxy "\$proxyUrl"/.test(s.text), conn === "proxy");
            assert.equal(s.text.includes('bash "$installer" --proxy "$proxyUrl"'), conn === "proxy");
            assert.equal(s.text.includes('azcmagent config set proxy.url "$proxyUrl"'), conn === "proxy");
            // bash -n: the script parses.
            const file = join(tmp, `${os}-${auth}-${conn}.sh`);
            writeFileSync(file, s.text);
            const r = await run("/bin/bash", ["-n", file], { PATH: "/usr/bin:/bin" });
            assert.equal(r.code, 0, r.stderr);
          } else {
            assert.equal(s.fileName, "OnboardingScript.ps1");
            for (const [k, v] of [
              ["SUBSCRIPTION_ID", SUB],
              ["RESOURCE_GROUP", "rg-arc"],
              ["TENANT_ID", TENANT],
              ["LOCATION", "eastus"],
              ["AUTH_TYPE", sp ? "principal" : "token"],
              ["CORRELATION_ID", CORR],
              ["CLOUD", "AzureCloud"],
            ])
              assert.ok(s.text.includes(`\r\n$env:${k} = "${v}"\r\n`), `$env:${k}`);
            assert.equal(s.text.includes("$servicePrincipalClientId = "), sp);
            assert.equal(s.text.includes("$servicePrincipalSecret = "), sp);
            assert.match(s.text, /IsInRole\(\[Security\.Principal\.WindowsBuiltInRole\]::Administrator\)/);
            assert.match(s.text, /SecurityProtocol -bor 3072/);
            assert.match(s.text, /\[Environment\]::Is64BitProcess/);
            assert.match(s.text, /https:\/\/gbl\.his\.arc\.azure\.com\/azcmagent-windows/);
            assert.match(s.text, /"\$env:TEMP\\install_windows_azcmagent\.ps1"/);
            assert.match(s.text, /"DownloadScriptFailed"/);
            assert.match(s.text, /https:\/\/gbl\.his\.arc\.azure\.com\/log/);
            assert.match(s.text, /\r\ntry \{\r\n[\s\S]*\r\n\} catch \{\r\n/);
            assert.ok(
              line.startsWith('& "$env:ProgramW6432\\AzureConnectedMachineAgent\\azcmagent.exe" connect '),
            );
            for (const f of [
              "resource-group",
              "tenant-id",
              "location",
              "subscription-id",
              "cloud",
              "correlation-id",
            ])
              assert.ok(line.includes(`--${f} "$env:`), `--${f}`);
            assert.equal(line.includes('--service-principal-id "$servicePrincipalClientId"'), sp);
            assert.equal(
              line.includes("--service-principal-secret (ConvertTo-AgentArgument $servicePrincipalSecret)"),
              sp,
            );
            assert.ok(
              line.includes(
                `--tags (ConvertTo-AgentArgument "Datacenter='HQ-DC1',City='Redmond',StateOrDistrict='WA',CountryOrRegion='US',Environment='Lab'")`,
              ),
              line,
            );
            assert.equal(s.text.includes(`$proxyUrl = "${PROXY}"`), conn === "proxy");
            assert.equal(
              s.text.includes("-OutFile $installer -TimeoutSec 300 -Proxy $proxyUrl"),
              conn === "proxy",
            );
            assert.equal(s.text.includes("& $azcmagent config set proxy.url $proxyUrl"), conn === "proxy");
            assert.match(s.text, /\$code = \$LASTEXITCODE\r\n\s+if \(\$code -ne 0\) \{[\s\S]*?exit \$code/);
          }
          // The scope only with the private endpoint method.
          assert.equal(line.includes("--private-link-scope"), conn === "privateEndpoint");
          assert.equal(s.text.includes(SCOPE), conn === "privateEndpoint");
          if (conn === "privateEndpoint") assert.ok(line.includes(`--private-link-scope "${SCOPE}"`), line);
        });
      }
    }
  }

  it("leaves --tags out without tags, and generates a correlation id when none is given", () => {
    const o = validateScriptOptions(
      base({ tags: undefined, physicalLocation: undefined, correlationId: undefined }),
    );
    assert.match(o.correlationId, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    assert.notEqual(validateScriptOptions(base({ correlationId: undefined })).correlationId, o.correlationId);
    const s = generateScript(o);
    assert.ok(!s.text.includes("--tags"));
    assert.ok(s.text.includes(`export correlationId="${o.correlationId}"`));
    // Physical-location tags left empty are not sent.
    const p = validateScriptOptions(
      base({ physicalLocation: { city: "Oslo", datacenter: "" }, tags: undefined }),
    );
    assert.deepEqual(p.tags, [["City", "Oslo"]]);
  });
});

describe("hostile values", () => {
  it("bashQuote and psQuote give back exactly the value", async () => {
    for (const v of Object.values(HOSTILE)) {
      assert.equal(await bashEval(bashQuote(v)), v, v);
      assert.equal(psUnquote(psQuote(v)), v, v);
    }
  });

  it("every tag and the secret reach azcmagent intact through bash (no injection)", T, async () => {
    const fake = mkdtempSync(join(tmp, "fake-"));
    const work = mkdtempSync(join(tmp, "work-"));
    const argsFile = join(work, "args.json");
    const rec = join(fake, "record.cjs");
    writeFileSync(
      rec,
      `require("fs").writeFileSync(${JSON.stringify(argsFile)}, JSON.stringify(process.argv.slice(2)));\n`,
    );
    writeFileSync(join(fake, "azcmagent"), `#!/bin/sh\nexec "${process.execPath}" "${rec}" "$@"\n`);
    chmodSync(join(fake, "azcmagent"), 0o755);
    const secret = `p'a"s$(touch INJECTED3)\`x\`\\`;
    const o = validateScriptOptions(
      base({
        authType: "servicePrincipal",
        servicePrincipalClientId: APP,
        servicePrincipalSecret: secret,
        physicalLocation: { city: "New York", datacenter: "DC 'One'" },
        tags: HOSTILE,
      }),
    );
    const file = join(work, "OnboardingScript.sh");
    writeFileSync(file, generateScript(o).text);
    // Run in `work`: an injected `touch` would leave its file there.
    const r = await run("/bin/bash", [file], { PATH: `${fake}:/usr/bin:/bin`, HOME: work }, { cwd: work });
    assert.equal(r.code, 0, r.all);
    assert.match(r.stdout, /already installed/);
    const argv = JSON.parse(readFileSync(argsFile, "utf8")) as string[];
    assert.equal(argv[0], "connect");
    const val = (f: string) => argv[argv.indexOf(f) + 1];
    assert.equal(val("--service-principal-secret"), secret);
    assert.equal(val("--subscription-id"), SUB);
    assert.deepEqual(parseTags(val("--tags")), { Datacenter: "DC 'One'", City: "New York", ...HOSTILE });
    for (const f of ["INJECTED", "INJECTED2", "INJECTED3"])
      assert.ok(!existsSync(join(work, f)), `${f} was created`);
    // The same values on Windows: the PowerShell string evaluates to the same --tags text.
    const ow = validateScriptOptions(
      base({
        os: "windows",
        authType: "servicePrincipal",
        servicePrincipalClientId: APP,
        servicePrincipalSecret: secret,
        physicalLocation: { city: "New York", datacenter: "DC 'One'" },
        tags: HOSTILE,
      }),
    );
    const ps = generateScript(ow).text;
    const m = /--tags \(ConvertTo-AgentArgument ("(?:[^"`]|`.)*")\)/.exec(ps);
    assert.ok(m, "no --tags in the PowerShell script");
    assert.equal(psUnquote(m[1]), formatTagsArgument(ow.tags));
    assert.deepEqual(parseTags(psUnquote(m[1])), { Datacenter: "DC 'One'", City: "New York", ...HOSTILE });
    const sm = /\r\n\$servicePrincipalSecret = (.*)\r\n/.exec(ps);
    assert.ok(sm);
    assert.equal(psUnquote(sm[1]), secret);
  });

  it("a failed download is reported to /log with the §7 fields and stops the script", T, async () => {
    const fake = mkdtempSync(join(tmp, "fake-curl-"));
    const work = mkdtempSync(join(tmp, "work-curl-"));
    const calls = join(work, "curl-calls.jsonl");
    const rec = join(fake, "curl.cjs");
    // A curl that cannot reach anything: the download fails; the /log PUT is recorded.
    writeFileSync(
      rec,
      `const fs = require("fs"); const a = process.argv.slice(2);
fs.appendFileSync(${JSON.stringify(calls)}, JSON.stringify(a) + "\\n");
if (a.includes("-o")) { process.stderr.write("curl: (6) Could not resolve host: gbl.his.arc.azure.com\\n"); process.exit(6); }
process.exit(0);\n`,
    );
    writeFileSync(join(fake, "curl"), `#!/bin/sh\nexec "${process.execPath}" "${rec}" "$@"\n`);
    chmodSync(join(fake, "curl"), 0o755);
    const o = validateScriptOptions(variant("linux", "servicePrincipal", "proxy"));
    const file = join(work, "OnboardingScript.sh");
    writeFileSync(file, generateScript(o).text);
    const r = await run("/bin/bash", [file], { PATH: `${fake}:/usr/bin:/bin`, HOME: work });
    assert.equal(r.code, 1, r.all);
    assert.match(
      r.stderr,
      /Failed to download the installation script .*exit code 6.*Could not resolve host/,
    );
    assert.doesNotMatch(r.all, /Connecting this machine/);
    const lines = readFileSync(calls, "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as string[]);
    assert.equal(lines.length, 2, JSON.stringify(lines));
    const [download, log] = lines;
    assert.ok(download.includes("https://gbl.his.arc.azure.com/azcmagent-linux"));
    assert.equal(download[download.indexOf("-o") + 1], join(work, "install_linux_azcmagent.sh"));
    assert.equal(download[download.indexOf("--proxy") + 1], PROXY);
    assert.equal(log[log.length - 1], "https://gbl.his.arc.azure.com/log");
    assert.equal(log[log.indexOf("-X") + 1], "PUT");
    assert.equal(log[log.indexOf("--proxy") + 1], PROXY);
    const body = JSON.parse(log[log.indexOf("--data") + 1]);
    assert.deepEqual(
      { ...body, message: undefined },
      {
        subscriptionId: SUB,
        resourceGroup: "rg-arc",
        tenantId: TENANT,
        location: "eastus",
        correlationId: CORR,
        authType: "principal",
        operation: "onboarding",
        messageType: "DownloadScriptFailed",
        message: undefined,
      },
    );
    assert.match(body.message, /azcmagent-linux \(exit code 6\): curl: \(6\) Could not resolve host/);
  });
});

describe("option errors", () => {
  const cases: [string, Partial<ScriptOptionsInput>, string, RegExp][] = [
    [
      "subscription",
      { subscriptionId: "not-a-guid" },
      "subscriptionId",
      /not the subscription id: use a GUID/,
    ],
    ["resource group", { resourceGroup: "bad/rg" }, "resourceGroup", /not a resource group name/],
    ["region", { location: "mars" }, "location", /'mars' is not a region ArcLink knows.*eastus/],
    ["os", { os: "macos" }, "os", /'macos' is not a valid os: use 'linux' or 'windows'/],
    ["auth", { authType: "password" }, "authType", /'interactive' or 'servicePrincipal'/],
    [
      "SP without id",
      { authType: "servicePrincipal", servicePrincipalSecret: "x" },
      "servicePrincipalClientId",
      /required/,
    ],
    [
      "SP without secret",
      { authType: "servicePrincipal", servicePrincipalClientId: APP },
      "servicePrincipalSecret",
      /required/,
    ],
    [
      "secret with interactive",
      { servicePrincipalSecret: "x" },
      "servicePrincipalSecret",
      /only used with authType 'servicePrincipal'/,
    ],
    ["connectivity", { connectivity: "vpn" }, "connectivity", /'public' or 'proxy' or 'privateEndpoint'/],
    ["proxy without URL", { connectivity: "proxy" }, "proxyUrl", /needs the proxy server's URL/],
    ["https proxy", { connectivity: "proxy", proxyUrl: "https://p:3128" }, "proxyUrl", /plain HTTP/],
    ["proxy without port", { connectivity: "proxy", proxyUrl: "http://p" }, "proxyUrl", /http:\/\/host:port/],
    [
      "proxy with credentials",
      { connectivity: "proxy", proxyUrl: "http://u:p@h:3128" },
      "proxyUrl",
      /authentication/,
    ],
    [
      "proxy shell text",
      { connectivity: "proxy", proxyUrl: "http://h:1;rm -rf /" },
      "proxyUrl",
      /http:\/\/host:port/,
    ],
    ["proxy URL on public", { proxyUrl: PROXY }, "proxyUrl", /only used with connectivity 'proxy'/],
    [
      "PE without scope",
      { connectivity: "privateEndpoint" },
      "privateLinkScopeId",
      /needs the Azure Arc Private Link Scope/,
    ],
    [
      "scope of another type",
      { connectivity: "privateEndpoint", privateLinkScopeId: SCOPE.replace("privateLinkScopes", "machines") },
      "privateLinkScopeId",
      /not the id of an Azure Arc Private Link Scope/,
    ],
    [
      "scope on public",
      { privateLinkScopeId: SCOPE },
      "privateLinkScopeId",
      /only used with connectivity 'privateEndpoint'/,
    ],
    ["tag name chars", { tags: { "a<b": "x" } }, "tags.a<b", /< > % & \\ \? \//],
    ["tag name =", { tags: { "a=b": "x" } }, "tags.a=b", /'=' or ','/],
    ["long tag name", { tags: { ["n".repeat(513)]: "x" } }, `tags.${"n".repeat(513)}`, /at most 512/],
    ["long tag value", { tags: { n: "v".repeat(257) } }, "tags.n", /at most 256/],
    ["control char", { tags: { n: "a\nb" } }, "tags.n", /control character/],
    ["unwritable value", { tags: { n: `'a" , "b'` } }, "tags.n", /cannot carry that/],
    ["duplicate tag", { tags: { city: "x" } }, "tags.city", /given twice.*'City'/],
    [
      "too many tags",
      { tags: Object.fromEntries(Array.from({ length: 47 }, (_, i) => [`t${i}`, "v"])) },
      "tags",
      /at most 50/,
    ],
    ["correlation id", { correlationId: "abc" }, "correlationId", /GUID/],
    ["cloud", { cloud: "AzureChinaCloud" }, "cloud", /'AzureCloud'/],
    [
      "physical key",
      { physicalLocation: { building: "7" } },
      "physicalLocation.building",
      /datacenter, city/,
    ],
  ];
  for (const [what, over, option, msg] of cases) {
    it(what, () => {
      let err: unknown;
      try {
        validateScriptOptions(base(over));
      } catch (e) {
        err = e;
      }
      assert.ok(err instanceof ScriptOptionError, `expected a ScriptOptionError, got ${String(err)}`);
      assert.equal(err.option, option);
      assert.match(err.message, msg);
    });
  }

  it("accepts 50 tags, region display names and case-insensitive choices", () => {
    const o = validateScriptOptions(
      base({
        location: "West Europe",
        os: "Windows",
        connectivity: "PrivateEndpoint",
        privateLinkScopeId: SCOPE,
        authType: "serviceprincipal",
        servicePrincipalClientId: APP,
        servicePrincipalSecret: "x",
        tags: Object.fromEntries(Array.from({ length: 46 }, (_, i) => [`t${i}`, "v"])),
      }),
    );
    assert.equal(o.location, "westeurope");
    assert.equal(o.os, "windows");
    assert.equal(o.connectivity, "privateEndpoint");
    assert.equal(o.authType, "servicePrincipal");
    assert.equal(o.tags.length, 50);
  });
});

describe("arclink script (no server)", () => {
  const cli = (args: string[]) =>
    run(process.execPath, [ARCLINK, "script", ...args], { ...process.env, NO_COLOR: "1" } as Record<
      string,
      string
    >);
  const offline = ["--subscription", SUB, "--tenant", TENANT, "--ready-file", "/nonexistent/ready.json"];

  it("writes a Linux script offline with repeated --tag and the physical-location flags", T, async () => {
    const out = join(tmp, "cli-OnboardingScript.sh");
    const r = await cli([
      "--os",
      "linux",
      "--resource-group",
      "rg-arc",
      "--location",
      "eastus",
      ...offline,
      "--auth",
      "interactive",
      "--connectivity",
      "proxy",
      "--proxy-url",
      PROXY,
      "--tag",
      "Env=Lab",
      "--tag=Owner=O'Brien=x",
      "--datacenter",
      "DC1",
      "--country",
      "US",
      "--correlation-id",
      CORR,
      "--out",
      out,
    ]);
    assert.equal(r.code, 0, r.all);
    assert.match(r.stdout, /OnboardingScript\.sh for linux \(proxy, interactive\) written to/);
    const text = readFileSync(out, "utf8");
    assert.deepEqual(parseTags(await bashEval(/--tags (.*?)(?: \\)?$/m.exec(text)![1])), {
      Datacenter: "DC1",
      CountryOrRegion: "US",
      Env: "Lab",
      Owner: "O'Brien=x",
    });
    assert.ok(text.includes(`proxyUrl="${PROXY}"`));
    const syntax = await run("/bin/bash", ["-n", out], { PATH: "/usr/bin:/bin" });
    assert.equal(syntax.code, 0, syntax.stderr);
  });

  it("prints a Windows service principal script to stdout", T, async () => {
    const r = await cli([
      "--os",
      "windows",
      "--resource-group",
      "rg-arc",
      "--location",
      "westeurope",
      ...offline,
      "--auth",
      "serviceprincipal",
      "--client-id",
      APP,
      "--client-secret",
      "abc",
      "--connectivity",
      "public",
    ]);
    assert.equal(r.code, 0, r.all);
    assert.match(r.stdout, /\$env:AUTH_TYPE = "principal"/);
    assert.match(r.stdout, /--service-principal-id "\$servicePrincipalClientId"/);
  });

  const bad: [string, string[], RegExp][] = [
    ["unknown region", ["--location", "mars"], /--location: 'mars' is not a region/],
    ["proxy without URL", ["--connectivity", "proxy"], /--proxy-url: .*needs the proxy server's URL/],
    ["bad tag", ["--tag", "a<b=1"], /--tag: The tag name 'a<b'/],
    ["tag without =", ["--tag", "novalue"], /--tag 'novalue' has no '='/],
    [
      "scope on public",
      ["--private-link-scope", SCOPE],
      /--private-link-scope: .*only used with connectivity 'privateEndpoint'/,
    ],
    ["unknown flag", ["--colour", "red"], /Unknown flag: --colour/],
    ["bad os", ["--os", "beos"], /--os: 'beos' is not a valid os/],
  ];
  for (const [what, extra, msg] of bad) {
    it(`exit 2: ${what}`, T, async () => {
      const args = [
        "--os",
        "linux",
        "--resource-group",
        "rg-arc",
        "--location",
        "eastus",
        ...offline,
        "--auth",
        "interactive",
        "--connectivity",
        "public",
        "--out",
        join(tmp, "never.sh"),
      ];
      // Later flags win: the bad value replaces the good one.
      const r = await cli([...args, ...extra]);
      assert.equal(r.code, 2, r.all);
      assert.match(r.stderr, msg);
      assert.ok(!existsSync(join(tmp, "never.sh")), "a script was written");
    });
  }

  it("exit 2 when required flags are missing; usage names them", T, async () => {
    const r = await cli(["--os", "linux"]);
    assert.equal(r.code, 2, r.all);
    assert.match(r.stderr, /Missing --resource-group, --location, --auth/);
    assert.match(r.stderr, /Usage: arclink script/);
  });
});

describe("onboarding scripts against ArcLink (reference topology)", () => {
  const RG = "rg-arc-private-link";
  const LAB = "api-version=2025-01-01";
  const HC = "api-version=2024-07-10";
  const HOST = "srv-lnx-40";
  let srv: TestServer;
  let sub: string;
  let scopeId: string;
  let apiPath: string;

  const machinesList = async () => {
    const r = await arm(
      srv.info,
      "GET",
      `/subscriptions/${sub}/providers/Microsoft.HybridCompute/machines?${HC}`,
    );
    assert.equal(r.status, 200, r.text);
    return (r.json.value as any[]).map((m) => m.name).sort();
  };

  before(async () => {
    srv = await startServer({ args: ["--topology", join(ROOT, "examples/reference.yaml")] });
    sub = srv.info.subscriptionId;
    scopeId = `/subscriptions/${sub}/resourceGroups/${RG}/providers/Microsoft.HybridCompute/privateLinkScopes/pls-arc`;
    apiPath = `/subscriptions/${sub}/providers/ArcLink.Lab/onboardingScripts?${LAB}`;
  });
  after(async () => {
    await srv?.stop();
  });

  const peBody = (over: Record<string, unknown> = {}) => ({
    os: "linux",
    resourceGroup: RG,
    location: "eastus",
    authType: "servicePrincipal",
    servicePrincipalClientId: srv.info.clientId,
    servicePrincipalSecret: srv.info.clientSecret,
    connectivity: "privateEndpoint",
    privateLinkScopeId: scopeId,
    physicalLocation: { datacenter: "HQ-DC1", city: "Redmond", stateOrDistrict: "WA", countryOrRegion: "US" },
    tags: { Owner: "O'Brien & Co", Note: '$(id) "x", y' },
    ...over,
  });

  it(
    "the API refuses a scope in another region, another subscription, a missing scope or resource group",
    T,
    async () => {
      const before = await machinesList();
      const cases: [Record<string, unknown>, number, string, RegExp][] = [
        [
          { location: "westus" },
          400,
          "PrivateLinkScopeLocationMismatch",
          /is in 'eastus', but the machines' region is 'westus'/,
        ],
        [
          { privateLinkScopeId: scopeId.replace(sub, "99999999-9999-9999-9999-999999999999") },
          400,
          "PrivateLinkScopeSubscriptionMismatch",
          /in subscription 99999999-9999-9999-9999-999999999999, but the machines are created in subscription/,
        ],
        [
          { privateLinkScopeId: scopeId.replace("pls-arc", "pls-nope") },
          404,
          "PrivateLinkScopeNotFound",
          /was not found/,
        ],
        [{ resourceGroup: "rg-nope" }, 404, "ResourceGroupNotFound", /rg-nope/],
        [
          { connectivity: "privateEndpoint", privateLinkScopeId: undefined },
          400,
          "InvalidParameter",
          /needs the Azure Arc Private Link Scope/,
        ],
        [{ tags: { "a/b": "x" } }, 400, "InvalidParameter", /contains one of/],
        [
          { privateLinkScope: scopeId },
          400,
          "InvalidRequestContent",
          /'privateLinkScope' is not a script option/,
        ],
      ];
      for (const [over, status, code, msg] of cases) {
        const r = await arm(srv.info, "POST", apiPath, peBody(over));
        assert.equal(r.status, status, `${JSON.stringify(over)}: ${r.text}`);
        assert.equal(r.json?.error?.code, code, r.text);
        assert.match(r.json.error.message, msg);
        assert.ok(!("text" in (r.json ?? {})));
      }
      const wrongMethod = await arm(srv.info, "GET", apiPath);
      assert.equal(wrongMethod.status, 405, wrongMethod.text);
      // Nothing was created.
      assert.deepEqual(await machinesList(), before);
    },
  );

  it(
    "the API generates the private endpoint script with the scope's id, defaulting the tenant",
    T,
    async () => {
      const r = await arm(srv.info, "POST", apiPath, peBody({ os: "windows" }));
      assert.equal(r.status, 200, r.text);
      assert.equal(r.json.fileName, "OnboardingScript.ps1");
      assert.equal(r.json.privateLinkScopeId.toLowerCase(), scopeId.toLowerCase());
      assert.match(r.json.text, new RegExp(`\\$env:TENANT_ID = "${srv.info.tenantId}"`));
      assert.ok(r.json.text.includes(`--private-link-scope "${r.json.privateLinkScopeId}"`));
      assert.deepEqual(r.json.tags, {
        Datacenter: "HQ-DC1",
        City: "Redmond",
        StateOrDistrict: "WA",
        CountryOrRegion: "US",
        Owner: "O'Brien & Co",
        Note: '$(id) "x", y',
      });
    },
  );

  it("arclink script --connectivity privateendpoint checks the scope through the API", T, async () => {
    const cli = (args: string[]) =>
      run(
        process.execPath,
        [ARCLINK, "script", "--ready-file", srv.readyFile, ...args],
        process.env as Record<string, string>,
      );
    const common = [
      "--os",
      "linux",
      "--resource-group",
      RG,
      "--auth",
      "serviceprincipal",
      "--connectivity",
      "privateendpoint",
      "--private-link-scope",
      scopeId,
    ];
    const bad = await cli([...common, "--location", "westus"]);
    assert.equal(bad.code, 2, bad.all);
    assert.match(bad.stderr, /PrivateLinkScopeLocationMismatch/);
    const out = join(tmp, "cli-pe.sh");
    const good = await cli([...common, "--location", "eastus", "--tag", "Env=Lab", "--out", out]);
    assert.equal(good.code, 0, good.all);
    const text = readFileSync(out, "utf8");
    assert.ok(text.includes(`export subscriptionId="${sub}"`));
    assert.ok(text.includes(`export tenantId="${srv.info.tenantId}"`));
    assert.ok(text.includes(`export servicePrincipalClientId="${srv.info.clientId}"`));
    assert.match(text, /--private-link-scope "\/subscriptions\/[^"]+\/privateLinkScopes\/pls-arc"/);
    assert.ok(text.includes(`--tags "Env='Lab'"`));
  });

  it("end to end: a new host runs the generated scripts against ArcLink's agent", T, async () => {
    // A new on-premises host that uses dc01, with no machine yet.
    const site = (
      await arm(
        srv.info,
        "GET",
        `/subscriptions/${sub}/resourceGroups/${RG}/providers/ArcLink.Lab/hosts/srv-lnx-01?${LAB}`,
      )
    ).json.properties.siteId;
    assert.ok(site, "srv-lnx-01 has no siteId");
    const hostPut = await arm(
      srv.info,
      "PUT",
      `/subscriptions/${sub}/resourceGroups/${RG}/providers/ArcLink.Lab/hosts/${HOST}?${LAB}`,
      {
        location: "global",
        properties: {
          siteId: site,
          privateIPAddress: "192.168.1.40",
          osType: "Linux",
          dnsServers: ["192.168.1.10"],
        },
      },
    );
    assert.ok(hostPut.status === 200 || hostPut.status === 201, hostPut.text);
    const machinePath = `/subscriptions/${sub}/resourceGroups/${RG}/providers/Microsoft.HybridCompute/machines/${HOST}?${HC}`;
    assert.equal((await arm(srv.info, "GET", machinePath)).status, 404);

    const cred = join(tmp, `${HOST}.credential.json`);
    const c = await run(
      process.execPath,
      [ARCLINK, "host", "credential", "--host", HOST, "--out", cred, "--ready-file", srv.readyFile],
      process.env as Record<string, string>,
    );
    assert.equal(c.code, 0, c.all);

    // PATH: an azcmagent shim and the system tools; sudo is not there (and must not be needed as root).
    const bin = join(tmp, "bin");
    mkdirSync(bin, { recursive: true });
    writeFileSync(join(bin, "azcmagent"), `#!/bin/sh\nexec "${process.execPath}" "${AGENT}" "$@"\n`);
    chmodSync(join(bin, "azcmagent"), 0o755);
    const runScript = async (text: string, name: string) => {
      const work = mkdtempSync(join(tmp, `${name}-`));
      const file = join(work, "OnboardingScript.sh");
      writeFileSync(file, text);
      const home = mkdtempSync(join(tmp, `${name}-agent-`));
      return run("/bin/bash", [file], {
        PATH: `${bin}:/usr/bin:/bin`,
        HOME: work,
        AZCMAGENT_HOME: home,
        ARCLINK_HOST_CREDENTIAL: cred,
        AZCMAGENT_DNS_TIMEOUT_MS: "800",
      });
    };
    const which = await run("/bin/bash", ["-c", "command -v sudo || echo none"], {
      PATH: `${bin}:/usr/bin:/bin`,
    });
    const sudoPresent = which.stdout.trim() !== "none";

    // Public connectivity on a host whose DNS answers Arc's names privately: the agent stops.
    const pub = await arm(
      srv.info,
      "POST",
      apiPath,
      peBody({ connectivity: "public", privateLinkScopeId: undefined }),
    );
    assert.equal(pub.status, 200, pub.text);
    assert.ok(!pub.json.text.includes("--private-link-scope"));
    const failed = await runScript(pub.json.text, "public");
    assert.equal(failed.code, 26, failed.all);
    assert.match(
      failed.all,
      /Private Link Scope resource ID must be provided as endpoint gbl\.his\.arc\.azure\.com is configured private/,
    );
    assert.match(failed.all, /AZCM0026/);
    assert.match(failed.stderr, /azcmagent connect failed with exit code 26/);
    assert.equal((await arm(srv.info, "GET", machinePath)).status, 404, "the failed run created the machine");

    // The private endpoint + service principal script: onboarded through the scope.
    const pe = await arm(srv.info, "POST", apiPath, peBody());
    assert.equal(pe.status, 200, pe.text);
    const ok = await runScript(pe.json.text, "pe");
    assert.equal(ok.code, 0, ok.all);
    assert.match(ok.stdout, /already installed/);
    assert.match(ok.stdout, /This machine is connected to Azure Arc\./);
    if (!sudoPresent) assert.doesNotMatch(ok.all, /sudo: (command )?not found/);

    const m = await arm(srv.info, "GET", machinePath);
    assert.equal(m.status, 200, m.text);
    assert.equal(m.json.properties.status, "Connected");
    assert.equal(m.json.location, "eastus");
    assert.equal(String(m.json.properties.privateLinkScopeResourceId).toLowerCase(), scopeId.toLowerCase());
    assert.deepEqual(m.json.tags, {
      Datacenter: "HQ-DC1",
      City: "Redmond",
      StateOrDistrict: "WA",
      CountryOrRegion: "US",
      Owner: "O'Brien & Co",
      Note: '$(id) "x", y',
    });

    const chk = await run(
      process.execPath,
      [ARCLINK, "check", "--host", HOST, "--json", "--ready-file", srv.readyFile],
      process.env as Record<string, string>,
    );
    assert.equal(chk.code, 0, chk.all);
    const h = JSON.parse(chk.stdout);
    assert.equal(h.host, HOST);
    // Traces only with --trace.
    assert.ok(
      (h.endpoints as any[]).every((e) => e.trace === undefined),
      "check --json printed traces without --trace",
    );
    const traced = await run(
      process.execPath,
      [ARCLINK, "check", "--host", HOST, "--json", "--trace", "--ready-file", srv.readyFile],
      process.env as Record<string, string>,
    );
    assert.equal(traced.code, 0, traced.all);
    assert.ok(
      (JSON.parse(traced.stdout).endpoints as any[]).every(
        (e) => Array.isArray(e.trace) || typeof e.trace === "object",
      ),
      "check --json --trace printed no trace",
    );
    assert.equal(h.machine, HOST);
    const verdicts = Object.fromEntries((h.endpoints as any[]).map((e) => [e.endpoint, e.verdict]));
    for (const e of [
      "gbl.his.arc.azure.com",
      "eus.his.arc.azure.com",
      "agentserviceapi.guestconfiguration.azure.com",
      "eastus-gas.guestconfiguration.azure.com",
    ])
      assert.equal(
        verdicts[e],
        "private",
        `${e}: ${JSON.stringify(h.endpoints.find((x: any) => x.endpoint === e))}`,
      );
  });
});
