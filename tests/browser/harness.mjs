// Starts a real wangge server on a fresh SQLite file with the small demo city (20 people a grid,
// enough for the pages and quick to write), and a headless
// Chromium (Debian's) driven by playwright-core.
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import net from 'node:net';
import { chromium } from 'playwright-core';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const bin = process.env.WANGGE_BIN || join(process.env.CARGO_TARGET_DIR || join(root, 'target'), 'debug', 'wangge');

async function freePort() {
  return new Promise((ok, fail) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => ok(port));
    });
    s.on('error', fail);
  });
}

export async function startServer() {
  const dir = mkdtempSync(join(tmpdir(), 'wangge-browser-'));
  const url = `sqlite://${join(dir, 'wangge.db')}`;
  const demoOut = execFileSync(bin, ['--database-url', url, '--keys', join(dir, 'keys'), 'demo', '--seed', '1', '--scale', 'small', '--people-per-grid', '20'], { stdio: 'pipe' }).toString();
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  // The test clock lets a test move the server's time instead of waiting (administrators only).
  const proc = spawn(bin, ['--database-url', url, '--keys', join(dir, 'keys'), 'serve', '--listen', `127.0.0.1:${port}`], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, WANGGE_TEST_CLOCK: '1', WANGGE_SCHEDULER_INTERVAL_S: '3600' },
  });
  let log = '';
  proc.stdout.on('data', (d) => { log += d; });
  proc.stderr.on('data', (d) => { log += d; });
  const deadline = Date.now() + 30000;
  for (;;) {
    try {
      const r = await fetch(`${base}/healthz`);
      if (r.ok) break;
    } catch { /* not up yet */ }
    if (Date.now() > deadline || proc.exitCode !== null) {
      proc.kill();
      throw new Error(`server did not start:\n${log}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    base,
    dbUrl: url,
    demoOut,
    log: () => log,
    async stop() {
      proc.kill('SIGINT');
      await new Promise((r) => setTimeout(r, 300));
      if (proc.exitCode === null) proc.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export async function startBrowser() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

export async function login(page, base, username, password = 'wangge2026') {
  await page.goto(`${base}/login`);
  await page.fill('input[name=username]', username);
  await page.fill('input[name=password]', password);
  await Promise.all([page.waitForURL((u) => !u.pathname.startsWith('/login')), page.click('button[type=submit]')]);
}
