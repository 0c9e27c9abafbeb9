// The portal in Debian's Chromium (playwright-core) for tests: launch, sign in, axe-core in the
// page, and the checks every portal test repeats (no page errors, no request off 127.0.0.1).
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { chromium, Browser, BrowserContext, Page } from "playwright-core";
import { removeDataDir, ROOT, TestServer } from "./server.js";

export const CHROMIUM_ARGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--disable-default-apps",
];

export interface PortalBrowser {
  browser: Browser;
  context: BrowserContext;
  page: Page;
  /** Page errors, console errors (other than failed loads) and window dialogs. */
  problems: string[];
  /** Requests aborted because they left 127.0.0.1. */
  blocked: string[];
  close(): Promise<void>;
}

export async function openPortal(
  srv: TestServer,
  viewport = { width: 1440, height: 900 },
): Promise<PortalBrowser> {
  const browser = await chromium.launch({
    executablePath: "/usr/bin/chromium",
    args: CHROMIUM_ARGS,
    headless: true,
    timeout: 30_000,
  });
  // bypassCSP: axe-core is injected as an inline script, which the portal's CSP refuses otherwise.
  const context = await browser.newContext({ ignoreHTTPSErrors: true, viewport, bypassCSP: true });
  context.setDefaultTimeout(30_000);
  const problems: string[] = [];
  const blocked: string[] = [];
  await context.route("**/*", (route) => {
    const url = route.request().url();
    const host = new URL(url).hostname;
    if (host === "127.0.0.1" || host === "localhost") return route.continue();
    blocked.push(url);
    return route.abort("blockedbyclient");
  });
  const page = await context.newPage();
  page.on("pageerror", (e) => problems.push(`pageerror: ${e.message}`));
  page.on("dialog", (d) => {
    problems.push(`window dialog (${d.type()}): ${d.message()}`);
    void d.dismiss();
  });
  page.on("console", (m) => {
    if (m.type() !== "error") return;
    if (m.text().startsWith("Failed to load resource: the server responded with a status of")) return;
    problems.push(`console: ${m.text()}`);
  });
  await page.goto(String(srv.info.portal), { timeout: 30_000 });
  return { browser, context, page, problems, blocked, close: () => browser.close().catch(() => undefined) };
}

/** A portal test's teardown: the browser, then the server and its data folder (either may be unset). */
export async function closePortalAndServer(
  pb: PortalBrowser | undefined,
  srv: TestServer | undefined,
): Promise<void> {
  await pb?.close();
  if (srv) {
    await srv.stop();
    removeDataDir(srv.dataDir);
  }
}

export async function signIn(page: Page, srv: TestServer): Promise<void> {
  await page.getByLabel("Client (application) ID").fill(srv.info.clientId);
  await page.getByLabel("Client secret").fill(srv.info.clientSecret);
  await page.getByRole("button", { name: "Sign in" }).click();
  // The nav element is in the page from the start: wait for what only a signed-in page shows.
  await page.getByRole("button", { name: "Sign out" }).waitFor();
}

export async function go(page: Page, route: string): Promise<void> {
  await page.evaluate((r) => (location.hash = r), route);
}

const AXE = readFileSync(join(ROOT, "node_modules/axe-core/axe.min.js"), "utf8");

/** axe-core over the whole page: no serious or critical violation. */
export async function assertAxeClean(page: Page, where: string): Promise<void> {
  if (!(await page.evaluate(() => "axe" in window))) await page.addScriptTag({ content: AXE });
  const violations = await page.evaluate(async () => {
    const r = await (window as any).axe.run(document, { resultTypes: ["violations"] });
    return (r.violations as any[])
      .filter((v) => v.impact === "serious" || v.impact === "critical")
      .map((v) => ({
        id: v.id,
        impact: v.impact,
        help: v.help,
        nodes: (v.nodes as any[]).slice(0, 3).map((n) => n.html.slice(0, 160)),
      }));
  });
  assert.deepEqual(violations, [], `axe-core: serious or critical violations on ${where}`);
}

/**
 * Every piece of text in the view lies inside the element that holds it (nothing clipped or
 * spilling out), and the page does not scroll sideways. Scrolling containers (a wide table's
 * wrapper) are allowed to hold more than they show.
 */
export async function assertNoOverflow(page: Page, where: string): Promise<void> {
  const bad = await page.evaluate(() => {
    const out: string[] = [];
    const root = document.getElementById("content")!;
    if (document.documentElement.scrollWidth > window.innerWidth + 1)
      out.push(
        `the page scrolls sideways: ${document.documentElement.scrollWidth} > ${window.innerWidth} (${Array.from(
          document.querySelectorAll("#content *"),
        )
          .filter((e) => e.getBoundingClientRect().right > window.innerWidth + 1)
          .filter(
            (e) =>
              !Array.from(e.children).some((c) => c.getBoundingClientRect().right > window.innerWidth + 1),
          )
          .slice(0, 3)
          .map((e) => e.outerHTML.slice(0, 120))
          .join(" | ")})`,
      );
    const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    const range = document.createRange();
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
      const t = (n.textContent ?? "").trim();
      if (!t) continue;
      const holder = n.parentElement!;
      if (holder.closest("svg, [hidden], dialog:not([open]), option, select, textarea")) continue;
      if (holder.getClientRects().length === 0) continue;
      range.selectNodeContents(n);
      const r = range.getBoundingClientRect();
      if (!r.width) continue;
      // The nearest block-level container, and whether that text is clipped by an overflow box.
      let box: Element | null = holder;
      while (box && getComputedStyle(box).display.startsWith("inline")) box = box.parentElement;
      if (!box) continue;
      const b = box.getBoundingClientRect();
      if (r.left < b.left - 1 || r.right > b.right + 1)
        out.push(
          `"${t.slice(0, 60)}" (${Math.round(r.left)}–${Math.round(r.right)}) outside its ${box.tagName.toLowerCase()} (${Math.round(b.left)}–${Math.round(b.right)})`,
        );
      const cs = getComputedStyle(holder);
      if (cs.overflow === "hidden" && holder.scrollWidth > holder.clientWidth + 1 && !holder.title)
        out.push(`"${t.slice(0, 60)}" is clipped by its ${holder.tagName.toLowerCase()} and has no tooltip`);
    }
    return out.slice(0, 10);
  });
  assert.deepEqual(bad, [], `text outside its container on ${where}`);
}
