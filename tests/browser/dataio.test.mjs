// Data in and out, and the small wrongs of the registers, on a grid worker's phone (390x844):
// the people list shows each person's age; an organisation's page is headed by its name; the
// import page offers objects (部件), and an objects template uploaded unchanged skips its
// example row and writes nothing.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startServer, startBrowser, login } from './harness.mjs';

const out = join(dirname(fileURLToPath(import.meta.url)), 'out');
// In the demo city (seed 1): the first grid of 龙湖村 and its worker.
const GRID = '350102101201001';
const WORKER = `gw${GRID}`;
const PHONE = { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true };
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

test('the people list shows ages and filters by them on a phone', async () => {
  const ctx = await browser.newContext(PHONE);
  const page = await ctx.newPage();
  await login(page, server.base, WORKER);
  await page.goto(`${server.base}/people`);
  const ages = await page.$$eval('[data-testid=person-age]', (cells) => cells.map((c) => c.textContent.trim()));
  assert.ok(ages.length > 0, 'the list has people');
  for (const a of ages) assert.match(a, /^\d{1,3}$/);
  await page.screenshot({ path: join(out, 'dataio-people-ages.png'), fullPage: false });
  // At least 60: every age shown is 60 or more.
  await page.fill('[data-testid=age-min]', '60');
  await Promise.all([page.waitForURL(/age_min=60/), page.click('[data-testid=people-filters] button[type=submit]')]);
  const old = await page.$$eval('[data-testid=person-age]', (cells) => cells.map((c) => Number(c.textContent.trim())));
  for (const a of old) assert.ok(a >= 60, `age ${a}`);
  await page.screenshot({ path: join(out, 'dataio-people-60.png'), fullPage: false });
  await ctx.close();
});

test('an organisation page is headed by its name', async () => {
  const ctx = await browser.newContext(PHONE);
  const page = await ctx.newPage();
  await login(page, server.base, WORKER);
  await page.goto(`${server.base}/orgs`);
  const first = page.locator('[data-testid=record-list] tbody tr td a').first();
  const name = (await first.textContent()).trim();
  await Promise.all([page.waitForURL(/\/orgs\/\d+/), first.click()]);
  const heading = (await page.textContent('[data-testid=record-name]')).trim();
  assert.equal(heading, name);
  await page.screenshot({ path: join(out, 'dataio-org-page.png'), fullPage: false });
  await ctx.close();
});

test('the import page offers objects, and an unchanged template skips its example', async () => {
  const ctx = await browser.newContext(PHONE);
  const page = await ctx.newPage();
  await login(page, server.base, WORKER);
  await page.goto(`${server.base}/import`);
  assert.equal(await page.locator('[data-testid=template-objects-xlsx]').count(), 1);
  assert.equal(await page.locator('[data-testid=export-objects-csv]').count(), 1);
  const template = await page.request.get(`${server.base}/import/template/objects.csv`);
  assert.equal(template.status(), 200);
  const bytes = Buffer.from(await template.body());
  await page.selectOption('[data-testid=import-kind]', 'objects');
  await page.setInputFiles('[data-testid=import-file]', { name: 'objects.csv', mimeType: 'text/csv', buffer: bytes });
  await page.click('[data-testid=import-all]');
  await page.waitForSelector('[data-testid=import-outcome]', { timeout: 30000 });
  const skipped = await page.textContent('[data-testid=import-example-skipped]');
  assert.match(skipped, /2/);
  assert.equal((await page.textContent('[data-testid=import-inserted]')).trim(), '0');
  await page.locator('[data-testid=import-job]').scrollIntoViewIfNeeded();
  await page.screenshot({ path: join(out, 'dataio-import-objects.png'), fullPage: false });
  // A worker may export full values: the form asks for a reason.
  await page.locator('[data-testid=export-full] summary').click();
  assert.equal(await page.getAttribute('[data-testid=export-full-reason]', 'required'), '');
  await page.locator('[data-testid=export-full]').scrollIntoViewIfNeeded();
  await page.screenshot({ path: join(out, 'dataio-export-full.png'), fullPage: false });
  await ctx.close();
});
