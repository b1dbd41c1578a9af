// Log-in against someone who tries: a crafted language switch or log-in link keeps Chromium on
// this site, and an administrator changing their own password must give the current one.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
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

// A tab and slashes that Chromium would read as another host, once the tab is stripped.
const OFFSITE = '%2F%09%2F127.0.0.1:9%2Fpwned';

test('crafted redirect links stay on this site', async () => {
  const ctx = await browser.newContext({ viewport: { width: 390, height: 844 } });
  const page = await ctx.newPage();
  const here = new URL(server.base).host;
  await page.goto(`${server.base}/lang?to=en&back=${OFFSITE}`);
  assert.equal(new URL(page.url()).host, here, `the language switch stayed: ${page.url()}`);
  await page.goto(`${server.base}/login?next=${OFFSITE}`);
  assert.equal(await page.inputValue('input[name=next]'), '/');
  await page.fill('input[name=username]', 'gw350102101201001');
  await page.fill('input[name=password]', 'wangge2026');
  await Promise.all([page.waitForURL((u) => !u.pathname.startsWith('/login')), page.click('button[type=submit]')]);
  const after = new URL(page.url());
  assert.equal(after.host, here, `the log-in stayed: ${page.url()}`);
  assert.equal(after.pathname, '/');
  await page.screenshot({ path: join(out, 'authsec-after-crafted-login.png') });
  await ctx.close();
});

test('an own password change asks for the current password', async () => {
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await ctx.newPage();
  await login(page, server.base, 'admin');
  // Reached by tapping: the users list from the menu, a search, the own row.
  await page.click('a[href="/admin/users"]');
  await page.fill('[data-testid=user-search]', 'admin');
  await Promise.all([page.waitForURL(/q=admin/), page.press('[data-testid=user-search]', 'Enter')]);
  await Promise.all([page.waitForURL(/\/admin\/users\/\d+$/), page.click('tr[data-username="admin"] a')]);
  const form = '[data-testid=user-password-form]';
  await page.waitForSelector(`${form} [data-testid=current-password]`);
  await page.fill(`${form} input[name=current_password]`, 'not-the-password');
  await page.fill(`${form} input[name=password]`, 'a-new-password-1');
  await page.click(`${form} button[type=submit]`);
  await page.waitForSelector(`${form} .form-msg.error`);
  const refused = await page.textContent(`${form} .form-msg`);
  assert.match(refused, /当前密码不正确/);
  await page.screenshot({ path: join(out, 'authsec-password-refused.png') });

  await page.fill(`${form} input[name=current_password]`, 'wangge2026');
  await page.fill(`${form} input[name=password]`, 'a-new-password-1');
  await page.click(`${form} button[type=submit]`);
  await page.waitForSelector(`${form} .form-msg.ok`);
  await page.screenshot({ path: join(out, 'authsec-password-changed.png') });
  // The page that made the change is still signed in.
  await page.reload();
  assert.ok(new URL(page.url()).pathname.startsWith('/admin/users/'), page.url());
  await ctx.close();

  // Elsewhere the new password is the one.
  const other = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const p2 = await other.newPage();
  await login(p2, server.base, 'admin', 'a-new-password-1');
  assert.equal(new URL(p2.url()).pathname, '/');
  await other.close();
});

test('a grid worker changes their own password from me, on a phone', async () => {
  const ctx = await browser.newContext({ viewport: { width: 390, height: 844 } });
  const page = await ctx.newPage();
  await login(page, server.base, 'gw350102101201002');
  await Promise.all([page.waitForURL(/\/me$/), page.click('[data-testid=bottom-nav] [data-nav=me]')]);
  const form = '[data-testid=user-password-form]';
  await page.locator(form).evaluate((el) => el.scrollIntoView({ block: 'center' }));
  await page.fill(`${form} input[name=current_password]`, 'not-the-password');
  await page.fill(`${form} input[name=password]`, 'worker-new-pass-1');
  await page.click(`${form} button[type=submit]`);
  await page.waitForSelector(`${form} .form-msg.error`);
  assert.match(await page.textContent(`${form} .form-msg`), /当前密码不正确/);
  await page.fill(`${form} input[name=current_password]`, 'wangge2026');
  await page.fill(`${form} input[name=password]`, 'worker-new-pass-1');
  await page.click(`${form} button[type=submit]`);
  await page.waitForSelector(`${form} .form-msg.ok`);
  await page.screenshot({ path: join(out, 'authsec-worker-password-me.png') });
  await ctx.close();
  const other = await browser.newContext({ viewport: { width: 390, height: 844 } });
  const p2 = await other.newPage();
  await login(p2, server.base, 'gw350102101201002', 'worker-new-pass-1');
  assert.equal(new URL(p2.url()).pathname, '/');
  await other.close();
});
