// Volunteer points end to end on the small demo city, each step as a person taps, at 390 px:
// the community's organiser publishes an activity; a volunteer opens 志愿服务 from the bottom bar
// and signs up for it; after it the organiser confirms attendance and the points appear in the
// volunteer's history and on the month's notice (names masked); the organiser lists a gift and
// the volunteer redeems it, the stock falls and so do the year's points; the month ends and is
// published, and then a late entry for that month (another activity's attendance) is refused
// with the reason. The demo prints a community's volunteers and organiser; the server's test
// clock moves time on. Screenshots go to out/.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startServer, startBrowser, login } from './harness.mjs';

const out = join(dirname(fileURLToPath(import.meta.url)), 'out');
const PHONE = { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true };
const DESK = { viewport: { width: 1280, height: 900 } };
const HOUR = 3600_000;
const DAY = 24 * HOUR;
const CST = 8 * HOUR;
let server;
let browser;
let admin;

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

/** Moves the server's clock forward to an instant (ms); answers the server's now. */
async function clockTo(ms) {
  const post = async (advance) => {
    const r = await admin.request.post(`${server.base}/api/v1/test/clock`, {
      data: { advance_ms: Math.round(advance) },
      headers: { Origin: server.base },
    });
    assert.equal(r.status(), 200, await r.text());
    return (await r.json()).now_ms;
  };
  const now = await post(0);
  return now >= ms ? now : post(ms - now);
}

/** `YYYY-MM` and a datetime-local value of an instant, in China time. */
const monthOf = (ms) => new Date(ms + CST).toISOString().slice(0, 7);
const localValue = (ms) => new Date(ms + CST).toISOString().slice(0, 16);
/** 09:00 China time of the day after `ms`. */
function tomorrowNine(ms) {
  const day = Math.floor((ms + CST) / DAY) + 1;
  return day * DAY - CST + 9 * HOUR;
}
/** 10:00 China time on the 2nd of the month after `ms`. */
function nextMonthSecond(ms) {
  const d = new Date(ms + CST);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 2, 10) - CST;
}
/** The notice's masking (张三→张*, 王小明→王*明). */
function mask(name) {
  const c = [...name];
  if (c.length <= 1) return name;
  if (c.length === 2) return `${c[0]}*`;
  return c[0] + '*'.repeat(c.length - 2) + c[c.length - 1];
}

async function as(user, opts) {
  const context = await browser.newContext(opts);
  const page = await context.newPage();
  await login(page, server.base, user);
  return { context, page };
}

/** Who the demo printed: a volunteer, a building leader and the organiser of one community. */
function demoPeople() {
  const text = server.demoOut;
  const vol = text.match(/^\s+(vol\S+)\s+volunteer\s+.*\((\d{12})\) · 志愿者$/m);
  const leader = text.match(/^\s+(vol\S+)\s+volunteer\s+.*\((\d{12})\) · 楼栋长$/m);
  const org = text.match(/^\s+(gl\d+)\s+grid_leader\s+.*organiser$/m);
  assert.ok(vol && leader && org, `the demo prints its volunteers:\n${text}`);
  return { volunteer: vol[1], second: leader[1], community: vol[2], organiser: org[1] };
}

async function noSidewaysScroll(page, what) {
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 1, `${what}: no sideways scroll at 390 px (${overflow})`);
}

/** The sum of the notice's month column (the one before the year's) over lines of a masked name. */
async function noticePoints(page, masked) {
  const rows = await page.locator('[data-testid=notice-line]').evaluateAll((trs) =>
    trs.map((tr) => {
      const tds = [...tr.querySelectorAll('td')];
      return [(tds[0].firstChild?.textContent || '').trim(), tds[tds.length - 2].textContent.trim()];
    }));
  return rows.filter((r) => r[0] === masked).reduce((n, r) => n + Number(r[1] || 0), 0);
}

test('a volunteer signs up, serves, sees the points, redeems a gift; the month is published and locked', async () => {
  const people = demoPeople();
  const start = tomorrowNine(await clockTo(0));
  const month = monthOf(start);
  const title = `楼道清洁 ${Date.now() % 100000}`;

  // 1. The organiser (a phone) publishes an activity for tomorrow from the activities page.
  const o = await as(people.organiser, PHONE);
  await o.page.goto(`${server.base}/vol`);
  await o.page.screenshot({ path: join(out, 'vol-0-organiser-hub.png'), fullPage: true });
  await noSidewaysScroll(o.page, 'organiser hub');
  await Promise.all([o.page.waitForURL(/\/vol\/activities$/), o.page.locator('[data-testid=hub-org_activities]').click()]);
  await Promise.all([o.page.waitForURL(/\/vol\/activities\/new/), o.page.locator('[data-testid=act-publish]').click()]);
  const form = o.page.locator('[data-testid=act-new-form]');
  await form.locator('select[name=community]').selectOption(people.community);
  await form.locator('input[name=title]').fill(title);
  await form.locator('[data-testid=act-kind]').selectOption('cleaning');
  await form.locator('input[name=places]').fill('5');
  await form.locator('input[name=starts]').fill(localValue(start));
  await form.locator('input[name=location]').fill('3 栋楼道');
  await Promise.all([o.page.waitForURL(/\/vol\/activities\/\d+$/), o.page.locator('[data-testid=act-new-submit]').click()]);
  const activityId = Number(o.page.url().split('/').pop());
  const points = Number(await o.page.locator('[data-testid=act-points]').textContent());
  assert.ok(points > 0);

  // A second activity the same morning, for the late entry at the end (set up through the API).
  const second = await o.page.request.post(`${server.base}/api/v1/activities`, {
    headers: { Origin: server.base },
    data: { title: `${title} 补充`, kind: 'cleaning', points, places: 5, starts_at: start + HOUR, community: people.community },
  });
  assert.equal(second.status(), 201, await second.text());
  const lateId = (await second.json()).id;
  const l = await as(people.second, DESK);
  const signed = await l.page.request.post(`${server.base}/api/v1/activities/${lateId}/signups`, { headers: { Origin: server.base } });
  assert.equal(signed.status(), 201, await signed.text());
  await l.context.close();

  // 2. The volunteer, on a phone: home → 志愿服务 (bottom bar) → activities → sign up.
  const v = await as(people.volunteer, PHONE);
  await v.page.goto(`${server.base}/`);
  assert.equal(await v.page.locator('[data-testid=home-vol]').count(), 1, 'home links a volunteer to /vol');
  await Promise.all([v.page.waitForURL(/\/vol$/), v.page.locator('[data-testid=bottom-nav] a[data-nav=vol]').click()]);
  const hub = await v.page.request.get(`${server.base}/api/v1/vol/hub`);
  const me = (await hub.json()).volunteer;
  assert.ok(me && me.name, 'the hub knows the volunteer');
  await v.page.screenshot({ path: join(out, 'vol-1-hub.png'), fullPage: true });
  await noSidewaysScroll(v.page, 'hub');
  await Promise.all([v.page.waitForURL(/\/vol\/activities$/), v.page.locator('[data-testid=hub-activities]').click()]);
  await Promise.all([
    v.page.waitForURL(new RegExp(`/vol/activities/${activityId}$`)),
    v.page.locator(`[data-testid=act-row][data-id="${activityId}"] a`).first().click(),
  ]);
  await Promise.all([v.page.waitForLoadState('load'), v.page.locator('[data-testid=act-signup]').click()]);
  await v.page.waitForSelector('[data-testid=act-my-status]');
  assert.match(await v.page.locator('[data-testid=act-my-status]').getAttribute('class'), /confirmed/);
  await v.page.screenshot({ path: join(out, 'vol-2-signed-up.png'), fullPage: true });
  await noSidewaysScroll(v.page, 'activity');

  // The notice before the service: what the volunteer had this month.
  const noticeUrl = `${server.base}/vol/months/${people.community}/${month}`;
  await o.page.goto(noticeUrl);
  const before = await noticePoints(o.page, mask(me.name));

  // 3. The activity takes place; the organiser confirms who served.
  await clockTo(start + 3 * HOUR);
  await o.page.goto(`${server.base}/vol/activities/${activityId}`);
  const row = o.page.locator(`[data-testid=act-roster-row][data-volunteer="${me.id}"]`);
  await row.locator('[data-testid=act-served]').check();
  await o.page.screenshot({ path: join(out, 'vol-3-attendance.png'), fullPage: true });
  await noSidewaysScroll(o.page, 'attendance');
  await Promise.all([o.page.waitForLoadState('load'), o.page.locator('[data-testid=act-attendance-submit]').click()]);
  await o.page.waitForSelector('[data-testid=act-roster]');
  assert.equal(await o.page.locator('[data-testid=form-error]').count(), 0);

  // 4. The points in the volunteer's history (hub → 积分明细) …
  await v.page.goto(`${server.base}/vol`);
  await Promise.all([v.page.waitForURL(/\/vol\/points/), v.page.locator('[data-testid=hub-history]').click()]);
  const entry = v.page.locator('[data-testid=pts-entry][data-kind=service]').first();
  await entry.waitFor();
  assert.equal(Number((await entry.locator('.pts-n').textContent()).replace(/[^\d-]/g, '')), points);
  assert.match(await entry.textContent(), new RegExp(month));
  await v.page.screenshot({ path: join(out, 'vol-4-history.png'), fullPage: true });
  await noSidewaysScroll(v.page, 'history');
  // … and on the month's notice, under the masked name.
  await o.page.goto(noticeUrl);
  await o.page.waitForSelector('[data-testid=notice-draft]');
  assert.equal(await noticePoints(o.page, mask(me.name)), before + points);
  assert.ok(!(await o.page.locator('[data-testid=notice-table]').textContent()).includes(me.name), 'the notice masks names');
  await o.page.screenshot({ path: join(out, 'vol-5-notice.png'), fullPage: true });
  await noSidewaysScroll(o.page, 'notice');

  // 5. The organiser lists a gift; the volunteer redeems it; the stock falls, so do the points.
  const gift = `环保袋 ${Date.now() % 1000}`;
  await o.page.goto(`${server.base}/vol/gifts`);
  await o.page.locator('[data-testid=gift-name]').fill(gift);
  await o.page.locator('[data-testid=gift-price]').fill('2');
  await o.page.locator('[data-testid=gift-stock-input]').fill('3');
  await Promise.all([o.page.waitForURL(/\/vol\/gifts$/), o.page.locator('[data-testid=gift-add]').click()]);
  assert.equal(await o.page.locator('[data-testid=form-error]').count(), 0);
  await v.page.goto(`${server.base}/vol`);
  await Promise.all([v.page.waitForURL(/\/vol\/gifts$/), v.page.locator('[data-testid=hub-gifts]').click()]);
  const card = v.page.locator(`[data-testid=gift][data-name="${gift}"]`);
  assert.equal(await card.locator('[data-testid=gift-stock]').textContent(), '3');
  const available = Number(await v.page.locator('[data-testid=gift-available]').textContent());
  assert.ok(available >= 2, `points to spend: ${available}`);
  await Promise.all([v.page.waitForURL(/\/vol\/gifts$/), card.locator('[data-testid=gift-redeem]').click()]);
  assert.equal(await v.page.locator('[data-testid=form-error]').count(), 0);
  assert.equal(await v.page.locator(`[data-testid=gift][data-name="${gift}"] [data-testid=gift-stock]`).textContent(), '2');
  assert.equal(Number(await v.page.locator('[data-testid=gift-available]').textContent()), available - 2);
  assert.match(await v.page.locator('[data-testid=redemption]').first().textContent(), new RegExp(gift));
  await v.page.screenshot({ path: join(out, 'vol-6-redeemed.png'), fullPage: true });
  await noSidewaysScroll(v.page, 'gifts');

  // 6. The month ends; the organiser publishes it (publish → confirm); it is locked.
  await clockTo(nextMonthSecond(start));
  await o.page.goto(`${server.base}/vol/months`);
  const monthRow = o.page.locator(`[data-testid=month-row][data-month="${month}"]`);
  await Promise.all([o.page.waitForLoadState('load'), monthRow.locator('[data-testid=month-publish]').click()]);
  await o.page.waitForSelector('[data-testid=publish-confirm]');
  await Promise.all([o.page.waitForLoadState('load'), o.page.locator('[data-testid=publish-confirm-button]').click()]);
  await o.page.locator(`[data-testid=month-row][data-month="${month}"] [data-testid=month-locked]`).waitFor();
  await o.page.screenshot({ path: join(out, 'vol-7-published.png'), fullPage: true });
  await noSidewaysScroll(o.page, 'months');
  await o.page.goto(noticeUrl);
  await o.page.waitForSelector('[data-testid=notice-published]');

  // 7. A late entry for the published month is refused, with the reason, and nothing written.
  await o.page.goto(`${server.base}/vol/activities/${lateId}`);
  await Promise.all([o.page.waitForLoadState('load'), o.page.locator('[data-testid=act-attendance-submit]').click()]);
  const refusal = o.page.locator('[data-testid=form-error]');
  await refusal.waitFor();
  assert.match(await refusal.textContent(), new RegExp(`${month}.*(公示|锁定)`));
  await o.page.screenshot({ path: join(out, 'vol-8-late-refused.png'), fullPage: true });
  const api = await o.page.request.get(`${server.base}/api/v1/activities/${lateId}`);
  const roster = JSON.stringify(await api.json());
  assert.ok(!roster.includes('"served"'), 'nobody marked served on the refused activity');
  await o.context.close();
  await v.context.close();
});
