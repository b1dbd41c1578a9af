// Handling work in a browser: a leader (desktop) finds an event from their home, supervises and
// reminds it, sees both in its history under their name and the event counted on their home; a
// grid worker (phone) opens the reporter's phone with a reason and gets a link to call.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startServer, startBrowser, login } from './harness.mjs';

const out = join(dirname(fileURLToPath(import.meta.url)), 'out');
// In the demo city (seed 1): a grid of 龙湖村 in 江口镇; the first county's leader watches it.
const GRID = '350102101201001';
const PHONE = '13800138000';
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
  await page.selectOption('select[name=category]', 'MD01');
  await page.fill('textarea[name=description]', description);
  await page.fill('input[name=reporter_name]', '王小明');
  await page.fill('input[name=reporter_phone]', PHONE);
  await Promise.all([page.waitForSelector('[data-testid=report-done]'), page.click('[data-testid=report-submit]')]);
  const number = (await page.textContent('[data-testid=tracking-number]')).trim();
  await ctx.close();
  return number;
}

test('a leader supervises and reminds an event and watches it from home', async () => {
  const number = await residentReport('广场照明损坏,晚上很黑。');
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await ctx.newPage();
  await login(page, server.base, 'leader');
  const name = (await page.textContent('h1')).split(',').pop().trim();
  assert.ok(name.length > 0, 'the leader is greeted by name');
  const watch = page.locator('[data-testid=home-watch]');
  await watch.waitFor();
  assert.equal(await page.$('[data-testid=home-work]'), null, 'a leader home is no inbox');
  const count = async (inbox) => Number(await page.textContent(`[data-testid=home-watch] a[data-inbox=${inbox}] b`));
  const before = await count('my_supervised');
  await page.screenshot({ path: join(out, 'leader-home.png') });

  // From home to the event by tapping: all events of the area, then the event.
  await Promise.all([page.waitForURL(/inbox=all/), page.click('[data-testid=home-watch] a.button')]);
  await Promise.all([page.waitForURL(new RegExp(`/events/${number}`)), page.click(`tr.ev-row[data-number="${number}"] a`)]);
  assert.equal(await page.$('[data-testid=no-actions]'), null, 'the leader has actions');

  const submit = async (kind, fill) => {
    const box = `[data-testid=act-${kind}]`;
    await page.click(`${box} summary`);
    await fill(box);
    await Promise.all([page.waitForURL(/done=/), page.click(`${box} button[type=submit]`)]);
    assert.equal(await page.$('[data-testid=act-error]'), null, `${kind} succeeded`);
  };
  await submit('supervise', async (box) => {
    await page.selectOption(`${box} select[name=mark]`, 'urgent');
    await page.fill(`${box} textarea[name=note]`, '群众反映强烈,三日内办结');
  });
  await submit('remind', async (box) => {
    await page.fill(`${box} textarea[name=note]`, '请尽快处理');
  });
  for (const action of ['supervise', 'remind']) {
    const step = page.locator(`#timeline li[data-action=${action}]`).last();
    assert.ok((await step.textContent()).includes(name), `the ${action} step names the leader`);
  }
  assert.ok(await page.isVisible('[data-testid=supervision]'), 'the event shows it is supervised');
  assert.equal((await page.textContent('[data-testid=reminder-count]')).trim(), '1');
  await page.screenshot({ path: join(out, 'leader-event.png'), fullPage: true });

  // Home again: the event counts as supervised by them, and the count opens the list.
  await page.click('nav a[href="/"]');
  await watch.waitFor();
  assert.equal(await count('my_supervised'), before + 1);
  await page.screenshot({ path: join(out, 'leader-home-after.png') });
  await Promise.all([page.waitForURL(/inbox=my_supervised/), page.click('[data-testid=home-watch] a[data-inbox=my_supervised]')]);
  await page.waitForSelector(`tr.ev-row[data-number="${number}"]`);
  await ctx.close();
});

test('a grid worker opens the reporter phone with a reason and can call', async () => {
  const number = await residentReport('楼道堆满杂物,影响通行。');
  const ctx = await browser.newContext({ viewport: { width: 390, height: 844 } });
  const page = await ctx.newPage();
  await login(page, server.base, `gw${GRID}`);
  await page.goto(`${server.base}/events/${number}`);
  const reporter = page.locator('[data-testid=reporter]');
  assert.ok(!(await reporter.textContent()).includes(PHONE), 'masked at first');
  await page.click('[data-testid=reveal-reporter] summary');
  await page.fill('[data-testid=reveal-reporter] textarea[name=reason]', '电话回访核实地点');
  await page.screenshot({ path: join(out, 'reveal-form.png'), fullPage: true });
  await Promise.all([page.waitForLoadState('load'), page.click('[data-testid=reveal-reporter] button[type=submit]')]);
  const tel = page.locator('[data-testid=reporter-tel]');
  await tel.waitFor();
  assert.equal(await tel.getAttribute('href'), `tel:${PHONE}`);
  assert.ok((await reporter.textContent()).includes('王小明'));
  await reporter.scrollIntoViewIfNeeded();
  await page.screenshot({ path: join(out, 'reveal-done.png') });
  // The page a reload or the back button brings is masked again.
  await page.goto(`${server.base}/events/${number}`);
  assert.ok(!(await reporter.textContent()).includes(PHONE));
  await ctx.close();
});
