// What residents get besides a report, on a 390x844 phone with no log-in: finding a case again
// by its number and phone, its time limit in public (overdue says so), "me too" once per device
// raising the urgency at the category's threshold (set by the administrator, whose count the
// worker sees), and who refused a case and where such a request belongs.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startServer, startBrowser, login } from './harness.mjs';

const out = join(dirname(fileURLToPath(import.meta.url)), 'out');
// In the demo city (seed 1): a grid of 龙湖村 in 江口镇 and its worker.
const GRID = '350102101201001';
const PHONE = { width: 390, height: 844 };
const TINY_PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==',
  'base64',
);
let server;
let browser;
const cases = {};

before(async () => {
  mkdirSync(out, { recursive: true });
  server = await startServer();
  browser = await startBrowser();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

async function phone() {
  const ctx = await browser.newContext({ viewport: PHONE });
  return { ctx, page: await ctx.newPage() };
}

async function noSideScroll(page, what) {
  const wide = await page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(wide <= PHONE.width + 1, `${what} fits 390 px (${wide})`);
}

async function report(category, description, phoneNumber) {
  const { ctx, page } = await phone();
  await page.goto(`${server.base}/r/${GRID}`);
  await page.selectOption('select[name=category]', category);
  await page.fill('textarea[name=description]', description);
  await page.fill('input[name=reporter_phone]', phoneNumber);
  await Promise.all([page.waitForSelector('[data-testid=report-done]'), page.click('[data-testid=report-submit]')]);
  const number = (await page.textContent('[data-testid=tracking-number]')).trim();
  return { ctx, page, number };
}

async function workerAct(number, kind, fill) {
  const ctx = await browser.newContext({ viewport: PHONE });
  const page = await ctx.newPage();
  await login(page, server.base, `gw${GRID}`);
  await page.goto(`${server.base}/events/${number}`);
  const box = `[data-testid=act-${kind}]`;
  await page.waitForSelector(box);
  await page.evaluate((sel) => { document.querySelector(sel).open = true; }, box);
  if (fill) await fill(page, box);
  await Promise.all([page.waitForURL(/done=/), page.click(`${box} button[type=submit]`)]);
  await ctx.close();
}

test('a lost link is found again by number and phone, and the page offers its link and the board', async () => {
  const { ctx, page, number } = await report('SR01', '村口垃圾桶满溢三天无人清运。', '13800138000');
  cases.rubbish = number;
  // From the done page to the look-up form, the number filled in.
  await Promise.all([page.waitForURL(/\/track\?number=/), page.click('[data-testid=find-case]')]);
  assert.equal(await page.inputValue('[data-testid=lookup-number]'), number);
  await page.fill('[data-testid=lookup-phone]', '13800138001');
  await Promise.all([page.waitForSelector('[data-testid=form-error]'), page.click('[data-testid=lookup-submit]')]);
  const miss = await page.textContent('[data-testid=form-error]');
  assert.ok(miss.includes('没有找到'), miss);
  assert.equal(await page.inputValue('[data-testid=lookup-phone]'), '', 'the phone is not written back');
  await page.screenshot({ path: join(out, 'residents-lookup-miss.png'), fullPage: true });
  await noSideScroll(page, 'the look-up form');

  await page.fill('[data-testid=lookup-phone]', '138 0013 8000');
  await Promise.all([page.waitForURL(/\/t\//), page.click('[data-testid=lookup-submit]')]);
  assert.equal((await page.textContent('[data-testid=track-number]')).trim(), number);
  cases.rubbishLink = new URL(page.url()).pathname;
  assert.ok((await page.textContent('[data-testid=track-limit]')).includes('7 个自然日'));
  assert.equal(await page.getAttribute('[data-testid=track-limit-state]', 'data-state'), 'running');
  // Copy the link: to the clipboard where allowed, else selected with a message; either way it says so.
  await page.click('[data-testid=copy-link]');
  await page.waitForFunction(() => document.querySelector('[data-testid=copy-msg]').textContent.trim() !== '');
  await page.screenshot({ path: join(out, 'residents-track.png'), fullPage: true });
  await noSideScroll(page, 'the tracking page');

  // The grid's board, reached from the tracking page, lists the case with its limit.
  await Promise.all([page.waitForURL(/\/public\//), page.click('[data-testid=track-board]')]);
  assert.equal(await page.getAttribute('[data-testid=public-open-item]', 'data-limit'), 'running');
  await ctx.close();

  // The resident page links to the look-up form too.
  const p = await phone();
  await p.page.goto(`${server.base}/r/${GRID}`);
  await Promise.all([p.page.waitForURL(/\/track$/), p.page.click('[data-testid=find-case]')]);
  await p.ctx.close();
});

test('the administrator sets the me-too threshold on the category page', async () => {
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await ctx.newPage();
  await login(page, server.base, 'admin');
  await page.goto(`${server.base}/admin/categories#cat-SR01`);
  await page.evaluate(() => { document.querySelector('#cat-SR01').open = true; });
  await page.fill('#cat-SR01 [data-testid=category-threshold]', '2');
  await page.screenshot({ path: join(out, 'residents-category.png') });
  await Promise.all([page.waitForURL(/saved=SR01/), page.click('#cat-SR01 button[type=submit]')]);
  await page.evaluate(() => { document.querySelector('#cat-SR01').open = true; });
  assert.equal(await page.inputValue('#cat-SR01 [data-testid=category-threshold]'), '2');
  await ctx.close();
});

test('me too counts once per device, with a photo, and raises the urgency for the worker to see', async () => {
  const number = cases.rubbish;
  const a = await phone();
  await a.page.goto(`${server.base}/r/${GRID}`);
  const item = `[data-testid=nearby-case][data-number="${number}"]`;
  await a.page.waitForSelector(item);
  await Promise.all([a.page.waitForURL(/r=added/), a.page.click(`${item} [data-testid=me-too]`)]);
  assert.ok((await a.page.textContent(`${item} [data-testid=me-too-note]`)).includes('已记录'));
  await Promise.all([a.page.waitForURL(/r=already/), a.page.click(`${item} [data-testid=me-too]`)]);
  assert.ok((await a.page.textContent(`${item} [data-testid=me-too-note]`)).includes('已点过'));
  await a.page.screenshot({ path: join(out, 'residents-me-too-again.png'), fullPage: true });
  await noSideScroll(a.page, 'the resident page');
  await a.ctx.close();

  // Another phone adds a photo: the second "me too" reaches the threshold of two.
  const b = await phone();
  await b.page.goto(`${server.base}/r/${GRID}`);
  await b.page.evaluate((sel) => { document.querySelector(`${sel} details`).open = true; }, item);
  await b.page.setInputFiles(`${item} [data-testid=me-too-photo]`, { name: 'rubbish.png', mimeType: 'image/png', buffer: TINY_PNG });
  await Promise.all([b.page.waitForURL(/r=raised/), b.page.click(`${item} [data-testid=me-too]`)]);
  assert.equal(await b.page.getAttribute(item, 'data-count'), '2');
  await b.page.locator(item).scrollIntoViewIfNeeded();
  await b.page.screenshot({ path: join(out, 'residents-me-too-raised.png') });
  await b.ctx.close();

  // The worker sees the count, the photo and the raised urgency, on the phone.
  const w = await browser.newContext({ viewport: PHONE });
  const wp = await w.newPage();
  await login(wp, server.base, `gw${GRID}`);
  await wp.goto(`${server.base}/events`);
  assert.ok((await wp.textContent(`tr.ev-row[data-number="${number}"]`)).includes('2 位居民也遇到'));
  await wp.goto(`${server.base}/events/${number}`);
  assert.equal(await wp.getAttribute('[data-testid=event-me-too]', 'data-count'), '2');
  assert.equal(await wp.locator('[data-testid=me-too-photos] img').count(), 1);
  const history = await wp.textContent('#timeline');
  assert.ok(history.includes('2 位居民表示也遇到此问题'), 'the raise is in the history');
  await wp.screenshot({ path: join(out, 'residents-worker-event.png'), fullPage: true });
  await w.close();
});

test('a rejected case says which office said no, why, and where to go instead', async () => {
  const { ctx, page, number } = await report('SR02', '小区内道路有落叶。', '13900139000');
  const tracking = await page.getAttribute('[data-testid=tracking-link]', 'href');
  await workerAct(number, 'reject', async (p, box) => {
    await p.fill(`${box} textarea[name=reason]`, '属小区物业管理范围,请联系物业。');
  });
  await page.goto(`${server.base}${tracking}`);
  await page.waitForSelector('[data-testid=track-refusal]');
  assert.ok((await page.textContent('[data-testid=refusal-reason]')).includes('物业'));
  assert.ok((await page.textContent('[data-testid=refusal-hint]')).includes('12319'));
  assert.ok((await page.textContent('[data-testid=refusal-office]')).trim().length > 0);
  await page.screenshot({ path: join(out, 'residents-refused.png'), fullPage: true });
  await noSideScroll(page, 'the refused case');
  await ctx.close();
});

test('twelve days on, past its seven-day limit, a case says it is overdue, on the tracking page and the board', async () => {
  const admin = await browser.newContext();
  const ap = await admin.newPage();
  await login(ap, server.base, 'admin');
  const r = await ap.request.post(`${server.base}/api/v1/test/clock`, {
    data: { advance_ms: 12 * 24 * 3600_000 },
    headers: { Origin: server.base },
  });
  assert.equal(r.status(), 200, await r.text());
  await admin.close();

  const { ctx, page } = await phone();
  await page.goto(`${server.base}${cases.rubbishLink}`);
  assert.equal(await page.getAttribute('[data-testid=track-limit-state]', 'data-state'), 'overdue');
  assert.ok((await page.textContent('[data-testid=track-elapsed]')).includes('天'));
  await page.screenshot({ path: join(out, 'residents-overdue.png'), fullPage: true });
  await page.goto(`${server.base}/public/${GRID}`);
  await page.waitForSelector('[data-testid=public-overdue]');
  await page.screenshot({ path: join(out, 'residents-board.png'), fullPage: true });
  await noSideScroll(page, 'the board');
  await ctx.close();
});
