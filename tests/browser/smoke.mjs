// Browser smoke test: the real hub serves the built web bundle and headless Chromium mounts it.
// Env: KIPOCHI_HUB_BIN, KIPOCHI_WEB_DIR, KIPOCHI_TOOLS (folder with node_modules), CHROMIUM.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const require = createRequire(resolve(process.env.KIPOCHI_TOOLS, 'package.json'));
const { chromium } = require('playwright-core');

const FLAGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];

const dataDir = mkdtempSync(join(tmpdir(), 'kipochi-hubdata-'));

function startHub() {
  const hub = spawn(process.env.KIPOCHI_HUB_BIN,
    ['serve', '--listen', '127.0.0.1:0', '--web-dir', process.env.KIPOCHI_WEB_DIR,
      '--data-dir', dataDir],
    { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((ok, fail) => {
    const timer = setTimeout(() => fail(new Error('hub did not start in 20 s')), 20000);
    hub.on('exit', (code) => fail(new Error(`hub exited with ${code}`)));
    hub.stdout.on('data', (chunk) => {
      const m = /listening on (\S+)/.exec(chunk.toString());
      if (m) { clearTimeout(timer); ok({ hub, url: m[1] }); }
    });
  });
}

let passed = 0, failed = 0;
async function check(name, fn) {
  try { await fn(); passed++; console.log(`ok   ${name}`); }
  catch (e) { failed++; console.log(`FAIL ${name}: ${e.message}`); }
}

const { hub, url } = await startHub();
const profile = mkdtempSync(join(tmpdir(), 'kipochi-chr-'));
const context = await chromium.launchPersistentContext(profile, {
  executablePath: process.env.CHROMIUM, headless: true, args: FLAGS,
});
try {
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  await check('web bundle mounts the app', async () => {
    await page.goto(url + '/');
    await page.waitForSelector('#title', { timeout: 15000 });
    const title = await page.textContent('#title');
    if (title !== 'Kipochi') throw new Error(`title was ${JSON.stringify(title)}`);
  });
  await check('no page or console errors', async () => {
    if (errors.length) throw new Error(errors.join(' | '));
  });
  mkdirSync('artifacts/screenshots', { recursive: true });
  await page.screenshot({ path: 'artifacts/screenshots/smoke-home.png' });
} finally {
  await context.close();
  rmSync(profile, { recursive: true, force: true });
  hub.kill();
  rmSync(dataDir, { recursive: true, force: true });
}
console.log(`browser: ${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
