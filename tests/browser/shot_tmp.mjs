import { startBrowser, login } from './harness.mjs';
const base = 'http://127.0.0.1:18777';
const b = await startBrowser();
const PHONE = { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true };
for (const [user, paths] of [['vol350102001001_01', ['/', '/vol', '/vol/gifts']], ['gl350102001001', ['/vol', '/vol/gifts']], ['commander1', ['/vol']]]) {
  const ctx = await b.newContext(PHONE);
  const p = await ctx.newPage();
  await login(p, base, user);
  for (const path of paths) {
    await p.goto(base + path);
    await p.screenshot({ path: `/tmp/gdemo/${user}${path.replaceAll('/', '_')}.png`, fullPage: true });
  }
  await ctx.close();
}
await b.close();
