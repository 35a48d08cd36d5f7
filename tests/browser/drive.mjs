// Drives Debian's Chromium (through playwright-core, no browser download) over the sample site,
// for tests/browser.rs. One argument, a JSON object:
//
//   out        the output of `casebook build`, served here by a small static server
//   serve      the URL of a running `casebook serve` of the same site (a temporary copy)
//   entry      site path of an incident, e.g. "/incidents/2024-033/"
//   entryFile  that incident's Markdown file in the served copy (this script edits it)
//   query      a search query whose first result is `entry`
//   chromium   the browser executable
//
// On the built site: the home page, a tag, a year and a series link, and a search. Under serve:
// an edit of the entry's body reloads the open tab. Console errors, uncaught page errors, failed
// requests and HTTP errors anywhere fail the run. Exits 0 when everything held, 1 with a message
// on the first failure, 2 on the overall deadline.

import fs from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { chromium } from "playwright-core";

const cfg = JSON.parse(process.argv[2] || "{}");
for (const k of ["out", "serve", "entry", "entryFile", "query", "chromium"]) {
  if (!cfg[k]) fail(`missing config key \`${k}\``);
}

/** Waits on conditions get this long; the machine may be busy with parallel tests. */
const PATIENCE = 20_000;
/** The whole run, browser start included, as a backstop. */
const DEADLINE = 120_000;

const started = Date.now();
const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), "casebook-chromium-"));
process.on("exit", () => fs.rmSync(userDataDir, { recursive: true, force: true }));
setTimeout(() => {
  console.error(`FAIL: the browser test did not finish within ${DEADLINE / 1000} s`);
  process.exit(2); // playwright-core kills the browser it launched on exit
}, DEADLINE).unref();

function fail(message) {
  console.error(`FAIL: ${message}`);
  process.exit(1);
}

function log(message) {
  console.log(`[${((Date.now() - started) / 1000).toFixed(1)}s] ${message}`);
}

/** What the run is doing, for the failure message. */
let stage = "starting Chromium";

/** Throws with `message` unless `cond`. */
function check(cond, message) {
  if (!cond) throw new Error(message);
}

// ---------------------------------------------------------------------------------------------
// A static server for the built output: directories serve index.html, misses the site's 404.

const TYPES = {
  ".html": "text/html; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".json": "application/json",
  ".xml": "application/xml",
  ".txt": "text/plain; charset=utf-8",
  ".csv": "text/csv; charset=utf-8",
  ".svg": "image/svg+xml",
  ".bin": "application/octet-stream",
};

/** What the static server did not have (a browser may ask for files no page links to). */
const misses = [];

function serveStatic(root) {
  const base = path.resolve(root);
  const server = http.createServer((req, res) => {
    let rel;
    try {
      rel = decodeURIComponent(new URL(req.url, "http://x").pathname);
    } catch {
      res.writeHead(400).end();
      return;
    }
    let file = path.join(base, rel);
    if (file !== base && !file.startsWith(base + path.sep)) {
      res.writeHead(403).end();
      return;
    }
    if (fs.existsSync(file) && fs.statSync(file).isDirectory()) file = path.join(file, "index.html");
    if (!fs.existsSync(file)) {
      misses.push(`${req.method} ${req.url}`);
      const notFound = path.join(base, "404.html");
      res.writeHead(404, { "content-type": TYPES[".html"] });
      res.end(fs.existsSync(notFound) ? fs.readFileSync(notFound) : "not found");
      return;
    }
    res.writeHead(200, { "content-type": TYPES[path.extname(file)] || "application/octet-stream" });
    res.end(fs.readFileSync(file));
  });
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve(server)));
}

// ---------------------------------------------------------------------------------------------
// What must never happen, collected over every page of the run.

const problems = [];

/**
 * Known problems of the default theme, tolerated (and reported) until it is fixed; each entry
 * should be deleted with its fix. None at present.
 */
const KNOWN = [];
const tolerated = new Set();

function watch(context) {
  const attach = (page) => {
    page.on("console", (m) => {
      if (m.type() !== "error") return;
      const resource = m.location()?.url || "";
      const known = KNOWN.find((k) => k.url.test(resource) && k.text.test(m.text()));
      if (known) tolerated.add(`${resource}: ${m.text()} (${known.why})`);
      else problems.push(`console error on ${page.url()}: ${m.text()}${resource ? ` [${resource}]` : ""}`);
    });
    page.on("pageerror", (e) => problems.push(`uncaught error on ${page.url()}: ${e.stack || e}`));
  };
  context.pages().forEach(attach);
  context.on("page", attach);
  context.on("requestfailed", (r) => {
    const text = r.failure()?.errorText ?? "?";
    // The browser itself cancels what a page still loads when it navigates or reloads (live
    // reload does, at a moment of the server's choosing): not a failure of the server, which
    // shows as ERR_CONNECTION_*, ERR_EMPTY_RESPONSE or an HTTP status instead.
    if (text === "net::ERR_ABORTED") tolerated.add(`${r.url()}: cancelled by the browser (navigation)`);
    else problems.push(`request failed: ${r.method()} ${r.url()}: ${text}`);
  });
  context.on("response", (r) => {
    if (r.status() >= 400) problems.push(`HTTP ${r.status()} for ${r.request().method()} ${r.url()}`);
  });
}

function assertNoProblems(where) {
  check(problems.length === 0, `${problems.length} problem(s) ${where}:\n  ${problems.join("\n  ")}`);
}

// ---------------------------------------------------------------------------------------------
// Steps.

async function text(page, selector) {
  const loc = page.locator(selector).first();
  await loc.waitFor({ state: "attached" });
  return ((await loc.textContent()) || "").replace(/\s+/g, " ").trim();
}

/** Clicks the first link matching `selector` and waits for the page it leads to. */
async function follow(page, selector) {
  const link = page.locator(selector).first();
  await link.waitFor({ state: "visible" });
  const href = await link.getAttribute("href");
  const label = ((await link.textContent()) || "").replace(/\s+/g, " ").trim();
  const from = page.url();
  await Promise.all([page.waitForURL((u) => u.href !== from, { waitUntil: "load" }), link.click()]);
  return { href, label, path: decodeURIComponent(new URL(page.url()).pathname) };
}

async function browseBuiltSite(context, site) {
  const page = await context.newPage();

  stage = "opening the home page";
  await page.goto(site + "/", { waitUntil: "load" });
  const home = await text(page, "h1.page-title");
  check(home === "新着の事件簿", `home page heading is "${home}", expected "新着の事件簿"`);
  const cards = await page.locator(".card-list .card").count();
  check(cards > 0, "the home page lists no entry cards");
  log(`home: "${home}", ${cards} cards`);

  stage = "following a tag link from the home page";
  const tag = await follow(page, ".card-list .card .tag-list a");
  check(tag.path.startsWith("/tags/"), `the tag link led to ${tag.path}, expected /tags/…`);
  const tagTitle = await text(page, "h1.page-title");
  const kicker = await text(page, "h1.page-title .page-title__kicker");
  check(kicker === "タグ" && tagTitle === kicker + tag.label, `tag page heading is "${tagTitle}", expected "タグ${tag.label}"`);
  const tagged = await page.locator(".year-group .card").count();
  check(tagged > 0, `the tag page of "${tag.label}" lists no entries`);
  log(`tag: ${tag.path} "${tagTitle}", ${tagged} entries`);

  stage = "following a year link (footer)";
  const year = await follow(page, ".footer-years .count-list a");
  const y = /^(\d{4})年$/.exec(year.label)?.[1];
  check(y && year.path === `/years/${y}/`, `the year link "${year.label}" led to ${year.path}`);
  const yearTitle = await text(page, "h1.page-title");
  check(yearTitle === `${y}年`, `year page heading is "${yearTitle}", expected "${y}年"`);
  const dates = await page.locator(".card-list .card time").evaluateAll((ts) => ts.map((t) => t.getAttribute("datetime")));
  check(dates.length > 0, `the year page of ${y} lists no entries`);
  check(dates.every((d) => d.startsWith(y)), `the year page of ${y} lists entries of other years: ${dates}`);
  log(`year: ${year.path}, ${dates.length} entries`);

  stage = "following the series index, a numbered incident and its series neighbour";
  const series = await follow(page, `.site-nav a[href="/series/"]`);
  check(series.path === "/series/", `the series link led to ${series.path}`);
  const seriesTitle = await text(page, "h1.page-title");
  check(seriesTitle.endsWith("連番一覧"), `series page heading is "${seriesTitle}"`);
  const item = await follow(page, ".series-list__item a");
  const id = /^#(\S+)/.exec(item.label)?.[1];
  check(id && item.path.startsWith("/incidents/"), `the series item "${item.label}" led to ${item.path}`);
  const label = await text(page, "h1.entry__title .series-label");
  check(label.includes(`#${id}】`), `the incident page of #${id} is labelled "${label}"`);
  const nav = page.locator(".series-nav a[rel=prev], .series-nav a[rel=next]");
  check((await nav.count()) > 0, `incident #${id} has no link to its series neighbours`);
  const neighbourLabel = await text(page, ".series-nav a .series-label");
  const neighbour = await follow(page, ".series-nav a");
  const landed = await text(page, "h1.entry__title .series-label");
  check(landed === neighbourLabel && landed !== label, `the series link "${neighbourLabel}" led to "${landed}"`);
  log(`series: ${item.path} ${label} → ${neighbour.path} ${landed}`);

  stage = `searching for "${cfg.query}"`;
  const search = await follow(page, `.site-nav a[href="/search/"]`);
  check(search.path === "/search/", `the search link led to ${search.path}`);
  await page.locator("#search-form.is-ready").waitFor({ state: "attached" });
  await page.locator("#search-q").pressSequentially(cfg.query, { delay: 20 });
  // Partial queries may run while typing (a busy machine can outwait the debounce): wait for the
  // status of the whole query with its results under it (the list is emptied before the status
  // of a new query is set).
  await page
    .waitForFunction((q) => {
      const status = document.getElementById("search-status")?.textContent || "";
      return status.startsWith(`「${q}」`) && document.querySelector("#search-results .search-result .card__title a");
    }, cfg.query)
    .catch(async (e) => {
      const status = await text(page, "#search-status").catch(() => "?");
      throw new Error(`no results for "${cfg.query}" (status "${status}"): ${e.message}`);
    });
  const first = page.locator("#search-results .search-result .card__title a").first();
  const status = await text(page, "#search-status");
  check(status.startsWith(`「${cfg.query}」の検索結果：`), `search status is "${status}"`);
  const hit = await first.getAttribute("href");
  check(hit === cfg.entry, `the first result for "${cfg.query}" links to ${hit}, expected ${cfg.entry}`);
  const marked = await text(page, "#search-results .search-result .card__title mark");
  check(marked === cfg.query, `the first result highlights "${marked}", expected "${cfg.query}"`);
  check(new URL(page.url()).searchParams.get("q") === cfg.query, `the URL does not keep the query: ${page.url()}`);
  stage = "fitting the search form on a phone with a long attack name";
  // A select is as wide as its longest option; the sample's attack names are short, so one as
  // long as real ones can be (サプライチェーン攻撃（委託先経由）…) is added.
  await page.setViewportSize({ width: 390, height: 844 });
  const overflow = await page.evaluate(() => {
    const select = document.getElementById("search-attack");
    const option = new Option("サプライチェーン攻撃（委託先のクラウドサービス経由の不正アクセス）（1）", "x");
    select.add(option);
    const width = document.documentElement.scrollWidth;
    option.remove();
    return width - window.innerWidth;
  });
  check(overflow <= 0, `the search form is ${overflow}px wider than a 390px screen`);
  await page.setViewportSize({ width: 1280, height: 720 });
  log("search form: fits 390px with a long attack name");

  const result = await follow(page, "#search-results .search-result .card__title a");
  const entryTitle = await text(page, "h1.entry__title");
  check(result.path === cfg.entry && entryTitle.includes(cfg.query), `the result led to ${result.path} "${entryTitle}"`);
  log(`search: "${cfg.query}" → ${status} → ${result.path}`);

  await page.close();
}

async function liveReload(context) {
  stage = `live reload of ${cfg.entry} under serve`;
  const page = await context.newPage();
  let hello = null;
  const helloSeen = new Promise((resolve) => (hello = resolve));
  page.on("websocket", (ws) => {
    if (!ws.url().endsWith("/__casebook/ws")) return;
    ws.on("framereceived", (f) => {
      if (String(f.payload).includes('"hello"')) hello();
    });
  });
  const url = new URL(cfg.entry, cfg.serve).href;
  await page.goto(url, { waitUntil: "load" });
  const before = await text(page, "h1.entry__title");
  check(before.includes(cfg.query), `served ${cfg.entry} has the heading "${before}"`);
  await Promise.race([
    helloSeen,
    new Promise((_, reject) => setTimeout(() => reject(new Error("the reload WebSocket never said hello")), PATIENCE)),
  ]);
  // Set on this document only: a reloaded tab no longer has it.
  await page.evaluate(() => (window.__casebookProbe = "before the edit"));

  const marker = `ブラウザ試験の追記 ${process.pid}-${Date.now()}`;
  const md = fs.readFileSync(cfg.entryFile, "utf8");
  fs.writeFileSync(cfg.entryFile, md.replace(/\s*$/, `\n\n${marker}\n`));
  const edited = Date.now();
  log(`edited ${path.basename(cfg.entryFile)}; waiting for the tab to reload`);

  let state = null;
  while (Date.now() - edited < PATIENCE) {
    try {
      state = await page.evaluate((m) => ({
        probe: window.__casebookProbe ?? null,
        shown: (document.querySelector(".entry__body")?.textContent || "").includes(m),
      }), marker);
      if (state.shown && state.probe === null) break;
    } catch {
      // The page is navigating: its context went away under the evaluation.
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  check(state?.shown && state.probe === null,
    `the open tab did not reload with the edit within ${PATIENCE / 1000} s (last seen: ${JSON.stringify(state)})`);
  await page.waitForLoadState("load");
  log(`live reload: the tab showed the edit after ${Date.now() - edited} ms`);
  await page.close();
}

// ---------------------------------------------------------------------------------------------

const server = await serveStatic(cfg.out);
const site = `http://127.0.0.1:${server.address().port}`;
let context = null;
let code = 0;
try {
  context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: cfg.chromium,
    headless: true,
    args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--no-first-run"],
    timeout: 60_000,
  });
  context.setDefaultTimeout(PATIENCE);
  context.setDefaultNavigationTimeout(PATIENCE);
  log(`Chromium ${context.browser()?.version() ?? ""} started; built site at ${site}, serve at ${cfg.serve}`);
  watch(context);
  await browseBuiltSite(context, site);
  stage = "checking for errors on the built site";
  assertNoProblems("while browsing the built site");
  await liveReload(context);
  stage = "checking for errors under serve";
  assertNoProblems("under serve");
  for (const t of tolerated) log(`note: tolerated: ${t}`);
  log("all browser checks passed");
} catch (e) {
  // Playwright's messages carry terminal colour codes.
  const message = String(e.message || e).replace(/\x1b\[[0-9;]*m/g, "");
  console.error(`FAIL while ${stage}: ${message}`);
  if (problems.length && !message.includes(problems[0])) console.error(`also seen:\n  ${problems.join("\n  ")}`);
  if (misses.length) console.error(`the static server had no file for:\n  ${misses.join("\n  ")}`);
  code = 1;
} finally {
  if (context) await context.close().catch(() => {});
  server.close();
}
process.exit(code);
