// Keeping the category tree in the browser: the city's administrator adds a kind under 矛盾纠纷,
// a resident's QR page offers it at once; retired with its "in use" box, it is offered no more.
// And a grid worker's own inbox ("我经办的") holds what the worker accepted.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startServer, startBrowser, login } from './harness.mjs';

const out = join(dirname(fileURLToPath(import.meta.url)), 'out');
// In the demo city (seed 1): a grid of 龙湖村 and its worker.
const GRID = '350102101201001';
let server;
let browser;

before(async () => {
  mkdirSync(out, { recursive: true });
  server = await startServer();
  browser = await startBrowser();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

async function offeredToResidents(code) {
  const ctx = await browser.newContext({ viewport: { width: 390, height: 844 } });
  const page = await ctx.newPage();
  await page.goto(`${server.base}/r/${GRID}`);
  const values = await page.$$eval('select[name=category] option', (os) => os.map((o) => o.value));
  await ctx.close();
  return values.includes(code);
}

test('the administrator adds a kind, residents are offered it, and retiring it withdraws it', async () => {
  const ctx = await browser.newContext({ viewport: { width: 390, height: 844 } });
  const page = await ctx.newPage();
  await login(page, server.base, 'admin');
  await page.goto(`${server.base}/admin/categories`);
  assert.ok(await page.isVisible('[data-code=MD01]'));
  assert.equal(await offeredToResidents('MD90'), false);

  const add = page.locator('[data-testid=category-new] form');
  await add.locator('select[name=parent_code]').selectOption('MD');
  await add.locator('input[name=code]').fill('MD90');
  await add.locator('input[name=name]').fill('噪声扰民');
  await add.locator('select[name=complexity]').selectOption('complex');
  await Promise.all([page.waitForURL(/saved=MD90/), add.locator('button[type=submit]').click()]);
  assert.match(await page.textContent('[data-testid=category-saved]'), /MD90/);
  await page.screenshot({ path: join(out, 'categories-phone.png'), fullPage: false });
  assert.equal(await offeredToResidents('MD90'), true);

  // Retire it: open its entry, untick "in use", save.
  const item = page.locator('details[data-code=MD90]');
  await item.locator('summary').click();
  await item.locator('input[name=active]').uncheck();
  await Promise.all([page.waitForURL(/saved=MD90/), item.locator('button[type=submit]').click()]);
  assert.equal(await page.getAttribute('details[data-code=MD90]', 'data-active'), 'false');
  assert.equal(await offeredToResidents('MD90'), false);
  await ctx.close();
});

test("a worker's own inbox holds what the worker accepted", async () => {
  const ctx = await browser.newContext({ viewport: { width: 390, height: 844 } });
  const page = await ctx.newPage();
  // A resident reports in the grid.
  await page.goto(`${server.base}/r/${GRID}`);
  await page.selectOption('select[name=category]', 'MD01');
  await page.fill('textarea[name=description]', '楼上漏水影响楼下');
  await Promise.all([page.waitForSelector('[data-testid=report-done]'), page.click('[data-testid=report-submit]')]);
  const number = (await page.textContent('[data-testid=tracking-number]')).trim();

  await login(page, server.base, `gw${GRID}`);
  await page.goto(`${server.base}/events?inbox=mine`);
  assert.equal(await page.isVisible(`tr.ev-row[data-number="${number}"]`), false, 'not the worker\'s yet');
  await page.goto(`${server.base}/events/${number}`);
  await Promise.all([
    page.waitForURL(/done=accept/),
    page.click('[data-testid=act-accept] button[type=submit]'),
  ]);
  await page.goto(`${server.base}/events`);
  await page.click('[data-testid=inbox-tabs] [data-inbox=mine]');
  await page.waitForURL(/inbox=mine/);
  assert.ok(await page.isVisible(`tr.ev-row[data-number="${number}"]`));
  await page.screenshot({ path: join(out, 'inbox-mine-phone.png'), fullPage: false });
  await ctx.close();
});
