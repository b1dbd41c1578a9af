// Grid editing as an administrator does it on a desktop: dragging a vertex inward shows the gap
// and its area before anything is saved, saving needs a second explicit click, and the versions
// list restores the old boundary; a new grid is drawn on the map by clicking its corners; a user's
// node is picked from the tree. On a phone, a grid worker sees the grid's events, puts a photo on
// the notice board and finds a grid on the map by name.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startServer, startBrowser, login } from './harness.mjs';

const out = join(dirname(fileURLToPath(import.meta.url)), 'out');
const GRID = '350102101201001';
const VILLAGE = GRID.slice(0, 12);
const TOWNSHIP = GRID.slice(0, 9) + '000';
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

async function desktopAdmin() {
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await ctx.newPage();
  await login(page, server.base, 'admin');
  return { ctx, page };
}

async function api(page, method, path, body) {
  const r = await page.request.fetch(`${server.base}${path}`, {
    method,
    headers: { Origin: server.base, 'Content-Type': 'application/json', Accept: 'application/json' },
    data: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: r.status(), data: await r.json().catch(() => null) };
}

test('a vertex dragged inward shows the gap before saving, needs confirming, and can be restored', async () => {
  const { ctx, page } = await desktopAdmin();
  const before = (await api(page, 'GET', `/api/v1/grids/${GRID}/versions`)).data;
  await page.goto(`${server.base}/grids/${GRID}/edit`);
  await page.waitForSelector('#edit-map[data-ready=true]');
  await page.click('[data-testid=btn-edit-vertices]');
  await page.waitForSelector('.leaflet-marker-icon.marker-icon');
  // Drag the vertex farthest from the grid's middle halfway towards the middle.
  const target = await page.$eval('#edit-map path.target', (p) => { const b = p.getBoundingClientRect(); return { x: b.x + b.width / 2, y: b.y + b.height / 2 }; });
  const markers = await page.$$eval('.leaflet-marker-icon.marker-icon:not(.marker-icon-middle)', (ms) => ms.map((m) => { const b = m.getBoundingClientRect(); return { x: b.x + b.width / 2, y: b.y + b.height / 2 }; }));
  assert.ok(markers.length >= 3, `vertex markers: ${markers.length}`);
  const far = markers.reduce((a, m) => (Math.hypot(m.x - target.x, m.y - target.y) > Math.hypot(a.x - target.x, a.y - target.y) ? m : a));
  const to = { x: far.x + (target.x - far.x) * 0.5, y: far.y + (target.y - far.y) * 0.5 };
  await page.mouse.move(far.x, far.y);
  await page.mouse.down();
  for (let i = 1; i <= 10; i++) await page.mouse.move(far.x + (to.x - far.x) * i / 10, far.y + (to.y - far.y) * i / 10);
  await page.mouse.up();

  // Saving first shows the check: a gap with its area, and nothing is written yet.
  await page.click('[data-testid=btn-save-boundary]');
  await page.waitForSelector('[data-testid=edit-result] [data-testid=check-report]');
  assert.equal(await page.getAttribute('[data-testid=edit-result]', 'data-ok'), 'warn');
  const gap = await page.getAttribute('[data-testid=edit-result] tr.finding-gap', 'data-area');
  assert.ok(Number(gap) > 100, `the gap's area is shown: ${gap}`);
  assert.ok(await page.isVisible('[data-testid=btn-confirm-save]'));
  await page.locator('[data-testid=edit-result] [data-testid=check-report]').scrollIntoViewIfNeeded();
  await page.screenshot({ path: join(out, 'gridedit-gap-preview.png') });
  const still = (await api(page, 'GET', `/api/v1/grids/${GRID}/versions`)).data;
  assert.equal(still.length, before.length, 'nothing saved before confirming');

  // The second, explicit click saves.
  await page.click('[data-testid=btn-confirm-save]');
  await page.waitForSelector('[data-testid=edit-result][data-ok=true]');
  const saved = (await api(page, 'GET', `/api/v1/grids/${GRID}/versions`)).data;
  assert.equal(saved.length, before.length + 1);

  // The versions list restores the boundary as it was.
  await page.goto(`${server.base}/grids/${GRID}`);
  const first = before[0].id;
  await page.click(`[data-testid=restore-${first}]`);
  await page.click('[data-testid=btn-restore-go]');
  await page.waitForSelector('[data-testid=restore-result][data-ok=true]');
  // The page reloads with the restore as the newest version.
  await page.waitForFunction((n) => document.querySelectorAll('[data-testid=grid-versions] tr[data-version]').length === n, before.length + 2, { timeout: 10000 });
  const after = (await api(page, 'GET', `/api/v1/grids/${GRID}/versions`)).data;
  assert.equal(after.length, before.length + 2);
  assert.equal(after[0].action, 'restore');
  assert.equal(after[0].after_geojson, before[0].after_geojson, 'the restored boundary equals the old one');
  await page.locator('[data-testid=grid-versions]').scrollIntoViewIfNeeded();
  await page.screenshot({ path: join(out, 'gridedit-restored.png') });
  await ctx.close();
});

test('a new grid is drawn on the map by clicking its corners', async () => {
  const { ctx, page } = await desktopAdmin();
  // A new village (its boundary the demo grid's) gets its first grid, drawn by hand.
  const grid = (await api(page, 'GET', `/api/v1/nodes/${GRID}`)).data;
  const village = `${TOWNSHIP.slice(0, 9)}990`;
  const made = await api(page, 'POST', '/api/v1/nodes', { code: village, kind: 'village', name: '新建社区', parent_code: TOWNSHIP, boundary: grid.node.boundary });
  assert.equal(made.status, 200, JSON.stringify(made.data));
  await page.goto(`${server.base}/tree/${village}`);
  await page.selectOption('[data-testid=add-child-form] select[name=kind]', 'grid');
  await page.waitForSelector('#draw-map[data-ready=true]');
  await page.fill('[data-testid=add-child-form] input[name=name]', '手绘网格');
  await page.click('[data-testid=btn-draw-grid]');
  const box = await (await page.$('#draw-map')).boundingBox();
  const pts = [[0.35, 0.35], [0.65, 0.35], [0.65, 0.65], [0.35, 0.65]].map(([fx, fy]) => ({ x: box.x + box.width * fx, y: box.y + box.height * fy }));
  for (const p of pts) { await page.mouse.click(p.x, p.y); await page.waitForTimeout(150); }
  await page.mouse.click(pts[0].x, pts[0].y);
  await page.waitForSelector('#draw-map[data-drawn=true]');
  await page.waitForSelector('[data-testid=draw-result] [data-testid=check-report]');
  const drawn = JSON.parse(await page.inputValue('[data-testid=new-boundary]'));
  assert.equal(drawn.type, 'Polygon');
  assert.equal(drawn.coordinates[0].length, 5, 'four corners and the closing point');
  // The check says the rest of the village is still a gap, before anything is saved.
  assert.ok(await page.$('[data-testid=draw-result] tr.finding-gap'), 'the uncovered rest is shown as a gap');
  await page.screenshot({ path: join(out, 'gridedit-drawn.png') });
  const code = await page.inputValue('[data-testid=add-child-form] input[name=code]');
  await Promise.all([page.waitForLoadState('load'), page.click('[data-testid=add-child-form] button[type=submit]')]);
  await page.waitForSelector(`[data-testid=children] tr[data-code="${code}"]`);
  const g = (await api(page, 'GET', `/api/v1/nodes/${code}`)).data;
  assert.equal(g.node.name, '手绘网格');
  assert.ok(g.node.area_m2 > 0);
  await ctx.close();
});

test('a new user is placed by picking a node from the tree', async () => {
  const { ctx, page } = await desktopAdmin();
  await page.goto(`${server.base}/admin/users`);
  await page.click('[data-testid=user-create] summary');
  await page.fill('[data-testid=user-create-form] input[name=username]', 'gw_picked');
  await page.fill('[data-testid=user-create-form] input[name=display_name]', '新网格员');
  await page.fill('[data-testid=user-create-form] input[name=password]', 'password-123');
  await page.selectOption('[data-testid=user-create-form] select[name=role]', 'worker');
  await page.fill('[data-testid=node-search]', GRID.slice(-6));
  const row = `[data-testid=node-options] li[data-code="${GRID}"] .np-choose`;
  await page.waitForSelector(row);
  await page.click(row);
  assert.equal(await page.inputValue('[data-testid=node-code]'), GRID);
  // The tree opens level by level too; a township cannot be chosen for a worker.
  await page.fill('[data-testid=node-search]', '');
  await page.waitForSelector('[data-testid=node-options] li[data-kind=county] .np-open');
  await page.click('[data-testid=node-options] li[data-kind=county] .np-open');
  await page.waitForSelector('[data-testid=node-options] li[data-kind=township]');
  assert.ok(await page.$eval('[data-testid=node-options] li[data-kind=township] .np-choose', (b) => b.disabled));
  await page.locator('[data-testid=node-picker]').scrollIntoViewIfNeeded();
  await page.screenshot({ path: join(out, 'gridedit-node-picker.png') });
  await Promise.all([page.waitForURL(/\/admin\/users\/\d+/), page.click('[data-testid=user-create-form] button[type=submit]')]);
  // The new user's page shows the node picked, by name and code.
  assert.equal(await page.inputValue('[data-testid=node-code]'), GRID);
  assert.ok((await page.textContent('[data-testid=node-chosen]')).trim().length > 0);
  await ctx.close();
});

test('on a phone a grid worker sees the grid events, puts a photo on the board and finds a grid on the map', async () => {
  const ctx = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
  const page = await ctx.newPage();
  await login(page, server.base, `gw${GRID}`);
  const r = await api(page, 'POST', '/api/v1/events', { category_code: 'SR01', description: '井盖松动,行人易绊倒', grid_code: GRID, urgency: 'normal', source: 'worker' });
  assert.equal(r.status, 201, JSON.stringify(r.data));
  await page.goto(`${server.base}/grids/${GRID}`);
  const item = `[data-testid=grid-events] li[data-number="${r.data.number}"]`;
  await page.waitForSelector(item);
  assert.equal(await page.getAttribute(item, 'data-open'), 'true');
  const right = await page.$eval('[data-testid=grid-events]', (s) => s.getBoundingClientRect().right);
  assert.ok(right <= 390, `the events list fits the phone (${right}px)`);
  await page.locator('[data-testid=grid-events]').scrollIntoViewIfNeeded();
  await page.screenshot({ path: join(out, 'gridedit-phone-grid-events.png') });
  await page.click(`${item} a`);
  await page.waitForURL(new RegExp(`/events/${r.data.number}`));

  // The board's photo slot takes the worker's photo.
  await page.goto(`${server.base}/grids/${GRID}/board`);
  const png = await page.evaluate(() => {
    const c = document.createElement('canvas');
    c.width = 120; c.height = 160;
    const g = c.getContext('2d');
    g.fillStyle = '#dbeafe'; g.fillRect(0, 0, 120, 160);
    g.fillStyle = '#1d4ed8'; g.beginPath(); g.arc(60, 58, 30, 0, Math.PI * 2); g.fill();
    g.fillRect(22, 100, 76, 60);
    return c.toDataURL('image/png').split(',')[1];
  });
  await page.setInputFiles('[data-testid=board-photo-input]', { name: 'me.png', mimeType: 'image/png', buffer: Buffer.from(png, 'base64') });
  await Promise.all([page.waitForURL(`${server.base}/grids/${GRID}/board`), page.click('[data-testid=board-photo-submit]')]);
  await page.waitForSelector('[data-testid=board-photo-img]');
  const loaded = await page.$eval('[data-testid=board-photo-img]', (img) => img.complete && img.naturalWidth > 0);
  assert.ok(loaded, 'the photo shows on the board');
  await page.screenshot({ path: join(out, 'gridedit-phone-board-photo.png'), fullPage: true });
  await ctx.close();

  // The village's grid leader finds a grid by name on the map; names show once zoomed in.
  const lctx = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
  const lp = await lctx.newPage();
  await login(lp, server.base, `gl${VILLAGE}`);
  await lp.goto(`${server.base}/map`);
  await lp.waitForSelector('#map[data-ready=true]');
  const name = await lp.$eval(`#grid-list li[data-code="${GRID}"] a`, (a) => a.textContent.trim());
  await lp.fill('[data-testid=map-search-input]', name);
  await lp.press('[data-testid=map-search-input]', 'Enter');
  await lp.waitForSelector(`.popup-card[data-code="${GRID}"]`, { timeout: 10000 });
  const labels = Number(await lp.getAttribute('#map', 'data-labels'));
  assert.ok(labels >= 1, `grid names are shown when zoomed in (${labels})`);
  assert.ok(await lp.isVisible('.leaflet-tooltip.grid-label'));
  await lp.screenshot({ path: join(out, 'gridedit-phone-map-search.png') });
  await lp.fill('[data-testid=map-search-input]', '没有这个网格');
  await lp.press('[data-testid=map-search-input]', 'Enter');
  await lp.waitForSelector('[data-testid=map-search-msg]:not(:empty)');
  await lctx.close();
});

test('markup in a grid name is text in every map label, list and popup', async () => {
  const { ctx, page } = await desktopAdmin();
  const node = (await api(page, 'GET', `/api/v1/nodes/${GRID}`)).data;
  const original = node.name ?? node.node?.name;
  const evil = '<img src=x data-pwn=1><b data-pwn=2>粗</b>网格';
  const renamed = await api(page, 'PATCH', `/api/v1/nodes/${GRID}`, { name: evil });
  assert.equal(renamed.status, 200, JSON.stringify(renamed.data));
  await page.goto(`${server.base}/map`);
  await page.waitForSelector('#map[data-ready=true]');
  await page.fill('[data-testid=map-search-input]', GRID);
  await page.press('[data-testid=map-search-input]', 'Enter');
  await page.waitForSelector(`.popup-card[data-code="${GRID}"]`, { timeout: 10000 });
  await page.waitForSelector('.leaflet-tooltip.grid-label');
  const labels = await page.$$eval('.leaflet-tooltip.grid-label', (ls) => ls.map((l) => l.textContent));
  assert.ok(labels.includes(evil), `the label reads the markup as text: ${labels.slice(0, 3)}`);
  assert.equal(await page.locator('[data-pwn]').count(), 0, 'no element made from a name');
  await page.screenshot({ path: join(out, 'gridedit-markup-name.png') });
  // The editor's neighbour tooltips and the tree use the same names.
  await page.goto(`${server.base}/grids/${GRID}/edit`);
  await page.waitForLoadState('networkidle');
  assert.equal(await page.locator('[data-pwn]').count(), 0, 'none on the editor');
  await page.goto(`${server.base}/tree/${VILLAGE}`);
  assert.equal(await page.locator('[data-pwn]').count(), 0, 'none on the tree');
  const back = await api(page, 'PATCH', `/api/v1/nodes/${GRID}`, { name: original });
  assert.equal(back.status, 200);
  await ctx.close();
});
