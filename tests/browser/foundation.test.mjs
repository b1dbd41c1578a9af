// The foundation as a person meets it: a township's centre operator logs in, sees their own
// township's grids on the map and none of the neighbouring township's, and prints a grid's
// notice board to a one-page A4 PDF.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startServer, startBrowser, login } from './harness.mjs';

const out = join(dirname(fileURLToPath(import.meta.url)), 'out');
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

async function mapCodes(page) {
  await page.goto(`${server.base}/map`);
  await page.waitForSelector('#grid-list li[data-code]', { timeout: 20000 });
  await page.waitForSelector('#map path.grid', { timeout: 20000 });
  const listed = await page.$$eval('#grid-list li[data-code]', (els) => els.map((e) => e.dataset.code));
  const drawn = await page.$$eval('#map path.grid', (els) => els.length);
  return { listed, drawn };
}

test('a centre operator sees their township on the map and not the neighbour', async () => {
  const ctx1 = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const p1 = await ctx1.newPage();
  await login(p1, server.base, 'operator1');
  const me1 = await (await p1.request.get(`${server.base}/api/v1/me`)).json();
  assert.equal(me1.role, 'operator');
  assert.equal(me1.node_kind, 'township');
  const mine = await mapCodes(p1);
  assert.ok(mine.listed.length > 10, `expected the township's grids, got ${mine.listed.length}`);
  assert.equal(mine.drawn, mine.listed.length, 'every listed grid is drawn');
  const prefix1 = me1.node_code.slice(0, 9);
  for (const code of mine.listed) assert.ok(code.startsWith(prefix1), `${code} lies outside ${me1.node_code}`);
  await p1.screenshot({ path: join(out, 'map-operator1.png') });

  const ctx2 = await browser.newContext();
  const p2 = await ctx2.newPage();
  await login(p2, server.base, 'operator2');
  const me2 = await (await p2.request.get(`${server.base}/api/v1/me`)).json();
  assert.notEqual(me2.node_code, me1.node_code);
  const theirs = await mapCodes(p2);
  assert.ok(theirs.listed.length > 10);
  const overlap = theirs.listed.filter((c) => mine.listed.includes(c));
  assert.deepEqual(overlap, [], 'sibling townships share no grid');

  // The neighbour's grid is not found for operator1, as a page and through the API.
  const foreign = theirs.listed[0];
  const pageResp = await p1.goto(`${server.base}/grids/${foreign}`);
  assert.equal(pageResp.status(), 404);
  const apiResp = await p1.request.get(`${server.base}/api/v1/nodes/${foreign}`);
  assert.equal(apiResp.status(), 404);
  await ctx2.close();
  await ctx1.close();
});

test('a grid notice board prints on one A4 page with its QR code', async () => {
  const ctx = await browser.newContext();
  const page = await ctx.newPage();
  await login(page, server.base, 'operator1');
  const { listed } = await mapCodes(page);
  const code = listed[0];
  await page.goto(`${server.base}/grids/${code}/board`);
  await page.waitForSelector('[data-testid=board-qr] svg, svg[data-testid=board-qr]');
  const text = await page.textContent('body');
  assert.ok(text.includes(code), 'the board shows the grid code');
  assert.ok(text.includes('网格公示牌'), 'the board has its title');
  const pdf = await page.pdf({ format: 'A4', printBackground: true });
  writeFileSync(join(out, `board-${code}.pdf`), pdf);
  assert.equal(pdf.subarray(0, 5).toString(), '%PDF-');
  const pages = (pdf.toString('latin1').match(/\/Type\s*\/Page[^s]/g) || []).length;
  assert.equal(pages, 1, `the board prints on ${pages} pages`);
  await ctx.close();
});

test('an administrator is told when the QR code of a board points at this machine', async () => {
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await ctx.newPage();
  await login(page, server.base, 'admin');
  const { listed } = await mapCodes(page);
  await page.goto(`${server.base}/grids/${listed[0]}/board`);
  const warning = page.locator('[data-testid=board-public-url-warning]');
  await warning.waitFor();
  assert.ok((await warning.textContent()).includes('--public-url'), 'the warning says how to fix it');
  await page.screenshot({ path: join(out, 'board-public-url-warning.png'), fullPage: false });
  // The warning is for the screen: the printed board is still one page without it.
  await page.emulateMedia({ media: 'print' });
  assert.equal(await warning.isVisible(), false, 'the warning does not print');
  await ctx.close();
});

test('the resident page behind the QR code opens without log-in', async () => {
  const ctx = await browser.newContext({ viewport: { width: 390, height: 844 } });
  const page = await ctx.newPage();
  const res = await fetch(`${server.base}/api/v1/locate?lat=0&lon=0`);
  assert.equal((await res.json()).found, false);
  const fc = await fetch(`${server.base}/api/openapi.json`);
  assert.equal(fc.status, 200);
  // Any grid will do: find one through the public locate API at the map's centre.
  const login1 = await browser.newContext();
  const p = await login1.newPage();
  await login(p, server.base, 'operator1');
  const { listed } = await mapCodes(p);
  await login1.close();
  const r = await page.goto(`${server.base}/r/${listed[0]}`);
  assert.equal(r.status(), 200);
  assert.ok((await page.textContent('body')).includes(listed[0]));
  await page.screenshot({ path: join(out, 'resident-phone.png') });
  await ctx.close();
});
