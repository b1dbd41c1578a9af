// Basic information in the browser: a grid worker imports a people file with two bad rows and
// sees both with their reasons while nothing is written; the corrected file imports every row;
// the worker's list holds only their grid; revealing an ID number asks for a reason, and the
// reveal appears on the administrator's audit page.
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

// GB 11643: a valid 18-character ID number. Region 110101 is not used by the demo city, so the
// file never collides with the demo's people.
function idNumber(birth, seq) {
  const body = `110101${birth}${String(seq).padStart(3, '0')}`;
  const w = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  const sum = [...body].reduce((s, d, i) => s + Number(d) * w[i], 0);
  return body + '10X98765432'[sum % 11];
}

function wrongCheck(id) {
  const last = id[17];
  const next = last === 'X' ? '0' : last === '9' ? 'X' : String(Number(last) + 1);
  return id.slice(0, 17) + next;
}

const people = [
  ['导入甲', idNumber('19800101', 11), ''],
  ['导入乙', idNumber('19810202', 13), ''],
  ['导入丙', idNumber('19820303', 15), ''],
  ['导入丁', idNumber('19830404', 17), ''],
];

function csv(rows) {
  const lines = ['网格编码,姓名,身份证号,人口类型,出生日期'];
  for (const [name, id, birth] of rows) lines.push(`${GRID},${name},${id},常住,${birth}`);
  return Buffer.from('\ufeff' + lines.join('\r\n') + '\r\n', 'utf8');
}

async function upload(page, name, bytes, mode) {
  await page.goto(`${server.base}/import`);
  await page.selectOption('[data-testid=import-kind]', 'people');
  await page.setInputFiles('[data-testid=import-file]', { name, mimeType: 'text/csv', buffer: bytes });
  await page.click(`[data-testid=import-${mode}]`);
  await page.waitForSelector('[data-testid=import-outcome]', { timeout: 30000 });
  return page.getAttribute('[data-testid=import-outcome]', 'data-outcome');
}

async function findById(page, id) {
  await page.goto(`${server.base}/people?q=${encodeURIComponent(id)}`);
  await page.waitForSelector('[data-testid=people-list], [data-testid=people-empty]');
  return page.$$eval('tr.person-row', (rows) => rows.map((r) => r.getAttribute('data-id')));
}

test('an import with two bad rows shows both and writes nothing; the corrected file imports all', async () => {
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 1000 } });
  const page = await ctx.newPage();
  await login(page, server.base, WORKER);

  const bad = people.map((p) => [...p]);
  bad[1][1] = wrongCheck(bad[1][1]); // row 3: a wrong check character
  bad[3][2] = '1983-02-30'; // row 5: a date that does not exist
  assert.equal(await upload(page, 'people-bad.csv', csv(bad), 'all'), 'done_refused');
  const problems = await page.$$eval('[data-testid=import-problems] tbody tr', (rows) => rows.map((r) => ({
    row: r.getAttribute('data-row'),
    field: r.getAttribute('data-field'),
    reason: r.cells[2].textContent.trim(),
  })));
  await page.screenshot({ path: join(out, 'import-bad-rows.png'), fullPage: true });
  assert.deepEqual(problems.map((p) => [p.row, p.field]), [['3', 'id_number'], ['5', 'birth_date']]);
  for (const p of problems) assert.ok(p.reason.length > 5, `a reason for row ${p.row}`);
  assert.equal(await page.textContent('[data-testid=import-inserted]'), '0');
  for (const [, id] of people) assert.deepEqual(await findById(page, id), [], 'nothing was written');

  assert.equal(await upload(page, 'people.csv', csv(people), 'all'), 'done_committed');
  assert.equal(await page.textContent('[data-testid=import-inserted]'), String(people.length));
  assert.ok(await page.$('[data-testid=import-no-problems]'));
  await page.screenshot({ path: join(out, 'import-done.png'), fullPage: true });
  for (const [, id] of people) assert.equal((await findById(page, id)).length, 1, `${id} imported`);
  await ctx.close();
});

test('a grid worker sees only their grid; a reveal asks for a reason and is audited', async () => {
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 1000 } });
  const page = await ctx.newPage();
  await login(page, server.base, WORKER);
  const gridName = (await page.textContent('[data-testid=whoami]')).split('·').pop().trim();

  await page.goto(`${server.base}/people`);
  await page.waitForSelector('[data-testid=people-list]');
  const grids = await page.$$eval('tr.person-row td[data-label]:last-child', (tds) => tds.map((td) => td.textContent.trim()));
  assert.ok(grids.length > 0, 'the worker has people');
  for (const g of grids) assert.equal(g, gridName);

  // A person of the neighbouring grid is not found for this worker.
  const admin = await browser.newContext();
  const ap = await admin.newPage();
  await login(ap, server.base, 'admin');
  await ap.goto(`${server.base}/people?under=350102101201002`);
  await ap.waitForSelector('tr.person-row');
  const otherId = await ap.getAttribute('tr.person-row', 'data-id');
  const resp = await page.goto(`${server.base}/people/${otherId}`);
  assert.equal(resp.status(), 404);

  // Reveal the ID number of one of the imported people: the reason is required.
  const [ownId] = await findById(page, people[0][1]);
  await page.goto(`${server.base}/people/${ownId}`);
  const box = '[data-secret=person_id_number]';
  await page.click(`${box} summary`);
  const reason = page.locator(`${box} input[name=reason]`);
  assert.equal(await reason.getAttribute('required'), '');
  await page.click(`${box} button[type=submit]`);
  assert.equal(await page.$('[data-testid=revealed]'), null, 'no reveal without a reason');
  await reason.fill('核对户籍信息(浏览器测试)');
  await Promise.all([page.waitForLoadState('load'), page.click(`${box} button[type=submit]`)]);
  await page.waitForSelector('[data-testid=revealed]');
  assert.equal((await page.textContent('[data-testid=revealed]')).trim(), people[0][1]);
  await page.screenshot({ path: join(out, 'reveal.png'), fullPage: true });

  await ap.goto(`${server.base}/audit`);
  await ap.waitForSelector('[data-testid=audit-list]');
  const rows = await ap.$$eval('tr.audit-row', (trs) => trs.map((tr) => tr.textContent));
  assert.ok(rows.some((t) => t.includes('核对户籍信息(浏览器测试)')), 'the reveal is on the audit page');
  await ap.screenshot({ path: join(out, 'audit.png'), fullPage: true });
  await admin.close();
  await ctx.close();
});
