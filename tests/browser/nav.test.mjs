// The demo's list of every log-in. Finding one's way on a phone: a grid worker reports from the big button on home; every entry
// of the bottom bar and of the "me" page lies inside the 390 px screen and opens, for a worker,
// a leader and an administrator. On a desktop the top menu wraps inside the window. The audit
// page reads in one language, Chinese or English.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startServer, startBrowser, login } from './harness.mjs';

const out = join(dirname(fileURLToPath(import.meta.url)), 'out');
// In the demo city (seed 1): a grid of 龙湖村 in 江口镇 and its worker.
const GRID = '350102101201001';
const WORKER = `gw${GRID}`;
const PHONE = { width: 390, height: 844 };
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

// The element lies wholly inside the viewport.
async function onScreen(locator, what, viewport) {
  const box = await locator.boundingBox();
  assert.ok(box, `${what} is shown`);
  assert.ok(box.x >= 0 && box.y >= 0 && box.x + box.width <= viewport.width + 0.5 && box.y + box.height <= viewport.height + 0.5,
    `${what} is inside the screen: ${JSON.stringify(box)}`);
  // Nothing (the fixed bottom bar, a banner) lies over its middle: a tap reaches it.
  const reached = await locator.evaluate((el, [x, y]) => el.contains(document.elementFromPoint(x, y)),
    [box.x + box.width / 2, box.y + box.height / 2]);
  assert.ok(reached, `${what} is not covered`);
}

// Scrolls as a user would, bringing the element to the middle of the screen when the page can.
async function scrollTo(locator) {
  await locator.evaluate((el) => el.scrollIntoView({ block: 'center' }));
}

// Nothing on the page is wider than the screen (no sideways scrolling of the page itself).
async function noSidewaysScroll(page, what) {
  const w = await page.evaluate(() => [document.documentElement.scrollWidth, window.innerWidth]);
  assert.ok(w[0] <= w[1] + 1, `${what}: page ${w[0]} px wide on a ${w[1]} px screen`);
}

test('a grid worker reports from the big button on home, on a phone', async () => {
  const ctx = await browser.newContext({ viewport: PHONE });
  const page = await ctx.newPage();
  await login(page, server.base, WORKER);
  const cta = page.locator('[data-testid=report-cta]');
  await onScreen(cta, 'the report button', PHONE);
  await onScreen(page.locator('[data-testid=bottom-nav] [data-nav=report]'), 'report in the bottom bar', PHONE);
  await page.screenshot({ path: join(out, 'nav-worker-home.png') });
  await Promise.all([page.waitForURL(/\/events\/new/), cta.click()]);
  await page.selectOption('[data-testid=staff-category]', 'SR01');
  await page.fill('[data-testid=staff-description]', '路口有暴露垃圾');
  assert.equal(await page.inputValue('[data-testid=staff-grid]'), GRID, 'the own grid is chosen');
  await Promise.all([page.waitForURL(/\/events\/SJ\d{8}-\d{6}$/), page.click('[data-testid=staff-submit]')]);
  assert.ok(await page.isVisible('[data-testid=event-status]'));
  await page.screenshot({ path: join(out, 'nav-worker-reported.png') });

  // The grid page offers the same, for its grid.
  await page.goto(`${server.base}/grids/${GRID}`);
  await onScreen(page.locator('[data-testid=report-cta]'), 'the grid page report button', PHONE);
  await page.screenshot({ path: join(out, 'nav-worker-grid.png') });
  await Promise.all([page.waitForURL(new RegExp(`/events/new\\?grid=${GRID}`)), page.click('[data-testid=report-cta]')]);
  assert.equal(await page.inputValue('[data-testid=staff-grid]'), GRID);
  // The registers are tabs with the open one marked; adding a person is a separate button.
  await page.goto(`${server.base}/people`);
  assert.equal(await page.textContent('[data-testid=registers] [aria-current=page]'), await page.textContent('h1'));
  assert.equal(await page.$('[data-testid=registers] [data-testid=person-new]'), null);
  await onScreen(page.locator('[data-testid=person-new]'), 'register a person', PHONE);
  await page.screenshot({ path: join(out, 'registers-phone.png') });
  // In English the bar still fits.
  await page.goto(`${server.base}/lang?to=en&back=/`);
  await onScreen(page.locator('[data-testid=bottom-nav] [data-nav=me]'), 'me in English', PHONE);
  await page.screenshot({ path: join(out, 'nav-worker-home-en.png') });
  await ctx.close();
});

async function tapEverything(user, shot) {
  const ctx = await browser.newContext({ viewport: PHONE });
  const page = await ctx.newPage();
  await login(page, server.base, user);
  await noSidewaysScroll(page, `${user} home`);
  const top = page.locator('.topbar');
  assert.ok((await top.boundingBox()).height < 80, `${user}: the top bar is one short line on a phone`);
  const bottom = await page.$$eval('[data-testid=bottom-nav] a', (as) => as.map((a) => ({ nav: a.dataset.nav, href: a.getAttribute('href') })));
  assert.ok(bottom.length >= 3 && bottom.length <= 5, `${user}: ${JSON.stringify(bottom)}`);
  assert.equal(bottom.at(-1).nav, 'me');
  await page.screenshot({ path: join(out, `nav-${shot}-home.png`) });
  for (const b of bottom) {
    await page.goto(`${server.base}/`);
    const link = page.locator(`[data-testid=bottom-nav] [data-nav=${b.nav}]`);
    await onScreen(link, `${user} bottom ${b.nav}`, PHONE);
    await Promise.all([page.waitForLoadState('load'), link.click()]);
    await page.waitForURL((u) => u.pathname === b.href.split('?')[0]);
    assert.equal(await page.$('.error-card'), null, `${user} ${b.href} opens`);
    // The bar stays in place and marks where one is.
    await onScreen(page.locator(`[data-testid=bottom-nav] [data-nav=${b.nav}]`), `${user} bottom ${b.nav} on its page`, PHONE);
    assert.equal(await page.getAttribute(`[data-testid=bottom-nav] [data-nav=${b.nav}]`, 'aria-current'), 'page');
    await noSidewaysScroll(page, `${user} ${b.href}`);
  }
  await page.goto(`${server.base}/me`);
  await page.screenshot({ path: join(out, `nav-${shot}-me.png`) });
  const items = await page.$$eval('[data-testid=me-menu] a[data-nav]', (as) => as.map((a) => ({ nav: a.dataset.nav, href: a.getAttribute('href') })));
  for (const m of items) {
    if (m.nav === 'lang') continue;
    await page.goto(`${server.base}/me`);
    const link = page.locator(`[data-testid=me-menu] [data-nav=${m.nav}]`);
    await scrollTo(link);
    await onScreen(link, `${user} me ${m.nav}`, PHONE);
    // /tree opens the caller's own part of the tree.
    await Promise.all([page.waitForURL((u) => u.pathname === m.href || u.pathname.startsWith(`${m.href}/`)), link.click()]);
    assert.equal(await page.$('.error-card'), null, `${user} ${m.href} opens`);
    await noSidewaysScroll(page, `${user} ${m.href}`);
  }
  // Language and log-out are on "me" too.
  await page.goto(`${server.base}/me`);
  const lang = page.locator('[data-testid=me-menu] [data-nav=lang]');
  await scrollTo(lang);
  await onScreen(lang, `${user} language`, PHONE);
  const logout = page.locator('[data-testid=me-menu] [data-nav=logout]');
  await scrollTo(logout);
  await onScreen(logout, `${user} log-out`, PHONE);
  await Promise.all([page.waitForURL(/\/login/), logout.click()]);
  await ctx.close();
  return items.map((m) => m.nav);
}

test('the demo writes every log-in beside the database, department names as their codes', async () => {
  const file = join(dirname(server.dbUrl.replace('sqlite://', '')), 'demo-logins.txt');
  assert.match(server.demoOut, /demo-logins\.txt/);
  const text = readFileSync(file, 'utf8');
  assert.match(text, /wangge2026/);
  const lines = text.split('\n').filter((l) => l && !l.startsWith('#'));
  assert.ok(lines.length > 300, `${lines.length} accounts`);
  assert.ok(lines.some((l) => l.startsWith(`${WORKER}\t`)));
  const dept = lines.find((l) => l.startsWith('dept'));
  assert.match(dept, /^dept\d{12}D\d{2}\t/, 'a department user name carries its code as written');
  // And that name logs in.
  const ctx = await browser.newContext({ viewport: PHONE });
  const page = await ctx.newPage();
  await login(page, server.base, dept.split('\t')[0]);
  assert.ok(await page.isVisible('[data-testid=bottom-nav]'));
  await ctx.close();
});

test('every bottom item and every me item is on screen and opens, at 390 px', async () => {
  const worker = await tapEverything(WORKER, 'worker');
  assert.ok(worker.includes('import') && worker.includes('map') && worker.includes('calendar'), worker.join());
  assert.ok(!worker.includes('audit'));
  const leader = await tapEverything('leader', 'leader');
  assert.ok(leader.includes('analysis'), leader.join());
  const admin = await tapEverything('admin', 'admin');
  for (const n of ['tree', 'map', 'import', 'analysis', 'calendar', 'categories', 'users', 'audit', 'check']) {
    assert.ok(admin.includes(n), `admin reaches ${n}: ${admin.join()}`);
  }
});

test('the desktop top menu wraps inside the window', async () => {
  for (const width of [1280, 1000, 700]) {
    const vp = { width, height: 800 };
    const ctx = await browser.newContext({ viewport: vp });
    const page = await ctx.newPage();
    await login(page, server.base, 'admin');
    await noSidewaysScroll(page, `admin at ${width}`);
    assert.equal(await page.isVisible('[data-testid=bottom-nav]'), false, 'no bottom bar on a desktop');
    const links = page.locator('[data-testid=top-nav] a');
    const n = await links.count();
    assert.ok(n >= 12, `${n} menu entries`);
    for (let i = 0; i < n; i++) await onScreen(links.nth(i), `menu entry ${i} at ${width}`, vp);
    await page.screenshot({ path: join(out, `nav-admin-desktop-${width}.png`) });
    await ctx.close();
  }
});

test('the audit page reads in one language', async () => {
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await ctx.newPage();
  await login(page, server.base, 'admin');
  // A reveal writes a row with a table, a column and a reason.
  await page.goto(`${server.base}/people`);
  const first = await page.getAttribute('a[href^="/people/"]:not([href="/people/new"])', 'href');
  await page.goto(`${server.base}${first}`);
  const box = page.locator('[data-secret=person_id_number]');
  await box.locator('summary').click();
  await box.locator('input[name=reason]').fill('核实户籍信息');
  await Promise.all([page.waitForSelector('[data-testid=revealed]'), box.locator('button[type=submit]').click()]);
  for (const lang of ['zh', 'en']) {
    await page.goto(`${server.base}/lang?to=${lang}&back=/audit`);
    await page.waitForSelector('[data-testid=audit-list]');
    const text = await page.textContent('[data-testid=audit-list]');
    assert.ok(!/[{}]/.test(text), `${lang}: no JSON in the audit list`);
    assert.ok(!/\bpeople #|\bid_number\b|\binserted\b/.test(lang === 'zh' ? text : ''), 'no raw names in Chinese');
    // What the page itself writes — action, subject, field and details — is in the page's
    // language; who acted and the reasons they typed are people's own words.
    const ui = await page.$$eval('[data-testid=audit-list] tr.audit-row', (rows) => rows.map((r) => {
      const td = r.querySelectorAll('td');
      const det = r.querySelector('[data-testid=audit-detail]');
      return [td[2], td[3], td[4]].map((x) => x.textContent).join(' ') + ' ' + (det ? det.textContent : '');
    }).join('\n'));
    assert.ok(ui.length > 0, 'rows are read');
    if (lang === 'en') assert.ok(!/[\u4e00-\u9fff]/.test(ui), `English audit list: ${ui}`);
    await page.screenshot({ path: join(out, `audit-${lang}.png`), fullPage: true });
  }
  await page.goto(`${server.base}/lang?to=zh&back=/`);
  await ctx.close();
});
