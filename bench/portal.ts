// Portal benchmark (not a test): time to first meaningful paint of the topology and of the machine
// list, and the page's DOM element count, in Chromium, at growing fleet sizes made with
// `arclink fleet`. The page marks the frame after it drew (performance.mark
// "arclink:topology-painted" / "arclink:list-painted:Machines"); the time is from the navigation's
// start (a fresh load of the route, after the previous one's requests ended). A Playwright trace of each load can be kept with --trace DIR.
//   npx tsc -p tsconfig.json && node dist/bench/portal.js [--machines 100,1000,10000] [--trace DIR]
//     [--breakdown] [--server-prof DIR]
// --breakdown prints each load's ARM requests and the view's marks (where the time went);
// --server-prof runs the server with node --cpu-prof, its profile written in DIR when it stops.
// Targets (issue): under 1.5 s and under 5,000 elements at 10,000 machines.
// The last line is `BENCH_RESULT {json}`.
import { join } from "node:path";
import { loadavg } from "node:os";
import { chromium } from "playwright-core";
import { arclink, removeDataDir, startServer } from "../test/helpers/server.js";
import { CHROMIUM_ARGS } from "../test/helpers/portalBrowser.js";

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

interface Row {
  machines: number;
  view: string;
  paintMs: number;
  elements: number;
}

/**
 * Where a load's time went, from the page's own timeline: each ARM request (start, end, bytes on
 * the wire and decoded) and the marks the view set (arclink:*), in milliseconds from navigation.
 */
async function phases(page: import("playwright-core").Page): Promise<string> {
  const entries = await page.evaluate(() => [
    ...performance.getEntriesByType("resource").map((e) => {
      const r = e as PerformanceResourceTiming;
      const u = new URL(r.name);
      return {
        at: r.startTime,
        end: r.responseEnd,
        what: `${u.pathname.replace(/^\/subscriptions\/[^/]+/, "/s")}${u.searchParams.get("$skiptoken") ? " (next page)" : ""}`,
        bytes: r.encodedBodySize,
        decoded: r.decodedBodySize,
      };
    }),
    ...performance
      .getEntriesByType("mark")
      .filter((m) => m.name.startsWith("arclink:"))
      .map((m) => ({ at: m.startTime, end: m.startTime, what: m.name, bytes: 0, decoded: 0 })),
  ]);
  return entries
    .sort((a, b) => a.at - b.at)
    .map(
      (e) =>
        `    ${String(Math.round(e.at)).padStart(6)} → ${String(Math.round(e.end)).padStart(6)} ms  ${e.what}${e.decoded ? `  ${(e.decoded / 1024).toFixed(0)} KiB` : ""}`,
    )
    .join("\n");
}

async function main(): Promise<void> {
  const sizes = (arg("machines") ?? "100,1000,10000").split(",").map(Number);
  const traceDir = arg("trace");
  const breakdown = process.argv.includes("--breakdown");
  const serverProf = arg("server-prof");
  const srv = await startServer({
    args: ["--topology", "examples/reference.yaml", "--dns", "none"],
    nodeArgs: serverProf ? ["--cpu-prof", "--cpu-prof-dir", serverProf] : [],
  });
  const browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: CHROMIUM_ARGS });
  const rows: Row[] = [];
  try {
    const context = await browser.newContext({
      ignoreHTTPSErrors: true,
      viewport: { width: 1440, height: 900 },
    });
    const page = await context.newPage();
    await page.goto(String(srv.info.portal));
    await page.getByLabel("Client (application) ID").fill(srv.info.clientId);
    await page.getByLabel("Client secret").fill(srv.info.clientSecret);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("button", { name: "Sign out" }).waitFor();
    let made = 3; // the reference topology's machines
    for (const n of sizes) {
      if (n > made) {
        const r = await arclink(
          ["fleet", "--ready-file", srv.readyFile, "--machines", String(n - made), "--heartbeats", "0"],
          { timeoutMs: 600_000 },
        );
        if (r.code !== 0) throw new Error(`arclink fleet failed: ${r.stderr}`);
        made = n;
      }
      for (const [view, route, mark] of [
        ["topology", "/topology", "arclink:topology-painted"],
        ["machine list", "/machines", "arclink:list-painted:Machines"],
      ] as const) {
        if (traceDir) await context.tracing.start({ screenshots: true, snapshots: false });
        // A fresh load of the route (the session survives in sessionStorage): not a hash change
        // first, which would start a load of its own that the measured one would wait behind.
        await page.goto("about:blank");
        await page.goto(`${srv.info.portal}#${route}`);
        const paintMs = await page.evaluate(
          (m) =>
            new Promise<number>((resolve) => {
              const seen = () => performance.getEntriesByName(m)[0];
              const done = () => resolve(seen()!.startTime);
              if (seen()) return done();
              new PerformanceObserver((_l, o) => {
                if (seen()) {
                  o.disconnect();
                  done();
                }
              }).observe({ type: "mark", buffered: true });
            }),
          mark,
        );
        // What the page reads after its first paint (the topology's findings) ends before the next load.
        // (The machine list's lint of every host can take long at 10,000: its paint is measured, not that.)
        await page.waitForLoadState("networkidle", { timeout: 300_000 });
        const elements = await page.evaluate(() => document.getElementsByTagName("*").length);
        if (traceDir)
          await context.tracing.stop({ path: join(traceDir, `portal-${view.replace(/ /g, "-")}-${n}.zip`) });
        rows.push({ machines: n, view, paintMs: Math.round(paintMs), elements });
        if (breakdown) console.log(await phases(page));
        console.log(
          `${String(n).padStart(6)} machines  ${view.padEnd(12)}  first meaningful paint ${Math.round(paintMs)} ms  ${elements} elements`,
        );
      }
    }
  } finally {
    await browser.close();
    await srv.stop();
    removeDataDir(srv.dataDir);
  }
  console.log(
    `load average ${loadavg()
      .map((x) => x.toFixed(1))
      .join(" ")}`,
  );
  console.log(`BENCH_RESULT ${JSON.stringify({ rows })}`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
