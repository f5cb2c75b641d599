// Browser end-to-end test of the web wallet against a real lab (switch + bluebank + greenwallet)
// on loopback, in headless Chromium at phone width:
//  1. a wrong PIN shows a readable error;
//  2. a bluebank customer pays a greenwallet customer by phone through the UI, sees the payee
//     name, fee and total from the hub's quote, the result, and the new balance;
//  3. a greenwallet merchant's receive page shows a dynamic QR and flips to "Paid" live when a
//     bluebank customer pays it by pasting the QR text in a second browser context.
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
const PIN = '2580';
const SHOTS = 'artifacts/screenshots';
const dataDir = mkdtempSync(join(tmpdir(), 'kipochi-lab-'));

function startLab() {
  const lab = spawn(process.env.KIPOCHI_HUB_BIN,
    ['lab', '--base-port', '0', '--data-dir', dataDir, '--web-dir', process.env.KIPOCHI_WEB_DIR],
    { stdio: ['ignore', 'pipe', 'inherit'] });
  const urls = {};
  let out = '';
  return new Promise((ok, fail) => {
    const timer = setTimeout(() => fail(new Error('lab did not start in 60 s')), 60000);
    lab.on('exit', (code) => fail(new Error(`lab exited with ${code}`)));
    lab.stdout.on('data', (chunk) => {
      out += chunk.toString();
      for (const m of out.matchAll(/^service (\S+) (\S+)$/gm)) urls[m[1]] = m[2];
      if (out.includes('Kipochi lab ready')) { clearTimeout(timer); ok({ lab, urls }); }
    });
  });
}

// Exact decimal text ("1500", "12.5") → BigInt hundredths; never floats.
function cents(text) {
  const m = /^(-?)(\d+)(?:\.(\d{1,2}))?$/.exec(text.trim());
  if (!m) throw new Error(`not an amount: ${JSON.stringify(text)}`);
  const v = BigInt(m[2]) * 100n + BigInt((m[3] ?? '').padEnd(2, '0'));
  return m[1] ? -v : v;
}
const amountOf = (text) => cents(text.trim().split(/\s+/)[0]);

let passed = 0, failed = 0;
async function check(name, fn) {
  try { await fn(); passed++; console.log(`ok   ${name}`); }
  catch (e) { failed++; console.log(`FAIL ${name}: ${e.message}`); }
}

async function newPage(browser, errors) {
  const context = await browser.newContext({ viewport: { width: 390, height: 844 } });
  const page = await context.newPage();
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  return page;
}

async function login(page, url, phone, pin = PIN) {
  await page.goto(url + '/');
  await page.waitForSelector('#login', { timeout: 15000 });
  await page.fill('#phone', phone);
  await page.fill('#pin', pin);
  await page.click('#login-submit');
}

async function payAndApprove(page) {
  await page.waitForSelector('#confirm', { timeout: 15000 });
  await page.fill('#approve-pin', PIN);
  await page.click('#approve');
  await page.waitForSelector('#result-state.committed', { timeout: 30000 });
}

mkdirSync(SHOTS, { recursive: true });
const { lab, urls } = await startLab();
const browser = await chromium.launch({ executablePath: process.env.CHROMIUM, headless: true, args: FLAGS });
const errors = [];
try {
  const blue = urls.bluebank, green = urls.greenwallet;
  const payer = await newPage(browser, errors);

  await check('a wrong PIN shows a readable error', async () => {
    await login(payer, blue, '255711000001', '0000');
    await payer.waitForFunction(() => document.querySelector('#login-error')?.textContent.length > 0,
      null, { timeout: 15000 });
    const text = await payer.textContent('#login-error');
    if (text !== 'Wrong phone number or PIN.') throw new Error(`error was ${JSON.stringify(text)}`);
    await payer.screenshot({ path: `${SHOTS}/wallet-login-error.png` });
    // The hub's 401 for the wrong PIN is the one console error this step expects.
    const other = errors.filter((e) => !/status of 401/.test(e));
    if (other.length) throw new Error(other.join(' | '));
    errors.length = 0;
  });

  await check('customer pays a greenwallet customer by phone and sees the new balance', async () => {
    await login(payer, blue, '255711000001');
    await payer.waitForSelector('#balance', { timeout: 15000 });
    const before = amountOf(await payer.textContent('#balance'));
    await payer.screenshot({ path: `${SHOTS}/wallet-home.png` });
    await payer.click('#go-pay');
    await payer.fill('#to-phone', '255722000001');
    await payer.fill('#amount', '1500');
    await payer.click('#pay-submit');
    await payer.waitForSelector('#confirm', { timeout: 15000 });
    const payee = await payer.textContent('#payee');
    if (payee !== 'Neema Mushi') throw new Error(`payee was ${JSON.stringify(payee)}`);
    const amount = amountOf(await payer.textContent('#q-amount'));
    const fee = amountOf(await payer.textContent('#q-fee'));
    const total = amountOf(await payer.textContent('#q-total'));
    if (amount !== 150000n || total !== amount + fee) throw new Error(`amount ${amount} fee ${fee} total ${total}`);
    if (!/expires in \d+ s/.test(await payer.textContent('#expiry'))) throw new Error('no countdown');
    await payer.screenshot({ path: `${SHOTS}/wallet-confirm.png` });
    await payAndApprove(payer);
    if ((await payer.textContent('#r-payee')) !== 'Neema Mushi') throw new Error('result payee');
    await payer.screenshot({ path: `${SHOTS}/wallet-result.png` });
    await payer.click('#back-home');
    await payer.waitForSelector('#balance', { timeout: 15000 });
    const after = amountOf(await payer.textContent('#balance'));
    if (after !== before - total) throw new Error(`balance ${before} → ${after}, total ${total}`);
    if ((await payer.locator('#history li').count()) < 1) throw new Error('history is empty');
  });

  await check('merchant QR flips to paid live when a customer pays it', async () => {
    const merchant = await newPage(browser, errors);
    await login(merchant, green, '255722000003');
    await merchant.waitForSelector('#receive', { timeout: 15000 });
    await merchant.waitForSelector('#live:has-text("live")', { timeout: 15000 });
    await merchant.fill('#req-amount', '2500');
    await merchant.fill('#req-ref', 'ORDER-42');
    await merchant.click('#req-submit');
    await merchant.waitForSelector('#qr svg', { timeout: 15000 });
    const status = await merchant.textContent('#request-status');
    if (!status.startsWith('Waiting')) throw new Error(`status was ${JSON.stringify(status)}`);
    const payload = await merchant.textContent('#qr-payload');
    await merchant.screenshot({ path: `${SHOTS}/merchant-qr.png` });

    const buyer = await newPage(browser, errors);
    await login(buyer, blue, '255711000002');
    await buyer.waitForSelector('#go-pay', { timeout: 15000 });
    await buyer.click('#go-pay');
    await buyer.check('#mode-qr');
    await buyer.fill('#payload', payload);
    await buyer.click('#pay-submit');
    await buyer.waitForSelector('#confirm', { timeout: 15000 });
    const payee = await buyer.textContent('#payee');
    if (payee !== 'Mama Ntilie') throw new Error(`payee was ${JSON.stringify(payee)}`);
    if (amountOf(await buyer.textContent('#q-amount')) !== 250000n) throw new Error('QR amount');
    await payAndApprove(buyer);

    await merchant.waitForSelector('#request-status.paid', { timeout: 20000 });
    await merchant.waitForSelector('#incoming li', { timeout: 10000 });
    await merchant.screenshot({ path: `${SHOTS}/merchant-paid.png` });
  });

  await check('no page or console errors', async () => {
    if (errors.length) throw new Error(errors.join(' | '));
  });
} finally {
  await browser.close();
  lab.kill('SIGINT');
  await new Promise((r) => { lab.once('exit', r); setTimeout(r, 10000); });
  rmSync(dataDir, { recursive: true, force: true });
}
console.log(`browser wallet: ${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
