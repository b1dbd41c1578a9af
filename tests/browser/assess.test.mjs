// The quarterly assessment end to end, each step as a person taps, on the small demo city:
// time passes without the worker visiting their key persons; the worker (390 px phone) opens 考核
// from "me" and sees the running sheet with a key-person deduction and its evidence; the
// township's commander (desk) draws a 双随机 round and records a finding on one inspection;
// after the quarter ends the township closes it (close form → confirm); the worker opens the
// closed sheet, taps 申诉 on the key-person deduction and sends a reason; the township accepts
// it with a note; the worker's sheet shows the higher score and the close + correction rows.
// The demo writes records up to today and closes the two quarters before; the server's test
// clock moves time on (the current quarter is the one closed here). Screenshots go to out/.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startServer, startBrowser, login } from './harness.mjs';

const out = join(dirname(fileURLToPath(import.meta.url)), 'out');
// In the demo city (seed 1): the first grid of 龙湖村 in township 350102101.
const GRID = '350102101201001';
const WORKER = `gw${GRID}`;
const TOWNSHIP = GRID.slice(0, 9);
const PHONE = { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true };
const DESK = { viewport: { width: 1280, height: 900 } };
const MEASURE = 'key_person_weeks_missed';
let server;
let browser;
let admin;
let quarter;
let workerId;
let resultTotal;

before(async () => {
  mkdirSync(out, { recursive: true });
  server = await startServer();
  browser = await startBrowser();
  const ctx = await browser.newContext(DESK);
  admin = await ctx.newPage();
  await login(admin, server.base, 'admin');
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

/** Moves the server's clock to an instant (the test clock moves by an offset). */
async function clockTo(iso) {
  const post = async (ms) => {
    const r = await admin.request.post(`${server.base}/api/v1/test/clock`, {
      data: { advance_ms: Math.round(ms) },
      headers: { Origin: server.base },
    });
    assert.equal(r.status(), 200, await r.text());
    return r.json();
  };
  const now = await post(0);
  if (now.now_ms >= Date.parse(iso)) return now;
  return post(Date.parse(iso) - now.now_ms);
}

/** The quarter of an instant in China time, as `2026Q4`. */
function quarterOf(ms) {
  const d = new Date(ms + 8 * 3600_000);
  return `${d.getUTCFullYear()}Q${Math.floor(d.getUTCMonth() / 3) + 1}`;
}

/** The first day (China time) after the quarter, 10:00. */
function afterQuarter(q) {
  const [y, n] = q.split('Q').map(Number);
  const m = n * 3; // the month after, 0-based
  const year = m === 12 ? y + 1 : y;
  const month = String((m % 12) + 1).padStart(2, '0');
  return `${year}-${month}-04T10:00:00+08:00`;
}

async function as(user, opts) {
  const context = await browser.newContext(opts);
  const page = await context.newPage();
  await login(page, server.base, user);
  return { context, page };
}

// The township's commander: the demo prints the log-ins with their area; else ask the API.
function commanderOfTownship() {
  const lines = server.demoOut.split('\n').filter((l) => /commander\d+/.test(l));
  const line = lines.find((l) => l.includes(TOWNSHIP)) || lines[0];
  assert.ok(line, `the demo prints the commanders:\n${server.demoOut}`);
  return line.match(/commander\d+/)[0];
}

async function pickCommander() {
  // Each commander sees only their township's draws form: the one offering our township wins.
  const names = [...new Set((server.demoOut.match(/commander\d+/g) || []))];
  const first = commanderOfTownship();
  for (const name of [first, ...names.filter((n) => n !== first)]) {
    const { context, page } = await as(name, DESK);
    await page.goto(`${server.base}/assess/draws`);
    const options = await page.locator('select[name=node] option').allTextContents();
    const values = await page.locator('select[name=node] option').evaluateAll((os) => os.map((o) => o.value));
    if (options.some((t) => t.includes(TOWNSHIP)) || values.some((v) => v.includes(TOWNSHIP))) {
      return { name, context, page };
    }
    const me = await page.request.get(`${server.base}/api/v1/me`);
    const body = me.ok() ? await me.json() : {};
    if (JSON.stringify(body).includes(TOWNSHIP)) return { name, context, page };
    await context.close();
  }
  throw new Error('no commander of the township');
}

test('a key-person deduction is seen, the quarter closes, appealed, accepted and corrected', async () => {
  // Two weeks pass with no visits: the worker's key persons go unvisited.
  const now = await clockTo(new Date(Date.now() + 16 * 86400_000).toISOString());
  quarter = quarterOf(now.now_ms);

  // 1. The worker, on a phone, taps 考核 from "me" and sees the running sheet.
  const w = await as(WORKER, PHONE);
  await w.page.goto(`${server.base}/me`);
  await Promise.all([w.page.waitForURL(/\/assess(\?|$)/), w.page.locator('a[href="/assess"]:visible').first().click()]);
  await w.page.waitForSelector('[data-testid=score-sheet]');
  assert.equal(await w.page.locator('[data-testid=score-sheet]').getAttribute('data-closed'), 'false');
  const ded = w.page.locator(`[data-testid=score-deduction][data-measure=${MEASURE}]`);
  assert.ok(await ded.count() > 0, `a ${MEASURE} deduction on the running sheet`);
  const evidence = await ded.first().locator('.sc-ev li').allTextContents();
  assert.ok(evidence.length > 0, 'the deduction shows its evidence');
  assert.ok(evidence.some((t) => /\d/.test(t)), `evidence names a week: ${evidence}`);
  assert.equal(await ded.first().locator('[data-testid=score-appeal]').count(), 0, 'no appeal on a running quarter');
  await ded.first().scrollIntoViewIfNeeded();
  await w.page.screenshot({ path: join(out, 'assess-1-running.png'), fullPage: true });
  const overflow = await w.page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 1, `no sideways scroll at 390 px (${overflow})`);
  workerId = Number((await w.page.locator('a[href^="/assess/sheet/"]').first().getAttribute('href')).split('/')[3]);
  assert.ok(workerId > 0);

  // 2. The township's commander draws a 双随机 round and records a finding on an inspection.
  const c = await pickCommander();
  await c.page.goto(`${server.base}/assess`);
  await Promise.all([c.page.waitForURL(/\/assess\/draws/), c.page.locator('[data-testid=assess-links] a[href="/assess/draws"]').click()]);
  const opt = await c.page.locator('select[name=node] option').evaluateAll(
    (os, t) => (os.find((o) => o.textContent.includes(t) || o.value.includes(t)) || os[0]).value, TOWNSHIP);
  await c.page.selectOption('select[name=node]', opt);
  await c.page.fill('input[name=title]', `${quarter} 双随机抽查`);
  await c.page.fill('input[name=quarter]', quarter);
  await c.page.fill('input[name=share_pct]', '50');
  await c.page.fill('input[name=inspectors_per_target]', '1');
  await Promise.all([c.page.waitForURL(/\/assess\/draws\/\d+/), c.page.click('[data-testid=draw-submit]')]);
  await c.page.waitForSelector('[data-testid=draw-result]');
  assert.ok(await c.page.locator('[data-testid=drawn-row]').count() > 0, 'the draw picked grids');
  await c.page.screenshot({ path: join(out, 'assess-2-draw.png'), fullPage: true });
  const insp = c.page.locator('[data-testid=drawn-row] a[href^="/assess/inspections/"]').first();
  await Promise.all([c.page.waitForURL(/\/assess\/inspections\/\d+/), insp.click()]);
  await c.page.waitForSelector('[data-testid=finding-form]');
  await c.page.fill('textarea[name=note]', '台账与走访记录不符');
  await Promise.all([c.page.waitForLoadState('load'), c.page.click('[data-testid=finding-submit]')]);
  await c.page.waitForSelector('[data-testid=finding-row]');
  await c.page.screenshot({ path: join(out, 'assess-2-finding.png'), fullPage: true });

  // 3. The quarter ends; the township closes it (form → confirm).
  await clockTo(afterQuarter(quarter));
  await c.page.goto(`${server.base}/assess`);
  await Promise.all([c.page.waitForURL(/\/assess\/quarters/), c.page.locator('[data-testid=assess-links] a[href="/assess/quarters"]').click()]);
  await c.page.fill('input[name=quarter]', quarter);
  await c.page.fill('input[name=subsidy]', '1800');
  await Promise.all([c.page.waitForLoadState('load'), c.page.click('[data-testid=close-submit]')]);
  await c.page.waitForSelector('[data-testid=close-confirm]');
  await c.page.screenshot({ path: join(out, 'assess-3-confirm.png'), fullPage: true });
  // The close leads to the quarter's results: every worker ranked, graded, paid.
  await Promise.all([c.page.waitForURL(/\/assess\/quarters\/\d+/), c.page.click('[data-testid=close-confirm-button]')]);
  assert.match(await c.page.textContent('h1'), new RegExp(quarter));
  await c.page.screenshot({ path: join(out, 'assess-3-closed.png'), fullPage: true });

  // 4. The worker opens the closed sheet (quarter selector), taps 申诉, sends a reason.
  await w.page.goto(`${server.base}/assess`);
  await w.page.selectOption('[data-testid=score-quarter] select', quarter);
  await Promise.all([w.page.waitForURL(/quarter=/), w.page.click('[data-testid=score-quarter] button')]);
  assert.equal(await w.page.locator('[data-testid=score-sheet]').getAttribute('data-closed'), 'true');
  await Promise.all([w.page.waitForURL(/\/assess\/sheet\//), w.page.locator(`a[href="/assess/sheet/${workerId}/${quarter}"]`).click()]);
  const before = Number((await w.page.textContent('[data-testid=score-total]')).trim());
  resultTotal = before;
  const closedDed = w.page.locator(`[data-testid=score-deduction][data-measure=${MEASURE}]`);
  assert.ok(await closedDed.count() > 0, 'the closed sheet keeps the key-person deduction');
  await closedDed.first().scrollIntoViewIfNeeded();
  await w.page.screenshot({ path: join(out, 'assess-4-closed-sheet.png'), fullPage: true });
  const appeal = closedDed.first().locator('[data-testid=score-appeal]');
  assert.equal(await appeal.count(), 1, 'the worker may appeal the deduction');
  await Promise.all([w.page.waitForURL(/\/assess\/appeals\/new/), appeal.click()]);
  await w.page.fill('textarea[name=reason]', '该重点人员已于本季度迁出本网格,无法走访。');
  await w.page.screenshot({ path: join(out, 'assess-4-appeal.png'), fullPage: true });
  await Promise.all([w.page.waitForURL((u) => !u.pathname.endsWith('/new')), w.page.click('[data-testid=appeal-submit]')]);
  assert.equal(await w.page.locator('[data-testid=form-error]').count(), 0, 'the appeal is filed');

  // 5. The township opens the pending appeal and accepts it with a note.
  await c.page.goto(`${server.base}/assess`);
  await Promise.all([c.page.waitForURL(/\/assess\/appeals/), c.page.locator('[data-testid=assess-links] a[href="/assess/appeals"]').click()]);
  const mine = c.page.locator(`li:has-text("${quarter}") a[href^="/assess/appeals/"], tr:has-text("${quarter}") a[href^="/assess/appeals/"]`).first();
  await Promise.all([c.page.waitForURL(/\/assess\/appeals\/\d+/), mine.click()]);
  await c.page.screenshot({ path: join(out, 'assess-5-appeal.png'), fullPage: true });
  await c.page.fill('input[name=note]', '核实属实,予以更正');
  await c.page.fill('input[name=count]', '0');
  await Promise.all([c.page.waitForLoadState('load'), c.page.click('[data-testid=appeal-accept]')]);
  await c.page.waitForSelector('[data-testid=appeal-correction]');
  await c.page.screenshot({ path: join(out, 'assess-5-accepted.png'), fullPage: true });

  // 6. The worker's sheet: a higher score, the close and the correction with its reason.
  await w.page.goto(`${server.base}/assess/sheet/${workerId}/${quarter}`);
  const after = Number((await w.page.textContent('[data-testid=score-total]')).trim());
  assert.ok(after > resultTotal, `corrected ${resultTotal} → ${after}`);
  const rows = await w.page.locator('[data-testid=score-history]').allTextContents();
  assert.equal(rows.length, 2, `close + correction: ${rows}`);
  assert.ok(rows.some((r) => r.includes('核实属实') || r.includes('迁出')), `the correction's reason: ${rows}`);
  assert.equal(await w.page.locator(`[data-testid=score-deduction][data-measure=${MEASURE}]`).count(), 0, 'the deduction is gone');
  await w.page.screenshot({ path: join(out, 'assess-6-corrected.png'), fullPage: true });
  await w.context.close();
  await c.context.close();
});
