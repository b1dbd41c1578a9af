// The grid worker's workbench on a 390 px phone, with the phone's position granted and set
// inside the worker's grid: the worker checks in (/work/patrol), visits a key person's household
// with a photo (/work/visits/new through a visit link), loses the network, writes a diary entry
// (it waits: the outbox banner shows 1), comes back online and sees it sent once; the home
// page's lights change. The village grid leader sees the visit, comments on the diary, and sees
// a flag on a visit made from outside the grid. Screenshots at 390 px go to out/.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startServer, startBrowser, login } from './harness.mjs';

const out = join(dirname(fileURLToPath(import.meta.url)), 'out');
// In the demo city (seed 1): the first grid of 龙湖村, its worker and the village grid leader.
const GRID = '350102101201001';
const WORKER = `gw${GRID}`;
const LEADER = `gl${GRID.slice(0, 12)}`;
const PHONE = { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true };
// A tiny valid PNG, the visit's photo.
const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAAAAAA6fptVAAAACklEQVR4AWNgAAAAAgABc3UBGAAAAABJRU5ErkJggg==',
  'base64',
);
let server;
let browser;
let inside;

before(async () => {
  mkdirSync(out, { recursive: true });
  server = await startServer();
  browser = await startBrowser();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

async function phone(user, where) {
  const context = await browser.newContext({
    ...PHONE,
    permissions: ['geolocation'],
    geolocation: { longitude: where.lon, latitude: where.lat, accuracy: 10 },
  });
  const page = await context.newPage();
  await login(page, server.base, user);
  return { context, page };
}

async function api(page, url, init) {
  return page.evaluate(async ([u, i]) => {
    const r = await fetch(u, { credentials: 'same-origin', ...(i || {}) });
    let body = null;
    try { body = await r.json(); } catch { /* not JSON */ }
    return { status: r.status, body };
  }, [url, init || null]);
}

// A point inside the worker's grid: the middle of its box, or a sample the locate index
// confirms (a grid need not be convex).
async function pointInside(page) {
  const g = await api(page, '/api/v1/grids.geojson');
  assert.equal(g.status, 200);
  const f = g.body.features.find((x) => x.properties.code === GRID);
  assert.ok(f && f.geometry, 'the worker sees their grid');
  const ring = (f.geometry.type === 'Polygon' ? f.geometry.coordinates : f.geometry.coordinates[0])[0];
  const xs = ring.map((p) => p[0]);
  const ys = ring.map((p) => p[1]);
  const [x0, x1, y0, y1] = [Math.min(...xs), Math.max(...xs), Math.min(...ys), Math.max(...ys)];
  for (let i = 0; i < 50; i++) {
    const t = i === 0 ? [0.5, 0.5] : [((i * 7) % 10 + 0.5) / 10, ((i * 3) % 10 + 0.5) / 10];
    const p = { lon: x0 + (x1 - x0) * t[0], lat: y0 + (y1 - y0) * t[1] };
    const l = await api(page, `/api/v1/locate?lat=${p.lat}&lon=${p.lon}`);
    if (l.body && l.body.found && l.body.code === GRID) return p;
  }
  throw new Error('no point inside the grid');
}

async function exists(page, path) {
  const r = await page.request.get(`${server.base}${path}`);
  return r.status() === 200;
}

async function shot(page, name) {
  await page.screenshot({ path: join(out, `workbench-${name}.png`), fullPage: true });
}

async function lights(page) {
  await page.goto(`${server.base}/work`);
  return page.$$eval('[data-testid^="duty-"]', (els) =>
    Object.fromEntries(els.map((e) => [e.getAttribute('data-testid').slice(5),
      { light: e.getAttribute('data-light'), done: Number(e.getAttribute('data-done')) }])));
}

test('a diary entry written offline waits in the outbox and is sent once when back online', async () => {
  const probe = await phone(WORKER, { lon: 119.3, lat: 26.08 });
  inside = await pointInside(probe.page);
  await probe.context.close();

  const { context, page } = await phone(WORKER, inside);
  await page.goto(`${server.base}/work/diary`);
  await page.waitForSelector('[data-testid=diary-form]');
  // The service worker keeps the workbench's pages for offline use.
  await page.evaluate(() => navigator.serviceWorker && navigator.serviceWorker.ready);
  await shot(page, 'diary');

  const text = `离线写的民情日志 ${Date.now()}`;
  await context.setOffline(true);
  await page.fill('[data-testid=diary-form] textarea[name=body]', text);
  await page.fill('[data-testid=diary-form] input[name=tags]', '矛盾纠纷');
  await page.click('[data-testid=diary-submit]');
  const banner = page.locator('[data-testid=outbox-banner]');
  await banner.waitFor({ state: 'visible' });
  assert.equal((await page.locator('[data-testid=outbox-count]').textContent()).trim(), '1');
  assert.match(await page.locator('[data-testid=outbox-status]').textContent(), /已保存在本机/);
  await shot(page, 'offline-waiting');

  // Offline, the outbox page opens (from the service worker's copy) and lists the entry.
  await page.goto(`${server.base}/work/outbox`);
  await page.locator('[data-testid=outbox-item]').first().waitFor();
  assert.equal(await page.locator('[data-testid=outbox-item]').count(), 1);
  await shot(page, 'outbox');

  // Back online: sent by itself, once; the banner goes.
  await context.setOffline(false);
  await page.locator('[data-testid=outbox-banner]').waitFor({ state: 'hidden', timeout: 40000 });
  const list = await api(page, '/api/v1/diary?which=mine&limit=100');
  assert.equal(list.status, 200);
  const mine = list.body.items.filter((e) => e.body === text);
  assert.equal(mine.length, 1, 'sent exactly once');
  assert.deepEqual(mine[0].tags, ['矛盾纠纷']);
  assert.ok(Math.abs(mine[0].lon - inside.lon) < 1e-6, 'the position of the phone when written');
  // Sending it again (a lost answer) changes nothing.
  await page.evaluate(() => window.wgOutbox.flush());
  const again = await api(page, '/api/v1/diary?which=mine&limit=100');
  assert.equal(again.body.items.filter((e) => e.body === text).length, 1);
  await page.goto(`${server.base}/work/diary`);
  await shot(page, 'diary-sent');
  await context.close();

  // The village grid leader comments (批阅); the worker sees it.
  const leader = await phone(LEADER, inside);
  await leader.page.goto(`${server.base}/work/diary/${mine[0].id}`);
  await leader.page.fill('[data-testid=diary-comment] textarea[name=body]', '已阅,请跟进');
  await Promise.all([
    leader.page.waitForURL(/done=commented/),
    leader.page.click('[data-testid=diary-comment] button[type=submit]'),
  ]);
  assert.equal(await leader.page.locator('[data-testid=diary-comment-row]').count(), 1);
  await shot(leader.page, 'diary-comment');
  await leader.context.close();
});

test('the worker checks in, visits with a photo, the lights change; the leader sees visit and flag', async (t) => {
  assert.ok(inside, 'the first test found a point inside the grid');
  const { context, page } = await phone(WORKER, inside);
  // The pages of the visits, patrol and home parts are built beside this one: until they are
  // merged there is nothing here to walk.
  if (!(await exists(page, '/work/patrol')) || !(await exists(page, '/work/visits/new'))) {
    await context.close();
    t.skip('the patrol and visits pages are not in this build');
    return;
  }
  const before = await lights(page);
  await shot(page, 'home-before');

  // Check in.
  await page.goto(`${server.base}/work/patrol`);
  await page.click('[data-testid=patrol-start]');
  await page.waitForFunction(() => !!document.querySelector('[data-testid=patrol-end]'));
  await shot(page, 'patrol');

  // A key person's household, from a visit link.
  await page.goto(`${server.base}/work`);
  let link = page.locator('[data-testid=visit-link]').first();
  if (!(await link.count())) {
    // Every household was visited this month already: choose one on the new-visit page.
    await page.goto(`${server.base}/work/visits/new`);
    link = page.locator('[data-testid=visit-link]').first();
  }
  await Promise.all([page.waitForURL(/\/work\/visits\/new\?.*target_id=/), link.click()]);
  const form = page.locator('[data-testid=visit-form]');
  await form.locator('[name=seen]').fill('老人独居,身体尚可');
  await form.locator('[name=discussed]').fill('冬季防寒');
  await form.locator('[name=done]').fill('检查取暖设备');
  await form.locator('[name=reply]').fill('已告知注意事项');
  const evaluation = form.locator('[name=evaluation]');
  if ((await evaluation.evaluate((e) => e.tagName)) === 'SELECT') {
    await evaluation.selectOption({ index: 1 });
  } else {
    await evaluation.fill('满意');
  }
  await form.locator('input[name=photos]').setInputFiles({ name: 'visit.png', mimeType: 'image/png', buffer: PNG });
  await page.click('[data-testid=visit-submit]');
  await page.waitForFunction(() => {
    const b = document.querySelector('[data-testid=outbox-banner]');
    return !b || b.hidden;
  });
  await shot(page, 'visit');
  const visits = await api(page, '/api/v1/visits?limit=100');
  assert.equal(visits.status, 200);
  const mineVisits = (visits.body.items || []).filter((v) => v.seen === '老人独居,身体尚可');
  assert.equal(mineVisits.length, 1, 'the visit was sent once');

  // The home page's lights change.
  const after = await lights(page);
  await shot(page, 'home-after');
  assert.ok(Object.keys(after).length >= 5, JSON.stringify(after));
  // The visit counts on the family-visit line; its light is green once the week's quota is met.
  assert.equal(after.family_visits.done, before.family_visits.done + 1, JSON.stringify({ before, after }));
  assert.equal(after.family_visits.light, 'green');
  await context.close();

  // A visit made from outside the grid: kept, and flagged.
  const away = await phone(WORKER, { lon: inside.lon + 0.5, lat: inside.lat + 0.5 });
  const target = mineVisits[0];
  const far = await away.page.evaluate(async ([kind, id]) => {
    const r = await window.wgOutbox.send('/api/v1/visits', {
      target_kind: kind, target_id: String(id), seen: '远处补录', discussed: '-', done: '-', reply: '-',
      evaluation: '满意', lon: 120.9, lat: 27.9,
    });
    return r.state;
  }, [target.target_kind, target.target_id]);
  assert.equal(far, 'sent');
  await away.context.close();

  // The village grid leader sees the visit and the flag.
  const leader = await phone(LEADER, inside);
  await leader.page.goto(`${server.base}/work/visits`);
  assert.ok(await leader.page.getByText('老人独居,身体尚可').first().isVisible());
  await leader.page.goto(`${server.base}/work/flags`);
  await leader.page.locator('[data-testid=flag-row][data-reason=outside_grid]').first().waitFor();
  await shot(leader.page, 'flags');
  await leader.context.close();
});
