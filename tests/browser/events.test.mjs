// The event loop as people live it: a resident reports from a grid's QR page; the grid worker
// accepts and escalates; the village's grid leader assigns it to a department; the department
// feeds back; the township's centre operator verifies and closes; the resident sees the result
// and rates it; the public board shows it. A second event left alone turns yellow and then red
// as the test moves the server's clock, and its reminders appear in its history.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startServer, startBrowser, login } from './harness.mjs';

const out = join(dirname(fileURLToPath(import.meta.url)), 'out');
// In the demo city (seed 1): a grid of 龙湖村 in 江口镇, its worker, leader and township.
const GRID = '350102101201001';
const VILLAGE = '350102101201';
const TOWNSHIP_DEPT = '350102101000D01';
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

async function residentReport(description) {
  const ctx = await browser.newContext({ viewport: { width: 390, height: 844 } });
  const page = await ctx.newPage();
  await page.goto(`${server.base}/r/${GRID}`);
  await page.selectOption('[data-testid=report-category] select, select[name=category]', 'MD01');
  await page.fill('textarea[name=description]', description);
  await Promise.all([page.waitForSelector('[data-testid=report-done]'), page.click('[data-testid=report-submit]')]);
  const number = (await page.textContent('[data-testid=tracking-number]')).trim();
  const tracking = await page.getAttribute('[data-testid=tracking-link]', 'href');
  await page.screenshot({ path: join(out, 'report-done.png') });
  await ctx.close();
  assert.match(number, /^SJ\d{8}-\d{6}$/);
  return { number, tracking };
}

async function act(user, number, kind, fill) {
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 1000 } });
  const page = await ctx.newPage();
  await login(page, server.base, user);
  await page.goto(`${server.base}/events/${number}`);
  const box = `[data-testid=act-${kind}]`;
  await page.waitForSelector(box);
  await page.evaluate((sel) => { document.querySelector(sel).open = true; }, box);
  if (fill) await fill(page, box);
  await Promise.all([page.waitForURL(/done=/), page.click(`${box} button[type=submit]`)]);
  assert.equal(await page.$('[data-testid=act-error]'), null, `${user} ${kind} succeeded`);
  const status = await page.getAttribute('[data-testid=event-status]', 'data-status')
    ?? (await page.textContent('[data-testid=event-status]'));
  await ctx.close();
  return status;
}

test('a resident report travels the levels, is closed, rated and published', async () => {
  const { number, tracking } = await residentReport('楼上邻居夜间装修噪音,多次沟通无果。');

  // The worker of the QR code's grid finds it waiting to be accepted.
  const w = await browser.newContext();
  const wp = await w.newPage();
  await login(wp, server.base, `gw${GRID}`);
  await wp.goto(`${server.base}/events?inbox=to_accept`);
  await wp.waitForSelector(`tr.ev-row[data-number="${number}"]`);
  await w.close();

  await act(`gw${GRID}`, number, 'accept');
  await act(`gw${GRID}`, number, 'escalate', async (p, box) => {
    await p.fill(`${box} textarea[name=note]`, '需村(社区)协调');
  });
  await act(`gl${VILLAGE}`, number, 'assign', async (p, box) => {
    const value = await p.$eval(`${box} select[name=to]`, (s, dept) => {
      const o = [...s.options].find((x) => x.value.includes(dept));
      return o ? o.value : '';
    }, TOWNSHIP_DEPT);
    assert.ok(value, 'the township department is offered');
    await p.selectOption(`${box} select[name=to]`, value);
  });
  await act(`dept${TOWNSHIP_DEPT}`, number, 'feedback', async (p, box) => {
    await p.fill(`${box} textarea[name=result]`, '已上门调解,双方约定装修时间为白天。');
  });
  // Nothing is chosen for the verifier: passing is a choice they make.
  await act('operator1', number, 'verify', async (p, box) => {
    assert.equal(await p.$(`${box} input[name=pass]:checked`), null, 'no verdict is preselected');
    await p.check(`${box} input[name=pass][value="1"]`);
  });

  // The resident follows the private link, sees the result and rates it.
  const r = await browser.newContext({ viewport: { width: 390, height: 844 } });
  const rp = await r.newPage();
  await rp.goto(new URL(tracking, server.base).href);
  const timeline = await rp.textContent('[data-testid=track-timeline]');
  assert.ok(timeline.includes('已上门调解'), 'the public timeline shows the result');
  assert.equal(await rp.$('input[name=stars]:checked'), null, 'no rating is preselected');
  await rp.check('input[name=stars][value="4"]');
  await rp.fill('[data-testid=rate-form] textarea[name=comment], [data-testid=rate-form] input[name=comment]', '处理及时');
  await Promise.all([rp.waitForLoadState('load'), rp.click('[data-testid=rate-submit]')]);
  await rp.waitForSelector('[data-testid=track-rating]');
  await rp.screenshot({ path: join(out, 'tracking-rated.png') });
  await r.close();

  // The public board of the village shows the closed case, without personal data.
  const res = await fetch(`${server.base}/public/${VILLAGE}`);
  assert.equal(res.status, 200);
  const board = await res.text();
  assert.ok(board.includes('已上门调解'), 'the public board shows the closed case with its result');
});

test('an event left alone turns yellow, then red, and is reminded', async () => {
  const { number } = await residentReport('路灯不亮,夜间行人不便。');
  const ctx = await browser.newContext();
  const page = await ctx.newPage();
  await login(page, server.base, 'admin');
  const light = async () => {
    await page.goto(`${server.base}/events/${number}`);
    return page.getAttribute('[data-testid=event-light]', 'data-light');
  };
  assert.equal(await light(), 'green');
  const ev = await (await page.request.get(`${server.base}/api/v1/events/${number}`)).json();
  const facts = ev.event ?? ev;
  const due = Date.parse(facts.due_at);
  const reported = Date.parse(facts.reported_at);
  assert.ok(due > reported, 'the event has a due time');
  const move = async (ms) => {
    const r = await page.request.post(`${server.base}/api/v1/test/clock`, {
      data: { advance_ms: Math.ceil(ms) },
      headers: { Origin: server.base },
    });
    assert.equal(r.status(), 200, await r.text());
    return r.json();
  };
  const clock = await move((due - reported) * 0.85);
  assert.equal(await light(), 'yellow');
  const afterYellow = await page.textContent('#timeline');
  assert.ok(afterYellow.includes('时限已过80%'), 'a yellow reminder is in the history');
  await move(due - Date.parse(clock.now) + 3600_000);
  assert.equal(await light(), 'red');
  const afterRed = await page.textContent('#timeline');
  assert.ok(afterRed.includes('已超时'), 'a red reminder is in the history');
  await page.screenshot({ path: join(out, 'event-red.png'), fullPage: true });
  await ctx.close();
});
