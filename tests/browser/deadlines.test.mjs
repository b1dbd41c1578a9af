// Deadlines at the turn of the year, as the city's administrator meets them on a desktop: from
// 1 November a banner says next year's calendar is not loaded; a case reported in late December
// keeps the due time that ends inside the year and flags only the one that runs into the next;
// the banner leads to the year's page, where holidays and make-up working days are clicked and
// the whole year saved; the banner goes and the flagged due time is counted. The year's page is
// also looked at on a 390 px phone.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startServer, startBrowser, login } from './harness.mjs';

const out = join(dirname(fileURLToPath(import.meta.url)), 'out');
// A grid of the demo city (seed 1); 民间纠纷 is an ordinary case: 3 working days, 7 days.
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

/** Moves the server's clock to an instant (the test clock moves by an offset). */
async function clockTo(page, iso) {
  const post = async (ms) => {
    const r = await page.request.post(`${server.base}/api/v1/test/clock`, {
      data: { advance_ms: Math.round(ms) },
      headers: { Origin: server.base },
    });
    assert.equal(r.status(), 200, await r.text());
    return r.json();
  };
  const now = await post(0);
  const moved = await post(Date.parse(iso) - now.now_ms);
  assert.ok(Math.abs(moved.now_ms - Date.parse(iso)) < 60_000, moved.now);
}

async function residentReport(description) {
  const ctx = await browser.newContext({ viewport: { width: 390, height: 844 } });
  const page = await ctx.newPage();
  await page.goto(`${server.base}/r/${GRID}`);
  await page.selectOption('[data-testid=report-category] select, select[name=category]', 'MD01');
  await page.fill('textarea[name=description]', description);
  await Promise.all([page.waitForSelector('[data-testid=report-done]'), page.click('[data-testid=report-submit]')]);
  const number = (await page.textContent('[data-testid=tracking-number]')).trim();
  await ctx.close();
  return number;
}

const day = (page, date) => page.locator(`#cal-grid button.day[value="${date}"]`);

test('the administrator is asked for next year in November and enters it by clicking days', async () => {
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await ctx.newPage();
  await login(page, server.base, 'admin');

  // October: no banner. November: the banner, on every page.
  await clockTo(page, '2026-10-20T10:00:00+08:00');
  await page.goto(`${server.base}/`);
  assert.equal(await page.locator('[data-testid=calendar-banner]').count(), 0, 'no banner in October');
  await clockTo(page, '2026-11-16T10:00:00+08:00');
  await page.goto(`${server.base}/events`);
  await page.waitForSelector('[data-testid=calendar-banner]');
  assert.match(await page.textContent('[data-testid=calendar-banner]'), /2027/);
  await page.goto(`${server.base}/`);
  await page.waitForSelector('[data-testid=calendar-banner]');
  await page.screenshot({ path: join(out, 'deadlines-banner.png') });

  // A case reported on Monday Dec 28: its 3 working days end Thursday Dec 31, inside 2026;
  // its 7 days run into 2027, which nobody has entered yet.
  await clockTo(page, '2026-12-28T10:00:00+08:00');
  const number = await residentReport('两户因楼道堆物发生争执,需要调解。');
  await page.goto(`${server.base}/events/${number}`);
  const due = page.locator('[data-testid=event-due]');
  const finalDue = page.locator('[data-testid=event-final-due]');
  assert.match(await due.textContent(), /2026-12-3/);
  assert.equal(await due.locator('[data-testid=calendar-missing]').count(), 0, 'the level due time is counted');
  assert.equal(await finalDue.locator('[data-testid=calendar-missing]').count(), 1, 'the case limit is flagged');
  assert.equal(await page.getAttribute('[data-testid=event-light]', 'data-light'), 'green');
  await page.screenshot({ path: join(out, 'deadlines-event-flagged.png') });

  // The banner leads to the year's page: twelve months of days to click.
  await Promise.all([page.waitForURL(/\/calendar\/2027$/), page.click('[data-testid=calendar-banner-link]')]);
  assert.equal(await page.locator('.cal-month').count(), 12);
  assert.equal(await page.locator('#cal-grid button.day').count(), 365);
  // New Year's Day (Friday) and Spring Festival days off; a Saturday clicked twice is a
  // make-up working day; a Saturday clicked once is a holiday on a weekend, refused.
  for (const d of ['2027-01-01', '2027-02-08', '2027-02-09', '2027-02-10', '2027-02-11', '2027-02-12']) {
    await day(page, d).click();
    assert.equal(await day(page, d).getAttribute('data-mark'), 'hol', d);
  }
  await day(page, '2027-02-20').click();
  await day(page, '2027-02-20').click();
  assert.equal(await day(page, '2027-02-20').getAttribute('data-mark'), 'work');
  assert.match(await day(page, '2027-02-20').textContent(), /班/);
  await day(page, '2027-02-06').click();
  assert.equal(await day(page, '2027-02-06').getAttribute('data-mark'), 'hol');
  await page.locator('.cal-month').nth(1).scrollIntoViewIfNeeded();
  await page.screenshot({ path: join(out, 'deadlines-year-clicked.png') });
  await Promise.all([page.waitForLoadState('load'), page.click('[data-testid=calendar-save]')]);
  await page.waitForSelector('[data-testid=calendar-grid-error]');
  assert.match(await page.textContent('[data-testid=calendar-grid-error]'), /2027-02-06 是周末/);
  assert.equal(await page.locator('[data-testid=calendar-saved]').count(), 0);
  await page.screenshot({ path: join(out, 'deadlines-year-refused.png') });
  // The marks came back unsaved; two more clicks bring the Saturday back to normal.
  assert.equal(await day(page, '2027-02-08').getAttribute('data-mark'), 'hol');
  await day(page, '2027-02-06').click();
  await day(page, '2027-02-06').click();
  assert.equal(await day(page, '2027-02-06').getAttribute('data-mark'), '');
  await Promise.all([page.waitForURL(/saved=1/), page.click('[data-testid=calendar-save]')]);
  await page.waitForSelector('[data-testid=calendar-saved]');
  assert.equal(await page.locator('[data-testid=calendar-banner]').count(), 0, 'the banner is gone');
  assert.match(await page.textContent('[data-testid=calendar-holidays]'), /2027-02-08/);
  assert.match(await page.textContent('[data-testid=calendar-workdays]'), /2027-02-20/);
  await page.screenshot({ path: join(out, 'deadlines-year-saved.png') });

  // The case's limit is counted now: Dec 28 + 7 = Monday Jan 4, 2027.
  await page.goto(`${server.base}/events/${number}`);
  assert.equal(await page.locator('[data-testid=calendar-missing]').count(), 0);
  assert.match(await finalDue.textContent(), /2027-01-0/);
  await page.goto(`${server.base}/`);
  assert.equal(await page.locator('[data-testid=calendar-banner]').count(), 0);
  await ctx.close();
});

test('the year page stacks its months on a phone', async () => {
  const ctx = await browser.newContext({ viewport: { width: 390, height: 844 } });
  const page = await ctx.newPage();
  await login(page, server.base, 'admin');
  // Reachable by tapping: the calendar's overview links each loaded year.
  await page.goto(`${server.base}/calendar`);
  await Promise.all([page.waitForURL(/\/calendar\/2026$/), page.click('[data-testid=calendar-years] a[data-year="2026"]')]);
  const months = page.locator('.cal-month');
  const first = await months.nth(0).boundingBox();
  const second = await months.nth(1).boundingBox();
  assert.ok(second.y > first.y + first.height - 1, 'February is below January');
  assert.ok(Math.abs(second.x - first.x) < 2, 'one column');
  assert.ok(first.x >= 0 && first.x + first.width <= 390, 'the month fits the screen');
  const cell = await day(page, '2026-01-05').boundingBox();
  assert.ok(cell.width >= 36 && cell.height >= 36, `a day is big enough to tap: ${cell.width}x${cell.height}`);
  const overflow = await page.$eval('.cal-months', (el) => el.scrollWidth - el.clientWidth);
  assert.ok(overflow <= 0, `no sideways scroll in the months: ${overflow}`);
  await page.screenshot({ path: join(out, 'deadlines-year-phone.png') });
  await months.nth(9).scrollIntoViewIfNeeded();
  await page.screenshot({ path: join(out, 'deadlines-year-phone-october.png') });
  await ctx.close();
});
