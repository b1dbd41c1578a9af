// Transfers (人口迁入) on a 390 px phone: a grid worker registers a person whose ID number is
// registered in another township; the refusal names no grid and offers a transfer, which the
// worker asks for by tapping. The district's centre operator taps from home to the request,
// sees both grids and approves; the person then lives in the worker's grid.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync } from 'node:fs';
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

// GB 11643: a valid ID number in a region the demo city does not use.
function idNumber(birth, seq) {
  const body = `110101${birth}${String(seq).padStart(3, '0')}`;
  const w = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  const sum = [...body].reduce((s, d, i) => s + Number(d) * w[i], 0);
  return body + '10X98765432'[sum % 11];
}

// A worker of the same district but another township: the lowest office above both grids is
// the district, whose centre operator is `countycentre`.
function otherWorker() {
  const file = join(dirname(server.dbUrl.replace('sqlite://', '')), 'demo-logins.txt');
  const names = readFileSync(file, 'utf8').split('\n').map((l) => l.split('\t')[0]);
  const other = names.find((n) => /^gw350102\d{9}$/.test(n) && n.slice(8, 11) !== GRID.slice(6, 9));
  assert.ok(other, 'a worker of another township');
  return other;
}

async function register(page, grid, name, id) {
  await page.goto(`${server.base}/people/new`);
  await page.selectOption('[data-testid=basic-form] select[name=grid_code]', grid);
  await page.fill('[data-testid=basic-form] input[name=name]', name);
  await page.fill('[data-testid=basic-form] input[name=id_number]', id);
  await page.selectOption('[data-testid=basic-form] select[name=residence]', 'registered');
  await Promise.all([page.waitForLoadState('load'), page.click('[data-testid=basic-form] button[type=submit]')]);
}

test('a worker asks for a person registered elsewhere; the district centre approves from home', async () => {
  const id = idNumber('19790312', 21);
  const other = otherWorker();
  const otherGrid = other.slice(2);

  // The person lives in the other township's grid.
  const first = await browser.newContext(PHONE);
  const fp = await first.newPage();
  await login(fp, server.base, other);
  await register(fp, otherGrid, '迁入人', id);
  assert.match(new URL(fp.url()).pathname, /^\/people\/\d+$/, 'registered');
  const personPath = new URL(fp.url()).pathname;
  await first.close();

  // The worker meets the number: no grid named, a transfer offered.
  const ctx = await browser.newContext(PHONE);
  const page = await ctx.newPage();
  await login(page, server.base, WORKER);
  // A worker's bottom bar holds the workbench; the register is one tap further, under "me".
  await page.tap('[data-testid=bottom-nav] [data-nav=me]');
  await page.tap('[data-testid=me-menu] [data-nav=people]');
  await page.waitForURL((u) => u.pathname === '/people');
  await register(page, GRID, '迁入人', id);
  const said = await page.textContent('[data-testid=form-errors]');
  assert.ok(!said.includes(otherGrid) && !said.includes(otherGrid.slice(0, 9)), said);
  const offer = page.locator('[data-testid=transfer-offer]');
  await offer.scrollIntoViewIfNeeded();
  await page.screenshot({ path: join(out, 'transfer-conflict-390.png'), fullPage: true });
  const body = await page.textContent('body');
  assert.ok(!body.includes(otherGrid), 'the page names no grid of the other township');
  await page.fill('[data-testid=transfer-reason]', '已搬到本网格居住(浏览器测试)');
  await Promise.all([page.waitForURL(/\/transfers\/\d+/), page.tap('[data-testid=request-transfer]')]);
  assert.equal(await page.getAttribute('[data-testid=transfer-status]', 'data-status'), 'pending');
  assert.ok(!(await page.textContent('body')).includes(otherGrid), 'the requester does not see where');
  await page.screenshot({ path: join(out, 'transfer-requested-390.png'), fullPage: true });
  const requestPath = new URL(page.url()).pathname;

  // The district's centre operator: home → the waiting request → approve.
  const op = await browser.newContext(PHONE);
  const opPage = await op.newPage();
  await login(opPage, server.base, 'countycentre');
  await opPage.screenshot({ path: join(out, 'transfer-home-390.png'), fullPage: true });
  await Promise.all([opPage.waitForURL((u) => u.pathname === '/transfers'), opPage.tap('[data-testid=home-transfers] a')]);
  // The same page is on the "me" menu.
  const link = opPage.locator(`[data-testid=transfers-to-decide] a[href="${requestPath}"]`);
  await opPage.screenshot({ path: join(out, 'transfer-list-390.png'), fullPage: true });
  await Promise.all([opPage.waitForURL((u) => u.pathname === requestPath), link.tap()]);
  assert.ok((await opPage.textContent('[data-testid=transfer-from]')).includes(otherGrid), 'both grids shown');
  assert.ok((await opPage.textContent('[data-testid=transfer-to]')).includes(GRID));
  await opPage.locator('[data-testid=transfer-approve]').scrollIntoViewIfNeeded();
  await opPage.screenshot({ path: join(out, 'transfer-decide-390.png'), fullPage: true });
  await Promise.all([opPage.waitForURL(/done=approved/), opPage.tap('[data-testid=transfer-approve]')]);
  assert.equal(await opPage.getAttribute('[data-testid=transfer-status]', 'data-status'), 'approved');
  await opPage.screenshot({ path: join(out, 'transfer-approved-390.png'), fullPage: true });
  await opPage.goto(`${server.base}/me`);
  assert.ok(await opPage.$('[data-testid=me-menu] a[href="/transfers"]'), 'on the me menu');
  await op.close();

  // The worker now sees the person in their grid.
  await page.goto(`${server.base}${requestPath}`);
  await page.tap('[data-testid=transfer-person]');
  await page.waitForURL((u) => u.pathname === personPath);
  const resp = await page.goto(`${server.base}${personPath}`);
  assert.equal(resp.status(), 200, 'the person is in the worker\'s area now');
  await page.screenshot({ path: join(out, 'transfer-person-390.png'), fullPage: true });
  await ctx.close();
});
