// Import bounds in the browser: a grid worker on a phone checks a file whose one cell is far too
// long; the report names the row and the column and quotes only the start of the cell, in
// Chinese, and the page stays small.
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

test('a cell of 100,000 characters is its rows problem, quoted by its start', async () => {
  const ctx = await browser.newContext({ viewport: { width: 390, height: 844 } });
  const page = await ctx.newPage();
  await login(page, server.base, WORKER);
  const long = '超长' + '名'.repeat(100000);
  const text = `网格编码,姓名,身份证号,人口类型,出生日期\r\n${GRID},${long},,常住,\r\n`;
  await page.goto(`${server.base}/import`);
  await page.selectOption('[data-testid=import-kind]', 'people');
  await page.setInputFiles('[data-testid=import-file]', {
    name: 'long.csv', mimeType: 'text/csv', buffer: Buffer.from('\ufeff' + text, 'utf8'),
  });
  await page.click('[data-testid=import-check]');
  await page.waitForSelector('[data-testid=import-outcome]', { timeout: 30000 });
  const problems = await page.$$eval('[data-testid=import-problems] tbody tr', (rows) => rows.map((r) => ({
    row: r.getAttribute('data-row'),
    field: r.getAttribute('data-field'),
    reason: r.cells[2].textContent.trim(),
  })));
  await page.screenshot({ path: join(out, 'import-long-cell.png'), fullPage: true });
  const name = problems.find((p) => p.field === 'name');
  assert.ok(name, JSON.stringify(problems));
  assert.equal(name.row, '2');
  assert.equal(name.reason, `单元格超过 32 KB,开头为 “超长${'名'.repeat(62)}”`);
  const body = await page.textContent('body');
  assert.ok(body.length < 20000, `the page holds ${body.length} characters`);
  await ctx.close();
});
