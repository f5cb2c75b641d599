// Shared pieces of the browser tests: start a real lab on loopback, Chromium flags, pages at
// phone width, exact amounts, and a tiny pass/fail counter.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const require = createRequire(resolve(process.env.KIPOCHI_TOOLS, 'package.json'));
export const { chromium } = require('playwright-core');

export const FLAGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];
export const PIN = '2580';
export const SHOTS = 'artifacts/screenshots';

/** Starts `kipochi-hub lab` (switch + bluebank + greenwallet) serving the web bundle. */
export function startLab() {
  const dataDir = mkdtempSync(join(tmpdir(), 'kipochi-lab-'));
  const lab = spawn(process.env.KIPOCHI_HUB_BIN,
    ['lab', '--base-port', '0', '--data-dir', dataDir, '--web-dir', process.env.KIPOCHI_WEB_DIR],
    { stdio: ['ignore', 'pipe', 'inherit'] });
  const urls = {};
  let out = '';
  const stop = async () => {
    lab.kill('SIGINT');
    await new Promise((r) => { lab.once('exit', r); setTimeout(r, 10000); });
    rmSync(dataDir, { recursive: true, force: true });
  };
  return new Promise((ok, fail) => {
    const timer = setTimeout(() => fail(new Error('lab did not start in 60 s')), 60000);
    lab.on('exit', (code) => fail(new Error(`lab exited with ${code}`)));
    lab.stdout.on('data', (chunk) => {
      out += chunk.toString();
      for (const m of out.matchAll(/^service (\S+) (\S+)$/gm)) urls[m[1]] = m[2];
      if (out.includes('Kipochi lab ready')) { clearTimeout(timer); ok({ urls, stop }); }
    });
  });
}

/** Exact decimal text ("1500", "12.5") → BigInt hundredths; never floats. */
export function cents(text) {
  const m = /^(-?)(\d+)(?:\.(\d{1,2}))?$/.exec(text.trim());
  if (!m) throw new Error(`not an amount: ${JSON.stringify(text)}`);
  const v = BigInt(m[2]) * 100n + BigInt((m[3] ?? '').padEnd(2, '0'));
  return m[1] ? -v : v;
}
export const amountOf = (text) => cents(text.trim().split(/\s+/)[0]);

let passed = 0, failed = 0;
/** Runs one named check and counts it. */
export async function check(name, fn) {
  try { await fn(); passed++; console.log(`ok   ${name}`); }
  catch (e) { failed++; console.log(`FAIL ${name}: ${e.message}`); }
}
export const results = () => ({ passed, failed });

/** A new context and page at phone width; page errors and console errors go to `errors`. */
export async function newPage(browser, errors, options = {}) {
  const context = await browser.newContext({ viewport: { width: 390, height: 844 }, ...options });
  const page = await context.newPage();
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  return page;
}

export async function login(page, url, phone, pin = PIN) {
  await page.goto(url + '/');
  await page.waitForSelector('#login', { timeout: 15000 });
  await page.fill('#phone', phone);
  await page.fill('#pin', pin);
  await page.click('#login-submit');
}

/** Waits until `selector` has non-empty text and returns it. */
export async function textOf(page, selector, timeout = 15000) {
  await page.waitForFunction((s) => document.querySelector(s)?.textContent.trim().length > 0,
    selector, { timeout });
  return (await page.textContent(selector)).trim();
}
